//! A full set of simulated devices (the daemon's side) with the handles to act on them (the world's
//! side), and the world actions a walk-in user, staff member or test performs.

use super::camera::{CameraHandle, Presentation};
use super::fingerprint::{FingerprintHandle, PlacedFinger};
use super::idcard::IdCardHandle;
use super::payment::{PayerAction, PaymentHandle};
use super::permit_slot::{EndorserHandle, PermitCard, PermitHandle};
use super::receipt::ReceiptHandle;
use super::{SimHandle, Timing};
use crate::bio::{SimFaceVerifier, SimPhotoDecoder};
use crate::persona::Permit;
use drivers::biometric::Biometric;
use drivers::idcard::IdCard;
use drivers::payment::PaymentMethod;
use drivers::{DeviceKind, DeviceSet, FaultKind};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How fast the simulated devices work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speed {
    /// No latency at all (benchmarks, fast tests).
    Zero,
    /// A few milliseconds per operation (demos, tests).
    #[default]
    Fast,
    /// The times of real devices (reads about a second, the card write about 40 s).
    Realistic,
}

impl Speed {
    /// From its name: `zero`, `fast` or `realistic`.
    pub fn parse(s: &str) -> Option<Speed> {
        match s {
            "zero" => Some(Speed::Zero),
            "fast" => Some(Speed::Fast),
            "realistic" => Some(Speed::Realistic),
            _ => None,
        }
    }

    /// The timing of a device kind at this speed.
    pub fn timing(self, kind: DeviceKind) -> Timing {
        let ms = |latency: u64, timeout: u64| Timing {
            latency: Duration::from_millis(latency),
            answer_timeout: Duration::from_millis(timeout),
        };
        match self {
            Speed::Zero => Timing::zero(),
            Speed::Fast => ms(
                match kind {
                    DeviceKind::Endorser => 40,
                    DeviceKind::Receipt => 15,
                    _ => 5,
                },
                100,
            ),
            Speed::Realistic => match kind {
                DeviceKind::IdCard => ms(800, 5000),
                DeviceKind::Permit => ms(1500, 5000),
                DeviceKind::Fingerprint => ms(900, 1000),
                DeviceKind::Camera => ms(600, 2000),
                DeviceKind::Endorser => ms(40_000, 60_000),
                DeviceKind::Receipt => ms(2500, 3000),
                DeviceKind::Payment => ms(300, 10_000),
            },
        }
    }
}

/// What the rig is built with.
#[derive(Debug, Clone)]
pub struct RigOptions {
    /// Device speed.
    pub speed: Speed,
    /// Seed of capture noise.
    pub seed: u64,
    /// Receipt paper, in documents.
    pub paper: u32,
    /// Endorsement printer ribbon, in prints.
    pub ribbon: u32,
    /// Where printed documents are kept as text files.
    pub print_dir: Option<PathBuf>,
    /// The light the kiosk's screen casts on the applicant (colour-flash liveness).
    pub illumination: drivers::camera::liveness::Illumination,
    /// Where the simulated payment provider keeps its books, so that they outlive the process
    /// (none: in memory only).
    pub payment_books: Option<PathBuf>,
}

impl Default for RigOptions {
    fn default() -> Self {
        RigOptions {
            speed: Speed::Fast,
            seed: 1,
            paper: 500,
            ribbon: 300,
            print_dir: None,
            illumination: Default::default(),
            payment_books: None,
        }
    }
}

/// The world's side of every simulated device.
#[derive(Debug, Clone)]
pub struct Rig {
    /// ID card reader.
    pub idcard: IdCardHandle,
    /// Permit reader (and the card path).
    pub permit: PermitHandle,
    /// Fingerprint scanner.
    pub fingerprint: FingerprintHandle,
    /// Camera.
    pub camera: CameraHandle,
    /// Endorsement printer.
    pub endorser: EndorserHandle,
    /// Receipt printer.
    pub receipt: ReceiptHandle,
    /// Payment terminal.
    pub payment: PaymentHandle,
}

/// Build a full simulated device set and its rig.
pub fn build(opts: &RigOptions) -> (DeviceSet, Rig) {
    let t = |k| opts.speed.timing(k);
    let (_, idcard) = super::idcard::new(t(DeviceKind::IdCard));
    let (_, permit, _, endorser) = super::permit_slot::new(t(DeviceKind::Permit), t(DeviceKind::Endorser), opts.ribbon);
    let (_, fingerprint) = super::fingerprint::new(t(DeviceKind::Fingerprint), opts.seed);
    let (_, camera) = super::camera::new(t(DeviceKind::Camera), opts.seed, opts.illumination.clone());
    let (_, receipt) = super::receipt::new(t(DeviceKind::Receipt), opts.paper, opts.print_dir.clone());
    let (_, payment) = match &opts.payment_books {
        Some(path) => super::payment::with_books(t(DeviceKind::Payment), path).unwrap_or_else(|e| {
            eprintln!("the simulated payment provider starts with empty books: {e}");
            super::payment::new(t(DeviceKind::Payment))
        }),
        None => super::payment::new(t(DeviceKind::Payment)),
    };
    let rig = Rig { idcard, permit, fingerprint, camera, endorser, receipt, payment };
    (rig.devices(), rig)
}

/// Something a person does to the machine (or a developer does to a device).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum WorldAction {
    /// Lay an ID card on the reader.
    PlaceIdCard {
        /// The card.
        card: Box<IdCard>,
    },
    /// Take the ID card off the reader.
    RemoveIdCard,
    /// Push a permit into the slot.
    InsertPermit {
        /// The permit.
        permit: Box<Permit>,
        /// The wrong way round.
        #[serde(default)]
        upside_down: bool,
    },
    /// Take the permit from the exit slot.
    TakePermit,
    /// Put a finger on the scanner.
    PlaceFinger {
        /// The enrolled pattern of the finger.
        pattern: Biometric,
        /// Dry or moving.
        #[serde(default)]
        poor: bool,
    },
    /// Lift the finger.
    LiftFinger,
    /// A face comes into view.
    ShowFace {
        /// Face signature (32 hex characters).
        face: String,
        /// How it is presented.
        #[serde(default)]
        presentation: Presentation,
    },
    /// The face leaves.
    LeaveCamera,
    /// Pay the open order.
    Pay {
        /// How.
        method: PaymentMethod,
    },
    /// The bank declines the open order.
    Decline {
        /// Why.
        reason: String,
    },
    /// Take the prints from the tray.
    TakePrints,
    /// Staff open the unit and take out a card left in the permit path.
    ClearPermitPath,
    /// Inject a fault into a device (`null` clears it).
    Fault {
        /// Which device.
        device: DeviceKind,
        /// Which fault.
        fault: Option<FaultKind>,
    },
    /// Change a device's latency.
    Latency {
        /// Which device.
        device: DeviceKind,
        /// Milliseconds per operation.
        ms: u64,
    },
    /// Refill paper (receipt) or ribbon (endorser).
    Refill {
        /// Which device.
        device: DeviceKind,
        /// Documents or prints.
        amount: u32,
    },
}

/// What a world action gives back.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case", tag = "reply")]
pub enum WorldReply {
    /// Done.
    Done,
    /// The permit taken (none if the exit slot was empty).
    Permit {
        /// The permit, with what its chip now holds.
        permit: Option<Permit>,
    },
    /// The prints taken, as text.
    Prints {
        /// One text per document.
        texts: Vec<String>,
    },
}

impl WorldAction {
    /// The device the action is done to.
    pub fn device(&self) -> DeviceKind {
        match self {
            WorldAction::PlaceIdCard { .. } | WorldAction::RemoveIdCard => DeviceKind::IdCard,
            WorldAction::InsertPermit { .. } | WorldAction::TakePermit | WorldAction::ClearPermitPath => {
                DeviceKind::Permit
            }
            WorldAction::PlaceFinger { .. } | WorldAction::LiftFinger => DeviceKind::Fingerprint,
            WorldAction::ShowFace { .. } | WorldAction::LeaveCamera => DeviceKind::Camera,
            WorldAction::Pay { .. } | WorldAction::Decline { .. } => DeviceKind::Payment,
            WorldAction::TakePrints => DeviceKind::Receipt,
            WorldAction::Fault { device, .. }
            | WorldAction::Latency { device, .. }
            | WorldAction::Refill { device, .. } => *device,
        }
    }
}

impl Rig {
    /// The daemon's side of the same devices: what a daemon (re)opens. A restarted daemon gets the
    /// devices as the last one left them, cards and all.
    pub fn devices(&self) -> DeviceSet {
        DeviceSet {
            idcard: Box::new(super::idcard::SimIdCardReader(self.idcard.0.clone())),
            permit: Box::new(super::permit_slot::SimPermitReader(self.permit.0.clone())),
            fingerprint: Box::new(super::fingerprint::SimFingerprintScanner(self.fingerprint.0.clone())),
            camera: Box::new(super::camera::SimCamera(self.camera.0.clone())),
            endorser: Box::new(super::permit_slot::SimEndorser(self.endorser.0.clone())),
            receipt: Box::new(super::receipt::SimReceiptPrinter(self.receipt.0.clone())),
            payment: Box::new(super::payment::SimPaymentTerminal(self.payment.0.clone())),
            photo_decoder: Arc::new(SimPhotoDecoder),
            face_verifier: Arc::new(SimFaceVerifier::default()),
            blink_detector: Arc::new(crate::bio::SimBlinkDetector),
            light: self.camera.0.peek(|s| s.light.clone()),
        }
    }

    /// The handle of a device kind.
    pub fn handle(&self, kind: DeviceKind) -> &dyn SimHandle {
        match kind {
            DeviceKind::IdCard => &self.idcard,
            DeviceKind::Permit => &self.permit,
            DeviceKind::Fingerprint => &self.fingerprint,
            DeviceKind::Camera => &self.camera,
            DeviceKind::Endorser => &self.endorser,
            DeviceKind::Receipt => &self.receipt,
            DeviceKind::Payment => &self.payment,
        }
    }

    /// Perform a world action.
    pub fn apply(&self, action: WorldAction) -> Result<WorldReply, String> {
        match action {
            WorldAction::PlaceIdCard { card } => self.idcard.place(*card),
            WorldAction::RemoveIdCard => {
                self.idcard.remove();
            }
            WorldAction::InsertPermit { permit, upside_down } => {
                self.permit.insert(PermitCard { permit: *permit, upside_down })?;
            }
            WorldAction::TakePermit => {
                return Ok(WorldReply::Permit { permit: self.permit.take().map(|c| c.permit) });
            }
            WorldAction::PlaceFinger { pattern, poor } => self.fingerprint.place(PlacedFinger { pattern, poor }),
            WorldAction::LiftFinger => self.fingerprint.lift(),
            WorldAction::ShowFace { face, presentation } => {
                self.camera.show(crate::bio::face_signature(&face)?, presentation)
            }
            WorldAction::LeaveCamera => self.camera.leave(),
            WorldAction::Pay { method } => self.payment.act(PayerAction::Pay { method }),
            WorldAction::Decline { reason } => self.payment.act(PayerAction::Decline { reason }),
            WorldAction::ClearPermitPath => {
                return Ok(WorldReply::Permit { permit: self.endorser.clear_path().map(|c| c.permit) });
            }
            WorldAction::TakePrints => {
                return Ok(WorldReply::Prints { texts: self.receipt.take().iter().map(|d| d.to_text()).collect() });
            }
            WorldAction::Fault { device, fault } => self.handle(device).set_fault(fault)?,
            WorldAction::Latency { device, ms } => {
                let mut t = self.handle(device).timing();
                t.latency = Duration::from_millis(ms);
                self.handle(device).set_timing(t);
            }
            WorldAction::Refill { device, amount } => match device {
                DeviceKind::Receipt => self.receipt.refill(amount),
                DeviceKind::Endorser => self.endorser.refill(amount),
                other => return Err(format!("a {other} device has nothing to refill")),
            },
        }
        Ok(WorldReply::Done)
    }
}
