//! Fuzz the host side of the SAM_V protocol: response frames from a reader, and the read-info data
//! they carry. Nothing may panic, whatever the bytes and however they are split.
#![no_main]
use bytes::BytesMut;
use drivers::idcard::sam::{Decoded, HostCodec, ReadInfo, decode_response};
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

/// Feed the chunks one after the other, then end the stream; check every frame found.
fn feed(chunks: &[&[u8]]) {
    let mut codec = HostCodec;
    let mut buf = BytesMut::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        while let Ok(Some(item)) = codec.decode(&mut buf) {
            if let Ok(response) = item
                && let Ok(info) = ReadInfo::parse(&response.data)
            {
                assert_eq!(info.build(), response.data);
                let _ = info.to_id_card();
            }
        }
    }
    while let Ok(Some(_)) = codec.decode_eof(&mut buf) {}
    assert!(buf.is_empty());
}

fuzz_target!(|data: &[u8]| {
    match decode_response(data) {
        Decoded::Frame { consumed: n, .. } | Decoded::Invalid { skip: n, .. } => assert!(n >= 1 && n <= data.len()),
        Decoded::NeedMore => {}
    }
    let _ = ReadInfo::parse(data);
    feed(&[data]);
    let at = data.first().map_or(0, |&b| usize::from(b)).min(data.len());
    let (head, tail) = data.split_at(at);
    feed(&[head, tail]);
});
