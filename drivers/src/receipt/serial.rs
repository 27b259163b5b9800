//! The real receipt / ticket printer backend: an ESC/POS printer on a serial port.
//!
//! Printing is: ask the printer's state (DLE EOT 2 and 4: cover, paper), send the document
//! ([`super::escpos::encode`]), ask again. The driver never sends a document twice on its own: if
//! the link drops or the printer goes offline during a job, the job is reported failed and the
//! caller decides (a kiosk marks a reprint as such). Flapping connections therefore never double
//! print.

use super::escpos::{PaperState, Query, Reply, StatusCodec, StatusError, StatusRequest, encode};
use super::{Document, PrinterError, ReceiptPrinter};
use crate::error::DeviceError;
use crate::health::{DeviceKind, DeviceState, FaultKind, Health, MediaState};
use crate::serial::{FlapGuard, PortSettings, SerialLink};
use bytes::BytesMut;
use std::time::Duration;
use tokio_util::codec::{Decoder, Encoder};

/// How long the printer may take to answer a status query.
pub const STATUS_TIMEOUT: Duration = Duration::from_millis(500);

/// What the host sends: a status query (whose one-byte answer the codec then expects) or raw print
/// data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// A real-time status query.
    Query(Query),
    /// Print data.
    Data(Vec<u8>),
}

/// The host side of the printer's wire.
#[derive(Debug, Clone, Default)]
pub struct PrinterHostCodec {
    status: StatusCodec,
}

impl Encoder<Outgoing> for PrinterHostCodec {
    type Error = std::io::Error;
    fn encode(&mut self, item: Outgoing, dst: &mut BytesMut) -> Result<(), std::io::Error> {
        match item {
            Outgoing::Query(q) => self.status.encode(q, dst),
            Outgoing::Data(d) => {
                dst.extend_from_slice(&d);
                Ok(())
            }
        }
    }
}

impl Decoder for PrinterHostCodec {
    type Item = Result<Reply, StatusError>;
    type Error = std::io::Error;
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, std::io::Error> {
        self.status.decode(src)
    }
}

/// The printer's condition as read from its status replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Condition {
    /// Paper.
    pub paper: PaperState,
    /// Cover open.
    pub cover_open: bool,
    /// The printer reports an error (DLE EOT 2 bit 6).
    pub error: bool,
    /// The error is the autocutter's (DLE EOT 3 bit 3).
    pub cutter: bool,
}

/// An ESC/POS printer on a serial port.
pub struct EscPosPrinter {
    link: SerialLink<PrinterHostCodec>,
    guard: FlapGuard,
}

impl EscPosPrinter {
    /// A printer on `settings`; the port opens on first use.
    pub fn new(settings: PortSettings) -> EscPosPrinter {
        EscPosPrinter::with_link(SerialLink::new(settings, PrinterHostCodec::default()))
    }

    /// A printer over an existing link (a replayed recording, a test's fake).
    pub fn with_link(link: SerialLink<PrinterHostCodec>) -> EscPosPrinter {
        EscPosPrinter { link, guard: FlapGuard::default() }
    }

    async fn ask(&mut self, q: Query) -> Result<Reply, DeviceError> {
        self.link.begin().await;
        self.link.send(Outgoing::Query(q)).await.inspect_err(|_| self.guard.failed())?;
        let reply = self.link.recv(STATUS_TIMEOUT).await;
        self.link.end();
        match reply {
            Ok(Ok(reply)) => {
                self.guard.answered();
                Ok(reply)
            }
            Ok(Err(e)) => {
                // A damaged status byte: the queries' order is lost, start afresh.
                self.link.close();
                self.guard.failed();
                Err(DeviceError::Protocol(e.to_string()))
            }
            Err(e) => {
                self.guard.failed();
                if matches!(e, DeviceError::Timeout(_)) {
                    // An unanswered query would shift every later answer: start afresh.
                    self.link.close();
                    return Err(DeviceError::Timeout(STATUS_TIMEOUT));
                }
                Err(e)
            }
        }
    }

    /// Read the printer's cover and paper state.
    pub async fn condition(&mut self) -> Result<Condition, DeviceError> {
        let offline = self.ask(Query::Realtime(StatusRequest::OfflineCause)).await?;
        let error = matches!(offline, Reply::Status(super::escpos::PrinterStatus::Offline(o)) if o.error);
        let cutter = if error {
            let e = self.ask(Query::Realtime(StatusRequest::ErrorCause)).await?;
            matches!(e, Reply::Status(super::escpos::PrinterStatus::Error(c)) if c.autocutter)
        } else {
            false
        };
        let paper = self.ask(Query::Realtime(StatusRequest::PaperSensor)).await?;
        Ok(Condition {
            cover_open: offline.cover_open().unwrap_or(false),
            paper: paper.paper().unwrap_or(PaperState::Ok),
            error,
            cutter,
        })
    }

    fn check(c: Condition) -> Result<(), DeviceError> {
        if c.cover_open {
            return Err(DeviceError::Hardware(FaultKind::CoverOpen));
        }
        if c.paper == PaperState::Out {
            return Err(DeviceError::Hardware(FaultKind::PaperOut));
        }
        if c.error {
            // The cutter is the one error a receipt printer reports by name; any other needs staff
            // just the same.
            let _ = c.cutter;
            return Err(DeviceError::Hardware(FaultKind::CutterJam));
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl crate::Device for EscPosPrinter {
    fn kind(&self) -> DeviceKind {
        DeviceKind::Receipt
    }

    async fn health(&mut self) -> Health {
        match self.condition().await {
            Ok(c) => {
                let mut h = Health::online(DeviceKind::Receipt);
                h.media = Some(match c.paper {
                    PaperState::Ok => MediaState::Present,
                    PaperState::NearEnd => MediaState::NearEnd,
                    PaperState::Out => MediaState::Out,
                });
                if let Err(e) = EscPosPrinter::check(c) {
                    h.state = e.state();
                } else if !self.guard.trusted() {
                    h.state = DeviceState::Offline;
                }
                h
            }
            Err(e) => Health::with_state(DeviceKind::Receipt, e.state()),
        }
    }

    async fn reset(&mut self) -> Result<(), DeviceError> {
        self.link.close();
        self.condition().await.map(|_| ())
    }
}

#[async_trait::async_trait]
impl ReceiptPrinter for EscPosPrinter {
    async fn print(&mut self, doc: &Document) -> Result<(), PrinterError> {
        EscPosPrinter::check(self.condition().await?)?;
        self.link.send(Outgoing::Data(encode(doc))).await.inspect_err(|_| self.guard.failed())?;
        // DLE EOT is answered at once, even while the job prints: this catches a printer that went
        // offline while it received the job (paper ran out, cover opened).
        EscPosPrinter::check(self.condition().await?)?;
        Ok(())
    }
}
