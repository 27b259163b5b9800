//! The endorsement printer's command set, isolated here so that a vendor's set can replace it.
//!
//! Endorsement printers (card reprinters with a contactless chip encoder) are USB devices with
//! vendor command sets that are not public. This module defines the kiosk's own documented set, which
//! the simulator speaks and which an adapter for a given vendor maps onto: one request, one reply,
//! over the device's bulk pipes (or any byte stream).
//!
//! Frame (both directions): `1B 4B` | length (2 bytes BE: seq + op + payload) | seq | op | payload |
//! XOR of every byte from the length to the end of the payload. A reply carries the request's seq,
//! the request's op with bit 7 set, and a payload that starts with a [`Status`] byte.
//!
//! | op | request payload | reply payload after the status |
//! |---|---|---|
//! | 01 status | – | state, fault, media, ribbon left (2 BE), retained (2 BE) |
//! | 10 read chip | – | the chip as JSON ([`crate::permit::PermitChip`]) |
//! | 11 write endorsement | the endorsement as JSON ([`crate::permit::Endorsement`]) | – |
//! | 20 eject | – | – |
//! | 21 taken? | – | 1 if the exit slot is empty, else 0 |
//! | 22 retain | – | – |
//! | 23 card inside? | – | 1 or 0 |

use bytes::{Buf, BufMut, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

/// Frame start.
pub const MAGIC: [u8; 2] = [0x1B, 0x4B];
/// Largest payload (a chip's JSON with a few endorsements is well under 4 KiB).
pub const MAX_PAYLOAD: usize = 8192;
/// Reply bit on the op.
pub const REPLY: u8 = 0x80;

/// The operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    /// Device status.
    Status = 0x01,
    /// Read the chip of the card inside.
    ReadChip = 0x10,
    /// Write an endorsement to the chip and print it on the card.
    Write = 0x11,
    /// Move the card to the exit slot.
    Eject = 0x20,
    /// Whether the exit slot is empty.
    Taken = 0x21,
    /// Pull the card into the retain bin.
    Retain = 0x22,
    /// Whether a card is inside.
    CardInside = 0x23,
}

impl Op {
    /// From its byte.
    pub fn from_byte(b: u8) -> Option<Op> {
        [Op::Status, Op::ReadChip, Op::Write, Op::Eject, Op::Taken, Op::Retain, Op::CardInside]
            .into_iter()
            .find(|o| *o as u8 == b)
    }
}

/// The status byte that starts every reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    /// Done.
    Ok = 0x00,
    /// No card where one is needed.
    NoCard = 0x01,
    /// A card is stuck.
    Jammed = 0x02,
    /// The ribbon is used up.
    RibbonOut = 0x03,
    /// The chip refused the write.
    ChipWriteFailed = 0x04,
    /// The chip does not answer.
    ChipUnreadable = 0x05,
    /// Power was lost during the operation.
    PowerLoss = 0x06,
    /// The request was malformed.
    BadRequest = 0x07,
}

impl Status {
    /// From its byte.
    pub fn from_byte(b: u8) -> Option<Status> {
        use Status::*;
        [Ok, NoCard, Jammed, RibbonOut, ChipWriteFailed, ChipUnreadable, PowerLoss, BadRequest]
            .into_iter()
            .find(|s| *s as u8 == b)
    }
}

/// One frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Sequence number (a reply echoes its request's).
    pub seq: u8,
    /// Operation byte (bit 7 set on replies).
    pub op: u8,
    /// Payload.
    pub payload: Vec<u8>,
}

/// What is wrong with a frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Bytes before a frame start were skipped.
    #[error("{0} bytes of noise before a frame")]
    Noise(usize),
    /// The length is impossible.
    #[error("frame length {0} is not 2 to {max}", max = MAX_PAYLOAD + 2)]
    Length(usize),
    /// The checksum does not match.
    #[error("frame checksum {found:#04x}, expected {expected:#04x}")]
    Checksum {
        /// On the wire.
        found: u8,
        /// Computed.
        expected: u8,
    },
}

fn xor(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |a, b| a ^ b)
}

/// The codec, the same in both directions.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameCodec;

impl Decoder for FrameCodec {
    type Item = Result<Frame, FrameError>;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, std::io::Error> {
        let start = src.windows(2).position(|w| w == MAGIC);
        match start {
            None => {
                // Keep a trailing 1B: it may start a frame.
                let keep = usize::from(src.last() == Some(&MAGIC[0]));
                let skipped = src.len() - keep;
                src.advance(skipped);
                return Ok((skipped > 0).then_some(Err(FrameError::Noise(skipped))));
            }
            Some(n) if n > 0 => {
                src.advance(n);
                return Ok(Some(Err(FrameError::Noise(n))));
            }
            Some(_) => {}
        }
        if src.len() < 4 {
            return Ok(None);
        }
        let len = u16::from_be_bytes([src[2], src[3]]) as usize;
        if !(2..=MAX_PAYLOAD + 2).contains(&len) {
            src.advance(2);
            return Ok(Some(Err(FrameError::Length(len))));
        }
        if src.len() < 4 + len + 1 {
            return Ok(None);
        }
        let expected = xor(&src[2..4 + len]);
        let found = src[4 + len];
        if found != expected {
            src.advance(2);
            return Ok(Some(Err(FrameError::Checksum { found, expected })));
        }
        let frame = Frame { seq: src[4], op: src[5], payload: src[6..4 + len].to_vec() };
        src.advance(4 + len + 1);
        Ok(Some(Ok(frame)))
    }
}

impl Encoder<Frame> for FrameCodec {
    type Error = std::io::Error;
    fn encode(&mut self, f: Frame, dst: &mut BytesMut) -> Result<(), std::io::Error> {
        if f.payload.len() > MAX_PAYLOAD {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "payload too long"));
        }
        let start = dst.len();
        dst.put_slice(&MAGIC);
        dst.put_u16((f.payload.len() + 2) as u16);
        dst.put_u8(f.seq);
        dst.put_u8(f.op);
        dst.put_slice(&f.payload);
        let sum = xor(&dst[start + 2..]);
        dst.put_u8(sum);
        Ok(())
    }
}

/// Encode a frame to bytes.
pub fn encode(f: &Frame) -> Vec<u8> {
    let mut b = BytesMut::new();
    match FrameCodec.encode(f.clone(), &mut b) {
        Ok(()) => b.to_vec(),
        Err(_) => Vec::new(),
    }
}

/// The device state byte of a status reply, and its fault code: the fault kinds of the device in
/// [`crate::DeviceKind::fault_kinds`] order, 1-based; 0 for none.
pub fn fault_code(f: Option<crate::FaultKind>) -> u8 {
    f.and_then(|f| crate::DeviceKind::Endorser.fault_kinds().iter().position(|k| *k == f)).map_or(0, |i| i as u8 + 1)
}

/// The fault of a fault code.
pub fn fault_of(code: u8) -> Option<crate::FaultKind> {
    crate::DeviceKind::Endorser.fault_kinds().get((code as usize).checked_sub(1)?).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn round_trip(seq in any::<u8>(), op in any::<u8>(), payload in proptest::collection::vec(any::<u8>(), 0..300), noise in proptest::collection::vec(any::<u8>(), 0..20)) {
            let f = Frame { seq, op, payload };
            let mut b = BytesMut::from(&noise[..]);
            b.extend_from_slice(&encode(&f));
            let mut got = None;
            while let Some(item) = FrameCodec.decode(&mut b).expect("io") {
                if let Ok(frame) = item { got = Some(frame); break; }
            }
            prop_assert_eq!(got, Some(f));
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let mut b = BytesMut::from(&bytes[..]);
            for _ in 0..4096 {
                match FrameCodec.decode(&mut b) {
                    Ok(Some(_)) => continue,
                    _ => break,
                }
            }
        }
    }

    #[test]
    fn damaged_frames_are_reported_and_the_next_decodes() {
        let good = encode(&Frame { seq: 1, op: 0x81, payload: vec![0] });
        let mut bad = good.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        let mut b = BytesMut::from(&bad[..]);
        b.extend_from_slice(&good);
        let mut items = Vec::new();
        while let Some(i) = FrameCodec.decode(&mut b).expect("io") {
            items.push(i);
        }
        assert!(matches!(items[0], Err(FrameError::Checksum { .. })));
        assert_eq!(items.last(), Some(&Ok(Frame { seq: 1, op: 0x81, payload: vec![0] })));
    }

    #[test]
    fn fault_codes_round_trip() {
        for &f in crate::DeviceKind::Endorser.fault_kinds() {
            assert_eq!(fault_of(fault_code(Some(f))), Some(f));
        }
        assert_eq!(fault_of(0), None);
    }
}
