//! Deterministic generation of persona decks (`kiosk-sim personas --count N --seed S`).
//!
//! [`generate`] draws everything from one ChaCha8 stream seeded with the seed, in persona order, and
//! keeps its uniqueness bookkeeping in ordered sets, so the same `(count, seed, date)` always gives
//! the same deck, byte for byte, on every platform. Nothing reads the clock: the deck's "today" is the
//! `date` argument.
//!
//! What a deck looks like (proportions are targets, met on average over a large deck):
//!
//! - four halls, the first (`gz-tianhe`) being the kiosk's home hall in demos;
//! - `p0001` is always the demo applicant: a mainland adult with two enrolled fingers, a valid
//!   HK/Macau permit (not expiring within 60 days) without a usable group-tour endorsement, and a
//!   booking at the home hall on `date`;
//! - about 5 % non-mainland residents ('J' cards, area 810000 / 820000 / 830000, no CS/CD permit) and
//!   5 % counter-only people, each at least one when the deck has 8 personas or more (never `p0001`);
//! - birth dates between 1940 and 2008, mostly 1952-2003; card terms by age at issue (5, 10, 20 years,
//!   "长期" from 46);
//! - no fingerprints for people born before 1950 or after 2005 and for about 10 % of the others;
//! - about 70 % of mainland people hold a HK/Macau permit, 25 % a Taiwan permit (some both); of the
//!   permits about 8 % have expired and 5 % expire within 60 days;
//! - about half of the people have one booking, 85 % of them at the home hall, 75 % on `date` and the
//!   rest on the next day;
//! - in a deck of 8 or more, the Taiwan individual-tour rule (赴台个人旅游: hukou or residence permit
//!   in an open city of the embedded policy) has its three cases ([`taiwan_cases`]): the last three
//!   ordinary personas (neither `p0001`, non-mainland nor counter-only) hold a Taiwan permit valid for
//!   more than 60 more days with no usable endorsement; the first of them has a hukou in Xiamen
//!   (`福建省厦门市思明区...`), the second a hukou outside the open cities and a Xiamen residence
//!   permit (`residence_permit = "350200"`), the third a hukou outside the open cities and none. They
//!   are made last, from the stream's continuation, so that nobody else changes; which personas they
//!   are depends on the count and seed only (`p0037`, `p0038`, `p0040` in the demo's 40 of seed 1).
//!
//! The data tables (names with pinyin, areas, halls, endorsement patterns) are in `names.rs`.

#[path = "names.rs"]
mod names;

use super::{Booking, DECK_VERSION, Deck, Finger, Flags, Hall, Permit, Persona};
use chrono::{Datelike, Days, Months, NaiveDate};
use drivers::biometric::{Biometric, to_hex};
use drivers::idcard::text::NO_EXPIRY;
use drivers::idcard::{CardText, CardType, check_char};
use drivers::permit::{Destination, Endorsement, EndorsementKind, PermitKind, PermitMrz};
use names::{
    AREAS, Area, Era, GIVEN_FEMALE, GIVEN_MALE, HALLS, HK_MACAU_ENDORSEMENTS, MINORITIES, SURNAMES,
    TAIWAN_ENDORSEMENTS, pinyin,
};
use rand::seq::IndexedRandom;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;

/// Finger position names and their codes (ANSI/NIST-ITL finger positions 1-10), the code being byte 1
/// of a template.
pub const FINGER_POSITIONS: &[(&str, u8)] = &[
    ("right_thumb", 1),
    ("right_index", 2),
    ("right_middle", 3),
    ("right_ring", 4),
    ("right_little", 5),
    ("left_thumb", 6),
    ("left_index", 7),
    ("left_middle", 8),
    ("left_ring", 9),
    ("left_little", 10),
];

/// Length of a fingerprint template as an ID card stores it.
pub const TEMPLATE_LEN: usize = drivers::idcard::FINGER_LEN;

/// Byte 0 of every template: the template format marker.
pub const TEMPLATE_FORMAT: u8 = 0x03;

/// Number of bytes in a face signature (hex-encoded to twice as many characters).
pub const FACE_LEN: usize = 16;

/// Businesses a booking can be for.
pub const BUSINESSES: &[&str] = &["first_application", "renewal", "reapplication"];

/// Documents a booking can be for.
pub const DOCUMENTS: &[&str] = &["passport", "hk_macau_permit", "taiwan_permit"];

/// Characters of a booking code (no I, O, 0 or 1, which are easily confused).
pub const BOOKING_CODE_ALPHABET: &str = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Length of a booking code.
pub const BOOKING_CODE_LEN: usize = 8;

/// Start of the first booking slot of the day, minutes after midnight (08:30).
pub const FIRST_SLOT_MINUTES: u32 = 8 * 60 + 30;

/// End of the last booking slot of the day, minutes after midnight (17:00).
pub const LAST_SLOT_END_MINUTES: u32 = 17 * 60;

/// Length of a booking slot in minutes.
pub const SLOT_MINUTES: u32 = 30;

/// Area codes of HK / Macau / Taiwan residence-permit ID numbers and the first letter of the pass
/// number (回乡证 / 台胞证) that goes with each.
pub const NON_MAINLAND_AREAS: &[(&str, char)] = &[("810000", 'H'), ("820000", 'M'), ("830000", 'T')];

/// The code of a finger position name (`right_index` → 2), `None` for an unknown name.
pub fn finger_code(position: &str) -> Option<u8> {
    FINGER_POSITIONS.iter().find(|(name, _)| *name == position).map(|&(_, code)| code)
}

/// Generate a deck of `count` personas from `seed`, for the day `date` (the deck's "today").
///
/// Deterministic: the same arguments always give the same deck. The deck validates
/// ([`super::validate::validate`] returns no problem).
pub fn generate(count: usize, seed: u64, date: NaiveDate) -> Deck {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed),
        date,
        id_numbers: BTreeSet::new(),
        permit_numbers: BTreeSet::new(),
        codes: BTreeSet::new(),
    };
    let halls: Vec<Hall> = HALLS
        .iter()
        .map(|&(id, name_zh, name_en, city)| Hall {
            id: id.into(),
            name_zh: name_zh.into(),
            name_en: name_en.into(),
            city: city.into(),
        })
        .collect();
    let roles = g.roles(count);
    let mut personas: Vec<Persona> = roles.iter().enumerate().map(|(i, &role)| g.persona(i, role, &halls)).collect();
    g.make_taiwan_cases(&mut personas, &roles);
    Deck { version: DECK_VERSION, date, halls, personas }
}

/// The residence permit the generator gives: Xiamen's, an open city of the embedded policy.
pub const TAIWAN_CASE_RESIDENCE_PERMIT: &str = "350200";

/// The area of the open-city hukou the generator gives: 福建省厦门市思明区.
const TAIWAN_CASE_AREA: &str = "350203";

/// The three personas of the Taiwan individual-tour rule in a deck of 8 or more (see the module
/// documentation): indices into the deck's personas, (hukou in an open city, residence permit of
/// one, neither). The same for every date: the last three ordinary personas.
pub fn taiwan_cases(count: usize, seed: u64) -> Option<[usize; 3]> {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed),
        date: NaiveDate::default(),
        id_numbers: BTreeSet::new(),
        permit_numbers: BTreeSet::new(),
        codes: BTreeSet::new(),
    };
    taiwan_case_indices(&g.roles(count))
}

fn taiwan_case_indices(roles: &[Role]) -> Option<[usize; 3]> {
    if roles.len() < 8 {
        return None;
    }
    let mut ordinary = roles.iter().enumerate().filter(|(_, r)| **r == Role::Ordinary).map(|(i, _)| i).rev();
    let (c, b, a) = (ordinary.next()?, ordinary.next()?, ordinary.next()?);
    Some([a, b, c])
}

/// The cities open to the Taiwan individual tour in the embedded policy, `(code, zh)`.
fn open_cities() -> Vec<(String, String)> {
    crate::scheduler::policy::parse_policy(crate::scheduler::policy::DEFAULT_POLICY)
        .map(|p| p.open_cities.into_iter().map(|c| (c.code, c.zh)).collect())
        .unwrap_or_default()
}

/// Whether a hukou address is in an open city.
fn open_city_hukou(address: &str, open: &[(String, String)]) -> bool {
    let none: [&str; 0] = [];
    crate::scheduler::rules::individual_tour_eligible(
        address,
        &none,
        open.iter().map(|(c, z)| (c.as_str(), z.as_str())),
    )
}

/// What a persona is generated as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// `p0001`: the demo applicant who can do everything at the home hall.
    Home,
    /// Anybody.
    Ordinary,
    /// A HK / Macau / Taiwan resident with a 'J' card.
    NonMainland,
    /// A mainland resident who must use the counter.
    CounterOnly,
}

/// Where a permit stands on the deck's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PermitState {
    /// Valid for more than 60 more days.
    Valid,
    /// Valid, expiring within 60 days.
    ExpiringSoon,
    /// Expired.
    Expired,
}

/// The generator's state: the random stream and the values that must stay unique in the deck.
struct Gen {
    rng: ChaCha8Rng,
    date: NaiveDate,
    id_numbers: BTreeSet<String>,
    permit_numbers: BTreeSet<String>,
    codes: BTreeSet<String>,
}

/// A date from its parts (a fixed, valid date in every caller).
fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// `d` moved by `n` days (unchanged if that leaves chrono's range).
fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    let moved = if n >= 0 {
        d.checked_add_days(Days::new(n.unsigned_abs()))
    } else {
        d.checked_sub_days(Days::new(n.unsigned_abs()))
    };
    moved.unwrap_or(d)
}

/// `d` moved by `n` months; a day that does not exist in the target month becomes its last day.
fn add_months(d: NaiveDate, n: i32) -> NaiveDate {
    let months = Months::new(n.unsigned_abs());
    let moved = if n >= 0 { d.checked_add_months(months) } else { d.checked_sub_months(months) };
    moved.unwrap_or(d)
}

/// `d` moved by `n` years (29 February becomes 28 February in a common year).
fn add_years(d: NaiveDate, n: i32) -> NaiveDate {
    add_months(d, n.saturating_mul(12))
}

/// Age in whole years on `on` of someone born on `birth`.
fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    on.years_since(birth).unwrap_or(0)
}

/// YYYYMMDD, as ID cards write dates.
fn ymd(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// Term of a resident ID card issued at `age` (GB rules): 5 years under 16, 10 years from 16 to 25,
/// 20 years from 26 to 45, no expiry ("长期", `None`) from 46.
fn card_term(age: u32) -> Option<i32> {
    match age {
        0..=15 => Some(5),
        16..=25 => Some(10),
        26..=45 => Some(20),
        _ => None,
    }
}

/// Expiry of a permit issued on `issued`: 10 years less a day for adults (18 and over at issue), 5
/// years less a day for minors.
fn permit_expiry(birth: NaiveDate, issued: NaiveDate) -> NaiveDate {
    let years = if age_on(birth, issued) >= 18 { 10 } else { 5 };
    add_days(add_years(issued, years), -1)
}

/// The issue day of a permit that expires on `expiry`, taking the holder's age at issue into account.
/// The result may still not match `expiry` exactly (a birthday in between); callers check.
fn issued_for(birth: NaiveDate, expiry: NaiveDate) -> NaiveDate {
    let after = add_days(expiry, 1);
    let adult = add_years(after, -10);
    if age_on(birth, adult) >= 18 { adult } else { add_years(after, -5) }
}

/// Where a permit expiring on `expiry` stands on `date`.
fn permit_state(date: NaiveDate, expiry: NaiveDate) -> PermitState {
    if expiry < date {
        PermitState::Expired
    } else if expiry <= add_days(date, 60) {
        PermitState::ExpiringSoon
    } else {
        PermitState::Valid
    }
}

/// The pinyin of a generated name, as on a permit: (surname, given names), upper case.
fn pinyin_of(name: &str) -> (String, String) {
    let surname = SURNAMES.iter().filter(|s| name.starts_with(s.0)).max_by_key(|s| s.0.len());
    let (zh, py) = surname.map_or(("", ""), |s| (s.0, s.1));
    let given: String = name[zh.len()..].chars().map(|c| pinyin(c).unwrap_or_default()).collect();
    (py.to_string(), given)
}

/// `HH:MM` for minutes after midnight.
fn hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl Gen {
    /// One item of `items`, drawn with the weights `weight` gives; `None` only when `items` is empty.
    fn weighted<'a, T>(&mut self, items: &'a [T], weight: impl Fn(&T) -> u32) -> Option<&'a T> {
        let total: u32 = items.iter().map(&weight).sum();
        if total == 0 {
            return items.choose(&mut self.rng);
        }
        let mut r = self.rng.random_range(0..total);
        for item in items {
            let w = weight(item);
            if r < w {
                return Some(item);
            }
            r -= w;
        }
        items.last()
    }

    /// A random date in `lo..=hi`.
    fn date_between(&mut self, lo: NaiveDate, hi: NaiveDate) -> NaiveDate {
        let span = (hi - lo).num_days().max(0);
        add_days(lo, self.rng.random_range(0..=span))
    }

    /// What each persona is generated as.
    fn roles(&mut self, count: usize) -> Vec<Role> {
        let mut roles = vec![Role::Ordinary; count];
        let Some(first) = roles.first_mut() else {
            return roles;
        };
        *first = Role::Home;
        if count >= 8 {
            // About 5 % of each, at least one, drawn among p0002..
            let k = count.div_ceil(20).max(1);
            let picks = rand::seq::index::sample(&mut self.rng, count - 1, 2 * k);
            for (j, i) in picks.iter().enumerate() {
                roles[i + 1] = if j < k { Role::NonMainland } else { Role::CounterOnly };
            }
        } else {
            for role in roles.iter_mut().skip(1) {
                if self.rng.random_bool(0.05) {
                    *role = Role::NonMainland;
                } else if self.rng.random_bool(0.05) {
                    *role = Role::CounterOnly;
                }
            }
        }
        roles
    }

    /// Persona number `index` (0-based).
    fn persona(&mut self, index: usize, role: Role, halls: &[Hall]) -> Persona {
        let male = self.rng.random_bool(0.5);
        let birth = self.birth(role);
        let (name, surname, given_names) = self.name(male, birth);
        let card = if role == Role::NonMainland {
            self.hk_macau_taiwan_card(name.clone(), male, birth)
        } else {
            self.resident_card(name.clone(), male, birth)
        };
        let face = self.face();
        let fingers = self.fingers(birth, role);
        let permits = self.permits(role, birth, &name, &surname, &given_names);
        let bookings = if role == Role::Home || self.rng.random_bool(0.5) {
            vec![self.booking(role, &permits, halls)]
        } else {
            vec![]
        };
        Persona {
            id: format!("p{:04}", index + 1),
            card,
            residence_permit: None,
            face,
            fingers,
            permits,
            bookings,
            flags: Flags { counter_only: role == Role::CounterOnly, non_mainland: role == Role::NonMainland },
        }
    }

    /// A birth date: 1940-2008 (mostly 1952-2003), at least a year before the deck's day.
    fn birth(&mut self, role: Role) -> NaiveDate {
        let (lo, hi) = if role == Role::Home {
            (day(1975, 1, 1), day(1995, 12, 31))
        } else if self.rng.random_bool(0.15) {
            (day(1940, 1, 1), day(2008, 12, 31))
        } else {
            (day(1952, 1, 1), day(2003, 12, 31))
        };
        let hi = hi.min(add_years(self.date, -1));
        self.date_between(lo.min(hi), hi)
    }

    /// A name fitting the sex and generation: (Chinese name, surname pinyin, given-name pinyin), pinyin
    /// upper case and the given name's syllables run together (`XIAOMING`), as on a permit.
    fn name(&mut self, male: bool, birth: NaiveDate) -> (String, String, String) {
        let &(surname, surname_py, _) = self.weighted(SURNAMES, |s| s.2).unwrap_or(&("王", "WANG", 1));
        let year = birth.year();
        let fits = |era: Era| match era {
            Era::Any => true,
            Era::Old => year < 1975,
            Era::Young => year >= 1988,
        };
        let table = if male { GIVEN_MALE } else { GIVEN_FEMALE };
        let choices: Vec<&str> = table.iter().filter(|(_, era)| fits(*era)).map(|&(given, _)| given).collect();
        let given = choices.choose(&mut self.rng).copied().unwrap_or("明");
        let given_py: String = given.chars().map(|c| pinyin(c).unwrap_or_default()).collect();
        (format!("{surname}{given}"), surname_py.to_string(), given_py)
    }

    /// A mainland area, weighted.
    fn area(&mut self) -> &'static Area {
        self.weighted(AREAS, |a| a.weight).unwrap_or(&AREAS[0])
    }

    /// A street address in `area` (at most 35 characters, the card's slot).
    fn address(&mut self, area: &Area) -> String {
        let street = area.streets.choose(&mut self.rng).copied().unwrap_or("人民路");
        let number = self.rng.random_range(1..=400u32);
        let floor = self.rng.random_range(1..=32u32);
        let flat = self.rng.random_range(1..=8u32);
        let tail = match self.rng.random_range(0..4u32) {
            0 => String::new(),
            1 => format!("{}栋{floor}{flat:02}房", self.rng.random_range(1..=20u32)),
            2 => format!(
                "{}号楼{}单元{floor}{flat:02}号",
                self.rng.random_range(1..=20u32),
                self.rng.random_range(1..=6u32)
            ),
            _ => format!("{floor}{flat:02}室"),
        };
        let full = format!("{}{street}{number}号{tail}", area.prefix);
        if full.chars().count() <= 35 { full } else { format!("{}{street}{number}号", area.prefix) }
    }

    /// An unused ID number: area + birth + sequence (last digit odd for men, even for women) + check.
    fn id_number(&mut self, area: &str, birth: NaiveDate, male: bool) -> String {
        let mut last = String::new();
        for _ in 0..64 {
            let seq = self.rng.random_range(0..500u32) * 2 + u32::from(male);
            let first17 = format!("{area}{}{seq:03}", ymd(birth));
            let Some(check) = check_char(&first17) else {
                continue;
            };
            let id = format!("{first17}{check}");
            if self.id_numbers.insert(id.clone()) {
                return id;
            }
            last = id;
        }
        last
    }

    /// Valid-from and valid-to of a resident ID card that is valid on the deck's day.
    fn card_validity(&mut self, birth: NaiveDate) -> (String, String) {
        let date = self.date;
        for _ in 0..16 {
            let from = add_days(date, -self.rng.random_range(30..=7300i64));
            if from <= birth {
                continue;
            }
            match card_term(age_on(birth, from)) {
                None => return (ymd(from), NO_EXPIRY.into()),
                Some(years) => {
                    let to = add_years(from, years);
                    if to > date {
                        return (ymd(from), ymd(to));
                    }
                }
            }
        }
        let from = add_days(date, -30).max(add_days(birth, 1));
        let to = card_term(age_on(birth, from)).map_or_else(|| NO_EXPIRY.to_string(), |y| ymd(add_years(from, y)));
        (ymd(from), to)
    }

    /// A mainland resident ID card.
    fn resident_card(&mut self, name: String, male: bool, birth: NaiveDate) -> CardText {
        let area = self.area();
        let ethnicity =
            if self.rng.random_bool(0.91) { "01" } else { self.weighted(MINORITIES, |m| m.1).map_or("01", |m| m.0) };
        let address = self.address(area);
        let id_number = self.id_number(area.code, birth, male);
        let (valid_from, valid_to) = self.card_validity(birth);
        CardText {
            card_type: CardType::Resident,
            name,
            sex: if male { "1" } else { "2" }.into(),
            ethnicity: ethnicity.into(),
            birth: ymd(birth),
            address,
            id_number,
            issuer: area.issuer.into(),
            valid_from,
            valid_to,
            pass_number: None,
            issue_count: None,
            english_name: None,
            nationality: None,
        }
    }

    /// A residence permit of a HK / Macau / Taiwan resident ('J' card): issued by the police of the
    /// mainland district where the holder lives, valid 5 years, no ethnicity.
    fn hk_macau_taiwan_card(&mut self, name: String, male: bool, birth: NaiveDate) -> CardText {
        let &(region, letter) =
            self.weighted(NON_MAINLAND_AREAS, |&(r, _)| if r == "810000" { 6 } else { 2 }).unwrap_or(&("810000", 'H'));
        let area = self.area();
        let address = self.address(area);
        let id_number = self.id_number(region, birth, male);
        let pass_number = format!("{letter}{:08}", self.rng.random_range(0..100_000_000u32));
        // These permits exist since 2018-09-01.
        let lo = add_days(self.date, -1800).max(day(2018, 9, 1)).max(add_days(birth, 1));
        let hi = add_days(self.date, -30).max(lo);
        let from = self.date_between(lo, hi);
        CardText {
            card_type: CardType::HkMacauTaiwanResident,
            name,
            sex: if male { "1" } else { "2" }.into(),
            ethnicity: String::new(),
            birth: ymd(birth),
            address,
            id_number,
            issuer: area.issuer.into(),
            valid_from: ymd(from),
            valid_to: ymd(add_years(from, 5)),
            pass_number: Some(pass_number),
            issue_count: Some("01".into()),
            english_name: None,
            nationality: None,
        }
    }

    /// A face signature: 16 random bytes, lower-case hex.
    fn face(&mut self) -> String {
        let mut bytes = [0u8; FACE_LEN];
        self.rng.fill_bytes(&mut bytes);
        to_hex(&bytes)
    }

    /// Enrolled fingers: none for the very old and the very young and some others.
    fn fingers(&mut self, birth: NaiveDate, role: Role) -> Vec<Finger> {
        let unlucky = self.rng.random_bool(0.10);
        if role != Role::Home && (birth.year() < 1950 || birth.year() > 2005 || unlucky) {
            return Vec::new();
        }
        let positions: &[&str] = if role == Role::Home || self.rng.random_bool(0.95) {
            &["right_index", "left_index"]
        } else {
            &["right_thumb"]
        };
        positions
            .iter()
            .map(|&position| Finger { position: position.into(), template: self.template(position) })
            .collect()
    }

    /// A 512-byte template: format marker, finger position code, random minutiae bytes.
    fn template(&mut self, position: &str) -> Biometric {
        let mut bytes = vec![0u8; TEMPLATE_LEN];
        self.rng.fill_bytes(&mut bytes[2..]);
        bytes[0] = TEMPLATE_FORMAT;
        bytes[1] = finger_code(position).unwrap_or(0);
        Biometric::new(bytes)
    }

    /// The permits a persona holds.
    fn permits(&mut self, role: Role, birth: NaiveDate, name: &str, surname: &str, given: &str) -> Vec<Permit> {
        if role == Role::NonMainland {
            return Vec::new();
        }
        let hk_macau = role == Role::Home || self.rng.random_bool(0.70);
        let taiwan = self.rng.random_bool(0.25);
        let mut out = Vec::new();
        for (kind, held) in [(PermitKind::HkMacau, hk_macau), (PermitKind::Taiwan, taiwan)] {
            if !held {
                continue;
            }
            let state = if role == Role::Home {
                PermitState::Valid
            } else {
                match self.rng.random_range(0..100u32) {
                    0..8 => PermitState::Expired,
                    8..13 => PermitState::ExpiringSoon,
                    _ => PermitState::Valid,
                }
            };
            let (issued, expiry) = self.permit_dates(birth, state);
            let number = self.permit_number(kind);
            let mrz = PermitMrz { kind, number: number.clone(), expiry, birth }.encode();
            let mut endorsements = self.endorsements(kind, issued, expiry);
            if role == Role::Home {
                // The demo applicant is offered every group tour: none of theirs is still usable.
                for e in &mut endorsements {
                    if e.kind == EndorsementKind::GroupTour && e.usable_on(self.date) && e.trips_left.is_some() {
                        e.trips_left = Some(0);
                    }
                }
            }
            out.push(Permit {
                kind,
                number,
                name_zh: name.into(),
                surname: surname.into(),
                given_names: given.into(),
                birth,
                issued,
                expiry,
                mrz,
                endorsements,
            });
        }
        out
    }

    /// Issue and expiry days of a permit in `state` on the deck's day. Valid permits were issued
    /// within the last 10 years; expired ones expired within the last 3 years.
    fn permit_dates(&mut self, birth: NaiveDate, state: PermitState) -> (NaiveDate, NaiveDate) {
        let date = self.date;
        for _ in 0..16 {
            let issued = match state {
                // Late enough that an adult's permit does not expire within 60 days.
                PermitState::Valid => add_days(date, -self.rng.random_range(1..=3650 - 61i64)),
                PermitState::ExpiringSoon => issued_for(birth, add_days(date, self.rng.random_range(0..=60i64))),
                PermitState::Expired => issued_for(birth, add_days(date, -self.rng.random_range(1..=1095i64))),
            };
            if issued <= birth || issued >= date {
                continue;
            }
            let expiry = permit_expiry(birth, issued);
            if permit_state(date, expiry) == state {
                return (issued, expiry);
            }
        }
        let issued = add_days(date, -30).max(add_days(birth, 1));
        (issued, permit_expiry(birth, issued))
    }

    /// An unused permit number: 'C' (HK/Macau) or 'T' (Taiwan) and 8 digits.
    fn permit_number(&mut self, kind: PermitKind) -> String {
        let letter = match kind {
            PermitKind::HkMacau => 'C',
            PermitKind::Taiwan => 'T',
        };
        loop {
            let number = format!("{letter}{:08}", self.rng.random_range(0..100_000_000u32));
            if self.permit_numbers.insert(number.clone()) {
                return number;
            }
        }
    }

    /// 0 to 2 endorsements on a permit, each within the permit's validity, issued within the last two
    /// years; some already used up, some expired.
    fn endorsements(&mut self, kind: PermitKind, issued: NaiveDate, expiry: NaiveDate) -> Vec<Endorsement> {
        let count = match self.rng.random_range(0..100u32) {
            0..45 => 0,
            45..85 => 1,
            _ => 2,
        };
        let patterns = match kind {
            PermitKind::HkMacau => HK_MACAU_ENDORSEMENTS,
            PermitKind::Taiwan => TAIWAN_ENDORSEMENTS,
        };
        let mut out: Vec<Endorsement> = Vec::new();
        for _ in 0..count {
            let Some(&(ekind, trips, months, _)) = self.weighted(patterns, |p| p.3) else {
                break;
            };
            let destination = match kind {
                PermitKind::Taiwan => Destination::Taiwan,
                PermitKind::HkMacau => {
                    let had_hk = out.iter().any(|e| e.destination == Destination::HongKong);
                    let hk = if had_hk { self.rng.random_bool(0.3) } else { self.rng.random_bool(0.65) };
                    if hk { Destination::HongKong } else { Destination::Macau }
                }
            };
            let hi = expiry.min(self.date);
            let lo = issued.max(add_days(hi, -730)).min(hi);
            let valid_from = self.date_between(lo, hi);
            let months = i32::try_from(months).unwrap_or(3);
            let valid_to = add_days(add_months(valid_from, months), -1).min(expiry).max(valid_from);
            let trips_left = trips.count().map(|n| {
                if valid_to >= self.date && self.rng.random_bool(0.6) { n } else { self.rng.random_range(0..n) }
            });
            out.push(Endorsement {
                destination,
                kind: ekind,
                trips,
                trips_left,
                valid_from,
                valid_to,
                issue_key: None,
            });
        }
        out.sort_by_key(|e| e.valid_from);
        out
    }

    /// A booking: mostly at the home hall, on the deck's day or the next.
    fn booking(&mut self, role: Role, permits: &[Permit], halls: &[Hall]) -> Booking {
        let hall_index = if role == Role::Home || halls.len() < 2 || self.rng.random_bool(0.85) {
            0
        } else {
            self.rng.random_range(1..halls.len())
        };
        let hall = halls.get(hall_index).map(|h| h.id.clone()).unwrap_or_default();
        let date = if role == Role::Home || self.rng.random_bool(0.75) { self.date } else { add_days(self.date, 1) };
        let slots = (LAST_SLOT_END_MINUTES - FIRST_SLOT_MINUTES) / SLOT_MINUTES;
        let start = FIRST_SLOT_MINUTES + SLOT_MINUTES * self.rng.random_range(0..slots);
        let document = *self.weighted(DOCUMENTS, |d| if *d == "taiwan_permit" { 2 } else { 4 }).unwrap_or(&"passport");
        let holds = |kind: PermitKind| permits.iter().any(|p| p.kind == kind);
        let held = match document {
            "hk_macau_permit" => Some(holds(PermitKind::HkMacau)),
            "taiwan_permit" => Some(holds(PermitKind::Taiwan)),
            _ => None,
        };
        let business = match held {
            // We do not model passports: anything goes.
            None => *self.weighted(BUSINESSES, |b| if *b == "reapplication" { 15 } else { 40 }).unwrap_or(&"renewal"),
            Some(true) => {
                if self.rng.random_bool(0.8) {
                    "renewal"
                } else {
                    "reapplication"
                }
            }
            Some(false) => {
                if self.rng.random_bool(0.85) {
                    "first_application"
                } else {
                    "reapplication"
                }
            }
        };
        Booking {
            code: self.booking_code(),
            hall,
            date,
            slot_start: hhmm(start),
            slot_end: hhmm(start + SLOT_MINUTES),
            business: business.into(),
            document: document.into(),
        }
    }

    /// Make the Taiwan individual-tour cases ([`taiwan_cases`]), drawing from the stream after every
    /// persona is made, so that the others stay exactly as they were: each holds a valid Taiwan permit
    /// with no usable Taiwan endorsement (so both Taiwan offers could be theirs); the first has a
    /// hukou in Xiamen, the second a hukou outside the open cities and a Xiamen residence permit, the
    /// third a hukou outside the open cities and no residence permit.
    fn make_taiwan_cases(&mut self, personas: &mut [Persona], roles: &[Role]) {
        let Some(cases) = taiwan_case_indices(roles) else { return };
        let open = open_cities();
        for (n, i) in cases.into_iter().enumerate() {
            let Some(p) = personas.get_mut(i) else { continue };
            self.valid_taiwan_permit(p);
            if n == 0 {
                if let Some(area) = AREAS.iter().find(|a| a.code == TAIWAN_CASE_AREA) {
                    self.move_hukou(p, area);
                }
            } else if open_city_hukou(&p.card.address, &open) {
                let elsewhere: Vec<&Area> = AREAS.iter().filter(|a| !open_city_hukou(a.prefix, &open)).collect();
                if let Some(area) = self.weighted(&elsewhere, |a| a.weight).copied() {
                    self.move_hukou(p, area);
                }
            }
            p.residence_permit = (n == 1).then(|| TAIWAN_CASE_RESIDENCE_PERMIT.to_string());
        }
    }

    /// A registered address (and the card's issuer) in `area`.
    fn move_hukou(&mut self, p: &mut Persona, area: &Area) {
        p.card.address = self.address(area);
        p.card.issuer = area.issuer.into();
    }

    /// Give `p` a Taiwan permit valid for more than 60 more days (theirs, or a new one in its place)
    /// without a usable endorsement.
    fn valid_taiwan_permit(&mut self, p: &mut Persona) {
        let date = self.date;
        let Some(birth) = NaiveDate::parse_from_str(&p.card.birth, "%Y%m%d").ok() else { return };
        let held = p.permits.iter().position(|m| m.kind == PermitKind::Taiwan);
        if let Some(m) = held.and_then(|j| p.permits.get_mut(j))
            && permit_state(date, m.expiry) == PermitState::Valid
        {
            m.endorsements.retain(|e| !e.usable_on(date));
            return;
        }
        let (surname, given) = match p.permits.first() {
            Some(m) => (m.surname.clone(), m.given_names.clone()),
            None => pinyin_of(&p.card.name),
        };
        let (issued, expiry) = self.permit_dates(birth, PermitState::Valid);
        let number = self.permit_number(PermitKind::Taiwan);
        let mrz = PermitMrz { kind: PermitKind::Taiwan, number: number.clone(), expiry, birth }.encode();
        let mut endorsements = self.endorsements(PermitKind::Taiwan, issued, expiry);
        endorsements.retain(|e| !e.usable_on(date));
        let permit = Permit {
            kind: PermitKind::Taiwan,
            number,
            name_zh: p.card.name.clone(),
            surname,
            given_names: given,
            birth,
            issued,
            expiry,
            mrz,
            endorsements,
        };
        match held {
            Some(j) => p.permits[j] = permit,
            None => p.permits.push(permit),
        }
    }

    /// An unused booking code.
    fn booking_code(&mut self) -> String {
        let alphabet = BOOKING_CODE_ALPHABET.as_bytes();
        loop {
            let code: String =
                (0..BOOKING_CODE_LEN).map(|_| char::from(alphabet[self.rng.random_range(0..alphabet.len())])).collect();
            if self.codes.insert(code.clone()) {
                return code;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::validate::validate;
    use super::names::PINYIN;
    use super::*;
    use drivers::idcard::IdNumber;
    use drivers::idcard::text::encode;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, 18).unwrap()
    }

    #[test]
    fn deterministic() {
        let a = generate(50, 7, today()).to_toml().unwrap();
        let b = generate(50, 7, today()).to_toml().unwrap();
        assert_eq!(a, b);
        let c = generate(50, 8, today()).to_toml().unwrap();
        assert_ne!(a, c);
        let d = generate(50, 7, today().succ_opt().unwrap()).to_toml().unwrap();
        assert_ne!(a, d);
    }

    #[test]
    fn decks_of_several_sizes_validate() {
        for count in [0, 1, 2, 7, 8, 10, 200] {
            for seed in [0, 1, 42, 2026, u64::MAX] {
                let deck = generate(count, seed, today());
                assert_eq!(deck.personas.len(), count);
                let problems = validate(&deck);
                assert!(problems.is_empty(), "count {count} seed {seed}:\n{}", problems.join("\n"));
            }
        }
    }

    #[test]
    fn other_days_validate() {
        for date in ["2019-01-01", "2024-02-29", "2030-12-31", "2045-07-01"] {
            let date: NaiveDate = date.parse().unwrap();
            let deck = generate(100, 3, date);
            let problems = validate(&deck);
            assert!(problems.is_empty(), "{date}:\n{}", problems.join("\n"));
        }
    }

    #[test]
    fn toml_and_json_round_trip() {
        let deck = generate(40, 11, today());
        let text = deck.to_toml().unwrap();
        assert_eq!(Deck::parse(&text, false).unwrap(), deck);
        let json = serde_json::to_string(&deck).unwrap();
        assert_eq!(Deck::parse(&json, true).unwrap(), deck);
    }

    #[test]
    fn shape_of_a_deck() {
        let deck = generate(12, 5, today());
        assert_eq!(deck.version, DECK_VERSION);
        assert_eq!(deck.date, today());
        assert!((3..=4).contains(&deck.halls.len()));
        assert_eq!(deck.halls[0].id, "gz-tianhe");
        let ids: Vec<&str> = deck.personas.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids[..3], ["p0001", "p0002", "p0003"]);
        assert_eq!(ids[11], "p0012");
        assert!(deck.personas.iter().any(|p| p.flags.non_mainland));
        assert!(deck.personas.iter().any(|p| p.flags.counter_only));
    }

    #[test]
    fn first_persona_is_the_demo_applicant() {
        for seed in 0..20 {
            let deck = generate(1, seed, today());
            let p = &deck.personas[0];
            assert_eq!(p.id, "p0001");
            assert_eq!(p.card.card_type, CardType::Resident);
            assert_eq!(p.flags, Flags::default());
            assert_eq!(p.fingers.len(), 2);
            let permit = p.permits.iter().find(|m| m.kind == PermitKind::HkMacau).unwrap();
            assert!(permit.expiry > today() + chrono::Duration::days(60));
            assert_eq!(p.bookings.len(), 1);
            assert_eq!(p.bookings[0].hall, deck.halls[0].id);
            assert_eq!(p.bookings[0].date, today());
            assert!(
                p.permits
                    .iter()
                    .flat_map(|m| &m.endorsements)
                    .all(|e| e.kind != EndorsementKind::GroupTour || !e.usable_on(today()))
            );
        }
    }

    #[test]
    fn the_taiwan_individual_tour_has_its_three_cases() {
        let open = open_cities();
        assert!(!open.is_empty());
        let holds_valid_taiwan = |p: &Persona, date: NaiveDate| {
            p.permits.iter().any(|m| {
                m.kind == PermitKind::Taiwan
                    && m.expiry > date + chrono::Duration::days(60)
                    && m.endorsements.iter().all(|e| !e.usable_on(date))
            })
        };
        for (count, seed) in [(8, 0), (8, 5), (12, 5), (40, 1), (90, 2026), (120, 5), (300, 7)] {
            let cases = taiwan_cases(count, seed).expect("a deck of 8 or more has them");
            for date in ["2026-05-18", "2026-11-21", "2031-02-28"] {
                let date: NaiveDate = date.parse().unwrap();
                let deck = generate(count, seed, date);
                let [a, b, c] = cases.map(|i| &deck.personas[i]);
                for p in [a, b, c] {
                    assert!(!p.flags.non_mainland && !p.flags.counter_only && p.id != "p0001", "{}", p.id);
                    assert!(holds_valid_taiwan(p, date), "{count}/{seed}/{date}: {} {:?}", p.id, p.permits);
                }
                assert!(open_city_hukou(&a.card.address, &open) && a.card.address.starts_with("福建省厦门市"));
                assert_eq!(a.residence_permit, None);
                assert!(!open_city_hukou(&b.card.address, &open), "{}", b.card.address);
                assert_eq!(b.residence_permit.as_deref(), Some(TAIWAN_CASE_RESIDENCE_PERMIT));
                assert!(!open_city_hukou(&c.card.address, &open), "{}", c.card.address);
                assert_eq!(c.residence_permit, None);
                // Nobody else has a residence permit.
                assert_eq!(deck.personas.iter().filter(|p| p.residence_permit.is_some()).count(), 1);
            }
        }
        let demo = generate(40, 1, today());
        assert_eq!(
            taiwan_cases(40, 1).map(|c| c.map(|i| demo.personas[i].id.clone())),
            Some(["p0037", "p0038", "p0040"].map(String::from))
        );
        assert_eq!(taiwan_cases(7, 1), None);
        assert!(generate(7, 1, today()).personas.iter().all(|p| p.residence_permit.is_none()));
    }

    #[test]
    fn pinyin_of_generated_names() {
        assert_eq!(pinyin_of("王小明"), ("WANG".to_string(), "XIAOMING".to_string()));
        assert_eq!(pinyin_of("欧阳娜"), ("OUYANG".to_string(), "NA".to_string()));
    }

    #[test]
    fn people_look_real() {
        let deck = generate(2000, 99, today());
        let n = deck.personas.len() as f64;
        let share = |f: &dyn Fn(&Persona) -> bool| deck.personas.iter().filter(|p| f(p)).count() as f64 / n;
        let mainland = |p: &Persona| !p.flags.non_mainland;
        let non_mainland = share(&|p| p.flags.non_mainland);
        assert!((0.04..=0.06).contains(&non_mainland), "{non_mainland}");
        let counter = share(&|p| p.flags.counter_only);
        assert!((0.04..=0.06).contains(&counter), "{counter}");
        let cs = share(&|p| mainland(p) && p.permits.iter().any(|m| m.kind == PermitKind::HkMacau));
        assert!((0.6..=0.72).contains(&cs), "{cs}");
        let cd = share(&|p| mainland(p) && p.permits.iter().any(|m| m.kind == PermitKind::Taiwan));
        assert!((0.18..=0.30).contains(&cd), "{cd}");
        let no_fingers = share(&|p| p.fingers.is_empty());
        assert!((0.10..=0.22).contains(&no_fingers), "{no_fingers}");
        let booked = share(&|p| !p.bookings.is_empty());
        assert!((0.45..=0.55).contains(&booked), "{booked}");
        let han = share(&|p| p.card.ethnicity == "01");
        assert!((0.8..=0.95).contains(&han), "{han}");
        let permits: Vec<&Permit> = deck.personas.iter().flat_map(|p| &p.permits).collect();
        let expired = permits.iter().filter(|m| m.expiry < today()).count() as f64 / permits.len() as f64;
        assert!((0.05..=0.11).contains(&expired), "{expired}");
        let soon =
            permits.iter().filter(|m| m.expiry >= today() && m.expiry <= today() + chrono::Duration::days(60)).count()
                as f64
                / permits.len() as f64;
        assert!((0.03..=0.08).contains(&soon), "{soon}");
        let bookings: Vec<&Booking> = deck.personas.iter().flat_map(|p| &p.bookings).collect();
        let home = bookings.iter().filter(|b| b.hall == deck.halls[0].id).count() as f64 / bookings.len() as f64;
        assert!((0.8..=0.9).contains(&home), "{home}");
        let today_share = bookings.iter().filter(|b| b.date == today()).count() as f64 / bookings.len() as f64;
        assert!((0.7..=0.8).contains(&today_share), "{today_share}");
        assert!(bookings.iter().all(|b| b.date == today() || b.date == today().succ_opt().unwrap()));
        for p in &deck.personas {
            let birth = NaiveDate::parse_from_str(&p.card.birth, "%Y%m%d").unwrap();
            assert!((1940..=2008).contains(&birth.year()), "{}", p.card.birth);
            let id = IdNumber::parse(&p.card.id_number).unwrap();
            assert_eq!(id.is_mainland(), !p.flags.non_mainland);
            if p.flags.non_mainland {
                assert!(p.permits.is_empty());
                assert_eq!(p.card.card_type, CardType::HkMacauTaiwanResident);
                assert_eq!(p.card.issue_count.as_deref(), Some("01"));
            }
            for m in &p.permits {
                assert!(m.issued > today() - chrono::Duration::days(366 * 13), "{m:?}");
                for e in &m.endorsements {
                    assert!(m.kind.serves(e.destination));
                    assert!(m.issued <= e.valid_from && e.valid_to <= m.expiry);
                }
            }
        }
    }

    #[test]
    fn tables_are_sound() {
        for &(surname, py, weight) in SURNAMES {
            assert!(!surname.is_empty() && weight > 0);
            assert!(!py.is_empty() && py.chars().all(|ch| ch.is_ascii_uppercase()), "{surname} {py}");
        }
        let mut chars = BTreeSet::new();
        for &(c, py) in PINYIN {
            assert!(chars.insert(c), "{c} twice in PINYIN");
            assert!(!py.is_empty() && py.chars().all(|ch| ch.is_ascii_uppercase()), "{c} {py}");
        }
        for &(given, _) in GIVEN_MALE.iter().chain(GIVEN_FEMALE) {
            assert!((1..=2).contains(&given.chars().count()), "{given}");
            for c in given.chars() {
                assert!(pinyin(c).is_some(), "no pinyin for {c} (in {given})");
            }
        }
        for era in [Era::Any, Era::Old, Era::Young] {
            assert!(GIVEN_MALE.iter().any(|g| g.1 == era) && GIVEN_FEMALE.iter().any(|g| g.1 == era));
        }
        for area in AREAS {
            assert_eq!(area.code.len(), 6);
            assert!(area.code.chars().all(|c| c.is_ascii_digit()));
            let first17 = format!("{}19800101001", area.code);
            let id = format!("{first17}{}", check_char(&first17).unwrap());
            assert!(IdNumber::parse(&id).unwrap().is_mainland());
            assert!(area.issuer.chars().count() <= 15, "{}", area.issuer);
            assert!(!area.streets.is_empty());
            for street in area.streets {
                // The form without flat details must fit the card's 35 characters.
                let short = format!("{}{street}400号", area.prefix);
                assert!(short.chars().count() <= 35, "{short}");
            }
        }
        for &(id, zh, en, city) in HALLS {
            assert!(!id.is_empty() && !zh.is_empty() && !en.is_empty() && !city.is_empty());
        }
        assert!(FINGER_POSITIONS.iter().all(|&(name, code)| finger_code(name) == Some(code)));
        assert_eq!(finger_code("nose"), None);
    }

    #[test]
    fn cards_encode() {
        let deck = generate(300, 17, today());
        for p in &deck.personas {
            encode(&p.card).unwrap();
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn any_seed_gives_a_valid_deck(seed in any::<u64>(), count in 0usize..120, days in 0i64..9000) {
            let date = NaiveDate::from_ymd_opt(2010, 1, 1).unwrap() + chrono::Duration::days(days);
            let deck = generate(count, seed, date);
            let problems = validate(&deck);
            prop_assert!(problems.is_empty(), "{}", problems.join("\n"));
        }
    }
}
