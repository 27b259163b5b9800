//! kioskd: the exit-entry self-service kiosk daemon.

use clap::{Parser, Subcommand};
use kioskd::central::http::HttpCentral;
use kioskd::central::{Central, DeckCentral};
use kioskd::clock::Clock;
use kioskd::config::Config;
use kioskd::policy::Policy;
use kioskd::runtime::{Identity, Kiosk, Request};
use kioskd::store::Store;
use kioskd::sync::{Sync, SyncOptions};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "kioskd", version, about = "The exit-entry self-service kiosk daemon")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the kiosk.
    Run {
        /// Configuration file.
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Check a configuration file and report every error.
    CheckConfig {
        /// Configuration file.
        file: PathBuf,
    },
    /// Talk to one device and print what it reads as JSON.
    Probe {
        /// idcard, fingerprint, receipt, permit, endorser or camera.
        device: String,
        /// The device's serial port (the endorser's socket, the camera's V4L2 node).
        #[arg(long, required_unless_present = "usb", conflicts_with = "usb")]
        port: Option<PathBuf>,
        /// The device's USB VID:PID in hex (receipt and endorsement printers; cargo feature usb).
        #[arg(long)]
        usb: Option<String>,
        /// Camera frame width asked for.
        #[arg(long)]
        width: Option<u32>,
        /// Camera frame height asked for.
        #[arg(long)]
        height: Option<u32>,
        /// Baud rate (default: the device family's).
        #[arg(long)]
        baud: Option<u32>,
        /// Seconds to wait for a card or a finger.
        #[arg(long, default_value_t = 5.0)]
        wait: f64,
        /// Print a test ticket (receipt printer).
        #[arg(long)]
        test_print: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::CheckConfig { file } => match load(&file) {
            Ok(_) => {
                println!("{}: ok", file.display());
                ExitCode::SUCCESS
            }
            Err(errors) => {
                for e in errors {
                    eprintln!("{e}");
                }
                ExitCode::from(2)
            }
        },
        Command::Probe { device, port, usb, width, height, baud, wait, test_print } => {
            let Some(device) = drivers::DeviceKind::from_name(&device) else {
                eprintln!(
                    "kioskd probe: unknown device {device:?}: expected idcard, fingerprint, receipt, permit, endorser or camera"
                );
                return ExitCode::from(2);
            };
            if !(wait.is_finite() && (0.0..=600.0).contains(&wait)) {
                eprintln!("kioskd probe: --wait takes 0 to 600 seconds");
                return ExitCode::from(2);
            }
            let args = kioskd::probe::ProbeArgs {
                device,
                port,
                usb,
                baud,
                wait: std::time::Duration::from_secs_f64(wait),
                test_print,
                width,
                height,
            };
            let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("kioskd: cannot start the runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match rt.block_on(kioskd::probe::probe(&args)) {
                Ok(v) => {
                    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("kioskd probe: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Run { config } => {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_env("KIOSKD_LOG").unwrap_or_else(|_| "info".into()),
                )
                .with_writer(std::io::stderr)
                .init();
            let cfg = match load(&config) {
                Ok(c) => c,
                Err(errors) => {
                    for e in errors {
                        eprintln!("{e}");
                    }
                    return ExitCode::from(2);
                }
            };
            let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("kioskd: cannot start the runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match rt.block_on(run(cfg.0, cfg.1)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("kioskd: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// Load the configuration and the policy it names.
fn load(path: &std::path::Path) -> Result<(Config, Policy), Vec<String>> {
    let cfg = Config::load(path).map_err(|es| es.iter().map(|e| e.to_string()).collect::<Vec<_>>())?;
    let policy_path = resolve(path, &cfg.policy_file);
    let policy = Policy::load(&policy_path).map_err(|e| vec![format!("{}: key `policy_file`: {e}", path.display())])?;
    Ok((cfg, policy))
}

/// A relative path in the config is relative to the config file.
fn resolve(config: &std::path::Path, p: &std::path::Path) -> PathBuf {
    if p.is_absolute() { p.to_path_buf() } else { config.parent().unwrap_or(std::path::Path::new(".")).join(p) }
}

async fn run(cfg: Config, policy: Policy) -> Result<(), String> {
    let offset = cfg.utc_offset().ok_or("bad utc_offset")?;
    let clock = match &cfg.sim.start_time {
        Some(t) => {
            let start = chrono::DateTime::parse_from_rfc3339(t).map_err(|e| format!("sim.start_time: {e}"))?;
            Clock::simulated(start.with_timezone(&offset), cfg.sim.time_scale)
        }
        None if cfg.sim.time_scale != 1.0 => Clock::simulated(Clock::system(offset).now(), cfg.sim.time_scale),
        None => Clock::system(offset),
    };
    let store = Store::open(&cfg.store_path(), &cfg.store.synchronous, &cfg.kiosk_id, &cfg.ticket_prefix)
        .map_err(|e| e.to_string())?;
    if let Some(dir) = &cfg.sim.print_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("sim.print_dir {}: {e}", dir.display()))?;
    }
    let opts = sim::devices::rig::RigOptions {
        speed: cfg.sim.speed,
        seed: cfg.sim.seed,
        print_dir: cfg.sim.print_dir.clone(),
        ..Default::default()
    };
    let (set, rig) = sim::devices::rig::build(&opts);
    let set = kioskd::backends::apply(&cfg.devices, set);
    let mut sync = None;
    let central: Arc<dyn Central> = match (&cfg.central, &cfg.sim.deck) {
        (Some(c), _) => {
            let token = c.credential()?;
            let http = Arc::new(HttpCentral::new(&c.url, &token, Duration::from_millis(c.timeout_ms))?);
            let opts = SyncOptions {
                interval: Duration::from_millis(c.sync_interval_ms),
                seed: cfg.kiosk_id.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))),
                ..Default::default()
            };
            let s = Sync::new(http.clone(), &cfg.store_path(), &cfg.hall_id, clock.clone(), opts)
                .map_err(|e| e.to_string())?;
            sync = Some(s);
            http
        }
        (None, Some(path)) => {
            let deck = sim::persona::Deck::load(path).map_err(|e| e.to_string())?;
            Arc::new(DeckCentral::new(deck))
        }
        (None, None) => Arc::new(kioskd::central::Unreachable),
    };
    let link = sync.as_ref().map(Sync::link);
    let id = Identity { kiosk_id: cfg.kiosk_id.clone(), hall_id: cfg.hall_id.clone() };
    let devices = kioskd::runtime::tasks::Devices::new(set);
    let (mut kiosk, handle) = Kiosk::new(id, policy, store, clock.clone(), central, devices);
    kiosk.prepare().await.map_err(|e| e.to_string())?;
    if let Some(sync) = sync {
        let h = handle.clone();
        let source: kioskd::sync::HealthSource = Arc::new(move || {
            let h = h.clone();
            Box::pin(async move { h.health().await })
        });
        tokio::spawn(sync.with_health(&cfg.kiosk_id, source).run());
    }
    if let Some(path) = &cfg.sim.control_socket {
        let (path, handle, clock) = (path.clone(), handle.clone(), clock.clone());
        tokio::spawn(async move {
            if let Err(e) = kioskd::control_socket::serve(&path, handle, rig, clock, link).await {
                tracing::error!(error = %e, path = %path.display(), "control socket failed");
            }
        });
    }
    let stopper = handle.clone();
    tokio::spawn(async move {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return,
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        stopper.send(Request::Shutdown);
    });
    tracing::info!(kiosk = %cfg.kiosk_id, hall = %cfg.hall_id, "ready");
    kiosk.run().await.map_err(|e| e.to_string())
}
