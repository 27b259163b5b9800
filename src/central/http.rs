//! Central over HTTP/JSON: the scheduler's kiosk API (`/v1/kiosk/...`) and the applicant services
//! a kiosk token may use for anyone (queries, halls and slots, booking), with the kiosk's bearer
//! credential. Every failure is a [`CentralError`] that says what went wrong: no answer (down,
//! timeout, a 5xx), an answer that is not what the API promises (garbled, too large), or a refusal
//! (a 4xx with central's error code and message: `slot_full`, `same_day`, ...). Nothing central
//! sends can panic the kiosk. Ids and codes go into paths as one escaped segment each.
//!
//! With cargo feature `tls`, central may be `https://` with mutual TLS: the kiosk trusts only the CA
//! it is given and shows its own certificate ([`TlsIdentity`]); the bearer token still goes along.

use super::{
    AuthRequest, Authorisation, Booking, BookingRecord, BookingRequest, Bookings, CancelResult, Central, CentralError,
    Documents, Endorsements, HallInfo, HallSlots, Progress, RebookRequest, TravelRecords,
};
use crate::policy::Policy;
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use sim::scheduler::api::{ApiError, BookingChanges, EventBatch, EventResults, ServerTime};
use sim::scheduler::public_api::Halls;
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

    /// Central's URL with these path segments after its own path, each escaped as one segment (an
    /// id with `/`, `?`, `#` or `%` stays one segment), and `query`. An empty, `.` or `..` segment
    /// is refused here as central would refuse it (400 `bad_request`), and nothing is sent.
    fn endpoint(&self, segments: &[&str], query: &[(&str, String)]) -> Result<reqwest::Url, CentralError> {
        if let Some(s) = segments.iter().find(|s| s.is_empty() || **s == "." || **s == "..") {
            return Err(CentralError::Refused {
                status: 400,
                code: "bad_request".into(),
                message: format!("{s:?} is no id or code (not sent to central)"),
            });
        }
        let mut url =
            reqwest::Url::parse(&self.base).map_err(|e| CentralError::Unreachable(format!("central.url: {e}")))?;
        url.path_segments_mut()
            .map_err(|()| CentralError::Unreachable(format!("central.url {} cannot take a path", self.base)))?
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    async fn get<T: DeserializeOwned>(&self, segments: &[&str], query: &[(&str, String)]) -> Result<T, CentralError> {
        self.send(self.client.get(self.endpoint(segments, query)?)).await
    }

    /// The halls nearest first from a point, at most `limit` (central takes at most 100).
    async fn halls(&self, near: Option<(f64, f64)>, limit: usize) -> Result<Vec<HallInfo>, CentralError> {
        let mut q = vec![("limit", limit.to_string())];
        if let Some((lat, lon)) = near {
            q.extend([("lat", lat.to_string()), ("lon", lon.to_string())]);
        }
        Ok(self.get::<Halls>(&["v1", "halls"], &q).await?.halls)
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
        decode_answer(status.as_u16(), &body)
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

/// The most of central's error code and message kept (they reach the screen and the log).
const MAX_MESSAGE: usize = 200;

fn clip(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(MAX_MESSAGE).collect()
}

/// What an answer of central with HTTP `status` and `body` means: the value the API promises, or a
/// typed error. Pure, so that anything central might send can be fuzzed: nothing panics, and
/// central's words are clipped before they reach a screen or a log.
pub fn decode_answer<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, CentralError> {
    if (200..300).contains(&status) {
        return serde_json::from_slice(body).map_err(|e| CentralError::Garbled(clip(&e.to_string())));
    }
    let (code, message) = match serde_json::from_slice::<ApiError>(body) {
        Ok(e) => (clip(&e.error), clip(&e.message)),
        Err(_) => (String::new(), clip(&String::from_utf8_lossy(&body[..body.len().min(MAX_MESSAGE)]))),
    };
    if !(200..500).contains(&status) {
        Err(CentralError::Unreachable(format!("central failed ({status}): {code}: {message}")))
    } else {
        Err(CentralError::Refused { status, code, message })
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

    fn serves_applicants(&self) -> bool {
        true
    }

    async fn progress(&self, id_number: &str) -> Result<Progress, CentralError> {
        self.get(&["v1", "applicants", id_number, "progress"], &[]).await
    }

    async fn endorsements(&self, id_number: &str) -> Result<Endorsements, CentralError> {
        self.get(&["v1", "applicants", id_number, "endorsements"], &[]).await
    }

    async fn documents(&self, id_number: &str) -> Result<Documents, CentralError> {
        self.get(&["v1", "applicants", id_number, "documents"], &[]).await
    }

    async fn travel_records(&self, id_number: &str) -> Result<TravelRecords, CentralError> {
        self.get(&["v1", "applicants", id_number, "travel-records"], &[]).await
    }

    async fn halls_near(&self, hall: &str, limit: usize) -> Result<Vec<HallInfo>, CentralError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Central lists at most 100 halls; the kiosk's own is among them or unknown to central.
        let own = self.halls(None, 100).await?.into_iter().find(|h| h.id == hall);
        let own = own.ok_or_else(|| CentralError::Garbled(format!("central lists no hall {hall:?} (this kiosk's)")))?;
        let mut near = self.halls(Some((own.lat, own.lon)), limit).await?;
        // Own hall first (distance 0), even if another stands at the very same point.
        if let Some(i) = near.iter().position(|h| h.id == hall) {
            let me = near.remove(i);
            near.insert(0, me);
        }
        Ok(near)
    }

    async fn slots(&self, hall: &str, from: NaiveDate, to: NaiveDate) -> Result<HallSlots, CentralError> {
        self.get(&["v1", "halls", hall, "slots"], &[("from", from.to_string()), ("to", to.to_string())]).await
    }

    async fn applicant_bookings(&self, id_number: &str) -> Result<Bookings, CentralError> {
        self.get(&["v1", "applicants", id_number, "bookings"], &[]).await
    }

    async fn book(&self, req: &BookingRequest) -> Result<Booking, CentralError> {
        self.send(self.client.post(self.endpoint(&["v1", "bookings"], &[])?).json(req)).await
    }

    async fn cancel_booking(&self, code: &str) -> Result<CancelResult, CentralError> {
        self.send(self.client.post(self.endpoint(&["v1", "bookings", code, "cancel"], &[])?)).await
    }

    async fn rebook(&self, code: &str, req: &RebookRequest) -> Result<Booking, CentralError> {
        self.send(self.client.post(self.endpoint(&["v1", "bookings", code, "rebook"], &[])?).json(req)).await
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

    proptest::proptest! {
        /// Whatever central sends, with whatever status: the promised value or a typed error with
        /// a short, printable message; never a panic.
        #[test]
        fn any_answer_is_a_value_or_a_typed_error(status in 100u16..600, body in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            check_answer::<BookingChanges>(status, &body)?;
            check_answer::<Authorisation>(status, &body)?;
            check_answer::<super::super::Bookings>(status, &body)?;
            check_answer::<EventResults>(status, &body)?;
        }

        /// Almost-right JSON (a valid answer with one byte changed) is handled the same way.
        #[test]
        fn almost_right_answers_are_typed(at in 0usize..400, byte in proptest::num::u8::ANY) {
            let good = br#"{"bookings":[{"code":"ABCD2345","hall":"gz-tianhe","id_number":"11010519491231002X","date":"2026-11-21","slot_start":"09:00","slot_end":"09:30","business":"renewal","status":"active"}],"cursor":"c1","more":false}"#;
            let mut body = good.to_vec();
            let i = at % body.len();
            body[i] = byte;
            check_answer::<BookingChanges>(200, &body)?;
        }
    }

    fn check_answer<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<(), proptest::test_runner::TestCaseError> {
        match decode_answer::<T>(status, body) {
            Ok(_) => proptest::prop_assert!((200..300).contains(&status)),
            Err(CentralError::Refused { code, message, .. }) => {
                proptest::prop_assert!((300..500).contains(&status));
                proptest::prop_assert!(code.chars().count() <= MAX_MESSAGE && message.chars().count() <= MAX_MESSAGE);
                proptest::prop_assert!(!message.chars().any(char::is_control));
            }
            Err(CentralError::Garbled(m)) => {
                proptest::prop_assert!((200..300).contains(&status) && m.chars().count() <= MAX_MESSAGE)
            }
            Err(CentralError::Unreachable(m)) => proptest::prop_assert!(!(200..500).contains(&status), "{}", m),
        }
        Ok(())
    }

    #[test]
    fn central_s_words_are_clipped_before_they_reach_a_screen() {
        let long = format!(r#"{{"error":"slot_full","message":"{}\u0007"}}"#, "x".repeat(10_000));
        match decode_answer::<BookingChanges>(409, long.as_bytes()) {
            Err(CentralError::Refused { status: 409, code, message }) => {
                assert_eq!(code, "slot_full");
                assert_eq!(message.len(), MAX_MESSAGE);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(decode_answer::<BookingChanges>(503, b"busy"), Err(CentralError::Unreachable(_))));
    }
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

    fn central(base: &str) -> HttpCentral {
        HttpCentral::new(base, "t", Duration::from_secs(2)).expect("a client")
    }

    #[test]
    fn ids_and_codes_are_one_escaped_path_segment_each() {
        let c = central("http://127.0.0.1:8480/");
        let url = |segments: &[&str], q: &[(&str, String)]| c.endpoint(segments, q).map(|u| u.to_string());
        assert_eq!(
            url(&["v1", "applicants", "44010619900101123X", "progress"], &[]).as_deref(),
            Ok("http://127.0.0.1:8480/v1/applicants/44010619900101123X/progress")
        );
        // `/`, `?`, `#`, `%` and spaces stay inside their segment: no other endpoint, no query.
        assert_eq!(
            url(&["v1", "bookings", "AB/../x?y#z %2F", "cancel"], &[]).as_deref(),
            Ok("http://127.0.0.1:8480/v1/bookings/AB%2F..%2Fx%3Fy%23z%20%252F/cancel")
        );
        assert_eq!(
            url(&["v1", "halls", "广州/天河", "slots"], &[("from", "2026-05-19".into()), ("to", "a&b=c".into())])
                .as_deref(),
            Ok(
                "http://127.0.0.1:8480/v1/halls/%E5%B9%BF%E5%B7%9E%2F%E5%A4%A9%E6%B2%B3/slots?from=2026-05-19&to=a%26b%3Dc"
            )
        );
        for bad in ["", ".", ".."] {
            let e = c.endpoint(&["v1", "bookings", bad, "cancel"], &[]).unwrap_err();
            assert!(
                matches!(&e, CentralError::Refused { status: 400, code, .. } if code == "bad_request"),
                "{bad:?}: {e}"
            );
        }
        // Central under a path prefix keeps it.
        let c = central("https://central.example/nia/");
        assert_eq!(
            c.endpoint(&["v1", "applicants", "x y", "travel-records"], &[]).map(|u| u.to_string()).as_deref(),
            Ok("https://central.example/nia/v1/applicants/x%20y/travel-records")
        );
        let c = central("not a url");
        assert!(matches!(c.endpoint(&["v1"], &[]), Err(CentralError::Unreachable(m)) if m.contains("central.url")));
    }

    /// A stand-in for central on loopback: answers each request with what `answer` says for its
    /// request line (status and body), and records the request lines.
    async fn fake_central(
        answer: impl Fn(&str) -> (u16, String) + Send + Sync + 'static,
    ) -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (log, answer) = (seen.clone(), Arc::new(answer));
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let (log, answer) = (log.clone(), answer.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    // Headers, then as much body as Content-Length says.
                    let head_end = loop {
                        let Ok(n) = sock.read(&mut chunk).await else { return };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                    let len = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string())
                        })
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(0);
                    while buf.len() < head_end + len {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let line = head.lines().next().unwrap_or("").to_string();
                    let (status, body) = answer(&line);
                    log.lock().unwrap_or_else(|e| e.into_inner()).push(line);
                    let resp = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(resp.as_bytes()).await;
                });
            }
        });
        (base, seen)
    }

    fn hall(id: &str, lat: f64, lon: f64, distance: Option<f64>) -> serde_json::Value {
        serde_json::json!({"id": id, "name_zh": "大厅", "name_en": "Hall", "city": "广州", "lat": lat, "lon": lon,
            "distance_km": distance,
            "opening_hours": {"days": ["Mon"], "opens": "08:30", "closes": "17:00"},
            "policy": {"slot_minutes": 30, "slot_capacity": 6, "cancel_cutoff_hours": 24, "max_cancellations": 3,
                       "cancel_window_days": 30, "ban_days": 30}})
    }

    #[tokio::test]
    async fn halls_near_finds_the_own_hall_then_asks_from_its_point() {
        let (base, seen) = fake_central(|line| {
            let body = if line.contains("lat=") {
                // Another hall at the very same point sorts first at central: ours still leads.
                serde_json::json!({"halls": [hall("aa-twin", 23.5, 113.25, Some(0.0)), hall("gz-tianhe", 23.5, 113.25, Some(0.0))]})
            } else {
                serde_json::json!({"halls": [hall("aa-twin", 23.5, 113.25, None), hall("gz-tianhe", 23.5, 113.25, None)]})
            };
            (200, body.to_string())
        })
        .await;
        let c = central(&base);
        let near = c.halls_near("gz-tianhe", 5).await.expect("halls");
        assert_eq!(near.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), ["gz-tianhe", "aa-twin"]);
        let lines = seen.lock().unwrap().clone();
        assert_eq!(lines, ["GET /v1/halls?limit=100 HTTP/1.1", "GET /v1/halls?limit=5&lat=23.5&lon=113.25 HTTP/1.1"]);
        let e = c.halls_near("nowhere", 5).await.unwrap_err();
        assert!(matches!(&e, CentralError::Garbled(m) if m.contains("no hall \"nowhere\"")), "{e}");
        assert_eq!(c.halls_near("gz-tianhe", 0).await, Ok(Vec::new()));
    }

    #[tokio::test]
    async fn refusals_carry_central_s_code_and_garbage_is_typed() {
        let (base, seen) = fake_central(|line| {
            if line.contains("/rebook") {
                (409, r#"{"error":"slot_full","message":"no seat left"}"#.into())
            } else if line.contains("/cancel") {
                (422, "not json".into())
            } else if line.contains("/progress") {
                (200, r#"{"applications": 7}"#.into())
            } else if line.contains("/documents") {
                (503, r#"{"error":"busy","message":"try again"}"#.into())
            } else {
                (404, r#"{"error":"unknown_applicant","message":"central knows no applicant"}"#.into())
            }
        })
        .await;
        let c = central(&base);
        let req =
            RebookRequest { date: NaiveDate::from_ymd_opt(2026, 5, 20).unwrap_or_default(), start: "10:00".into() };
        let e = c.rebook("AB CD/1", &req).await.unwrap_err();
        assert_eq!(e, CentralError::Refused { status: 409, code: "slot_full".into(), message: "no seat left".into() });
        let e = c.cancel_booking("ABCD2345").await.unwrap_err();
        assert!(
            matches!(&e, CentralError::Refused { status: 422, code, message } if code.is_empty() && message == "not json"),
            "{e}"
        );
        assert!(matches!(c.progress("x").await, Err(CentralError::Garbled(_))));
        assert!(matches!(c.documents("x").await, Err(CentralError::Unreachable(m)) if m.contains("busy")));
        let e = c.travel_records("x").await.unwrap_err();
        assert!(matches!(&e, CentralError::Refused { status: 404, code, .. } if code == "unknown_applicant"), "{e}");
        let lines = seen.lock().unwrap().clone();
        assert_eq!(lines[0], "POST /v1/bookings/AB%20CD%2F1/rebook HTTP/1.1");
        assert_eq!(lines[1], "POST /v1/bookings/ABCD2345/cancel HTTP/1.1");
        assert_eq!(lines[4], "GET /v1/applicants/x/travel-records HTTP/1.1");
        // Nobody there: unreachable.
        let gone = central("http://127.0.0.1:1");
        assert!(matches!(gone.endorsements("x").await, Err(CentralError::Unreachable(_))));
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
