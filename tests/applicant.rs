//! Queries and booking at the kiosk, and the Taiwan individual-tour rule, as walk-ins would use them:
//! kioskd and the scheduler stand-in as processes on loopback, every device simulated. What the
//! kiosk showed and printed is checked against what central holds.

mod common;

use common::central::{kiosk, scheduler, settled, walk};
use common::{TestDeck, day, test_deck};
use serde_json::Value;
use sim::demo::WalkInResult;
use sim::demo::scheduler::kiosk_token;
use sim::demo::script::{Held, WalkIn, Want};

fn outcome(r: &WalkInResult) -> (&str, Option<&str>) {
    (r.outcome.as_str(), r.reason.as_deref())
}

/// Central's own view of a person's bookings, asked with the kiosk's credential.
async fn bookings_at_central(url: &str, t: &TestDeck, role: &str) -> Vec<Value> {
    let id = t.deck.persona(&t.id(role)).map(|p| p.card.id_number.clone()).unwrap_or_default();
    let token = kiosk_token(&format!("{}-01", t.hall));
    let r = reqwest::Client::new()
        .get(format!("{url}/v1/applicants/{id}/bookings"))
        .bearer_auth(token)
        .send()
        .await
        .expect("central answers");
    let v: Value = r.json().await.expect("bookings JSON");
    v["bookings"].as_array().cloned().unwrap_or_default()
}

fn find<'a>(list: &'a [Value], code: &str) -> &'a Value {
    list.iter().find(|b| b["code"] == code).unwrap_or_else(|| panic!("no booking {code} at central: {list:?}"))
}

/// The QR code's data on a printed document.
fn qr(print: &str) -> Option<String> {
    let start = print.find("[QR: ")? + 5;
    Some(print[start..].split(']').next()?.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walk_ins_query_book_move_and_cancel_against_the_scheduler() {
    let t = test_deck();
    let dir = tempfile::tempdir().expect("tempdir");
    let deck = t.write(dir.path());
    let (_central, running) = scheduler(&t, dir.path(), &deck, &[1]).await;
    let url = running.url();
    let k = kiosk(&t, dir.path(), &deck, 1, &url).start().await.expect("kioskd starts");
    settled(&k).await;

    let r = walk(
        &k,
        &t,
        vec![
            WalkIn { rating: Some("good".into()), ..WalkIn::new(t.id("query"), Want::Query) },
            WalkIn { slot: 3, pickup: Some("mail".into()), ..WalkIn::new(t.id("book_new"), Want::Booking) },
            WalkIn { held: Held::Keep, ..WalkIn::new(t.id("book_new"), Want::Booking) },
            WalkIn { held: Held::New, ..WalkIn::new(t.id("book_new"), Want::Booking) },
            WalkIn { held: Held::Move, slot: 1, ..WalkIn::new(t.id("book_move"), Want::Booking) },
            WalkIn { held: Held::Cancel, ..WalkIn::new(t.id("book_cancel"), Want::Booking) },
            WalkIn {
                certificate: Some("hk_macau_booklet_to_card".into()),
                ..WalkIn::new(t.id("query"), Want::Booking)
            },
        ],
    )
    .await;

    // Queries: three answers on screen, the entry/exit record on paper with a QR code that fetches
    // the same record from central later, without the kiosk.
    assert_eq!(outcome(&r[0]), ("queried", None));
    let seen = &r[0].seen;
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen[0].contains("Lodged"), "{}", seen[0]);
    assert!(seen[1].contains("Hong Kong") && seen[1].contains("1 trip"), "{}", seen[1]);
    let permit = &t.deck.persona(&t.id("query")).expect("persona").permits[0];
    assert!(seen[2].contains(&permit.number) && seen[2].contains(&permit.expiry.to_string()), "{}", seen[2]);
    assert_eq!(r[0].prints.len(), 1, "{:?}", r[0].prints);
    let record = &r[0].prints[0];
    let link = qr(record).expect("a QR code on the record");
    let fetched: Value = reqwest::get(&link).await.expect("the QR link answers").json().await.expect("JSON");
    let crossings = fetched["records"].as_array().map(Vec::len).unwrap_or(usize::MAX);
    assert!(record.contains(&format!("Crossings: {crossings}")), "the same record: {crossings} vs {record}");

    // A new booking at a nearby hall, mailed: on paper with its QR code, and at central as asked.
    assert_eq!(outcome(&r[1]), ("booked", None), "{:?}", r[1]);
    let code = r[1].booking.clone().expect("a booking code");
    assert_eq!(r[1].prints.len(), 1);
    assert_eq!(qr(&r[1].prints[0]).as_deref(), Some(code.as_str()), "the slip's QR code is the booking code");
    let held = bookings_at_central(&url, &t, "book_new").await;
    let b = find(&held, &code);
    assert_ne!(b["hall"], t.hall.as_str(), "slot 3 is the nearest other hall's: {b}");
    assert!(b["date"].as_str().is_some_and(|d| d > day().to_string().as_str()), "never the same day: {b}");
    assert_eq!(b["pickup"]["method"], "mail");
    let address = &t.deck.persona(&t.id("book_new")).expect("persona").card.address;
    assert_eq!(b["pickup"]["address"].as_str(), Some(address.as_str()), "mail goes to the card's address");
    assert_eq!((b["contact"]["phone"].as_str(), b["status"].as_str()), (Some("13800138000"), Some("active")));
    assert!(b["hukou_location"].as_str().is_some_and(|h| !h.is_empty() && address.starts_with(h)), "{b}");

    // Seen again: the booking is listed and kept; the same business again is refused as central says.
    assert_eq!(outcome(&r[2]), ("unchanged", None));
    assert_eq!(outcome(&r[3]), ("refused", Some("booking_refused")), "{:?}", r[3]);
    assert!(r[3].message.is_some());

    // Moved to another slot of its hall: the old booking gives way to the new one.
    assert_eq!(outcome(&r[4]), ("moved", None), "{:?}", r[4]);
    let moved = r[4].booking.clone().expect("the new code");
    let held = bookings_at_central(&url, &t, "book_move").await;
    let old = &t.deck.persona(&t.id("book_move")).expect("persona").bookings[0];
    assert_eq!(find(&held, &moved)["rebooked_from"].as_str(), Some(old.code.as_str()));
    assert_eq!(find(&held, &old.code)["status"], "cancelled");

    // Cancelled.
    assert_eq!(outcome(&r[5]), ("cancelled", None), "{:?}", r[5]);
    let cancelled = r[5].booking.clone().expect("the code");
    assert_eq!(find(&bookings_at_central(&url, &t, "book_cancel").await, &cancelled)["status"], "cancelled");

    // A booklet HK/Macau permit replaced by the card type: a renewal, in person, at this hall.
    assert_eq!(outcome(&r[6]), ("booked", None), "{:?}", r[6]);
    let code = r[6].booking.clone().expect("a code");
    let held = bookings_at_central(&url, &t, "query").await;
    let b = find(&held, &code);
    assert_eq!(
        (b["business"].as_str(), b["certificate_type"].as_str()),
        (Some("renewal"), Some("hk_macau_booklet_to_card"))
    );
    assert_eq!((b["hall"].as_str(), b["pickup"]["method"].as_str()), (Some(t.hall.as_str()), Some("in_person")));

    k.stop().await.expect("kioskd stops");
    running.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_taiwan_individual_tour_is_only_for_open_cities() {
    let t = test_deck();
    let dir = tempfile::tempdir().expect("tempdir");
    let deck = t.write(dir.path());
    let (_central, running) = scheduler(&t, dir.path(), &deck, &[1]).await;
    let url = running.url();
    let k = kiosk(&t, dir.path(), &deck, 1, &url).start().await.expect("kioskd starts");
    settled(&k).await;
    let individual =
        |role: &str| WalkIn { choose: Some("TW-G-6M-1".into()), ..WalkIn::new(t.id(role), Want::Endorsement) };
    let r = walk(
        &k,
        &t,
        vec![
            individual("tw_open_city"),
            individual("tw_residence"),
            individual("tw_group_only"),
            WalkIn::new(t.id("tw_group_only"), Want::Endorsement),
        ],
    )
    .await;
    for (i, who) in [(0, "hukou in Xiamen"), (1, "a Xiamen residence permit")] {
        assert_eq!(outcome(&r[i]), ("issued", None), "{who}: {:?}", r[i]);
        assert!(r[i].endorsement.as_deref().is_some_and(|e| e.starts_with("TW individual tour")), "{:?}", r[i]);
    }
    // Everyone else: not offered, told why, and the group tour is there.
    assert_eq!(outcome(&r[2]), ("refused", Some("cancelled")), "the individual tour is not on offer");
    assert!(r[2].seen.first().is_some_and(|s| s.contains("only for people whose hukou")), "{:?}", r[2].seen);
    assert_eq!(outcome(&r[3]), ("issued", None));
    assert!(r[3].endorsement.as_deref().is_some_and(|e| e.starts_with("TW group tour")), "{:?}", r[3]);

    k.stop().await.expect("kioskd stops");
    running.kill().await;
}
