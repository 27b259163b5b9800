//! The kiosk's screens as pure functions of a UI state.
//!
//! A [`View`] says what the kiosk wants to show; [`screen`] turns it into a [`Screen`]: a stable id,
//! bilingual texts, buttons with ids (what hit testing and scripted touches use), progress and an
//! inactivity countdown. [`draw`] draws a `Screen` with embedded-graphics onto any DrawTarget (and
//! to PNG, headless); [`Screen::render_text`] renders it as text. This crate knows no device.

pub mod draw;
pub mod reason;
pub mod view;

pub use draw::{Layout, RenderOptions, missing_glyphs, render};
pub use reason::Reason;
pub use view::{
    Availability, BookingLine, Choice, DocumentLine, EndorsementLine, OptionView, PhoneFor, ProgressLine, RATINGS,
    SCREEN_IDS, Service, SlotLine, Step, View, screen,
};

use serde::{Deserialize, Serialize};

/// Display language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Chinese (default).
    #[default]
    Zh,
    /// English.
    En,
}

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Text {
    /// A text from its two languages.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Text {
        Text { zh: zh.into(), en: en.into() }
    }
    /// The text in one language.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// A touch target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    /// Stable id (what a touch reports).
    pub id: String,
    /// Label.
    pub label: Text,
    /// Whether it can be touched.
    pub enabled: bool,
}

impl Button {
    /// An enabled button.
    pub fn new(id: impl Into<String>, label: Text) -> Button {
        Button { id: id.into(), label, enabled: true }
    }
}

/// A whole screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screen {
    /// Stable id, e.g. `home`, `verify`, `refusal`.
    pub id: String,
    /// Title.
    pub title: Text,
    /// Body lines.
    pub body: Vec<Text>,
    /// Touch targets, top to bottom.
    pub buttons: Vec<Button>,
    /// What a device is doing now ("请按压手指").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<Text>,
    /// Seconds left before the inactivity timeout, shown once the warning is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub countdown: Option<u32>,
    /// The refusal's stable reason code, on a refusal screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Screen {
    /// Whether the screen has an enabled button with this id.
    pub fn has_button(&self, id: &str) -> bool {
        self.buttons.iter().any(|b| b.id == id && b.enabled)
    }

    /// The screen as text in one language (what the headless simulator prints).
    pub fn render_text(&self, lang: Lang) -> String {
        let mut out = format!("== {} ==\n", self.title.get(lang));
        for line in &self.body {
            out.push_str(line.get(lang));
            out.push('\n');
        }
        if let Some(p) = &self.progress {
            out.push_str(&format!("… {}\n", p.get(lang)));
        }
        for b in &self.buttons {
            let mark = if b.enabled { "" } else { " (x)" };
            out.push_str(&format!("[{}]{mark} ", b.label.get(lang)));
        }
        if !self.buttons.is_empty() {
            out.push('\n');
        }
        if let Some(s) = self.countdown {
            out.push_str(&match lang {
                Lang::Zh => format!("{s} 秒后将返回首页\n"),
                Lang::En => format!("Returning to the start in {s} s\n"),
            });
        }
        out
    }
}
