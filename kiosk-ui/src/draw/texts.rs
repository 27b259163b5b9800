//! The texts the drawing adds to a screen's own, and every text a drawn screen can show.

use crate::{Button, Screen, Text};

/// The countdown badge.
pub fn countdown(seconds: u32) -> Text {
    Text::new(format!("{seconds} 秒后返回首页"), format!("Returning to the start in {seconds} s"))
}

/// The heading of a refusal's "what to do next" panel.
pub fn next_step_heading() -> Text {
    Text::new("下一步", "What to do next")
}

/// The language toggle drawn on screens whose model has none (the same as the home screen's).
pub fn lang_toggle() -> Button {
    Button::new("lang", Text::new("English", "中文"))
}

/// Every text the drawing of `screen` can show, in both languages: title, body, progress, button
/// labels, the language toggle, the countdown and the refusal panel's heading.
pub fn screen_texts(screen: &Screen) -> Vec<Text> {
    let mut out = vec![screen.title.clone()];
    out.extend(screen.body.iter().cloned());
    out.extend(screen.progress.iter().cloned());
    out.extend(screen.buttons.iter().map(|b| b.label.clone()));
    if !screen.buttons.iter().any(|b| b.id == "lang") {
        out.push(lang_toggle().label);
    }
    if let Some(s) = screen.countdown {
        out.push(countdown(s));
    }
    if screen.reason.is_some() {
        out.push(next_step_heading());
    }
    out
}
