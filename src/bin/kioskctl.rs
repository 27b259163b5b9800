//! kioskctl: hall staff's tool for a running kioskd, over its staff socket (members of the staff
//! group only). Human-readable output, or `--json`.

use clap::{Parser, Subcommand};
use drivers::DeviceKind;
use kioskd::staff::protocol::{Command, Reply, Status};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "kioskctl", version, about = "Watch and service a running kioskd")]
struct Cli {
    /// The staff socket (default: $KIOSKCTL_SOCKET, else /run/kioskd/kioskctl.sock).
    #[arg(long, global = true)]
    socket: Option<PathBuf>,
    /// Print the daemon's answer as JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Devices, consumables, the link to central, the outbox, the current session's step.
    Status,
    /// Finish the current session, then out of service.
    Drain,
    /// Back in service.
    Resume,
    /// Probe every device (or one) and print a test ticket.
    Selftest {
        /// idcard, permit, fingerprint, camera, endorser, receipt or payment.
        device: Option<String>,
    },
    /// Consumables since their last refill; `consumables reset NAME` after a refill.
    Consumables {
        #[command(subcommand)]
        action: Option<ConsumablesCmd>,
    },
    /// Bring a device back to idle (reset command, reopen its port).
    Reset {
        /// The device.
        device: String,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        action: AuditCmd,
    },
}

#[derive(Subcommand)]
enum ConsumablesCmd {
    /// Count from zero: paper, cards or retained.
    Reset {
        /// paper, cards or retained.
        name: String,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Records as JSON lines, oldest first.
    Export {
        /// From this time (RFC 3339, hall time, e.g. 2026-11-21T08:00:00+08:00).
        #[arg(long)]
        from: Option<String>,
        /// Up to this time.
        #[arg(long)]
        to: Option<String>,
    },
    /// Check the hash chain: a changed or deleted record is found.
    Verify,
}

fn device(name: &str) -> Result<DeviceKind, String> {
    DeviceKind::from_name(name).ok_or_else(|| {
        let all: Vec<&str> = DeviceKind::ALL.iter().map(|k| k.name()).collect();
        format!("unknown device {name:?}: expected one of {}", all.join(", "))
    })
}

fn command(cmd: Cmd) -> Result<Command, String> {
    Ok(match cmd {
        Cmd::Status => Command::Status,
        Cmd::Drain => Command::Drain,
        Cmd::Resume => Command::Resume,
        Cmd::Selftest { device: d } => Command::Selftest { device: d.as_deref().map(device).transpose()? },
        Cmd::Consumables { action: None } => Command::Consumables,
        Cmd::Consumables { action: Some(ConsumablesCmd::Reset { name }) } => Command::ConsumablesReset { name },
        Cmd::Reset { device: d } => Command::Reset { device: device(&d)? },
        Cmd::Audit { action: AuditCmd::Export { from, to } } => {
            for t in [&from, &to].into_iter().flatten() {
                chrono::DateTime::parse_from_rfc3339(t).map_err(|e| format!("{t:?} is not an RFC 3339 time: {e}"))?;
            }
            Command::AuditExport { from, to }
        }
        Cmd::Audit { action: AuditCmd::Verify } => Command::AuditVerify,
    })
}

fn print_status(s: &Status) {
    println!("kioskd {} on {} (hall {}), up {} s", s.version, s.kiosk, s.hall, s.uptime_s);
    println!("activity: {}{}", s.activity, if s.draining { " [draining]" } else { "" });
    if let Some(session) = &s.session {
        println!("session: {} at {}", session.flow, session.step);
    }
    println!("devices:");
    for d in &s.devices {
        let mut line = format!("  {:<12} {}", d.kind.name(), d.state);
        if let Some(m) = d.media {
            line.push_str(&format!(", media {m:?}").to_lowercase());
        }
        if let Some(n) = d.consumable_left {
            line.push_str(&format!(", {n} left"));
        }
        println!("{line}");
    }
    println!("consumables:");
    for c in &s.consumables {
        let left = c.device_left.map(|n| format!(", device reports {n} left")).unwrap_or_default();
        let since = c.reset_at.as_deref().map(|t| format!(" since {t}")).unwrap_or_default();
        println!("  {:<12} {} used{since}{left}", c.name, c.used);
    }
    match &s.link {
        None => println!("central: not configured"),
        Some(l) => println!(
            "central: {}{}, outbox {} pending, {} refused{}",
            l.state,
            l.lag_s.map(|s| format!(" (last sync {s:.0} s ago)")).unwrap_or_default(),
            l.outbox_pending,
            l.outbox_rejected,
            l.last_error.as_deref().map(|e| format!("; last error: {e}")).unwrap_or_default()
        ),
    }
    println!("outbox: {} pending", s.outbox_pending);
}

fn print(reply: &Reply) -> bool {
    match reply {
        Reply::Ok { message } => println!("{message}"),
        Reply::Error { message } => {
            eprintln!("kioskctl: {message}");
            return false;
        }
        Reply::Status(s) => print_status(s),
        Reply::Selftest { results } => {
            let mut all = true;
            for r in results {
                all &= r.ok;
                let note = r.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
                println!("{:<12} {:<4} {}{note}", r.device.name(), if r.ok { "ok" } else { "FAIL" }, r.health.state);
            }
            return all;
        }
        Reply::Consumables { items } => {
            for c in items {
                let left = c.device_left.map(|n| format!(", device reports {n} left")).unwrap_or_default();
                println!("{:<10} {} used{left}", c.name, c.used);
            }
        }
        Reply::Audit { records } => {
            for r in records {
                println!("{r}");
            }
        }
        Reply::AuditVerified { records, broken: None } => println!("audit chain intact: {records} records"),
        Reply::AuditVerified { broken: Some(why), .. } => {
            eprintln!("kioskctl: AUDIT CHAIN BROKEN: {why}");
            return false;
        }
    }
    true
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let socket = cli
        .socket
        .or_else(|| std::env::var_os("KIOSKCTL_SOCKET").map(PathBuf::from))
        .unwrap_or_else(kioskd::config::default_staff_socket);
    let cmd = match command(cli.cmd) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("kioskctl: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kioskctl: {e}");
            return ExitCode::FAILURE;
        }
    };
    let reply = match rt.block_on(kioskd::staff::call(&socket, &cmd)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("kioskctl: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ok = if cli.json {
        match &reply {
            Reply::Audit { records } => records.iter().for_each(|r| println!("{r}")),
            other => println!("{}", serde_json::to_string_pretty(other).unwrap_or_default()),
        }
        !matches!(reply, Reply::Error { .. } | Reply::AuditVerified { broken: Some(_), .. })
    } else {
        print(&reply)
    };
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
