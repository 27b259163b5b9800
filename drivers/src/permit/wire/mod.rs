//! The desktop MRZ reader's serial protocol (the swipe / full-page OCR readers of kiosks): the MRZ
//! of a document arrives as ASCII lines over a serial port.
//!
//! - [`framing`]: the line framing, [`MrzLineCodec`] (host-side `Decoder` yielding one
//!   [`MrzRead`] per document, simulator-side `Encoder`), with its unverified facts in one table.
//! - [`document`]: what the lines are, [`MrzDocument`]: the `CS` / `CD` permit line
//!   ([`crate::permit::PermitMrz`]), ICAO TD1 or TD3, every check digit verified; and encoders.
//!
//! Sources: shared/protocols.md section 2 (the permit line, the ICAO 7-3-1 check digit, TD1 and TD3
//! layouts and their composite checks, the ICAO specimen). The serial framing is not in
//! shared/protocols.md: see [`framing`] for what is assumed and where.

pub mod document;
pub mod framing;

pub use document::{DocumentError, EncodeError, Field, MrzDocument, MrzName, Sex};
pub use framing::{DocumentEnd, LineEnd, MrzLineCodec, MrzRead, WireError, WriteStyle, decode_all, encode_read};
