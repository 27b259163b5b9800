//! A persona deck shaped for the end-to-end tests: generated, then a persona set up for every role
//! (happy paths and each refusal), and validated like any deck.

#![allow(dead_code)]

pub mod central;

use chrono::NaiveDate;
use drivers::permit::{PermitKind, PermitMrz};
use sim::persona::{Booking, Deck, Permit, Persona, generate::generate, validate::validate};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The test day.
pub fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).unwrap_or_default()
}

/// The policy file the simulator ships.
pub fn policy() -> PathBuf {
    manifest_dir().join("sim/data/policy.toml")
}

/// The deck and which persona plays which role.
pub struct TestDeck {
    /// The deck.
    pub deck: Deck,
    /// Role → persona id.
    pub roles: BTreeMap<&'static str, String>,
    /// The kiosk's hall.
    pub hall: String,
    /// Another hall.
    pub other_hall: String,
}

fn booking(code: &str, hall: &str, start: &str, end: &str) -> Booking {
    Booking {
        code: code.into(),
        hall: hall.into(),
        date: day(),
        slot_start: start.into(),
        slot_end: end.into(),
        business: "renewal".into(),
        document: "passport".into(),
    }
}

/// A booking code from the deck alphabet.
fn code(n: u32) -> String {
    let a: Vec<char> = sim::persona::generate::BOOKING_CODE_ALPHABET.chars().collect();
    let mut s = String::from("TSTK");
    let mut x = n as usize;
    for _ in 0..4 {
        s.push(a[x % a.len()]);
        x /= a.len();
    }
    s
}

/// Give a persona a fresh card-type HK/Macau permit with no endorsements.
pub fn fresh_permit(p: &mut Persona, expiry: NaiveDate, n: u32) {
    fresh_permit_of(p, PermitKind::HkMacau, expiry, n)
}

/// Give a persona a fresh card-type permit of `kind` with no endorsements.
pub fn fresh_permit_of(p: &mut Persona, kind: PermitKind, expiry: NaiveDate, n: u32) {
    let birth = NaiveDate::parse_from_str(&p.card.birth, "%Y%m%d").unwrap_or_default();
    let letter = if kind == PermitKind::HkMacau { 'C' } else { 'T' };
    let number = format!("{letter}{:08}", 40_000_000 + n);
    let issued = expiry.checked_sub_months(chrono::Months::new(60)).unwrap_or(expiry).min(day());
    let (surname, given_names) =
        p.permits.first().map(|x| (x.surname.clone(), x.given_names.clone())).unwrap_or(("WANG".into(), "FANG".into()));
    let mrz = PermitMrz { kind, number: number.clone(), expiry, birth }.encode();
    p.permits = vec![Permit {
        kind,
        number,
        name_zh: p.card.name.clone(),
        surname,
        given_names,
        birth,
        issued,
        expiry,
        mrz,
        endorsements: Vec::new(),
    }];
}

/// Build the deck.
pub fn test_deck() -> TestDeck {
    let mut deck = generate(90, 2026, day());
    let hall = deck.halls[0].id.clone();
    let other_hall = deck.halls[1].id.clone();
    let far = NaiveDate::from_ymd_opt(2031, 6, 30).unwrap_or_default();
    // Ordinary mainland adults with fingerprints, nothing booked.
    let mut pool: Vec<usize> = (0..deck.personas.len())
        .filter(|&i| {
            let p = &deck.personas[i];
            !p.flags.non_mainland && !p.flags.counter_only && p.fingers.len() == 2 && p.card.birth.as_str() < "20000101"
        })
        .collect();
    pool.reverse();
    let mut roles = BTreeMap::new();
    let mut n = 0u32;
    let mut take = |role: &'static str, deck: &mut Deck, f: &dyn Fn(&mut Persona, u32)| {
        let i = pool.pop().unwrap_or_default();
        n += 1;
        let p = &mut deck.personas[i];
        p.bookings.clear();
        fresh_permit(p, far, n);
        f(p, n);
        roles.insert(role, p.id.clone());
    };
    let h = hall.clone();
    take("checkin_ok", &mut deck, &|p, n| p.bookings = vec![booking(&code(n), &h, "09:00", "09:30")]);
    take("checkin_code", &mut deck, &|p, n| p.bookings = vec![booking(&code(n), &h, "09:30", "10:00")]);
    take("no_booking", &mut deck, &|_, _| {});
    let o = other_hall.clone();
    take("other_hall", &mut deck, &|p, n| p.bookings = vec![booking(&code(n), &o, "09:30", "10:00")]);
    take("too_early", &mut deck, &|p, n| p.bookings = vec![booking(&code(n), &h, "15:00", "15:30")]);
    take("too_late", &mut deck, &|p, n| p.bookings = vec![booking(&code(n), &h, "08:30", "09:00")]);
    take("mismatch_code", &mut deck, &|p, n| p.bookings = vec![booking(&code(n), &h, "10:00", "10:30")]);
    take("finger_fail", &mut deck, &|p, n| p.bookings = vec![booking(&code(n), &h, "10:00", "10:30")]);
    take("face_fail", &mut deck, &|p, n| {
        p.fingers.clear();
        p.bookings = vec![booking(&code(n), &h, "10:00", "10:30")];
    });
    take("face_ok", &mut deck, &|p, n| {
        p.fingers.clear();
        p.bookings = vec![booking(&code(n), &h, "10:30", "11:00")];
    });
    take("after_outage", &mut deck, &|p, n| p.bookings = vec![booking(&code(n), &h, "10:30", "11:00")]);
    take("checkin_poor", &mut deck, &|p, n| p.bookings = vec![booking(&code(n), &h, "11:00", "11:30")]);
    take("endorse_ok", &mut deck, &|_, _| {});
    take("endorse_retained", &mut deck, &|_, _| {});
    take("endorse_mismatch", &mut deck, &|_, _| {});
    take("permit_expired", &mut deck, &|p, n| {
        fresh_permit(p, day().pred_opt().unwrap_or_default(), n);
    });
    take("permit_invalid", &mut deck, &|_, _| {});
    take("counter_only", &mut deck, &|p, _| p.flags.counter_only = true);
    take("not_eligible", &mut deck, &|p, n| {
        fresh_permit(p, day() + chrono::Days::new(30), n);
    });
    take("declined", &mut deck, &|_, _| {});
    take("pay_timeout", &mut deck, &|_, _| {});
    take("write_fails", &mut deck, &|_, _| {});
    take("walk_away", &mut deck, &|_, _| {});
    take("endorse_finger_fail", &mut deck, &|_, _| {});
    // Presentation attacks on face verification: a printed photo, a replayed video.
    for role in ["face_photo", "face_video"] {
        take(role, &mut deck, &|p, n| {
            p.fingers.clear();
            p.bookings = vec![booking(&code(n), &h, "11:30", "12:00")];
        });
    }
    // Queries and booking at the kiosk (bookings held are for later days: they can still change).
    take("query", &mut deck, &|p, _| {
        // One Hong Kong trip left on a group-tour endorsement, for the endorsement query.
        p.permits[0].endorsements = vec![drivers::permit::Endorsement {
            destination: drivers::permit::Destination::HongKong,
            kind: drivers::permit::EndorsementKind::GroupTour,
            trips: drivers::permit::Trips::Two,
            trips_left: Some(1),
            valid_from: day() - chrono::Days::new(30),
            valid_to: day() + chrono::Days::new(60),
            issue_key: None,
        }];
    });
    take("book_new", &mut deck, &|_, _| {});
    let later = |code: String, hall: &str| Booking {
        date: day() + chrono::Days::new(4),
        ..booking(&code, hall, "10:00", "10:30")
    };
    take("book_move", &mut deck, &|p, n| p.bookings = vec![later(code(n), &h)]);
    take("book_cancel", &mut deck, &|p, n| p.bookings = vec![later(code(n), &h)]);
    // The Taiwan individual tour: hukou in an open city, a residence permit of one, neither.
    take("tw_open_city", &mut deck, &|p, n| {
        fresh_permit_of(p, PermitKind::Taiwan, far, n);
        p.card.address = "福建省厦门市思明区湖滨南路88号".into();
    });
    take("tw_residence", &mut deck, &|p, n| {
        fresh_permit_of(p, PermitKind::Taiwan, far, n);
        p.card.address = "广东省广州市天河区体育西路100号".into();
        p.residence_permit = Some("350200".into());
    });
    take("tw_group_only", &mut deck, &|p, n| {
        fresh_permit_of(p, PermitKind::Taiwan, far, n);
        p.card.address = "广东省广州市天河区体育西路101号".into();
    });
    let non_mainland = deck.personas.iter().find(|p| p.flags.non_mainland).map(|p| p.id.clone()).unwrap_or_default();
    roles.insert("non_mainland", non_mainland);
    let problems = validate(&deck);
    assert!(problems.is_empty(), "test deck invalid:\n{}", problems.join("\n"));
    TestDeck { deck, roles, hall, other_hall }
}

impl TestDeck {
    /// Persona id of a role.
    pub fn id(&self, role: &str) -> String {
        self.roles.get(role).cloned().unwrap_or_else(|| panic!("no role {role}"))
    }

    /// Write the deck as TOML.
    pub fn write(&self, dir: &Path) -> PathBuf {
        let path = dir.join("personas.toml");
        std::fs::write(&path, self.deck.to_toml().expect("deck serialises")).expect("deck written");
        path
    }
}

/// kioskd for the test deck in `dir` (data under `dir/data`), every device simulated, its timers 50
/// times faster than real time; change what a test needs with `..`.
pub fn kiosk_setup(t: &TestDeck, dir: &Path, deck: PathBuf) -> sim::demo::KioskSetup {
    sim::demo::KioskSetup {
        kioskd: env!("CARGO_BIN_EXE_kioskd").into(),
        data_dir: dir.join("data"),
        deck,
        policy: policy(),
        hall: t.hall.clone(),
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

/// This package's directory: as `cargo` gives it to the running program (a binary built from another
/// checkout sharing the target directory is still right), else as it was at build time.
pub fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), Into::into)
}
