//! The sync against a central that misbehaves: garbage, wrong answers, hostile sizes, slowness,
//! refusals. Each round fails with a clear error, the link reads down, and nothing in the outbox or
//! the bookings cache is lost or changed; a well-behaved answer afterwards goes through.

use kioskd::central::http::HttpCentral;
use kioskd::clock::Clock;
use kioskd::store::sync as db;
use kioskd::sync::{LinkState, Sync, SyncError, SyncOptions};
use rusqlite::params;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How the fake central answers one request.
#[derive(Clone)]
enum Answer {
    /// A status and a body.
    Json(u16, String),
    /// Headers promising a body, then this many bytes of it.
    Huge(usize),
    /// Nothing for this long, then a good answer.
    Slow(Duration, String),
    /// Close the connection without a word.
    Hangup,
}

type Script = Arc<Mutex<Box<dyn FnMut(&str, &str) -> Answer + Send>>>;

async fn fake_central(script: Script) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else { return };
            let script = script.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                // Read the head and the body the head announces.
                let (head, need) = loop {
                    let Ok(n) = s.read(&mut chunk).await else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_string();
                        let len = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string())
                            })
                            .and_then(|v| v.parse::<usize>().ok())
                            .unwrap_or(0);
                        break (head, end + 4 + len);
                    }
                };
                while buf.len() < need {
                    let Ok(n) = s.read(&mut chunk).await else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let mut words = head.split_whitespace();
                let (method, path) = (words.next().unwrap_or("").to_string(), words.next().unwrap_or("").to_string());
                let answer = (script.lock().expect("script"))(&method, &path);
                let reply = |status: u16, body: &str| {
                    format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let _ = match answer {
                    Answer::Json(status, body) => s.write_all(reply(status, &body).as_bytes()).await,
                    Answer::Slow(d, body) => {
                        tokio::time::sleep(d).await;
                        s.write_all(reply(200, &body).as_bytes()).await
                    }
                    Answer::Huge(n) => {
                        let head =
                            format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {n}\r\n\r\n");
                        let _ = s.write_all(head.as_bytes()).await;
                        let block = vec![b' '; 1 << 16];
                        let mut sent = 0;
                        while sent < n {
                            if s.write_all(&block).await.is_err() {
                                break;
                            }
                            sent += block.len();
                        }
                        Ok(())
                    }
                    Answer::Hangup => Ok(()),
                };
            });
        }
    });
    format!("http://{addr}")
}

const TIME: &str = r#"{"now":"2026-11-21T09:00:00+08:00"}"#;
const NO_CHANGES: &str = r#"{"bookings":[],"cursor":"5","more":false}"#;

struct Kiosk {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

fn kiosk_store() -> Kiosk {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("kioskd.sqlite");
    let c = db::open(&path).expect("store");
    for (i, kind) in ["checkin", "session", "endorsement_issued"].iter().enumerate() {
        c.execute(
            "INSERT INTO outbox (key, kind, payload, created_at) VALUES (?1, ?2, '{\"n\":1}', '2026-11-21T09:00:00+08:00')",
            params![format!("k1:s{i}:{kind}"), kind],
        )
        .expect("event");
    }
    Kiosk { _dir: dir, path }
}

fn sync_to(url: &str, k: &Kiosk, timeout: Duration) -> Sync {
    let central = Arc::new(HttpCentral::new(url, "k1-token", timeout).expect("client"));
    let clock = Clock::system(sim::HALL_OFFSET);
    Sync::new(central, &k.path, "h1", clock, SyncOptions::default()).expect("sync")
}

fn pending(k: &Kiosk) -> u64 {
    db::outbox_stats(&db::open(&k.path).expect("store")).expect("stats").pending
}

fn script(f: impl FnMut(&str, &str) -> Answer + Send + 'static) -> Script {
    Arc::new(Mutex::new(Box::new(f)))
}

/// Answers every request well except the events, which get `events`.
fn events_answer(events: Answer) -> Script {
    script(move |_, path| {
        if path.starts_with("/v1/time") {
            Answer::Json(200, TIME.into())
        } else if path.starts_with("/v1/kiosk/bookings") {
            Answer::Json(200, NO_CHANGES.into())
        } else {
            events.clone()
        }
    })
}

async fn fails(url: &str, k: &Kiosk, timeout: Duration, what: &str) -> String {
    let sync = sync_to(url, k, timeout);
    let e = sync.round().await.expect_err(what);
    assert_eq!(pending(k), 3, "{what}: the outbox keeps every event");
    e.to_string()
}

#[tokio::test]
async fn garbage_wrong_and_hostile_answers_lose_nothing() {
    let k = kiosk_store();
    let cases: Vec<(&str, Answer, &str)> = vec![
        ("not JSON", Answer::Json(200, "<html>proxy error</html>".into()), "garbled"),
        ("JSON of another shape", Answer::Json(200, r#"{"ok":true}"#.into()), "garbled"),
        (
            "results for other events",
            Answer::Json(200, r#"{"results":[{"key":"zzz","status":"accepted"}]}"#.into()),
            "do not match",
        ),
        (
            "too few results",
            Answer::Json(200, r#"{"results":[{"key":"k1:s0:checkin","status":"accepted"}]}"#.into()),
            "do not match",
        ),
        ("a server error", Answer::Json(503, r#"{"error":"overloaded","message":"later"}"#.into()), "overloaded"),
        ("a refusal", Answer::Json(401, r#"{"error":"unauthorised","message":"bad token"}"#.into()), "401"),
        ("a hang-up", Answer::Hangup, "central"),
        ("a body of 20 MB", Answer::Huge(20 << 20), "larger than"),
    ];
    for (what, answer, says) in cases {
        let url = fake_central(events_answer(answer)).await;
        let e = fails(&url, &k, Duration::from_secs(5), what).await;
        assert!(e.contains(says), "{what}: {e}");
    }
    // A slow central: the request times out, the link reads down.
    let url = fake_central(events_answer(Answer::Slow(Duration::from_secs(3), "{}".into()))).await;
    let sync = sync_to(&url, &k, Duration::from_millis(300));
    let link = sync.link();
    let e = sync.round().await.expect_err("slow");
    assert!(matches!(e, SyncError::Central(_)) && e.to_string().contains("in time"), "{e}");
    assert_eq!(pending(&k), 3);
    assert_ne!(link.snapshot().state, LinkState::Up);

    // Central answers properly at last: one event accepted, one a duplicate, one rejected.
    let good = r#"{"results":[
        {"key":"k1:s0:checkin","status":"accepted"},
        {"key":"k1:s1:session","status":"duplicate"},
        {"key":"k1:s2:endorsement_issued","status":"rejected","error":"missing field offer"}]}"#;
    let url = fake_central(events_answer(Answer::Json(200, good.into()))).await;
    let sync = sync_to(&url, &k, Duration::from_secs(5));
    let round = sync.round().await.expect("a good round");
    assert_eq!(round.events, 3);
    let stats = db::outbox_stats(&db::open(&k.path).expect("store")).expect("stats");
    assert_eq!((stats.pending, stats.delivered, stats.rejected), (0, 2, 1), "{stats:?}");
    let link = sync.link().snapshot();
    assert_eq!(link.state, LinkState::Up);
    assert_eq!((link.events_delivered, link.events_rejected), (2, 1));
}

#[tokio::test]
async fn nonsense_bookings_are_skipped_and_a_stuck_cursor_is_refused() {
    let k = kiosk_store();
    let page = r#"{"bookings":[
        {"code":"GOOD0001","hall":"h1","id_number":"11010519491231002X","date":"2026-11-21","slot_start":"09:00","slot_end":"09:30","business":"renewal"},
        {"code":"OTHER001","hall":"h9","id_number":"11010519491231002X","date":"2026-11-21","slot_start":"09:00","slot_end":"09:30","business":"renewal"},
        {"code":"BADID001","hall":"h1","id_number":"123","date":"2026-11-21","slot_start":"09:00","slot_end":"09:30","business":"renewal"}
    ],"cursor":"12","more":false}"#;
    let events = r#"{"results":[
        {"key":"k1:s0:checkin","status":"accepted"},
        {"key":"k1:s1:session","status":"accepted"},
        {"key":"k1:s2:endorsement_issued","status":"accepted"}]}"#;
    let url = fake_central(script(move |_, path| {
        if path.starts_with("/v1/time") {
            Answer::Json(200, TIME.into())
        } else if path.starts_with("/v1/kiosk/bookings") {
            Answer::Json(200, page.into())
        } else {
            Answer::Json(200, events.into())
        }
    }))
    .await;
    let sync = sync_to(&url, &k, Duration::from_secs(5));
    sync.round().await.expect("round");
    let c = db::open(&k.path).expect("store");
    let codes: Vec<String> = c
        .prepare("SELECT code FROM bookings")
        .expect("query")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("codes");
    assert_eq!(codes, ["GOOD0001"]);
    assert_eq!(db::cursor(&c).expect("cursor").as_deref(), Some("12"));
    assert_eq!(sync.link().snapshot().bookings_skipped, 2);

    // "More" promised for ever with the same cursor: refused, not looped on.
    let url = fake_central(script(|_, path| {
        if path.starts_with("/v1/time") {
            Answer::Json(200, TIME.into())
        } else {
            Answer::Json(200, r#"{"bookings":[],"cursor":"12","more":true}"#.into())
        }
    }))
    .await;
    let e = sync_to(&url, &k, Duration::from_secs(5)).round().await.expect_err("stuck cursor");
    assert!(e.to_string().contains("cursor"), "{e}");
}
