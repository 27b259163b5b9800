//! `kiosk-sim bench`: the process-level measurements of SPEC §6, against a real `kioskd` process.
//!
//! - [`ready`]: start to `READY=1` (through a `NOTIFY_SOCKET` this program binds) with a store
//!   holding a million bookings, then idle RSS and idle CPU from `/proc`.
//! - [`endorse`]: one endorsement with realistic wire timing (the serial devices as emulators on
//!   ptys, bytes paced at each line's baud rate, plus each device's processing time); its wall time
//!   against the critical path and the plain sum of the device time spans the simulated devices
//!   record ([`crate::devices::spans`], computed in [`critical`]).
//!
//! The in-process figures (sessions per second, check-in lookup, sync ingest) are criterion-style
//! benches of the kioskd package (`benches/`): this crate does not link the daemon.

pub mod critical;
pub mod endorse;
pub mod ready;

use crate::demo::KioskSetup;
use crate::persona::{Deck, generate::generate};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

/// A deck, a policy and a data directory for one bench.
pub struct BenchEnv {
    /// Where everything goes (removed at the end).
    pub dir: tempfile::TempDir,
    /// The persona deck's file.
    pub deck_path: PathBuf,
    /// The deck.
    pub deck: Deck,
    /// The kiosk's hall.
    pub hall: String,
    /// The policy file.
    pub policy: PathBuf,
    /// The deck's day.
    pub day: NaiveDate,
}

impl BenchEnv {
    /// A deck of 40 personas (seed 1) for today, hall time.
    pub fn new() -> Result<BenchEnv, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let day = chrono::Utc::now().with_timezone(&crate::HALL_OFFSET).date_naive();
        let deck_path = dir.path().join("personas.toml");
        std::fs::write(&deck_path, generate(40, 1, day).to_toml()?).map_err(|e| e.to_string())?;
        let deck = Deck::load(&deck_path).map_err(|e| e.to_string())?;
        let hall = deck.halls.first().map(|h| h.id.clone()).ok_or("the deck names no hall")?;
        let policy = dir.path().join("policy.toml");
        std::fs::write(&policy, include_str!("../../data/policy.toml")).map_err(|e| e.to_string())?;
        Ok(BenchEnv { dir, deck_path, deck, hall, policy, day })
    }

    /// A kiosk of this deck's first hall with every device simulated at `speed` (those in `serial`
    /// on the wire instead), kiosk clock at 08:00 of the deck's day, running at real time.
    pub fn setup(&self, kioskd: &Path, speed: &str, serial: Vec<(drivers::DeviceKind, PathBuf, u32)>) -> KioskSetup {
        KioskSetup {
            kioskd: kioskd.to_path_buf(),
            data_dir: self.dir.path().join("kiosk"),
            deck: self.deck_path.clone(),
            policy: self.policy.clone(),
            hall: self.hall.clone(),
            start: format!("{}T08:00:00+08:00", self.day),
            time_scale: 1.0,
            speed: speed.into(),
            verbose: false,
            serial,
            kiosk_no: 1,
            central: None,
            frames: None,
        }
    }
}

/// The personas of `deck` who can each walk up and get a HK/Macau group-tour endorsement on the
/// deck's day (one may get the same endorsement only once, so a bench that repeats endorsements
/// needs one of these each time): mainland, two enrolled fingers, an adult, a HK/Macau permit valid
/// well past a year with nothing usable on it.
pub fn endorsement_applicants(deck: &Deck) -> Vec<String> {
    let day = deck.date;
    deck.personas
        .iter()
        .filter(|p| {
            !p.flags.non_mainland
                && !p.flags.counter_only
                && p.fingers.len() == 2
                && p.card.birth.as_str() < "20000101"
                && p.permits.iter().any(|x| {
                    x.kind == drivers::permit::PermitKind::HkMacau
                        && x.expiry > day + chrono::Days::new(400)
                        && !x.endorsements.iter().any(|e| e.usable_on(day))
                })
        })
        .map(|p| p.id.clone())
        .collect()
}

/// Start kioskd on `setup`'s configuration (logs at warn, to nowhere), with `env` added.
pub fn spawn(setup: &KioskSetup, env: &[(&str, &Path)]) -> Result<Child, String> {
    let config = setup.write_config()?;
    let _ = std::fs::remove_file(setup.data_dir.join("control.sock"));
    let mut cmd = Command::new(&setup.kioskd);
    cmd.arg("run")
        .arg("--config")
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .env("KIOSKD_LOG", "warn")
        .env("KIOSKD_LOG_TO", "stderr")
        .env_remove("NOTIFY_SOCKET")
        .env_remove(crate::devices::spans::ENV)
        .kill_on_drop(true);
    // KIOSK_SIM_BENCH_LOG=FILE: kioskd's whole log (debug) into FILE, to see why a bench failed.
    match std::env::var_os("KIOSK_SIM_BENCH_LOG").map(std::fs::File::create) {
        Some(Ok(f)) => {
            cmd.stderr(f).env("KIOSKD_LOG", "debug");
        }
        _ => {
            cmd.stderr(Stdio::null());
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().map_err(|e| format!("cannot start {}: {e}", setup.kioskd.display()))
}

/// Wait until the kiosk's control socket answers.
pub async fn wait_socket(child: &mut Child, socket: &Path) -> Result<(), String> {
    for _ in 0..1000 {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("kioskd exited at start ({status})"));
        }
        if tokio::net::UnixStream::connect(socket).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Err("kioskd did not open its control socket within 10 s".into())
}

/// Ask the kiosk to stop through its control socket and wait for it (killed after 10 s).
pub async fn stop(mut child: Child, socket: &Path) -> Result<(), String> {
    if let Ok(mut c) = crate::demo::client::Client::connect(socket).await {
        let _ = c.call(&crate::control::Request::Shutdown).await;
    }
    match tokio::time::timeout(Duration::from_secs(10), child.wait()).await {
        Ok(Ok(s)) if s.success() => Ok(()),
        Ok(Ok(s)) => Err(format!("kioskd exited with {s}")),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => {
            let _ = child.kill().await;
            Err("kioskd did not stop within 10 s".into())
        }
    }
}

/// The median of some figures (the mean of the middle two for an even count).
pub fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}
