//! kioskd against the scheduler stand-in, both as processes on loopback: the pieces the tests
//! that need central share.

use super::{TestDeck, day, policy};
use serde_json::Value;
use sim::demo::client::Client;
use sim::demo::scheduler::{RunningScheduler, SchedulerSetup, kiosk_token};
use sim::demo::script::{Script, WalkIn};
use sim::demo::{KioskSetup, RunningKiosk, WalkInResult, run_script};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

/// The kiosk-sim binary, built beside kioskd (once per test run).
pub fn kiosk_sim() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = Path::new(env!("CARGO_BIN_EXE_kioskd")).parent().expect("target dir").to_path_buf();
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let mut cmd = std::process::Command::new(cargo);
            cmd.args(["build", "--quiet", "-p", "sim", "--bin", "kiosk-sim"]);
            // Beside a release kioskd, a release kiosk-sim (never a stale one left there).
            if dir.ends_with("release") {
                cmd.arg("--release");
            }
            let status = cmd.current_dir(super::manifest_dir()).status().expect("cargo runs");
            assert!(status.success(), "building kiosk-sim failed");
            dir.join("kiosk-sim")
        })
        .clone()
}

pub fn start_time() -> String {
    format!("{}T08:00:00+08:00", day())
}

pub async fn scheduler(t: &TestDeck, dir: &Path, deck: &Path, kiosks: &[u8]) -> (SchedulerSetup, RunningScheduler) {
    let setup = SchedulerSetup {
        kiosk_sim: kiosk_sim(),
        db: dir.join("central.sqlite"),
        now: start_time(),
        verbose: std::env::var_os("KIOSKD_TEST_VERBOSE").is_some(),
    };
    let ids: Vec<(String, String)> = kiosks.iter().map(|n| (format!("{}-{n:02}", t.hall), t.hall.clone())).collect();
    setup.seed(deck, &ids).await.expect("seed");
    let running = setup.start("127.0.0.1:0").await.expect("scheduler starts");
    (setup, running)
}

pub fn kiosk(t: &TestDeck, dir: &Path, deck: &Path, no: u8, url: &str) -> KioskSetup {
    let id = format!("{}-{no:02}", t.hall);
    KioskSetup {
        kioskd: env!("CARGO_BIN_EXE_kioskd").into(),
        data_dir: dir.join(format!("kiosk{no}")),
        deck: deck.to_path_buf(),
        policy: policy(),
        hall: t.hall.clone(),
        start: start_time(),
        time_scale: 50.0,
        speed: "fast".into(),
        verbose: std::env::var_os("KIOSKD_TEST_VERBOSE").is_some(),
        serial: Vec::new(),
        kiosk_no: no,
        central: Some((url.to_string(), kiosk_token(&id))),
        frames: None,
    }
}

pub async fn settled(k: &RunningKiosk) -> Value {
    let mut c = Client::connect(&k.socket).await.expect("control socket");
    c.wait_synced(Duration::from_secs(20)).await.expect("link settles")
}

pub async fn walk(k: &RunningKiosk, t: &TestDeck, walkins: Vec<WalkIn>) -> Vec<WalkInResult> {
    let script = Script { date: Some(day()), walkins };
    let offset = sim::HALL_OFFSET;
    run_script(k, &t.deck, &script, offset, None, |r| eprintln!("{}", sim::demo::line(r))).await.expect("walk-ins")
}
