//! `kiosk-sim demo`: start kioskd with every device simulated, run scripted walk-ins through it, and
//! report one line per walk-in.

pub mod client;
pub mod launch;
pub mod scheduler;
pub mod script;
pub mod walker;

pub use launch::{KioskSetup, RunningKiosk, find_kioskd};
pub use script::Script;
pub use walker::{WalkInResult, Walker};

use crate::persona::Deck;
use chrono::FixedOffset;

/// Run a script against a running kiosk, calling `report` after each walk-in.
pub async fn run_script(
    kiosk: &RunningKiosk,
    deck: &Deck,
    script: &Script,
    offset: FixedOffset,
    local: Option<(crate::devices::rig::Rig, Vec<drivers::DeviceKind>)>,
    mut report: impl FnMut(&WalkInResult),
) -> Result<Vec<WalkInResult>, String> {
    let mut walker = Walker::connect(&kiosk.socket, deck, offset).await?;
    if let Some((rig, kinds)) = local {
        walker = walker.with_local(rig, kinds);
    }
    let day = script.date.unwrap_or(deck.date);
    let mut clock = None;
    let mut out = Vec::new();
    for w in &script.walkins {
        let r = walker.walk(w, day, &mut clock).await?;
        report(&r);
        out.push(r);
    }
    Ok(out)
}

/// The demo's human-readable line for a walk-in.
pub fn line(r: &WalkInResult) -> String {
    let what = match r.outcome.as_str() {
        "ticket" => format!("ticket {}", r.ticket.clone().unwrap_or_default()),
        "issued" => format!(
            "issued {} for ¥{}.{:02}",
            r.endorsement.clone().unwrap_or_default(),
            r.fee_fen.unwrap_or(0) / 100,
            r.fee_fen.unwrap_or(0) % 100
        ),
        "queried" | "unchanged" => r.outcome.clone(),
        "booked" | "moved" | "cancelled" => format!("{} {}", r.outcome, r.booking.clone().unwrap_or_default()),
        _ => format!(
            "refused {}{}{}",
            r.reason.clone().unwrap_or_default(),
            r.message.as_ref().map(|m| format!(": {m}")).unwrap_or_default(),
            if r.refunded { " (payment refunded)" } else { "" }
        ),
    };
    format!("{:<6} {:<11} {what}", r.persona, r.flow)
}
