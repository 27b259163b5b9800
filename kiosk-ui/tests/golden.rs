//! Golden images: every representative screen (see `common`), in Chinese, in English and in
//! accessible mode, rendered to PNG and compared pixel for pixel with `tests/golden/*.png`.
//!
//! After an intended change: `KIOSK_UI_BLESS=1 cargo test -p kiosk-ui --test golden` rewrites them.
//! A mismatch writes `NAME.actual.png` next to the golden file (git-ignored) and fails naming it.

mod common;

use embedded_graphics::prelude::*;
use embedded_graphics_simulator::OutputSettings;
use kiosk_ui::Lang;
use kiosk_ui::draw::{Framebuffer, RenderOptions, render, to_display};
use std::path::{Path, PathBuf};

/// The size goldens are rendered at (the portrait panel).
const SIZE: Size = Size::new(1080, 1920);

fn dir() -> PathBuf {
    manifest_dir().join("tests/golden")
}

fn blessing() -> bool {
    std::env::var_os("KIOSK_UI_BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Why the screen drawn in `actual` differs from the golden file at `path`, if it does.
fn compare(path: &Path, actual: &Framebuffer) -> Option<String> {
    let expected = match image::open(path) {
        Ok(e) => e.to_rgb8(),
        Err(e) => return Some(format!("cannot read it ({e})")),
    };
    let size = actual.size();
    if (expected.width(), expected.height()) != (size.width, size.height) {
        return Some(format!(
            "size {}x{}, rendered {}x{}",
            expected.width(),
            expected.height(),
            size.width,
            size.height
        ));
    }
    let differing = expected
        .pixels()
        .zip(actual.words())
        .filter(|(e, w)| [(*w >> 16) as u8, (*w >> 8) as u8, **w as u8] != e.0)
        .count();
    (differing > 0).then(|| format!("{differing} pixels differ"))
}

fn check(mode: &str, opts: RenderOptions, wanted: &dyn Fn(&str) -> bool) {
    let dir = dir();
    let mut failures = Vec::new();
    for case in common::cases().into_iter().filter(|c| wanted(&c.name)) {
        // Compared in the framebuffer (fast); written through the simulator (the same pixels:
        // `framebuffer_and_simulator_agree` below).
        let mut fb = Framebuffer::new(opts.size);
        let Ok(layout) = render(&case.screen, &opts, &mut fb);
        if layout.overflow {
            failures.push(format!("{} ({mode}): text did not fit", case.name));
        }
        let path = dir.join(format!("{}.{mode}.png", case.name));
        let actual_path = path.with_extension("actual.png");
        let save = |to: &Path| {
            let (display, _) = to_display(&case.screen, &opts);
            display.to_rgb_output_image(&OutputSettings::default()).save_png(to)
        };
        if blessing() {
            if let Err(e) = save(&path) {
                failures.push(format!("{}: cannot write ({e})", path.display()));
            }
            let _ = std::fs::remove_file(&actual_path);
            continue;
        }
        match compare(&path, &fb) {
            None => {
                let _ = std::fs::remove_file(&actual_path);
            }
            Some(why) => {
                let _ = save(&actual_path);
                failures.push(format!("{}: {why}; rendered: {}", path.display(), actual_path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden image(s) differ (KIOSK_UI_BLESS=1 cargo test -p kiosk-ui --test golden re-blesses after an \
         intended change):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Cases also rendered at other sizes, to pin the layout's adaptation.
const AT_OTHER_SIZES: [&str; 5] =
    ["home.endorse_out", "endorse.choose", "verify.face", "refusal.device_fault", "booking.phone"];

/// Every mode: its file-name part, options, and which cases it renders.
fn modes() -> Vec<(&'static str, RenderOptions, bool)> {
    vec![
        ("zh", RenderOptions { size: SIZE, lang: Lang::Zh, accessible: false }, true),
        ("en", RenderOptions { size: SIZE, lang: Lang::En, accessible: false }, true),
        ("accessible", RenderOptions { size: SIZE, lang: Lang::Zh, accessible: true }, true),
        ("768x1366", RenderOptions { size: Size::new(768, 1366), lang: Lang::Zh, accessible: false }, false),
        ("1920x1080.en", RenderOptions { size: Size::new(1920, 1080), lang: Lang::En, accessible: false }, false),
        (
            "1920x1080.accessible",
            RenderOptions { size: Size::new(1920, 1080), lang: Lang::Zh, accessible: true },
            false,
        ),
    ]
}

fn run(mode: &str) {
    let Some((name, opts, all)) = modes().into_iter().find(|m| m.0 == mode) else { panic!("no mode {mode}") };
    check(name, opts, &|case: &str| all || AT_OTHER_SIZES.contains(&case));
}

#[test]
fn chinese() {
    run("zh");
}

#[test]
fn english() {
    run("en");
}

#[test]
fn accessible() {
    run("accessible");
}

#[test]
fn other_sizes() {
    for mode in ["768x1366", "1920x1080.en", "1920x1080.accessible"] {
        run(mode);
    }
}

/// Every golden file belongs to a case (a renamed case leaves none behind).
#[test]
fn no_stale_goldens() {
    let mut names = Vec::new();
    for case in common::cases() {
        for (mode, _, all) in modes() {
            if all || AT_OTHER_SIZES.contains(&case.name.as_str()) {
                names.push(format!("{}.{mode}.png", case.name));
            }
        }
    }
    let Ok(entries) = std::fs::read_dir(dir()) else { return };
    let stale: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png") && !n.ends_with(".actual.png") && !names.contains(n))
        .collect();
    assert!(stale.is_empty(), "golden files of no case (delete them): {stale:?}");
}

/// The framebuffer the comparison uses draws exactly what the simulator (the PNG path) draws.
#[test]
fn framebuffer_and_simulator_agree() {
    for (_, opts, _) in modes() {
        for case in common::cases().into_iter().filter(|c| AT_OTHER_SIZES.contains(&c.name.as_str())) {
            let mut fb = Framebuffer::new(opts.size);
            let Ok(_) = render(&case.screen, &opts, &mut fb);
            let (display, _) = to_display(&case.screen, &opts);
            let same = display.bounding_box().points().all(|p| fb.pixel(p) == Some(display.get_pixel(p)));
            assert!(same, "{} at {:?}", case.name, opts.size);
        }
    }
}

/// This package's directory: as `cargo` gives it to the running program (a binary built from another
/// checkout sharing the target directory is still right), else as it was at build time.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), Into::into)
}
