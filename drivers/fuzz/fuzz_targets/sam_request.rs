//! Fuzz the reader side of the SAM_V protocol (what the simulator decodes): request frames from a
//! host. Nothing may panic, whatever the bytes and however they are split.
#![no_main]
use bytes::BytesMut;
use drivers::idcard::sam::{Command, Decoded, DeviceCodec, decode_request};
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

/// Feed the chunks one after the other, then end the stream; check every command found.
fn feed(chunks: &[&[u8]]) {
    let mut codec = DeviceCodec;
    let mut buf = BytesMut::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        while let Ok(Some(item)) = codec.decode(&mut buf) {
            if let Ok(request) = item
                && let Ok(command) = Command::from_request(&request)
            {
                assert_eq!(command.to_request(), request);
            }
        }
    }
    while let Ok(Some(_)) = codec.decode_eof(&mut buf) {}
    assert!(buf.is_empty());
}

fuzz_target!(|data: &[u8]| {
    match decode_request(data) {
        Decoded::Frame { consumed: n, .. } | Decoded::Invalid { skip: n, .. } => assert!(n >= 1 && n <= data.len()),
        Decoded::NeedMore => {}
    }
    feed(&[data]);
    let at = data.first().map_or(0, |&b| usize::from(b)).min(data.len());
    let (head, tail) = data.split_at(at);
    feed(&[head, tail]);
});
