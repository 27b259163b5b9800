//! `kiosk-sim devices`: the serial devices as emulators on ptys, for a kioskd (or any program
//! that speaks the devices' protocols) to open, driven by commands on standard input.
//!
//! It prints one JSON object with each device's port, then reads one JSON command a line (on
//! standard input, and on a unix socket with `--control PATH`) and answers each with one JSON line:
//!
//! - `{"cmd": "card", "persona": "p0001"}` lays that persona's ID card on the reader;
//!   `{"cmd": "remove_card"}` takes it away;
//! - `{"cmd": "finger", "persona": "p0001"}` puts their first finger on the scanner
//!   (`"poor": true` for a dry finger); `{"cmd": "lift"}`;
//! - `{"cmd": "fault", "device": "idcard", "fault": "garbage"}` injects a fault (`unplugged`,
//!   `timeout` for a device that stops answering, `garbage`, `checksum`, and the device's own:
//!   `sam_failure`, `sensor_failure`, `paper_out`, `cover_open`, `cutter_jam`...);
//!   `{"cmd": "clear", "device": "idcard"}` clears it;
//! - `{"cmd": "slow", "device": "idcard", "ms": 800}` sets the device's processing time;
//! - `{"cmd": "permit", "persona": "p0001"}` pushes their first permit into the slot
//!   (`"upside_down": true` the wrong way round); `{"cmd": "take_permit"}` takes it from the exit;
//! - `{"cmd": "paper", "amount": 5}` loads that much paper (0: out; a little: near end);
//! - `{"cmd": "prints"}` takes the printed documents from the tray, as text;
//! - `{"cmd": "world", "action": {...}}` any world action of the simulator's control protocol.

use crate::bio::card_of;
use crate::devices::rig::{RigOptions, Speed, WorldAction, WorldReply, build};
use crate::persona::{Deck, generate::generate};
use crate::wire::WireRig;
use drivers::{DeviceKind, FaultKind};
use serde::Deserialize;
use serde_json::json;
use std::path::PathBuf;
use tokio::io::{AsyncBufReadExt, BufReader};

/// One command on standard input.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", tag = "cmd", deny_unknown_fields)]
pub enum DevicesCommand {
    /// Lay a persona's ID card on the reader.
    Card {
        /// Persona id.
        persona: String,
    },
    /// Take the card away.
    RemoveCard,
    /// Put a persona's finger on the scanner.
    Finger {
        /// Persona id.
        persona: String,
        /// A dry finger.
        #[serde(default)]
        poor: bool,
    },
    /// Lift the finger.
    Lift,
    /// Inject a fault.
    Fault {
        /// Device.
        device: DeviceKind,
        /// Fault.
        fault: FaultKind,
    },
    /// Clear a device's fault.
    Clear {
        /// Device.
        device: DeviceKind,
    },
    /// Set a device's processing time.
    Slow {
        /// Device.
        device: DeviceKind,
        /// Milliseconds.
        ms: u64,
    },
    /// Push a persona's permit into the slot.
    Permit {
        /// Persona id.
        persona: String,
        /// The wrong way round.
        #[serde(default)]
        upside_down: bool,
    },
    /// Take the permit from the exit slot.
    TakePermit,
    /// Load paper.
    Paper {
        /// Documents' worth.
        amount: u32,
    },
    /// Take the prints.
    Prints,
    /// Any world action.
    World {
        /// The action.
        action: WorldAction,
    },
}

fn to_action(c: DevicesCommand, deck: &Deck) -> Result<WorldAction, String> {
    let persona = |id: &str| deck.persona(id).ok_or_else(|| format!("no persona {id:?} in the deck"));
    Ok(match c {
        DevicesCommand::Card { persona: id } => WorldAction::PlaceIdCard { card: Box::new(card_of(persona(&id)?)?) },
        DevicesCommand::RemoveCard => WorldAction::RemoveIdCard,
        DevicesCommand::Finger { persona: id, poor } => {
            let p = persona(&id)?;
            let f = p.fingers.first().ok_or_else(|| format!("{id} has no enrolled finger"))?;
            WorldAction::PlaceFinger { pattern: f.template.clone(), poor }
        }
        DevicesCommand::Lift => WorldAction::LiftFinger,
        DevicesCommand::Fault { device, fault } => WorldAction::Fault { device, fault: Some(fault) },
        DevicesCommand::Clear { device } => WorldAction::Fault { device, fault: None },
        DevicesCommand::Slow { device, ms } => WorldAction::Latency { device, ms },
        DevicesCommand::Permit { persona: id, upside_down } => {
            let p = persona(&id)?;
            let permit = p.permits.first().ok_or_else(|| format!("{id} holds no permit"))?;
            WorldAction::InsertPermit { permit: Box::new(permit.clone()), upside_down }
        }
        DevicesCommand::TakePermit => WorldAction::TakePermit,
        DevicesCommand::Paper { amount } => WorldAction::Refill { device: DeviceKind::Receipt, amount },
        DevicesCommand::Prints => WorldAction::TakePrints,
        DevicesCommand::World { action } => action,
    })
}

/// `DEVICE=RATE` pairs.
pub fn parse_bauds(args: &[String]) -> Result<Vec<(DeviceKind, u32)>, String> {
    args.iter()
        .map(|a| {
            let (d, r) = a.split_once('=').ok_or_else(|| format!("--baud {a:?}: expected DEVICE=RATE"))?;
            let kind = DeviceKind::from_name(d).ok_or_else(|| format!("--baud: unknown device {d:?}"))?;
            let rate: u32 = r.parse().map_err(|_| format!("--baud {a:?}: the rate is not a number"))?;
            if !(1200..=921_600).contains(&rate) {
                return Err(format!("--baud {a:?}: expected 1200 to 921600"));
            }
            Ok((kind, rate))
        })
        .collect()
}

/// Run until standard input closes.
/// Answer one command line.
fn handle(line: &str, deck: &Deck, rig: &crate::devices::rig::Rig, wire: &WireRig) -> serde_json::Value {
    match serde_json::from_str::<DevicesCommand>(line) {
        Err(e) => json!({ "error": format!("bad command: {e}") }),
        Ok(c) => match to_action(c, deck).and_then(|a| {
            if wire.has(a.device()) || matches!(a, WorldAction::Fault { .. } | WorldAction::Latency { .. }) {
                rig.apply(a)
            } else {
                Err(format!("the {} is not on the wire here", a.device()))
            }
        }) {
            Ok(WorldReply::Prints { texts }) => json!({ "ok": true, "prints": texts }),
            Ok(WorldReply::Permit { permit }) => json!({
                "ok": true,
                "permit": permit.map(|p| json!({ "number": p.number, "endorsements": p.endorsements })),
            }),
            Ok(_) => json!({ "ok": true }),
            Err(e) => json!({ "error": e }),
        },
    }
}

/// Serve commands on a unix socket, one JSON command a line, one JSON answer a line.
async fn control(
    path: PathBuf,
    deck: std::sync::Arc<Deck>,
    rig: crate::devices::rig::Rig,
    wire: std::sync::Arc<WireRig>,
) {
    use tokio::io::AsyncWriteExt;
    let _ = std::fs::remove_file(&path);
    let listener = match tokio::net::UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("kiosk-sim devices: cannot open the control socket {}: {e}", path.display());
            return;
        }
    };
    while let Ok((stream, _)) = listener.accept().await {
        let (deck, rig, wire) = (deck.clone(), rig.clone(), wire.clone());
        tokio::spawn(async move {
            let (r, mut w) = stream.into_split();
            let mut lines = BufReader::new(r).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if line.trim().is_empty() {
                    continue;
                }
                let mut answer = handle(&line, &deck, &rig, &wire).to_string();
                answer.push('\n');
                if w.write_all(answer.as_bytes()).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// Run until standard input closes.
pub async fn run(
    dir: Option<PathBuf>,
    personas: Option<PathBuf>,
    speed: &str,
    bauds: &[String],
    control_socket: Option<PathBuf>,
) -> Result<(), String> {
    let speed = Speed::parse(speed).ok_or_else(|| format!("--speed {speed:?}: expected zero, fast or realistic"))?;
    let bauds = parse_bauds(bauds)?;
    let deck = match personas {
        Some(p) => Deck::load(&p).map_err(|e| e.to_string())?,
        None => generate(40, 1, chrono::Utc::now().with_timezone(&crate::HALL_OFFSET).date_naive()),
    };
    let tmp;
    let dir = match dir {
        Some(d) => d,
        None => {
            tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
            tmp.path().to_path_buf()
        }
    };
    let (_, rig) = build(&RigOptions { speed, ..Default::default() });
    let wire =
        WireRig::start_with(&dir, &rig, &bauds).map_err(|e| format!("cannot make ptys in {}: {e}", dir.display()))?;
    wire.ready().await.map_err(|e| e.to_string())?;
    let ports: serde_json::Map<String, serde_json::Value> = wire
        .ports()
        .iter()
        .map(|(k, p, baud)| (k.name().to_string(), json!({ "port": p.display().to_string(), "baud": baud })))
        .collect();
    println!("{}", serde_json::Value::Object(ports));
    let deck = std::sync::Arc::new(deck);
    let wire = std::sync::Arc::new(wire);
    if let Some(path) = control_socket {
        tokio::spawn(control(path, deck.clone(), rig.clone(), wire.clone()));
    }
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.trim().is_empty() {
            continue;
        }
        println!("{}", handle(&line, &deck, &rig, &wire));
    }
    Ok(())
}
