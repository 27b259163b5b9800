//! Fingerprint scanner (UART module family with 0xEF01 packets, or USB): 1:1 match of a live finger
//! against the templates read from the ID card.

pub mod ef01;
pub mod serial;

use crate::biometric::Biometric;
use crate::error::DeviceError;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The result of one 1:1 match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchOutcome {
    /// Whether the module judged it a match.
    pub matched: bool,
    /// The module's score (higher is more alike).
    pub score: u16,
}

/// What can go wrong capturing and matching a finger.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FingerprintError {
    /// The device failed.
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// No finger was placed within the wait.
    #[error("no finger on the scanner")]
    NoFinger,
    /// A finger was there but the image was too poor to match (dry, moved): ask to press again.
    #[error("fingerprint image too poor")]
    PoorImage,
    /// The card templates could not be loaded into the module.
    #[error("card fingerprint template rejected by the module")]
    BadTemplate,
}

/// A fingerprint scanner.
#[async_trait::async_trait]
pub trait FingerprintScanner: crate::Device {
    /// Wait up to `wait` for a finger, capture it, and match it 1:1 against each of `templates`
    /// (the best score wins). `templates` are 512-byte templates from the ID card.
    async fn verify(&mut self, templates: &[Biometric], wait: Duration) -> Result<MatchOutcome, FingerprintError>;
}
