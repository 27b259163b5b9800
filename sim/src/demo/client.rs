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

    /// The kiosk's link to central, as its sync reports it.
    pub async fn link(&mut self) -> Result<serde_json::Value, String> {
        match self.call(&Request::Link).await? {
            Response::Link { link } => Ok(link),
            other => Err(format!("unexpected answer to link: {other:?}")),
        }
    }

    /// Wait up to `timeout` until the link satisfies `ready` (e.g. up with an empty outbox).
    pub async fn wait_link(
        &mut self,
        timeout: std::time::Duration,
        ready: impl Fn(&serde_json::Value) -> bool,
    ) -> Result<serde_json::Value, String> {
        let until = tokio::time::Instant::now() + timeout;
        loop {
            let link = self.link().await?;
            if ready(&link) {
                return Ok(link);
            }
            if tokio::time::Instant::now() >= until {
                return Err(format!("the link to central did not settle within {timeout:?}: {link}"));
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// A link that is up with nothing waiting in the outbox.
pub fn link_settled(link: &serde_json::Value) -> bool {
    link["state"] == "up" && link["outbox"]["pending"] == 0
}

impl Client {
    /// Wait until a sync round that started after this call went through and left nothing in the
    /// outbox: whatever the kiosk recorded before the call has reached central.
    pub async fn wait_synced(&mut self, timeout: std::time::Duration) -> Result<serde_json::Value, String> {
        let first = self.link().await?["rounds"].as_u64().unwrap_or(0);
        self.wait_link(timeout, |l| link_settled(l) && l["rounds"].as_u64().unwrap_or(0) >= first + 2).await
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
