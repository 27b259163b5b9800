//! kioskd's whole log at debug level after a morning of walk-ins, searched the way an auditor
//! would: no full ID number, no name, no address of anyone who came, no permit number.

mod common;

use common::{day, kiosk_setup, test_deck};
use sim::demo::script::{Act, Script, Using, WalkIn, Want};
use sim::demo::{KioskSetup, run_script};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_personal_data_in_the_log() {
    let t = test_deck();
    let dir = tempfile::tempdir().expect("tempdir");
    let deck = t.write(dir.path());
    let setup = KioskSetup { verbose: false, ..kiosk_setup(&t, dir.path(), deck) };
    let log = dir.path().join("kioskd.log");
    let k = setup.start_logging(Some(&log)).await.expect("kioskd starts");
    let c = |role: &str, at: &str| WalkIn { at: Some(at.into()), ..WalkIn::new(t.id(role), Want::Checkin) };
    let e = |role: &str| WalkIn::new(t.id(role), Want::Endorsement);
    let script = Script {
        date: Some(day()),
        walkins: vec![
            c("checkin_ok", "08:50"),
            WalkIn { using: Using::Code, ..c("checkin_code", "09:36") },
            c("no_booking", "09:37"),
            WalkIn { finger: Act::Other, ..c("finger_fail", "09:41") },
            e("endorse_ok"),
            e("counter_only"),
            WalkIn { permit_of: Some(t.id("endorse_ok")), ..e("non_mainland") },
        ],
    };
    let results = run_script(&k, &t.deck, &script, sim::HALL_OFFSET, None, |_| {}).await.expect("walk-ins");
    assert_eq!(results.len(), 7);
    k.stop().await.expect("kioskd stops");

    let text = std::fs::read_to_string(&log).expect("log");
    assert!(text.lines().count() > 50, "a debug log was written:\n{text}");
    assert!(text.contains("session ended"), "the log says what happened");
    for p in &t.deck.personas {
        let mut needles = vec![p.card.id_number.clone(), p.card.name.clone(), p.card.address.clone()];
        needles.extend(p.permits.iter().map(|pm| pm.number.clone()));
        for n in needles.iter().filter(|n| n.chars().count() >= 2) {
            assert!(!text.contains(n.as_str()), "personal data of {} in the log: {n:?}", p.id);
        }
    }
}
