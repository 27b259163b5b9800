//! Printer side: decoded [`Command`]s folded back into a [`Document`], the way the paper would
//! look (what the simulated printer "prints" and keeps).
//!
//! Sources (see `shared/protocols.md` §4): the command meanings of python-escpos/python-escpos
//! `src/escpos/constants.py` and `escpos.py`. Print semantics the sources do not state are
//! assumed as in Epson's ESC/POS reference (from memory): `LF` prints the line buffer and feeds
//! one line, `ESC d n` prints it and feeds `n` lines in all (so `text ESC d 1` = `text LF`),
//! `ESC @` discards the line buffer and resets the print modes.
//!
//! Folding rules:
//!
//! - A line (text up to `LF`, `ESC d`, a QR print or a cut) becomes one [`Block::Text`] with the
//!   alignment, width (as `size`, clamped to 1..=8) and bold in force when its first text arrived
//!   (for an empty line: when it was printed). `ESC ! n` sets width 2 / 1 (bit 0x20) and bold
//!   (bit 0x08); `GS ! n` sets the width. Lines are not wrapped at the paper's width.
//! - A line of exactly 32 '-' becomes [`Block::Rule`], whatever its style (it reads the same).
//! - `ESC d n` with an empty line buffer becomes `Block::Feed { lines: n }`; after text, the text
//!   line and `Feed { lines: n - 1 }`. Feeds of 0 lines are left out.
//! - QR store then print becomes [`Block::Qr`] with the stored bytes as UTF-8 (lossy).
//! - Underline, reverse, code page, status requests and unknown commands leave no mark.
//! - Text still in the line buffer at a cut or at the end is shown as a last line.

use super::command::{Command, QrCommand};
use super::encode::{RULE_CHAR, RULE_WIDTH};
use crate::receipt::{Align, Block, Document};

/// Fold `commands` into one document (cuts end lines but not the document).
pub fn render<'a>(commands: impl IntoIterator<Item = &'a Command>) -> Document {
    let mut paper = Renderer::new();
    let mut blocks = Vec::new();
    for c in commands {
        if let Some(page) = paper.apply(c) {
            blocks.extend(page.blocks);
        }
    }
    blocks.extend(paper.finish().blocks);
    Document { blocks }
}

/// Fold `commands` into one document per cut; what follows the last cut, if anything was
/// printed, is a last (uncut) document.
pub fn render_pages<'a>(commands: impl IntoIterator<Item = &'a Command>) -> Vec<Document> {
    let mut paper = Renderer::new();
    let mut pages: Vec<Document> = commands.into_iter().filter_map(|c| paper.apply(c)).collect();
    let rest = paper.finish();
    if !rest.blocks.is_empty() {
        pages.push(rest);
    }
    pages
}

/// The paper and print modes of a printer, fed one command at a time.
#[derive(Debug, Clone, Default)]
pub struct Renderer {
    /// Blocks printed since the last cut.
    blocks: Vec<Block>,
    /// The line buffer and the style captured at its first text.
    line: Option<Line>,
    align: Align,
    width: u8,
    bold: bool,
    /// The stored QR data.
    qr: Option<Vec<u8>>,
}

/// Text waiting in the line buffer.
#[derive(Debug, Clone)]
struct Line {
    text: String,
    align: Align,
    width: u8,
    bold: bool,
}

impl Renderer {
    /// A printer just powered on: empty paper, default modes.
    pub fn new() -> Renderer {
        Renderer { width: 1, ..Renderer::default() }
    }

    /// Apply one command; returns the cut-off document when the command is a cut.
    pub fn apply(&mut self, command: &Command) -> Option<Document> {
        match command {
            Command::Init => {
                self.line = None;
                self.align = Align::Left;
                self.width = 1;
                self.bold = false;
                self.qr = None;
            }
            Command::Text(t) => match &mut self.line {
                Some(line) => line.text.push_str(t),
                None => {
                    self.line = Some(Line { text: t.clone(), align: self.align, width: self.width, bold: self.bold })
                }
            },
            Command::LineFeed => self.print_line(),
            Command::Feed(n) => {
                let lines = if self.line.is_some() {
                    self.print_line();
                    n.saturating_sub(1)
                } else {
                    *n
                };
                if lines > 0 {
                    self.blocks.push(Block::Feed { lines });
                }
            }
            Command::Align(a) => self.align = *a,
            Command::Bold(b) => self.bold = *b,
            Command::PrintMode(n) => {
                self.width = if n & super::command::PRINT_MODE_DOUBLE_WIDTH != 0 { 2 } else { 1 };
                self.bold = n & super::command::PRINT_MODE_BOLD != 0;
            }
            Command::Size { width, .. } => self.width = *width,
            Command::Qr(QrCommand::Store(data)) => self.qr = Some(data.clone()),
            Command::Qr(QrCommand::Print) => {
                if self.line.is_some() {
                    self.print_line();
                }
                if let Some(data) = &self.qr {
                    self.blocks.push(Block::Qr { data: String::from_utf8_lossy(data).into_owned() });
                }
            }
            Command::Cut { .. } => return Some(self.cut()),
            Command::Underline(_)
            | Command::Reverse(_)
            | Command::CodePage(_)
            | Command::ChineseMode(_)
            | Command::Qr(_)
            | Command::RealtimeStatus(_)
            | Command::PaperSensorStatus
            | Command::Unknown(_) => {}
        }
        None
    }

    /// What is on the paper since the last cut, the line buffer printed as a last line.
    pub fn finish(mut self) -> Document {
        self.cut()
    }

    /// Print the line buffer (an empty line if there is no text).
    fn print_line(&mut self) {
        let line = self.line.take().unwrap_or_else(|| Line {
            text: String::new(),
            align: self.align,
            width: self.width,
            bold: self.bold,
        });
        let block = if line.text.chars().count() == RULE_WIDTH && line.text.chars().all(|c| c == RULE_CHAR) {
            Block::Rule
        } else {
            Block::Text { text: line.text, align: line.align, size: line.width.clamp(1, 8), bold: line.bold }
        };
        self.blocks.push(block);
    }

    /// Print any text left in the line buffer and take the blocks printed so far.
    fn cut(&mut self) -> Document {
        if self.line.is_some() {
            self.print_line();
        }
        Document { blocks: std::mem::take(&mut self.blocks) }
    }
}

#[cfg(test)]
mod tests {
    use super::super::decode::PrinterDecoder;
    use super::super::encode::{TRAILING_FEED, encode};
    use super::*;
    use bytes::BytesMut;
    use proptest::prelude::*;
    use tokio_util::codec::Decoder;

    /// Decode `bytes` as the printer would, keeping the commands (errors are a test failure).
    fn decode(bytes: &[u8]) -> Vec<Command> {
        let mut d = PrinterDecoder::new();
        let mut buf = BytesMut::from(bytes);
        let mut out = Vec::new();
        while let Some(item) = d.decode_eof(&mut buf).unwrap() {
            out.push(item.unwrap());
        }
        out
    }

    /// The document read back off the paper, without the feed `encode` adds before the cut.
    fn round_trip(doc: &Document) -> Document {
        let mut pages = render_pages(&decode(&encode(doc)));
        assert_eq!(pages.len(), 1);
        let mut page = pages.remove(0);
        assert_eq!(page.blocks.pop(), Some(Block::Feed { lines: TRAILING_FEED }));
        page
    }

    #[test]
    fn ticket_round_trips_block_for_block() {
        let doc = Document::new()
            .styled("出入境管理服务大厅", Align::Centre, 1, true)
            .styled("A012", Align::Centre, 3, true)
            .rule()
            .line("前面还有 5 人 / 5 ahead")
            .styled("2025-01-01 09:30", Align::Right, 1, false)
            .qr("https://example.invalid/t/A012");
        let mut with_feed = doc.clone();
        with_feed.blocks.push(Block::Feed { lines: 2 });
        assert_eq!(round_trip(&with_feed), with_feed);
        assert_eq!(round_trip(&doc).to_text(), doc.to_text());
    }

    #[test]
    fn empty_lines_keep_their_alignment() {
        let doc = Document::new().styled("", Align::Centre, 1, false).styled("", Align::Right, 2, true);
        assert_eq!(round_trip(&doc), doc);
    }

    #[test]
    fn print_semantics() {
        let cmds = [
            Command::Text("a".into()),
            Command::Feed(3),
            Command::PrintMode(0x28),
            Command::Text("b".into()),
            Command::Feed(1),
            Command::Feed(0),
            Command::Text("dropped".into()),
            Command::Init,
            Command::Qr(QrCommand::Print),
            Command::Qr(QrCommand::Store(b"q".to_vec())),
            Command::Text("c".into()),
            Command::Qr(QrCommand::Print),
            Command::Text("-".repeat(32)),
            Command::LineFeed,
            Command::Text("left in buffer".into()),
            Command::Cut { partial: true },
            Command::Text("next".into()),
        ];
        let pages = render_pages(&cmds);
        assert_eq!(
            pages,
            vec![
                Document {
                    blocks: vec![
                        Block::Text { text: "a".into(), align: Align::Left, size: 1, bold: false },
                        Block::Feed { lines: 2 },
                        Block::Text { text: "b".into(), align: Align::Left, size: 2, bold: true },
                        Block::Text { text: "c".into(), align: Align::Left, size: 1, bold: false },
                        Block::Qr { data: "q".into() },
                        Block::Rule,
                        Block::Text { text: "left in buffer".into(), align: Align::Left, size: 1, bold: false },
                    ]
                },
                Document::new().line("next"),
            ]
        );
        let all = render(&cmds);
        assert_eq!(all.blocks.len(), 8);
    }

    #[test]
    fn style_is_taken_at_the_first_text_of_a_line() {
        let cmds = [
            Command::Align(Align::Right),
            Command::Size { width: 9, height: 1 },
            Command::Text("x".into()),
            Command::Align(Align::Left),
            Command::Bold(true),
            Command::Text("y".into()),
            Command::LineFeed,
        ];
        assert_eq!(
            render(&cmds),
            Document { blocks: vec![Block::Text { text: "xy".into(), align: Align::Right, size: 8, bold: false }] }
        );
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                (0x20u32..0x7F).prop_map(|c| char::from_u32(c).unwrap_or(' ')),
                (0x4E00u32..0x9FA6).prop_map(|c| char::from_u32(c).unwrap_or('中')),
                proptest::sample::select(vec!['，', '。', '：', '¥', '（', '）', '—', '·', '-'])
            ],
            0..24,
        )
        .prop_map(|cs| cs.into_iter().collect())
    }

    fn block() -> impl Strategy<Value = Block> {
        let align = proptest::sample::select(vec![Align::Left, Align::Centre, Align::Right]);
        prop_oneof![
            (text(), align, 1u8..=8, any::<bool>()).prop_map(|(text, align, size, bold)| Block::Text {
                text,
                align,
                size,
                bold
            }),
            text().prop_map(|data| Block::Qr { data }),
            Just(Block::Rule),
            (0u8..=10).prop_map(|lines| Block::Feed { lines }),
        ]
    }

    proptest! {
        #[test]
        fn documents_read_back_the_same(blocks in proptest::collection::vec(block(), 0..16)) {
            let doc = Document { blocks };
            prop_assert_eq!(round_trip(&doc).to_text(), doc.to_text());
        }
    }
}
