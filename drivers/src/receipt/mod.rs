//! Receipt / ticket printer (ESC/POS over USB or serial): queue tickets, payment receipts,
//! entry/exit records. Documents are described here as data; the wire encoding is the backend's job.

pub mod escpos;
pub mod serial;

use crate::error::DeviceError;
use serde::{Deserialize, Serialize};

/// Horizontal alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// Left.
    #[default]
    Left,
    /// Centre.
    Centre,
    /// Right.
    Right,
}

/// One block of a printed document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "block")]
pub enum Block {
    /// A line of text.
    Text {
        /// The text (Chinese and ASCII).
        text: String,
        /// Alignment.
        #[serde(default)]
        align: Align,
        /// Character magnification, 1 to 8 (width and height).
        #[serde(default = "one")]
        size: u8,
        /// Bold.
        #[serde(default)]
        bold: bool,
    },
    /// A QR code.
    Qr {
        /// Its content.
        data: String,
    },
    /// A horizontal rule.
    Rule,
    /// Feed blank lines.
    Feed {
        /// How many.
        lines: u8,
    },
}

fn one() -> u8 {
    1
}

/// A document to print; the printer cuts after it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Document {
    /// The blocks, top to bottom.
    pub blocks: Vec<Block>,
}

impl Document {
    /// An empty document.
    pub fn new() -> Document {
        Document::default()
    }
    /// Add a plain left-aligned line.
    pub fn line(mut self, text: impl Into<String>) -> Document {
        self.blocks.push(Block::Text { text: text.into(), align: Align::Left, size: 1, bold: false });
        self
    }
    /// Add a styled line.
    pub fn styled(mut self, text: impl Into<String>, align: Align, size: u8, bold: bool) -> Document {
        self.blocks.push(Block::Text { text: text.into(), align, size: size.clamp(1, 8), bold });
        self
    }
    /// Add a QR code.
    pub fn qr(mut self, data: impl Into<String>) -> Document {
        self.blocks.push(Block::Qr { data: data.into() });
        self
    }
    /// Add a rule.
    pub fn rule(mut self) -> Document {
        self.blocks.push(Block::Rule);
        self
    }

    /// The document as plain text, 32 columns wide (what a person reads off the paper).
    pub fn to_text(&self) -> String {
        const WIDTH: usize = 32;
        let mut out = String::new();
        for b in &self.blocks {
            match b {
                Block::Text { text, align, size, .. } => {
                    let w: usize =
                        text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum::<usize>() * (*size as usize);
                    let pad = match align {
                        Align::Left => 0,
                        Align::Centre => WIDTH.saturating_sub(w) / 2,
                        Align::Right => WIDTH.saturating_sub(w),
                    };
                    out.push_str(&" ".repeat(pad));
                    out.push_str(text);
                    out.push('\n');
                }
                Block::Qr { data } => out.push_str(&format!("[QR: {data}]\n")),
                Block::Rule => out.push_str(&format!("{}\n", "-".repeat(WIDTH))),
                Block::Feed { lines } => out.push_str(&"\n".repeat(*lines as usize)),
            }
        }
        out.push_str("✂\n");
        out
    }
}

/// What can go wrong printing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrinterError {
    /// The device failed (paper out, cover open, cutter jam: see its fault kind).
    #[error(transparent)]
    Device(#[from] DeviceError),
}

/// A receipt / ticket printer.
#[async_trait::async_trait]
pub trait ReceiptPrinter: crate::Device {
    /// Print `doc` and cut. Returns once the paper is cut; an error means it may be partly printed.
    async fn print(&mut self, doc: &Document) -> Result<(), PrinterError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rendering_aligns() {
        let d = Document::new().styled("AB", Align::Centre, 1, false).styled("号", Align::Right, 1, true).qr("x");
        let t = d.to_text();
        assert!(t.starts_with(&format!("{}AB\n", " ".repeat(15))));
        assert!(t.contains(&format!("{}号\n", " ".repeat(30))));
        assert!(t.contains("[QR: x]"));
    }
}
