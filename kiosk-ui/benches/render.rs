//! Rendering speed: a full 1080x1920 frame into an in-memory XRGB8888 framebuffer (what a kiosk
//! draws into /dev/fb0's memory), and the partial redraw of the countdown badge alone.
//!
//! `cargo bench -p kiosk-ui --bench render`; the target is a full frame under 8 ms in release.

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use embedded_graphics::prelude::*;
use kiosk_ui::Lang;
use kiosk_ui::draw::{Framebuffer, RenderOptions, redraw_countdown, render};
use std::hint::black_box;
use std::time::Duration;

fn case(name: &str) -> kiosk_ui::Screen {
    match common::cases().into_iter().find(|c| c.name == name) {
        Some(c) => c.screen,
        None => panic!("no case {name}"),
    }
}

fn full_frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("full_frame_1080x1920");
    let zh = RenderOptions::default();
    let accessible = RenderOptions { accessible: true, ..zh };
    let en = RenderOptions { lang: Lang::En, ..zh };
    let mut fb = Framebuffer::new(zh.size);
    for (name, opts, label) in [
        ("home", zh, "home.zh"),
        ("endorse.choose", zh, "endorse.choose.zh"),
        ("endorse.choose", en, "endorse.choose.en"),
        ("refusal.device_fault", zh, "refusal.device_fault.zh"),
        ("endorse.pay", accessible, "endorse.pay.accessible"),
    ] {
        let screen = case(name);
        group.bench_function(label, |b| b.iter(|| render(black_box(&screen), &opts, &mut fb)));
    }
    group.finish();
}

fn countdown_only(c: &mut Criterion) {
    let opts = RenderOptions::default();
    let mut screen = case("endorse.pay");
    let mut fb = Framebuffer::new(opts.size);
    let Ok(layout) = render(&screen, &opts, &mut fb);
    let badge = layout.countdown.map(|r| r.size).unwrap_or_default();
    let mut seconds = 0u32;
    c.bench_function(&format!("countdown_badge_{}x{}", badge.width, badge.height), |b| {
        b.iter(|| {
            seconds = (seconds + 1) % 60;
            screen.countdown = Some(seconds);
            redraw_countdown(black_box(&screen), &opts, &layout, &mut fb)
        })
    });
    let _ = fb.size();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3)).sample_size(30);
    targets = full_frame, countdown_only
}
criterion_main!(benches);
