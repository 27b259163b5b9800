//! Device work as tasks: each effect that touches a device becomes a task holding that device's lock
//! for the duration of one operation, answering with an [`Input`] for the session.

use crate::session::{CardInfo, Fault, Input, PayResult, PermitInfo};
use drivers::biometric::Biometric;
use drivers::camera::liveness::{self, Challenge, Illumination};
use drivers::camera::{BlinkDetector, CameraError, FaceVerifier, PhotoDecoder};
use drivers::endorser::EndorserError;
use drivers::fingerprint::FingerprintError;
use drivers::idcard::{IdCard, IdCardError, IdNumber};
use drivers::payment::{PaymentError, PaymentOutcome, PaymentStatus};
use drivers::permit::{PermitData, PermitError, PermitMrz};
use drivers::receipt::PrinterError;
use drivers::{DeviceError, DeviceKind, DeviceSet, FaultKind};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// How long one poll of a waiting device lasts before the task checks again.
pub const POLL: Duration = Duration::from_millis(500);

/// Biometric data of the current session: in memory only, zeroed when dropped.
#[derive(Debug, Default)]
pub struct Secrets {
    /// Fingerprint templates from the card.
    pub fingerprints: Vec<Biometric>,
    /// The card's WLT photo.
    pub photo: Biometric,
}

/// Every device behind its own lock.
#[derive(Clone)]
pub struct Devices {
    /// ID card reader.
    pub idcard: Arc<Mutex<Box<dyn drivers::idcard::IdCardReader>>>,
    /// Permit reader.
    pub permit: Arc<Mutex<Box<dyn drivers::permit::PermitReader>>>,
    /// Fingerprint scanner.
    pub fingerprint: Arc<Mutex<Box<dyn drivers::fingerprint::FingerprintScanner>>>,
    /// Camera.
    pub camera: Arc<Mutex<Box<dyn drivers::camera::Camera>>>,
    /// Endorsement printer.
    pub endorser: Arc<Mutex<Box<dyn drivers::endorser::EndorsementPrinter>>>,
    /// Receipt printer.
    pub receipt: Arc<Mutex<Box<dyn drivers::receipt::ReceiptPrinter>>>,
    /// Payment terminal.
    pub payment: Arc<Mutex<Box<dyn drivers::payment::PaymentTerminal>>>,
    /// Photo decoder.
    pub photo_decoder: Arc<dyn PhotoDecoder>,
    /// Face verifier.
    pub face_verifier: Arc<dyn FaceVerifier>,
    /// The screen's light on the applicant's face.
    pub light: Illumination,
    /// Blink detector.
    pub blink_detector: Arc<dyn BlinkDetector>,
}

impl Devices {
    /// Put each device of a set behind its lock.
    pub fn new(set: DeviceSet) -> Devices {
        Devices {
            idcard: Arc::new(Mutex::new(set.idcard)),
            permit: Arc::new(Mutex::new(set.permit)),
            fingerprint: Arc::new(Mutex::new(set.fingerprint)),
            camera: Arc::new(Mutex::new(set.camera)),
            endorser: Arc::new(Mutex::new(set.endorser)),
            receipt: Arc::new(Mutex::new(set.receipt)),
            payment: Arc::new(Mutex::new(set.payment)),
            photo_decoder: set.photo_decoder,
            face_verifier: set.face_verifier,
            light: set.light,
            blink_detector: set.blink_detector,
        }
    }

    /// Ask one device how it is.
    pub async fn health(&self, kind: DeviceKind) -> drivers::Health {
        match kind {
            DeviceKind::IdCard => self.idcard.lock().await.health().await,
            DeviceKind::Permit => self.permit.lock().await.health().await,
            DeviceKind::Fingerprint => self.fingerprint.lock().await.health().await,
            DeviceKind::Camera => self.camera.lock().await.health().await,
            DeviceKind::Endorser => self.endorser.lock().await.health().await,
            DeviceKind::Receipt => self.receipt.lock().await.health().await,
            DeviceKind::Payment => self.payment.lock().await.health().await,
        }
    }
}

impl Devices {
    /// Bring one device back to idle.
    pub async fn reset(&self, kind: DeviceKind) -> Result<(), DeviceError> {
        match kind {
            DeviceKind::IdCard => self.idcard.lock().await.reset().await,
            DeviceKind::Permit => self.permit.lock().await.reset().await,
            DeviceKind::Fingerprint => self.fingerprint.lock().await.reset().await,
            DeviceKind::Camera => self.camera.lock().await.reset().await,
            DeviceKind::Endorser => self.endorser.lock().await.reset().await,
            DeviceKind::Receipt => self.receipt.lock().await.reset().await,
            DeviceKind::Payment => self.payment.lock().await.reset().await,
        }
    }
}

/// Probe devices for staff; the receipt printer also prints a test ticket.
pub async fn selftest(d: Devices, kinds: Vec<DeviceKind>) -> Vec<crate::staff::protocol::SelfTest> {
    let mut out = Vec::new();
    for kind in kinds {
        let health = d.health(kind).await;
        let mut ok = health.is_usable();
        let mut note = None;
        if kind == DeviceKind::Receipt && ok {
            let doc = crate::documents::test_ticket();
            match d.receipt.lock().await.print(&doc).await {
                Ok(()) => note = Some("test ticket printed".into()),
                Err(e) => {
                    ok = false;
                    note = Some(format!("test print failed: {e}"));
                }
            }
        }
        out.push(crate::staff::protocol::SelfTest { device: kind, health, ok, note });
    }
    out
}

/// A device error as the session sees it.
pub fn fault(device: DeviceKind, e: &DeviceError) -> Fault {
    Fault { device, fault: e.fault(), message: e.to_string() }
}

fn card_info(card: &IdCard) -> CardInfo {
    let t = &card.text;
    CardInfo {
        id_number: t.id_number.clone(),
        name: t.name.clone(),
        birth: t.birth.clone(),
        card_type: t.card_type,
        has_fingerprints: !card.fingerprints.is_empty(),
        number_valid: IdNumber::parse(&t.id_number).is_ok(),
        address: t.address.clone(),
    }
}

/// Wait for an ID card; answers with the card's text for the session and its biometrics for the shell.
pub async fn read_card(d: Devices) -> (Input, Option<Secrets>) {
    loop {
        let r = d.idcard.lock().await.read_card(POLL).await;
        match r {
            Ok(card) => {
                let info = card_info(&card);
                let secrets = Secrets { fingerprints: card.fingerprints.clone(), photo: card.photo.clone() };
                return (Input::Card { result: Ok(info) }, Some(secrets));
            }
            Err(IdCardError::NoCard) => continue,
            Err(IdCardError::Unreadable(_)) | Err(IdCardError::Text(_)) => {
                // Let the applicant lift and place the card again.
                tokio::time::sleep(POLL).await;
                return (Input::CardUnreadable, None);
            }
            Err(IdCardError::Device(e)) => return (Input::Card { result: Err(fault(DeviceKind::IdCard, &e)) }, None),
        }
    }
}

fn permit_info(p: &PermitData, this_year: i32) -> PermitInfo {
    match PermitMrz::parse(&p.mrz, this_year) {
        Ok(m) => PermitInfo {
            kind: Some(m.kind),
            number: m.number,
            expiry: Some(m.expiry),
            birth: Some(m.birth),
            name_zh: p.chip.as_ref().map(|c| c.name_zh.clone()),
            endorsements: p.chip.as_ref().map(|c| c.endorsements.clone()).unwrap_or_default(),
            mrz_error: None,
        },
        Err(e) => PermitInfo {
            kind: None,
            number: p.mrz.get(2..11).unwrap_or_default().trim_end_matches('<').to_string(),
            expiry: None,
            birth: None,
            name_zh: p.chip.as_ref().map(|c| c.name_zh.clone()),
            endorsements: p.chip.as_ref().map(|c| c.endorsements.clone()).unwrap_or_default(),
            mrz_error: Some(e.to_string()),
        },
    }
}

/// Wait for a permit and read it. A reader without a chip reader leaves the chip to the
/// endorsement printer, which holds the card once it is drawn in. `forget`: the reader has not
/// forgotten the reads from before the session yet (it was busy as the session started).
pub async fn read_permit(d: Devices, this_year: i32, forget: bool) -> Input {
    if forget {
        // A read that came before this session asked is not this applicant's.
        d.permit.lock().await.forget_earlier_reads().await;
    }
    loop {
        let r = d.permit.lock().await.read_permit(POLL).await;
        match r {
            Ok(mut p) => {
                if p.chip.is_none() {
                    match d.endorser.lock().await.read_chip().await {
                        Ok(chip) => p.chip = Some(chip),
                        Err(EndorserError::Device(e)) => {
                            return Input::Permit { result: Err(fault(DeviceKind::Endorser, &e)) };
                        }
                        // The card is not in the printer: the chip stays unread.
                        Err(EndorserError::NoCard) => {}
                    }
                }
                return Input::Permit { result: Ok(permit_info(&p, this_year)) };
            }
            Err(PermitError::NoPermit) => continue,
            Err(PermitError::Unreadable(_)) => return Input::PermitUnreadable,
            Err(PermitError::Device(e)) => return Input::Permit { result: Err(fault(DeviceKind::Permit, &e)) },
        }
    }
}

/// Capture fingers until one is matched or not.
pub async fn verify_finger(d: Devices, templates: Vec<Biometric>) -> Input {
    loop {
        let r = d.fingerprint.lock().await.verify(&templates, POLL).await;
        match r {
            Ok(m) => return Input::Finger { result: Ok(m.matched) },
            Err(FingerprintError::NoFinger) => continue,
            Err(FingerprintError::PoorImage) => return Input::FingerPoor,
            Err(FingerprintError::BadTemplate) => return Input::Finger { result: Ok(false) },
            Err(FingerprintError::Device(e)) => {
                return Input::Finger { result: Err(fault(DeviceKind::Fingerprint, &e)) };
            }
        }
    }
}

/// Puts the screen back to its ordinary content however the flashing ends (done, failed, aborted).
struct Flashing<'a>(&'a Illumination);

impl Drop for Flashing<'_> {
    fn drop(&mut self) {
        self.0.clear();
    }
}

/// How a face is shown to be a living one.
#[derive(Debug, Clone)]
pub enum LivenessCheck {
    /// Flash these colours, each for this long, and see the face take them on.
    ColourFlash(Challenge, Duration),
    /// Take this many frames, one every so often, and see the face blink.
    Blink(usize, Duration),
}

/// Capture a face, check that it is a living one (a photo or a video fails), and compare it with
/// the card's photo. The face matches only if it is the card holder's and it passed the check.
pub async fn verify_face(d: Devices, photo: Biometric, check: LivenessCheck) -> Input {
    let reference = match d.photo_decoder.decode(photo.as_bytes()) {
        Ok(img) => img,
        // A photo the vendor library cannot decode cannot confirm anyone.
        Err(_) => return Input::Face { result: Ok(false) },
    };
    let fault = |e: &DeviceError| Input::Face { result: Err(self::fault(DeviceKind::Camera, e)) };
    loop {
        // A face in view first: the frame the others are compared with.
        let baseline = match d.camera.lock().await.capture_face(POLL).await {
            Ok(frame) => frame,
            Err(CameraError::NoFace) => continue,
            Err(CameraError::Device(e)) => return fault(&e),
        };
        let (colours, pause) = match &check {
            LivenessCheck::ColourFlash(c, each) => (c.colours.clone(), *each),
            LivenessCheck::Blink(n, every) => (Vec::with_capacity(*n), *every),
        };
        let wanted = match &check {
            LivenessCheck::ColourFlash(c, _) => c.colours.len(),
            LivenessCheck::Blink(n, _) => *n,
        };
        let mut frames = Vec::with_capacity(wanted);
        {
            let _lit = Flashing(&d.light);
            for i in 0..wanted {
                if let Some(colour) = colours.get(i) {
                    d.light.set(*colour);
                }
                tokio::time::sleep(pause).await;
                match d.camera.lock().await.capture_face(POLL).await {
                    Ok(frame) => frames.push(frame),
                    // The face left: start again.
                    Err(CameraError::NoFace) => break,
                    Err(CameraError::Device(e)) => return fault(&e),
                }
            }
        }
        if frames.len() < wanted {
            continue;
        }
        let live = match &check {
            LivenessCheck::ColourFlash(c, _) => liveness::check(c, &baseline, &frames).map_err(|e| e.to_string()),
            LivenessCheck::Blink(..) => match d.blink_detector.blinked(&frames) {
                Ok(true) => Ok(()),
                Ok(false) => Err("no blink".to_string()),
                Err(e) => Err(e.to_string()),
            },
        };
        if let Err(e) = &live {
            tracing::info!(why = %e, "liveness check failed");
        }
        match d.face_verifier.verify(&reference, &baseline) {
            Ok(score) => return Input::Face { result: Ok(score.matched && live.is_ok()) },
            Err(_) => continue,
        }
    }
}

fn pay_fault(e: &PaymentError) -> Fault {
    match e {
        PaymentError::Device(d) => fault(DeviceKind::Payment, d),
        other => Fault { device: DeviceKind::Payment, fault: FaultKind::Garbage, message: other.to_string() },
    }
}

/// Open a payment order.
pub async fn open_payment(d: Devices, order: drivers::payment::PaymentOrder) -> Input {
    let r = d.payment.lock().await.start(&order).await;
    Input::PaymentOpened { result: r.map_err(|e| pay_fault(&e)) }
}

/// Wait for the payer.
pub async fn await_payment(d: Devices, order_no: String) -> Input {
    loop {
        let r = d.payment.lock().await.wait_result(&order_no, POLL).await;
        let result = match r {
            Err(PaymentError::Pending) => continue,
            Ok(PaymentOutcome::Paid { txn_id, .. }) => Ok(PayResult::Paid { txn_id }),
            Ok(PaymentOutcome::Declined { reason }) => Ok(PayResult::Declined { reason }),
            Err(e) => Err(pay_fault(&e)),
        };
        return Input::Payment { result };
    }
}

/// Cancel an order; answers with its final status.
pub async fn cancel_payment(d: Devices, order_no: String) -> Input {
    let r = d.payment.lock().await.cancel(&order_no).await;
    Input::PaymentStatus { result: r.map_err(|e| pay_fault(&e)) }
}

/// Refund an order; an order that the provider says was never paid needs no refund.
pub async fn refund(d: Devices, order_no: String, refund_no: String) -> Input {
    let mut dev = d.payment.lock().await;
    let result = match dev.refund(&order_no, &refund_no).await {
        Ok(PaymentStatus::Refunded { .. }) => Ok(()),
        Ok(other) => Err(Fault {
            device: DeviceKind::Payment,
            fault: FaultKind::Garbage,
            message: format!("refund answered {other:?}"),
        }),
        Err(PaymentError::Refused(msg)) => match dev.query(&order_no).await {
            Ok(PaymentStatus::Paid { .. }) => {
                Err(Fault { device: DeviceKind::Payment, fault: FaultKind::Garbage, message: msg })
            }
            Ok(_) => Ok(()),
            Err(e) => Err(pay_fault(&e)),
        },
        Err(e) => Err(pay_fault(&e)),
    };
    Input::Refunded { result }
}

fn endorser_fault(e: &EndorserError) -> Fault {
    match e {
        EndorserError::Device(d) => fault(DeviceKind::Endorser, d),
        EndorserError::NoCard => {
            Fault { device: DeviceKind::Endorser, fault: FaultKind::CardJam, message: "no card in the printer".into() }
        }
    }
}

/// Write an endorsement.
pub async fn write(d: Devices, e: drivers::permit::Endorsement) -> Input {
    let r = d.endorser.lock().await.write(&e).await;
    Input::Written { result: r.map_err(|e| endorser_fault(&e)) }
}

/// Read the chip back.
pub async fn read_back(d: Devices) -> Input {
    let r = d.endorser.lock().await.read_back().await;
    Input::ReadBack { result: r.map_err(|e| endorser_fault(&e)) }
}

/// Whether a card is inside.
pub async fn probe(d: Devices) -> Input {
    let r = d.endorser.lock().await.card_inside().await;
    Input::CardInside { result: r.map_err(|e| endorser_fault(&e)) }
}

/// Whether the endorsement printer can write now, from its status (a few seconds at most on the
/// wire): what is wrong with it as a fault, if anything.
pub async fn printer_ready(d: Devices) -> Input {
    let h = d.health(DeviceKind::Endorser).await;
    Input::PrinterReady { result: unfit(&h).map_or(Ok(()), Err) }
}

/// What keeps a device from working, as a fault of the kind its health names.
fn unfit(h: &drivers::Health) -> Option<Fault> {
    use drivers::{DeviceState, MediaState};
    if h.is_usable() {
        return None;
    }
    let fault = match (h.state, h.media) {
        (DeviceState::HardwareError(f), _) => f,
        (DeviceState::NoDevice, _) => FaultKind::Unplugged,
        (_, Some(MediaState::Jammed)) => FaultKind::CardJam,
        (_, Some(MediaState::Out)) => FaultKind::RibbonOut,
        // Offline: not answering, or not trusted again yet after failing.
        _ => FaultKind::Timeout,
    };
    Some(Fault { device: h.kind, fault, message: format!("{:?}, media {:?}", h.state, h.media) })
}

/// Eject the permit; with no card inside there is nothing to eject.
pub async fn eject(d: Devices) -> Input {
    let r = d.endorser.lock().await.eject().await;
    let result = match r {
        Ok(()) | Err(EndorserError::NoCard) => Ok(()),
        Err(e) => Err(endorser_fault(&e)),
    };
    Input::Ejected { result }
}

/// Wait for the permit to be taken.
pub async fn await_taken(d: Devices, wait: Duration) -> Input {
    let r = d.endorser.lock().await.wait_taken(wait).await;
    // A printer that cannot say reports the permit as still there: the session then retains it.
    let taken = r.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "endorsement printer cannot tell whether the permit was taken");
        false
    });
    Input::Taken { taken }
}

/// Retain the permit.
pub async fn retain(d: Devices) -> Input {
    let r = d.endorser.lock().await.retain().await;
    Input::Retained { result: r.map_err(|e| endorser_fault(&e)) }
}

/// Print a document.
pub async fn print(d: Devices, doc: drivers::receipt::Document) -> Input {
    let r = d.receipt.lock().await.print(&doc).await;
    Input::Printed { result: r.map_err(|PrinterError::Device(e)| fault(DeviceKind::Receipt, &e)) }
}
