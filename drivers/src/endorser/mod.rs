//! Endorsement printer: takes the permit from the slot, writes the endorsement to its chip, reprints
//! the endorsement area of the card, and ejects the card to its owner or retains it.

pub mod driver;
pub mod protocol;

use crate::error::DeviceError;
use crate::permit::{Endorsement, PermitChip};
use std::time::Duration;

/// What can go wrong in the endorsement printer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndorserError {
    /// The device failed (jam, ribbon out, chip write failed, power loss: see its fault kind).
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// There is no card inside.
    #[error("no card in the printer")]
    NoCard,
}

/// The endorsement printer.
#[async_trait::async_trait]
pub trait EndorsementPrinter: crate::Device {
    /// Write `endorsement` (with its `issue_key`) to the chip of the card inside and print it on the
    /// card. A write is all-or-nothing on the chip; after a failure, [`Self::read_back`] tells what
    /// the chip holds.
    async fn write(&mut self, endorsement: &Endorsement) -> Result<(), EndorserError>;
    /// Read the chip of the card inside (name and endorsements).
    async fn read_chip(&mut self) -> Result<PermitChip, EndorserError>;
    /// Read the endorsement records on the chip of the card inside.
    async fn read_back(&mut self) -> Result<Vec<Endorsement>, EndorserError> {
        Ok(self.read_chip().await?.endorsements)
    }
    /// Whether a card is inside (not counting one waiting in the exit slot).
    async fn card_inside(&mut self) -> Result<bool, EndorserError>;
    /// Move the card inside to the exit slot.
    async fn eject(&mut self) -> Result<(), EndorserError>;
    /// Wait up to `wait` for the card in the exit slot to be taken. `Ok(true)` once taken (or if
    /// none is there), `Ok(false)` if it is still there.
    async fn wait_taken(&mut self, wait: Duration) -> Result<bool, EndorserError>;
    /// Pull the card (inside or in the exit slot) into the retain bin.
    async fn retain(&mut self) -> Result<(), EndorserError>;
}
