//! Travel-permit reader: the card-type HK/Macau (往来港澳通行证, `CS`) and Taiwan (往来台湾通行证,
//! `CD`) permits, read from their MRZ line and contactless chip.

pub mod mrz;
pub mod serial;
pub mod wire;

pub use mrz::{MrzError, PermitMrz, check_digit};

use crate::error::DeviceError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Which permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermitKind {
    /// 往来港澳通行证, document code CS.
    HkMacau,
    /// 往来台湾通行证, document code CD.
    Taiwan,
}

impl PermitKind {
    /// The two-letter document code.
    pub fn code(self) -> &'static str {
        match self {
            PermitKind::HkMacau => "CS",
            PermitKind::Taiwan => "CD",
        }
    }
    /// From a document code.
    pub fn from_code(code: &str) -> Option<PermitKind> {
        match code {
            "CS" => Some(PermitKind::HkMacau),
            "CD" => Some(PermitKind::Taiwan),
            _ => None,
        }
    }
    /// Whether an endorsement for `dest` can be written on this permit.
    pub fn serves(self, dest: Destination) -> bool {
        match self {
            PermitKind::HkMacau => matches!(dest, Destination::HongKong | Destination::Macau),
            PermitKind::Taiwan => dest == Destination::Taiwan,
        }
    }
}

/// Where an endorsement lets its holder go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Destination {
    /// Hong Kong.
    #[serde(rename = "HK")]
    HongKong,
    /// Macau.
    #[serde(rename = "MO")]
    Macau,
    /// Taiwan.
    #[serde(rename = "TW")]
    Taiwan,
}

impl Destination {
    /// Short code: HK, MO, TW.
    pub fn code(self) -> &'static str {
        match self {
            Destination::HongKong => "HK",
            Destination::Macau => "MO",
            Destination::Taiwan => "TW",
        }
    }
    /// From the short code.
    pub fn from_code(s: &str) -> Option<Destination> {
        match s {
            "HK" => Some(Destination::HongKong),
            "MO" => Some(Destination::Macau),
            "TW" => Some(Destination::Taiwan),
            _ => None,
        }
    }
    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Destination::HongKong => "香港",
            Destination::Macau => "澳门",
            Destination::Taiwan => "台湾",
        }
    }
    /// English name.
    pub fn en(self) -> &'static str {
        match self {
            Destination::HongKong => "Hong Kong",
            Destination::Macau => "Macau",
            Destination::Taiwan => "Taiwan",
        }
    }
}

/// The endorsement types. The kiosk issues only group-tour endorsements; the others are read from
/// permits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndorsementKind {
    /// 团队旅游 (L).
    GroupTour,
    /// 个人旅游 (G).
    IndividualTour,
    /// 商务 (S).
    Business,
    /// 探亲 (T).
    FamilyVisit,
    /// 其他 (Q).
    Other,
}

/// Number of trips an endorsement allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trips {
    /// 一次.
    One,
    /// 二次.
    Two,
    /// 多次.
    Multiple,
}

impl Trips {
    /// Trips as a count (`None` for multiple).
    pub fn count(self) -> Option<u8> {
        match self {
            Trips::One => Some(1),
            Trips::Two => Some(2),
            Trips::Multiple => None,
        }
    }
}

/// One endorsement record on the permit's chip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endorsement {
    /// Destination.
    pub destination: Destination,
    /// Type.
    pub kind: EndorsementKind,
    /// Trips allowed.
    pub trips: Trips,
    /// Trips not yet used (`None` for multiple trips).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trips_left: Option<u8>,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day.
    pub valid_to: NaiveDate,
    /// The issuing key written with the record, so a write can be recognised after a crash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_key: Option<String>,
}

impl Endorsement {
    /// Whether it can still be used on `day`.
    pub fn usable_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && day <= self.valid_to && self.trips_left != Some(0)
    }
}

/// What the permit's contactless chip holds (read by whichever device has the chip reader: the
/// permit reader itself, or the endorsement printer once the card is inside).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermitChip {
    /// Name in Chinese (chip DG1 line 2).
    pub name_zh: String,
    /// Surname in pinyin.
    pub surname: String,
    /// Given names in pinyin.
    pub given_names: String,
    /// Endorsements held.
    #[serde(default)]
    pub endorsements: Vec<Endorsement>,
}

/// What the permit reader reads: the MRZ line, and the chip when the reader has a chip reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermitData {
    /// The printed 30-character MRZ line as read.
    pub mrz: String,
    /// The chip, when this reader reads it (an MRZ-only reader leaves it to the endorsement
    /// printer).
    #[serde(default)]
    pub chip: Option<PermitChip>,
}

/// What can go wrong reading a permit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PermitError {
    /// The device failed.
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// No permit was inserted within the wait.
    #[error("no permit in the slot")]
    NoPermit,
    /// A card is in the slot but it is not a readable permit (upside down, another card).
    #[error("the document could not be read: {0}")]
    Unreadable(String),
}

/// The permit slot's reader.
#[async_trait::async_trait]
pub trait PermitReader: crate::Device {
    /// Wait up to `wait` for a permit at the slot, draw it in and read its MRZ and chip. The permit
    /// stays inside, where the endorsement printer works on it.
    async fn read_permit(&mut self, wait: Duration) -> Result<PermitData, PermitError>;

    /// Forget what the reader reported before now: a reader that speaks unasked may have read a
    /// card nobody asked for (drawn in after its session ended), and that read belongs to no one
    /// who is at the kiosk now. Called before a session asks for a permit. Nothing to forget for a
    /// reader that reads only when asked.
    async fn forget_earlier_reads(&mut self) {}
}
