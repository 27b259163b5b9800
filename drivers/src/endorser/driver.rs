//! The real endorsement printer backend: the command set of [`super::protocol`] over the device's
//! link (USB bulk pipes on a kiosk; the simulator carries the same bytes over a unix socket).

use super::protocol::{Frame, FrameCodec, FrameError, Op, REPLY, Status, fault_of};
use super::{EndorsementPrinter, EndorserError};
use crate::error::DeviceError;
use crate::health::{DeviceKind, DeviceState, FaultKind, Health, MediaState};
use crate::permit::{Endorsement, PermitChip};
use crate::serial::{FlapGuard, Opener, SerialLink};
use std::time::Duration;
use tokio::time::Instant;

/// How long a quick operation (status, eject, retain) may take.
pub const QUICK_TIMEOUT: Duration = Duration::from_secs(3);
/// How long writing and reprinting a card may take (about 40 s on real machines).
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(90);
/// How often "taken?" is asked while the card waits in the exit slot.
pub const TAKEN_POLL: Duration = Duration::from_millis(200);

/// An endorsement printer on a link.
pub struct LinkedEndorser {
    link: SerialLink<FrameCodec>,
    seq: u8,
    guard: FlapGuard,
    quick: Duration,
    write: Duration,
}

impl LinkedEndorser {
    /// A printer on whatever `opener` opens.
    pub fn new(opener: Opener) -> LinkedEndorser {
        LinkedEndorser {
            link: SerialLink::with_opener(opener, FrameCodec),
            seq: 0,
            guard: FlapGuard::default(),
            quick: QUICK_TIMEOUT,
            write: WRITE_TIMEOUT,
        }
    }

    /// Other answer timeouts than [`QUICK_TIMEOUT`] and [`WRITE_TIMEOUT`].
    pub fn with_timeouts(mut self, quick: Duration, write: Duration) -> LinkedEndorser {
        self.quick = quick;
        self.write = write;
        self
    }

    /// A printer behind a unix socket (the simulator's stand-in for the USB bulk pipes).
    pub fn on_socket(path: std::path::PathBuf) -> LinkedEndorser {
        LinkedEndorser::on_socket_recorded(path, None)
    }

    /// [`LinkedEndorser::on_socket`], recording the traffic to `record` (see [`crate::record`]).
    pub fn on_socket_recorded(path: std::path::PathBuf, record: Option<std::path::PathBuf>) -> LinkedEndorser {
        let recorder = record.as_deref().and_then(|p| crate::record::Recorder::create(p).ok());
        LinkedEndorser::new(Box::new(move || {
            let s = std::os::unix::net::UnixStream::connect(&path)?;
            s.set_nonblocking(true)?;
            let s = tokio::net::UnixStream::from_std(s)?;
            Ok(match &recorder {
                Some(r) => {
                    r.opened();
                    Box::new(crate::record::Recorded::new(s, r.clone())) as Box<dyn crate::serial::Transport>
                }
                None => Box::new(s),
            })
        }))
    }

    /// One request, one reply: the reply's status and data.
    async fn call(&mut self, op: Op, payload: Vec<u8>) -> Result<(Status, Vec<u8>), DeviceError> {
        let r = self.exchange(op, payload).await;
        self.link.end();
        r
    }

    async fn exchange(&mut self, op: Op, payload: Vec<u8>) -> Result<(Status, Vec<u8>), DeviceError> {
        let timeout = if op == Op::Write { self.write } else { self.quick };
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        self.link.begin().await;
        // A write is never resent: the chip may already hold it (read it back instead).
        self.link.send(Frame { seq, op: op as u8, payload }).await.inspect_err(|_| self.guard.failed())?;
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.link.recv(left).await {
                Ok(Ok(f)) if f.seq == seq && f.op == op as u8 | REPLY => {
                    let (first, rest) =
                        f.payload.split_first().ok_or_else(|| DeviceError::Protocol("empty reply".into()))?;
                    let status = Status::from_byte(*first)
                        .ok_or_else(|| DeviceError::Protocol(format!("unknown status {first:#04x}")))?;
                    self.guard.answered();
                    return Ok((status, rest.to_vec()));
                }
                // A stale reply to an earlier request: keep reading.
                Ok(Ok(_)) | Ok(Err(FrameError::Noise(_))) => continue,
                Ok(Err(FrameError::Checksum { .. })) => {
                    self.guard.failed();
                    return Err(DeviceError::Checksum);
                }
                Ok(Err(e)) => {
                    self.guard.failed();
                    return Err(DeviceError::Protocol(e.to_string()));
                }
                Err(DeviceError::Timeout(_)) => {
                    self.guard.failed();
                    return Err(DeviceError::Timeout(timeout));
                }
                Err(e) => {
                    self.guard.failed();
                    return Err(e);
                }
            }
        }
    }

    async fn simple(&mut self, op: Op) -> Result<Vec<u8>, EndorserError> {
        let (status, data) = self.call(op, Vec::new()).await?;
        check(status)?;
        Ok(data)
    }
}

fn check(s: Status) -> Result<(), EndorserError> {
    let fault = match s {
        Status::Ok => return Ok(()),
        Status::NoCard => return Err(EndorserError::NoCard),
        Status::Jammed => FaultKind::CardJam,
        Status::RibbonOut => FaultKind::RibbonOut,
        Status::ChipWriteFailed => FaultKind::ChipWriteFailed,
        Status::ChipUnreadable => FaultKind::ChipUnreadable,
        Status::PowerLoss => FaultKind::PowerLoss,
        Status::BadRequest => return Err(DeviceError::Protocol("the printer refused the request".into()).into()),
    };
    Err(DeviceError::Hardware(fault).into())
}

#[async_trait::async_trait]
impl crate::Device for LinkedEndorser {
    fn kind(&self) -> DeviceKind {
        DeviceKind::Endorser
    }

    async fn health(&mut self) -> Health {
        let (status, d) = match self.call(Op::Status, Vec::new()).await {
            Ok(r) => r,
            Err(e) => return Health::with_state(DeviceKind::Endorser, e.state()),
        };
        if status != Status::Ok || d.len() < 7 {
            return Health::with_state(DeviceKind::Endorser, DeviceState::HardwareError(FaultKind::Garbage));
        }
        let mut h = Health::online(DeviceKind::Endorser);
        if let Some(f) = fault_of(d[1]) {
            h.state = DeviceState::HardwareError(f);
        } else if !self.guard.trusted() {
            h.state = DeviceState::Offline;
        }
        h.media = Some(match d[2] {
            2 => MediaState::Present,
            3 => MediaState::AtExit,
            4 => MediaState::Jammed,
            _ => MediaState::Absent,
        });
        h.consumable_left = Some(u16::from_be_bytes([d[3], d[4]]) as u32);
        h.retained = Some(u16::from_be_bytes([d[5], d[6]]) as u32);
        h
    }

    async fn reset(&mut self) -> Result<(), DeviceError> {
        self.link.close();
        self.call(Op::Status, Vec::new()).await.map(|_| ())
    }
}

#[async_trait::async_trait]
impl EndorsementPrinter for LinkedEndorser {
    async fn write(&mut self, e: &Endorsement) -> Result<(), EndorserError> {
        let payload = serde_json::to_vec(e).map_err(|e| DeviceError::Protocol(e.to_string()))?;
        let (status, _) = self.call(Op::Write, payload).await?;
        check(status)
    }

    async fn read_chip(&mut self) -> Result<PermitChip, EndorserError> {
        let data = self.simple(Op::ReadChip).await?;
        serde_json::from_slice(&data).map_err(|e| DeviceError::Protocol(format!("chip data: {e}")).into())
    }

    async fn card_inside(&mut self) -> Result<bool, EndorserError> {
        Ok(self.simple(Op::CardInside).await?.first() == Some(&1))
    }

    async fn eject(&mut self) -> Result<(), EndorserError> {
        self.simple(Op::Eject).await.map(|_| ())
    }

    async fn wait_taken(&mut self, wait: Duration) -> Result<bool, EndorserError> {
        let deadline = Instant::now() + wait;
        loop {
            if self.simple(Op::Taken).await?.first() == Some(&1) {
                return Ok(true);
            }
            if Instant::now() >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(TAKEN_POLL.min(deadline.saturating_duration_since(Instant::now()))).await;
        }
    }

    async fn retain(&mut self) -> Result<(), EndorserError> {
        self.simple(Op::Retain).await.map(|_| ())
    }
}
