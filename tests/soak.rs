//! Soak: a busy hall's day of walk-ins against one kioskd process in accelerated time (its clock
//! 50 times faster than real time, moved on to each arrival), sampling what the process holds
//! (VmRSS, open file descriptors) as the day goes on: both must stay flat.
//!
//! CI runs a short day (`cargo test --test soak`); the whole day is
//! `cargo test --release --test soak -- --ignored --nocapture` (the samples on stdout; figures in
//! RELIABILITY.md).

mod common;
#[path = "common/hall.rs"]
mod hall;

use chrono::{Duration as Minutes, NaiveTime};
use drivers::{DeviceKind, FaultKind};
use hall::{HallClock, Held, alive, hall_deck, held, offset};
use rand::{Rng, SeedableRng};
use sim::demo::script::{Act, FaultAt, Pay, Take, WalkIn, Want};
use sim::demo::{WalkInResult, Walker};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What one applicant of the day does.
fn applicant(
    rng: &mut rand_chacha::ChaCha8Rng,
    booked: &mut dyn Iterator<Item = String>,
    walkers: &mut dyn Iterator<Item = String>,
    elsewhere: &[String],
) -> WalkIn {
    let fault = |device, kind, at: &str| Some(FaultAt { device, kind, at: at.into() });
    let roll: u32 = rng.random_range(0..100);
    match roll {
        // Check-ins: most of a hall's traffic.
        0..=41 => WalkIn::new(booked.next().expect("booked"), Want::Checkin),
        42..=43 => WalkIn { finger: Act::Other, ..WalkIn::new(booked.next().expect("booked"), Want::Checkin) },
        44 => WalkIn { finger: Act::Poor, ..WalkIn::new(booked.next().expect("booked"), Want::Checkin) },
        45..=46 => WalkIn::new(elsewhere[rng.random_range(0..elsewhere.len())].clone(), Want::Checkin),
        47 => WalkIn {
            fault: fault(DeviceKind::Receipt, FaultKind::PaperOut, "checkin.printing"),
            ..WalkIn::new(booked.next().expect("booked"), Want::Checkin)
        },
        // Endorsements.
        48..=85 => WalkIn::new(walkers.next().expect("walker"), Want::Endorsement),
        86..=87 => WalkIn { pay: Pay::Decline, ..WalkIn::new(walkers.next().expect("walker"), Want::Endorsement) },
        88 => WalkIn { pay: Pay::WalkAway, ..WalkIn::new(walkers.next().expect("walker"), Want::Endorsement) },
        89..=90 => {
            WalkIn { take_permit: Take::Late, ..WalkIn::new(walkers.next().expect("walker"), Want::Endorsement) }
        }
        91..=92 => WalkIn {
            walk_away_at: Some("endorse.choose".into()),
            ..WalkIn::new(walkers.next().expect("walker"), Want::Endorsement)
        },
        93 => WalkIn { face: Act::Other, ..WalkIn::new(walkers.next().expect("walker"), Want::Endorsement) },
        94 => WalkIn { upside_down: true, ..WalkIn::new(walkers.next().expect("walker"), Want::Endorsement) },
        // Device faults, cleared as the applicant leaves.
        95 => WalkIn {
            fault: fault(DeviceKind::Endorser, FaultKind::ChipWriteFailed, "endorse.writing"),
            ..WalkIn::new(walkers.next().expect("walker"), Want::Endorsement)
        },
        96 => WalkIn {
            fault: fault(DeviceKind::Payment, FaultKind::LinkDown, "endorse.pay"),
            ..WalkIn::new(walkers.next().expect("walker"), Want::Endorsement)
        },
        97 => WalkIn {
            fault: fault(DeviceKind::Fingerprint, FaultKind::Garbage, "verify"),
            ..WalkIn::new(walkers.next().expect("walker"), Want::Endorsement)
        },
        98 => WalkIn {
            fault: fault(DeviceKind::IdCard, FaultKind::Timeout, "checkin.present"),
            ..WalkIn::new(booked.next().expect("booked"), Want::Checkin)
        },
        _ => WalkIn {
            fault: fault(DeviceKind::Endorser, FaultKind::PowerLoss, "endorse.writing"),
            ..WalkIn::new(walkers.next().expect("walker"), Want::Endorsement)
        },
    }
}

struct Sample {
    walkins: usize,
    kiosk_time: String,
    held: Held,
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len().max(1) as f64
}

/// Run `n` walk-ins over a day from 08:30, sampling every `every`.
async fn soak(n: usize, every: usize) -> (Vec<Sample>, BTreeMap<String, usize>, f64) {
    let h = hall_deck(n * 55 / 100 + 10, n * 55 / 100 + 10, 5);
    let dir = tempfile::tempdir().expect("tempdir");
    let deck_path = h.write(dir.path());
    let data = dir.path().join("data");
    let setup = h.kiosk(&data, deck_path);
    let mut kiosk = setup.start().await.expect("kioskd starts");
    let pid = kiosk.pid().expect("pid");
    let mut clock = HallClock::new(&kiosk.socket, setup.time_scale).await;
    let mut walker = Walker::connect(&kiosk.socket, &h.deck, offset()).await.expect("walker");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let mut booked = h.booked.clone().into_iter();
    let mut walkers = h.walkers.clone().into_iter();
    // Arrivals spread evenly over 08:30..18:30 (the kiosk's clock only moves forward: when walk-ins
    // run late, the next one arrives as the last leaves, as in a queue).
    let open = common::day().and_time(NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default());
    let gap = Minutes::seconds(600 * 60 / n as i64);
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut samples = Vec::new();
    let started = Instant::now();
    let mut staff = sim::demo::client::Client::connect(&kiosk.socket).await.expect("control socket");
    for i in 0..n {
        // Staff top up the receipt paper (500 documents) and the endorsement ribbon (300 prints)
        // every 150 applicants, as a hall's shift does: the soak is about the daemon, not about
        // running out of paper.
        if i > 0 && i % 150 == 0 {
            for (device, amount) in [(DeviceKind::Receipt, 500), (DeviceKind::Endorser, 300)] {
                let action = sim::devices::rig::WorldAction::Refill { device, amount };
                staff.call(&sim::control::Request::World { action }).await.expect("refill");
            }
        }
        let arrive = (open + gap * i as i32).and_local_timezone(offset()).single().expect("hall time");
        clock.advance_to(arrive).await;
        let d = clock.open_hours().await;
        let w = applicant(&mut rng, &mut booked, &mut walkers, &h.elsewhere);
        let r: WalkInResult =
            tokio::time::timeout(Duration::from_secs(150), walker.walk(&w, d, &mut Some(clock.now())))
                .await
                .unwrap_or_else(|_| Err("no end within 150 s".into()))
                .unwrap_or_else(|e| panic!("walk-in {} ({w:?}) did not end: {e}", i + 1));
        *outcomes.entry(format!("{} {}", r.flow, r.reason.clone().unwrap_or(r.outcome.clone()))).or_default() += 1;
        assert!(kiosk.exited().is_none() && alive(pid), "kioskd died at walk-in {}", i + 1);
        if (i + 1) % every == 0 || i == 0 {
            let held = held(pid).expect("kioskd's /proc entry");
            let kiosk_time = clock.now().format("%m-%d %H:%M").to_string();
            println!(
                "after {:>4} walk-ins (kiosk time {kiosk_time}): VmRSS {:>6} kB, {:>3} fds",
                i + 1,
                held.rss_kb,
                held.fds
            );
            samples.push(Sample { walkins: i + 1, kiosk_time, held });
        }
    }
    let secs = started.elapsed().as_secs_f64();
    drop(walker);
    kiosk.stop().await.expect("kioskd stops cleanly after the day");
    let c = rusqlite::Connection::open(data.join("kioskd.sqlite")).expect("store");
    let one = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).expect(sql);
    assert_eq!(one("SELECT COUNT(*) FROM sessions WHERE open = 1"), 0);
    assert_eq!(one("SELECT COUNT(*) FROM payments WHERE status IN ('intent', 'refund_intent')"), 0, "refunds owed");
    (samples, outcomes, secs)
}

/// Flat: the last quarter's samples average within the margin of the second quarter's, and the
/// file descriptors never more than a few above where they settled.
fn assert_flat(samples: &[Sample], rss_margin: f64, fd_margin: f64) {
    let q = samples.len() / 4;
    assert!(q >= 1, "too few samples");
    let rss = |s: &[Sample]| mean(&s.iter().map(|x| x.held.rss_kb as f64).collect::<Vec<_>>());
    let fds = |s: &[Sample]| mean(&s.iter().map(|x| x.held.fds as f64).collect::<Vec<_>>());
    let (second, last) = (&samples[q..2 * q], &samples[samples.len() - q..]);
    println!(
        "second quarter: VmRSS {:.0} kB, {:.1} fds; last quarter: VmRSS {:.0} kB, {:.1} fds",
        rss(second),
        fds(second),
        rss(last),
        fds(last)
    );
    assert!(rss(last) <= rss(second) * (1.0 + rss_margin), "memory grows: {:.0} -> {:.0} kB", rss(second), rss(last));
    assert!(fds(last) <= fds(second) + fd_margin, "file descriptors grow: {:.1} -> {:.1}", fds(second), fds(last));
    let settled = samples[q..].iter().map(|s| s.held.fds).min().unwrap_or(0);
    let top = samples[q..].iter().map(|s| s.held.fds).max().unwrap_or(0);
    assert!(top <= settled + 4, "file descriptors wander: {settled}..{top}");
}

fn print(outcomes: &BTreeMap<String, usize>, samples: &[Sample], secs: f64) {
    let n = samples.last().map(|s| s.walkins).unwrap_or(0);
    println!(
        "{n} walk-ins in {secs:.0} s real time, kiosk clock at {}",
        samples.last().map(|s| s.kiosk_time.as_str()).unwrap_or("")
    );
    for (k, v) in outcomes {
        println!("  {v:>4} {k}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_short_busy_morning_holds_steady() {
    let (samples, outcomes, secs) = soak(100, 10).await;
    print(&outcomes, &samples, secs);
    assert_flat(&samples, 0.15, 2.0);
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "a whole day: many minutes"]
async fn a_busy_day_holds_steady() {
    let n = std::env::var("SOAK_WALKINS").ok().and_then(|v| v.parse().ok()).unwrap_or(640);
    let (samples, outcomes, secs) = soak(n, 20).await;
    print(&outcomes, &samples, secs);
    assert_flat(&samples, 0.05, 1.0);
}
