//! kioskd: the exit-entry self-service kiosk daemon.

use clap::{Parser, Subcommand};
use embedded_graphics::prelude::Size;
use kioskd::central::http::{HttpCentral, TlsIdentity};
use kioskd::central::{Central, DeckCentral};
use kioskd::clock::Clock;
use kioskd::config::Config;
use kioskd::display::framebuffer::Framebuffer;
use kioskd::display::{Display, Output};
use kioskd::notify::Notifier;
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
            logging();
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
            match rt.block_on(run(cfg.0, cfg.1, &config)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("kioskd: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// Logs go to the journal when it is there (systemd), else to stderr; `KIOSKD_LOG` sets the level
/// (default info), `KIOSKD_LOG_TO=stderr` keeps them on stderr. No log line carries a full ID
/// number, a name, a photo or a template (tests/logs.rs searches a whole day's log for them).
fn logging() {
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::try_from_env("KIOSKD_LOG").unwrap_or_else(|_| "info".into());
    let journal = match std::env::var("KIOSKD_LOG_TO").as_deref() {
        Ok("stderr") => None,
        _ => tracing_journald::layer().ok(),
    };
    let registry = tracing_subscriber::registry().with(filter);
    match journal {
        Some(j) => registry.with(j).init(),
        None => registry.with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr)).init(),
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

async fn run(cfg: Config, policy: Policy, config_path: &std::path::Path) -> Result<(), String> {
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
        payment_books: cfg.sim.payment_books.clone(),
        ..Default::default()
    };
    let (set, rig) = sim::devices::rig::build(&opts);
    let set = kioskd::backends::apply(&cfg.devices, set);
    let mut sync = None;
    let central: Arc<dyn Central> = match (&cfg.central, &cfg.sim.deck) {
        (Some(c), _) => {
            let token = c.credential()?;
            let tls = match (&c.ca_file, &c.cert_file, &c.key_file) {
                (Some(ca), Some(cert), Some(key)) => Some(TlsIdentity::read(ca, cert, key)?),
                _ => None,
            };
            let timeout = Duration::from_millis(c.timeout_ms);
            let http = Arc::new(HttpCentral::with_tls(&c.url, &token, timeout, tls.as_ref())?);
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
    let light = set.light.clone();
    let devices = kioskd::runtime::tasks::Devices::new(set);
    let (mut kiosk, handle) = Kiosk::new(id, policy, store, clock.clone(), central, devices);
    kiosk.set_liveness(cfg.liveness);
    kiosk.set_retention(cfg.store.retention_days);
    kiosk.prepare().await.map_err(|e| e.to_string())?;
    if let Some(sync) = sync {
        let h = handle.clone();
        let source: kioskd::sync::HealthSource = Arc::new(move || {
            let h = h.clone();
            Box::pin(async move { h.health().await })
        });
        tokio::spawn(sync.with_health(&cfg.kiosk_id, source).run());
    }
    let output = match cfg.display.backend.as_str() {
        "framebuffer" => {
            Output::Framebuffer(Box::new(Framebuffer::open(&cfg.display.device).map_err(|e| e.to_string())?))
        }
        "frames" => {
            let dir = cfg.display.frames_dir.clone().unwrap_or_default();
            std::fs::create_dir_all(&dir).map_err(|e| format!("display.frames_dir {}: {e}", dir.display()))?;
            Output::Frames { dir, written: 0, last: Vec::new() }
        }
        _ => Output::None,
    };
    let size = Size::new(cfg.display.width, cfg.display.height);
    let display = Display::new(output, size, cfg.display.accessible);
    let screen = display.handle();
    if let Some(touch) = &cfg.display.touch {
        let taps = screen.tap_sender();
        kioskd::display::touch::spawn(touch, screen.options().size, taps)
            .map_err(|e| format!("display.touch {}: {e}", touch.display()))?;
    }
    tokio::spawn(display.run(handle.clone(), light));
    kioskd::metrics::spawn(&cfg.metrics, handle.clone(), link.clone(), clock.clone()).await;
    {
        let staff = kioskd::staff::StaffSocket { path: cfg.staff.socket.clone(), group: cfg.staff.group.clone() };
        let (kiosk, link) = (handle.clone(), link.clone());
        tokio::spawn(async move {
            let path = staff.path.clone();
            if let Err(e) = kioskd::staff::serve(staff, kiosk, link).await {
                tracing::error!(path = %path.display(), error = %e, "no staff socket: kioskctl cannot reach this kiosk");
            }
        });
    }
    if let Some(path) = &cfg.sim.control_socket {
        let (path, handle, clock) = (path.clone(), handle.clone(), clock.clone());
        tokio::spawn(async move {
            if let Err(e) = kioskd::control_socket::serve(&path, handle, rig, clock, link, Some(screen)).await {
                tracing::error!(error = %e, path = %path.display(), "control socket failed");
            }
        });
    }
    let notifier = Notifier::from_env();
    if let Some(every) = notifier.ping_every() {
        kiosk.on_alive(every, Box::new(move |status| notifier.alive(status)));
    }
    let signals = handle.clone();
    let (cfg_now, path) = (cfg.clone(), config_path.to_path_buf());
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (signal(SignalKind::terminate()), signal(SignalKind::hangup())) else {
            tracing::error!("cannot install the signal handlers");
            return;
        };
        let mut cfg_now = cfg_now;
        loop {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
                _ = hup.recv() => {
                    notifier.reloading(None);
                    let status = reload(&path, &mut cfg_now, &signals);
                    notifier.reloading(Some(&status));
                    continue;
                }
            }
            notifier.stopping("stopping after the current session");
            signals.send(Request::Shutdown);
        }
    });
    tracing::info!(kiosk = %cfg.kiosk_id, hall = %cfg.hall_id, "ready");
    notifier.ready(&kiosk.status_line());
    kiosk.run().await.map_err(|e| e.to_string())
}

/// SIGHUP: read the configuration again. The policy (fees, windows, timeouts) applies from the next
/// session on; device, central, display and store settings need a restart, and a broken file
/// changes nothing. Returns the status line.
fn reload(path: &std::path::Path, current: &mut Config, kiosk: &kioskd::runtime::KioskHandle) -> String {
    match load(path) {
        Ok((cfg, policy)) => {
            let restart: Vec<&str> = [
                ("devices", format!("{:?}", cfg.devices) != format!("{:?}", current.devices)),
                ("central", format!("{:?}", cfg.central) != format!("{:?}", current.central)),
                ("display", format!("{:?}", cfg.display) != format!("{:?}", current.display)),
                ("store", format!("{:?}", cfg.store) != format!("{:?}", current.store)),
                (
                    "identity",
                    (&cfg.kiosk_id, &cfg.hall_id, &cfg.ticket_prefix, &cfg.data_dir)
                        != (&current.kiosk_id, &current.hall_id, &current.ticket_prefix, &current.data_dir),
                ),
            ]
            .into_iter()
            .filter_map(|(name, changed)| changed.then_some(name))
            .collect();
            if !restart.is_empty() {
                tracing::warn!(sections = %restart.join(", "), "these changes take effect at the next restart");
            }
            tracing::info!(version = %policy.version, "configuration reloaded");
            let status = format!("reloaded: policy {}", policy.version);
            kiosk.send(Request::SetPolicy(Box::new(policy)));
            *current = cfg;
            status
        }
        Err(errors) => {
            for e in &errors {
                tracing::error!(error = %e, "the new configuration is refused; the running one stays");
            }
            format!("reload refused: {} error(s) in {}", errors.len(), path.display())
        }
    }
}
