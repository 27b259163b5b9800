//! Fuzz the MRZ reader's line framing (`drivers::permit::wire::MrzLineCodec`) and the document
//! parser behind it: any bytes, all at once and split in two at `data[0]`, must decode without
//! panicking, to the same items both ways, and every decoded document must parse (or fail) without
//! panicking.
#![no_main]

use bytes::BytesMut;
use drivers::permit::wire::{MrzDocument, MrzLineCodec, MrzRead, WireError};
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

/// Feed `chunks` one after the other, then end the stream; every item in order.
fn decode(chunks: &[&[u8]]) -> Vec<Result<MrzRead, WireError>> {
    let mut codec = MrzLineCodec::new();
    let mut buf = BytesMut::new();
    let mut items = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        while let Ok(Some(item)) = codec.decode(&mut buf) {
            items.push(item);
        }
    }
    while let Ok(Some(item)) = codec.decode_eof(&mut buf) {
        items.push(item);
    }
    items
}

fuzz_target!(|data: &[u8]| {
    let whole = decode(&[data]);
    let cut = data.first().map_or(0, |&b| usize::from(b)).min(data.len());
    let (a, b) = data.split_at(cut);
    assert_eq!(decode(&[a, b]), whole);
    for read in whole.iter().flatten() {
        let _ = MrzDocument::from_read(read, 2026);
    }
    // The parser on its own, with lines that did not go through the framing.
    let text = String::from_utf8_lossy(data);
    let lines: Vec<&str> = text.split(['\r', '\n']).collect();
    let _ = MrzDocument::parse(&lines, 2026);
});
