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

#[tokio::test(flavor = "current_thread")]
async fn the_driver_matches_fingers_through_the_emulated_module() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("fingerprint");
    let (_, rig) = build(&RigOptions { speed: Speed::Zero, ..Default::default() });
    let port = PtyPort::create(&link).expect("pty");
    let emulator = tokio::spawn(sim::wire::fingerprint::run(port, rig.fingerprint.clone()));
    let deck = generate(10, 3, chrono::NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"));
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
