//! Makes the recorded device sessions that `drivers/tests/replay.rs` replays: the real drivers
//! against the emulators, on the happy path and with every fault kind of each serial device.
//! Run it after a protocol change, then review and commit the recordings:
//!
//! `cargo test -p sim --test record_fixtures -- --ignored`

use drivers::record::{AnyDevice, Recorder, Step};
use drivers::serial::PortSettings;
use drivers::{DeviceKind, FaultKind};
use sim::devices::fingerprint::PlacedFinger;
use sim::devices::rig::{Rig, RigOptions, Speed, build};
use sim::persona::Persona;
use sim::wire::WireRig;
use std::path::Path;
use std::time::Duration;

struct Scenario {
    name: &'static str,
    device: DeviceKind,
    /// A fault injected after the first step.
    fault: Option<FaultKind>,
    setup: fn(&Rig, &Persona, &Persona),
    /// Done after the fault is injected (a card pushed into the MRZ reader, which reports on its own).
    late_setup: Option<fn(&Rig, &Persona)>,
    steps: Vec<Step>,
}

fn endorsement() -> drivers::permit::Endorsement {
    let d = |m, day| chrono::NaiveDate::from_ymd_opt(2026, m, day).expect("date");
    drivers::permit::Endorsement {
        destination: drivers::permit::Destination::HongKong,
        kind: drivers::permit::EndorsementKind::GroupTour,
        trips: drivers::permit::Trips::One,
        trips_left: Some(1),
        valid_from: d(11, 21),
        valid_to: d(12, 20),
        issue_key: Some("Ek1-20261121-0001".into()),
    }
}

fn insert(rig: &Rig, me: &Persona, upside_down: bool) {
    let permit = me.permits.first().expect("a permit").clone();
    rig.permit.insert(sim::devices::permit_slot::PermitCard { permit, upside_down }).expect("insert");
}

fn ticket() -> drivers::receipt::Document {
    drivers::receipt::Document::new()
        .styled("排队号 Queue number", drivers::receipt::Align::Centre, 1, true)
        .styled("BA007", drivers::receipt::Align::Centre, 3, true)
        .qr("TICKET:BA007")
}

fn scenarios(me: &Persona) -> Vec<Scenario> {
    let templates: Vec<_> = me.fingers.iter().map(|f| f.template.clone()).collect();
    let read = || Step::ReadCard { wait_ms: 600 };
    let verify = || Step::Verify { wait_ms: 600, templates: templates.clone() };
    let print = || Step::Print { doc: ticket() };
    let card: fn(&Rig, &Persona, &Persona) = |rig, me, _| rig.idcard.place(sim::bio::card_of(me).expect("card"));
    let own: fn(&Rig, &Persona, &Persona) =
        |rig, me, _| rig.fingerprint.place(PlacedFinger { pattern: me.fingers[0].template.clone(), poor: false });
    let nothing: fn(&Rig, &Persona, &Persona) = |_, _, _| {};
    // The MRZ reader draws a card in as soon as it has read it: the printer then holds it.
    let card_inside: fn(&Rig, &Persona, &Persona) = |rig, me, _| insert(rig, me, false);
    let read_permit = || Step::ReadPermit { wait_ms: 800 };
    let endorse = || {
        vec![
            Step::Health,
            Step::ReadChip,
            Step::Write { endorsement: endorsement() },
            Step::Eject,
            Step::WaitTaken { wait_ms: 200 },
            Step::Retain,
            Step::Health,
        ]
    };
    let mut v = vec![
        Scenario {
            name: "permit-read",
            device: DeviceKind::Permit,
            fault: None,
            setup: nothing,
            late_setup: Some(|rig, me| insert(rig, me, false)),
            steps: vec![Step::Health, read_permit()],
        },
        Scenario {
            name: "permit-upside-down",
            device: DeviceKind::Permit,
            fault: None,
            setup: nothing,
            late_setup: Some(|rig, me| insert(rig, me, true)),
            steps: vec![Step::Health, read_permit()],
        },
        Scenario {
            name: "endorser-issue",
            device: DeviceKind::Endorser,
            fault: None,
            setup: card_inside,
            late_setup: None,
            steps: endorse(),
        },
        Scenario {
            name: "idcard-read",
            device: DeviceKind::IdCard,
            fault: None,
            setup: card,
            late_setup: None,
            steps: vec![Step::Health, read()],
        },
        Scenario {
            name: "idcard-no-card",
            device: DeviceKind::IdCard,
            fault: None,
            setup: nothing,
            late_setup: None,
            steps: vec![Step::Health, read()],
        },
        Scenario {
            name: "fingerprint-match",
            device: DeviceKind::Fingerprint,
            fault: None,
            setup: own,
            late_setup: None,
            steps: vec![Step::Health, verify()],
        },
        Scenario {
            name: "fingerprint-no-match",
            device: DeviceKind::Fingerprint,
            fault: None,
            setup: |rig, _, other| {
                rig.fingerprint.place(PlacedFinger { pattern: other.fingers[0].template.clone(), poor: false })
            },
            late_setup: None,
            steps: vec![Step::Health, verify()],
        },
        Scenario {
            name: "fingerprint-poor-image",
            device: DeviceKind::Fingerprint,
            fault: None,
            setup: |rig, me, _| {
                rig.fingerprint.place(PlacedFinger { pattern: me.fingers[0].template.clone(), poor: true })
            },
            late_setup: None,
            steps: vec![Step::Health, verify()],
        },
        Scenario {
            name: "receipt-print",
            device: DeviceKind::Receipt,
            fault: None,
            setup: nothing,
            late_setup: None,
            steps: vec![Step::Health, print()],
        },
        Scenario {
            name: "receipt-paper-near-end",
            device: DeviceKind::Receipt,
            fault: None,
            setup: |rig, _, _| rig.receipt.refill(3),
            late_setup: None,
            steps: vec![Step::Health, print()],
        },
    ];
    let late_card: fn(&Rig, &Persona) = |rig, me| insert(rig, me, false);
    for (device, setup, late_setup, steps) in [
        (DeviceKind::IdCard, card, None, vec![Step::Health, read(), Step::Health]),
        (DeviceKind::Fingerprint, own, None, vec![Step::Health, verify(), Step::Health]),
        (DeviceKind::Receipt, nothing, None, vec![Step::Health, print(), Step::Health]),
        (DeviceKind::Permit, nothing, Some(late_card), vec![Step::Health, read_permit(), Step::Health]),
        (DeviceKind::Endorser, card_inside, None, endorse()),
    ] {
        for &fault in device.fault_kinds() {
            v.push(Scenario {
                name: Box::leak(format!("{}-{}", device.name(), fault.name().replace('_', "-")).into_boxed_str()),
                device,
                fault: Some(fault),
                setup,
                late_setup,
                steps: steps.clone(),
            });
        }
    }
    v
}

async fn record(s: &Scenario, me: &Persona, other: &Persona, out: &Path) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, rig) = build(&RigOptions { speed: Speed::Zero, ..Default::default() });
    let wire = WireRig::start(dir.path(), &rig).expect("ptys");
    let (port, baud) = wire.port(s.device).map(|(p, b)| (p.to_path_buf(), b)).expect("port");
    let path = out.join(format!("{}.jsonl", s.name));
    let _ = std::fs::remove_file(&path);
    let settings = PortSettings { record: Some(path.clone()), ..PortSettings::new(port, baud) };
    let mut device = match s.device {
        DeviceKind::IdCard => {
            AnyDevice::IdCard(Box::new(drivers::idcard::serial::SamReader::new(settings, Duration::from_millis(500))))
        }
        DeviceKind::Fingerprint => {
            AnyDevice::Fingerprint(Box::new(drivers::fingerprint::serial::Ef01Scanner::new(settings, 0)))
        }
        DeviceKind::Permit => AnyDevice::Permit(Box::new(drivers::permit::serial::MrzReader::new(settings))),
        DeviceKind::Endorser => {
            let endorser = drivers::endorser::driver::LinkedEndorser::on_socket_recorded(
                settings.path.clone(),
                settings.record.clone(),
            );
            // Short answer timeouts keep replays of a silent printer quick (replay uses the same).
            AnyDevice::Endorser(Box::new(
                endorser.with_timeouts(Duration::from_millis(500), Duration::from_millis(2000)),
            ))
        }
        _ => AnyDevice::Receipt(Box::new(drivers::receipt::serial::EscPosPrinter::new(settings))),
    };
    wire.ready().await.expect("ready");
    (s.setup)(&rig, me, other);
    tokio::time::sleep(Duration::from_millis(150)).await;
    let mut results = Vec::new();
    for (i, step) in s.steps.iter().enumerate() {
        if i == 1
            && let Some(f) = s.fault
        {
            rig.handle(s.device).set_fault(Some(f)).expect("fault");
            tokio::time::sleep(Duration::from_millis(80)).await;
        }
        if i == 1
            && let Some(late) = s.late_setup
        {
            late(&rig, me);
        }
        results.push(step.run(&mut device).await);
    }
    Recorder::create(&path).expect("recording").meta(&serde_json::json!({
        "scenario": s.name,
        "device": s.device,
        "fault": s.fault,
        "steps": s.steps,
        "results": results,
        "timeouts_ms": [500, 2000],
        "made_with": "kiosk-sim emulator on a pty (sim/tests/record_fixtures.rs)",
    }));
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "writes drivers/tests/recordings: run after a protocol change, then review the diff"]
async fn record_every_scenario() {
    let out = manifest_dir().join("../drivers/tests/recordings");
    std::fs::create_dir_all(&out).expect("dir");
    let deck = sim::persona::generate::generate(10, 11, chrono::NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"));
    let mut with_fingers = deck.personas.iter().filter(|p| p.fingers.len() == 2 && !p.permits.is_empty());
    let (me, other) = (with_fingers.next().expect("one"), with_fingers.next().expect("two"));
    for s in scenarios(me) {
        record(&s, me, other, &out).await;
    }
}

/// This package's directory: as `cargo` gives it to the running program (a binary built from another
/// checkout sharing the target directory is still right), else as it was at build time.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), Into::into)
}
