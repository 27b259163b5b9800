//! Fuzz the camera's frame conversion (`drivers::camera::pixels`): a frame whose four-character
//! code, size and stride are whatever the camera (or a broken driver) reports, over whatever bytes
//! it hands over, must convert or be refused with a `FrameError`; never a panic, never a read out of
//! the buffer, never a conversion of a frame `check` refuses.
#![no_main]

use drivers::camera::pixels::{Layout, RawFrame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 10 {
        return;
    }
    let layout = match data[0] % 5 {
        0 => Layout::Yuyv,
        1 => Layout::Rgb24,
        2 => Layout::Bgr24,
        3 => Layout::Grey,
        // A code the camera may report that kioskd does not read.
        _ => match Layout::from_fourcc([data[1], data[2], data[3], data[4]]) {
            Some(l) => l,
            None => return,
        },
    };
    let width = u32::from(u16::from_le_bytes([data[5], data[6]]) % 2048);
    let height = u32::from(u16::from_le_bytes([data[7], data[8]]) % 2048);
    let stride = width * layout.bytes_per_pixel() as u32 + u32::from(data[9] % 8);
    let frame = RawFrame { layout, width, height, stride, data: &data[10..] };
    let checked = frame.check();
    match frame.to_rgb() {
        Ok(rgb) => {
            assert!(checked.is_ok());
            assert_eq!(rgb.len(), width as usize * height as usize * 3);
        }
        Err(_) => assert!(checked.is_err()),
    }
    match frame.quality() {
        Ok(q) => {
            assert!(checked.is_ok());
            let _ = (q.well_exposed(), q.has_detail(), q.usable());
        }
        Err(_) => assert!(checked.is_err()),
    }
});
