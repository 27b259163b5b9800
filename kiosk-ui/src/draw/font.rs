//! The font: WenQuanYi 16 px with the whole GB2312 set (`u8g2_font_wqy16_t_gb2312`), for Chinese and
//! English alike, drawn at integer scales through [`Scaled`].
//!
//! A few characters the UI's texts use are not in GB2312 (`¥`, `✓`, `—`): they are drawn as their
//! GB2312 look-alikes (see [`substitute`]). Anything else the font lacks is drawn as `□`, never
//! silently dropped; [`missing_glyphs`] tells which characters of a text those would be.

use super::scale::Scaled;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use std::borrow::Cow;
use u8g2_fonts::types::{FontColor, VerticalPosition};
use u8g2_fonts::{Error as FontError, FontRenderer, fonts};

/// The font, strict: an unknown glyph is an error (what the glyph checks use).
pub const FONT: FontRenderer = FontRenderer::new::<fonts::u8g2_font_wqy16_t_gb2312>();

/// The font as drawn: texts are sanitised first, so an unknown glyph cannot happen; if one did, it
/// would be skipped rather than fail the frame.
const DRAW_FONT: FontRenderer = FONT.with_ignore_unknown_chars(true);

/// The font's box at `VerticalPosition::Top`: glyphs reach above the nominal top.
const BOX: Rectangle = FONT.get_font_bounding_box(VerticalPosition::Top);

/// Height of one line of text at scale 1, leading included.
pub const LINE: u32 = BOX.size.height + 2;

/// Drawn instead of a character the font does not have.
pub const REPLACEMENT: char = '□';

/// The GB2312 look-alike drawn for a character the font lacks, if there is one.
pub fn substitute(c: char) -> char {
    match c {
        '¥' => '￥',
        '✓' | '✔' => '√',
        '—' | '―' | '–' | '‐' | '‑' => '－',
        '·' => '・',
        '\u{a0}' | '\t' | '\u{3000}' => ' ',
        other => other,
    }
}

fn has_glyph(c: char) -> bool {
    c == ' ' || FONT.get_rendered_dimensions(c, Point::zero(), VerticalPosition::Top).is_ok()
}

/// The characters of `text` the kiosk cannot draw, even after [`substitute`], each once, in order
/// of appearance. Newlines are not characters here.
pub fn missing_glyphs(text: &str) -> Vec<char> {
    let mut out = Vec::new();
    for c in text.chars().filter(|c| *c != '\n') {
        if !has_glyph(substitute(c)) && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// `text` as it is drawn: look-alikes substituted, other unknown characters replaced with
/// [`REPLACEMENT`], control characters (but newlines) dropped.
pub fn display_text(text: &str) -> Cow<'_, str> {
    if text.chars().all(|c| c == '\n' || (c.is_ascii_graphic() || c == ' ') || (substitute(c) == c && has_glyph(c))) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(substitute)
            .filter(|c| *c == '\n' || !c.is_control())
            .map(|c| if c == '\n' || has_glyph(c) { c } else { REPLACEMENT })
            .collect(),
    )
}

/// Advance of a space at scale 1: the font's own (8 px, as wide as a digit) spreads English words
/// too far apart.
const SPACE: u32 = 5;

/// Horizontal advance of a character at scale 1 (0 for one the font lacks).
pub fn advance(c: char) -> u32 {
    if c == ' ' {
        return SPACE;
    }
    DRAW_FONT
        .get_rendered_dimensions(c, Point::zero(), VerticalPosition::Top)
        .map(|d| d.advance.x.max(0).unsigned_abs())
        .unwrap_or(0)
}

/// The font at one integer scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Face {
    /// Every font pixel is drawn as a `scale` x `scale` block.
    pub scale: u32,
}

impl Face {
    /// A face at a scale (at least 1).
    pub fn new(scale: u32) -> Face {
        Face { scale: scale.max(1) }
    }

    /// Height of one line.
    pub fn line_height(self) -> u32 {
        LINE * self.scale
    }

    /// Width of one character.
    pub fn advance(self, c: char) -> u32 {
        advance(c) * self.scale
    }

    /// Width of a line of (already sanitised) text.
    pub fn width(self, text: &str) -> u32 {
        text.chars().map(|c| self.advance(c)).sum()
    }

    /// Draws one line of (already sanitised) text with the top of its line box at `top_left`.
    pub fn draw<D>(self, text: &str, top_left: Point, color: Rgb888, target: &mut D) -> Result<(), D::Error>
    where
        D: DrawTarget<Color = Rgb888>,
    {
        let mut scaled = Scaled::new(target, top_left, self.scale);
        // Word by word, so that spaces are ours.
        let mut x = 0u32;
        for (i, word) in text.split(' ').enumerate() {
            if i > 0 {
                x += SPACE;
            }
            if word.is_empty() {
                continue;
            }
            let at = Point::new(x as i32, -BOX.top_left.y);
            match DRAW_FONT.render(word, at, VerticalPosition::Top, FontColor::Transparent(color), &mut scaled) {
                Ok(d) => x = x.saturating_add_signed(d.advance.x),
                Err(FontError::DisplayError(e)) => return Err(e),
                // Cannot happen: the colour is transparent and unknown glyphs are skipped.
                Err(FontError::BackgroundColorNotSupported | FontError::GlyphNotFound(_)) => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_has_what_the_ui_needs() {
        assert!(missing_glyphs("出入境自助服务 Exit-Entry 0123456789 ￥：（）").is_empty());
        assert_eq!(missing_glyphs("¥15.00 ✓ — ok"), Vec::<char>::new());
        assert_eq!(missing_glyphs("a😀b😀\u{1F3E0}"), vec!['😀', '\u{1F3E0}']);
    }

    #[test]
    fn display_text_substitutes_and_replaces() {
        assert_eq!(display_text("¥15.00"), "￥15.00");
        assert_eq!(display_text("✓ 已读取"), "√ 已读取");
        assert_eq!(display_text("ok😀\u{7}"), format!("ok{REPLACEMENT}"));
        assert!(matches!(display_text("plain ASCII"), Cow::Borrowed(_)));
    }

    #[test]
    fn faces_scale_the_font() {
        let one = Face::new(1);
        let three = Face::new(3);
        assert_eq!(three.line_height(), 3 * one.line_height());
        assert_eq!(three.width("签注 A1"), 3 * one.width("签注 A1"));
        assert!(one.advance('中') > one.advance('i'));
        assert_eq!(Face::new(0).scale, 1);
    }
}
