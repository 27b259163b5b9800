//! The kiosk as a hall sees it: the inactivity countdown, flows out of service while a device they
//! need is faulty and back when it recovers, and `kioskd check-config`.

mod common;

use common::{day, policy, test_deck};
use drivers::{DeviceKind, FaultKind};
use kiosk_ui::Screen;
use kioskd::central::DeckCentral;
use kioskd::clock::Clock;
use kioskd::policy::Policy;
use kioskd::runtime::tasks::Devices;
use kioskd::runtime::{Identity, Kiosk, KioskHandle, Request};
use kioskd::store::Store;
use sim::control::KioskEvent;
use sim::devices::SimHandle;
use sim::devices::rig::{Rig, RigOptions, Speed, build};
use std::sync::Arc;
use std::time::Duration;

async fn start(scale: f64) -> (KioskHandle, Rig, tokio::task::JoinHandle<()>, tempfile::TempDir) {
    let (set, rig) = build(&RigOptions { speed: Speed::Zero, ..Default::default() });
    let dir = tempfile::tempdir().expect("tempdir");
    let (handle, run) = start_on(Devices::new(set), &dir, scale).await;
    (handle, rig, run, dir)
}

/// A kiosk on `devices`, its store in `dir`.
async fn start_on(devices: Devices, dir: &tempfile::TempDir, scale: f64) -> (KioskHandle, tokio::task::JoinHandle<()>) {
    let t = test_deck();
    let store = Store::open(&dir.path().join("k.sqlite"), "normal", "k1", "A").expect("store");
    let start = chrono::DateTime::parse_from_rfc3339(&format!("{}T10:00:00+08:00", day())).expect("start");
    let (mut kiosk, handle) = Kiosk::new(
        Identity { kiosk_id: "k1".into(), hall_id: t.hall.clone() },
        Policy::load(&policy()).expect("policy"),
        store,
        Clock::simulated(start, scale),
        Arc::new(DeckCentral::new(t.deck.clone())),
        devices,
    );
    kiosk.prepare().await.expect("prepare");
    let run = tokio::spawn(async move {
        kiosk.run().await.expect("runs");
    });
    (handle, run)
}

async fn screen_where(handle: &KioskHandle, f: impl Fn(&Screen) -> bool, within: Duration) -> Screen {
    let mut screens = handle.screens();
    let s = tokio::time::timeout(within, screens.wait_for(|s| f(s))).await.expect("screen in time").expect("running");
    s.clone()
}

#[tokio::test(flavor = "current_thread")]
async fn walking_away_is_announced_by_a_countdown_before_the_session_ends() {
    let (handle, _rig, run, _dir) = start(100.0).await;
    let mut events = handle.subscribe();
    screen_where(&handle, |s| s.id == "home", Duration::from_secs(5)).await;
    handle.send(Request::Touch("checkin".into()));
    let mut countdowns = Vec::new();
    let summary = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match events.recv().await.expect("events") {
                KioskEvent::Screen { screen } if screen.id == "checkin.present" => countdowns.extend(screen.countdown),
                KioskEvent::SessionEnded { summary } => return summary,
                _ => {}
            }
        }
    })
    .await
    .expect("the session times out");
    assert_eq!(summary.reason.as_deref(), Some("walked_away"));
    let policy = Policy::load(&policy()).expect("policy");
    assert!(!countdowns.is_empty(), "a countdown is shown before the timeout");
    assert!(countdowns.iter().all(|&c| c <= policy.session.warn_before_s), "{countdowns:?}");
    assert!(countdowns.windows(2).all(|w| w[0] >= w[1]), "it counts down: {countdowns:?}");
    let refusal = screen_where(&handle, |s| s.id == "refusal", Duration::from_secs(1)).await;
    assert!(refusal.body.iter().any(|t| t.zh.contains("无操作")));
    handle.send(Request::Shutdown);
    run.await.expect("stops");
}

#[tokio::test(flavor = "current_thread")]
async fn a_flow_is_out_of_service_while_its_device_is_faulty_and_back_when_it_recovers() {
    let (handle, rig, run, _dir) = start(1.0).await;
    let both = |s: &Screen| s.id == "home" && s.has_button("checkin") && s.has_button("endorse");
    screen_where(&handle, both, Duration::from_secs(5)).await;

    // The endorsement printer jams: only the endorsement flow stops, and the screen says why.
    rig.endorser.set_fault(Some(FaultKind::CardJam)).expect("fault");
    let s = screen_where(&handle, |s| s.id == "home" && !s.has_button("endorse"), Duration::from_secs(6)).await;
    assert!(s.has_button("checkin"));
    assert!(s.body.iter().any(|t| t.en.contains("endorser") && t.zh.contains("签注打印机")), "{s:?}");
    // A touch on the disabled button starts nothing.
    handle.send(Request::Touch("endorse".into()));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(handle.screen().id, "home");

    // The receipt printer runs out of paper: check-in stops too.
    rig.receipt.refill(0);
    screen_where(&handle, |s| s.id == "home" && !s.has_button("checkin"), Duration::from_secs(6)).await;
    let health = handle.health().await;
    let receipt = health.iter().find(|h| h.kind == DeviceKind::Receipt).expect("receipt health");
    assert_eq!(receipt.media, Some(drivers::MediaState::Out));

    // Staff clear the jam and load paper: both flows come back without a restart.
    rig.endorser.set_fault(None).expect("clear");
    rig.receipt.refill(500);
    screen_where(&handle, both, Duration::from_secs(6)).await;
    handle.send(Request::Shutdown);
    run.await.expect("stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permit_inserted_as_soon_as_it_is_asked_for_is_read_though_the_reader_was_busy() {
    // The real MRZ reader driver on the emulated reader's serial line: it speaks unasked, and what
    // it said before a session asked is forgotten.
    let (mut set, rig) = build(&RigOptions { speed: Speed::Zero, ..Default::default() });
    let dir = tempfile::tempdir().expect("tempdir");
    let wire = sim::wire::WireRig::start(dir.path(), &rig).expect("emulators");
    wire.ready().await.expect("ready");
    let (port, baud) = wire.port(DeviceKind::Permit).expect("the permit reader on the wire");
    set.permit = Box::new(drivers::permit::serial::MrzReader::new(drivers::serial::PortSettings::new(port, baud)));
    let devices = Devices::new(set);
    let (handle, run) = start_on(devices.clone(), &dir, 1.0).await;
    screen_where(&handle, |s| s.id == "home" && s.has_button("endorse"), Duration::from_secs(5)).await;
    let permit = test_deck().deck.personas.iter().flat_map(|p| p.permits.first()).next().expect("a permit").clone();
    let card = sim::devices::permit_slot::PermitCard { permit, upside_down: false };

    // The reader is busy (a health poll that takes its time) as the applicant chooses an endorsement.
    let busy = devices.permit.lock().await;
    handle.send(Request::Touch("endorse".into()));
    let documents = |s: &Screen| s.id == "endorse.documents";
    let mut screens = handle.screens();
    let asked = tokio::time::timeout(Duration::from_millis(300), screens.wait_for(|s| documents(s))).await.is_ok();
    if asked {
        // Asked for their permit, the applicant inserts it at once, while the reader is still busy.
        rig.permit.insert(card.clone()).expect("insert");
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(busy);
    } else {
        drop(busy);
        screen_where(&handle, documents, Duration::from_secs(3)).await;
        rig.permit.insert(card.clone()).expect("insert");
    }
    let read = |s: &Screen| documents(s) && s.body.first().is_some_and(|t| t.en.starts_with('✓'));
    let mut screens = handle.screens();
    let r = tokio::time::timeout(Duration::from_secs(3), screens.wait_for(|s| read(s))).await.is_ok();
    assert!(r, "the permit inserted when asked for is read (asked while the reader was busy: {asked})");
    // They change their mind and take their permit back.
    handle.send(Request::Touch("cancel".into()));
    let taken = tokio::time::timeout(Duration::from_secs(10), async {
        while rig.permit.take().is_none() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    taken.await.expect("the permit is given back");
    handle.send(Request::Shutdown);
    run.await.expect("stops");
}

#[test]
fn check_config_names_the_key_and_what_is_expected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.toml");
    std::fs::write(&good, format!("policy_file = {:?}\n", policy().display().to_string())).expect("write");
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_kioskd")).arg("check-config").arg(&good).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, format!("policy_file = {:?}\nticket_prefix = \"TOOLONG\"\n", policy().display().to_string()))
        .expect("write");
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_kioskd")).arg("check-config").arg(&bad).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ticket_prefix") && err.contains("1 to 3 letters or digits"), "{err}");

    std::fs::write(&bad, "policy_file = \"p.toml\"\nkiosk_idd = \"x\"\n").expect("write");
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_kioskd")).arg("check-config").arg(&bad).output().expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown field `kiosk_idd`") && err.contains("line 2"), "{err}");
}
