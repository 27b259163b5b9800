//! `kioskd probe`, as staff run it: the kioskd binary against the device emulators on ptys, and
//! against devices that are not there.

mod common;

use common::test_deck;
use serde_json::Value;
use std::path::Path;
use std::process::Output;

async fn probe(args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_kioskd"))
        .arg("probe")
        .args(args)
        .output()
        .await
        .expect("kioskd runs")
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "probe failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("probe prints JSON")
}

fn port(wire: &sim::wire::WireRig, kind: drivers::DeviceKind) -> &Path {
    wire.port(kind).map(|(p, _)| p).expect("on the wire")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_read_the_emulated_devices_and_mask_personal_data() {
    let t = test_deck();
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, rig) = sim::devices::rig::build(&sim::devices::rig::RigOptions {
        speed: sim::devices::rig::Speed::Fast,
        ..Default::default()
    });
    let wire = sim::wire::WireRig::start(&dir.path().join("dev"), &rig).expect("ptys");
    wire.ready().await.expect("ready");
    let person = t.deck.personas.iter().find(|p| p.id == t.id("checkin_ok")).expect("persona");
    rig.idcard.place(sim::bio::card_of(person).expect("card"));

    let idcard = port(&wire, drivers::DeviceKind::IdCard).to_str().expect("utf-8 path");
    let out = json(&probe(&["idcard", "--port", idcard, "--wait", "3"]).await);
    assert_eq!(out["health"]["state"]["state"], "online", "{out}");
    let id = out["card"]["id_number"].as_str().expect("an ID number");
    assert_eq!(id.len(), 18, "{out}");
    assert!(id.contains("********") && !id.contains(&person.card.id_number), "masked: {id}");
    assert_eq!(out["card"]["id_number_valid"], true);
    assert_ne!(out["card"]["name"], person.card.name.as_str(), "the name is masked");

    let receipt = port(&wire, drivers::DeviceKind::Receipt).to_str().expect("utf-8 path");
    let out = json(&probe(&["receipt", "--port", receipt, "--test-print"]).await);
    assert_eq!(out["test_print"], "printed", "{out}");
    let tray = rig.receipt.take();
    assert!(tray.iter().any(|d| d.to_text().contains("Test print")), "the test ticket came out of the emulator");
}

#[tokio::test]
async fn a_missing_camera_or_port_is_reported_not_crashed_on() {
    let out = json(&probe(&["camera", "--port", "/dev/kiosk/no-such-camera", "--wait", "0.1"]).await);
    assert_eq!(out["health"]["state"]["state"], "no_device", "{out}");
    assert!(out["info"]["error"].as_str().is_some_and(|e| e.contains("not connected")), "{out}");
    // A node that is not a camera at all.
    let out = json(&probe(&["camera", "--port", "/dev/null", "--wait", "0.1"]).await);
    assert!(out["info"]["error"].as_str().is_some_and(|e| e.contains("V4L2")), "{out}");

    let out = json(&probe(&["idcard", "--port", "/dev/kiosk/no-such-reader", "--wait", "0.2"]).await);
    assert_eq!(out["health"]["state"]["state"], "no_device", "{out}");

    let out = probe(&["idcard"]).await;
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--port"));
    let out = probe(&["scanner", "--port", "/dev/null"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown device"));
    let out = probe(&["receipt", "--usb", "04b8:0e15"]).await;
    if cfg!(feature = "usb") {
        // No USB bus here: the printer reads as absent.
        assert_eq!(json(&out)["health"]["state"]["state"], "no_device");
    } else {
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("without USB"));
    }
}
