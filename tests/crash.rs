//! The crash harness: scripted walk-ins (check-ins and endorsements, paid, declined, refused at the
//! chip, the permit left behind) against kioskd as a process, killed with SIGKILL at seeded points
//! of the sessions (the Nth screen shown, then a few milliseconds), and now and then again while
//! the restarted kioskd is still recovering. After every restart the kiosk is watched back to its
//! home screen and the invariants are checked on its store, on the devices that outlived it (every
//! permit's chip, the payment provider's books) and on the scheduler's database (sim::crash::check);
//! at the end of each round, with the outbox drained, every event must be at the scheduler once.
//!
//! The short run (CI): `cargo test --test crash`. The long run:
//! `KIOSKD_CRASH_POINTS=1000 KIOSKD_CRASH_SEED=1 cargo test --release --test crash -- --ignored --nocapture`.
//! `KIOSKD_CRASH_TRACE=1` prints each walk-in and kill; `KIOSKD_CRASH_VERBOSE=1` adds kioskd's log.

mod common;

use common::central::{kiosk, scheduler};
use common::{TestDeck, day, fresh_permit, test_deck};
use drivers::{DeviceKind, FaultKind};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sim::crash::{CrashKiosk, KillPoint, Ran, Subject, Tally, check};
use sim::demo::script::{FaultAt, Pay, Take, Using, WalkIn, Want};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Device timers run this many times faster than real time.
const SCALE: f64 = 20.0;
/// Kill points per round: a fresh kiosk, scheduler and set of devices each round (a hall's morning).
const ROUND: u32 = 25;

/// The test deck, with every check-in booked at 11:00 (the kiosk starts at 10:00 and stays inside the
/// check-in window through a round) and fresh permits for everyone who asks for an endorsement.
fn deck() -> (TestDeck, Vec<String>, Vec<String>) {
    let mut t = test_deck();
    let checkins: Vec<String> =
        ["checkin_ok", "checkin_code", "after_outage", "checkin_poor", "face_ok"].iter().map(|r| t.id(r)).collect();
    for p in t.deck.personas.iter_mut().filter(|p| checkins.contains(&p.id)) {
        for b in p.bookings.iter_mut().filter(|b| b.date == day()) {
            b.slot_start = "11:00".into();
            b.slot_end = "11:30".into();
        }
    }
    let far = chrono::NaiveDate::from_ymd_opt(2031, 6, 30).unwrap_or_default();
    let mut endorsers = Vec::new();
    for (n, p) in t.deck.personas.iter_mut().enumerate() {
        let fit = !p.flags.non_mainland
            && !p.flags.counter_only
            && p.fingers.len() == 2
            && p.card.birth.as_str() < "20000101"
            && !checkins.contains(&p.id);
        if fit {
            fresh_permit(p, far, 500 + n as u32);
            endorsers.push(p.id.clone());
        }
    }
    let problems = sim::persona::validate::validate(&t.deck);
    assert!(problems.is_empty(), "{problems:?}");
    (t, checkins, endorsers)
}

/// The walk-in kinds, with how often each comes.
const KINDS: &[(&str, u32)] = &[
    ("checkin", 30),
    ("checkin_code", 10),
    ("endorse", 36),
    ("endorse_write_fails", 10),
    ("endorse_declined", 6),
    ("endorse_left_permit", 8),
];

fn pick(rng: &mut ChaCha8Rng) -> &'static str {
    let total: u32 = KINDS.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (k, w) in KINDS {
        if x < *w {
            return k;
        }
        x -= w;
    }
    KINDS[0].0
}

fn walk_in(kind: &str, checkins: &[String], endorsers: &[String], n: usize) -> WalkIn {
    let c = || WalkIn::new(checkins[n % checkins.len()].clone(), Want::Checkin);
    let e = || WalkIn::new(endorsers[n % endorsers.len()].clone(), Want::Endorsement);
    match kind {
        "checkin" => c(),
        "checkin_code" => WalkIn { using: Using::Code, ..c() },
        "endorse_write_fails" => WalkIn {
            fault: Some(FaultAt {
                device: DeviceKind::Endorser,
                kind: FaultKind::ChipWriteFailed,
                at: "endorse.writing".into(),
            }),
            ..e()
        },
        "endorse_declined" => WalkIn { pay: Pay::Decline, ..e() },
        "endorse_left_permit" => WalkIn { take_permit: Take::Late, ..e() },
        _ => e(),
    }
}

struct Run {
    points: u32,
    seed: u64,
    tally: Tally,
    elapsed: Duration,
}

/// One round: a fresh kiosk and scheduler, `points` kill points.
async fn round(
    t: &TestDeck,
    checkins: &[String],
    endorsers: &[String],
    rng: &mut ChaCha8Rng,
    points: u32,
    tally: &mut Tally,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let deck_path = t.write(dir.path());
    let (_, central) = scheduler(t, dir.path(), &deck_path, &[1]).await;
    let (_, rig) = sim::devices::rig::build(&sim::devices::rig::RigOptions {
        speed: sim::devices::rig::Speed::Fast,
        ..Default::default()
    });
    let wire = sim::wire::WireRig::start(&dir.path().join("dev"), &rig).expect("ptys");
    wire.ready().await.expect("emulators ready");
    let mut setup = kiosk(t, dir.path(), &deck_path, 1, &central.url());
    setup.serial = wire.ports().to_vec();
    setup.time_scale = SCALE;
    setup.start = format!("{}T10:00:00+08:00", day());
    // KIOSKD_CRASH_VERBOSE=1: kioskd's log on stderr, to see why a walk-in went as it did.
    setup.verbose = std::env::var_os("KIOSKD_CRASH_VERBOSE").is_some();
    let kiosk_id = setup.kiosk_id();
    let books = setup.payment_books();
    let local = wire.ports().iter().map(|(k, _, _)| *k).collect();
    // Devices a little slower than `fast`, so that the steps waiting on them are places a kill can land.
    for (device, ms) in [(DeviceKind::Endorser, 120), (DeviceKind::Receipt, 60), (DeviceKind::Permit, 20)] {
        rig.apply(sim::devices::rig::WorldAction::Latency { device, ms }).expect("latency");
    }
    let inside_latency = vec![(DeviceKind::Payment, 60), (DeviceKind::Camera, 20)];
    let mut ck = CrashKiosk { setup, running: None, rig: rig.clone(), local, inside_latency, pause: Duration::ZERO };
    ck.start().await.expect("kioskd starts");
    let store = ck.store();
    let central_db = dir.path().join("central.sqlite");
    let subject = || Subject {
        store: &store,
        books: &books,
        rig: &rig,
        scheduler: Some((central_db.as_path(), kiosk_id.as_str())),
    };
    // Distinct screens each kind of walk-in shows and how long it takes, measured on one walked
    // through unkilled.
    let mut screens: BTreeMap<&str, (u32, u64)> = BTreeMap::new();
    let offset = sim::HALL_OFFSET;
    let mut killed = 0;
    let mut n = rng.random_range(0..1000usize);
    while killed < points {
        n += 1;
        let kind = pick(rng);
        let w = walk_in(kind, checkins, endorsers, n);
        // Half the kill points a few milliseconds after a screen, half anywhere in the walk-in's time.
        let kill = screens.get(kind).map(|&(max, ms)| {
            if rng.random_bool(0.5) {
                KillPoint { screen: rng.random_range(1..=max.max(1)), delay_ms: rng.random_range(0..=150) }
            } else {
                KillPoint { screen: 0, delay_ms: rng.random_range(0..=ms.max(1)) }
            }
        });
        ck.pause = Duration::from_millis(rng.random_range(0..=60));
        match ck.walk(&t.deck, offset, day(), &w, kill).await {
            Ok(Ran::Finished(r, shown, took)) => {
                if std::env::var_os("KIOSKD_CRASH_TRACE").is_some() {
                    eprintln!("{kind} kill {kill:?}: {} ({} screens) {:?}", sim::demo::line(&r), shown, r.permit);
                }
                *tally
                    .outcomes
                    .entry(format!("{} {}", r.flow, r.reason.as_deref().unwrap_or(&r.outcome)))
                    .or_default() += 1;
                let e = screens.entry(kind).or_default();
                *e = (e.0.max(shown), e.1.max(took.as_millis() as u64));
                if kill.is_none() {
                    continue;
                }
                // The session ended before its kill point: kill the idle kiosk instead.
                ck.kill().await;
            }
            Ok(Ran::Killed) => {
                if std::env::var_os("KIOSKD_CRASH_TRACE").is_some() {
                    eprintln!("{kind} {}: killed at {kill:?}", w.persona);
                }
            }
            Err(e) => {
                tally.violations.push(format!("walk-in {kind} {}: {e}", w.persona));
                ck.kill().await;
            }
        }
        // Restart; now and then kill again while the restarted kiosk recovers.
        let mut during_recovery = false;
        loop {
            for k in [DeviceKind::Endorser, DeviceKind::IdCard, DeviceKind::Fingerprint, DeviceKind::Permit] {
                let _ = rig.handle(k).set_fault(None);
            }
            let state = match ck.restart().await {
                Ok(s) => s,
                Err(e) => {
                    tally.violations.push(format!("restart: {e}"));
                    ck.start().await.expect("kioskd starts again");
                    "unknown".into()
                }
            };
            killed += 1;
            tally.kills += 1;
            tally.restarts += 1;
            let label = if during_recovery { format!("{state} (recovering)") } else { state };
            *tally.states.entry(label).or_default() += 1;
            if killed < points && rng.random_bool(0.2) {
                let after = Duration::from_millis(rng.random_range(0..=120));
                let settled = tokio::select! {
                    r = ck.settle(Duration::from_secs(30)) => Some(r),
                    () = tokio::time::sleep(after) => None,
                };
                match settled {
                    None => {
                        ck.kill().await;
                        during_recovery = true;
                        continue;
                    }
                    Some(r) => {
                        if let Err(e) = r {
                            tally.violations.push(format!("recovery: {e}"));
                        }
                        break;
                    }
                }
            }
            if let Err(e) = ck.settle(Duration::from_secs(30)).await {
                tally.violations.push(format!("recovery: {e}"));
            }
            break;
        }
        let found = check(&subject(), false).expect("invariants readable");
        tally.checks += 1;
        tally.violations.extend(found.into_iter().map(|v| format!("after kill {}: {v}", tally.kills)));
    }
    // The round's end: with the outbox drained, every event is at the scheduler exactly once.
    if let Err(e) = ck.synced(Duration::from_secs(30)).await {
        tally.violations.push(format!("outbox not drained: {e}"));
    }
    let found = check(&subject(), true).expect("invariants readable");
    tally.checks += 1;
    tally.violations.extend(found.into_iter().map(|v| format!("end of round: {v}")));
    if let Some(k) = ck.running.take() {
        let _ = k.stop().await;
    }
    central.kill().await;
    if std::env::var_os("KIOSKD_CRASH_KEEP").is_some() {
        eprintln!("kept {}", dir.keep().display());
    }
}

async fn run(points: u32, seed: u64) -> Run {
    let (t, checkins, endorsers) = deck();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut tally = Tally::default();
    let started = Instant::now();
    let mut left = points;
    while left > 0 {
        let n = left.min(ROUND);
        round(&t, &checkins, &endorsers, &mut rng, n, &mut tally).await;
        left -= n;
    }
    Run { points, seed, tally, elapsed: started.elapsed() }
}

fn report(r: &Run) {
    eprintln!("crash harness: {} kill points, seed {}, {:.0} s", r.points, r.seed, r.elapsed.as_secs_f64());
    eprintln!("{}", r.tally.table());
}

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The CI run: a few dozen kill points over both flows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_anywhere_nothing_is_issued_twice_kept_or_lost() {
    let r = run(env("KIOSKD_CRASH_POINTS_CI", 30), env("KIOSKD_CRASH_SEED", 7)).await;
    report(&r);
    assert!(r.tally.violations.is_empty(), "{}", r.tally.table());
    // Both flows were killed mid-session, not only between walk-ins.
    let mid = |flow: &str| r.tally.states.keys().any(|s| s.starts_with(flow) && !s.contains(":ended"));
    assert!(mid("checkin") && mid("endorsement"), "{:?}", r.tally.states);
}

/// The long run: `KIOSKD_CRASH_POINTS` kill points (default 1000) from `KIOSKD_CRASH_SEED`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the long run: minutes; see RELIABILITY.md"]
async fn long_run() {
    let r = run(env("KIOSKD_CRASH_POINTS", 1000), env("KIOSKD_CRASH_SEED", 1)).await;
    report(&r);
    assert!(r.tally.violations.is_empty(), "{}", r.tally.table());
}
