//! A busy hall for the long runs (fault matrix, soak): a deck with a fresh applicant for every
//! walk-in, check-in bookings that stay open all day on many days, the kiosk's simulated clock
//! followed from outside and moved on overnight, and what the kioskd process holds (memory, fds).

#![allow(dead_code)]

use crate::common::{day, fresh_permit};
use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveTime, Timelike};
use sim::control::Request;
use sim::demo::client::Client;
use sim::persona::{Booking, Deck, generate::generate, validate::validate};
use std::path::Path;
use std::time::Instant;

/// How many days the check-in bookings cover, from the test day on.
pub const BOOKED_DAYS: u64 = 20;

/// The deck and who is free to walk in for what.
pub struct HallDeck {
    /// The deck.
    pub deck: Deck,
    /// The kiosk's hall.
    pub hall: String,
    /// Applicants booked at this hall on every one of [`BOOKED_DAYS`] days, 08:30 to 23:30.
    pub booked: Vec<String>,
    /// Applicants with a fresh HK/Macau permit and nothing booked.
    pub walkers: Vec<String>,
    /// Applicants booked at another hall every day (a check-in here is refused `other_hall`).
    pub elsewhere: Vec<String>,
}

fn code(prefix: char, n: usize) -> String {
    let a: Vec<char> = sim::persona::generate::BOOKING_CODE_ALPHABET.chars().collect();
    let mut s = String::from("Z");
    s.push(prefix);
    let mut x = n;
    for _ in 0..6 {
        s.push(a[x % a.len()]);
        x /= a.len();
    }
    s
}

fn all_day(code: String, hall: &str, date: NaiveDate) -> Booking {
    Booking {
        code,
        hall: hall.into(),
        date,
        slot_start: "08:30".into(),
        slot_end: "23:30".into(),
        business: "renewal".into(),
        document: "passport".into(),
    }
}

/// A deck with `booked` applicants booked here, `walkers` with a fresh permit and `elsewhere`
/// booked at another hall: ordinary mainland adults with two enrolled fingers each.
pub fn hall_deck(booked: usize, walkers: usize, elsewhere: usize) -> HallDeck {
    let want = booked + walkers + elsewhere;
    let mut deck = generate(want * 2 + 40, 8, day());
    let hall = deck.halls[0].id.clone();
    let other = deck.halls[1].id.clone();
    let far = NaiveDate::from_ymd_opt(2031, 6, 30).unwrap_or_default();
    let pool: Vec<usize> = (0..deck.personas.len())
        .filter(|&i| {
            let p = &deck.personas[i];
            !p.flags.non_mainland && !p.flags.counter_only && p.fingers.len() == 2 && p.card.birth.as_str() < "20000101"
        })
        .take(want)
        .collect();
    assert_eq!(pool.len(), want, "not enough ordinary applicants in the generated deck");
    let (mut b, mut w, mut e) = (Vec::new(), Vec::new(), Vec::new());
    for (n, &i) in pool.iter().enumerate() {
        let p = &mut deck.personas[i];
        p.bookings.clear();
        fresh_permit(p, far, 100_000 + n as u32);
        let (target, at) = if n < booked {
            (&mut b, Some(&hall))
        } else if n < booked + walkers {
            (&mut w, None)
        } else {
            (&mut e, Some(&other))
        };
        if let Some(h) = at {
            p.bookings = (0..BOOKED_DAYS)
                .map(|d| all_day(code('K', n * BOOKED_DAYS as usize + d as usize), h, day() + Days::new(d)))
                .collect();
        }
        target.push(p.id.clone());
    }
    let problems = validate(&deck);
    assert!(problems.is_empty(), "hall deck invalid:\n{}", problems.join("\n"));
    HallDeck { deck, hall, booked: b, walkers: w, elsewhere: e }
}

impl HallDeck {
    /// Write the deck as TOML.
    pub fn write(&self, dir: &Path) -> std::path::PathBuf {
        let path = dir.join("personas.toml");
        std::fs::write(&path, self.deck.to_toml().expect("deck serialises")).expect("deck written");
        path
    }

    /// A kiosk of this hall on the deck at `deck`, its store in `data`: every device simulated
    /// inside it at `fast` speed (the caller may put some on the wire), its clock 50 times real
    /// time from 08:00 of the test day, no central.
    pub fn kiosk(&self, data: &Path, deck: std::path::PathBuf) -> sim::demo::KioskSetup {
        sim::demo::KioskSetup {
            kioskd: env!("CARGO_BIN_EXE_kioskd").into(),
            data_dir: data.to_path_buf(),
            deck,
            policy: crate::common::policy(),
            hall: self.hall.clone(),
            start: format!("{}T08:00:00+08:00", day()),
            time_scale: 50.0,
            speed: "fast".into(),
            verbose: std::env::var_os("KIOSKD_TEST_VERBOSE").is_some(),
            serial: Vec::new(),
            kiosk_no: 1,
            central: None,
            frames: None,
        }
    }
}

/// The kiosk's simulated clock as seen from outside: where it was last set and how fast it runs.
pub struct HallClock {
    set: DateTime<FixedOffset>,
    when: Instant,
    scale: f64,
    client: Client,
}

/// Hall time (UTC+8).
pub fn offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("offset")
}

fn at(date: NaiveDate, h: u32, m: u32) -> DateTime<FixedOffset> {
    date.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default())
        .and_local_timezone(offset())
        .single()
        .expect("hall time")
}

impl HallClock {
    /// The clock of a kiosk started at 08:00 on the test day with `scale`.
    pub async fn new(socket: &Path, scale: f64) -> HallClock {
        let client = Client::connect(socket).await.expect("control socket");
        HallClock { set: at(day(), 8, 0), when: Instant::now(), scale, client }
    }

    /// About now on the kiosk's clock (it never runs behind this).
    pub fn now(&self) -> DateTime<FixedOffset> {
        let real = self.when.elapsed().as_secs_f64() * self.scale;
        self.set + chrono::Duration::milliseconds((real * 1000.0) as i64)
    }

    /// Move the kiosk's clock forward to `t` (a time already past changes nothing).
    pub async fn advance_to(&mut self, t: DateTime<FixedOffset>) {
        if t > self.now() {
            self.client.call(&Request::SetClock { at: t }).await.expect("clock set");
            self.set = t;
            self.when = Instant::now();
        }
    }

    /// Opening hours for the next walk-in: after 21:00 (or before 08:30) the kiosk is moved on to
    /// 08:30 of the next (or the same) day. Returns the hall day it is now.
    pub async fn open_hours(&mut self) -> NaiveDate {
        let now = self.now();
        if now.hour() >= 21 {
            self.advance_to(at(now.date_naive() + Days::new(1), 8, 30)).await;
        } else if now.time() < NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default() {
            self.advance_to(at(now.date_naive(), 8, 30)).await;
        }
        let d = self.now().date_naive();
        assert!(d < day() + Days::new(BOOKED_DAYS), "the run outlasted the booked days");
        d
    }
}

/// What a process holds: resident memory (kB) and open file descriptors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// VmRSS in kB.
    pub rss_kb: u64,
    /// Entries in /proc/PID/fd.
    pub fds: usize,
}

/// Read what process `pid` holds, or `None` when it is gone.
pub fn held(pid: u32) -> Option<Held> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count();
    Some(Held { rss_kb, fds })
}

/// The process is still there and not a zombie.
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(')').map(|(_, rest)| !rest.trim_start().starts_with('Z')))
        .unwrap_or(false)
}
