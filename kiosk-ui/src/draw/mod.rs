//! The screens drawn with embedded-graphics.
//!
//! [`render`] draws a [`Screen`](crate::Screen) onto any `DrawTarget<Color = Rgb888>` (the kiosk's
//! framebuffer, a [`Framebuffer`] in memory, the simulator's display or window) and returns the
//! [`Layout`] it drew, which [`Layout::hit`] uses for touches. Text is the GB2312 WenQuanYi bitmap
//! font scaled by integer factors ([`font`]); sizes and colours are in [`theme`]; accessible mode
//! is larger and high-contrast. [`to_png`] and [`save_png`] render headless.

mod compose;
pub mod font;
mod framebuffer;
mod layout;
mod png;
mod render;
mod scale;
pub mod texts;
pub mod theme;
mod widgets;
mod wrap;

pub use font::missing_glyphs;
pub use framebuffer::Framebuffer;
pub use layout::{ButtonRect, Layout};
pub use png::{ImageError, display_to_png, save_png, to_display, to_png};
pub use render::{layout, redraw_countdown, render};
pub use scale::Scaled;

use crate::Lang;
use embedded_graphics::prelude::Size;

/// How to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    /// Screen size in pixels (default: the portrait 1080 x 1920 panel).
    pub size: Size,
    /// The language shown first (the other one is shown smaller beneath).
    pub lang: Lang,
    /// Larger text, high contrast (black, white, yellow), bigger buttons.
    pub accessible: bool,
}

impl Default for RenderOptions {
    fn default() -> RenderOptions {
        RenderOptions { size: Size::new(1080, 1920), lang: Lang::Zh, accessible: false }
    }
}
