//! Which backend drives each device: the simulator's, or a real one (serial port, USB, V4L2), as
//! the configuration says.

use crate::config::{DevicesConfig, PortConfig};
use drivers::DeviceSet;
use drivers::serial::PortSettings;
use std::time::Duration;

fn serial(p: &Option<PortConfig>) -> Option<&PortConfig> {
    p.as_ref().filter(|p| p.backend == "serial")
}

fn settings(p: &PortConfig, default_baud: u32) -> Option<PortSettings> {
    Some(PortSettings { path: p.port.clone()?, baud: p.baud.unwrap_or(default_baud), record: p.record.clone() })
}

/// Replace the simulated backends of `set` by the real ones the configuration names.
pub fn apply(cfg: &DevicesConfig, mut set: DeviceSet) -> DeviceSet {
    if let Some(p) = serial(&cfg.idcard)
        && let Some(s) = settings(p, drivers::idcard::sam::command::DEFAULT_BAUD)
    {
        let timeout = p.timeout_ms.map_or(drivers::idcard::sam::command::COMMAND_TIMEOUT, Duration::from_millis);
        set.idcard = Box::new(drivers::idcard::serial::SamReader::new(s, timeout));
    }
    if let Some(p) = serial(&cfg.fingerprint)
        && let Some(s) = settings(p, 57_600)
    {
        set.fingerprint = Box::new(drivers::fingerprint::serial::Ef01Scanner::new(s, 0));
    }
    if let Some(p) = serial(&cfg.permit)
        && let Some(s) = settings(p, drivers::permit::serial::DEFAULT_BAUD)
    {
        set.permit = Box::new(drivers::permit::serial::MrzReader::new(s));
    }
    if let Some(p) = cfg.endorser.as_ref().filter(|p| p.backend == "socket")
        && let Some(path) = p.port.clone()
    {
        set.endorser = Box::new(drivers::endorser::driver::LinkedEndorser::on_socket_recorded(path, p.record.clone()));
    }
    #[cfg(feature = "usb")]
    {
        let usb = |p: &Option<PortConfig>| -> Option<drivers::usb::UsbSettings> {
            let p = p.as_ref().filter(|p| p.backend == "usb")?;
            let (vid, pid) = drivers::usb::parse_vid_pid(p.usb.as_deref()?)?;
            Some(drivers::usb::UsbSettings {
                vid,
                pid,
                interface: p.interface.unwrap_or(0),
                ep_out: p.ep_out.unwrap_or(0x01),
                ep_in: p.ep_in.unwrap_or(0x81),
            })
        };
        if let Some(u) = usb(&cfg.endorser) {
            set.endorser = Box::new(drivers::endorser::driver::LinkedEndorser::new(drivers::usb::opener(u)));
        }
        if let Some(u) = usb(&cfg.receipt) {
            let link = drivers::serial::SerialLink::with_opener(
                drivers::usb::opener(u),
                drivers::receipt::serial::PrinterHostCodec::default(),
            );
            set.receipt = Box::new(drivers::receipt::serial::EscPosPrinter::with_link(link));
        }
    }
    if let Some(p) = serial(&cfg.receipt)
        && let Some(s) = settings(p, 115_200)
    {
        set.receipt = Box::new(drivers::receipt::serial::EscPosPrinter::new(s));
    }
    if let Some(p) = cfg.camera.as_ref().filter(|p| p.backend == "v4l2")
        && let Some(path) = p.port.clone()
    {
        let mut s = drivers::camera::v4l2::V4l2Settings::new(path);
        s.width = p.width.unwrap_or(s.width);
        s.height = p.height.unwrap_or(s.height);
        set.camera = Box::new(drivers::camera::v4l2::V4l2Camera::new(s));
    }
    set
}
