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
//! Each phase runs in rounds (five by default), the phases taking turns, and the last lines give each
//! phase's median over its rounds with their range: on a shared machine one phase's CPU time moves
//! by a fifth or more from one run to the next, and a median of rounds is the figure to quote.
//!
//! `cargo bench -p kioskd --bench sessions` (release); `-- SECS ROUNDS` sets the seconds a phase (4)
//! and the rounds (5), and `checkin`, `endorsement`, `full`, `normal` pick phases.

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
    journal_per_session: f64,
    /// CPU time of the whole process (daemon, simulated devices, scripted applicant), s.
    cpu_secs: f64,
    /// The same without the scripted applicant's thread: the daemon with its simulated devices, s.
    daemon_cpu_secs: f64,
}

/// CPU time (user + system) used so far, s, to the nanosecond: `libc::CLOCK_PROCESS_CPUTIME_ID` for
/// the process (threads that ended included), `libc::CLOCK_THREAD_CPUTIME_ID` for the calling thread.
/// (/proc's clock ticks are 10 ms: a 4 s phase of endorsements uses about 0.25 s of the daemon's CPU,
/// which ticks would count only to within 4%.)
fn cpu_secs(clock: libc::clockid_t) -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is a valid timespec for the call to fill; both clocks exist on every Linux.
    let r = unsafe { libc::clock_gettime(clock, &mut t) };
    assert_eq!(r, 0, "clock_gettime({clock}) failed");
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
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
        journal_per_session: journal as f64 / sessions.max(1) as f64,
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
    let (process, thread) = (libc::CLOCK_PROCESS_CPUTIME_ID, libc::CLOCK_THREAD_CPUTIME_ID);
    let (t, cpu, mine) = (Instant::now(), cpu_secs(process), cpu_secs(thread));
    let mut sessions = 0;
    while t.elapsed().as_secs_f64() < secs {
        let r = walker.walk(&walk_in(), day, &mut clk).await.expect("walk-in");
        *outcomes.entry(r.outcome).or_insert(0) += 1;
        sessions += 1;
    }
    let secs = t.elapsed().as_secs_f64();
    let (cpu_secs, walker_cpu_secs) = (cpu_secs(process) - cpu, cpu_secs(thread) - mine);
    let journal = counted(&db) - journal_before;
    Walked { sessions, secs, outcomes, journal, cpu_secs, walker_cpu_secs }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Seconds a phase, then rounds: `-- 6 5` is five rounds of 6 s phases.
    let numbers: Vec<f64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let secs = numbers.first().copied().unwrap_or(4.0);
    let rounds = numbers.get(1).map_or(5, |r| *r as usize).max(1);
    // `checkin` or `endorsement`, `full` or `normal`: only those phases.
    let named: Vec<&str> = args.iter().map(String::as_str).filter(|a| a.parse::<f64>().is_err()).collect();
    let pick = |choices: [&str; 2], c: &str| !choices.iter().any(|x| named.contains(x)) || named.contains(&c);
    let mut phases = Vec::new();
    for synchronous in ["full", "normal"] {
        for (want, flow) in [(Want::Checkin, "checkin"), (Want::Endorsement, "endorsement")] {
            if pick(["checkin", "endorsement"], flow) && pick(["full", "normal"], synchronous) {
                phases.push((want, synchronous, Vec::new()));
            }
        }
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    // The phases take turns, round after round: a spell of this machine's noise falls on every
    // phase alike, not on all the rounds of one.
    for round in 1..=rounds {
        for (want, synchronous, done) in &mut phases {
            let p = rt.block_on(phase(*want, synchronous, secs));
            let outcomes: Vec<String> = p.outcomes.iter().map(|(o, n)| format!("{o} {n}")).collect();
            println!(
                "round {round}/{rounds}: {} sessions, zero-latency devices, synchronous = {synchronous}: {:.0} sessions/s of wall time, {:.0} per CPU-second of the daemon's thread, {:.0} per CPU-second of the whole process ({} in {:.1} s, {:.3} s CPU of which the applicant's thread {:.3} s: {}; {:.1} journaled transitions each)",
                flow_name(*want),
                p.wall_rate(),
                p.daemon_rate(),
                p.process_rate(),
                p.sessions,
                p.secs,
                p.cpu_secs,
                p.cpu_secs - p.daemon_cpu_secs,
                outcomes.join(", "),
                p.journal_per_session
            );
            done.push(p);
        }
    }
    for (want, synchronous, done) in &phases {
        let daemon = Spread::of(done.iter().map(Phase::daemon_rate));
        println!(
            "{} sessions, zero-latency devices, synchronous = {synchronous}, median of {rounds} rounds of {secs} s: {:.0} sessions/s of wall time, {:.0} per CPU-second of the daemon's thread (rounds {:.0}-{:.0}), {:.0} per CPU-second of the whole process (target >= 500)",
            flow_name(*want),
            Spread::of(done.iter().map(Phase::wall_rate)).median,
            daemon.median,
            daemon.min,
            daemon.max,
            Spread::of(done.iter().map(Phase::process_rate)).median,
        );
    }
}

fn flow_name(want: Want) -> &'static str {
    if want == Want::Checkin { "check-in" } else { "endorsement" }
}

impl Phase {
    fn wall_rate(&self) -> f64 {
        self.sessions as f64 / self.secs
    }
    fn daemon_rate(&self) -> f64 {
        self.sessions as f64 / self.daemon_cpu_secs.max(1e-6)
    }
    fn process_rate(&self) -> f64 {
        self.sessions as f64 / self.cpu_secs.max(1e-6)
    }
}

/// The median and the range of some rounds' figures.
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

impl Spread {
    fn of(figures: impl Iterator<Item = f64>) -> Spread {
        let mut v: Vec<f64> = figures.collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = match n {
            0 => f64::NAN,
            _ if n % 2 == 1 => v[n / 2],
            _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        };
        Spread { median, min: v.first().copied().unwrap_or(f64::NAN), max: v.last().copied().unwrap_or(f64::NAN) }
    }
}

/// This package's directory: as `cargo` gives it to the running program (a binary built from another
/// checkout sharing the target directory is still right), else as it was at build time.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), Into::into)
}
