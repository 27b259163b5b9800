//! Generated persona decks pass the validators, for many sizes and seeds, and the validators catch
//! what a hand-edited deck gets wrong.

use chrono::NaiveDate;
use drivers::idcard::IdNumber;
use drivers::permit::PermitMrz;
use sim::persona::{Deck, generate::generate, validate::validate};

#[test]
fn generated_decks_are_valid() {
    let day = NaiveDate::from_ymd_opt(2026, 11, 21).expect("date");
    for (count, seed) in [(1, 1), (8, 2), (50, 3), (300, 4), (120, 99_999)] {
        let deck = generate(count, seed, day);
        assert_eq!(deck.personas.len(), count);
        let problems = validate(&deck);
        assert!(problems.is_empty(), "count {count} seed {seed}:\n{}", problems.join("\n"));
        for p in &deck.personas {
            // ID numbers with correct check characters, on resident and residence-permit cards.
            let n = IdNumber::parse(&p.card.id_number).expect("valid ID number");
            assert_eq!(n.is_mainland(), !p.flags.non_mainland, "{}", p.id);
            for permit in &p.permits {
                let m = PermitMrz::parse(&permit.mrz, 2026).expect("valid MRZ");
                assert_eq!(m.number, permit.number);
                assert_eq!(m.expiry, permit.expiry);
            }
        }
        // What the deck says survives its own file format.
        let text = deck.to_toml().expect("toml");
        assert_eq!(Deck::parse(&text, false).expect("parse"), deck);
    }
}

#[test]
fn a_large_deck_has_every_kind_of_persona() {
    let deck = generate(300, 7, NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"));
    let any = |f: &dyn Fn(&sim::persona::Persona) -> bool| deck.personas.iter().any(f);
    assert!(any(&|p| p.flags.counter_only));
    assert!(any(&|p| p.flags.non_mainland));
    assert!(any(&|p| p.fingers.is_empty()));
    assert!(any(&|p| p.permits.iter().any(|x| x.kind == drivers::permit::PermitKind::Taiwan)));
    assert!(any(&|p| p.permits.iter().any(|x| x.expiry < deck.date)));
    assert!(any(&|p| p.card.valid_to == "长期"));
    assert!(any(&|p| !p.bookings.is_empty()));
}

#[test]
fn validators_catch_hand_edits() {
    let mut deck = generate(20, 5, NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"));
    let p = &mut deck.personas[0];
    // A typo in the ID number breaks its check character.
    let mut chars: Vec<char> = p.card.id_number.chars().collect();
    chars[10] = if chars[10] == '1' { '2' } else { '1' };
    p.card.id_number = chars.into_iter().collect();
    let problems = validate(&deck);
    assert!(problems.iter().any(|m| m.starts_with("p0001") && m.contains("id_number")), "{problems:?}");
    let loaded = Deck::parse("version = 1\ndate = \"2026-11-21\"\n[[persona]]\nid = 3\n", false);
    assert!(loaded.is_err());
}
