//! The real ESC/POS driver against the printer emulator on a pty.

use drivers::receipt::serial::EscPosPrinter;
use drivers::receipt::{Align, Block, Document, PrinterError, ReceiptPrinter};
use drivers::serial::PortSettings;
use drivers::{Device, DeviceError, DeviceState, FaultKind, MediaState};
use sim::devices::SimHandle;
use sim::devices::rig::{RigOptions, Speed, build};
use sim::wire::pty::PtyPort;
use std::time::Duration;

fn ticket() -> Document {
    Document::new()
        .styled("出入境管理大厅", Align::Centre, 1, true)
        .styled("BA007", Align::Centre, 3, true)
        .line("预约时段 Slot: 09:00-09:30")
        .rule()
        .qr("TICKET:BA007:TSTKB2AA")
        .line("请留意叫号 Please wait to be called")
}

fn printed(doc: &Document) -> Vec<Block> {
    let mut blocks = doc.blocks.clone();
    while matches!(blocks.last(), Some(Block::Feed { .. })) {
        blocks.pop();
    }
    blocks
}

#[tokio::test(flavor = "current_thread")]
async fn the_driver_prints_through_the_emulated_printer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("receipt");
    let (_, rig) = build(&RigOptions { speed: Speed::Zero, paper: 25, ..Default::default() });
    let emulator = tokio::spawn(sim::wire::receipt::run(PtyPort::create(&link).expect("pty"), rig.receipt.clone()));
    let mut printer = EscPosPrinter::new(PortSettings::new(link, 115_200));

    let h = printer.health().await;
    assert_eq!((h.state, h.media), (DeviceState::Online, Some(MediaState::Present)));
    printer.print(&ticket()).await.expect("print");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let tray = rig.receipt.take();
    assert_eq!(tray.len(), 1);
    assert_eq!(printed(&tray[0]), ticket().blocks, "the paper shows exactly what was sent");

    // Paper running low is reported, then out; cover open too.
    rig.receipt.refill(5);
    assert_eq!(printer.health().await.media, Some(MediaState::NearEnd));
    rig.receipt.refill(0);
    assert_eq!(printer.print(&ticket()).await, Err(PrinterError::Device(DeviceError::Hardware(FaultKind::PaperOut))));
    rig.receipt.refill(25);
    rig.receipt.set_fault(Some(FaultKind::CoverOpen)).expect("fault");
    assert_eq!(printer.print(&ticket()).await, Err(PrinterError::Device(DeviceError::Hardware(FaultKind::CoverOpen))));
    rig.receipt.set_fault(None).expect("clear");

    // Unplugged in between: the job is refused, never sent twice; after the replug it prints once.
    rig.receipt.set_fault(Some(FaultKind::Unplugged)).expect("fault");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(printer.print(&ticket()).await, Err(PrinterError::Device(DeviceError::NoDevice)));
    rig.receipt.set_fault(None).expect("clear");
    tokio::time::sleep(Duration::from_millis(100)).await;
    for _ in 0..3 {
        let _ = printer.health().await;
    }
    printer.print(&ticket()).await.expect("print after replug");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(rig.receipt.take().len(), 1, "exactly one ticket came out");
    emulator.abort();
}
