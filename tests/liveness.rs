//! Blink detection, the liveness check for kiosks whose screen cannot flash: a living face passes, a
//! printed photo is refused; a replayed video of a blinking face passes, which is why the colour
//! flash (tests/walkins.rs refuses both) is the default.

mod common;

use common::{day, policy, test_deck};
use kioskd::central::DeckCentral;
use kioskd::clock::Clock;
use kioskd::config::Liveness;
use kioskd::policy::Policy;
use kioskd::runtime::tasks::Devices;
use kioskd::runtime::{Identity, Kiosk};
use kioskd::store::Store;
use sim::demo::script::{Act, WalkIn, Want};
use sim::devices::rig::{RigOptions, Speed, build};
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blink_detection_stops_a_photo_but_not_a_video() {
    let t = test_deck();
    let dir = tempfile::tempdir().expect("tempdir");
    let (set, rig) = build(&RigOptions { speed: Speed::Fast, ..Default::default() });
    let store = Store::open(&dir.path().join("k.sqlite"), "normal", "k1", "A").expect("store");
    let start = chrono::DateTime::parse_from_rfc3339(&format!("{}T11:00:00+08:00", day())).expect("start");
    let clock = Clock::simulated(start, 20.0);
    let (mut kiosk, handle) = Kiosk::new(
        Identity { kiosk_id: "k1".into(), hall_id: t.hall.clone() },
        Policy::load(&policy()).expect("policy"),
        store,
        clock.clone(),
        Arc::new(DeckCentral::new(t.deck.clone())),
        Devices::new(set),
    );
    kiosk.set_liveness(Liveness::Blink);
    kiosk.prepare().await.expect("prepare");
    let socket = dir.path().join("control.sock");
    let server = {
        let (socket, handle, rig, clock) = (socket.clone(), handle.clone(), rig.clone(), clock.clone());
        tokio::spawn(async move { kioskd::control_socket::serve(&socket, handle, rig, clock, None, None).await })
    };
    let run = tokio::spawn(kiosk.run());
    let mut walker = loop {
        if let Ok(w) = sim::demo::Walker::connect(&socket, &t.deck, clock.offset()).await {
            break w;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let mut clk = None;
    let cases = [
        (Act::Photo, "face_photo", "refused", Some("face_not_matched")),
        (Act::Video, "face_video", "ticket", None),
        (Act::Own, "face_ok", "ticket", None),
    ];
    for (face, role, want, reason) in cases {
        let w = WalkIn { face, ..WalkIn::new(t.id(role), Want::Checkin) };
        let r = tokio::time::timeout(Duration::from_secs(30), walker.walk(&w, day(), &mut clk))
            .await
            .expect("in time")
            .expect("walk-in");
        assert_eq!((r.outcome.as_str(), r.reason.as_deref()), (want, reason), "{role}: {r:?}");
    }
    handle.send(kioskd::runtime::Request::Shutdown);
    tokio::time::timeout(Duration::from_secs(10), run).await.expect("stops").expect("joined").expect("ok");
    server.abort();
}
