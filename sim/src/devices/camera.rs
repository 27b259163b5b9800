//! Simulated camera: a face comes into view (the persona's own, a stranger's, or a photo held up)
//! and frames are drawn from it with sensor noise.

use super::{Shared, Timing, impl_sim_device, impl_sim_handle};
use crate::bio::{FRAME_H, FRAME_W, render_face_eyes, rng};
use drivers::DeviceKind;
use drivers::camera::liveness::{Illumination, tint_of};
use drivers::camera::{Camera, CameraError, Image};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// How a face is presented to the camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presentation {
    /// A person stands there.
    #[default]
    Live,
    /// A printed photo is held up.
    PrintedPhoto,
    /// A video plays on a phone.
    ReplayedVideo,
}

#[derive(Debug)]
pub(crate) struct State {
    face: Option<([u8; 16], Presentation)>,
    pub(crate) light: Illumination,
    rng: ChaCha8Rng,
    frames: u64,
}

/// The camera (what the daemon holds).
#[derive(Debug)]
pub struct SimCamera(pub(crate) Arc<Shared<State>>);

/// The world's side of the camera.
#[derive(Debug, Clone)]
pub struct CameraHandle(pub(crate) Arc<Shared<State>>);
impl_sim_handle!(CameraHandle);

/// A new camera and its handle; `light` is what the kiosk's screen casts on the face.
pub fn new(timing: Timing, seed: u64, light: Illumination) -> (SimCamera, CameraHandle) {
    let s = Shared::new(DeviceKind::Camera, State { face: None, light, rng: rng(seed, 0xCA), frames: 0 }, timing);
    (SimCamera(s.clone()), CameraHandle(s))
}

impl CameraHandle {
    /// A face comes into view and stays until [`CameraHandle::leave`].
    pub fn show(&self, face: [u8; 16], how: Presentation) {
        self.0.with(|s| s.face = Some((face, how)));
    }
    /// The face leaves.
    pub fn leave(&self) {
        self.0.with(|s| s.face = None);
    }
    /// Frames captured so far.
    pub fn frames(&self) -> u64 {
        self.0.peek(|s| s.frames)
    }
}

impl_sim_device!(SimCamera, DeviceKind::Camera);

#[async_trait::async_trait]
impl Camera for SimCamera {
    async fn capture_face(&mut self, wait: Duration) -> Result<Image, CameraError> {
        self.0.wait_for(wait, |s| s.face.map(|_| ())).await?.ok_or(CameraError::NoFace)?;
        self.0.work().await?;
        self.0
            .with(|s| {
                let (face, how) = s.face?;
                s.frames += 1;
                // A living face takes on the colour the screen flashes; a video shines by itself and
                // a photo held up flat does not follow it.
                let tint = match how {
                    Presentation::Live => tint_of(s.light.get()),
                    Presentation::PrintedPhoto | Presentation::ReplayedVideo => tint_of(None),
                };
                // A person (and a video of one) blinks every few frames; a photo never does.
                let blink = how != Presentation::PrintedPhoto && s.frames % 5 == 0;
                Some(render_face_eyes(&face, FRAME_W, FRAME_H, Some(&mut s.rng), tint, blink))
            })
            .ok_or(CameraError::NoFace)
    }
}
