//! `kioskd probe`: talk to one device and print what it reads as JSON. The first tool staff and
//! developers reach for when a device misbehaves. Personal data is masked as in the logs.

use drivers::idcard::IdCardReader;
use drivers::serial::PortSettings;
use drivers::{Device, DeviceKind};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

/// What to probe.
#[derive(Debug, Clone)]
pub struct ProbeArgs {
    /// Which device.
    pub device: DeviceKind,
    /// Its serial port, socket or device node.
    pub port: Option<PathBuf>,
    /// Or its USB `VID:PID` (receipt and endorsement printers; cargo feature `usb`).
    pub usb: Option<String>,
    /// Baud rate (default: the device family's).
    pub baud: Option<u32>,
    /// How long to wait for a card or a finger.
    pub wait: Duration,
    /// Print a test ticket (receipt printer).
    pub test_print: bool,
    /// Camera frame size asked for.
    pub width: Option<u32>,
    /// Camera frame size asked for.
    pub height: Option<u32>,
}

/// Probe a device; `Err` is a message for staff.
pub async fn probe(a: &ProbeArgs) -> Result<Value, String> {
    let mut out = json!({ "device": a.device.name() });
    if let Some(usb) = &a.usb {
        out["usb"] = json!(usb);
        return probe_usb(a, usb, out).await;
    }
    let Some(port) = a.port.clone() else { return Err("give the device's --port PATH (or --usb VID:PID)".into()) };
    out["port"] = json!(port.display().to_string());
    let settings = |baud| PortSettings::new(port.clone(), a.baud.unwrap_or(baud));
    match a.device {
        DeviceKind::IdCard => {
            let s = settings(drivers::idcard::sam::command::DEFAULT_BAUD);
            let mut r = drivers::idcard::serial::SamReader::new(s, Duration::from_secs(2));
            out["health"] = json!(r.health().await);
            out["card"] = match r.read_card(a.wait).await {
                Ok(card) => {
                    let t = &card.text;
                    json!({
                        "card_type": t.card_type,
                        "name": crate::documents::mask_name(&t.name),
                        "sex": t.sex, "ethnicity": t.ethnicity,
                        "birth": t.birth,
                        "id_number": drivers::idcard::mask_id(&t.id_number),
                        "id_number_valid": drivers::idcard::IdNumber::parse(&t.id_number).is_ok(),
                        "issuer": t.issuer, "valid_from": t.valid_from, "valid_to": t.valid_to,
                        "photo_bytes": card.photo.len(),
                        "fingerprints": card.fingerprints.len(),
                    })
                }
                Err(e) => json!({ "error": e.to_string() }),
            };
        }
        DeviceKind::Fingerprint => {
            use drivers::fingerprint::FingerprintScanner;
            let mut f = drivers::fingerprint::serial::Ef01Scanner::new(settings(57_600), 0);
            out["health"] = json!(f.health().await);
            // No card templates here: a capture is only checked for a usable image.
            let probe_template = drivers::biometric::Biometric::new(vec![0x03; drivers::idcard::FINGER_LEN]);
            out["capture"] = match f.verify(&[probe_template], a.wait).await {
                Ok(_) => json!({ "finger": "imaged" }),
                Err(e) => json!({ "error": e.to_string() }),
            };
        }
        DeviceKind::Receipt => {
            let mut p = drivers::receipt::serial::EscPosPrinter::new(settings(115_200));
            receipt(&mut p, a.test_print, &mut out).await;
        }
        DeviceKind::Permit => {
            use drivers::permit::PermitReader;
            let mut r = drivers::permit::serial::MrzReader::new(settings(drivers::permit::serial::DEFAULT_BAUD));
            out["health"] = json!(r.health().await);
            out["permit"] = match r.read_permit(a.wait).await {
                Ok(p) => match drivers::permit::PermitMrz::parse(&p.mrz, chrono::Datelike::year(&chrono::Utc::now())) {
                    Ok(m) => json!({
                        "kind": m.kind, "number": drivers::idcard::mask_id(&m.number),
                        "expiry": m.expiry, "birth": m.birth, "checks": "ok",
                    }),
                    Err(e) => json!({ "error": e.to_string() }),
                },
                Err(e) => json!({ "error": e.to_string() }),
            };
        }
        DeviceKind::Endorser => {
            let mut p = drivers::endorser::driver::LinkedEndorser::on_socket(port);
            endorser(&mut p, &mut out).await;
        }
        DeviceKind::Camera => {
            let mut s = drivers::camera::v4l2::V4l2Settings::new(port);
            s.width = a.width.unwrap_or(s.width);
            s.height = a.height.unwrap_or(s.height);
            let mut cam = drivers::camera::v4l2::V4l2Camera::new(s);
            out["health"] = json!(cam.health().await);
            out["info"] = match cam.info().await {
                Ok(info) => json!(info),
                Err(e) => json!({ "error": e.to_string() }),
            };
            if out["info"].get("error").is_none() {
                // Frame measures only: no image of anyone leaves the probe.
                out["capture"] = match cam.capture(a.wait).await {
                    Ok((_, report)) => json!(report),
                    Err(e) => json!({ "error": e.to_string() }),
                };
            }
        }
        other => return Err(format!("no real backend for the {other} yet: it runs simulated in this version")),
    }
    Ok(out)
}

async fn endorser(p: &mut dyn drivers::endorser::EndorsementPrinter, out: &mut Value) {
    out["health"] = json!(p.health().await);
    out["card_inside"] = match p.card_inside().await {
        Ok(inside) => json!(inside),
        Err(e) => json!({ "error": e.to_string() }),
    };
    if out["card_inside"] == json!(true) {
        out["chip"] = match p.read_chip().await {
            Ok(c) => json!({
                "name": crate::documents::mask_name(&c.name_zh),
                "endorsements": c.endorsements.iter().map(crate::documents::describe).collect::<Vec<_>>(),
            }),
            Err(e) => json!({ "error": e.to_string() }),
        };
    }
}

async fn receipt(p: &mut dyn drivers::receipt::ReceiptPrinter, test_print: bool, out: &mut Value) {
    out["health"] = json!(p.health().await);
    if test_print {
        let doc = crate::documents::test_ticket();
        out["test_print"] = match p.print(&doc).await {
            Ok(()) => json!("printed"),
            Err(e) => json!({ "error": e.to_string() }),
        };
    }
}

/// The printers on USB bulk pipes.
#[cfg(feature = "usb")]
async fn probe_usb(a: &ProbeArgs, usb: &str, mut out: Value) -> Result<Value, String> {
    let Some((vid, pid)) = drivers::usb::parse_vid_pid(usb) else {
        return Err(format!("--usb {usb:?}: expected VID:PID in hex, e.g. 0483:5720"));
    };
    let u = drivers::usb::UsbSettings { vid, pid, interface: 0, ep_out: 0x01, ep_in: 0x81 };
    match a.device {
        DeviceKind::Endorser => {
            let mut p = drivers::endorser::driver::LinkedEndorser::new(drivers::usb::opener(u));
            endorser(&mut p, &mut out).await;
        }
        DeviceKind::Receipt => {
            let link = drivers::serial::SerialLink::with_opener(
                drivers::usb::opener(u),
                drivers::receipt::serial::PrinterHostCodec::default(),
            );
            let mut p = drivers::receipt::serial::EscPosPrinter::with_link(link);
            receipt(&mut p, a.test_print, &mut out).await;
        }
        other => return Err(format!("the {other} is not a USB device here: give its --port")),
    }
    Ok(out)
}

#[cfg(not(feature = "usb"))]
async fn probe_usb(_: &ProbeArgs, _: &str, _: Value) -> Result<Value, String> {
    Err("this kioskd was built without USB (cargo feature usb): give the device's --port".into())
}
