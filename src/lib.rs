//! kioskd: the daemon of the exit-entry self-service kiosk.
//!
//! - [`session`]: the two walk-in flows as a pure state machine.
//! - [`store`]: the local SQLite store (journal, bookings cache, tickets, payments, endorsements,
//!   outbox, audit chain).
//! - [`runtime`]: the thin async shell that feeds the machine with device events, touches and timers
//!   and performs its effects, journaling each transition first (or, for one a restart would not
//!   notice, with the next).
//! - [`central`], [`policy`], [`config`], [`clock`], [`documents`]: what the shell needs around it.

pub mod backends;
pub mod central;
pub mod clock;
pub mod config;
pub mod control_socket;
pub mod display;
pub mod documents;
pub mod metrics;
pub mod notify;
pub mod policy;
pub mod probe;
pub mod runtime;
pub mod session;
pub mod staff;
pub mod store;
pub mod sync;
