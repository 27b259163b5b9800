//! Simulated camera: a face comes into view (the persona's own, a stranger's, or a photo held up)
//! and frames are drawn from it with sensor noise.

use super::{Shared, Timing, impl_sim_device, impl_sim_handle};
use crate::bio::{FRAME_H, FRAME_W, render_face, rng};
use drivers::DeviceKind;
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

/// A new camera and its handle.
pub fn new(timing: Timing, seed: u64) -> (SimCamera, CameraHandle) {
    let s = Shared::new(DeviceKind::Camera, State { face: None, rng: rng(seed, 0xCA), frames: 0 }, timing);
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
                let (face, _how) = s.face?;
                s.frames += 1;
                Some(render_face(&face, FRAME_W, FRAME_H, Some(&mut s.rng), [1.0; 3]))
            })
            .ok_or(CameraError::NoFace)
    }
}
