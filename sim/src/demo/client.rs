//! A client of kioskd's simulator control socket.

use crate::control::{KioskEvent, Request, Response};
use std::path::Path;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};

/// A request / response connection.
pub struct Client {
    lines: Lines<BufReader<OwnedReadHalf>>,
    w: OwnedWriteHalf,
}

/// An event stream.
pub struct Events {
    lines: Lines<BufReader<OwnedReadHalf>>,
    _w: OwnedWriteHalf,
}

async fn connect(path: &Path) -> std::io::Result<(Lines<BufReader<OwnedReadHalf>>, OwnedWriteHalf)> {
    let (r, w) = UnixStream::connect(path).await?.into_split();
    Ok((BufReader::new(r).lines(), w))
}

async fn write(w: &mut OwnedWriteHalf, req: &Request) -> Result<(), String> {
    let mut line = serde_json::to_vec(req).map_err(|e| e.to_string())?;
    line.push(b'\n');
    w.write_all(&line).await.map_err(|e| format!("kioskd control socket: {e}"))
}

async fn read(lines: &mut Lines<BufReader<OwnedReadHalf>>) -> Result<Response, String> {
    let line = lines
        .next_line()
        .await
        .map_err(|e| format!("kioskd control socket: {e}"))?
        .ok_or("kioskd closed the control socket")?;
    serde_json::from_str(&line).map_err(|e| format!("garbled answer from kioskd: {e}: {line}"))
}

impl Client {
    /// Connect.
    pub async fn connect(path: &Path) -> std::io::Result<Client> {
        let (lines, w) = connect(path).await?;
        Ok(Client { lines, w })
    }

    /// Send a request and read its answer; an error answer becomes `Err`.
    pub async fn call(&mut self, req: &Request) -> Result<Response, String> {
        write(&mut self.w, req).await?;
        match read(&mut self.lines).await? {
            Response::Error { message } => Err(message),
            other => Ok(other),
        }
    }
}

impl Events {
    /// Connect and subscribe.
    pub async fn subscribe(path: &Path) -> Result<Events, String> {
        let (lines, mut w) = connect(path).await.map_err(|e| e.to_string())?;
        write(&mut w, &Request::Subscribe).await?;
        Ok(Events { lines, _w: w })
    }

    /// The next event.
    pub async fn next(&mut self) -> Result<KioskEvent, String> {
        match read(&mut self.lines).await? {
            Response::Event { event } => Ok(event),
            other => Err(format!("unexpected answer on the event stream: {other:?}")),
        }
    }
}
