//! Device time spans, for `kiosk-sim bench`: each simulated device's busy time (its processing time,
//! and on the wire the bytes at the line's baud rate) as wall-clock intervals. Off unless the
//! environment names a file in `KIOSK_SIM_SPANS`; then every process with simulated devices (kioskd
//! and kiosk-sim) appends one JSON line per span to it: `{"device":"idcard","what":"wire","start_us":..,"end_us":..}`.

use drivers::DeviceKind;
use std::io::Write;
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// The environment variable naming the span file.
pub const ENV: &str = "KIOSK_SIM_SPANS";

static SINK: OnceLock<Option<Mutex<std::fs::File>>> = OnceLock::new();

fn open(path: &std::path::Path) -> Option<Mutex<std::fs::File>> {
    std::fs::OpenOptions::new().create(true).append(true).open(path).ok().map(Mutex::new)
}

fn sink() -> Option<&'static Mutex<std::fs::File>> {
    SINK.get_or_init(|| open(std::path::Path::new(&std::env::var_os(ENV)?))).as_ref()
}

/// Record this process's spans into `path` (as [`ENV`] would); false if spans were already set up.
pub fn record_to(path: &std::path::Path) -> bool {
    SINK.set(open(path)).is_ok()
}

/// Whether spans are recorded in this process.
pub fn enabled() -> bool {
    sink().is_some()
}

fn micros(t: SystemTime) -> u128 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_micros()).unwrap_or_default()
}

/// A span being timed; recorded when [`Span::end`] is called.
pub struct Span {
    device: DeviceKind,
    what: &'static str,
    start: SystemTime,
}

/// Start timing `what` on `device` (`None` when spans are off).
pub fn start(device: DeviceKind, what: &'static str) -> Option<Span> {
    enabled().then(|| Span { device, what, start: SystemTime::now() })
}

impl Span {
    /// Record the span up to now.
    pub fn end(self) {
        let Some(sink) = sink() else { return };
        let line = format!(
            "{{\"device\":\"{}\",\"what\":\"{}\",\"start_us\":{},\"end_us\":{}}}\n",
            self.device.name(),
            self.what,
            micros(self.start),
            micros(SystemTime::now())
        );
        // One write of a whole line to a file opened for appending: lines of two processes never mix.
        let mut f = sink.lock().unwrap_or_else(|e| e.into_inner());
        let _ = f.write_all(line.as_bytes());
    }
}

/// Time `fut` as a span of `device`.
pub async fn timed<T>(device: DeviceKind, what: &'static str, fut: impl std::future::Future<Output = T>) -> T {
    let span = start(device, what);
    let out = fut.await;
    if let Some(s) = span {
        s.end();
    }
    out
}
