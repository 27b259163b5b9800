//! Colour-flash liveness, as the national mini program does it: while the face is in view the screen
//! flashes a random sequence of colours; a living face lit by the screen takes on each colour in
//! turn, while a replayed video (it shines by itself) or a printed photo (held up flat, away from the
//! light) does not follow the sequence. The sequence is random per attempt, so a recording of an
//! earlier attempt does not match.
//!
//! [`Illumination`] is the light the screen casts: the display sets it while it flashes, the camera
//! (in the simulator, the world) sees faces under it. [`check`] compares the frames taken under each
//! colour with a frame taken before the flashes.

use super::Image;
use std::sync::Arc;

/// An RGB colour.
pub type Rgb = [u8; 3];

/// The colours a challenge draws from: saturated, far apart.
pub const PALETTE: [Rgb; 6] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [255, 0, 255], [0, 255, 255]];

/// The colours to flash, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// One colour per flash; no two neighbours alike.
    pub colours: Vec<Rgb>,
}

impl Challenge {
    /// A sequence of `n` flashes drawn with `pick(k)` (uniform in `0..k`), neighbours always
    /// different. Give it an unpredictable source: the sequence is what a replay cannot know.
    pub fn random(n: usize, mut pick: impl FnMut(usize) -> usize) -> Challenge {
        let mut colours: Vec<Rgb> = Vec::with_capacity(n);
        while colours.len() < n {
            let c = PALETTE[pick(PALETTE.len()) % PALETTE.len()];
            if colours.last() != Some(&c) {
                colours.push(c);
            }
        }
        Challenge { colours }
    }
}

/// The light the screen casts on the applicant's face (shared by the display and the camera).
#[derive(Debug, Clone)]
pub struct Illumination(Arc<tokio::sync::watch::Sender<Option<Rgb>>>);

impl Default for Illumination {
    fn default() -> Self {
        Illumination(Arc::new(tokio::sync::watch::Sender::new(None)))
    }
}

impl Illumination {
    /// A dark screen.
    pub fn new() -> Illumination {
        Illumination::default()
    }
    /// The screen shows `colour` full-screen.
    pub fn set(&self, colour: Rgb) {
        self.0.send_replace(Some(colour));
    }
    /// The screen shows its ordinary content again.
    pub fn clear(&self) {
        self.0.send_replace(None);
    }
    /// What the screen shows now.
    pub fn get(&self) -> Option<Rgb> {
        *self.0.borrow()
    }
    /// Be told of every change (the display repaints on it).
    pub fn watch(&self) -> tokio::sync::watch::Receiver<Option<Rgb>> {
        self.0.subscribe()
    }
}

/// Why a liveness check failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LivenessError {
    /// Not one frame per flash, or frames of different sizes.
    #[error("{0}")]
    Frames(String),
    /// A frame did not take on the colour flashed.
    #[error("flash {index}: the face did not follow the screen's colour (score {score:.2})")]
    NotFollowed {
        /// Which flash.
        index: usize,
        /// How well it followed (1.0 perfectly, 0 or less not at all).
        score: f32,
    },
}

/// How well a frame must follow its flash.
pub const MIN_SCORE: f32 = 0.5;

fn mean(img: &Image) -> [f32; 3] {
    let px = img.rgb.as_bytes();
    // Sixteen pixels (48 bytes) at a time into 48 lanes the compiler adds side by side, in
    // blocks of 256 (a u16 lane holds 256 bytes' sum); then each lane into its channel.
    const LANES: usize = 48;
    const BLOCK: usize = LANES * 256;
    let mut sum = [0u64; 3];
    let whole = px.len() / LANES * LANES;
    for block in px[..whole].chunks(BLOCK) {
        let mut lanes = [0u16; LANES];
        for chunk in block.chunks_exact(LANES) {
            for (l, v) in lanes.iter_mut().zip(chunk) {
                *l += u16::from(*v);
            }
        }
        for (i, l) in lanes.iter().enumerate() {
            sum[i % 3] += u64::from(*l);
        }
    }
    for p in px[whole..].chunks_exact(3) {
        for c in 0..3 {
            sum[c] += u64::from(p[c]);
        }
    }
    let n = (px.len() / 3).max(1) as f32;
    [sum[0] as f32 / n, sum[1] as f32 / n, sum[2] as f32 / n]
}

/// How far each channel moved from the baseline, relative to the frame's overall change: the
/// direction the colour of the face moved in.
fn shift(base: [f32; 3], frame: [f32; 3]) -> [f32; 3] {
    let ratio = [0, 1, 2].map(|c| (frame[c] + 1.0) / (base[c] + 1.0));
    let avg = (ratio[0] + ratio[1] + ratio[2]) / 3.0;
    ratio.map(|r| r - avg)
}

fn cosine(a: [f32; 3], b: [f32; 3]) -> f32 {
    let dot: f32 = (0..3).map(|i| a[i] * b[i]).sum();
    let norm = |v: [f32; 3]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let n = norm(a) * norm(b);
    if n < 1e-6 { 0.0 } else { dot / n }
}

/// Check that each frame took on its flash's colour relative to `baseline` (a frame before the
/// flashes): the direction of the colour change must point the way of the flashed colour.
pub fn check(challenge: &Challenge, baseline: &Image, frames: &[Image]) -> Result<(), LivenessError> {
    if frames.len() != challenge.colours.len() {
        return Err(LivenessError::Frames(format!("{} frames for {} flashes", frames.len(), challenge.colours.len())));
    }
    if frames.iter().any(|f| (f.width, f.height) != (baseline.width, baseline.height)) {
        return Err(LivenessError::Frames("frames of different sizes".into()));
    }
    let base = mean(baseline);
    for (index, (frame, colour)) in frames.iter().zip(&challenge.colours).enumerate() {
        let c = colour.map(|v| f32::from(v) / 255.0);
        let avg = (c[0] + c[1] + c[2]) / 3.0;
        let expected = c.map(|v| v - avg);
        let score = cosine(shift(base, mean(frame)), expected);
        if score < MIN_SCORE {
            return Err(LivenessError::NotFollowed { index, score });
        }
    }
    Ok(())
}

/// The tint a face lit by `colour` takes (multiplies each channel): what a living face does in
/// front of the screen. Used by the simulated camera; kept here beside [`check`] so the two agree.
pub fn tint_of(colour: Option<Rgb>) -> [f32; 3] {
    match colour {
        None => [1.0; 3],
        Some(c) => c.map(|v| 0.75 + 0.5 * f32::from(v) / 255.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::biometric::Biometric;

    fn face(tint: [f32; 3], seed: u8) -> Image {
        let rgb: Vec<u8> = (0..32 * 32)
            .flat_map(|i| {
                let v = 60.0 + ((i * 7 + seed as usize * 13) % 120) as f32;
                [0, 1, 2].map(|c| (v * tint[c]).clamp(0.0, 255.0) as u8)
            })
            .collect();
        Image { width: 32, height: 32, rgb: Biometric::new(rgb) }
    }

    fn counter() -> impl FnMut(usize) -> usize {
        let mut n = 0;
        move |k| {
            n += 1;
            (n * 5 + n / 3) % k
        }
    }

    #[test]
    fn a_lit_face_follows_and_an_unlit_one_does_not() {
        let ch = Challenge::random(4, counter());
        assert_eq!(ch.colours.len(), 4);
        assert!(ch.colours.windows(2).all(|w| w[0] != w[1]));
        let base = face([1.0; 3], 0);
        let live: Vec<Image> = ch.colours.iter().enumerate().map(|(i, c)| face(tint_of(Some(*c)), i as u8)).collect();
        assert_eq!(check(&ch, &base, &live), Ok(()));
        // A video shines by itself: its frames do not change with the screen.
        let video: Vec<Image> = (0..4).map(|i| face([1.0; 3], i)).collect();
        assert!(matches!(check(&ch, &base, &video), Err(LivenessError::NotFollowed { index: 0, .. })));
        // A replay of another attempt's colours fails where the sequences differ.
        let other = Challenge { colours: ch.colours.iter().rev().copied().collect() };
        let replay: Vec<Image> = other.colours.iter().map(|c| face(tint_of(Some(*c)), 1)).collect();
        if other != ch {
            assert!(check(&ch, &base, &replay).is_err());
        }
    }

    #[test]
    fn wrong_frame_counts_and_sizes_are_refused() {
        let ch = Challenge { colours: vec![PALETTE[0], PALETTE[1]] };
        let base = face([1.0; 3], 0);
        assert!(matches!(check(&ch, &base, &[face([1.0; 3], 1)]), Err(LivenessError::Frames(_))));
        let small = Image { width: 1, height: 1, rgb: Biometric::new(vec![0; 3]) };
        assert!(matches!(check(&ch, &base, &[small.clone(), small]), Err(LivenessError::Frames(_))));
    }

    /// The mean colour, summed sixteen pixels at a time, is each channel's plain mean, whatever
    /// the frame's size (a pixel or two left over, more than one block of lanes).
    #[test]
    fn the_mean_colour_is_each_channels_plain_mean() {
        for pixels in [0usize, 1, 3, 4, 5, 4095, 4096 * 4 + 7, 96 * 96, 1920 * 1080] {
            let rgb: Vec<u8> = (0..pixels * 3).map(|i| (i * 31 % 251) as u8 ^ (i / 7) as u8).collect();
            let mut plain = [0u64; 3];
            for (i, v) in rgb.iter().enumerate() {
                plain[i % 3] += u64::from(*v);
            }
            let n = pixels.max(1) as f32;
            let expected = plain.map(|s| s as f32 / n);
            // (`mean` reads the bytes alone.)
            let img = Image { width: 1, height: 1, rgb: Biometric::new(rgb) };
            assert_eq!(mean(&img), expected, "{pixels} pixels");
        }
    }

    #[test]
    fn a_black_baseline_does_not_divide_by_zero() {
        let ch = Challenge { colours: vec![PALETTE[2]] };
        let black = Image { width: 2, height: 2, rgb: Biometric::new(vec![0; 12]) };
        assert!(check(&ch, &black, std::slice::from_ref(&black)).is_err());
    }
}
