//! An in-memory framebuffer in the layout of a 32-bit Linux framebuffer (`/dev/fb0`: XRGB8888, one
//! `u32` per pixel, rows one after another), with fast paths for solid and contiguous fills.

use core::convert::Infallible;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

/// Pixels in XRGB8888.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framebuffer {
    size: Size,
    words: Vec<u32>,
}

fn word(c: Rgb888) -> u32 {
    (u32::from(c.r()) << 16) | (u32::from(c.g()) << 8) | u32::from(c.b())
}

impl Framebuffer {
    /// A black framebuffer.
    pub fn new(size: Size) -> Framebuffer {
        let len = size.width as usize * size.height as usize;
        Framebuffer { size, words: vec![0; len] }
    }

    /// The pixels, row by row (what is copied to the device's memory).
    pub fn words(&self) -> &[u32] {
        &self.words
    }

    /// One pixel's colour.
    pub fn pixel(&self, p: Point) -> Option<Rgb888> {
        let (x, y) = (usize::try_from(p.x).ok()?, usize::try_from(p.y).ok()?);
        if x >= self.size.width as usize || y >= self.size.height as usize {
            return None;
        }
        let w = *self.words.get(y * self.size.width as usize + x)?;
        Some(Rgb888::new((w >> 16) as u8, (w >> 8) as u8, w as u8))
    }

    /// The part of `area` inside the buffer, as (x, y, width, height).
    fn clip(&self, area: &Rectangle) -> Option<(usize, usize, usize, usize)> {
        let r = area.intersection(&self.bounding_box());
        let br = r.bottom_right()?;
        let (x0, y0) = (usize::try_from(r.top_left.x).ok()?, usize::try_from(r.top_left.y).ok()?);
        let (x1, y1) = (usize::try_from(br.x).ok()?, usize::try_from(br.y).ok()?);
        Some((x0, y0, x1 - x0 + 1, y1 - y0 + 1))
    }
}

impl OriginDimensions for Framebuffer {
    fn size(&self) -> Size {
        self.size
    }
}

impl DrawTarget for Framebuffer {
    type Color = Rgb888;
    type Error = Infallible;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Self::Error>
    where
        I: IntoIterator<Item = Pixel<Self::Color>>,
    {
        let (w, h) = (self.size.width as usize, self.size.height as usize);
        for Pixel(p, c) in pixels {
            if let (Ok(x), Ok(y)) = (usize::try_from(p.x), usize::try_from(p.y))
                && x < w
                && y < h
            {
                self.words[y * w + x] = word(c);
            }
        }
        Ok(())
    }

    fn fill_contiguous<I>(&mut self, area: &Rectangle, colors: I) -> Result<(), Self::Error>
    where
        I: IntoIterator<Item = Self::Color>,
    {
        let Some((x0, y0, cw, ch)) = self.clip(area) else { return Ok(()) };
        if (cw, ch) != (area.size.width as usize, area.size.height as usize) {
            // Partly outside: the general path skips what is outside.
            let pixels = area.points().zip(colors).map(|(p, c)| Pixel(p, c));
            return self.draw_iter(pixels);
        }
        let stride = self.size.width as usize;
        let mut colors = colors.into_iter();
        for y in y0..y0 + ch {
            let row = &mut self.words[y * stride + x0..y * stride + x0 + cw];
            for (dst, c) in row.iter_mut().zip(colors.by_ref()) {
                *dst = word(c);
            }
        }
        Ok(())
    }

    fn fill_solid(&mut self, area: &Rectangle, color: Self::Color) -> Result<(), Self::Error> {
        let Some((x0, y0, cw, ch)) = self.clip(area) else { return Ok(()) };
        let stride = self.size.width as usize;
        let w = word(color);
        for y in y0..y0 + ch {
            self.words[y * stride + x0..y * stride + x0 + cw].fill(w);
        }
        Ok(())
    }

    fn clear(&mut self, color: Self::Color) -> Result<(), Self::Error> {
        self.words.fill(word(color));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_graphics::primitives::{Circle, PrimitiveStyle};
    use embedded_graphics_simulator::SimulatorDisplay;

    /// Every fast path draws what the generic per-pixel path draws.
    #[test]
    fn fast_paths_match_the_simulator() {
        let size = Size::new(40, 30);
        let mut fb = Framebuffer::new(size);
        let mut sim = SimulatorDisplay::<Rgb888>::with_default_color(size, Rgb888::BLACK);
        let red = Rgb888::new(200, 10, 10);
        let blue = Rgb888::new(10, 10, 200);
        let rects = [
            Rectangle::new(Point::new(-5, -5), Size::new(12, 12)),
            Rectangle::new(Point::new(30, 20), Size::new(20, 20)),
            Rectangle::new(Point::new(3, 4), Size::new(5, 0)),
        ];
        for r in rects {
            let _ = fb.fill_solid(&r, red);
            let _ = sim.fill_solid(&r, red);
            let colors = (0..r.size.width * r.size.height).map(|i| if i % 3 == 0 { blue } else { red });
            let _ = fb.fill_contiguous(&r.translate(Point::new(8, 2)), colors.clone());
            let _ = sim.fill_contiguous(&r.translate(Point::new(8, 2)), colors);
        }
        let circle = Circle::new(Point::new(20, 5), 17).into_styled(PrimitiveStyle::with_fill(blue));
        let _ = circle.draw(&mut fb);
        let _ = circle.draw(&mut sim);
        for p in Rectangle::new(Point::zero(), size).points() {
            assert_eq!(fb.pixel(p), Some(sim.get_pixel(p)), "{p:?}");
        }
        assert_eq!(fb.pixel(Point::new(40, 0)), None);
        assert_eq!(fb.pixel(Point::new(-1, 0)), None);
    }
}
