//! The central scheduler stand-in: the national booking system as kiosks and applicants see it.

pub mod api;
