//! The face camera on V4L2 (a UVC webcam or a kiosk's face module), through `linuxvideo` (pure
//! Rust ioctls: no libclang, no libv4l).
//!
//! V4L2 is blocking and its mapped buffers belong to one thread, so the stream lives in a device
//! actor: a thread that opens the camera, negotiates an uncompressed format, keeps the stream
//! running between captures (auto-exposure settles once, not at every capture) and answers capture
//! requests. When the camera goes away the thread ends and the next request opens it again: a
//! camera unplugged and plugged back in needs no restart.
//!
//! A capture keeps the sharpest well-exposed frame seen within its wait. Whether that frame holds a
//! face is the face verifier's decision (a vendor library); a frame with nothing in view (covered
//! lens, darkness, a featureless scene) is [`CameraError::NoFace`] here already.

use super::pixels::{Layout, Quality, RawFrame};
use super::{Camera, CameraError, Image};
use crate::biometric::Biometric;
use crate::error::DeviceError;
use crate::health::{DeviceKind, Health};
use linuxvideo::format::{PixFormat, PixelFormat};
use linuxvideo::{BufType, CapabilityFlags, Device};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Which camera and how to run it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V4l2Settings {
    /// The device node, e.g. `/dev/video0` or a udev name under `/dev/kiosk/`.
    pub path: PathBuf,
    /// Requested width (the camera may choose the nearest it has).
    pub width: u32,
    /// Requested height.
    pub height: u32,
    /// Frames dropped after the stream starts, while exposure settles.
    pub warmup_frames: u32,
}

impl V4l2Settings {
    /// 640x480, five warm-up frames.
    pub fn new(path: impl Into<PathBuf>) -> V4l2Settings {
        V4l2Settings { path: path.into(), width: 640, height: 480, warmup_frames: 5 }
    }
}

/// What the camera says of itself, and the format kioskd runs it in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CameraInfo {
    /// Kernel driver (`uvcvideo`).
    pub driver: String,
    /// Model.
    pub card: String,
    /// Where it is plugged in.
    pub bus: String,
    /// Every capture format it offers, as `FOURCC description`.
    pub formats: Vec<String>,
    /// The negotiated format's code.
    pub fourcc: String,
    /// Negotiated width.
    pub width: u32,
    /// Negotiated height.
    pub height: u32,
}

/// What one capture window saw (for `kioskd probe camera`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaptureReport {
    /// Frames delivered in the window (after warm-up).
    pub frames: u32,
    /// Frames the camera flagged as corrupt, or whose bytes did not fit the format.
    pub bad_frames: u32,
    /// The best frame's measures.
    pub best: Option<Quality>,
    /// Whether the best frame would go to the face verifier.
    pub usable: bool,
}

fn io_error(e: &std::io::Error) -> DeviceError {
    match e.raw_os_error() {
        // ENOENT, ENXIO, ENODEV: not there (or gone mid-stream).
        Some(2 | 6 | 19) => DeviceError::NoDevice,
        // EBUSY: another process streams from it.
        Some(16) => DeviceError::Busy,
        // ENOTTY: the node answers no V4L2 ioctl.
        Some(25) => DeviceError::Protocol("not a V4L2 device".into()),
        _ => DeviceError::Protocol(e.to_string()),
    }
}

fn fourcc(p: PixelFormat) -> String {
    p.as_fourcc().iter().map(|&b| if b.is_ascii_graphic() { b as char } else { '?' }).collect()
}

/// An open, streaming camera (lives on the actor thread).
struct Stream {
    stream: linuxvideo::stream::ReadStream,
    layout: Layout,
    width: u32,
    height: u32,
    stride: u32,
    info: CameraInfo,
}

fn open(s: &V4l2Settings) -> Result<Stream, DeviceError> {
    let device = Device::open(&s.path).map_err(|e| io_error(&e))?;
    let caps = device.capabilities().map_err(|e| io_error(&e))?;
    let flags = caps.device_capabilities();
    if !flags.contains(CapabilityFlags::VIDEO_CAPTURE | CapabilityFlags::STREAMING) {
        return Err(DeviceError::Protocol(format!("{} cannot stream video capture", s.path.display())));
    }
    let mut formats = Vec::new();
    for f in device.formats(BufType::VIDEO_CAPTURE) {
        let f = f.map_err(|e| io_error(&e))?;
        formats.push(format!("{} {}", fourcc(f.pixel_format()), f.description()));
    }
    let offered: Vec<[u8; 4]> = formats.iter().filter_map(|f| f.as_bytes().get(..4)?.try_into().ok()).collect();
    // Uncompressed formats only, YUYV first (every UVC camera has it).
    let wanted = [PixelFormat::YUYV, PixelFormat::RGB3, PixelFormat::BGR3, PixelFormat::from_fourcc(*b"GREY")]
        .into_iter()
        .find(|p| offered.contains(&p.as_fourcc()))
        .ok_or_else(|| {
            DeviceError::Protocol(format!(
                "the camera offers no uncompressed format kioskd reads (YUYV, RGB3, BGR3, GREY): {}",
                formats.join(", ")
            ))
        })?;
    let (width, height) = (s.width.clamp(16, 4096), s.height.clamp(16, 4096));
    let capture = device.video_capture(PixFormat::new(width, height, wanted)).map_err(|e| io_error(&e))?;
    let got = capture.format();
    let (pixel_format, width, height, bytes_per_line) =
        (got.pixel_format(), got.width(), got.height(), got.bytes_per_line());
    let layout = Layout::from_fourcc(pixel_format.as_fourcc())
        .ok_or_else(|| DeviceError::Protocol(format!("the camera switched to {} instead", fourcc(pixel_format))))?;
    if width > u32::from(u16::MAX) || height > u32::from(u16::MAX) {
        return Err(DeviceError::Protocol(format!("frame size {width}x{height} too large")));
    }
    let stride = bytes_per_line.max(width * layout.bytes_per_pixel() as u32);
    let info = CameraInfo {
        driver: caps.driver().to_string(),
        card: caps.card().to_string(),
        bus: caps.bus_info().to_string(),
        formats,
        fourcc: fourcc(pixel_format),
        width,
        height,
    };
    let stream = capture.into_stream().map_err(|e| io_error(&e))?;
    let mut st = Stream { stream, layout, width, height, stride, info };
    let until = Instant::now() + Duration::from_secs(2);
    for _ in 0..s.warmup_frames {
        if st.next_frame(until, |_| ())?.is_none() {
            return Err(DeviceError::Timeout(Duration::from_secs(2)));
        }
    }
    Ok(st)
}

impl Stream {
    /// The next frame before `until`, handed to `f` (`None`: none came in time).
    fn next_frame<T>(
        &mut self,
        until: Instant,
        f: impl FnOnce(Option<RawFrame<'_>>) -> T,
    ) -> Result<Option<T>, DeviceError> {
        loop {
            if !self.stream.will_block().map_err(|e| io_error(&e))? {
                break;
            }
            if Instant::now() >= until {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(4));
        }
        let (layout, width, height, stride) = (self.layout, self.width, self.height, self.stride);
        let r = self.stream.dequeue(|buf| {
            let frame = RawFrame { layout, width, height, stride, data: &buf };
            Ok(f((!buf.is_error()).then_some(frame)))
        });
        r.map(Some).map_err(|e| io_error(&e))
    }

    /// Frames for `wait`; the best usable one as RGB, with what was seen.
    fn capture(&mut self, wait: Duration) -> Result<(Option<Image>, CaptureReport), DeviceError> {
        let until = Instant::now() + wait;
        let mut report = CaptureReport { frames: 0, bad_frames: 0, best: None, usable: false };
        let mut best: Option<(Quality, Vec<u8>)> = None;
        loop {
            let seen = self.next_frame(until, |frame| {
                let frame = frame?;
                let q = frame.quality().ok()?;
                let better = best.as_ref().is_none_or(|(b, _)| (q.usable(), q.sharpness) > (b.usable(), b.sharpness));
                Some((q, if better { frame.to_rgb().ok() } else { None }))
            })?;
            let Some(seen) = seen else { break };
            report.frames += 1;
            match seen {
                None => report.bad_frames += 1,
                Some((q, Some(rgb))) => best = Some((q, rgb)),
                Some((_, None)) => {}
            }
        }
        if report.frames == 0 {
            return Err(DeviceError::Timeout(wait));
        }
        report.best = best.as_ref().map(|(q, _)| *q);
        report.usable = report.best.is_some_and(|q| q.usable());
        let image = best.filter(|(q, _)| q.usable()).map(|(_, rgb)| Image {
            width: self.width as u16,
            height: self.height as u16,
            rgb: Biometric::new(rgb),
        });
        Ok((image, report))
    }
}

type Reply = tokio::sync::oneshot::Sender<Result<(Option<Image>, CaptureReport), DeviceError>>;

/// A capture request to the actor.
struct Request {
    wait: Duration,
    reply: Reply,
}

/// The actor: opens the camera, then serves captures until the camera fails or the owner lets go.
fn actor(
    settings: V4l2Settings,
    opened: tokio::sync::oneshot::Sender<Result<CameraInfo, DeviceError>>,
    rx: mpsc::Receiver<Request>,
) {
    let mut stream = match open(&settings) {
        Ok(s) => {
            let _ = opened.send(Ok(s.info.clone()));
            s
        }
        Err(e) => {
            let _ = opened.send(Err(e));
            return;
        }
    };
    while let Ok(req) = rx.recv() {
        let r = stream.capture(req.wait);
        let failed = r.is_err();
        let _ = req.reply.send(r);
        if failed {
            // Drop the stream; the owner reopens on its next request.
            return;
        }
    }
}

/// The camera on V4L2.
pub struct V4l2Camera {
    settings: V4l2Settings,
    actor: Option<(mpsc::Sender<Request>, CameraInfo)>,
}

impl V4l2Camera {
    /// A camera at `settings.path`; nothing is opened until it is used.
    pub fn new(settings: V4l2Settings) -> V4l2Camera {
        V4l2Camera { settings, actor: None }
    }

    /// Open the camera (if it is not streaming already) and say what it is.
    pub async fn info(&mut self) -> Result<CameraInfo, DeviceError> {
        if let Some((_, info)) = &self.actor {
            return Ok(info.clone());
        }
        let (tx, rx) = mpsc::channel();
        let (opened_tx, opened_rx) = tokio::sync::oneshot::channel();
        let settings = self.settings.clone();
        std::thread::Builder::new()
            .name("v4l2-camera".into())
            .spawn(move || actor(settings, opened_tx, rx))
            .map_err(|e| DeviceError::Protocol(format!("cannot start the camera thread: {e}")))?;
        let info = opened_rx.await.map_err(|_| DeviceError::NoDevice)??;
        self.actor = Some((tx, info.clone()));
        Ok(info)
    }

    /// Capture for `wait` and report what was seen.
    pub async fn capture(&mut self, wait: Duration) -> Result<(Option<Image>, CaptureReport), DeviceError> {
        self.info().await?;
        let Some((tx, _)) = &self.actor else { return Err(DeviceError::NoDevice) };
        let (reply, answer) = tokio::sync::oneshot::channel();
        if tx.send(Request { wait, reply }).is_err() {
            self.actor = None;
            return Err(DeviceError::NoDevice);
        }
        let r = answer.await.unwrap_or(Err(DeviceError::NoDevice));
        if r.is_err() {
            self.actor = None;
        }
        r
    }
}

#[async_trait::async_trait]
impl crate::Device for V4l2Camera {
    fn kind(&self) -> DeviceKind {
        DeviceKind::Camera
    }

    async fn health(&mut self) -> Health {
        match self.info().await {
            Ok(_) => Health::online(DeviceKind::Camera),
            Err(e) => Health::with_state(DeviceKind::Camera, e.state()),
        }
    }

    async fn reset(&mut self) -> Result<(), DeviceError> {
        // Dropping the sender ends the actor and closes the device; open it afresh.
        self.actor = None;
        self.info().await.map(|_| ())
    }
}

#[async_trait::async_trait]
impl Camera for V4l2Camera {
    async fn capture_face(&mut self, wait: Duration) -> Result<Image, CameraError> {
        match self.capture(wait).await? {
            (Some(image), _) => Ok(image),
            (None, _) => Err(CameraError::NoFace),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Device as _;
    use crate::health::DeviceState;

    #[tokio::test]
    async fn a_missing_camera_is_no_device_and_the_daemon_goes_on() {
        let mut cam = V4l2Camera::new(V4l2Settings::new("/dev/kiosk/no-such-camera"));
        assert_eq!(cam.health().await.state, DeviceState::NoDevice);
        assert_eq!(cam.capture_face(Duration::from_millis(50)).await, Err(CameraError::Device(DeviceError::NoDevice)));
        assert_eq!(cam.reset().await, Err(DeviceError::NoDevice));
    }

    #[tokio::test]
    async fn a_node_that_is_not_a_camera_is_a_protocol_fault() {
        let mut cam = V4l2Camera::new(V4l2Settings::new("/dev/null"));
        let h = cam.health().await;
        assert!(matches!(h.state, DeviceState::HardwareError(_)), "{h:?}");
        match cam.info().await {
            Err(DeviceError::Protocol(m)) => assert!(m.contains("V4L2"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
