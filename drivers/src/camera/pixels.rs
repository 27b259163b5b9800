//! Camera frames as the device delivers them, turned into RGB, and the two measures a capture uses
//! to keep its best frame (exposure and sharpness). Pure functions over byte slices: tested without
//! a camera.

/// The raw layouts a camera may deliver that kioskd converts itself (compressed MJPG is not one:
/// the camera is set to an uncompressed format).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// YUV 4:2:2, `Y0 U Y1 V` for two pixels (what UVC webcams deliver uncompressed).
    Yuyv,
    /// 24-bit RGB.
    Rgb24,
    /// 24-bit BGR.
    Bgr24,
    /// 8-bit grey (infrared face cameras).
    Grey,
}

impl Layout {
    /// The layout of a V4L2 four-character code, if kioskd reads it.
    pub fn from_fourcc(code: [u8; 4]) -> Option<Layout> {
        match &code {
            b"YUYV" => Some(Layout::Yuyv),
            b"RGB3" => Some(Layout::Rgb24),
            b"BGR3" => Some(Layout::Bgr24),
            b"GREY" => Some(Layout::Grey),
            _ => None,
        }
    }

    /// Bytes per pixel (YUYV: two pixels in four bytes).
    pub fn bytes_per_pixel(self) -> usize {
        match self {
            Layout::Yuyv => 2,
            Layout::Rgb24 | Layout::Bgr24 => 3,
            Layout::Grey => 1,
        }
    }
}

/// A frame as the camera filled its buffer.
#[derive(Debug, Clone, Copy)]
pub struct RawFrame<'a> {
    /// Pixel layout.
    pub layout: Layout,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bytes from one row to the next (at least `width * bytes_per_pixel`).
    pub stride: u32,
    /// The buffer's used bytes.
    pub data: &'a [u8],
}

/// A frame that does not hold what its format says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Fewer bytes than the format needs.
    #[error("frame too short: {got} bytes, the format needs {need}")]
    Short {
        /// Bytes needed.
        need: usize,
        /// Bytes delivered.
        got: usize,
    },
    /// A size or stride no frame can have.
    #[error("impossible frame geometry {width}x{height}, stride {stride}")]
    Geometry {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
        /// Stride.
        stride: u32,
    },
}

impl RawFrame<'_> {
    /// Check the geometry against the bytes.
    pub fn check(&self) -> Result<(), FrameError> {
        let geometry = FrameError::Geometry { width: self.width, height: self.height, stride: self.stride };
        let row = (self.width as usize).checked_mul(self.layout.bytes_per_pixel()).ok_or(geometry.clone())?;
        let odd_yuyv = self.layout == Layout::Yuyv && self.width % 2 == 1;
        if self.width == 0 || self.height == 0 || (self.stride as usize) < row || odd_yuyv {
            return Err(geometry);
        }
        let need = (self.stride as usize)
            .checked_mul(self.height as usize - 1)
            .and_then(|n| n.checked_add(row))
            .ok_or(geometry)?;
        if self.data.len() < need {
            return Err(FrameError::Short { need, got: self.data.len() });
        }
        Ok(())
    }

    fn row(&self, y: u32) -> &[u8] {
        let start = y as usize * self.stride as usize;
        &self.data[start..start + self.width as usize * self.layout.bytes_per_pixel()]
    }

    /// The frame as 24-bit RGB, row by row, no padding.
    pub fn to_rgb(&self) -> Result<Vec<u8>, FrameError> {
        self.check()?;
        let mut out = Vec::with_capacity(self.width as usize * self.height as usize * 3);
        for y in 0..self.height {
            let row = self.row(y);
            match self.layout {
                Layout::Rgb24 => out.extend_from_slice(row),
                Layout::Bgr24 => row.chunks_exact(3).for_each(|p| out.extend_from_slice(&[p[2], p[1], p[0]])),
                Layout::Grey => row.iter().for_each(|&g| out.extend_from_slice(&[g, g, g])),
                Layout::Yuyv => row.chunks_exact(4).for_each(|q| {
                    out.extend_from_slice(&yuv_to_rgb(q[0], q[1], q[3]));
                    out.extend_from_slice(&yuv_to_rgb(q[2], q[1], q[3]));
                }),
            }
        }
        Ok(out)
    }

    /// The brightness (0-255) of the pixel at `x`, `y` (inside the frame).
    fn luma_at(&self, x: u32, y: u32) -> i32 {
        let row = self.row(y);
        let x = x as usize;
        match self.layout {
            Layout::Yuyv => i32::from(row[x * 2]),
            Layout::Grey => i32::from(row[x]),
            Layout::Rgb24 => luma_of(row[x * 3], row[x * 3 + 1], row[x * 3 + 2]),
            Layout::Bgr24 => luma_of(row[x * 3 + 2], row[x * 3 + 1], row[x * 3]),
        }
    }

    /// How well exposed and how sharp the frame is, measured on every other pixel.
    pub fn quality(&self) -> Result<Quality, FrameError> {
        self.check()?;
        let (mut sum, mut edges, mut n, mut inner) = (0u64, 0u64, 0u64, 0u64);
        for y in (0..self.height).step_by(2) {
            for x in (0..self.width).step_by(2) {
                let c = self.luma_at(x, y);
                sum += c as u64;
                n += 1;
                if x >= 2 && y >= 2 && x + 2 < self.width && y + 2 < self.height {
                    let around = self.luma_at(x - 2, y)
                        + self.luma_at(x + 2, y)
                        + self.luma_at(x, y - 2)
                        + self.luma_at(x, y + 2);
                    edges += (4 * c - around).unsigned_abs() as u64;
                    inner += 1;
                }
            }
        }
        Ok(Quality { brightness: (sum as f32) / (n.max(1) as f32), sharpness: (edges as f32) / (inner.max(1) as f32) })
    }
}

/// What a capture knows of a frame before any face detection.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Quality {
    /// Mean brightness, 0-255.
    pub brightness: f32,
    /// Mean absolute Laplacian of the brightness: higher is sharper (0 for a uniform frame).
    pub sharpness: f32,
}

impl Quality {
    /// Neither too dark (lens covered, lights off) nor washed out.
    pub fn well_exposed(&self) -> bool {
        (40.0..=215.0).contains(&self.brightness)
    }

    /// Something in view: a uniform frame (a covered lens, a blank wall at a distance) has no edges.
    pub fn has_detail(&self) -> bool {
        self.sharpness >= 2.0
    }

    /// Whether a frame of this quality is worth giving to the face verifier.
    pub fn usable(&self) -> bool {
        self.well_exposed() && self.has_detail()
    }
}

fn luma_of(r: u8, g: u8, b: u8) -> i32 {
    (77 * i32::from(r) + 150 * i32::from(g) + 29 * i32::from(b)) >> 8
}

/// ITU-R BT.601, limited range, integer arithmetic.
fn yuv_to_rgb(y: u8, u: u8, v: u8) -> [u8; 3] {
    let c = 298 * (i32::from(y) - 16);
    let (d, e) = (i32::from(u) - 128, i32::from(v) - 128);
    let clamp = |x: i32| ((x + 128) >> 8).clamp(0, 255) as u8;
    [clamp(c + 409 * e), clamp(c - 100 * d - 208 * e), clamp(c + 516 * d)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frame(layout: Layout, width: u32, height: u32, data: &[u8]) -> RawFrame<'_> {
        RawFrame { layout, width, height, stride: width * layout.bytes_per_pixel() as u32, data }
    }

    #[test]
    fn yuyv_greys_and_primaries_convert_as_bt601_says() {
        // Black, white and mid grey: U = V = 128.
        let data = [16, 128, 235, 128, 126, 128, 126, 128];
        let rgb = frame(Layout::Yuyv, 4, 1, &data).to_rgb().unwrap();
        assert_eq!(rgb, [0, 0, 0, 255, 255, 255, 128, 128, 128, 128, 128, 128]);
        // Pure red in BT.601 limited range is Y 81, U 90, V 240.
        let rgb = frame(Layout::Yuyv, 2, 1, &[81, 90, 81, 240]).to_rgb().unwrap();
        assert!(rgb[0] >= 250 && rgb[1] <= 5 && rgb[2] <= 5, "{rgb:?}");
    }

    #[test]
    fn bgr_and_grey_become_rgb() {
        assert_eq!(frame(Layout::Bgr24, 1, 1, &[1, 2, 3]).to_rgb().unwrap(), [3, 2, 1]);
        assert_eq!(frame(Layout::Grey, 2, 1, &[7, 9]).to_rgb().unwrap(), [7, 7, 7, 9, 9, 9]);
    }

    #[test]
    fn padded_rows_are_stripped() {
        let data = [1, 2, 3, 0xEE, 4, 5, 6, 0xEE];
        let f = RawFrame { layout: Layout::Rgb24, width: 1, height: 2, stride: 4, data: &data[..7] };
        assert_eq!(f.to_rgb().unwrap(), [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn short_and_impossible_frames_are_refused() {
        assert_eq!(frame(Layout::Rgb24, 2, 2, &[0; 11]).to_rgb(), Err(FrameError::Short { need: 12, got: 11 }));
        assert!(matches!(frame(Layout::Yuyv, 3, 1, &[0; 6]).check(), Err(FrameError::Geometry { .. })));
        assert!(matches!(frame(Layout::Grey, 0, 1, &[]).check(), Err(FrameError::Geometry { .. })));
        let f = RawFrame { layout: Layout::Grey, width: 4, height: 1, stride: 3, data: &[0; 4] };
        assert!(matches!(f.check(), Err(FrameError::Geometry { .. })));
    }

    #[test]
    fn a_covered_lens_is_not_usable_and_a_scene_is() {
        let dark = vec![16u8; 64 * 64];
        let q = frame(Layout::Grey, 64, 64, &dark).quality().unwrap();
        assert!(!q.well_exposed() && !q.usable(), "{q:?}");
        let flat = vec![128u8; 64 * 64];
        assert!(!frame(Layout::Grey, 64, 64, &flat).quality().unwrap().has_detail());
        // A checkerboard of 4-pixel squares: edges everywhere.
        let board: Vec<u8> =
            (0..64 * 64).map(|i| if ((i % 64) / 4 + (i / 64) / 4) % 2 == 0 { 60 } else { 190 }).collect();
        let q = frame(Layout::Grey, 64, 64, &board).quality().unwrap();
        assert!(q.usable(), "{q:?}");
        // The same scene at half the contrast measures less sharp.
        let soft: Vec<u8> = board.iter().map(|&p| p / 2 + 64).collect();
        assert!(frame(Layout::Grey, 64, 64, &soft).quality().unwrap().sharpness < q.sharpness);
    }

    proptest! {
        #[test]
        fn any_bytes_any_geometry_never_panic(
            data in proptest::collection::vec(any::<u8>(), 0..512),
            width in 0u32..40, height in 0u32..20, pad in 0u32..8, which in 0usize..4,
        ) {
            let layout = [Layout::Yuyv, Layout::Rgb24, Layout::Bgr24, Layout::Grey][which];
            let stride = width * layout.bytes_per_pixel() as u32 + pad;
            let f = RawFrame { layout, width, height, stride, data: &data };
            if let Ok(rgb) = f.to_rgb() {
                prop_assert_eq!(rgb.len(), (width * height * 3) as usize);
                prop_assert!(f.quality().is_ok());
            } else {
                prop_assert!(f.quality().is_err());
            }
        }
    }
}
