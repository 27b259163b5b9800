//! Device traits of the kiosk, one per device kind, with the data each device produces and ONE
//! health model shared by all of them (shaped like the XFS / CUSS device states).
//!
//! This crate knows nothing of the daemon, the simulator or the UI. Every trait is object safe
//! (`async_trait`), so the daemon can pick a real or a simulated backend from its configuration and
//! hold it as `Box<dyn Trait>`.
//!
//! Each trait method documents its contract; errors are typed per device kind and all of them carry
//! the shared [`error::DeviceError`] for what any device can get wrong (unplugged, silent, garbled).

pub mod biometric;
pub mod camera;
pub mod endorser;
pub mod error;
pub mod fingerprint;
pub mod health;
pub mod idcard;
pub mod payment;
pub mod permit;
pub mod receipt;
pub mod record;
pub mod serial;
#[cfg(feature = "usb")]
pub mod usb;

pub use error::DeviceError;
pub use health::{DeviceKind, DeviceState, FaultKind, Health, MediaState};

/// What every device can do, whatever its kind.
#[async_trait::async_trait]
pub trait Device: Send {
    /// Which kind of device this is.
    fn kind(&self) -> DeviceKind;
    /// Ask the device how it is. Never fails: a device that cannot be asked is reported as
    /// [`DeviceState::NoDevice`] or [`DeviceState::Offline`].
    async fn health(&mut self) -> Health;
    /// Bring the device back to its idle state (reset command, reopen the port). Media it holds stays.
    async fn reset(&mut self) -> Result<(), DeviceError>;
}

/// One backend of every device kind: what a kiosk is built from, real or simulated.
pub struct DeviceSet {
    /// Resident ID card reader.
    pub idcard: Box<dyn idcard::IdCardReader>,
    /// Permit reader.
    pub permit: Box<dyn permit::PermitReader>,
    /// Fingerprint scanner.
    pub fingerprint: Box<dyn fingerprint::FingerprintScanner>,
    /// Camera.
    pub camera: Box<dyn camera::Camera>,
    /// Endorsement printer.
    pub endorser: Box<dyn endorser::EndorsementPrinter>,
    /// Receipt printer.
    pub receipt: Box<dyn receipt::ReceiptPrinter>,
    /// Payment terminal.
    pub payment: Box<dyn payment::PaymentTerminal>,
    /// The card-photo decoder (vendor library).
    pub photo_decoder: std::sync::Arc<dyn camera::PhotoDecoder>,
    /// The face verifier (vendor library).
    pub face_verifier: std::sync::Arc<dyn camera::FaceVerifier>,
    /// The blink detector (vendor library).
    pub blink_detector: std::sync::Arc<dyn camera::BlinkDetector>,
    /// The light the screen casts on the applicant's face (colour-flash liveness): the display
    /// paints it, the camera sees faces under it.
    pub light: camera::liveness::Illumination,
}
