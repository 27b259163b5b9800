//! kiosk-sim: the kiosk simulator's command line.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use clap::{Parser, Subcommand};
use sim::demo::{self, KioskSetup, Script};
use sim::persona::{Deck, generate::generate};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "kiosk-sim", version, about = "Simulated devices, personas and walk-ins for kioskd")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write a persona deck (TOML) to standard output.
    Personas {
        /// How many personas.
        #[arg(long, default_value_t = 20)]
        count: usize,
        /// Seed: the same seed gives the same deck.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The deck's day, YYYY-MM-DD (default: today, hall time +08:00).
        #[arg(long)]
        date: Option<NaiveDate>,
    },
    /// Check a persona deck and report every problem.
    CheckDeck {
        /// The deck.
        file: PathBuf,
    },
    /// Start kioskd with every device simulated and run scripted walk-ins through it.
    Demo {
        /// Persona deck (default: 40 personas, seed 1, for today).
        #[arg(long)]
        personas: Option<PathBuf>,
        /// Walk-in script (default: a check-in, an endorsement and several refusals).
        #[arg(long)]
        script: Option<PathBuf>,
        /// One JSON object per walk-in.
        #[arg(long)]
        json: bool,
        /// Keep the SQLite store and every print here (default: a temporary directory).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// The hall the kiosk stands in (default: the deck's first hall).
        #[arg(long)]
        hall: Option<String>,
        /// Device speed: zero, fast or realistic.
        #[arg(long, default_value = "fast")]
        speed: String,
        /// How many times faster than real time the kiosk's timers run.
        #[arg(long, default_value_t = 20.0)]
        time_scale: f64,
        /// Show kioskd's log.
        #[arg(long)]
        verbose: bool,
        /// Run the ID card reader, fingerprint scanner, receipt printer, permit reader and
        /// endorsement printer as emulators, driven by kioskd's real drivers.
        #[arg(long)]
        wire: bool,
        /// With --wire: run a line at another baud rate: DEVICE=RATE (repeatable).
        #[arg(long)]
        baud: Vec<String>,
        /// Let kioskd answer central's part from the deck instead of starting the scheduler
        /// stand-in as its own process on loopback.
        #[arg(long)]
        no_scheduler: bool,
        /// Write each distinct screen the kiosk shows as a numbered PNG (1080x1920) into DIR.
        #[arg(long, value_name = "DIR")]
        frames: Option<PathBuf>,
    },
    /// Start the serial devices as emulators on ptys, print their ports as JSON, and take commands
    /// (one JSON object a line) on standard input.
    Devices {
        /// Where the ports go (default: a temporary directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Persona deck whose cards and fingers the commands name (default: 40 personas, seed 1).
        #[arg(long)]
        personas: Option<PathBuf>,
        /// Device speed: zero, fast or realistic.
        #[arg(long, default_value = "realistic")]
        speed: String,
        /// Run a line at another baud rate than its device's default: DEVICE=RATE (repeatable).
        #[arg(long)]
        baud: Vec<String>,
        /// Also take commands on this unix socket (one JSON command a line).
        #[arg(long)]
        control: Option<PathBuf>,
    },
    /// Run the central scheduler stand-in (HTTP/JSON, OpenAPI at /openapi.json); prints
    /// {"listening":"ADDR"} once bound. `scheduler seed` fills its database. See sim/SCHEDULER.md.
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Scheduler {
        #[command(subcommand)]
        action: Option<SchedulerCmd>,
        /// Address to listen on (port 0: any free port).
        #[arg(long, default_value = "127.0.0.1:8480")]
        listen: String,
        /// SQLite database (created and migrated when need be).
        #[arg(long, required = true)]
        db: Option<PathBuf>,
        /// Policy file whose [[endorsement]] offers authorisations grant (default: the embedded
        /// sim/data/policy.toml).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Start central's clock at this RFC 3339 time; it advances with real time (default: now).
        #[arg(long)]
        now: Option<DateTime<FixedOffset>>,
        /// Where central is reached from outside (http:// or https:// and a host): the base of the
        /// URLs it hands out, e.g. a printed entry/exit record's QR code (default: the listening address).
        #[arg(long)]
        public_url: Option<String>,
        /// Serve HTTPS with this certificate (PEM; `scheduler certs` makes one) and require a client
        /// certificate signed by --client-ca (cargo feature tls).
        #[arg(long, requires_all = ["tls_key", "client_ca"])]
        tls_cert: Option<PathBuf>,
        /// The server certificate's private key (PEM).
        #[arg(long, requires_all = ["tls_cert", "client_ca"])]
        tls_key: Option<PathBuf>,
        /// The CA whose kiosk certificates are let in (PEM); a kiosk token must be that of the
        /// certificate's kiosk (its subject CN).
        #[arg(long, requires_all = ["tls_cert", "tls_key"])]
        client_ca: Option<PathBuf>,
    },
    /// Measure kioskd as a process (SPEC §6; see BENCHMARKS.md): `ready` (start to READY=1 with a
    /// full store, idle RSS and CPU), `endorse` (an endorsement with realistic wire timing against
    /// its critical path of device times) or `all`. Use a release build.
    Bench {
        /// ready, endorse or all.
        #[arg(default_value = "all")]
        what: String,
        /// Bookings in the store for `ready`.
        #[arg(long, default_value_t = 1_000_000)]
        bookings: u64,
        /// Starts timed by `ready`.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Seconds of idle measured by `ready`.
        #[arg(long, default_value_t = 10)]
        idle_secs: u64,
        /// Endorsements done by `endorse`, one after another.
        #[arg(long, default_value_t = 3)]
        endorsements: usize,
    },
}

#[derive(Subcommand)]
enum SchedulerCmd {
    /// Fill the scheduler's database from a persona deck (idempotent).
    Seed {
        /// SQLite database.
        #[arg(long)]
        db: PathBuf,
        /// Persona deck (default: the demo's: 40 personas, seed 1, for --date).
        #[arg(long)]
        personas: Option<PathBuf>,
        /// The default deck's day, YYYY-MM-DD (default: today, hall time +08:00).
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Register a kiosk: ID@HALL=TOKEN (repeatable).
        #[arg(long)]
        kiosk: Vec<String>,
        /// Days of slots to publish from the deck's day.
        #[arg(long, default_value_t = 14)]
        days: u32,
    },
    /// Make the certificates for mutual TLS (cargo feature tls): a CA (ca.pem, ca.key; kept when
    /// there already), a server certificate for the hosts (server.pem, server.key) and one client
    /// certificate per kiosk, subject CN = its id (ID.pem, ID.key). Keys are written with mode 0600.
    Certs {
        /// Where the files go.
        #[arg(long)]
        dir: PathBuf,
        /// A host name or IP address kiosks reach the scheduler at (repeatable).
        #[arg(long = "host", required = true)]
        hosts: Vec<String>,
        /// A kiosk id (repeatable), as registered by `seed --kiosk ID@HALL=TOKEN`.
        #[arg(long = "kiosk")]
        kiosks: Vec<String>,
    },
}

#[cfg(feature = "tls")]
fn certs(dir: PathBuf, hosts: Vec<String>, kiosks: Vec<String>) -> ExitCode {
    match sim::scheduler::tls::generate(&sim::scheduler::tls::CertsOptions { dir, hosts, kiosks }) {
        Ok(summary) => {
            println!("{}", serde_json::to_string(&summary).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kiosk-sim scheduler certs: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "tls"))]
fn certs(_: PathBuf, _: Vec<String>, _: Vec<String>) -> ExitCode {
    eprintln!(
        "kiosk-sim scheduler certs: this kiosk-sim was built without TLS (cargo feature tls: cargo build -p sim \
         --features tls)"
    );
    ExitCode::from(2)
}

fn hall_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

use chrono::Offset;

fn main() -> ExitCode {
    // With TLS, reqwest (the demo's stats) uses rustls without a provider of its own: this is it.
    #[cfg(feature = "tls")]
    let _ = rustls::crypto::ring::default_provider().install_default();
    match Cli::parse().command {
        Cmd::Personas { count, seed, date } => {
            let date = date.unwrap_or_else(|| Utc::now().with_timezone(&hall_offset()).date_naive());
            match generate(count, seed, date).to_toml() {
                Ok(t) => {
                    print!("{t}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("kiosk-sim: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Cmd::Bench { what, bookings, runs, idle_secs, endorsements } => match runtime() {
            Ok(rt) => match rt.block_on(bench(&what, bookings, runs, idle_secs, endorsements)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("kiosk-sim bench: {e}");
                    ExitCode::FAILURE
                }
            },
            Err(e) => {
                eprintln!("kiosk-sim bench: {e}");
                ExitCode::FAILURE
            }
        },
        Cmd::CheckDeck { file } => match Deck::load(&file) {
            Ok(d) => {
                println!("{}: ok, {} personas, {} halls", file.display(), d.personas.len(), d.halls.len());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(2)
            }
        },
        Cmd::Devices { dir, personas, speed, baud, control } => match runtime() {
            Ok(rt) => match rt.block_on(sim::devices_cmd::run(dir, personas, &speed, &baud, control)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("kiosk-sim devices: {e}");
                    ExitCode::FAILURE
                }
            },
            Err(e) => {
                eprintln!("kiosk-sim: {e}");
                ExitCode::FAILURE
            }
        },
        Cmd::Scheduler { action: Some(SchedulerCmd::Seed { db, personas, date, kiosk, days }), .. } => {
            let opts = sim::scheduler::seed::SeedOptions { db, personas, date, kiosks: kiosk, days };
            match sim::scheduler::seed::run(&opts) {
                Ok(summary) => {
                    println!("{}", serde_json::to_string(&summary).unwrap_or_default());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("kiosk-sim scheduler seed: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Cmd::Scheduler { action: Some(SchedulerCmd::Certs { dir, hosts, kiosks }), .. } => certs(dir, hosts, kiosks),
        Cmd::Scheduler { action: None, listen, db, policy, now, public_url, tls_cert, tls_key, client_ca } => {
            let Some(db) = db else {
                eprintln!("kiosk-sim scheduler: --db is required");
                return ExitCode::from(2);
            };
            let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("kiosk-sim: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let tls = match (tls_cert, tls_key, client_ca) {
                (Some(cert), Some(key), Some(client_ca)) => {
                    Some(sim::scheduler::server::TlsFiles { cert, key, client_ca })
                }
                _ => None,
            };
            let opts = sim::scheduler::server::ServeOptions { listen, db, policy, now, tls };
            match rt.block_on(sim::scheduler::server::serve_public(opts, public_url)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("kiosk-sim scheduler: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Cmd::Demo {
            personas,
            script,
            json,
            data_dir,
            hall,
            speed,
            time_scale,
            verbose,
            wire,
            baud,
            no_scheduler,
            frames,
        } => {
            let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("kiosk-sim: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let args = DemoArgs {
                personas,
                script,
                json,
                data_dir,
                hall,
                speed,
                time_scale,
                verbose,
                wire,
                baud,
                scheduler: !no_scheduler,
                frames,
            };
            match rt.block_on(run_demo(args)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("kiosk-sim demo: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

struct DemoArgs {
    personas: Option<PathBuf>,
    script: Option<PathBuf>,
    json: bool,
    data_dir: Option<PathBuf>,
    hall: Option<String>,
    speed: String,
    time_scale: f64,
    verbose: bool,
    wire: bool,
    baud: Vec<String>,
    scheduler: bool,
    frames: Option<PathBuf>,
}

/// Wait until the kiosk's outbox reached central, then central's counts.
async fn central_summary(kiosk: &demo::RunningKiosk, url: &str) -> Result<serde_json::Value, String> {
    let mut c = demo::client::Client::connect(&kiosk.socket).await.map_err(|e| e.to_string())?;
    c.wait_synced(std::time::Duration::from_secs(20)).await?;
    let answer = reqwest::get(format!("{url}/v1/admin/stats")).await.map_err(|e| format!("central's stats: {e}"))?;
    answer.json().await.map_err(|e| format!("central's stats: {e}"))
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build()
}

async fn bench(what: &str, bookings: u64, runs: usize, idle_secs: u64, endorsements: usize) -> Result<(), String> {
    if !matches!(what, "ready" | "endorse" | "all") {
        return Err(format!("{what:?}: expected ready, endorse or all"));
    }
    let kioskd = demo::find_kioskd()?;
    if what != "endorse" {
        let o = sim::bench::ready::ReadyOptions { bookings, runs, idle_secs, settle_secs: 2 };
        let f = sim::bench::ready::run(&kioskd, &o).await?;
        let ms: Vec<String> = f.ready_ms.iter().map(|m| format!("{m:.1}")).collect();
        println!(
            "start to READY=1 with {} bookings ({:.0} MB store): median {:.1} ms of {} starts [{}] (target <= 200 ms)",
            f.bookings,
            f.store_mb,
            f.ready_median_ms,
            ms.len(),
            ms.join(", ")
        );
        println!("idle RSS: {:.1} MB VmRSS, peak VmHWM {:.1} MB (target <= 25 MB)", f.idle_rss_mb, f.peak_rss_mb);
        println!(
            "idle CPU: {:.0} ms over {} s = {:.2}% of one core (start-up until then: {:.0} ms)",
            f.idle_cpu_ms, f.idle_secs, f.idle_cpu_percent, f.startup_cpu_ms
        );
    }
    if what != "ready" {
        let runs = sim::bench::endorse::run(&kioskd, endorsements).await?;
        sim::bench::endorse::report(&runs);
    }
    Ok(())
}

async fn run_demo(a: DemoArgs) -> Result<(), String> {
    if !matches!(a.speed.as_str(), "zero" | "fast" | "realistic") {
        return Err(format!("--speed {:?}: expected zero, fast or realistic", a.speed));
    }
    let tmp;
    let keep = a.data_dir.is_some();
    let data_dir = match a.data_dir {
        Some(d) => d,
        None => {
            tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
            tmp.path().to_path_buf()
        }
    };
    std::fs::create_dir_all(&data_dir).map_err(|e| format!("{}: {e}", data_dir.display()))?;
    let data_dir = std::fs::canonicalize(&data_dir).map_err(|e| e.to_string())?;
    let deck_path = match a.personas {
        Some(p) => std::fs::canonicalize(&p).map_err(|e| format!("persona deck {}: {e}", p.display()))?,
        None => {
            let today = Utc::now().with_timezone(&hall_offset()).date_naive();
            let p = data_dir.join("personas.toml");
            std::fs::write(&p, generate(40, 1, today).to_toml()?).map_err(|e| e.to_string())?;
            p
        }
    };
    let deck = Deck::load(&deck_path).map_err(|e| e.to_string())?;
    let hall = match a.hall.or_else(|| deck.halls.first().map(|h| h.id.clone())) {
        Some(h) => h,
        None => return Err("the deck names no hall; pass --hall".into()),
    };
    if !deck.halls.iter().any(|h| h.id == hall) {
        let known: Vec<&str> = deck.halls.iter().map(|h| h.id.as_str()).collect();
        return Err(format!("--hall {hall:?} is not a hall of the deck ({})", known.join(", ")));
    }
    let script = match &a.script {
        Some(p) => Script::load(p, &deck)?,
        None => Script::default_for(&deck, &hall),
    };
    if script.walkins.is_empty() {
        eprintln!("kiosk-sim demo: the script has no walk-ins; nothing to do");
    }
    let day = script.date.unwrap_or(deck.date);
    let policy = data_dir.join("policy.toml");
    std::fs::write(&policy, include_str!("../data/policy.toml")).map_err(|e| e.to_string())?;
    // With --wire, the serial devices run here, on ptys, and kioskd drives them with its real drivers.
    let speed = sim::devices::rig::Speed::parse(&a.speed).unwrap_or_default();
    let (_, rig) = sim::devices::rig::build(&sim::devices::rig::RigOptions {
        speed,
        print_dir: Some(data_dir.join("prints")),
        ..Default::default()
    });
    let wire = if a.wire {
        std::fs::create_dir_all(data_dir.join("prints")).map_err(|e| e.to_string())?;
        let bauds = sim::devices_cmd::parse_bauds(&a.baud)?;
        Some(
            sim::wire::WireRig::start_with(&data_dir.join("dev"), &rig, &bauds)
                .map_err(|e| format!("cannot make ptys: {e}"))?,
        )
    } else {
        None
    };
    if let Some(w) = &wire {
        w.ready().await.map_err(|e| e.to_string())?;
    }
    let serial = wire.as_ref().map(|w| w.ports().to_vec()).unwrap_or_default();
    let local = wire.as_ref().map(|w| (rig.clone(), w.ports().iter().map(|(k, _, _)| *k).collect()));
    // Central: the scheduler stand-in as its own process, seeded from the same deck.
    let kiosk_id = format!("{hall}-01");
    let central = if a.scheduler {
        let setup = demo::scheduler::SchedulerSetup {
            kiosk_sim: std::env::current_exe().map_err(|e| e.to_string())?,
            db: data_dir.join("central.sqlite"),
            now: format!("{day}T08:00:00+08:00"),
            verbose: a.verbose,
        };
        setup.seed(&deck_path, &[(kiosk_id.clone(), hall.clone())]).await?;
        Some(setup.start("127.0.0.1:0").await?)
    } else {
        None
    };
    let setup = KioskSetup {
        kioskd: demo::find_kioskd()?,
        data_dir: data_dir.clone(),
        deck: deck_path,
        policy,
        hall,
        start: format!("{day}T08:00:00+08:00"),
        time_scale: a.time_scale,
        speed: a.speed,
        verbose: a.verbose,
        serial,
        kiosk_no: 1,
        central: central.as_ref().map(|c| (c.url(), demo::scheduler::kiosk_token(&kiosk_id))),
        frames: match &a.frames {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| format!("--frames {}: {e}", dir.display()))?;
                Some(std::fs::canonicalize(dir).map_err(|e| format!("--frames {}: {e}", dir.display()))?)
            }
            None => None,
        },
    };
    let kiosk = setup.start().await?;
    if central.is_some() {
        let mut c = demo::client::Client::connect(&kiosk.socket).await.map_err(|e| e.to_string())?;
        c.wait_synced(std::time::Duration::from_secs(20)).await?;
    }
    let json = a.json;
    let result = demo::run_script(&kiosk, &deck, &script, hall_offset(), local, |r| {
        if json {
            println!("{}", serde_json::to_string(r).unwrap_or_default());
        } else {
            println!("{}", demo::line(r));
        }
    })
    .await;
    let synced = match &central {
        Some(c) => Some(central_summary(&kiosk, &c.url()).await),
        None => None,
    };
    let stopped = kiosk.stop().await;
    drop(wire);
    if let Some(c) = central {
        c.kill().await;
    }
    result?;
    stopped?;
    if let Some(summary) = synced {
        let summary = summary?;
        if json {
            println!("{}", serde_json::json!({ "central": summary }));
        } else {
            eprintln!(
                "central: {} check-ins and {} endorsements recorded, {} events from the kiosk",
                summary["checkins"],
                summary["issued_endorsements"],
                summary["events"].as_object().map_or(0, |m| m.values().filter_map(|v| v.as_u64()).sum::<u64>())
            );
        }
    }
    if !json && keep {
        eprintln!("store and prints: {}", data_dir.display());
    }
    Ok(())
}
