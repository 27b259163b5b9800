//! The simulator: simulated kiosk devices with real behaviour, persona decks, the scripted walk-in
//! users of `kiosk-sim demo`, and the control protocol they use to act on a running kioskd.
//!
//! Nothing here depends on the daemon: `kiosk-sim demo` starts `kioskd` as a separate process and
//! talks to it over its simulator control socket ([`control`]).

pub mod bench;
pub mod bio;
pub mod control;
pub mod crash;
pub mod demo;
pub mod devices;
pub mod devices_cmd;
pub mod persona;
pub mod scheduler;
pub mod wire;

/// The time zone of mainland halls (UTC+8, no daylight saving).
pub const HALL_OFFSET: chrono::FixedOffset = match chrono::FixedOffset::east_opt(8 * 3600) {
    Some(o) => o,
    None => panic!("UTC+8 is a valid offset"),
};
