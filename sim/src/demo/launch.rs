//! Start a kioskd process with every device simulated, for the demo and the end-to-end tests.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

/// What the kiosk is started with.
#[derive(Debug, Clone)]
pub struct KioskSetup {
    /// The kioskd binary.
    pub kioskd: PathBuf,
    /// Where the store and the prints go.
    pub data_dir: PathBuf,
    /// The persona deck.
    pub deck: PathBuf,
    /// The policy file.
    pub policy: PathBuf,
    /// Hall id.
    pub hall: String,
    /// Clock start (RFC 3339).
    pub start: String,
    /// Timer speed-up.
    pub time_scale: f64,
    /// Device speed (`zero`, `fast`, `realistic`).
    pub speed: String,
    /// Show kioskd's log on stderr.
    pub verbose: bool,
    /// Devices on serial ports (device, port, baud) instead of simulated inside kioskd.
    pub serial: Vec<(drivers::DeviceKind, PathBuf, u32)>,
    /// Which kiosk of the hall (1, 2, ...): its id is `{hall}-{no:02}`, its queue numbers start
    /// with the letter `A`, `B`, ...
    pub kiosk_no: u8,
    /// Central over HTTP (the scheduler stand-in): its URL and this kiosk's credential. Absent: the
    /// deck stands in for central inside kioskd. An `https://` URL is mutual TLS (kioskd built with
    /// feature `tls`) with the files in [`KioskSetup::central_tls_dir`].
    pub central: Option<(String, String)>,
    /// Write each distinct screen kioskd draws as a numbered PNG here.
    pub frames: Option<PathBuf>,
}

/// A running kioskd.
pub struct RunningKiosk {
    child: Child,
    /// Its control socket.
    pub socket: PathBuf,
    /// Its config file.
    pub config: PathBuf,
}

fn toml_str(p: &Path) -> String {
    toml::Value::String(p.display().to_string()).to_string()
}

impl KioskSetup {
    /// The kiosk's id.
    pub fn kiosk_id(&self) -> String {
        format!("{}-{:02}", self.hall, self.kiosk_no)
    }

    /// Where an `https://` central's mutual-TLS files are: `central-tls/` in the data dir, holding
    /// `ca.pem` (the CA of central's certificate) and this kiosk's `ID.pem` and `ID.key`, named as
    /// `kiosk-sim scheduler certs` names them.
    pub fn central_tls_dir(&self) -> PathBuf {
        self.data_dir.join("central-tls")
    }

    /// Where the simulated payment provider keeps its books: beside the store, so that a kioskd
    /// killed and started again finds the orders the provider knows, as it would at a real one.
    pub fn payment_books(&self) -> PathBuf {
        self.data_dir.join("payment-books.json")
    }

    /// Write the config into the data dir.
    pub fn write_config(&self) -> Result<PathBuf, String> {
        std::fs::create_dir_all(&self.data_dir).map_err(|e| format!("{}: {e}", self.data_dir.display()))?;
        let socket = self.data_dir.join("control.sock");
        let prints = self.data_dir.join("prints");
        let config = format!(
            "kiosk_id = \"{id}\"\nhall_id = \"{hall}\"\nticket_prefix = \"{prefix}\"\ndata_dir = {data}\npolicy_file = {policy}\n\n\
             [store]\nsynchronous = \"normal\"\n\n[sim]\ndeck = {deck}\nspeed = \"{speed}\"\nstart_time = \"{start}\"\n\
             time_scale = {scale:?}\ncontrol_socket = {socket}\nprint_dir = {prints}\npayment_books = {books}\n",
            id = self.kiosk_id(),
            prefix = (b'A' + self.kiosk_no.clamp(1, 26) - 1) as char,
            hall = self.hall,
            data = toml_str(&self.data_dir),
            policy = toml_str(&self.policy),
            deck = toml_str(&self.deck),
            speed = self.speed,
            start = self.start,
            scale = self.time_scale,
            socket = toml_str(&socket),
            prints = toml_str(&prints),
            books = toml_str(&self.payment_books()),
        );
        let mut config = config;
        // Each kiosk its own staff socket (kioskctl --socket DATA_DIR/kioskctl.sock).
        config.push_str(&format!("\n[staff]\nsocket = {}\n", toml_str(&self.data_dir.join("kioskctl.sock"))));
        if let Some(dir) = &self.frames {
            config.push_str(&format!("\n[display]\nbackend = \"frames\"\nframes_dir = {}\n", toml_str(dir)));
        }
        if let Some((url, token)) = &self.central {
            let (url, token) = (toml::Value::String(url.clone()), toml::Value::String(token.clone()));
            config.push_str(&format!("\n[central]\nurl = {url}\ntoken = {token}\nsync_interval_ms = 300\n"));
            if url.as_str().is_some_and(|u| u.starts_with("https://")) {
                let (dir, id) = (self.central_tls_dir(), self.kiosk_id());
                config.push_str(&format!(
                    "ca_file = {}\ncert_file = {}\nkey_file = {}\n",
                    toml_str(&dir.join("ca.pem")),
                    toml_str(&dir.join(format!("{id}.pem"))),
                    toml_str(&dir.join(format!("{id}.key")))
                ));
            }
        }
        for (kind, port, baud) in &self.serial {
            let link = if *baud == 0 {
                "backend = \"socket\"".to_string()
            } else {
                format!("backend = \"serial\"\nbaud = {baud}")
            };
            config.push_str(&format!("\n[devices.{}]\n{link}\nport = {}\n", kind.name(), toml_str(port)));
            if let Some(dir) = std::env::var_os("KIOSK_SIM_RECORD") {
                let file = Path::new(&dir).join(format!("{}.jsonl", kind.name()));
                config.push_str(&format!("record = {}\n", toml_str(&file)));
            }
        }
        let path = self.data_dir.join("kioskd.toml");
        std::fs::write(&path, config).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    }

    /// Start kioskd and wait until its control socket answers.
    pub async fn start(&self) -> Result<RunningKiosk, String> {
        self.start_logging(None).await
    }

    /// [`KioskSetup::start`], with kioskd's whole log (debug level) written to `log`.
    pub async fn start_logging(&self, log: Option<&Path>) -> Result<RunningKiosk, String> {
        let config = self.write_config()?;
        let socket = self.data_dir.join("control.sock");
        let _ = std::fs::remove_file(&socket);
        let mut cmd = Command::new(&self.kioskd);
        cmd.arg("run").arg("--config").arg(&config).stdin(Stdio::null()).kill_on_drop(true);
        if let Some(log) = log {
            let file = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
            cmd.stderr(file);
            cmd.env("KIOSKD_LOG", "debug");
            // Not the journal: the file is what the test reads.
            cmd.env("KIOSKD_LOG_TO", "stderr");
        } else if !self.verbose {
            cmd.stderr(Stdio::null());
            cmd.env("KIOSKD_LOG", "warn");
        }
        let mut child = cmd.spawn().map_err(|e| format!("cannot start {}: {e}", self.kioskd.display()))?;
        for _ in 0..300 {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("kioskd exited at start ({status}); run with --verbose to see why"));
            }
            if tokio::net::UnixStream::connect(&socket).await.is_ok() {
                return Ok(RunningKiosk { child, socket, config });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Err("kioskd did not open its control socket within 6 s".into())
    }
}

impl RunningKiosk {
    /// Its process id (absent once it has been waited for).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// How it ended, if it has: `None` while it runs.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Ask it to stop and wait.
    pub async fn stop(mut self) -> Result<(), String> {
        if let Ok(mut c) = super::client::Client::connect(&self.socket).await {
            let _ = c.call(&crate::control::Request::Shutdown).await;
        }
        match tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await {
            Ok(Ok(s)) if s.success() => Ok(()),
            Ok(Ok(s)) => Err(format!("kioskd exited with {s}")),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => {
                let _ = self.child.kill().await;
                Err("kioskd did not stop within 10 s".into())
            }
        }
    }

    /// Kill it (as a power cut would).
    pub async fn kill(mut self) {
        let _ = self.child.kill().await;
    }
}

/// Find the kioskd binary: `$KIOSKD`, beside this program, or on the PATH. When this program runs
/// under `cargo run`, kioskd is built first so the demo never runs a stale daemon.
pub fn find_kioskd() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("KIOSKD") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    if let Some(cargo) = std::env::var_os("CARGO") {
        let manifest = manifest_dir().join("../Cargo.toml");
        let mut cmd = std::process::Command::new(cargo);
        cmd.args(["build", "--quiet", "--bin", "kioskd", "--manifest-path"]).arg(&manifest);
        if dir.ends_with("release") {
            cmd.arg("--release");
        }
        let status = cmd.status().map_err(|e| format!("cannot build kioskd: {e}"))?;
        if !status.success() {
            return Err("building kioskd failed".into());
        }
    }
    let beside = dir.join("kioskd");
    if beside.exists() {
        return Ok(beside);
    }
    Ok(PathBuf::from("kioskd"))
}

/// This package's directory: as `cargo` gives it to the running program (a binary built from another
/// checkout sharing the target directory is still right), else as it was at build time.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), Into::into)
}
