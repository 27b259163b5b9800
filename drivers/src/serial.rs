//! A framed serial link that survives its device: opened by path (a stable name such as
//! `/dev/kiosk/idcard`, or a simulator's pty), read and written through a protocol codec, with a
//! deadline on every answer. An I/O error or end of file means the device went away: the link is
//! dropped and reported as [`DeviceError::NoDevice`], and the next request tries to reopen it, so a
//! device that is unplugged and plugged back in works again without restarting the daemon.

use crate::error::DeviceError;
use crate::record::{Recorded, Recorder};
use futures_util::{FutureExt, SinkExt, StreamExt};
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_serial::SerialPortBuilderExt;
use tokio_util::codec::{Decoder, Encoder, Framed};

/// Where and how fast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSettings {
    /// Device path.
    pub path: PathBuf,
    /// Baud rate (8N1).
    pub baud: u32,
    /// Record every byte in and out to this JSON-lines file (a debug option, see [`crate::record`]).
    pub record: Option<PathBuf>,
}

impl PortSettings {
    /// A port at `path` and `baud`, not recorded.
    pub fn new(path: impl Into<PathBuf>, baud: u32) -> PortSettings {
        PortSettings { path: path.into(), baud, record: None }
    }
}

/// What a link carries bytes over: a serial port, or a test's fake.
pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Transport for T {}

/// Opens the transport (again, after a disconnect).
pub type Opener = Box<dyn FnMut() -> std::io::Result<Box<dyn Transport>> + Send>;

/// An opener for a serial port, recording its traffic when the settings say so.
pub fn serial_opener(settings: PortSettings) -> Opener {
    let recorder = settings.record.as_ref().and_then(|p| Recorder::create(p).ok());
    Box::new(move || {
        let port = tokio_serial::new(settings.path.to_string_lossy(), settings.baud)
            .timeout(Duration::from_millis(100))
            .open_native_async()
            .map_err(std::io::Error::other)?;
        // Whatever the device sent before this open was meant for an earlier owner of the port (a
        // daemon killed mid-exchange): read now, it would be taken as the answer to the next
        // request, and every answer after it would be one behind.
        tokio_serial::SerialPort::clear(&port, tokio_serial::ClearBuffer::Input).map_err(std::io::Error::other)?;
        Ok(match &recorder {
            Some(r) => {
                r.opened();
                Box::new(Recorded::new(port, r.clone())) as Box<dyn Transport>
            }
            None => Box::new(port),
        })
    })
}

/// A framed link to one serial device.
pub struct SerialLink<C> {
    opener: Opener,
    path: Option<PathBuf>,
    codec: C,
    framed: Option<Framed<Box<dyn Transport>, C>>,
    opens: u64,
    in_exchange: bool,
    silent: u8,
}

/// Requests in a row that may go unanswered before the port is closed and opened afresh: a
/// USB-serial bridge that wedged, or a stable name that now points at another node, is worked
/// around the way a technician would, by reopening the port.
pub const REOPEN_AFTER_SILENCE: u8 = 3;

/// How long the line must stay quiet before a command follows an interrupted exchange.
pub const QUIET: Duration = Duration::from_millis(30);
/// The longest a line is drained (a 2 KB answer at 9600 baud takes about 2 s).
pub const DRAIN_MAX: Duration = Duration::from_secs(3);

impl<C> SerialLink<C>
where
    C: Decoder<Error = std::io::Error> + Clone,
{
    /// A link that opens `settings.path` on first use.
    pub fn new(settings: PortSettings, codec: C) -> SerialLink<C> {
        let path = settings.path.clone();
        SerialLink { path: Some(path), ..SerialLink::with_opener(serial_opener(settings), codec) }
    }

    /// A link over whatever `opener` opens (tests replay recordings this way).
    pub fn with_opener(opener: Opener, codec: C) -> SerialLink<C> {
        SerialLink { opener, path: None, codec, framed: None, opens: 0, in_exchange: false, silent: 0 }
    }

    /// Start a request / answer exchange. If the previous one was interrupted (its caller was
    /// cancelled mid-way, or its answer arrived damaged), its answer may still be arriving: wait
    /// until the line is quiet and throw it away, so it is not taken for the answer to this one.
    /// A port just opened is treated the same way: an earlier owner (a daemon killed mid-exchange)
    /// may have left the device busy with a request whose answer is still to come. And whatever
    /// arrived since the last exchange ended was asked for by no exchange of this link (that
    /// earlier owner's answer, come after this link's first exchange had found the line quiet):
    /// it is drained the same way, or every answer from then on would be one behind.
    pub async fn begin(&mut self) {
        let fresh = self.framed.is_none() && self.ensure_open().is_ok();
        // Nothing is on its way: only what already came is drained.
        let mut wait = if self.in_exchange || fresh { QUIET } else { Duration::ZERO };
        let stop = tokio::time::Instant::now() + DRAIN_MAX;
        while let Some(f) = &mut self.framed {
            f.read_buffer_mut().clear();
            if tokio::time::Instant::now() >= stop {
                break;
            }
            let next = if wait.is_zero() {
                f.next().now_or_never().ok_or(())
            } else {
                tokio::time::timeout(wait, f.next()).await.map_err(|_| ())
            };
            match next {
                Err(()) => break,
                Ok(Some(Ok(_))) => wait = QUIET,
                Ok(_) => {
                    self.framed = None;
                    break;
                }
            }
        }
        self.discard_input();
        self.in_exchange = true;
    }

    /// The exchange got its answer (or its failure): nothing more is on its way.
    pub fn end(&mut self) {
        self.in_exchange = false;
    }

    /// How many times the port was opened (reopens after a disconnect count).
    pub fn opens(&self) -> u64 {
        self.opens
    }

    /// Whether the port is open now.
    pub fn is_open(&self) -> bool {
        self.framed.is_some()
    }

    /// Whether the port's path is gone (udev removes a device's stable name when it is unplugged);
    /// an open port is then closed. For a device that only speaks unasked, the one sign it left.
    pub fn vanished(&mut self) -> bool {
        let gone = self.path.as_ref().is_some_and(|p| !p.exists());
        if gone {
            self.close();
        }
        gone
    }

    /// Open the port if it is not open.
    pub fn ensure_open(&mut self) -> Result<(), DeviceError> {
        if self.framed.is_some() {
            return Ok(());
        }
        let port = (self.opener)().map_err(|_| DeviceError::NoDevice)?;
        self.framed = Some(Framed::new(port, self.codec.clone()));
        self.opens += 1;
        Ok(())
    }

    /// Close the port (it is reopened on the next request).
    pub fn close(&mut self) {
        self.framed = None;
        self.in_exchange = false;
        self.silent = 0;
    }

    /// Drop anything received but not yet read (stale answers after a timeout).
    pub fn discard_input(&mut self) {
        if let Some(f) = &mut self.framed {
            f.read_buffer_mut().clear();
        }
    }

    /// Send one item.
    pub async fn send<I>(&mut self, item: I) -> Result<(), DeviceError>
    where
        C: Encoder<I, Error = std::io::Error>,
    {
        self.ensure_open()?;
        let Some(f) = &mut self.framed else { return Err(DeviceError::NoDevice) };
        if f.send(item).await.is_err() {
            self.close();
            return Err(DeviceError::NoDevice);
        }
        Ok(())
    }

    /// Wait up to `timeout` for the next decoded item.
    pub async fn recv(&mut self, timeout: Duration) -> Result<C::Item, DeviceError> {
        self.ensure_open()?;
        let Some(f) = &mut self.framed else { return Err(DeviceError::NoDevice) };
        match tokio::time::timeout(timeout, f.next()).await {
            Err(_) => {
                // Only an unanswered request counts: a device that speaks unasked (a permit
                // reader pushing what it read) is silent most of the time, rightly.
                if self.in_exchange {
                    self.silent = self.silent.saturating_add(1);
                }
                if self.silent >= REOPEN_AFTER_SILENCE {
                    self.close();
                }
                Err(DeviceError::Timeout(timeout))
            }
            Ok(Some(Ok(item))) => {
                self.silent = 0;
                Ok(item)
            }
            // End of file or an I/O error: the device is gone.
            Ok(Some(Err(_))) | Ok(None) => {
                self.close();
                Err(DeviceError::NoDevice)
            }
        }
    }
}

/// Answers in a row a device must give after a failure before it is declared back: a flapping
/// connection is not trusted on its first answer (flapping printers cause double prints).
pub const ANSWERS_TO_RECOVER: u8 = 3;

/// Tracks whether a device that failed is trusted again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlapGuard {
    failed: bool,
    answers: u8,
}

impl FlapGuard {
    /// The device answered.
    pub fn answered(&mut self) {
        if self.failed {
            self.answers = self.answers.saturating_add(1);
            if self.answers >= ANSWERS_TO_RECOVER {
                self.failed = false;
                self.answers = 0;
            }
        }
    }

    /// The device failed.
    pub fn failed(&mut self) {
        self.failed = true;
        self.answers = 0;
    }

    /// Whether the device is trusted now.
    pub fn trusted(&self) -> bool {
        !self.failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Pty = (tokio_serial::SerialStream, SerialLink<tokio_util::codec::BytesCodec>, tokio_serial::SerialStream);

    /// A device's end of a pty pair, a link to the other end (not opened yet), and that end held
    /// open as long as the test keeps it (so the pair stays as a plugged-in port is).
    fn pty_link() -> Pty {
        use tokio_serial::SerialPort;
        let (device, host) = tokio_serial::SerialStream::pair().expect("pty pair");
        let path = host.name().expect("pty name");
        (device, SerialLink::new(PortSettings::new(path, 57_600), tokio_util::codec::BytesCodec::new()), host)
    }

    /// One exchange on `link`: `ask` sent, `device` writes `answer`; what the link took for the answer.
    async fn exchange(
        link: &mut SerialLink<tokio_util::codec::BytesCodec>,
        device: &mut tokio_serial::SerialStream,
        ask: &'static [u8],
        answer: &[u8],
    ) -> bytes::BytesMut {
        use tokio::io::AsyncWriteExt;
        link.begin().await;
        link.send(bytes::Bytes::from_static(ask)).await.expect("sent");
        device.write_all(answer).await.expect("write");
        let got = link.recv(Duration::from_secs(2)).await.expect("an answer");
        link.end();
        got
    }

    /// A daemon killed mid-exchange leaves the device's answer waiting in the port: the next
    /// daemon to open it must not take it for the answer to its own first request (found by the
    /// crash harness, tests/crash.rs: every fingerprint answer was then one behind).
    #[tokio::test]
    async fn what_the_device_sent_before_the_port_was_opened_is_not_read() {
        use tokio::io::AsyncWriteExt;
        let (mut device, mut link, _host) = pty_link();
        device.write_all(b"stale").await.expect("write");
        tokio::time::sleep(Duration::from_millis(50)).await;
        link.ensure_open().expect("opens");
        device.write_all(b"fresh").await.expect("write");
        let got = link.recv(Duration::from_secs(2)).await.expect("an answer");
        assert_eq!(&got[..], b"fresh");
    }

    /// The device may still be working on the killed daemon's last request when the next daemon
    /// opens the port: its late answer, arriving after the open, must not be taken for the answer
    /// to the new daemon's first request (found by the crash harness: the fingerprint scanner's
    /// first session after a restart failed with garbage).
    #[tokio::test]
    async fn a_late_answer_to_an_earlier_owner_is_drained_before_the_first_exchange() {
        use tokio::io::AsyncWriteExt;
        let (mut device, mut link, _host) = pty_link();
        let late = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            device.write_all(b"late").await.expect("write");
            device
        });
        link.begin().await;
        let mut device = late.await.expect("joined");
        device.write_all(b"fresh").await.expect("write");
        let got = link.recv(Duration::from_secs(2)).await.expect("an answer");
        assert_eq!(&got[..], b"fresh");
        link.end();
    }

    /// The earlier owner's late answer can also come after the first exchange found the line
    /// quiet: that exchange takes it for its own, and its own answer arrives after it ended. The
    /// next exchange drains what came in between, so answers are not one behind from then on.
    #[tokio::test]
    async fn what_arrived_between_exchanges_is_drained_before_the_next() {
        use tokio::io::AsyncWriteExt;
        let (mut device, mut link, _host) = pty_link();
        assert_eq!(&exchange(&mut link, &mut device, b"1?", b"late").await[..], b"late");
        device.write_all(b"1!").await.expect("write");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(&exchange(&mut link, &mut device, b"2?", b"2!").await[..], b"2!");
        assert_eq!(link.opens(), 1);
    }

    /// A device that stops answering is reopened after REOPEN_AFTER_SILENCE unanswered requests;
    /// a line that merely stays quiet outside an exchange (a reader that speaks unasked) is not.
    #[tokio::test]
    async fn the_port_is_reopened_after_requests_in_a_row_go_unanswered() {
        let (mut device, mut link, _host) = pty_link();
        for _ in 0..REOPEN_AFTER_SILENCE + 1 {
            assert!(matches!(link.recv(Duration::from_millis(5)).await, Err(DeviceError::Timeout(_))));
        }
        assert_eq!(link.opens(), 1, "listening is not a request");
        for n in 1..=REOPEN_AFTER_SILENCE {
            link.begin().await;
            link.send(bytes::Bytes::from_static(b"?")).await.expect("sent");
            assert!(matches!(link.recv(Duration::from_millis(5)).await, Err(DeviceError::Timeout(_))));
            link.end();
            assert_eq!(link.is_open(), n < REOPEN_AFTER_SILENCE, "after {n} unanswered");
        }
        assert_eq!(&exchange(&mut link, &mut device, b"?", b"!").await[..], b"!");
        assert_eq!(link.opens(), 2);
    }

    #[test]
    fn a_flapping_device_is_trusted_only_after_answers_in_a_row() {
        let mut g = FlapGuard::default();
        assert!(g.trusted());
        g.failed();
        g.answered();
        g.answered();
        assert!(!g.trusted());
        g.failed();
        g.answered();
        g.answered();
        assert!(!g.trusted(), "a failure in between starts the count again");
        g.answered();
        assert!(g.trusted());
    }
}
