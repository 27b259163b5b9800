//! The one health model every device reports in.
//!
//! Modelled on CEN/XFS device states (ONLINE, OFFLINE, NODEVICE, HWERROR, USERERROR, BUSY) and the
//! XFS media states (present / not present / jammed / entering), so that any device, real or
//! simulated, is judged by the same rules when the kiosk decides which flows it can offer.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The device kinds of a kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// Resident ID card reader (SAM module).
    #[serde(rename = "idcard")]
    IdCard,
    /// Travel-permit reader (MRZ + chip).
    Permit,
    /// Fingerprint scanner.
    Fingerprint,
    /// Camera with face verifier.
    Camera,
    /// Endorsement printer: writes the permit's chip and reprints its endorsement area.
    Endorser,
    /// Receipt / ticket printer.
    Receipt,
    /// Payment terminal (bank card or QR).
    Payment,
}

impl DeviceKind {
    /// Every kind, in a stable order.
    pub const ALL: [DeviceKind; 7] = [
        DeviceKind::IdCard,
        DeviceKind::Permit,
        DeviceKind::Fingerprint,
        DeviceKind::Camera,
        DeviceKind::Endorser,
        DeviceKind::Receipt,
        DeviceKind::Payment,
    ];

    /// The stable name used in config files, logs and the control protocol.
    pub fn name(self) -> &'static str {
        match self {
            DeviceKind::IdCard => "idcard",
            DeviceKind::Permit => "permit",
            DeviceKind::Fingerprint => "fingerprint",
            DeviceKind::Camera => "camera",
            DeviceKind::Endorser => "endorser",
            DeviceKind::Receipt => "receipt",
            DeviceKind::Payment => "payment",
        }
    }

    /// Parse a stable name.
    pub fn from_name(name: &str) -> Option<DeviceKind> {
        DeviceKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether the device takes media (a card, paper) whose state is reported.
    pub fn takes_media(self) -> bool {
        matches!(self, DeviceKind::Permit | DeviceKind::Endorser | DeviceKind::Receipt)
    }

    /// The faults this kind of device can have (what a simulator can inject, what a fault matrix covers).
    pub fn fault_kinds(self) -> &'static [FaultKind] {
        use FaultKind::*;
        match self {
            DeviceKind::IdCard => &[Unplugged, Timeout, Garbage, Checksum, SamFailure],
            DeviceKind::Permit => &[Unplugged, Timeout, Garbage, Checksum, CardJam, ChipUnreadable],
            DeviceKind::Fingerprint => &[Unplugged, Timeout, Garbage, Checksum, SensorFailure],
            DeviceKind::Camera => &[Unplugged, Timeout, SensorFailure],
            DeviceKind::Endorser => &[Unplugged, Timeout, Garbage, CardJam, RibbonOut, ChipWriteFailed, PowerLoss],
            DeviceKind::Receipt => &[Unplugged, Timeout, Garbage, PaperOut, CoverOpen, CutterJam, PowerLoss],
            DeviceKind::Payment => &[Unplugged, Timeout, Garbage, LinkDown],
        }
    }
}

impl fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a device is in [`DeviceState::HardwareError`] (or why an operation failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// The device disappeared from the bus (cable, power, USB reset).
    Unplugged,
    /// The device stopped answering.
    Timeout,
    /// The device sent bytes that are not a frame of its protocol.
    Garbage,
    /// A frame arrived with a bad checksum.
    Checksum,
    /// The ID card reader's security module failed its self-test or refused the card.
    SamFailure,
    /// A card is stuck in the transport.
    CardJam,
    /// The permit's chip could not be read.
    ChipUnreadable,
    /// The permit's chip refused the write.
    ChipWriteFailed,
    /// The print ribbon / film of the endorsement printer is used up.
    RibbonOut,
    /// The receipt printer has no paper.
    PaperOut,
    /// The receipt printer's cover is open.
    CoverOpen,
    /// The receipt printer's cutter is stuck.
    CutterJam,
    /// Power was lost in the middle of an operation.
    PowerLoss,
    /// An imaging sensor (fingerprint prism, camera) fails.
    SensorFailure,
    /// The payment terminal lost its link to the acquirer.
    LinkDown,
}

impl FaultKind {
    /// The stable name used in config files, logs and the control protocol.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Unplugged => "unplugged",
            FaultKind::Timeout => "timeout",
            FaultKind::Garbage => "garbage",
            FaultKind::Checksum => "checksum",
            FaultKind::SamFailure => "sam_failure",
            FaultKind::CardJam => "card_jam",
            FaultKind::ChipUnreadable => "chip_unreadable",
            FaultKind::ChipWriteFailed => "chip_write_failed",
            FaultKind::RibbonOut => "ribbon_out",
            FaultKind::PaperOut => "paper_out",
            FaultKind::CoverOpen => "cover_open",
            FaultKind::CutterJam => "cutter_jam",
            FaultKind::PowerLoss => "power_loss",
            FaultKind::SensorFailure => "sensor_failure",
            FaultKind::LinkDown => "link_down",
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The device state, as in XFS (`fwDevice`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "fault")]
pub enum DeviceState {
    /// Ready for work.
    Online,
    /// Working on a request; still healthy.
    Busy,
    /// Connected but not answering, or answering that it is offline.
    Offline,
    /// Not connected at all.
    NoDevice,
    /// Connected, but a fault needs attention.
    HardwareError(FaultKind),
    /// A person is in the way (a card held in the slot, a hand on the shutter): wait for them.
    UserError,
}

impl fmt::Display for DeviceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceState::Online => f.write_str("online"),
            DeviceState::Busy => f.write_str("busy"),
            DeviceState::Offline => f.write_str("offline"),
            DeviceState::NoDevice => f.write_str("no device"),
            DeviceState::HardwareError(k) => write!(f, "hardware error ({k})"),
            DeviceState::UserError => f.write_str("user error"),
        }
    }
}

impl DeviceState {
    /// Whether a flow that needs this device can be offered.
    pub fn is_usable(self) -> bool {
        matches!(self, DeviceState::Online | DeviceState::Busy | DeviceState::UserError)
    }
}

/// Media state of a device that takes media (XFS `fwMedia`), or the paper of a printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaState {
    /// A card is inside the device.
    Present,
    /// No card inside.
    Absent,
    /// A card is stuck; needs staff.
    Jammed,
    /// A card waits in the exit slot for its owner to take it.
    AtExit,
    /// Paper is low (printers): still usable, tell staff.
    NearEnd,
    /// Paper or card stock is out.
    Out,
}

/// A device's health: its state, its media state where it takes media, and consumable counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// The device's kind.
    pub kind: DeviceKind,
    /// The device state.
    pub state: DeviceState,
    /// The media state, for devices that take media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<MediaState>,
    /// Consumables left, for devices that have them (prints of paper or ribbon left).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumable_left: Option<u32>,
    /// Cards in the retain bin (endorsement printer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retained: Option<u32>,
}

impl Health {
    /// A healthy device of this kind with nothing else to say.
    pub fn online(kind: DeviceKind) -> Health {
        Health { kind, state: DeviceState::Online, media: None, consumable_left: None, retained: None }
    }

    /// A device in the given state.
    pub fn with_state(kind: DeviceKind, state: DeviceState) -> Health {
        Health { state, ..Health::online(kind) }
    }

    /// Whether a flow that needs this device can be offered now.
    pub fn is_usable(&self) -> bool {
        self.state.is_usable() && !matches!(self.media, Some(MediaState::Jammed) | Some(MediaState::Out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in DeviceKind::ALL {
            assert_eq!(DeviceKind::from_name(k.name()), Some(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.name()), "serde uses the same name");
            for f in k.fault_kinds() {
                assert_eq!(serde_json::to_string(f).unwrap(), format!("\"{}\"", f.name()));
            }
            assert!(!k.fault_kinds().is_empty());
            assert!(k.fault_kinds().contains(&FaultKind::Unplugged));
        }
        assert_eq!(DeviceKind::from_name("toaster"), None);
    }

    #[test]
    fn usability_follows_state_and_media() {
        let mut h = Health::online(DeviceKind::Receipt);
        assert!(h.is_usable());
        h.media = Some(MediaState::NearEnd);
        assert!(h.is_usable());
        h.media = Some(MediaState::Out);
        assert!(!h.is_usable());
        let h = Health::with_state(DeviceKind::IdCard, DeviceState::HardwareError(FaultKind::SamFailure));
        assert!(!h.is_usable());
        assert!(!Health::with_state(DeviceKind::IdCard, DeviceState::NoDevice).is_usable());
    }
}
