//! The 256-byte text block of a resident ID card (and of the 'J' and 'I' card variants).
//!
//! Every field is UCS-2 little-endian, right-padded with spaces (`20 00`), at a fixed offset.
//! [`decode`] trims the padding; [`encode`] pads. Layout facts: shared/protocols.md section 1.

use serde::{Deserialize, Serialize};

/// Size of the text block.
pub const TEXT_LEN: usize = 256;
/// Offset of the card-type flag.
const FLAG_AT: usize = 248;
/// The UCS-2 text of a card without expiry in the "valid to" field.
pub const NO_EXPIRY: &str = "长期";

/// Which card the block comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardType {
    /// Resident identity card of a mainland resident (flag blank).
    #[default]
    Resident,
    /// Residence permit of a Hong Kong, Macau or Taiwan resident (flag 'J').
    HkMacauTaiwanResident,
    /// Foreigner's permanent residence card (flag 'I').
    ForeignPermanentResident,
}

/// The text fields exactly as the card carries them (codes and dates as text, padding trimmed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardText {
    /// Which card.
    #[serde(default)]
    pub card_type: CardType,
    /// Name (Chinese name for the 'I' card); up to 15 characters.
    pub name: String,
    /// Sex code, GB/T 2261.1: "1" male, "2" female.
    pub sex: String,
    /// Ethnicity code, 2 digits ("01" Han); empty on an 'I' card.
    #[serde(default)]
    pub ethnicity: String,
    /// Date of birth, YYYYMMDD.
    pub birth: String,
    /// Address, up to 35 characters; empty on an 'I' card.
    #[serde(default)]
    pub address: String,
    /// ID number (card number on an 'I' card).
    pub id_number: String,
    /// Issuing authority (issuing office code on an 'I' card).
    pub issuer: String,
    /// Valid from, YYYYMMDD.
    pub valid_from: String,
    /// Valid to, YYYYMMDD, or "长期".
    pub valid_to: String,
    /// 'J' card: the HK/Macau/Taiwan pass number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_number: Option<String>,
    /// 'J' card: issue count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_count: Option<String>,
    /// 'I' card: English name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub english_name: Option<String>,
    /// 'I' card: nationality, GB/T 2659 alpha-3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
}

/// What is wrong with a text block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Not 256 bytes.
    #[error("text block has {0} bytes, expected 256")]
    Length(usize),
    /// A field is not valid UCS-2.
    #[error("field {0} is not valid UCS-2")]
    Encoding(&'static str),
    /// A field is longer than its slot.
    #[error("field {field} has {chars} characters, its slot holds {max}")]
    TooLong {
        /// Field name.
        field: &'static str,
        /// Characters given.
        chars: usize,
        /// Characters the slot holds.
        max: usize,
    },
    /// Unknown card-type flag.
    #[error("unknown card-type flag {0:?}")]
    Flag(char),
}

fn read_field(block: &[u8], at: usize, len: usize, name: &'static str) -> Result<String, TextError> {
    let units: Vec<u16> = block[at..at + len].chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]])).collect();
    let s = String::from_utf16(&units).map_err(|_| TextError::Encoding(name))?;
    Ok(s.trim_end_matches([' ', '\0']).to_string())
}

fn write_field(block: &mut [u8], at: usize, len: usize, name: &'static str, value: &str) -> Result<(), TextError> {
    let units: Vec<u16> = value.encode_utf16().collect();
    if units.len() * 2 > len {
        return Err(TextError::TooLong { field: name, chars: units.len(), max: len / 2 });
    }
    for (i, slot) in block[at..at + len].chunks_exact_mut(2).enumerate() {
        let u = units.get(i).copied().unwrap_or(0x0020);
        slot.copy_from_slice(&u.to_le_bytes());
    }
    Ok(())
}

/// Decode a 256-byte text block.
pub fn decode(block: &[u8]) -> Result<CardText, TextError> {
    if block.len() != TEXT_LEN {
        return Err(TextError::Length(block.len()));
    }
    let flag = read_field(block, FLAG_AT, 2, "flag")?;
    let card_type = match flag.chars().next() {
        None => CardType::Resident,
        Some('J') => CardType::HkMacauTaiwanResident,
        Some('I') => CardType::ForeignPermanentResident,
        Some(c) => return Err(TextError::Flag(c)),
    };
    if card_type == CardType::ForeignPermanentResident {
        return Ok(CardText {
            card_type,
            english_name: Some(read_field(block, 0, 120, "english_name")?),
            sex: read_field(block, 120, 2, "sex")?,
            id_number: read_field(block, 122, 30, "card_number")?,
            nationality: Some(read_field(block, 152, 6, "nationality")?),
            name: read_field(block, 158, 30, "name")?,
            valid_from: read_field(block, 188, 16, "valid_from")?,
            valid_to: read_field(block, 204, 16, "valid_to")?,
            birth: read_field(block, 220, 16, "birth")?,
            issuer: read_field(block, 240, 8, "issuer")?,
            ethnicity: String::new(),
            address: String::new(),
            pass_number: None,
            issue_count: None,
        });
    }
    let j = card_type == CardType::HkMacauTaiwanResident;
    Ok(CardText {
        card_type,
        name: read_field(block, 0, 30, "name")?,
        sex: read_field(block, 30, 2, "sex")?,
        ethnicity: read_field(block, 32, 4, "ethnicity")?,
        birth: read_field(block, 36, 16, "birth")?,
        address: read_field(block, 52, 70, "address")?,
        id_number: read_field(block, 122, 36, "id_number")?,
        issuer: read_field(block, 158, 30, "issuer")?,
        valid_from: read_field(block, 188, 16, "valid_from")?,
        valid_to: read_field(block, 204, 16, "valid_to")?,
        pass_number: if j { Some(read_field(block, 220, 18, "pass_number")?) } else { None },
        issue_count: if j { Some(read_field(block, 238, 4, "issue_count")?) } else { None },
        english_name: None,
        nationality: None,
    })
}

/// Encode the text fields into a 256-byte block, as a card carries them.
pub fn encode(t: &CardText) -> Result<[u8; TEXT_LEN], TextError> {
    let mut b = [0u8; TEXT_LEN];
    write_field(&mut b, 0, TEXT_LEN, "block", "")?;
    match t.card_type {
        CardType::ForeignPermanentResident => {
            write_field(&mut b, 0, 120, "english_name", t.english_name.as_deref().unwrap_or(""))?;
            write_field(&mut b, 120, 2, "sex", &t.sex)?;
            write_field(&mut b, 122, 30, "card_number", &t.id_number)?;
            write_field(&mut b, 152, 6, "nationality", t.nationality.as_deref().unwrap_or(""))?;
            write_field(&mut b, 158, 30, "name", &t.name)?;
            write_field(&mut b, 188, 16, "valid_from", &t.valid_from)?;
            write_field(&mut b, 204, 16, "valid_to", &t.valid_to)?;
            write_field(&mut b, 220, 16, "birth", &t.birth)?;
            write_field(&mut b, 236, 4, "version", "01")?;
            write_field(&mut b, 240, 8, "issuer", &t.issuer)?;
            write_field(&mut b, FLAG_AT, 2, "flag", "I")?;
        }
        CardType::Resident | CardType::HkMacauTaiwanResident => {
            write_field(&mut b, 0, 30, "name", &t.name)?;
            write_field(&mut b, 30, 2, "sex", &t.sex)?;
            write_field(&mut b, 32, 4, "ethnicity", &t.ethnicity)?;
            write_field(&mut b, 36, 16, "birth", &t.birth)?;
            write_field(&mut b, 52, 70, "address", &t.address)?;
            write_field(&mut b, 122, 36, "id_number", &t.id_number)?;
            write_field(&mut b, 158, 30, "issuer", &t.issuer)?;
            write_field(&mut b, 188, 16, "valid_from", &t.valid_from)?;
            write_field(&mut b, 204, 16, "valid_to", &t.valid_to)?;
            if t.card_type == CardType::HkMacauTaiwanResident {
                write_field(&mut b, 220, 18, "pass_number", t.pass_number.as_deref().unwrap_or(""))?;
                write_field(&mut b, 238, 4, "issue_count", t.issue_count.as_deref().unwrap_or(""))?;
                write_field(&mut b, FLAG_AT, 2, "flag", "J")?;
            }
        }
    }
    Ok(b)
}

/// A sample resident card's text (王小明, 11010519491231002X), for tests.
#[cfg(test)]
pub(crate) fn sample() -> CardText {
    CardText {
        card_type: CardType::Resident,
        name: "王小明".into(),
        sex: "2".into(),
        ethnicity: "01".into(),
        birth: "19491231".into(),
        address: "北京市东城区景山前街4号".into(),
        id_number: "11010519491231002X".into(),
        issuer: "北京市公安局东城分局".into(),
        valid_from: "20150101".into(),
        valid_to: NO_EXPIRY.into(),
        pass_number: None,
        issue_count: None,
        english_name: None,
        nationality: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn name_is_ucs2_le_and_padded() {
        let b = encode(&sample()).unwrap();
        assert_eq!(&b[0..2], &[0x8B, 0x73]); // 王 = U+738B
        assert_eq!(&b[28..30], &[0x20, 0x00]);
        assert_eq!(decode(&b).unwrap(), sample());
    }

    #[test]
    fn variants_round_trip() {
        let mut j = sample();
        j.card_type = CardType::HkMacauTaiwanResident;
        j.id_number = "810000199001011234".into();
        j.pass_number = Some("H01234567".into());
        j.issue_count = Some("01".into());
        assert_eq!(decode(&encode(&j).unwrap()).unwrap(), j);
        let i = CardText {
            card_type: CardType::ForeignPermanentResident,
            name: "史密斯".into(),
            english_name: Some("SMITH JOHN".into()),
            nationality: Some("USA".into()),
            id_number: "USA110079120101".into(),
            ethnicity: String::new(),
            address: String::new(),
            issuer: "1100".into(),
            pass_number: None,
            issue_count: None,
            ..sample()
        };
        assert_eq!(decode(&encode(&i).unwrap()).unwrap(), i);
    }

    #[test]
    fn rejects_bad_blocks() {
        assert_eq!(decode(&[0u8; 10]), Err(TextError::Length(10)));
        let mut b = encode(&sample()).unwrap();
        b[0] = 0x00;
        b[1] = 0xD8; // lone high surrogate
        assert_eq!(decode(&b), Err(TextError::Encoding("name")));
        let mut long = sample();
        long.name = "很".repeat(16);
        assert!(matches!(encode(&long), Err(TextError::TooLong { field: "name", .. })));
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 256)) {
            let _ = decode(&bytes);
        }
    }
}
