//! Persona decks: the simulated residents who walk up to the kiosk.
//!
//! A deck is a TOML (or JSON) file; its format is documented in `sim/PERSONAS.md`. It carries, for
//! every persona, the ID card's text fields exactly as the card carries them, fingerprint templates,
//! a face, permits with the endorsements they hold, bookings, and flags. The same deck seeds the
//! simulated devices (what a card or permit reads back), the central stand-in (bookings, the
//! counter-only list) and the scripted walk-ins.

pub mod generate;
pub mod validate;

use chrono::NaiveDate;
use drivers::biometric::Biometric;
use drivers::idcard::CardText;
use drivers::permit::{Endorsement, PermitKind};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Current deck format version.
pub const DECK_VERSION: u32 = 1;

/// A whole deck.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deck {
    /// Format version ([`DECK_VERSION`]).
    pub version: u32,
    /// The day the deck was made for: its "today". Bookings are on this day or the next.
    pub date: NaiveDate,
    /// The halls named by bookings.
    #[serde(default, rename = "hall")]
    pub halls: Vec<Hall>,
    /// The residents.
    #[serde(default, rename = "persona")]
    pub personas: Vec<Persona>,
}

/// An exit-entry administration hall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hall {
    /// Stable id, e.g. `gz-tianhe`.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// City (Chinese).
    pub city: String,
}

/// One simulated resident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Persona {
    /// Stable id within the deck, e.g. `p0001`.
    pub id: String,
    /// The ID card's text fields, as the card carries them.
    pub card: CardText,
    /// The residence permit (居住证) held, if any: the 6-digit administrative code of the city that
    /// issued it, e.g. `350200` (Xiamen). A mainland resident living outside their hukou's city holds
    /// one of the city they live in; it opens what that city's residents may get (the Taiwan
    /// individual tour). Absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residence_permit: Option<String>,
    /// The persona's face: a 16-byte signature (hex) from which the simulated camera draws live frames
    /// and the card photo is made.
    pub face: String,
    /// Fingerprint templates enrolled on the ID card (0, 1 or 2). Empty: the card carries none
    /// (elderly people, children), and face verification is used instead.
    #[serde(default)]
    pub fingers: Vec<Finger>,
    /// Travel permits held.
    #[serde(default, rename = "permit")]
    pub permits: Vec<Permit>,
    /// Hall bookings.
    #[serde(default, rename = "booking")]
    pub bookings: Vec<Booking>,
    /// Flags that change what the kiosk may do for this person.
    #[serde(default)]
    pub flags: Flags,
}

/// One enrolled finger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finger {
    /// Which finger, e.g. `right_index`.
    pub position: String,
    /// The 512-byte template as the card stores it (hex).
    pub template: Biometric,
}

/// A card-type travel permit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permit {
    /// HK/Macau (CS) or Taiwan (CD).
    pub kind: PermitKind,
    /// Document number (9 characters: 'C' then 8 digits for CS, 'T' then 8 digits for CD).
    pub number: String,
    /// Name in Chinese, as on the chip.
    pub name_zh: String,
    /// Surname in pinyin, upper case.
    pub surname: String,
    /// Given names in pinyin, upper case.
    pub given_names: String,
    /// Date of birth.
    pub birth: NaiveDate,
    /// Issue date.
    pub issued: NaiveDate,
    /// Expiry date.
    pub expiry: NaiveDate,
    /// The printed 30-character MRZ line (check digits included).
    pub mrz: String,
    /// Endorsements on the chip.
    #[serde(default, rename = "endorsement")]
    pub endorsements: Vec<Endorsement>,
}

/// A booking made online.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Booking {
    /// The booking code (printed as a QR code on the applicant's phone), e.g. `YY8K3M2Q`.
    pub code: String,
    /// Hall id.
    pub hall: String,
    /// Day of the visit.
    pub date: NaiveDate,
    /// Slot start, `HH:MM` hall time.
    pub slot_start: String,
    /// Slot end, `HH:MM` hall time.
    pub slot_end: String,
    /// Business: `first_application`, `renewal`, `reapplication`.
    pub business: String,
    /// Document the business is for: `passport`, `hk_macau_permit`, `taiwan_permit`.
    pub document: String,
}

/// Flags from central.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flags {
    /// State employees and others under special rules: the counter only.
    #[serde(default)]
    pub counter_only: bool,
    /// Not a mainland resident (the card is then a 'J' or 'I' card).
    #[serde(default)]
    pub non_mainland: bool,
}

/// What can go wrong loading a deck.
#[derive(Debug, thiserror::Error)]
pub enum DeckError {
    /// The file could not be read.
    #[error("cannot read deck {path}: {source}")]
    Io {
        /// Path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not a deck.
    #[error("deck {path} is malformed: {message}")]
    Parse {
        /// Path.
        path: String,
        /// What the parser said.
        message: String,
    },
    /// The deck parsed but breaks the rules.
    #[error("deck {path} is invalid:\n  {}", problems.join("\n  "))]
    Invalid {
        /// Path.
        path: String,
        /// One line per problem.
        problems: Vec<String>,
    },
}

impl Deck {
    /// Load a deck from a `.toml` or `.json` file and validate it.
    pub fn load(path: &Path) -> Result<Deck, DeckError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| DeckError::Io { path: p.clone(), source })?;
        let deck = Deck::parse(&text, path.extension().is_some_and(|e| e == "json"))
            .map_err(|message| DeckError::Parse { path: p.clone(), message })?;
        let problems = validate::validate(&deck);
        if !problems.is_empty() {
            return Err(DeckError::Invalid { path: p, problems });
        }
        Ok(deck)
    }

    /// Parse deck text (TOML, or JSON when `json`), without validating.
    pub fn parse(text: &str, json: bool) -> Result<Deck, String> {
        if json {
            serde_json::from_str(text).map_err(|e| e.to_string())
        } else {
            toml::from_str(text).map_err(|e| e.to_string())
        }
    }

    /// The deck as TOML.
    pub fn to_toml(&self) -> Result<String, String> {
        toml::to_string(self).map_err(|e| e.to_string())
    }

    /// Find a persona by id.
    pub fn persona(&self, id: &str) -> Option<&Persona> {
        self.personas.iter().find(|p| p.id == id)
    }
}
