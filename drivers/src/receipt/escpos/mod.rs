//! ESC/POS, the command language of the kiosk's receipt / ticket printer, both ways: the host
//! encodes a [`Document`](crate::receipt::Document) into printer commands and reads status
//! replies; the simulated printer decodes the commands, folds them back into what the paper shows
//! and answers status queries.
//!
//! - [`command`]: the command bytes (named constants, one table for the *(unverified)* facts) and
//!   [`Command`], one value per command a printer can receive;
//! - [`encode`](mod@encode): [`encode()`] a document (Chinese mode, GB18030 text, centred QR, rule,
//!   feed, cut) and [`encode_command`] a single command;
//! - [`decode`]: [`PrinterDecoder`], the printer side's tokio-util decoder;
//! - [`render`](mod@render): [`render()`] / [`render_pages`] fold decoded commands back into
//!   documents, so `render(decode(encode(doc))).to_text() == doc.to_text()` (less the trailing
//!   feed before the cut);
//! - [`status`]: `DLE EOT n` and `GS r 1` replies, [`PaperState`], the host's [`StatusCodec`].
//!
//! Sources (see `shared/protocols.md` §4): python-escpos/python-escpos `src/escpos/constants.py`
//! and `src/escpos/escpos.py` (`qr()`, `_send_2d_code_data`); fabienbellanger/escpos-rs
//! `src/domain/status.rs`; docs.rs hardless-http-dialects `PrinterStatus`;
//! cnblogs.com/deng02/archive/2009/12/24/1631521.html (`GS r 1`).

pub mod command;
pub mod decode;
pub mod encode;
pub mod render;
pub mod status;

pub use command::{Command, QrCommand};
pub use decode::{EscPosError, PrinterDecoder};
pub use encode::{CommandEncoder, encode, encode_command};
pub use render::{Renderer, render, render_pages};
pub use status::{PaperState, PrinterCondition, PrinterStatus, Query, Reply, StatusCodec, StatusError, StatusRequest};
