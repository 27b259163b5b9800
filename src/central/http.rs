//! Central over HTTP/JSON: the scheduler's kiosk API (`/v1/kiosk/...`), with the kiosk's bearer
//! credential. Every failure is a [`CentralError`] that says what went wrong: no answer (down,
//! timeout, a 5xx), an answer that is not what the API promises (garbled, too large), or a refusal
//! (a 4xx with central's message). Nothing central sends can panic the kiosk.

use super::{AuthRequest, Authorisation, BookingRecord, Central, CentralError};
use crate::policy::Policy;
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use sim::scheduler::api::{ApiError, BookingChanges, EventBatch, EventResults, ServerTime};
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

impl HttpCentral {
    /// Central at `base` (`http://host:port`), each request given `timeout`.
    pub fn new(base: &str, token: &str, timeout: Duration) -> Result<HttpCentral, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(2)))
            .user_agent(concat!("kioskd/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
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
