//! Fuzz the 0xEF01 fingerprint packet decoder: arbitrary bytes, all at once and in two pieces
//! (split at `data[0]` as an index), must never panic, must give the same items either way, and
//! every packet decoded must encode back to bytes that decode to it again.
#![no_main]

use bytes::BytesMut;
use drivers::fingerprint::ef01::instruction::{Ack, Instruction};
use drivers::fingerprint::ef01::packet::{MAX_PACKET, Packet, PacketCodec, PacketError, PacketSize};
use drivers::fingerprint::ef01::transfer::Reassembler;
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

fn decode(pieces: &[&[u8]]) -> Vec<Result<Packet, PacketError>> {
    let mut codec = PacketCodec::new();
    let mut buf = BytesMut::new();
    let mut items = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        while let Some(item) = codec.decode(&mut buf).expect("the decoder never fails") {
            items.push(item);
        }
        assert!(buf.len() <= MAX_PACKET, "the decoder buffers at most one packet");
    }
    while let Some(item) = codec.decode_eof(&mut buf).expect("the decoder never fails") {
        items.push(item);
    }
    items
}

fuzz_target!(|data: &[u8]| {
    let whole = decode(&[data]);
    let cut = data.first().map_or(0, |&b| usize::from(b).min(data.len()));
    let (head, tail) = data.split_at(cut);
    assert_eq!(whole, decode(&[head, tail]));

    let _ = Packet::decode(data);
    let mut reassembler = Reassembler::template(PacketSize::B128);
    for packet in whole.iter().flatten() {
        let bytes = packet.encode().expect("a decoded packet re-encodes");
        assert_eq!(Packet::decode(&bytes).as_ref(), Ok(packet));
        if let Ok(instruction) = Instruction::from_packet(packet) {
            assert_eq!(instruction.to_payload(), packet.payload);
        }
        if let Ok(ack) = Ack::from_packet(packet) {
            let _ = (ack.match_score(), ack.search_hit(), ack.template_count(), ack.sys_para());
        }
        let _ = reassembler.push(packet);
    }
});
