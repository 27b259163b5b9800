//! The central scheduler stand-in: the national booking system as kiosks and applicants see it.
//!
//! An HTTP/JSON server (`kiosk-sim scheduler`) over its own SQLite database, seeded from a persona
//! deck (`kiosk-sim scheduler seed`). How to run it, the endpoints, rules and error codes:
//! `sim/SCHEDULER.md`; the OpenAPI document is served at `/openapi.json`.
//!
//! - [`api`]: the kiosk API's wire types (shared with kioskd); [`public_api`]: the applicant API's.
//! - [`rules`]: the booking and authorisation rules as pure functions.
//! - [`schema`], [`store`]: the database; [`bookings`], [`authorise`], [`events`], [`queries`]:
//!   what the endpoints do in it; [`seed`]: filling it from a deck.
//! - [`routes`], [`auth`], [`extract`], [`error`], [`server`]: the HTTP side; [`clock`]: central's now.
//! - `tls` (cargo feature `tls`): mutual TLS, and the certificates for it.

pub mod api;
pub mod auth;
pub mod authorise;
pub mod bookings;
pub mod clock;
pub mod error;
pub mod events;
pub mod extract;
pub mod geo;
pub mod policy;
pub mod presets;
pub mod public_api;
pub mod queries;
pub mod routes;
pub mod rules;
pub mod schema;
pub mod seed;
pub mod server;
pub mod state;
pub mod store;
pub mod strict;
#[cfg(feature = "tls")]
pub mod tls;
