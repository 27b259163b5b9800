//! Resident ID card reader (二代证阅读器 with its SAM security module).

pub mod number;
pub mod sam;
pub mod serial;
pub mod text;

pub use number::{IdNumber, IdNumberError, check_char, mask_id};
pub use text::{CardText, CardType, TextError};

use crate::biometric::Biometric;
use crate::error::DeviceError;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Size of the vendor-compressed (WLT) photo.
pub const PHOTO_LEN: usize = 1024;
/// Size of one fingerprint template on the card.
pub const FINGER_LEN: usize = 512;

/// Everything read from a card: text, the WLT photo, and 0 to 2 fingerprint templates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdCard {
    /// The text fields.
    pub text: CardText,
    /// The vendor-compressed photo (1024 bytes); decoding it is a [`crate::camera::PhotoDecoder`]'s job.
    pub photo: Biometric,
    /// Fingerprint templates (512 bytes each); empty when the card carries none.
    #[serde(default)]
    pub fingerprints: Vec<Biometric>,
}

/// What can go wrong reading an ID card.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdCardError {
    /// The device itself failed.
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// No card was presented within the wait.
    #[error("no card on the reader")]
    NoCard,
    /// A card is there but could not be read (moved away, rejected by the SAM); ask to place it again.
    #[error("the card could not be read: {0}")]
    Unreadable(String),
    /// The card's text block is malformed.
    #[error("the card's text is malformed: {0}")]
    Text(#[from] TextError),
}

/// A resident ID card reader.
#[async_trait::async_trait]
pub trait IdCardReader: crate::Device {
    /// Wait up to `wait` for a card on the reader, then read its text, photo and fingerprints.
    ///
    /// Returns [`IdCardError::NoCard`] when no card came within `wait`. Cancel-safe: dropping the
    /// future between polls leaves the reader idle.
    async fn read_card(&mut self, wait: Duration) -> Result<IdCard, IdCardError>;
}
