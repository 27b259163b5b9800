//! The touch screen through evdev: its events become taps at screen coordinates. A tap lands where
//! the finger was lifted, as on a phone, so a finger that slides off a button cancels the touch.

use embedded_graphics::prelude::{Point, Size};
use std::path::Path;

/// The events of a touch screen that matter here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TouchEvent {
    /// The finger's position on the panel's X axis.
    X(i32),
    /// On the Y axis.
    Y(i32),
    /// Finger down.
    Down,
    /// Finger up.
    Up,
}

/// The range of one axis as the panel reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Axis {
    /// Smallest value.
    pub min: i32,
    /// Largest value.
    pub max: i32,
}

impl Axis {
    fn scale(&self, v: i32, pixels: u32) -> i32 {
        let span = i64::from(self.max) - i64::from(self.min);
        if span <= 0 || pixels == 0 {
            return 0;
        }
        let v = (i64::from(v) - i64::from(self.min)).clamp(0, span);
        (v * i64::from(pixels - 1) / span) as i32
    }
}

/// Follows one finger from down to up.
#[derive(Debug, Clone)]
pub struct TouchTracker {
    x_axis: Axis,
    y_axis: Axis,
    screen: Size,
    x: Option<i32>,
    y: Option<i32>,
    down: bool,
}

impl TouchTracker {
    /// A tracker for a panel with these axes over a screen of `screen` pixels.
    pub fn new(x_axis: Axis, y_axis: Axis, screen: Size) -> TouchTracker {
        TouchTracker { x_axis, y_axis, screen, x: None, y: None, down: false }
    }

    /// Feed one event; a tap comes out when the finger is lifted at a known position.
    pub fn event(&mut self, e: TouchEvent) -> Option<Point> {
        match e {
            TouchEvent::X(v) => self.x = Some(v),
            TouchEvent::Y(v) => self.y = Some(v),
            TouchEvent::Down => self.down = true,
            TouchEvent::Up => {
                let was_down = std::mem::replace(&mut self.down, false);
                if let (true, Some(x), Some(y)) = (was_down, self.x, self.y) {
                    return Some(Point::new(
                        self.x_axis.scale(x, self.screen.width),
                        self.y_axis.scale(y, self.screen.height),
                    ));
                }
            }
        }
        None
    }
}

/// Read taps from the touch screen at `path` on a thread of its own, sending each to `taps`. Ends
/// when the device goes away or nobody listens.
pub fn spawn(path: &Path, screen: Size, taps: tokio::sync::mpsc::UnboundedSender<Point>) -> std::io::Result<()> {
    use evdev::{AbsoluteAxisCode, EventSummary, KeyCode};
    let mut dev = evdev::Device::open(path)?;
    let mut x_axis = Axis { min: 0, max: screen.width as i32 - 1 };
    let mut y_axis = Axis { min: 0, max: screen.height as i32 - 1 };
    for (code, info) in dev.get_absinfo()? {
        let axis = Axis { min: info.minimum(), max: info.maximum() };
        match code {
            AbsoluteAxisCode::ABS_X | AbsoluteAxisCode::ABS_MT_POSITION_X => x_axis = axis,
            AbsoluteAxisCode::ABS_Y | AbsoluteAxisCode::ABS_MT_POSITION_Y => y_axis = axis,
            _ => {}
        }
    }
    let name = path.display().to_string();
    std::thread::Builder::new().name("touch".into()).spawn(move || {
        let mut tracker = TouchTracker::new(x_axis, y_axis, screen);
        loop {
            let events = match dev.fetch_events() {
                Ok(e) => e,
                Err(e) => {
                    tracing::error!(device = %name, error = %e, "touch screen lost");
                    return;
                }
            };
            for ev in events {
                let t = match ev.destructure() {
                    EventSummary::AbsoluteAxis(_, AbsoluteAxisCode::ABS_X | AbsoluteAxisCode::ABS_MT_POSITION_X, v) => {
                        TouchEvent::X(v)
                    }
                    EventSummary::AbsoluteAxis(_, AbsoluteAxisCode::ABS_Y | AbsoluteAxisCode::ABS_MT_POSITION_Y, v) => {
                        TouchEvent::Y(v)
                    }
                    EventSummary::Key(_, KeyCode::BTN_TOUCH, 1) => TouchEvent::Down,
                    EventSummary::Key(_, KeyCode::BTN_TOUCH, 0) => TouchEvent::Up,
                    _ => continue,
                };
                if let Some(p) = tracker.event(t)
                    && taps.send(p).is_err()
                {
                    return;
                }
            }
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker() -> TouchTracker {
        TouchTracker::new(Axis { min: 0, max: 4095 }, Axis { min: 0, max: 4095 }, Size::new(1080, 1920))
    }

    #[test]
    fn a_tap_lands_where_the_finger_is_lifted_scaled_to_the_screen() {
        let mut t = tracker();
        assert_eq!(t.event(TouchEvent::Down), None);
        assert_eq!(t.event(TouchEvent::X(0)), None);
        assert_eq!(t.event(TouchEvent::Y(4095)), None);
        assert_eq!(t.event(TouchEvent::X(2048)), None, "the finger slides");
        assert_eq!(t.event(TouchEvent::Up), Some(Point::new(539, 1919)));
        assert_eq!(t.event(TouchEvent::Up), None, "one tap per touch");
    }

    #[test]
    fn odd_panels_never_panic_or_leave_the_screen() {
        let mut t = TouchTracker::new(Axis { min: 100, max: 100 }, Axis { min: 50, max: -50 }, Size::new(10, 10));
        t.event(TouchEvent::Down);
        t.event(TouchEvent::X(i32::MAX));
        t.event(TouchEvent::Y(i32::MIN));
        assert_eq!(t.event(TouchEvent::Up), Some(Point::new(0, 0)));
        let mut t = tracker();
        t.event(TouchEvent::Down);
        t.event(TouchEvent::X(99_999));
        t.event(TouchEvent::Y(-5));
        assert_eq!(t.event(TouchEvent::Up), Some(Point::new(1079, 0)));
        // Up without a position (a panel that reports none): no tap.
        let mut t = tracker();
        t.event(TouchEvent::Down);
        assert_eq!(t.event(TouchEvent::Up), None);
    }

    #[test]
    fn a_missing_touch_screen_is_an_error() {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        assert!(spawn(Path::new("/dev/input/no-such-event"), Size::new(10, 10), tx).is_err());
    }
}
