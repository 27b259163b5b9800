//! Headless rendering to PNG through embedded-graphics-simulator (no SDL needed).

use super::RenderOptions;
use super::layout::Layout;
use super::render::render;
use crate::Screen;
use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use embedded_graphics_simulator::{OutputSettings, SimulatorDisplay};
use image::ImageEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use std::path::Path;

pub use image::ImageError;

/// `screen` drawn on a simulator display of `opts.size`, and its layout.
pub fn to_display(screen: &Screen, opts: &RenderOptions) -> (SimulatorDisplay<Rgb888>, Layout) {
    let mut display = SimulatorDisplay::with_default_color(opts.size, Rgb888::BLACK);
    let layout = match render(screen, opts, &mut display) {
        Ok(layout) => layout,
        Err(never) => match never {},
    };
    (display, layout)
}

/// `screen` as a PNG image.
pub fn to_png(screen: &Screen, opts: &RenderOptions) -> Result<Vec<u8>, ImageError> {
    let (display, _) = to_display(screen, opts);
    display_to_png(&display)
}

/// A simulator display as a PNG image (the same bytes [`save_png`] writes).
pub fn display_to_png(display: &SimulatorDisplay<Rgb888>) -> Result<Vec<u8>, ImageError> {
    let image = display.to_rgb_output_image(&OutputSettings::default());
    let buffer = image.as_image_buffer();
    let mut png = Vec::new();
    PngEncoder::new_with_quality(&mut png, CompressionType::Best, FilterType::Adaptive).write_image(
        buffer.as_raw(),
        buffer.width(),
        buffer.height(),
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(png)
}

/// Writes `screen` as a PNG file and returns its layout.
pub fn save_png(screen: &Screen, opts: &RenderOptions, path: impl AsRef<Path>) -> Result<Layout, ImageError> {
    let (display, layout) = to_display(screen, opts);
    display.to_rgb_output_image(&OutputSettings::default()).save_png(path)?;
    Ok(layout)
}
