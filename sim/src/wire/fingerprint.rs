//! The fingerprint module as an emulator on a pty: speaks the EF01 protocol
//! (`drivers::fingerprint::ef01`) like an R30x / AS608 module, images the finger the world put on
//! the prism, extracts a template with realistic noise, and matches 1:1.

use super::Wire;
use super::pty::PtyPort;
use crate::bio::{FINGER_MATCH_SCORE, finger_score};
use crate::devices::SimHandle;
use crate::devices::fingerprint::FingerprintHandle;
use bytes::BytesMut;
use drivers::biometric::Biometric;
use drivers::fingerprint::ef01::{
    Ack, Confirm, DEFAULT_ADDRESS, Instruction, Packet, PacketCodec, PacketSize, Pid, Reassembler, SysPara,
    TEMPLATE_LEN, transfer,
};
use tokio_util::codec::Decoder;

/// Default baud rate of the module family (57600).
pub const BAUD: u32 = 57_600;

struct Module {
    handle: FingerprintHandle,
    image: Option<Option<Biometric>>,
    buffers: [Option<Biometric>; 2],
    download: Option<(usize, Reassembler)>,
    para: SysPara,
}

impl Module {
    fn buffer(&mut self, n: u8) -> Option<&mut Option<Biometric>> {
        match n {
            1 => Some(&mut self.buffers[0]),
            2 => Some(&mut self.buffers[1]),
            _ => None,
        }
    }

    /// Answer one packet from the host; `None` for packets that get no answer (data packets).
    fn answer(&mut self, p: &Packet) -> Vec<Packet> {
        if p.pid.is_data() {
            let Some((buf, r)) = &mut self.download else { return Vec::new() };
            let buf = *buf;
            match r.push(p) {
                Ok(Some(bytes)) => {
                    self.download = None;
                    if let Some(slot) = self.buffer(buf as u8) {
                        *slot = Some(Biometric::new(bytes));
                    }
                }
                Ok(None) => {}
                Err(_) => self.download = None,
            }
            return Vec::new();
        }
        let ack = |c: Confirm| vec![Ack::from_status(c).to_packet(DEFAULT_ADDRESS)];
        let ins = match Instruction::from_packet(p) {
            Ok(i) => i,
            Err(_) => return ack(Confirm::PacketReceiveError),
        };
        match ins {
            Instruction::VfyPwd(pwd) => ack(if pwd == 0 { Confirm::Ok } else { Confirm::WrongPassword }),
            Instruction::Handshake | Instruction::Empty => ack(Confirm::Ok),
            Instruction::ReadSysPara => vec![Ack::with_sys_para(Confirm::Ok, &self.para).to_packet(DEFAULT_ADDRESS)],
            Instruction::TemplateNum => vec![Ack::with_template_count(Confirm::Ok, 0).to_packet(DEFAULT_ADDRESS)],
            Instruction::GenImg => {
                if self.handle.fault() == Some(drivers::FaultKind::SensorFailure) {
                    return ack(Confirm::ImagingFailed);
                }
                match self.handle.capture() {
                    None => ack(Confirm::NoFinger),
                    Some(img) => {
                        self.image = Some(img);
                        ack(Confirm::Ok)
                    }
                }
            }
            Instruction::Img2Tz(n) => match self.image.clone() {
                None => ack(Confirm::InvalidImage),
                Some(None) => ack(Confirm::ImageMessy),
                Some(Some(t)) => match self.buffer(n) {
                    Some(slot) => {
                        *slot = Some(t);
                        ack(Confirm::Ok)
                    }
                    None => ack(Confirm::InvalidRegister),
                },
            },
            Instruction::DownChar(n) => {
                if self.buffer(n).is_none() {
                    return ack(Confirm::InvalidRegister);
                }
                self.download = Some((n as usize, Reassembler::exact(self.para.packet_size, TEMPLATE_LEN)));
                ack(Confirm::Ok)
            }
            Instruction::UpChar(n) => match self.buffer(n).cloned().flatten() {
                Some(t) => {
                    let mut out = ack(Confirm::Ok);
                    out.extend(transfer::split(DEFAULT_ADDRESS, t.as_bytes(), self.para.packet_size));
                    out
                }
                None => ack(Confirm::TemplateReadError),
            },
            Instruction::Match => match (&self.buffers[0], &self.buffers[1]) {
                (Some(a), Some(b)) => {
                    let score = finger_score(a, b);
                    let c = if score >= FINGER_MATCH_SCORE { Confirm::Ok } else { Confirm::NoMatch };
                    vec![Ack::with_match_score(c, score).to_packet(DEFAULT_ADDRESS)]
                }
                _ => ack(Confirm::NoMatch),
            },
            _ => ack(Confirm::Ok),
        }
    }
}

/// Run the module on `port` until the task is dropped.
pub async fn run(mut port: PtyPort, handle: FingerprintHandle) {
    let mut module = Module {
        handle: handle.clone(),
        image: None,
        buffers: [None, None],
        download: None,
        para: SysPara {
            status_register: 0,
            system_id: 9,
            capacity: 162,
            security_level: 3,
            address: DEFAULT_ADDRESS,
            packet_size: PacketSize::B128,
            baud_multiplier: (BAUD / 9600) as u16,
        },
    };
    let mut codec = PacketCodec::new();
    let mut inbox = BytesMut::new();
    let mut buf = [0u8; 1024];
    let mut wire = Wire::new(BAUD);
    loop {
        let Some(n) = wire.read(&mut port, &handle, &mut buf).await else { continue };
        inbox.extend_from_slice(&buf[..n]);
        while let Ok(Some(item)) = codec.decode(&mut inbox) {
            let Ok(packet) = item else {
                // A packet the module could not read: it answers with a receive error.
                let nack = Ack::from_status(Confirm::PacketReceiveError).to_packet(DEFAULT_ADDRESS);
                wire.answer(&mut port, &handle, &[nack], encode).await;
                continue;
            };
            let slow = matches!(
                Instruction::from_packet(&packet),
                Ok(Instruction::GenImg | Instruction::Img2Tz(_) | Instruction::Match)
            );
            let replies = module.answer(&packet);
            if replies.is_empty() {
                continue;
            }
            if slow {
                wire.work(&handle).await;
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
