//! Read-only queries: halls and slots, an applicant's progress, endorsements, documents and travel
//! records, and the admin counts.

use super::api::Stats;
use super::auth::{new_token, sha256_hex};
use super::authorise::{enum_text, held, permit_kind_text};
use super::bookings::hall_rules;
use super::clock::stamp;
use super::error::AppError;
use super::geo::distance_km;
use super::public_api::{
    ApplicationProgress, DocumentInfo, EndorsementHeld, HallInfo, HallPolicy, OpeningHours, SlotInfo, TravelRecord,
};
use super::rules::{self, HallRules};
use super::store::{day_text, parse_day};
use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{Connection, OptionalExtension, params};

/// Whether a person is known.
pub fn applicant_exists(conn: &Connection, id_number: &str) -> Result<bool, AppError> {
    Ok(conn
        .query_row("SELECT EXISTS (SELECT 1 FROM applicants WHERE id_number = ?1)", params![id_number], |r| r.get(0))?)
}

/// 404 `unknown_applicant` unless the person is known.
pub fn require_applicant(conn: &Connection, id_number: &str) -> Result<(), AppError> {
    if applicant_exists(conn, id_number)? {
        Ok(())
    } else {
        Err(AppError::not_found("unknown_applicant", "central knows no applicant with that ID number"))
    }
}

/// The applicant's name (for login).
pub fn applicant_name(conn: &Connection, id_number: &str) -> Result<Option<String>, AppError> {
    Ok(conn
        .query_row("SELECT name FROM applicants WHERE id_number = ?1", params![id_number], |r| r.get(0))
        .optional()?)
}

fn hall_info(
    conn: &Connection,
    id: &str,
    name_zh: String,
    name_en: String,
    city: String,
    lat: f64,
    lon: f64,
) -> Result<HallInfo, AppError> {
    let r = hall_rules(conn, id)?.unwrap_or_default();
    Ok(HallInfo {
        id: id.to_string(),
        name_zh,
        name_en,
        city,
        lat,
        lon,
        distance_km: None,
        opening_hours: OpeningHours {
            days: rules::day_names(&r.open_days),
            opens: rules::hhmm(r.opens),
            closes: rules::hhmm(r.closes),
        },
        policy: HallPolicy {
            slot_minutes: r.slot_minutes,
            slot_capacity: r.slot_capacity,
            cancel_cutoff_hours: r.cancel_cutoff_hours,
            max_cancellations: r.max_cancellations,
            cancel_window_days: r.cancel_window_days,
            ban_days: r.ban_days,
        },
    })
}

/// Halls, nearest to `near` first (by id without a point), at most `limit`.
pub fn halls(conn: &Connection, near: Option<(f64, f64)>, limit: usize) -> Result<Vec<HallInfo>, AppError> {
    let mut stmt = conn.prepare("SELECT id, name_zh, name_en, city, lat, lon FROM halls ORDER BY id")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, f64>(4)?,
                r.get::<_, f64>(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, zh, en, city, lat, lon) in rows {
        let mut h = hall_info(conn, &id, zh, en, city, lat, lon)?;
        h.distance_km = near.map(|(la, lo)| (distance_km(la, lo, lat, lon) * 100.0).round() / 100.0);
        out.push(h);
    }
    if near.is_some() {
        out.sort_by(|a, b| a.distance_km.unwrap_or(f64::MAX).total_cmp(&b.distance_km.unwrap_or(f64::MAX)));
    }
    out.truncate(limit);
    Ok(out)
}

/// A hall's published slots on `from..=to`.
pub fn slots(
    conn: &Connection,
    hall: &str,
    rules: &HallRules,
    from: NaiveDate,
    to: NaiveDate,
    now: NaiveDateTime,
) -> Result<Vec<SlotInfo>, AppError> {
    let mut stmt = conn.prepare(
        "SELECT date, start, end, capacity, booked FROM slots WHERE hall = ?1 AND date >= ?2 AND date <= ?3 \
         ORDER BY date, start",
    )?;
    let rows = stmt
        .query_map(params![hall, day_text(from), day_text(to)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u32>(3)?,
                r.get::<_, u32>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(date, start, end, capacity, booked)| {
            let date = parse_day(&date)?;
            let remaining = capacity.saturating_sub(booked);
            let bookable = remaining > 0
                && rules::parse_hhmm(&start).is_some_and(|t| rules::check_slot_time(now, date, t, rules).is_ok());
            Ok(SlotInfo { date, start, end, capacity, booked, remaining, bookable })
        })
        .collect()
}

fn status_zh(s: &str) -> &'static str {
    match s {
        "accepted" => "已受理",
        "reviewing" => "审批中",
        "approved" => "审批通过，制证中",
        "ready_for_pickup" => "已制证，待领取",
        "mailed" => "已邮寄",
        "collected" => "已领取",
        _ => "未知",
    }
}

/// Applications, newest first.
pub fn progress(conn: &Connection, id_number: &str) -> Result<Vec<ApplicationProgress>, AppError> {
    let mut stmt = conn.prepare(
        "SELECT application_no, business, document, certificate_type, hall, submitted_on, status, expected_on, \
         pickup_method, updated_on FROM applications WHERE id_number = ?1 ORDER BY submitted_on DESC, application_no",
    )?;
    let rows = stmt
        .query_map(params![id_number], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, String>(9)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(no, business, document, cert, hall, submitted, status, expected, pickup, updated)| {
            Ok(ApplicationProgress {
                application_no: no,
                business,
                document,
                certificate_type: cert,
                hall,
                submitted_on: parse_day(&submitted)?,
                status_zh: status_zh(&status).into(),
                status,
                expected_on: parse_day(&expected)?,
                pickup_method: pickup,
                updated_on: parse_day(&updated)?,
            })
        })
        .collect()
}

/// Endorsements held, by permit.
pub fn endorsements(conn: &Connection, id_number: &str, today: NaiveDate) -> Result<Vec<EndorsementHeld>, AppError> {
    Ok(held(conn, id_number)?
        .into_iter()
        .map(|(kind, number, e, source)| EndorsementHeld {
            permit_kind: permit_kind_text(kind).into(),
            permit_number: number,
            destination: e.destination.code().into(),
            kind: enum_text(&e.kind),
            trips: enum_text(&e.trips),
            trips_left: e.trips_left,
            valid_from: e.valid_from,
            valid_to: e.valid_to,
            usable: e.usable_on(today),
            source,
        })
        .collect())
}

/// Documents held.
pub fn documents(conn: &Connection, id_number: &str, today: NaiveDate) -> Result<Vec<DocumentInfo>, AppError> {
    let mut stmt = conn.prepare(
        "SELECT kind, number, name_zh, birth, place_of_issue, issued, expiry FROM documents WHERE id_number = ?1 \
         ORDER BY kind, number",
    )?;
    let rows = stmt
        .query_map(params![id_number], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(kind, number, name_zh, birth, place, issued, expiry)| {
            let expiry = parse_day(&expiry)?;
            Ok(DocumentInfo {
                kind,
                number,
                name_zh,
                birth_date: parse_day(&birth)?,
                place_of_issue: place,
                issue_date: parse_day(&issued)?,
                expiry_date: expiry,
                expired: expiry < today,
                renewal_due: rules::renewal_due(expiry, today),
            })
        })
        .collect()
}

/// Border crossings, oldest first.
pub fn travel_records(
    conn: &Connection,
    id_number: &str,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<TravelRecord>, AppError> {
    let mut stmt = conn.prepare(
        "SELECT date, time, direction, port, document_kind, document_number FROM travel_records \
         WHERE id_number = ?1 AND date >= ?2 AND date <= ?3 ORDER BY date, time",
    )?;
    let from = from.map(day_text).unwrap_or_else(|| "0000-00-00".into());
    let to = to.map(day_text).unwrap_or_else(|| "9999-99-99".into());
    let rows = stmt
        .query_map(params![id_number, from, to], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(date, time, direction, port, kind, number)| {
            Ok(TravelRecord {
                date: parse_day(&date)?,
                time,
                direction,
                port,
                document_kind: kind,
                document_number: number,
            })
        })
        .collect()
}

/// A new reference (32 lower-case hex digits, 128 random bits) for an applicant's records over
/// `from..=to`, stored as its SHA-256 with the applicant and the days.
pub fn new_travel_reference(
    conn: &Connection,
    id_number: &str,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, AppError> {
    let reference = new_token("")?;
    conn.execute(
        "INSERT INTO travel_record_refs (reference_sha256, id_number, date_from, date_to, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![sha256_hex(&reference), id_number, from.map(day_text), to.map(day_text), stamp(now)],
    )?;
    Ok(reference)
}

/// Whose records over which days a reference fetches: (ID number, from, to); `None` when unknown.
pub type TravelReference = (String, Option<NaiveDate>, Option<NaiveDate>);

/// What a reference was issued for, if it was.
pub fn travel_reference(conn: &Connection, reference: &str) -> Result<Option<TravelReference>, AppError> {
    let row = conn
        .query_row(
            "SELECT id_number, date_from, date_to FROM travel_record_refs WHERE reference_sha256 = ?1",
            params![sha256_hex(reference)],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, Option<String>>(2)?)),
        )
        .optional()?;
    let Some((id, from, to)) = row else { return Ok(None) };
    Ok(Some((id, from.as_deref().map(parse_day).transpose()?, to.as_deref().map(parse_day).transpose()?)))
}

fn count(conn: &Connection, sql: &str) -> Result<u64, AppError> {
    Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0)).map(|n| n.unsigned_abs())?)
}

fn grouped(conn: &Connection, sql: &str) -> Result<std::collections::BTreeMap<String, u64>, AppError> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows.into_iter().map(|(k, n)| (k, n.unsigned_abs())).collect())
}

/// The admin counts.
pub fn stats(conn: &Connection) -> Result<Stats, AppError> {
    Ok(Stats {
        events: grouped(conn, "SELECT kind, COUNT(*) FROM events GROUP BY kind")?,
        bookings: grouped(conn, "SELECT status, COUNT(*) FROM bookings GROUP BY status")?,
        issued_endorsements: count(conn, "SELECT COUNT(*) FROM issued_endorsements")?,
        checkins: count(conn, "SELECT COUNT(*) FROM checkins")?,
        refunds: count(conn, "SELECT COUNT(*) FROM refunds")?,
        authorisations: count(conn, "SELECT COUNT(*) FROM authorisations")?,
    })
}
