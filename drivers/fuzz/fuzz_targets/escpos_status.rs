//! Fuzz the host side of ESC/POS status replies: `StatusCodec` over arbitrary bytes with queries
//! of every kind waiting, all at once and in two pieces split at `data[0]`; the two must agree.
//! Every byte is also read directly as a reply to each query.
#![no_main]
use bytes::BytesMut;
use drivers::receipt::escpos::{Query, Reply, StatusCodec, StatusError, StatusRequest};
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

const QUERIES: [Query; 5] = [
    Query::Realtime(StatusRequest::Printer),
    Query::Realtime(StatusRequest::OfflineCause),
    Query::Realtime(StatusRequest::ErrorCause),
    Query::Realtime(StatusRequest::PaperSensor),
    Query::PaperSensor,
];

fn run(chunks: &[&[u8]]) -> Vec<Result<Reply, StatusError>> {
    let mut codec = StatusCodec::new();
    for q in QUERIES.iter().cycle().take(12) {
        codec.expect(*q);
    }
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        while let Ok(Some(item)) = codec.decode(&mut buf) {
            out.push(item);
        }
    }
    while let Ok(Some(item)) = codec.decode_eof(&mut buf) {
        out.push(item);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let whole = run(&[data]);
    assert_eq!(whole.len(), data.len());
    let at = data.first().map_or(0, |b| usize::from(*b)).min(data.len());
    let (a, b) = data.split_at(at);
    assert_eq!(run(&[a, b]), whole);

    for &byte in data {
        for q in QUERIES {
            if let Ok(reply) = q.read(byte) {
                let _ = (reply.paper(), reply.cover_open());
                assert_eq!(q.read(reply.to_byte()), Ok(reply));
            }
        }
    }
});
