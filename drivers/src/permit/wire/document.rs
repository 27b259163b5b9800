//! What a desktop MRZ reader read, recognised and checked: the one-line `CS` / `CD` travel permit
//! ([`PermitMrz`], parsed by [`PermitMrz::parse`]), an ICAO 9303 TD1 card (3 × 30) or a TD3 passport
//! (2 × 44), with every check digit verified, and encoders that write valid lines (for the
//! simulator and tests).
//!
//! Sources (shared/protocols.md section 2): the ICAO 7-3-1 check digit ([`check_digit`], docs.rs/mrz;
//! xin3721.com/PythonSample/python19754.html) and the ICAO specimen `L898902C36UTO7408122F1204159ZE184226B<<<<<10`;
//! the permit line (YUFOHON/PassportReader EepMrzParser.java, one source, kept in
//! [`crate::permit::mrz`]); the TD1 and TD3 layouts and composite checks (Rust mrtd-style doc
//! comment found via code search; UKHomeOffice/mrz-parser README.md; xin3721). The TD1 long
//! document number, the TD3 optional-data check digit and the `X` sex code follow ICAO 9303 parts 4
//! and 5 themselves.
//!
//! Positions in this module are 1-based and inclusive, as in ICAO 9303.
//!
//! Two-digit years follow [`PermitMrz::parse`]: an expiry year is always 20YY; a birth year above
//! `this_year`'s last two digits is 19YY, otherwise 20YY.

use super::framing::{MrzRead, WireError};
use crate::permit::{MrzError, PermitMrz, check_digit};
use chrono::{Datelike, NaiveDate};
use std::fmt;

/// Characters per line of the permit line and of TD1.
pub const TD1_LINE_LEN: usize = 30;
/// Characters per line of TD3.
pub const TD3_LINE_LEN: usize = 44;
/// Characters of the principal document-number field (TD1 line 1 positions 6-14, TD3 line 2 1-9).
pub const NUMBER_LEN: usize = 9;

/// Sex as printed in the MRZ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// `M`.
    Male,
    /// `F`.
    Female,
    /// `<` (or `X`, which ICAO 9303 also allows; written back as `<`).
    Unspecified,
}

impl Sex {
    fn from_char(c: char) -> Option<Sex> {
        match c {
            'M' => Some(Sex::Male),
            'F' => Some(Sex::Female),
            '<' | 'X' => Some(Sex::Unspecified),
            _ => None,
        }
    }

    /// The MRZ character.
    pub fn to_char(self) -> char {
        match self {
            Sex::Male => 'M',
            Sex::Female => 'F',
            Sex::Unspecified => '<',
        }
    }
}

/// The name field: `SURNAME<<GIVEN<NAMES`, filler runs read as single spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct MrzName {
    /// Primary identifier, words separated by one space.
    pub surname: String,
    /// Secondary identifier, words separated by one space; empty if none.
    pub given_names: String,
}

/// A document recognised from the lines an MRZ reader sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MrzDocument {
    /// One 30-character line starting `CS` or `CD`: the travel permit.
    Permit(PermitMrz),
    /// ICAO TD1 card, 3 × 30 characters. Text fields have their trailing `<` filler removed.
    Td1 {
        /// Document code, line 1 positions 1-2 (`I`, `ID`, `AC`, `C`…; starts A, C or I).
        document_code: String,
        /// Issuing state or organisation, line 1 positions 3-5.
        issuing_state: String,
        /// Document number: line 1 positions 6-14, continued in the optional data when longer than
        /// 9 characters (ICAO 9303 part 5: position 15 is then `<`).
        number: String,
        /// Date of birth, line 2 positions 1-6.
        birth: NaiveDate,
        /// Sex, line 2 position 8.
        sex: Sex,
        /// Date of expiry, line 2 positions 9-14.
        expiry: NaiveDate,
        /// Nationality, line 2 positions 16-18.
        nationality: String,
        /// Name, line 3.
        names: MrzName,
        /// Optional data of line 1 (positions 16-30, after a long document number's end).
        optional_data_1: String,
        /// Optional data of line 2, positions 19-29.
        optional_data_2: String,
    },
    /// ICAO TD3 passport, 2 × 44 characters. Text fields have their trailing `<` filler removed.
    Td3 {
        /// Document code, line 1 positions 1-2 (`P`, `PO`…; starts P).
        document_code: String,
        /// Issuing state or organisation, line 1 positions 3-5.
        issuing_state: String,
        /// Name, line 1 positions 6-44.
        names: MrzName,
        /// Document number, line 2 positions 1-9.
        number: String,
        /// Nationality, line 2 positions 11-13.
        nationality: String,
        /// Date of birth, line 2 positions 14-19.
        birth: NaiveDate,
        /// Sex, line 2 position 21.
        sex: Sex,
        /// Date of expiry, line 2 positions 22-27.
        expiry: NaiveDate,
        /// Personal number or other optional data, line 2 positions 29-42.
        optional_data: String,
    },
}

/// A field of a TD1 or TD3 document, as named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// Document code.
    DocumentCode,
    /// Issuing state.
    IssuingState,
    /// Document number.
    DocumentNumber,
    /// Date of birth.
    BirthDate,
    /// Sex.
    Sex,
    /// Date of expiry.
    ExpiryDate,
    /// Nationality.
    Nationality,
    /// Name.
    Names,
    /// Optional data (TD3 personal number; TD1 line 1).
    OptionalData,
    /// Optional data of TD1 line 2.
    OptionalData2,
    /// The composite check digit.
    Composite,
}

impl Field {
    /// English name of the field.
    pub fn name(self) -> &'static str {
        match self {
            Field::DocumentCode => "document code",
            Field::IssuingState => "issuing state",
            Field::DocumentNumber => "document number",
            Field::BirthDate => "date of birth",
            Field::Sex => "sex",
            Field::ExpiryDate => "date of expiry",
            Field::Nationality => "nationality",
            Field::Names => "name",
            Field::OptionalData => "optional data",
            Field::OptionalData2 => "optional data of line 2",
            Field::Composite => "composite",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why the lines read are not a valid document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// Not one of the layouts read here.
    #[error(
        "expected one 30-character line (permit), three 30-character lines (TD1) or two 44-character lines (TD3), got lines of {0:?} characters"
    )]
    Layout(Vec<usize>),
    /// The permit line is wrong (its check digits are named as in [`PermitMrz::parse`]).
    #[error("permit line: {0}")]
    Permit(#[from] MrzError),
    /// A character outside `0-9 A-Z <`.
    #[error("line {line}, column {column}: expected an MRZ character (0-9, A-Z or '<')")]
    Charset {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The document code does not belong to the layout.
    #[error("document code {code:?} does not start with {expected}")]
    DocumentCode {
        /// As read.
        code: String,
        /// What the layout's codes start with.
        expected: &'static str,
    },
    /// A check digit does not match its field.
    #[error("the check digit of the {field} does not match")]
    Check {
        /// The field whose check failed ([`Field::Composite`] for the composite).
        field: Field,
    },
    /// A date field is not a YYMMDD date.
    #[error("the {field} is not a YYMMDD date")]
    Date {
        /// [`Field::BirthDate`] or [`Field::ExpiryDate`].
        field: Field,
    },
    /// The sex is not `M`, `F`, `X` or `<`.
    #[error("sex {found:?}: expected 'M', 'F', 'X' or '<'")]
    Sex {
        /// As read.
        found: char,
    },
}

/// Why a document cannot be written as MRZ lines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A field does not fit.
    #[error("the {field} has {len} characters, at most {max} fit")]
    TooLong {
        /// The field.
        field: Field,
        /// Its length.
        len: usize,
        /// What fits.
        max: usize,
    },
    /// A field has a character the MRZ cannot hold.
    #[error("the {field} has a character outside {allowed}")]
    Charset {
        /// The field.
        field: Field,
        /// What it may hold.
        allowed: &'static str,
    },
    /// The lines built do not read back (for example a document code of the wrong layout).
    #[error("the encoded lines are not valid: {0}")]
    Invalid(#[source] DocumentError),
    /// The lines do not frame (cannot happen for lines that read back).
    #[error("the encoded lines do not frame: {0}")]
    Framing(#[from] WireError),
}

/// Characters `from..=to` (1-based) of an ASCII line; empty if out of range.
fn pos(line: &str, from: usize, to: usize) -> &str {
    line.get(from.saturating_sub(1)..to).unwrap_or_default()
}

/// The character at 1-based `at`, `'\0'` if out of range.
fn char_at(line: &str, at: usize) -> char {
    pos(line, at, at).chars().next().unwrap_or('\0')
}

fn is_mrz(c: char) -> bool {
    c.is_ascii_digit() || c.is_ascii_uppercase() || c == '<'
}

fn trim_filler(s: &str) -> String {
    s.trim_end_matches('<').to_string()
}

/// Verify that the check digit `check` matches `data`.
fn verify(data: &str, check: char, field: Field) -> Result<(), DocumentError> {
    match (check_digit(data), check.to_digit(10)) {
        (Some(want), Some(got)) if u32::from(want) == got => Ok(()),
        _ => Err(DocumentError::Check { field }),
    }
}

/// Like [`verify`], but an unused field (all filler) may have `<` or `0` as its check digit (ICAO
/// 9303 part 4, TD3 personal number).
fn verify_optional(data: &str, check: char, field: Field) -> Result<(), DocumentError> {
    if data.chars().all(|c| c == '<') && (check == '<' || check == '0') {
        return Ok(());
    }
    verify(data, check, field)
}

fn parse_date(s: &str, pivot: i32, field: Field) -> Result<NaiveDate, DocumentError> {
    if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DocumentError::Date { field });
    }
    let num = |from: usize| pos(s, from, from.saturating_add(1)).parse::<u8>().ok();
    let (Some(yy), Some(mm), Some(dd)) = (num(1), num(3), num(5)) else {
        return Err(DocumentError::Date { field });
    };
    let yy = i32::from(yy);
    let year = if yy > pivot { 1900 + yy } else { 2000 + yy };
    NaiveDate::from_ymd_opt(year, u32::from(mm), u32::from(dd)).ok_or(DocumentError::Date { field })
}

fn yymmdd(d: NaiveDate) -> String {
    format!("{:02}{:02}{:02}", d.year().rem_euclid(100), d.month(), d.day())
}

fn parse_sex(c: char) -> Result<Sex, DocumentError> {
    Sex::from_char(c).ok_or(DocumentError::Sex { found: c })
}

fn parse_names(field: &str) -> MrzName {
    let field = field.trim_end_matches('<');
    let (surname, given) = field.split_once("<<").unwrap_or((field, ""));
    let words = |s: &str| s.split('<').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    MrzName { surname: words(surname), given_names: words(given) }
}

/// The TD1 document number and line 1 optional data, checking the number's check digit.
fn td1_number(l1: &str) -> Result<(String, String), DocumentError> {
    let principal = pos(l1, 6, 14);
    let check = char_at(l1, 15);
    let rest = pos(l1, 16, 30);
    if check != '<' {
        verify(principal, check, Field::DocumentNumber)?;
        return Ok((trim_filler(principal), trim_filler(rest)));
    }
    // Long number (ICAO 9303 part 5): the rest of it, its check digit, then a filler.
    let end = rest.find('<').unwrap_or(rest.len());
    let Some(tail_len) = end.checked_sub(1) else {
        return Err(DocumentError::Check { field: Field::DocumentNumber });
    };
    let tail = rest.get(..tail_len).unwrap_or_default();
    let number = format!("{principal}{tail}");
    verify(&number, char_at(rest, end), Field::DocumentNumber)?;
    Ok((number, trim_filler(rest.get(end.saturating_add(1)..).unwrap_or_default())))
}

fn check_charset(lines: &[&str]) -> Result<(), DocumentError> {
    for (i, line) in lines.iter().enumerate() {
        if let Some(col) = line.chars().position(|c| !is_mrz(c)) {
            return Err(DocumentError::Charset { line: i.saturating_add(1), column: col.saturating_add(1) });
        }
    }
    Ok(())
}

fn expect_code(code: &str, first: &[char], expected: &'static str) -> Result<(), DocumentError> {
    if code.chars().next().is_some_and(|c| first.contains(&c)) {
        Ok(())
    } else {
        Err(DocumentError::DocumentCode { code: code.to_string(), expected })
    }
}

fn parse_td1(l1: &str, l2: &str, l3: &str, this_year: i32) -> Result<MrzDocument, DocumentError> {
    check_charset(&[l1, l2, l3])?;
    let code = pos(l1, 1, 2);
    expect_code(code, &['A', 'C', 'I'], "A, C or I (TD1)")?;
    let (number, optional_data_1) = td1_number(l1)?;
    verify(pos(l2, 1, 6), char_at(l2, 7), Field::BirthDate)?;
    verify(pos(l2, 9, 14), char_at(l2, 15), Field::ExpiryDate)?;
    let composite = format!("{}{}{}{}", pos(l1, 6, 30), pos(l2, 1, 7), pos(l2, 9, 15), pos(l2, 19, 29));
    verify(&composite, char_at(l2, 30), Field::Composite)?;
    Ok(MrzDocument::Td1 {
        document_code: trim_filler(code),
        issuing_state: trim_filler(pos(l1, 3, 5)),
        number,
        birth: parse_date(pos(l2, 1, 6), this_year.rem_euclid(100), Field::BirthDate)?,
        sex: parse_sex(char_at(l2, 8))?,
        expiry: parse_date(pos(l2, 9, 14), 99, Field::ExpiryDate)?,
        nationality: trim_filler(pos(l2, 16, 18)),
        names: parse_names(l3),
        optional_data_1,
        optional_data_2: trim_filler(pos(l2, 19, 29)),
    })
}

fn parse_td3(l1: &str, l2: &str, this_year: i32) -> Result<MrzDocument, DocumentError> {
    check_charset(&[l1, l2])?;
    let code = pos(l1, 1, 2);
    expect_code(code, &['P'], "P (TD3)")?;
    verify(pos(l2, 1, 9), char_at(l2, 10), Field::DocumentNumber)?;
    verify(pos(l2, 14, 19), char_at(l2, 20), Field::BirthDate)?;
    verify(pos(l2, 22, 27), char_at(l2, 28), Field::ExpiryDate)?;
    verify_optional(pos(l2, 29, 42), char_at(l2, 43), Field::OptionalData)?;
    let composite = format!("{}{}{}", pos(l2, 1, 10), pos(l2, 14, 20), pos(l2, 22, 43));
    verify(&composite, char_at(l2, 44), Field::Composite)?;
    Ok(MrzDocument::Td3 {
        document_code: trim_filler(code),
        issuing_state: trim_filler(pos(l1, 3, 5)),
        names: parse_names(pos(l1, 6, 44)),
        number: trim_filler(pos(l2, 1, 9)),
        nationality: trim_filler(pos(l2, 11, 13)),
        birth: parse_date(pos(l2, 14, 19), this_year.rem_euclid(100), Field::BirthDate)?,
        sex: parse_sex(char_at(l2, 21))?,
        expiry: parse_date(pos(l2, 22, 27), 99, Field::ExpiryDate)?,
        optional_data: trim_filler(pos(l2, 29, 42)),
    })
}

/// `value` padded with `<` to `width`, after checking it is MRZ characters and fits.
fn raw_field(value: &str, width: usize, field: Field) -> Result<String, EncodeError> {
    if !value.chars().all(is_mrz) {
        return Err(EncodeError::Charset { field, allowed: "0-9, A-Z and '<'" });
    }
    if value.len() > width {
        return Err(EncodeError::TooLong { field, len: value.len(), max: width });
    }
    Ok(format!("{value:<<width$}"))
}

/// `SURNAME<<GIVEN<NAMES` padded to `width`.
fn names_field(names: &MrzName, width: usize) -> Result<String, EncodeError> {
    let part = |s: &str| -> Result<String, EncodeError> {
        if !s.chars().all(|c| c.is_ascii_uppercase() || c == ' ') {
            return Err(EncodeError::Charset { field: Field::Names, allowed: "A-Z and space" });
        }
        Ok(s.split_whitespace().collect::<Vec<_>>().join("<"))
    };
    let surname = part(&names.surname)?;
    let given = part(&names.given_names)?;
    let joined = if given.is_empty() { surname } else { format!("{surname}<<{given}") };
    raw_field(&joined, width, Field::Names)
}

/// The check digit of `data` as a character.
fn check_char(data: &str) -> char {
    char::from(b'0'.saturating_add(check_digit(data).unwrap_or(0) % 10))
}

/// `data` followed by its check digit.
fn with_check(data: &str) -> String {
    format!("{data}{}", check_char(data))
}

/// Longest TD1 document number: 9 characters, then 14 more before the check digit fills position 30.
const TD1_MAX_NUMBER_LEN: usize = NUMBER_LEN + 14;

/// TD1 line 1 positions 6-30: document number, check digit, optional data.
fn td1_number_field(number: &str, optional: &str) -> Result<String, EncodeError> {
    if number.len() <= NUMBER_LEN {
        let num = raw_field(number, NUMBER_LEN, Field::DocumentNumber)?;
        return Ok(format!("{}{}", with_check(&num), raw_field(optional, 15, Field::OptionalData)?));
    }
    // Long number (ICAO 9303 part 5): 9 characters, '<', the rest, the check digit, '<', the
    // optional data. The rest must not hold '<', which ends it.
    if !number.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()) {
        return Err(EncodeError::Charset { field: Field::DocumentNumber, allowed: "0-9 and A-Z (long number)" });
    }
    if number.len() > TD1_MAX_NUMBER_LEN {
        return Err(EncodeError::TooLong { field: Field::DocumentNumber, len: number.len(), max: TD1_MAX_NUMBER_LEN });
    }
    let (principal, tail) = number.split_at_checked(NUMBER_LEN).unwrap_or((number, ""));
    let rest = if optional.is_empty() {
        format!("{tail}{}", check_char(number))
    } else {
        let max = 15usize.saturating_sub(tail.len()).saturating_sub(2);
        if optional.len() > max {
            return Err(EncodeError::TooLong { field: Field::OptionalData, len: optional.len(), max });
        }
        format!("{tail}{}<{optional}", check_char(number))
    };
    Ok(format!("{principal}<{}", raw_field(&rest, 15, Field::OptionalData)?))
}

impl MrzDocument {
    /// Recognise and check the lines a reader sent (line ends already removed). `this_year` places
    /// two-digit birth years (see the module docs).
    pub fn parse<S: AsRef<str>>(lines: &[S], this_year: i32) -> Result<MrzDocument, DocumentError> {
        let lens: Vec<usize> = lines.iter().map(|l| l.as_ref().chars().count()).collect();
        match (lines, lens.as_slice()) {
            ([line], [TD1_LINE_LEN]) => Ok(MrzDocument::Permit(PermitMrz::parse(line.as_ref(), this_year)?)),
            ([l1, l2, l3], [TD1_LINE_LEN, TD1_LINE_LEN, TD1_LINE_LEN]) => {
                parse_td1(l1.as_ref(), l2.as_ref(), l3.as_ref(), this_year)
            }
            ([l1, l2], [TD3_LINE_LEN, TD3_LINE_LEN]) => parse_td3(l1.as_ref(), l2.as_ref(), this_year),
            _ => Err(DocumentError::Layout(lens)),
        }
    }

    /// Recognise and check a document the codec decoded.
    pub fn from_read(read: &MrzRead, this_year: i32) -> Result<MrzDocument, DocumentError> {
        MrzDocument::parse(read.lines(), this_year)
    }

    /// The MRZ lines of this document, every check digit computed. Fails if a field does not fit or
    /// holds a character the MRZ cannot, or if the lines would not read back as this layout.
    pub fn encode(&self) -> Result<Vec<String>, EncodeError> {
        let lines = match self {
            MrzDocument::Permit(p) => {
                raw_field(&p.number, NUMBER_LEN, Field::DocumentNumber)?;
                vec![p.encode()]
            }
            MrzDocument::Td1 {
                document_code,
                issuing_state,
                number,
                birth,
                sex,
                expiry,
                nationality,
                names,
                optional_data_1,
                optional_data_2,
            } => {
                let l1_tail = td1_number_field(number, optional_data_1)?;
                let l1 = format!(
                    "{}{}{l1_tail}",
                    raw_field(document_code, 2, Field::DocumentCode)?,
                    raw_field(issuing_state, 3, Field::IssuingState)?,
                );
                let (birth, expiry) = (with_check(&yymmdd(*birth)), with_check(&yymmdd(*expiry)));
                let opt2 = raw_field(optional_data_2, 11, Field::OptionalData2)?;
                let nationality = raw_field(nationality, 3, Field::Nationality)?;
                let composite = check_char(&format!("{l1_tail}{birth}{expiry}{opt2}"));
                let l2 = format!("{birth}{}{expiry}{nationality}{opt2}{composite}", sex.to_char());
                vec![l1, l2, names_field(names, TD1_LINE_LEN)?]
            }
            MrzDocument::Td3 {
                document_code,
                issuing_state,
                names,
                number,
                nationality,
                birth,
                sex,
                expiry,
                optional_data,
            } => {
                let l1 = format!(
                    "{}{}{}",
                    raw_field(document_code, 2, Field::DocumentCode)?,
                    raw_field(issuing_state, 3, Field::IssuingState)?,
                    names_field(names, 39)?,
                );
                let number = with_check(&raw_field(number, NUMBER_LEN, Field::DocumentNumber)?);
                let (birth, expiry) = (with_check(&yymmdd(*birth)), with_check(&yymmdd(*expiry)));
                let optional = raw_field(optional_data, 14, Field::OptionalData)?;
                // An unused personal number gets '<' as its check digit (ICAO 9303 part 4).
                let optional = if optional_data.is_empty() { format!("{optional}<") } else { with_check(&optional) };
                let composite = check_char(&format!("{number}{birth}{expiry}{optional}"));
                let nationality = raw_field(nationality, 3, Field::Nationality)?;
                let l2 = format!("{number}{nationality}{birth}{}{expiry}{optional}{composite}", sex.to_char());
                vec![l1, l2]
            }
        };
        // The encoder's promise: what it writes reads back (layout, code, check digits).
        MrzDocument::parse(&lines, 2000).map_err(EncodeError::Invalid)?;
        Ok(lines)
    }

    /// The document as the codec's [`MrzRead`], ready for the simulator's encoder.
    pub fn to_read(&self) -> Result<MrzRead, EncodeError> {
        Ok(MrzRead::new(self.encode()?)?)
    }

    /// The document number.
    pub fn number(&self) -> &str {
        match self {
            MrzDocument::Permit(p) => &p.number,
            MrzDocument::Td1 { number, .. } | MrzDocument::Td3 { number, .. } => number,
        }
    }

    /// The date of birth.
    pub fn birth(&self) -> NaiveDate {
        match self {
            MrzDocument::Permit(p) => p.birth,
            MrzDocument::Td1 { birth, .. } | MrzDocument::Td3 { birth, .. } => *birth,
        }
    }

    /// The date of expiry.
    pub fn expiry(&self) -> NaiveDate {
        match self {
            MrzDocument::Permit(p) => p.expiry,
            MrzDocument::Td1 { expiry, .. } | MrzDocument::Td3 { expiry, .. } => *expiry,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::permit::PermitKind;
    use crate::permit::wire::framing::{DEFAULT_WRITE_STYLE, MrzLineCodec, decode_all, encode_read};
    use bytes::BytesMut;
    use proptest::prelude::*;
    use tokio_util::codec::{Decoder, Encoder};

    const TD3: [&str; 2] =
        ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"];
    const TD1: [&str; 3] =
        ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"];
    const YEAR: i32 = 2026;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn anna() -> MrzName {
        MrzName { surname: "ERIKSSON".into(), given_names: "ANNA MARIA".into() }
    }

    fn permit() -> PermitMrz {
        PermitMrz {
            kind: PermitKind::HkMacau,
            number: "C12345678".into(),
            expiry: date(2031, 5, 17),
            birth: date(1988, 2, 29),
        }
    }

    /// `lines` with the character at 1-based (`line`, `at`) replaced by another digit.
    fn tamper<S: AsRef<str>>(lines: &[S], line: usize, at: usize) -> Vec<String> {
        let mut out: Vec<String> = lines.iter().map(|l| l.as_ref().to_string()).collect();
        let mut bytes = out[line - 1].clone().into_bytes();
        let old = bytes[at - 1];
        assert!(old.is_ascii_digit() || old == b'<', "position {at} is a check digit");
        bytes[at - 1] = if old == b'<' { b'1' } else { b'0' + (old - b'0' + 1) % 10 };
        out[line - 1] = String::from_utf8(bytes).unwrap();
        out
    }

    #[test]
    fn icao_specimen_td3_parses_with_every_check() {
        // protocols.md: doc-number check 6, DOB 740812 -> 2, expiry 120415 -> 9, composite 0.
        assert_eq!(check_digit("L898902C3"), Some(6));
        assert_eq!(check_digit("740812"), Some(2));
        assert_eq!(check_digit("120415"), Some(9));
        let doc = MrzDocument::parse(&TD3, YEAR).unwrap();
        assert_eq!(
            doc,
            MrzDocument::Td3 {
                document_code: "P".into(),
                issuing_state: "UTO".into(),
                names: anna(),
                number: "L898902C3".into(),
                nationality: "UTO".into(),
                birth: date(1974, 8, 12),
                sex: Sex::Female,
                expiry: date(2012, 4, 15),
                optional_data: "ZE184226B".into(),
            }
        );
        assert_eq!(doc.encode().unwrap(), TD3);
        assert_eq!((doc.number(), doc.birth(), doc.expiry()), ("L898902C3", date(1974, 8, 12), date(2012, 4, 15)));
    }

    #[test]
    fn icao_specimen_td1_parses() {
        let doc = MrzDocument::parse(&TD1, YEAR).unwrap();
        assert_eq!(
            doc,
            MrzDocument::Td1 {
                document_code: "I".into(),
                issuing_state: "UTO".into(),
                number: "D23145890".into(),
                birth: date(1974, 8, 12),
                sex: Sex::Female,
                expiry: date(2012, 4, 15),
                nationality: "UTO".into(),
                names: anna(),
                optional_data_1: String::new(),
                optional_data_2: String::new(),
            }
        );
        assert_eq!(doc.encode().unwrap(), TD1);
    }

    #[test]
    fn permit_line_is_recognised() {
        let line = permit().encode();
        assert_eq!(MrzDocument::parse(&[&line], YEAR), Ok(MrzDocument::Permit(permit())));
        assert_eq!(MrzDocument::Permit(permit()).encode().unwrap(), vec![line.clone()]);
        let taiwan = PermitMrz { kind: PermitKind::Taiwan, ..permit() };
        assert_eq!(MrzDocument::parse(&[taiwan.encode()], YEAR), Ok(MrzDocument::Permit(taiwan)));
        // A 30-character line with another code is not a permit.
        let other = line.replacen("CS", "P<", 1);
        assert_eq!(MrzDocument::parse(&[other], YEAR), Err(DocumentError::Permit(MrzError::DocumentCode("P<".into()))));
    }

    #[test]
    fn tampered_check_digits_name_their_field() {
        let check = |field| Err(DocumentError::Check { field });
        for (at, field) in [
            (10, Field::DocumentNumber),
            (20, Field::BirthDate),
            (28, Field::ExpiryDate),
            (43, Field::OptionalData),
            (44, Field::Composite),
        ] {
            assert_eq!(MrzDocument::parse(&tamper(&TD3, 2, at), YEAR), check(field), "TD3 position {at}");
        }
        for (line, at, field) in [
            (1, 15, Field::DocumentNumber),
            (2, 7, Field::BirthDate),
            (2, 15, Field::ExpiryDate),
            (2, 30, Field::Composite),
        ] {
            assert_eq!(MrzDocument::parse(&tamper(&TD1, line, at), YEAR), check(field), "TD1 {line}:{at}");
        }
        let line = permit().encode();
        for (at, name) in [(12, "document number"), (20, "expiry"), (28, "birth date"), (30, "composite")] {
            assert_eq!(
                MrzDocument::parse(&tamper(&[&line], 1, at), YEAR),
                Err(DocumentError::Permit(MrzError::Check(name))),
                "permit position {at}"
            );
        }
        // A tampered data character (not a check digit) fails its field's check.
        let mut bad = TD3.map(String::from);
        bad[1] = bad[1].replacen("L898902C3", "L898902C4", 1);
        assert_eq!(MrzDocument::parse(&bad, YEAR), check(Field::DocumentNumber));
        assert_eq!(MrzDocument::parse(&tamper(&TD3, 2, 5), YEAR), check(Field::DocumentNumber));
    }

    #[test]
    fn unused_td3_personal_number_may_check_as_filler_or_zero() {
        let mut doc = MrzDocument::parse(&TD3, YEAR).unwrap();
        if let MrzDocument::Td3 { optional_data, .. } = &mut doc {
            optional_data.clear();
        }
        let lines = doc.encode().unwrap();
        assert_eq!(&lines[1][28..43], "<<<<<<<<<<<<<<<");
        assert_eq!(MrzDocument::parse(&lines, YEAR), Ok(doc.clone()));
        let zero = vec![lines[0].clone(), format!("{}0{}", &lines[1][..42], &lines[1][43..])];
        assert_eq!(MrzDocument::parse(&zero, YEAR), Ok(doc));
    }

    #[test]
    fn td1_long_document_number() {
        let doc = MrzDocument::Td1 {
            document_code: "ID".into(),
            issuing_state: "UTO".into(),
            number: "D23145890123".into(),
            birth: date(1974, 8, 12),
            sex: Sex::Male,
            expiry: date(2012, 4, 15),
            nationality: "UTO".into(),
            names: anna(),
            optional_data_1: "XY".into(),
            optional_data_2: "Z".into(),
        };
        let lines = doc.encode().unwrap();
        let check = check_digit("D23145890123").unwrap();
        assert_eq!(lines[0], format!("IDUTOD23145890<123{check}<XY<<<<<<<<"));
        assert_eq!(MrzDocument::parse(&lines, YEAR), Ok(doc.clone()));
        // Its check digit is checked over the whole number.
        assert_eq!(
            MrzDocument::parse(&tamper(&lines, 1, 19), YEAR),
            Err(DocumentError::Check { field: Field::DocumentNumber })
        );
        let no_check =
            vec![lines[0].replacen(&format!("<123{check}<XY"), "<<123<XY", 1), lines[1].clone(), lines[2].clone()];
        assert_eq!(MrzDocument::parse(&no_check, YEAR), Err(DocumentError::Check { field: Field::DocumentNumber }));
    }

    #[test]
    fn layout_code_charset_date_and_sex_errors() {
        assert_eq!(MrzDocument::parse(&["ABC"], YEAR), Err(DocumentError::Layout(vec![3])));
        assert_eq!(MrzDocument::parse(&[&TD3[0][..36], &TD3[1][..36]], YEAR), Err(DocumentError::Layout(vec![36, 36])));
        assert_eq!(MrzDocument::parse::<&str>(&[], YEAR), Err(DocumentError::Layout(vec![])));
        let visa = [TD3[0].replacen("P<", "V<", 1), TD3[1].to_string()];
        assert_eq!(
            MrzDocument::parse(&visa, YEAR),
            Err(DocumentError::DocumentCode { code: "V<".into(), expected: "P (TD3)" })
        );
        let lower = [TD1[0].replacen("UTO", "UTo", 1), TD1[1].into(), TD1[2].into()];
        assert_eq!(MrzDocument::parse(&lower, YEAR), Err(DocumentError::Charset { line: 1, column: 5 }));
        let wide = [TD1[0].into(), TD1[1].into(), TD1[2].replacen("ANNA", "ÄNNA", 1)];
        assert_eq!(MrzDocument::parse(&wide, YEAR), Err(DocumentError::Charset { line: 3, column: 11 }));
        // 741312 is no date; its check digits are made to match so the date itself is what fails.
        let part = format!("741312{}F1204159UTO<<<<<<<<<<<", check_char("741312"));
        let l2 = format!(
            "{part}{}",
            check_char(&format!("{}{}{}{}", &TD1[0][5..], &part[..7], &part[8..15], &part[18..29]))
        );
        assert_eq!(
            MrzDocument::parse(&[TD1[0], &l2, TD1[2]], YEAR),
            Err(DocumentError::Date { field: Field::BirthDate })
        );
        let sex = [TD1[0].into(), TD1[1].replacen('F', "Q", 1), TD1[2].into()];
        assert_eq!(MrzDocument::parse(&sex, YEAR), Err(DocumentError::Sex { found: 'Q' }));
        let x = [TD1[0].into(), TD1[1].replacen('F', "X", 1), TD1[2].into()];
        assert!(matches!(MrzDocument::parse(&x, YEAR), Ok(MrzDocument::Td1 { sex: Sex::Unspecified, .. })));
    }

    #[test]
    fn encoder_rejects_what_does_not_fit() {
        let td3 = |f: &dyn Fn(&mut MrzDocument)| {
            let mut doc = MrzDocument::parse(&TD3, YEAR).unwrap();
            f(&mut doc);
            doc.encode()
        };
        assert_eq!(
            td3(&|d| if let MrzDocument::Td3 { number, .. } = d {
                *number = "L898902C3X".into()
            }),
            Err(EncodeError::TooLong { field: Field::DocumentNumber, len: 10, max: 9 })
        );
        assert_eq!(
            td3(&|d| if let MrzDocument::Td3 { names, .. } = d {
                names.given_names = "Anna".into()
            }),
            Err(EncodeError::Charset { field: Field::Names, allowed: "A-Z and space" })
        );
        assert_eq!(
            td3(&|d| if let MrzDocument::Td3 { names, .. } = d {
                names.surname = "X".repeat(40)
            }),
            Err(EncodeError::TooLong { field: Field::Names, len: 52, max: 39 })
        );
        assert_eq!(
            td3(&|d| if let MrzDocument::Td3 { document_code, .. } = d {
                *document_code = "I".into()
            }),
            Err(EncodeError::Invalid(DocumentError::DocumentCode { code: "I<".into(), expected: "P (TD3)" }))
        );
        assert_eq!(
            td3(&|d| if let MrzDocument::Td3 { nationality, .. } = d {
                *nationality = "ut".into()
            }),
            Err(EncodeError::Charset { field: Field::Nationality, allowed: "0-9, A-Z and '<'" })
        );
        let long_permit = MrzDocument::Permit(PermitMrz { number: "C123456789".into(), ..permit() });
        assert_eq!(long_permit.encode(), Err(EncodeError::TooLong { field: Field::DocumentNumber, len: 10, max: 9 }));
        let mut td1 = MrzDocument::parse(&TD1, YEAR).unwrap();
        if let MrzDocument::Td1 { number, optional_data_1, .. } = &mut td1 {
            *number = "D23145890123".into();
            *optional_data_1 = "ABCDEFGHIJK".into();
        }
        assert_eq!(td1.encode(), Err(EncodeError::TooLong { field: Field::OptionalData, len: 11, max: 10 }));
        if let MrzDocument::Td1 { number, optional_data_1, .. } = &mut td1 {
            *number = "D".repeat(24);
            optional_data_1.clear();
        }
        assert_eq!(td1.encode(), Err(EncodeError::TooLong { field: Field::DocumentNumber, len: 24, max: 23 }));
    }

    #[test]
    fn documents_through_the_codec() {
        let docs = [
            MrzDocument::parse(&TD3, YEAR).unwrap(),
            MrzDocument::parse(&TD1, YEAR).unwrap(),
            MrzDocument::Permit(permit()),
        ];
        let mut codec = MrzLineCodec::new();
        let mut buf = BytesMut::from(&b"\x00\xff"[..]);
        for doc in &docs {
            codec.encode(doc.to_read().unwrap(), &mut buf).unwrap();
            buf.extend_from_slice(b"\x13\x11");
        }
        let mut got = Vec::new();
        while let Some(item) = codec.decode_eof(&mut buf).unwrap() {
            got.push(MrzDocument::from_read(&item.unwrap(), YEAR).unwrap());
        }
        assert_eq!(got, docs);
    }

    fn word(max: usize) -> impl Strategy<Value = String> {
        proptest::string::string_regex(&format!("[A-Z]{{1,{max}}}")).unwrap()
    }

    fn any_name() -> impl Strategy<Value = MrzName> {
        (word(8), proptest::option::of(word(5)), proptest::option::of((word(6), proptest::option::of(word(5)))))
            .prop_map(|(s1, s2, given)| MrzName {
                surname: [Some(s1), s2].into_iter().flatten().collect::<Vec<_>>().join(" "),
                given_names: given
                    .map(|(g1, g2)| [Some(g1), g2].into_iter().flatten().collect::<Vec<_>>().join(" "))
                    .unwrap_or_default(),
            })
    }

    /// Birth dates that read back with `YEAR`, expiry dates in the 2000s.
    fn birth() -> impl Strategy<Value = NaiveDate> {
        (YEAR - 99..=YEAR, 1u32..=365).prop_map(|(y, d)| NaiveDate::from_yo_opt(y, d).unwrap())
    }

    fn expiry() -> impl Strategy<Value = NaiveDate> {
        (2000i32..=2099, 1u32..=365).prop_map(|(y, d)| NaiveDate::from_yo_opt(y, d).unwrap())
    }

    fn sex() -> impl Strategy<Value = Sex> {
        proptest::sample::select(vec![Sex::Male, Sex::Female, Sex::Unspecified])
    }

    /// Optional data up to `max` characters, not ending in filler (which reads back trimmed).
    fn optional(max: usize) -> impl Strategy<Value = String> {
        let max = max - 1;
        proptest::string::string_regex(&format!("([0-9A-Z<]{{0,{max}}}[0-9A-Z])?")).unwrap()
    }

    fn text(re: &str) -> impl Strategy<Value = String> {
        proptest::string::string_regex(re).unwrap()
    }

    fn any_document() -> impl Strategy<Value = MrzDocument> {
        let permit =
            (any::<bool>(), text("C[0-9A-Z]{8}"), expiry(), birth()).prop_map(|(tw, number, expiry, birth)| {
                let kind = if tw { PermitKind::Taiwan } else { PermitKind::HkMacau };
                MrzDocument::Permit(PermitMrz { kind, number, expiry, birth })
            });
        let td1 = (
            (text("[ACI][A-Z]?"), text("[A-Z]{1,3}"), text("[0-9A-Z]{1,12}"), birth(), sex()),
            (expiry(), text("[A-Z]{1,3}"), any_name(), optional(10), optional(11)),
        )
            .prop_map(
                |((document_code, issuing_state, number, birth, sex), (expiry, nationality, names, o1, o2))| {
                    MrzDocument::Td1 {
                        document_code,
                        issuing_state,
                        number,
                        birth,
                        sex,
                        expiry,
                        nationality,
                        names,
                        optional_data_1: o1,
                        optional_data_2: o2,
                    }
                },
            );
        let td3 = (
            (text("P[A-Z]?"), text("[A-Z]{1,3}"), any_name(), text("[0-9A-Z]{1,9}")),
            (text("[A-Z]{1,3}"), birth(), sex(), expiry(), optional(14)),
        )
            .prop_map(
                |((document_code, issuing_state, names, number), (nationality, birth, sex, expiry, optional_data))| {
                    MrzDocument::Td3 {
                        document_code,
                        issuing_state,
                        names,
                        number,
                        nationality,
                        birth,
                        sex,
                        expiry,
                        optional_data,
                    }
                },
            );
        prop_oneof![permit, td1, td3]
    }

    proptest! {
        #[test]
        fn encode_then_parse_round_trips(doc in any_document()) {
            let lines = doc.encode().unwrap();
            prop_assert_eq!(MrzDocument::parse(&lines, YEAR), Ok(doc));
        }

        #[test]
        fn encode_then_decode_through_the_codec_split_anywhere(
            docs in proptest::collection::vec(any_document(), 1..4),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut buf = BytesMut::new();
            for doc in &docs {
                encode_read(&doc.to_read().unwrap(), DEFAULT_WRITE_STYLE, &mut buf);
            }
            let (a, b) = buf.split_at(cut.index(buf.len() + 1));
            let mut codec = MrzLineCodec::new();
            let mut src = BytesMut::from(a);
            let mut got = Vec::new();
            while let Some(item) = codec.decode(&mut src).unwrap() {
                got.push(item);
            }
            src.extend_from_slice(b);
            while let Some(item) = codec.decode_eof(&mut src).unwrap() {
                got.push(item);
            }
            let got: Vec<_> = got.into_iter().map(|r| MrzDocument::from_read(&r.unwrap(), YEAR)).collect();
            prop_assert_eq!(got, docs.into_iter().map(Ok).collect::<Vec<_>>());
        }

        #[test]
        fn any_tampered_character_is_caught(doc in any_document(), line in any::<prop::sample::Index>(), at in any::<prop::sample::Index>(), other in any::<prop::sample::Index>()) {
            let mut lines = doc.encode().unwrap();
            let i = line.index(lines.len());
            let j = at.index(lines[i].len());
            let mut bytes = lines[i].clone().into_bytes();
            const MRZ: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";
            let was = bytes[j];
            let k = MRZ.iter().position(|&m| m == was).unwrap();
            let c = MRZ[(k + 1 + other.index(MRZ.len() - 1)) % MRZ.len()];
            bytes[j] = c;
            lines[i] = String::from_utf8(bytes).unwrap();
            // A changed character is rejected or read as another document, except for ICAO's two
            // synonyms: sex 'X' for '<', and '0' for '<' as the check digit of an unused field.
            if MrzDocument::parse(&lines, YEAR) == Ok(doc) {
                prop_assert!(was == b'<' && (c == b'X' || c == b'0'), "{:?} -> {:?} at {}:{}", was as char, c as char, i + 1, j + 1);
            }
        }

        #[test]
        fn parse_never_panics(lines in proptest::collection::vec("\\PC{0,50}", 0..4), year in any::<i32>()) {
            let _ = MrzDocument::parse(&lines, year);
        }

        #[test]
        fn parse_of_mrz_shaped_lines_never_panics(
            lines in prop_oneof![
                proptest::collection::vec("[0-9A-Z<]{30}", 1..=3),
                proptest::collection::vec("[0-9A-Z<]{44}", 2),
                proptest::collection::vec("(CS|CD|I<|P<)[0-9<]{28}", 1),
            ],
        ) {
            let _ = MrzDocument::parse(&lines, YEAR);
        }

        #[test]
        fn decoded_garbage_never_panics_the_parser(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            for read in decode_all(&bytes).iter().flatten() {
                let _ = MrzDocument::from_read(read, YEAR);
            }
        }
    }
}
