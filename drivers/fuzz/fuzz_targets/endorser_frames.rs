#![no_main]
//! The endorsement printer's frame decoder on arbitrary bytes, whole and split in two.

use bytes::BytesMut;
use drivers::endorser::protocol::FrameCodec;
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

fn decode_all(chunks: &[&[u8]]) -> Vec<String> {
    let mut codec = FrameCodec;
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for c in chunks {
        buf.extend_from_slice(c);
        while let Ok(Some(item)) = codec.decode(&mut buf) {
            if let Ok(f) = item {
                out.push(format!("{f:?}"));
            }
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let whole = decode_all(&[data]);
    let at = data.first().map_or(0, |b| *b as usize).min(data.len());
    let split = decode_all(&[&data[..at], &data[at..]]);
    assert_eq!(whole, split);
});
