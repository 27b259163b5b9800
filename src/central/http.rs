//! Central over HTTP/JSON: the scheduler's kiosk API (`/v1/kiosk/...`), with the kiosk's bearer
//! credential. Every failure is a [`CentralError`] that says what went wrong: no answer (down,
//! timeout, a 5xx), an answer that is not what the API promises (garbled, too large), or a refusal
//! (a 4xx with central's message). Nothing central sends can panic the kiosk.
//!
//! With cargo feature `tls`, central may be `https://` with mutual TLS: the kiosk trusts only the CA
//! it is given and shows its own certificate ([`TlsIdentity`]); the bearer token still goes along.

use super::{AuthRequest, Authorisation, BookingRecord, Central, CentralError};
use crate::policy::Policy;
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use sim::scheduler::api::{ApiError, BookingChanges, EventBatch, EventResults, ServerTime};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// The most a kiosk reads of one answer: a page of bookings is far smaller; anything larger is
/// hostile or broken.
const MAX_BODY: usize = 8 << 20;

/// Central on HTTP.
pub struct HttpCentral {
    client: reqwest::Client,
    base: String,
    token: String,
    nudge: Arc<Notify>,
}

/// A kiosk's mutual-TLS identity: its certificate and key, and the CA that signed central's
/// certificate (the only one trusted). All PEM.
#[derive(Clone)]
pub struct TlsIdentity {
    /// The CA central's certificate must chain to.
    pub ca_pem: Vec<u8>,
    /// This kiosk's certificate (subject CN: its kiosk id).
    pub cert_pem: Vec<u8>,
    /// Its private key.
    pub key_pem: Vec<u8>,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity").finish_non_exhaustive()
    }
}

impl TlsIdentity {
    /// Read `central.ca_file`, `central.cert_file` and `central.key_file`.
    pub fn read(ca: &Path, cert: &Path, key: &Path) -> Result<TlsIdentity, String> {
        let read = |what: &str, p: &Path| std::fs::read(p).map_err(|e| format!("central.{what} {}: {e}", p.display()));
        Ok(TlsIdentity {
            ca_pem: read("ca_file", ca)?,
            cert_pem: read("cert_file", cert)?,
            key_pem: read("key_file", key)?,
        })
    }
}

impl HttpCentral {
    /// Central at `base` (`http://host:port`), each request given `timeout`.
    pub fn new(base: &str, token: &str, timeout: Duration) -> Result<HttpCentral, String> {
        HttpCentral::with_tls(base, token, timeout, None)
    }

    /// Central at `base`, with mutual TLS when `tls` is given (`https://host:port`; cargo feature
    /// `tls`, an error without it).
    pub fn with_tls(
        base: &str,
        token: &str,
        timeout: Duration,
        tls: Option<&TlsIdentity>,
    ) -> Result<HttpCentral, String> {
        let builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(2)))
            .user_agent(concat!("kioskd/", env!("CARGO_PKG_VERSION")));
        let client = tls_client(builder, tls)?.build().map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(HttpCentral {
            client,
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            nudge: Arc::default(),
        })
    }

    /// Notified when something waits in the outbox that central should hear of soon.
    pub fn nudge(&self) -> Arc<Notify> {
        self.nudge.clone()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder) -> Result<T, CentralError> {
        let mut resp = req.bearer_auth(&self.token).send().await.map_err(|e| transport(&e))?;
        let status = resp.status();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| transport(&e))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(CentralError::Garbled(format!("an answer larger than {} MB", MAX_BODY >> 20)));
            }
            body.extend_from_slice(&chunk);
        }
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| CentralError::Garbled(format!("{e}")));
        }
        let message = match serde_json::from_slice::<ApiError>(&body) {
            Ok(e) => format!("{}: {}", e.error, e.message),
            Err(_) => String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
        };
        if status.is_server_error() {
            Err(CentralError::Unreachable(format!("central failed ({status}): {message}")))
        } else {
            Err(CentralError::Refused { status: status.as_u16(), message })
        }
    }

    /// The changes to this hall's bookings after `cursor`.
    pub async fn changes(&self, cursor: Option<&str>, limit: u32) -> Result<BookingChanges, CentralError> {
        let mut q = vec![("limit", limit.to_string())];
        if let Some(c) = cursor {
            q.push(("cursor", c.to_string()));
        }
        let url = reqwest::Url::parse_with_params(&self.url("/v1/kiosk/bookings"), &q)
            .map_err(|e| CentralError::Unreachable(format!("central.url: {e}")))?;
        self.send(self.client.get(url)).await
    }

    /// Deliver outbox events.
    pub async fn deliver(&self, batch: &EventBatch) -> Result<EventResults, CentralError> {
        self.send(self.client.post(self.url("/v1/kiosk/events")).json(batch)).await
    }

    /// Central's clock.
    pub async fn time(&self) -> Result<ServerTime, CentralError> {
        self.send(self.client.get(self.url("/v1/time"))).await
    }
}

/// Trust only the given CA and show the kiosk's certificate. reqwest's rustls comes without a
/// crypto provider (no aws-lc build): ring is installed as the process default first (once; a
/// second install is refused and ignored), and before any client is built, since even a plain-HTTP
/// client prepares rustls.
#[cfg(feature = "tls")]
fn tls_client(builder: reqwest::ClientBuilder, tls: Option<&TlsIdentity>) -> Result<reqwest::ClientBuilder, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Some(tls) = tls else { return Ok(builder) };
    let cas = reqwest::Certificate::from_pem_bundle(&tls.ca_pem).map_err(|e| format!("central.ca_file: {e}"))?;
    if cas.is_empty() {
        return Err("central.ca_file: no certificate in it".into());
    }
    let pem = [tls.cert_pem.as_slice(), b"\n", tls.key_pem.as_slice()].concat();
    let identity =
        reqwest::Identity::from_pem(&pem).map_err(|e| format!("central.cert_file / central.key_file: {e}"))?;
    Ok(builder.tls_certs_only(cas).identity(identity).https_only(true))
}

#[cfg(not(feature = "tls"))]
fn tls_client(builder: reqwest::ClientBuilder, tls: Option<&TlsIdentity>) -> Result<reqwest::ClientBuilder, String> {
    match tls {
        None => Ok(builder),
        Some(_) => Err("mutual TLS to central needs a kioskd built with TLS (cargo feature tls)".into()),
    }
}

fn transport(e: &reqwest::Error) -> CentralError {
    if e.is_timeout() {
        CentralError::Unreachable("central did not answer in time".into())
    } else if e.is_connect() {
        CentralError::Unreachable("cannot connect to central".into())
    } else if e.is_decode() || e.is_body() {
        CentralError::Garbled(format!("the answer broke off: {e}"))
    } else {
        CentralError::Unreachable(e.to_string())
    }
}

#[async_trait::async_trait]
impl Central for HttpCentral {
    async fn bookings(&self, _: NaiveDate, _: NaiveDate) -> Result<Option<Vec<BookingRecord>>, CentralError> {
        // The sync task keeps the cache: no network before READY.
        Ok(None)
    }

    async fn authorise(&self, req: &AuthRequest, _: &Policy) -> Result<Authorisation, CentralError> {
        self.send(self.client.post(self.url("/v1/kiosk/authorisations")).json(req)).await
    }

    async fn lookup(&self, id_number: &str, day: NaiveDate) -> Result<Vec<BookingRecord>, CentralError> {
        let q = [("id_number", id_number.to_string()), ("date", day.to_string())];
        let url = reqwest::Url::parse_with_params(&self.url("/v1/kiosk/lookup"), &q)
            .map_err(|e| CentralError::Unreachable(format!("central.url: {e}")))?;
        self.send(self.client.get(url)).await
    }

    async fn record_issue(&self, _key: &str, _id_number: &str, _offer_id: &str) -> Result<(), CentralError> {
        // The `endorsement_issued` event is in the outbox already (committed with the write): have
        // the sync task deliver it now rather than at its next round.
        self.nudge.notify_one();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn errors(central: &str) -> Vec<String> {
        let text = format!("policy_file = \"p\"\n[central]\ntoken = \"t\"\n{central}");
        Config::parse(&text, "k.toml").err().unwrap_or_default().iter().map(|e| e.to_string()).collect()
    }

    const FILES: &str = "ca_file = \"ca.pem\"\ncert_file = \"k1.pem\"\nkey_file = \"k1.key\"\n";

    #[test]
    fn mutual_tls_takes_all_three_files_and_an_https_url() {
        let all = errors(&format!("url = \"https://127.0.0.1:8480\"\n{FILES}"));
        if cfg!(feature = "tls") {
            assert!(all.is_empty(), "{all:?}");
        } else {
            assert!(all.iter().any(|m| m.contains("central.url") && m.contains("cargo feature tls")), "{all:?}");
        }
        let all = errors("url = \"https://127.0.0.1:8480\"\nca_file = \"ca.pem\"\n");
        for key in ["central.cert_file", "central.key_file"] {
            assert!(all.iter().any(|m| m.contains(key) && m.contains("all three")), "{key}: {all:?}");
        }
        let all = errors(&format!("url = \"http://127.0.0.1:8480\"\n{FILES}"));
        assert!(all.iter().any(|m| m.contains("central.url") && m.contains("https://")), "{all:?}");
        assert!(errors("url = \"http://127.0.0.1:8480\"\n").is_empty());
        if cfg!(feature = "tls") {
            let all = errors("url = \"https://127.0.0.1:8480\"\n");
            assert!(all.iter().any(|m| m.contains("central.url") && m.contains("mutual TLS")), "{all:?}");
        }
    }

    #[test]
    fn a_tls_identity_needs_the_feature_and_readable_pem() {
        let none = TlsIdentity { ca_pem: b"x".to_vec(), cert_pem: b"y".to_vec(), key_pem: b"z".to_vec() };
        assert!(!format!("{none:?}").contains('z'), "the key stays out of logs");
        let e = HttpCentral::with_tls("https://127.0.0.1:1", "t", Duration::from_secs(1), Some(&none)).err();
        let e = e.expect("garbage PEM or no TLS is an error");
        if cfg!(feature = "tls") {
            assert!(e.contains("central.ca_file"), "{e}");
        } else {
            assert!(e.contains("cargo feature tls"), "{e}");
        }
        assert!(HttpCentral::new("http://127.0.0.1:1", "t", Duration::from_secs(1)).is_ok());
        let missing = TlsIdentity::read(Path::new("/nonexistent/ca.pem"), Path::new("c"), Path::new("k")).unwrap_err();
        assert!(missing.contains("central.ca_file /nonexistent/ca.pem"), "{missing}");
    }
}
