//! Host side: a [`Document`] (or a single [`Command`]) as the ESC/POS bytes sent to the printer.
//!
//! Sources (see `shared/protocols.md` §4): python-escpos/python-escpos `src/escpos/constants.py`
//! and `src/escpos/escpos.py` `qr()` / `_send_2d_code_data`. Text is encoded as GB18030 with
//! `encoding_rs::GB18030` after switching the printer to its Chinese double-byte mode
//! ([`super::command::CHINESE_MODE`], *(unverified)*); ASCII stays ASCII.
//!
//! The layout of a document:
//!
//! ```text
//! ESC @, FS &                                       init, Chinese mode on
//! Text:  ESC a n, GS ! n, ESC E n, text, LF,        alignment, size, bold, the line
//!        ESC E 0, GS ! 00, ESC a 0                  style reset
//! Qr:    ESC a 1, model 2, module 6, EC M,          centred QR
//!        store, print, ESC a 0
//! Rule:  32 × '-', LF
//! Feed:  ESC d n
//! ESC d 3, GS V 00                                  feed past the cutter, full cut
//! ```
//!
//! Normalisation: control characters (below U+0020) in text become spaces (they would be
//! commands on the wire); a text size outside 1..=8 is clamped; QR data is the UTF-8 of the string,
//! truncated at a character boundary to [`QR_MAX_DATA`] bytes; a character GB18030 cannot
//! encode (only U+E5E5) becomes the numeric reference `&#58853;` (what `encoding_rs` writes).

use super::command::*;
use crate::receipt::{Align, Block, Document};
use bytes::{BufMut, BytesMut};
use encoding_rs::GB18030;
use std::io;
use tokio_util::codec::Encoder;

/// Width of a rule in characters (a 58 mm roll at font A), the same as [`Document::to_text`].
pub const RULE_WIDTH: usize = 32;
/// The character a rule is printed with.
pub const RULE_CHAR: char = '-';
/// Lines fed after the document so its last line clears the cutter, before the full cut.
pub const TRAILING_FEED: u8 = 3;
/// QR module size the kiosk prints, in dots.
pub const QR_MODULE_SIZE: u8 = 6;

/// The bytes that print `doc` and cut the paper.
pub fn encode(doc: &Document) -> Vec<u8> {
    let mut out = Vec::new();
    push(&mut out, &Command::Init);
    push(&mut out, &Command::ChineseMode(true));
    for block in &doc.blocks {
        match block {
            Block::Text { text, align, size, bold } => {
                let size = (*size).clamp(1, 8);
                push(&mut out, &Command::Align(*align));
                push(&mut out, &Command::Size { width: size, height: size });
                push(&mut out, &Command::Bold(*bold));
                push(&mut out, &Command::Text(text.clone()));
                push(&mut out, &Command::LineFeed);
                push(&mut out, &Command::Bold(false));
                push(&mut out, &Command::Size { width: 1, height: 1 });
                push(&mut out, &Command::Align(Align::Left));
            }
            Block::Qr { data } => {
                push(&mut out, &Command::Align(Align::Centre));
                push(&mut out, &Command::Qr(QrCommand::Model(QR_MODEL_2)));
                push(&mut out, &Command::Qr(QrCommand::ModuleSize(QR_MODULE_SIZE)));
                push(&mut out, &Command::Qr(QrCommand::ErrorCorrection(QR_EC_M)));
                push(&mut out, &Command::Qr(QrCommand::Store(qr_data(data))));
                push(&mut out, &Command::Qr(QrCommand::Print));
                push(&mut out, &Command::Align(Align::Left));
            }
            Block::Rule => {
                push(&mut out, &Command::Text(RULE_CHAR.to_string().repeat(RULE_WIDTH)));
                push(&mut out, &Command::LineFeed);
            }
            Block::Feed { lines } => push(&mut out, &Command::Feed(*lines)),
        }
    }
    push(&mut out, &Command::Feed(TRAILING_FEED));
    push(&mut out, &Command::Cut { partial: false });
    out
}

/// The bytes of one command.
///
/// `Text` is written as GB18030 (meant for a printer in Chinese mode; ASCII text is the same in
/// any mode) with control characters replaced by spaces; a `Qr(Store)` longer than
/// [`QR_MAX_DATA`] is truncated to it; `Size` factors are clamped to 1..=16; `Unknown` is written
/// verbatim.
pub fn encode_command(command: &Command) -> Vec<u8> {
    let mut out = Vec::new();
    push(&mut out, command);
    out
}

/// Append the bytes of `command` to `out`.
fn push(out: &mut Vec<u8>, command: &Command) {
    match command {
        Command::Init => out.extend_from_slice(&INIT),
        Command::Text(text) => out.extend_from_slice(&text_bytes(text)),
        Command::LineFeed => out.push(LF),
        Command::Feed(n) => with_param(out, FEED, *n),
        Command::Align(a) => with_param(out, ALIGN, align_byte(*a)),
        Command::Bold(on) => with_param(out, BOLD, u8::from(*on)),
        Command::Underline(n) => with_param(out, UNDERLINE, *n),
        Command::PrintMode(n) => with_param(out, PRINT_MODE, *n),
        Command::Size { width, height } => with_param(out, CHAR_SIZE, size_byte(*width, *height)),
        Command::Reverse(on) => with_param(out, REVERSE, u8::from(*on)),
        Command::CodePage(n) => with_param(out, CODE_PAGE, *n),
        Command::ChineseMode(true) => out.extend_from_slice(&CHINESE_MODE.on),
        Command::ChineseMode(false) => out.extend_from_slice(&CHINESE_MODE.off),
        Command::Qr(qr) => match qr {
            QrCommand::Model(n) => qr_function(out, QR_FN_MODEL, &[*n, 0]),
            QrCommand::ModuleSize(n) => qr_function(out, QR_FN_MODULE_SIZE, &[*n]),
            QrCommand::ErrorCorrection(n) => qr_function(out, QR_FN_ERROR_CORRECTION, &[*n]),
            QrCommand::Store(data) => {
                let data = data.get(..QR_MAX_DATA).unwrap_or(data);
                let mut params = Vec::with_capacity(data.len() + 1);
                params.push(QR_M);
                params.extend_from_slice(data);
                qr_function(out, QR_FN_STORE, &params);
            }
            QrCommand::Print => qr_function(out, QR_FN_PRINT, &[QR_M]),
        },
        Command::Cut { partial: false } => out.extend_from_slice(&CUT_FULL),
        Command::Cut { partial: true } => out.extend_from_slice(&CUT_PARTIAL),
        Command::RealtimeStatus(n) => with_param(out, REALTIME_STATUS, *n),
        Command::PaperSensorStatus => out.extend_from_slice(&PAPER_SENSOR_STATUS),
        Command::Unknown(bytes) => out.extend_from_slice(bytes),
    }
}

/// `prefix n`.
fn with_param(out: &mut Vec<u8>, prefix: [u8; 2], n: u8) {
    out.extend_from_slice(&prefix);
    out.push(n);
}

/// `GS ( k pL pH 31 fn params`, where pL + 256·pH = params length + 2 (cn and fn). Callers keep
/// `params` within [`QR_MAX_DATA`] + 1 bytes, so the length always fits in two bytes.
fn qr_function(out: &mut Vec<u8>, function: u8, params: &[u8]) {
    let len = u16::try_from(params.len().saturating_add(2)).unwrap_or(u16::MAX);
    out.extend_from_slice(&QR_PREFIX);
    out.extend_from_slice(&len.to_le_bytes());
    out.push(QR_CN);
    out.push(function);
    out.extend_from_slice(params);
}

/// The GB18030 bytes of `text`, control characters replaced by spaces.
fn text_bytes(text: &str) -> Vec<u8> {
    let clean: String = text.chars().map(|c| if c < ' ' { ' ' } else { c }).collect();
    let (bytes, _, _) = GB18030.encode(&clean);
    bytes.into_owned()
}

/// The UTF-8 bytes of QR data, truncated at a character boundary to [`QR_MAX_DATA`].
fn qr_data(data: &str) -> Vec<u8> {
    let mut end = data.len().min(QR_MAX_DATA);
    while !data.is_char_boundary(end) {
        end = end.saturating_sub(1);
    }
    data.get(..end).unwrap_or_default().as_bytes().to_vec()
}

/// A tokio-util encoder of [`Command`]s for the host side of the printer link.
#[derive(Debug, Clone, Copy, Default)]
pub struct CommandEncoder;

impl Encoder<Command> for CommandEncoder {
    type Error = io::Error;

    fn encode(&mut self, command: Command, dst: &mut BytesMut) -> Result<(), io::Error> {
        dst.put_slice(&encode_command(&command));
        Ok(())
    }
}

impl Encoder<&Document> for CommandEncoder {
    type Error = io::Error;

    fn encode(&mut self, doc: &Document, dst: &mut BytesMut) -> Result<(), io::Error> {
        dst.put_slice(&encode(doc));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_sequence_matches_protocols_md() {
        let q = |c| encode_command(&Command::Qr(c));
        assert_eq!(q(QrCommand::Model(QR_MODEL_2)), [0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]);
        assert_eq!(q(QrCommand::ModuleSize(6)), [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06]);
        assert_eq!(q(QrCommand::ErrorCorrection(QR_EC_M)), [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31]);
        assert_eq!(
            q(QrCommand::Store(b"abc".to_vec())),
            [0x1D, 0x28, 0x6B, 0x06, 0x00, 0x31, 0x50, 0x30, b'a', b'b', b'c']
        );
        assert_eq!(q(QrCommand::Print), [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]);
        // pL + 256·pH = data length + 3, across the byte boundary.
        let long = q(QrCommand::Store(vec![b'7'; 300]));
        assert_eq!(long.get(3..5), Some(&[0x2F, 0x01][..]));
        assert_eq!(long.len(), 8 + 300);
        // Too long: truncated to the most one symbol holds.
        let too_long = q(QrCommand::Store(vec![b'1'; QR_MAX_DATA + 10]));
        assert_eq!(too_long.len(), 8 + QR_MAX_DATA);
        assert_eq!(too_long.get(3..5), Some(&((QR_MAX_DATA + 3) as u16).to_le_bytes()[..]));
    }

    #[test]
    fn basic_commands() {
        let e = encode_command;
        assert_eq!(e(&Command::Init), [0x1B, 0x40]);
        assert_eq!(e(&Command::LineFeed), [0x0A]);
        assert_eq!(e(&Command::Feed(5)), [0x1B, 0x64, 5]);
        assert_eq!(e(&Command::Align(Align::Right)), [0x1B, 0x61, 2]);
        assert_eq!(e(&Command::Bold(true)), [0x1B, 0x45, 1]);
        assert_eq!(e(&Command::Underline(2)), [0x1B, 0x2D, 2]);
        assert_eq!(e(&Command::PrintMode(0x30)), [0x1B, 0x21, 0x30]);
        assert_eq!(e(&Command::Size { width: 2, height: 3 }), [0x1D, 0x21, 0x12]);
        assert_eq!(e(&Command::Reverse(true)), [0x1D, 0x42, 1]);
        assert_eq!(e(&Command::CodePage(0)), [0x1B, 0x74, 0]);
        assert_eq!(e(&Command::ChineseMode(true)), [0x1C, 0x26]);
        assert_eq!(e(&Command::ChineseMode(false)), [0x1C, 0x2E]);
        assert_eq!(e(&Command::Cut { partial: false }), [0x1D, 0x56, 0x00]);
        assert_eq!(e(&Command::Cut { partial: true }), [0x1D, 0x56, 0x01]);
        assert_eq!(e(&Command::RealtimeStatus(4)), [0x10, 0x04, 0x04]);
        assert_eq!(e(&Command::PaperSensorStatus), [0x1D, 0x72, 0x01]);
        assert_eq!(e(&Command::Unknown(vec![0x1B, 0x70, 0, 25, 250])), [0x1B, 0x70, 0, 25, 250]);
    }

    #[test]
    fn text_is_gb18030_and_ascii_stays_ascii() {
        assert_eq!(encode_command(&Command::Text("A1 号".into())), [b'A', b'1', b' ', 0xBA, 0xC5]);
        assert_eq!(encode_command(&Command::Text("中文".into())), [0xD6, 0xD0, 0xCE, 0xC4]);
        assert_eq!(encode_command(&Command::Text("a\nb\tc".into())), b"a b c");
    }

    #[test]
    fn document_layout() {
        let doc = Document::new().styled("号", Align::Centre, 2, true).rule().qr("Q1");
        let mut want = vec![0x1B, 0x40, 0x1C, 0x26];
        want.extend_from_slice(&[0x1B, 0x61, 1, 0x1D, 0x21, 0x11, 0x1B, 0x45, 1, 0xBA, 0xC5, 0x0A]);
        want.extend_from_slice(&[0x1B, 0x45, 0, 0x1D, 0x21, 0x00, 0x1B, 0x61, 0]);
        want.extend_from_slice(&[b'-'; 32]);
        want.push(0x0A);
        want.extend_from_slice(&[0x1B, 0x61, 1]);
        want.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]);
        want.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06]);
        want.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31]);
        want.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x05, 0x00, 0x31, 0x50, 0x30, b'Q', b'1']);
        want.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]);
        want.extend_from_slice(&[0x1B, 0x61, 0]);
        want.extend_from_slice(&[0x1B, 0x64, 3, 0x1D, 0x56, 0x00]);
        assert_eq!(encode(&doc), want);
    }

    #[test]
    fn feed_block_and_clamped_size() {
        let doc = Document {
            blocks: vec![
                Block::Feed { lines: 2 },
                Block::Text { text: "x".into(), align: Align::Left, size: 0, bold: false },
            ],
        };
        let bytes = encode(&doc);
        assert_eq!(bytes.get(4..7), Some(&[0x1B, 0x64, 2][..]));
        assert_eq!(bytes.get(10..13), Some(&[0x1D, 0x21, 0x00][..]));
    }

    #[test]
    fn long_qr_data_is_truncated_on_a_char_boundary() {
        let data = "码".repeat(QR_MAX_DATA / 3 + 5);
        let bytes = qr_data(&data);
        assert!(bytes.len() <= QR_MAX_DATA && bytes.len() > QR_MAX_DATA - 3);
        assert!(std::str::from_utf8(&bytes).is_ok());
    }

    #[test]
    fn encoder_writes_the_same_bytes() {
        let mut dst = BytesMut::new();
        CommandEncoder.encode(Command::Feed(1), &mut dst).ok();
        let doc = Document::new().line("hi");
        CommandEncoder.encode(&doc, &mut dst).ok();
        let mut want = encode_command(&Command::Feed(1));
        want.extend(encode(&doc));
        assert_eq!(&dst[..], &want[..]);
    }
}
