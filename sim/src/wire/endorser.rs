//! The endorsement printer as an emulator behind a unix socket (the stand-in for its USB bulk
//! pipes), speaking the command set of `drivers::endorser::protocol` and acting on the simulated
//! card path through the in-process printer's behaviour (ribbon, chip, retain bin, faults).

use crate::devices::SimHandle;
use crate::devices::permit_slot::{EndorserHandle, SimEndorser};
use bytes::BytesMut;
use drivers::endorser::protocol::{Frame, FrameCodec, Op, REPLY, Status, encode, fault_code};
use drivers::endorser::{EndorsementPrinter, EndorserError};
use drivers::{Device, DeviceError, DeviceState, FaultKind, MediaState};
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio_util::codec::Decoder;

fn status_of(e: &EndorserError) -> Status {
    match e {
        EndorserError::NoCard => Status::NoCard,
        EndorserError::Device(DeviceError::Hardware(k)) => match k {
            FaultKind::CardJam => Status::Jammed,
            FaultKind::RibbonOut => Status::RibbonOut,
            FaultKind::ChipWriteFailed => Status::ChipWriteFailed,
            FaultKind::ChipUnreadable => Status::ChipUnreadable,
            _ => Status::PowerLoss,
        },
        EndorserError::Device(_) => Status::PowerLoss,
    }
}

async fn answer(p: &mut SimEndorser, op: u8, payload: &[u8]) -> Vec<u8> {
    let done = |r: Result<Vec<u8>, EndorserError>| match r {
        Ok(mut d) => {
            d.insert(0, Status::Ok as u8);
            d
        }
        Err(e) => vec![status_of(&e) as u8],
    };
    match Op::from_byte(op) {
        None => vec![Status::BadRequest as u8],
        Some(Op::Status) => {
            let h = p.health().await;
            let (state, fault) = match h.state {
                DeviceState::HardwareError(f) => (2, Some(f)),
                DeviceState::Online => (0, None),
                _ => (1, None),
            };
            let media = match h.media {
                Some(MediaState::Present) => 2,
                Some(MediaState::AtExit) => 3,
                Some(MediaState::Jammed) => 4,
                _ => 0,
            };
            let ribbon = h.consumable_left.unwrap_or(0).min(u16::MAX as u32) as u16;
            let retained = h.retained.unwrap_or(0).min(u16::MAX as u32) as u16;
            let mut d = vec![Status::Ok as u8, state, fault_code(fault), media];
            d.extend_from_slice(&ribbon.to_be_bytes());
            d.extend_from_slice(&retained.to_be_bytes());
            d
        }
        Some(Op::ReadChip) => done(p.read_chip().await.map(|c| serde_json::to_vec(&c).unwrap_or_default())),
        Some(Op::Write) => match serde_json::from_slice(payload) {
            Ok(e) => done(p.write(&e).await.map(|_| Vec::new())),
            Err(_) => vec![Status::BadRequest as u8],
        },
        Some(Op::Eject) => done(p.eject().await.map(|_| Vec::new())),
        Some(Op::Retain) => done(p.retain().await.map(|_| Vec::new())),
        Some(Op::Taken) => done(p.wait_taken(Duration::ZERO).await.map(|t| vec![u8::from(t)])),
        Some(Op::CardInside) => done(p.card_inside().await.map(|t| vec![u8::from(t)])),
    }
}

async fn serve(mut stream: UnixStream, handle: EndorserHandle) {
    let mut p = SimEndorser(handle.0.clone());
    let mut codec = FrameCodec;
    let mut inbox = BytesMut::new();
    let mut buf = [0u8; 4096];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    loop {
        let n = tokio::select! {
            r = stream.read(&mut buf) => match r { Ok(0) | Err(_) => return, Ok(n) => n },
            _ = tokio::time::sleep(Duration::from_millis(25)) => 0,
        };
        if handle.fault() == Some(FaultKind::Unplugged) {
            return;
        }
        inbox.extend_from_slice(&buf[..n]);
        while let Ok(Some(item)) = codec.decode(&mut inbox) {
            let Ok(req) = item else { continue };
            let payload = answer(&mut p, req.op, &req.payload).await;
            let mut bytes = encode(&Frame { seq: req.seq, op: req.op | REPLY, payload });
            match handle.fault() {
                Some(FaultKind::Timeout) => continue,
                Some(FaultKind::Garbage) => {
                    let n = rng.random_range(1..=bytes.len());
                    bytes = (0..n).map(|_| rng.random()).collect();
                }
                _ => {}
            }
            if stream.write_all(&bytes).await.is_err() {
                return;
            }
        }
    }
}

/// Run the printer behind a socket at `path` until the task is dropped. Unplugged, the socket goes
/// away (and every connection with it) until the fault clears.
pub async fn run(path: PathBuf, handle: EndorserHandle) {
    let mut conns: Vec<tokio::task::JoinHandle<()>> = Vec::new();
    loop {
        let listener = loop {
            if handle.fault() != Some(FaultKind::Unplugged) {
                let _ = std::fs::remove_file(&path);
                if let Ok(l) = UnixListener::bind(&path) {
                    break l;
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        };
        loop {
            tokio::select! {
                r = listener.accept() => if let Ok((s, _)) = r {
                    conns.push(tokio::spawn(serve(s, handle.clone())));
                },
                _ = tokio::time::sleep(Duration::from_millis(25)) => {}
            }
            if handle.fault() == Some(FaultKind::Unplugged) {
                for c in conns.drain(..) {
                    c.abort();
                }
                drop(listener);
                remove(&path);
                break;
            }
        }
    }
}

fn remove(path: &Path) {
    let _ = std::fs::remove_file(path);
}
