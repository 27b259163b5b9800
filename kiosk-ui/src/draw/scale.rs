//! A DrawTarget adapter that scales by an integer factor: every pixel drawn through it becomes an
//! N x N block of the target, drawn with `fill_solid` (a horizontal run of pixels as one block).

use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

/// Draws onto `target` with every pixel an `n` x `n` block, pixel (0, 0) at `origin`.
pub struct Scaled<'a, D> {
    target: &'a mut D,
    origin: Point,
    n: u32,
}

impl<'a, D: DrawTarget> Scaled<'a, D> {
    /// A scaling view of `target` (`n` is at least 1).
    pub fn new(target: &'a mut D, origin: Point, n: u32) -> Scaled<'a, D> {
        Scaled { target, origin, n: n.max(1) }
    }

    /// The target's rectangle of `len` source pixels from `p` along a row.
    fn block(&self, p: Point, len: u32) -> Rectangle {
        let n = self.n as i32;
        Rectangle::new(self.origin + Point::new(p.x * n, p.y * n), Size::new(len * self.n, self.n))
    }
}

impl<D: DrawTarget> Dimensions for Scaled<'_, D> {
    fn bounding_box(&self) -> Rectangle {
        let bb = self.target.bounding_box();
        let n = self.n as i32;
        let tl = bb.top_left - self.origin;
        let top_left = Point::new(tl.x.div_euclid(n), tl.y.div_euclid(n));
        let br = tl + bb.size;
        let bottom_right = Point::new(br.x.div_euclid(n) + 1, br.y.div_euclid(n) + 1);
        Rectangle::with_corners(top_left, bottom_right)
    }
}

impl<D: DrawTarget> DrawTarget for Scaled<'_, D> {
    type Color = D::Color;
    type Error = D::Error;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Self::Error>
    where
        I: IntoIterator<Item = Pixel<Self::Color>>,
    {
        // Consecutive pixels of one colour along a row become one block.
        let mut run: Option<(Point, u32, D::Color)> = None;
        for Pixel(p, color) in pixels {
            match &mut run {
                Some((start, len, c)) if *c == color && p.y == start.y && p.x == start.x + *len as i32 => *len += 1,
                _ => {
                    if let Some((start, len, c)) = run.replace((p, 1, color)) {
                        let area = self.block(start, len);
                        self.target.fill_solid(&area, c)?;
                    }
                }
            }
        }
        if let Some((start, len, c)) = run {
            let area = self.block(start, len);
            self.target.fill_solid(&area, c)?;
        }
        Ok(())
    }

    fn fill_solid(&mut self, area: &Rectangle, color: Self::Color) -> Result<(), Self::Error> {
        let n = self.n as i32;
        let scaled = Rectangle::new(
            self.origin + Point::new(area.top_left.x * n, area.top_left.y * n),
            Size::new(area.size.width * self.n, area.size.height * self.n),
        );
        self.target.fill_solid(&scaled, color)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_graphics::mock_display::MockDisplay;
    use embedded_graphics::pixelcolor::BinaryColor;

    #[test]
    fn a_pixel_becomes_a_block_and_a_run_one_rectangle() {
        let mut display = MockDisplay::<BinaryColor>::new();
        let mut scaled = Scaled::new(&mut display, Point::new(1, 2), 3);
        let pixels = [Point::new(0, 0), Point::new(1, 0), Point::new(3, 1)];
        scaled.draw_iter(pixels.map(|p| Pixel(p, BinaryColor::On))).ok();
        display.assert_pattern(&[
            "             ",
            "             ",
            " ######      ",
            " ######      ",
            " ######      ",
            "          ###",
            "          ###",
            "          ###",
        ]);
    }
}
