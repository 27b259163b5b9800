//! The real permit reader backend: a desktop MRZ reader on a serial port, which sends the machine-
//! readable zone of each card it sees as ASCII lines ([`super::wire`]). It has no chip reader: the
//! chip is read by the endorsement printer once the card is inside.

use super::wire::{MrzDocument, MrzLineCodec, WireError};
use super::{PermitData, PermitError, PermitReader};
use crate::error::DeviceError;
use crate::health::{DeviceKind, DeviceState, Health};
use crate::serial::{PortSettings, SerialLink};
use std::time::Duration;

/// The usual baud rate of desktop MRZ readers.
pub const DEFAULT_BAUD: u32 = 9600;

/// An MRZ reader on a serial port.
pub struct MrzReader {
    link: SerialLink<MrzLineCodec>,
    this_year: fn() -> i32,
}

fn current_year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now().year()
}

impl MrzReader {
    /// A reader on `settings`; the port opens on first use.
    pub fn new(settings: PortSettings) -> MrzReader {
        MrzReader::with_link(SerialLink::new(settings, MrzLineCodec::new()))
    }

    /// A reader over an existing link (a replayed recording, a test's fake).
    pub fn with_link(link: SerialLink<MrzLineCodec>) -> MrzReader {
        MrzReader { link, this_year: current_year }
    }
}

#[async_trait::async_trait]
impl crate::Device for MrzReader {
    fn kind(&self) -> DeviceKind {
        DeviceKind::Permit
    }

    /// The reader only speaks when a card passes: it is healthy while its port is there.
    async fn health(&mut self) -> Health {
        if self.link.vanished() {
            return Health::with_state(DeviceKind::Permit, DeviceState::NoDevice);
        }
        match self.link.ensure_open() {
            Ok(()) => Health::online(DeviceKind::Permit),
            Err(e) => Health::with_state(DeviceKind::Permit, e.state()),
        }
    }

    async fn reset(&mut self) -> Result<(), DeviceError> {
        self.link.close();
        self.link.ensure_open()
    }
}

/// How long the line must be quiet for what the reader sent earlier to count as all read.
const FORGET_QUIET: Duration = Duration::from_millis(2);
/// At most this many earlier reads are thrown away (a reader streaming without end is not waited out).
const FORGET_MAX: usize = 16;

#[async_trait::async_trait]
impl PermitReader for MrzReader {
    async fn forget_earlier_reads(&mut self) {
        self.link.discard_input();
        for _ in 0..FORGET_MAX {
            if self.link.recv(FORGET_QUIET).await.is_err() {
                break;
            }
        }
    }

    async fn read_permit(&mut self, wait: Duration) -> Result<PermitData, PermitError> {
        let item = match self.link.recv(wait).await {
            Err(DeviceError::Timeout(_)) => return Err(PermitError::NoPermit),
            other => other?,
        };
        let read = item.map_err(|e| match e {
            // Bytes that are not text at all: the line is noisy (baud rate, cable), not the card.
            WireError::Noise { byte, .. } if !(0x20..=0x7E).contains(&byte) => {
                PermitError::Device(DeviceError::Protocol(e.to_string()))
            }
            // A character outside the MRZ's set: the reader misread the card.
            e => PermitError::Unreadable(e.to_string()),
        })?;
        match MrzDocument::from_read(&read, (self.this_year)()) {
            Ok(MrzDocument::Permit(_)) => {
                Ok(PermitData { mrz: read.lines().first().cloned().unwrap_or_default(), chip: None })
            }
            Ok(_) => Err(PermitError::Unreadable("not a card-type travel permit (a passport or ID card?)".into())),
            Err(e) => Err(PermitError::Unreadable(e.to_string())),
        }
    }
}
