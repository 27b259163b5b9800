//! The commands a host sends to the reader, the baud-rate table and the protocol's timings.
//!
//! Every (CMD, Para) pair is in [`Command::code`]; a read goes: find card (`20 01`, answered 9F or
//! 80), select card (`20 02`, answered 90 or 81), then read base info (`30 01`, or `30 10` with the
//! fingerprints).
//!
//! Sources (shared/protocols.md section 1): softs.im/身份证阅读器通信协议 (command table);
//! hevz/hev-idcard-reader src/hev-dbus-object-idcard-reader.c (commands and timings);
//! Yangyuanxin/BearPi IDReader.h; yzsam.com/html/CNvfzM.html; eastcoms.com/service/downdrive/508.html
//! and blog.csdn.net/zhangbijun1230/article/details/85242964 (baud rates); YinanSoft
//! SerialReader/A905Reader constants (reply data lengths).

use super::frame::Request;
use std::time::Duration;

/// Baud rates selected by `60 nn`, indexed by nn (00..04). The link starts at index 0.
///
/// Sources: eastcoms.com/service/downdrive/508.html; blog.csdn.net/zhangbijun1230/article/details/85242964.
pub const BAUD_RATES: [u32; 5] = [115_200, 57_600, 38_400, 19_200, 9_600];

/// The reader's baud rate after power-on (8N1), [`BAUD_RATES`] index 0.
pub const DEFAULT_BAUD: u32 = BAUD_RATES[0];

/// How often a driver sends find card while it waits for a card.
///
/// Single source: hevz/hev-idcard-reader (its poll timer).
pub const CARD_POLL_INTERVAL: Duration = Duration::from_millis(1000);

/// How often a driver checks the SAM's status (`11 FF`) while idle.
///
/// Single source: hevz/hev-idcard-reader (its status timer).
pub const STATUS_CHECK_INTERVAL: Duration = Duration::from_millis(3000);

/// How long a driver waits for the reply to one command before giving up.
///
/// Single source: hevz/hev-idcard-reader (its read timeout).
pub const COMMAND_TIMEOUT: Duration = Duration::from_millis(5000);

/// Data bytes of a successful find-card reply (SW3 9F): the card's IIN.
///
/// Single source: YinanSoft SerialReader/A905Reader constants (`…00 08 00 00 9F 00 00 00 00 97`).
pub const FIND_CARD_REPLY_LEN: usize = 4;

/// Data bytes of a successful select-card reply (SW3 90): the card's serial number.
///
/// Single source: YinanSoft SerialReader/A905Reader constants (`…00 0C 00 00 90` + 8 bytes + `9C`).
pub const SELECT_CARD_REPLY_LEN: usize = 8;

/// The baud rate for a `60 nn` index, if the index is in the table.
pub fn baud_rate(index: u8) -> Option<u32> {
    BAUD_RATES.get(usize::from(index)).copied()
}

/// The `60 nn` index for a baud rate, if the reader supports it.
pub fn baud_index(rate: u32) -> Option<u8> {
    BAUD_RATES.iter().position(|&r| r == rate).and_then(|i| u8::try_from(i).ok())
}

/// A command of the SAM_V protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// `10 FF`: reset the SAM. (BearPi's IDReader.h uses `01 FF` instead; the vendors' documents
    /// say `10 FF`.)
    ResetSam,
    /// `11 FF`: SAM status check; replies 90 when healthy.
    SamStatus,
    /// `12 FF`: read the SAM's ID (management information).
    ReadSamId,
    /// `20 01`: find card; replies 9F with [`FIND_CARD_REPLY_LEN`] bytes, or 80 when none.
    FindCard,
    /// `20 02`: select card; replies 90 with [`SELECT_CARD_REPLY_LEN`] bytes, or 81.
    SelectCard,
    /// `30 01`: read base info (text + photo).
    ReadBaseInfo,
    /// `30 03`: read the newest appended address; 91 when the card has none.
    ReadNewAddress,
    /// `30 10`: read base info + fingerprint data.
    ReadBaseInfoWithFinger,
    /// `61 FF` + 1 data byte: set the largest RF frame, in bytes (e.g. `50`).
    SetMaxRfBytes(u8),
    /// `60 nn`: set the UART baud rate to [`BAUD_RATES`]`[nn]`. Any index is carried; one outside
    /// the table is for the reader to refuse (see [`baud_rate`]).
    SetBaud(u8),
}

/// Why a [`Request`] is not a [`Command`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// No command has this CMD / Para.
    #[error("unknown command {cmd:02X} {para:02X}")]
    Unknown {
        /// CMD.
        cmd: u8,
        /// Para.
        para: u8,
    },
    /// The command is known but its data has the wrong length.
    #[error("command {cmd:02X} {para:02X} has {found} data bytes, expected {expected}")]
    DataLength {
        /// CMD.
        cmd: u8,
        /// Para.
        para: u8,
        /// Data bytes the command takes.
        expected: usize,
        /// Data bytes it came with.
        found: usize,
    },
}

impl Command {
    /// The commands without data or a variable parameter.
    pub const BARE: [Command; 8] = [
        Command::ResetSam,
        Command::SamStatus,
        Command::ReadSamId,
        Command::FindCard,
        Command::SelectCard,
        Command::ReadBaseInfo,
        Command::ReadNewAddress,
        Command::ReadBaseInfoWithFinger,
    ];

    /// CMD and Para on the wire. This is the protocol's command table.
    pub const fn code(self) -> (u8, u8) {
        match self {
            Command::ResetSam => (0x10, 0xFF),
            Command::SamStatus => (0x11, 0xFF),
            Command::ReadSamId => (0x12, 0xFF),
            Command::FindCard => (0x20, 0x01),
            Command::SelectCard => (0x20, 0x02),
            Command::ReadBaseInfo => (0x30, 0x01),
            Command::ReadNewAddress => (0x30, 0x03),
            Command::ReadBaseInfoWithFinger => (0x30, 0x10),
            Command::SetMaxRfBytes(_) => (0x61, 0xFF),
            Command::SetBaud(index) => (0x60, index),
        }
    }

    /// The request frame's content.
    pub fn to_request(self) -> Request {
        let (cmd, para) = self.code();
        let data = match self {
            Command::SetMaxRfBytes(n) => vec![n],
            _ => Vec::new(),
        };
        Request { cmd, para, data }
    }

    /// The command a request carries.
    pub fn from_request(request: &Request) -> Result<Command, CommandError> {
        let (cmd, para, data) = (request.cmd, request.para, request.data.as_slice());
        let data_length = |expected: usize| CommandError::DataLength { cmd, para, expected, found: data.len() };
        if let Some(bare) = Command::BARE.into_iter().find(|c| c.code() == (cmd, para)) {
            return if data.is_empty() { Ok(bare) } else { Err(data_length(0)) };
        }
        match (cmd, para, data) {
            (0x61, 0xFF, [n]) => Ok(Command::SetMaxRfBytes(*n)),
            (0x61, 0xFF, _) => Err(data_length(1)),
            (0x60, index, []) => Ok(Command::SetBaud(index)),
            (0x60, _, _) => Err(data_length(0)),
            _ => Err(CommandError::Unknown { cmd, para }),
        }
    }
}

impl From<Command> for Request {
    fn from(command: Command) -> Request {
        command.to_request()
    }
}

impl TryFrom<&Request> for Command {
    type Error = CommandError;

    fn try_from(request: &Request) -> Result<Command, CommandError> {
        Command::from_request(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idcard::sam::frame::encode_request;
    use proptest::prelude::*;

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace().map(|h| u8::from_str_radix(h, 16).unwrap()).collect()
    }

    #[test]
    fn commands_encode_to_the_table_frames() {
        let table = [
            (Command::ResetSam, "00 03 10 FF EC"),
            (Command::SamStatus, "00 03 11 FF ED"),
            (Command::ReadSamId, "00 03 12 FF EE"),
            (Command::FindCard, "00 03 20 01 22"),
            (Command::SelectCard, "00 03 20 02 21"),
            (Command::ReadBaseInfo, "00 03 30 01 32"),
            (Command::ReadNewAddress, "00 03 30 03 30"),
            (Command::ReadBaseInfoWithFinger, "00 03 30 10 23"),
            (Command::SetMaxRfBytes(0x50), "00 04 61 FF 50 CA"),
            (Command::SetBaud(0), "00 03 60 00 63"),
        ];
        for (command, tail) in table {
            let frame = hex(&format!("AA AA AA 96 69 {tail}"));
            assert_eq!(encode_request(&command.to_request()).unwrap(), frame, "{command:?}");
            assert_eq!(Command::from_request(&command.into()), Ok(command));
        }
    }

    #[test]
    fn baud_table() {
        assert_eq!(DEFAULT_BAUD, 115_200);
        assert_eq!(baud_rate(4), Some(9_600));
        assert_eq!(baud_rate(5), None);
        assert_eq!(baud_index(38_400), Some(2));
        assert_eq!(baud_index(4_800), None);
        assert_eq!(
            [CARD_POLL_INTERVAL, STATUS_CHECK_INTERVAL, COMMAND_TIMEOUT].map(|d| d.as_millis()),
            [1000, 3000, 5000]
        );
    }

    #[test]
    fn bad_requests_are_named() {
        let r = |cmd, para, data: &[u8]| Request { cmd, para, data: data.to_vec() };
        assert_eq!(Command::from_request(&r(0x01, 0xFF, &[])), Err(CommandError::Unknown { cmd: 0x01, para: 0xFF }));
        assert_eq!(Command::from_request(&r(0x30, 0x02, &[])), Err(CommandError::Unknown { cmd: 0x30, para: 0x02 }));
        assert_eq!(
            Command::from_request(&r(0x20, 0x01, &[0])),
            Err(CommandError::DataLength { cmd: 0x20, para: 0x01, expected: 0, found: 1 })
        );
        assert_eq!(
            Command::from_request(&r(0x61, 0xFF, &[])),
            Err(CommandError::DataLength { cmd: 0x61, para: 0xFF, expected: 1, found: 0 })
        );
        assert_eq!(
            Command::from_request(&r(0x60, 0x01, &[1, 2])),
            Err(CommandError::DataLength { cmd: 0x60, para: 0x01, expected: 0, found: 2 })
        );
    }

    fn command_strategy() -> impl Strategy<Value = Command> {
        prop_oneof![
            proptest::sample::select(Command::BARE.to_vec()),
            any::<u8>().prop_map(Command::SetMaxRfBytes),
            any::<u8>().prop_map(Command::SetBaud),
        ]
    }

    proptest! {
        #[test]
        fn command_round_trips(command in command_strategy()) {
            prop_assert_eq!(Command::try_from(&Request::from(command)), Ok(command));
        }

        #[test]
        fn any_request_maps_or_is_refused(cmd in any::<u8>(), para in any::<u8>(),
                                          data in proptest::collection::vec(any::<u8>(), 0..4)) {
            let request = Request { cmd, para, data };
            if let Ok(command) = Command::from_request(&request) {
                prop_assert_eq!(command.to_request(), request);
            }
        }
    }
}
