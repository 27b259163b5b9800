//! The store's two speed targets (SPEC §6), on a store file with the daemon's own settings:
//!
//! - check-in lookup with 1,000,000 bookings in the store: p50 / p99 / max over 100,000 lookups by
//!   ID number of random booked applicants (and 10,000 by booking code, 10,000 of people with no
//!   booking), each timed alone; then criterion's mean of the same lookup;
//! - sync ingest: central's booking changes applied the way the sync task applies them
//!   (`store::sync::apply_changes`, pages of 1,000 as `SyncOptions` asks for, validation, upsert, the
//!   cursor moved in the same transaction, `synchronous = FULL`) against a raw SQLite bulk insert of
//!   the same rows (one prepared plain INSERT per row, one transaction) into the same table of a
//!   store opened the same way, in the same run, alternating, best of three rounds each.
//!
//! `cargo bench -p kioskd --bench store` (release); `-- --quick` skips criterion's part.

use chrono::NaiveDate;
use criterion::Criterion;
use kioskd::central::{BookingRecord, BookingStatus};
use kioskd::session::{Lookup, LookupKey};
use kioskd::store::{Store, sync};
use rand::{Rng, SeedableRng};
use std::hint::black_box;
use std::time::{Duration, Instant};

const BOOKINGS: usize = 1_000_000;
const LOOKUPS: usize = 100_000;
const INGEST_ROWS: usize = 200_000;
const PAGE: usize = 1000;
const HALLS: [&str; 3] = ["h1", "h2", "h3"];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).unwrap_or_default()
}

/// A valid ID number, distinct for every `i` below 20,000,000.
fn id_number(i: usize) -> String {
    let birth = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default() + chrono::Days::new((i % 20_000) as u64);
    let first17 = format!("110101{}{:03}", birth.format("%Y%m%d"), (i / 20_000) % 1000);
    let check = drivers::idcard::number::check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

fn booking(i: usize, hall: &str) -> BookingRecord {
    let minute = 8 * 60 + 30 + (i % 16) * 30;
    let hhmm = |m: usize| format!("{:02}:{:02}", m / 60, m % 60);
    BookingRecord {
        code: format!("BN{i:08}"),
        hall: hall.into(),
        id_number: id_number(i),
        date: if i.is_multiple_of(2) { today() } else { today().succ_opt().unwrap_or(today()) },
        slot_start: hhmm(minute),
        slot_end: hhmm(minute + 30),
        business: "renewal".into(),
        status: BookingStatus::Active,
    }
}

fn percentiles(mut t: Vec<Duration>) -> String {
    t.sort();
    let at = |q: f64| t[((t.len() as f64 * q).ceil() as usize).clamp(1, t.len()) - 1];
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    format!(
        "p50 {:.1} µs, p99 {:.1} µs, p99.9 {:.1} µs, max {:.1} µs over {} lookups",
        us(at(0.50)),
        us(at(0.99)),
        us(at(0.999)),
        us(*t.last().unwrap_or(&Duration::ZERO)),
        t.len()
    )
}

fn lookups(c: &mut Option<Criterion>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("kioskd.sqlite");
    let mut store = Store::open(&path, "full", "k1", "A").expect("store");
    let t = Instant::now();
    for chunk in (0..BOOKINGS).collect::<Vec<_>>().chunks(50_000) {
        let page: Vec<BookingRecord> = chunk.iter().map(|&i| booking(i, HALLS[i % HALLS.len()])).collect();
        store.ingest_bookings(&page).expect("ingest");
    }
    eprintln!("store: {BOOKINGS} bookings in {:.1} s", t.elapsed().as_secs_f64());
    // Reopen, as the daemon finds the store after a start.
    drop(store);
    let store = Store::open(&path, "full", "k1", "A").expect("store");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
    let day = today();
    let mut by_id = Vec::with_capacity(LOOKUPS);
    let mut here = 0;
    for _ in 0..LOOKUPS {
        // Applicants booked for today (even numbers are today's bookings).
        let i = rng.random_range(0..BOOKINGS / 2) * 2;
        let key = LookupKey::IdNumber(id_number(i));
        let t = Instant::now();
        let r = store.lookup(black_box(&key), "h1", day).expect("lookup");
        by_id.push(t.elapsed());
        if matches!(r, Lookup::Here(_)) {
            here += 1;
        }
        assert!(!matches!(r, Lookup::None), "booking {i} not found");
    }
    let mut by_code = Vec::new();
    let mut missing = Vec::new();
    for _ in 0..LOOKUPS / 10 {
        let i = rng.random_range(0..BOOKINGS / 2) * 2;
        let key = LookupKey::Code(format!("BN{i:08}"));
        let t = Instant::now();
        let r = store.lookup(black_box(&key), "h1", day).expect("lookup");
        by_code.push(t.elapsed());
        assert!(!matches!(r, Lookup::None));
        let key = LookupKey::IdNumber(id_number(BOOKINGS + rng.random_range(0..BOOKINGS)));
        let t = Instant::now();
        let r = store.lookup(black_box(&key), "h1", day).expect("lookup");
        missing.push(t.elapsed());
        assert_eq!(r, Lookup::None);
    }
    println!("check-in lookup, {BOOKINGS} bookings, by ID number: {} ({here} at this hall)", percentiles(by_id));
    println!("check-in lookup, {BOOKINGS} bookings, by booking code: {}", percentiles(by_code));
    println!("check-in lookup, {BOOKINGS} bookings, no booking: {}", percentiles(missing));
    if let Some(c) = c {
        let key = LookupKey::IdNumber(id_number(2 * 12345));
        c.bench_function("checkin_lookup_1m_by_id_number", |b| {
            b.iter(|| store.lookup(black_box(&key), "h1", day).expect("lookup"))
        });
    }
}

/// Seconds to apply `rows` through the sync's own path, page by page.
fn ingest_sync(rows: &[BookingRecord]) -> f64 {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut conn = sync::open(&dir.path().join("kioskd.sqlite")).expect("store");
    let t = Instant::now();
    for (n, page) in rows.chunks(PAGE).enumerate() {
        let applied = sync::apply_changes(&mut conn, "h1", page, &n.to_string()).expect("apply");
        assert_eq!(applied.stored, page.len());
    }
    t.elapsed().as_secs_f64()
}

/// Seconds for a raw bulk insert of the same rows into the same table of a store opened the same way.
fn ingest_raw(rows: &[BookingRecord]) -> f64 {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut conn = sync::open(&dir.path().join("kioskd.sqlite")).expect("store");
    let t = Instant::now();
    let tx = conn.transaction().expect("tx");
    {
        let mut st = tx
            .prepare(
                "INSERT INTO bookings (code, hall, id_number, day, slot_start, slot_end, business)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .expect("prepare");
        for r in rows {
            st.execute(rusqlite::params![
                r.code,
                r.hall,
                r.id_number,
                r.date.to_string(),
                r.slot_start,
                r.slot_end,
                r.business
            ])
            .expect("insert");
        }
    }
    tx.commit().expect("commit");
    t.elapsed().as_secs_f64()
}

fn ingest() {
    let rows: Vec<BookingRecord> = (0..INGEST_ROWS).map(|i| booking(i, "h1")).collect();
    let (mut sync_best, mut raw_best) = (f64::MAX, f64::MAX);
    for round in 1..=3 {
        let s = ingest_sync(&rows);
        let r = ingest_raw(&rows);
        eprintln!("round {round}: sync {s:.3} s, raw {r:.3} s");
        sync_best = sync_best.min(s);
        raw_best = raw_best.min(r);
    }
    let (sync_rate, raw_rate) = (INGEST_ROWS as f64 / sync_best, INGEST_ROWS as f64 / raw_best);
    println!(
        "sync ingest: {:.0} rows/s (pages of {PAGE}); raw SQLite bulk insert: {:.0} rows/s; ratio {:.2} (target >= 0.5), {INGEST_ROWS} rows, best of 3",
        sync_rate,
        raw_rate,
        sync_rate / raw_rate
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let mut c = (!quick).then(|| {
        Criterion::default()
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3))
            .configure_from_args()
    });
    lookups(&mut c);
    ingest();
    if let Some(c) = c {
        c.final_summary();
    }
}
