//! The kiosk's clock: real time, or a simulated clock that starts at a given time, runs a given
//! number of times faster than real time, and can be moved forward by the simulator.

use chrono::{DateTime, Duration as ChronoDuration, FixedOffset, Utc};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug)]
struct Base {
    at: DateTime<FixedOffset>,
    mono: Instant,
}

/// A clock; cheap to clone.
#[derive(Debug, Clone)]
pub struct Clock {
    offset: FixedOffset,
    scale: f64,
    base: Option<Arc<Mutex<Base>>>,
}

impl Clock {
    /// Real time in the hall's time zone.
    pub fn system(offset: FixedOffset) -> Clock {
        Clock { offset, scale: 1.0, base: None }
    }

    /// A simulated clock starting at `start`, running `scale` times faster than real time.
    pub fn simulated(start: DateTime<FixedOffset>, scale: f64) -> Clock {
        Clock {
            offset: *start.offset(),
            scale,
            base: Some(Arc::new(Mutex::new(Base { at: start, mono: Instant::now() }))),
        }
    }

    /// Now, in hall time.
    pub fn now(&self) -> DateTime<FixedOffset> {
        match &self.base {
            None => Utc::now().with_timezone(&self.offset),
            Some(b) => {
                let b = b.lock().unwrap_or_else(|e| e.into_inner());
                let real = b.mono.elapsed().as_secs_f64() * self.scale;
                b.at + ChronoDuration::microseconds((real * 1e6) as i64)
            }
        }
    }

    /// Move a simulated clock forward to `at`; a time already past leaves it as it is (the clock
    /// never goes back). Refused on the real clock.
    pub fn advance_to(&self, at: DateTime<FixedOffset>) -> Result<(), String> {
        let Some(b) = &self.base else {
            return Err("the kiosk runs on the real clock".into());
        };
        if at <= self.now() {
            return Ok(());
        }
        let mut b = b.lock().unwrap_or_else(|e| e.into_inner());
        b.at = at;
        b.mono = Instant::now();
        Ok(())
    }

    /// How many times faster than real time the clock runs.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The real time that `d` of kiosk time takes.
    pub fn real(&self, d: Duration) -> Duration {
        d.div_f64(self.scale)
    }

    /// The hall's UTC offset.
    pub fn offset(&self) -> FixedOffset {
        self.offset
    }
}
