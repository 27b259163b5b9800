//! The hall's screen and touch panel: each screen the kiosk shows is drawn by `kiosk-ui` onto the
//! framebuffer (or written as a numbered PNG for developers and the demo), and taps are hit-tested
//! against the layout that screen was drawn with. The display keeps what is the applicant's alone:
//! the language they chose (back to Chinese when the start screen returns) and the accessible mode.
//! While the face is checked it paints the liveness colours full-screen.

pub mod framebuffer;
pub mod touch;

use crate::runtime::{KioskHandle, Request};
use drivers::camera::liveness::Illumination;
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use kiosk_ui::draw::{Layout, RenderOptions};
use kiosk_ui::{Lang, Screen};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Where frames go.
pub enum Output {
    /// Nowhere (a kiosk under test, a headless demo): layouts are still computed for taps.
    None,
    /// The framebuffer.
    Framebuffer(Box<framebuffer::Framebuffer>),
    /// Each distinct frame as a numbered PNG in this directory.
    Frames {
        /// Directory.
        dir: PathBuf,
        /// Frames written.
        written: u32,
        /// The last frame's PNG, to skip repeats.
        last: Vec<u8>,
    },
}

/// The display's side that others act on: taps from the control socket, the options in use.
#[derive(Clone)]
pub struct DisplayHandle {
    taps: mpsc::UnboundedSender<Point>,
    opts: Arc<Mutex<RenderOptions>>,
}

impl DisplayHandle {
    /// A tap at a point of the screen, as the touch panel would report it.
    pub fn tap(&self, p: Point) -> bool {
        self.taps.send(p).is_ok()
    }

    /// Where the touch panel sends its taps.
    pub fn tap_sender(&self) -> mpsc::UnboundedSender<Point> {
        self.taps.clone()
    }

    /// How screens are drawn now (size, language, accessible mode).
    pub fn options(&self) -> RenderOptions {
        *self.opts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The display task.
pub struct Display {
    output: Output,
    opts: Arc<Mutex<RenderOptions>>,
    taps: mpsc::UnboundedReceiver<Point>,
    handle: DisplayHandle,
    screen: Option<Screen>,
    layout: Layout,
}

impl Display {
    /// A display of `size` pixels drawing to `output`.
    pub fn new(output: Output, size: Size, accessible: bool) -> Display {
        let size = match &output {
            Output::Framebuffer(fb) => fb.size(),
            _ => size,
        };
        let opts = Arc::new(Mutex::new(RenderOptions { size, lang: Lang::Zh, accessible }));
        let (tx, taps) = mpsc::unbounded_channel();
        let handle = DisplayHandle { taps: tx, opts: opts.clone() };
        Display { output, opts, taps, handle, screen: None, layout: Layout::default() }
    }

    /// Its handle.
    pub fn handle(&self) -> DisplayHandle {
        self.handle.clone()
    }

    fn options(&self) -> RenderOptions {
        *self.opts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Draw the current screen (all of it, or only its countdown when that is all that changed).
    fn draw(&mut self, screen: &Screen, countdown_only: bool) {
        let opts = self.options();
        match &mut self.output {
            Output::None => self.layout = kiosk_ui::draw::layout(screen, &opts),
            Output::Framebuffer(fb) => {
                let partial = countdown_only
                    && kiosk_ui::draw::redraw_countdown(screen, &opts, &self.layout, fb.frame()).unwrap_or(false);
                if !partial {
                    fb.frame().clear(Rgb888::BLACK).ok();
                    let Ok(layout) = kiosk_ui::draw::render(screen, &opts, fb.frame());
                    self.layout = layout;
                }
                fb.present();
            }
            Output::Frames { .. } => match kiosk_ui::draw::to_png(screen, &opts) {
                Ok(png) => {
                    self.layout = kiosk_ui::draw::layout(screen, &opts);
                    self.write_frame(&screen.id, png);
                }
                Err(e) => tracing::error!(error = %e, "cannot render a frame"),
            },
        }
    }

    /// Paint the whole screen one colour (a liveness flash).
    fn flash(&mut self, c: [u8; 3]) {
        let colour = Rgb888::new(c[0], c[1], c[2]);
        match &mut self.output {
            Output::None => {}
            Output::Framebuffer(fb) => {
                fb.frame().clear(colour).ok();
                fb.present();
            }
            Output::Frames { .. } => {
                let opts = self.options();
                let mut d = embedded_graphics_simulator::SimulatorDisplay::<Rgb888>::new(opts.size);
                d.clear(colour).ok();
                match kiosk_ui::draw::display_to_png(&d) {
                    Ok(png) => self.write_frame("flash", png),
                    Err(e) => tracing::error!(error = %e, "cannot render a flash"),
                }
            }
        }
    }

    fn write_frame(&mut self, id: &str, png: Vec<u8>) {
        let Output::Frames { dir, written, last } = &mut self.output else { return };
        if *last == png {
            return;
        }
        *written += 1;
        let path = dir.join(format!("{:04}-{id}.png", *written));
        if let Err(e) = std::fs::write(&path, &png) {
            tracing::error!(path = %path.display(), error = %e, "cannot write a frame");
        }
        *last = png;
    }

    /// A tap: the language toggle is the display's own; any other button goes to the kiosk.
    fn tap(&mut self, p: Point, kiosk: &KioskHandle) {
        let Some(id) = self.layout.hit(p).map(str::to_string) else { return };
        if id == "lang" {
            {
                let mut o = self.opts.lock().unwrap_or_else(|e| e.into_inner());
                o.lang = if o.lang == Lang::Zh { Lang::En } else { Lang::Zh };
            }
            if let Some(s) = self.screen.clone() {
                self.draw(&s, false);
            }
        } else {
            kiosk.send(Request::Touch(id));
        }
    }

    /// Draw every screen the kiosk shows until it stops.
    pub async fn run(mut self, kiosk: KioskHandle, light: Illumination) {
        let mut screens = kiosk.screens();
        let mut flashes = light.watch();
        let first = screens.borrow_and_update().clone();
        self.show(first);
        loop {
            tokio::select! {
                changed = screens.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let s = screens.borrow_and_update().clone();
                    self.show(s);
                }
                changed = flashes.changed() => {
                    if changed.is_err() {
                        continue;
                    }
                    let colour = *flashes.borrow_and_update();
                    match (colour, self.screen.clone()) {
                        (Some(c), _) => self.flash(c),
                        (None, Some(s)) => self.draw(&s, false),
                        (None, None) => {}
                    }
                }
                Some(p) = self.taps.recv() => self.tap(p, &kiosk),
            }
        }
    }

    fn show(&mut self, s: Screen) {
        let prev = self.screen.take();
        if s.id == "home" && prev.as_ref().is_some_and(|p| p.id != "home") {
            // The applicant has gone: the next one starts in Chinese.
            self.opts.lock().unwrap_or_else(|e| e.into_inner()).lang = Lang::Zh;
        }
        let countdown_only = prev.as_ref().is_some_and(|p| Screen { countdown: s.countdown, ..p.clone() } == s);
        self.draw(&s, countdown_only);
        self.screen = Some(s);
    }
}
