//! Line framing of a desktop MRZ reader's serial output: the MRZ of one document arrives as ASCII
//! lines, and [`MrzLineCodec`] cuts the byte stream into documents ([`MrzRead`]).
//!
//! The host side decodes (`Decoder`, one item per document, a bad document is an `Err` item and the
//! stream goes on); the simulator encodes (`Encoder`) in one of the [`WriteStyle`]s real readers use.
//!
//! Sources: shared/protocols.md section 2 gives the MRZ layouts read here (permit line, TD1, TD3)
//! but nothing on the serial framing. The framing facts below are common to desktop readers but
//! differ between vendor manuals (for example the DESKO "CUTE" serial spec sends
//! `STX line CR line CR … ETX`; the 3M RTE6701-OEM integration manual sends CR-separated lines
//! inside its own `SOH … STX … ETX BCC` block, pads lines with `_` and sends an empty line for a
//! line it could not find). So they live in ONE table, [the framing facts](#framing-facts), to be
//! corrected against the manual of the reader actually fitted.
//!
//! # Framing facts
//!
//! *(unverified: vendor manuals differ)*
//!
//! | Fact | Constant |
//! |---|---|
//! | Each MRZ line ends with CR, optionally followed by LF | [`CR`], [`LF`] |
//! | A lone LF also ends a line | [`LONE_LF_ENDS_LINE`] |
//! | A document ends with an empty line or ETX | [`ETX`] |
//! | An optional STX starts a document | [`STX`] |
//! | A line is at most 44 characters (TD3), plus a margin for misread extra characters | [`MAX_LINE_LEN`] |
//! | A document has at most 3 lines (TD1) | [`MAX_LINES`] |
//! | Characters outside `0-9 A-Z <` inside a line are misreads (noise), reported | [`is_mrz_char`] |
//! | How the simulator writes documents | [`DEFAULT_WRITE_STYLE`] |
//!
//! # Resynchronisation
//!
//! - Before a line starts, bytes that cannot start one (controls, space, DEL, bytes ≥ 0x80) are
//!   skipped as binary noise; they are counted in [`MrzLineCodec::skipped_bytes`]. Stray line ends
//!   and ETX between documents are ignored.
//! - A line starts at the first printable ASCII character; from there on, every byte up to the line
//!   end belongs to the line, and any that is not an MRZ character makes the document a
//!   [`WireError::Noise`] item (the first one is named), never silently dropped.
//! - A line longer than [`MAX_LINE_LEN`] gives [`WireError::LineTooLong`] at once; the document so
//!   far is dropped and the rest of the line skipped up to the next line end (or ETX / STX).
//! - A fourth line gives [`WireError::TooManyLines`] at its end; the document so far is dropped.
//! - STX always starts a new document: one in progress is reported as [`WireError::Interrupted`].
//! - At end of stream a document in progress is reported as [`WireError::Truncated`].
//!
//! Memory is bounded: at most [`MAX_LINES`] lines of at most [`MAX_LINE_LEN`] bytes are held.

use bytes::{Buf, BufMut, BytesMut};
use std::io;
use tokio_util::codec::{Decoder, Encoder};

// ---- Framing facts: the one table. *(unverified: vendor manuals differ)* ----

/// Start of text: may start a document. *(unverified: vendor manuals differ)*
pub const STX: u8 = 0x02;
/// End of text: ends a document. *(unverified: vendor manuals differ)*
pub const ETX: u8 = 0x03;
/// Carriage return: ends each MRZ line; an empty line ends a document. *(unverified: vendor manuals
/// differ)*
pub const CR: u8 = 0x0D;
/// Line feed: may follow the CR of a line end, and is then part of that line end. *(unverified:
/// vendor manuals differ)*
pub const LF: u8 = 0x0A;
/// Whether an LF not preceded by CR also ends a line (readers set to LF-only line ends); when
/// `false` it is noise inside a line. *(unverified: vendor manuals differ)*
pub const LONE_LF_ENDS_LINE: bool = true;
/// Longest MRZ line: TD3 (passport), 44 characters.
pub const MRZ_MAX_CHARS: usize = 44;
/// Extra characters tolerated on a line before it is over-long, so that a misread that adds a
/// character or two is reported as noise rather than as an over-long line. *(unverified: vendor
/// manuals differ)*
pub const LINE_MARGIN: usize = 6;
/// Maximum bytes of one line (line end excluded). *(unverified: vendor manuals differ)*
pub const MAX_LINE_LEN: usize = MRZ_MAX_CHARS + LINE_MARGIN;
/// Maximum lines of one document (TD1 has 3). *(unverified: vendor manuals differ)*
pub const MAX_LINES: usize = 3;
/// How the simulator writes a document unless told otherwise: no STX, lines ending CR LF, an empty
/// line after the last. *(unverified: vendor manuals differ)*
pub const DEFAULT_WRITE_STYLE: WriteStyle =
    WriteStyle { stx: false, line_end: LineEnd::CrLf, document_end: DocumentEnd::EmptyLine };

// ---- End of the framing facts. ----

/// Whether `b` is an MRZ character: `0-9`, `A-Z` or the filler `<` (ICAO 9303; shared/protocols.md
/// section 2).
pub fn is_mrz_char(b: u8) -> bool {
    b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'<'
}

/// Whether `b` can start a line: printable ASCII other than space.
fn starts_line(b: u8) -> bool {
    (0x21..=0x7E).contains(&b)
}

/// What is wrong with what a reader sent (or with lines given to [`MrzRead::new`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// A character outside `0-9 A-Z <` inside a line: the reader misread the document.
    #[error("line {line}, column {column}: byte {byte:#04x} where an MRZ character (0-9, A-Z or '<') was expected")]
    Noise {
        /// 1-based line of the document.
        line: usize,
        /// 1-based column in that line.
        column: usize,
        /// The byte read.
        byte: u8,
    },
    /// A line longer than [`MAX_LINE_LEN`]; the rest of it was skipped.
    #[error("line {line} is longer than the {max} characters expected at most")]
    LineTooLong {
        /// 1-based line of the document.
        line: usize,
        /// The maximum, [`MAX_LINE_LEN`].
        max: usize,
    },
    /// More than [`MAX_LINES`] lines before the document's end.
    #[error("the document has more than the {max} lines expected at most")]
    TooManyLines {
        /// The maximum, [`MAX_LINES`].
        max: usize,
    },
    /// An empty line inside the lines given to [`MrzRead::new`] (on the wire it would end the document).
    #[error("line {line} is empty, expected 1 to {max} MRZ characters", max = MAX_LINE_LEN)]
    EmptyLine {
        /// 1-based line.
        line: usize,
    },
    /// A document with no line: `STX` then `ETX`, or no lines given to [`MrzRead::new`].
    #[error("the document has no line, expected 1 to {max}", max = MAX_LINES)]
    EmptyDocument,
    /// A new STX arrived before the document in progress ended.
    #[error("a new STX arrived after {lines} complete lines, before the document's end (empty line or ETX)")]
    Interrupted {
        /// Complete lines of the dropped document.
        lines: usize,
    },
    /// The stream ended inside a document.
    #[error("the stream ended after {lines} complete lines, before the document's end (empty line or ETX)")]
    Truncated {
        /// Complete lines of the dropped document.
        lines: usize,
    },
}

/// One document as the reader sent it: 1 to [`MAX_LINES`] lines of 1 to [`MAX_LINE_LEN`] MRZ
/// characters (`0-9 A-Z <`), line ends removed. What the lines mean is [`super::MrzDocument`]'s job.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MrzRead {
    lines: Vec<String>,
}

impl MrzRead {
    /// Lines of a document, checked as the decoder would check them.
    pub fn new<I, S>(lines: I) -> Result<MrzRead, WireError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut out = Vec::new();
        for (i, line) in lines.into_iter().enumerate() {
            let line: String = line.into();
            let n = i.saturating_add(1);
            if n > MAX_LINES {
                return Err(WireError::TooManyLines { max: MAX_LINES });
            }
            if line.is_empty() {
                return Err(WireError::EmptyLine { line: n });
            }
            if line.len() > MAX_LINE_LEN {
                return Err(WireError::LineTooLong { line: n, max: MAX_LINE_LEN });
            }
            if let Some((col, &byte)) = line.as_bytes().iter().enumerate().find(|(_, b)| !is_mrz_char(**b)) {
                return Err(WireError::Noise { line: n, column: col.saturating_add(1), byte });
            }
            out.push(line);
        }
        if out.is_empty() {
            return Err(WireError::EmptyDocument);
        }
        Ok(MrzRead { lines: out })
    }

    /// The lines, top first.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// The lines, top first, owned.
    pub fn into_lines(self) -> Vec<String> {
        self.lines
    }
}

/// How a line ends on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineEnd {
    /// CR alone.
    Cr,
    /// CR then LF.
    CrLf,
}

/// How a document ends on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentEnd {
    /// An empty line (one more line end).
    EmptyLine,
    /// ETX right after the last line end.
    Etx,
}

/// How the encoder writes documents (readers are configured one way or another).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WriteStyle {
    /// Write STX before the first line.
    pub stx: bool,
    /// Line end after each line.
    pub line_end: LineEnd,
    /// What ends the document.
    pub document_end: DocumentEnd,
}

impl Default for WriteStyle {
    fn default() -> WriteStyle {
        DEFAULT_WRITE_STYLE
    }
}

/// Append `read` to `dst` as a reader writing in `style` would send it.
pub fn encode_read(read: &MrzRead, style: WriteStyle, dst: &mut BytesMut) {
    let line_end: &[u8] = match style.line_end {
        LineEnd::Cr => &[CR],
        LineEnd::CrLf => &[CR, LF],
    };
    if style.stx {
        dst.put_u8(STX);
    }
    for line in &read.lines {
        dst.put_slice(line.as_bytes());
        dst.put_slice(line_end);
    }
    match style.document_end {
        DocumentEnd::EmptyLine => dst.put_slice(line_end),
        DocumentEnd::Etx => dst.put_u8(ETX),
    }
}

/// Decode a whole byte stream, end of stream included: every document and every error, in order.
pub fn decode_all(bytes: &[u8]) -> Vec<Result<MrzRead, WireError>> {
    let mut codec = MrzLineCodec::new();
    let mut buf = BytesMut::from(bytes);
    let mut out = Vec::new();
    while let Some(item) = codec.next_item(&mut buf) {
        out.push(item);
    }
    if let Some(item) = codec.finish() {
        out.push(item);
    }
    out
}

/// The first misread character of the document in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NoiseAt {
    line: usize,
    column: usize,
    byte: u8,
}

/// The MRZ reader's line codec: host-side `Decoder` (one item per document) and simulator-side
/// `Encoder` (writes in [`MrzLineCodec::style`]). See the [module docs](self) for the framing.
#[derive(Debug, Clone, Default)]
pub struct MrzLineCodec {
    style: WriteStyle,
    /// The line being read (raw bytes, at most [`MAX_LINE_LEN`]).
    line: Vec<u8>,
    /// Complete lines of the document in progress (at most [`MAX_LINES`]).
    lines: Vec<String>,
    /// First misread character of the document in progress.
    noise: Option<NoiseAt>,
    /// The document in progress started with STX.
    explicit: bool,
    /// The last byte was a CR ending a line: an LF now belongs to it.
    after_cr: bool,
    /// Skipping the rest of an over-long line.
    skipping: bool,
    /// Bytes skipped as noise between lines or in over-long lines.
    skipped: u64,
}

impl MrzLineCodec {
    /// A codec whose encoder writes in [`DEFAULT_WRITE_STYLE`].
    pub fn new() -> MrzLineCodec {
        MrzLineCodec::default()
    }

    /// A codec whose encoder writes in `style` (the decoder reads every style).
    pub fn with_style(style: WriteStyle) -> MrzLineCodec {
        MrzLineCodec { style, ..MrzLineCodec::default() }
    }

    /// How the encoder writes.
    pub fn style(&self) -> WriteStyle {
        self.style
    }

    /// Bytes skipped so far: binary noise between lines and the rest of over-long lines.
    pub fn skipped_bytes(&self) -> u64 {
        self.skipped
    }

    /// Consume bytes from `src` up to and including the one that completes an item.
    fn next_item(&mut self, src: &mut BytesMut) -> Option<Result<MrzRead, WireError>> {
        while let Some(&b) = src.first() {
            src.advance(1);
            if let Some(item) = self.step(b) {
                return Some(item);
            }
        }
        None
    }

    /// End of stream: report a document in progress.
    fn finish(&mut self) -> Option<Result<MrzRead, WireError>> {
        self.skipping = false;
        self.after_cr = false;
        let pending = self.explicit || !self.lines.is_empty() || !self.line.is_empty();
        let lines = self.lines.len();
        self.reset_document();
        pending.then_some(Err(WireError::Truncated { lines }))
    }

    fn reset_document(&mut self) {
        self.line.clear();
        self.lines.clear();
        self.noise = None;
        self.explicit = false;
    }

    fn skip(&mut self) {
        self.skipped = self.skipped.saturating_add(1);
    }

    /// One byte of the stream.
    fn step(&mut self, b: u8) -> Option<Result<MrzRead, WireError>> {
        if std::mem::take(&mut self.after_cr) && b == LF {
            return None;
        }
        let line_end = b == CR || (LONE_LF_ENDS_LINE && b == LF);
        if b == STX {
            return self.start_document();
        }
        if self.skipping {
            if line_end || b == ETX {
                self.skipping = false;
                self.after_cr = b == CR;
            } else {
                self.skip();
            }
            return None;
        }
        if b == ETX {
            self.end_by_etx()
        } else if line_end {
            self.after_cr = b == CR;
            self.end_line()
        } else {
            self.push(b)
        }
    }

    fn start_document(&mut self) -> Option<Result<MrzRead, WireError>> {
        let pending = !self.lines.is_empty() || !self.line.is_empty();
        let lines = self.lines.len();
        self.reset_document();
        self.skipping = false;
        self.explicit = true;
        pending.then_some(Err(WireError::Interrupted { lines }))
    }

    fn push(&mut self, b: u8) -> Option<Result<MrzRead, WireError>> {
        if self.line.is_empty() && !starts_line(b) {
            self.skip();
            return None;
        }
        if self.line.len() >= MAX_LINE_LEN {
            let line = self.lines.len().saturating_add(1);
            self.reset_document();
            self.skipping = true;
            self.skip();
            return Some(Err(WireError::LineTooLong { line, max: MAX_LINE_LEN }));
        }
        if self.noise.is_none() && !is_mrz_char(b) {
            self.noise = Some(NoiseAt {
                line: self.lines.len().saturating_add(1),
                column: self.line.len().saturating_add(1),
                byte: b,
            });
        }
        self.line.push(b);
        None
    }

    /// The current line is complete; `Some` if that makes one line too many.
    fn complete_line(&mut self) -> Option<Result<MrzRead, WireError>> {
        if self.lines.len() >= MAX_LINES {
            self.reset_document();
            return Some(Err(WireError::TooManyLines { max: MAX_LINES }));
        }
        self.lines.push(String::from_utf8_lossy(&self.line).into_owned());
        self.line.clear();
        None
    }

    /// CR (or lone LF): ends the current line, or the document if the line is empty.
    fn end_line(&mut self) -> Option<Result<MrzRead, WireError>> {
        if !self.line.is_empty() {
            return self.complete_line();
        }
        // An empty line: the end of a document, or a stray line end between documents (also right
        // after an STX on a line of its own).
        if self.lines.is_empty() { None } else { Some(self.finish_document()) }
    }

    fn end_by_etx(&mut self) -> Option<Result<MrzRead, WireError>> {
        if !self.line.is_empty()
            && let Some(err) = self.complete_line()
        {
            return Some(err);
        }
        if self.lines.is_empty() {
            let explicit = self.explicit;
            self.reset_document();
            return explicit.then_some(Err(WireError::EmptyDocument));
        }
        Some(self.finish_document())
    }

    fn finish_document(&mut self) -> Result<MrzRead, WireError> {
        let lines = std::mem::take(&mut self.lines);
        let noise = self.noise.take();
        self.reset_document();
        match noise {
            Some(NoiseAt { line, column, byte }) => Err(WireError::Noise { line, column, byte }),
            None => Ok(MrzRead { lines }),
        }
    }
}

impl Decoder for MrzLineCodec {
    type Item = Result<MrzRead, WireError>;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, io::Error> {
        Ok(self.next_item(src))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, io::Error> {
        if let Some(item) = self.next_item(src) {
            return Ok(Some(item));
        }
        Ok(self.finish())
    }
}

impl Encoder<&MrzRead> for MrzLineCodec {
    type Error = io::Error;

    fn encode(&mut self, item: &MrzRead, dst: &mut BytesMut) -> Result<(), io::Error> {
        encode_read(item, self.style, dst);
        Ok(())
    }
}

impl Encoder<MrzRead> for MrzLineCodec {
    type Error = io::Error;

    fn encode(&mut self, item: MrzRead, dst: &mut BytesMut) -> Result<(), io::Error> {
        encode_read(&item, self.style, dst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TD3_1: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    const TD3_2: &str = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    const TD1: [&str; 3] =
        ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"];

    const STYLES: [WriteStyle; 8] = [
        WriteStyle { stx: false, line_end: LineEnd::Cr, document_end: DocumentEnd::EmptyLine },
        WriteStyle { stx: false, line_end: LineEnd::Cr, document_end: DocumentEnd::Etx },
        WriteStyle { stx: false, line_end: LineEnd::CrLf, document_end: DocumentEnd::EmptyLine },
        WriteStyle { stx: false, line_end: LineEnd::CrLf, document_end: DocumentEnd::Etx },
        WriteStyle { stx: true, line_end: LineEnd::Cr, document_end: DocumentEnd::EmptyLine },
        WriteStyle { stx: true, line_end: LineEnd::Cr, document_end: DocumentEnd::Etx },
        WriteStyle { stx: true, line_end: LineEnd::CrLf, document_end: DocumentEnd::EmptyLine },
        WriteStyle { stx: true, line_end: LineEnd::CrLf, document_end: DocumentEnd::Etx },
    ];

    type Item = Result<MrzRead, WireError>;

    fn read(lines: &[&str]) -> MrzRead {
        MrzRead::new(lines.iter().copied()).unwrap()
    }

    fn bytes_of(r: &MrzRead, style: WriteStyle) -> Vec<u8> {
        let mut buf = BytesMut::new();
        MrzLineCodec::with_style(style).encode(r, &mut buf).unwrap();
        buf.to_vec()
    }

    /// Feed `chunks` one after the other through the Decoder trait, then end the stream.
    fn run(chunks: &[&[u8]]) -> Vec<Item> {
        let mut codec = MrzLineCodec::new();
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            while let Some(item) = codec.decode(&mut buf).unwrap() {
                out.push(item);
            }
            assert!(buf.is_empty(), "decode consumes what it was given");
            assert!(codec.line.len() <= MAX_LINE_LEN && codec.lines.len() <= MAX_LINES);
        }
        while let Some(item) = codec.decode_eof(&mut buf).unwrap() {
            out.push(item);
        }
        out
    }

    #[test]
    fn specimens_in_every_style() {
        for style in STYLES {
            for doc in [read(&[TD3_1, TD3_2]), read(&TD1)] {
                let bytes = bytes_of(&doc, style);
                assert_eq!(run(&[&bytes]), vec![Ok(doc.clone())], "{style:?}");
                assert_eq!(decode_all(&bytes), vec![Ok(doc.clone())]);
            }
        }
    }

    #[test]
    fn exact_bytes_written() {
        let doc = read(&["AB", "C<"]);
        let style = WriteStyle { stx: true, line_end: LineEnd::Cr, document_end: DocumentEnd::Etx };
        assert_eq!(bytes_of(&doc, style), b"\x02AB\rC<\r\x03");
        assert_eq!(bytes_of(&doc, DEFAULT_WRITE_STYLE), b"AB\r\nC<\r\n\r\n");
    }

    #[test]
    fn partial_document_gives_nothing_until_its_end() {
        let doc = read(&[TD3_1, TD3_2]);
        for style in STYLES {
            let bytes = bytes_of(&doc, style);
            let mut codec = MrzLineCodec::new();
            let mut buf = BytesMut::new();
            let mut got = Vec::new();
            for (i, b) in bytes.iter().enumerate() {
                buf.extend_from_slice(&[*b]);
                if let Some(item) = codec.decode(&mut buf).unwrap() {
                    got.push((i, item));
                }
            }
            // The item comes with the byte that ends the document: ETX, or the empty line's CR.
            let end = match (style.document_end, style.line_end) {
                (DocumentEnd::Etx, _) | (DocumentEnd::EmptyLine, LineEnd::Cr) => bytes.len() - 1,
                (DocumentEnd::EmptyLine, LineEnd::CrLf) => bytes.len() - 2,
            };
            assert_eq!(got, vec![(end, Ok(doc.clone()))], "{style:?}");
            assert_eq!(codec.decode_eof(&mut buf).unwrap(), None);
        }
    }

    #[test]
    fn lone_lf_line_ends() {
        assert_eq!(decode_all(b"AB\nCD\n\n"), vec![Ok(read(&["AB", "CD"]))]);
    }

    #[test]
    fn stray_line_ends_and_binary_noise_between_documents_are_skipped() {
        let mut bytes = b"\r\n\r\x00\xff\x03 \x7f".to_vec();
        bytes.extend(bytes_of(&read(&TD1), DEFAULT_WRITE_STYLE));
        bytes.extend(b"\r\r\x10\x80\n\x03");
        bytes.extend(bytes_of(&read(&[TD3_1, TD3_2]), DEFAULT_WRITE_STYLE));
        let mut codec = MrzLineCodec::new();
        let mut buf = BytesMut::from(&bytes[..]);
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(Ok(read(&TD1))));
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(Ok(read(&[TD3_1, TD3_2]))));
        assert_eq!(codec.decode_eof(&mut buf).unwrap(), None);
        assert_eq!(codec.skipped_bytes(), 6);
    }

    #[test]
    fn binary_noise_between_lines_is_skipped() {
        assert_eq!(decode_all(b"AB\r\x00\x01\xffCD\r\r"), vec![Ok(read(&["AB", "CD"]))]);
    }

    #[test]
    fn noise_inside_a_line_is_reported_and_the_next_document_decodes() {
        let noisy = TD3_2.replacen('C', "?", 1);
        let mut bytes = format!("{TD3_1}\r\n{noisy}\r\n\r\n").into_bytes();
        bytes.extend(bytes_of(&read(&TD1), DEFAULT_WRITE_STYLE));
        assert_eq!(decode_all(&bytes), vec![Err(WireError::Noise { line: 2, column: 8, byte: b'?' }), Ok(read(&TD1))]);
        // Lower case, a space, a binary byte inside a line, and a misread first character.
        assert_eq!(decode_all(b"AbC\r\r"), vec![Err(WireError::Noise { line: 1, column: 2, byte: b'b' })]);
        assert_eq!(decode_all(b"A C\r\r"), vec![Err(WireError::Noise { line: 1, column: 2, byte: b' ' })]);
        assert_eq!(decode_all(b"A\x00C\r\r"), vec![Err(WireError::Noise { line: 1, column: 2, byte: 0 })]);
        assert_eq!(decode_all(b"X\r_<UTO\r\r"), vec![Err(WireError::Noise { line: 2, column: 1, byte: b'_' })]);
    }

    #[test]
    fn over_long_line_is_reported_skipped_and_the_next_document_decodes() {
        let long = "A".repeat(MAX_LINE_LEN + 1);
        let mut bytes = format!("{TD3_1}\r{long}BBBB\r").into_bytes();
        bytes.extend(bytes_of(&read(&TD1), DEFAULT_WRITE_STYLE));
        assert_eq!(
            decode_all(&bytes),
            vec![Err(WireError::LineTooLong { line: 2, max: MAX_LINE_LEN }), Ok(read(&TD1))]
        );
        // A line of exactly the maximum is fine.
        let max = "<".repeat(MAX_LINE_LEN);
        assert_eq!(decode_all(format!("{max}\r\r").as_bytes()), vec![Ok(read(&[&max]))]);
    }

    #[test]
    fn endless_line_is_bounded() {
        let mut codec = MrzLineCodec::new();
        let mut buf = BytesMut::from(&[b'7'; 100_000][..]);
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(Err(WireError::LineTooLong { line: 1, max: MAX_LINE_LEN })));
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        assert!(buf.is_empty() && codec.line.is_empty());
        // STX resynchronises even in the middle of the skip.
        buf.extend_from_slice(&bytes_of(&read(&TD1), STYLES[5]));
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(Ok(read(&TD1))));
    }

    #[test]
    fn too_many_lines_is_reported_and_the_next_document_decodes() {
        let mut bytes = b"AAA\rBBB\rCCC\rDDD\r\r".to_vec();
        bytes.extend(bytes_of(&read(&[TD3_1, TD3_2]), DEFAULT_WRITE_STYLE));
        assert_eq!(
            decode_all(&bytes),
            vec![Err(WireError::TooManyLines { max: MAX_LINES }), Ok(read(&[TD3_1, TD3_2]))]
        );
    }

    #[test]
    fn stx_interrupts_a_document_in_progress() {
        let mut bytes = b"AAA\rBB".to_vec();
        bytes.extend(bytes_of(&read(&TD1), STYLES[4]));
        assert_eq!(decode_all(&bytes), vec![Err(WireError::Interrupted { lines: 1 }), Ok(read(&TD1))]);
        // An STX on a line of its own.
        assert_eq!(decode_all(b"\x02\r\nAB\r\n\x03"), vec![Ok(read(&["AB"]))]);
    }

    #[test]
    fn empty_and_truncated_documents() {
        assert_eq!(decode_all(b"\x02\x03"), vec![Err(WireError::EmptyDocument)]);
        assert_eq!(decode_all(b"\x03\r\n\r"), vec![]);
        assert_eq!(decode_all(b"AAA\rBB"), vec![Err(WireError::Truncated { lines: 1 })]);
        assert_eq!(decode_all(b"AAA\r"), vec![Err(WireError::Truncated { lines: 1 })]);
        assert_eq!(decode_all(b"\x02"), vec![Err(WireError::Truncated { lines: 0 })]);
        // ETX right after a line's text ends the line too.
        assert_eq!(decode_all(b"AAA\rBB\x03"), vec![Ok(read(&["AAA", "BB"]))]);
    }

    #[test]
    fn read_new_checks_like_the_decoder() {
        assert_eq!(MrzRead::new(Vec::<String>::new()), Err(WireError::EmptyDocument));
        assert_eq!(MrzRead::new(["A", ""]), Err(WireError::EmptyLine { line: 2 }));
        assert_eq!(MrzRead::new(["A", "B", "C", "D"]), Err(WireError::TooManyLines { max: MAX_LINES }));
        assert_eq!(MrzRead::new(["A<b"]), Err(WireError::Noise { line: 1, column: 3, byte: b'b' }));
        assert_eq!(
            MrzRead::new(["<".repeat(MAX_LINE_LEN + 1)]),
            Err(WireError::LineTooLong { line: 1, max: MAX_LINE_LEN })
        );
        let r = MrzRead::new(["A", "B"]).unwrap();
        assert_eq!(r.lines(), ["A", "B"]);
        assert_eq!(r.into_lines(), vec!["A".to_string(), "B".to_string()]);
    }

    fn any_read() -> impl Strategy<Value = MrzRead> {
        proptest::collection::vec(
            proptest::string::string_regex(&format!("[0-9A-Z<]{{1,{MAX_LINE_LEN}}}")).unwrap(),
            1..=MAX_LINES,
        )
        .prop_map(|lines| MrzRead::new(lines).unwrap())
    }

    fn any_style() -> impl Strategy<Value = WriteStyle> {
        proptest::sample::select(STYLES.to_vec())
    }

    /// Bytes that can never start a line nor change the framing state: binary noise.
    fn binary_noise() -> impl Strategy<Value = Vec<u8>> {
        let noise: Vec<u8> = (0u8..=0x20).chain(0x7F..=0xFF).filter(|b| *b != STX && *b != ETX).collect();
        proptest::collection::vec(proptest::sample::select(noise), 0..64)
    }

    proptest! {
        #[test]
        fn round_trip_split_anywhere(docs in proptest::collection::vec((any_read(), any_style()), 1..4), cut in any::<prop::sample::Index>()) {
            let mut bytes = Vec::new();
            for (doc, style) in &docs {
                bytes.extend(bytes_of(doc, *style));
            }
            let want: Vec<Item> = docs.iter().map(|(d, _)| Ok(d.clone())).collect();
            prop_assert_eq!(&run(&[&bytes]), &want);
            let (a, b) = bytes.split_at(cut.index(bytes.len() + 1));
            prop_assert_eq!(&run(&[a, b]), &want);
        }

        #[test]
        fn binary_noise_before_and_between_documents_is_skipped(
            docs in proptest::collection::vec((binary_noise(), any_read(), any_style()), 1..4),
            tail in binary_noise(),
        ) {
            let mut bytes = Vec::new();
            for (noise, doc, style) in &docs {
                bytes.extend(noise);
                bytes.extend(bytes_of(doc, *style));
            }
            bytes.extend(tail);
            let want: Vec<Item> = docs.iter().map(|(_, d, _)| Ok(d.clone())).collect();
            prop_assert_eq!(run(&[&bytes]), want);
        }

        #[test]
        fn any_garbage_before_an_stx_document_is_skipped(
            first in any_read(),
            garbage in proptest::collection::vec(any::<u8>(), 0..256),
            second in any_read(),
        ) {
            let style = WriteStyle { stx: true, line_end: LineEnd::CrLf, document_end: DocumentEnd::Etx };
            let mut bytes = bytes_of(&first, style);
            bytes.extend(&garbage);
            bytes.extend(bytes_of(&second, style));
            let got = run(&[&bytes]);
            prop_assert_eq!(got.first(), Some(&Ok(first)));
            prop_assert_eq!(got.last(), Some(&Ok(second)));
        }

        #[test]
        fn any_garbage_ended_by_an_empty_line_is_skipped(
            garbage in proptest::collection::vec(any::<u8>(), 0..256),
            doc in any_read(),
            style in any_style(),
        ) {
            let mut bytes = garbage.clone();
            bytes.extend(b"\r\r");
            bytes.extend(bytes_of(&doc, style));
            let got = run(&[&bytes]);
            prop_assert_eq!(got.last(), Some(&Ok(doc)));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), cut in any::<prop::sample::Index>()) {
            let whole = run(&[&bytes]);
            let (a, b) = bytes.split_at(cut.index(bytes.len() + 1));
            prop_assert_eq!(run(&[a, b]), whole.clone());
            prop_assert_eq!(decode_all(&bytes), whole.clone());
            for read in whole.iter().flatten() {
                prop_assert!(MrzRead::new(read.lines().iter().cloned()).is_ok());
            }
        }
    }
}
