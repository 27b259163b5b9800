//! `kiosk-sim scheduler`: bind, announce the address as one JSON line on stdout, serve until
//! SIGTERM or Ctrl-C. Plain HTTP, or with [`TlsFiles`] HTTPS that requires a kiosk's client
//! certificate (cargo feature `tls`).

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
    /// Serve HTTPS with mutual TLS (cargo feature `tls`); absent: plain HTTP.
    pub tls: Option<TlsFiles>,
}

/// The files `kiosk-sim scheduler --tls-cert --tls-key --client-ca` serves with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The server's certificate chain (PEM).
    pub cert: PathBuf,
    /// Its private key (PEM).
    pub key: PathBuf,
    /// The CA that signs the kiosks' certificates (PEM); only its clients are let in.
    pub client_ca: PathBuf,
}

/// Build the shared state.
pub fn state(opts: &ServeOptions) -> Result<AppState, String> {
    let store = Store::open(&opts.db).map_err(|e| e.to_string())?;
    let policy = policy::load_policy(opts.policy.as_deref())?;
    if let Some(now) = opts.now
        && !(2000..=2200).contains(&now.year())
    {
        return Err(format!("--now {now}: expected a time between the years 2000 and 2200"));
    }
    let clock = opts.now.map(Clock::starting_at).unwrap_or_else(Clock::real);
    Ok(AppState { store, clock, policy, public_url: String::new() })
}

/// A `--public-url`: `http://` or `https://` and a host, no white space; without its trailing `/`.
pub fn check_public_url(url: &str) -> Result<String, String> {
    let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"));
    let ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/')) && !url.chars().any(char::is_whitespace);
    if !ok {
        return Err(format!(
            "--public-url {url:?}: expected http:// or https:// and a host, e.g. https://central.example"
        ));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// The base of the URLs central hands out: the public URL when given, else the listening address
/// with the scheme served.
pub fn public_base(public_url: Option<&str>, addr: SocketAddr, https: bool) -> Result<String, String> {
    match public_url {
        Some(url) => check_public_url(url),
        None => Ok(format!("{}://{addr}", if https { "https" } else { "http" })),
    }
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

fn announce(addr: SocketAddr) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", serde_json::json!({ "listening": addr.to_string() })).map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())
}

/// Serve until a signal; the URLs central hands out start with the listening address.
pub async fn serve(opts: ServeOptions) -> Result<(), String> {
    serve_public(opts, None).await
}

/// Serve until a signal; the URLs central hands out (a travel record's QR code) start with
/// `public_url` when given (`kiosk-sim scheduler --public-url URL`), else with the listening address.
pub async fn serve_public(opts: ServeOptions, public_url: Option<String>) -> Result<(), String> {
    if let Some(url) = &public_url {
        check_public_url(url)?;
    }
    #[cfg(feature = "tls")]
    let tls = match &opts.tls {
        Some(files) => Some(super::tls::server_config(files)?),
        None => None,
    };
    #[cfg(not(feature = "tls"))]
    if opts.tls.is_some() {
        return Err("--tls-cert, --tls-key and --client-ca need a kiosk-sim built with TLS (cargo feature tls: \
                    cargo build -p sim --features tls)"
            .into());
    }
    let mut state = state(&opts)?;
    let stop = shutdown_signal()?;
    let listener = tokio::net::TcpListener::bind(&opts.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", opts.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    state.public_url = public_base(public_url.as_deref(), addr, opts.tls.is_some())?;
    let app = routes::router(Arc::new(state));
    #[cfg(feature = "tls")]
    if let Some(config) = tls {
        let handle = axum_server::Handle::new();
        let server = axum_server::from_tcp(listener.into_std().map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?
            .acceptor(super::tls::KioskAcceptor::new(config))
            .handle(handle.clone());
        announce(addr)?;
        tokio::spawn(async move {
            stop.await;
            handle.graceful_shutdown(None);
        });
        return server.serve(app.into_make_service_with_connect_info::<SocketAddr>()).await.map_err(|e| e.to_string());
    }
    announce(addr)?;
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(stop)
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_url_is_the_listening_address_unless_given() {
        let addr: SocketAddr = "127.0.0.1:41237".parse().unwrap();
        assert_eq!(public_base(None, addr, false).unwrap(), "http://127.0.0.1:41237");
        assert_eq!(public_base(None, addr, true).unwrap(), "https://127.0.0.1:41237");
        let given = public_base(Some("https://central.example/nia/"), addr, false).unwrap();
        assert_eq!(given, "https://central.example/nia");
        for bad in ["central.example", "ftp://x", "https://", "http:///x", "https://a b", ""] {
            assert!(public_base(Some(bad), addr, false).unwrap_err().contains("--public-url"), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn a_bad_public_url_is_refused_before_anything_else() {
        let dir = tempfile::tempdir().unwrap();
        let opts = ServeOptions {
            listen: "127.0.0.1:0".into(),
            db: dir.path().join("c.db"),
            policy: None,
            now: None,
            tls: None,
        };
        let e = serve_public(opts, Some("central.example".into())).await.unwrap_err();
        assert!(e.contains("--public-url"), "{e}");
        assert!(!dir.path().join("c.db").exists());
    }

    #[cfg(not(feature = "tls"))]
    #[tokio::test]
    async fn tls_needs_the_feature() {
        let dir = tempfile::tempdir().unwrap();
        let tls = TlsFiles { cert: "s.pem".into(), key: "s.key".into(), client_ca: "ca.pem".into() };
        let opts = ServeOptions {
            listen: "127.0.0.1:0".into(),
            db: dir.path().join("c.db"),
            policy: None,
            now: None,
            tls: Some(tls),
        };
        let e = serve(opts).await.unwrap_err();
        assert!(e.contains("cargo feature tls"), "{e}");
    }

    #[cfg(feature = "tls")]
    #[tokio::test]
    async fn tls_files_are_checked_before_anything_else() {
        let dir = tempfile::tempdir().unwrap();
        let tls = TlsFiles { cert: dir.path().join("nope.pem"), key: "s.key".into(), client_ca: "ca.pem".into() };
        let opts = ServeOptions {
            listen: "127.0.0.1:0".into(),
            db: dir.path().join("c.db"),
            policy: None,
            now: None,
            tls: Some(tls),
        };
        let e = serve(opts).await.unwrap_err();
        assert!(e.contains("ca.pem"), "{e}");
        assert!(!dir.path().join("c.db").exists(), "no database made for a server that cannot start");
    }
}
