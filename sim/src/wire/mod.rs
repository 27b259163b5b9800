//! Simulated devices on the wire: each serial device as an emulator on a pty pair, speaking its real
//! protocol through the same codecs the drivers use (`drivers::*`), acting on the same world state
//! as the in-process simulators (cards on the reader, fingers on the prism), with wire timing (bytes
//! at the configured baud rate plus the device's processing time) and every fault injectable: unplug,
//! silence, garbage bytes, bad checksums, slow answers.

pub mod endorser;
pub mod fingerprint;
pub mod idcard;
pub mod permit;
pub mod pty;
pub mod receipt;

use crate::devices::SimHandle;
use crate::devices::rig::Rig;
use drivers::{DeviceKind, FaultKind};
use pty::PtyPort;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The devices that run as emulators outside the daemon: the serial ones on ptys, and the
/// endorsement printer behind a unix socket (the stand-in for its USB pipes; baud 0 in [`WireRig::ports`]).
pub const WIRE_DEVICES: [DeviceKind; 5] =
    [DeviceKind::IdCard, DeviceKind::Fingerprint, DeviceKind::Receipt, DeviceKind::Permit, DeviceKind::Endorser];

/// The serial devices of a rig, each as an emulator on a pty in one directory.
pub struct WireRig {
    ports: Vec<(DeviceKind, PathBuf, u32)>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl WireRig {
    /// Start an emulator for each serial device of `rig`, with its port at `dir/<device>`.
    pub fn start(dir: &Path, rig: &Rig) -> std::io::Result<WireRig> {
        WireRig::start_with(dir, rig, &[])
    }

    /// [`WireRig::start`], with some lines at other baud rates than their devices' defaults.
    pub fn start_with(dir: &Path, rig: &Rig, bauds: &[(DeviceKind, u32)]) -> std::io::Result<WireRig> {
        std::fs::create_dir_all(dir)?;
        let mut w = WireRig { ports: Vec::new(), tasks: Vec::new() };
        for kind in WIRE_DEVICES {
            if kind == DeviceKind::Endorser {
                let sock = dir.join("endorser.sock");
                let _ = std::fs::remove_file(&sock);
                w.tasks.push(tokio::spawn(endorser::run(sock.clone(), rig.endorser.clone())));
                w.ports.push((kind, sock, 0));
                continue;
            }
            let link = dir.join(kind.name());
            let chosen = bauds.iter().find(|(k, _)| *k == kind).map(|(_, b)| *b);
            let mut port = PtyPort::create(&link)?;
            if let Some(b) = chosen {
                port = port.with_baud(b);
            }
            let (task, default_baud) = match kind {
                DeviceKind::IdCard => (tokio::spawn(idcard::run(port, rig.idcard.clone())), idcard::BAUD),
                DeviceKind::Fingerprint => {
                    (tokio::spawn(fingerprint::run(port, rig.fingerprint.clone())), fingerprint::BAUD)
                }
                DeviceKind::Permit => (tokio::spawn(permit::run(port, rig.permit.clone())), permit::BAUD),
                _ => (tokio::spawn(receipt::run(port, rig.receipt.clone())), receipt::BAUD),
            };
            w.tasks.push(task);
            w.ports.push((kind, link, chosen.unwrap_or(default_baud)));
        }
        Ok(w)
    }

    /// Wait until every device can be opened (the endorser's socket is bound by its task).
    pub async fn ready(&self) -> std::io::Result<()> {
        for _ in 0..200 {
            if self.ports.iter().all(|(_, p, _)| p.exists()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Err(std::io::Error::other("the emulated devices did not come up within a second"))
    }

    /// Each device's port and baud rate.
    pub fn ports(&self) -> &[(DeviceKind, PathBuf, u32)] {
        &self.ports
    }

    /// Whether a device runs on the wire here.
    pub fn has(&self, kind: DeviceKind) -> bool {
        self.port(kind).is_some()
    }

    /// The port and baud rate of `kind`, if it runs on the wire here.
    pub fn port(&self, kind: DeviceKind) -> Option<(&Path, u32)> {
        self.ports.iter().find(|(k, _, _)| *k == kind).map(|(_, p, b)| (p.as_path(), *b))
    }
}

impl Drop for WireRig {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// How often an idle emulator looks at its faults.
const TICK: Duration = Duration::from_millis(25);

/// The wire side of an emulator: baud rate, and how faults show on the wire.
pub struct Wire {
    baud: u32,
    rng: ChaCha8Rng,
}

impl Wire {
    /// A wire at `baud`.
    pub fn new(baud: u32) -> Wire {
        Wire { baud, rng: ChaCha8Rng::seed_from_u64(baud as u64) }
    }

    /// The baud rate.
    pub fn baud(&self) -> u32 {
        self.baud
    }

    /// Follow the device's plug state (unplugged while the fault says so), then read what the host
    /// sent, waiting at most one tick. The bytes arrive as fast as the wire carries them.
    pub async fn read(&mut self, port: &mut PtyPort, handle: &(dyn SimHandle + Sync), buf: &mut [u8]) -> Option<usize> {
        if handle.fault() == Some(FaultKind::Unplugged) {
            port.unplug();
            tokio::time::sleep(TICK).await;
            return None;
        }
        if !port.plugged() && port.plug().is_err() {
            tokio::time::sleep(TICK).await;
            return None;
        }
        let n = tokio::time::timeout(TICK, port.read(buf)).await.ok()?;
        let baud = port.baud().unwrap_or(self.baud);
        crate::devices::spans::timed(handle.kind(), "wire", PtyPort::receive_time(n, baud)).await;
        Some(n)
    }

    /// The device's processing time.
    pub async fn work(&self, handle: &(dyn SimHandle + Sync)) {
        let lat = handle.timing().latency;
        if !lat.is_zero() {
            crate::devices::spans::timed(handle.kind(), "work", tokio::time::sleep(lat)).await;
        }
    }

    /// `percent` of the device's processing time: one step of a longer job.
    pub async fn work_share(&self, handle: &(dyn SimHandle + Sync), percent: u32) {
        let lat = handle.timing().latency * percent.min(100) / 100;
        if !lat.is_zero() {
            crate::devices::spans::timed(handle.kind(), "work", tokio::time::sleep(lat)).await;
        }
    }

    /// Send answers, as the device's faults let them through.
    pub async fn answer<T>(
        &mut self,
        port: &mut PtyPort,
        handle: &(dyn SimHandle + Sync),
        items: &[T],
        encode: fn(&T) -> Vec<u8>,
    ) {
        for item in items {
            let mut bytes = encode(item);
            match handle.fault() {
                // A device that stopped answering.
                Some(FaultKind::Timeout) => return,
                // Line noise instead of an answer.
                Some(FaultKind::Garbage) => {
                    let n = self.rng.random_range(1..=bytes.len().max(2));
                    bytes = (0..n).map(|_| self.rng.random()).collect();
                }
                // The frame arrives with its last byte (the checksum) damaged.
                Some(FaultKind::Checksum) => {
                    if let Some(last) = bytes.last_mut() {
                        *last ^= 0x5A;
                    }
                }
                _ => {}
            }
            let baud = port.baud().unwrap_or(self.baud);
            crate::devices::spans::timed(handle.kind(), "wire", port.write_paced(&bytes, baud)).await;
        }
    }
}
