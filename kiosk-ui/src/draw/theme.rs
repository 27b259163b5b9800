//! Colours and sizes.
//!
//! Sizes follow the screen's short side (1080 px on the 21.5-inch portrait panel): on 1080 px the
//! title is 64 px (the 16 px font x4), body text 48 px (x3), the other language 32 px (x2);
//! accessible mode makes text about 1.5 times larger (96 / 64 / 48 px) and buttons taller. Touch
//! targets are never under [`MIN_TOUCH`] px in either direction: 1.5 cm is 60 px at ~102 px/inch.

use crate::Lang;
use embedded_graphics::pixelcolor::Rgb888;

/// Smallest side of any touch target, in pixels.
pub const MIN_TOUCH: u32 = 140;

/// Smallest side of any touch target in accessible mode.
pub const MIN_TOUCH_ACCESSIBLE: u32 = 196;

/// The short side the sizes are designed for.
const REFERENCE: u32 = 1080;

/// The colours of one mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    /// Screen background.
    pub background: Rgb888,
    /// Text in the chosen language.
    pub text: Rgb888,
    /// Text in the other language.
    pub text_secondary: Rgb888,
    /// The header band of ordinary screens, and its text.
    pub band: Rgb888,
    /// Text on the header band.
    pub band_text: Rgb888,
    /// The header band of refusals.
    pub refusal_band: Rgb888,
    /// Text on the refusal band.
    pub refusal_band_text: Rgb888,
    /// The header band of the out-of-service screen.
    pub closed_band: Rgb888,
    /// Text on the out-of-service band.
    pub closed_band_text: Rgb888,
    /// Main action buttons.
    pub button: Rgb888,
    /// Text on main action buttons.
    pub button_text: Rgb888,
    /// Back / cancel buttons: fill.
    pub quiet_button: Rgb888,
    /// Back / cancel buttons: border and text.
    pub quiet_button_text: Rgb888,
    /// A button that cannot be touched.
    pub disabled: Rgb888,
    /// Its text.
    pub disabled_text: Rgb888,
    /// The language toggle.
    pub toggle: Rgb888,
    /// Its text.
    pub toggle_text: Rgb888,
    /// The countdown badge.
    pub badge: Rgb888,
    /// Its text.
    pub badge_text: Rgb888,
    /// Panels (progress, what to do next).
    pub panel: Rgb888,
    /// Panel border.
    pub panel_border: Rgb888,
    /// Accent: the progress indicator, the "what to do next" bar.
    pub accent: Rgb888,
}

const fn rgb(hex: u32) -> Rgb888 {
    Rgb888::new((hex >> 16) as u8, (hex >> 8) as u8, hex as u8)
}

impl Palette {
    /// The everyday palette: light background, blue bands and buttons.
    pub const STANDARD: Palette = Palette {
        background: rgb(0xF3F5F8),
        text: rgb(0x16202A),
        text_secondary: rgb(0x4A5866),
        band: rgb(0x0B4EA2),
        band_text: rgb(0xFFFFFF),
        refusal_band: rgb(0xB3261E),
        refusal_band_text: rgb(0xFFFFFF),
        closed_band: rgb(0x4F5B66),
        closed_band_text: rgb(0xFFFFFF),
        button: rgb(0x0B4EA2),
        button_text: rgb(0xFFFFFF),
        quiet_button: rgb(0xFFFFFF),
        quiet_button_text: rgb(0x0B4EA2),
        disabled: rgb(0xD3D8DE),
        disabled_text: rgb(0x56606B),
        toggle: rgb(0xFFFFFF),
        toggle_text: rgb(0x16202A),
        badge: rgb(0xFFB300),
        badge_text: rgb(0x16202A),
        panel: rgb(0xFFFFFF),
        panel_border: rgb(0xC9D1DA),
        accent: rgb(0x0B4EA2),
    };

    /// High contrast: black, white and yellow only (grey for what cannot be touched).
    pub const HIGH_CONTRAST: Palette = Palette {
        background: rgb(0x000000),
        text: rgb(0xFFFFFF),
        text_secondary: rgb(0xFFFFFF),
        band: rgb(0xFFFFFF),
        band_text: rgb(0x000000),
        refusal_band: rgb(0xFFFF00),
        refusal_band_text: rgb(0x000000),
        closed_band: rgb(0xFFFFFF),
        closed_band_text: rgb(0x000000),
        button: rgb(0xFFFF00),
        button_text: rgb(0x000000),
        quiet_button: rgb(0x000000),
        quiet_button_text: rgb(0xFFFF00),
        disabled: rgb(0x000000),
        disabled_text: rgb(0xA0A0A0),
        toggle: rgb(0x000000),
        toggle_text: rgb(0xFFFFFF),
        badge: rgb(0xFFFF00),
        badge_text: rgb(0x000000),
        panel: rgb(0x000000),
        panel_border: rgb(0xFFFFFF),
        accent: rgb(0xFFFF00),
    };

    /// The palette of a mode.
    pub fn new(accessible: bool) -> Palette {
        if accessible { Palette::HIGH_CONTRAST } else { Palette::STANDARD }
    }
}

/// Sizes in pixels for one screen size and mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metrics {
    /// Font scale of titles.
    pub title: u32,
    /// Font scale of body text and button labels.
    pub body: u32,
    /// Font scale of the other language.
    pub small: u32,
    /// Space between the screen's edge and its content.
    pub margin: u32,
    /// Space between blocks.
    pub gap: u32,
    /// Space inside buttons and panels.
    pub pad: u32,
    /// Smallest side of a touch target.
    pub touch: u32,
    /// Corner radius of buttons, panels and the badge.
    pub radius: u32,
    /// Border width of outlined buttons and panels.
    pub border: u32,
}

/// The integer font scale closest to `px` pixels on a 16 px font (ties round down), at least 1.
fn font_scale(px: u32) -> u32 {
    (px.saturating_add(7) / 16).max(1)
}

impl Metrics {
    /// The sizes for a screen.
    pub fn new(width: u32, height: u32, accessible: bool) -> Metrics {
        let short = width.min(height).max(1);
        let px = |design: u32| {
            u32::try_from(u64::from(design) * u64::from(short) / u64::from(REFERENCE)).unwrap_or(u32::MAX).max(1)
        };
        let boost = |design: u32| if accessible { design * 3 / 2 } else { design };
        let title = font_scale(px(boost(64)));
        let body = font_scale(px(boost(48))).min(title);
        let small = font_scale(px(boost(32))).min(body);
        Metrics {
            title,
            body,
            small,
            margin: px(40).max(8),
            gap: px(if accessible { 32 } else { 24 }).max(6),
            pad: px(if accessible { 28 } else { 24 }).max(6),
            touch: if accessible { MIN_TOUCH_ACCESSIBLE } else { MIN_TOUCH },
            radius: px(18),
            border: px(if accessible { 6 } else { 4 }).max(2),
        }
    }
}

/// Everything a widget needs to know about how to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    /// Sizes.
    pub m: Metrics,
    /// Colours.
    pub pal: Palette,
    /// The language shown first.
    pub lang: Lang,
}

impl Look {
    /// The look for a screen size, mode and language.
    pub fn new(width: u32, height: u32, accessible: bool, lang: Lang) -> Look {
        Look { m: Metrics::new(width, height, accessible), pal: Palette::new(accessible), lang }
    }
}

impl Metrics {
    /// The same with text `steps` font scales smaller (never under 1, the hierarchy kept): what a
    /// screen falls back to when its text does not fit.
    pub fn shrunk(self, steps: u32) -> Metrics {
        let title = self.title.saturating_sub(steps).max(1);
        let body = self.body.saturating_sub(steps).max(1).min(title);
        let small = self.small.saturating_sub(steps).max(1).min(body);
        Metrics { title, body, small, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_on_the_reference_panel() {
        let m = Metrics::new(1080, 1920, false);
        assert_eq!((m.title * 16, m.body * 16, m.small * 16), (64, 48, 32));
        let a = Metrics::new(1080, 1920, true);
        assert!(a.title > m.title && a.body > m.body && a.small > m.small && a.touch > m.touch);
        // Landscape uses the short side too.
        assert_eq!(Metrics::new(1920, 1080, false), m);
    }

    #[test]
    fn hierarchy_holds_at_any_size() {
        for (w, h) in [(768, 1366), (540, 960), (320, 240), (1, 1), (4000, 4000)] {
            for acc in [false, true] {
                let m = Metrics::new(w, h, acc);
                assert!(m.small >= 1 && m.small <= m.body && m.body <= m.title, "{w}x{h} {acc}: {m:?}");
                assert!(m.touch >= MIN_TOUCH);
            }
        }
    }
}
