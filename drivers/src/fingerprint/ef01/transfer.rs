//! Data transfers of the 0xEF01 fingerprint modules: a template (or image) travels as a run of
//! data packets (PID 02) of the module's packet size, the last one marked end of data (PID 08).
//!
//! `UpChar` makes the module send a template after its acknowledgement; `DownChar` makes it
//! receive one from the host. The packets carry no sequence number, so lost packets show only as
//! a short packet before the end or a short total.
//!
//! Sources (see `shared/protocols.md` §3): adafruit/Adafruit-Fingerprint-Sensor-Library
//! (`examples/show_fingerprint_templates`: 512-byte template, 2 packets at 256 bytes, 534 bytes on
//! the wire; `getParameters` for the packet sizes); a Python driver comment found via code search.

use super::packet::{Packet, PacketSize, Pid};

/// Bytes of one fingerprint template (what the module uploads with `UpChar`, and what the ID card
/// stores per finger). [Adafruit examples/show_fingerprint_templates; protocols.md §1 and §3]
pub const TEMPLATE_LEN: usize = 512;

/// What is wrong with a run of data packets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    /// A packet other than data or end of data arrived during the transfer.
    #[error("packet {index} is {pid:?}, expected a data packet (PID 02 or 08)")]
    NotData {
        /// Position of the packet in the transfer (0-based).
        index: usize,
        /// Its PID.
        pid: Pid,
    },
    /// A data packet before the last one is shorter than the packet size: bytes were lost.
    #[error("gap: data packet {index} carries {found} bytes, expected {expected} (the packet size)")]
    Gap {
        /// Position of the packet in the transfer (0-based).
        index: usize,
        /// The packet size.
        expected: usize,
        /// Bytes it carries.
        found: usize,
    },
    /// A data packet carries more than the packet size.
    #[error("data packet {index} carries {found} bytes, expected at most {max} (the packet size)")]
    PacketTooLong {
        /// Position of the packet in the transfer (0-based).
        index: usize,
        /// The packet size.
        max: usize,
        /// Bytes it carries.
        found: usize,
    },
    /// The transfer grew beyond what was expected.
    #[error("transfer of {got} bytes so far, expected at most {max}")]
    TooLong {
        /// The most bytes expected.
        max: usize,
        /// Bytes with the latest packet.
        got: usize,
    },
    /// The transfer ended with fewer bytes than expected: whole packets were lost.
    #[error("gap: transfer ended after {got} bytes, expected {expected}")]
    MissingBytes {
        /// Bytes expected.
        expected: usize,
        /// Bytes received.
        got: usize,
    },
    /// The packets ran out before the end-of-data packet.
    #[error("no end-of-data packet (PID 08) after {got} bytes")]
    MissingEnd {
        /// Bytes received.
        got: usize,
    },
    /// Packets follow the end-of-data packet.
    #[error("packet {index} follows the end-of-data packet, expected none")]
    AfterEnd {
        /// Position of the first extra packet (0-based).
        index: usize,
    },
}

/// Split `data` into the data packets of a transfer at packet size `size`, the last one
/// [`Pid::EndData`]. Empty data gives one empty end-of-data packet.
pub fn split(address: u32, data: &[u8], size: PacketSize) -> Vec<Packet> {
    let mut chunks: Vec<&[u8]> = data.chunks(size.bytes()).collect();
    if chunks.is_empty() {
        chunks.push(&[]);
    }
    let last = chunks.len().saturating_sub(1);
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| Packet::new(address, if i == last { Pid::EndData } else { Pid::Data }, chunk.to_vec()))
        .collect()
}

/// Gathers the data packets of one transfer, packet by packet, into its bytes.
///
/// After a completed transfer or an error it starts afresh with the next packet.
#[derive(Debug, Clone)]
pub struct Reassembler {
    size: PacketSize,
    max: usize,
    exact: bool,
    data: Vec<u8>,
    index: usize,
}

impl Reassembler {
    /// A reassembler for transfers of at most `max` bytes at packet size `size`.
    pub fn new(size: PacketSize, max: usize) -> Reassembler {
        Reassembler { size, max, exact: false, data: Vec::new(), index: 0 }
    }

    /// A reassembler for transfers of exactly `len` bytes at packet size `size`.
    pub fn exact(size: PacketSize, len: usize) -> Reassembler {
        Reassembler { exact: true, ..Reassembler::new(size, len) }
    }

    /// A reassembler for one template ([`TEMPLATE_LEN`] bytes) at packet size `size`.
    pub fn template(size: PacketSize) -> Reassembler {
        Reassembler::exact(size, TEMPLATE_LEN)
    }

    /// Bytes gathered so far in the current transfer.
    pub fn received(&self) -> usize {
        self.data.len()
    }

    /// Take the next packet: `Ok(None)` while the transfer goes on, `Ok(Some(bytes))` at its end.
    pub fn push(&mut self, packet: &Packet) -> Result<Option<Vec<u8>>, TransferError> {
        let result = self.step(packet);
        match result {
            Ok(None) => self.index = self.index.saturating_add(1),
            _ => self.reset(),
        }
        result
    }

    fn step(&mut self, packet: &Packet) -> Result<Option<Vec<u8>>, TransferError> {
        let (index, size, found) = (self.index, self.size.bytes(), packet.payload.len());
        if !packet.pid.is_data() {
            return Err(TransferError::NotData { index, pid: packet.pid });
        }
        if found > size {
            return Err(TransferError::PacketTooLong { index, max: size, found });
        }
        if packet.pid == Pid::Data && found < size {
            return Err(TransferError::Gap { index, expected: size, found });
        }
        let got = self.data.len().saturating_add(found);
        if got > self.max {
            return Err(TransferError::TooLong { max: self.max, got });
        }
        self.data.extend_from_slice(&packet.payload);
        if packet.pid == Pid::Data {
            return Ok(None);
        }
        if self.exact && got != self.max {
            return Err(TransferError::MissingBytes { expected: self.max, got });
        }
        Ok(Some(std::mem::take(&mut self.data)))
    }

    fn reset(&mut self) {
        self.data.clear();
        self.index = 0;
    }
}

/// Reassemble one complete transfer from its packets (all of them, the end-of-data packet last).
pub fn reassemble(packets: &[Packet], mut reassembler: Reassembler) -> Result<Vec<u8>, TransferError> {
    for (index, packet) in packets.iter().enumerate() {
        if let Some(data) = reassembler.push(packet)? {
            let next = index.saturating_add(1);
            return if next < packets.len() { Err(TransferError::AfterEnd { index: next }) } else { Ok(data) };
        }
    }
    Err(TransferError::MissingEnd { got: reassembler.received() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::ef01::instruction::{Ack, Confirm};
    use crate::fingerprint::ef01::packet::{DEFAULT_ADDRESS, PacketCodec};
    use bytes::BytesMut;
    use proptest::prelude::*;
    use tokio_util::codec::{Decoder, Encoder};

    fn template() -> Vec<u8> {
        (0..TEMPLATE_LEN).map(|i| (i * 7 % 256) as u8).collect()
    }

    fn wire_total(packets: &[Packet]) -> usize {
        packets.iter().map(|p| p.encode().unwrap().len()).sum()
    }

    #[test]
    fn template_at_256_is_two_packets_of_534_bytes() {
        let packets = split(DEFAULT_ADDRESS, &template(), PacketSize::B256);
        assert_eq!(packets.iter().map(|p| p.pid).collect::<Vec<_>>(), [Pid::Data, Pid::EndData]);
        assert_eq!(wire_total(&packets), 534);
        assert_eq!(reassemble(&packets, Reassembler::template(PacketSize::B256)), Ok(template()));
    }

    #[test]
    fn template_at_128_is_four_packets() {
        let packets = split(DEFAULT_ADDRESS, &template(), PacketSize::B128);
        assert_eq!(packets.iter().map(|p| p.pid).collect::<Vec<_>>(), [Pid::Data, Pid::Data, Pid::Data, Pid::EndData]);
        assert!(packets.iter().all(|p| p.payload.len() == 128));
        assert_eq!(wire_total(&packets), 4 * (128 + 11));
        assert_eq!(reassemble(&packets, Reassembler::template(PacketSize::B128)), Ok(template()));
    }

    #[test]
    fn uneven_and_empty_splits() {
        let packets = split(7, &[1; 300], PacketSize::B256);
        assert_eq!(packets.iter().map(|p| p.payload.len()).collect::<Vec<_>>(), [256, 44]);
        assert!(packets.iter().all(|p| p.address == 7));
        assert_eq!(split(7, &[], PacketSize::B32), vec![Packet::new(7, Pid::EndData, vec![])]);
        assert_eq!(reassemble(&split(7, &[], PacketSize::B32), Reassembler::new(PacketSize::B32, 0)), Ok(vec![]));
    }

    #[test]
    fn lost_packet_is_a_gap() {
        let mut packets = split(DEFAULT_ADDRESS, &template(), PacketSize::B128);
        packets.remove(1);
        assert_eq!(
            reassemble(&packets, Reassembler::template(PacketSize::B128)),
            Err(TransferError::MissingBytes { expected: 512, got: 384 })
        );
        let mut packets = split(DEFAULT_ADDRESS, &template(), PacketSize::B128);
        packets[1].payload.truncate(100);
        assert_eq!(
            reassemble(&packets, Reassembler::template(PacketSize::B128)),
            Err(TransferError::Gap { index: 1, expected: 128, found: 100 })
        );
    }

    #[test]
    fn oversize_and_foreign_packets() {
        let packets = split(DEFAULT_ADDRESS, &[0; 768], PacketSize::B256);
        assert_eq!(
            reassemble(&packets, Reassembler::template(PacketSize::B256)),
            Err(TransferError::TooLong { max: 512, got: 768 })
        );
        // Packets of 256 bytes where the module said 128.
        let packets = split(DEFAULT_ADDRESS, &template(), PacketSize::B256);
        assert_eq!(
            reassemble(&packets, Reassembler::template(PacketSize::B128)),
            Err(TransferError::PacketTooLong { index: 0, max: 128, found: 256 })
        );
        let mut packets = split(DEFAULT_ADDRESS, &template(), PacketSize::B128);
        packets.insert(2, Ack::from_status(Confirm::Ok).to_packet(DEFAULT_ADDRESS));
        assert_eq!(
            reassemble(&packets, Reassembler::template(PacketSize::B128)),
            Err(TransferError::NotData { index: 2, pid: Pid::Ack })
        );
        let mut packets = split(DEFAULT_ADDRESS, &template(), PacketSize::B128);
        packets.pop();
        assert_eq!(
            reassemble(&packets, Reassembler::template(PacketSize::B128)),
            Err(TransferError::MissingEnd { got: 384 })
        );
        let mut packets = split(DEFAULT_ADDRESS, &template(), PacketSize::B256);
        packets.push(Packet::new(DEFAULT_ADDRESS, Pid::EndData, vec![]));
        assert_eq!(
            reassemble(&packets, Reassembler::template(PacketSize::B256)),
            Err(TransferError::AfterEnd { index: 2 })
        );
    }

    #[test]
    fn reassembler_starts_afresh_after_an_error() {
        let mut r = Reassembler::template(PacketSize::B256);
        let bad = Packet::new(DEFAULT_ADDRESS, Pid::Data, vec![0; 10]);
        assert!(matches!(r.push(&bad), Err(TransferError::Gap { index: 0, .. })));
        assert_eq!(r.received(), 0);
        let mut out = None;
        for p in split(DEFAULT_ADDRESS, &template(), PacketSize::B256) {
            out = r.push(&p).unwrap();
        }
        assert_eq!(out, Some(template()));
    }

    fn arb_size() -> impl Strategy<Value = PacketSize> {
        proptest::sample::select(PacketSize::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn split_reassemble_round_trip(data in proptest::collection::vec(any::<u8>(), 0..2048), size in arb_size(), address in any::<u32>()) {
            let packets = split(address, &data, size);
            prop_assert_eq!(packets.len(), data.len().div_ceil(size.bytes()).max(1));
            prop_assert_eq!(reassemble(&packets, Reassembler::new(size, 2048)), Ok(data.clone()));
            prop_assert_eq!(reassemble(&packets, Reassembler::exact(size, data.len())), Ok(data.clone()));

            // Through the wire: one side encodes the packets, the other decodes and reassembles.
            let mut buf = BytesMut::new();
            let mut codec = PacketCodec::new();
            for p in &packets {
                codec.encode(p, &mut buf).unwrap();
            }
            let mut r = Reassembler::new(size, 2048);
            let mut out = None;
            while let Some(item) = codec.decode(&mut buf).unwrap() {
                out = r.push(&item.unwrap()).unwrap();
            }
            prop_assert_eq!(out, Some(data));
        }

        #[test]
        fn arbitrary_packets_never_panic(
            packets in proptest::collection::vec(
                (proptest::sample::select(vec![Pid::Command, Pid::Data, Pid::Ack, Pid::EndData]),
                 proptest::collection::vec(any::<u8>(), 0..300))
                    .prop_map(|(pid, payload)| Packet::new(DEFAULT_ADDRESS, pid, payload)),
                0..12),
            size in arb_size(),
        ) {
            let _ = reassemble(&packets, Reassembler::template(size));
            let _ = reassemble(&packets, Reassembler::new(size, 1024));
        }
    }
}
