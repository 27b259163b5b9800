//! Framing of the SAM_V protocol: requests from the host, responses from the reader.
//!
//! ```text
//! Request:  AA AA AA 96 69 | Len1 Len2 | CMD | Para        | Data… | CHK
//! Response: AA AA AA 96 69 | Len1 Len2 | SW1 | SW2 | SW3  | Data… | CHK
//! ```
//!
//! Len (big-endian) counts every byte after it, CHK included, so a bare command has Len `00 03`.
//! CHK is the XOR of every byte from Len1 to the last data byte (the preamble is not covered).
//!
//! Over UART (115200 8N1 by default) the frame travels as one byte stream, which is what the codecs
//! here decode. The USB variant of the readers splits each frame over two bulk pipes: preamble and
//! Len on OUT pipe 02 and the rest on 06, replies split the same way on IN 81 / 85. A USB transport
//! must join the two parts before handing the bytes to a decoder (or split an encoded frame after
//! its 7-byte header); the framing itself does not change.
//!
//! The pure functions ([`encode_request`], [`encode_response`], [`decode_request`],
//! [`decode_response`]) work on byte slices; [`HostCodec`] (what a driver uses: encodes
//! [`Request`]s, decodes [`Response`]s) and [`DeviceCodec`] (what the simulator uses: the other way
//! round) wrap them as `tokio_util` codecs. Both decoders yield bad frames as `Err` items and go on:
//! they skip garbage up to the next preamble, reject bad lengths and checksums, never buffer more
//! than [`MAX_FRAME`] bytes of a frame and never panic.
//!
//! Sources (shared/protocols.md section 1): eastcoms.com/service/downdrive/508.html;
//! blog.csdn.net/zhangbijun1230/article/details/85242964; softs.im/身份证阅读器通信协议; the XOR
//! checksum also in Yangyuanxin/BearPi 10.ZKT_BearPi/ZKT_SDK/IDReader.c and speedata
//! ParseIDInfor.checkPackage; the header-then-Len read in hevz/hev-idcard-reader.

use super::command::Command;
use super::status::Sw3;
use bytes::{Buf, BytesMut};
use std::fmt;
use tokio_util::codec::{Decoder, Encoder};
use zeroize::Zeroize;

/// The five bytes every frame starts with, in both directions.
pub const PREAMBLE: [u8; 5] = [0xAA, 0xAA, 0xAA, 0x96, 0x69];
/// Preamble plus the two Len bytes: what a reader reads before it knows how long the frame is.
pub const HEADER_LEN: usize = PREAMBLE.len() + 2;
/// Smallest Len of a request: CMD, Para and CHK.
pub const MIN_REQUEST_LEN: u16 = 3;
/// Smallest Len of a response: SW1, SW2, SW3 and CHK.
pub const MIN_RESPONSE_LEN: u16 = 4;
/// Largest Len either decoder accepts.
///
/// The biggest frame of the protocol is the reply to "read base info + fingerprint" (`30 10`) with a
/// 1024-byte fingerprint block: 2321 bytes, Len `0x090A` = 2314. This allows a margin of about 10 %
/// for readers that append a few bytes; anything longer is a length error and the decoder
/// resynchronises.
pub const MAX_LEN: u16 = 0x0A00;
/// Largest whole frame (header included) a decoder ever waits for.
pub const MAX_FRAME: usize = HEADER_LEN + MAX_LEN as usize;

/// A command frame from the host to the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Command byte (CMD).
    pub cmd: u8,
    /// Parameter byte (Para).
    pub para: u8,
    /// Data bytes after Para (empty for every command but a few, e.g. `61 FF`).
    pub data: Vec<u8>,
}

/// A reply frame from the reader to the host.
///
/// The data of a read-info reply holds the card's photo and fingerprints: `Debug` shows only its
/// length, and the bytes are zeroed when the response is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The card's status, relayed (usually 00).
    pub sw1: u8,
    /// The card's status, relayed (usually 00).
    pub sw2: u8,
    /// The SAM's status; see [`Sw3`] and [`Response::status`].
    pub sw3: u8,
    /// Data bytes after SW3.
    pub data: Vec<u8>,
}

impl Response {
    /// A response with SW1 = SW2 = 00, as readers send them.
    pub fn new(status: Sw3, data: Vec<u8>) -> Response {
        Response { sw1: 0, sw2: 0, sw3: status.code(), data }
    }

    /// The SAM's status (SW3).
    pub fn status(&self) -> Sw3 {
        Sw3::from_code(self.sw3)
    }

    /// Take the data out (the response is left with none).
    pub fn into_data(mut self) -> Vec<u8> {
        std::mem::take(&mut self.data)
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Response {{ sw1: {:02X}, sw2: {:02X}, sw3: {:02X}, data: {} bytes }}",
            self.sw1,
            self.sw2,
            self.sw3,
            self.data.len()
        )
    }
}

impl Drop for Response {
    fn drop(&mut self) {
        self.data.zeroize();
    }
}

/// What is wrong with the bytes on the wire (or with a frame to encode).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Bytes that do not start a frame were skipped.
    #[error("skipped {skipped} bytes that do not start with the preamble AA AA AA 96 69")]
    Garbage {
        /// How many bytes were skipped.
        skipped: usize,
    },
    /// Len is smaller than the fixed part of the frame.
    #[error("frame length {len} is too short: expected at least {min}")]
    LengthTooShort {
        /// Len as received.
        len: u16,
        /// The smallest Len of this direction.
        min: u16,
    },
    /// Len is larger than any frame of the protocol.
    #[error("frame length {len} is too long: expected at most {max}")]
    LengthTooLong {
        /// Len as received.
        len: u16,
        /// The largest Len accepted, [`MAX_LEN`].
        max: u16,
    },
    /// CHK is not the XOR of the bytes it covers.
    #[error("checksum {received:02X} is wrong: the XOR of Len and body is {computed:02X}")]
    Checksum {
        /// The XOR of the bytes from Len1 to the last data byte.
        computed: u8,
        /// The CHK byte as received.
        received: u8,
    },
    /// The stream ended in the middle of a frame.
    #[error("the stream ended inside a frame: {len} bytes left over, expected a complete frame")]
    Truncated {
        /// How many bytes were left.
        len: usize,
    },
    /// Data too long to encode in one frame.
    #[error("{len} data bytes do not fit in a frame: expected at most {max}")]
    DataTooLong {
        /// Data bytes given.
        len: usize,
        /// The most data bytes a frame of this direction holds.
        max: usize,
    },
}

/// What a decode function found at the start of the bytes it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded<T> {
    /// A whole, valid frame, which took the first `consumed` bytes.
    Frame {
        /// The frame.
        frame: T,
        /// How many bytes it took (drop them before decoding the next one).
        consumed: usize,
    },
    /// The bytes are the start of a frame (or empty): call again with more.
    NeedMore,
    /// The bytes do not start a valid frame: report `error`, drop the first `skip` bytes (always at
    /// least one, never more than were given) and call again.
    Invalid {
        /// What is wrong.
        error: FrameError,
        /// How many bytes to drop.
        skip: usize,
    },
}

/// XOR of the given bytes: CHK over the bytes from Len1 to the last data byte.
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |acc, b| acc ^ b)
}

/// Encode a request; fails only when the data does not fit under [`MAX_LEN`].
pub fn encode_request(request: &Request) -> Result<Vec<u8>, FrameError> {
    encode_frame(&[request.cmd, request.para], &request.data)
}

/// Encode a response; fails only when the data does not fit under [`MAX_LEN`].
pub fn encode_response(response: &Response) -> Result<Vec<u8>, FrameError> {
    encode_frame(&[response.sw1, response.sw2, response.sw3], &response.data)
}

/// Decode the request at the start of `buf` (what the reader, or the simulator, receives).
pub fn decode_request(buf: &[u8]) -> Decoded<Request> {
    decode_frame(buf, MIN_REQUEST_LEN, |body| match body {
        [cmd, para, data @ ..] => Some(Request { cmd: *cmd, para: *para, data: data.to_vec() }),
        _ => None,
    })
}

/// Decode the response at the start of `buf` (what the host receives from the reader).
pub fn decode_response(buf: &[u8]) -> Decoded<Response> {
    decode_frame(buf, MIN_RESPONSE_LEN, |body| match body {
        [sw1, sw2, sw3, data @ ..] => Some(Response { sw1: *sw1, sw2: *sw2, sw3: *sw3, data: data.to_vec() }),
        _ => None,
    })
}

fn encode_frame(head: &[u8], data: &[u8]) -> Result<Vec<u8>, FrameError> {
    let max = usize::from(MAX_LEN) - head.len() - 1;
    if data.len() > max {
        return Err(FrameError::DataTooLong { len: data.len(), max });
    }
    let len = head.len() + data.len() + 1;
    let mut out = Vec::with_capacity(HEADER_LEN + len);
    out.extend_from_slice(&PREAMBLE);
    // `len` is at most MAX_LEN, so it fits in two bytes.
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out.extend_from_slice(head);
    out.extend_from_slice(data);
    let chk = out.iter().skip(PREAMBLE.len()).fold(0, |acc, b| acc ^ b);
    out.push(chk);
    Ok(out)
}

/// Whether a frame may start at `at`: the bytes from there agree with the preamble as far as both go
/// (a preamble cut off by the end of `buf` counts).
fn may_start_at(buf: &[u8], at: usize) -> bool {
    let rest = buf.get(at..).unwrap_or_default();
    let n = rest.len().min(PREAMBLE.len());
    rest.get(..n) == PREAMBLE.get(..n)
}

/// The first position from `from` on where a frame may start, or `buf.len()` when none.
fn next_start(buf: &[u8], from: usize) -> usize {
    (from..buf.len()).find(|&at| may_start_at(buf, at)).unwrap_or(buf.len())
}

/// Decode the frame at the start of `buf`: `body` gets the bytes between Len and CHK (at least
/// `min_len - 1` of them).
fn decode_frame<T>(buf: &[u8], min_len: u16, body: impl FnOnce(&[u8]) -> Option<T>) -> Decoded<T> {
    let start = next_start(buf, 0);
    if start > 0 {
        return Decoded::Invalid { error: FrameError::Garbage { skipped: start }, skip: start };
    }
    let Some(&[len1, len2]) = buf.get(PREAMBLE.len()..HEADER_LEN) else {
        return Decoded::NeedMore;
    };
    let len = u16::from_be_bytes([len1, len2]);
    if len < min_len {
        return Decoded::Invalid { error: FrameError::LengthTooShort { len, min: min_len }, skip: next_start(buf, 1) };
    }
    if len > MAX_LEN {
        return Decoded::Invalid { error: FrameError::LengthTooLong { len, max: MAX_LEN }, skip: next_start(buf, 1) };
    }
    let total = HEADER_LEN + usize::from(len);
    let Some((&received, covered)) = buf.get(..total).and_then(<[u8]>::split_last) else {
        return Decoded::NeedMore;
    };
    let covered = covered.get(PREAMBLE.len()..).unwrap_or_default();
    let computed = checksum(covered);
    if computed != received {
        // Resynchronise on a preamble inside the claimed frame (its Len may be corrupt and a good
        // frame start within it); with none, the whole claimed frame goes.
        let skip = (1..total).find(|&at| may_start_at(buf, at)).unwrap_or(total);
        return Decoded::Invalid { error: FrameError::Checksum { computed, received }, skip };
    }
    match body(covered.get(2..).unwrap_or_default()) {
        Some(frame) => Decoded::Frame { frame, consumed: total },
        None => Decoded::Invalid { error: FrameError::LengthTooShort { len, min: min_len }, skip: total },
    }
}

/// Run a decode function over a codec's buffer: drop what it consumed or skipped.
fn decode_buf<T>(src: &mut BytesMut, decode: fn(&[u8]) -> Decoded<T>) -> Option<Result<T, FrameError>> {
    match decode(src) {
        Decoded::Frame { frame, consumed } => {
            // The frame may hold a photo or fingerprints: leave no copy in the buffer.
            let consumed = consumed.min(src.len());
            if let Some(bytes) = src.get_mut(..consumed) {
                bytes.zeroize();
            }
            src.advance(consumed);
            Some(Ok(frame))
        }
        Decoded::NeedMore => None,
        Decoded::Invalid { error, skip } => {
            src.advance(skip.clamp(1, src.len()));
            Some(Err(error))
        }
    }
}

/// At the end of the stream: whatever cannot become a frame is reported once and dropped.
fn decode_buf_eof<T>(src: &mut BytesMut, decode: fn(&[u8]) -> Decoded<T>) -> Option<Result<T, FrameError>> {
    match decode_buf(src, decode) {
        Some(item) => Some(item),
        None if src.is_empty() => None,
        None => {
            let len = src.len();
            Zeroize::zeroize(&mut src[..]);
            src.clear();
            Some(Err(FrameError::Truncated { len }))
        }
    }
}

fn to_io(e: FrameError) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, e)
}

/// The host side of the link (a driver): encodes [`Request`]s (and [`Command`]s), decodes
/// [`Response`]s.
///
/// A bad frame is an `Err` item and decoding goes on; `Decoder::Error` (`std::io::Error`) is for
/// transport failures only. Encoding fails (as `InvalidInput`) only for data over [`MAX_LEN`].
#[derive(Debug, Clone, Copy, Default)]
pub struct HostCodec;

impl Decoder for HostCodec {
    type Item = Result<Response, FrameError>;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        Ok(decode_buf(src, decode_response))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        Ok(decode_buf_eof(src, decode_response))
    }
}

impl Encoder<Request> for HostCodec {
    type Error = std::io::Error;

    fn encode(&mut self, item: Request, dst: &mut BytesMut) -> Result<(), Self::Error> {
        dst.extend_from_slice(&encode_request(&item).map_err(to_io)?);
        Ok(())
    }
}

impl Encoder<Command> for HostCodec {
    type Error = std::io::Error;

    fn encode(&mut self, item: Command, dst: &mut BytesMut) -> Result<(), Self::Error> {
        self.encode(item.to_request(), dst)
    }
}

/// The reader side of the link (the simulator): decodes [`Request`]s, encodes [`Response`]s.
///
/// A bad frame is an `Err` item and decoding goes on; `Decoder::Error` (`std::io::Error`) is for
/// transport failures only. Encoding fails (as `InvalidInput`) only for data over [`MAX_LEN`].
#[derive(Debug, Clone, Copy, Default)]
pub struct DeviceCodec;

impl Decoder for DeviceCodec {
    type Item = Result<Request, FrameError>;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        Ok(decode_buf(src, decode_request))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        Ok(decode_buf_eof(src, decode_request))
    }
}

impl Encoder<Response> for DeviceCodec {
    type Error = std::io::Error;

    fn encode(&mut self, item: Response, dst: &mut BytesMut) -> Result<(), Self::Error> {
        dst.extend_from_slice(&encode_response(&item).map_err(to_io)?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Parse "AA AA AA 96 69 00 03 …" into bytes.
    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace().map(|h| u8::from_str_radix(h, 16).unwrap()).collect()
    }

    fn req(cmd: u8, para: u8, data: &[u8]) -> Request {
        Request { cmd, para, data: data.to_vec() }
    }

    fn resp(sw3: u8, data: &[u8]) -> Response {
        Response { sw1: 0, sw2: 0, sw3, data: data.to_vec() }
    }

    /// Feed `chunks` one after the other into a decoder, then end the stream; every item.
    fn feed<D: Decoder<Error = std::io::Error>>(mut codec: D, chunks: &[&[u8]]) -> Vec<D::Item> {
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            while let Some(item) = codec.decode(&mut buf).unwrap() {
                out.push(item);
            }
            assert!(buf.len() <= MAX_FRAME, "decoder holds {} bytes", buf.len());
        }
        while let Some(item) = codec.decode_eof(&mut buf).unwrap() {
            out.push(item);
        }
        assert!(buf.is_empty());
        out
    }

    /// Items without the garbage reports (whose sizes depend on how the bytes arrived).
    fn without_garbage<T>(items: Vec<Result<T, FrameError>>) -> Vec<Result<T, FrameError>> {
        items.into_iter().filter(|i| !matches!(i, Err(FrameError::Garbage { .. }))).collect()
    }

    #[test]
    fn bare_command_frames_from_the_table() {
        let table: [(u8, u8, &str); 8] = [
            (0x10, 0xFF, "00 03 10 FF EC"),
            (0x11, 0xFF, "00 03 11 FF ED"),
            (0x12, 0xFF, "00 03 12 FF EE"),
            (0x20, 0x01, "00 03 20 01 22"),
            (0x20, 0x02, "00 03 20 02 21"),
            (0x30, 0x01, "00 03 30 01 32"),
            (0x30, 0x03, "00 03 30 03 30"),
            (0x30, 0x10, "00 03 30 10 23"),
        ];
        for (cmd, para, tail) in table {
            let bytes = hex(&format!("AA AA AA 96 69 {tail}"));
            assert_eq!(encode_request(&req(cmd, para, &[])).unwrap(), bytes);
            assert_eq!(decode_request(&bytes), Decoded::Frame { frame: req(cmd, para, &[]), consumed: 10 });
        }
        let max_rf = hex("AA AA AA 96 69 00 04 61 FF 50 CA");
        assert_eq!(encode_request(&req(0x61, 0xFF, &[0x50])).unwrap(), max_rf);
        assert_eq!(decode_request(&max_rf), Decoded::Frame { frame: req(0x61, 0xFF, &[0x50]), consumed: 11 });
    }

    #[test]
    fn replies_from_the_table() {
        let table: [(&str, u8, &[u8]); 6] = [
            ("00 04 00 00 90 94", 0x90, &[]),
            ("00 08 00 00 9F 00 00 00 00 97", 0x9F, &[0, 0, 0, 0]),
            ("00 04 00 00 80 84", 0x80, &[]),
            ("00 0C 00 00 90 00 00 00 00 00 00 00 00 9C", 0x90, &[0; 8]),
            ("00 04 00 00 81 85", 0x81, &[]),
            ("00 04 00 00 41 45", 0x41, &[]),
        ];
        for (tail, sw3, data) in table {
            let bytes = hex(&format!("AA AA AA 96 69 {tail}"));
            let expected = resp(sw3, data);
            assert_eq!(decode_response(&bytes), Decoded::Frame { frame: expected.clone(), consumed: bytes.len() });
            assert_eq!(encode_response(&expected).unwrap(), bytes);
        }
        let Decoded::Frame { frame, .. } = decode_response(&hex("AA AA AA 96 69 00 04 00 00 90 94")) else {
            panic!("status reply does not decode");
        };
        assert_eq!(frame.status(), Sw3::Ok);
        assert_eq!(Response::new(Sw3::FindFailed, vec![]), resp(0x80, &[]));
    }

    #[test]
    fn codecs_encode_and_decode() {
        let mut buf = BytesMut::new();
        HostCodec.encode(Command::FindCard, &mut buf).unwrap();
        HostCodec.encode(req(0x61, 0xFF, &[0x50]), &mut buf).unwrap();
        assert_eq!(&buf[..], &hex("AA AA AA 96 69 00 03 20 01 22 AA AA AA 96 69 00 04 61 FF 50 CA")[..]);
        let requests = feed(DeviceCodec, &[&buf]);
        assert_eq!(requests, vec![Ok(req(0x20, 0x01, &[])), Ok(req(0x61, 0xFF, &[0x50]))]);

        let mut buf = BytesMut::new();
        DeviceCodec.encode(resp(0x9F, &[0; 4]), &mut buf).unwrap();
        assert_eq!(feed(HostCodec, &[&buf]), vec![Ok(resp(0x9F, &[0; 4]))]);
    }

    #[test]
    fn partial_frames_wait_then_complete() {
        let bytes = hex("AA AA AA 96 69 00 08 00 00 9F 01 02 03 04 93");
        let mut codec = HostCodec;
        let mut buf = BytesMut::new();
        for (i, byte) in bytes.iter().enumerate() {
            buf.extend_from_slice(&[*byte]);
            let item = codec.decode(&mut buf).unwrap();
            if i + 1 < bytes.len() {
                assert_eq!(item, None, "after {} bytes", i + 1);
            } else {
                assert_eq!(item, Some(Ok(resp(0x9F, &[1, 2, 3, 4]))));
            }
        }
        assert!(buf.is_empty());
    }

    #[test]
    fn garbage_before_and_between_frames_is_skipped() {
        let good = hex("AA AA AA 96 69 00 04 00 00 90 94");
        let mut bytes = hex("00 13 AA AA 96 AA");
        bytes.extend_from_slice(&good);
        bytes.extend_from_slice(&hex("69 96 AA AA AA 96 00"));
        bytes.extend_from_slice(&good);
        let items = feed(HostCodec, &[&bytes]);
        assert_eq!(
            items,
            vec![
                Err(FrameError::Garbage { skipped: 6 }),
                Ok(resp(0x90, &[])),
                Err(FrameError::Garbage { skipped: 7 }),
                Ok(resp(0x90, &[]))
            ]
        );
        let one_by_one: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(without_garbage(feed(HostCodec, &one_by_one)), vec![Ok(resp(0x90, &[])), Ok(resp(0x90, &[]))]);
    }

    #[test]
    fn bad_checksum_is_reported_and_the_next_frame_decodes() {
        let mut bytes = hex("AA AA AA 96 69 00 03 10 FF ED");
        bytes.extend_from_slice(&hex("AA AA AA 96 69 00 03 20 01 22"));
        assert_eq!(
            feed(DeviceCodec, &[&bytes]),
            vec![Err(FrameError::Checksum { computed: 0xEC, received: 0xED }), Ok(req(0x20, 0x01, &[]))]
        );
        let mut bytes = hex("AA AA AA 96 69 00 04 00 00 90 95");
        bytes.extend_from_slice(&hex("AA AA AA 96 69 00 04 00 00 80 84"));
        assert_eq!(
            feed(HostCodec, &[&bytes]),
            vec![Err(FrameError::Checksum { computed: 0x94, received: 0x95 }), Ok(resp(0x80, &[]))]
        );
    }

    #[test]
    fn a_frame_cut_short_does_not_swallow_the_next_one() {
        // A reply lost its tail; its Len reaches into the next frame, whose preamble is found again.
        let mut bytes = hex("AA AA AA 96 69 00 08 00 00 9F 00");
        bytes.extend_from_slice(&hex("AA AA AA 96 69 00 04 00 00 80 84"));
        let items = feed(HostCodec, &[&bytes]);
        assert!(matches!(items[0], Err(FrameError::Checksum { .. })), "{items:?}");
        assert_eq!(without_garbage(items)[1..], [Ok(resp(0x80, &[]))]);
    }

    #[test]
    fn bad_lengths_are_reported_and_the_next_frame_decodes() {
        let good = hex("AA AA AA 96 69 00 04 00 00 41 45");
        let mut bytes = hex("AA AA AA 96 69 FF FF 00 00 90");
        bytes.extend_from_slice(&good);
        assert_eq!(
            feed(HostCodec, &[&bytes]),
            vec![Err(FrameError::LengthTooLong { len: 0xFFFF, max: MAX_LEN }), Ok(resp(0x41, &[]))]
        );
        let mut bytes = hex("AA AA AA 96 69 00 03 90 93");
        bytes.extend_from_slice(&good);
        assert_eq!(
            feed(HostCodec, &[&bytes]),
            vec![Err(FrameError::LengthTooShort { len: 3, min: MIN_RESPONSE_LEN }), Ok(resp(0x41, &[]))]
        );
        let mut bytes = hex("AA AA AA 96 69 00 02 10 12");
        bytes.extend_from_slice(&hex("AA AA AA 96 69 00 03 10 FF EC"));
        assert_eq!(
            feed(DeviceCodec, &[&bytes]),
            vec![Err(FrameError::LengthTooShort { len: 2, min: MIN_REQUEST_LEN }), Ok(req(0x10, 0xFF, &[]))]
        );
    }

    #[test]
    fn biggest_frame_fits_and_bigger_data_is_refused() {
        let big = resp(0x90, &vec![0x5A; usize::from(MAX_LEN) - 4]);
        let bytes = encode_response(&big).unwrap();
        assert_eq!(bytes.len(), MAX_FRAME);
        assert_eq!(feed(HostCodec, &[&bytes]), vec![Ok(big)]);
        let too_big = resp(0x90, &vec![0; usize::from(MAX_LEN) - 3]);
        assert_eq!(
            encode_response(&too_big),
            Err(FrameError::DataTooLong { len: usize::from(MAX_LEN) - 3, max: usize::from(MAX_LEN) - 4 })
        );
        let err = DeviceCodec.encode(too_big, &mut BytesMut::new()).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        let too_big = req(0x61, 0xFF, &vec![0; usize::from(MAX_LEN) - 2]);
        assert!(matches!(encode_request(&too_big), Err(FrameError::DataTooLong { .. })));
    }

    #[test]
    fn stream_ending_inside_a_frame_is_reported() {
        let bytes = hex("AA AA AA 96 69 00 04 00");
        assert_eq!(feed(HostCodec, &[&bytes]), vec![Err(FrameError::Truncated { len: 8 })]);
        assert_eq!(feed(HostCodec, &[&[]]), vec![]);
    }

    #[test]
    fn debug_hides_response_data() {
        assert_eq!(format!("{:?}", resp(0x90, &[1, 2, 3])), "Response { sw1: 00, sw2: 00, sw3: 90, data: 3 bytes }");
        assert_eq!(resp(0x90, &[1, 2]).into_data(), vec![1, 2]);
    }

    fn request_strategy() -> impl Strategy<Value = Request> {
        (any::<u8>(), any::<u8>(), proptest::collection::vec(any::<u8>(), 0..300))
            .prop_map(|(cmd, para, data)| Request { cmd, para, data })
    }

    fn response_strategy() -> impl Strategy<Value = Response> {
        (any::<u8>(), any::<u8>(), any::<u8>(), proptest::collection::vec(any::<u8>(), 0..300))
            .prop_map(|(sw1, sw2, sw3, data)| Response { sw1, sw2, sw3, data })
    }

    /// Garbage that cannot hold a whole preamble (it has no 69), so it cannot take a frame with it.
    fn garbage_strategy() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(any::<u8>().prop_map(|b| if b == 0x69 { 0 } else { b }), 0..20)
    }

    /// Split `bytes` at every position in `cuts` (taken modulo the length).
    fn split<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
        let mut at: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
        at.sort_unstable();
        let mut out = Vec::new();
        let mut from = 0;
        for a in at {
            out.push(&bytes[from..a]);
            from = a;
        }
        out.push(&bytes[from..]);
        out
    }

    proptest! {
        #[test]
        fn requests_round_trip(requests in proptest::collection::vec(request_strategy(), 1..5),
                               cuts in proptest::collection::vec(any::<usize>(), 0..4)) {
            let mut wire = BytesMut::new();
            for r in &requests {
                HostCodec.encode(r.clone(), &mut wire).unwrap();
            }
            let first = encode_request(&requests[0]).unwrap();
            prop_assert_eq!(
                decode_request(&wire),
                Decoded::Frame { frame: requests[0].clone(), consumed: first.len() }
            );
            let expected: Vec<_> = requests.into_iter().map(Ok).collect();
            prop_assert_eq!(feed(DeviceCodec, &[&wire]), expected.clone());
            prop_assert_eq!(feed(DeviceCodec, &split(&wire, &cuts)), expected);
        }

        #[test]
        fn responses_round_trip(responses in proptest::collection::vec(response_strategy(), 1..5),
                                cuts in proptest::collection::vec(any::<usize>(), 0..4)) {
            let mut wire = BytesMut::new();
            for r in &responses {
                DeviceCodec.encode(r.clone(), &mut wire).unwrap();
            }
            let first = encode_response(&responses[0]).unwrap();
            prop_assert_eq!(
                decode_response(&wire),
                Decoded::Frame { frame: responses[0].clone(), consumed: first.len() }
            );
            let expected: Vec<_> = responses.into_iter().map(Ok).collect();
            prop_assert_eq!(feed(HostCodec, &[&wire]), expected.clone());
            prop_assert_eq!(feed(HostCodec, &split(&wire, &cuts)), expected);
        }

        #[test]
        fn garbage_between_frames_is_skipped(
            parts in proptest::collection::vec((garbage_strategy(), response_strategy()), 1..5),
            tail in garbage_strategy(),
            cut in any::<usize>(),
        ) {
            let mut wire = Vec::new();
            for (garbage, r) in &parts {
                wire.extend_from_slice(garbage);
                wire.extend_from_slice(&encode_response(r).unwrap());
            }
            wire.extend_from_slice(&tail);
            let frames = |items: Vec<Result<Response, FrameError>>| -> Vec<Response> {
                items.into_iter().filter_map(Result::ok).collect()
            };
            let expected: Vec<Response> = parts.into_iter().map(|(_, r)| r).collect();
            prop_assert_eq!(frames(feed(HostCodec, &[&wire])), expected.clone());
            prop_assert_eq!(frames(feed(HostCodec, &split(&wire, &[cut]))), expected);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), cut in any::<usize>()) {
            for decoded in [decode_request(&bytes).map_ok(), decode_response(&bytes).map_ok()] {
                match decoded {
                    Decoded::Frame { consumed: n, .. } | Decoded::Invalid { skip: n, .. } => {
                        prop_assert!(n >= 1 && n <= bytes.len());
                    }
                    Decoded::NeedMore => prop_assert!(bytes.len() < MAX_FRAME),
                }
            }
            let pieces = split(&bytes, &[cut]);
            prop_assert_eq!(without_garbage(feed(HostCodec, &[&bytes])), without_garbage(feed(HostCodec, &pieces)));
            prop_assert_eq!(without_garbage(feed(DeviceCodec, &[&bytes])), without_garbage(feed(DeviceCodec, &pieces)));
        }

        #[test]
        fn framed_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..2048), cut in any::<usize>()) {
            // A preamble in front makes the decoders look at the length and checksum paths.
            let mut bytes = PREAMBLE.to_vec();
            bytes.extend_from_slice(&body);
            let pieces = split(&bytes, &[cut]);
            prop_assert_eq!(without_garbage(feed(HostCodec, &[&bytes])), without_garbage(feed(HostCodec, &pieces)));
            prop_assert_eq!(without_garbage(feed(DeviceCodec, &[&bytes])), without_garbage(feed(DeviceCodec, &pieces)));
        }
    }

    impl<T> Decoded<T> {
        /// Forget the frame (for comparing outcomes of different frame types).
        fn map_ok(self) -> Decoded<()> {
            match self {
                Decoded::Frame { consumed, .. } => Decoded::Frame { frame: (), consumed },
                Decoded::NeedMore => Decoded::NeedMore,
                Decoded::Invalid { error, skip } => Decoded::Invalid { error, skip },
            }
        }
    }
}
