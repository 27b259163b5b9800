//! Full sessions per second with zero-latency devices, on one core (SPEC §6: the daemon itself is
//! never what anyone waits for).
//!
//! In one process, on one thread (a current-thread tokio runtime): the daemon's kiosk loop
//! (`runtime::Kiosk`: the session state machine, every transition journaled in one SQLite
//! transaction on a store file before its effects run, device tasks), every device simulated with
//! no latency (`sim` rig, `Speed::Zero`), central answered from the persona deck in-process
//! (`DeckCentral`), the simulator control socket, and the demo's scripted applicant (`sim::demo::Walker`)
//! driving each walk-in over that socket as `kiosk-sim demo` does, reacting to every screen. Not
//! included: the display (no frames drawn), the sync with central, the metrics server.
//!
//! The kiosk clock runs 100 times faster than real time so that the timed parts of a flow that are
//! not device latency (the four 200 ms colour flashes of the face's liveness check) take 8 ms; check-in
//! windows stay open for the run. Each flow runs for `SECS` after a warm-up, with the store at
//! `synchronous = full` (the daemon's default: an fsync per commit) and `normal`.
//!
//! `cargo bench -p kioskd --bench sessions` (release); pass seconds per phase to change `SECS`.

use kioskd::central::DeckCentral;
use kioskd::clock::Clock;
use kioskd::policy::Policy;
use kioskd::runtime::tasks::Devices;
use kioskd::runtime::{Identity, Kiosk, Request};
use kioskd::store::Store;
use sim::demo::Walker;
use sim::demo::script::{Script, Want};
use sim::devices::rig::{RigOptions, Speed, build};
use sim::persona::generate::generate;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const WARM_UP: usize = 20;

struct Phase {
    sessions: usize,
    secs: f64,
    outcomes: BTreeMap<String, usize>,
    commits_per_session: f64,
}

async fn phase(want: Want, synchronous: &str, secs: f64) -> Phase {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap_or_default();
    let deck = generate(40, 1, day);
    let hall = deck.halls.first().map(|h| h.id.clone()).expect("a hall");
    let (_, rig) =
        build(&RigOptions { speed: Speed::Zero, paper: u32::MAX / 2, ribbon: u32::MAX / 2, ..Default::default() });
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("kioskd.sqlite"), synchronous, "k1", "A").expect("store");
    let policy = Policy::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("sim/data/policy.toml")).expect("policy");
    let start = chrono::DateTime::parse_from_rfc3339(&format!("{day}T08:00:00+08:00")).expect("start");
    let clock = Clock::simulated(start, 100.0);
    let central = Arc::new(DeckCentral::new(deck.clone()));
    let id = Identity { kiosk_id: "k1".into(), hall_id: hall.clone() };
    let (mut kiosk, handle) = Kiosk::new(id, policy, store, clock.clone(), central, Devices::new(rig.devices()));
    kiosk.prepare().await.expect("prepare");
    let socket = dir.path().join("control.sock");
    let server = {
        let (socket, handle, rig, clock) = (socket.clone(), handle.clone(), rig.clone(), clock.clone());
        tokio::spawn(async move { kioskd::control_socket::serve(&socket, handle, rig, clock, None, None).await })
    };
    let run = tokio::spawn(kiosk.run());
    let mut walker = None;
    for _ in 0..500 {
        if let Ok(w) = Walker::connect(&socket, &deck, clock.offset()).await {
            walker = Some(w);
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let mut walker = walker.expect("control socket");
    let walkin =
        Script::default_for(&deck, &hall).walkins.into_iter().find(|w| w.flow == want).expect("a persona for the flow");
    let mut clk = None;
    for _ in 0..WARM_UP {
        walker.walk(&walkin, day, &mut clk).await.expect("walk-in");
    }
    let counted = |db: &Path| {
        let c = rusqlite::Connection::open(db).expect("store");
        c.query_row("SELECT COUNT(*) FROM journal", [], |r| r.get::<_, i64>(0)).expect("journal")
    };
    let journal_before = counted(&dir.path().join("kioskd.sqlite"));
    let mut outcomes = BTreeMap::new();
    let t = Instant::now();
    let mut sessions = 0;
    while t.elapsed().as_secs_f64() < secs {
        let r = walker.walk(&walkin, day, &mut clk).await.expect("walk-in");
        *outcomes.entry(r.outcome).or_insert(0) += 1;
        sessions += 1;
    }
    let secs = t.elapsed().as_secs_f64();
    let journal = counted(&dir.path().join("kioskd.sqlite")) - journal_before;
    handle.send(Request::Shutdown);
    drop(walker);
    run.await.expect("joined").expect("clean stop");
    server.abort();
    Phase { sessions, secs, outcomes, commits_per_session: journal as f64 / sessions.max(1) as f64 }
}

fn main() {
    let secs: f64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(5.0);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    for synchronous in ["full", "normal"] {
        for (want, name) in [(Want::Checkin, "check-in"), (Want::Endorsement, "endorsement")] {
            let p = rt.block_on(phase(want, synchronous, secs));
            let outcomes: Vec<String> = p.outcomes.iter().map(|(o, n)| format!("{o} {n}")).collect();
            println!(
                "{name} sessions, zero-latency devices, one thread, synchronous = {synchronous}: {:.0} sessions/s ({} in {:.1} s: {}; {:.1} journaled transitions each) (target >= 500)",
                p.sessions as f64 / p.secs,
                p.sessions,
                p.secs,
                outcomes.join(", "),
                p.commits_per_session
            );
        }
    }
}
