//! Fuzz the printer side of ESC/POS: `PrinterDecoder` over arbitrary bytes, all at once and in
//! two pieces split at `data[0]`; the two must agree. What decodes is then folded into documents
//! and encoded again, which must not panic either.
#![no_main]
use bytes::BytesMut;
use drivers::receipt::escpos::{Command, EscPosError, PrinterDecoder, encode, encode_command, render_pages};
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

fn run(chunks: &[&[u8]]) -> Vec<Result<Command, EscPosError>> {
    let mut decoder = PrinterDecoder::new();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        while let Ok(Some(item)) = decoder.decode(&mut buf) {
            out.push(item);
        }
    }
    while let Ok(Some(item)) = decoder.decode_eof(&mut buf) {
        out.push(item);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let whole = run(&[data]);
    let at = data.first().map_or(0, |b| usize::from(*b)).min(data.len());
    let (a, b) = data.split_at(at);
    assert_eq!(run(&[a, b]), whole);

    let commands: Vec<Command> = whole.into_iter().filter_map(Result::ok).collect();
    for command in &commands {
        let _ = encode_command(command);
    }
    for doc in render_pages(&commands) {
        let _ = doc.to_text();
        let _ = encode(&doc);
    }
});
