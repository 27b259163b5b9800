//! The data of a read-info reply (`30 01` and `30 10`): length words, then text, photo and
//! fingerprint blocks.
//!
//! ```text
//! 30 01: 01 00 | 04 00         | 256 text | 1024 photo                 (1284 bytes, frame 1295, Len 0x0508)
//! 30 10: 01 00 | 04 00 | FF FF | 256 text | 1024 photo | FFFF finger  (finger 0, 512 or 1024 bytes:
//!                                                     frames 1297, 1809, 2321; Len 0x090A for 1024)
//! ```
//!
//! The length words are big-endian. The text block is decoded by [`crate::idcard::text`]; the photo
//! is the vendor's WLT compression, kept opaque; the fingerprint block holds one 512-byte template
//! per finger (a real reader may send a 1024-byte block whose second slot is all zeros: that finger
//! is absent).
//!
//! Sources (shared/protocols.md section 1): blog.csdn.net/qiwenmingshiwo/article/details/50698927;
//! yzsam.com/html/CNvfzM.html; eastcoms.com/service/downdrive/533.html; speedata ParseIDInfor.

use crate::biometric::Biometric;
use crate::idcard::text::{self, TEXT_LEN, TextError};
use crate::idcard::{FINGER_LEN, IdCard, PHOTO_LEN};
use std::fmt;

/// The fingerprint block lengths a `30 10` reply may announce: no finger, one, or two.
///
/// Single source for "1-2 fingers, 512 bytes each": blog.csdn.net/qiwenmingshiwo/article/details/50698927.
pub const FINGERPRINT_BLOCK_LENS: [usize; 3] = [0, FINGER_LEN, 2 * FINGER_LEN];

/// Most fingerprint templates a card holds.
pub const MAX_TEMPLATES: usize = FINGERPRINT_BLOCK_LENS[2] / FINGER_LEN;

/// Size of one length word.
const WORD: usize = 2;
/// Data bytes of a `30 01` reply.
const BASE_INFO_LEN: usize = 2 * WORD + TEXT_LEN + PHOTO_LEN;
/// Data bytes of a `30 10` reply without fingerprint data.
const FINGER_INFO_LEN: usize = 3 * WORD + TEXT_LEN + PHOTO_LEN;

/// What is wrong with a read-info payload, or with a card to build one from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InfoError {
    /// The payload's size does not match its length words.
    #[error("read-info data has {found} bytes, expected {expected} from its length words")]
    Size {
        /// Bytes the length words call for.
        expected: usize,
        /// Bytes there are.
        found: usize,
    },
    /// The text length word is not 256.
    #[error("text length is {0}, expected 256")]
    TextLength(usize),
    /// The photo length (word, or photo given) is not 1024.
    #[error("photo length is {0}, expected 1024")]
    PhotoLength(usize),
    /// The fingerprint length (word, or block given) is not 0, 512 or 1024.
    #[error("fingerprint block length is {0}, expected 0, 512 or 1024")]
    FingerprintLength(usize),
    /// A card's fingerprint template is not 512 bytes.
    #[error("fingerprint template {index} has {len} bytes, expected 512")]
    Template {
        /// Which template (from 0).
        index: usize,
        /// Its size.
        len: usize,
    },
    /// A card has more templates than fit.
    #[error("{0} fingerprint templates, expected at most 2")]
    TooManyTemplates(usize),
    /// The card's text does not fit the text block.
    #[error(transparent)]
    Text(#[from] TextError),
}

/// The content of a read-info reply: always valid (checked by [`ReadInfo::new`] and
/// [`ReadInfo::parse`]), so [`ReadInfo::build`] cannot fail.
#[derive(Clone, PartialEq, Eq)]
pub struct ReadInfo {
    text: [u8; TEXT_LEN],
    photo: Biometric,
    fingerprint: Option<Biometric>,
}

impl ReadInfo {
    /// Check and assemble the blocks. `fingerprint` is `None` for the reply to `30 01` (no
    /// fingerprint length word) and `Some` (of 0, 512 or 1024 bytes) for the reply to `30 10`.
    pub fn new(text: [u8; TEXT_LEN], photo: Biometric, fingerprint: Option<Biometric>) -> Result<ReadInfo, InfoError> {
        if photo.len() != PHOTO_LEN {
            return Err(InfoError::PhotoLength(photo.len()));
        }
        if let Some(f) = &fingerprint
            && !FINGERPRINT_BLOCK_LENS.contains(&f.len())
        {
            return Err(InfoError::FingerprintLength(f.len()));
        }
        Ok(ReadInfo { text, photo, fingerprint })
    }

    /// Parse the data of a successful read-info reply (after SW3, before CHK). The layout (two or
    /// three length words) follows from the size.
    pub fn parse(data: &[u8]) -> Result<ReadInfo, InfoError> {
        let word =
            |at: usize| data.get(at..at + WORD).map(|w| w.iter().fold(0usize, |acc, b| acc << 8 | usize::from(*b)));
        let size = |expected: usize| InfoError::Size { expected, found: data.len() };
        let (Some(text_len), Some(photo_len)) = (word(0), word(WORD)) else {
            return Err(size(BASE_INFO_LEN));
        };
        if text_len != TEXT_LEN {
            return Err(InfoError::TextLength(text_len));
        }
        if photo_len != PHOTO_LEN {
            return Err(InfoError::PhotoLength(photo_len));
        }
        let (header, finger_len) = if data.len() == BASE_INFO_LEN {
            (2 * WORD, None)
        } else if data.len() < FINGER_INFO_LEN {
            return Err(size(BASE_INFO_LEN));
        } else {
            let finger_len = word(2 * WORD).unwrap_or_default();
            if !FINGERPRINT_BLOCK_LENS.contains(&finger_len) {
                return Err(InfoError::FingerprintLength(finger_len));
            }
            (3 * WORD, Some(finger_len))
        };
        let expected = header + TEXT_LEN + PHOTO_LEN + finger_len.unwrap_or(0);
        if data.len() != expected {
            return Err(size(expected));
        }
        let photo_at = header + TEXT_LEN;
        let finger_at = photo_at + PHOTO_LEN;
        let text = data.get(header..photo_at).and_then(|t| <[u8; TEXT_LEN]>::try_from(t).ok());
        let photo = data.get(photo_at..finger_at);
        let fingerprint = data.get(finger_at..);
        let (Some(text), Some(photo), Some(fingerprint)) = (text, photo, fingerprint) else {
            return Err(size(expected));
        };
        Ok(ReadInfo {
            text,
            photo: Biometric::new(photo.to_vec()),
            fingerprint: finger_len.map(|_| Biometric::new(fingerprint.to_vec())),
        })
    }

    /// The data of the reply: length words, text, photo, fingerprint block.
    pub fn build(&self) -> Vec<u8> {
        let finger = self.fingerprint.as_ref().map(Biometric::as_bytes);
        let mut out = Vec::with_capacity(FINGER_INFO_LEN + finger.map_or(0, <[u8]>::len));
        for len in [Some(TEXT_LEN), Some(PHOTO_LEN), finger.map(<[u8]>::len)].into_iter().flatten() {
            // Every length is at most 1024 (checked on construction).
            out.extend_from_slice(&u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes());
        }
        out.extend_from_slice(&self.text);
        out.extend_from_slice(self.photo.as_bytes());
        out.extend_from_slice(finger.unwrap_or_default());
        out
    }

    /// The 256-byte text block.
    pub fn text(&self) -> &[u8; TEXT_LEN] {
        &self.text
    }

    /// The 1024-byte WLT photo.
    pub fn photo(&self) -> &Biometric {
        &self.photo
    }

    /// The fingerprint block as sent: `None` for a `30 01` reply.
    pub fn fingerprint(&self) -> Option<&Biometric> {
        self.fingerprint.as_ref()
    }

    /// The fingerprint templates: the block's 512-byte slots, all-zero slots left out.
    pub fn templates(&self) -> Vec<Biometric> {
        let block = self.fingerprint.as_ref().map(Biometric::as_bytes).unwrap_or_default();
        block
            .chunks(FINGER_LEN)
            .filter(|slot| slot.iter().any(|&b| b != 0))
            .map(|s| Biometric::new(s.to_vec()))
            .collect()
    }

    /// The card: decoded text, the photo, the templates.
    pub fn to_id_card(&self) -> Result<IdCard, TextError> {
        Ok(IdCard { text: text::decode(&self.text)?, photo: self.photo.clone(), fingerprints: self.templates() })
    }

    /// What a reader sends for `card`: the `30 10` reply when `with_finger` (a block of 512 bytes
    /// per template), otherwise the `30 01` reply.
    pub fn from_id_card(card: &IdCard, with_finger: bool) -> Result<ReadInfo, InfoError> {
        let text = text::encode(&card.text)?;
        let fingerprint = if with_finger {
            if card.fingerprints.len() > MAX_TEMPLATES {
                return Err(InfoError::TooManyTemplates(card.fingerprints.len()));
            }
            let mut block = Vec::with_capacity(MAX_TEMPLATES * FINGER_LEN);
            for (index, template) in card.fingerprints.iter().enumerate() {
                if template.len() != FINGER_LEN {
                    return Err(InfoError::Template { index, len: template.len() });
                }
                block.extend_from_slice(template.as_bytes());
            }
            Some(Biometric::new(block))
        } else {
            None
        };
        ReadInfo::new(text, card.photo.clone(), fingerprint)
    }
}

impl fmt::Debug for ReadInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadInfo")
            .field("text", &format_args!("{} bytes", self.text.len()))
            .field("photo", &self.photo)
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idcard::sam::frame::{DeviceCodec, HostCodec, Response, decode_response, encode_response};
    use crate::idcard::sam::status::Sw3;
    use crate::idcard::text::CardText;
    use bytes::BytesMut;
    use proptest::prelude::*;
    use tokio_util::codec::{Decoder, Encoder};

    fn card_text() -> CardText {
        crate::idcard::text::sample()
    }

    fn card(fingers: usize) -> IdCard {
        IdCard {
            text: card_text(),
            photo: Biometric::new((0..PHOTO_LEN).map(|i| (i % 251) as u8).collect()),
            fingerprints: (0..fingers).map(|f| Biometric::new(vec![0x41 + f as u8; FINGER_LEN])).collect(),
        }
    }

    /// Build, frame, send through the codecs, parse, decode: what the simulator and a driver do.
    fn through_the_wire(info: &ReadInfo) -> (Vec<u8>, IdCard) {
        let mut wire = BytesMut::new();
        DeviceCodec.encode(Response::new(Sw3::Ok, info.build()), &mut wire).unwrap();
        let bytes = wire.to_vec();
        let response = HostCodec.decode(&mut wire).unwrap().unwrap().unwrap();
        assert!(wire.is_empty());
        assert_eq!(response.status(), Sw3::Ok);
        let parsed = ReadInfo::parse(&response.data).unwrap();
        assert_eq!(&parsed, info);
        (bytes, parsed.to_id_card().unwrap())
    }

    #[test]
    fn base_info_reply_is_1295_bytes_and_round_trips() {
        let card = card(2);
        let info = ReadInfo::from_id_card(&card, false).unwrap();
        let (bytes, back) = through_the_wire(&info);
        assert_eq!(bytes.len(), 1295);
        assert_eq!(&bytes[..14], &[0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x05, 0x08, 0x00, 0x00, 0x90, 0x01, 0x00, 0x04, 0x00]);
        assert_eq!(&bytes[14..16], &[0x8B, 0x73]); // 王, UCS-2 LE
        assert_eq!(back, IdCard { fingerprints: vec![], ..card });
        assert_eq!(back.text.name, "王小明");
    }

    #[test]
    fn reply_with_two_fingers_is_2321_bytes_and_round_trips() {
        let card = card(2);
        let info = ReadInfo::from_id_card(&card, true).unwrap();
        let (bytes, back) = through_the_wire(&info);
        assert_eq!(bytes.len(), 2321);
        assert_eq!(
            &bytes[..16],
            &[0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x09, 0x0A, 0x00, 0x00, 0x90, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00]
        );
        assert_eq!(back, card);
        assert_eq!(back.fingerprints.len(), 2);
    }

    #[test]
    fn replies_with_one_and_no_finger() {
        for (fingers, frame_len, len_word) in [(1, 1809, [0x07, 0x0A]), (0, 1297, [0x05, 0x0A])] {
            let card = card(fingers);
            let info = ReadInfo::from_id_card(&card, true).unwrap();
            let (bytes, back) = through_the_wire(&info);
            assert_eq!(bytes.len(), frame_len);
            assert_eq!(&bytes[5..7], &len_word);
            assert_eq!(back, card);
        }
    }

    #[test]
    fn an_all_zero_slot_is_no_finger() {
        let card = card(1);
        let mut block = card.fingerprints[0].as_bytes().to_vec();
        block.extend_from_slice(&[0; FINGER_LEN]);
        let info =
            ReadInfo::new(text::encode(&card.text).unwrap(), card.photo.clone(), Some(Biometric::new(block))).unwrap();
        assert_eq!(info.fingerprint().map(Biometric::len), Some(1024));
        assert_eq!(info.to_id_card().unwrap(), card);
    }

    #[test]
    fn bad_payloads_are_named() {
        let good = ReadInfo::from_id_card(&card(1), true).unwrap().build();
        assert_eq!(ReadInfo::parse(&[]), Err(InfoError::Size { expected: 1284, found: 0 }));
        assert_eq!(ReadInfo::parse(&good[..1283]), Err(InfoError::Size { expected: 1284, found: 1283 }));
        assert_eq!(ReadInfo::parse(&good[..1700]), Err(InfoError::Size { expected: 1798, found: 1700 }));
        let mut bad = good.clone();
        bad[1] = 0x02;
        assert_eq!(ReadInfo::parse(&bad), Err(InfoError::TextLength(0x0102)));
        let mut bad = good.clone();
        bad[2] = 0x03;
        assert_eq!(ReadInfo::parse(&bad), Err(InfoError::PhotoLength(0x0300)));
        let mut bad = good.clone();
        bad[5] = 0x01;
        assert_eq!(ReadInfo::parse(&bad), Err(InfoError::FingerprintLength(0x0201)));
        let mut bad = good;
        bad[4] = 0x04;
        assert_eq!(ReadInfo::parse(&bad), Err(InfoError::Size { expected: 2310, found: 1798 }));
    }

    #[test]
    fn bad_cards_are_named() {
        let mut c = card(3);
        assert_eq!(ReadInfo::from_id_card(&c, true), Err(InfoError::TooManyTemplates(3)));
        c.fingerprints = vec![Biometric::new(vec![1; 100])];
        assert_eq!(ReadInfo::from_id_card(&c, true), Err(InfoError::Template { index: 0, len: 100 }));
        c.photo = Biometric::new(vec![1; 10]);
        assert_eq!(ReadInfo::from_id_card(&c, false), Err(InfoError::PhotoLength(10)));
        c.text.name = "很".repeat(16);
        assert!(matches!(ReadInfo::from_id_card(&c, false), Err(InfoError::Text(TextError::TooLong { .. }))));
        let bad_block = Some(Biometric::new(vec![1; 100]));
        assert_eq!(
            ReadInfo::new([0x20; TEXT_LEN], Biometric::new(vec![0; PHOTO_LEN]), bad_block),
            Err(InfoError::FingerprintLength(100))
        );
    }

    #[test]
    fn debug_shows_no_personal_bytes() {
        let info = ReadInfo::from_id_card(&card(1), true).unwrap();
        assert_eq!(
            format!("{info:?}"),
            "ReadInfo { text: 256 bytes, photo: Biometric(1024 bytes, redacted), \
             fingerprint: Some(Biometric(512 bytes, redacted)) }"
        );
    }

    proptest! {
        #[test]
        fn build_then_parse_round_trips(
            text in proptest::collection::vec(any::<u8>(), TEXT_LEN),
            photo in proptest::collection::vec(any::<u8>(), PHOTO_LEN),
            finger in proptest::option::of(proptest::sample::select(FINGERPRINT_BLOCK_LENS.to_vec())
                .prop_flat_map(|n| proptest::collection::vec(any::<u8>(), n))),
        ) {
            let text: [u8; TEXT_LEN] = text.try_into().unwrap();
            let info = ReadInfo::new(text, Biometric::new(photo), finger.map(Biometric::new)).unwrap();
            let data = info.build();
            prop_assert_eq!(ReadInfo::parse(&data), Ok(info.clone()));
            let frame = encode_response(&Response::new(Sw3::Ok, data)).unwrap();
            let decoded = decode_response(&frame);
            let crate::idcard::sam::frame::Decoded::Frame { frame: response, consumed } = decoded else {
                panic!("read-info frame does not decode");
            };
            prop_assert_eq!(consumed, frame.len());
            prop_assert_eq!(ReadInfo::parse(&response.data), Ok(info));
        }

        #[test]
        fn parse_never_panics(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            if let Ok(info) = ReadInfo::parse(&data) {
                prop_assert_eq!(info.build(), data);
                let _ = info.to_id_card();
            }
        }

        #[test]
        fn parse_with_valid_words_never_panics(body in proptest::collection::vec(any::<u8>(), 0..2400),
                                               finger_word in any::<bool>()) {
            let mut data = vec![0x01, 0x00, 0x04, 0x00];
            if finger_word {
                data.extend_from_slice(&[0x02, 0x00]);
            }
            data.extend_from_slice(&body);
            if let Ok(info) = ReadInfo::parse(&data) {
                prop_assert_eq!(info.build(), data);
                let _ = info.to_id_card();
            }
        }
    }
}
