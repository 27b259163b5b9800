//! Recorded device sessions replayed against the drivers: every byte the driver sends must be the
//! recorded one, and with the recorded answers it must report what it reported then. The
//! recordings are in `tests/recordings` (made by `sim/tests/record_fixtures.rs`; recordings of real
//! devices, made with a device's `record` setting, are replayed the same way).

use drivers::record::{AnyDevice, Recording, Step};
use drivers::serial::SerialLink;
use drivers::{DeviceKind, fingerprint, idcard, receipt};
use std::path::Path;
use std::time::Duration;

async fn replay(path: &Path) -> Result<(), String> {
    let rec = Recording::load(path).map_err(|e| e.to_string())?;
    let device: DeviceKind = serde_json::from_value(rec.meta["device"].clone()).map_err(|e| e.to_string())?;
    let steps: Vec<Step> = serde_json::from_value(rec.meta["steps"].clone()).map_err(|e| e.to_string())?;
    let expected: Vec<String> = serde_json::from_value(rec.meta["results"].clone()).map_err(|e| e.to_string())?;
    let (port, device_side) = rec.replay();
    let open = port.opener();
    let mut dev = match device {
        DeviceKind::IdCard => AnyDevice::IdCard(Box::new(idcard::serial::SamReader::with_link(
            SerialLink::with_opener(open, idcard::sam::HostCodec),
            Duration::from_millis(500),
        ))),
        DeviceKind::Fingerprint => AnyDevice::Fingerprint(Box::new(fingerprint::serial::Ef01Scanner::with_link(
            SerialLink::with_opener(open, fingerprint::ef01::PacketCodec::new()),
            0,
        ))),
        DeviceKind::Receipt => AnyDevice::Receipt(Box::new(receipt::serial::EscPosPrinter::with_link(
            SerialLink::with_opener(open, receipt::serial::PrinterHostCodec::default()),
        ))),
        DeviceKind::Permit => AnyDevice::Permit(Box::new(drivers::permit::serial::MrzReader::with_link(
            SerialLink::with_opener(open, drivers::permit::wire::MrzLineCodec::new()),
        ))),
        DeviceKind::Endorser => {
            let t: Vec<u64> = serde_json::from_value(rec.meta["timeouts_ms"].clone()).unwrap_or(vec![3000, 90_000]);
            let ms = |i: usize| Duration::from_millis(t.get(i).copied().unwrap_or(3000));
            AnyDevice::Endorser(Box::new(
                drivers::endorser::driver::LinkedEndorser::new(open).with_timeouts(ms(0), ms(1)),
            ))
        }
        other => return Err(format!("no backend with a link for {other}")),
    };
    let mut got = Vec::new();
    for s in &steps {
        got.push(s.run(&mut dev).await);
    }
    drop(dev);
    if got != expected {
        return Err(format!("reported {got:?}, recorded {expected:?}"));
    }
    match device_side.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn every_recording_replays_byte_for_byte() {
    let dir = manifest_dir().join("tests/recordings");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("recordings")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "happy paths and every fault kind of five devices: {}", files.len());
    // Independent devices: replay them side by side (a recorded silence takes its full timeout).
    let mut set = tokio::task::JoinSet::new();
    for f in files.clone() {
        set.spawn(async move {
            let r = replay(&f).await;
            (f, r)
        });
    }
    let mut failures = Vec::new();
    while let Some(done) = set.join_next().await {
        match done {
            Ok((f, Err(e))) => failures.push(format!("{}: {e}", f.display())),
            Ok((_, Ok(()))) => {}
            Err(e) => failures.push(format!("a replay task failed: {e}")),
        }
    }
    failures.sort();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// This package's directory: as `cargo` gives it to the running program (a binary built from another
/// checkout sharing the target directory is still right), else as it was at build time.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), Into::into)
}
