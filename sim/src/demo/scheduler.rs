//! Start the central scheduler stand-in as its own process on loopback (for the demo and the
//! end-to-end tests): seed its database from a persona deck with credentials for the hall's kiosks,
//! start it, stop it (a partition) and start it again on the same address and database.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A scheduler database and how to run it.
#[derive(Debug, Clone)]
pub struct SchedulerSetup {
    /// The kiosk-sim binary.
    pub kiosk_sim: PathBuf,
    /// Its SQLite database.
    pub db: PathBuf,
    /// Its clock's start (RFC 3339), matching the kiosks'.
    pub now: String,
    /// Show its log on stderr.
    pub verbose: bool,
}

/// A running scheduler.
pub struct RunningScheduler {
    child: Child,
    /// `host:port`.
    pub addr: String,
}

#[derive(Deserialize)]
struct Listening {
    listening: String,
}

/// The credential the seed gives a kiosk (deterministic, for the demo and tests).
pub fn kiosk_token(kiosk_id: &str) -> String {
    format!("{kiosk_id}-secret")
}

impl SchedulerSetup {
    /// Fill the database from `deck`, with credentials for `kiosks` (kiosk id, hall id).
    pub async fn seed(&self, deck: &Path, kiosks: &[(String, String)]) -> Result<(), String> {
        let mut cmd = Command::new(&self.kiosk_sim);
        cmd.args(["scheduler", "seed", "--db"]).arg(&self.db).arg("--personas").arg(deck);
        for (kiosk, hall) in kiosks {
            cmd.arg("--kiosk").arg(format!("{kiosk}@{hall}={}", kiosk_token(kiosk)));
        }
        let out = cmd.output().await.map_err(|e| format!("cannot run {}: {e}", self.kiosk_sim.display()))?;
        if !out.status.success() {
            return Err(format!("scheduler seed failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
        }
        Ok(())
    }

    /// Start it on `addr` (`127.0.0.1:0`: any free port) and wait until it listens.
    pub async fn start(&self, addr: &str) -> Result<RunningScheduler, String> {
        let mut cmd = Command::new(&self.kiosk_sim);
        cmd.args(["scheduler", "--listen", addr, "--db"]).arg(&self.db).args(["--now", &self.now]);
        cmd.stdout(Stdio::piped()).stdin(Stdio::null()).kill_on_drop(true);
        if !self.verbose {
            cmd.stderr(Stdio::null());
        }
        let mut child = cmd.spawn().map_err(|e| format!("cannot start the scheduler: {e}"))?;
        let stdout = child.stdout.take().ok_or("the scheduler's stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .map_err(|_| "the scheduler did not start listening within 10 s".to_string())?
            .map_err(|e| e.to_string())?
            .ok_or("the scheduler exited at start")?;
        let l: Listening =
            serde_json::from_str(&first).map_err(|e| format!("the scheduler said {first:?} at start: {e}"))?;
        // Keep draining its stdout so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(RunningScheduler { child, addr: l.listening })
    }
}

impl RunningScheduler {
    /// Its base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Kill it, as a crash or a cut cable would end it.
    pub async fn kill(mut self) {
        let _ = self.child.kill().await;
    }
}
