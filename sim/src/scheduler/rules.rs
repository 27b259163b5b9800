//! The booking and authorisation rules, as pure functions of their inputs (no clock, no database).
//!
//! - No same-day booking: the earliest bookable slot is tomorrow at 08:30.
//! - Only the hall's published slots within its opening hours can be booked; never beyond capacity.
//! - One active booking per person per business and document.
//! - Cancelling is allowed until the hall's cut-off before the slot; `max_cancellations` within
//!   `cancel_window_days` bans booking for `ban_days` from the last of them.

use super::api::BookingStatus;
use super::error::AppError;
use super::policy::Policy;
use axum::http::StatusCode;
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use drivers::permit::{Destination, Endorsement, EndorsementKind, PermitKind};
use kiosk_ui::Reason;

/// The earliest time of day a booking for tomorrow may start.
pub fn earliest_start() -> NaiveTime {
    NaiveTime::from_hms_opt(8, 30, 0).unwrap_or(NaiveTime::MIN)
}

/// Weekday names as the halls table stores them, Monday first.
const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A hall's opening hours and booking policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HallRules {
    /// First slot starts.
    pub opens: NaiveTime,
    /// Last slot ends.
    pub closes: NaiveTime,
    /// Open on each weekday, Monday first.
    pub open_days: [bool; 7],
    /// Slot length.
    pub slot_minutes: u32,
    /// Seats per slot.
    pub slot_capacity: u32,
    /// A booking can be cancelled until this many hours before its slot starts.
    pub cancel_cutoff_hours: i64,
    /// This many cancellations within the window ban booking (0: never).
    pub max_cancellations: u32,
    /// The window, days.
    pub cancel_window_days: i64,
    /// How long a ban lasts after the cancellation that caused it, days.
    pub ban_days: i64,
}

impl Default for HallRules {
    fn default() -> HallRules {
        HallRules {
            opens: earliest_start(),
            closes: NaiveTime::from_hms_opt(17, 0, 0).unwrap_or(NaiveTime::MIN),
            open_days: [true, true, true, true, true, true, false],
            slot_minutes: 30,
            slot_capacity: 6,
            cancel_cutoff_hours: 24,
            max_cancellations: 3,
            cancel_window_days: 30,
            ban_days: 30,
        }
    }
}

impl HallRules {
    /// Whether the hall is open on `date`.
    pub fn open_on(&self, date: NaiveDate) -> bool {
        self.open_days[date.weekday().num_days_from_monday() as usize]
    }

    /// Every slot of an open day, (start, end).
    pub fn day_slots(&self) -> Vec<(NaiveTime, NaiveTime)> {
        let step = TimeDelta::minutes(i64::from(self.slot_minutes.max(1)));
        let mut out = Vec::new();
        let mut t = self.opens;
        loop {
            let (end, wrapped) = t.overflowing_add_signed(step);
            if wrapped != 0 || end <= t || end > self.closes {
                return out;
            }
            out.push((t, end));
            t = end;
        }
    }

    /// The slot starting at `start` on an open day, if there is one: (start, end).
    pub fn slot_at(&self, start: NaiveTime) -> Option<(NaiveTime, NaiveTime)> {
        self.day_slots().into_iter().find(|(s, _)| *s == start)
    }
}

/// Parse `Mon,Tue,...` into open days.
pub fn parse_days(s: &str) -> Option<[bool; 7]> {
    let mut days = [false; 7];
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let i = DAY_NAMES.iter().position(|d| d.eq_ignore_ascii_case(part))?;
        days[i] = true;
    }
    Some(days)
}

/// Open days as `Mon,Tue,...`.
pub fn days_text(days: &[bool; 7]) -> String {
    DAY_NAMES.iter().zip(days).filter(|(_, open)| **open).map(|(d, _)| *d).collect::<Vec<_>>().join(",")
}

/// Open days as weekday names.
pub fn day_names(days: &[bool; 7]) -> Vec<String> {
    DAY_NAMES.iter().zip(days).filter(|(_, open)| **open).map(|(d, _)| d.to_string()).collect()
}

/// Why a booking request (or a cancellation) is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The day is over.
    Past,
    /// Today: same-day booking is impossible.
    SameDay,
    /// Tomorrow before 08:30.
    TooEarly,
    /// Not a slot of the hall: closed that day, outside opening hours, not on a slot boundary, or
    /// not published.
    NoSuchSlot(String),
    /// No seat left.
    SlotFull,
    /// An active booking for the same business and document exists (its code).
    DuplicateBooking(String),
    /// Too many cancellations: booking is refused until then.
    BookingBanned(DateTime<Utc>),
    /// Too late to cancel or move: the cut-off was then (hall time).
    CancelCutoff(NaiveDateTime),
    /// The booking is no longer active.
    NotActive(BookingStatus),
    /// Not a mainland resident: this channel does not serve them.
    NonMainland,
}

impl Refusal {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Past => "past",
            Refusal::SameDay => "same_day",
            Refusal::TooEarly => "too_early",
            Refusal::NoSuchSlot(_) => "no_such_slot",
            Refusal::SlotFull => "slot_full",
            Refusal::DuplicateBooking(_) => "duplicate_booking",
            Refusal::BookingBanned(_) => "booking_banned",
            Refusal::CancelCutoff(_) => "cancel_cutoff",
            Refusal::NotActive(_) => "not_active",
            Refusal::NonMainland => "non_mainland",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::SlotFull | Refusal::DuplicateBooking(_) | Refusal::NotActive(_) => StatusCode::CONFLICT,
            Refusal::BookingBanned(_) | Refusal::NonMainland => StatusCode::FORBIDDEN,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// What to tell the person.
    pub fn message(&self) -> String {
        match self {
            Refusal::Past => "that day is over; pick a day from tomorrow on".into(),
            Refusal::SameDay => "same-day booking is not possible; the earliest is tomorrow at 08:30".into(),
            Refusal::TooEarly => "the earliest bookable slot is tomorrow at 08:30".into(),
            Refusal::NoSuchSlot(why) => format!("no such slot: {why}"),
            Refusal::SlotFull => "that slot is fully booked (已约满); pick another".into(),
            Refusal::DuplicateBooking(code) => {
                format!("booking {code} for the same business and document is still active; cancel or rebook it")
            }
            Refusal::BookingBanned(until) => format!(
                "too many cancellations: booking is refused until {}",
                until.with_timezone(&crate::HALL_OFFSET).format("%Y-%m-%d %H:%M")
            ),
            Refusal::CancelCutoff(deadline) => {
                format!("too late: bookings can be cancelled or moved until {}", deadline.format("%Y-%m-%d %H:%M"))
            }
            Refusal::NotActive(status) => format!("the booking is {}", status_text(*status)),
            Refusal::NonMainland => "this channel serves mainland residents only; please ask at a counter".into(),
        }
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> AppError {
        AppError::new(r.status(), r.code(), r.message())
    }
}

/// A booking status as stored and published.
pub fn status_text(s: BookingStatus) -> &'static str {
    match s {
        BookingStatus::Active => "active",
        BookingStatus::Cancelled => "cancelled",
        BookingStatus::CheckedIn => "checked_in",
    }
}

/// A stored booking status.
pub fn parse_status(s: &str) -> Option<BookingStatus> {
    match s {
        "active" => Some(BookingStatus::Active),
        "cancelled" => Some(BookingStatus::Cancelled),
        "checked_in" => Some(BookingStatus::CheckedIn),
        _ => None,
    }
}

/// Whether `date` at `start` may be booked `now` (hall time) at a hall with `rules`; the slot's end
/// when it may. Publication and seats are checked against the database afterwards.
pub fn check_slot_time(
    now: NaiveDateTime,
    date: NaiveDate,
    start: NaiveTime,
    rules: &HallRules,
) -> Result<NaiveTime, Refusal> {
    let today = now.date();
    if date < today {
        return Err(Refusal::Past);
    }
    if date == today {
        return Err(Refusal::SameDay);
    }
    if Some(date) == today.succ_opt() && start < earliest_start() {
        return Err(Refusal::TooEarly);
    }
    if !rules.open_on(date) {
        return Err(Refusal::NoSuchSlot(format!("the hall is closed on {}s", date.weekday())));
    }
    match rules.slot_at(start) {
        Some((_, end)) => Ok(end),
        None => Err(Refusal::NoSuchSlot(format!(
            "slots start every {} minutes from {} and end by {}",
            rules.slot_minutes,
            hhmm(rules.opens),
            hhmm(rules.closes)
        ))),
    }
}

/// Whether a slot still has a seat.
pub fn check_capacity(capacity: i64, booked: i64) -> Result<(), Refusal> {
    if booked >= capacity { Err(Refusal::SlotFull) } else { Ok(()) }
}

/// When the ban caused by these cancellations (any order) ends, if they cause one: the latest
/// cancellation that is the `max_cancellations`-th within `cancel_window_days`, plus `ban_days`.
pub fn ban_until(cancellations: &[DateTime<Utc>], rules: &HallRules) -> Option<DateTime<Utc>> {
    let n = rules.max_cancellations as usize;
    if n == 0 || cancellations.len() < n {
        return None;
    }
    let mut sorted = cancellations.to_vec();
    sorted.sort();
    let window = TimeDelta::days(rules.cancel_window_days);
    sorted
        .windows(n)
        .filter(|w| w[n - 1] - w[0] <= window)
        .filter_map(|w| w[n - 1].checked_add_signed(TimeDelta::days(rules.ban_days)))
        .max()
}

/// Whether booking is allowed `now` given these cancellations.
pub fn check_ban(now: DateTime<Utc>, cancellations: &[DateTime<Utc>], rules: &HallRules) -> Result<(), Refusal> {
    match ban_until(cancellations, rules) {
        Some(until) if now < until => Err(Refusal::BookingBanned(until)),
        _ => Ok(()),
    }
}

/// The last moment (hall time) a booking for `date` at `start` can be cancelled or moved.
pub fn cancel_deadline(date: NaiveDate, start: NaiveTime, rules: &HallRules) -> NaiveDateTime {
    date.and_time(start) - TimeDelta::hours(rules.cancel_cutoff_hours)
}

/// Whether a booking for `date` at `start` may be cancelled or moved `now` (hall time).
pub fn check_cancel(now: NaiveDateTime, date: NaiveDate, start: NaiveTime, rules: &HallRules) -> Result<(), Refusal> {
    let deadline = cancel_deadline(date, start, rules);
    if now > deadline { Err(Refusal::CancelCutoff(deadline)) } else { Ok(()) }
}

/// A mainland mobile number: 11 digits starting 13-19, optionally after `+86`; nothing else, not
/// even white space around it (`strict::PHONE_PATTERN`).
pub fn valid_phone(s: &str) -> bool {
    let s = s.strip_prefix("+86").unwrap_or(s);
    let b = s.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit)
}

/// A person's name on a form: 1 to 30 characters as sent (white space around it counts), not all
/// white space, no control characters.
pub fn valid_name(s: &str) -> bool {
    let n = s.chars().count();
    (1..=30).contains(&n) && !s.trim().is_empty() && !s.chars().any(char::is_control)
}

/// Strict `HH:MM`: two digits, a colon, two digits.
pub fn parse_hhmm(s: &str) -> Option<NaiveTime> {
    super::strict::time(s)
}

/// `HH:MM`.
pub fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// A document is due for renewal when it expires within six months (or has expired).
pub fn renewal_due(expiry: NaiveDate, today: NaiveDate) -> bool {
    today.checked_add_months(Months::new(6)).is_none_or(|limit| expiry <= limit)
}

/// The kiosk sync cursor: the last change sequence delivered, and the day window it was issued for.
/// A cursor presented with another window starts that window over (a full resync of it), so days
/// that enter the window as time passes are never missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// Last change delivered.
    pub seq: i64,
    /// Window start.
    pub from: NaiveDate,
    /// Window end.
    pub to: NaiveDate,
}

impl Cursor {
    /// The opaque text.
    pub fn encode(&self) -> String {
        format!("v1.{}.{}.{}", self.seq, self.from.format("%Y%m%d"), self.to.format("%Y%m%d"))
    }

    /// Parse the opaque text.
    pub fn parse(s: &str) -> Option<Cursor> {
        let mut parts = s.split('.');
        if parts.next()? != "v1" {
            return None;
        }
        let seq = parts.next()?;
        if seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let seq: i64 = seq.parse().ok()?;
        let from = super::strict::compact_date(parts.next()?)?;
        let to = super::strict::compact_date(parts.next()?)?;
        if parts.next().is_some() {
            return None;
        }
        Some(Cursor { seq, from, to })
    }

    /// The sequence to continue after for the window `from..=to`.
    pub fn after(cursor: Option<&Cursor>, from: NaiveDate, to: NaiveDate) -> i64 {
        match cursor {
            Some(c) if c.from == from && c.to == to => c.seq,
            _ => 0,
        }
    }
}

/// What central knows about an applicant, for an authorisation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicantFacts {
    /// Not a mainland resident.
    pub non_mainland: bool,
    /// Counter only.
    pub counter_only: bool,
    /// Permits held: kind and number.
    pub permits: Vec<(PermitKind, String)>,
    /// The hukou address, as on the ID card.
    pub address: String,
    /// The codes of the cities whose residence permits (居住证) the applicant holds.
    pub residence_permits: Vec<String>,
}

/// The longest province prefix of an address: `新疆维吾尔自治区`.
const PROVINCE_MAX_CHARS: usize = 8;

/// The Taiwan individual-tour rule (赴台个人旅游签注): may a person with this hukou `address` (as
/// on the ID card) and residence permits (居住证) of these cities (`residence_permits`, city codes)
/// have it, given the cities open to it (`open_cities`, `(code, zh)` pairs such as
/// `("350200", "厦门市")`)?
///
/// Yes when the address, after an optional province prefix ending in `省` or `自治区` (at most 8
/// characters: `福建省`, `广西壮族自治区`), starts with an open city's name (`福建省厦门市思明区...`;
/// a municipality's address starts with it: `上海市浦东新区...`), or when a residence permit's code
/// is an open city's. A city named further on (`广东省广州市天河区厦门街`) does not count, nor does
/// an open city with an empty name or code. No open city: nobody.
pub fn individual_tour_eligible<'a, S: AsRef<str>>(
    address: &str,
    residence_permits: &[S],
    open_cities: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> bool {
    let address = address.trim();
    let after_province = ["省", "自治区"]
        .iter()
        .filter_map(|marker| address.find(marker).map(|i| i + marker.len()))
        .min()
        .filter(|&end| address[..end].chars().count() <= PROVINCE_MAX_CHARS)
        .map(|end| &address[end..]);
    open_cities.into_iter().any(|(code, zh)| {
        let (code, zh) = (code.trim(), zh.trim());
        let hukou = !zh.is_empty() && (address.starts_with(zh) || after_province.is_some_and(|a| a.starts_with(zh)));
        let permit = !code.is_empty() && residence_permits.iter().any(|r| r.as_ref().trim() == code);
        hukou || permit
    })
}

/// May an applicant get an endorsement at a kiosk? The offers allowed, or why not.
///
/// `held`: endorsements on the applicant's permits (with the permit's kind); `issued`: endorsements
/// issued at kiosks (destination, last valid day). Individual-tour offers go only to those
/// [`individual_tour_eligible`] lets have them, under `policy`'s open cities.
#[allow(clippy::too_many_arguments)]
pub fn authorise(
    applicant: Option<&ApplicantFacts>,
    permit_kind: PermitKind,
    permit_number: &str,
    today: NaiveDate,
    policy: &Policy,
    held: &[(PermitKind, Endorsement)],
    issued: &[(Destination, NaiveDate)],
) -> Result<Vec<String>, Reason> {
    let a = applicant.ok_or(Reason::NotEligible)?;
    if a.non_mainland {
        return Err(Reason::NonMainland);
    }
    if a.counter_only {
        return Err(Reason::CounterOnly);
    }
    let number = permit_number.trim();
    if !a.permits.iter().any(|(k, n)| *k == permit_kind && n.eq_ignore_ascii_case(number)) {
        return Err(Reason::IdentityMismatch);
    }
    let holds_usable = |dest: Destination| {
        held.iter().any(|(k, e)| {
            *k == permit_kind && e.destination == dest && e.kind == EndorsementKind::GroupTour && e.usable_on(today)
        })
    };
    let was_issued = |dest: Destination| issued.iter().any(|(d, valid_to)| *d == dest && *valid_to >= today);
    let individual = individual_tour_eligible(&a.address, &a.residence_permits, policy.open_city_pairs());
    Ok(policy
        .offers
        .iter()
        .filter(|o| o.permit == permit_kind && !holds_usable(o.destination) && !was_issued(o.destination))
        .filter(|o| o.kind != EndorsementKind::IndividualTour || individual)
        .map(|o| o.id.clone())
        .collect())
}

/// The day `n` days after `d` (saturating).
pub fn add_days(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_add_days(Days::new(n)).unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::super::policy::{Offer, OpenCity};
    use super::*;
    use drivers::permit::Trips;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn t(s: &str) -> NaiveTime {
        parse_hhmm(s).unwrap()
    }
    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }
    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    // 2026-05-18 is a Monday.
    const NOW: &str = "2026-05-18 10:00";

    #[test]
    fn same_day_past_and_too_early_are_refused() {
        let r = HallRules::default();
        assert_eq!(check_slot_time(at(NOW), d("2026-05-17"), t("09:00"), &r), Err(Refusal::Past));
        assert_eq!(check_slot_time(at(NOW), d("2026-05-18"), t("15:00"), &r), Err(Refusal::SameDay));
        assert_eq!(check_slot_time(at(NOW), d("2026-05-19"), t("08:00"), &r), Err(Refusal::TooEarly));
        assert_eq!(check_slot_time(at(NOW), d("2026-05-19"), t("08:30"), &r), Ok(t("09:00")));
        // Even just before midnight, tomorrow starts at 08:30.
        assert_eq!(check_slot_time(at("2026-05-18 23:59"), d("2026-05-19"), t("08:30"), &r), Ok(t("09:00")));
    }

    #[test]
    fn only_slots_within_opening_hours_exist() {
        let r = HallRules::default();
        let code = |date: &str, start: &str| check_slot_time(at(NOW), d(date), t(start), &r).map_err(|e| e.code());
        assert_eq!(code("2026-05-20", "16:30"), Ok(t("17:00")));
        assert_eq!(code("2026-05-20", "17:00"), Err("no_such_slot"));
        assert_eq!(code("2026-05-20", "08:00"), Err("no_such_slot"));
        assert_eq!(code("2026-05-20", "08:45"), Err("no_such_slot"));
        assert_eq!(code("2026-05-23", "10:00"), Ok(t("10:30")), "Saturday");
        assert_eq!(code("2026-05-24", "10:00"), Err("no_such_slot"), "Sunday");
        assert_eq!(r.day_slots().len(), 17);
    }

    #[test]
    fn capacity_is_a_hard_limit() {
        assert_eq!(check_capacity(6, 5), Ok(()));
        assert_eq!(check_capacity(6, 6), Err(Refusal::SlotFull));
        assert_eq!(check_capacity(0, 0), Err(Refusal::SlotFull));
    }

    #[test]
    fn the_third_cancellation_within_thirty_days_bans_for_thirty_days() {
        let r = HallRules::default();
        let c = [utc("2026-05-01T10:00:00Z"), utc("2026-05-10T10:00:00Z")];
        assert_eq!(ban_until(&c, &r), None);
        let c3 = [c[0], c[1], utc("2026-05-20T10:00:00Z")];
        assert_eq!(ban_until(&c3, &r), Some(utc("2026-06-19T10:00:00Z")));
        assert!(check_ban(utc("2026-06-19T09:59:00Z"), &c3, &r).is_err());
        assert!(check_ban(utc("2026-06-19T10:00:00Z"), &c3, &r).is_ok());
        // Spread over more than the window: no ban.
        let spread = [utc("2026-03-01T10:00:00Z"), utc("2026-04-01T10:00:00Z"), utc("2026-05-01T10:00:00Z")];
        assert_eq!(ban_until(&spread, &r), None);
        // Order does not matter; a policy of 0 never bans.
        let rev = [c3[2], c3[0], c3[1]];
        assert_eq!(ban_until(&rev, &r), ban_until(&c3, &r));
        assert_eq!(ban_until(&c3, &HallRules { max_cancellations: 0, ..r.clone() }), None);
    }

    #[test]
    fn cancelling_stops_at_the_cut_off() {
        let r = HallRules::default();
        assert_eq!(cancel_deadline(d("2026-05-19"), t("10:00"), &r), at("2026-05-18 10:00"));
        assert!(check_cancel(at("2026-05-18 10:00"), d("2026-05-19"), t("10:00"), &r).is_ok());
        assert_eq!(
            check_cancel(at("2026-05-18 10:01"), d("2026-05-19"), t("10:00"), &r),
            Err(Refusal::CancelCutoff(at("2026-05-18 10:00")))
        );
        let lax = HallRules { cancel_cutoff_hours: 2, ..r };
        assert!(check_cancel(at("2026-05-19 07:59"), d("2026-05-19"), t("10:00"), &lax).is_ok());
    }

    #[test]
    fn phones_names_and_times() {
        assert!(valid_phone("13800138000"));
        assert!(valid_phone("+8613800138000"));
        assert!(!valid_phone("12800138000"));
        assert!(!valid_phone("1380013800"));
        assert!(!valid_phone("1380013800x"));
        assert!(!valid_phone(""));
        assert!(valid_name("张三"));
        assert!(!valid_name("  "));
        assert!(!valid_name("a\nb"));
        // Exactly what the OpenAPI document says (found by the fuzzer): no white space around a
        // phone or a time, a name's length counted as sent.
        assert!(!valid_phone(" 13800138000"));
        assert!(!valid_phone("13800138000 "));
        assert!(!valid_phone("+86 13800138000"));
        assert!(valid_name(&"名".repeat(30)));
        assert!(!valid_name(&format!("{} ", "名".repeat(30))));
        assert!(!valid_name("a\u{85}"));
        assert_eq!(parse_hhmm("08:30"), Some(t("08:30")));
        assert_eq!(parse_hhmm("8:30"), None);
        assert_eq!(parse_hhmm(" 8:30"), None);
        assert_eq!(parse_hhmm("25:00"), None);
        assert_eq!(parse_days("Mon,Sat"), Some([true, false, false, false, false, true, false]));
        assert_eq!(parse_days("Mon,Xyz"), None);
        assert_eq!(days_text(&HallRules::default().open_days), "Mon,Tue,Wed,Thu,Fri,Sat");
    }

    #[test]
    fn renewal_is_due_six_months_ahead() {
        assert!(renewal_due(d("2026-11-18"), d("2026-05-18")));
        assert!(!renewal_due(d("2026-11-19"), d("2026-05-18")));
        assert!(renewal_due(d("2020-01-01"), d("2026-05-18")));
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = Cursor { seq: 42, from: d("2026-05-18"), to: d("2026-05-19") };
        assert_eq!(Cursor::parse(&c.encode()), Some(c));
        for bad in [
            "",
            "42",
            "v1.x.20260518.20260519",
            "v1.-1.20260518.20260519",
            "v2.1.20260518.20260519",
            "v1.1.2026.1",
            "v1.+1.20260518.20260519",
            " v1.1.20260518.20260519",
            "v1.1.+2026051.20260519",
            "v1.1.20260230.20260519",
            "v1.99999999999999999999.20260518.20260519",
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
        assert_eq!(Cursor::after(Some(&c), c.from, c.to), 42);
        assert_eq!(Cursor::after(Some(&c), c.to, c.to), 0, "another window starts over");
        assert_eq!(Cursor::after(None, c.from, c.to), 0);
    }

    fn offers() -> Policy {
        let o = |id: &str, permit, destination, kind| Offer {
            id: id.into(),
            permit,
            destination,
            kind,
            trips: Some(Trips::One),
        };
        Policy {
            offers: vec![
                o("HK-1", PermitKind::HkMacau, Destination::HongKong, EndorsementKind::GroupTour),
                o("MO-1", PermitKind::HkMacau, Destination::Macau, EndorsementKind::GroupTour),
                o("TW-1", PermitKind::Taiwan, Destination::Taiwan, EndorsementKind::GroupTour),
                o("TW-G-1", PermitKind::Taiwan, Destination::Taiwan, EndorsementKind::IndividualTour),
            ],
            open_cities: vec![
                OpenCity { code: "350200".into(), zh: "厦门市".into() },
                OpenCity { code: "310000".into(), zh: "上海市".into() },
            ],
        }
    }

    const OPEN: [(&str, &str); 3] = [("350200", "厦门市"), ("350100", "福州市"), ("310000", "上海市")];

    #[test]
    fn the_taiwan_individual_tour_is_for_open_city_hukou_or_residence_permits() {
        let none: [&str; 0] = [];
        for yes in [
            "福建省厦门市思明区湖滨南路1号",
            "福建省福州市鼓楼区",
            "上海市浦东新区世纪大道100号",
            "  福建省厦门市思明区",
            "厦门市思明区中山路1号",
        ] {
            assert!(individual_tour_eligible(yes, &none, OPEN), "{yes}");
        }
        for no in [
            "广东省广州市天河区体育西路100号",
            "广东省广州市天河区厦门街1号",
            "广东省广州市上海路1号",
            "福建省泉州市丰泽区",
            "广西壮族自治区南宁市青秀区厦门路",
            "",
        ] {
            assert!(!individual_tour_eligible(no, &none, OPEN), "{no}");
        }
        let guangzhou = "广东省广州市天河区体育西路100号";
        assert!(individual_tour_eligible(guangzhou, &["350200"], OPEN), "a Xiamen residence permit");
        assert!(individual_tour_eligible(guangzhou, &["440100".to_string(), "310000".to_string()], OPEN));
        assert!(!individual_tour_eligible(guangzhou, &["440100"], OPEN));
        assert!(!individual_tour_eligible(guangzhou, &["350203"], OPEN), "a district is not the city");
        assert!(!individual_tour_eligible("福建省厦门市思明区", &["350200"], []), "no open city: nobody");
        assert!(!individual_tour_eligible(guangzhou, &[""], [("", "")]), "an empty entry opens nothing");
        // A province prefix is short: a 省 further on is not one.
        assert!(!individual_tour_eligible("北京市海淀区中关村大街1号某省厦门市", &none, OPEN));
    }

    fn endorsement(dest: Destination, kind: EndorsementKind, left: Option<u8>, to: &str) -> Endorsement {
        Endorsement {
            destination: dest,
            kind,
            trips: Trips::One,
            trips_left: left,
            valid_from: d("2026-01-01"),
            valid_to: d(to),
            issue_key: None,
        }
    }

    #[test]
    fn authorisation_rules() {
        let today = d("2026-05-18");
        let me = ApplicantFacts {
            permits: vec![(PermitKind::HkMacau, "C12345678".into())],
            address: "广东省广州市天河区体育西路100号".into(),
            ..Default::default()
        };
        let run = |a: Option<&ApplicantFacts>, number: &str, held: &[(PermitKind, Endorsement)], issued: &[_]| {
            authorise(a, PermitKind::HkMacau, number, today, &offers(), held, issued)
        };
        assert_eq!(run(None, "C12345678", &[], &[]), Err(Reason::NotEligible));
        let nm = ApplicantFacts { non_mainland: true, ..me.clone() };
        assert_eq!(run(Some(&nm), "C12345678", &[], &[]), Err(Reason::NonMainland));
        let co = ApplicantFacts { counter_only: true, ..me.clone() };
        assert_eq!(run(Some(&co), "C12345678", &[], &[]), Err(Reason::CounterOnly));
        assert_eq!(run(Some(&me), "C87654321", &[], &[]), Err(Reason::IdentityMismatch));
        assert_eq!(
            authorise(Some(&me), PermitKind::Taiwan, "C12345678", today, &offers(), &[], &[]),
            Err(Reason::IdentityMismatch),
            "right number, wrong kind"
        );
        assert_eq!(run(Some(&me), "c12345678", &[], &[]), Ok(vec!["HK-1".to_string(), "MO-1".to_string()]));
        // A usable group-tour endorsement for HK removes the HK offers; a used-up, expired or
        // other-type one does not.
        let hk = |left, to, kind| (PermitKind::HkMacau, endorsement(Destination::HongKong, kind, left, to));
        let usable = [hk(Some(1), "2026-08-01", EndorsementKind::GroupTour)];
        assert_eq!(run(Some(&me), "C12345678", &usable, &[]), Ok(vec!["MO-1".to_string()]));
        for not_usable in [
            hk(Some(0), "2026-08-01", EndorsementKind::GroupTour),
            hk(Some(1), "2026-05-17", EndorsementKind::GroupTour),
            hk(Some(1), "2026-08-01", EndorsementKind::IndividualTour),
        ] {
            assert_eq!(run(Some(&me), "C12345678", &[not_usable], &[]).map(|v| v.len()), Ok(2));
        }
        // Issued at a kiosk and still valid: not again.
        assert_eq!(run(Some(&me), "C12345678", &[], &[(Destination::Macau, today)]), Ok(vec!["HK-1".to_string()]));
        assert_eq!(run(Some(&me), "C12345678", &[], &[(Destination::Macau, d("2026-05-17"))]).map(|v| v.len()), Ok(2));

        // Taiwan: the individual tour only for a hukou or a residence permit in an open city.
        let tw = |a: &ApplicantFacts| authorise(Some(a), PermitKind::Taiwan, "T12345678", today, &offers(), &[], &[]);
        let group = ApplicantFacts { permits: vec![(PermitKind::Taiwan, "T12345678".into())], ..me.clone() };
        assert_eq!(tw(&group), Ok(vec!["TW-1".to_string()]));
        let xiamen = ApplicantFacts { address: "福建省厦门市思明区中山路1号".into(), ..group.clone() };
        assert_eq!(tw(&xiamen), Ok(vec!["TW-1".to_string(), "TW-G-1".to_string()]));
        let resident = ApplicantFacts { residence_permits: vec!["310000".into()], ..group.clone() };
        assert_eq!(tw(&resident), Ok(vec!["TW-1".to_string(), "TW-G-1".to_string()]));
        // A usable Taiwan group tour holds back both (one destination).
        let held =
            [(PermitKind::Taiwan, endorsement(Destination::Taiwan, EndorsementKind::GroupTour, Some(1), "2026-08-01"))];
        assert_eq!(authorise(Some(&xiamen), PermitKind::Taiwan, "T12345678", today, &offers(), &held, &[]), Ok(vec![]));
    }
}
