//! The SAM's status byte (SW3) of every response.
//!
//! The whole table (variant, code, meaning) is the one `sw3_table!` invocation below, so it can
//! be checked against a reader's manual in one place. The SDK-only codes 01/02/03/05 never appear
//! on the wire and are not in it.
//!
//! Sources (shared/protocols.md section 1): tanyicheng/HslCommunicationJavaDemo
//! src/HslCommunication/Language/DefaultLanguage.java; softs.im/身份证阅读器通信协议; header
//! HX_FDX3CardReader.h found via code search.

use std::fmt;
use std::hash::{Hash, Hasher};

/// Declares [`Sw3`] with its code and meaning from one table.
macro_rules! sw3_table {
    ($($(#[$doc:meta])* $name:ident = $code:literal, $text:literal;)*) => {
        /// SW3, the SAM's status in a response.
        ///
        /// Codes outside the table are kept as [`Sw3::Other`]. Equality and hashing go by the code,
        /// so `Sw3::Other(0x90) == Sw3::Ok`; [`Sw3::from_code`] never builds such a value.
        #[derive(Debug, Clone, Copy)]
        pub enum Sw3 {
            $($(#[$doc])* $name,)*
            /// A code that is not in the protocol's table.
            Other(u8),
        }

        impl Sw3 {
            /// Every status in the table, in table order.
            pub const ALL: &[Sw3] = &[$(Sw3::$name),*];

            /// The byte on the wire.
            pub const fn code(self) -> u8 {
                match self {
                    $(Sw3::$name => $code,)*
                    Sw3::Other(code) => code,
                }
            }

            /// The status for a byte from the wire.
            pub const fn from_code(code: u8) -> Sw3 {
                match code {
                    $($code => Sw3::$name,)*
                    other => Sw3::Other(other),
                }
            }

            /// A short English description.
            pub const fn description(self) -> &'static str {
                match self {
                    $(Sw3::$name => $text,)*
                    Sw3::Other(_) => "status code not in the SAM_V table",
                }
            }
        }
    };
}

sw3_table! {
    /// 90: the operation succeeded.
    Ok = 0x90, "operation succeeded";
    /// 91: the card holds nothing for this item (e.g. no appended address).
    NoContent = 0x91, "no content for this item";
    /// 9F: find card succeeded, a card is on the reader.
    CardFound = 0x9F, "card found";
    /// 10: the host's frame had a bad checksum.
    HostChecksum = 0x10, "checksum error in the host's frame";
    /// 11: the host's frame had a bad length.
    HostLength = 0x11, "length error in the host's frame";
    /// 21: unknown command or bad parameter.
    BadCommand = 0x21, "bad command or parameter";
    /// 23: the operation is not permitted.
    NotPermitted = 0x23, "operation not permitted";
    /// 24: an error the SAM does not name.
    Unknown = 0x24, "unknown error";
    /// 31: the card rejected the SAM's authentication.
    CardRejectedSam = 0x31, "card rejected the SAM";
    /// 32: the SAM rejected the card's authentication.
    SamRejectedCard = 0x32, "SAM rejected the card";
    /// 33: the card's information failed verification.
    VerificationFailed = 0x33, "information verification error";
    /// 40: the card is of an unknown type.
    UnknownCardType = 0x40, "unknown card type";
    /// 41: reading the card failed (it moved away, or the read was interrupted).
    ReadFailed = 0x41, "card read failed";
    /// 47: getting a random number from the card failed.
    RandomNumberFailed = 0x47, "random number failed";
    /// 60: the SAM's self-test failed.
    SelfTestFailed = 0x60, "SAM self-test failed";
    /// 66: the SAM is not authorised.
    NotAuthorised = 0x66, "SAM not authorised";
    /// 80: find card failed: no card on the reader.
    FindFailed = 0x80, "find card failed";
    /// 81: select card failed.
    SelectFailed = 0x81, "select card failed";
}

impl Sw3 {
    /// Whether the status means success: 90 (OK) and 9F (card found).
    pub const fn is_success(self) -> bool {
        matches!(Sw3::from_code(self.code()), Sw3::Ok | Sw3::CardFound)
    }
}

impl PartialEq for Sw3 {
    fn eq(&self, other: &Sw3) -> bool {
        self.code() == other.code()
    }
}

impl Eq for Sw3 {}

impl Hash for Sw3 {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.code().hash(state);
    }
}

impl From<u8> for Sw3 {
    fn from(code: u8) -> Sw3 {
        Sw3::from_code(code)
    }
}

impl From<Sw3> for u8 {
    fn from(status: Sw3) -> u8 {
        status.code()
    }
}

impl fmt::Display for Sw3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SW3 {:02X}: {}", self.code(), self.description())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table_matches_protocols_md() {
        let codes: Vec<u8> = Sw3::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(
            codes,
            [
                0x90, 0x91, 0x9F, 0x10, 0x11, 0x21, 0x23, 0x24, 0x31, 0x32, 0x33, 0x40, 0x41, 0x47, 0x60, 0x66, 0x80,
                0x81
            ]
        );
        assert_eq!(Sw3::from_code(0x90), Sw3::Ok);
        assert_eq!(Sw3::from_code(0x9F), Sw3::CardFound);
        assert_eq!(Sw3::from_code(0x80), Sw3::FindFailed);
        assert_eq!(Sw3::from_code(0x81), Sw3::SelectFailed);
        assert_eq!(Sw3::from_code(0x41), Sw3::ReadFailed);
        assert!(matches!(Sw3::from_code(0x01), Sw3::Other(0x01)));
        assert_eq!(Sw3::FindFailed.description(), "find card failed");
        assert_eq!(Sw3::SelectFailed.to_string(), "SW3 81: select card failed");
    }

    #[test]
    fn only_90_and_9f_are_success() {
        let successes: Vec<u8> = (0..=255u8).filter(|&c| Sw3::from_code(c).is_success()).collect();
        assert_eq!(successes, [0x90, 0x9F]);
        assert!(Sw3::Other(0x90).is_success());
        assert_eq!(Sw3::Other(0x90), Sw3::Ok);
    }

    proptest! {
        #[test]
        fn code_round_trips(code in any::<u8>()) {
            let status = Sw3::from_code(code);
            prop_assert_eq!(status.code(), code);
            prop_assert_eq!(u8::from(Sw3::from(code)), code);
            prop_assert_eq!(matches!(status, Sw3::Other(_)), !Sw3::ALL.iter().any(|s| s.code() == code));
        }
    }
}
