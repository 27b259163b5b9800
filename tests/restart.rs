//! A restart at every step of an endorsement: the daemon stops dead right after each committed
//! transition (before its effects, and once they have run), is started again on the same store and
//! the same devices, and resumes or unwinds the session. Then: no endorsement written twice, no
//! payment kept without an endorsement, the permit handed back or retained, the store consistent.

mod common;

use common::{day, policy, test_deck};
use kioskd::central::DeckCentral;
use kioskd::clock::Clock;
use kioskd::policy::Policy;
use kioskd::runtime::tasks::Devices;
use kioskd::runtime::{CrashPoint, Identity, Kiosk, KioskHandle, Request, RunError};
use kioskd::store::Store;
use sim::demo::script::{WalkIn, Want};
use sim::devices::payment::OrderState;
use sim::devices::permit_slot::Position;
use sim::devices::rig::{Rig, RigOptions, Speed, build};
use sim::persona::Deck;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const SCALE: f64 = 100.0;

struct Setup {
    deck: Deck,
    persona: String,
    hall: String,
    policy: Policy,
}

fn kiosk(s: &Setup, rig: &Rig, central: &Arc<DeckCentral>, store: &Path, clock: &Clock) -> (Kiosk, KioskHandle) {
    let store = Store::open(store, "normal", "k1", "A").expect("store");
    let id = Identity { kiosk_id: "k1".into(), hall_id: s.hall.clone() };
    Kiosk::new(id, s.policy.clone(), store, clock.clone(), central.clone(), Devices::new(rig.devices()))
}

/// Run an endorsement until the crash point. `true` if the kiosk crashed, `false` if the session
/// finished first.
async fn first_run(
    s: &Setup,
    rig: &Rig,
    central: &Arc<DeckCentral>,
    dir: &Path,
    clock: &Clock,
    at: CrashPoint,
) -> bool {
    let (mut kiosk, handle) = kiosk(s, rig, central, &dir.join("kioskd.sqlite"), clock);
    kiosk.crash_at(at);
    kiosk.prepare().await.expect("prepare");
    let socket = dir.join("control.sock");
    let server = {
        let (socket, handle, rig, clock) = (socket.clone(), handle.clone(), rig.clone(), clock.clone());
        tokio::spawn(async move { kioskd::control_socket::serve(&socket, handle, rig, clock, None, None).await })
    };
    let offset = clock.offset();
    let w = WalkIn::new(s.persona.as_str(), Want::Endorsement);
    let walker = async {
        let mut walker = None;
        for _ in 0..200 {
            if let Ok(wk) = sim::demo::Walker::connect(&socket, &s.deck, offset).await {
                walker = Some(wk);
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let mut walker = walker.expect("control socket");
        let mut clk = None;
        walker.walk(&w, day(), &mut clk).await
    };
    let run = kiosk.run();
    tokio::pin!(run);
    let crashed = tokio::time::timeout(Duration::from_secs(30), async {
        let check = |r: Result<(), RunError>| match r {
            Err(RunError::Crashed(_)) => true,
            other => panic!("kiosk stopped without crashing: {other:?}"),
        };
        tokio::select! {
            r = &mut run => check(r),
            r = walker => {
                r.expect("walk-in completes");
                // A crash point right after the last transition, with its effects run, still comes.
                match tokio::time::timeout(Duration::from_secs(1), &mut run).await {
                    Ok(r) => check(r),
                    Err(_) => false,
                }
            }
        }
    })
    .await
    .expect("first run ends in time");
    server.abort();
    let _ = std::fs::remove_file(&socket);
    drop(handle);
    crashed
}

/// Restart on the same store and devices; wait until every interrupted session is over.
async fn restart(s: &Setup, rig: &Rig, central: &Arc<DeckCentral>, dir: &Path, clock: &Clock) {
    let (mut kiosk, handle) = kiosk(s, rig, central, &dir.join("kioskd.sqlite"), clock);
    kiosk.prepare().await.expect("prepare after restart");
    let mut screens = handle.screens();
    let run = tokio::spawn(kiosk.run());
    tokio::time::timeout(Duration::from_secs(20), screens.wait_for(|s| s.id == "home"))
        .await
        .expect("recovery ends in time")
        .expect("kiosk running");
    handle.send(Request::Shutdown);
    run.await.expect("joined").expect("clean stop");
}

fn check_invariants(rig: &Rig, dir: &Path, label: &str) {
    let db = rusqlite::Connection::open(dir.join("kioskd.sqlite")).expect("store");
    let one = |sql: &str| db.query_row(sql, [], |r| r.get::<_, i64>(0)).expect(sql);
    let integrity: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity");
    assert_eq!(integrity, "ok", "{label}");
    assert_eq!(one("SELECT COUNT(*) FROM sessions WHERE open = 1"), 0, "{label}: a session is still open");
    let session: Option<String> = db.query_row("SELECT id FROM sessions LIMIT 1", [], |r| r.get(0)).ok();
    let Some(session) = session else { return };
    let key = format!("E{session}");
    let order_no = format!("P{session}");

    // Where the permit is now, and what its chip holds.
    let position = rig.permit.position();
    assert!(!matches!(position, Position::Inside(_)), "{label}: the permit is still inside the machine");
    let card = match position {
        Position::AtExit(c) | Position::AtEntry(c) => Some(c),
        _ => rig.permit.retained().pop().or_else(|| rig.permit.taken().pop()),
    };
    let chip_has = card
        .map(|c| c.permit.endorsements.iter().filter(|e| e.issue_key.as_deref() == Some(&key)).count())
        .unwrap_or(0);
    assert!(chip_has <= 1, "{label}: endorsement written {chip_has} times");
    let issued = chip_has == 1;

    // The provider's books against the chip.
    let orders = rig.payment.orders();
    match orders.get(&order_no).map(|o| &o.state) {
        Some(OrderState::Paid { .. }) => assert!(issued, "{label}: payment kept without an endorsement"),
        Some(OrderState::Refunded { .. }) => assert!(!issued, "{label}: refunded although issued"),
        _ => assert!(!issued, "{label}: issued without payment"),
    }
    let status: Option<String> =
        db.query_row("SELECT status FROM payments WHERE order_no = ?1", [&order_no], |r| r.get(0)).ok();
    match orders.get(&order_no).map(|o| &o.state) {
        Some(OrderState::Paid { .. }) => assert_eq!(status.as_deref(), Some("paid"), "{label}"),
        Some(OrderState::Refunded { .. }) => assert_eq!(status.as_deref(), Some("refunded"), "{label}"),
        _ => assert!(matches!(status.as_deref(), None | Some("cancelled")), "{label}: payment status {status:?}"),
    }

    // The store and the outbox agree with the chip.
    let written = one(&format!("SELECT COUNT(*) FROM endorsements WHERE issue_key = '{key}' AND status = 'written'"));
    assert_eq!(written == 1, issued, "{label}: store says written={written}, chip says {issued}");
    let events = one("SELECT COUNT(*) FROM outbox WHERE kind = 'endorsement_issued'");
    assert_eq!(events == 1, issued, "{label}: {events} issue events");
    drop(db);
    let store = Store::open(&dir.join("kioskd.sqlite"), "normal", "k1", "A").expect("store");
    assert!(store.verify_audit().expect("audit").is_ok(), "{label}: audit chain broken");
}

#[tokio::test(flavor = "current_thread")]
async fn a_restart_at_every_step_never_issues_twice_nor_keeps_a_payment() {
    let t = test_deck();
    let s = Setup {
        persona: t.id("endorse_ok"),
        hall: t.hall.clone(),
        deck: t.deck.clone(),
        policy: Policy::load(&policy()).expect("policy"),
    };
    let start = chrono::DateTime::parse_from_rfc3339(&format!("{}T10:00:00+08:00", day())).expect("start");
    let mut outcomes = Vec::new();
    for effects_run in [false, true] {
        let mut k = 1;
        loop {
            let dir = tempfile::tempdir().expect("tempdir");
            let (_, rig) = build(&RigOptions { speed: Speed::Zero, ..Default::default() });
            let central = Arc::new(DeckCentral::new(s.deck.clone()));
            let clock = Clock::simulated(start, SCALE);
            let at = CrashPoint { after_commits: k, effects_run };
            if !first_run(&s, &rig, &central, dir.path(), &clock, at).await {
                // The session finished before commit k: every transition had its crash point.
                let db = rusqlite::Connection::open(dir.path().join("kioskd.sqlite")).expect("store");
                let rows: i64 = db.query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0)).expect("journal");
                assert_eq!((k - 1) as i64, rows, "crash points cover every journaled transition");
                break;
            }
            restart(&s, &rig, &central, dir.path(), &clock).await;
            let label = format!("crash after commit {k} (effects {})", if effects_run { "run" } else { "not run" });
            check_invariants(&rig, dir.path(), &label);
            let issued = rig.payment.orders().values().any(|o| matches!(o.state, OrderState::Paid { .. }));
            outcomes.push((label, issued));
            k += 1;
        }
        assert!(k > 12, "an endorsement has more than a dozen transitions, found {}", k - 1);
    }
    // Crashes late in the session resume it to the end (the applicant paid: the endorsement is
    // issued); early ones unwind it.
    assert!(outcomes.iter().any(|(_, issued)| *issued), "{outcomes:?}");
    assert!(outcomes.iter().any(|(_, issued)| !*issued), "{outcomes:?}");
}
