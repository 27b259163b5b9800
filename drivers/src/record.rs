//! Recorded device sessions: every chunk of bytes a driver sends and receives, as JSON lines, and a
//! replayer that plays the device's side of a recording back to a driver.
//!
//! Recording is a debug option (`record` in a device's configuration): the recording wraps the
//! port, so what is written is exactly what crossed the wire. Replaying checks that the driver
//! sends exactly the recorded bytes, and answers with exactly the recorded answers, so recordings
//! of real devices (or of the simulator) become regression tests that need no device at all.
//!
//! A line is `{"t_ms": 12, "dir": "out", "hex": "aaaaaa9669..."}` (`out`: host to device; `in`:
//! device to host), or `{"t_ms": 40, "dir": "in", "eof": true}` when the device went away. A
//! recording may start with a line `{"meta": {...}}` describing what was done.

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

/// One line of a recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Milliseconds since the recording started.
    pub t_ms: u64,
    /// `out` (host to device) or `in` (device to host).
    pub dir: Dir,
    /// The bytes, as hex.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hex: String,
    /// The device went away here.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub eof: bool,
    /// The port was opened here.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub open: bool,
}

/// Which way bytes went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dir {
    /// Host to device.
    Out,
    /// Device to host.
    In,
}

/// Where a recording goes; shared by the reading and writing halves.
#[derive(Clone)]
pub struct Recorder {
    file: Arc<Mutex<std::fs::File>>,
    start: Instant,
}

impl Recorder {
    /// Append to the recording at `path` (created if need be).
    pub fn create(path: &Path) -> std::io::Result<Recorder> {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Recorder { file: Arc::new(Mutex::new(file)), start: Instant::now() })
    }

    /// Write a meta line.
    pub fn meta(&self, meta: &serde_json::Value) {
        self.line(&serde_json::json!({ "meta": meta }));
    }

    fn line(&self, v: &impl Serialize) {
        let Ok(mut text) = serde_json::to_string(v) else { return };
        text.push('\n');
        let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
        // A recording is a debugging aid: a full disk must not stop the device.
        let _ = f.write_all(text.as_bytes());
    }

    fn record(&self, dir: Dir, bytes: &[u8], eof: bool) {
        let t_ms = self.start.elapsed().as_millis() as u64;
        self.line(&Entry { t_ms, dir, hex: crate::biometric::to_hex(bytes), eof, open: false });
    }

    /// The port was (re)opened.
    pub fn opened(&self) {
        let t_ms = self.start.elapsed().as_millis() as u64;
        self.line(&Entry { t_ms, dir: Dir::In, hex: String::new(), eof: false, open: true });
    }
}

/// A port whose traffic is recorded.
pub struct Recorded<T> {
    inner: T,
    rec: Recorder,
}

impl<T> Recorded<T> {
    /// Record `inner`'s traffic with `rec`.
    pub fn new(inner: T, rec: Recorder) -> Recorded<T> {
        Recorded { inner, rec }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Recorded<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        match &r {
            Poll::Ready(Ok(())) => {
                let new = &buf.filled()[before..];
                self.rec.record(Dir::In, new, new.is_empty());
            }
            Poll::Ready(Err(_)) => self.rec.record(Dir::In, &[], true),
            Poll::Pending => {}
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Recorded<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        match &r {
            Poll::Ready(Ok(n)) => self.rec.record(Dir::Out, &buf[..*n], false),
            // Writing to a port that vanished: the device went away.
            Poll::Ready(Err(_)) => self.rec.record(Dir::In, &[], true),
            Poll::Pending => {}
        }
        r
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// What is wrong with a recording, or with a replay.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The file cannot be read.
    #[error("recording {0}: {1}")]
    Io(String, std::io::Error),
    /// A line is not an entry.
    #[error("recording {path}, line {line}: {message}")]
    Line {
        /// File.
        path: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The driver sent something else than was recorded.
    #[error("at entry {entry}: the driver sent {got}, the recording has {expected}")]
    Mismatch {
        /// Entry index.
        entry: usize,
        /// What the driver sent (hex).
        got: String,
        /// What was recorded (hex).
        expected: String,
    },
    /// The driver stopped sending before the recording ended.
    #[error("at entry {entry}: the driver sent nothing more (expected {expected})")]
    Stalled {
        /// Entry index.
        entry: usize,
        /// What was recorded (hex).
        expected: String,
    },
}

/// A recording: its meta line and its entries.
#[derive(Debug, Clone)]
pub struct Recording {
    /// The meta line's object (null when there is none).
    pub meta: serde_json::Value,
    /// The entries, in order.
    pub entries: Vec<Entry>,
}

impl Recording {
    /// Load a recording.
    pub fn load(path: &Path) -> Result<Recording, ReplayError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ReplayError::Io(p.clone(), e))?;
        let mut r = Recording { meta: serde_json::Value::Null, entries: Vec::new() };
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let bad = |message: String| ReplayError::Line { path: p.clone(), line: i + 1, message };
            let v: serde_json::Value = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
            if let Some(m) = v.get("meta") {
                r.meta = m.clone();
                continue;
            }
            let e: Entry = serde_json::from_value(v).map_err(|e| bad(e.to_string()))?;
            crate::biometric::from_hex(&e.hex).map_err(bad)?;
            r.entries.push(e);
        }
        Ok(r)
    }

    /// Play the device's side. The returned port hands the driver a new end of the cable at each
    /// open the recording has; the task checks every byte the driver sends against the recording
    /// and answers as recorded.
    pub fn replay(&self) -> (ReplayPort, tokio::task::JoinHandle<Result<(), ReplayError>>) {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<tokio::io::DuplexStream>();
        let opens = self.entries.iter().filter(|e| e.open).count().max(1);
        let port = ReplayPort { tx, opens: Arc::new(Mutex::new(opens)) };
        let entries = self.entries.clone();
        let task = tokio::spawn(async move {
            let mut device: Option<tokio::io::DuplexStream> = None;
            let mut started = false;
            for (i, e) in entries.iter().enumerate() {
                if e.open || !started {
                    started = true;
                    match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
                        Ok(Some(d)) => device = Some(d),
                        _ => return Err(ReplayError::Stalled { entry: i, expected: "the port to be opened".into() }),
                    }
                    if e.open {
                        continue;
                    }
                }
                let Some(dev) = device.as_mut() else {
                    return Err(ReplayError::Stalled { entry: i, expected: e.hex.clone() });
                };
                let bytes = crate::biometric::from_hex(&e.hex).unwrap_or_default();
                match e.dir {
                    Dir::Out => {
                        let mut got = vec![0u8; bytes.len()];
                        let read = tokio::time::timeout(Duration::from_secs(5), dev.read_exact(&mut got)).await;
                        if !matches!(read, Ok(Ok(_))) {
                            return Err(ReplayError::Stalled { entry: i, expected: e.hex.clone() });
                        }
                        if got != bytes {
                            return Err(ReplayError::Mismatch {
                                entry: i,
                                got: crate::biometric::to_hex(&got),
                                expected: e.hex.clone(),
                            });
                        }
                    }
                    // The device went away: the driver's end reads end-of-file.
                    Dir::In if e.eof => device = None,
                    Dir::In => {
                        // A driver that hung up early is no replay failure of the device's side.
                        let _ = dev.write_all(&bytes).await;
                    }
                }
            }
            // The recording ends with the device still connected (and silent, if it was): stay so
            // until the driver lets go, and check it sends nothing the recording does not have.
            let Some(mut dev) = device else { return Ok(()) };
            let mut extra = [0u8; 64];
            match dev.read(&mut extra).await {
                Ok(0) | Err(_) => Ok(()),
                Ok(n) => Err(ReplayError::Mismatch {
                    entry: entries.len(),
                    got: crate::biometric::to_hex(&extra[..n]),
                    expected: "nothing more".into(),
                }),
            }
        });
        (port, task)
    }
}

/// The driver's side of a replayed device: opened as often as the recording opened the port.
#[derive(Clone)]
pub struct ReplayPort {
    tx: tokio::sync::mpsc::UnboundedSender<tokio::io::DuplexStream>,
    opens: Arc<Mutex<usize>>,
}

impl ReplayPort {
    /// Open the port: a new cable end, while the recording has opens left.
    pub fn open(&self) -> std::io::Result<tokio::io::DuplexStream> {
        let mut left = self.opens.lock().unwrap_or_else(|e| e.into_inner());
        if *left == 0 {
            return Err(std::io::Error::from(std::io::ErrorKind::NotFound));
        }
        *left -= 1;
        let (driver, device) = tokio::io::duplex(1 << 16);
        self.tx.send(device).map_err(|_| std::io::Error::from(std::io::ErrorKind::NotFound))?;
        Ok(driver)
    }

    /// An opener for a [`crate::serial::SerialLink`].
    pub fn opener(self) -> crate::serial::Opener {
        Box::new(move || self.open().map(|s| Box::new(s) as Box<dyn crate::serial::Transport>))
    }
}

/// What was done to a device in a recording, so a replay can do it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum Step {
    /// Ask the device's health.
    Health,
    /// Read an ID card.
    ReadCard {
        /// Wait, milliseconds.
        wait_ms: u64,
    },
    /// Capture and match a finger.
    Verify {
        /// Wait, milliseconds.
        wait_ms: u64,
        /// The card's templates.
        templates: Vec<crate::biometric::Biometric>,
    },
    /// Print a document.
    Print {
        /// The document.
        doc: crate::receipt::Document,
    },
    /// Read a permit.
    ReadPermit {
        /// Wait, milliseconds.
        wait_ms: u64,
    },
    /// Read the chip of the card in the endorsement printer.
    ReadChip,
    /// Write an endorsement.
    Write {
        /// The endorsement.
        endorsement: crate::permit::Endorsement,
    },
    /// Eject the card.
    Eject,
    /// Wait for the card to be taken.
    WaitTaken {
        /// Wait, milliseconds.
        wait_ms: u64,
    },
    /// Retain the card.
    Retain,
}

/// A device a recording was made with.
pub enum AnyDevice {
    /// An ID card reader.
    IdCard(Box<dyn crate::idcard::IdCardReader>),
    /// A fingerprint scanner.
    Fingerprint(Box<dyn crate::fingerprint::FingerprintScanner>),
    /// A receipt printer.
    Receipt(Box<dyn crate::receipt::ReceiptPrinter>),
    /// A permit reader.
    Permit(Box<dyn crate::permit::PermitReader>),
    /// An endorsement printer.
    Endorser(Box<dyn crate::endorser::EndorsementPrinter>),
}

impl Step {
    /// Do the step; the result as a line of text (no personal data: an ID number is masked).
    pub async fn run(&self, device: &mut AnyDevice) -> String {
        match (self, device) {
            (Step::Health, AnyDevice::IdCard(d)) => health_line(d.health().await),
            (Step::Health, AnyDevice::Fingerprint(d)) => health_line(d.health().await),
            (Step::Health, AnyDevice::Receipt(d)) => health_line(d.health().await),
            (Step::ReadCard { wait_ms }, AnyDevice::IdCard(d)) => {
                match d.read_card(Duration::from_millis(*wait_ms)).await {
                    Ok(card) => format!(
                        "card {} with {} fingerprints",
                        crate::idcard::mask_id(&card.text.id_number),
                        card.fingerprints.len()
                    ),
                    Err(e) => format!("error: {e}"),
                }
            }
            (Step::Verify { wait_ms, templates }, AnyDevice::Fingerprint(d)) => {
                match d.verify(templates, Duration::from_millis(*wait_ms)).await {
                    Ok(m) => format!("matched {} score {}", m.matched, m.score),
                    Err(e) => format!("error: {e}"),
                }
            }
            (Step::Print { doc }, AnyDevice::Receipt(d)) => match d.print(doc).await {
                Ok(()) => "printed".into(),
                Err(e) => format!("error: {e}"),
            },
            (Step::Health, AnyDevice::Permit(d)) => health_line(d.health().await),
            (Step::Health, AnyDevice::Endorser(d)) => health_line(d.health().await),
            (Step::ReadPermit { wait_ms }, AnyDevice::Permit(d)) => {
                match d.read_permit(Duration::from_millis(*wait_ms)).await {
                    Ok(p) => format!("permit {} chip {}", crate::idcard::mask_id(&p.mrz), p.chip.is_some()),
                    Err(e) => format!("error: {e}"),
                }
            }
            (Step::ReadChip, AnyDevice::Endorser(d)) => match d.read_chip().await {
                Ok(c) => format!("chip with {} endorsements", c.endorsements.len()),
                Err(e) => format!("error: {e}"),
            },
            (Step::Write { endorsement }, AnyDevice::Endorser(d)) => match d.write(endorsement).await {
                Ok(()) => "written".into(),
                Err(e) => format!("error: {e}"),
            },
            (Step::Eject, AnyDevice::Endorser(d)) => match d.eject().await {
                Ok(()) => "ejected".into(),
                Err(e) => format!("error: {e}"),
            },
            (Step::WaitTaken { wait_ms }, AnyDevice::Endorser(d)) => {
                match d.wait_taken(Duration::from_millis(*wait_ms)).await {
                    Ok(t) => format!("taken {t}"),
                    Err(e) => format!("error: {e}"),
                }
            }
            (Step::Retain, AnyDevice::Endorser(d)) => match d.retain().await {
                Ok(()) => "retained".into(),
                Err(e) => format!("error: {e}"),
            },
            _ => "error: this step is not for this device".into(),
        }
    }
}

fn health_line(h: crate::Health) -> String {
    format!("health {}", serde_json::to_string(&h).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(dir: Dir, bytes: &[u8]) -> Entry {
        Entry { t_ms: 0, dir, hex: crate::biometric::to_hex(bytes), eof: false, open: false }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn replay_answers_as_recorded_and_catches_a_driver_that_sends_otherwise() {
        let rec = Recording {
            meta: serde_json::Value::Null,
            entries: vec![entry(Dir::Out, b"ping"), entry(Dir::In, b"pong")],
        };
        let (port, task) = rec.replay();
        let mut s = port.open().expect("open");
        s.write_all(b"ping").await.expect("write");
        let mut answer = [0u8; 4];
        s.read_exact(&mut answer).await.expect("answer");
        assert_eq!(&answer, b"pong");
        drop(s);
        assert!(task.await.expect("task").is_ok());
        assert!(port.open().is_err(), "the recording opened the port once");

        let (port, task) = rec.replay();
        let mut s = port.open().expect("open");
        s.write_all(b"pong").await.expect("write");
        assert!(matches!(task.await.expect("task"), Err(ReplayError::Mismatch { entry: 0, .. })));
    }

    #[test]
    fn a_broken_recording_names_its_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("r.jsonl");
        std::fs::write(&p, "{\"t_ms\":0,\"dir\":\"out\",\"hex\":\"aa\"}\n{\"t_ms\":1,\"dir\":\"in\",\"hex\":\"zz\"}\n")
            .expect("write");
        let e = Recording::load(&p).expect_err("bad hex");
        assert!(e.to_string().contains("line 2"), "{e}");
    }
}
