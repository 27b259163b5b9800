//! Strict parsers for what requests carry: exactly the formats the OpenAPI document names, no more.
//!
//! chrono's own parsers are lenient (`2026-1-5`, ` 2026-01-05`, `+2026-01-05`, a space instead of
//! `T`, `+0800`): a value the document calls malformed must be refused, so every date, time and
//! ID number a request carries goes through here. Shapes, with the patterns published for them:
//!
//! - a date is `YYYY-MM-DD` (JSON Schema `format: date`, RFC 3339 `full-date`);
//! - a date-time is RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`, `T`
//!   and `Z` in either case, seconds 00 to 59;
//! - a time of day is `HH:MM` ([`TIME_PATTERN`]);
//! - an ID number is 18 characters, 17 digits and a digit or `X` ([`ID_NUMBER_PATTERN`]), with a
//!   real birth date and check character (which no pattern can say).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use serde::{Deserialize, Deserializer};

/// `HH:MM`, 00:00 to 23:59.
pub const TIME_PATTERN: &str = "^([01][0-9]|2[0-3]):[0-5][0-9]$";

/// The shape of an ID number: 6 digits of area, a birth date `YYYYMMDD`, 3 digits, a check digit or
/// `X` (lower case accepted).
pub const ID_NUMBER_PATTERN: &str = "^[0-9]{10}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]$";

/// A mainland mobile number: 11 digits starting 13 to 19, optionally after `+86`.
pub const PHONE_PATTERN: &str = "^(\\+86)?1[3-9][0-9]{9}$";

/// No control characters (Unicode `Cc`), as names must not carry.
pub const NO_CONTROL_PATTERN: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";

/// A booking-feed cursor as issued: empty (from the start) or `v1.SEQ.FROM.TO`.
pub const CURSOR_PATTERN: &str = "^(v1\\.[0-9]{1,19}\\.[0-9]{4}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])\\.[0-9]{4}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01]))?$";

/// A travel-record reference as issued: 32 lower-case hex digits (128 random bits).
pub const TRAVEL_REFERENCE_PATTERN: &str = "^[0-9a-f]{32}$";

/// Whether `s` is shaped as a travel-record reference ([`TRAVEL_REFERENCE_PATTERN`]), exactly.
pub fn travel_reference(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

fn number(b: &[u8]) -> Option<u32> {
    if !digits(b) {
        return None;
    }
    b.iter().try_fold(0u32, |n, d| n.checked_mul(10)?.checked_add(u32::from(d - b'0')))
}

/// `YYYY-MM-DD`, exactly.
pub fn date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(number(&b[..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&b[5..7])?, number(&b[8..10])?)
}

/// `YYYYMMDD`, exactly (the days of a cursor).
pub fn compact_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 8 {
        return None;
    }
    let year = i32::try_from(number(&b[..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&b[4..6])?, number(&b[6..8])?)
}

/// `HH:MM`, exactly.
pub fn time(s: &str) -> Option<NaiveTime> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' {
        return None;
    }
    NaiveTime::from_hms_opt(number(&b[..2])?, number(&b[3..5])?, 0)
}

/// An RFC 3339 date-time, exactly (no leap second).
pub fn date_time(s: &str) -> Option<DateTime<FixedOffset>> {
    let b = s.as_bytes();
    if b.len() < 20 || !matches!(b[10], b'T' | b't') {
        return None;
    }
    date(s.get(..10)?)?;
    let clock = &b[11..19];
    if clock[2] != b':' || clock[5] != b':' {
        return None;
    }
    let (h, m, sec) = (number(&clock[..2])?, number(&clock[3..5])?, number(&clock[6..8])?);
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    match rest {
        [b'Z' | b'z'] => {}
        [b'+' | b'-', oh @ ..] if oh.len() == 5 && oh[2] == b':' => {
            if number(&oh[..2])? > 23 || number(&oh[3..])? > 59 {
                return None;
            }
        }
        _ => return None,
    }
    DateTime::parse_from_rfc3339(s).ok()
}

/// The ID number's shape ([`ID_NUMBER_PATTERN`]), checked before [`drivers::idcard::IdNumber`]
/// (which would also take surrounding white space).
pub fn id_number_shape(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 18 && digits(&b[..17]) && (b[17].is_ascii_digit() || b[17] == b'X' || b[17] == b'x')
}

/// An ID number: its shape exactly, then a real birth date and check character. Normalised to
/// upper case.
pub fn id_number(s: &str) -> Result<drivers::idcard::IdNumber, String> {
    if !id_number_shape(s) {
        return Err(format!(
            "id_number {:?} is not an ID number: 18 characters, 17 digits then a digit or X",
            s.chars().take(40).collect::<String>()
        ));
    }
    drivers::idcard::IdNumber::parse(s).map_err(|e| format!("id_number: {e}"))
}

fn expected(what: &str) -> String {
    format!("expected {what}")
}

/// serde: a date `YYYY-MM-DD`.
pub fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let s = String::deserialize(d)?;
    date(&s).ok_or_else(|| serde::de::Error::custom(format!("{s:?}: {}", expected("a date YYYY-MM-DD"))))
}

/// serde: an optional date `YYYY-MM-DD` (with `#[serde(default)]`).
pub fn de_opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => date(&s)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("{s:?}: {}", expected("a date YYYY-MM-DD")))),
    }
}

/// serde: an RFC 3339 date-time.
pub fn de_date_time<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<FixedOffset>, D::Error> {
    let s = String::deserialize(d)?;
    date_time(&s).ok_or_else(|| serde::de::Error::custom(format!("{s:?}: {}", expected("an RFC 3339 date-time"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_exactly_yyyy_mm_dd() {
        assert_eq!(date("2026-01-05"), NaiveDate::from_ymd_opt(2026, 1, 5));
        assert_eq!(date("0000-01-01"), NaiveDate::from_ymd_opt(0, 1, 1));
        for bad in ["2026-1-5", " 2026-01-05", "2026-01-05 ", "+2026-01-05", "-001-01-01", "2026-02-30", "20260105"] {
            assert_eq!(date(bad), None, "{bad:?}");
        }
        assert_eq!(compact_date("20261121"), NaiveDate::from_ymd_opt(2026, 11, 21));
        assert_eq!(compact_date("2026112"), None);
        assert_eq!(compact_date("+2026112"), None);
    }

    #[test]
    fn times_are_exactly_hh_mm() {
        assert_eq!(time("08:30"), NaiveTime::from_hms_opt(8, 30, 0));
        for bad in [" 8:30", "8:30", "08:3 ", "+8:30", "24:00", "23:60", "08-30"] {
            assert_eq!(time(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn date_times_are_rfc_3339() {
        for good in [
            "2026-05-18T10:00:00+08:00",
            "2026-05-18t10:00:00z",
            "2026-05-18T10:00:00.123456789Z",
            "2026-05-18T10:00:00-00:00",
        ] {
            assert!(date_time(good).is_some(), "{good:?}");
        }
        for bad in [
            "2026-05-18 10:00:00+08:00",
            "2026-05-18T10:00:00+0800",
            " 2026-05-18T10:00:00Z",
            "2026-05-18T10:00:00 Z",
            "2026-05-18T10:00+08:00",
            "2026-05-18T10:00:60+08:00",
            "2026-05-18T10:00:00.Z",
            "+12026-05-18T10:00:00Z",
            "2026-05-18T10:00:00+24:00",
            "2026-05-18T10:00:00",
        ] {
            assert!(date_time(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn travel_references_are_32_lower_case_hex_digits() {
        assert!(travel_reference("0123456789abcdef0123456789abcdef"));
        for bad in [
            "0123456789ABCDEF0123456789abcdef",
            "0123456789abcdef0123456789abcde",
            " 0123456789abcdef0123456789abcdef",
            "g123456789abcdef0123456789abcdef",
            "",
        ] {
            assert!(!travel_reference(bad), "{bad:?}");
        }
    }

    #[test]
    fn id_numbers_have_their_shape_and_nothing_around_it() {
        assert!(id_number_shape("430104197908101729"));
        assert!(id_number_shape("44010619900101123x"));
        assert!(!id_number_shape(" 430104197908101729"));
        assert!(!id_number_shape("43010419790810172"));
        assert!(!id_number_shape("4301041979081017２9"));
    }
}
