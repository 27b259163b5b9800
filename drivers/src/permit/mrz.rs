//! The one-line 30-character MRZ of the card-type HK/Macau (`CS`) and Taiwan (`CD`) travel permits,
//! and the ICAO 9303 7-3-1 check digit.
//!
//! Layout (1-based): 1-2 document code; 3-11 document number; 12 check; 13 '<'; 14-19 expiry YYMMDD;
//! 20 check; 21 '<'; 22-27 birth YYMMDD; 28 check; 29 '<'; 30 composite check over 3-12, 14-20 and
//! 22-28. Source: shared/protocols.md section 2 (a single public source: keep it in this one module).

use super::PermitKind;
use chrono::{Datelike, NaiveDate};

/// Length of the permit MRZ line.
pub const LINE_LEN: usize = 30;

/// What is wrong with an MRZ line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MrzError {
    /// Not 30 characters.
    #[error("MRZ line has {0} characters, expected 30")]
    Length(usize),
    /// A character outside 0-9, A-Z and '<'.
    #[error("MRZ character {0} is not allowed")]
    Charset(usize),
    /// Unknown document code.
    #[error("unknown document code {0:?}")]
    DocumentCode(String),
    /// A separator is missing.
    #[error("MRZ position {0} should be '<'")]
    Separator(usize),
    /// A date field is not a date.
    #[error("MRZ field {0} is not a date")]
    Date(&'static str),
    /// A check digit does not match.
    #[error("check digit of {0} does not match")]
    Check(&'static str),
}

/// ICAO 9303 check digit over `s` (0-9, A-Z, '<'); `None` if `s` has another character.
pub fn check_digit(s: &str) -> Option<u8> {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let mut sum = 0u32;
    for (i, c) in s.chars().enumerate() {
        let v = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            '<' => 0,
            _ => return None,
        };
        sum += v * WEIGHTS[i % 3];
    }
    Some((sum % 10) as u8)
}

/// The fields of a permit's MRZ line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermitMrz {
    /// CS or CD.
    pub kind: PermitKind,
    /// Document number (9 characters).
    pub number: String,
    /// Expiry date.
    pub expiry: NaiveDate,
    /// Birth date.
    pub birth: NaiveDate,
}

fn yymmdd(d: NaiveDate) -> String {
    format!("{:02}{:02}{:02}", d.year() % 100, d.month(), d.day())
}

/// Parse YYMMDD; a two-digit year above `pivot` is in the 1900s.
fn parse_yymmdd(s: &str, pivot: i32, field: &'static str) -> Result<NaiveDate, MrzError> {
    let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().map_err(|_| MrzError::Date(field));
    let (yy, mm, dd) = (n(0..2)? as i32, n(2..4)?, n(4..6)?);
    let year = if yy > pivot { 1900 + yy } else { 2000 + yy };
    NaiveDate::from_ymd_opt(year, mm, dd).ok_or(MrzError::Date(field))
}

impl PermitMrz {
    /// Encode as the 30-character line with all check digits.
    pub fn encode(&self) -> String {
        let num = format!("{:<<9}", self.number);
        let c1 = check_digit(&num).unwrap_or(0);
        let exp = yymmdd(self.expiry);
        let c2 = check_digit(&exp).unwrap_or(0);
        let dob = yymmdd(self.birth);
        let c3 = check_digit(&dob).unwrap_or(0);
        let composite = check_digit(&format!("{num}{c1}{exp}{c2}{dob}{c3}")).unwrap_or(0);
        format!("{}{num}{c1}<{exp}{c2}<{dob}{c3}<{composite}", self.kind.code())
    }

    /// Parse a 30-character line, checking every check digit. `this_year` places two-digit birth years.
    pub fn parse(line: &str, this_year: i32) -> Result<PermitMrz, MrzError> {
        let line = line.trim_end_matches(['\r', '\n']);
        let n = line.chars().count();
        if n != LINE_LEN {
            return Err(MrzError::Length(n));
        }
        if let Some(i) = line.chars().position(|c| !(c.is_ascii_digit() || c.is_ascii_uppercase() || c == '<')) {
            return Err(MrzError::Charset(i + 1));
        }
        let kind = PermitKind::from_code(&line[0..2]).ok_or_else(|| MrzError::DocumentCode(line[0..2].to_string()))?;
        for pos in [13, 21, 29] {
            if &line[pos - 1..pos] != "<" {
                return Err(MrzError::Separator(pos));
            }
        }
        let digit = |pos: usize| line[pos - 1..pos].parse::<u8>().ok();
        let check = |field: &str, pos: usize, name: &'static str| {
            if check_digit(field) == digit(pos) { Ok(()) } else { Err(MrzError::Check(name)) }
        };
        check(&line[2..11], 12, "document number")?;
        check(&line[13..19], 20, "expiry")?;
        check(&line[21..27], 28, "birth date")?;
        check(&format!("{}{}{}", &line[2..12], &line[13..20], &line[21..28]), 30, "composite")?;
        let expiry = parse_yymmdd(&line[13..19], 99, "expiry")?;
        let birth = parse_yymmdd(&line[21..27], this_year % 100, "birth date")?;
        Ok(PermitMrz { kind, number: line[2..11].trim_end_matches('<').to_string(), expiry, birth })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn icao_specimen_check_digits() {
        assert_eq!(check_digit("L898902C3"), Some(6));
        assert_eq!(check_digit("740812"), Some(2));
        assert_eq!(check_digit("120415"), Some(9));
        assert_eq!(check_digit("ab"), None);
    }

    #[test]
    fn round_trip_and_tamper() {
        let m = PermitMrz {
            kind: PermitKind::HkMacau,
            number: "C12345678".into(),
            expiry: NaiveDate::from_ymd_opt(2031, 5, 17).unwrap(),
            birth: NaiveDate::from_ymd_opt(1988, 2, 29).unwrap(),
        };
        let line = m.encode();
        assert_eq!(line.len(), 30);
        assert!(line.starts_with("CSC12345678"));
        assert_eq!(PermitMrz::parse(&line, 2026).unwrap(), m);
        let mut bad = line.clone().into_bytes();
        bad[5] = if bad[5] == b'9' { b'8' } else { b'9' };
        let bad = String::from_utf8(bad).unwrap();
        assert_eq!(PermitMrz::parse(&bad, 2026), Err(MrzError::Check("document number")));
        assert_eq!(PermitMrz::parse("XX", 2026), Err(MrzError::Length(2)));
        let other = line.replacen("CS", "P<", 1);
        assert!(PermitMrz::parse(&other, 2026).is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = PermitMrz::parse(&s, 2026);
        }
    }
}
