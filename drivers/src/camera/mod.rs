//! Camera for face capture, and the two vendor libraries that sit beside it: the face verifier and
//! the decoder of the ID card's WLT photo.

pub mod liveness;
pub mod pixels;
#[cfg(target_os = "linux")]
pub mod v4l2;

use crate::biometric::Biometric;
use crate::error::DeviceError;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// An RGB image (a camera frame or a decoded card photo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// 24-bit RGB, row by row.
    pub rgb: Biometric,
}

/// What can go wrong capturing a face.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CameraError {
    /// The device failed.
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// No face came into view within the wait.
    #[error("no face in view")]
    NoFace,
}

/// A camera.
#[async_trait::async_trait]
pub trait Camera: crate::Device {
    /// Wait up to `wait` for a face in view and return the best frame.
    async fn capture_face(&mut self, wait: Duration) -> Result<Image, CameraError>;
}

/// What can go wrong verifying a face.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaceError {
    /// No face found in the image.
    #[error("no face found in the {0}")]
    NoFace(&'static str),
    /// The image is not usable (size, format).
    #[error("image unusable: {0}")]
    BadImage(String),
}

/// The result of a face comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FaceScore {
    /// Similarity, 0.0 to 1.0.
    pub similarity: f32,
    /// Whether the verifier judges it the same person.
    pub matched: bool,
}

/// A face verifier (a vendor library): compares a live frame with a reference photo.
pub trait FaceVerifier: Send + Sync {
    /// Compare `live` against `reference`.
    fn verify(&self, reference: &Image, live: &Image) -> Result<FaceScore, FaceError>;
}

/// A blink detector (a vendor library): the other liveness check, where the screen cannot flash.
/// It cannot tell a replayed video of a blinking face from a face: the colour flash can.
pub trait BlinkDetector: Send + Sync {
    /// Whether the face blinked in these frames (taken over a second or two).
    fn blinked(&self, frames: &[Image]) -> Result<bool, FaceError>;
}

/// What can go wrong decoding a card photo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// The bytes are not a WLT photo.
    #[error("not a card photo: {0}")]
    Invalid(String),
}

/// The decoder of the vendor-compressed (WLT) card photo (a licensed vendor library on a real kiosk).
pub trait PhotoDecoder: Send + Sync {
    /// Decode the 1024-byte WLT photo into a 102x126 image.
    fn decode(&self, wlt: &[u8]) -> Result<Image, PhotoError>;
}
