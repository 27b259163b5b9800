//! The real resident ID card reader backend: a SAM module on a serial port (often a USB-serial
//! bridge), spoken to in `AA AA AA 96 69` frames ([`super::sam`]). Reading a card is: find card
//! (polled while the applicant reaches for it), select card, read base info with fingerprints.

use super::sam::{Command, FrameError, HostCodec, ReadInfo, Response, Sw3};
use super::{IdCard, IdCardError, IdCardReader};
use crate::error::DeviceError;
use crate::health::{DeviceKind, DeviceState, FaultKind, Health};
use crate::serial::{FlapGuard, PortSettings, SerialLink};
use std::time::Duration;
use tokio::time::Instant;

/// How often "find card" is repeated while no card is there. Vendors' SDKs poll every second
/// (`sam::CARD_POLL_INTERVAL`); a kiosk polls faster so the applicant does not wait.
pub const FIND_POLL: Duration = Duration::from_millis(200);
/// Resends of a command whose answer arrived damaged (a silent module is not asked again).
const RETRIES: usize = 2;
/// How long a quick command (status, find, select) may take; only reading a card takes the
/// protocol's full command timeout.
pub const QUICK_TIMEOUT: Duration = Duration::from_millis(1000);
/// Once line noise arrives instead of a frame, how long to wait for the frame to follow.
pub const NOISE_GAP: Duration = Duration::from_millis(150);

/// A SAM reader on a serial port.
pub struct SamReader {
    link: SerialLink<HostCodec>,
    timeout: Duration,
    guard: FlapGuard,
}

impl SamReader {
    /// A reader on `settings` (default 115200 baud) waiting `timeout` for each answer (the
    /// protocol's is `sam::COMMAND_TIMEOUT`, 5 s). The port opens on first use.
    pub fn new(settings: PortSettings, timeout: Duration) -> SamReader {
        SamReader::with_link(SerialLink::new(settings, HostCodec), timeout)
    }

    /// A reader over an existing link (a replayed recording, a test's fake).
    pub fn with_link(link: SerialLink<HostCodec>, timeout: Duration) -> SamReader {
        SamReader { link, timeout, guard: FlapGuard::default() }
    }

    /// Send a command and read its answer, resending when the answer arrives damaged or the
    /// module says our frame was damaged.
    pub async fn command(&mut self, cmd: Command) -> Result<Response, DeviceError> {
        let mut last = DeviceError::Timeout(self.timeout);
        for _ in 0..=RETRIES {
            self.link.begin().await;
            if let Err(e) = self.link.send(cmd).await {
                self.guard.failed();
                return Err(e);
            }
            let timeout = match cmd {
                Command::ReadBaseInfo | Command::ReadBaseInfoWithFinger => self.timeout,
                _ => self.timeout.min(QUICK_TIMEOUT),
            };
            let answer = self.read_answer(cmd, timeout).await;
            self.link.end();
            match answer {
                Ok(r) if matches!(r.status(), Sw3::HostChecksum | Sw3::HostLength) => {
                    last = DeviceError::Checksum;
                }
                Ok(r) => {
                    self.guard.answered();
                    return Ok(r);
                }
                Err(e @ (DeviceError::NoDevice | DeviceError::Timeout(_))) => {
                    self.guard.failed();
                    return Err(e);
                }
                Err(e) => last = e,
            }
        }
        self.guard.failed();
        Err(last)
    }

    async fn read_answer(&mut self, cmd: Command, timeout: Duration) -> Result<Response, DeviceError> {
        let mut deadline = Instant::now() + timeout;
        let mut noise = false;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.link.recv(left).await {
                Ok(Ok(r)) if answers(cmd, &r) => return Ok(r),
                // A late answer to an earlier command: the module does not echo the command, but the
                // shape gives it away.
                Ok(Ok(_)) => continue,
                // Line noise: the frame may still follow, but not after a pause.
                Ok(Err(FrameError::Garbage { .. })) => {
                    noise = true;
                    deadline = deadline.min(Instant::now() + NOISE_GAP);
                }
                Ok(Err(FrameError::Checksum { .. })) => return Err(DeviceError::Checksum),
                Ok(Err(e)) => return Err(DeviceError::Protocol(e.to_string())),
                Err(DeviceError::Timeout(_)) if noise => {
                    return Err(DeviceError::Protocol("noise on the line instead of an answer".into()));
                }
                Err(DeviceError::Timeout(_)) => return Err(DeviceError::Timeout(timeout)),
                Err(e) => return Err(e),
            }
        }
    }
}

/// Whether `r` can be the answer to `cmd` (SAM answers do not name their command).
fn answers(cmd: Command, r: &Response) -> bool {
    let n = r.data.len();
    match (cmd, r.status()) {
        (_, Sw3::HostChecksum | Sw3::HostLength | Sw3::BadCommand) => n == 0,
        (Command::FindCard, Sw3::CardFound) => n == find_len(),
        (Command::FindCard, s) => !s.is_success() && n == 0,
        (Command::SelectCard, Sw3::Ok) => n == super::sam::command::SELECT_CARD_REPLY_LEN,
        (Command::SelectCard, s) => s != Sw3::CardFound && !s.is_success() && n == 0,
        (Command::ReadBaseInfo | Command::ReadBaseInfoWithFinger, Sw3::Ok) => {
            n > super::sam::command::SELECT_CARD_REPLY_LEN
        }
        (Command::ReadBaseInfo | Command::ReadBaseInfoWithFinger, s) => s != Sw3::CardFound && !s.is_success(),
        (Command::SamStatus | Command::ResetSam, s) => s != Sw3::CardFound && n == 0,
        (_, _) => true,
    }
}

fn find_len() -> usize {
    super::sam::command::FIND_CARD_REPLY_LEN
}

/// A module whose SAM failed its self-test (or lost its authorisation) answers every card command
/// with that status: a fault of the reader, not of the card in front of it.
fn sam_working(r: Response) -> Result<Response, DeviceError> {
    match r.status() {
        Sw3::SelfTestFailed | Sw3::NotAuthorised => Err(DeviceError::Hardware(FaultKind::SamFailure)),
        _ => Ok(r),
    }
}

fn unreadable(r: &Response) -> IdCardError {
    IdCardError::Unreadable(r.status().description().to_string())
}

#[async_trait::async_trait]
impl crate::Device for SamReader {
    fn kind(&self) -> DeviceKind {
        DeviceKind::IdCard
    }

    async fn health(&mut self) -> Health {
        match self.command(Command::SamStatus).await {
            Ok(r) if r.status() == Sw3::SelfTestFailed => {
                Health::with_state(DeviceKind::IdCard, DeviceState::HardwareError(FaultKind::SamFailure))
            }
            Ok(_) if self.guard.trusted() => Health::online(DeviceKind::IdCard),
            Ok(_) => Health::with_state(DeviceKind::IdCard, DeviceState::Offline),
            Err(e) => Health::with_state(DeviceKind::IdCard, e.state()),
        }
    }

    async fn reset(&mut self) -> Result<(), DeviceError> {
        self.link.close();
        let r = self.command(Command::ResetSam).await?;
        if r.status().is_success() { Ok(()) } else { Err(DeviceError::Hardware(FaultKind::SamFailure)) }
    }
}

#[async_trait::async_trait]
impl IdCardReader for SamReader {
    async fn read_card(&mut self, wait: Duration) -> Result<IdCard, IdCardError> {
        let deadline = Instant::now() + wait;
        loop {
            let r = sam_working(self.command(Command::FindCard).await?)?;
            match r.status() {
                Sw3::CardFound => break,
                _ if Instant::now() >= deadline => return Err(IdCardError::NoCard),
                _ => tokio::time::sleep(FIND_POLL.min(deadline.saturating_duration_since(Instant::now()))).await,
            }
        }
        let r = sam_working(self.command(Command::SelectCard).await?)?;
        if !r.status().is_success() {
            return Err(unreadable(&r));
        }
        let r = sam_working(self.command(Command::ReadBaseInfoWithFinger).await?)?;
        if r.status() != Sw3::Ok {
            return Err(unreadable(&r));
        }
        let info = ReadInfo::parse(&r.into_data()).map_err(|e| IdCardError::Unreadable(e.to_string()))?;
        Ok(info.to_id_card()?)
    }
}
