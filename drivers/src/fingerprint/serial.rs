//! The real fingerprint backend: an R30x / AS608 family module on a serial port, spoken to in EF01
//! packets ([`super::ef01`]). A 1:1 match is: GenImg until a finger is on the prism, Img2Tz into
//! buffer 1, then for each card template DownChar into buffer 2 and Match.

use super::ef01::{Ack, Confirm, DEFAULT_ADDRESS, Instruction, Packet, PacketCodec, PacketSize, Pid, transfer};
use super::{FingerprintError, FingerprintScanner, MatchOutcome};
use crate::biometric::Biometric;
use crate::error::DeviceError;
use crate::health::{DeviceKind, DeviceState, FaultKind, Health};
use crate::serial::{FlapGuard, PortSettings, SerialLink};
use std::time::Duration;
use tokio::time::Instant;

/// How long the module may take to acknowledge (Adafruit's default read timeout).
pub const ACK_TIMEOUT: Duration = Duration::from_millis(1000);
/// How often GenImg is repeated while no finger is there.
pub const FINGER_POLL: Duration = Duration::from_millis(100);
/// Retries of a command whose answer arrived damaged.
const RETRIES: usize = 2;
/// Imaging failures in a row that mean the sensor itself is failing.
const IMAGING_FAILURES: u8 = 3;

/// An EF01 fingerprint module on a serial port.
pub struct Ef01Scanner {
    link: SerialLink<PacketCodec>,
    password: u32,
    packet_size: Option<PacketSize>,
    guard: FlapGuard,
}

impl Ef01Scanner {
    /// A scanner over an existing link (a replayed recording, a test's fake).
    pub fn with_link(link: SerialLink<PacketCodec>, password: u32) -> Ef01Scanner {
        Ef01Scanner { link, password, packet_size: None, guard: FlapGuard::default() }
    }

    /// A scanner on `settings` (default 57600 baud); the port opens on first use.
    pub fn new(settings: PortSettings, password: u32) -> Ef01Scanner {
        Ef01Scanner {
            link: SerialLink::new(settings, PacketCodec::new()),
            password,
            packet_size: None,
            guard: FlapGuard::default(),
        }
    }

    /// Send a command and read its acknowledgement, resending when the answer arrives damaged.
    async fn command(&mut self, ins: &Instruction) -> Result<Ack, DeviceError> {
        let mut last = DeviceError::Timeout(ACK_TIMEOUT);
        for _ in 0..=RETRIES {
            self.link.begin().await;
            self.link.send(ins.to_packet(DEFAULT_ADDRESS)).await.inspect_err(|_| self.lost())?;
            let ack = self.read_ack().await;
            // A damaged answer may be the tail of an earlier exchange's (or the start of a stream
            // still coming): the exchange stays open, so the retry first waits for a quiet line.
            if !matches!(ack, Err(DeviceError::Checksum | DeviceError::Protocol(_))) {
                self.link.end();
            }
            match ack {
                Ok(ack) => {
                    self.guard.answered();
                    return Ok(ack);
                }
                Err(e @ DeviceError::NoDevice) => {
                    self.lost();
                    return Err(e);
                }
                // A silent module is not asked again; damaged answers are.
                Err(e @ DeviceError::Timeout(_)) => {
                    self.guard.failed();
                    return Err(e);
                }
                Err(e) => last = e,
            }
        }
        self.guard.failed();
        Err(last)
    }

    async fn read_ack(&mut self) -> Result<Ack, DeviceError> {
        let deadline = Instant::now() + ACK_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let item = match self.link.recv(left).await {
                Err(DeviceError::Timeout(_)) => return Err(DeviceError::Timeout(ACK_TIMEOUT)),
                other => other?,
            };
            match item {
                Ok(p) if p.pid == Pid::Ack => {
                    return Ack::from_packet(&p).map_err(|e| DeviceError::Protocol(e.to_string()));
                }
                // Something else (a stray data packet): keep reading for the ack.
                Ok(_) => continue,
                Err(super::ef01::PacketError::Checksum { .. }) => return Err(DeviceError::Checksum),
                Err(e) => return Err(DeviceError::Protocol(e.to_string())),
            }
        }
    }

    fn lost(&mut self) {
        self.packet_size = None;
        self.guard.failed();
    }

    /// Verify the password and read the packet size, once per connection.
    async fn ensure_ready(&mut self) -> Result<PacketSize, DeviceError> {
        if let Some(size) = self.packet_size {
            return Ok(size);
        }
        let ack = self.command(&Instruction::VfyPwd(self.password)).await?;
        if ack.confirm != Confirm::Ok {
            return Err(DeviceError::Protocol(format!("password refused: {}", ack.confirm.description())));
        }
        let para = self.command(&Instruction::ReadSysPara).await?;
        let size = para.sys_para().map_err(|e| DeviceError::Protocol(e.to_string()))?.packet_size;
        self.packet_size = Some(size);
        Ok(size)
    }

    async fn download(&mut self, buffer: u8, template: &Biometric, size: PacketSize) -> Result<(), FingerprintError> {
        let ack = self.command(&Instruction::DownChar(buffer)).await?;
        if ack.confirm != Confirm::Ok {
            return Err(FingerprintError::BadTemplate);
        }
        for p in transfer::split(DEFAULT_ADDRESS, template.as_bytes(), size) {
            self.link.send::<Packet>(p).await.inspect_err(|_| self.lost())?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl crate::Device for Ef01Scanner {
    fn kind(&self) -> DeviceKind {
        DeviceKind::Fingerprint
    }

    /// A handshake, then one image: the module answers a handshake even when its sensor has
    /// failed, which only shows when it takes an image (no finger there is a good answer).
    async fn health(&mut self) -> Health {
        let answered = match self.command(&Instruction::Handshake).await {
            Ok(_) => match self.command(&Instruction::GenImg).await {
                Ok(ack) if ack.confirm == Confirm::ImagingFailed => {
                    return Health::with_state(
                        DeviceKind::Fingerprint,
                        DeviceState::HardwareError(FaultKind::SensorFailure),
                    );
                }
                Ok(_) => Ok(()),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        match answered {
            Ok(()) if self.guard.trusted() => Health::online(DeviceKind::Fingerprint),
            Ok(()) => Health::with_state(DeviceKind::Fingerprint, DeviceState::Offline),
            Err(e) => Health::with_state(DeviceKind::Fingerprint, e.state()),
        }
    }

    async fn reset(&mut self) -> Result<(), DeviceError> {
        self.link.close();
        self.packet_size = None;
        self.ensure_ready().await.map(|_| ())
    }
}

#[async_trait::async_trait]
impl FingerprintScanner for Ef01Scanner {
    async fn verify(&mut self, templates: &[Biometric], wait: Duration) -> Result<MatchOutcome, FingerprintError> {
        if templates.is_empty() || templates.iter().any(|t| t.len() != transfer::TEMPLATE_LEN) {
            return Err(FingerprintError::BadTemplate);
        }
        let size = self.ensure_ready().await?;
        let deadline = Instant::now() + wait;
        let mut imaging_failures = 0u8;
        loop {
            let ack = self.command(&Instruction::GenImg).await?;
            match ack.confirm {
                Confirm::Ok => break,
                Confirm::NoFinger if Instant::now() < deadline => tokio::time::sleep(FINGER_POLL).await,
                Confirm::NoFinger => return Err(FingerprintError::NoFinger),
                Confirm::ImagingFailed => {
                    imaging_failures += 1;
                    if imaging_failures >= IMAGING_FAILURES {
                        return Err(DeviceError::Hardware(FaultKind::SensorFailure).into());
                    }
                }
                other => return Err(DeviceError::Protocol(format!("GenImg: {}", other.description())).into()),
            }
        }
        let ack = self.command(&Instruction::Img2Tz(1)).await?;
        if ack.confirm != Confirm::Ok {
            return Err(FingerprintError::PoorImage);
        }
        let mut best = MatchOutcome { matched: false, score: 0 };
        for t in templates {
            self.download(2, t, size).await?;
            let ack = self.command(&Instruction::Match).await?;
            let score = ack.match_score().unwrap_or(0);
            let matched = ack.confirm == Confirm::Ok;
            if matched || score > best.score {
                best = MatchOutcome { matched: matched || best.matched, score: score.max(best.score) };
            }
        }
        Ok(best)
    }
}
