//! The instructions of the 0xEF01 fingerprint modules (payload of a command packet), the
//! confirmation codes, and the acknowledgement packet with its typed results.
//!
//! A command packet's payload is the instruction code followed by its parameters (big-endian
//! numbers); an acknowledgement's payload is a confirmation code followed by the instruction's
//! results ("extra" bytes here).
//!
//! Sources (see `shared/protocols.md` §3): adafruit/Adafruit-Fingerprint-Sensor-Library
//! `Adafruit_Fingerprint.h` / `.cpp` (codes, parameters, `getParameters`); a brianrho-style FPM
//! header and an `fp_*` C header found via code search (the codes Adafruit does not use).

use super::packet::{Packet, PacketSize, Pid};

/// Instruction codes (first payload byte of a command packet).
///
/// [Adafruit_Fingerprint.h `FINGERPRINT_GETIMAGE` …; FPM-style and `fp_*` C headers for 0A, 0B,
/// 0E, 14, 15, 17, 1F]. Handshake 0x17 rests on those headers only: some R30x manuals name 0x17
/// "port control" (one control byte) and the R503 uses 0x40 for handshake; check the module's
/// manual.
pub mod code {
    /// Capture a finger image.
    pub const GEN_IMG: u8 = 0x01;
    /// Image to features in a character buffer.
    pub const IMG2TZ: u8 = 0x02;
    /// Match the two character buffers.
    pub const MATCH: u8 = 0x03;
    /// Search the library.
    pub const SEARCH: u8 = 0x04;
    /// Combine the character buffers into a template.
    pub const REG_MODEL: u8 = 0x05;
    /// Store a buffer in the library.
    pub const STORE: u8 = 0x06;
    /// Load a library page into a buffer.
    pub const LOAD_CHAR: u8 = 0x07;
    /// Upload a buffer to the host (data packets follow the acknowledgement).
    pub const UP_CHAR: u8 = 0x08;
    /// Download a buffer from the host (data packets follow the acknowledgement).
    pub const DOWN_CHAR: u8 = 0x09;
    /// Upload the image to the host.
    pub const UP_IMAGE: u8 = 0x0A;
    /// Download an image from the host.
    pub const DOWN_IMAGE: u8 = 0x0B;
    /// Delete library pages.
    pub const DELETE_CHAR: u8 = 0x0C;
    /// Empty the library.
    pub const EMPTY: u8 = 0x0D;
    /// Set one system parameter.
    pub const SET_SYS_PARA: u8 = 0x0E;
    /// Read the system parameters.
    pub const READ_SYS_PARA: u8 = 0x0F;
    /// Set the password.
    pub const SET_PWD: u8 = 0x12;
    /// Verify the password.
    pub const VFY_PWD: u8 = 0x13;
    /// Get a random number.
    pub const GET_RANDOM: u8 = 0x14;
    /// Set the module address.
    pub const SET_ADDR: u8 = 0x15;
    /// Handshake (see the module doc: single-sourced code).
    pub const HANDSHAKE: u8 = 0x17;
    /// Fast search of the library.
    pub const HIGH_SPEED_SEARCH: u8 = 0x1B;
    /// Count the stored templates.
    pub const TEMPLATE_NUM: u8 = 0x1D;
    /// Read the index table of used pages.
    pub const READ_INDEX_TABLE: u8 = 0x1F;
    /// R503 aura LED control (control, speed, colour, count).
    pub const AURA_LED: u8 = 0x35;
    /// LED on.
    pub const LED_ON: u8 = 0x50;
    /// LED off.
    pub const LED_OFF: u8 = 0x51;
}

/// One instruction with its parameters. Pages, counts and passwords are big-endian on the wire;
/// `buffer` is a character buffer number (1 or 2 on most modules).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Instruction {
    /// 01: capture a finger image.
    GenImg,
    /// 02: extract the features of the image into a character buffer.
    Img2Tz(u8),
    /// 03: match the two character buffers; the acknowledgement carries the score.
    Match,
    /// 04: search pages `start .. start + count` for the buffer; the acknowledgement carries the
    /// page and score.
    Search {
        /// Character buffer.
        buffer: u8,
        /// First page.
        start: u16,
        /// How many pages.
        count: u16,
    },
    /// 05: combine the character buffers into a template.
    RegModel,
    /// 06: store a buffer at a library page.
    Store {
        /// Character buffer.
        buffer: u8,
        /// Library page.
        page: u16,
    },
    /// 07: load a library page into a buffer.
    LoadChar {
        /// Character buffer.
        buffer: u8,
        /// Library page.
        page: u16,
    },
    /// 08: upload a buffer; the module sends data packets after its acknowledgement.
    UpChar(u8),
    /// 09: download into a buffer; the host sends data packets after the acknowledgement.
    DownChar(u8),
    /// 0C: delete `count` pages from `page`.
    DeleteChar {
        /// First page.
        page: u16,
        /// How many pages.
        count: u16,
    },
    /// 0D: empty the library.
    Empty,
    /// 0F: read the system parameters ([`SysPara`] in the acknowledgement).
    ReadSysPara,
    /// 12: set the password.
    SetPwd(u32),
    /// 13: verify the password (0 by default).
    VfyPwd(u32),
    /// 17: handshake.
    Handshake,
    /// 1B: fast search, same parameters and results as [`Instruction::Search`]. (Adafruit's fast
    /// search uses buffer 1, start 0, count 0xA3.)
    HighSpeedSearch {
        /// Character buffer.
        buffer: u8,
        /// First page.
        start: u16,
        /// How many pages.
        count: u16,
    },
    /// 1D: count the stored templates.
    TemplateNum,
    /// Any other instruction (0A, 0B, 0E, 14, 15, 1F, 35, 50, 51, or unknown) with its raw
    /// parameter bytes. Not for the codes above: those always decode to their own variant.
    Other(u8, Vec<u8>),
}

/// What is wrong with a command packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstructionError {
    /// The packet is not a command packet.
    #[error("expected a command packet (PID 01), got {0:?}")]
    NotCommand(Pid),
    /// The payload is empty.
    #[error("command payload is empty, expected at least the instruction code")]
    Empty,
    /// A known instruction with the wrong number of parameter bytes.
    #[error("instruction 0x{code:02X} takes {expected} parameter bytes, got {found}")]
    Params {
        /// Instruction code.
        code: u8,
        /// Parameter bytes it takes.
        expected: usize,
        /// Parameter bytes there were.
        found: usize,
    },
}

/// Exactly `N` parameter bytes.
fn params<const N: usize>(code: u8, p: &[u8]) -> Result<[u8; N], InstructionError> {
    <[u8; N]>::try_from(p).map_err(|_| InstructionError::Params { code, expected: N, found: p.len() })
}

/// Parameters of a search: buffer (1), start (2), count (2).
fn search_params(code: u8, p: &[u8]) -> Result<(u8, u16, u16), InstructionError> {
    let [buffer, s0, s1, c0, c1] = params::<5>(code, p)?;
    Ok((buffer, u16::from_be_bytes([s0, s1]), u16::from_be_bytes([c0, c1])))
}

/// Parameters of a buffer + page: buffer (1), page (2).
fn buffer_page(code: u8, p: &[u8]) -> Result<(u8, u16), InstructionError> {
    let [buffer, p0, p1] = params::<3>(code, p)?;
    Ok((buffer, u16::from_be_bytes([p0, p1])))
}

impl Instruction {
    /// The instruction code.
    pub fn code(&self) -> u8 {
        match self {
            Instruction::GenImg => code::GEN_IMG,
            Instruction::Img2Tz(_) => code::IMG2TZ,
            Instruction::Match => code::MATCH,
            Instruction::Search { .. } => code::SEARCH,
            Instruction::RegModel => code::REG_MODEL,
            Instruction::Store { .. } => code::STORE,
            Instruction::LoadChar { .. } => code::LOAD_CHAR,
            Instruction::UpChar(_) => code::UP_CHAR,
            Instruction::DownChar(_) => code::DOWN_CHAR,
            Instruction::DeleteChar { .. } => code::DELETE_CHAR,
            Instruction::Empty => code::EMPTY,
            Instruction::ReadSysPara => code::READ_SYS_PARA,
            Instruction::SetPwd(_) => code::SET_PWD,
            Instruction::VfyPwd(_) => code::VFY_PWD,
            Instruction::Handshake => code::HANDSHAKE,
            Instruction::HighSpeedSearch { .. } => code::HIGH_SPEED_SEARCH,
            Instruction::TemplateNum => code::TEMPLATE_NUM,
            Instruction::Other(code, _) => *code,
        }
    }

    /// The parameter bytes (everything after the code).
    pub fn params(&self) -> Vec<u8> {
        let search = |buffer: u8, start: u16, count: u16| {
            let mut v = vec![buffer];
            v.extend(start.to_be_bytes());
            v.extend(count.to_be_bytes());
            v
        };
        let buffer_page = |buffer: u8, page: u16| {
            let mut v = vec![buffer];
            v.extend(page.to_be_bytes());
            v
        };
        match self {
            Instruction::GenImg
            | Instruction::Match
            | Instruction::RegModel
            | Instruction::Empty
            | Instruction::ReadSysPara
            | Instruction::Handshake
            | Instruction::TemplateNum => Vec::new(),
            Instruction::Img2Tz(b) | Instruction::UpChar(b) | Instruction::DownChar(b) => vec![*b],
            Instruction::Search { buffer, start, count } | Instruction::HighSpeedSearch { buffer, start, count } => {
                search(*buffer, *start, *count)
            }
            Instruction::Store { buffer, page } | Instruction::LoadChar { buffer, page } => buffer_page(*buffer, *page),
            Instruction::DeleteChar { page, count } => {
                let mut v = page.to_be_bytes().to_vec();
                v.extend(count.to_be_bytes());
                v
            }
            Instruction::SetPwd(p) | Instruction::VfyPwd(p) => p.to_be_bytes().to_vec(),
            Instruction::Other(_, params) => params.clone(),
        }
    }

    /// The command packet's payload: code, then parameters.
    pub fn to_payload(&self) -> Vec<u8> {
        let mut v = vec![self.code()];
        v.extend(self.params());
        v
    }

    /// The instruction in a command packet's payload.
    pub fn from_payload(payload: &[u8]) -> Result<Instruction, InstructionError> {
        let (&c, p) = payload.split_first().ok_or(InstructionError::Empty)?;
        let none = |p: &[u8]| params::<0>(c, p).map(|_| ());
        let one = |p: &[u8]| params::<1>(c, p).map(|[b]| b);
        Ok(match c {
            code::GEN_IMG => none(p).map(|_| Instruction::GenImg)?,
            code::IMG2TZ => Instruction::Img2Tz(one(p)?),
            code::MATCH => none(p).map(|_| Instruction::Match)?,
            code::SEARCH => {
                let (buffer, start, count) = search_params(c, p)?;
                Instruction::Search { buffer, start, count }
            }
            code::REG_MODEL => none(p).map(|_| Instruction::RegModel)?,
            code::STORE => {
                let (buffer, page) = buffer_page(c, p)?;
                Instruction::Store { buffer, page }
            }
            code::LOAD_CHAR => {
                let (buffer, page) = buffer_page(c, p)?;
                Instruction::LoadChar { buffer, page }
            }
            code::UP_CHAR => Instruction::UpChar(one(p)?),
            code::DOWN_CHAR => Instruction::DownChar(one(p)?),
            code::DELETE_CHAR => {
                let [p0, p1, c0, c1] = params::<4>(c, p)?;
                Instruction::DeleteChar { page: u16::from_be_bytes([p0, p1]), count: u16::from_be_bytes([c0, c1]) }
            }
            code::EMPTY => none(p).map(|_| Instruction::Empty)?,
            code::READ_SYS_PARA => none(p).map(|_| Instruction::ReadSysPara)?,
            code::SET_PWD => Instruction::SetPwd(u32::from_be_bytes(params::<4>(c, p)?)),
            code::VFY_PWD => Instruction::VfyPwd(u32::from_be_bytes(params::<4>(c, p)?)),
            code::HANDSHAKE => none(p).map(|_| Instruction::Handshake)?,
            code::HIGH_SPEED_SEARCH => {
                let (buffer, start, count) = search_params(c, p)?;
                Instruction::HighSpeedSearch { buffer, start, count }
            }
            code::TEMPLATE_NUM => none(p).map(|_| Instruction::TemplateNum)?,
            other => Instruction::Other(other, p.to_vec()),
        })
    }

    /// The command packet carrying this instruction to the module at `address`.
    pub fn to_packet(&self, address: u32) -> Packet {
        Packet::new(address, Pid::Command, self.to_payload())
    }

    /// The instruction in a command packet.
    pub fn from_packet(packet: &Packet) -> Result<Instruction, InstructionError> {
        match packet.pid {
            Pid::Command => Instruction::from_payload(&packet.payload),
            other => Err(InstructionError::NotCommand(other)),
        }
    }
}

/// A confirmation code: the first payload byte of an acknowledgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Confirm {
    /// 00: command executed.
    Ok,
    /// 01: error receiving the packet.
    PacketReceiveError,
    /// 02: no finger on the sensor.
    NoFinger,
    /// 03: failed to capture the image.
    ImagingFailed,
    /// 06: image too messy to extract features.
    ImageMessy,
    /// 07: too few feature points.
    TooFewFeatures,
    /// 08: the fingers do not match.
    NoMatch,
    /// 09: no match found in the library.
    NotFound,
    /// 0A: the buffers could not be combined (enrolment mismatch).
    EnrollMismatch,
    /// 0B: page number beyond the library.
    BadPage,
    /// 0C: error reading the template, or invalid template.
    TemplateReadError,
    /// 0D: error uploading the features.
    FeatureUploadError,
    /// 0E: the module cannot receive the following data packets.
    CannotReceiveData,
    /// 0F: error uploading the image.
    ImageUploadError,
    /// 10: failed to delete the template.
    DeleteFailed,
    /// 11: failed to clear the library.
    ClearFailed,
    /// 13: wrong password.
    WrongPassword,
    /// 15: no valid primary image to work on.
    InvalidImage,
    /// 18: error writing the flash.
    FlashError,
    /// 1A: invalid register number.
    InvalidRegister,
    /// 20: wrong module address.
    WrongAddress,
    /// 21: the password must be verified first.
    VerifyPasswordFirst,
    /// Any other code.
    Other(u8),
}

/// Every known confirmation code with its description. [Adafruit_Fingerprint.h
/// `FINGERPRINT_OK` … `FINGERPRINT_PASSVERIFY`; FE (bad packet) and FF (timeout) there are
/// library-only and never on the wire]
const CONFIRM_TABLE: [(Confirm, u8, &str); 22] = [
    (Confirm::Ok, 0x00, "command executed"),
    (Confirm::PacketReceiveError, 0x01, "error receiving the packet"),
    (Confirm::NoFinger, 0x02, "no finger on the sensor"),
    (Confirm::ImagingFailed, 0x03, "failed to capture the finger image"),
    (Confirm::ImageMessy, 0x06, "image too messy to extract features"),
    (Confirm::TooFewFeatures, 0x07, "too few feature points in the image"),
    (Confirm::NoMatch, 0x08, "the fingerprints do not match"),
    (Confirm::NotFound, 0x09, "no matching fingerprint in the library"),
    (Confirm::EnrollMismatch, 0x0A, "the features could not be combined into a template"),
    (Confirm::BadPage, 0x0B, "page number beyond the library"),
    (Confirm::TemplateReadError, 0x0C, "error reading the template, or invalid template"),
    (Confirm::FeatureUploadError, 0x0D, "error uploading the features"),
    (Confirm::CannotReceiveData, 0x0E, "the module cannot receive the following data packets"),
    (Confirm::ImageUploadError, 0x0F, "error uploading the image"),
    (Confirm::DeleteFailed, 0x10, "failed to delete the template"),
    (Confirm::ClearFailed, 0x11, "failed to clear the fingerprint library"),
    (Confirm::WrongPassword, 0x13, "wrong password"),
    (Confirm::InvalidImage, 0x15, "no valid primary image in the buffer"),
    (Confirm::FlashError, 0x18, "error writing the flash memory"),
    (Confirm::InvalidRegister, 0x1A, "invalid register number"),
    (Confirm::WrongAddress, 0x20, "wrong module address"),
    (Confirm::VerifyPasswordFirst, 0x21, "the password must be verified first"),
];

impl Confirm {
    /// The confirmation of a code byte (never [`Confirm::Other`] for a known code).
    pub fn from_code(code: u8) -> Confirm {
        CONFIRM_TABLE.iter().find(|(_, c, _)| *c == code).map_or(Confirm::Other(code), |(k, _, _)| *k)
    }

    /// The code byte.
    pub fn code(self) -> u8 {
        match self {
            Confirm::Other(code) => code,
            known => CONFIRM_TABLE.iter().find(|(k, _, _)| *k == known).map_or(0xFF, |(_, c, _)| *c),
        }
    }

    /// A short English description.
    pub fn description(self) -> &'static str {
        let code = self.code();
        CONFIRM_TABLE.iter().find(|(_, c, _)| *c == code).map_or("unknown confirmation code", |(_, _, d)| *d)
    }

    /// Whether this is [`Confirm::Ok`].
    pub fn is_ok(self) -> bool {
        self == Confirm::Ok
    }
}

impl From<u8> for Confirm {
    fn from(code: u8) -> Confirm {
        Confirm::from_code(code)
    }
}

impl std::fmt::Display for Confirm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (0x{:02X})", self.description(), self.code())
    }
}

/// What is wrong with an acknowledgement, or with the results asked of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AckError {
    /// The packet is not an acknowledgement.
    #[error("expected an acknowledgement packet (PID 07), got {0:?}")]
    NotAck(Pid),
    /// The payload is empty.
    #[error("acknowledgement payload is empty, expected at least the confirmation code")]
    Empty,
    /// Fewer result bytes than the result asked for.
    #[error("the {what} needs {expected} bytes after the confirmation code, got {found}")]
    Short {
        /// Which result was asked for.
        what: &'static str,
        /// Bytes it needs.
        expected: usize,
        /// Bytes there are.
        found: usize,
    },
    /// The system parameters carry a packet size code other than 0..=3.
    #[error("packet size code {0}, expected 0, 1, 2 or 3 (32, 64, 128 or 256 bytes)")]
    PacketSizeCode(u16),
}

/// The result of a search: the page found and its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SearchHit {
    /// Library page of the match.
    pub page: u16,
    /// Match score.
    pub score: u16,
}

/// The baud rate unit of the system parameters: baud = N × 9600. [Adafruit_Fingerprint.cpp
/// `getParameters`]
pub const BAUD_UNIT: u32 = 9600;

/// Bytes of the system parameters in the `ReadSysPara` acknowledgement (after the confirmation
/// code). [Adafruit_Fingerprint.cpp `getParameters`]
pub const SYS_PARA_LEN: usize = 16;

/// The system parameters (`ReadSysPara` result), in wire order.
/// [Adafruit_Fingerprint.cpp `getParameters`; single source]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SysPara {
    /// Status register.
    pub status_register: u16,
    /// System identifier code.
    pub system_id: u16,
    /// Library capacity (templates).
    pub capacity: u16,
    /// Security level (1..=5).
    pub security_level: u16,
    /// Module address.
    pub address: u32,
    /// Data packet size.
    pub packet_size: PacketSize,
    /// Baud rate multiplier N (baud = N × [`BAUD_UNIT`]).
    pub baud_multiplier: u16,
}

impl SysPara {
    /// The baud rate (N × 9600).
    pub fn baud(&self) -> u32 {
        u32::from(self.baud_multiplier).saturating_mul(BAUD_UNIT)
    }

    /// The multiplier N for a baud rate, `None` if it is not a multiple of 9600 in range.
    pub fn baud_multiplier_for(baud: u32) -> Option<u16> {
        if !baud.is_multiple_of(BAUD_UNIT) {
            return None;
        }
        u16::try_from(baud / BAUD_UNIT).ok()
    }

    /// The 16 wire bytes.
    pub fn to_bytes(&self) -> [u8; SYS_PARA_LEN] {
        let mut out = [0u8; SYS_PARA_LEN];
        let words = [self.status_register, self.system_id, self.capacity, self.security_level];
        for (dst, w) in out.chunks_exact_mut(2).zip(words) {
            dst.copy_from_slice(&w.to_be_bytes());
        }
        let tail = self.address.to_be_bytes().into_iter().chain(self.packet_size.code().to_be_bytes());
        for (dst, b) in out.iter_mut().skip(8).zip(tail.chain(self.baud_multiplier.to_be_bytes())) {
            *dst = b;
        }
        out
    }

    /// Parse the system parameters from the first 16 bytes of `bytes` (more are ignored).
    pub fn from_bytes(bytes: &[u8]) -> Result<SysPara, AckError> {
        let Some(b) = bytes.first_chunk::<SYS_PARA_LEN>() else {
            return Err(AckError::Short { what: "system parameters", expected: SYS_PARA_LEN, found: bytes.len() });
        };
        let [s0, s1, i0, i1, c0, c1, l0, l1, a0, a1, a2, a3, p0, p1, n0, n1] = *b;
        let code = u16::from_be_bytes([p0, p1]);
        Ok(SysPara {
            status_register: u16::from_be_bytes([s0, s1]),
            system_id: u16::from_be_bytes([i0, i1]),
            capacity: u16::from_be_bytes([c0, c1]),
            security_level: u16::from_be_bytes([l0, l1]),
            address: u32::from_be_bytes([a0, a1, a2, a3]),
            packet_size: PacketSize::from_code(code).ok_or(AckError::PacketSizeCode(code))?,
            baud_multiplier: u16::from_be_bytes([n0, n1]),
        })
    }
}

/// An acknowledgement: the confirmation code and the results that follow it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ack {
    /// The confirmation code.
    pub confirm: Confirm,
    /// The bytes after the confirmation code (results; empty for most instructions).
    pub extra: Vec<u8>,
}

/// The first two bytes of `extra` as a big-endian number.
fn word(extra: &[u8], what: &'static str) -> Result<u16, AckError> {
    extra.first_chunk::<2>().map(|w| u16::from_be_bytes(*w)).ok_or(AckError::Short {
        what,
        expected: 2,
        found: extra.len(),
    })
}

impl Ack {
    /// An acknowledgement from its parts.
    pub fn new(confirm: Confirm, extra: Vec<u8>) -> Ack {
        Ack { confirm, extra }
    }

    /// An acknowledgement with no results.
    pub fn from_status(confirm: Confirm) -> Ack {
        Ack::new(confirm, Vec::new())
    }

    /// A `Match` acknowledgement carrying a score.
    pub fn with_match_score(confirm: Confirm, score: u16) -> Ack {
        Ack::new(confirm, score.to_be_bytes().to_vec())
    }

    /// A `Search` / `HighSpeedSearch` acknowledgement carrying the page and score.
    pub fn with_search_hit(confirm: Confirm, hit: SearchHit) -> Ack {
        let mut extra = hit.page.to_be_bytes().to_vec();
        extra.extend(hit.score.to_be_bytes());
        Ack::new(confirm, extra)
    }

    /// A `TemplateNum` acknowledgement carrying the count.
    pub fn with_template_count(confirm: Confirm, count: u16) -> Ack {
        Ack::new(confirm, count.to_be_bytes().to_vec())
    }

    /// A `ReadSysPara` acknowledgement carrying the system parameters.
    pub fn with_sys_para(confirm: Confirm, para: &SysPara) -> Ack {
        Ack::new(confirm, para.to_bytes().to_vec())
    }

    /// The acknowledgement's payload: confirmation code, then the extra bytes.
    pub fn to_payload(&self) -> Vec<u8> {
        let mut v = vec![self.confirm.code()];
        v.extend_from_slice(&self.extra);
        v
    }

    /// The acknowledgement in an ack packet's payload.
    pub fn from_payload(payload: &[u8]) -> Result<Ack, AckError> {
        let (&code, extra) = payload.split_first().ok_or(AckError::Empty)?;
        Ok(Ack { confirm: Confirm::from_code(code), extra: extra.to_vec() })
    }

    /// The ack packet from the module at `address`.
    pub fn to_packet(&self, address: u32) -> Packet {
        Packet::new(address, Pid::Ack, self.to_payload())
    }

    /// The acknowledgement in an ack packet.
    pub fn from_packet(packet: &Packet) -> Result<Ack, AckError> {
        match packet.pid {
            Pid::Ack => Ack::from_payload(&packet.payload),
            other => Err(AckError::NotAck(other)),
        }
    }

    /// Whether the confirmation is [`Confirm::Ok`].
    pub fn is_ok(&self) -> bool {
        self.confirm.is_ok()
    }

    /// The score of a `Match` acknowledgement (first 2 extra bytes).
    pub fn match_score(&self) -> Result<u16, AckError> {
        word(&self.extra, "match score")
    }

    /// The page and score of a `Search` / `HighSpeedSearch` acknowledgement (first 4 extra bytes).
    pub fn search_hit(&self) -> Result<SearchHit, AckError> {
        let short = AckError::Short { what: "search result", expected: 4, found: self.extra.len() };
        let [p0, p1, s0, s1] = *self.extra.first_chunk::<4>().ok_or(short)?;
        Ok(SearchHit { page: u16::from_be_bytes([p0, p1]), score: u16::from_be_bytes([s0, s1]) })
    }

    /// The count of a `TemplateNum` acknowledgement (first 2 extra bytes).
    pub fn template_count(&self) -> Result<u16, AckError> {
        word(&self.extra, "template count")
    }

    /// The system parameters of a `ReadSysPara` acknowledgement (first 16 extra bytes).
    pub fn sys_para(&self) -> Result<SysPara, AckError> {
        SysPara::from_bytes(&self.extra)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::ef01::packet::{DEFAULT_ADDRESS, PacketCodec};
    use bytes::BytesMut;
    use proptest::prelude::*;
    use tokio_util::codec::{Decoder, Encoder};

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn protocol_vectors() {
        let wire = |i: Instruction| i.to_packet(DEFAULT_ADDRESS).encode().unwrap();
        assert_eq!(wire(Instruction::GenImg), hex("EF01 FFFFFFFF 01 0003 01 0005"));
        assert_eq!(wire(Instruction::VfyPwd(0)), hex("EF01 FFFFFFFF 01 0007 13 00000000 001B"));
        let ok = Ack::from_status(Confirm::Ok).to_packet(DEFAULT_ADDRESS).encode().unwrap();
        assert_eq!(ok, hex("EF01 FFFFFFFF 07 0003 00 000A"));

        let packet = Packet::decode(&hex("EF01 FFFFFFFF 01 0007 13 00000000 001B")).unwrap();
        assert_eq!(Instruction::from_packet(&packet), Ok(Instruction::VfyPwd(0)));
        let packet = Packet::decode(&hex("EF01 FFFFFFFF 07 0003 00 000A")).unwrap();
        assert_eq!(Ack::from_packet(&packet), Ok(Ack::from_status(Confirm::Ok)));
    }

    #[test]
    fn parameter_layouts() {
        let cases: [(Instruction, &str); 18] = [
            (Instruction::GenImg, "01"),
            (Instruction::Img2Tz(2), "02 02"),
            (Instruction::Match, "03"),
            (Instruction::Search { buffer: 1, start: 0x0102, count: 0x0304 }, "04 01 0102 0304"),
            (Instruction::RegModel, "05"),
            (Instruction::Store { buffer: 1, page: 0x0A0B }, "06 01 0A0B"),
            (Instruction::LoadChar { buffer: 2, page: 7 }, "07 02 0007"),
            (Instruction::UpChar(1), "08 01"),
            (Instruction::DownChar(2), "09 02"),
            (Instruction::DeleteChar { page: 5, count: 1 }, "0C 0005 0001"),
            (Instruction::Empty, "0D"),
            (Instruction::ReadSysPara, "0F"),
            (Instruction::SetPwd(0x1234_5678), "12 12345678"),
            (Instruction::VfyPwd(0), "13 00000000"),
            (Instruction::Handshake, "17"),
            (Instruction::HighSpeedSearch { buffer: 1, start: 0, count: 0xA3 }, "1B 01 0000 00A3"),
            (Instruction::TemplateNum, "1D"),
            (Instruction::Other(code::LED_ON, vec![]), "50"),
        ];
        for (instruction, bytes) in cases {
            assert_eq!(instruction.to_payload(), hex(bytes), "{instruction:?}");
            assert_eq!(Instruction::from_payload(&hex(bytes)), Ok(instruction));
        }
    }

    #[test]
    fn other_codes_stay_other() {
        for c in [0x0A, 0x0B, 0x0E, 0x14, 0x15, 0x1F, 0x35, 0x50, 0x51] {
            assert_eq!(Instruction::from_payload(&[c, 9, 8]), Ok(Instruction::Other(c, vec![9, 8])));
        }
    }

    #[test]
    fn instruction_errors() {
        assert_eq!(Instruction::from_payload(&[]), Err(InstructionError::Empty));
        assert_eq!(
            Instruction::from_payload(&[code::SEARCH, 1, 0, 0]),
            Err(InstructionError::Params { code: 0x04, expected: 5, found: 3 })
        );
        assert_eq!(
            Instruction::from_payload(&[code::GEN_IMG, 0]),
            Err(InstructionError::Params { code: 0x01, expected: 0, found: 1 })
        );
        assert_eq!(
            Instruction::from_payload(&[code::VFY_PWD, 0, 0, 0, 0, 0]),
            Err(InstructionError::Params { code: 0x13, expected: 4, found: 5 })
        );
        let ack = Ack::from_status(Confirm::Ok).to_packet(DEFAULT_ADDRESS);
        assert_eq!(Instruction::from_packet(&ack), Err(InstructionError::NotCommand(Pid::Ack)));
    }

    #[test]
    fn every_confirmation_code() {
        let codes = [
            0x00, 0x01, 0x02, 0x03, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x13, 0x15,
            0x18, 0x1A, 0x20, 0x21,
        ];
        for c in codes {
            let confirm = Confirm::from_code(c);
            assert!(!matches!(confirm, Confirm::Other(_)), "0x{c:02X}");
            assert_eq!(confirm.code(), c);
            assert_ne!(confirm.description(), "unknown confirmation code");
        }
        assert_eq!(Confirm::from_code(0x02), Confirm::NoFinger);
        assert_eq!(Confirm::from_code(0x08), Confirm::NoMatch);
        assert_eq!(Confirm::from_code(0x13), Confirm::WrongPassword);
        assert_eq!(Confirm::from_code(0xFE), Confirm::Other(0xFE));
        assert_eq!(Confirm::Other(0xFE).description(), "unknown confirmation code");
        assert_eq!(Confirm::NoFinger.to_string(), "no finger on the sensor (0x02)");
    }

    #[test]
    fn ack_results() {
        let ack = Ack::from_payload(&hex("00 0102")).unwrap();
        assert_eq!(ack.match_score(), Ok(0x0102));
        assert_eq!(ack.template_count(), Ok(0x0102));
        assert_eq!(ack.search_hit(), Err(AckError::Short { what: "search result", expected: 4, found: 2 }));
        let ack = Ack::from_payload(&hex("09 0005 0033")).unwrap();
        assert_eq!(ack.confirm, Confirm::NotFound);
        assert_eq!(ack.search_hit(), Ok(SearchHit { page: 5, score: 0x33 }));
        let ack = Ack::from_payload(&hex("08")).unwrap();
        assert_eq!(ack.match_score(), Err(AckError::Short { what: "match score", expected: 2, found: 0 }));
        assert_eq!(Ack::from_payload(&[]), Err(AckError::Empty));
        let cmd = Instruction::GenImg.to_packet(DEFAULT_ADDRESS);
        assert_eq!(Ack::from_packet(&cmd), Err(AckError::NotAck(Pid::Command)));
    }

    #[test]
    fn sys_para_layout() {
        let bytes = hex("0004 0009 00A3 0005 FFFFFFFF 0003 0006");
        let para = SysPara::from_bytes(&bytes).unwrap();
        assert_eq!(
            para,
            SysPara {
                status_register: 4,
                system_id: 9,
                capacity: 0xA3,
                security_level: 5,
                address: DEFAULT_ADDRESS,
                packet_size: PacketSize::B256,
                baud_multiplier: 6,
            }
        );
        assert_eq!(para.packet_size.bytes(), 256);
        assert_eq!(para.baud(), 57600);
        assert_eq!(para.to_bytes().to_vec(), bytes);
        let ack = Ack::with_sys_para(Confirm::Ok, &para);
        assert_eq!(ack.to_payload().len(), 17);
        assert_eq!(ack.sys_para(), Ok(para));

        let sizes: Vec<_> = (0..4).map(|c| PacketSize::from_code(c).map(PacketSize::bytes)).collect();
        assert_eq!(sizes, [Some(32), Some(64), Some(128), Some(256)]);
        let mut bad = bytes.clone();
        bad[13] = 4;
        assert_eq!(SysPara::from_bytes(&bad), Err(AckError::PacketSizeCode(4)));
        assert_eq!(
            SysPara::from_bytes(&bytes[..15]),
            Err(AckError::Short { what: "system parameters", expected: 16, found: 15 })
        );
        assert_eq!(SysPara::baud_multiplier_for(115_200), Some(12));
        assert_eq!(SysPara::baud_multiplier_for(100_000), None);
    }

    fn arb_instruction() -> impl Strategy<Value = Instruction> {
        let known = [
            code::GEN_IMG,
            code::IMG2TZ,
            code::MATCH,
            code::SEARCH,
            code::REG_MODEL,
            code::STORE,
            code::LOAD_CHAR,
            code::UP_CHAR,
            code::DOWN_CHAR,
            code::DELETE_CHAR,
            code::EMPTY,
            code::READ_SYS_PARA,
            code::SET_PWD,
            code::VFY_PWD,
            code::HANDSHAKE,
            code::HIGH_SPEED_SEARCH,
            code::TEMPLATE_NUM,
        ];
        prop_oneof![
            Just(Instruction::GenImg),
            any::<u8>().prop_map(Instruction::Img2Tz),
            Just(Instruction::Match),
            (any::<u8>(), any::<u16>(), any::<u16>()).prop_map(|(buffer, start, count)| Instruction::Search {
                buffer,
                start,
                count
            }),
            Just(Instruction::RegModel),
            (any::<u8>(), any::<u16>()).prop_map(|(buffer, page)| Instruction::Store { buffer, page }),
            (any::<u8>(), any::<u16>()).prop_map(|(buffer, page)| Instruction::LoadChar { buffer, page }),
            any::<u8>().prop_map(Instruction::UpChar),
            any::<u8>().prop_map(Instruction::DownChar),
            (any::<u16>(), any::<u16>()).prop_map(|(page, count)| Instruction::DeleteChar { page, count }),
            Just(Instruction::Empty),
            Just(Instruction::ReadSysPara),
            any::<u32>().prop_map(Instruction::SetPwd),
            any::<u32>().prop_map(Instruction::VfyPwd),
            Just(Instruction::Handshake),
            (any::<u8>(), any::<u16>(), any::<u16>())
                .prop_map(|(buffer, start, count)| { Instruction::HighSpeedSearch { buffer, start, count } }),
            Just(Instruction::TemplateNum),
            (
                any::<u8>().prop_filter("code with its own variant", move |c| !known.contains(c)),
                proptest::collection::vec(any::<u8>(), 0..32)
            )
                .prop_map(|(c, p)| Instruction::Other(c, p)),
        ]
    }

    fn arb_sys_para() -> impl Strategy<Value = SysPara> {
        (any::<[u16; 4]>(), any::<u32>(), proptest::sample::select(PacketSize::ALL.to_vec()), any::<u16>()).prop_map(
            |([status_register, system_id, capacity, security_level], address, packet_size, baud_multiplier)| SysPara {
                status_register,
                system_id,
                capacity,
                security_level,
                address,
                packet_size,
                baud_multiplier,
            },
        )
    }

    fn arb_ack() -> impl Strategy<Value = Ack> {
        (any::<u8>().prop_map(Confirm::from_code), proptest::collection::vec(any::<u8>(), 0..64))
            .prop_map(|(confirm, extra)| Ack { confirm, extra })
    }

    fn through_codec(packet: &Packet) -> Packet {
        let mut buf = BytesMut::new();
        PacketCodec::new().encode(packet, &mut buf).unwrap();
        PacketCodec::new().decode(&mut buf).unwrap().unwrap().unwrap()
    }

    proptest! {
        #[test]
        fn instruction_round_trip(i in arb_instruction(), address in any::<u32>()) {
            // Host direction: the driver encodes, the simulated module decodes.
            prop_assert_eq!(Instruction::from_payload(&i.to_payload()), Ok(i.clone()));
            let packet = through_codec(&i.to_packet(address));
            prop_assert_eq!(packet.address, address);
            prop_assert_eq!(Instruction::from_packet(&packet), Ok(i));
        }

        #[test]
        fn ack_round_trip(ack in arb_ack(), address in any::<u32>()) {
            // Device direction: the simulated module encodes, the driver decodes.
            prop_assert_eq!(Ack::from_payload(&ack.to_payload()), Ok(ack.clone()));
            prop_assert_eq!(Ack::from_packet(&through_codec(&ack.to_packet(address))), Ok(ack));
        }

        #[test]
        fn ack_result_round_trips(confirm in any::<u8>().prop_map(Confirm::from_code), a in any::<u16>(), b in any::<u16>(), para in arb_sys_para()) {
            prop_assert_eq!(Ack::with_match_score(confirm, a).match_score(), Ok(a));
            prop_assert_eq!(Ack::with_template_count(confirm, a).template_count(), Ok(a));
            let hit = SearchHit { page: a, score: b };
            prop_assert_eq!(Ack::with_search_hit(confirm, hit).search_hit(), Ok(hit));
            let ack = Ack::with_sys_para(confirm, &para);
            let back = Ack::from_packet(&through_codec(&ack.to_packet(DEFAULT_ADDRESS))).unwrap();
            prop_assert_eq!(back.sys_para(), Ok(para));
            prop_assert_eq!(back.confirm, confirm);
        }

        #[test]
        fn confirm_code_round_trip(c in any::<u8>()) {
            prop_assert_eq!(Confirm::from_code(c).code(), c);
        }

        #[test]
        fn arbitrary_payloads_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            if let Ok(i) = Instruction::from_payload(&data) {
                prop_assert_eq!(i.to_payload(), data.clone());
            }
            if let Ok(ack) = Ack::from_payload(&data) {
                prop_assert_eq!(ack.to_payload(), data.clone());
                let _ = (ack.match_score(), ack.search_hit(), ack.template_count(), ack.sys_para());
            }
        }
    }
}
