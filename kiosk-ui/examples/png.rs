//! Writes one screen as a PNG: `cargo run -p kiosk-ui --example png -- VIEW_JSON OUT.png [en] [accessible] [WxH]`.
//! VIEW_JSON is a `View` in its serde shape, e.g. '{"view":"checkin_present"}'.

use kiosk_ui::draw::{RenderOptions, save_png};
use kiosk_ui::{Lang, View, screen};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(view), Some(out)) = (args.first(), args.get(1)) else {
        return Err("usage: png VIEW_JSON OUT.png [en] [accessible] [WxH] [countdown=N]".into());
    };
    let view: View = serde_json::from_str(view)?;
    let mut s = screen(&view);
    let mut opts = RenderOptions::default();
    for a in &args[2..] {
        match a.as_str() {
            "en" => opts.lang = Lang::En,
            "accessible" => opts.accessible = true,
            other => {
                if let Some(n) = other.strip_prefix("countdown=") {
                    s.countdown = Some(n.parse()?);
                } else if let Some((w, h)) = other.split_once('x') {
                    opts.size = embedded_graphics::prelude::Size::new(w.parse()?, h.parse()?);
                } else {
                    return Err(format!("unknown argument {other}").into());
                }
            }
        }
    }
    let layout = save_png(&s, &opts, out)?;
    for b in &layout.buttons {
        println!("{} {:?} {:?}{}", b.id, b.rect.top_left, b.rect.size, if b.enabled { "" } else { " (disabled)" });
    }
    Ok(())
}
