//! Stopping the daemon (SIGTERM, as systemd does) while an applicant is at the machine: before
//! payment the session is unwound at once and the permit handed back; during payment the order is
//! closed and nothing is kept; only then does the daemon exit.

mod common;

use common::{day, policy, test_deck};
use kioskd::central::DeckCentral;
use kioskd::clock::Clock;
use kioskd::policy::Policy;
use kioskd::runtime::tasks::Devices;
use kioskd::runtime::{Identity, Kiosk, KioskHandle, Request};
use kioskd::store::Store;
use sim::control::KioskEvent;
use sim::demo::script::{WalkIn, Want};
use sim::devices::payment::OrderState;
use sim::devices::rig::{Rig, RigOptions, Speed, WorldAction, build};
use std::sync::Arc;
use std::time::Duration;

async fn wait_screen(handle: &KioskHandle, id: &str) {
    let mut screens = handle.screens();
    tokio::time::timeout(Duration::from_secs(20), screens.wait_for(|s| s.id == id))
        .await
        .unwrap_or_else(|_| panic!("screen {id} in time"))
        .expect("running");
}

/// Walk an endorsement until `stop_at`, stop the daemon there, and report how the session ended.
async fn stop_at(stop_at: &str) -> (sim::control::SessionSummary, Rig, rusqlite::Connection, tempfile::TempDir) {
    let t = test_deck();
    let dir = tempfile::tempdir().expect("tempdir");
    let (set, rig) = build(&RigOptions { speed: Speed::Fast, ..Default::default() });
    let store = Store::open(&dir.path().join("k.sqlite"), "normal", "k1", "A").expect("store");
    let start = chrono::DateTime::parse_from_rfc3339(&format!("{}T10:00:00+08:00", day())).expect("start");
    // Real time: the applicant's inactivity timeout cannot end the session before the stop does.
    let clock = Clock::simulated(start, 1.0);
    let (mut kiosk, handle) = Kiosk::new(
        Identity { kiosk_id: "k1".into(), hall_id: t.hall.clone() },
        Policy::load(&policy()).expect("policy"),
        store,
        clock.clone(),
        Arc::new(DeckCentral::new(t.deck.clone())),
        Devices::new(set),
    );
    kiosk.prepare().await.expect("prepare");
    let socket = dir.path().join("control.sock");
    let server = {
        let (socket, handle, rig, clock) = (socket.clone(), handle.clone(), rig.clone(), clock.clone());
        tokio::spawn(async move { kioskd::control_socket::serve(&socket, handle, rig, clock, None, None).await })
    };
    let mut events = handle.subscribe();
    let run = tokio::spawn(kiosk.run());
    // The applicant stops acting at `stop_at` (they would wait there).
    let w = WalkIn { walk_away_at: Some(stop_at.into()), ..WalkIn::new(t.id("endorse_ok"), Want::Endorsement) };
    let (deck, offset) = (t.deck.clone(), clock.offset());
    let walker = tokio::spawn(async move {
        let mut walker = loop {
            if let Ok(wk) = sim::demo::Walker::connect(&socket, &deck, offset).await {
                break wk;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        let mut clk = None;
        let _ = walker.walk(&w, day(), &mut clk).await;
    });
    wait_screen(&handle, stop_at).await;
    handle.send(Request::Shutdown);
    // The permit comes out; the applicant takes it.
    wait_screen(&handle, "endorse.take_permit").await;
    rig.apply(WorldAction::TakePermit).expect("take");
    let summary = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let KioskEvent::SessionEnded { summary } = events.recv().await.expect("events") {
                return summary;
            }
        }
    })
    .await
    .expect("the session ends");
    tokio::time::timeout(Duration::from_secs(10), run).await.expect("the daemon exits").expect("joined").expect("ok");
    walker.abort();
    server.abort();
    let db = rusqlite::Connection::open(dir.path().join("k.sqlite")).expect("store");
    (summary, rig, db, dir)
}

fn one(db: &rusqlite::Connection, sql: &str) -> i64 {
    db.query_row(sql, [], |r| r.get(0)).expect(sql)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_before_payment_unwinds_at_once_and_hands_the_permit_back() {
    let (summary, rig, db, _dir) = stop_at("endorse.choose").await;
    assert_eq!(summary.reason.as_deref(), Some("interrupted"), "{summary:?}");
    assert_eq!(rig.permit.taken().len(), 1, "the permit went back to the applicant");
    assert!(rig.payment.orders().is_empty(), "nothing was charged");
    assert_eq!(one(&db, "SELECT COUNT(*) FROM sessions WHERE open = 1"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_during_payment_closes_the_order_and_keeps_nothing() {
    let (summary, rig, db, _dir) = stop_at("endorse.pay").await;
    assert_eq!(summary.reason.as_deref(), Some("interrupted"), "{summary:?}");
    assert_eq!(rig.permit.taken().len(), 1);
    let orders = rig.payment.orders();
    assert_eq!(orders.len(), 1);
    assert!(orders.values().all(|o| !matches!(o.state, OrderState::Paid { .. })), "no payment kept: {orders:?}");
    assert_eq!(one(&db, "SELECT COUNT(*) FROM payments WHERE status = 'paid'"), 0);
    assert_eq!(one(&db, "SELECT COUNT(*) FROM endorsements WHERE status = 'written'"), 0);
    assert_eq!(one(&db, "SELECT COUNT(*) FROM sessions WHERE open = 1"), 0);
}
