//! The simulator control protocol: JSON lines over a unix socket that `kioskd` opens when its devices
//! are simulated. One request per line, one response per line; `subscribe` turns the connection into
//! a stream of [`KioskEvent`]s.

use crate::devices::rig::{WorldAction, WorldReply};
use chrono::{DateTime, FixedOffset};
use drivers::Health;
use kiosk_ui::Screen;
use serde::{Deserialize, Serialize};

/// A request to the kiosk.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "cmd")]
pub enum Request {
    /// Act on a simulated device.
    World {
        /// The action.
        action: WorldAction,
    },
    /// Touch a button of the current screen.
    Touch {
        /// Button id.
        button: String,
    },
    /// Tap the screen at a point (hit-tested against the layout the screen was drawn with).
    Tap {
        /// Pixels from the left.
        x: i32,
        /// Pixels from the top.
        y: i32,
    },
    /// Type a booking code on the keypad.
    EnterCode {
        /// The code.
        code: String,
    },
    /// The current screen.
    Screen,
    /// Devices' health.
    Health,
    /// The link to central (state, skew, cursor, outbox).
    Link,
    /// Move the kiosk's simulated clock forward to `at` (a time already past changes nothing).
    SetClock {
        /// The new time.
        at: DateTime<FixedOffset>,
    },
    /// Stream events on this connection from now on.
    Subscribe,
    /// Stop the daemon (as SIGTERM would).
    Shutdown,
}

/// The kiosk's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reply")]
pub enum Response {
    /// Done.
    Ok,
    /// Refused or failed, and why.
    Error {
        /// Message.
        message: String,
    },
    /// A world action's result.
    World {
        /// The result.
        result: WorldReply,
    },
    /// The current screen.
    Screen {
        /// The screen.
        screen: Screen,
    },
    /// Devices' health.
    Health {
        /// One per device.
        devices: Vec<Health>,
    },
    /// The link to central, as kioskd's sync reports it.
    Link {
        /// Its figures.
        link: serde_json::Value,
    },
    /// An event (on a subscribed connection).
    Event {
        /// The event.
        event: KioskEvent,
    },
}

/// Something the kiosk did.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum KioskEvent {
    /// A new screen is shown.
    Screen {
        /// The screen.
        screen: Screen,
    },
    /// A session ended.
    SessionEnded {
        /// Its summary.
        summary: SessionSummary,
    },
    /// The applicant rated the session that just ended (optional for them).
    Rated {
        /// `checkin` or `endorsement`.
        flow: String,
        /// `good`, `ok` or `bad`.
        rating: String,
    },
}

/// How a session ended: what `kiosk-sim demo --json` prints per walk-in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionSummary {
    /// Session id.
    pub session: String,
    /// `checkin`, `endorsement`, `query` or `booking`.
    pub flow: String,
    /// `ticket`, `issued`, `queried`, `booked`, `moved`, `cancelled`, `unchanged` or `refused`.
    pub outcome: String,
    /// The refusal's stable code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Queue ticket number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// The endorsement issued, e.g. `HK group_tour 3m one trip, valid to 2027-02-20`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsement: Option<String>,
    /// Fee charged, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_fen: Option<u32>,
    /// Whether a payment was refunded.
    #[serde(default)]
    pub refunded: bool,
    /// The booking a booking session made, moved or cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking: Option<String>,
}
