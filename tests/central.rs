//! kioskd against the central scheduler stand-in, both as real processes on loopback: bookings
//! synced in, check-ins and endorsements reported through the outbox; a partition in the middle
//! of the day (check-in goes on from the cache, endorsements are refused with a clear message,
//! everything is delivered once the scheduler is back); answers lost and events delivered twice;
//! two kiosks of one hall checking in at once; a booking of this hall central has and the cache
//! does not yet.

mod common;

use common::central::{kiosk, scheduler, settled, walk};
use common::test_deck;
use serde_json::Value;
use sim::demo::WalkInResult;
use sim::demo::client::Client;
use sim::demo::script::{Using, WalkIn, Want};
use std::path::Path;
use std::time::Duration;

fn at(persona: String, flow: Want, time: &str) -> WalkIn {
    WalkIn { at: Some(time.into()), ..WalkIn::new(persona, flow) }
}

async fn stats(url: &str) -> Value {
    let r = reqwest::get(format!("{url}/v1/admin/stats")).await.expect("stats");
    r.json().await.expect("stats JSON")
}

/// The kiosk's outbox, by kind: (delivered, pending, rejected).
fn outbox(data: &Path) -> std::collections::BTreeMap<String, (i64, i64, i64)> {
    let db = rusqlite::Connection::open(data.join("kioskd.sqlite")).expect("store");
    let mut st = db
        .prepare(
            "SELECT kind, COUNT(delivered_at), COUNT(*) FILTER (WHERE delivered_at IS NULL AND rejected IS NULL),
                    COUNT(rejected) FROM outbox GROUP BY kind",
        )
        .expect("query");
    st.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("outbox")
}

fn outcome(r: &WalkInResult) -> (&str, Option<&str>) {
    (r.outcome.as_str(), r.reason.as_deref())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_mid_day_loses_nothing_and_duplicates_are_recorded_once() {
    let t = test_deck();
    let dir = tempfile::tempdir().expect("tempdir");
    let deck = t.write(dir.path());
    let (central, running) = scheduler(&t, dir.path(), &deck, &[1]).await;
    let (url, addr) = (running.url(), running.addr.clone());
    let setup = kiosk(&t, dir.path(), &deck, 1, &url);
    let k = setup.start().await.expect("kioskd starts");
    let link = settled(&k).await;
    assert!(link["bookings_applied"].as_u64().is_some_and(|n| n > 0), "bookings synced in: {link}");

    // Online: a check-in, a booking at another hall (central says where), an endorsement.
    let r = walk(
        &k,
        &t,
        vec![
            at(t.id("checkin_ok"), Want::Checkin, "08:50"),
            at(t.id("other_hall"), Want::Checkin, "09:38"),
            WalkIn::new(t.id("endorse_ok"), Want::Endorsement),
        ],
    )
    .await;
    assert_eq!(outcome(&r[0]), ("ticket", None));
    assert_eq!(outcome(&r[1]), ("refused", Some("other_hall")), "central's lookup names the other hall");
    assert_eq!(outcome(&r[2]), ("issued", None));

    // The scheduler goes away. Check-in goes on from the cache; an endorsement is refused.
    running.kill().await;
    let r = walk(
        &k,
        &t,
        vec![
            at(t.id("face_ok"), Want::Checkin, "10:25"),
            WalkIn { using: Using::Code, ..at(t.id("checkin_code"), Want::Checkin, "10:26") },
            WalkIn::new(t.id("endorse_retained"), Want::Endorsement),
        ],
    )
    .await;
    assert_eq!(outcome(&r[0]), ("ticket", None), "check-in works offline");
    assert_eq!(outcome(&r[1]), ("ticket", None), "by booking code too");
    assert_eq!(outcome(&r[2]), ("refused", Some("central_unavailable")));
    assert!(r[2].message.as_deref().is_some_and(|m| !m.is_empty()));
    let mut c = Client::connect(&k.socket).await.expect("control");
    let down = c.wait_link(Duration::from_secs(10), |l| l["state"] == "down").await.expect("link reads down");
    assert!(down["outbox"]["pending"].as_u64().is_some() && down["last_error"].is_string(), "{down}");
    let waiting = outbox(&setup.data_dir);
    assert!(waiting.values().any(|(_, pending, _)| *pending > 0), "events wait offline: {waiting:?}");

    // Back on the same address and database: everything goes out, once.
    let running = central.start(&addr).await.expect("scheduler restarts");
    settled(&k).await;
    let r = walk(&k, &t, vec![WalkIn::new(t.id("endorse_retained"), Want::Endorsement)]).await;
    assert_eq!(outcome(&r[0]), ("issued", None), "online again: endorsements are back");
    settled(&k).await;

    let s = stats(&url).await;
    let kiosk = outbox(&setup.data_dir);
    for (kind, (delivered, pending, rejected)) in &kiosk {
        assert_eq!((*pending, *rejected), (0, 0), "{kind}: nothing left or refused");
        assert_eq!(s["events"][kind].as_i64(), Some(*delivered), "{kind}: as many at central as the kiosk sent: {s}");
    }
    assert_eq!(s["checkins"], 3, "{s}");
    assert!(s["events"]["health"].as_u64().is_some_and(|n| n >= 1), "device health reported: {s}");
    assert_eq!(s["issued_endorsements"], 2, "{s}");
    assert_eq!(s["bookings"]["checked_in"], 3, "{s}");

    // Answers lost: the kiosk thinks nothing was delivered and sends it all again.
    let db = rusqlite::Connection::open(setup.data_dir.join("kioskd.sqlite")).expect("store");
    db.busy_timeout(Duration::from_secs(5)).expect("busy timeout");
    let resent = db.execute("UPDATE outbox SET delivered_at = NULL", []).expect("forget deliveries");
    assert!(resent >= 8, "{resent}");
    drop(db);
    settled(&k).await;
    assert_eq!(stats(&url).await, s, "duplicates change nothing at central");

    k.stop().await.expect("kioskd stops");
    running.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_kiosks_of_a_hall_check_in_at_once_online_and_offline() {
    let t = test_deck();
    let dir = tempfile::tempdir().expect("tempdir");
    let deck = t.write(dir.path());
    let (central, running) = scheduler(&t, dir.path(), &deck, &[1, 2]).await;
    let (url, addr) = (running.url(), running.addr.clone());
    let (s1, s2) = (kiosk(&t, dir.path(), &deck, 1, &url), kiosk(&t, dir.path(), &deck, 2, &url));
    let (k1, k2) = (s1.start().await.expect("kiosk 1"), s2.start().await.expect("kiosk 2"));
    settled(&k1).await;
    settled(&k2).await;

    let c = |role: &str, time: &str| at(t.id(role), Want::Checkin, time);
    let (r1, r2) = tokio::join!(
        walk(&k1, &t, vec![c("checkin_ok", "08:50"), c("mismatch_code", "10:00")]),
        walk(&k2, &t, vec![c("face_ok", "10:25"), c("finger_fail", "10:01")]),
    );
    settled(&k1).await;
    settled(&k2).await;
    assert_eq!(stats(&url).await["checkins"], 4, "online check-ins reach central");

    // Offline, both at once again.
    running.kill().await;
    let (r3, r4) =
        tokio::join!(walk(&k1, &t, vec![c("after_outage", "10:40")]), walk(&k2, &t, vec![c("checkin_poor", "11:00")]),);
    let tickets: Vec<String> =
        r1.iter().chain(&r2).chain(&r3).chain(&r4).map(|r| r.ticket.clone().expect("a ticket each")).collect();
    let distinct: std::collections::BTreeSet<_> = tickets.iter().collect();
    assert_eq!(distinct.len(), 6, "queue numbers unique across the hall's kiosks: {tickets:?}");
    assert!(tickets[..2].iter().chain(&tickets[4..5]).all(|n| n.starts_with("BA")), "{tickets:?}");

    let running = central.start(&addr).await.expect("scheduler restarts");
    settled(&k1).await;
    settled(&k2).await;
    let s = stats(&url).await;
    assert_eq!(s["checkins"], 6, "{s}");
    assert_eq!(s["bookings"]["checked_in"], 6, "{s}");
    let sent: i64 = [&s1, &s2].iter().map(|k| outbox(&k.data_dir).get("checkin").map_or(0, |c| c.0)).sum();
    assert_eq!(sent, 6);

    k1.stop().await.expect("kiosk 1 stops");
    k2.stop().await.expect("kiosk 2 stops");
    running.kill().await;
}

/// A booking of this hall that the kiosk's cache does not have yet (a kiosk just installed, a sync
/// behind central): central's answer to the lookup serves the applicant, the booking is cached as
/// the sync would cache it, and checking in again gives the same ticket again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_here_that_the_sync_has_not_brought_in_is_checked_in_from_centrals_answer() {
    let t = test_deck();
    let dir = tempfile::tempdir().expect("tempdir");
    let deck = t.write(dir.path());
    let (_central, running) = scheduler(&t, dir.path(), &deck, &[1]).await;
    let setup = kiosk(&t, dir.path(), &deck, 1, &running.url());
    let k = setup.start().await.expect("kioskd starts");
    settled(&k).await;
    // The cache loses the booking, as if central had taken it after the sync's last look.
    let persona = t.id("checkin_ok");
    let id_number =
        t.deck.personas.iter().find(|p| p.id == persona).map(|p| p.card.id_number.clone()).expect("persona");
    let db = rusqlite::Connection::open(setup.data_dir.join("kioskd.sqlite")).expect("store");
    db.busy_timeout(Duration::from_secs(5)).expect("busy timeout");
    assert_eq!(db.execute("DELETE FROM bookings WHERE id_number = ?1", [&id_number]).expect("forget"), 1);

    let r = walk(&k, &t, vec![at(persona.clone(), Want::Checkin, "08:50"), at(persona, Want::Checkin, "08:55")]).await;
    assert_eq!(outcome(&r[0]), ("ticket", None), "central's booking here is served: {:?}", r[0]);
    assert_eq!(outcome(&r[1]), ("ticket", None), "{:?}", r[1]);
    assert!(r[0].ticket.is_some() && r[1].ticket == r[0].ticket, "the same ticket again: {r:?}");
    let cached: Option<String> = db
        .query_row("SELECT checked_in FROM bookings WHERE id_number = ?1", [&id_number], |r| r.get(0))
        .expect("the booking is cached again");
    assert_eq!(cached, r[0].ticket, "with the ticket this kiosk gave");

    k.stop().await.expect("kioskd stops");
    running.kill().await;
}
