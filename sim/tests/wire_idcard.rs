//! The real SAM driver against the ID card reader emulator on a pty.

use drivers::idcard::serial::SamReader;
use drivers::idcard::{IdCardError, IdCardReader};
use drivers::serial::PortSettings;
use drivers::{Device, DeviceError, DeviceState, FaultKind};
use sim::devices::SimHandle;
use sim::devices::rig::{RigOptions, Speed, build};
use sim::persona::generate::generate;
use sim::wire::pty::PtyPort;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "current_thread")]
async fn the_driver_reads_cards_through_the_emulated_reader() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("idcard");
    let (_, rig) = build(&RigOptions { speed: Speed::Zero, ..Default::default() });
    let emulator = tokio::spawn(sim::wire::idcard::run(PtyPort::create(&link).expect("pty"), rig.idcard.clone()));
    let deck = generate(10, 4, chrono::NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"));
    let persona = deck.personas.iter().find(|p| p.fingers.len() == 2).expect("a persona");
    let card = sim::bio::card_of(persona).expect("card");

    let mut reader = SamReader::new(PortSettings::new(link.clone(), 115_200), Duration::from_millis(500));
    assert_eq!(reader.health().await.state, DeviceState::Online);
    assert_eq!(reader.read_card(Duration::from_millis(300)).await, Err(IdCardError::NoCard));

    rig.idcard.place(card.clone());
    let started = Instant::now();
    let read = reader.read_card(Duration::from_secs(2)).await.expect("read");
    let took = started.elapsed();
    assert_eq!(read, card, "text, photo and both templates, exactly as the card carries them");
    // 2321 bytes at 115200 baud (10 bits a byte) take 0.2 s on the wire.
    assert!(took >= Duration::from_millis(200), "wire timing is modelled: {took:?}");

    rig.idcard.set_fault(Some(FaultKind::SamFailure)).expect("fault");
    assert_eq!(reader.health().await.state, DeviceState::HardwareError(FaultKind::SamFailure));
    let r = reader.read_card(Duration::from_secs(1)).await;
    assert_eq!(
        r,
        Err(IdCardError::Device(DeviceError::Hardware(FaultKind::SamFailure))),
        "the reader is at fault, not the card"
    );
    rig.idcard.set_fault(Some(FaultKind::Garbage)).expect("fault");
    let r = reader.read_card(Duration::from_secs(1)).await;
    assert!(matches!(r, Err(IdCardError::Device(DeviceError::Timeout(_) | DeviceError::Protocol(_)))), "{r:?}");
    rig.idcard.set_fault(Some(FaultKind::Unplugged)).expect("fault");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(reader.read_card(Duration::from_secs(1)).await, Err(IdCardError::Device(DeviceError::NoDevice)));
    rig.idcard.set_fault(None).expect("clear");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(reader.read_card(Duration::from_secs(2)).await.expect("read after replug"), card);
    emulator.abort();
}

/// Unplugged while the daemon keeps polling its health, then plugged back: the reader is gone
/// while unplugged, and trusted again after ANSWERS_TO_RECOVER good polls.
#[tokio::test(flavor = "current_thread")]
async fn the_reader_comes_back_after_an_unplug_while_polled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("idcard");
    let (_, rig) = build(&RigOptions { speed: Speed::Zero, ..Default::default() });
    let emulator = tokio::spawn(sim::wire::idcard::run(PtyPort::create(&link).expect("pty"), rig.idcard.clone()));
    let mut reader = SamReader::new(PortSettings::new(link.clone(), 115_200), Duration::from_millis(500));
    assert_eq!(reader.health().await.state, DeviceState::Online);
    rig.idcard.set_fault(Some(FaultKind::Unplugged)).expect("fault");
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(reader.health().await.state, DeviceState::NoDevice);
    }
    rig.idcard.set_fault(None).expect("clear");
    let mut states = Vec::new();
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        states.push(reader.health().await.state);
    }
    let first = states.iter().position(|s| *s == DeviceState::Online).expect("back online");
    assert_eq!(first + 1, drivers::serial::ANSWERS_TO_RECOVER as usize, "{states:?}");
    assert!(states[first..].iter().all(|s| *s == DeviceState::Online), "{states:?}");
    emulator.abort();
}
