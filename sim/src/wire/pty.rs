//! Virtual serial ports: a pty pair per device, with a stable path (a symlink, as udev gives real
//! devices stable names under /dev/kiosk/) that the daemon opens like a real port. Unplugging
//! closes the pty and removes the link; plugging back makes a new pty behind the same link.

use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_serial::{SerialPort, SerialStream};

/// One end of a virtual serial cable: the device side.
pub struct PtyPort {
    link: PathBuf,
    master: Option<SerialStream>,
    pts: Option<String>,
    baud: Option<u32>,
}

/// How long to wait before reading again when no one has the port open.
const IDLE: Duration = Duration::from_millis(20);

impl PtyPort {
    /// Create the pty and the link at `link`.
    pub fn create(link: &Path) -> io::Result<PtyPort> {
        let mut p = PtyPort { link: link.to_path_buf(), master: None, pts: None, baud: None };
        p.plug()?;
        Ok(p)
    }

    /// Run the line at `baud` instead of the device's default.
    pub fn with_baud(mut self, baud: u32) -> PtyPort {
        self.baud = Some(baud);
        self
    }

    /// The baud rate set for this line, if any.
    pub fn baud(&self) -> Option<u32> {
        self.baud
    }

    /// The stable path the daemon opens.
    pub fn link(&self) -> &Path {
        &self.link
    }

    /// The pty behind the link, while plugged in.
    pub fn pts(&self) -> Option<&str> {
        self.pts.as_deref()
    }

    /// Whether the device is plugged in.
    pub fn plugged(&self) -> bool {
        self.master.is_some()
    }

    /// Plug in: a new pty behind the link.
    pub fn plug(&mut self) -> io::Result<()> {
        if self.master.is_some() {
            return Ok(());
        }
        let (master, slave) = SerialStream::pair().map_err(io::Error::other)?;
        // serialport opens the master without O_CLOEXEC: a kioskd started from this process later
        // would inherit it, and the pty would then outlive an unplug (the daemon's end never hangs
        // up, its requests vanish and the reader looks silent instead of gone).
        close_on_exec(&master)?;
        let pts = slave.name().ok_or_else(|| io::Error::other("pty without a name"))?;
        // The daemon opens the slave by its path; the simulator keeps no handle on it.
        drop(slave);
        let _ = std::fs::remove_file(&self.link);
        std::os::unix::fs::symlink(&pts, &self.link)?;
        self.master = Some(master);
        self.pts = Some(pts);
        Ok(())
    }

    /// Unplug: the pty closes under whoever has it open, and the path disappears.
    pub fn unplug(&mut self) {
        self.master = None;
        self.pts = None;
        let _ = std::fs::remove_file(&self.link);
    }

    /// Read what the host sent. Waits while unplugged or while no one has the port open.
    pub async fn read(&mut self, buf: &mut [u8]) -> usize {
        loop {
            let Some(m) = &mut self.master else {
                tokio::time::sleep(IDLE).await;
                continue;
            };
            match m.read(buf).await {
                Ok(n) if n > 0 => return n,
                // EIO / EOF: no one has the slave open right now.
                _ => tokio::time::sleep(IDLE).await,
            }
        }
    }

    /// Send bytes as the device's UART would: one bit time per bit at `baud` (8N1: 10 bits a byte).
    pub async fn write_paced(&mut self, bytes: &[u8], baud: u32) {
        if self.master.is_none() {
            return;
        }
        PtyPort::receive_time(bytes.len(), baud).await;
        let Some(m) = &mut self.master else { return };
        // A host that closed its end loses the answer, as with a real cable.
        let _ = m.write_all(bytes).await;
    }

    /// Wait the time `n` bytes take on the wire at `baud` (the device only sees the host's bytes
    /// once they arrived, and its own are out only once sent).
    pub async fn receive_time(n: usize, baud: u32) {
        let secs = n as f64 * 10.0 / baud.max(1) as f64;
        if secs > 0.0 {
            tokio::time::sleep(Duration::from_secs_f64(secs)).await;
        }
    }
}

/// Mark `fd` close-on-exec.
fn close_on_exec(fd: &impl AsRawFd) -> io::Result<()> {
    let fd = fd.as_raw_fd();
    // SAFETY: fcntl on a descriptor this process owns, with integer arguments only.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

impl Drop for PtyPort {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.link);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A daemon spawned by the process running the emulators must not inherit the pty master:
    /// with a copy of it, an unplug no longer hangs up the daemon's end.
    #[tokio::test]
    async fn the_pty_master_is_not_inherited_by_children() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut port = PtyPort::create(&dir.path().join("dev")).expect("pty");
        for _ in 0..2 {
            let m = port.master.as_ref().expect("plugged");
            // SAFETY: F_GETFD on a descriptor this test owns.
            let flags = unsafe { libc::fcntl(m.as_raw_fd(), libc::F_GETFD) };
            assert!(flags >= 0 && flags & libc::FD_CLOEXEC != 0, "flags {flags:#x}");
            port.unplug();
            port.plug().expect("plugged back");
        }
    }
}
