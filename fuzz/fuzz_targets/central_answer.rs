//! Fuzz what kioskd makes of central's answers (`kioskd::central::http::decode_answer`): any status
//! and any body, decoded as each answer type of the API, is the promised value or a typed error
//! with a short, printable message; never a panic. Booking changes that decode are applied to a
//! fresh store the way the sync task applies them: nonsense is skipped, nothing panics, and the
//! store stays intact.
#![no_main]

use kioskd::central::http::decode_answer;
use kioskd::central::{CentralError, Authorisation, Booking, Bookings, CancelResult, Documents, Endorsements};
use kioskd::central::{HallSlots, Progress, TravelRecords};
use libfuzzer_sys::fuzz_target;
use sim::scheduler::api::{BookingChanges, EventResults, ServerTime};

fn check<T: serde::de::DeserializeOwned>(status: u16, body: &[u8]) -> Option<T> {
    match decode_answer::<T>(status, body) {
        Ok(v) => Some(v),
        Err(CentralError::Refused { code, message, .. }) => {
            assert!(code.chars().count() <= 200 && message.chars().count() <= 200);
            assert!(!message.chars().any(char::is_control));
            None
        }
        Err(_) => None,
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = 100 + u16::from_le_bytes([data[1], data[2]]) % 500;
    let body = &data[3..];
    match data[0] % 12 {
        0 => {
            if let Some(changes) = check::<BookingChanges>(status, body) {
                let Ok(mut conn) = kioskd::store::sync::open(std::path::Path::new(":memory:")) else { return };
                let _ = kioskd::store::sync::apply_changes(&mut conn, "gz-tianhe", &changes.bookings, &changes.cursor);
                let ok: Result<String, _> = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0));
                assert_eq!(ok.ok().as_deref(), Some("ok"));
            }
        }
        1 => drop(check::<Authorisation>(status, body)),
        2 => drop(check::<EventResults>(status, body)),
        3 => drop(check::<ServerTime>(status, body)),
        4 => drop(check::<Bookings>(status, body)),
        5 => drop(check::<Booking>(status, body)),
        6 => drop(check::<CancelResult>(status, body)),
        7 => drop(check::<HallSlots>(status, body)),
        8 => drop(check::<Progress>(status, body)),
        9 => drop(check::<Endorsements>(status, body)),
        10 => drop(check::<Documents>(status, body)),
        _ => drop(check::<TravelRecords>(status, body)),
    }
});
