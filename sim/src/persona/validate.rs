//! Validation of persona decks: every rule of `sim/PERSONAS.md` that a deck must satisfy before the
//! simulated devices, the central stand-in and the scripted walk-ins may use it.
//!
//! [`validate`] never stops at the first problem: it returns one line per problem, each naming the
//! persona (or `deck` / `hall[i]`) and the field, e.g.
//! `p0003: card.id_number: check character is '1', expected 'X'`.

use super::generate::{
    BOOKING_CODE_ALPHABET, BOOKING_CODE_LEN, BUSINESSES, DOCUMENTS, FACE_LEN, FIRST_SLOT_MINUTES, NON_MAINLAND_AREAS,
    TEMPLATE_FORMAT, TEMPLATE_LEN, finger_code,
};
use super::{Booking, DECK_VERSION, Deck, Permit, Persona};
use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use drivers::idcard::text::{NO_EXPIRY, encode};
use drivers::idcard::{CardType, IdNumber};
use drivers::permit::{PermitKind, PermitMrz, Trips};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;

/// Check a deck. Returns one human-readable problem per entry, naming the persona and the field; an
/// empty list means the deck is valid.
pub fn validate(deck: &Deck) -> Vec<String> {
    let mut out = Vec::new();
    if deck.version != DECK_VERSION {
        out.push(format!("deck: version: {} is not supported, expected {DECK_VERSION}", deck.version));
    }
    let mut hall_ids = BTreeSet::new();
    for (i, hall) in deck.halls.iter().enumerate() {
        let mut r = Report { who: format!("hall[{i}]"), out: &mut out };
        if hall.id.trim().is_empty() {
            r.add("id", "empty");
        } else if !hall_ids.insert(hall.id.as_str()) {
            r.add("id", format_args!("duplicate hall id {:?}", hall.id));
        }
        for (field, value) in [("name_zh", &hall.name_zh), ("name_en", &hall.name_en), ("city", &hall.city)] {
            if value.trim().is_empty() {
                r.add(field, "empty");
            }
        }
    }
    let mut seen = Seen::default();
    for (i, p) in deck.personas.iter().enumerate() {
        let who = if p.id.trim().is_empty() { format!("persona[{i}]") } else { p.id.clone() };
        let mut r = Report { who, out: &mut out };
        if p.id.trim().is_empty() {
            r.add("id", "empty");
        } else if let Some(first) = seen.persona_ids.insert(&p.id, i) {
            r.add("id", format_args!("duplicate persona id (also persona[{first}])"));
        }
        let birth = check_card(&mut r, p);
        if let Some(other) = seen.id_numbers.insert(&p.card.id_number, &p.id) {
            r.add("card.id_number", format_args!("also the ID number of {other}"));
        }
        check_residence_permit(&mut r, p);
        check_face(&mut r, &p.face);
        check_fingers(&mut r, p);
        for (j, permit) in p.permits.iter().enumerate() {
            let field = format!("permit[{j}]");
            check_permit(&mut r, &field, p, permit, birth, deck.date);
            if let Some(other) = seen.permit_numbers.insert(&permit.number, &p.id) {
                r.add(format_args!("{field}.number"), format_args!("{:?} is also a permit of {other}", permit.number));
            }
        }
        for (j, booking) in p.bookings.iter().enumerate() {
            let field = format!("booking[{j}]");
            check_booking(&mut r, &field, booking, &hall_ids);
            if let Some(other) = seen.codes.insert(&booking.code, &p.id) {
                r.add(
                    format_args!("{field}.code"),
                    format_args!("duplicate booking code {:?} (also booked by {other})", booking.code),
                );
            }
        }
    }
    out
}

/// Values that must be unique in a deck, with where each was first seen.
#[derive(Default)]
struct Seen<'a> {
    persona_ids: BTreeMap<&'a str, usize>,
    id_numbers: BTreeMap<&'a str, &'a str>,
    permit_numbers: BTreeMap<&'a str, &'a str>,
    codes: BTreeMap<&'a str, &'a str>,
}

/// Collects the problems of one persona (or hall).
struct Report<'a> {
    who: String,
    out: &'a mut Vec<String>,
}

impl Report<'_> {
    fn add(&mut self, field: impl Display, problem: impl Display) {
        self.out.push(format!("{}: {field}: {problem}", self.who));
    }
}

/// A YYYYMMDD date (exactly 8 digits).
fn parse_ymd(s: &str) -> Option<NaiveDate> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y%m%d").ok()
}

/// An `HH:MM` time (exactly 5 characters), as minutes after midnight.
fn parse_hhmm(s: &str) -> Option<u32> {
    if s.len() != 5 || s.as_bytes()[2] != b':' {
        return None;
    }
    let t = NaiveTime::parse_from_str(s, "%H:%M").ok()?;
    Some(t.hour() * 60 + t.minute())
}

/// Whether `s` is `letter` followed by 8 digits.
fn letter_and_8_digits(s: &str, letter: char) -> bool {
    let mut chars = s.chars();
    chars.next() == Some(letter) && s.len() == 9 && chars.all(|c| c.is_ascii_digit())
}

/// Whether `s` is exactly two ASCII digits.
fn two_digits(s: &str) -> bool {
    s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The card's fields; returns the birth date when it parses.
fn check_card(r: &mut Report<'_>, p: &Persona) -> Option<NaiveDate> {
    let c = &p.card;
    if let Err(e) = encode(c) {
        r.add("card", e);
    }
    if c.name.trim().is_empty() {
        r.add("card.name", "empty");
    }
    let birth = parse_ymd(&c.birth);
    if birth.is_none() {
        r.add("card.birth", format_args!("{:?} is not a YYYYMMDD date", c.birth));
    }
    let from = parse_ymd(&c.valid_from);
    if from.is_none() {
        r.add("card.valid_from", format_args!("{:?} is not a YYYYMMDD date", c.valid_from));
    }
    if c.valid_to != NO_EXPIRY {
        match parse_ymd(&c.valid_to) {
            None => {
                r.add("card.valid_to", format_args!("{:?} is neither a YYYYMMDD date nor {NO_EXPIRY:?}", c.valid_to))
            }
            Some(to) => {
                if let Some(from) = from
                    && to <= from
                {
                    r.add("card.valid_to", format_args!("{} is not after valid_from {}", c.valid_to, c.valid_from));
                }
            }
        }
    }
    if let (Some(birth), Some(from)) = (birth, from)
        && from < birth
    {
        r.add("card.valid_from", format_args!("{} is before the birth date {}", c.valid_from, c.birth));
    }
    match c.card_type {
        CardType::Resident | CardType::HkMacauTaiwanResident => check_id_card(r, p, birth),
        CardType::ForeignPermanentResident => {
            if !p.flags.non_mainland {
                r.add("flags.non_mainland", "must be true for a foreigner's permanent residence card ('I')");
            }
            if !matches!(c.sex.as_str(), "0" | "1" | "2" | "9") {
                r.add("card.sex", format_args!("{:?} is not a GB/T 2261.1 sex code", c.sex));
            }
        }
    }
    birth
}

/// The rules of resident cards and 'J' cards, whose ID numbers follow GB 11643.
fn check_id_card(r: &mut Report<'_>, p: &Persona, birth: Option<NaiveDate>) {
    let c = &p.card;
    let j_card = c.card_type == CardType::HkMacauTaiwanResident;
    if !matches!(c.sex.as_str(), "1" | "2") {
        r.add("card.sex", format_args!("{:?} is not \"1\" (male) or \"2\" (female)", c.sex));
    }
    if !(two_digits(&c.ethnicity) || (j_card && c.ethnicity.is_empty())) {
        r.add("card.ethnicity", format_args!("{:?} is not a 2-digit ethnicity code", c.ethnicity));
    }
    let mut pass_letter = None;
    match IdNumber::parse(&c.id_number) {
        Err(e) => r.add("card.id_number", e),
        Ok(id) => {
            if let Some(birth) = birth
                && id.birth_date() != birth
            {
                r.add(
                    "card.id_number",
                    format_args!("birth date {} does not match card.birth {}", &id.as_str()[6..14], c.birth),
                );
            }
            let male = id.as_str().chars().nth(16).and_then(|d| d.to_digit(10)).is_some_and(|d| d % 2 == 1);
            match (c.sex.as_str(), male) {
                ("1", false) => r.add("card.id_number", "17th digit is even (female) but card.sex is \"1\" (male)"),
                ("2", true) => r.add("card.id_number", "17th digit is odd (male) but card.sex is \"2\" (female)"),
                _ => {}
            }
            let region = NON_MAINLAND_AREAS.iter().find(|(area, _)| *area == id.area());
            match (j_card, region) {
                (true, None) => r.add(
                    "card.id_number",
                    format_args!("area {} is not 810000, 820000 or 830000, as a 'J' card needs", id.area()),
                ),
                (false, Some(_)) => r.add(
                    "card.id_number",
                    format_args!("area {} is a HK/Macau/Taiwan residence-permit area, not a mainland one", id.area()),
                ),
                (true, Some(&(_, letter))) => pass_letter = Some(letter),
                (false, None) => {}
            }
        }
    }
    if j_card {
        if !p.flags.non_mainland {
            r.add("flags.non_mainland", "must be true for a HK/Macau/Taiwan residence permit ('J' card)");
        }
        match (&c.pass_number, pass_letter) {
            (None, _) => r.add("card.pass_number", "missing on a 'J' card"),
            (Some(pass), Some(letter)) if !letter_and_8_digits(pass, letter) => r.add(
                "card.pass_number",
                format_args!("{pass:?} is not '{letter}' and 8 digits, as the ID number's area needs"),
            ),
            _ => {}
        }
        if !c.issue_count.as_deref().is_some_and(two_digits) {
            r.add("card.issue_count", format_args!("{:?} is not 2 digits", c.issue_count.as_deref().unwrap_or("")));
        }
    } else {
        if p.flags.non_mainland {
            r.add("flags.non_mainland", "is true but the card is a mainland resident card");
        }
        if c.pass_number.is_some() {
            r.add("card.pass_number", "only a 'J' card has one");
        }
        if c.issue_count.is_some() {
            r.add("card.issue_count", "only a 'J' card has one");
        }
    }
}

/// The municipalities (直辖市), whose city code is their province's: 北京, 天津, 上海, 重庆.
const MUNICIPALITIES: &[&str] = &["11", "12", "31", "50"];

/// A residence permit (居住证): a mainland resident's, of a mainland city (its 6-digit code, e.g.
/// `350200`; `310000` for Shanghai).
fn check_residence_permit(r: &mut Report<'_>, p: &Persona) {
    let Some(code) = &p.residence_permit else { return };
    let digits = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
    let province = if digits { crate::scheduler::geo::province(code) } else { None };
    let mainland = digits && !NON_MAINLAND_AREAS.iter().any(|(area, _)| area[..2] == code[..2]);
    if !digits || province.is_none() || !mainland {
        r.add("residence_permit", format_args!("{code:?} is not the 6-digit code of a mainland city, e.g. \"350200\""));
    } else if !code.ends_with("00") || (&code[2..4] == "00" && !MUNICIPALITIES.contains(&&code[..2])) {
        r.add(
            "residence_permit",
            format_args!(
                "{code:?} is not a city's code: a city ends in 00 (\"350200\"), a municipality in 0000 (\"310000\")"
            ),
        );
    }
    if p.card.card_type != CardType::Resident || p.flags.non_mainland {
        r.add("residence_permit", "only a mainland resident (a resident ID card) holds one");
    }
}

/// The face signature: 16 bytes as 32 hex characters.
fn check_face(r: &mut Report<'_>, face: &str) {
    if face.len() != 2 * FACE_LEN || !face.bytes().all(|b| b.is_ascii_hexdigit()) {
        r.add("face", format_args!("{face:?} is not {} hex characters ({FACE_LEN} bytes)", 2 * FACE_LEN));
    }
}

/// Enrolled fingers: at most 2, known distinct positions, 512-byte templates with the right header.
fn check_fingers(r: &mut Report<'_>, p: &Persona) {
    if p.fingers.len() > 2 {
        r.add("fingers", format_args!("{} fingers, a card holds at most 2", p.fingers.len()));
    }
    let mut positions = BTreeSet::new();
    for (i, f) in p.fingers.iter().enumerate() {
        let code = finger_code(&f.position);
        if code.is_none() {
            r.add(format_args!("fingers[{i}].position"), format_args!("unknown finger {:?}", f.position));
        } else if !positions.insert(f.position.as_str()) {
            r.add(format_args!("fingers[{i}].position"), format_args!("{:?} enrolled twice", f.position));
        }
        let t = f.template.as_bytes();
        if t.len() != TEMPLATE_LEN {
            r.add(format_args!("fingers[{i}].template"), format_args!("{} bytes, expected {TEMPLATE_LEN}", t.len()));
            continue;
        }
        if t[0] != TEMPLATE_FORMAT {
            r.add(
                format_args!("fingers[{i}].template"),
                format_args!("byte 0 is 0x{:02x}, expected 0x{TEMPLATE_FORMAT:02x}", t[0]),
            );
        }
        if let Some(code) = code
            && t[1] != code
        {
            r.add(
                format_args!("fingers[{i}].template"),
                format_args!("byte 1 is {}, expected {code} for {}", t[1], f.position),
            );
        }
    }
}

/// One permit and its endorsements.
fn check_permit(r: &mut Report<'_>, field: &str, p: &Persona, m: &Permit, birth: Option<NaiveDate>, date: NaiveDate) {
    if p.flags.non_mainland || p.card.card_type != CardType::Resident {
        r.add(field, "only a mainland resident can hold a HK/Macau or Taiwan permit");
    }
    let letter = match m.kind {
        PermitKind::HkMacau => 'C',
        PermitKind::Taiwan => 'T',
    };
    if !letter_and_8_digits(&m.number, letter) {
        r.add(format_args!("{field}.number"), format_args!("{:?} is not '{letter}' and 8 digits", m.number));
    }
    match PermitMrz::parse(&m.mrz, date.year()) {
        Err(e) => r.add(format_args!("{field}.mrz"), e),
        Ok(z) => {
            if z.kind != m.kind {
                r.add(
                    format_args!("{field}.mrz"),
                    format_args!("document code {} does not match kind {}", z.kind.code(), m.kind.code()),
                );
            }
            if z.number != m.number {
                r.add(
                    format_args!("{field}.mrz"),
                    format_args!("number {} does not match number {}", z.number, m.number),
                );
            }
            if z.expiry != m.expiry {
                r.add(
                    format_args!("{field}.mrz"),
                    format_args!("expiry {} does not match expiry {}", z.expiry, m.expiry),
                );
            }
            // The line only carries YYMMDD: a holder of 100 or more reads as born this century.
            let yymmdd = |d: NaiveDate| d.format("%y%m%d").to_string();
            if yymmdd(z.birth) != yymmdd(m.birth) {
                r.add(
                    format_args!("{field}.mrz"),
                    format_args!("birth date {} does not match birth {}", yymmdd(z.birth), m.birth),
                );
            }
        }
    }
    if let Some(birth) = birth
        && m.birth != birth
    {
        r.add(format_args!("{field}.birth"), format_args!("{} differs from card.birth {}", m.birth, p.card.birth));
    }
    if m.name_zh != p.card.name {
        r.add(
            format_args!("{field}.name_zh"),
            format_args!("{:?} differs from card.name {:?}", m.name_zh, p.card.name),
        );
    }
    for (name, value) in [("surname", &m.surname), ("given_names", &m.given_names)] {
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_uppercase()) {
            r.add(format_args!("{field}.{name}"), format_args!("{value:?} is not upper-case pinyin (A-Z)"));
        }
    }
    if m.issued >= m.expiry {
        r.add(format_args!("{field}.expiry"), format_args!("{} is not after issued {}", m.expiry, m.issued));
    }
    if m.issued < m.birth {
        r.add(format_args!("{field}.issued"), format_args!("{} is before the holder's birth {}", m.issued, m.birth));
    }
    for (j, e) in m.endorsements.iter().enumerate() {
        let ef = format!("{field}.endorsement[{j}]");
        if !m.kind.serves(e.destination) {
            r.add(
                format_args!("{ef}.destination"),
                format_args!("a {} permit cannot carry a {} endorsement", m.kind.code(), e.destination.code()),
            );
        }
        if e.valid_from > e.valid_to {
            r.add(format_args!("{ef}.valid_to"), format_args!("{} is before valid_from {}", e.valid_to, e.valid_from));
        }
        if e.valid_to > m.expiry {
            r.add(
                format_args!("{ef}.valid_to"),
                format_args!("{} is after the permit's expiry {}", e.valid_to, m.expiry),
            );
        }
        if e.valid_from < m.issued {
            r.add(
                format_args!("{ef}.valid_from"),
                format_args!("{} is before the permit was issued ({})", e.valid_from, m.issued),
            );
        }
        match (e.trips.count(), e.trips_left) {
            (None, Some(n)) => r.add(
                format_args!("{ef}.trips_left"),
                format_args!("{n} given for a multiple-trip endorsement (must be absent)"),
            ),
            (Some(max), Some(n)) if n > max => {
                r.add(format_args!("{ef}.trips_left"), format_args!("{n} is more than the {max} trip(s) allowed"))
            }
            (Some(_), None) => r.add(
                format_args!("{ef}.trips_left"),
                format_args!(
                    "missing for a {} endorsement",
                    if e.trips == Trips::One { "one-trip" } else { "two-trip" }
                ),
            ),
            _ => {}
        }
    }
}

/// One booking.
fn check_booking(r: &mut Report<'_>, field: &str, b: &Booking, halls: &BTreeSet<&str>) {
    if b.code.len() != BOOKING_CODE_LEN || !b.code.chars().all(|c| BOOKING_CODE_ALPHABET.contains(c)) {
        r.add(
            format_args!("{field}.code"),
            format_args!("{:?} is not {BOOKING_CODE_LEN} characters from {BOOKING_CODE_ALPHABET}", b.code),
        );
    }
    if !halls.contains(b.hall.as_str()) {
        r.add(format_args!("{field}.hall"), format_args!("unknown hall {:?}", b.hall));
    }
    let start = parse_hhmm(&b.slot_start);
    let end = parse_hhmm(&b.slot_end);
    match start {
        None => r.add(format_args!("{field}.slot_start"), format_args!("{:?} is not HH:MM", b.slot_start)),
        Some(s) if s < FIRST_SLOT_MINUTES => r.add(
            format_args!("{field}.slot_start"),
            format_args!(
                "{} is before the first slot at {:02}:{:02}",
                b.slot_start,
                FIRST_SLOT_MINUTES / 60,
                FIRST_SLOT_MINUTES % 60
            ),
        ),
        Some(_) => {}
    }
    match (start, end) {
        (_, None) => r.add(format_args!("{field}.slot_end"), format_args!("{:?} is not HH:MM", b.slot_end)),
        (Some(s), Some(e)) if e <= s => r.add(
            format_args!("{field}.slot_end"),
            format_args!("{} is not after slot_start {}", b.slot_end, b.slot_start),
        ),
        _ => {}
    }
    if !BUSINESSES.contains(&b.business.as_str()) {
        r.add(
            format_args!("{field}.business"),
            format_args!("{:?} is not one of {}", b.business, BUSINESSES.join(", ")),
        );
    }
    if !DOCUMENTS.contains(&b.document.as_str()) {
        r.add(
            format_args!("{field}.document"),
            format_args!("{:?} is not one of {}", b.document, DOCUMENTS.join(", ")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::generate::generate;
    use super::*;
    use chrono::Duration;
    use drivers::biometric::Biometric;
    use drivers::permit::{Destination, Endorsement, EndorsementKind};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, 18).unwrap()
    }

    fn deck() -> Deck {
        generate(30, 1234, today())
    }

    /// Validate and expect exactly one problem, starting with `prefix`.
    fn one_problem(deck: &Deck, prefix: &str) -> String {
        let problems = validate(deck);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].starts_with(prefix), "{problems:#?}");
        problems[0].clone()
    }

    #[test]
    fn generated_deck_is_valid() {
        assert_eq!(validate(&deck()), Vec::<String>::new());
    }

    #[test]
    fn tampered_check_character() {
        let mut d = deck();
        let id = &mut d.personas[2].card.id_number;
        let last = id.pop().unwrap();
        id.push(if last == '1' { '2' } else { '1' });
        let found = id.chars().last().unwrap();
        let problem = one_problem(&d, "p0003: card.id_number: check character is");
        assert!(problem.contains(&format!("'{found}', expected '{last}'")), "{problem}");
    }

    #[test]
    fn tampered_mrz_check_digit() {
        let mut d = deck();
        let mrz = &mut d.personas[0].permits[0].mrz;
        let last = mrz.pop().unwrap();
        mrz.push(if last == '0' { '1' } else { '0' });
        one_problem(&d, "p0001: permit[0].mrz: check digit of composite does not match");
    }

    #[test]
    fn mrz_disagreeing_with_the_permit() {
        let mut d = deck();
        let permit = &mut d.personas[0].permits[0];
        permit.mrz =
            PermitMrz { kind: permit.kind, number: "C99999999".into(), expiry: permit.expiry, birth: permit.birth }
                .encode();
        one_problem(&d, "p0001: permit[0].mrz: number C99999999 does not match");
    }

    #[test]
    fn endorsement_outliving_its_permit() {
        let mut d = deck();
        let permit = &mut d.personas[0].permits[0];
        let n = permit.endorsements.len();
        permit.endorsements.push(Endorsement {
            destination: Destination::HongKong,
            kind: EndorsementKind::GroupTour,
            trips: Trips::One,
            trips_left: Some(1),
            valid_from: permit.expiry - Duration::days(30),
            valid_to: permit.expiry + Duration::days(1),
            issue_key: None,
        });
        one_problem(&d, &format!("p0001: permit[0].endorsement[{n}].valid_to: "));
    }

    #[test]
    fn endorsement_rules() {
        let mut d = deck();
        let permit = &mut d.personas[0].permits[0];
        let base = Endorsement {
            destination: Destination::Taiwan,
            kind: EndorsementKind::GroupTour,
            trips: Trips::Multiple,
            trips_left: Some(3),
            valid_from: permit.issued + Duration::days(10),
            valid_to: permit.issued + Duration::days(5),
            issue_key: None,
        };
        permit.endorsements = vec![base];
        let problems = validate(&d);
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems[0].starts_with("p0001: permit[0].endorsement[0].destination: a CS permit cannot carry a TW"));
        assert!(problems[1].starts_with("p0001: permit[0].endorsement[0].valid_to: "));
        assert!(problems[2].starts_with("p0001: permit[0].endorsement[0].trips_left: 3 given for a multiple-trip"));
    }

    #[test]
    fn duplicate_booking_code() {
        let mut d = deck();
        let booking = d.personas[0].bookings[0].clone();
        d.personas[1].bookings = vec![booking.clone()];
        let problem = one_problem(&d, "p0002: booking[0].code: duplicate booking code");
        assert!(problem.contains(&booking.code) && problem.contains("p0001"), "{problem}");
    }

    #[test]
    fn unknown_hall() {
        let mut d = deck();
        d.personas[0].bookings[0].hall = "xx-nowhere".into();
        one_problem(&d, "p0001: booking[0].hall: unknown hall \"xx-nowhere\"");
        let mut d = deck();
        d.halls.push(d.halls[0].clone());
        one_problem(&d, &format!("hall[{}]: id: duplicate hall id", d.halls.len() - 1));
    }

    #[test]
    fn booking_slots_and_lists() {
        let mut d = deck();
        let b = &mut d.personas[0].bookings[0];
        b.slot_start = "08:00".into();
        b.slot_end = "07:30".into();
        b.business = "visa".into();
        b.document = "8:30".into();
        let problems = validate(&d);
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(problems[0].starts_with("p0001: booking[0].slot_start: 08:00 is before the first slot at 08:30"));
        assert!(problems[1].starts_with("p0001: booking[0].slot_end: 07:30 is not after"));
        assert!(problems[2].starts_with("p0001: booking[0].business: "));
        assert!(problems[3].starts_with("p0001: booking[0].document: "));
        let mut d = deck();
        d.personas[0].bookings[0].slot_start = "9:00".into();
        one_problem(&d, "p0001: booking[0].slot_start: \"9:00\" is not HH:MM");
    }

    #[test]
    fn card_rules() {
        let mut d = deck();
        d.version = 9;
        one_problem(&d, "deck: version: 9 is not supported");

        let mut d = deck();
        d.personas[0].card.sex = if d.personas[0].card.sex == "1" { "2" } else { "1" }.into();
        one_problem(&d, "p0001: card.id_number: 17th digit is");

        let mut d = deck();
        d.personas[0].card.name = "很".repeat(16);
        let problems = validate(&d);
        assert!(problems[0].starts_with("p0001: card: field name has 16 characters"), "{problems:#?}");

        let mut d = deck();
        d.personas[0].card.valid_to = "2000".into();
        one_problem(&d, "p0001: card.valid_to: \"2000\" is neither");

        let mut d = deck();
        d.personas[0].flags.non_mainland = true;
        let problems = validate(&d);
        assert!(problems.iter().any(|p| p.starts_with("p0001: flags.non_mainland: ")), "{problems:#?}");
        assert!(problems.iter().any(|p| p.starts_with("p0001: permit[0]: only a mainland resident")), "{problems:#?}");

        let mut d = deck();
        d.personas[0].face = "xyz".into();
        one_problem(&d, "p0001: face: ");

        let mut d = deck();
        d.personas[1].id = "p0001".into();
        one_problem(&d, "p0001: id: duplicate persona id");
    }

    #[test]
    fn residence_permit_rules() {
        let mut d = deck();
        let p = d.personas.iter().position(|p| !p.flags.non_mainland && p.residence_permit.is_none()).unwrap();
        let id = d.personas[p].id.clone();
        for good in ["350200", "310000", "110000", "440100"] {
            d.personas[p].residence_permit = Some(good.into());
            assert_eq!(validate(&d), Vec::<String>::new(), "{good}");
        }
        for bad in ["35020", "3502000", "35020a", "990100", "810000", " 350200"] {
            d.personas[p].residence_permit = Some(bad.into());
            one_problem(&d, &format!("{id}: residence_permit: {bad:?} is not the 6-digit code of a mainland city"));
        }
        for district in ["350203", "350000", "440000"] {
            d.personas[p].residence_permit = Some(district.into());
            one_problem(&d, &format!("{id}: residence_permit: {district:?} is not a city's code"));
        }
        let j = d.personas.iter().position(|p| p.flags.non_mainland).unwrap();
        let jid = d.personas[j].id.clone();
        d.personas[p].residence_permit = None;
        d.personas[j].residence_permit = Some("350200".into());
        one_problem(&d, &format!("{jid}: residence_permit: only a mainland resident"));
    }

    #[test]
    fn j_card_rules() {
        let d = deck();
        let j = d.personas.iter().position(|p| p.flags.non_mainland).unwrap();
        let id = d.personas[j].id.clone();

        let mut bad = d.clone();
        bad.personas[j].flags.non_mainland = false;
        one_problem(&bad, &format!("{id}: flags.non_mainland: must be true"));

        let mut bad = d.clone();
        bad.personas[j].card.pass_number = Some("X12345678".into());
        one_problem(&bad, &format!("{id}: card.pass_number: "));

        // A mainland ID number on a 'J' card.
        let mut bad = d.clone();
        bad.personas[j].card.id_number = d.personas[0].card.id_number.clone();
        bad.personas[j].card.birth = d.personas[0].card.birth.clone();
        bad.personas[j].card.sex = d.personas[0].card.sex.clone();
        let problems = validate(&bad);
        assert!(problems.iter().any(|p| p.starts_with(&format!("{id}: card.id_number: area "))), "{problems:#?}");
    }

    #[test]
    fn finger_rules() {
        let mut d = deck();
        let mut bytes = d.personas[0].fingers[0].template.as_bytes().to_vec();
        bytes[0] = 0x04;
        bytes[1] = 9;
        d.personas[0].fingers[0].template = Biometric::new(bytes);
        let problems = validate(&d);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems[0].starts_with("p0001: fingers[0].template: byte 0 is 0x04, expected 0x03"));
        assert!(problems[1].starts_with("p0001: fingers[0].template: byte 1 is 9, expected 2"));

        let mut d = deck();
        d.personas[0].fingers[1].position = "right_index".into();
        let problems = validate(&d);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems[0].starts_with("p0001: fingers[1].position: \"right_index\" enrolled twice"));
        assert!(problems[1].starts_with("p0001: fingers[1].template: byte 1 is 7, expected 2"));
    }

    #[test]
    fn hand_written_deck() {
        let text = r#"
version = 1
date = "2026-05-18"

[[hall]]
id = "gz-tianhe"
name_zh = "广州市天河区出入境大厅"
name_en = "Guangzhou Tianhe Exit-Entry Hall"
city = "广州"

[[persona]]
id = "p0001"
face = "00112233445566778899aabbccddeeff"

[persona.card]
name = "王小红"
sex = "2"
ethnicity = "01"
birth = "19491231"
address = "北京市东城区景山前街4号"
id_number = "11010519491231002X"
issuer = "北京市公安局东城分局"
valid_from = "20150101"
valid_to = "长期"

[[persona.permit]]
kind = "hk_macau"
number = "C12345678"
name_zh = "王小红"
surname = "WANG"
given_names = "XIAOHONG"
birth = "1949-12-31"
issued = "2020-01-02"
expiry = "2030-01-01"
mrz = "MRZ"

[[persona.permit.endorsement]]
destination = "HK"
kind = "group_tour"
trips = "one"
trips_left = 1
valid_from = "2026-05-01"
valid_to = "2026-07-31"

[[persona.booking]]
code = "YY8K3M2Q"
hall = "gz-tianhe"
date = "2026-05-18"
slot_start = "09:30"
slot_end = "10:00"
business = "renewal"
document = "hk_macau_permit"
"#;
        let mut deck = Deck::parse(text, false).unwrap();
        assert_eq!(deck.personas[0].flags, super::super::Flags::default());
        one_problem(&deck, "p0001: permit[0].mrz: MRZ line has 3 characters");
        let m = &deck.personas[0].permits[0];
        let line = PermitMrz { kind: m.kind, number: m.number.clone(), expiry: m.expiry, birth: m.birth }.encode();
        deck.personas[0].permits[0].mrz = line;
        assert_eq!(validate(&deck), Vec::<String>::new());
    }
}
