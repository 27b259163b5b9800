//! Printer side: [`PrinterDecoder`] turns the ESC/POS byte stream a printer receives back into
//! [`Command`]s (what the simulated printer uses to understand what it is sent).
//!
//! Sources (see `shared/protocols.md` §4): python-escpos/python-escpos `src/escpos/constants.py`
//! and `src/escpos/escpos.py` `qr()` / `_send_2d_code_data`; the Chinese double-byte mode and the
//! lengths of commands the kiosk never sends are *(unverified)* (see [`super::command`]).
//!
//! ESC/POS has no frames, preambles or checksums: every byte is either printable text or part of
//! a command. The decoder therefore "resynchronises" by giving every byte a meaning: a stray
//! control byte or an unknown sequence becomes one [`Command::Unknown`] item and the next byte
//! starts afresh. Lengths are checked where the protocol has them (`GS ( k` and the other
//! length-prefixed families) and every buffer is bounded ([`MAX_TEXT_RUN`], [`MAX_SEQUENCE`],
//! [`QR_MAX_DATA`], [`MAX_BARCODE_DATA`]): an over-long command is reported as an error item and
//! its declared bytes are skipped as they arrive, never buffered.

use super::command::*;
use bytes::{Buf, BytesMut};
use encoding_rs::GB18030;
use std::io;
use tokio_util::codec::Decoder;

/// The longest run of printable bytes accepted as one [`Command::Text`]: 4 KiB, far above a
/// 48-column line at any size. A longer run is [`EscPosError::TextTooLong`] and is discarded up
/// to the next control byte.
pub const MAX_TEXT_RUN: usize = 4096;

/// The longest command passed through whole as [`Command::Unknown`] (a raster logo fits).
pub const MAX_SEQUENCE: usize = 65_536;

/// The longest `GS k` barcode data (NUL-terminated forms).
pub const MAX_BARCODE_DATA: usize = 255;

/// Why some received bytes are not a command. Each is one item of the stream, which goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EscPosError {
    /// A run of printable bytes longer than [`MAX_TEXT_RUN`]; the run was discarded.
    #[error("text run longer than {max} bytes without a control byte; expected a line feed or command")]
    TextTooLong {
        /// The limit.
        max: usize,
    },
    /// A QR store whose data is longer than one symbol holds; its bytes were skipped.
    #[error("QR store of {len} data bytes; expected at most {max}")]
    QrTooLong {
        /// Data bytes declared (pL + 256·pH − 3).
        len: usize,
        /// [`QR_MAX_DATA`].
        max: usize,
    },
    /// A QR function whose pL pH disagrees with the function's fixed length; its bytes were
    /// skipped.
    #[error("QR function 0x{function:02X} declares {got} parameter bytes (pL pH); expected {expected}")]
    BadQrLength {
        /// The `fn` byte.
        function: u8,
        /// What the function takes (for store: at least this).
        expected: usize,
        /// What pL + 256·pH declared.
        got: usize,
    },
    /// A command longer than [`MAX_SEQUENCE`]; its bytes were skipped.
    #[error("command of {len} bytes; expected at most {max}")]
    SequenceTooLong {
        /// Its declared length, prefix included.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// `GS k m` barcode data with no NUL within [`MAX_BARCODE_DATA`] bytes; those bytes were
    /// skipped.
    #[error("barcode data without its NUL terminator within {max} bytes")]
    UnterminatedBarcode {
        /// The limit.
        max: usize,
    },
    /// The stream ended in the middle of a command.
    #[error("stream ended inside a command ({len} bytes of it received)")]
    Truncated {
        /// The bytes that were buffered.
        len: usize,
    },
}

/// A tokio-util [`Decoder`] for the printer side of the wire: bytes in, [`Command`]s out.
///
/// - Returns `Ok(None)` until a command is complete. A text run is complete at the next control
///   byte (below 0x20), so a line's text comes out when its `LF` (or the next command) arrives;
///   at the end of the stream [`Decoder::decode_eof`] gives out the rest of the run.
/// - Text is GB18030 (decoded with `encoding_rs::GB18030`, malformed bytes as U+FFFD) while the
///   Chinese mode is on; otherwise ASCII, each byte above 0x7F as U+FFFD (single-byte code pages
///   are not modelled).
/// - Bad input is an `Err(EscPosError)` item, never a stream error; the stream goes on.
///
/// Lengths assumed for commands that are not one of the [`Command`] variants (all
/// *(unverified)*, from memory of Epson's ESC/POS reference):
///
/// - `ESC x`, `GS x`, `FS x`, `DLE x`: 2 bytes plus the parameter count listed in
///   [`PARAMETER_COUNTS`]; **2 bytes** when not listed (the next byte is decoded on its own).
/// - `ESC ( fn pL pH …`, `GS ( fn pL pH …`, `FS ( fn pL pH …`: 5 + pL + 256·pH.
/// - `ESC * m nL nH …`: 5 + k, k = n for m = 0, 1 and 3n for m = 32, 33 (n = nL + 256·nH);
///   other m: 3 bytes.
/// - `GS k m …`: m = 0…6, up to and including a NUL; m = 65…73: 4 + the count byte; other m: 3.
/// - `GS v 0 m xL xH yL yH …`: 8 + x·y; `GS v` followed by anything else: 2.
/// - `GS V 65 n` / `GS V 66 n` (feed then cut): 4 bytes, decoded as a cut (the feed, in motion
///   units, is dropped); `GS V` with any other m than 0, 1, 48, 49, 65, 66: 3 bytes, unknown.
/// - `ESC a n` with n not 0-2 / '0'-'2': 3 bytes, unknown. `GS r n` with n not 1 / '1': 3 bytes,
///   unknown. `GS ( k` with cn 0x31 and a fixed-length function whose pL pH is wrong:
///   [`EscPosError::BadQrLength`], its declared bytes skipped.
/// - Any other control byte (HT, CR, NUL, …): 1 byte, unknown.
///
/// Real printers execute `DLE EOT` even in the middle of another command's parameters; this
/// decoder does not (it reads parameters as parameters).
#[derive(Debug, Clone, Default)]
pub struct PrinterDecoder {
    /// Chinese double-byte mode on.
    chinese: bool,
    /// The mode at power on, restored by `ESC @` if [`INIT_CANCELS_CHINESE_MODE`].
    power_on_chinese: bool,
    /// Bytes of a rejected over-long command still to be discarded.
    skip: usize,
    /// Discarding the rest of an over-long text run.
    skip_text: bool,
}

impl PrinterDecoder {
    /// A decoder for a printer that starts with its Chinese mode off (the Epson default).
    pub fn new() -> PrinterDecoder {
        PrinterDecoder::default()
    }

    /// A decoder for a printer that starts with its Chinese mode `on` (as many printers sold in
    /// China are set up).
    pub fn with_chinese_mode(on: bool) -> PrinterDecoder {
        PrinterDecoder { chinese: on, power_on_chinese: on, ..PrinterDecoder::default() }
    }

    /// Whether text is currently decoded as GB18030.
    pub fn chinese_mode(&self) -> bool {
        self.chinese
    }

    /// Track the state commands change.
    fn apply(&mut self, command: &Command) {
        match command {
            Command::ChineseMode(on) => self.chinese = *on,
            Command::Init if INIT_CANCELS_CHINESE_MODE => self.chinese = self.power_on_chinese,
            _ => {}
        }
    }
}

impl Decoder for PrinterDecoder {
    type Item = Result<Command, EscPosError>;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, io::Error> {
        if self.skip > 0 {
            let n = self.skip.min(src.len());
            src.advance(n);
            self.skip -= n;
            if self.skip > 0 {
                return Ok(None);
            }
        }
        if self.skip_text {
            let n = src.iter().take_while(|b| is_text(**b)).count();
            src.advance(n);
            if src.is_empty() {
                return Ok(None);
            }
            self.skip_text = false;
        }
        Ok(match parse(src, self.chinese) {
            Step::Incomplete => None,
            Step::Done { len, command } => {
                src.advance(len.min(src.len()));
                self.apply(&command);
                Some(Ok(command))
            }
            Step::Reject { len, error, then_skip_text } => {
                let n = len.min(src.len());
                src.advance(n);
                self.skip = len - n;
                self.skip_text = then_skip_text;
                Some(Err(error))
            }
        })
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, io::Error> {
        if let Some(item) = self.decode(src)? {
            return Ok(Some(item));
        }
        self.skip = 0;
        self.skip_text = false;
        let Some(&first) = src.first() else { return Ok(None) };
        // `decode` leaves bytes only when they are an incomplete command or an unterminated
        // text run (at most MAX_TEXT_RUN bytes, all printable).
        let item = if is_text(first) {
            Ok(Command::Text(decode_text(src, self.chinese)))
        } else {
            Err(EscPosError::Truncated { len: src.len() })
        };
        src.clear();
        Ok(Some(item))
    }
}

/// Whether a byte is printable text rather than a control byte.
fn is_text(b: u8) -> bool {
    b >= 0x20
}

/// Text bytes as a string: GB18030 in Chinese mode, ASCII otherwise.
fn decode_text(bytes: &[u8], chinese: bool) -> String {
    if chinese {
        GB18030.decode_without_bom_handling(bytes).0.into_owned()
    } else {
        bytes.iter().map(|&b| if b.is_ascii() { char::from(b) } else { char::REPLACEMENT_CHARACTER }).collect()
    }
}

/// What the bytes at the start of a buffer are.
#[derive(Debug)]
enum Step {
    /// More bytes are needed.
    Incomplete,
    /// A command of `len` bytes (all in the buffer).
    Done { len: usize, command: Command },
    /// `len` bytes (possibly more than are buffered: the rest is skipped as it arrives) that are
    /// reported as `error`; then, if `then_skip_text`, the rest of a text run is discarded too.
    Reject { len: usize, error: EscPosError, then_skip_text: bool },
}

/// The byte at `i`, or return `Step::Incomplete` from the calling function.
macro_rules! byte_at {
    ($buf:expr, $i:expr) => {
        match $buf.get($i) {
            Some(b) => *b,
            None => return Step::Incomplete,
        }
    };
}

/// Decode the first command (or text run) of `buf`.
fn parse(buf: &[u8], chinese: bool) -> Step {
    let first = byte_at!(buf, 0);
    if is_text(first) {
        return text(buf, chinese);
    }
    // The Chinese-mode pair lives in one (unverified) constant: match it before the prefix tables.
    if buf.len() >= 2 {
        if buf.starts_with(&CHINESE_MODE.on) {
            return Step::Done { len: 2, command: Command::ChineseMode(true) };
        }
        if buf.starts_with(&CHINESE_MODE.off) {
            return Step::Done { len: 2, command: Command::ChineseMode(false) };
        }
    }
    match first {
        LF => Step::Done { len: 1, command: Command::LineFeed },
        ESC => esc(buf),
        GS => gs(buf),
        FS => fs(buf),
        DLE => dle(buf),
        other => Step::Done { len: 1, command: Command::Unknown(vec![other]) },
    }
}

/// A run of printable bytes up to the next control byte.
fn text(buf: &[u8], chinese: bool) -> Step {
    let run = buf.iter().take(MAX_TEXT_RUN + 1).take_while(|b| is_text(**b)).count();
    if run > MAX_TEXT_RUN {
        return Step::Reject { len: run, error: EscPosError::TextTooLong { max: MAX_TEXT_RUN }, then_skip_text: true };
    }
    match buf.get(..run) {
        // A run reaching the end of the buffer may go on in the next read.
        Some(bytes) if run < buf.len() => Step::Done { len: run, command: Command::Text(decode_text(bytes, chinese)) },
        _ => Step::Incomplete,
    }
}

/// A command of `len` bytes passed through as `Unknown` (rejected beyond [`MAX_SEQUENCE`]).
fn unknown(buf: &[u8], len: usize) -> Step {
    if len > MAX_SEQUENCE {
        return Step::Reject {
            len,
            error: EscPosError::SequenceTooLong { len, max: MAX_SEQUENCE },
            then_skip_text: false,
        };
    }
    match buf.get(..len) {
        Some(bytes) => Step::Done { len, command: Command::Unknown(bytes.to_vec()) },
        None => Step::Incomplete,
    }
}

/// `prefix function n`: a three-byte command built from `n`.
fn with_param(buf: &[u8], make: impl FnOnce(u8) -> Command) -> Step {
    let n = byte_at!(buf, 2);
    Step::Done { len: 3, command: make(n) }
}

/// A command not decoded by name: its length from [`PARAMETER_COUNTS`], else 2.
fn listed(buf: &[u8], prefix: u8, function: u8) -> Step {
    unknown(buf, 2 + parameter_count(prefix, function).unwrap_or(0))
}

/// `ESC …`.
fn esc(buf: &[u8]) -> Step {
    let f = byte_at!(buf, 1);
    match f {
        0x40 => Step::Done { len: 2, command: Command::Init },
        0x64 => with_param(buf, Command::Feed),
        0x61 => {
            let n = byte_at!(buf, 2);
            match align_from_byte(n) {
                Some(a) => Step::Done { len: 3, command: Command::Align(a) },
                None => unknown(buf, 3),
            }
        }
        0x45 => with_param(buf, |n| Command::Bold(n & 1 != 0)),
        0x2D => with_param(buf, Command::Underline),
        0x21 => with_param(buf, Command::PrintMode),
        0x74 => with_param(buf, Command::CodePage),
        0x28 => length_prefixed(buf),
        0x2A => bit_image(buf),
        _ => listed(buf, ESC, f),
    }
}

/// `GS …`.
fn gs(buf: &[u8]) -> Step {
    let f = byte_at!(buf, 1);
    match f {
        0x21 => with_param(buf, |n| {
            let (width, height) = size_from_byte(n);
            Command::Size { width, height }
        }),
        0x42 => with_param(buf, |n| Command::Reverse(n & 1 != 0)),
        0x56 => match byte_at!(buf, 2) {
            0x00 | 0x30 => Step::Done { len: 3, command: Command::Cut { partial: false } },
            0x01 | 0x31 => Step::Done { len: 3, command: Command::Cut { partial: true } },
            m @ (0x41 | 0x42) if buf.len() >= 4 => Step::Done { len: 4, command: Command::Cut { partial: m == 0x42 } },
            0x41 | 0x42 => Step::Incomplete,
            _ => unknown(buf, 3),
        },
        0x72 => match byte_at!(buf, 2) {
            0x01 | 0x31 => Step::Done { len: 3, command: Command::PaperSensorStatus },
            _ => unknown(buf, 3),
        },
        0x28 => length_prefixed(buf),
        0x6B => barcode(buf),
        0x76 => raster(buf),
        _ => listed(buf, GS, f),
    }
}

/// `FS …` (the Chinese-mode pair is matched in [`parse`]).
fn fs(buf: &[u8]) -> Step {
    let f = byte_at!(buf, 1);
    match f {
        0x28 => length_prefixed(buf),
        _ => listed(buf, FS, f),
    }
}

/// `DLE …`.
fn dle(buf: &[u8]) -> Step {
    let f = byte_at!(buf, 1);
    match f {
        EOT => with_param(buf, Command::RealtimeStatus),
        _ => listed(buf, DLE, f),
    }
}

/// `prefix ( fn pL pH params…`: 5 + pL + 256·pH bytes; `GS ( k` is the QR / 2D-code family.
fn length_prefixed(buf: &[u8]) -> Step {
    let prefix = byte_at!(buf, 0);
    let function = byte_at!(buf, 2);
    let declared = usize::from(u16::from_le_bytes([byte_at!(buf, 3), byte_at!(buf, 4)]));
    if prefix == GS && function == QR_PREFIX[2] { qr(buf, declared) } else { unknown(buf, 5 + declared) }
}

/// `GS ( k pL pH cn fn …` with `declared` = pL + 256·pH.
fn qr(buf: &[u8], declared: usize) -> Step {
    let total = 5 + declared;
    if declared < 2 {
        return unknown(buf, total);
    }
    let cn = byte_at!(buf, 5);
    let function = byte_at!(buf, 6);
    if cn != QR_CN {
        return unknown(buf, total);
    }
    let bad_length = |expected| Step::Reject {
        len: total,
        error: EscPosError::BadQrLength { function, expected, got: declared },
        then_skip_text: false,
    };
    match function {
        QR_FN_MODEL if declared != 4 => bad_length(4),
        QR_FN_MODULE_SIZE | QR_FN_ERROR_CORRECTION | QR_FN_PRINT if declared != 3 => bad_length(3),
        QR_FN_STORE if declared < 3 => bad_length(3),
        QR_FN_STORE if declared - 3 > QR_MAX_DATA => Step::Reject {
            len: total,
            error: EscPosError::QrTooLong { len: declared - 3, max: QR_MAX_DATA },
            then_skip_text: false,
        },
        QR_FN_MODEL => match (byte_at!(buf, 7), byte_at!(buf, 8)) {
            (n1, 0) => Step::Done { len: total, command: Command::Qr(QrCommand::Model(n1)) },
            _ => unknown(buf, total),
        },
        QR_FN_MODULE_SIZE => with_qr_param(buf, QrCommand::ModuleSize),
        QR_FN_ERROR_CORRECTION => with_qr_param(buf, QrCommand::ErrorCorrection),
        QR_FN_PRINT => match byte_at!(buf, 7) {
            QR_M => Step::Done { len: total, command: Command::Qr(QrCommand::Print) },
            _ => unknown(buf, total),
        },
        QR_FN_STORE => match (buf.get(..total), byte_at!(buf, 7)) {
            (None, _) => Step::Incomplete,
            (Some(all), QR_M) => {
                let data = all.get(8..).unwrap_or_default().to_vec();
                Step::Done { len: total, command: Command::Qr(QrCommand::Store(data)) }
            }
            (Some(_), _) => unknown(buf, total),
        },
        _ => unknown(buf, total),
    }
}

/// `GS ( k 03 00 31 fn n` (8 bytes).
fn with_qr_param(buf: &[u8], make: impl FnOnce(u8) -> QrCommand) -> Step {
    let n = byte_at!(buf, 7);
    Step::Done { len: 8, command: Command::Qr(make(n)) }
}

/// `ESC * m nL nH d…` (bit image).
fn bit_image(buf: &[u8]) -> Step {
    let m = byte_at!(buf, 2);
    let per_column = match m {
        0 | 1 => 1,
        32 | 33 => 3,
        _ => return unknown(buf, 3),
    };
    let n = usize::from(u16::from_le_bytes([byte_at!(buf, 3), byte_at!(buf, 4)]));
    unknown(buf, 5 + n * per_column)
}

/// `GS k m …` (barcode).
fn barcode(buf: &[u8]) -> Step {
    let m = byte_at!(buf, 2);
    match m {
        0..=6 => {
            let data = buf.get(3..).unwrap_or_default();
            match data.iter().take(MAX_BARCODE_DATA + 1).position(|b| *b == 0) {
                Some(nul) => unknown(buf, 3 + nul + 1),
                None if data.len() > MAX_BARCODE_DATA => Step::Reject {
                    len: 3 + MAX_BARCODE_DATA + 1,
                    error: EscPosError::UnterminatedBarcode { max: MAX_BARCODE_DATA },
                    then_skip_text: false,
                },
                None => Step::Incomplete,
            }
        }
        65..=73 => {
            let n = byte_at!(buf, 3);
            unknown(buf, 4 + usize::from(n))
        }
        _ => unknown(buf, 3),
    }
}

/// `GS v 0 m xL xH yL yH d…` (raster bit image, x bytes by y dots).
fn raster(buf: &[u8]) -> Step {
    if byte_at!(buf, 2) != 0x30 {
        return unknown(buf, 2);
    }
    let x = usize::from(u16::from_le_bytes([byte_at!(buf, 4), byte_at!(buf, 5)]));
    let y = usize::from(u16::from_le_bytes([byte_at!(buf, 6), byte_at!(buf, 7)]));
    let len = x.checked_mul(y).and_then(|d| d.checked_add(8)).unwrap_or(usize::MAX);
    unknown(buf, len)
}

#[cfg(test)]
mod tests {
    use super::super::encode::{encode, encode_command};
    use super::*;
    use crate::receipt::Align;
    use proptest::prelude::*;

    type Items = Vec<Result<Command, EscPosError>>;

    /// Decode `chunks` in order, then the end of the stream.
    fn decode_chunks(decoder: &mut PrinterDecoder, chunks: &[&[u8]]) -> Items {
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            while let Some(item) = decoder.decode(&mut buf).unwrap() {
                out.push(item);
            }
        }
        while let Some(item) = decoder.decode_eof(&mut buf).unwrap() {
            out.push(item);
        }
        assert!(buf.is_empty());
        out
    }

    fn decode_all(bytes: &[u8]) -> Items {
        decode_chunks(&mut PrinterDecoder::new(), &[bytes])
    }

    fn ok(items: Items) -> Vec<Command> {
        items.into_iter().map(|i| i.unwrap()).collect()
    }

    #[test]
    fn basic_commands_decode() {
        let bytes = [
            0x1B, 0x40, 0x0A, 0x1B, 0x64, 3, 0x1B, 0x61, 1, 0x1B, 0x61, b'2', 0x1B, 0x45, 1, 0x1B, 0x2D, 2, 0x1B, 0x21,
            0x30, 0x1D, 0x21, 0x11, 0x1D, 0x42, 1, 0x1B, 0x74, 0, 0x1C, 0x26, 0x1C, 0x2E, 0x1D, 0x56, 0x00, 0x1D, 0x56,
            0x01, 0x10, 0x04, 4, 0x1D, 0x72, 0x01,
        ];
        assert_eq!(
            ok(decode_all(&bytes)),
            vec![
                Command::Init,
                Command::LineFeed,
                Command::Feed(3),
                Command::Align(Align::Centre),
                Command::Align(Align::Right),
                Command::Bold(true),
                Command::Underline(2),
                Command::PrintMode(0x30),
                Command::Size { width: 2, height: 2 },
                Command::Reverse(true),
                Command::CodePage(0),
                Command::ChineseMode(true),
                Command::ChineseMode(false),
                Command::Cut { partial: false },
                Command::Cut { partial: true },
                Command::RealtimeStatus(4),
                Command::PaperSensorStatus,
            ]
        );
    }

    #[test]
    fn qr_sequence_from_protocols_md() {
        let mut bytes = vec![0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00];
        bytes.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06]);
        bytes.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31]);
        bytes.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x05, 0x00, 0x31, 0x50, 0x30, b'h', b'i']);
        bytes.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]);
        assert_eq!(
            ok(decode_all(&bytes)),
            vec![
                Command::Qr(QrCommand::Model(QR_MODEL_2)),
                Command::Qr(QrCommand::ModuleSize(6)),
                Command::Qr(QrCommand::ErrorCorrection(QR_EC_M)),
                Command::Qr(QrCommand::Store(b"hi".to_vec())),
                Command::Qr(QrCommand::Print),
            ]
        );
    }

    #[test]
    fn chinese_text_needs_chinese_mode() {
        let bytes = [0xBA, 0xC5, 0x0A, 0x1C, 0x26, b'A', 0xBA, 0xC5, 0x0A];
        assert_eq!(
            ok(decode_all(&bytes)),
            vec![
                Command::Text("\u{FFFD}\u{FFFD}".into()),
                Command::LineFeed,
                Command::ChineseMode(true),
                Command::Text("A号".into()),
                Command::LineFeed,
            ]
        );
        let mut d = PrinterDecoder::with_chinese_mode(true);
        assert!(d.chinese_mode());
        assert_eq!(
            ok(decode_chunks(&mut d, &[&[0xD6, 0xD0, 0x0A]])),
            vec![Command::Text("中".into()), Command::LineFeed]
        );
    }

    #[test]
    fn partial_input_waits_then_completes() {
        let mut d = PrinterDecoder::with_chinese_mode(true);
        let mut buf = BytesMut::new();
        // Text is complete only at the next control byte, even split inside a character.
        for part in [&[b'A', 0xBA][..], &[0xC5][..]] {
            buf.extend_from_slice(part);
            assert_eq!(d.decode(&mut buf).unwrap(), None);
        }
        buf.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x05]);
        assert_eq!(d.decode(&mut buf).unwrap(), Some(Ok(Command::Text("A号".into()))));
        assert_eq!(d.decode(&mut buf).unwrap(), None);
        buf.extend_from_slice(&[0x00, 0x31, 0x50, 0x30, b'x']);
        assert_eq!(d.decode(&mut buf).unwrap(), None);
        buf.extend_from_slice(b"y");
        assert_eq!(d.decode(&mut buf).unwrap(), Some(Ok(Command::Qr(QrCommand::Store(b"xy".to_vec())))));
        assert_eq!(d.decode(&mut buf).unwrap(), None);
        assert!(buf.is_empty());
    }

    #[test]
    fn end_of_stream_flushes_text_and_reports_truncation() {
        assert_eq!(decode_all(b"tail"), vec![Ok(Command::Text("tail".into()))]);
        assert_eq!(
            decode_all(&[b'a', 0x0A, 0x1B]),
            vec![Ok(Command::Text("a".into())), Ok(Command::LineFeed), Err(EscPosError::Truncated { len: 1 })]
        );
        assert_eq!(
            decode_all(&[0x1D, 0x28, 0x6B, 0x06, 0x00, 0x31, 0x50, 0x30]),
            vec![Err(EscPosError::Truncated { len: 8 })]
        );
    }

    #[test]
    fn unknown_sequences_pass_through_whole() {
        let drawer = [0x1B, 0x70, 0x00, 0x19, 0xFA];
        let pdf417 = [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x30, 0x41, 0x02];
        let barcode = [0x1D, 0x6B, 0x04, b'1', b'2', b'3', 0x00];
        let barcode_b = [0x1D, 0x6B, 0x49, 0x03, b'1', b'2', b'3'];
        let raster = [0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x02, 0x00, 0xFF, 0x00, 0x0F, 0xF0];
        let bit_image = [0x1B, 0x2A, 0x21, 0x01, 0x00, 0xAA, 0xBB, 0xCC];
        let unlisted = [0x1B, 0x01];
        let beeper = [0x1B, 0x28, 0x41, 0x01, 0x00, 0x09];
        for seq in
            [&drawer[..], &pdf417, &barcode, &barcode_b, &raster, &bit_image, &unlisted, &beeper, &[0x0D], &[0x09]]
        {
            let mut bytes = seq.to_vec();
            bytes.extend_from_slice(b"ok\n");
            assert_eq!(
                ok(decode_all(&bytes)),
                vec![Command::Unknown(seq.to_vec()), Command::Text("ok".into()), Command::LineFeed],
                "{seq:02X?}"
            );
        }
        // Feed-then-cut decodes as the cut.
        assert_eq!(ok(decode_all(&[0x1D, 0x56, 0x42, 0x10])), vec![Command::Cut { partial: true }]);
    }

    #[test]
    fn garbage_between_commands_is_skipped() {
        let mut bytes = vec![0x00, 0x07, 0x0D, 0x7F, 0x1B, 0x01, 0x1D, 0x99, 0x10, 0x99];
        bytes.extend_from_slice(&encode_command(&Command::Bold(true)));
        bytes.extend_from_slice(&[0x11, 0x13]);
        bytes.extend_from_slice(&encode_command(&Command::Qr(QrCommand::Print)));
        let items = ok(decode_all(&bytes));
        let known: Vec<_> =
            items.into_iter().filter(|c| !matches!(c, Command::Unknown(_) | Command::Text(_))).collect();
        assert_eq!(known, vec![Command::Bold(true), Command::Qr(QrCommand::Print)]);
    }

    #[test]
    fn bad_qr_length_is_reported_and_the_next_command_decodes() {
        let mut bytes = vec![0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x43, 0x06, 0x06];
        bytes.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x01, 0x00, 0x31, 0x50]);
        bytes.extend_from_slice(&encode_command(&Command::Qr(QrCommand::Print)));
        assert_eq!(
            decode_all(&bytes),
            vec![
                Err(EscPosError::BadQrLength { function: 0x43, expected: 3, got: 4 }),
                Ok(Command::Unknown(vec![0x1D, 0x28, 0x6B, 0x01, 0x00, 0x31])),
                Ok(Command::Text("P".into())),
                Ok(Command::Qr(QrCommand::Print)),
            ]
        );
        let mut bytes = vec![0x1D, 0x28, 0x6B, 0x02, 0x00, 0x31, 0x50];
        bytes.extend_from_slice(&[0x1B, 0x40]);
        assert_eq!(
            decode_all(&bytes),
            vec![Err(EscPosError::BadQrLength { function: 0x50, expected: 3, got: 2 }), Ok(Command::Init)]
        );
    }

    #[test]
    fn too_long_qr_store_is_skipped_without_buffering() {
        let len = QR_MAX_DATA + 1;
        let mut bytes = vec![0x1D, 0x28, 0x6B];
        bytes.extend_from_slice(&u16::try_from(len + 3).unwrap().to_le_bytes());
        bytes.extend_from_slice(&[0x31, 0x50, 0x30]);
        bytes.extend(std::iter::repeat_n(b'1', len));
        bytes.extend_from_slice(&[0x1B, 0x40]);
        let want = vec![Err(EscPosError::QrTooLong { len, max: QR_MAX_DATA }), Ok(Command::Init)];
        assert_eq!(decode_all(&bytes), want);
        // Fed in small pieces, the decoder holds at most a few bytes at a time.
        let mut d = PrinterDecoder::new();
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for chunk in bytes.chunks(100) {
            buf.extend_from_slice(chunk);
            while let Some(item) = d.decode(&mut buf).unwrap() {
                out.push(item);
            }
            assert!(buf.len() < 100);
        }
        assert_eq!(out, want);
        // The largest store is accepted.
        let max = encode_command(&Command::Qr(QrCommand::Store(vec![b'9'; QR_MAX_DATA])));
        assert_eq!(ok(decode_all(&max)), vec![Command::Qr(QrCommand::Store(vec![b'9'; QR_MAX_DATA]))]);
    }

    #[test]
    fn too_long_text_and_sequences_are_errors() {
        let mut bytes = vec![b'x'; MAX_TEXT_RUN * 2 + 7];
        bytes.extend_from_slice(b"\nok\n");
        let want = vec![
            Err(EscPosError::TextTooLong { max: MAX_TEXT_RUN }),
            Ok(Command::LineFeed),
            Ok(Command::Text("ok".into())),
            Ok(Command::LineFeed),
        ];
        assert_eq!(decode_all(&bytes), want);
        for split in [1, 100, MAX_TEXT_RUN, MAX_TEXT_RUN + 1, MAX_TEXT_RUN + 2, bytes.len() - 3] {
            let (a, b) = bytes.split_at(split);
            assert_eq!(decode_chunks(&mut PrinterDecoder::new(), &[a, b]), want, "split at {split}");
        }
        let mut exact = vec![b'y'; MAX_TEXT_RUN];
        exact.push(0x0A);
        assert_eq!(ok(decode_all(&exact)), vec![Command::Text("y".repeat(MAX_TEXT_RUN)), Command::LineFeed]);

        // A raster image bigger than MAX_SEQUENCE: reported, its data skipped.
        let mut raster = vec![0x1D, 0x76, 0x30, 0x00, 0x00, 0x01, 0x01, 0x01];
        raster.extend(std::iter::repeat_n(0xAA, 256 * 257));
        raster.extend_from_slice(&[0x1B, 0x40]);
        assert_eq!(
            decode_all(&raster),
            vec![Err(EscPosError::SequenceTooLong { len: 8 + 256 * 257, max: MAX_SEQUENCE }), Ok(Command::Init)]
        );
        let mut barcode = vec![0x1D, 0x6B, 0x04];
        barcode.extend(std::iter::repeat_n(b'1', MAX_BARCODE_DATA + 1));
        barcode.extend_from_slice(&[0x1B, 0x40]);
        assert_eq!(
            decode_all(&barcode),
            vec![Err(EscPosError::UnterminatedBarcode { max: MAX_BARCODE_DATA }), Ok(Command::Init)]
        );
    }

    #[test]
    fn document_decodes_to_its_commands() {
        let doc = crate::receipt::Document::new().styled("号", Align::Right, 2, true).qr("Q");
        let cmds = ok(decode_all(&encode(&doc)));
        assert_eq!(cmds.first(), Some(&Command::Init));
        assert_eq!(cmds.get(1), Some(&Command::ChineseMode(true)));
        assert!(cmds.contains(&Command::Text("号".into())));
        assert!(cmds.contains(&Command::Qr(QrCommand::Store(b"Q".to_vec()))));
        assert_eq!(cmds.last(), Some(&Command::Cut { partial: false }));
    }

    /// Text as the generators make it: ASCII and Chinese, no control characters.
    fn text_strategy() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                (0x20u32..0x7F).prop_map(|c| char::from_u32(c).unwrap_or(' ')),
                (0x4E00u32..0x9FA6).prop_map(|c| char::from_u32(c).unwrap_or('中')),
                proptest::sample::select(vec!['，', '。', '：', '¥', '（', '）', '—', '·'])
            ],
            1..24,
        )
        .prop_map(|cs| cs.into_iter().collect())
    }

    fn command_strategy() -> impl Strategy<Value = Command> {
        let align = proptest::sample::select(vec![Align::Left, Align::Centre, Align::Right]);
        let qr = prop_oneof![
            any::<u8>().prop_map(QrCommand::Model),
            any::<u8>().prop_map(QrCommand::ModuleSize),
            any::<u8>().prop_map(QrCommand::ErrorCorrection),
            proptest::collection::vec(any::<u8>(), 0..300).prop_map(QrCommand::Store),
            Just(QrCommand::Print),
        ];
        let unknown = proptest::sample::select(vec![
            vec![0x1B, 0x70, 0x00, 0x19, 0xFA],
            vec![0x1B, 0x33, 0x30],
            vec![0x1D, 0x6B, 0x04, b'1', b'2', 0x00],
            vec![0x1D, 0x28, 0x6B, 0x03, 0x00, 0x30, 0x41, 0x02],
            vec![0x09],
            vec![0x0D],
        ]);
        prop_oneof![
            Just(Command::Init),
            text_strategy().prop_map(Command::Text),
            Just(Command::LineFeed),
            any::<u8>().prop_map(Command::Feed),
            align.prop_map(Command::Align),
            any::<bool>().prop_map(Command::Bold),
            any::<u8>().prop_map(Command::Underline),
            any::<u8>().prop_map(Command::PrintMode),
            (1u8..=16, 1u8..=16).prop_map(|(width, height)| Command::Size { width, height }),
            any::<bool>().prop_map(Command::Reverse),
            any::<u8>().prop_map(Command::CodePage),
            any::<bool>().prop_map(Command::ChineseMode),
            qr.prop_map(Command::Qr),
            any::<bool>().prop_map(|partial| Command::Cut { partial }),
            any::<u8>().prop_map(Command::RealtimeStatus),
            Just(Command::PaperSensorStatus),
            unknown.prop_map(Command::Unknown),
        ]
    }

    /// What the printer must read back for `commands`: text outside Chinese mode reduced to its
    /// ASCII, and adjacent texts joined (one run on the wire).
    fn expected(commands: &[Command], mut chinese: bool) -> Vec<Command> {
        let mut out: Vec<Command> = Vec::new();
        for c in commands {
            let c = match c {
                Command::Text(t) if !chinese => Command::Text(t.chars().filter(char::is_ascii).collect()),
                other => other.clone(),
            };
            if let Command::ChineseMode(on) = c {
                chinese = on;
            }
            match (out.last_mut(), c) {
                (_, Command::Text(t)) if t.is_empty() => {}
                (Some(Command::Text(prev)), Command::Text(t)) => prev.push_str(&t),
                (_, c) => out.push(c),
            }
        }
        out
    }

    proptest! {
        #[test]
        fn commands_round_trip(commands in proptest::collection::vec(command_strategy(), 0..40), start_chinese: bool) {
            let commands = expected(&commands, start_chinese);
            let bytes: Vec<u8> = commands.iter().flat_map(encode_command).collect();
            let items = decode_chunks(&mut PrinterDecoder::with_chinese_mode(start_chinese), &[&bytes]);
            prop_assert_eq!(ok(items), commands);
        }

        #[test]
        fn split_input_gives_the_same_commands(commands in proptest::collection::vec(command_strategy(), 0..20), at in any::<prop::sample::Index>()) {
            let bytes: Vec<u8> = commands.iter().flat_map(encode_command).collect();
            let (a, b) = bytes.split_at(at.index(bytes.len() + 1));
            let whole = decode_chunks(&mut PrinterDecoder::new(), &[&bytes]);
            prop_assert_eq!(decode_chunks(&mut PrinterDecoder::new(), &[a, b]), whole);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), at in any::<prop::sample::Index>()) {
            let whole = decode_chunks(&mut PrinterDecoder::new(), &[&bytes]);
            let (a, b) = bytes.split_at(at.index(bytes.len() + 1));
            prop_assert_eq!(decode_chunks(&mut PrinterDecoder::new(), &[a, b]), whole.clone());
            // Byte by byte too.
            let singles: Vec<&[u8]> = bytes.chunks(1).collect();
            prop_assert_eq!(decode_chunks(&mut PrinterDecoder::new(), &singles), whole);
        }

        #[test]
        fn command_like_bytes_never_panic(
            bytes in proptest::collection::vec(
                prop_oneof![
                    any::<u8>(),
                    proptest::sample::select(vec![ESC, GS, FS, DLE, LF, EOT, 0x00, 0x01, 0x03, 0x28, 0x2A, 0x31, 0x41, 0x50, 0x51, 0x56, 0x6B, 0x76, 0x30]),
                ],
                0..2048,
            ),
            at in any::<prop::sample::Index>(),
        ) {
            let whole = decode_chunks(&mut PrinterDecoder::new(), &[&bytes]);
            let (a, b) = bytes.split_at(at.index(bytes.len() + 1));
            prop_assert_eq!(decode_chunks(&mut PrinterDecoder::with_chinese_mode(false), &[a, b]), whole);
        }

        #[test]
        fn garbage_before_a_command_is_skipped(garbage in proptest::collection::vec(any::<u8>().prop_filter("no prefix", |b| ![ESC, GS, FS, DLE].contains(b)), 0..64), command in command_strategy()) {
            let command = match command { Command::Text(_) => Command::LineFeed, c => c };
            let mut bytes = garbage.clone();
            bytes.push(0x0A);
            bytes.extend(encode_command(&command));
            bytes.push(0x0A);
            let items = ok(decode_all(&bytes));
            prop_assert_eq!(items.get(items.len() - 2), Some(&command));
        }
    }
}
