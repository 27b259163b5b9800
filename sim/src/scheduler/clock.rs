//! The scheduler's clock: real time, or real time shifted so that it started at `--now`.

use crate::HALL_OFFSET;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use std::time::Instant;

/// Central's now. Started at a given instant it advances with real time from there.
#[derive(Debug, Clone)]
pub struct Clock {
    start: Option<(DateTime<Utc>, Instant)>,
}

impl Clock {
    /// The real clock.
    pub fn real() -> Clock {
        Clock { start: None }
    }

    /// A clock that reads `at` now and advances with real time.
    pub fn starting_at(at: DateTime<FixedOffset>) -> Clock {
        Clock { start: Some((at.with_timezone(&Utc), Instant::now())) }
    }

    /// Now, UTC.
    pub fn now(&self) -> DateTime<Utc> {
        match self.start {
            None => Utc::now(),
            Some((at, since)) => {
                let elapsed = chrono::Duration::from_std(since.elapsed()).unwrap_or_default();
                at.checked_add_signed(elapsed).unwrap_or(at)
            }
        }
    }

    /// Now, hall time (UTC+8).
    pub fn hall_now(&self) -> DateTime<FixedOffset> {
        self.now().with_timezone(&HALL_OFFSET)
    }

    /// Now as a wall-clock time in the halls.
    pub fn hall_local(&self) -> NaiveDateTime {
        self.hall_now().naive_local()
    }

    /// Central's today (hall time).
    pub fn today(&self) -> NaiveDate {
        self.hall_now().date_naive()
    }
}

/// A stored timestamp: RFC 3339, UTC, milliseconds (sorts as text).
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Parse a stored timestamp back.
pub fn parse_stamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_started_clock_reads_its_start_and_advances() {
        let at = DateTime::parse_from_rfc3339("2026-05-18T10:00:00+08:00").unwrap_or_default();
        let c = Clock::starting_at(at);
        let now = c.now();
        assert!(now >= at.with_timezone(&Utc));
        assert!(now - at.with_timezone(&Utc) < chrono::Duration::seconds(5));
        assert_eq!(c.today(), NaiveDate::from_ymd_opt(2026, 5, 18).unwrap_or_default());
    }

    #[test]
    fn stamps_round_trip() {
        let t = Utc::now();
        let s = stamp(t);
        assert!(s.ends_with('Z'));
        assert_eq!(parse_stamp(&s).map(|p| p.timestamp_millis()), Some(t.timestamp_millis()));
    }
}
