//! The resident ID card reader as an emulator on a pty: a SAM module speaking the `AA AA AA 96 69`
//! protocol (`drivers::idcard::sam`), answering find / select / read from the card the world laid
//! on the reader.

use super::Wire;
use super::pty::PtyPort;
use crate::devices::SimHandle;
use crate::devices::idcard::IdCardHandle;
use bytes::BytesMut;
use drivers::FaultKind;
use drivers::idcard::sam::{Command, DeviceCodec, FrameError, ReadInfo, Request, Response, Sw3};
use tokio_util::codec::{Decoder, Encoder};

/// The reader's default baud rate.
pub const BAUD: u32 = 115_200;

/// The SAM's answer to one request.
fn answer(req: &Request, handle: &IdCardHandle) -> Response {
    let cmd = match Command::from_request(req) {
        Ok(c) => c,
        Err(_) => return Response::new(Sw3::BadCommand, Vec::new()),
    };
    let sam_failed = handle.fault() == Some(FaultKind::SamFailure);
    let card = handle.card();
    match cmd {
        Command::ResetSam | Command::SetMaxRfBytes(_) | Command::SetBaud(_) => Response::new(Sw3::Ok, Vec::new()),
        Command::SamStatus if sam_failed => Response::new(Sw3::SelfTestFailed, Vec::new()),
        Command::SamStatus => Response::new(Sw3::Ok, Vec::new()),
        Command::ReadSamId => Response::new(Sw3::Ok, b"SIM-SAM-0000001\0".to_vec()),
        // A SAM that failed its self-test does no card work.
        Command::FindCard | Command::SelectCard | Command::ReadBaseInfo | Command::ReadBaseInfoWithFinger
            if sam_failed =>
        {
            Response::new(Sw3::SelfTestFailed, Vec::new())
        }
        Command::FindCard if card.is_some() => Response::new(Sw3::CardFound, vec![0; 4]),
        Command::FindCard => Response::new(Sw3::FindFailed, Vec::new()),
        Command::SelectCard if card.is_some() => Response::new(Sw3::Ok, vec![0; 8]),
        Command::SelectCard => Response::new(Sw3::SelectFailed, Vec::new()),
        Command::ReadNewAddress => Response::new(Sw3::NoContent, Vec::new()),
        Command::ReadBaseInfo | Command::ReadBaseInfoWithFinger => {
            let Some(card) = card else { return Response::new(Sw3::ReadFailed, Vec::new()) };
            match ReadInfo::from_id_card(&card, cmd == Command::ReadBaseInfoWithFinger) {
                Ok(info) => {
                    handle.count_read();
                    Response::new(Sw3::Ok, info.build())
                }
                Err(_) => Response::new(Sw3::VerificationFailed, Vec::new()),
            }
        }
    }
}

fn encode(r: &Response) -> Vec<u8> {
    let mut out = BytesMut::new();
    let copy = Response { sw1: r.sw1, sw2: r.sw2, sw3: r.sw3, data: r.data.clone() };
    match DeviceCodec.encode(copy, &mut out) {
        Ok(()) => out.to_vec(),
        Err(_) => Vec::new(),
    }
}

/// Run the reader on `port` until the task is dropped.
pub async fn run(mut port: PtyPort, handle: IdCardHandle) {
    let mut codec = DeviceCodec;
    let mut inbox = BytesMut::new();
    let mut buf = [0u8; 512];
    let mut wire = Wire::new(BAUD);
    loop {
        let Some(n) = wire.read(&mut port, &handle, &mut buf).await else { continue };
        inbox.extend_from_slice(&buf[..n]);
        while let Ok(Some(item)) = codec.decode(&mut inbox) {
            let resp = match item {
                Ok(req) => {
                    let reads = matches!(
                        Command::from_request(&req),
                        Ok(Command::ReadBaseInfo | Command::ReadBaseInfoWithFinger)
                    );
                    let r = answer(&req, &handle);
                    if reads {
                        // Reading the card over RF takes the module's time.
                        wire.work(&handle).await;
                    }
                    r
                }
                Err(FrameError::Garbage { .. }) => continue,
                Err(FrameError::Checksum { .. }) => Response::new(Sw3::HostChecksum, Vec::new()),
                Err(_) => Response::new(Sw3::HostLength, Vec::new()),
            };
            wire.answer(&mut port, &handle, &[resp], encode).await;
        }
    }
}
