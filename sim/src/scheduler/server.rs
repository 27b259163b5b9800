//! `kiosk-sim scheduler`: bind, announce the address as one JSON line on stdout, serve until
//! SIGTERM or Ctrl-C.

use super::clock::Clock;
use super::policy;
use super::routes;
use super::state::AppState;
use super::store::Store;
use chrono::{DateTime, Datelike, FixedOffset};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// What `serve` is asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to bind (port 0: any free port).
    pub listen: String,
    /// Database (created and migrated when need be).
    pub db: PathBuf,
    /// Policy file (default: the embedded simulator policy).
    pub policy: Option<PathBuf>,
    /// Start central's clock here (default: real time).
    pub now: Option<DateTime<FixedOffset>>,
}

/// Build the shared state.
pub fn state(opts: &ServeOptions) -> Result<AppState, String> {
    let store = Store::open(&opts.db).map_err(|e| e.to_string())?;
    let offers = policy::load(opts.policy.as_deref())?;
    if let Some(now) = opts.now
        && !(2000..=2200).contains(&now.year())
    {
        return Err(format!("--now {now}: expected a time between the years 2000 and 2200"));
    }
    let clock = opts.now.map(Clock::starting_at).unwrap_or_else(Clock::real);
    Ok(AppState { store, clock, offers })
}

/// SIGTERM or SIGINT. The handlers are installed here, at once, so that a signal sent as soon as
/// the address is announced is not missed.
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, String> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).map_err(|e| format!("cannot handle SIGTERM: {e}"))?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| format!("cannot handle SIGINT: {e}"))?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

/// Serve until a signal.
pub async fn serve(opts: ServeOptions) -> Result<(), String> {
    let state = Arc::new(state(&opts)?);
    let stop = shutdown_signal()?;
    let listener = tokio::net::TcpListener::bind(&opts.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", opts.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", serde_json::json!({ "listening": addr.to_string() })).map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }
    let app = routes::router(state);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(stop)
        .await
        .map_err(|e| e.to_string())
}
