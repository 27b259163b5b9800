//! `kiosk-sim scheduler seed`: fill the scheduler's database from a persona deck — halls with
//! coordinates and opening hours, slots, applicants with documents and endorsements, the deck's
//! bookings, kiosks and their tokens, and deterministic applications and entry/exit records.
//! Idempotent: seeding twice inserts nothing the second time (kiosk tokens are updated).

use super::auth::sha256_hex;
use super::authorise::{document_kind, enum_text, permit_kind_text};
use super::bookings::{self, NewBooking};
use super::error::AppError;
use super::geo::{det, hall_coordinates, province};
use super::presets::default_certificate_type;
use super::public_api::Contact;
use super::rules::{self, HallRules};
use super::store::{Store, day_text};
use crate::HALL_OFFSET;
use crate::persona::{Deck, Persona};
use chrono::{Datelike, Months, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use drivers::idcard::CardType;
use drivers::permit::{Destination, PermitKind, Trips};
use rusqlite::{Connection, params};
use serde::Serialize;
use std::path::PathBuf;

/// A kiosk to register: `ID@HALL=TOKEN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskSpec {
    /// Kiosk id.
    pub id: String,
    /// Its hall.
    pub hall: String,
    /// Its token (stored hashed).
    pub token: String,
}

impl KioskSpec {
    /// Parse `ID@HALL=TOKEN`.
    pub fn parse(s: &str) -> Result<KioskSpec, String> {
        let bad = || format!("--kiosk {s:?}: expected ID@HALL=TOKEN");
        let (id, rest) = s.split_once('@').ok_or_else(bad)?;
        let (hall, token) = rest.split_once('=').ok_or_else(bad)?;
        if id.trim().is_empty() || hall.trim().is_empty() || token.is_empty() {
            return Err(bad());
        }
        Ok(KioskSpec { id: id.trim().into(), hall: hall.trim().into(), token: token.into() })
    }
}

/// What `seed` is asked to do.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    /// Database.
    pub db: PathBuf,
    /// Persona deck (default: the demo's, 40 personas, seed 1).
    pub personas: Option<PathBuf>,
    /// The default deck's day (default: today, hall time).
    pub date: Option<NaiveDate>,
    /// Kiosks, `ID@HALL=TOKEN`.
    pub kiosks: Vec<String>,
    /// Days of slots from the deck's day.
    pub days: u32,
}

/// What was inserted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Halls.
    pub halls: u64,
    /// Slots.
    pub slots: u64,
    /// Applicants.
    pub applicants: u64,
    /// Documents (permits and passports).
    pub documents: u64,
    /// Endorsements held.
    pub endorsements: u64,
    /// Bookings.
    pub bookings: u64,
    /// Kiosks added or given a new token.
    pub kiosks: u64,
    /// Applications.
    pub applications: u64,
    /// Entry/exit records.
    pub travel_records: u64,
}

/// Run `kiosk-sim scheduler seed`.
pub fn run(opts: &SeedOptions) -> Result<Summary, String> {
    let deck = match &opts.personas {
        Some(p) => Deck::load(p).map_err(|e| e.to_string())?,
        None => {
            let date = opts.date.unwrap_or_else(|| Utc::now().with_timezone(&HALL_OFFSET).date_naive());
            crate::persona::generate::generate(40, 1, date)
        }
    };
    let kiosks = opts.kiosks.iter().map(|k| KioskSpec::parse(k)).collect::<Result<Vec<_>, _>>()?;
    let store = Store::open(&opts.db).map_err(|e| e.to_string())?;
    store.write(|tx| seed(tx, &deck, &kiosks, opts.days)).map_err(|e| e.to_string())
}

fn n(changed: usize) -> u64 {
    changed as u64
}

fn card_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y%m%d").ok()
}

/// Hukou location: the district the card's address begins with (the ID number's province for
/// holders of a HK/Macau/Taiwan residence permit).
pub fn hukou(p: &Persona) -> String {
    let id = &p.card.id_number;
    if p.card.card_type != CardType::Resident {
        return province(id).unwrap_or("").to_string();
    }
    let a = &p.card.address;
    let cut = a.char_indices().find(|(i, c)| *i > 0 && matches!(c, '区' | '县')).map(|(i, c)| i + c.len_utf8());
    match cut {
        Some(end) if a[..end].chars().count() <= 15 => a[..end].to_string(),
        _ => province(id).map(str::to_string).unwrap_or_else(|| a.chars().take(15).collect()),
    }
}

fn phone(seed: &str) -> String {
    let h = det(seed);
    format!("1{}{:09}", [3, 5, 8, 9][(h % 4) as usize], (h >> 8) % 1_000_000_000)
}

fn days_before(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_signed(TimeDelta::days(i64::try_from(n).unwrap_or(0))).unwrap_or(d)
}

/// Seed everything in the caller's transaction.
pub fn seed(conn: &Connection, deck: &Deck, kiosks: &[KioskSpec], days: u32) -> Result<Summary, AppError> {
    let mut s = Summary::default();
    let defaults = HallRules::default();
    for h in &deck.halls {
        let (lat, lon) = hall_coordinates(&h.id, &h.city);
        s.halls += n(conn.execute(
            "INSERT OR IGNORE INTO halls (id, name_zh, name_en, city, lat, lon, opens, closes, open_days, slot_minutes, \
             slot_capacity, cancel_cutoff_hours, max_cancellations, cancel_window_days, ban_days) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                h.id,
                h.name_zh,
                h.name_en,
                h.city,
                lat,
                lon,
                rules::hhmm(defaults.opens),
                rules::hhmm(defaults.closes),
                rules::days_text(&defaults.open_days),
                defaults.slot_minutes,
                defaults.slot_capacity,
                defaults.cancel_cutoff_hours,
                defaults.max_cancellations,
                defaults.cancel_window_days,
                defaults.ban_days,
            ],
        )?);
        let r = bookings::require_hall(conn, &h.id)?;
        for i in 0..days {
            let date = rules::add_days(deck.date, u64::from(i));
            if !r.open_on(date) {
                continue;
            }
            for (start, end) in r.day_slots() {
                s.slots += n(conn.execute(
                    "INSERT OR IGNORE INTO slots (hall, date, start, end, capacity, booked) VALUES (?1, ?2, ?3, ?4, ?5, 0)",
                    params![h.id, day_text(date), rules::hhmm(start), rules::hhmm(end), r.slot_capacity],
                )?);
            }
        }
    }
    for k in kiosks {
        bookings::require_hall(conn, &k.hall)
            .map_err(|_| AppError::bad_request(format!("--kiosk {}: no hall {:?} in the deck", k.id, k.hall)))?;
        s.kiosks += n(conn.execute(
            "INSERT INTO kiosks (id, hall, token_sha256) VALUES (?1, ?2, ?3) \
             ON CONFLICT(id) DO UPDATE SET hall = excluded.hall, token_sha256 = excluded.token_sha256 \
             WHERE hall != excluded.hall OR token_sha256 != excluded.token_sha256",
            params![k.id, k.hall, sha256_hex(&k.token)],
        )?);
    }
    for (index, p) in deck.personas.iter().enumerate() {
        seed_person(conn, deck, index, p, &mut s)?;
    }
    Ok(s)
}

fn seed_person(conn: &Connection, deck: &Deck, index: usize, p: &Persona, s: &mut Summary) -> Result<(), AppError> {
    let id = p.card.id_number.trim().to_ascii_uppercase();
    let birth = card_date(&p.card.birth).unwrap_or(deck.date);
    let hukou = hukou(p);
    s.applicants += n(conn.execute(
        "INSERT OR IGNORE INTO applicants (id_number, name, sex, birth, hukou, address, card_type, counter_only, \
         non_mainland) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            p.card.name,
            p.card.sex,
            day_text(birth),
            hukou,
            p.card.address,
            enum_text(&p.card.card_type),
            p.flags.counter_only,
            p.flags.non_mainland
        ],
    )?);
    // Also for an applicant seeded before residence permits were stored (not counted: no new row).
    conn.execute(
        "UPDATE applicants SET residence_permit = ?2 WHERE id_number = ?1 AND residence_permit IS NOT ?2",
        params![id, p.residence_permit],
    )?;
    let place = province(&id).unwrap_or("").to_string();
    for permit in &p.permits {
        s.documents += n(conn.execute(
            "INSERT OR IGNORE INTO documents (kind, number, id_number, name_zh, surname, given_names, birth, issued, \
             expiry, place_of_issue) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                document_kind(permit.kind),
                permit.number,
                id,
                permit.name_zh,
                permit.surname,
                permit.given_names,
                day_text(permit.birth),
                day_text(permit.issued),
                day_text(permit.expiry),
                place
            ],
        )?);
        for e in &permit.endorsements {
            s.endorsements += n(conn.execute(
                "INSERT OR IGNORE INTO endorsements_held (id_number, permit_kind, permit_number, destination, kind, \
                 trips, trips_left, valid_from, valid_to, issue_key, source) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'deck')",
                params![
                    id,
                    permit_kind_text(permit.kind),
                    permit.number,
                    e.destination.code(),
                    enum_text(&e.kind),
                    enum_text(&e.trips),
                    e.trips_left,
                    day_text(e.valid_from),
                    day_text(e.valid_to),
                    e.issue_key
                ],
            )?);
            seed_trips(conn, deck, &id, permit.kind, &permit.number, e, s)?;
        }
    }
    let passport = if p.flags.non_mainland || !det(&format!("passport:{id}")).is_multiple_of(3) {
        None
    } else {
        let h = det(&format!("passport-no:{id}"));
        let issued = days_before(deck.date, 30 + h % 3000).max(birth);
        let adult = issued.year() - birth.year() >= 16;
        let expiry = issued.checked_add_months(Months::new(if adult { 120 } else { 60 })).unwrap_or(issued);
        let number = format!("E{:08}", (h >> 16) % 100_000_000);
        let surname = p.permits.first().map(|x| x.surname.clone()).unwrap_or_default();
        let given = p.permits.first().map(|x| x.given_names.clone()).unwrap_or_default();
        s.documents += n(conn.execute(
            "INSERT OR IGNORE INTO documents (kind, number, id_number, name_zh, surname, given_names, birth, issued, \
             expiry, place_of_issue) VALUES ('passport', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                number,
                id,
                p.card.name,
                surname,
                given,
                day_text(birth),
                day_text(issued),
                day_text(expiry),
                place
            ],
        )?);
        Some((number, issued))
    };
    if let Some((number, issued)) = &passport {
        seed_passport_trips(conn, deck, &id, number, *issued, s)?;
    }
    for (j, b) in p.bookings.iter().enumerate() {
        seed_booking(conn, deck, index, p, &id, &hukou, j, b, s)?;
    }
    if !p.flags.non_mainland {
        seed_applications(conn, deck, index, p, &id, passport.is_some(), s)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn seed_booking(
    conn: &Connection,
    deck: &Deck,
    index: usize,
    p: &Persona,
    id: &str,
    hukou: &str,
    j: usize,
    b: &crate::persona::Booking,
    s: &mut Summary,
) -> Result<(), AppError> {
    let exists: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM bookings WHERE code = ?1)", params![b.code], |r| r.get(0))?;
    if exists {
        return Ok(());
    }
    let rules = bookings::require_hall(conn, &b.hall)
        .map_err(|_| AppError::bad_request(format!("booking {}: hall {:?} is not in the deck", b.code, b.hall)))?;
    let bad_time = || AppError::bad_request(format!("booking {}: slot times must be HH:MM", b.code));
    let start = rules::parse_hhmm(&b.slot_start).ok_or_else(bad_time)?;
    let end = rules::parse_hhmm(&b.slot_end).ok_or_else(bad_time)?;
    // A deck booking always gets its seat: the slot is created, or widened, when need be.
    conn.execute(
        "INSERT OR IGNORE INTO slots (hall, date, start, end, capacity, booked) VALUES (?1, ?2, ?3, ?4, ?5, 0)",
        params![b.hall, day_text(b.date), b.slot_start, b.slot_end, rules.slot_capacity],
    )?;
    conn.execute(
        "UPDATE slots SET capacity = booked + 1 WHERE hall = ?1 AND date = ?2 AND start = ?3 AND booked >= capacity",
        params![b.hall, day_text(b.date), b.slot_start],
    )?;
    conn.execute(
        "UPDATE slots SET booked = booked + 1 WHERE hall = ?1 AND date = ?2 AND start = ?3",
        params![b.hall, day_text(b.date), b.slot_start],
    )?;
    let other = deck.personas.get((index + 7) % deck.personas.len().max(1)).map(|o| o.card.name.clone());
    let new = NewBooking {
        id_number: id.to_string(),
        hall: b.hall.clone(),
        date: b.date,
        start,
        business: b.business.clone(),
        document: b.document.clone(),
        certificate_type: default_certificate_type(&b.document).into(),
        hukou: hukou.to_string(),
        contact: Contact { name: p.card.name.clone(), phone: phone(&format!("contact:{id}")) },
        emergency: Contact {
            name: other.unwrap_or_else(|| p.card.name.clone()),
            phone: phone(&format!("emergency:{id}")),
        },
        pickup_method: "in_person".into(),
        pickup_address: None,
    };
    let booked_at = HALL_OFFSET
        .from_local_datetime(&days_before(b.date, 3 + (j as u64)).and_time(NaiveTime::MIN))
        .single()
        .map(|t| t.with_timezone(&Utc) + TimeDelta::hours(12))
        .unwrap_or_else(Utc::now);
    bookings::insert(conn, &new, end, booked_at, "deck", None, Some(&b.code))?;
    s.bookings += 1;
    Ok(())
}

fn seed_applications(
    conn: &Connection,
    deck: &Deck,
    index: usize,
    p: &Persona,
    id: &str,
    has_passport: bool,
    s: &mut Summary,
) -> Result<(), AppError> {
    let count = det(&format!("applications:{id}")) % 3;
    let mut docs: Vec<&str> = p.permits.iter().map(|x| document_kind(x.kind)).collect();
    if has_passport {
        docs.push("passport");
    }
    if docs.is_empty() {
        docs.push("passport");
    }
    for j in 0..count {
        let h = det(&format!("application:{id}:{j}"));
        let business = ["first_application", "renewal", "reapplication"][(h % 3) as usize];
        let document = docs[((h >> 4) as usize) % docs.len()];
        let hall = deck.halls.get(((h >> 8) as usize) % deck.halls.len().max(1)).map(|x| x.id.clone());
        let Some(hall) = hall else { continue };
        let elapsed = 1 + (h >> 12) % 40;
        let submitted = days_before(deck.date, elapsed);
        let mail = (h >> 20).is_multiple_of(4);
        let (status, since) = match elapsed {
            0..=1 => ("accepted", 0),
            2..=4 => ("reviewing", 1),
            5..=7 => ("approved", 5),
            _ if mail => ("mailed", 8),
            9..=20 => ("ready_for_pickup", 8),
            _ => {
                if (h >> 24).is_multiple_of(2) {
                    ("collected", 15)
                } else {
                    ("ready_for_pickup", 8)
                }
            }
        };
        s.applications += n(conn.execute(
            "INSERT OR IGNORE INTO applications (application_no, id_number, business, document, certificate_type, hall, \
             submitted_on, status, expected_on, pickup_method, updated_on) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                format!("SQ{}{:04}{j}", submitted.format("%Y%m%d"), index + 1),
                id,
                business,
                document,
                default_certificate_type(document),
                hall,
                day_text(submitted),
                status,
                day_text(rules::add_days(submitted, 7)),
                if mail { "mail" } else { "in_person" },
                day_text(rules::add_days(submitted, since)),
            ],
        )?);
    }
    Ok(())
}

fn ports(dest: Destination) -> &'static [&'static str] {
    match dest {
        Destination::HongKong => &["罗湖口岸", "福田口岸", "深圳湾口岸", "皇岗口岸", "港珠澳大桥珠海公路口岸"],
        Destination::Macau => &["拱北口岸", "横琴口岸", "港珠澳大桥珠海公路口岸"],
        Destination::Taiwan => &["厦门高崎国际机场", "上海浦东国际机场", "福州长乐国际机场"],
    }
}

const AIRPORTS: &[&str] = &["广州白云国际机场", "上海浦东国际机场", "北京首都国际机场", "成都天府国际机场"];

#[allow(clippy::too_many_arguments)]
fn trip(
    conn: &Connection,
    id: &str,
    kind: &str,
    number: &str,
    out: NaiveDate,
    back: NaiveDate,
    port: &str,
    h: u64,
    s: &mut Summary,
) -> Result<(), AppError> {
    let t = |x: u64| format!("{:02}:{:02}", 8 + x % 12, (x >> 4) % 60);
    for (date, direction, time) in [(out, "exit", t(h)), (back, "entry", t(h >> 8))] {
        s.travel_records += n(conn.execute(
            "INSERT OR IGNORE INTO travel_records (id_number, date, time, direction, port, document_kind, document_number) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![id, day_text(date), time, direction, port, kind, number],
        )?);
    }
    Ok(())
}

fn seed_trips(
    conn: &Connection,
    deck: &Deck,
    id: &str,
    kind: PermitKind,
    number: &str,
    e: &drivers::permit::Endorsement,
    s: &mut Summary,
) -> Result<(), AppError> {
    let key = format!("trips:{number}:{}:{}", e.destination.code(), e.valid_from);
    let used = match (e.trips, e.trips_left) {
        (Trips::Multiple, _) => det(&key) % 4,
        (t, Some(left)) => u64::from(t.count().unwrap_or(0).saturating_sub(left)),
        (_, None) => 0,
    };
    let last = days_before(deck.date, 5).min(e.valid_to);
    let span = (last - e.valid_from).num_days();
    if span < 1 {
        return Ok(());
    }
    let ports = ports(e.destination);
    for k in 0..used {
        let h = det(&format!("{key}:{k}"));
        let out = rules::add_days(e.valid_from, h % span.unsigned_abs());
        let back = rules::add_days(out, 1 + (h >> 10) % 3);
        let port = ports[((h >> 20) as usize) % ports.len()];
        trip(conn, id, document_kind(kind), number, out, back, port, h >> 24, s)?;
    }
    Ok(())
}

fn seed_passport_trips(
    conn: &Connection,
    deck: &Deck,
    id: &str,
    number: &str,
    issued: NaiveDate,
    s: &mut Summary,
) -> Result<(), AppError> {
    let last = days_before(deck.date, 10);
    let span = (last - issued).num_days();
    if span < 10 {
        return Ok(());
    }
    for k in 0..det(&format!("passport-trips:{id}")) % 3 {
        let h = det(&format!("passport-trip:{id}:{k}"));
        let out = rules::add_days(issued, h % span.unsigned_abs());
        let back = rules::add_days(out, 3 + (h >> 10) % 7);
        let port = AIRPORTS[((h >> 20) as usize) % AIRPORTS.len()];
        trip(conn, id, "passport", number, out, back, port, h >> 24, s)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kiosk_specs() {
        assert_eq!(
            KioskSpec::parse("k1@gz-tianhe=s3cret=x"),
            Ok(KioskSpec { id: "k1".into(), hall: "gz-tianhe".into(), token: "s3cret=x".into() })
        );
        for bad in ["k1", "k1@gz", "@gz=t", "k1@=t", "k1@gz="] {
            assert!(KioskSpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn seeding_twice_inserts_nothing_new() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 5, 18).unwrap();
        let deck = crate::persona::generate::generate(30, 3, date);
        let kiosks = [KioskSpec::parse("k1@gz-tianhe=t").unwrap()];
        let first = store.write(|tx| seed(tx, &deck, &kiosks, 7)).unwrap();
        assert_eq!(first.halls, 4);
        assert_eq!(first.applicants, 30);
        assert_eq!(first.kiosks, 1);
        assert!(first.bookings > 0 && first.slots > 0 && first.documents > 0 && first.travel_records > 0);
        let second = store.write(|tx| seed(tx, &deck, &kiosks, 7)).unwrap();
        assert_eq!(second, Summary::default());
        // Every deck booking holds a seat, and no slot is over capacity.
        let (booked, over): (i64, i64) = store
            .with(|c| {
                Ok(c.query_row(
                    "SELECT COALESCE(SUM(booked), 0), COALESCE(SUM(booked > capacity), 0) FROM slots",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .unwrap();
        assert_eq!(booked, i64::try_from(first.bookings).unwrap());
        assert_eq!(over, 0);
    }

    #[test]
    fn hukou_is_the_district_of_the_address() {
        let deck = crate::persona::generate::generate(10, 1, NaiveDate::from_ymd_opt(2026, 5, 18).unwrap());
        for p in &deck.personas {
            let h = hukou(p);
            assert!(!h.is_empty(), "{}", p.card.address);
            if p.card.card_type == CardType::Resident {
                assert!(p.card.address.starts_with(&h));
            }
        }
    }
}
