//! Every string the UI can show renders in the font with no missing glyph. The check renders with
//! `FontRenderer::render_aligned` on the strict font, which fails on an unknown glyph (the drawing
//! itself never fails: see `kiosk_ui::draw::font`).

mod common;

use core::convert::Infallible;
use embedded_graphics::pixelcolor::BinaryColor;
use embedded_graphics::prelude::*;
use kiosk_ui::draw::font::{FONT, display_text};
use kiosk_ui::draw::texts::{countdown, lang_toggle, next_step_heading, screen_texts};
use kiosk_ui::{OptionView, Reason, Text, View, missing_glyphs, screen};
use std::path::{Path, PathBuf};
use u8g2_fonts::types::{FontColor, HorizontalAlignment, VerticalPosition};

/// A target that takes any pixel.
struct Sink;

impl OriginDimensions for Sink {
    fn size(&self) -> Size {
        Size::new(100_000, 100_000)
    }
}

impl DrawTarget for Sink {
    type Color = BinaryColor;
    type Error = Infallible;
    fn draw_iter<I: IntoIterator<Item = Pixel<BinaryColor>>>(&mut self, _: I) -> Result<(), Infallible> {
        Ok(())
    }
}

/// Renders `text` as the kiosk draws it, strictly: the glyph that is missing, if one is.
fn render_strict(text: &str) -> Result<(), String> {
    let shown = display_text(text);
    FONT.render_aligned(
        shown.as_ref(),
        Point::new(50_000, 100),
        VerticalPosition::Top,
        HorizontalAlignment::Center,
        FontColor::Transparent(BinaryColor::On),
        &mut Sink,
    )
    .map(|_| ())
    .map_err(|e| format!("{e}"))
}

fn option(zh: &str, en: &str, months: u8, trips: u8, fee_fen: u32) -> OptionView {
    OptionView {
        id: "o".into(),
        destination: Text::new(zh, en),
        months,
        trips,
        fee_fen,
        valid_to: "2026-12-31".into(),
        individual: false,
    }
}

/// Every text of every representative screen, every reason, countdowns and option labels with
/// every trip count, destination and digit.
fn all_texts() -> Vec<Text> {
    let mut out = Vec::new();
    for case in common::cases() {
        out.extend(screen_texts(&case.screen));
    }
    for r in Reason::ALL {
        out.push(r.message());
        out.push(r.next_step());
    }
    for s in [0, 1, 9, 10, 15, 30, 60, 99, 120, 999] {
        out.push(countdown(s));
    }
    out.push(next_step_heading());
    out.push(lang_toggle().label);
    let mut options = Vec::new();
    for (zh, en) in [("香港", "Hong Kong"), ("澳门", "Macau"), ("台湾", "Taiwan")] {
        for trips in [0, 1, 2] {
            for (months, fee) in [(3, 1500), (12, 8000), (6, 2000), (1, 1_234_567), (3, 90)] {
                options.push(option(zh, en, months, trips, fee));
            }
        }
    }
    let mut individual = options.clone();
    for o in &mut individual {
        o.individual = true;
    }
    let choose = |options: Vec<OptionView>| screen(&View::EndorseChoose { options, note: None });
    out.extend(choose(options.clone()).buttons.into_iter().map(|b| b.label));
    out.extend(choose(individual).buttons.into_iter().map(|b| b.label));
    for o in options {
        out.extend(screen_texts(&screen(&View::EndorseConfirm { option: o })));
    }
    out.extend(screen_texts(&screen(&View::EndorsePay { fee_fen: 987_654_321, order_no: "KX0123456789".into() })));
    out
}

#[test]
fn every_string_the_ui_shows_renders() {
    let mut failures = Vec::new();
    let texts = all_texts();
    assert!(texts.len() > 100, "only {} texts", texts.len());
    for t in &texts {
        for s in [&t.zh, &t.en] {
            for line in s.split('\n') {
                if let Err(e) = render_strict(line) {
                    failures.push(format!("{line:?}: {e}"));
                }
                if !missing_glyphs(line).is_empty() {
                    failures.push(format!("{line:?}: missing_glyphs says {:?}", missing_glyphs(line)));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The check can fail: a character outside GB2312 is caught by both the strict render and
/// `missing_glyphs`, and the characters we substitute are really missing from the font.
#[test]
fn the_check_catches_missing_glyphs() {
    let text = "签注已完成 😀 ✈";
    assert_eq!(missing_glyphs(text), vec!['😀', '✈']);
    let raw = FONT.render_aligned(
        text,
        Point::new(50_000, 100),
        VerticalPosition::Top,
        HorizontalAlignment::Center,
        FontColor::Transparent(BinaryColor::On),
        &mut Sink,
    );
    assert!(raw.is_err(), "the strict font drew {text:?}");
    // As drawn, unknown characters become a box the font has.
    assert!(render_strict(text).is_ok());
    for c in ['¥', '✓', '—'] {
        let raw = FONT.render_aligned(
            c,
            Point::new(100, 100),
            VerticalPosition::Top,
            HorizontalAlignment::Left,
            FontColor::Transparent(BinaryColor::On),
            &mut Sink,
        );
        assert!(raw.is_err(), "{c} is in the font: no need to substitute it");
        assert!(missing_glyphs(&c.to_string()).is_empty());
    }
}

/// String literals in `text` that are UI text: those with a CJK character, and every literal
/// inside `Text::new(..)`. Returns (line number, literal).
fn ui_literals(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut line = 1;
    let mut depth_in_text: Option<i32> = None;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
        }
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            i += 3; // a char literal such as '"'
            continue;
        }
        if text_new_at(&chars, i) {
            depth_in_text = Some(0);
        }
        match (c, depth_in_text.as_mut()) {
            ('(', Some(d)) => *d += 1,
            (')', Some(d)) => {
                *d -= 1;
                if *d == 0 {
                    depth_in_text = None;
                }
            }
            _ => {}
        }
        if c == '"' {
            let start_line = line;
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                    match chars.get(i) {
                        Some('n') => s.push('\n'),
                        Some(other) => s.push(*other),
                        None => {}
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    s.push(chars[i]);
                }
                i += 1;
            }
            if depth_in_text.is_some() || s.chars().any(|c| ('\u{2e80}'..='\u{9fff}').contains(&c)) {
                out.push((start_line, s));
            }
        }
        i += 1;
    }
    out
}

fn text_new_at(chars: &[char], i: usize) -> bool {
    let pat: Vec<char> = "Text::new(".chars().collect();
    chars.get(i..i + pat.len()).is_some_and(|s| s == pat.as_slice())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The texts the daemon and this crate put on screen (their string literals) render too.
#[test]
fn the_sources_ui_literals_render() {
    let root = &manifest_dir();
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("../src"), &mut files);
    let mut checked = 0;
    let mut failures = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else { continue };
        for (line, lit) in ui_literals(&text) {
            checked += 1;
            let missing = missing_glyphs(&lit);
            if !missing.is_empty() {
                failures.push(format!("{}:{line}: {lit:?} has no glyph for {missing:?}", f.display()));
            }
        }
    }
    assert!(checked > 50, "found only {checked} literals");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_literal_scanner_finds_ui_text() {
    let src = "let a = Text::new(\"甲\", format!(\"b {x}\"));\n// \"注释\"\nlet c = \"plain\"; let d = \"签注\";";
    let found: Vec<String> = ui_literals(src).into_iter().map(|(_, s)| s).collect();
    assert_eq!(found, ["甲", "b {x}", "签注"]);
}

/// This package's directory: as `cargo` gives it to the running program (a binary built from another
/// checkout sharing the target directory is still right), else as it was at build time.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), Into::into)
}
