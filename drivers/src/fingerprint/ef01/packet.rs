//! The 0xEF01 packet of the UART fingerprint modules (R30x / ZFM / AS608 family) and its codec.
//!
//! Every exchange with the module is made of packets of one symmetric layout, the same in both
//! directions:
//!
//! ```text
//! EF 01 | address (4, BE) | PID | length (2, BE) | payload | checksum (2, BE)
//! ```
//!
//! - PID: 01 command, 02 data, 07 acknowledgement, 08 last data packet;
//! - length = payload bytes + 2 (the checksum is counted);
//! - checksum = low 16 bits of PID + both length bytes + every payload byte.
//!
//! Sources (see `shared/protocols.md` §3): adafruit/Adafruit-Fingerprint-Sensor-Library,
//! `Adafruit_Fingerprint.cpp` (`writeStructuredPacket`, `getStructuredPacket`) and
//! `Adafruit_Fingerprint.h`.
//!
//! [`PacketCodec`] frames a byte stream into packets for both the driver (host side) and the
//! simulated module (device side). A bad packet is a decoded item (`Err(PacketError)`), never a
//! stream error, and the decoder resynchronises on the next `EF 01` after garbage.

use bytes::{Buf, BufMut, BytesMut};
use std::io;
use tokio_util::codec::{Decoder, Encoder};

/// The two bytes every packet starts with.
pub const START: [u8; 2] = [0xEF, 0x01];

/// The module address of a module that was never given another one (`FF FF FF FF`).
/// [Adafruit_Fingerprint.h: default address 0xFFFFFFFF]
pub const DEFAULT_ADDRESS: u32 = 0xFFFF_FFFF;

/// Bytes before the payload: start (2), address (4), PID (1), length (2).
pub const HEADER_LEN: usize = 9;

/// Bytes of the trailing checksum.
pub const CHECKSUM_LEN: usize = 2;

/// Bytes a packet adds around its payload (11: header and checksum).
pub const OVERHEAD: usize = HEADER_LEN + CHECKSUM_LEN;

/// The largest payload accepted, in either direction.
///
/// The largest data packet the modules send is 256 bytes (packet size code 3 of the system
/// parameters; [Adafruit_Fingerprint.cpp `getParameters`]). No command or acknowledgement found
/// in the sources comes close (the longest, `ReadSysPara`'s acknowledgement, has 17 bytes), so 16
/// bytes of margin are allowed above 256 and anything longer is a length error.
pub const MAX_PAYLOAD: usize = 256 + 16;

/// The largest packet on the wire (payload at [`MAX_PAYLOAD`] plus [`OVERHEAD`]).
pub const MAX_PACKET: usize = MAX_PAYLOAD + OVERHEAD;

/// The largest value of the length field (payload + checksum).
const MAX_LENGTH_FIELD: usize = MAX_PAYLOAD + CHECKSUM_LEN;

/// The packet identifier: what kind of packet this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pid {
    /// 01: a command from the host (payload = instruction code + parameters).
    Command,
    /// 02: a data packet followed by more.
    Data,
    /// 07: the module's acknowledgement (payload = confirmation code + results).
    Ack,
    /// 08: the last data packet of a transfer.
    EndData,
}

/// The PID byte of each [`Pid`]. [Adafruit_Fingerprint.h `FINGERPRINT_COMMANDPACKET` …
/// `FINGERPRINT_ENDDATAPACKET`]
const PID_TABLE: [(Pid, u8); 4] = [(Pid::Command, 0x01), (Pid::Data, 0x02), (Pid::Ack, 0x07), (Pid::EndData, 0x08)];

impl Pid {
    /// The byte on the wire.
    pub fn byte(self) -> u8 {
        PID_TABLE.iter().find(|(p, _)| *p == self).map_or(0, |(_, b)| *b)
    }

    /// The PID of a wire byte, `None` if the byte names no known PID.
    pub fn from_byte(byte: u8) -> Option<Pid> {
        PID_TABLE.iter().find(|(_, b)| *b == byte).map(|(p, _)| *p)
    }

    /// Whether this packet carries transfer data ([`Pid::Data`] or [`Pid::EndData`]).
    pub fn is_data(self) -> bool {
        matches!(self, Pid::Data | Pid::EndData)
    }
}

impl TryFrom<u8> for Pid {
    type Error = PacketError;

    fn try_from(byte: u8) -> Result<Pid, PacketError> {
        Pid::from_byte(byte).ok_or(PacketError::UnknownPid(byte))
    }
}

impl From<Pid> for u8 {
    fn from(pid: Pid) -> u8 {
        pid.byte()
    }
}

/// The data packet size of a module: how many template or image bytes each data packet carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketSize {
    /// 32 bytes per data packet (code 0).
    B32,
    /// 64 bytes per data packet (code 1).
    B64,
    /// 128 bytes per data packet (code 2, the usual default).
    B128,
    /// 256 bytes per data packet (code 3).
    B256,
}

/// The packet size codes of the system parameters and the bytes they stand for.
/// [Adafruit_Fingerprint.cpp `getParameters`: 0/1/2/3 = 32/64/128/256; single source]
const PACKET_SIZE_TABLE: [(PacketSize, u16, usize); 4] =
    [(PacketSize::B32, 0, 32), (PacketSize::B64, 1, 64), (PacketSize::B128, 2, 128), (PacketSize::B256, 3, 256)];

impl PacketSize {
    /// Every packet size, smallest first.
    pub const ALL: [PacketSize; 4] = [PacketSize::B32, PacketSize::B64, PacketSize::B128, PacketSize::B256];

    /// Data bytes per packet.
    pub fn bytes(self) -> usize {
        PACKET_SIZE_TABLE.iter().find(|(s, _, _)| *s == self).map_or(32, |(_, _, n)| *n)
    }

    /// The code of this size in the system parameters.
    pub fn code(self) -> u16 {
        PACKET_SIZE_TABLE.iter().find(|(s, _, _)| *s == self).map_or(0, |(_, c, _)| *c)
    }

    /// The size a system-parameter code stands for, `None` for an unknown code.
    pub fn from_code(code: u16) -> Option<PacketSize> {
        PACKET_SIZE_TABLE.iter().find(|(_, c, _)| *c == code).map(|(s, _, _)| *s)
    }

    /// The size of this many bytes per packet, `None` if no code stands for it.
    pub fn from_bytes(bytes: usize) -> Option<PacketSize> {
        PACKET_SIZE_TABLE.iter().find(|(_, _, n)| *n == bytes).map(|(s, _, _)| *s)
    }
}

/// What is wrong with a packet (decoding) or with a packet to be sent (encoding).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// The bytes do not start with `EF 01`.
    #[error("packet starts with {0:02X?}, expected EF 01")]
    BadStart([u8; 2]),
    /// The PID byte is none of 01, 02, 07, 08.
    #[error("unknown packet identifier 0x{0:02X}, expected 01 (command), 02 (data), 07 (ack) or 08 (end of data)")]
    UnknownPid(u8),
    /// The length field is below 2, so it cannot even count the checksum.
    #[error("length field is {0}, expected at least 2 (the checksum is counted)")]
    LengthTooShort(u16),
    /// The length field announces more than [`MAX_PAYLOAD`] payload bytes.
    #[error("length field is {length}, expected at most {max} ({MAX_PAYLOAD} payload bytes + 2)")]
    LengthTooLong {
        /// The length field as received.
        length: u16,
        /// The largest length field accepted.
        max: usize,
    },
    /// The checksum does not match the packet's bytes.
    #[error("checksum is 0x{found:04X}, expected 0x{expected:04X}")]
    Checksum {
        /// The checksum computed over PID, length and payload.
        expected: u16,
        /// The checksum the packet carries.
        found: u16,
    },
    /// Fewer bytes than the packet needs (the stream ended, or the slice is short).
    #[error("packet cut short: {got} bytes, expected {needed}")]
    Truncated {
        /// Bytes the packet needs (at least the header if its length is not known yet).
        needed: usize,
        /// Bytes there are.
        got: usize,
    },
    /// Bytes follow the packet where exactly one packet was expected.
    #[error("{0} bytes after the end of the packet, expected none")]
    TrailingBytes(usize),
    /// A payload to encode is longer than [`MAX_PAYLOAD`].
    #[error("payload of {0} bytes, expected at most {MAX_PAYLOAD}")]
    PayloadTooLong(usize),
}

/// One packet: an address, a PID and a payload (the length and the checksum are derived).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Packet {
    /// The module address (usually [`DEFAULT_ADDRESS`]).
    pub address: u32,
    /// What kind of packet.
    pub pid: Pid,
    /// The payload: instruction + parameters, confirmation code + results, or data.
    pub payload: Vec<u8>,
}

/// The checksum of a packet: the low 16 bits of the sum of the PID byte, both length bytes and
/// every payload byte (`length` is the length field, payload + 2).
pub fn checksum(pid: u8, length: u16, payload: &[u8]) -> u16 {
    let [hi, lo] = length.to_be_bytes();
    payload.iter().fold(u16::from(pid).wrapping_add(u16::from(hi)).wrapping_add(u16::from(lo)), |sum, b| {
        sum.wrapping_add(u16::from(*b))
    })
}

impl Packet {
    /// A packet from its parts.
    pub fn new(address: u32, pid: Pid, payload: Vec<u8>) -> Packet {
        Packet { address, pid, payload }
    }

    /// Bytes this packet takes on the wire (payload + 11).
    pub fn wire_len(&self) -> usize {
        self.payload.len().saturating_add(OVERHEAD)
    }

    /// Append the packet's wire bytes to `dst`. Fails (appending nothing) if the payload is longer
    /// than [`MAX_PAYLOAD`].
    pub fn encode_into(&self, dst: &mut BytesMut) -> Result<(), PacketError> {
        let length = self.length_field()?;
        dst.reserve(self.wire_len());
        dst.put_slice(&START);
        dst.put_u32(self.address);
        dst.put_u8(self.pid.byte());
        dst.put_u16(length);
        dst.put_slice(&self.payload);
        dst.put_u16(checksum(self.pid.byte(), length, &self.payload));
        Ok(())
    }

    /// The packet's wire bytes. Fails if the payload is longer than [`MAX_PAYLOAD`].
    pub fn encode(&self) -> Result<Vec<u8>, PacketError> {
        let mut dst = BytesMut::with_capacity(self.wire_len());
        self.encode_into(&mut dst)?;
        Ok(dst.to_vec())
    }

    /// Decode exactly one packet: `bytes` must hold one whole packet and nothing else.
    pub fn decode(bytes: &[u8]) -> Result<Packet, PacketError> {
        let (packet, used) = Packet::decode_prefix(bytes)?;
        match bytes.len().saturating_sub(used) {
            0 => Ok(packet),
            rest => Err(PacketError::TrailingBytes(rest)),
        }
    }

    /// Decode the packet at the start of `bytes`, returning it and the number of bytes it took.
    /// Bytes after it are left alone.
    pub fn decode_prefix(bytes: &[u8]) -> Result<(Packet, usize), PacketError> {
        match bytes {
            [a, b, ..] if [*a, *b] != START => return Err(PacketError::BadStart([*a, *b])),
            [a] if *a != START[0] => return Err(PacketError::BadStart([*a, 0])),
            _ => {}
        }
        match inspect(bytes) {
            Head::Incomplete { needed } => Err(PacketError::Truncated { needed, got: bytes.len() }),
            Head::Bad(e) => Err(e),
            Head::Complete(total) => {
                let frame = bytes.get(..total).ok_or(PacketError::Truncated { needed: total, got: bytes.len() })?;
                parse_frame(frame).map(|p| (p, total))
            }
        }
    }

    fn length_field(&self) -> Result<u16, PacketError> {
        if self.payload.len() > MAX_PAYLOAD {
            return Err(PacketError::PayloadTooLong(self.payload.len()));
        }
        u16::try_from(self.payload.len().saturating_add(CHECKSUM_LEN))
            .map_err(|_| PacketError::PayloadTooLong(self.payload.len()))
    }
}

/// What the first bytes of a buffer that starts with `EF 01` say about the packet.
enum Head {
    /// More bytes are needed: at least `needed` in all.
    Incomplete { needed: usize },
    /// The header is invalid (unknown PID, bad length): not a packet.
    Bad(PacketError),
    /// A whole packet of this many bytes is there.
    Complete(usize),
}

/// Look at the header of the packet at the start of `buf` (which starts with `EF 01`).
fn inspect(buf: &[u8]) -> Head {
    let Some(header) = buf.get(..HEADER_LEN) else {
        return Head::Incomplete { needed: OVERHEAD };
    };
    let (pid, hi, lo) = match header {
        [_, _, _, _, _, _, pid, hi, lo] => (*pid, *hi, *lo),
        _ => return Head::Incomplete { needed: OVERHEAD },
    };
    if Pid::from_byte(pid).is_none() {
        return Head::Bad(PacketError::UnknownPid(pid));
    }
    let length = u16::from_be_bytes([hi, lo]);
    if usize::from(length) < CHECKSUM_LEN {
        return Head::Bad(PacketError::LengthTooShort(length));
    }
    if usize::from(length) > MAX_LENGTH_FIELD {
        return Head::Bad(PacketError::LengthTooLong { length, max: MAX_LENGTH_FIELD });
    }
    let total = HEADER_LEN + usize::from(length);
    if buf.len() < total { Head::Incomplete { needed: total } } else { Head::Complete(total) }
}

/// Parse one whole packet whose header [`inspect`] found valid (`frame` is exactly its bytes).
fn parse_frame(frame: &[u8]) -> Result<Packet, PacketError> {
    let short = || PacketError::Truncated { needed: OVERHEAD, got: frame.len() };
    let (header, rest) = frame.split_first_chunk::<HEADER_LEN>().ok_or_else(short)?;
    let (payload, sum) = rest.split_last_chunk::<CHECKSUM_LEN>().ok_or_else(short)?;
    let [_, _, a0, a1, a2, a3, pid_byte, hi, lo] = *header;
    let pid = Pid::try_from(pid_byte)?;
    let length = u16::from_be_bytes([hi, lo]);
    let expected = checksum(pid_byte, length, payload);
    let found = u16::from_be_bytes(*sum);
    if expected != found {
        return Err(PacketError::Checksum { expected, found });
    }
    Ok(Packet { address: u32::from_be_bytes([a0, a1, a2, a3]), pid, payload: payload.to_vec() })
}

/// The codec of 0xEF01 packets, the same for both directions (host and module).
///
/// Decoding skips bytes until `EF 01`; a header with an unknown PID or an impossible length is
/// reported as an `Err` item and the search for a start resumes just after its `EF 01`; a packet
/// with a bad checksum is reported as an `Err` item and its bytes are consumed. The decoder never
/// holds more than [`MAX_PACKET`] bytes of a packet; garbage is dropped as soon as it is seen.
///
/// `Error = io::Error` is left for transport failures: the decoder itself never returns `Err`.
#[derive(Debug, Clone, Default)]
pub struct PacketCodec {
    discarded: u64,
}

impl PacketCodec {
    /// A codec.
    pub fn new() -> PacketCodec {
        PacketCodec::default()
    }

    /// How many bytes were skipped so far as not belonging to any packet (garbage, line noise).
    /// Bytes of packets reported as errors are not counted.
    pub fn discarded(&self) -> u64 {
        self.discarded
    }

    fn discard(&mut self, src: &mut BytesMut, n: usize) {
        let n = n.min(src.len());
        src.advance(n);
        self.discarded = self.discarded.saturating_add(n as u64);
    }
}

/// Where the next possible packet start is in `buf`: the index of the first `EF 01`, or of a
/// trailing `EF` that may be the first half of one; `None` if neither.
fn find_start(buf: &[u8]) -> Option<usize> {
    if let Some(i) = buf.windows(2).position(|w| w == START) {
        return Some(i);
    }
    match buf.last() {
        Some(&b) if b == START[0] => Some(buf.len().saturating_sub(1)),
        _ => None,
    }
}

impl Decoder for PacketCodec {
    type Item = Result<Packet, PacketError>;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, io::Error> {
        match find_start(src) {
            Some(i) => self.discard(src, i),
            None => {
                let n = src.len();
                self.discard(src, n);
                return Ok(None);
            }
        }
        match inspect(src) {
            Head::Incomplete { needed } => {
                src.reserve(needed.saturating_sub(src.len()));
                Ok(None)
            }
            Head::Bad(e) => {
                // Not a packet after all: look for the next start after this `EF 01`.
                src.advance(START.len().min(src.len()));
                Ok(Some(Err(e)))
            }
            Head::Complete(total) => {
                let frame = src.split_to(total.min(src.len()));
                Ok(Some(parse_frame(&frame)))
            }
        }
    }

    /// At the end of the stream, a packet cut short is reported as [`PacketError::Truncated`] (and
    /// dropped) instead of the default `io::Error`, so the stream ends cleanly.
    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, io::Error> {
        if let Some(item) = self.decode(src)? {
            return Ok(Some(item));
        }
        if src.starts_with(&START) {
            let needed = match inspect(src) {
                Head::Incomplete { needed } => needed,
                _ => OVERHEAD,
            };
            let got = src.len();
            src.clear();
            return Ok(Some(Err(PacketError::Truncated { needed, got })));
        }
        let n = src.len();
        self.discard(src, n);
        Ok(None)
    }
}

impl Encoder<&Packet> for PacketCodec {
    type Error = io::Error;

    /// Fails with `InvalidInput` (wrapping [`PacketError::PayloadTooLong`]) for an oversize payload.
    fn encode(&mut self, packet: &Packet, dst: &mut BytesMut) -> Result<(), io::Error> {
        packet.encode_into(dst).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
    }
}

impl Encoder<Packet> for PacketCodec {
    type Error = io::Error;

    /// Fails with `InvalidInput` (wrapping [`PacketError::PayloadTooLong`]) for an oversize payload.
    fn encode(&mut self, packet: Packet, dst: &mut BytesMut) -> Result<(), io::Error> {
        self.encode(&packet, dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn decode_all(codec: &mut PacketCodec, bytes: &[u8]) -> Vec<Result<Packet, PacketError>> {
        let mut buf = BytesMut::from(bytes);
        let mut out = Vec::new();
        while let Some(item) = codec.decode(&mut buf).unwrap() {
            out.push(item);
        }
        while let Some(item) = codec.decode_eof(&mut buf).unwrap() {
            out.push(item);
        }
        out
    }

    fn wire(p: &Packet) -> Vec<u8> {
        p.encode().unwrap()
    }

    #[test]
    fn protocol_vectors() {
        let gen_img = Packet::new(DEFAULT_ADDRESS, Pid::Command, vec![0x01]);
        assert_eq!(wire(&gen_img), hex("EF01 FFFFFFFF 01 0003 01 0005"));
        let vfy = Packet::new(DEFAULT_ADDRESS, Pid::Command, vec![0x13, 0, 0, 0, 0]);
        assert_eq!(wire(&vfy), hex("EF01 FFFFFFFF 01 0007 13 00000000 001B"));
        let ok = Packet::new(DEFAULT_ADDRESS, Pid::Ack, vec![0x00]);
        assert_eq!(wire(&ok), hex("EF01 FFFFFFFF 07 0003 00 000A"));
        for p in [gen_img, vfy, ok] {
            assert_eq!(Packet::decode(&wire(&p)), Ok(p.clone()));
            assert_eq!(decode_all(&mut PacketCodec::new(), &wire(&p)), vec![Ok(p)]);
        }
    }

    #[test]
    fn pid_bytes() {
        for (pid, b) in [(Pid::Command, 1), (Pid::Data, 2), (Pid::Ack, 7), (Pid::EndData, 8)] {
            assert_eq!(pid.byte(), b);
            assert_eq!(Pid::try_from(b), Ok(pid));
        }
        assert_eq!(Pid::try_from(3), Err(PacketError::UnknownPid(3)));
    }

    #[test]
    fn checksum_wraps_to_16_bits() {
        let payload = vec![0xFF; MAX_PAYLOAD];
        let sum = 2u32 + 0x01 + 0x12 + 0xFF * MAX_PAYLOAD as u32;
        assert_eq!(u32::from(checksum(2, (MAX_PAYLOAD + 2) as u16, &payload)), sum & 0xFFFF);
    }

    #[test]
    fn bad_checksum_is_reported_and_next_packet_decodes() {
        let good = Packet::new(DEFAULT_ADDRESS, Pid::Ack, vec![0x00, 0x12, 0x34]);
        let mut bad = wire(&good);
        let last = bad.len() - 1;
        bad[last] ^= 0x01;
        let mut bytes = bad.clone();
        bytes.extend(wire(&good));
        let items = decode_all(&mut PacketCodec::new(), &bytes);
        let expected = checksum(7, 5, &[0x00, 0x12, 0x34]);
        assert_eq!(items, vec![Err(PacketError::Checksum { expected, found: expected ^ 1 }), Ok(good.clone())]);
        assert_eq!(Packet::decode(&bad), Err(PacketError::Checksum { expected, found: expected ^ 1 }));
    }

    #[test]
    fn bad_lengths_are_reported_and_next_packet_decodes() {
        let good = Packet::new(0x1234_5678, Pid::Command, vec![0x1D]);
        // Length 1: cannot even hold the checksum.
        let mut bytes = hex("EF01 FFFFFFFF 01 0001");
        bytes.extend(wire(&good));
        assert_eq!(
            decode_all(&mut PacketCodec::new(), &bytes),
            vec![Err(PacketError::LengthTooShort(1)), Ok(good.clone())]
        );
        // Length above the maximum: reported as soon as the header is in, then resynchronised.
        let too_long = (MAX_PAYLOAD + 3) as u16;
        let mut bytes = hex("EF01 FFFFFFFF 02");
        bytes.extend(too_long.to_be_bytes());
        bytes.extend([0x55; 40]);
        bytes.extend(wire(&good));
        assert_eq!(
            decode_all(&mut PacketCodec::new(), &bytes),
            vec![Err(PacketError::LengthTooLong { length: too_long, max: MAX_PAYLOAD + 2 }), Ok(good.clone())]
        );
        let mut codec = PacketCodec::new();
        let mut buf = BytesMut::from(&hex("EF01 FFFFFFFF 02 FFFF")[..]);
        assert!(matches!(codec.decode(&mut buf).unwrap(), Some(Err(PacketError::LengthTooLong { .. }))));
    }

    #[test]
    fn unknown_pid_is_reported_and_next_packet_decodes() {
        let good = Packet::new(DEFAULT_ADDRESS, Pid::EndData, vec![1, 2, 3]);
        let mut bytes = hex("EF01 FFFFFFFF 05 0003 00 0008");
        bytes.extend(wire(&good));
        assert_eq!(decode_all(&mut PacketCodec::new(), &bytes), vec![Err(PacketError::UnknownPid(5)), Ok(good)]);
    }

    #[test]
    fn largest_payload_passes_and_one_more_is_refused() {
        let max = Packet::new(DEFAULT_ADDRESS, Pid::Data, vec![0xA5; MAX_PAYLOAD]);
        assert_eq!(wire(&max).len(), MAX_PACKET);
        assert_eq!(Packet::decode(&wire(&max)), Ok(max));
        let over = Packet::new(DEFAULT_ADDRESS, Pid::Data, vec![0xA5; MAX_PAYLOAD + 1]);
        assert_eq!(over.encode(), Err(PacketError::PayloadTooLong(MAX_PAYLOAD + 1)));
        let mut dst = BytesMut::new();
        let err = PacketCodec::new().encode(&over, &mut dst).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(dst.is_empty());
    }

    #[test]
    fn pure_decode_errors() {
        let p = wire(&Packet::new(DEFAULT_ADDRESS, Pid::Command, vec![0x0D]));
        assert_eq!(Packet::decode(&p[..5]), Err(PacketError::Truncated { needed: OVERHEAD, got: 5 }));
        assert_eq!(
            Packet::decode(&p[..p.len() - 1]),
            Err(PacketError::Truncated { needed: p.len(), got: p.len() - 1 })
        );
        let mut extra = p.clone();
        extra.push(0);
        assert_eq!(Packet::decode(&extra), Err(PacketError::TrailingBytes(1)));
        assert_eq!(Packet::decode_prefix(&extra).map(|(_, n)| n), Ok(p.len()));
        assert_eq!(Packet::decode(&[0x12, 0x34, 0x56]), Err(PacketError::BadStart([0x12, 0x34])));
        assert_eq!(Packet::decode(&[]), Err(PacketError::Truncated { needed: OVERHEAD, got: 0 }));
    }

    #[test]
    fn truncated_at_end_of_stream() {
        let p = wire(&Packet::new(DEFAULT_ADDRESS, Pid::Command, vec![0x0D]));
        let items = decode_all(&mut PacketCodec::new(), &p[..8]);
        assert_eq!(items, vec![Err(PacketError::Truncated { needed: OVERHEAD, got: 8 })]);
        let items = decode_all(&mut PacketCodec::new(), &p[..11]);
        assert_eq!(items, vec![Err(PacketError::Truncated { needed: 12, got: 11 })]);
        // A lone trailing EF is just noise.
        assert_eq!(decode_all(&mut PacketCodec::new(), &[0x00, 0xEF]), vec![]);
    }

    #[test]
    fn garbage_is_skipped_and_counted() {
        let good = Packet::new(DEFAULT_ADDRESS, Pid::Ack, vec![0x00]);
        let mut bytes = vec![0x00, 0xEF, 0x02, 0x01, 0xEF];
        bytes.extend(wire(&good));
        bytes.extend([0x01, 0x01]);
        bytes.extend(wire(&good));
        let mut codec = PacketCodec::new();
        assert_eq!(decode_all(&mut codec, &bytes), vec![Ok(good.clone()), Ok(good)]);
        assert_eq!(codec.discarded(), 7);
    }

    fn arb_pid() -> impl Strategy<Value = Pid> {
        prop_oneof![Just(Pid::Command), Just(Pid::Data), Just(Pid::Ack), Just(Pid::EndData)]
    }

    fn arb_packet() -> impl Strategy<Value = Packet> {
        (any::<u32>(), arb_pid(), proptest::collection::vec(any::<u8>(), 0..=MAX_PAYLOAD))
            .prop_map(|(address, pid, payload)| Packet { address, pid, payload })
    }

    /// Bytes without `EF`, so they can never start a packet.
    fn arb_garbage() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(any::<u8>().prop_filter("no EF", |b| *b != 0xEF), 0..64)
    }

    /// Decode `data` fed in two pieces split at `cut`, end of stream included; also how many bytes
    /// the decoder held after the first piece.
    fn decode_in_two(data: &[u8], cut: usize) -> (Vec<Result<Packet, PacketError>>, usize) {
        let mut codec = PacketCodec::new();
        let mut buf = BytesMut::from(&data[..cut]);
        let mut items = Vec::new();
        while let Some(item) = codec.decode(&mut buf).unwrap() {
            items.push(item);
        }
        let buffered = buf.len();
        buf.extend_from_slice(&data[cut..]);
        while let Some(item) = codec.decode(&mut buf).unwrap() {
            items.push(item);
        }
        while let Some(item) = codec.decode_eof(&mut buf).unwrap() {
            items.push(item);
        }
        (items, buffered)
    }

    proptest! {
        #[test]
        fn round_trip(packets in proptest::collection::vec(arb_packet(), 1..5)) {
            // The same codec serves both directions: whatever one side encodes, the other decodes.
            let mut tx = PacketCodec::new();
            let mut buf = BytesMut::new();
            for p in &packets {
                tx.encode(p, &mut buf).unwrap();
                prop_assert_eq!(Packet::decode(&wire(p)), Ok(p.clone()));
            }
            let items = decode_all(&mut PacketCodec::new(), &buf);
            prop_assert_eq!(items, packets.into_iter().map(Ok).collect::<Vec<_>>());
        }

        #[test]
        fn round_trip_split_anywhere(p in arb_packet(), cut in any::<prop::sample::Index>()) {
            let bytes = wire(&p);
            let cut = cut.index(bytes.len() + 1);
            let mut codec = PacketCodec::new();
            let mut buf = BytesMut::from(&bytes[..cut]);
            if cut < bytes.len() {
                prop_assert_eq!(codec.decode(&mut buf).unwrap(), None);
            }
            buf.extend_from_slice(&bytes[cut..]);
            prop_assert_eq!(codec.decode(&mut buf).unwrap(), Some(Ok(p)));
            prop_assert!(buf.is_empty());
        }

        #[test]
        fn byte_by_byte(p in arb_packet()) {
            let mut codec = PacketCodec::new();
            let mut buf = BytesMut::new();
            let mut got = Vec::new();
            for b in wire(&p) {
                buf.put_u8(b);
                if let Some(item) = codec.decode(&mut buf).unwrap() {
                    got.push(item);
                }
            }
            prop_assert_eq!(got, vec![Ok(p)]);
        }

        #[test]
        fn garbage_between_packets_is_skipped(
            parts in proptest::collection::vec((arb_garbage(), arb_packet()), 1..4),
            tail in arb_garbage(),
        ) {
            let mut bytes = Vec::new();
            for (g, p) in &parts {
                bytes.extend(g);
                bytes.extend(wire(p));
            }
            bytes.extend(&tail);
            let items = decode_all(&mut PacketCodec::new(), &bytes);
            prop_assert_eq!(items, parts.into_iter().map(|(_, p)| Ok(p)).collect::<Vec<_>>());
        }

        #[test]
        fn corrupted_packet_then_good_one(p in arb_packet(), good in arb_packet(), at in any::<prop::sample::Index>(), flip in 1u8..) {
            // Corrupt one byte after the header (payload or checksum): exactly one checksum error.
            let mut bad = wire(&p);
            let i = HEADER_LEN + at.index(bad.len() - HEADER_LEN);
            bad[i] ^= flip;
            let mut bytes = bad;
            bytes.extend(wire(&good));
            let items = decode_all(&mut PacketCodec::new(), &bytes);
            prop_assert_eq!(items.len(), 2);
            let checksum_error = matches!(items[0], Err(PacketError::Checksum { .. }));
            prop_assert!(checksum_error);
            prop_assert_eq!(&items[1], &Ok(good));
        }

        #[test]
        fn packet_like_streams_never_panic(
            chunks in proptest::collection::vec(
                prop_oneof![
                    arb_packet().prop_map(|p| wire(&p)),
                    (arb_packet(), any::<prop::sample::Index>()).prop_map(|(p, i)| {
                        let w = wire(&p);
                        w[..i.index(w.len())].to_vec()
                    }),
                    (arb_packet(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(p, i, x)| {
                        let mut w = wire(&p);
                        let i = i.index(w.len());
                        w[i] ^= x;
                        w
                    }),
                    proptest::collection::vec(any::<u8>(), 0..16),
                ],
                0..8,
            ),
            cut in any::<prop::sample::Index>(),
        ) {
            // Whole packets, cut packets, corrupted packets and noise, fed at once and in two pieces.
            let data = chunks.concat();
            let whole = decode_all(&mut PacketCodec::new(), &data);
            let cut = cut.index(data.len() + 1);
            let (split, buffered) = decode_in_two(&data, cut);
            prop_assert!(buffered <= MAX_PACKET);
            prop_assert_eq!(&whole, &split);
            for packet in whole.into_iter().flatten() {
                prop_assert_eq!(Packet::decode(&wire(&packet)), Ok(packet));
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048), cut in any::<prop::sample::Index>()) {
            let whole = decode_all(&mut PacketCodec::new(), &data);
            // Fed in two pieces, the decoder gives the same items.
            let cut = cut.index(data.len() + 1);
            let (split, buffered) = decode_in_two(&data, cut);
            prop_assert!(buffered <= MAX_PACKET);
            prop_assert_eq!(whole, split);
            let _ = Packet::decode(&data);
        }
    }
}
