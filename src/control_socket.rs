//! The simulator control socket: JSON lines over a unix socket, open only when the devices are
//! simulated. `kiosk-sim demo` and the end-to-end tests act on the kiosk through it as a walk-in
//! user would: touches, typed codes, cards laid on the reader, fingers on the scanner.

use crate::clock::Clock;
use crate::runtime::{KioskHandle, Request as KioskRequest};
use sim::control::{KioskEvent, Request, Response};
use sim::devices::rig::Rig;
use std::path::Path;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

/// Longest request line accepted (a card with its templates and photo is about 5 KiB of JSON).
const MAX_LINE: usize = 1 << 20;

/// Serve the control socket at `path` until the kiosk stops.
pub async fn serve(
    path: &Path,
    kiosk: KioskHandle,
    rig: Rig,
    clock: Clock,
    link: Option<crate::sync::LinkHandle>,
    display: Option<crate::display::DisplayHandle>,
) -> std::io::Result<()> {
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path)?;
    loop {
        let (stream, _) = listener.accept().await?;
        let (kiosk, rig, clock, link, display) =
            (kiosk.clone(), rig.clone(), clock.clone(), link.clone(), display.clone());
        tokio::spawn(async move {
            if let Err(e) = connection(stream, kiosk, rig, clock, link, display).await {
                tracing::debug!(error = %e, "control connection closed");
            }
        });
    }
}

async fn send(w: &mut tokio::net::unix::OwnedWriteHalf, r: &Response) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(r).map_err(std::io::Error::other)?;
    line.push(b'\n');
    w.write_all(&line).await
}

async fn connection(
    stream: UnixStream,
    kiosk: KioskHandle,
    rig: Rig,
    clock: Clock,
    link: Option<crate::sync::LinkHandle>,
    display: Option<crate::display::DisplayHandle>,
) -> std::io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut lines = BufReader::new(r);
    let mut line = String::new();
    loop {
        line.clear();
        let n = (&mut lines).take(MAX_LINE as u64).read_line(&mut line).await?;
        if n == 0 {
            return Ok(());
        }
        if !line.ends_with('\n') && n >= MAX_LINE {
            send(&mut w, &Response::Error { message: "request line too long".into() }).await?;
            return Ok(());
        }
        let req: Request = match serde_json::from_str(line.trim()) {
            Ok(r) => r,
            Err(e) => {
                send(&mut w, &Response::Error { message: format!("bad request: {e}") }).await?;
                continue;
            }
        };
        let resp = match req {
            Request::World { action } => match rig.apply(action) {
                Ok(result) => Response::World { result },
                Err(message) => Response::Error { message },
            },
            Request::Touch { button } => ok_if(kiosk.send(KioskRequest::Touch(button))),
            Request::EnterCode { code } => ok_if(kiosk.send(KioskRequest::Code(code))),
            Request::Screen => Response::Screen { screen: kiosk.screen() },
            Request::Health => Response::Health { devices: kiosk.health().await },
            Request::Tap { x, y } => match &display {
                Some(d) => ok_if(d.tap(embedded_graphics::prelude::Point::new(x, y))),
                None => Response::Error { message: "no display".into() },
            },
            Request::Link => match &link {
                Some(l) => Response::Link { link: serde_json::to_value(l.snapshot()).unwrap_or_default() },
                None => Response::Error { message: "no central link configured".into() },
            },
            Request::SetClock { at } => match clock.advance_to(at) {
                Ok(()) => Response::Ok,
                Err(message) => Response::Error { message },
            },
            Request::Shutdown => ok_if(kiosk.send(KioskRequest::Shutdown)),
            Request::Subscribe => {
                let mut events = kiosk.subscribe();
                send(&mut w, &Response::Event { event: KioskEvent::Screen { screen: kiosk.screen() } }).await?;
                loop {
                    match events.recv().await {
                        Ok(event) => send(&mut w, &Response::Event { event }).await?,
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                            tracing::warn!(missed = n, "control subscriber too slow");
                        }
                        Err(_) => return Ok(()),
                    }
                }
            }
        };
        send(&mut w, &resp).await?;
    }
}

fn ok_if(sent: bool) -> Response {
    if sent { Response::Ok } else { Response::Error { message: "the kiosk has stopped".into() } }
}
