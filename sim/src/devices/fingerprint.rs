//! Simulated fingerprint scanner: a finger is placed (the persona's own, or someone else's), the
//! module images it, extracts a template with realistic noise and matches it 1:1.

use super::{Shared, Timing, impl_sim_device, impl_sim_handle};
use crate::bio::{FINGER_MATCH_SCORE, finger_score, live_finger, rng};
use drivers::DeviceKind;
use drivers::biometric::Biometric;
use drivers::fingerprint::{FingerprintError, FingerprintScanner, MatchOutcome};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;
use std::time::Duration;

/// A finger on the prism.
#[derive(Debug, Clone)]
pub struct PlacedFinger {
    /// The enrolled pattern of the finger (what its owner's card holds).
    pub pattern: Biometric,
    /// A dry or moving finger that images badly.
    pub poor: bool,
}

#[derive(Debug)]
pub(crate) struct State {
    finger: Option<PlacedFinger>,
    rng: ChaCha8Rng,
    captures: u64,
}

/// The scanner (what the daemon holds).
#[derive(Debug)]
pub struct SimFingerprintScanner(pub(crate) Arc<Shared<State>>);

/// The world's side of the scanner.
#[derive(Debug, Clone)]
pub struct FingerprintHandle(pub(crate) Arc<Shared<State>>);
impl_sim_handle!(FingerprintHandle);

/// A new scanner and its handle; `seed` makes the capture noise repeatable.
pub fn new(timing: Timing, seed: u64) -> (SimFingerprintScanner, FingerprintHandle) {
    let s = Shared::new(DeviceKind::Fingerprint, State { finger: None, rng: rng(seed, 0xF1), captures: 0 }, timing);
    (SimFingerprintScanner(s.clone()), FingerprintHandle(s))
}

impl FingerprintHandle {
    /// Put a finger on the scanner; it stays until one capture has imaged it.
    pub fn place(&self, finger: PlacedFinger) {
        self.0.with(|s| s.finger = Some(finger));
    }
    /// Lift the finger.
    pub fn lift(&self) {
        self.0.with(|s| s.finger = None);
    }
    /// The module images the prism: the finger there is captured (with the module's noise) and
    /// lifted. `None` when no finger is there; `Some(None)` for a finger too poor to image.
    pub(crate) fn capture(&self) -> Option<Option<Biometric>> {
        self.0.with(|s| {
            let f = s.finger.take()?;
            s.captures += 1;
            Some(if f.poor { None } else { Some(live_finger(&f.pattern, &mut s.rng, 0.08)) })
        })
    }

    /// How many captures were made.
    pub fn captures(&self) -> u64 {
        self.0.peek(|s| s.captures)
    }
}

impl_sim_device!(SimFingerprintScanner, DeviceKind::Fingerprint);

#[async_trait::async_trait]
impl FingerprintScanner for SimFingerprintScanner {
    async fn verify(&mut self, templates: &[Biometric], wait: Duration) -> Result<MatchOutcome, FingerprintError> {
        if templates.is_empty() || templates.iter().any(|t| t.len() != drivers::idcard::FINGER_LEN) {
            return Err(FingerprintError::BadTemplate);
        }
        // GenImg polls until a finger is on the prism; the finger is lifted after the capture.
        let finger = self.0.wait_for(wait, |s| s.finger.take()).await?.ok_or(FingerprintError::NoFinger)?;
        self.0.work().await?;
        if finger.poor {
            self.0.with(|s| s.captures += 1);
            return Err(FingerprintError::PoorImage);
        }
        let live = self.0.with(|s| {
            s.captures += 1;
            live_finger(&finger.pattern, &mut s.rng, 0.08)
        });
        let score = templates.iter().map(|t| finger_score(t, &live)).max().unwrap_or(0);
        Ok(MatchOutcome { matched: score >= FINGER_MATCH_SCORE, score })
    }
}
