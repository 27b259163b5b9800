//! Full sessions per second with zero-latency devices, on one core (SPEC §6: the daemon itself is
//! never what anyone waits for).
//!
//! In one process: on one thread (a current-thread tokio runtime) the daemon's kiosk loop
//! (`runtime::Kiosk`: the session state machine, every transition journaled in one SQLite
//! transaction on a store file before its effects run, or with the next for one a restart would not
//! notice, device tasks), every device simulated with
//! no latency (`sim` rig, `Speed::Zero`), central answered from the persona deck in-process
//! (`DeckCentral`); on a second thread the demo's scripted applicant (`sim::demo::Walker`) driving
//! each walk-in over the simulator's control socket as `kiosk-sim demo` does, reacting to every
//! screen, and that socket's server (kioskd's own, which it serves only when its devices are
//! simulated: the applicant's eyes on the screen and hands on the devices). Not included: the
//! display (no frames drawn), the sync with central, the metrics server.
//!
//! The kiosk clock runs 100 times faster than real time so that the timed parts of a flow that are
//! not device latency (the four 200 ms colour flashes of the face's liveness check) take 8 ms; check-in
//! windows stay open for the run. Each flow runs for `SECS` after a warm-up, with the store at
//! `synchronous = full` (the daemon's default: an fsync per commit) and `normal`. Three rates: per
//! second of wall time (which includes waiting on the disk's fsyncs and the liveness flashes), per
//! CPU-second of the daemon (the process's CPU time less the applicant's thread: the daemon with its
//! simulated devices, what the one core does), and per CPU-second of the whole process. Each
//! endorsement is a different applicant (a deck of 6,000); a check-in is the same one again
//! (checking in twice is idempotent).
//!
//! `cargo bench -p kioskd --bench sessions` (release); pass seconds per phase to change `SECS`.

use kioskd::central::DeckCentral;
use kioskd::clock::Clock;
use kioskd::policy::Policy;
use kioskd::runtime::tasks::Devices;
use kioskd::runtime::{Identity, Kiosk, Request};
use kioskd::store::Store;
use sim::demo::Walker;
use sim::demo::script::{Script, WalkIn, Want};
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
    /// CPU time of the whole process (daemon, simulated devices, scripted applicant), s.
    cpu_secs: f64,
    /// The same without the scripted applicant's thread: the daemon with its simulated devices, s.
    daemon_cpu_secs: f64,
}

/// CPU time (user + system) used so far, s, from /proc/<of>/stat in clock ticks: `self` for the
/// process, `thread-self` for the calling thread.
fn cpu_secs(of: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{of}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime is field 14, stime 15; USER_HZ is 100 on Linux.
    let ticks = |i: usize| f.get(i - 3).and_then(|x| x.parse::<u64>().ok()).unwrap_or_default();
    (ticks(14) + ticks(15)) as f64 / 100.0
}

async fn phase(want: Want, synchronous: &str, secs: f64) -> Phase {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap_or_default();
    // Enough applicants for an endorsement each (a check-in may be repeated: it is idempotent).
    let deck = generate(if want == Want::Endorsement { 6000 } else { 40 }, 1, day);
    let hall = deck.halls.first().map(|h| h.id.clone()).expect("a hall");
    let (_, rig) =
        build(&RigOptions { speed: Speed::Zero, paper: u32::MAX / 2, ribbon: u32::MAX / 2, ..Default::default() });
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("kioskd.sqlite"), synchronous, "k1", "A").expect("store");
    let policy = Policy::load(&manifest_dir().join("sim/data/policy.toml")).expect("policy");
    let start = chrono::DateTime::parse_from_rfc3339(&format!("{day}T08:00:00+08:00")).expect("start");
    let clock = Clock::simulated(start, 100.0);
    let central = Arc::new(DeckCentral::new(deck.clone()));
    let id = Identity { kiosk_id: "k1".into(), hall_id: hall.clone() };
    let (mut kiosk, handle) = Kiosk::new(id, policy, store, clock.clone(), central, Devices::new(rig.devices()));
    kiosk.prepare().await.expect("prepare");
    let shutdown = handle.clone();
    let socket = dir.path().join("control.sock");
    let run = tokio::spawn(kiosk.run());
    // The scripted applicant walks in from its own thread (with its own runtime), as it would from
    // outside the machine: the daemon's thread is the one core counted. The simulator's control
    // socket is served there too: it is the applicant's eyes on the screen and hands on the
    // devices (a screen sent as JSON, a card laid on the reader with its photo and templates in
    // hex), which kioskd serves only when its devices are simulated.
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let db = dir.path().join("kioskd.sqlite");
    let offset = clock.offset();
    std::thread::Builder::new()
        .name("applicant".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("walker runtime");
            let server = {
                let socket = socket.clone();
                rt.spawn(async move { kioskd::control_socket::serve(&socket, handle, rig, clock, None, None).await })
            };
            let _ = done_tx.send(rt.block_on(walk_ins(want, secs, deck, hall, day, offset, socket, db)));
            server.abort();
        })
        .expect("the applicant's thread");
    let w = done_rx.await.expect("the applicant's thread ended");
    shutdown.send(Request::Shutdown);
    run.await.expect("joined").expect("clean stop");
    let (sessions, secs, outcomes, journal) = (w.sessions, w.secs, w.outcomes, w.journal);
    let cpu_secs = w.cpu_secs;
    let daemon_cpu_secs = w.cpu_secs - w.walker_cpu_secs;
    Phase {
        sessions,
        secs,
        outcomes,
        commits_per_session: journal as f64 / sessions.max(1) as f64,
        cpu_secs,
        daemon_cpu_secs,
    }
}

struct Walked {
    sessions: usize,
    secs: f64,
    outcomes: BTreeMap<String, usize>,
    journal: i64,
    /// The process's CPU time over the timed walk-ins, s.
    cpu_secs: f64,
    /// This (the applicant's) thread's share of it, s.
    walker_cpu_secs: f64,
}

/// Walk in, on the applicant's thread: a warm-up, then as many walk-ins as fit in `secs`.
#[allow(clippy::too_many_arguments)]
async fn walk_ins(
    want: Want,
    secs: f64,
    deck: sim::persona::Deck,
    hall: String,
    day: chrono::NaiveDate,
    offset: chrono::FixedOffset,
    socket: std::path::PathBuf,
    db: std::path::PathBuf,
) -> Walked {
    let mut walker = None;
    for _ in 0..500 {
        if let Ok(w) = Walker::connect(&socket, &deck, offset).await {
            walker = Some(w);
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let mut walker = walker.expect("control socket");
    let walkin =
        Script::default_for(&deck, &hall).walkins.into_iter().find(|w| w.flow == want).expect("a persona for the flow");
    let applicants = sim::bench::endorsement_applicants(&deck);
    let mut next = 0usize;
    let mut walk_in = || {
        if want != Want::Endorsement {
            return walkin.clone();
        }
        next += 1;
        WalkIn::new(applicants[(next - 1) % applicants.len()].clone(), Want::Endorsement)
    };
    let mut clk = None;
    for _ in 0..WARM_UP {
        walker.walk(&walk_in(), day, &mut clk).await.expect("walk-in");
    }
    let counted = |db: &Path| {
        let c = rusqlite::Connection::open(db).expect("store");
        c.query_row("SELECT COUNT(*) FROM journal", [], |r| r.get::<_, i64>(0)).expect("journal")
    };
    let journal_before = counted(&db);
    let mut outcomes = BTreeMap::new();
    let (t, cpu, mine) = (Instant::now(), cpu_secs("self"), cpu_secs("thread-self"));
    let mut sessions = 0;
    while t.elapsed().as_secs_f64() < secs {
        let r = walker.walk(&walk_in(), day, &mut clk).await.expect("walk-in");
        *outcomes.entry(r.outcome).or_insert(0) += 1;
        sessions += 1;
    }
    let secs = t.elapsed().as_secs_f64();
    let (cpu_secs, walker_cpu_secs) = (cpu_secs("self") - cpu, cpu_secs("thread-self") - mine);
    let journal = counted(&db) - journal_before;
    Walked { sessions, secs, outcomes, journal, cpu_secs, walker_cpu_secs }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let secs: f64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(5.0);
    // `checkin` or `endorsement`, `full` or `normal`: only those phases.
    let named: Vec<&str> = args.iter().map(String::as_str).filter(|a| a.parse::<f64>().is_err()).collect();
    let pick = |choices: [&str; 2], c: &str| !choices.iter().any(|x| named.contains(x)) || named.contains(&c);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    for synchronous in ["full", "normal"] {
        for (want, name) in [(Want::Checkin, "check-in"), (Want::Endorsement, "endorsement")] {
            let flow = if want == Want::Checkin { "checkin" } else { "endorsement" };
            if !pick(["checkin", "endorsement"], flow) || !pick(["full", "normal"], synchronous) {
                continue;
            }
            let p = rt.block_on(phase(want, synchronous, secs));
            let outcomes: Vec<String> = p.outcomes.iter().map(|(o, n)| format!("{o} {n}")).collect();
            println!(
                "{name} sessions, zero-latency devices, synchronous = {synchronous}: {:.0} sessions/s of wall time, {:.0} per CPU-second of the daemon's thread, {:.0} per CPU-second of the whole process ({} in {:.1} s, {:.2} s CPU of which the applicant's thread {:.2} s: {}; {:.1} journaled transitions each) (target >= 500)",
                p.sessions as f64 / p.secs,
                p.sessions as f64 / p.daemon_cpu_secs.max(0.01),
                p.sessions as f64 / p.cpu_secs.max(0.01),
                p.sessions,
                p.secs,
                p.cpu_secs,
                p.cpu_secs - p.daemon_cpu_secs,
                outcomes.join(", "),
                p.commits_per_session
            );
        }
    }
}

/// This package's directory: as `cargo` gives it to the running program (a binary built from another
/// checkout sharing the target directory is still right), else as it was at build time.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), Into::into)
}
