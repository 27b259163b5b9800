//! The permit reader as an emulator on a pty: a desktop MRZ reader that sends the MRZ line of each
//! card pushed into the slot (`drivers::permit::wire`), and draws the card in for the endorsement
//! printer. A card it cannot read (the wrong way round) gives a line of `?`, the OCR reader's mark
//! for characters it could not read, and comes back out.

use super::Wire;
use super::pty::PtyPort;
use crate::devices::permit_slot::{PermitHandle, Position, SimPermitReader};
use bytes::BytesMut;
use drivers::permit::wire::{MrzRead, WriteStyle, encode_read};
use drivers::permit::{PermitError, PermitReader};
use std::time::Duration;

/// Baud rate.
pub const BAUD: u32 = 9600;

/// Run the reader on `port` until the task is dropped.
pub async fn run(mut port: PtyPort, handle: PermitHandle) {
    let mut reader = SimPermitReader(handle.0.clone());
    let mut wire = Wire::new(BAUD);
    let mut buf = [0u8; 256];
    loop {
        // The reader only listens for its configuration commands, which it ignores here.
        let _ = wire.read(&mut port, &handle, &mut buf).await;
        if !matches!(handle.position(), Position::AtEntry(_)) {
            continue;
        }
        let mut out = BytesMut::new();
        match reader.read_permit(Duration::ZERO).await {
            Ok(data) => match MrzRead::new([data.mrz]) {
                Ok(read) => encode_read(&read, WriteStyle::default(), &mut out),
                Err(_) => out.extend_from_slice(b"\r\n"),
            },
            // A card is there but no zone was found: every character unreadable.
            Err(PermitError::Unreadable(_)) => out.extend_from_slice(&[b"?".repeat(30), b"\r\n\r\n".to_vec()].concat()),
            Err(_) => continue,
        }
        let bytes = out.to_vec();
        wire.answer(&mut port, &handle, &[bytes], |b| b.clone()).await;
    }
}
