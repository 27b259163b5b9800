//! The kiosk's display as an applicant meets it: taps at screen coordinates hit-tested against the
//! drawn layout, the language toggle, and every distinct screen written as a PNG frame.

mod common;

use common::{kiosk_setup, test_deck};
use kiosk_ui::draw::{RenderOptions, layout};
use kiosk_ui::{Lang, Screen};
use sim::control::{Request, Response};
use sim::demo::KioskSetup;
use sim::demo::client::Client;
use std::time::Duration;

async fn screen(c: &mut Client) -> Screen {
    match c.call(&Request::Screen).await.expect("screen") {
        Response::Screen { screen } => screen,
        other => panic!("{other:?}"),
    }
}

async fn wait_for(c: &mut Client, id: &str) -> Screen {
    for _ in 0..100 {
        let s = screen(c).await;
        if s.id == id {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("screen {id} never came; now {:?}", screen(c).await.id);
}

/// Tap the middle of a button as it is drawn with `opts`.
async fn tap(c: &mut Client, s: &Screen, opts: &RenderOptions, id: &str) {
    let l = layout(s, opts);
    let b = l.button(id).unwrap_or_else(|| panic!("no button {id} on {}", s.id));
    let centre = b.rect.center();
    c.call(&Request::Tap { x: centre.x, y: centre.y }).await.expect("tap");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taps_hit_what_was_drawn_and_every_screen_becomes_a_frame() {
    let t = test_deck();
    let dir = tempfile::tempdir().expect("tempdir");
    let deck = t.write(dir.path());
    let frames = dir.path().join("frames");
    let setup = KioskSetup { frames: Some(frames.clone()), ..kiosk_setup(&t, dir.path(), deck) };
    let k = setup.start().await.expect("kioskd starts");
    let mut c = Client::connect(&k.socket).await.expect("control");
    let home = wait_for(&mut c, "home").await;
    let zh = RenderOptions::default();

    // A tap where nothing is drawn does nothing.
    c.call(&Request::Tap { x: 1, y: 1900 }).await.expect("tap");
    // English, then the check-in button as it is drawn in English.
    tap(&mut c, &home, &zh, "lang").await;
    let en = RenderOptions { lang: Lang::En, ..zh };
    tokio::time::sleep(Duration::from_millis(200)).await;
    tap(&mut c, &home, &en, "checkin").await;
    let present = wait_for(&mut c, "checkin.present").await;
    tap(&mut c, &present, &en, "cancel").await;
    wait_for(&mut c, "home").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    k.stop().await.expect("kioskd stops");

    let mut names: Vec<String> = std::fs::read_dir(&frames)
        .expect("frames")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let ids: Vec<&str> = names.iter().map(|n| &n[5..n.len() - 4]).collect();
    // Chinese home, English home, check-in, "cancelled" (still in English), home in Chinese.
    assert_eq!(ids, ["home", "home", "checkin.present", "refusal", "home"], "{names:?}");
    let first = std::fs::read(frames.join(&names[0])).expect("png");
    let second = std::fs::read(frames.join(&names[1])).expect("png");
    assert_ne!(first, second, "the language changed what was drawn");
    assert_eq!(std::fs::read(frames.join(&names[4])).expect("png"), first, "back home: Chinese again");
    // 1080 x 1920, as the PNG header says.
    assert_eq!(&first[16..24], &[0, 0, 4, 56, 0, 0, 7, 128]);
}
