//! The fingerprint module as an emulator on a pty: speaks the EF01 protocol
//! (`drivers::fingerprint::ef01`) like an R30x / AS608 module, images the finger the world put on
//! the prism, extracts a template with realistic noise, matches 1:1, and keeps a template library
//! it searches 1:N, so that public client libraries (Adafruit's Arduino library, `pyfingerprint`,
//! brianrho's FPM) can drive it as they drive a real module.
//!
//! What it models:
//!
//! - the image buffer (`GenImg`, `UpImage`, `DownImage`; 256 × 288 pixels at 4 bits each) and the
//!   two character buffers (`Img2Tz`, `RegModel`, `UpChar`, `DownChar`, `Match`);
//! - the template library of [`CAPACITY`] pages (`Store`, `LoadChar`, `DeleteChar`, `Empty`,
//!   `TemplateNum`, `ReadIndexTable`, `Search`, `HighSpeedSearch`);
//! - the system settings (`VfyPwd`, `SetPwd`, `ReadSysPara`, `SetSysPara`, `SetAddr`,
//!   `GetRandom`, `Handshake`, the LED instructions);
//! - the module address: packets addressed to another module are dropped unanswered, and every
//!   answer comes from the module's own address.
//!
//! The answers to the instructions the kiosk's own driver uses (`VfyPwd`, `ReadSysPara`,
//! `Handshake`, `GenImg`, `Img2Tz`, `DownChar` and its data, `Match`) are the bytes the recorded
//! sessions in `drivers/tests/recordings` were made with.

use super::Wire;
use super::pty::PtyPort;
use crate::bio::{FINGER_MATCH_SCORE, finger_score};
use crate::devices::SimHandle;
use crate::devices::fingerprint::FingerprintHandle;
use bytes::BytesMut;
use drivers::biometric::Biometric;
use drivers::fingerprint::ef01::instruction::code;
use drivers::fingerprint::ef01::{
    Ack, Confirm, DEFAULT_ADDRESS, Instruction, Packet, PacketCodec, PacketSize, Pid, Reassembler, SearchHit, SysPara,
    TEMPLATE_LEN, transfer,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio_util::codec::Decoder;

/// Default baud rate of the module family (57600).
pub const BAUD: u32 = 57_600;

/// Pages of the template library (the capacity `ReadSysPara` reports).
pub const CAPACITY: u16 = 162;

/// Width of the fingerprint image in pixels.
pub const IMAGE_WIDTH: usize = 256;

/// Height of the fingerprint image in pixels.
pub const IMAGE_HEIGHT: usize = 288;

/// Bytes of one image on the wire (`UpImage` / `DownImage`): 4 bits per pixel, two pixels a byte,
/// the left pixel in the high nibble, rows top to bottom (36864).
pub const IMAGE_LEN: usize = IMAGE_WIDTH * IMAGE_HEIGHT / 2;

/// Bytes of one page of the index table (`ReadIndexTable`): a bit for each of 256 pages.
const INDEX_PAGE_LEN: usize = 32;

/// Pages one index table page covers.
const PAGES_PER_INDEX_PAGE: usize = INDEX_PAGE_LEN * 8;

/// The index table pages a module has (0..=3: up to 1024 pages).
const INDEX_PAGES: u8 = 4;

/// `SetSysPara` register of the baud rate multiplier (N × 9600, 1..=12).
const REG_BAUD: u8 = 4;

/// `SetSysPara` register of the security level (1..=5).
const REG_SECURITY: u8 = 5;

/// `SetSysPara` register of the data packet size code (0..=3: 32, 64, 128, 256 bytes).
const REG_PACKET_SIZE: u8 = 6;

/// What is in the image buffer.
#[derive(Debug, Clone)]
enum ImageBuffer {
    /// A capture of the finger on the prism: its features, `None` for a finger too poor to image.
    Captured(Option<Biometric>),
    /// An image the host downloaded, with the features of the capture it is a copy of (the
    /// simulator cannot extract features from arbitrary pixels: any other image is too messy).
    Downloaded {
        /// The pixels as they came, [`IMAGE_LEN`] bytes.
        pixels: Vec<u8>,
        /// The features, when the pixels are those of an image this module rendered.
        features: Option<Biometric>,
    },
}

impl ImageBuffer {
    /// The image's features: `None` when they cannot be extracted.
    fn features(&self) -> Option<&Biometric> {
        match self {
            ImageBuffer::Captured(f) | ImageBuffer::Downloaded { features: f, .. } => f.as_ref(),
        }
    }

    /// The pixels, as `UpImage` sends them.
    fn pixels(&self) -> Vec<u8> {
        match self {
            ImageBuffer::Captured(f) => render_image(f.as_ref()),
            ImageBuffer::Downloaded { pixels, .. } => pixels.clone(),
        }
    }
}

/// Where the data packets the host sends go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// A character buffer (`DownChar`): index 0 or 1.
    Buffer(usize),
    /// The image buffer (`DownImage`).
    Image,
}

struct Module {
    handle: FingerprintHandle,
    image: Option<ImageBuffer>,
    buffers: [Option<Biometric>; 2],
    library: Vec<Option<Biometric>>,
    download: Option<(Target, Reassembler)>,
    /// The system parameters; `para.address` is the address the module answers to and from.
    para: SysPara,
    password: u32,
    rng: ChaCha8Rng,
}

/// The buffer index (0 or 1) of a character buffer number (1 or 2).
fn buffer_index(n: u8) -> Option<usize> {
    match n {
        1 => Some(0),
        2 => Some(1),
        _ => None,
    }
}

/// Whether the module takes its processing time before answering this instruction.
/// The share (in percent) of the device's processing time an instruction takes. The device's
/// latency is that of one whole capture and 1:1 match (what the in-process simulation takes for
/// it): GenImg and Img2Tz take most of it, a Match against each of a card's two templates the
/// rest, as on an R30x module (image capture and feature extraction are the slow parts).
fn share(ins: &Instruction) -> u32 {
    match ins {
        Instruction::GenImg | Instruction::Img2Tz(_) => 40,
        Instruction::Match => 10,
        Instruction::RegModel => 20,
        Instruction::Search { .. } | Instruction::HighSpeedSearch { .. } => 40,
        _ => 0,
    }
}

impl Module {
    fn new(handle: FingerprintHandle) -> Module {
        Module {
            handle,
            image: None,
            buffers: [None, None],
            library: vec![None; usize::from(CAPACITY)],
            download: None,
            para: SysPara {
                status_register: 0,
                system_id: 9,
                capacity: CAPACITY,
                security_level: 3,
                address: DEFAULT_ADDRESS,
                packet_size: PacketSize::B128,
                baud_multiplier: (BAUD / 9600) as u16,
            },
            password: 0,
            rng: ChaCha8Rng::seed_from_u64(0xEF01),
        }
    }

    /// The address the module answers to and from.
    fn address(&self) -> u32 {
        self.para.address
    }

    fn buffer(&mut self, n: u8) -> Option<&mut Option<Biometric>> {
        buffer_index(n).and_then(|i| self.buffers.get_mut(i))
    }

    /// The library page `page`, `None` beyond the library.
    fn page(&self, page: u16) -> Option<&Option<Biometric>> {
        self.library.get(usize::from(page))
    }

    fn ack(&self, c: Confirm) -> Vec<Packet> {
        vec![Ack::from_status(c).to_packet(self.address())]
    }

    fn ack_with(&self, a: Ack) -> Vec<Packet> {
        vec![a.to_packet(self.address())]
    }

    /// An acknowledgement followed by data packets of the module's packet size.
    fn ack_then_data(&self, data: &[u8]) -> Vec<Packet> {
        let mut out = self.ack(Confirm::Ok);
        out.extend(transfer::split(self.address(), data, self.para.packet_size));
        out
    }

    /// Answer one packet from the host (addressed to this module); empty for packets that get no
    /// answer (data packets).
    fn answer(&mut self, p: &Packet) -> Vec<Packet> {
        if p.pid.is_data() {
            self.receive(p);
            return Vec::new();
        }
        let ins = match Instruction::from_packet(p) {
            Ok(i) => i,
            Err(_) => return self.ack(Confirm::PacketReceiveError),
        };
        match ins {
            Instruction::VfyPwd(pwd) => {
                self.ack(if pwd == self.password { Confirm::Ok } else { Confirm::WrongPassword })
            }
            Instruction::SetPwd(pwd) => {
                self.password = pwd;
                self.ack(Confirm::Ok)
            }
            Instruction::Handshake => self.ack(Confirm::Ok),
            Instruction::ReadSysPara => self.ack_with(Ack::with_sys_para(Confirm::Ok, &self.para)),
            Instruction::GenImg => self.gen_img(),
            Instruction::Img2Tz(n) => self.img2tz(n),
            Instruction::DownChar(n) => match buffer_index(n) {
                Some(i) => {
                    self.download = Some((Target::Buffer(i), Reassembler::exact(self.para.packet_size, TEMPLATE_LEN)));
                    self.ack(Confirm::Ok)
                }
                None => self.ack(Confirm::InvalidRegister),
            },
            Instruction::UpChar(n) => match self.buffer(n).cloned().flatten() {
                Some(t) => self.ack_then_data(t.as_bytes()),
                None => self.ack(Confirm::TemplateReadError),
            },
            Instruction::Match => match &self.buffers {
                [Some(a), Some(b)] => {
                    let score = finger_score(a, b);
                    let c = if score >= FINGER_MATCH_SCORE { Confirm::Ok } else { Confirm::NoMatch };
                    self.ack_with(Ack::with_match_score(c, score))
                }
                _ => self.ack(Confirm::NoMatch),
            },
            Instruction::RegModel => self.reg_model(),
            Instruction::Store { buffer, page } => self.store(buffer, page),
            Instruction::LoadChar { buffer, page } => self.load_char(buffer, page),
            Instruction::DeleteChar { page, count } => self.delete(page, count),
            Instruction::Empty => {
                self.library.iter_mut().for_each(|p| *p = None);
                self.ack(Confirm::Ok)
            }
            Instruction::TemplateNum => {
                let n = self.library.iter().filter(|p| p.is_some()).count();
                self.ack_with(Ack::with_template_count(Confirm::Ok, u16::try_from(n).unwrap_or(u16::MAX)))
            }
            Instruction::Search { buffer, start, count } | Instruction::HighSpeedSearch { buffer, start, count } => {
                self.search(buffer, start, count)
            }
            Instruction::Other(c, params) => self.other(c, &params),
        }
    }

    /// The instructions the codec has no variant for.
    fn other(&mut self, c: u8, params: &[u8]) -> Vec<Packet> {
        match (c, params) {
            (code::UP_IMAGE, []) => {
                let pixels = self.image.as_ref().map_or_else(|| vec![0; IMAGE_LEN], ImageBuffer::pixels);
                self.ack_then_data(&pixels)
            }
            (code::DOWN_IMAGE, []) => {
                self.download = Some((Target::Image, Reassembler::exact(self.para.packet_size, IMAGE_LEN)));
                self.ack(Confirm::Ok)
            }
            (code::SET_SYS_PARA, [register, value]) => self.set_sys_para(*register, *value),
            (code::GET_RANDOM, []) => {
                let n: u32 = self.rng.random();
                self.ack_with(Ack::new(Confirm::Ok, n.to_be_bytes().to_vec()))
            }
            (code::SET_ADDR, [a0, a1, a2, a3]) => {
                // The acknowledgement still comes from the old address (Adafruit's `setAddress`
                // reads it there); the module answers to the new one from the next packet on.
                let out = self.ack(Confirm::Ok);
                self.para.address = u32::from_be_bytes([*a0, *a1, *a2, *a3]);
                out
            }
            (code::READ_INDEX_TABLE, [index]) => self.read_index_table(*index),
            // The R503's aura LED (control, speed, colour, count) and the LED on / off of the
            // modules with a lit prism: nothing to show here.
            (code::AURA_LED, _) | (code::LED_ON, []) | (code::LED_OFF, []) => self.ack(Confirm::Ok),
            // Unknown instructions, and known ones with parameters of the wrong length: real
            // modules answer 01, which Adafruit's table names "packet receive error"
            // (`FINGERPRINT_PACKETRECIEVEERR`); the modules have no separate "unknown command" code.
            _ => self.ack(Confirm::PacketReceiveError),
        }
    }

    /// A data packet from the host: part of the transfer `DownChar` / `DownImage` announced.
    fn receive(&mut self, p: &Packet) {
        let Some((target, r)) = &mut self.download else { return };
        let target = *target;
        match r.push(p) {
            Ok(Some(bytes)) => {
                self.download = None;
                match target {
                    Target::Buffer(i) => {
                        if let Some(slot) = self.buffers.get_mut(i) {
                            *slot = Some(Biometric::new(bytes));
                        }
                    }
                    Target::Image => {
                        let features = self
                            .image
                            .as_ref()
                            .and_then(|img| img.features().filter(|_| img.pixels() == bytes).cloned());
                        self.image = Some(ImageBuffer::Downloaded { pixels: bytes, features });
                    }
                }
            }
            Ok(None) => {}
            Err(_) => self.download = None,
        }
    }

    fn gen_img(&mut self) -> Vec<Packet> {
        if self.handle.fault() == Some(drivers::FaultKind::SensorFailure) {
            return self.ack(Confirm::ImagingFailed);
        }
        match self.handle.capture() {
            None => self.ack(Confirm::NoFinger),
            Some(img) => {
                self.image = Some(ImageBuffer::Captured(img));
                self.ack(Confirm::Ok)
            }
        }
    }

    fn img2tz(&mut self, n: u8) -> Vec<Packet> {
        let features = match &self.image {
            None => return self.ack(Confirm::InvalidImage),
            Some(img) => img.features().cloned(),
        };
        let Some(t) = features else { return self.ack(Confirm::ImageMessy) };
        match self.buffer(n) {
            Some(slot) => {
                *slot = Some(t);
                self.ack(Confirm::Ok)
            }
            None => self.ack(Confirm::InvalidRegister),
        }
    }

    /// Combine the two captures of an enrolment into one template, in both buffers.
    fn reg_model(&mut self) -> Vec<Packet> {
        let combined = match &self.buffers {
            [Some(a), Some(b)] if finger_score(a, b) >= FINGER_MATCH_SCORE => a.clone(),
            _ => return self.ack(Confirm::EnrollMismatch),
        };
        self.buffers = [Some(combined.clone()), Some(combined)];
        self.ack(Confirm::Ok)
    }

    fn store(&mut self, buffer: u8, page: u16) -> Vec<Packet> {
        let Some(template) = self.buffer(buffer).map(|b| b.clone()) else {
            return self.ack(Confirm::InvalidRegister);
        };
        if usize::from(page) >= self.library.len() {
            return self.ack(Confirm::BadPage);
        }
        // An empty buffer holds no valid template to store.
        let Some(t) = template else { return self.ack(Confirm::TemplateReadError) };
        match self.library.get_mut(usize::from(page)) {
            Some(slot) => {
                *slot = Some(t);
                self.ack(Confirm::Ok)
            }
            None => self.ack(Confirm::BadPage),
        }
    }

    fn load_char(&mut self, buffer: u8, page: u16) -> Vec<Packet> {
        if buffer_index(buffer).is_none() {
            return self.ack(Confirm::InvalidRegister);
        }
        let template = match self.page(page) {
            None => return self.ack(Confirm::BadPage),
            Some(None) => return self.ack(Confirm::TemplateReadError),
            Some(Some(t)) => t.clone(),
        };
        if let Some(slot) = self.buffer(buffer) {
            *slot = Some(template);
        }
        self.ack(Confirm::Ok)
    }

    fn delete(&mut self, page: u16, count: u16) -> Vec<Packet> {
        let (from, to) = (usize::from(page), usize::from(page).saturating_add(usize::from(count)));
        if from >= self.library.len() {
            return self.ack(Confirm::DeleteFailed);
        }
        match self.library.get_mut(from..to) {
            Some(pages) => {
                pages.iter_mut().for_each(|p| *p = None);
                self.ack(Confirm::Ok)
            }
            // Pages beyond the library: nothing is deleted.
            None => self.ack(Confirm::DeleteFailed),
        }
    }

    /// 1:N search of pages `start .. start + count` (clipped to the library) for the buffer.
    fn search(&mut self, buffer: u8, start: u16, count: u16) -> Vec<Packet> {
        let Some(probe) = self.buffer(buffer).map(|b| b.clone()) else {
            return self.ack(Confirm::InvalidRegister);
        };
        let from = usize::from(start);
        let to = from.saturating_add(usize::from(count)).min(self.library.len());
        let best = probe.and_then(|probe| {
            self.library
                .iter()
                .enumerate()
                .take(to)
                .skip(from)
                .filter_map(|(i, t)| Some((i, finger_score(&probe, t.as_ref()?))))
                // The best score, the lowest page among equals.
                .max_by(|(i, a), (j, b)| a.cmp(b).then(j.cmp(i)))
        });
        match best {
            Some((page, score)) if score >= FINGER_MATCH_SCORE => {
                let page = u16::try_from(page).unwrap_or(u16::MAX);
                self.ack_with(Ack::with_search_hit(Confirm::Ok, SearchHit { page, score }))
            }
            _ => self.ack_with(Ack::with_search_hit(Confirm::NotFound, SearchHit { page: 0, score: 0 })),
        }
    }

    /// The used pages among the 256 of index table page `index`, one bit each.
    fn read_index_table(&mut self, index: u8) -> Vec<Packet> {
        if index >= INDEX_PAGES {
            return self.ack(Confirm::BadPage);
        }
        let first = usize::from(index).saturating_mul(PAGES_PER_INDEX_PAGE);
        let mut bits = vec![0u8; INDEX_PAGE_LEN];
        for (j, byte) in bits.iter_mut().enumerate() {
            for i in 0..8 {
                let page = first.saturating_add(j * 8 + i);
                if self.library.get(page).is_some_and(Option::is_some) {
                    *byte |= 1 << i;
                }
            }
        }
        self.ack_with(Ack::new(Confirm::Ok, bits))
    }

    /// Set one system parameter. The baud rate multiplier is kept for `ReadSysPara` only: the
    /// emulator goes on talking at its actual wire speed ([`BAUD`]), since the host's end of the
    /// pty does not follow a baud change the way a real UART link would have to.
    fn set_sys_para(&mut self, register: u8, value: u8) -> Vec<Packet> {
        let value16 = u16::from(value);
        match register {
            REG_BAUD if (1..=12).contains(&value) => self.para.baud_multiplier = value16,
            REG_SECURITY if (1..=5).contains(&value) => self.para.security_level = value16,
            REG_PACKET_SIZE => match PacketSize::from_code(value16) {
                Some(size) => self.para.packet_size = size,
                None => return self.ack(Confirm::InvalidRegister),
            },
            // Other registers, and values out of a register's range.
            _ => return self.ack(Confirm::InvalidRegister),
        }
        self.ack(Confirm::Ok)
    }
}

/// The image `UpImage` sends for a capture: a deterministic fingerprint-like picture of the
/// captured features (a whorl of ridges whose centre, spacing, twist and local breaks come from
/// the template bytes), or a low-contrast smudge for a finger too poor to image. 4-bit grey,
/// 0 black (ridge) to 15 white (background), [`IMAGE_LEN`] bytes.
fn render_image(features: Option<&Biometric>) -> Vec<u8> {
    let t = features.map(Biometric::as_bytes).unwrap_or_default();
    let b = |i: usize| if t.is_empty() { 128.0 } else { t.get(i % t.len()).map_or(128.0, |v| f64::from(*v)) };
    let (cx, cy) = (IMAGE_WIDTH as f64 / 2.0 + (b(2) - 128.0) / 8.0, IMAGE_HEIGHT as f64 / 2.0 + (b(3) - 128.0) / 8.0);
    let period = 7.0 + b(4) / 64.0;
    let twist = (b(5) / 255.0 * 3.0).floor();
    let contrast = if t.is_empty() { 1.5 } else { 7.5 };
    let pixel = |x: usize, y: usize| -> u8 {
        let (dx, dy) = (x as f64 - cx, y as f64 - cy);
        if (dx / 112.0).powi(2) + (dy / 136.0).powi(2) > 1.0 {
            return 15;
        }
        let block = (y / 32) * (IMAGE_WIDTH / 32) + x / 32;
        let jitter = b(6 + block) / 255.0 * std::f64::consts::FRAC_PI_2;
        let phase = std::f64::consts::TAU * dx.hypot(dy) / period + twist * dy.atan2(dx) + jitter;
        (7.5 + contrast * phase.sin()).round().clamp(0.0, 15.0) as u8
    };
    let mut out = Vec::with_capacity(IMAGE_LEN);
    for y in 0..IMAGE_HEIGHT {
        for x in (0..IMAGE_WIDTH).step_by(2) {
            out.push(pixel(x, y) << 4 | pixel(x + 1, y));
        }
    }
    out
}

/// Run the module on `port` until the task is dropped.
pub async fn run(mut port: PtyPort, handle: FingerprintHandle) {
    let mut module = Module::new(handle.clone());
    let mut codec = PacketCodec::new();
    let mut inbox = BytesMut::new();
    let mut buf = [0u8; 1024];
    let mut wire = Wire::new(BAUD);
    loop {
        let Some(n) = wire.read(&mut port, &handle, &mut buf).await else { continue };
        inbox.extend_from_slice(buf.get(..n).unwrap_or_default());
        while let Ok(Some(item)) = codec.decode(&mut inbox) {
            let Ok(packet) = item else {
                // A packet the module could not read (its address unknown with it): it answers
                // with a receive error.
                let nack = Ack::from_status(Confirm::PacketReceiveError).to_packet(module.address());
                wire.answer(&mut port, &handle, &[nack], encode).await;
                continue;
            };
            // Real modules drop packets addressed to another module, without an answer.
            if packet.address != module.address() {
                continue;
            }
            let share = Instruction::from_packet(&packet).map_or(0, |i| share(&i));
            let replies = module.answer(&packet);
            if replies.is_empty() {
                continue;
            }
            if share > 0 {
                wire.work_share(&handle, share).await;
            }
            if packet.pid == Pid::Command {
                wire.answer(&mut port, &handle, &replies, encode).await;
            }
        }
    }
}

fn encode(p: &Packet) -> Vec<u8> {
    p.encode().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::Timing;
    use crate::devices::fingerprint::PlacedFinger;
    use proptest::prelude::*;

    fn module() -> Module {
        let (_, handle) = crate::devices::fingerprint::new(Timing::zero(), 7);
        Module::new(handle)
    }

    fn template(seed: u8) -> Biometric {
        Biometric::new((0..TEMPLATE_LEN).map(|i| (i as u8).wrapping_mul(seed).wrapping_add(seed)).collect())
    }

    fn send(m: &mut Module, ins: Instruction) -> Vec<Packet> {
        let p = ins.to_packet(m.address());
        m.answer(&p)
    }

    fn confirm(m: &mut Module, ins: Instruction) -> Confirm {
        let out = send(m, ins);
        Ack::from_packet(&out[0]).expect("ack").confirm
    }

    fn other(c: u8, params: &[u8]) -> Instruction {
        Instruction::Other(c, params.to_vec())
    }

    #[test]
    fn library_edges() {
        let mut m = module();
        assert_eq!(confirm(&mut m, Instruction::Store { buffer: 1, page: 0 }), Confirm::TemplateReadError);
        m.buffers[0] = Some(template(3));
        assert_eq!(confirm(&mut m, Instruction::Store { buffer: 1, page: CAPACITY }), Confirm::BadPage);
        assert_eq!(confirm(&mut m, Instruction::Store { buffer: 3, page: 0 }), Confirm::InvalidRegister);
        assert_eq!(confirm(&mut m, Instruction::Store { buffer: 1, page: CAPACITY - 1 }), Confirm::Ok);
        assert_eq!(confirm(&mut m, Instruction::LoadChar { buffer: 2, page: 0 }), Confirm::TemplateReadError);
        assert_eq!(confirm(&mut m, Instruction::LoadChar { buffer: 2, page: CAPACITY }), Confirm::BadPage);
        assert_eq!(confirm(&mut m, Instruction::LoadChar { buffer: 2, page: CAPACITY - 1 }), Confirm::Ok);
        assert_eq!(m.buffers[1], Some(template(3)));
        assert_eq!(confirm(&mut m, Instruction::DeleteChar { page: CAPACITY - 1, count: 2 }), Confirm::DeleteFailed);
        assert_eq!(confirm(&mut m, Instruction::DeleteChar { page: CAPACITY, count: 0 }), Confirm::DeleteFailed);
        assert_eq!(confirm(&mut m, Instruction::DeleteChar { page: 0, count: 0 }), Confirm::Ok);
        assert_eq!(confirm(&mut m, Instruction::DeleteChar { page: 0, count: CAPACITY }), Confirm::Ok);
        assert!(m.library.iter().all(Option::is_none));
        // Index table pages beyond the library read as empty; there are only four.
        let out = send(&mut m, other(code::READ_INDEX_TABLE, &[3]));
        assert_eq!(Ack::from_packet(&out[0]), Ok(Ack::new(Confirm::Ok, vec![0; 32])));
        assert_eq!(confirm(&mut m, other(code::READ_INDEX_TABLE, &[4])), Confirm::BadPage);
        // Search: the best match wins, the lowest page among equals.
        m.library[5] = Some(template(3));
        m.library[9] = Some(template(3));
        m.library[7] = Some(template(5));
        m.buffers[0] = Some(template(3));
        let out = send(&mut m, Instruction::HighSpeedSearch { buffer: 1, start: 0, count: 0xA3 });
        assert_eq!(Ack::from_packet(&out[0]).expect("ack").search_hit(), Ok(SearchHit { page: 5, score: 300 }));
        let out = send(&mut m, Instruction::Search { buffer: 1, start: 6, count: 3 });
        let ack = Ack::from_packet(&out[0]).expect("ack");
        assert_eq!((ack.confirm, ack.search_hit()), (Confirm::NotFound, Ok(SearchHit { page: 0, score: 0 })));
        assert_eq!(
            confirm(&mut m, Instruction::Search { buffer: 1, start: u16::MAX, count: u16::MAX }),
            Confirm::NotFound
        );
        assert_eq!(confirm(&mut m, Instruction::Empty), Confirm::Ok);
        assert!(m.library.iter().all(Option::is_none));
    }

    #[test]
    fn enrolment_needs_two_matching_captures() {
        let mut m = module();
        assert_eq!(confirm(&mut m, Instruction::RegModel), Confirm::EnrollMismatch);
        m.buffers = [Some(template(3)), Some(template(5))];
        assert_eq!(confirm(&mut m, Instruction::RegModel), Confirm::EnrollMismatch);
        m.buffers = [Some(template(3)), Some(template(3))];
        assert_eq!(confirm(&mut m, Instruction::RegModel), Confirm::Ok);
    }

    #[test]
    fn settings() {
        let mut m = module();
        assert_eq!(confirm(&mut m, Instruction::SetPwd(0x1234)), Confirm::Ok);
        assert_eq!(confirm(&mut m, Instruction::VfyPwd(0)), Confirm::WrongPassword);
        assert_eq!(confirm(&mut m, Instruction::VfyPwd(0x1234)), Confirm::Ok);
        assert_eq!(confirm(&mut m, other(code::SET_SYS_PARA, &[7, 1])), Confirm::InvalidRegister);
        assert_eq!(confirm(&mut m, other(code::SET_SYS_PARA, &[6, 4])), Confirm::InvalidRegister);
        assert_eq!(confirm(&mut m, other(code::SET_SYS_PARA, &[5, 5])), Confirm::Ok);
        assert_eq!(confirm(&mut m, other(code::SET_SYS_PARA, &[4, 12])), Confirm::Ok);
        assert_eq!(confirm(&mut m, other(code::SET_SYS_PARA, &[6, 0])), Confirm::Ok);
        assert_eq!((m.para.security_level, m.para.baud_multiplier, m.para.packet_size), (5, 12, PacketSize::B32));
        let out = send(&mut m, other(code::GET_RANDOM, &[]));
        assert_eq!(out[0].payload.len(), 5);
        // SetAddr is acknowledged from the old address.
        let out = send(&mut m, other(code::SET_ADDR, &[1, 2, 3, 4]));
        assert_eq!(out[0].address, DEFAULT_ADDRESS);
        assert_eq!(m.address(), 0x0102_0304);
        assert_eq!(send(&mut m, Instruction::Handshake)[0].address, 0x0102_0304);
        for ins in [other(code::AURA_LED, &[1, 2, 3, 4]), other(code::LED_ON, &[]), other(code::LED_OFF, &[])] {
            assert_eq!(confirm(&mut m, ins), Confirm::Ok);
        }
        assert_eq!(confirm(&mut m, other(0x77, &[])), Confirm::PacketReceiveError);
        assert_eq!(confirm(&mut m, other(code::SET_ADDR, &[1])), Confirm::PacketReceiveError);
    }

    #[test]
    fn images_go_up_and_come_back() {
        let mut m = module();
        let up = |m: &mut Module| -> Vec<u8> {
            let out = send(m, other(code::UP_IMAGE, &[]));
            assert_eq!(Ack::from_packet(&out[0]).map(|a| a.confirm), Ok(Confirm::Ok));
            transfer::reassemble(&out[1..], Reassembler::exact(m.para.packet_size, IMAGE_LEN)).expect("image")
        };
        assert_eq!(up(&mut m), vec![0; IMAGE_LEN]);
        m.handle.place(PlacedFinger { pattern: template(3), poor: false });
        assert_eq!(confirm(&mut m, Instruction::GenImg), Confirm::Ok);
        let image = up(&mut m);
        assert_eq!(image, up(&mut m));
        assert!(image.iter().any(|b| b >> 4 < 4) && image.iter().any(|b| b & 0xF > 11), "ridges and valleys");
        // The same image downloaded keeps its features; another one is too messy to use.
        for (pixels, expected) in [(image.clone(), Confirm::Ok), (vec![0x77; IMAGE_LEN], Confirm::ImageMessy)] {
            assert_eq!(confirm(&mut m, other(code::DOWN_IMAGE, &[])), Confirm::Ok);
            for p in transfer::split(m.address(), &pixels, m.para.packet_size) {
                assert!(m.answer(&p).is_empty());
            }
            assert_eq!(up(&mut m), pixels);
            assert_eq!(confirm(&mut m, Instruction::Img2Tz(1)), expected);
        }
        m.handle.place(PlacedFinger { pattern: template(3), poor: true });
        assert_eq!(confirm(&mut m, Instruction::GenImg), Confirm::Ok);
        assert_eq!(up(&mut m).len(), IMAGE_LEN);
    }

    proptest! {
        #[test]
        fn any_command_gets_one_ack_and_never_panics(payload in proptest::collection::vec(any::<u8>(), 0..40)) {
            let mut m = module();
            m.buffers = [Some(template(3)), Some(template(3))];
            m.library[0] = Some(template(3));
            let out = m.answer(&Packet::new(DEFAULT_ADDRESS, Pid::Command, payload));
            prop_assert!(!out.is_empty());
            prop_assert!(Ack::from_packet(&out[0]).is_ok());
        }
    }
}
