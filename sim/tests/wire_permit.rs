//! The real MRZ reader driver and endorsement printer driver against their emulators: the permit
//! read, its chip read by the printer, an unreadable card, a write, eject and take.

use drivers::endorser::EndorsementPrinter;
use drivers::endorser::driver::LinkedEndorser;
use drivers::permit::serial::MrzReader;
use drivers::permit::{PermitError, PermitReader};
use drivers::serial::PortSettings;
use drivers::{Device, DeviceError, DeviceState, FaultKind};
use sim::devices::SimHandle;
use sim::devices::permit_slot::PermitCard;
use sim::devices::rig::{RigOptions, Speed, build};
use sim::persona::generate::generate;
use sim::wire::WireRig;
use std::time::Duration;

#[tokio::test(flavor = "current_thread")]
async fn permits_are_read_written_and_returned_through_the_emulators() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, rig) = build(&RigOptions { speed: Speed::Zero, ..Default::default() });
    let wire = WireRig::start(dir.path(), &rig).expect("emulators");
    wire.ready().await.expect("ready");
    let port = |k| wire.port(k).map(|(p, b)| (p.to_path_buf(), b)).expect("port");
    let (mrz_port, baud) = port(drivers::DeviceKind::Permit);
    let (sock, _) = port(drivers::DeviceKind::Endorser);
    let mut reader = MrzReader::new(PortSettings::new(mrz_port, baud));
    let mut printer = LinkedEndorser::on_socket(sock);
    let deck = generate(20, 6, chrono::NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"));
    let permit = deck.personas.iter().flat_map(|p| p.permits.first()).next().expect("a permit").clone();

    assert_eq!(reader.health().await.state, DeviceState::Online);
    assert_eq!(printer.health().await.state, DeviceState::Online);
    assert_eq!(reader.read_permit(Duration::from_millis(200)).await, Err(PermitError::NoPermit));

    // The wrong way round: unreadable, and it comes back out.
    rig.permit.insert(PermitCard { permit: permit.clone(), upside_down: true }).expect("insert");
    assert!(matches!(reader.read_permit(Duration::from_secs(2)).await, Err(PermitError::Unreadable(_))));
    assert!(
        !printer.wait_taken(Duration::from_millis(50)).await.expect("taken?"),
        "the unreadable card waits at the exit"
    );
    assert!(rig.permit.take().is_some());

    // The right way: the MRZ from the reader, the chip from the printer.
    rig.permit.insert(PermitCard { permit: permit.clone(), upside_down: false }).expect("insert");
    let data = reader.read_permit(Duration::from_secs(2)).await.expect("read");
    assert_eq!(data.mrz, permit.mrz);
    assert_eq!(data.chip, None, "an MRZ reader has no chip reader");
    let chip = printer.read_chip().await.expect("chip");
    assert_eq!(chip.name_zh, permit.name_zh);

    // A write, read back, eject, take.
    let e = drivers::permit::Endorsement {
        destination: drivers::permit::Destination::HongKong,
        kind: drivers::permit::EndorsementKind::GroupTour,
        trips: drivers::permit::Trips::One,
        trips_left: Some(1),
        valid_from: chrono::NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"),
        valid_to: chrono::NaiveDate::from_ymd_opt(2027, 2, 20).expect("date"),
        issue_key: Some("Etest".into()),
    };
    printer.write(&e).await.expect("write");
    assert!(printer.read_back().await.expect("read back").contains(&e));
    rig.endorser.set_fault(Some(FaultKind::ChipWriteFailed)).expect("fault");
    assert_eq!(printer.write(&e).await, Err(DeviceError::Hardware(FaultKind::ChipWriteFailed).into()));
    rig.endorser.set_fault(None).expect("clear");
    printer.eject().await.expect("eject");
    assert!(!printer.wait_taken(Duration::from_millis(100)).await.expect("not yet"));
    let taken = rig.permit.take().expect("taken");
    assert_eq!(taken.permit.endorsements.iter().filter(|x| x.issue_key.as_deref() == Some("Etest")).count(), 1);
    assert!(printer.wait_taken(Duration::from_millis(100)).await.expect("taken"));

    // Unplugged and back.
    rig.endorser.set_fault(Some(FaultKind::Unplugged)).expect("fault");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(printer.health().await.state, DeviceState::NoDevice);
    rig.endorser.set_fault(None).expect("clear");
    tokio::time::sleep(Duration::from_millis(100)).await;
    for _ in 0..3 {
        let _ = printer.health().await;
    }
    assert_eq!(printer.health().await.state, DeviceState::Online);

    // The MRZ reader only speaks when a card passes; unplugged, its port's name is gone.
    rig.permit.set_fault(Some(FaultKind::Unplugged)).expect("fault");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(reader.health().await.state, DeviceState::NoDevice);
    rig.permit.set_fault(None).expect("clear");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(reader.health().await.state, DeviceState::Online);
    rig.permit.insert(PermitCard { permit: permit.clone(), upside_down: false }).expect("insert");
    assert_eq!(reader.read_permit(Duration::from_secs(2)).await.expect("read after replug").mrz, permit.mrz);
    printer.eject().await.expect("eject");
    assert!(rig.permit.take().is_some());

    // A card read before anyone asked (drawn in after its session ended) is not the next
    // session's: its line is forgotten when a session asks for a permit.
    rig.permit.insert(PermitCard { permit: permit.clone(), upside_down: false }).expect("insert");
    tokio::time::sleep(Duration::from_millis(300)).await;
    reader.forget_earlier_reads().await;
    assert_eq!(reader.read_permit(Duration::from_millis(200)).await, Err(PermitError::NoPermit));
    printer.eject().await.expect("eject");
    assert!(rig.permit.take().is_some());

    // Line noise is the reader's fault; a misread digit is the card's (it reads as invalid).
    rig.permit.set_fault(Some(FaultKind::Garbage)).expect("fault");
    rig.permit.insert(PermitCard { permit: permit.clone(), upside_down: false }).expect("insert");
    let r = reader.read_permit(Duration::from_secs(2)).await;
    assert!(matches!(r, Err(PermitError::Device(DeviceError::Protocol(_)))), "{r:?}");
    assert!(rig.permit.take().is_some(), "given back");
    rig.permit.set_fault(Some(FaultKind::Checksum)).expect("fault");
    rig.permit.insert(PermitCard { permit: permit.clone(), upside_down: false }).expect("insert");
    let r = reader.read_permit(Duration::from_secs(2)).await;
    assert!(matches!(r, Err(PermitError::Unreadable(_))), "{r:?}");
    assert!(rig.permit.take().is_some(), "given back");
}
