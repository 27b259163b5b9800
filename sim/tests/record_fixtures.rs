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
    steps: Vec<Step>,
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
    let mut v = vec![
        Scenario {
            name: "idcard-read",
            device: DeviceKind::IdCard,
            fault: None,
            setup: card,
            steps: vec![Step::Health, read()],
        },
        Scenario {
            name: "idcard-no-card",
            device: DeviceKind::IdCard,
            fault: None,
            setup: nothing,
            steps: vec![Step::Health, read()],
        },
        Scenario {
            name: "fingerprint-match",
            device: DeviceKind::Fingerprint,
            fault: None,
            setup: own,
            steps: vec![Step::Health, verify()],
        },
        Scenario {
            name: "fingerprint-no-match",
            device: DeviceKind::Fingerprint,
            fault: None,
            setup: |rig, _, other| {
                rig.fingerprint.place(PlacedFinger { pattern: other.fingers[0].template.clone(), poor: false })
            },
            steps: vec![Step::Health, verify()],
        },
        Scenario {
            name: "fingerprint-poor-image",
            device: DeviceKind::Fingerprint,
            fault: None,
            setup: |rig, me, _| {
                rig.fingerprint.place(PlacedFinger { pattern: me.fingers[0].template.clone(), poor: true })
            },
            steps: vec![Step::Health, verify()],
        },
        Scenario {
            name: "receipt-print",
            device: DeviceKind::Receipt,
            fault: None,
            setup: nothing,
            steps: vec![Step::Health, print()],
        },
        Scenario {
            name: "receipt-paper-near-end",
            device: DeviceKind::Receipt,
            fault: None,
            setup: |rig, _, _| rig.receipt.refill(3),
            steps: vec![Step::Health, print()],
        },
    ];
    for (device, setup, step) in [
        (DeviceKind::IdCard, card, read()),
        (DeviceKind::Fingerprint, own, verify()),
        (DeviceKind::Receipt, nothing, print()),
    ] {
        for &fault in device.fault_kinds() {
            v.push(Scenario {
                name: Box::leak(format!("{}-{}", device.name(), fault.name().replace('_', "-")).into_boxed_str()),
                device,
                fault: Some(fault),
                setup,
                steps: vec![Step::Health, step.clone(), Step::Health],
            });
        }
    }
    v
}

async fn record(s: &Scenario, me: &Persona, other: &Persona, out: &Path) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, rig) = build(&RigOptions { speed: Speed::Zero, ..Default::default() });
    let wire = WireRig::start(dir.path(), &rig).expect("ptys");
    let (_, port, baud) = wire.ports().iter().find(|(k, _, _)| *k == s.device).expect("port").clone();
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
        _ => AnyDevice::Receipt(Box::new(drivers::receipt::serial::EscPosPrinter::new(settings))),
    };
    (s.setup)(&rig, me, other);
    let mut results = Vec::new();
    for (i, step) in s.steps.iter().enumerate() {
        if i == 1
            && let Some(f) = s.fault
        {
            rig.handle(s.device).set_fault(Some(f)).expect("fault");
            tokio::time::sleep(Duration::from_millis(80)).await;
        }
        results.push(step.run(&mut device).await);
    }
    Recorder::create(&path).expect("recording").meta(&serde_json::json!({
        "scenario": s.name,
        "device": s.device,
        "fault": s.fault,
        "steps": s.steps,
        "results": results,
        "made_with": "kiosk-sim emulator on a pty (sim/tests/record_fixtures.rs)",
    }));
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "writes drivers/tests/recordings: run after a protocol change, then review the diff"]
async fn record_every_scenario() {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../drivers/tests/recordings");
    std::fs::create_dir_all(&out).expect("dir");
    let deck = sim::persona::generate::generate(10, 11, chrono::NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"));
    let mut with_fingers = deck.personas.iter().filter(|p| p.fingers.len() == 2);
    let (me, other) = (with_fingers.next().expect("one"), with_fingers.next().expect("two"));
    for s in scenarios(me) {
        record(&s, me, other, &out).await;
    }
}
