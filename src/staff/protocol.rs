//! What staff ask the daemon over the staff socket (`kioskctl`), one JSON object a line each way.
//! Nothing here carries personal data: a session is described by its flow and step only.

use drivers::{DeviceKind, Health};
use serde::{Deserialize, Serialize};

/// A staff command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "cmd")]
pub enum Command {
    /// Everything at a glance.
    Status,
    /// Finish the current session, then out of service.
    Drain,
    /// Back in service.
    Resume,
    /// Probe each device (or one) and print a test ticket.
    Selftest {
        /// One device only.
        #[serde(default)]
        device: Option<DeviceKind>,
    },
    /// Consumables since their last refill.
    Consumables,
    /// A consumable was refilled (or the retain bin emptied): count from zero.
    ConsumablesReset {
        /// `paper`, `cards` or `retained`.
        name: String,
    },
    /// Bring a device back to idle (reset command, reopen its port).
    Reset {
        /// Which.
        device: DeviceKind,
    },
    /// Audit records in a time range (RFC 3339 bounds, inclusive).
    AuditExport {
        /// From.
        #[serde(default)]
        from: Option<String>,
        /// To.
        #[serde(default)]
        to: Option<String>,
    },
    /// Check the audit hash chain.
    AuditVerify,
}

/// The current session, as staff may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionStatus {
    /// `checkin` or `endorsement`.
    pub flow: String,
    /// The screen it is at.
    pub step: String,
}

/// The sync link, as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkStatus {
    /// `up`, `down`, `unknown`.
    pub state: String,
    /// Seconds since the last sync round that went through.
    pub lag_s: Option<f64>,
    /// Events waiting for central.
    pub outbox_pending: u64,
    /// Events central refused.
    pub outbox_rejected: u64,
    /// The last failure.
    pub last_error: Option<String>,
}

/// `status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// kioskd's version.
    pub version: String,
    /// Seconds since start.
    pub uptime_s: u64,
    /// Kiosk id and hall.
    pub kiosk: String,
    /// Hall.
    pub hall: String,
    /// What the kiosk is doing, in a line.
    pub activity: String,
    /// Draining: no new session.
    pub draining: bool,
    /// The current session.
    pub session: Option<SessionStatus>,
    /// Every device.
    pub devices: Vec<Health>,
    /// Consumables.
    pub consumables: Vec<Consumable>,
    /// The link to central (absent: none configured).
    pub link: Option<LinkStatus>,
    /// Outbox events not yet delivered.
    pub outbox_pending: u64,
}

/// One consumable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consumable {
    /// `paper` (receipt prints), `cards` (endorsements written), `retained` (cards in the bin).
    pub name: String,
    /// Used since the last reset.
    pub used: u64,
    /// When it was last reset (RFC 3339), if ever.
    pub reset_at: Option<String>,
    /// What the device itself reports left, when it can tell.
    pub device_left: Option<u32>,
}

/// One device's self-test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelfTest {
    /// Device.
    pub device: DeviceKind,
    /// Its health now.
    pub health: Health,
    /// Whether it passed.
    pub ok: bool,
    /// What was done beyond the probe (the test ticket), or what failed.
    pub note: Option<String>,
}

/// The daemon's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reply")]
pub enum Reply {
    /// Done.
    Ok {
        /// What happened.
        message: String,
    },
    /// Refused or failed.
    Error {
        /// Why.
        message: String,
    },
    /// `status`.
    Status(Box<Status>),
    /// `selftest`.
    Selftest {
        /// Per device.
        results: Vec<SelfTest>,
    },
    /// `consumables`.
    Consumables {
        /// Each.
        items: Vec<Consumable>,
    },
    /// `audit export`: one JSON record a line follows this reply, then `{"end": n}`.
    Audit {
        /// Records.
        records: Vec<serde_json::Value>,
    },
    /// `audit verify`.
    AuditVerified {
        /// Records checked.
        records: u64,
        /// The first broken link, if any.
        broken: Option<String>,
    },
}
