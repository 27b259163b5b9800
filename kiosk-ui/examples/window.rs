//! A kiosk screen in an SDL window; clicks are reported through `Layout::hit`.
//!
//! `cargo run -p kiosk-ui --features window --example window -- [WxH] [accessible]`
//! (needs Debian's libsdl2-dev). Left / right arrows step through a few screens; touching the
//! language toggle switches the language; closing the window ends it.

use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use embedded_graphics::prelude::*;
use embedded_graphics_simulator::sdl2::Keycode;
use embedded_graphics_simulator::{OutputSettings, SimulatorDisplay, SimulatorEvent, Window};
use kiosk_ui::draw::{RenderOptions, render};
use kiosk_ui::view::{BookingView, QueryView};
use kiosk_ui::{Availability, Lang, PhoneFor, Reason, Step, Text, View, screen};

fn views() -> Vec<View> {
    vec![
        View::Home {
            checkin: Availability::Available,
            endorse: Availability::OutOfService {
                why: Text::new("签注打印机故障", "endorsement printer fault")
            },
            query: Availability::Available,
            booking: Availability::Available,
        },
        View::CheckinPresent,
        View::Verify { finger: Step::Waiting, face: Step::Waiting, attempt: 2, max_attempts: 3, press_again: false },
        View::EndorsePay { fee_fen: 1500, order_no: "KX2025061500012".into() },
        View::Refusal { reason: Reason::TooEarly, detail: None },
        View::Query(QueryView::Menu { notice: None }),
        View::Booking(BookingView::Phone { who: PhoneFor::Applicant, digits: "1380013".into(), invalid: false }),
    ]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut opts = RenderOptions { size: Size::new(540, 960), ..RenderOptions::default() };
    for arg in std::env::args().skip(1) {
        if arg == "accessible" {
            opts.accessible = true;
        } else if let Some((w, h)) = arg.split_once('x') {
            opts.size = Size::new(w.parse()?, h.parse()?);
        } else {
            return Err(format!("unknown argument {arg} (expected WxH or accessible)").into());
        }
    }
    let views = views();
    let mut index = 0;
    let mut display = SimulatorDisplay::<Rgb888>::with_default_color(opts.size, Rgb888::BLACK);
    let mut window = Window::new("kiosk-ui", &OutputSettings::default());
    loop {
        let Some(view) = views.get(index) else { return Ok(()) };
        let Ok(layout) = render(&screen(view), &opts, &mut display);
        window.update(&display);
        let mut redraw = false;
        while !redraw {
            for event in window.events() {
                match event {
                    SimulatorEvent::Quit => return Ok(()),
                    SimulatorEvent::MouseButtonUp { point, .. } => match layout.hit(point) {
                        Some(id) => {
                            println!("touch {id} at ({}, {})", point.x, point.y);
                            if id == "lang" {
                                opts.lang = if opts.lang == Lang::Zh { Lang::En } else { Lang::Zh };
                                redraw = true;
                            }
                        }
                        None => println!("no button at ({}, {})", point.x, point.y),
                    },
                    SimulatorEvent::KeyUp { keycode: Keycode::Right, .. } => {
                        index = (index + 1) % views.len();
                        redraw = true;
                    }
                    SimulatorEvent::KeyUp { keycode: Keycode::Left, .. } => {
                        index = (index + views.len() - 1) % views.len();
                        redraw = true;
                    }
                    _ => {}
                }
            }
            if !redraw {
                window.update(&display);
            }
        }
    }
}
