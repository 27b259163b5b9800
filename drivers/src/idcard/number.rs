//! The 18-character resident ID number (GB 11643, check character by ISO 7064 MOD 11-2).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// What is wrong with an ID number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    /// Not 18 characters.
    #[error("an ID number has 18 characters, this one has {0}")]
    Length(usize),
    /// A non-digit among the first 17.
    #[error("character {0} of the ID number is not a digit")]
    NotDigit(usize),
    /// The birth date part is not a date.
    #[error("the birth date in the ID number is not a date")]
    BirthDate,
    /// The check character does not match.
    #[error("check character is {found:?}, expected {expected:?}")]
    Check {
        /// On the card.
        found: char,
        /// Computed.
        expected: char,
    },
}

/// The check character for the first 17 digits (`None` if they are not 17 digits).
pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    Some(CHECK_CHARS[(sum % 11) as usize])
}

/// A valid resident ID number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber(String);

impl IdNumber {
    /// Parse and validate (length, digits, birth date, check character; a lower-case `x` is accepted).
    pub fn parse(s: &str) -> Result<IdNumber, IdNumberError> {
        let s = s.trim().to_ascii_uppercase();
        let n = s.chars().count();
        if n != 18 {
            return Err(IdNumberError::Length(n));
        }
        if let Some(i) = s.chars().take(17).position(|c| !c.is_ascii_digit()) {
            return Err(IdNumberError::NotDigit(i + 1));
        }
        // From here on the first 17 characters are ASCII digits: byte slicing is safe.
        if !s.is_char_boundary(17) {
            return Err(IdNumberError::NotDigit(18));
        }
        NaiveDate::parse_from_str(&s[6..14], "%Y%m%d").map_err(|_| IdNumberError::BirthDate)?;
        let expected = check_char(&s[..17]).ok_or(IdNumberError::NotDigit(18))?;
        let found = s[17..].chars().next().unwrap_or(' ');
        if found != expected {
            return Err(IdNumberError::Check { found, expected });
        }
        Ok(IdNumber(s))
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 6-digit administrative area code.
    pub fn area(&self) -> &str {
        &self.0[..6]
    }

    /// The birth date.
    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").unwrap_or_default()
    }

    /// Whether the number belongs to a resident of the mainland (not a HK / Macau / Taiwan
    /// residence-permit number, whose area codes are 810000, 820000 and 830000).
    pub fn is_mainland(&self) -> bool {
        !matches!(self.area(), "810000" | "820000" | "830000")
    }

    /// The number masked for logs, screens and receipts: `110105********002X`.
    pub fn masked(&self) -> String {
        mask_id(&self.0)
    }
}

/// Mask any ID-like string: first 6 and last 4 characters kept, the rest starred.
pub fn mask_id(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..6].iter().collect();
    out.extend(std::iter::repeat_n('*', chars.len() - 10));
    out.extend(&chars[chars.len() - 4..]);
    out
}

impl TryFrom<String> for IdNumber {
    type Error = IdNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        IdNumber::parse(&s)
    }
}

impl From<IdNumber> for String {
    fn from(n: IdNumber) -> String {
        n.0
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl fmt::Display for IdNumber {
    /// Displays masked: the full number is only reachable through [`IdNumber::as_str`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spec_test_vector() {
        assert_eq!(check_char("11010519491231002"), Some('X'));
        let n = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(n.masked(), "110105********002X");
        assert_eq!(n.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert!(n.is_mainland());
        assert_eq!(IdNumber::parse("11010519491231002x").unwrap(), n);
    }

    #[test]
    fn rejects_bad_numbers() {
        assert_eq!(IdNumber::parse("110105194912310021"), Err(IdNumberError::Check { found: '1', expected: 'X' }));
        assert_eq!(IdNumber::parse("1101051949123100"), Err(IdNumberError::Length(16)));
        assert_eq!(IdNumber::parse("11010519491331002X"), Err(IdNumberError::BirthDate));
        assert_eq!(IdNumber::parse("1101a519491231002X"), Err(IdNumberError::NotDigit(5)));
        assert!(IdNumber::parse("１１０１０５１９４９１２３１００２Ｘ").is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,24}") {
            let _ = IdNumber::parse(&s);
        }

        #[test]
        fn generated_numbers_validate(area in 110000u32..660000, days in 0i64..30000, seq in 0u32..1000) {
            let birth = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap() + chrono::Duration::days(days);
            let first17 = format!("{area:06}{}{seq:03}", birth.format("%Y%m%d"));
            let full = format!("{first17}{}", check_char(&first17).unwrap());
            prop_assert!(IdNumber::parse(&full).is_ok());
        }
    }
}
