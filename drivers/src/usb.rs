//! USB bulk pipes as a byte-stream transport (cargo feature `usb`): the endorsement printer and
//! ESC/POS printers on USB speak their protocols over a bulk OUT and a bulk IN endpoint, so their
//! drivers run unchanged on this transport ([`crate::serial::SerialLink::with_opener`]).
//!
//! libusb is blocking: two threads move bytes between the endpoints and an in-memory duplex stream
//! whose other end the driver holds. When the device goes away both threads end, the driver reads
//! end-of-file, reports the device as gone, and the next request opens it again.

use crate::serial::{Opener, Transport};
use rusb::UsbContext;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Which USB device and which endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsbSettings {
    /// Vendor id.
    pub vid: u16,
    /// Product id.
    pub pid: u16,
    /// Interface to claim.
    pub interface: u8,
    /// Bulk OUT endpoint (e.g. 0x02).
    pub ep_out: u8,
    /// Bulk IN endpoint (e.g. 0x81).
    pub ep_in: u8,
}

/// How long one bulk read waits before the reader thread checks whether the driver let go.
const READ_SLICE: Duration = Duration::from_millis(100);
/// How long a bulk write may take.
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);

/// Parse `VID:PID` (hex).
pub fn parse_vid_pid(s: &str) -> Option<(u16, u16)> {
    let (v, p) = s.split_once(':')?;
    Some((u16::from_str_radix(v, 16).ok()?, u16::from_str_radix(p, 16).ok()?))
}

/// An opener for a USB device's bulk pipes. Must be called inside a tokio runtime.
pub fn opener(s: UsbSettings) -> Opener {
    Box::new(move || {
        let rt = tokio::runtime::Handle::try_current().map_err(std::io::Error::other)?;
        // An explicit context: rusb's global one panics where libusb cannot start (no USB at all),
        // and a missing bus must read as a missing device, not bring the daemon down.
        let context = rusb::Context::new().map_err(std::io::Error::other)?;
        let handle = context
            .open_device_with_vid_pid(s.vid, s.pid)
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))?;
        // Kernels bind printer-class devices to usblp: take the interface over while open.
        let _ = handle.set_auto_detach_kernel_driver(true);
        handle.claim_interface(s.interface).map_err(std::io::Error::other)?;
        let handle = Arc::new(handle);
        let (driver_end, device_end) = tokio::io::duplex(1 << 16);
        let (mut from_driver, mut to_driver) = tokio::io::split(device_end);
        let (h, rt_in) = (handle.clone(), rt.clone());
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 4096];
            loop {
                match h.read_bulk(s.ep_in, &mut buf, READ_SLICE) {
                    Ok(n) => {
                        if rt_in.block_on(to_driver.write_all(&buf[..n])).is_err() {
                            return;
                        }
                    }
                    Err(rusb::Error::Timeout) => {
                        // Nothing from the device; stop if the driver let go.
                        if rt_in.block_on(to_driver.flush()).is_err() {
                            return;
                        }
                    }
                    Err(_) => return,
                }
            }
        });
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 4096];
            loop {
                let n = match rt.block_on(from_driver.read(&mut buf)) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                let mut sent = 0;
                while sent < n {
                    match handle.write_bulk(s.ep_out, &buf[sent..n], WRITE_TIMEOUT) {
                        Ok(k) => sent += k,
                        Err(_) => return,
                    }
                }
            }
        });
        Ok(Box::new(driver_end) as Box<dyn Transport>)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn vid_pid_parses_hex() {
        assert_eq!(super::parse_vid_pid("0483:5720"), Some((0x0483, 0x5720)));
        assert_eq!(super::parse_vid_pid("0483"), None);
        assert_eq!(super::parse_vid_pid("zz:1"), None);
    }
}
