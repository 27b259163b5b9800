//! Layout at every tested size and mode, for every representative screen: buttons inside the
//! screen, never overlapping, never smaller than a touch target; hit testing returns the button
//! that was drawn there; the countdown's partial redraw draws what a full render draws.

mod common;

use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use kiosk_ui::draw::theme::{MIN_TOUCH, MIN_TOUCH_ACCESSIBLE, Palette};
use kiosk_ui::draw::{Framebuffer, Layout, RenderOptions, layout, redraw_countdown, render};
use kiosk_ui::{Lang, Screen};

const SIZES: [Size; 3] = [Size::new(1080, 1920), Size::new(768, 1366), Size::new(1920, 1080)];

fn all_options() -> Vec<RenderOptions> {
    let mut out = Vec::new();
    for size in SIZES {
        for (lang, accessible) in [(Lang::Zh, false), (Lang::En, false), (Lang::Zh, true), (Lang::En, true)] {
            out.push(RenderOptions { size, lang, accessible });
        }
    }
    out
}

fn draw(screen: &Screen, opts: &RenderOptions) -> (Framebuffer, Layout) {
    let mut fb = Framebuffer::new(opts.size);
    let Ok(layout) = render(screen, opts, &mut fb);
    (fb, layout)
}

fn inside(outer: &Rectangle, r: &Rectangle) -> bool {
    r.top_left.x >= outer.top_left.x
        && r.top_left.y >= outer.top_left.y
        && r.top_left.x + r.size.width as i32 <= outer.top_left.x + outer.size.width as i32
        && r.top_left.y + r.size.height as i32 <= outer.top_left.y + outer.size.height as i32
}

#[test]
fn buttons_fit_never_overlap_and_are_big_enough() {
    for opts in all_options() {
        let min = if opts.accessible { MIN_TOUCH_ACCESSIBLE } else { MIN_TOUCH };
        let screen_rect = Rectangle::new(Point::zero(), opts.size);
        for case in common::cases() {
            let l = layout(&case.screen, &opts);
            let what = format!(
                "{} at {:?} {:?}{}",
                case.name,
                opts.size,
                opts.lang,
                if opts.accessible { " accessible" } else { "" }
            );
            assert!(!l.overflow, "{what}: something did not fit");
            if opts.size == Size::new(1080, 1920) {
                assert_eq!(l.shrink, 0, "{what}: text smaller than designed on the reference panel");
            }
            if l.shrink > 0 {
                println!("{what}: text {} scale(s) smaller", l.shrink);
            }
            // Every button of the model is drawn, and the language toggle on every screen.
            for b in &case.screen.buttons {
                assert!(l.button(&b.id).is_some_and(|d| d.enabled == b.enabled), "{what}: button {} not drawn", b.id);
            }
            assert!(l.button("lang").is_some(), "{what}: no language toggle");
            for (i, b) in l.buttons.iter().enumerate() {
                assert!(inside(&screen_rect, &b.rect), "{what}: {} leaves the screen: {:?}", b.id, b.rect);
                assert!(b.rect.size.width >= min && b.rect.size.height >= min, "{what}: {} is {:?}", b.id, b.rect.size);
                for other in &l.buttons[i + 1..] {
                    assert!(b.rect.intersection(&other.rect).is_zero_sized(), "{what}: {} overlaps {}", b.id, other.id);
                }
                if let Some(badge) = l.countdown {
                    assert!(badge.intersection(&b.rect).is_zero_sized(), "{what}: the badge covers {}", b.id);
                }
            }
            if let Some(badge) = l.countdown {
                assert!(inside(&screen_rect, &badge), "{what}: the badge leaves the screen");
            }
            assert_eq!(l.countdown.is_some(), case.screen.countdown.is_some(), "{what}");
        }
    }
}

/// What `layout` says is what `render` drew: the same rectangles, each painted in its button's
/// colours (checked a little inside each corner, where no label reaches), and `hit` at any of
/// them answers that button (or nothing, when disabled).
#[test]
fn hit_testing_uses_what_was_drawn() {
    for opts in [
        RenderOptions::default(),
        RenderOptions { size: Size::new(1920, 1080), accessible: true, ..Default::default() },
    ] {
        let pal = Palette::new(opts.accessible);
        for case in common::cases() {
            let (fb, drawn) = draw(&case.screen, &opts);
            assert_eq!(drawn, layout(&case.screen, &opts), "{}", case.name);
            for b in &drawn.buttons {
                let r = b.rect;
                let inset = 24;
                let corners = [
                    r.top_left + Point::new(inset, inset),
                    r.top_left + Point::new(r.size.width as i32 - inset, inset),
                    r.top_left + Point::new(inset, r.size.height as i32 - inset),
                    r.top_left + Point::new(r.size.width as i32 - inset, r.size.height as i32 - inset),
                ];
                let fill = match (b.enabled, b.id.as_str()) {
                    (false, _) => pal.disabled,
                    (true, "lang") => pal.toggle,
                    (true, "cancel" | "back") => pal.quiet_button,
                    (true, _) => pal.button,
                };
                for p in corners {
                    assert_eq!(fb.pixel(p), Some(fill), "{}: {} at {p:?}", case.name, b.id);
                    assert_eq!(drawn.hit(p), b.enabled.then_some(b.id.as_str()), "{}: hit at {p:?}", case.name);
                }
                // Just outside the button is not that button.
                let outside = r.top_left - Point::new(1, 1);
                assert_ne!(drawn.hit(outside), Some(b.id.as_str()), "{}: {}", case.name, b.id);
            }
        }
    }
}

#[test]
fn nothing_is_hit_between_buttons() {
    let opts = RenderOptions::default();
    for case in common::cases() {
        let l = layout(&case.screen, &opts);
        let (_, h) = (opts.size.width, opts.size.height);
        // Scan a column through the middle: every hit is inside the button it names.
        for y in (0..h as i32).step_by(7) {
            let p = Point::new(opts.size.width as i32 / 2, y);
            if let Some(id) = l.hit(p) {
                assert!(l.button(id).is_some_and(|b| b.rect.contains(p) && b.enabled), "{}: {id} at {p:?}", case.name);
            }
        }
    }
}

#[test]
fn redrawing_the_countdown_draws_what_a_full_render_draws() {
    for opts in [RenderOptions::default(), RenderOptions { lang: Lang::En, accessible: true, ..Default::default() }] {
        for case in common::cases().into_iter().filter(|c| c.screen.countdown.is_some()) {
            let (mut fb, layout) = draw(&case.screen, &opts);
            let mut next = case.screen.clone();
            next.countdown = Some(next.countdown.unwrap_or(0).saturating_sub(1));
            let Ok(redrawn) = redraw_countdown(&next, &opts, &layout, &mut fb);
            assert!(redrawn, "{}", case.name);
            let (full, _) = draw(&next, &opts);
            assert!(fb == full, "{}: the partial redraw differs from a full render", case.name);
        }
    }
    // With no slot for a badge, nothing is drawn and a full render is asked for.
    let case = common::cases().into_iter().find(|c| c.screen.countdown.is_none());
    let Some(case) = case else { return };
    let opts = RenderOptions::default();
    let (mut fb, layout) = draw(&case.screen, &opts);
    let before = fb.clone();
    let mut next = case.screen.clone();
    next.countdown = Some(10);
    assert_eq!(redraw_countdown(&next, &opts, &layout, &mut fb), Ok(false));
    assert!(fb == before);
}

/// Odd sizes and odd data never panic; what does not fit is reported.
#[test]
fn odd_sizes_and_data_do_not_panic() {
    let mut long = common::cases().remove(0).screen;
    long.title.zh = "很长的标题".repeat(40);
    long.body.push(kiosk_ui::Text::new("😀\u{7}\t🚀".repeat(50), "x".repeat(500)));
    long.countdown = Some(u32::MAX);
    for size in [Size::new(0, 0), Size::new(1, 1), Size::new(100, 60), Size::new(320, 240), Size::new(1080, 1920)] {
        for accessible in [false, true] {
            let opts = RenderOptions { size, lang: Lang::Zh, accessible };
            let (_, l) = draw(&long, &opts);
            if size.width < 400 {
                assert!(l.overflow, "{size:?}");
            }
        }
    }
}
