//! The ESC/POS commands the kiosk sends to its receipt / ticket printer: their bytes as named
//! constants, and [`Command`], one value per command a printer can receive.
//!
//! Sources (see `shared/protocols.md` §4): python-escpos/python-escpos `src/escpos/constants.py`
//! (basic commands, DLE EOT) and `src/escpos/escpos.py` `qr()` / `_send_2d_code_data` (the
//! `GS ( k` QR sequence); the `GS r 1` paper sensor query from
//! cnblogs.com/deng02/archive/2009/12/24/1631521.html. The Chinese double-byte mode
//! ([`CHINESE_MODE`]) and the parameter counts of commands the kiosk never sends
//! ([`PARAMETER_COUNTS`]) are *(unverified)*, each kept in one table.

use crate::receipt::Align;

/// ESC, the prefix of most commands.
pub const ESC: u8 = 0x1B;
/// GS, the prefix of the "group separator" commands (size, cut, QR, status).
pub const GS: u8 = 0x1D;
/// FS, the prefix of the double-byte (Chinese / Kanji) commands.
pub const FS: u8 = 0x1C;
/// DLE, the prefix of the real-time commands.
pub const DLE: u8 = 0x10;
/// EOT, second byte of `DLE EOT n` (real-time status).
pub const EOT: u8 = 0x04;
/// LF: print the line buffer and feed one line.
pub const LF: u8 = 0x0A;

/// `ESC @`: initialise the printer (clears the buffer, resets the print modes).
pub const INIT: [u8; 2] = [ESC, 0x40];
/// `ESC d n`: print the buffer and feed `n` lines (append `n`).
pub const FEED: [u8; 2] = [ESC, 0x64];
/// `ESC a n`: alignment, see [`ALIGN_LEFT`], [`ALIGN_CENTRE`], [`ALIGN_RIGHT`] (append `n`).
pub const ALIGN: [u8; 2] = [ESC, 0x61];
/// `n` of `ESC a n` for left alignment.
pub const ALIGN_LEFT: u8 = 0;
/// `n` of `ESC a n` for centring.
pub const ALIGN_CENTRE: u8 = 1;
/// `n` of `ESC a n` for right alignment.
pub const ALIGN_RIGHT: u8 = 2;
/// `ESC E n`: bold (emphasised) on when bit 0 of `n` is set (append `n`).
pub const BOLD: [u8; 2] = [ESC, 0x45];
/// `ESC - n`: underline, 0 off, 1 thin, 2 thick (append `n`).
pub const UNDERLINE: [u8; 2] = [ESC, 0x2D];
/// `ESC ! n`: print mode bits (append `n`), see [`PRINT_MODE_DOUBLE_HEIGHT`] and friends.
pub const PRINT_MODE: [u8; 2] = [ESC, 0x21];
/// Bit of `ESC ! n`: emphasised (bold).
pub const PRINT_MODE_BOLD: u8 = 0x08;
/// Bit of `ESC ! n`: double height.
pub const PRINT_MODE_DOUBLE_HEIGHT: u8 = 0x10;
/// Bit of `ESC ! n`: double width.
pub const PRINT_MODE_DOUBLE_WIDTH: u8 = 0x20;
/// `GS ! n`: character size, high nibble = width − 1, low nibble = height − 1 (append `n`).
pub const CHAR_SIZE: [u8; 2] = [GS, 0x21];
/// `GS B n`: white-on-black reverse printing on when bit 0 of `n` is set (append `n`).
pub const REVERSE: [u8; 2] = [GS, 0x42];
/// `ESC t n`: select the single-byte code page `n` (append `n`).
pub const CODE_PAGE: [u8; 2] = [ESC, 0x74];
/// `GS V 00`: full cut.
pub const CUT_FULL: [u8; 3] = [GS, 0x56, 0x00];
/// `GS V 01`: partial cut (one point left uncut).
pub const CUT_PARTIAL: [u8; 3] = [GS, 0x56, 0x01];
/// `DLE EOT n`: real-time status request (append `n`, 1 to 4; see [`super::status`]).
pub const REALTIME_STATUS: [u8; 2] = [DLE, EOT];
/// `GS r 1`: transmit the paper sensor status (one reply byte, 00 paper OK, 0F no paper).
pub const PAPER_SENSOR_STATUS: [u8; 3] = [GS, 0x72, 0x01];

/// The two commands of the Chinese double-byte mode, in which text bytes are GB18030.
///
/// *(unverified)*: `FS &` (`1C 26`) selects and `FS .` (`1C 2E`) cancels the double-byte
/// character mode; protocols.md §4 marks both "check the printer manual". Correct them here.
pub const CHINESE_MODE: DoubleByteMode = DoubleByteMode { on: [FS, 0x26], off: [FS, 0x2E] };

/// The bytes that switch a double-byte character mode on and off (see [`CHINESE_MODE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoubleByteMode {
    /// Select the mode.
    pub on: [u8; 2],
    /// Cancel the mode.
    pub off: [u8; 2],
}

/// Whether `ESC @` also cancels the Chinese double-byte mode.
///
/// *(unverified)*: not stated by any source in protocols.md. Taken as `false` (the mode survives
/// `ESC @`); the kiosk's encoder sends `ESC @` before `FS &`, so either answer prints the same.
pub const INIT_CANCELS_CHINESE_MODE: bool = false;

/// `GS ( k`: the 2D-code function prefix; followed by `pL pH cn fn` and parameters.
pub const QR_PREFIX: [u8; 3] = [GS, 0x28, 0x6B];
/// `cn` of `GS ( k` for QR codes.
pub const QR_CN: u8 = 0x31;
/// `fn` 0x41 (65): select the model, parameters `n1 n2` (n2 = 0).
pub const QR_FN_MODEL: u8 = 0x41;
/// `fn` 0x43 (67): module size, parameter `n` (1 to 16 dots).
pub const QR_FN_MODULE_SIZE: u8 = 0x43;
/// `fn` 0x45 (69): error correction level, parameter `n` (see [`QR_EC_L`] …).
pub const QR_FN_ERROR_CORRECTION: u8 = 0x45;
/// `fn` 0x50 (80): store data, parameter `m` = 0x30 then the data; pL pH = data length + 3.
pub const QR_FN_STORE: u8 = 0x50;
/// `fn` 0x51 (81): print the stored symbol, parameter `m` = 0x30.
pub const QR_FN_PRINT: u8 = 0x51;
/// The `m` byte of store and print.
pub const QR_M: u8 = 0x30;
/// Model `n1` 0x31: model 1.
pub const QR_MODEL_1: u8 = 0x31;
/// Model `n1` 0x32: model 2 (what the kiosk prints).
pub const QR_MODEL_2: u8 = 0x32;
/// Model `n1` 0x33: micro QR.
pub const QR_MODEL_MICRO: u8 = 0x33;
/// Error correction L (about 7 %).
pub const QR_EC_L: u8 = 0x30;
/// Error correction M (about 15 %, what the kiosk prints).
pub const QR_EC_M: u8 = 0x31;
/// Error correction Q (about 25 %).
pub const QR_EC_Q: u8 = 0x32;
/// Error correction H (about 30 %).
pub const QR_EC_H: u8 = 0x33;
/// The most data bytes one QR symbol stores (model 2, version 40, numeric, level L): a longer
/// store is refused by the decoder and truncated by the encoder.
pub const QR_MAX_DATA: usize = 7089;

/// How many parameter bytes follow `prefix function` for commands the kiosk never sends, so the
/// simulated printer's decoder can pass them through whole as [`Command::Unknown`].
///
/// *(unverified)*: from memory of Epson's ESC/POS command reference, not from a source in
/// protocols.md. A sequence whose `(prefix, function)` is not listed here (nor decoded as a known
/// [`Command`], nor one of the variable-length families the decoder measures itself: `ESC (`,
/// `GS (`, `FS (`, `ESC *`, `GS k`, `GS v 0`, `DLE ENQ`, `DLE DC4`) is assumed to be 2 bytes long.
pub const PARAMETER_COUNTS: &[(u8, u8, usize)] = &[
    (ESC, 0x0C, 0), // ESC FF: print data in page mode
    (ESC, 0x20, 1), // ESC SP n: right-side character spacing
    (ESC, 0x24, 2), // ESC $ nL nH: absolute print position
    (ESC, 0x25, 1), // ESC % n: user-defined character set on/off
    (ESC, 0x32, 0), // ESC 2: default line spacing
    (ESC, 0x33, 1), // ESC 3 n: line spacing
    (ESC, 0x3C, 0), // ESC <: return home
    (ESC, 0x3D, 1), // ESC = n: select peripheral device
    (ESC, 0x3F, 1), // ESC ? n: cancel user-defined character
    (ESC, 0x47, 1), // ESC G n: double-strike
    (ESC, 0x4A, 1), // ESC J n: print and feed n motion units
    (ESC, 0x4C, 0), // ESC L: page mode
    (ESC, 0x4D, 1), // ESC M n: character font
    (ESC, 0x52, 1), // ESC R n: international character set
    (ESC, 0x53, 0), // ESC S: standard mode
    (ESC, 0x54, 1), // ESC T n: print direction in page mode
    (ESC, 0x55, 1), // ESC U n: unidirectional printing
    (ESC, 0x56, 1), // ESC V n: 90° rotation
    (ESC, 0x5C, 2), // ESC \ nL nH: relative print position
    (ESC, 0x63, 2), // ESC c 3 n / c 4 n / c 5 n: sensors, panel buttons
    (ESC, 0x65, 1), // ESC e n: reverse feed n lines
    (ESC, 0x69, 0), // ESC i: partial cut (obsolete)
    (ESC, 0x6D, 0), // ESC m: partial cut (obsolete)
    (ESC, 0x70, 3), // ESC p m t1 t2: cash drawer pulse
    (ESC, 0x72, 1), // ESC r n: print colour
    (ESC, 0x75, 1), // ESC u n: drawer status (obsolete)
    (ESC, 0x76, 0), // ESC v: paper sensor status (obsolete)
    (ESC, 0x7B, 1), // ESC { n: upside-down printing
    (GS, 0x24, 2),  // GS $ nL nH: absolute vertical position in page mode
    (GS, 0x2F, 1),  // GS / m: print downloaded bit image
    (GS, 0x3A, 0),  // GS :: start / end of macro definition
    (GS, 0x45, 1),  // GS E n: print speed / head control
    (GS, 0x48, 1),  // GS H n: barcode HRI position
    (GS, 0x49, 1),  // GS I n: transmit printer ID
    (GS, 0x4C, 2),  // GS L nL nH: left margin
    (GS, 0x50, 2),  // GS P x y: motion units
    (GS, 0x54, 1),  // GS T n: set print position to beginning of line
    (GS, 0x57, 2),  // GS W nL nH: print area width
    (GS, 0x5C, 2),  // GS \ nL nH: relative vertical position in page mode
    (GS, 0x5E, 3),  // GS ^ r t m: execute macro
    (GS, 0x61, 1),  // GS a n: automatic status back
    (GS, 0x62, 1),  // GS b n: smoothing
    (GS, 0x63, 0),  // GS c: print counter
    (GS, 0x66, 1),  // GS f n: HRI font
    (GS, 0x68, 1),  // GS h n: barcode height
    (GS, 0x6A, 1),  // GS j n: automatic status back for ink
    (GS, 0x72, 1),  // GS r n: transmit status (n = 1 is decoded as PaperSensorStatus)
    (GS, 0x77, 1),  // GS w n: barcode module width
    (FS, 0x21, 1),  // FS ! n: double-byte print mode
    (FS, 0x2D, 1),  // FS - n: double-byte underline
    (FS, 0x3F, 2),  // FS ? c1 c2: cancel user-defined double-byte character
    (FS, 0x43, 1),  // FS C n: double-byte code system
    (FS, 0x53, 2),  // FS S n1 n2: double-byte character spacing
    (FS, 0x57, 1),  // FS W n: double-byte quadruple size
    (FS, 0x70, 2),  // FS p n m: print NV bit image
];

/// The number of parameter bytes of `prefix function` in [`PARAMETER_COUNTS`], if listed.
pub fn parameter_count(prefix: u8, function: u8) -> Option<usize> {
    PARAMETER_COUNTS.iter().find(|(p, f, _)| *p == prefix && *f == function).map(|(_, _, n)| *n)
}

/// A command a receipt printer can receive, as the printer understands it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `ESC @`: initialise.
    Init,
    /// Printable text (GB18030 on the wire in Chinese mode, ASCII otherwise).
    Text(String),
    /// `LF`: print the line buffer and feed one line.
    LineFeed,
    /// `ESC d n`: print the line buffer and feed `n` lines.
    Feed(u8),
    /// `ESC a n`: alignment.
    Align(Align),
    /// `ESC E n`: bold on / off.
    Bold(bool),
    /// `ESC - n`: underline, `n` as on the wire (0 off, 1 thin, 2 thick).
    Underline(u8),
    /// `ESC ! n`: print mode bits as on the wire (0x08 bold, 0x10 double height, 0x20 double width).
    PrintMode(u8),
    /// `GS ! n`: character magnification (1 to 8 on printers; the wire nibbles allow 1 to 16).
    Size {
        /// Width multiplier.
        width: u8,
        /// Height multiplier.
        height: u8,
    },
    /// `GS B n`: reverse (white on black) on / off.
    Reverse(bool),
    /// `ESC t n`: single-byte code page `n`.
    CodePage(u8),
    /// `FS &` (on) / `FS .` (off): Chinese double-byte mode, see [`CHINESE_MODE`].
    ChineseMode(bool),
    /// `GS ( k` with cn = 0x31: a QR code function.
    Qr(QrCommand),
    /// `GS V m`: cut.
    Cut {
        /// Partial cut (`GS V 01`) rather than full (`GS V 00`).
        partial: bool,
    },
    /// `DLE EOT n`: real-time status request `n` (1 printer, 2 offline cause, 3 error cause,
    /// 4 paper sensor); the printer answers one byte at once.
    RealtimeStatus(u8),
    /// `GS r 1`: paper sensor status request; the printer answers one byte (00 OK, 0F no paper).
    PaperSensorStatus,
    /// Any other command, or a stray control byte: its bytes exactly as received.
    Unknown(Vec<u8>),
}

/// One function of the QR `GS ( k` command (cn = 0x31).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrCommand {
    /// fn 0x41: model `n1` as on the wire ([`QR_MODEL_1`], [`QR_MODEL_2`], [`QR_MODEL_MICRO`]).
    Model(u8),
    /// fn 0x43: module size in dots (1 to 16).
    ModuleSize(u8),
    /// fn 0x45: error correction level as on the wire ([`QR_EC_L`] … [`QR_EC_H`]).
    ErrorCorrection(u8),
    /// fn 0x50: store the symbol data (at most [`QR_MAX_DATA`] bytes).
    Store(Vec<u8>),
    /// fn 0x51: print the stored symbol.
    Print,
}

/// The `n` of `ESC a n` for an alignment.
pub fn align_byte(align: Align) -> u8 {
    match align {
        Align::Left => ALIGN_LEFT,
        Align::Centre => ALIGN_CENTRE,
        Align::Right => ALIGN_RIGHT,
    }
}

/// The alignment of an `ESC a n` parameter: 0 / 1 / 2, or their ASCII digits '0' / '1' / '2'
/// (both forms are accepted by printers); `None` for any other value.
pub fn align_from_byte(n: u8) -> Option<Align> {
    match n {
        0 | 0x30 => Some(Align::Left),
        1 | 0x31 => Some(Align::Centre),
        2 | 0x32 => Some(Align::Right),
        _ => None,
    }
}

/// The `n` of `GS ! n` for a magnification; each factor is clamped to 1..=16 (printers accept
/// 1..=8).
pub fn size_byte(width: u8, height: u8) -> u8 {
    let w = width.clamp(1, 16) - 1;
    let h = height.clamp(1, 16) - 1;
    (w << 4) | h
}

/// The magnification `(width, height)` of a `GS ! n` parameter.
pub fn size_from_byte(n: u8) -> (u8, u8) {
    ((n >> 4) + 1, (n & 0x0F) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_match_protocols_md() {
        assert_eq!(INIT, [0x1B, 0x40]);
        assert_eq!(FEED, [0x1B, 0x64]);
        assert_eq!(ALIGN, [0x1B, 0x61]);
        assert_eq!(BOLD, [0x1B, 0x45]);
        assert_eq!(UNDERLINE, [0x1B, 0x2D]);
        assert_eq!(PRINT_MODE, [0x1B, 0x21]);
        assert_eq!(CHAR_SIZE, [0x1D, 0x21]);
        assert_eq!(REVERSE, [0x1D, 0x42]);
        assert_eq!(CODE_PAGE, [0x1B, 0x74]);
        assert_eq!(CUT_FULL, [0x1D, 0x56, 0x00]);
        assert_eq!(CUT_PARTIAL, [0x1D, 0x56, 0x01]);
        assert_eq!(REALTIME_STATUS, [0x10, 0x04]);
        assert_eq!(PAPER_SENSOR_STATUS, [0x1D, 0x72, 0x01]);
        assert_eq!(QR_PREFIX, [0x1D, 0x28, 0x6B]);
        assert_eq!(CHINESE_MODE.on, [0x1C, 0x26]);
        assert_eq!(CHINESE_MODE.off, [0x1C, 0x2E]);
    }

    #[test]
    fn size_nibbles() {
        assert_eq!(size_byte(1, 1), 0x00);
        assert_eq!(size_byte(2, 1), 0x10);
        assert_eq!(size_byte(1, 2), 0x01);
        assert_eq!(size_byte(8, 8), 0x77);
        assert_eq!(size_byte(0, 99), 0x0F);
        for n in 0..=255u8 {
            let (w, h) = size_from_byte(n);
            assert_eq!(size_byte(w, h), n);
        }
    }

    #[test]
    fn align_bytes() {
        for a in [Align::Left, Align::Centre, Align::Right] {
            assert_eq!(align_from_byte(align_byte(a)), Some(a));
            assert_eq!(align_from_byte(align_byte(a) + 0x30), Some(a));
        }
        assert_eq!(align_from_byte(3), None);
    }

    #[test]
    fn parameter_table_has_no_duplicates_nor_known_commands() {
        for (i, (p, f, _)) in PARAMETER_COUNTS.iter().enumerate() {
            assert!(PARAMETER_COUNTS.iter().skip(i + 1).all(|(p2, f2, _)| (p2, f2) != (p, f)));
            // Commands decoded by name must not be shadowed by the table.
            let known = [INIT, FEED, ALIGN, BOLD, UNDERLINE, PRINT_MODE, CHAR_SIZE, REVERSE, CODE_PAGE];
            assert!(!known.contains(&[*p, *f]));
        }
        assert_eq!(parameter_count(ESC, 0x70), Some(3));
        assert_eq!(parameter_count(ESC, 0x01), None);
    }
}
