//! The receipt / ticket printer as an emulator on a pty: an ESC/POS printer that prints what it is
//! sent (decoded with `drivers::receipt::escpos`), answers DLE EOT and GS r 1 status queries from
//! its paper, cover and cutter, and stops printing while offline.

use super::Wire;
use super::pty::PtyPort;
use crate::devices::SimHandle;
use crate::devices::receipt::ReceiptHandle;
use bytes::BytesMut;
use drivers::FaultKind;
use drivers::receipt::escpos::{Command, PaperState, PrinterCondition, PrinterDecoder, Query, Renderer};
use tokio_util::codec::Decoder;

/// Default baud rate.
pub const BAUD: u32 = 115_200;

fn condition(handle: &ReceiptHandle) -> PrinterCondition {
    let fault = handle.fault();
    PrinterCondition {
        paper: handle.paper_state(),
        cover_open: fault == Some(FaultKind::CoverOpen),
        cutter_error: fault == Some(FaultKind::CutterJam),
    }
}

/// Run the printer on `port` until the task is dropped.
pub async fn run(mut port: PtyPort, handle: ReceiptHandle) {
    let mut decoder = PrinterDecoder::new();
    let mut renderer = Renderer::new();
    let mut inbox = BytesMut::new();
    let mut buf = [0u8; 2048];
    let mut wire = Wire::new(BAUD);
    loop {
        let Some(n) = wire.read(&mut port, &handle, &mut buf).await else { continue };
        inbox.extend_from_slice(&buf[..n]);
        while let Ok(Some(item)) = decoder.decode(&mut inbox) {
            let Ok(command) = item else { continue };
            if handle.fault() == Some(FaultKind::PowerLoss) {
                // No power: nothing is printed and nothing is answered.
                renderer = Renderer::new();
                continue;
            }
            if let Some(q) = Query::from_command(&command) {
                // Real-time status is answered at once, whatever the printer is doing.
                let byte = condition(&handle).reply(q).to_byte();
                wire.answer(&mut port, &handle, &[byte], |b| vec![*b]).await;
                continue;
            }
            let c = condition(&handle);
            if c.offline() {
                // Offline: what arrives is lost, as on a real printer with its cover open.
                renderer = Renderer::new();
                continue;
            }
            if matches!(command, Command::Cut { .. }) {
                wire.work(&handle).await;
            }
            if let Some(doc) = renderer.apply(&command)
                && c.paper != PaperState::Out
            {
                handle.deliver(&doc);
            }
        }
    }
}
