//! Simulated biometrics: how a persona's finger and face look to the simulated scanner and camera,
//! the stand-in for the vendor's WLT photo codec, and the stand-in face verifier.
//!
//! The models are simple but honest: a live capture is the enrolled pattern plus noise, so the same
//! person matches with a high score and a different person scores near chance; a printed photo or a
//! replayed video shows the right face but is flagged by its presentation (liveness, issue 5).

use drivers::biometric::Biometric;
use drivers::camera::{FaceError, FaceScore, FaceVerifier, Image, PhotoDecoder, PhotoError};
use drivers::idcard::{FINGER_LEN, IdCard, PHOTO_LEN};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Magic bytes of the simulator's stand-in for a WLT photo.
const SIM_WLT_MAGIC: &[u8; 8] = b"SIMWLT01";
/// Width and height of a decoded card photo.
pub const PHOTO_W: u16 = 102;
/// Height of a decoded card photo.
pub const PHOTO_H: u16 = 126;
/// Width and height of a simulated camera frame.
pub const FRAME_W: u16 = 96;
/// Height of a simulated camera frame.
pub const FRAME_H: u16 = 96;
/// Grid of the face pattern: 8 columns x 4 rows, one nibble of the signature each.
const GRID_W: usize = 8;
const GRID_H: usize = 4;

/// Parse a 16-byte face signature from 32 hex characters.
pub fn face_signature(hex: &str) -> Result<[u8; 16], String> {
    let bytes = drivers::biometric::from_hex(hex)?;
    bytes.try_into().map_err(|b: Vec<u8>| format!("face signature has {} bytes, expected 16", b.len()))
}

/// The simulator's stand-in for the vendor-compressed photo of a face.
pub fn wlt_photo(face: &[u8; 16]) -> Biometric {
    let mut b = vec![0u8; PHOTO_LEN];
    b[..8].copy_from_slice(SIM_WLT_MAGIC);
    b[8..24].copy_from_slice(face);
    for (i, x) in b[24..PHOTO_LEN - 1].iter_mut().enumerate() {
        *x = face[i % 16].wrapping_mul(31).wrapping_add(i as u8);
    }
    b[PHOTO_LEN - 1] = b[..PHOTO_LEN - 1].iter().fold(0, |a, x| a ^ x);
    Biometric::new(b)
}

/// The ID card a persona carries.
pub fn card_of(p: &crate::persona::Persona) -> Result<IdCard, String> {
    let face = face_signature(&p.face)?;
    Ok(IdCard {
        text: p.card.clone(),
        photo: wlt_photo(&face),
        fingerprints: p.fingers.iter().map(|f| f.template.clone()).collect(),
    })
}

fn cell_value(face: &[u8; 16], cell: usize) -> u8 {
    let byte = face[cell / 2];
    let nib = if cell.is_multiple_of(2) { byte >> 4 } else { byte & 15 };
    40 + nib * 12
}

/// The pixel columns of each grid column of an image `w` pixels wide (pixel column `x` is in grid
/// column `x * GRID_W / w`), with the grid column; none for a grid column no pixel falls in.
fn grid_runs(w: usize) -> Vec<(usize, std::ops::Range<usize>)> {
    (0..GRID_W)
        .filter_map(|c| {
            let start = (0..w).find(|x| x * GRID_W / w == c)?;
            let end = (start..w).take_while(|x| x * GRID_W / w == c).last()? + 1;
            Some((c, start..end))
        })
        .collect()
}

/// Draw a face pattern into an image of the given size; `noise` and `shift` perturb it like light
/// and sensor noise do; `tint` multiplies each channel (the colour-flash liveness of issue 5).
pub fn render_face(face: &[u8; 16], w: u16, h: u16, rng: Option<&mut ChaCha8Rng>, tint: [f32; 3]) -> Image {
    render_face_eyes(face, w, h, rng, tint, false)
}

/// The cells of the face grid where the eyes are.
const EYE_CELLS: [usize; 2] = [GRID_W + 2, GRID_W + 5];

/// [`render_face`] with the eyes closed or open: a closed eye's cell is 60 levels from the open
/// one's, so every face's blink shows.
pub fn render_face_eyes(
    face: &[u8; 16],
    w: u16,
    h: u16,
    rng: Option<&mut ChaCha8Rng>,
    tint: [f32; 3],
    eyes_closed: bool,
) -> Image {
    let (w_, h_) = (w as usize, h as usize);
    let mut rgb = vec![0u8; w_ * h_ * 3];
    if rgb.is_empty() {
        return Image { width: w, height: h, rgb: Biometric::new(rgb) };
    }
    let mut rng = rng;
    let shift: i16 = rng.as_mut().map_or(0, |r| r.random_range(-12..=12));
    // Each cell's pixel for each of the 21 noise levels, worked out first: the per-pixel work is a
    // random byte and two lookups (the simulated camera renders every frame of a liveness check,
    // and the throughput benchmark counts it).
    let tints: [[u8; 256]; 3] =
        std::array::from_fn(|c| std::array::from_fn(|v| (v as f32 * tint[c]).clamp(0.0, 255.0) as u8));
    // 32 shades a cell (21 used), so that a 5-bit index needs no bounds check.
    let shades: Vec<[[u8; 3]; 32]> = (0..GRID_W * GRID_H)
        .map(|cell| {
            let value = cell_value(face, cell) as i16;
            let eye = if eyes_closed && EYE_CELLS.contains(&cell) { if value < 120 { 60 } else { -60 } } else { 0 };
            std::array::from_fn(|k| {
                let v = (value + eye + shift + k.min(20) as i16 - 10).clamp(0, 255) as usize;
                [tints[0][v], tints[1][v], tints[2][v]]
            })
        })
        .collect();
    // Sensor noise, uniform in -10..=10: a random byte a pixel, mapped to 0..=20 (10 is none).
    let spread: [u8; 256] = std::array::from_fn(|b| ((b as u16 * 21) >> 8) as u8);
    // The pixel columns of each grid column, drawn a run at a time.
    let runs = grid_runs(w_);
    let mut noise = vec![128u8; w_];
    let stride = w_ * 3;
    for y in 0..h_ {
        let row_cell = (y * GRID_H / h_) * GRID_W;
        match rng.as_mut() {
            Some(r) => r.fill_bytes(&mut noise),
            // Without noise, a row is the row above it while both are in one row of the grid.
            None if y > 0 && ((y - 1) * GRID_H / h_) * GRID_W == row_cell => {
                let (above, rest) = rgb.split_at_mut(y * stride);
                rest[..stride].copy_from_slice(&above[(y - 1) * stride..]);
                continue;
            }
            None => {}
        }
        let row = &mut rgb[y * stride..(y + 1) * stride];
        for (col, xs) in &runs {
            let shade = &shades[row_cell + col];
            let pixels = row[xs.start * 3..xs.end * 3].chunks_exact_mut(3);
            for (px, n) in pixels.zip(&noise[xs.clone()]) {
                px.copy_from_slice(&shade[(spread[*n as usize] & 31) as usize]);
            }
        }
    }
    Image { width: w, height: h, rgb: Biometric::new(rgb) }
}

/// The simulator's WLT decoder: the stand-in for the licensed vendor library.
#[derive(Debug, Default, Clone, Copy)]
pub struct SimPhotoDecoder;

impl PhotoDecoder for SimPhotoDecoder {
    fn decode(&self, wlt: &[u8]) -> Result<Image, PhotoError> {
        if wlt.len() != PHOTO_LEN {
            return Err(PhotoError::Invalid(format!("{} bytes, expected {PHOTO_LEN}", wlt.len())));
        }
        if &wlt[..8] != SIM_WLT_MAGIC {
            return Err(PhotoError::Invalid("unknown photo format".into()));
        }
        if wlt[..PHOTO_LEN - 1].iter().fold(0, |a, x| a ^ x) != wlt[PHOTO_LEN - 1] {
            return Err(PhotoError::Invalid("photo checksum mismatch".into()));
        }
        let mut face = [0u8; 16];
        face.copy_from_slice(&wlt[8..24]);
        Ok(render_face(&face, PHOTO_W, PHOTO_H, None, [1.0; 3]))
    }
}

/// Mean luminance of each grid cell.
fn cell_means(img: &Image) -> Result<[f32; GRID_W * GRID_H], FaceError> {
    let (w, h) = (img.width as usize, img.height as usize);
    if w < GRID_W || h < GRID_H || img.rgb.len() != w * h * 3 {
        return Err(FaceError::BadImage(format!("{w}x{h} with {} bytes", img.rgb.len())));
    }
    // Sums of r + g + b per cell, in integers, a run of a row's pixels in one cell at a time.
    let runs = grid_runs(w);
    let mut sum = [0u64; GRID_W * GRID_H];
    let mut cnt = [0u64; GRID_W * GRID_H];
    for (y, row) in img.rgb.as_bytes().chunks_exact(w * 3).enumerate() {
        let row_cell = (y * GRID_H / h) * GRID_W;
        for (col, xs) in &runs {
            let bytes = &row[xs.start * 3..xs.end * 3];
            // (A run is at most a row of 65535 pixels: its sum fits a u32.)
            sum[row_cell + col] += u64::from(bytes.iter().map(|&b| u32::from(b)).sum::<u32>());
            cnt[row_cell + col] += xs.len() as u64;
        }
    }
    let mut out = [0f32; GRID_W * GRID_H];
    for i in 0..out.len() {
        out[i] = (sum[i] as f64 / 3.0 / cnt[i] as f64) as f32;
    }
    Ok(out)
}

/// The simulator's face verifier: correlation of the two faces' cell patterns.
#[derive(Debug, Clone, Copy)]
pub struct SimFaceVerifier {
    /// Correlation at or above which two faces are the same person.
    pub threshold: f32,
}

impl Default for SimFaceVerifier {
    fn default() -> Self {
        SimFaceVerifier { threshold: 0.8 }
    }
}

impl FaceVerifier for SimFaceVerifier {
    fn verify(&self, reference: &Image, live: &Image) -> Result<FaceScore, FaceError> {
        // The eyes are left out: a blink does not change who someone is.
        let keep = |c: [f32; GRID_W * GRID_H]| -> Vec<f32> {
            c.iter().enumerate().filter(|(i, _)| !EYE_CELLS.contains(i)).map(|(_, v)| *v).collect()
        };
        let a = keep(cell_means(reference)?);
        let b = keep(cell_means(live)?);
        let n = a.len() as f32;
        let (ma, mb) = (a.iter().sum::<f32>() / n, b.iter().sum::<f32>() / n);
        let (mut cov, mut va, mut vb) = (0f32, 0f32, 0f32);
        for i in 0..a.len() {
            cov += (a[i] - ma) * (b[i] - mb);
            va += (a[i] - ma).powi(2);
            vb += (b[i] - mb).powi(2);
        }
        if va < 1.0 {
            return Err(FaceError::NoFace("reference photo"));
        }
        if vb < 1.0 {
            return Err(FaceError::NoFace("live frame"));
        }
        let r = cov / (va.sqrt() * vb.sqrt());
        Ok(FaceScore { similarity: r.max(0.0), matched: r >= self.threshold })
    }
}

/// The simulator's blink detector (the stand-in for the vendor's): a blink is a frame whose eyes
/// differ clearly from how they look in most frames, with open eyes before or after it.
#[derive(Debug, Default, Clone, Copy)]
pub struct SimBlinkDetector;

impl drivers::camera::BlinkDetector for SimBlinkDetector {
    fn blinked(&self, frames: &[Image]) -> Result<bool, FaceError> {
        let eyes: Vec<[f32; 2]> =
            frames.iter().map(|f| cell_means(f).map(|c| EYE_CELLS.map(|i| c[i]))).collect::<Result<_, _>>()?;
        if eyes.len() < 3 {
            return Ok(false);
        }
        let median = |k: usize| {
            let mut v: Vec<f32> = eyes.iter().map(|e| e[k]).collect();
            v.sort_by(f32::total_cmp);
            v[v.len() / 2]
        };
        let open = [median(0), median(1)];
        let closed = eyes.iter().filter(|e| (0..2).all(|k| (e[k] - open[k]).abs() > 30.0)).count();
        Ok(closed >= 1 && closed < eyes.len() / 2 + 1)
    }
}

/// A live capture of an enrolled finger: the template with a share of its feature bits flipped.
pub fn live_finger(template: &Biometric, rng: &mut ChaCha8Rng, flip: f64) -> Biometric {
    let mut t = template.as_bytes().to_vec();
    for byte in t.iter_mut().skip(2) {
        for bit in 0..8 {
            if rng.random_bool(flip) {
                *byte ^= 1 << bit;
            }
        }
    }
    Biometric::new(t)
}

/// The module's 1:1 match score of two templates, 0..=300 (R30x modules judge about 50 and more a
/// match; the simulator uses [`FINGER_MATCH_SCORE`]).
pub fn finger_score(a: &Biometric, b: &Biometric) -> u16 {
    if a.len() != FINGER_LEN || b.len() != FINGER_LEN {
        return 0;
    }
    let agree: u32 = a.as_bytes()[2..].iter().zip(&b.as_bytes()[2..]).map(|(x, y)| 8 - (x ^ y).count_ones()).sum();
    let frac = agree as f64 / ((FINGER_LEN - 2) * 8) as f64;
    (((frac - 0.5).max(0.0) * 2.0) * 300.0) as u16
}

/// Score at or above which the simulated module reports a match.
pub const FINGER_MATCH_SCORE: u16 = 100;

/// A deterministic RNG for a device, from a seed and a salt.
pub fn rng(seed: u64, salt: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(seed: u64) -> Biometric {
        let mut r = rng(seed, 1);
        let mut t: Vec<u8> = (0..FINGER_LEN).map(|_| r.random()).collect();
        t[0] = 3;
        Biometric::new(t)
    }

    /// The runs of pixel columns cover an image's width in order, each in its own grid column.
    #[test]
    fn grid_runs_cover_the_width_each_in_its_column() {
        for w in 1..300 {
            let runs = grid_runs(w);
            let covered: Vec<usize> = runs.iter().flat_map(|(_, xs)| xs.clone()).collect();
            assert_eq!(covered, (0..w).collect::<Vec<_>>(), "width {w}");
            for (c, xs) in &runs {
                assert!(xs.clone().all(|x| x * GRID_W / w == *c), "width {w} column {c}");
            }
        }
    }

    /// Without noise (a card's photo), every pixel is its cell's value, tinted: rows copied from the
    /// row above are the rows drawn pixel by pixel, at any size.
    #[test]
    fn a_noiseless_face_is_each_cell_its_value() {
        let face = face_signature("0f1e2d3c4b5a69788796a5b4c3d2e1f0").unwrap();
        let tint = [1.0, 0.5, 2.0];
        for (w, h) in [(PHOTO_W, PHOTO_H), (FRAME_W, FRAME_H), (9, 13), (8, 4), (17, 5), (3, 2)] {
            let img = render_face(&face, w, h, None, tint);
            let (w_, h_) = (w as usize, h as usize);
            for y in 0..h_ {
                for x in 0..w_ {
                    let cell = (y * GRID_H / h_) * GRID_W + x * GRID_W / w_;
                    let v = cell_value(&face, cell) as f32;
                    let want: Vec<u8> = tint.iter().map(|t| (v * t).clamp(0.0, 255.0) as u8).collect();
                    let at = (y * w_ + x) * 3;
                    assert_eq!(&img.rgb.as_bytes()[at..at + 3], &want[..], "{w}x{h} at ({x}, {y})");
                }
            }
        }
    }

    #[test]
    fn same_finger_matches_other_does_not() {
        let mut r = rng(7, 2);
        let (a, b) = (template(1), template(2));
        for _ in 0..50 {
            assert!(finger_score(&a, &live_finger(&a, &mut r, 0.08)) >= FINGER_MATCH_SCORE);
            assert!(finger_score(&a, &live_finger(&b, &mut r, 0.08)) < FINGER_MATCH_SCORE);
        }
    }

    #[test]
    fn a_blink_shows_in_a_live_face_and_never_in_a_photo() {
        use drivers::camera::BlinkDetector;
        let a = face_signature("00112233445566778899aabbccddeeff").unwrap();
        let mut r = rng(5, 5);
        let frames = |blinks: &[bool], r: &mut ChaCha8Rng| -> Vec<Image> {
            blinks.iter().map(|&b| render_face_eyes(&a, FRAME_W, FRAME_H, Some(r), [1.0; 3], b)).collect()
        };
        let d = SimBlinkDetector;
        assert!(d.blinked(&frames(&[false, false, true, false, false], &mut r)).unwrap());
        assert!(!d.blinked(&frames(&[false; 6], &mut r)).unwrap(), "a photo never blinks");
        assert!(!d.blinked(&frames(&[false, true], &mut r)).unwrap(), "too few frames to tell");
        // A blinking face is still the same face.
        let photo = SimPhotoDecoder.decode(wlt_photo(&a).as_bytes()).unwrap();
        let closed = render_face_eyes(&a, FRAME_W, FRAME_H, Some(&mut r), [1.0; 3], true);
        assert!(SimFaceVerifier::default().verify(&photo, &closed).unwrap().matched);
    }

    #[test]
    fn same_face_matches_other_does_not() {
        let v = SimFaceVerifier::default();
        let a = face_signature("00112233445566778899aabbccddeeff").unwrap();
        let b = face_signature("f0e1d2c3b4a5968778695a4b3c2d1e0f").unwrap();
        let photo = SimPhotoDecoder.decode(wlt_photo(&a).as_bytes()).unwrap();
        let mut r = rng(3, 3);
        for _ in 0..20 {
            let live_a = render_face(&a, FRAME_W, FRAME_H, Some(&mut r), [1.0; 3]);
            let live_b = render_face(&b, FRAME_W, FRAME_H, Some(&mut r), [1.0; 3]);
            assert!(v.verify(&photo, &live_a).unwrap().matched);
            assert!(!v.verify(&photo, &live_b).unwrap().matched);
        }
    }

    #[test]
    fn decoder_rejects_foreign_bytes() {
        assert!(SimPhotoDecoder.decode(&[0u8; 1024]).is_err());
        assert!(SimPhotoDecoder.decode(&[0u8; 3]).is_err());
        let mut p = wlt_photo(&[1; 16]).as_bytes().to_vec();
        p[100] ^= 1;
        assert!(SimPhotoDecoder.decode(&p).is_err());
    }
}
