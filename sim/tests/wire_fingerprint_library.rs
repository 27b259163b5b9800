//! The fingerprint module emulator driven the way the public client libraries of the R30x / ZFM /
//! AS608 family drive a real module (pyfingerprint, Adafruit's Arduino library, brianrho's FPM):
//! raw EF01 packets on the pty, an enrolment into the template library, 1:N searches, the library
//! bookkeeping, template and image uploads, and the system settings.

use drivers::fingerprint::ef01::instruction::code;
use drivers::fingerprint::ef01::{
    Ack, Confirm, DEFAULT_ADDRESS, Instruction, Packet, PacketCodec, PacketSize, Reassembler, TEMPLATE_LEN,
};
use futures_util::{SinkExt, StreamExt};
use sim::bio::FINGER_MATCH_SCORE;
use sim::devices::fingerprint::{FingerprintHandle, PlacedFinger};
use sim::devices::rig::{RigOptions, Speed, build};
use sim::persona::generate::generate;
use sim::wire::pty::PtyPort;
use std::time::Duration;
use tokio_serial::{SerialPortBuilderExt, SerialStream};
use tokio_util::codec::Framed;

/// Bytes of one image: 256 × 288 pixels at 4 bits each.
const IMAGE_LEN: usize = 256 * 288 / 2;

/// How long a command may take to be answered.
const ANSWER: Duration = Duration::from_secs(2);

/// The host end of the link, speaking raw EF01 packets.
struct Host {
    io: Framed<SerialStream, PacketCodec>,
    address: u32,
}

impl Host {
    async fn send(&mut self, ins: &Instruction) {
        self.send_to(self.address, ins).await;
    }

    async fn send_to(&mut self, address: u32, ins: &Instruction) {
        self.io.send(ins.to_packet(address)).await.expect("send");
    }

    /// The next packet from the module, `None` if none comes within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<Packet> {
        match tokio::time::timeout(wait, self.io.next()).await {
            Err(_) => None,
            Ok(item) => Some(item.expect("stream open").expect("readable").expect("valid packet")),
        }
    }

    /// Send a command and read its acknowledgement, which must come from the module's address.
    async fn command(&mut self, ins: Instruction) -> Ack {
        self.send(&ins).await;
        let packet = self.next(ANSWER).await.unwrap_or_else(|| panic!("no answer to {ins:?}"));
        assert_eq!(packet.address, self.address, "answer to {ins:?} from the module's address");
        Ack::from_packet(&packet).expect("an acknowledgement")
    }

    async fn confirm(&mut self, ins: Instruction) -> Confirm {
        self.command(ins).await.confirm
    }

    /// The data packets that follow an acknowledgement, reassembled.
    async fn data(&mut self, mut r: Reassembler, wait: Duration) -> Vec<u8> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let packet = self.next(left).await.expect("data packets");
            assert_eq!(packet.address, self.address);
            if let Some(bytes) = r.push(&packet).expect("a clean transfer") {
                return bytes;
            }
        }
    }

    /// Image the finger on the prism and extract its features into `buffer`, as the libraries'
    /// enrol and search loops do (`getImage` / `readImage`, then `image2Tz` / `convertImage`).
    async fn capture(&mut self, buffer: u8) {
        assert_eq!(self.confirm(Instruction::GenImg).await, Confirm::Ok);
        assert_eq!(self.confirm(Instruction::Img2Tz(buffer)).await, Confirm::Ok);
    }
}

fn place(scanner: &FingerprintHandle, pattern: &drivers::biometric::Biometric) {
    scanner.place(PlacedFinger { pattern: pattern.clone(), poor: false });
}

#[tokio::test(flavor = "current_thread")]
async fn client_libraries_enrol_search_and_manage_the_library() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("fingerprint");
    let (_, rig) = build(&RigOptions { speed: Speed::Zero, ..Default::default() });
    let port = PtyPort::create(&link).expect("pty");
    let emulator = tokio::spawn(sim::wire::fingerprint::run(port, rig.fingerprint.clone()));
    let deck = generate(10, 5, chrono::NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"));
    let mut with_fingers = deck.personas.iter().filter(|p| !p.fingers.is_empty());
    let (me, other) = (with_fingers.next().expect("a persona"), with_fingers.next().expect("another"));
    let (mine, theirs) = (&me.fingers[0].template, &other.fingers[0].template);
    let scanner = &rig.fingerprint;

    let serial = tokio_serial::new(link.to_string_lossy(), sim::wire::fingerprint::BAUD)
        .timeout(Duration::from_millis(100))
        .open_native_async()
        .expect("open the pty");
    let mut host = Host { io: Framed::new(serial, PacketCodec::new()), address: DEFAULT_ADDRESS };

    assert_eq!(host.confirm(Instruction::VfyPwd(0)).await, Confirm::Ok);
    let para = host.command(Instruction::ReadSysPara).await.sys_para().expect("system parameters");
    assert_eq!((para.capacity, para.packet_size), (162, PacketSize::B128));
    assert_eq!(host.command(Instruction::TemplateNum).await.template_count(), Ok(0));

    // Enrolment: two captures of the same finger, combined and stored at page 3.
    place(scanner, mine);
    host.capture(1).await;
    assert_eq!(host.confirm(Instruction::GenImg).await, Confirm::NoFinger, "the finger was lifted");
    place(scanner, mine);
    host.capture(2).await;
    assert_eq!(host.confirm(Instruction::RegModel).await, Confirm::Ok);
    assert_eq!(host.confirm(Instruction::Store { buffer: 1, page: 3 }).await, Confirm::Ok);
    assert_eq!(host.confirm(Instruction::Store { buffer: 1, page: 162 }).await, Confirm::BadPage);
    assert_eq!(host.command(Instruction::TemplateNum).await.template_count(), Ok(1));
    let index = host.command(Instruction::Other(code::READ_INDEX_TABLE, vec![0])).await;
    assert_eq!(index.confirm, Confirm::Ok);
    assert_eq!(index.extra.len(), 32);
    assert_eq!(index.extra[0], 1 << 3, "page 3 and no other");
    assert!(index.extra[1..].iter().all(|b| *b == 0));

    // The enrolled finger is found, by both searches; a stranger's is not.
    place(scanner, mine);
    host.capture(1).await;
    let hit = host.command(Instruction::Search { buffer: 1, start: 0, count: 162 }).await;
    assert_eq!(hit.confirm, Confirm::Ok);
    let found = hit.search_hit().expect("page and score");
    assert_eq!(found.page, 3);
    assert!(found.score >= FINGER_MATCH_SCORE, "{found:?}");
    // Adafruit's fingerFastSearch asks for 0xA3 pages, one more than the library has.
    let fast = host.command(Instruction::HighSpeedSearch { buffer: 1, start: 0, count: 0xA3 }).await;
    assert_eq!((fast.confirm, fast.search_hit().map(|h| h.page)), (Confirm::Ok, Ok(3)));
    place(scanner, theirs);
    host.capture(1).await;
    let miss = host.command(Instruction::Search { buffer: 1, start: 0, count: 162 }).await;
    assert_eq!(miss.confirm, Confirm::NotFound);
    assert_eq!(miss.search_hit().map(|h| (h.page, h.score)), Ok((0, 0)));

    // 1:1 against a stored page: load it into buffer 2, capture into buffer 1, match.
    assert_eq!(host.confirm(Instruction::LoadChar { buffer: 2, page: 3 }).await, Confirm::Ok);
    assert_eq!(host.confirm(Instruction::LoadChar { buffer: 2, page: 4 }).await, Confirm::TemplateReadError);
    place(scanner, mine);
    host.capture(1).await;
    let matched = host.command(Instruction::Match).await;
    assert_eq!(matched.confirm, Confirm::Ok);
    assert!(matched.match_score().expect("score") >= FINGER_MATCH_SCORE);

    // Deleting the page empties the library.
    assert_eq!(host.confirm(Instruction::DeleteChar { page: 3, count: 1 }).await, Confirm::Ok);
    assert_eq!(host.command(Instruction::TemplateNum).await.template_count(), Ok(0));
    assert_eq!(host.confirm(Instruction::LoadChar { buffer: 2, page: 3 }).await, Confirm::TemplateReadError);

    // The template in buffer 1 goes up as data packets after the acknowledgement.
    assert_eq!(host.confirm(Instruction::UpChar(1)).await, Confirm::Ok);
    let template = host.data(Reassembler::template(PacketSize::B128), ANSWER).await;
    assert_eq!(template.len(), TEMPLATE_LEN);

    // So does the image of the last capture: 256 × 288 pixels, 4 bits each.
    assert_eq!(host.confirm(Instruction::Other(code::UP_IMAGE, vec![])).await, Confirm::Ok);
    let image = host.data(Reassembler::exact(PacketSize::B128, IMAGE_LEN), Duration::from_secs(30)).await;
    assert_eq!(image.len(), IMAGE_LEN);
    assert!(image.iter().any(|b| *b != 0), "a picture of the finger");

    // A packet for another module gets no answer; the module still answers its own.
    host.send_to(0x1234_5678, &Instruction::Handshake).await;
    assert_eq!(host.next(Duration::from_millis(300)).await, None);
    assert_eq!(host.confirm(Instruction::Handshake).await, Confirm::Ok);

    // A smaller packet size: reported by ReadSysPara and used for the next transfers.
    assert_eq!(host.confirm(Instruction::Other(code::SET_SYS_PARA, vec![6, 1])).await, Confirm::Ok);
    let para = host.command(Instruction::ReadSysPara).await.sys_para().expect("system parameters");
    assert_eq!(para.packet_size, PacketSize::B64);
    assert_eq!(para.packet_size.bytes(), 64);
    assert_eq!(host.confirm(Instruction::Other(code::SET_SYS_PARA, vec![9, 1])).await, Confirm::InvalidRegister);
    assert_eq!(host.confirm(Instruction::UpChar(1)).await, Confirm::Ok);
    assert_eq!(host.data(Reassembler::template(PacketSize::B64), ANSWER).await, template);

    // A new password, and a new address: acknowledged from the old one, answering from the new.
    assert_eq!(host.confirm(Instruction::SetPwd(0x0BAD_CAFE)).await, Confirm::Ok);
    assert_eq!(host.confirm(Instruction::VfyPwd(0)).await, Confirm::WrongPassword);
    assert_eq!(host.confirm(Instruction::VfyPwd(0x0BAD_CAFE)).await, Confirm::Ok);
    assert_eq!(
        host.confirm(Instruction::Other(code::SET_ADDR, 0x0102_0304u32.to_be_bytes().to_vec())).await,
        Confirm::Ok
    );
    host.send(&Instruction::Handshake).await;
    assert_eq!(host.next(Duration::from_millis(300)).await, None, "the old address is no longer answered");
    host.address = 0x0102_0304;
    let para = host.command(Instruction::ReadSysPara).await.sys_para().expect("system parameters");
    assert_eq!(para.address, 0x0102_0304);
    let random = host.command(Instruction::Other(code::GET_RANDOM, vec![])).await;
    assert_eq!((random.confirm, random.extra.len()), (Confirm::Ok, 4));
    for led in [code::LED_ON, code::LED_OFF] {
        assert_eq!(host.confirm(Instruction::Other(led, vec![])).await, Confirm::Ok);
    }
    let aura = Instruction::Other(code::AURA_LED, vec![0x01, 0x80, 0x02, 0x00]);
    assert_eq!(host.confirm(aura).await, Confirm::Ok);
    assert_eq!(host.confirm(Instruction::Other(0x7E, vec![])).await, Confirm::PacketReceiveError);
    assert_eq!(host.confirm(Instruction::Empty).await, Confirm::Ok);
    emulator.abort();
}
