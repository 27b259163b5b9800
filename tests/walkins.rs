//! Walk-ins through the real `kioskd` binary with every device simulated, as applicants would use
//! it: both happy paths, every refusal, an out-of-service flow that comes back; then the SQLite
//! file is inspected the way an auditor would.

mod common;

use common::{TestDeck, day, test_deck};
use drivers::{DeviceKind, FaultKind};
use sim::demo::script::{Act, FaultAt, Pay, Script, Take, Using, WalkIn, Want};
use sim::demo::{KioskSetup, WalkInResult, run_script};

fn walk(persona: String, flow: Want) -> WalkIn {
    WalkIn::new(persona, flow)
}

/// kioskd for the test deck, its timers 50 times faster than real time; `serial`: devices on the wire.
fn setup(
    t: &TestDeck,
    data: &std::path::Path,
    deck: std::path::PathBuf,
    serial: Vec<(DeviceKind, std::path::PathBuf, u32)>,
) -> KioskSetup {
    KioskSetup { data_dir: data.to_path_buf(), serial, ..common::kiosk_setup(t, data, deck) }
}

/// The chip refuses the write once the applicant has paid.
fn write_fails(w: WalkIn) -> WalkIn {
    let fault =
        FaultAt { device: DeviceKind::Endorser, kind: FaultKind::ChipWriteFailed, at: "endorse.writing".into() };
    WalkIn { fault: Some(fault), ..w }
}

fn at(w: WalkIn, t: &str) -> WalkIn {
    WalkIn { at: Some(t.into()), ..w }
}

/// (walk-in, expected outcome, expected reason)
fn cases(t: &TestDeck) -> Vec<(WalkIn, &'static str, Option<&'static str>)> {
    let c = |role: &str| walk(t.id(role), Want::Checkin);
    let e = |role: &str| walk(t.id(role), Want::Endorsement);
    vec![
        (WalkIn { rating: Some("good".into()), ..at(c("checkin_ok"), "08:50") }, "ticket", None),
        (WalkIn { rating: Some("bad".into()), ..at(c("too_late"), "09:35") }, "refused", Some("too_late")),
        (WalkIn { using: Using::Code, ..at(c("checkin_code"), "09:36") }, "ticket", None),
        (at(c("no_booking"), "09:37"), "refused", Some("no_booking")),
        (at(c("other_hall"), "09:38"), "refused", Some("other_hall")),
        (at(c("too_early"), "09:39"), "refused", Some("too_early")),
        (
            WalkIn { using: Using::Code, card_of: Some(t.id("no_booking")), ..at(c("mismatch_code"), "09:40") },
            "refused",
            Some("identity_mismatch"),
        ),
        (WalkIn { finger: Act::Other, ..at(c("finger_fail"), "09:41") }, "refused", Some("fingerprint_not_matched")),
        (WalkIn { face: Act::Other, ..at(c("face_fail"), "09:42") }, "refused", Some("face_not_matched")),
        (at(c("face_ok"), "10:25"), "ticket", None),
        (
            WalkIn {
                fault: Some(FaultAt { device: DeviceKind::IdCard, kind: FaultKind::Unplugged, at: "home".into() }),
                ..at(c("after_outage"), "10:26")
            },
            "refused",
            Some("out_of_service"),
        ),
        (at(c("after_outage"), "10:27"), "ticket", None),
        (e("endorse_ok"), "issued", None),
        (WalkIn { take_permit: Take::Late, ..e("endorse_retained") }, "issued", None),
        (WalkIn { card_of: Some(t.id("no_booking")), ..e("endorse_mismatch") }, "refused", Some("identity_mismatch")),
        (e("permit_expired"), "refused", Some("permit_expired")),
        (WalkIn { upside_down: true, ..e("permit_invalid") }, "refused", Some("permit_invalid")),
        (WalkIn { permit_of: Some(t.id("endorse_ok")), ..e("non_mainland") }, "refused", Some("non_mainland")),
        (e("counter_only"), "refused", Some("counter_only")),
        (e("not_eligible"), "refused", Some("not_eligible")),
        (WalkIn { pay: Pay::Decline, ..e("declined") }, "refused", Some("payment_declined")),
        (WalkIn { pay: Pay::WalkAway, ..e("pay_timeout") }, "refused", Some("payment_timeout")),
        (write_fails(e("write_fails")), "refused", Some("device_fault")),
        (WalkIn { walk_away_at: Some("verify".into()), ..e("walk_away") }, "refused", Some("walked_away")),
        (WalkIn { finger: Act::Other, ..e("endorse_finger_fail") }, "refused", Some("fingerprint_not_matched")),
        // The same applicant again: central knows the endorsement issued an hour ago, which the
        // stale card in hand does not show.
        (e("endorse_ok"), "refused", Some("not_eligible")),
        // A dry finger is asked to press again; the second press is read.
        (WalkIn { finger: Act::Poor, ..c("checkin_poor") }, "ticket", None),
        // The holder's own face, but a photo or a video: it does not follow the screen's flashes.
        (WalkIn { face: Act::Photo, ..c("face_photo") }, "refused", Some("face_not_matched")),
        (WalkIn { face: Act::Video, ..c("face_video") }, "refused", Some("face_not_matched")),
    ]
}

#[tokio::test(flavor = "current_thread")]
async fn every_walk_in_ends_as_it_should_and_the_store_shows_it() {
    let t = test_deck();
    let dir = tempfile::tempdir().expect("tempdir");
    let deck_path = t.write(dir.path());
    let cases = cases(&t);
    let script = Script { date: Some(day()), walkins: cases.iter().map(|(w, _, _)| w.clone()).collect() };
    assert!(script.check(&t.deck).is_empty(), "{:?}", script.check(&t.deck));
    let data = dir.path().join("data");
    let setup = setup(&t, &data, deck_path, Vec::new());
    let kiosk = setup.start().await.expect("kioskd starts");
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("offset");
    let results = run_script(&kiosk, &t.deck, &script, offset, None, |r| eprintln!("{}", sim::demo::line(r))).await;
    kiosk.stop().await.expect("kioskd stops cleanly");
    let results = results.expect("every walk-in completes");

    let mut failures = Vec::new();
    for (i, (w, outcome, reason)) in cases.iter().enumerate() {
        let r = &results[i];
        if r.outcome != *outcome || r.reason.as_deref() != *reason {
            failures.push(format!(
                "walk-in {} ({} {:?}): got {} {:?}, expected {outcome} {reason:?}",
                i + 1,
                w.persona,
                w.flow,
                r.outcome,
                r.reason
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // What the applicants took home.
    let issued: Vec<&WalkInResult> = results.iter().filter(|r| r.outcome == "issued").collect();
    assert_eq!(issued.len(), 2);
    assert!(issued.iter().all(|r| r.fee_fen == Some(1500)), "fees come from the policy: {issued:?}");
    assert_eq!(results[12].permit.as_deref(), Some("returned"), "{:?}", results[12]);
    assert_eq!(results[13].permit.as_deref(), Some("retained"), "a permit not taken in time is retained");
    let write_fail = &results[22];
    assert!(write_fail.refunded, "a payment without an endorsement is refunded");
    assert_eq!(write_fail.permit.as_deref(), Some("returned"), "{write_fail:?}");
    assert!(results[20].permit.as_deref() == Some("returned") && !results[20].refunded);
    let tickets: Vec<String> = results.iter().filter_map(|r| r.ticket.clone()).collect();
    assert_eq!(tickets, vec!["BA001", "BA002", "BA003", "BA004", "BA005"], "booked tickets numbered per kiosk prefix");
    for r in &results {
        if r.outcome == "refused" && r.reason.as_deref() != Some("out_of_service") {
            assert!(r.message.as_deref().is_some_and(|m| !m.is_empty()), "refusal without a message: {r:?}");
        }
    }

    // The store, as an auditor would open it.
    let db = rusqlite::Connection::open(data.join("kioskd.sqlite")).expect("store opens");
    let one = |sql: &str| db.query_row(sql, [], |r| r.get::<_, i64>(0)).expect(sql);
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity");
    assert_eq!(check, "ok");
    assert_eq!(one("SELECT COUNT(*) FROM sessions WHERE open = 1"), 0);
    assert_eq!(one("SELECT COUNT(*) FROM tickets"), 5);
    assert_eq!(one("SELECT COUNT(*) FROM endorsements WHERE status = 'written'"), 2);
    assert_eq!(one("SELECT COUNT(*) FROM endorsements WHERE status = 'failed'"), 1);
    assert_eq!(one("SELECT COUNT(*) FROM payments WHERE status = 'paid'"), 2);
    assert_eq!(one("SELECT COUNT(*) FROM payments WHERE status = 'refunded'"), 1);
    assert_eq!(one("SELECT COUNT(*) FROM payments WHERE status = 'declined'"), 1);
    assert_eq!(one("SELECT COUNT(*) FROM outbox WHERE kind = 'checkin'"), 5);
    // The two who rated the service: counted, without who they were.
    assert_eq!(
        one("SELECT COUNT(*) FROM ratings WHERE flow = 'checkin' AND outcome = 'ticket' AND rating = 'good'"),
        1
    );
    assert_eq!(one("SELECT COUNT(*) FROM ratings WHERE outcome = 'refused' AND rating = 'bad'"), 1);
    assert_eq!(one("SELECT COUNT(*) FROM ratings"), 2);
    assert_eq!(one("SELECT COUNT(*) FROM outbox WHERE kind = 'endorsement_issued'"), 2);
    assert_eq!(one("SELECT COUNT(*) FROM outbox WHERE kind = 'refund'"), 1);
    let sessions = results.iter().filter(|r| r.session.is_some()).count() as i64;
    assert_eq!(one("SELECT COUNT(*) FROM outbox WHERE kind = 'session'"), sessions);
    // Every session's transitions were journaled: at least its start and how it went on.
    assert_eq!(
        one(
            "SELECT COUNT(*) FROM sessions WHERE id NOT IN (SELECT session_id FROM journal GROUP BY session_id HAVING COUNT(*) >= 2)"
        ),
        0
    );
    assert!(one("SELECT COUNT(*) FROM journal") >= 5 * sessions);
    let store = kioskd::store::Store::open(&data.join("kioskd.sqlite"), "full", "t", "A").expect("store");
    assert!(store.verify_audit().expect("audit readable").is_ok(), "audit chain intact");
    drop(store);
    drop(db);

    // No biometric data on disk: no fingerprint template, no photo, in any file of the data dir.
    let mut needles: Vec<Vec<u8>> = Vec::new();
    for p in &t.deck.personas {
        for f in &p.fingers {
            needles.push(f.template.as_bytes()[2..34].to_vec());
            needles.push(drivers::biometric::to_hex(&f.template.as_bytes()[2..34]).into_bytes());
        }
        let face = sim::bio::face_signature(&p.face).expect("face");
        needles.push(sim::bio::wlt_photo(&face).as_bytes()[24..56].to_vec());
        needles.push(p.face.clone().into_bytes());
    }
    for entry in std::fs::read_dir(&data).expect("data dir") {
        let path = entry.expect("entry").path();
        if path.is_file() && path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("kioskd.sqlite")) {
            let bytes = std::fs::read(&path).expect("read");
            for n in &needles {
                assert!(!bytes.windows(n.len()).any(|w| w == &n[..]), "biometric bytes found in {}", path.display());
            }
        }
    }
    // Every print was kept.
    let prints = std::fs::read_dir(data.join("prints")).expect("prints").count();
    let expected_prints = 5 + 3 + 1; // tickets; receipts (one printed beside the write that failed); the refund slip
    assert!(prints >= expected_prints, "tickets, receipts and the refund slip are kept: {prints}");
}

/// The serial devices on the wire: kioskd's real drivers talk to the emulators over ptys, through
/// whole walk-ins, with a fault on the wire in the middle.
#[tokio::test(flavor = "current_thread")]
async fn walk_ins_over_the_wire_through_the_real_drivers() {
    let t = test_deck();
    let dir = tempfile::tempdir().expect("tempdir");
    let deck_path = t.write(dir.path());
    let data = dir.path().join("data");
    let (_, rig) = sim::devices::rig::build(&sim::devices::rig::RigOptions {
        speed: sim::devices::rig::Speed::Fast,
        print_dir: Some(data.join("prints")),
        ..Default::default()
    });
    std::fs::create_dir_all(data.join("prints")).expect("prints dir");
    let wire = sim::wire::WireRig::start(&dir.path().join("dev"), &rig).expect("ptys");
    wire.ready().await.expect("ready");
    let c = |role: &str| walk(t.id(role), Want::Checkin);
    let e = |role: &str| walk(t.id(role), Want::Endorsement);
    let cases = [
        (at(c("checkin_ok"), "08:50"), "ticket", None),
        (WalkIn { finger: Act::Other, ..at(c("finger_fail"), "09:41") }, "refused", Some("fingerprint_not_matched")),
        (e("endorse_ok"), "issued", None),
        (
            WalkIn {
                fault: Some(FaultAt {
                    device: DeviceKind::IdCard,
                    kind: FaultKind::Garbage,
                    at: "endorse.documents".into(),
                }),
                ..e("declined")
            },
            "refused",
            Some("device_fault"),
        ),
        (at(c("face_ok"), "10:25"), "ticket", None),
        (WalkIn { upside_down: true, ..e("permit_invalid") }, "refused", Some("permit_invalid")),
        (write_fails(e("write_fails")), "refused", Some("device_fault")),
        (WalkIn { take_permit: Take::Late, ..e("endorse_retained") }, "issued", None),
    ];
    let script = Script { date: Some(day()), walkins: cases.iter().map(|(w, _, _)| w.clone()).collect() };
    let setup = setup(&t, &data, deck_path, wire.ports().to_vec());
    let config = std::fs::read_to_string(setup.write_config().expect("config")).expect("config text");
    assert!(config.contains("[devices.idcard]") && config.contains("backend = \"serial\""), "{config}");
    let kiosk = setup.start().await.expect("kioskd starts");
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("offset");
    let local = Some((rig.clone(), wire.ports().iter().map(|(k, _, _)| *k).collect()));
    let results =
        run_script(&kiosk, &t.deck, &script, offset, local, |r| eprintln!("wire: {}", sim::demo::line(r))).await;
    kiosk.stop().await.expect("kioskd stops cleanly");
    let results = results.expect("every walk-in completes");
    for (i, (w, outcome, reason)) in cases.iter().enumerate() {
        let r = &results[i];
        assert_eq!((r.outcome.as_str(), r.reason.as_deref()), (*outcome, *reason), "walk-in {} {}", i + 1, w.persona);
    }
    // The ID card reader recovered from the garbage once it cleared: the last check-in read a card.
    assert!(rig.idcard.reads() >= 4, "cards were read through the wire: {}", rig.idcard.reads());
    // The tickets came out of the emulated ESC/POS printer.
    assert!(rig.receipt.printed() >= 3);
    // The permits went through the emulated MRZ reader and endorsement printer: two endorsed
    // (one of them retained when not taken), the failed write refunded.
    assert!(results[6].refunded, "{:?}", results[6]);
    assert_eq!(rig.permit.retained().len(), 1);
    let written: usize = rig
        .permit
        .taken()
        .iter()
        .chain(rig.permit.retained().iter())
        .map(|c| c.permit.endorsements.iter().filter(|e| e.issue_key.is_some()).count())
        .sum();
    assert_eq!(written, 2, "exactly the two issued endorsements are on the chips");
}
