//! The real EF01 driver against the fingerprint module emulator on a pty: the same bytes a real
//! module sends, with wire timing, faults, and hot-plug.

use drivers::fingerprint::FingerprintScanner;
use drivers::fingerprint::serial::Ef01Scanner;
use drivers::serial::PortSettings;
use drivers::{Device, DeviceError, DeviceState, FaultKind};
use sim::devices::SimHandle;
use sim::devices::fingerprint::PlacedFinger;
use sim::devices::rig::{RigOptions, Speed, build};
use sim::persona::generate::generate;
use sim::wire::pty::PtyPort;
use std::time::Duration;

/// The emulated module on a pty at `link` in `dir`, its rig, and a deck of test applicants.
struct Module {
    dir: tempfile::TempDir,
    link: std::path::PathBuf,
    rig: sim::devices::rig::Rig,
    emulator: tokio::task::JoinHandle<()>,
    deck: sim::persona::Deck,
}

fn module(speed: Speed) -> Module {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("fingerprint");
    let (_, rig) = build(&RigOptions { speed, ..Default::default() });
    let port = PtyPort::create(&link).expect("pty");
    let emulator = tokio::spawn(sim::wire::fingerprint::run(port, rig.fingerprint.clone()));
    let deck = generate(10, 3, chrono::NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"));
    Module { dir, link, rig, emulator, deck }
}

#[tokio::test(flavor = "current_thread")]
async fn the_driver_matches_fingers_through_the_emulated_module() {
    let Module { dir: _dir, link, rig, emulator, deck } = module(Speed::Zero);
    let mut with_fingers = deck.personas.iter().filter(|p| !p.fingers.is_empty());
    let (me, other) = (with_fingers.next().expect("a persona"), with_fingers.next().expect("another"));
    let card: Vec<_> = me.fingers.iter().map(|f| f.template.clone()).collect();

    let mut scanner = Ef01Scanner::new(PortSettings::new(link.clone(), 57_600), 0);
    assert_eq!(scanner.health().await.state, DeviceState::Online);
    // No finger: the driver polls GenImg until the wait is over.
    let r = scanner.verify(&card, Duration::from_millis(300)).await;
    assert_eq!(r, Err(drivers::fingerprint::FingerprintError::NoFinger));
    // The owner's finger matches; a stranger's does not.
    rig.fingerprint.place(PlacedFinger { pattern: me.fingers[0].template.clone(), poor: false });
    let m = scanner.verify(&card, Duration::from_secs(2)).await.expect("verify");
    assert!(m.matched, "{m:?}");
    rig.fingerprint.place(PlacedFinger { pattern: other.fingers[0].template.clone(), poor: false });
    let m = scanner.verify(&card, Duration::from_secs(2)).await.expect("verify");
    assert!(!m.matched, "{m:?}");
    // A dry finger: the module cannot extract features.
    rig.fingerprint.place(PlacedFinger { pattern: me.fingers[0].template.clone(), poor: true });
    let r = scanner.verify(&card, Duration::from_secs(2)).await;
    assert_eq!(r, Err(drivers::fingerprint::FingerprintError::PoorImage));

    // Damaged answers are retried, then reported; silence is a timeout.
    rig.fingerprint.set_fault(Some(FaultKind::Checksum)).expect("fault");
    let r = scanner.verify(&card, Duration::from_millis(200)).await;
    assert!(matches!(r, Err(drivers::fingerprint::FingerprintError::Device(DeviceError::Checksum))), "{r:?}");
    rig.fingerprint.set_fault(Some(FaultKind::Timeout)).expect("fault");
    let r = scanner.verify(&card, Duration::from_millis(200)).await;
    assert!(matches!(r, Err(drivers::fingerprint::FingerprintError::Device(DeviceError::Timeout(_)))), "{r:?}");

    // A failed sensor still answers a handshake: the health poll sees it by taking an image.
    rig.fingerprint.set_fault(Some(FaultKind::SensorFailure)).expect("fault");
    rig.fingerprint.lift();
    assert_eq!(scanner.health().await.state, DeviceState::HardwareError(FaultKind::SensorFailure));

    // Unplugged: no device; plugged back: it works again without a new driver, once it has
    // answered a few times in a row.
    rig.fingerprint.set_fault(Some(FaultKind::Unplugged)).expect("fault");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(scanner.health().await.state, DeviceState::NoDevice);
    rig.fingerprint.set_fault(None).expect("clear");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut states = Vec::new();
    for _ in 0..4 {
        states.push(scanner.health().await.state);
    }
    assert_eq!(states.last(), Some(&DeviceState::Online), "{states:?}");
    assert_ne!(states.first(), Some(&DeviceState::Online), "not trusted on its first answer: {states:?}");
    rig.fingerprint.place(PlacedFinger { pattern: me.fingers[0].template.clone(), poor: false });
    assert!(scanner.verify(&card, Duration::from_secs(2)).await.expect("verify").matched);
    emulator.abort();
}

/// A kioskd killed while the module was imaging a finger leaves the module's answer on its way.
/// The next kioskd's first exchange (its health poll) finds the line quiet, so the late answer
/// arrives during that poll and every answer after it would be one behind: its first session
/// then read the answer to the previous request and failed with garbage (found by the crash
/// harness, RELIABILITY.md). Whatever the module sent between exchanges was asked by no one there:
/// the next exchange drains it first.
#[tokio::test(flavor = "current_thread")]
async fn a_late_answer_to_a_killed_kioskd_does_not_put_the_next_one_behind() {
    use drivers::fingerprint::ef01::{DEFAULT_ADDRESS, Instruction, PacketCodec};
    use futures_util::SinkExt;
    use tokio_serial::SerialPortBuilderExt;

    let Module { dir: _dir, link, rig, emulator, deck } = module(Speed::Realistic);
    let me = deck.personas.iter().find(|p| !p.fingers.is_empty()).expect("a persona with fingers");
    let card: Vec<_> = me.fingers.iter().map(|f| f.template.clone()).collect();
    let finger = || PlacedFinger { pattern: me.fingers[0].template.clone(), poor: false };

    // The killed kioskd: it asked for an image of the finger on the prism and went away.
    rig.fingerprint.place(finger());
    {
        let port = tokio_serial::new(link.to_string_lossy(), 57_600).open_native_async().expect("open");
        let mut framed = tokio_util::codec::Framed::new(port, PacketCodec::new());
        framed.send(Instruction::GenImg.to_packet(DEFAULT_ADDRESS)).await.expect("sent");
    }
    // The next one starts while the module is still imaging.
    let mut scanner = Ef01Scanner::new(PortSettings::new(link.clone(), 57_600), 0);
    assert_eq!(scanner.health().await.state, DeviceState::Online);
    tokio::time::sleep(Duration::from_millis(800)).await;
    rig.fingerprint.place(finger());
    let m = scanner.verify(&card, Duration::from_secs(3)).await;
    assert!(matches!(m, Ok(ref m) if m.matched), "the first applicant after the restart: {m:?}");
    emulator.abort();
}
