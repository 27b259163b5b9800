//! The hall's screen on the Linux framebuffer (`/dev/fb0`): frames are drawn into memory in the
//! device's own pixel layout and copied to it in one go when complete, so the applicant never sees
//! half a screen.

use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use std::convert::Infallible;
use std::path::Path;

/// Where each colour channel sits in a pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelLayout {
    /// Bytes per pixel (2, 3 or 4).
    pub bytes: usize,
    /// Red (bit offset, bit length).
    pub red: (u32, u32),
    /// Green.
    pub green: (u32, u32),
    /// Blue.
    pub blue: (u32, u32),
}

impl PixelLayout {
    /// RGB565 (16 bits).
    pub const RGB565: PixelLayout = PixelLayout { bytes: 2, red: (11, 5), green: (5, 6), blue: (0, 5) };
    /// XRGB8888 (32 bits, the usual desktop layout).
    pub const XRGB8888: PixelLayout = PixelLayout { bytes: 4, red: (16, 8), green: (8, 8), blue: (0, 8) };

    /// A layout from the device's description; `None` for one kioskd does not draw (palettes, < 16 bpp).
    pub fn new(bits_per_pixel: u32, red: (u32, u32), green: (u32, u32), blue: (u32, u32)) -> Option<PixelLayout> {
        let bytes = match bits_per_pixel {
            16 => 2,
            24 => 3,
            32 => 4,
            _ => return None,
        };
        let fits = |(off, len): (u32, u32)| (1..=8).contains(&len) && off + len <= bits_per_pixel;
        (fits(red) && fits(green) && fits(blue)).then_some(PixelLayout { bytes, red, green, blue })
    }

    /// The bytes of one pixel (little-endian, as framebuffers store them).
    pub fn pack(&self, c: Rgb888) -> [u8; 4] {
        let chan = |v: u8, (off, len): (u32, u32)| (u32::from(v) >> (8 - len)) << off;
        let word = chan(c.r(), self.red) | chan(c.g(), self.green) | chan(c.b(), self.blue);
        word.to_le_bytes()
    }
}

/// A frame in memory, in a framebuffer's layout.
#[derive(Debug, Clone)]
pub struct Frame {
    size: Size,
    stride: usize,
    layout: PixelLayout,
    bytes: Vec<u8>,
}

impl Frame {
    /// A black frame of `size` pixels, `stride` bytes per row (at least a row of pixels).
    pub fn new(size: Size, stride: usize, layout: PixelLayout) -> Frame {
        let stride = stride.max(size.width as usize * layout.bytes);
        Frame { size, stride, layout, bytes: vec![0; stride * size.height as usize] }
    }

    /// The frame's bytes, row by row.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn put(&mut self, p: Point, packed: &[u8]) {
        if p.x < 0 || p.y < 0 || p.x as u32 >= self.size.width || p.y as u32 >= self.size.height {
            return;
        }
        let at = p.y as usize * self.stride + p.x as usize * self.layout.bytes;
        self.bytes[at..at + packed.len()].copy_from_slice(packed);
    }
}

impl OriginDimensions for Frame {
    fn size(&self) -> Size {
        self.size
    }
}

impl DrawTarget for Frame {
    type Color = Rgb888;
    type Error = Infallible;

    fn draw_iter<I: IntoIterator<Item = Pixel<Rgb888>>>(&mut self, pixels: I) -> Result<(), Infallible> {
        let n = self.layout.bytes;
        for Pixel(p, c) in pixels {
            let packed = self.layout.pack(c);
            self.put(p, &packed[..n]);
        }
        Ok(())
    }

    fn fill_solid(&mut self, area: &Rectangle, color: Rgb888) -> Result<(), Infallible> {
        let area = area.intersection(&self.bounding_box());
        let Some(bottom_right) = area.bottom_right() else { return Ok(()) };
        let n = self.layout.bytes;
        let packed = self.layout.pack(color);
        let row: Vec<u8> = (0..area.size.width).flat_map(|_| packed[..n].iter().copied()).collect();
        for y in area.top_left.y..=bottom_right.y {
            let at = y as usize * self.stride + area.top_left.x as usize * n;
            self.bytes[at..at + row.len()].copy_from_slice(&row);
        }
        Ok(())
    }
}

/// What can go wrong with the framebuffer.
#[derive(Debug, thiserror::Error)]
pub enum FramebufferError {
    /// The device could not be opened or mapped.
    #[error("framebuffer {path}: {message}")]
    Open {
        /// Device path.
        path: String,
        /// Why.
        message: String,
    },
    /// Its pixel format is not one kioskd draws.
    #[error("framebuffer {path}: {bits} bits per pixel is not a format kioskd draws (16, 24 or 32-bit RGB)")]
    Format {
        /// Device path.
        path: String,
        /// Bits per pixel.
        bits: u32,
    },
}

/// The framebuffer device and the frame drawn for it.
pub struct Framebuffer {
    device: framebuffer::Framebuffer,
    frame: Frame,
}

impl Framebuffer {
    /// Open and map the device.
    pub fn open(path: &Path) -> Result<Framebuffer, FramebufferError> {
        let p = path.display().to_string();
        let device = framebuffer::Framebuffer::new(path)
            .map_err(|e| FramebufferError::Open { path: p.clone(), message: e.details.clone() })?;
        let v = &device.var_screen_info;
        let bf = |b: &framebuffer::Bitfield| (b.offset, b.length);
        let layout = PixelLayout::new(v.bits_per_pixel, bf(&v.red), bf(&v.green), bf(&v.blue))
            .ok_or(FramebufferError::Format { path: p, bits: v.bits_per_pixel })?;
        let size = Size::new(v.xres, v.yres);
        let frame = Frame::new(size, device.fix_screen_info.line_length as usize, layout);
        Ok(Framebuffer { device, frame })
    }

    /// The screen's size in pixels.
    pub fn size(&self) -> Size {
        self.frame.size
    }

    /// The frame to draw into.
    pub fn frame(&mut self) -> &mut Frame {
        &mut self.frame
    }

    /// Show the frame.
    pub fn present(&mut self) {
        let n = self.frame.bytes.len().min(self.device.frame.len());
        self.device.frame[..n].copy_from_slice(&self.frame.bytes[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_graphics::primitives::{PrimitiveStyle, Rectangle};

    #[test]
    fn pixels_pack_into_the_device_layout() {
        assert_eq!(PixelLayout::XRGB8888.pack(Rgb888::new(0x12, 0x34, 0x56)), [0x56, 0x34, 0x12, 0]);
        assert_eq!(PixelLayout::RGB565.pack(Rgb888::new(255, 0, 0))[..2], [0x00, 0xF8]);
        assert_eq!(PixelLayout::RGB565.pack(Rgb888::new(0, 255, 0))[..2], [0xE0, 0x07]);
        assert_eq!(PixelLayout::RGB565.pack(Rgb888::WHITE)[..2], [0xFF, 0xFF]);
        let bgr = PixelLayout::new(24, (0, 8), (8, 8), (16, 8)).unwrap();
        assert_eq!(bgr.pack(Rgb888::new(1, 2, 3))[..3], [1, 2, 3]);
        assert_eq!(PixelLayout::new(8, (0, 3), (3, 3), (6, 2)), None, "palette modes are not drawn");
        assert_eq!(PixelLayout::new(16, (12, 8), (5, 6), (0, 5)), None, "a channel past the pixel");
    }

    #[test]
    fn drawing_fills_rows_with_padding_untouched_and_clips() {
        let mut f = Frame::new(Size::new(3, 2), 16, PixelLayout::XRGB8888);
        Rectangle::new(Point::new(1, 0), Size::new(5, 5))
            .into_styled(PrimitiveStyle::with_fill(Rgb888::new(9, 8, 7)))
            .draw(&mut f)
            .unwrap();
        let px = |f: &Frame, x: usize, y: usize| f.bytes()[y * 16 + x * 4..y * 16 + x * 4 + 4].to_vec();
        assert_eq!(px(&f, 0, 0), [0, 0, 0, 0]);
        assert_eq!(px(&f, 1, 0), [7, 8, 9, 0]);
        assert_eq!(px(&f, 2, 1), [7, 8, 9, 0]);
        assert!(f.bytes()[12..16].iter().all(|&b| b == 0), "row padding stays untouched");
        Pixel(Point::new(-1, 5), Rgb888::WHITE).draw(&mut f).unwrap();
        Pixel(Point::new(2, 1), Rgb888::WHITE).draw(&mut f).unwrap();
        assert_eq!(px(&f, 2, 1), [255, 255, 255, 0]);
    }

    #[test]
    fn a_missing_device_is_an_error_not_a_panic() {
        let e = Framebuffer::open(Path::new("/dev/no-such-fb")).err().expect("no device");
        assert!(e.to_string().contains("/dev/no-such-fb"), "{e}");
    }
}
