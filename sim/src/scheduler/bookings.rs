//! Bookings in the database: create, cancel, rebook, list, and the kiosk's change feed. Every check
//! that decides a write runs inside the caller's `BEGIN IMMEDIATE` transaction.

use super::api::{BookingChanges, BookingRecord, BookingStatus};
use super::auth::Caller;
use super::clock::{parse_stamp, stamp};
use super::error::AppError;
use super::public_api::{Booking, BookingRequest, CancelResult, Contact, Pickup, PickupMethod};
use super::rules::{self, Cursor, HallRules, Refusal};
use super::store::{BOOKING_NO, CHANGE_SEQ, day_text, next_counter, parse_day};
use crate::HALL_OFFSET;
use crate::persona::generate::{BOOKING_CODE_ALPHABET, BOOKING_CODE_LEN};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

/// A hall's rules as stored; `None` for an unknown hall.
pub fn hall_rules(conn: &Connection, hall: &str) -> Result<Option<HallRules>, AppError> {
    let row = conn
        .query_row(
            "SELECT opens, closes, open_days, slot_minutes, slot_capacity, cancel_cutoff_hours, \
             max_cancellations, cancel_window_days, ban_days FROM halls WHERE id = ?1",
            params![hall],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, u32>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, u32>(6)?,
                    r.get::<_, i64>(7)?,
                    r.get::<_, i64>(8)?,
                ))
            },
        )
        .optional()?;
    let Some((opens, closes, days, slot_minutes, slot_capacity, cutoff, max, window, ban)) = row else {
        return Ok(None);
    };
    let bad = |what: &str| AppError::internal(format!("hall {hall}: stored {what} is malformed"));
    Ok(Some(HallRules {
        opens: rules::parse_hhmm(&opens).ok_or_else(|| bad("opens"))?,
        closes: rules::parse_hhmm(&closes).ok_or_else(|| bad("closes"))?,
        open_days: rules::parse_days(&days).ok_or_else(|| bad("open_days"))?,
        slot_minutes,
        slot_capacity,
        cancel_cutoff_hours: cutoff,
        max_cancellations: max,
        cancel_window_days: window,
        ban_days: ban,
    }))
}

/// A hall's rules, or 404 `no_such_hall`.
pub fn require_hall(conn: &Connection, hall: &str) -> Result<HallRules, AppError> {
    hall_rules(conn, hall)?.ok_or_else(|| AppError::not_found("no_such_hall", format!("no hall {hall:?}")))
}

/// The columns [`booking_from_row`] reads, from `bookings b JOIN halls h`.
const BOOKING_COLUMNS: &str = "b.code, b.hall, b.id_number, b.date, b.slot_start, b.slot_end, b.business, \
    b.document, b.certificate_type, b.hukou, b.contact_name, b.contact_phone, b.emergency_name, \
    b.emergency_phone, b.pickup_method, b.pickup_address, b.status, b.created_at, b.cancelled_at, \
    b.rebooked_from, b.rebooked_to, h.cancel_cutoff_hours";

struct RawBooking {
    code: String,
    hall: String,
    id_number: String,
    date: String,
    start: String,
    end: String,
    business: String,
    document: String,
    certificate_type: String,
    hukou: String,
    contact: Contact,
    emergency: Contact,
    pickup_method: String,
    pickup_address: Option<String>,
    status: String,
    created_at: String,
    cancelled_at: Option<String>,
    rebooked_from: Option<String>,
    rebooked_to: Option<String>,
    cutoff_hours: i64,
}

fn raw_from_row(r: &Row<'_>) -> rusqlite::Result<RawBooking> {
    Ok(RawBooking {
        code: r.get(0)?,
        hall: r.get(1)?,
        id_number: r.get(2)?,
        date: r.get(3)?,
        start: r.get(4)?,
        end: r.get(5)?,
        business: r.get(6)?,
        document: r.get(7)?,
        certificate_type: r.get(8)?,
        hukou: r.get(9)?,
        contact: Contact { name: r.get(10)?, phone: r.get(11)? },
        emergency: Contact { name: r.get(12)?, phone: r.get(13)? },
        pickup_method: r.get(14)?,
        pickup_address: r.get(15)?,
        status: r.get(16)?,
        created_at: r.get(17)?,
        cancelled_at: r.get(18)?,
        rebooked_from: r.get(19)?,
        rebooked_to: r.get(20)?,
        cutoff_hours: r.get(21)?,
    })
}

fn hall_time(t: DateTime<Utc>) -> chrono::DateTime<chrono::FixedOffset> {
    t.with_timezone(&HALL_OFFSET)
}

fn cook(raw: RawBooking) -> Result<Booking, AppError> {
    let date = parse_day(&raw.date)?;
    let start = rules::parse_hhmm(&raw.start)
        .ok_or_else(|| AppError::internal(format!("booking {}: stored start {:?}", raw.code, raw.start)))?;
    let cutoff = HallRules { cancel_cutoff_hours: raw.cutoff_hours, ..HallRules::default() };
    let deadline = rules::cancel_deadline(date, start, &cutoff);
    let cancel_until = HALL_OFFSET
        .from_local_datetime(&deadline)
        .single()
        .ok_or_else(|| AppError::internal(format!("booking {}: no such local time", raw.code)))?;
    let created = parse_stamp(&raw.created_at)
        .ok_or_else(|| AppError::internal(format!("booking {}: stored created_at", raw.code)))?;
    let method = if raw.pickup_method == "mail" { PickupMethod::Mail } else { PickupMethod::InPerson };
    Ok(Booking {
        code: raw.code,
        hall: raw.hall,
        id_number: raw.id_number,
        date,
        start: raw.start,
        end: raw.end,
        business: raw.business,
        document: raw.document,
        certificate_type: raw.certificate_type,
        hukou_location: raw.hukou,
        contact: raw.contact,
        emergency_contact: raw.emergency,
        pickup: Pickup { method, address: raw.pickup_address },
        status: raw.status,
        created_at: hall_time(created),
        cancelled_at: raw.cancelled_at.as_deref().and_then(parse_stamp).map(hall_time),
        rebooked_from: raw.rebooked_from,
        rebooked_to: raw.rebooked_to,
        cancel_until,
    })
}

/// One booking by code, or 404 `no_such_booking`.
pub fn load(conn: &Connection, code: &str) -> Result<Booking, AppError> {
    let sql = format!("SELECT {BOOKING_COLUMNS} FROM bookings b JOIN halls h ON h.id = b.hall WHERE b.code = ?1");
    let raw = conn
        .query_row(&sql, params![code], raw_from_row)
        .optional()?
        .ok_or_else(|| AppError::not_found("no_such_booking", format!("no booking {code:?}")))?;
    cook(raw)
}

/// Every booking of a person, newest day first.
pub fn for_applicant(conn: &Connection, id_number: &str) -> Result<Vec<Booking>, AppError> {
    let sql = format!(
        "SELECT {BOOKING_COLUMNS} FROM bookings b JOIN halls h ON h.id = b.hall WHERE b.id_number = ?1 \
         ORDER BY b.date DESC, b.slot_start DESC, b.change_seq DESC"
    );
    let mut stmt = conn.prepare(&sql)?;
    let raws = stmt.query_map(params![id_number], raw_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    raws.into_iter().map(cook).collect()
}

/// Scramble a booking number into a code: a bijection on 40 bits, written in the 32-letter alphabet.
pub fn code_for(n: u64) -> String {
    const MASK: u64 = (1 << 40) - 1;
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4B) & MASK;
    x ^= x >> 17;
    x = x.wrapping_mul(0xC2B2_AE3D_27D5) & MASK;
    x ^= x >> 13;
    let alphabet = BOOKING_CODE_ALPHABET.as_bytes();
    (0..BOOKING_CODE_LEN)
        .map(|i| {
            let digit = ((x >> (5 * (BOOKING_CODE_LEN - 1 - i))) & 31) as usize;
            alphabet.get(digit).map(|b| char::from(*b)).unwrap_or('Z')
        })
        .collect()
}

fn new_code(conn: &Connection) -> Result<String, AppError> {
    loop {
        let n = next_counter(conn, BOOKING_NO)?;
        let code = code_for(n.unsigned_abs());
        let taken: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM bookings WHERE code = ?1)", params![code], |r| r.get(0))?;
        if !taken {
            return Ok(code);
        }
    }
}

/// A booking to insert, every field checked.
#[derive(Debug, Clone)]
pub struct NewBooking {
    /// Holder.
    pub id_number: String,
    /// Hall.
    pub hall: String,
    /// Day.
    pub date: NaiveDate,
    /// Slot start.
    pub start: NaiveTime,
    /// Business code.
    pub business: String,
    /// Document code.
    pub document: String,
    /// Certificate type code.
    pub certificate_type: String,
    /// Hukou location.
    pub hukou: String,
    /// Contact.
    pub contact: Contact,
    /// Emergency contact.
    pub emergency: Contact,
    /// Pickup method code.
    pub pickup_method: String,
    /// Mailing address.
    pub pickup_address: Option<String>,
}

fn check_contact(what: &str, c: &Contact) -> Result<Contact, AppError> {
    if !rules::valid_name(&c.name) {
        return Err(AppError::bad_request(format!("{what}.name must be 1 to 30 characters")));
    }
    if !rules::valid_phone(&c.phone) {
        return Err(AppError::bad_request(format!(
            "{what}.phone {:?} is not a mainland mobile number (11 digits starting 13-19)",
            c.phone
        )));
    }
    Ok(Contact { name: c.name.trim().to_string(), phone: c.phone.trim().to_string() })
}

/// Check the fields of a booking request (everything that needs no database) for `caller`.
pub fn validate_request(req: &BookingRequest, caller: &Caller) -> Result<NewBooking, AppError> {
    let id_text = match (&req.id_number, caller) {
        (Some(id), _) => id.clone(),
        (None, Caller::Applicant { id_number }) => id_number.clone(),
        (None, Caller::Kiosk { .. }) => return Err(AppError::bad_request("id_number is required with a kiosk token")),
    };
    let id = super::strict::id_number(&id_text).map_err(AppError::bad_request)?;
    caller.may_act_for(id.as_str())?;
    let start = rules::parse_hhmm(&req.start)
        .ok_or_else(|| AppError::bad_request(format!("start {:?} is not a time HH:MM", req.start)))?;
    let cert = super::presets::certificate_type(&req.certificate_type).ok_or_else(|| {
        AppError::bad_request(format!(
            "certificate_type {:?} is not a preset (see GET /v1/presets)",
            req.certificate_type
        ))
    })?;
    if cert.document != req.document.code() {
        return Err(AppError::bad_request(format!(
            "certificate_type {} is for document {}, not {}",
            cert.code,
            cert.document,
            req.document.code()
        )));
    }
    let hukou = req.hukou_location.trim();
    if hukou.is_empty() || req.hukou_location.chars().count() > 100 {
        return Err(AppError::bad_request("hukou_location must be 1 to 100 characters, not all white space"));
    }
    let contact = check_contact("contact", &req.contact)?;
    let emergency = check_contact("emergency_contact", &req.emergency_contact)?;
    let (method, address) = match req.pickup.method {
        PickupMethod::InPerson => ("in_person", None),
        PickupMethod::Mail => {
            let raw = req.pickup.address.as_deref().unwrap_or("");
            let a = raw.trim();
            if a.is_empty() {
                return Err(AppError::bad_request("pickup by mail needs pickup.address, a mailing address"));
            }
            if raw.chars().count() > 200 {
                return Err(AppError::bad_request("pickup.address is longer than 200 characters"));
            }
            ("mail", Some(a.to_string()))
        }
    };
    Ok(NewBooking {
        id_number: id.as_str().to_string(),
        hall: req.hall.clone(),
        date: req.date,
        start,
        business: req.business.code().into(),
        document: req.document.code().into(),
        certificate_type: cert.code.into(),
        hukou: hukou.to_string(),
        contact,
        emergency,
        pickup_method: method.into(),
        pickup_address: address,
    })
}

/// The times of a person's cancellations that count towards a ban.
fn cancellations(conn: &Connection, id_number: &str) -> Result<Vec<DateTime<Utc>>, AppError> {
    let mut stmt = conn.prepare(
        "SELECT cancelled_at FROM bookings WHERE id_number = ?1 AND cancel_reason = 'applicant' \
         AND cancelled_at IS NOT NULL",
    )?;
    let times = stmt.query_map(params![id_number], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(times.iter().filter_map(|t| parse_stamp(t)).collect())
}

/// Take a seat in a published slot, or say why not.
fn take_seat(conn: &Connection, hall: &str, date: NaiveDate, start: NaiveTime) -> Result<(), AppError> {
    let slot = conn
        .query_row(
            "SELECT capacity, booked FROM slots WHERE hall = ?1 AND date = ?2 AND start = ?3",
            params![hall, day_text(date), rules::hhmm(start)],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )
        .optional()?;
    let Some((capacity, booked)) = slot else {
        return Err(Refusal::NoSuchSlot(format!("{date} {} is not published for booking", rules::hhmm(start))).into());
    };
    rules::check_capacity(capacity, booked)?;
    let n = conn.execute(
        "UPDATE slots SET booked = booked + 1 WHERE hall = ?1 AND date = ?2 AND start = ?3 AND booked < capacity",
        params![hall, day_text(date), rules::hhmm(start)],
    )?;
    if n == 0 {
        return Err(Refusal::SlotFull.into());
    }
    Ok(())
}

fn free_seat(conn: &Connection, hall: &str, date: &str, start: &str) -> Result<(), AppError> {
    conn.execute(
        "UPDATE slots SET booked = booked - 1 WHERE hall = ?1 AND date = ?2 AND start = ?3 AND booked > 0",
        params![hall, date, start],
    )?;
    Ok(())
}

fn person(conn: &Connection, id_number: &str) -> Result<bool, AppError> {
    conn.query_row("SELECT non_mainland FROM applicants WHERE id_number = ?1", params![id_number], |r| r.get(0))
        .optional()?
        .ok_or_else(|| AppError::not_found("unknown_applicant", "central knows no applicant with that ID number"))
}

/// Insert a booking row (no checks) with a new code and change sequence; returns the code.
pub fn insert(
    conn: &Connection,
    b: &NewBooking,
    end: NaiveTime,
    now: DateTime<Utc>,
    source: &str,
    rebooked_from: Option<&str>,
    code: Option<&str>,
) -> Result<String, AppError> {
    let code = match code {
        Some(c) => c.to_string(),
        None => new_code(conn)?,
    };
    let seq = next_counter(conn, CHANGE_SEQ)?;
    conn.execute(
        "INSERT INTO bookings (code, hall, id_number, date, slot_start, slot_end, business, document, \
         certificate_type, hukou, contact_name, contact_phone, emergency_name, emergency_phone, pickup_method, \
         pickup_address, status, created_at, rebooked_from, change_seq, source) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 'active', ?17, ?18, ?19, ?20)",
        params![
            code,
            b.hall,
            b.id_number,
            day_text(b.date),
            rules::hhmm(b.start),
            rules::hhmm(end),
            b.business,
            b.document,
            b.certificate_type,
            b.hukou,
            b.contact.name,
            b.contact.phone,
            b.emergency.name,
            b.emergency.phone,
            b.pickup_method,
            b.pickup_address,
            stamp(now),
            rebooked_from,
            seq,
            source,
        ],
    )?;
    Ok(code)
}

/// Book: every rule, then the seat and the row, in the caller's transaction.
pub fn create(conn: &Connection, b: &NewBooking, now: DateTime<Utc>, source: &str) -> Result<Booking, AppError> {
    let rules = require_hall(conn, &b.hall)?;
    if person(conn, &b.id_number)? {
        return Err(Refusal::NonMainland.into());
    }
    let local = now.with_timezone(&HALL_OFFSET).naive_local();
    let end = rules::check_slot_time(local, b.date, b.start, &rules)?;
    rules::check_ban(now, &cancellations(conn, &b.id_number)?, &rules)?;
    let dup: Option<String> = conn
        .query_row(
            "SELECT code FROM bookings WHERE id_number = ?1 AND business = ?2 AND document = ?3 \
             AND status = 'active' AND date >= ?4 LIMIT 1",
            params![b.id_number, b.business, b.document, day_text(local.date())],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(code) = dup {
        return Err(Refusal::DuplicateBooking(code).into());
    }
    take_seat(conn, &b.hall, b.date, b.start)?;
    let code = insert(conn, b, end, now, source, None, None)?;
    load(conn, &code)
}

fn mark_cancelled(
    conn: &Connection,
    code: &str,
    now: DateTime<Utc>,
    reason: &str,
    rebooked_to: Option<&str>,
) -> Result<(), AppError> {
    let seq = next_counter(conn, CHANGE_SEQ)?;
    conn.execute(
        "UPDATE bookings SET status = 'cancelled', cancelled_at = ?2, cancel_reason = ?3, rebooked_to = ?4, \
         change_seq = ?5 WHERE code = ?1",
        params![code, stamp(now), reason, rebooked_to, seq],
    )?;
    Ok(())
}

fn require_active(b: &Booking) -> Result<(), AppError> {
    match rules::parse_status(&b.status) {
        Some(BookingStatus::Active) => Ok(()),
        Some(other) => Err(Refusal::NotActive(other).into()),
        None => Err(AppError::internal(format!("booking {}: stored status {:?}", b.code, b.status))),
    }
}

fn start_of(b: &Booking) -> Result<NaiveTime, AppError> {
    rules::parse_hhmm(&b.start).ok_or_else(|| AppError::internal(format!("booking {}: stored start", b.code)))
}

/// Cancel a booking (counts towards the ban).
pub fn cancel(conn: &Connection, caller: &Caller, code: &str, now: DateTime<Utc>) -> Result<CancelResult, AppError> {
    let b = load(conn, code)?;
    caller.may_act_for(&b.id_number)?;
    require_active(&b)?;
    let rules = require_hall(conn, &b.hall)?;
    let local = now.with_timezone(&HALL_OFFSET).naive_local();
    rules::check_cancel(local, b.date, start_of(&b)?, &rules)?;
    mark_cancelled(conn, &b.code, now, "applicant", None)?;
    free_seat(conn, &b.hall, &day_text(b.date), &b.start)?;
    let all = cancellations(conn, &b.id_number)?;
    let window = chrono::TimeDelta::days(rules.cancel_window_days);
    let in_window = all.iter().filter(|t| now - **t <= window).count();
    let banned_until = rules::ban_until(&all, &rules).filter(|u| *u > now).map(hall_time);
    Ok(CancelResult {
        booking: load(conn, &b.code)?,
        cancellations_in_window: u32::try_from(in_window).unwrap_or(u32::MAX),
        banned_until,
    })
}

/// Move a booking to another slot of the same hall: the old one is cancelled (not counted towards
/// a ban) and a new one made, atomically.
pub fn rebook(
    conn: &Connection,
    caller: &Caller,
    code: &str,
    date: NaiveDate,
    start_text: &str,
    now: DateTime<Utc>,
) -> Result<Booking, AppError> {
    let start = rules::parse_hhmm(start_text)
        .ok_or_else(|| AppError::bad_request(format!("start {start_text:?} is not a time HH:MM")))?;
    let old = load(conn, code)?;
    caller.may_act_for(&old.id_number)?;
    require_active(&old)?;
    let rules = require_hall(conn, &old.hall)?;
    let local = now.with_timezone(&HALL_OFFSET).naive_local();
    rules::check_cancel(local, old.date, start_of(&old)?, &rules)?;
    if old.date == date && old.start == rules::hhmm(start) {
        return Err(AppError::bad_request("the booking is already for that slot"));
    }
    let end = rules::check_slot_time(local, date, start, &rules)?;
    rules::check_ban(now, &cancellations(conn, &old.id_number)?, &rules)?;
    free_seat(conn, &old.hall, &day_text(old.date), &old.start)?;
    take_seat(conn, &old.hall, date, start)?;
    let new = NewBooking {
        id_number: old.id_number.clone(),
        hall: old.hall.clone(),
        date,
        start,
        business: old.business.clone(),
        document: old.document.clone(),
        certificate_type: old.certificate_type.clone(),
        hukou: old.hukou_location.clone(),
        contact: old.contact.clone(),
        emergency: old.emergency_contact.clone(),
        pickup_method: if old.pickup.method == PickupMethod::Mail { "mail" } else { "in_person" }.into(),
        pickup_address: old.pickup.address.clone(),
    };
    let new_code = insert(conn, &new, end, now, "online", Some(&old.code), None)?;
    mark_cancelled(conn, &old.code, now, "rebooked", Some(&new_code))?;
    load(conn, &new_code)
}

fn record_from_row(r: &Row<'_>) -> rusqlite::Result<(i64, [String; 8])> {
    Ok((r.get(8)?, [r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?]))
}

fn record(fields: [String; 8]) -> Result<BookingRecord, AppError> {
    let [code, hall, id_number, date, slot_start, slot_end, business, status] = fields;
    let status = rules::parse_status(&status)
        .ok_or_else(|| AppError::internal(format!("booking {code}: stored status {status:?}")))?;
    Ok(BookingRecord { date: parse_day(&date)?, code, hall, id_number, slot_start, slot_end, business, status })
}

const RECORD_COLUMNS: &str = "code, hall, id_number, date, slot_start, slot_end, business, status, change_seq";

/// The kiosk feed: the hall's bookings on `from..=to` changed after the cursor, oldest change first.
pub fn changes(
    conn: &Connection,
    hall: &str,
    from: NaiveDate,
    to: NaiveDate,
    cursor: Option<&Cursor>,
    limit: usize,
) -> Result<BookingChanges, AppError> {
    let after = Cursor::after(cursor, from, to);
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM bookings WHERE hall = ?1 AND date >= ?2 AND date <= ?3 AND change_seq > ?4 \
         ORDER BY change_seq LIMIT ?5"
    );
    let mut stmt = conn.prepare(&sql)?;
    let fetch = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
    let mut rows = stmt
        .query_map(params![hall, day_text(from), day_text(to), after, fetch], record_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let seq = rows.last().map(|(s, _)| *s).unwrap_or(after);
    let bookings = rows.into_iter().map(|(_, f)| record(f)).collect::<Result<Vec<_>, _>>()?;
    Ok(BookingChanges { bookings, cursor: Cursor { seq, from, to }.encode(), more })
}

/// A person's bookings on a day, in any hall.
pub fn lookup(conn: &Connection, id_number: &str, date: NaiveDate) -> Result<Vec<BookingRecord>, AppError> {
    let sql = format!("SELECT {RECORD_COLUMNS} FROM bookings WHERE id_number = ?1 AND date = ?2 ORDER BY slot_start");
    let mut stmt = conn.prepare(&sql)?;
    let rows =
        stmt.query_map(params![id_number, day_text(date)], record_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(|(_, f)| record(f)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn booking_codes_are_unique_and_well_formed() {
        let codes: HashSet<String> = (1..20_000).map(code_for).collect();
        assert_eq!(codes.len(), 19_999);
        for c in codes.iter().take(50) {
            assert_eq!(c.len(), BOOKING_CODE_LEN);
            assert!(c.chars().all(|ch| BOOKING_CODE_ALPHABET.contains(ch)));
        }
        assert_ne!(code_for(1), code_for(2));
    }
}
