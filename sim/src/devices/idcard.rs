//! Simulated resident ID card reader: a card is placed on the pad and taken back.

use super::{Shared, Timing, impl_sim_device, impl_sim_handle};
use drivers::idcard::{IdCard, IdCardError, IdCardReader};
use drivers::{DeviceError, DeviceKind, FaultKind};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Default)]
pub(crate) struct State {
    card: Option<IdCard>,
    reads: u64,
}

/// The reader (what the daemon holds).
#[derive(Debug)]
pub struct SimIdCardReader(pub(crate) Arc<Shared<State>>);

/// The world's side of the reader.
#[derive(Debug, Clone)]
pub struct IdCardHandle(pub(crate) Arc<Shared<State>>);
impl_sim_handle!(IdCardHandle);

/// A new reader and its handle.
pub fn new(timing: Timing) -> (SimIdCardReader, IdCardHandle) {
    let s = Shared::new(DeviceKind::IdCard, State::default(), timing);
    (SimIdCardReader(s.clone()), IdCardHandle(s))
}

impl IdCardHandle {
    /// Place a card on the reader (replacing any card there).
    pub fn place(&self, card: IdCard) {
        self.0.with(|s| s.card = Some(card));
    }
    /// Take the card away.
    pub fn remove(&self) -> Option<IdCard> {
        self.0.with(|s| s.card.take())
    }
    /// Whether a card lies on the reader.
    pub fn has_card(&self) -> bool {
        self.0.peek(|s| s.card.is_some())
    }
    /// The card on the reader, as the reader's RF field sees it.
    pub(crate) fn card(&self) -> Option<IdCard> {
        self.0.peek(|s| s.card.clone())
    }

    /// Count a read done by an emulated reader.
    pub(crate) fn count_read(&self) {
        self.0.with(|s| s.reads += 1);
    }

    /// How many cards were read.
    pub fn reads(&self) -> u64 {
        self.0.peek(|s| s.reads)
    }
}

impl_sim_device!(SimIdCardReader, DeviceKind::IdCard);

#[async_trait::async_trait]
impl IdCardReader for SimIdCardReader {
    async fn read_card(&mut self, wait: Duration) -> Result<IdCard, IdCardError> {
        // A card found by the poll, then the SAM's select and read take the device's latency.
        self.0.wait_for(wait, |s| s.card.as_ref().map(|_| ())).await?.ok_or(IdCardError::NoCard)?;
        self.0.work().await.map_err(|e| match e {
            DeviceError::Hardware(FaultKind::SamFailure) => {
                IdCardError::Unreadable("the security module rejected the card".into())
            }
            other => IdCardError::Device(other),
        })?;
        self.0
            .with(|s| {
                s.reads += 1;
                s.card.clone()
            })
            .ok_or_else(|| IdCardError::Unreadable("the card was taken away while it was read".into()))
    }
}
