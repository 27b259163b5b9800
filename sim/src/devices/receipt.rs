//! Simulated receipt / ticket printer: a paper roll that runs low and out, a cover that opens, a
//! cutter that jams; every printed document goes to the tray (and to a file when asked).

use super::{Shared, Timing, impl_sim_handle};
use drivers::receipt::{Document, PrinterError, ReceiptPrinter};
use drivers::{Device, DeviceError, DeviceKind, DeviceState, FaultKind, Health, MediaState};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug)]
pub(crate) struct State {
    paper_left: u32,
    near_end_at: u32,
    tray: Vec<Document>,
    printed: u64,
    numbered: u64,
    out_dir: Option<PathBuf>,
}

/// The printer (what the daemon holds).
#[derive(Debug)]
pub struct SimReceiptPrinter(pub(crate) Arc<Shared<State>>);

/// The world's side of the printer.
#[derive(Debug, Clone)]
pub struct ReceiptHandle(pub(crate) Arc<Shared<State>>);
impl_sim_handle!(ReceiptHandle);

/// A new printer with `paper` documents' worth of paper; printed documents are also written as text
/// files to `out_dir` when given.
pub fn new(timing: Timing, paper: u32, out_dir: Option<PathBuf>) -> (SimReceiptPrinter, ReceiptHandle) {
    // Prints kept from an earlier run in the same directory are never overwritten.
    let earlier = out_dir
        .as_ref()
        .and_then(|d| std::fs::read_dir(d).ok())
        .map(|entries| {
            entries.filter_map(Result::ok).filter(|e| e.file_name().to_string_lossy().starts_with("print-")).count()
        })
        .unwrap_or(0) as u64;
    let s = Shared::new(
        DeviceKind::Receipt,
        State {
            paper_left: paper,
            near_end_at: paper.min(20),
            tray: Vec::new(),
            printed: 0,
            numbered: earlier,
            out_dir,
        },
        timing,
    );
    (SimReceiptPrinter(s.clone()), ReceiptHandle(s))
}

impl ReceiptHandle {
    /// The paper as the printer's sensor sees it.
    pub(crate) fn paper_state(&self) -> drivers::receipt::escpos::PaperState {
        use drivers::receipt::escpos::PaperState;
        let (left, near) = self.0.peek(|s| (s.paper_left, s.near_end_at));
        match (self.0.fault(), left) {
            (Some(FaultKind::PaperOut), _) | (_, 0) => PaperState::Out,
            (_, l) if l <= near => PaperState::NearEnd,
            _ => PaperState::Ok,
        }
    }

    /// A finished document leaves the printer: into the tray (and its file). False if there was no
    /// paper for it.
    pub(crate) fn deliver(&self, doc: &Document) -> bool {
        deliver(&self.0, doc)
    }

    /// Take everything in the tray.
    pub fn take(&self) -> Vec<Document> {
        self.0.with(|s| std::mem::take(&mut s.tray))
    }
    /// Put in a new roll.
    pub fn refill(&self, paper: u32) {
        self.0.with(|s| s.paper_left = paper);
    }
    /// Paper left, in documents.
    pub fn paper_left(&self) -> u32 {
        self.0.peek(|s| s.paper_left)
    }
    /// Documents printed so far.
    pub fn printed(&self) -> u64 {
        self.0.peek(|s| s.printed)
    }
}

#[async_trait::async_trait]
impl Device for SimReceiptPrinter {
    fn kind(&self) -> DeviceKind {
        DeviceKind::Receipt
    }
    async fn health(&mut self) -> Health {
        let mut h = self.0.base_health();
        let (left, near) = self.0.peek(|s| (s.paper_left, s.near_end_at));
        h.consumable_left = Some(left);
        h.media = Some(match (self.0.fault(), left) {
            (Some(FaultKind::PaperOut), _) | (_, 0) => MediaState::Out,
            (_, l) if l <= near => MediaState::NearEnd,
            _ => MediaState::Present,
        });
        if left == 0 && h.state == DeviceState::Online {
            h.state = DeviceState::HardwareError(FaultKind::PaperOut);
        }
        h
    }
    async fn reset(&mut self) -> Result<(), DeviceError> {
        self.0.check_fault().await
    }
}

#[async_trait::async_trait]
impl ReceiptPrinter for SimReceiptPrinter {
    async fn print(&mut self, doc: &Document) -> Result<(), PrinterError> {
        self.0.check_fault().await?;
        if self.0.peek(|s| s.paper_left) == 0 {
            return Err(DeviceError::Hardware(FaultKind::PaperOut).into());
        }
        self.0.work().await?;
        if !deliver(&self.0, doc) {
            return Err(DeviceError::Hardware(FaultKind::PaperOut).into());
        }
        Ok(())
    }
}

/// The document leaves the printer; kept as a file when the printer has a directory.
fn deliver(shared: &Shared<State>, doc: &Document) -> bool {
    let file = shared.with(|s| {
        if s.paper_left == 0 {
            return Err(());
        }
        s.paper_left -= 1;
        s.printed += 1;
        s.numbered += 1;
        s.tray.push(doc.clone());
        Ok(s.out_dir.as_ref().map(|d| d.join(format!("print-{:04}.txt", s.numbered))))
    });
    match file {
        Err(()) => false,
        Ok(path) => {
            if let Some(path) = path
                && let Err(e) = std::fs::write(&path, doc.to_text())
            {
                // The paper is out of the printer whatever happens to the copy on disk.
                eprintln!("kiosk-sim: cannot keep a copy of the print in {}: {e}", path.display());
            }
            true
        }
    }
}
