//! The permit reader as an emulator on a pty: a desktop MRZ reader that sends the MRZ line of each
//! card pushed into the slot (`drivers::permit::wire`), and draws the card in for the endorsement
//! printer. A card it cannot read (the wrong way round) gives a line of `?`, the OCR reader's mark
//! for characters it could not read, and comes back out.

use super::Wire;
use super::pty::PtyPort;
use crate::devices::permit_slot::{PermitHandle, Position, SimPermitReader};
use bytes::BytesMut;
use drivers::DeviceError;
use drivers::permit::wire::{MrzRead, WriteStyle, encode_read};
use drivers::permit::{PermitError, PermitReader};
use rand::{Rng, SeedableRng};
use std::time::Duration;

/// Baud rate.
pub const BAUD: u32 = 9600;

fn encode_zone(zone: &str, out: &mut BytesMut) {
    match MrzRead::new([zone.to_string()]) {
        Ok(read) => encode_read(&read, WriteStyle::default(), out),
        Err(_) => out.extend_from_slice(b"\r\n"),
    }
}

/// Run the reader on `port` until the task is dropped.
pub async fn run(mut port: PtyPort, handle: PermitHandle) {
    let mut reader = SimPermitReader(handle.0.clone());
    let mut wire = Wire::new(BAUD);
    let mut buf = [0u8; 256];
    let mut noise = rand_chacha::ChaCha8Rng::seed_from_u64(0x4D52);
    loop {
        // The reader only listens for its configuration commands, which it ignores here.
        let _ = wire.read(&mut port, &handle, &mut buf).await;
        let Position::AtEntry(card) = handle.position() else { continue };
        let mut out = BytesMut::new();
        // What the card's zone says, before a fault changes how it reads.
        let zone = (!card.upside_down).then(|| card.permit.mrz.clone());
        match reader.read_permit(Duration::ZERO).await {
            Ok(data) => match MrzRead::new([data.mrz]) {
                Ok(read) => encode_read(&read, WriteStyle::default(), &mut out),
                Err(_) => out.extend_from_slice(b"\r\n"),
            },
            // A card is there but no zone was found: every character unreadable.
            Err(PermitError::Unreadable(_)) => out.extend_from_slice(&[b"?".repeat(30), b"\r\n\r\n".to_vec()].concat()),
            // Line noise (a wrong baud rate, a bad cable): bytes no OCR reader sends, where the line
            // should be; its end still comes through.
            Err(PermitError::Device(DeviceError::Protocol(_))) if zone.is_some() => {
                let zone = zone.as_deref().unwrap_or_default();
                out.extend_from_slice(&zone.as_bytes()[..zone.len().min(2)]);
                out.extend((2..zone.len()).map(|_| noise.random_range(0x80..=0xFFu8)));
                out.extend_from_slice(b"\r\n\r\n");
                port.write_paced(&out, port.baud().unwrap_or(BAUD)).await;
                continue;
            }
            // A misread character: the zone arrives whole, but one digit is wrong (its check digit
            // gives it away). The wire's own damage (the last byte) would break the line instead.
            Err(PermitError::Device(DeviceError::Checksum)) if zone.is_some() => {
                let misread: String = zone
                    .as_deref()
                    .unwrap_or_default()
                    .chars()
                    .enumerate()
                    .map(|(i, c)| match c.to_digit(10) {
                        Some(d) if i == 13 => char::from_digit((d + 1) % 10, 10).unwrap_or(c),
                        _ => c,
                    })
                    .collect();
                encode_zone(&misread, &mut out);
                port.write_paced(&out, port.baud().unwrap_or(BAUD)).await;
                continue;
            }
            // A reader that stopped working (or a card jammed in it) says nothing: it only ever
            // speaks when it read a card.
            Err(_) => continue,
        }
        let bytes = out.to_vec();
        wire.answer(&mut port, &handle, &[bytes], |b| b.clone()).await;
    }
}
