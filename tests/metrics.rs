//! The metrics endpoint of a running kioskd: walk-ins counted by flow, outcome and reason, the
//! time spent on each step, every device's state, in Prometheus text format on a loopback port, and
//! nothing in it that names a person.

mod common;

use common::{day, policy, test_deck};
use drivers::DeviceKind;
use sim::demo::Walker;
use sim::demo::script::{WalkIn, Want};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A port nobody listens on now (bound, then let go for kioskd to take).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// The value of one series (`name{labels}` exactly as written), if it is there.
fn sample(body: &str, series: &str) -> Option<f64> {
    body.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn scrape(url: &str, accept: Option<&str>) -> (String, String) {
    let client = reqwest::Client::new();
    let mut req = client.get(url);
    if let Some(a) = accept {
        req = req.header("accept", a);
    }
    let resp = req.send().await.expect("scrape");
    assert!(resp.status().is_success(), "{}", resp.status());
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    (ct, resp.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walk_ins_show_in_the_metrics_and_no_person_does() {
    let t = test_deck();
    let dir = tempfile::tempdir().expect("tempdir");
    let deck_path = t.write(dir.path());
    let data = dir.path().join("data");
    let verbose = std::env::var_os("KIOSKD_TEST_VERBOSE").is_some();
    // The configuration `sim::demo::KioskSetup` writes (written here, as that struct grows fields
    // other tests fill in), with a `[metrics]` section on a free loopback port.
    let port = free_port();
    let toml = |p: &std::path::Path| toml::Value::String(p.display().to_string()).to_string();
    std::fs::create_dir_all(&data).expect("data dir");
    let config = data.join("kioskd.toml");
    let text = format!(
        "kiosk_id = \"{hall}-01\"\nhall_id = \"{hall}\"\nticket_prefix = \"A\"\ndata_dir = {data}\npolicy_file = {policy}\n\n\
         [store]\nsynchronous = \"normal\"\n\n[sim]\ndeck = {deck}\nspeed = \"fast\"\nstart_time = \"{day}T08:00:00+08:00\"\n\
         time_scale = 50.0\ncontrol_socket = {socket}\nprint_dir = {prints}\n\n[metrics]\nlisten = \"127.0.0.1:{port}\"\n",
        hall = t.hall,
        data = toml(&data),
        policy = toml(&policy()),
        deck = toml(&deck_path),
        day = day(),
        socket = toml(&data.join("control.sock")),
        prints = toml(&data.join("prints")),
    );
    std::fs::write(&config, text).expect("config");

    let socket = data.join("control.sock");
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_kioskd"));
    cmd.args(["run", "--config"]).arg(&config).stdin(Stdio::null()).kill_on_drop(true);
    if !verbose {
        cmd.stderr(Stdio::null()).env("KIOSKD_LOG", "warn");
    }
    let mut child = cmd.spawn().expect("kioskd starts");
    let start = Instant::now();
    while tokio::net::UnixStream::connect(&socket).await.is_err() {
        assert!(child.try_wait().expect("wait").is_none(), "kioskd exited at start");
        assert!(start.elapsed() < Duration::from_secs(10), "no control socket");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let url = format!("http://127.0.0.1:{port}/metrics");

    // Before anyone walks in: up, every device online, no session yet.
    let (ct, body) = scrape(&url, None).await;
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    assert_eq!(sample(&body, "kioskd_up"), Some(1.0), "{body}");
    assert!(body.contains(&format!("kioskd_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"))), "{body}");
    assert!(sample(&body, "kioskd_start_time_seconds").is_some_and(|s| s > 1.7e9), "{body}");
    assert!(!body.contains("kioskd_sessions_total{"), "{body}");
    assert!(!body.contains("kioskd_sync_up"), "no central configured: no sync figures\n{body}");

    // A check-in that gets a ticket, and one with no booking.
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("offset");
    let walkins = [
        WalkIn {
            at: Some("08:50".into()),
            rating: Some("good".into()),
            ..WalkIn::new(t.id("checkin_ok"), Want::Checkin)
        },
        WalkIn { at: Some("09:37".into()), ..WalkIn::new(t.id("no_booking"), Want::Checkin) },
    ];
    let mut walker = Walker::connect(&socket, &t.deck, offset).await.expect("walker");
    let mut clock = None;
    let mut results = Vec::new();
    for w in &walkins {
        results.push(walker.walk(w, day(), &mut clock).await.expect("walk-in"));
    }
    assert_eq!(results[0].outcome, "ticket", "{:?}", results[0]);
    assert_eq!((results[1].outcome.as_str(), results[1].reason.as_deref()), ("refused", Some("no_booking")));

    // The counters follow the kiosk's events: give them a moment.
    let ticket = "kioskd_sessions_total{flow=\"checkin\",outcome=\"ticket\"}";
    let refused = "kioskd_sessions_total{flow=\"checkin\",outcome=\"refused\"}";
    let deadline = Instant::now() + Duration::from_secs(5);
    let body = loop {
        let (_, body) = scrape(&url, None).await;
        if sample(&body, refused).is_some() || Instant::now() > deadline {
            break body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(sample(&body, ticket), Some(1.0), "{body}");
    assert_eq!(sample(&body, refused), Some(1.0), "{body}");
    assert!(!body.contains("outcome=\"issued\""), "{body}");
    assert_eq!(sample(&body, "kioskd_refusals_total{reason=\"no_booking\"}"), Some(1.0), "{body}");
    // The first applicant rated the service on their last screen.
    assert_eq!(sample(&body, "kioskd_ratings_total{flow=\"checkin\",rating=\"good\"}"), Some(1.0), "{body}");
    assert!(body.contains("# TYPE kioskd_sessions_total counter\n"), "{body}");
    assert!(body.contains("# TYPE kioskd_step_duration_seconds histogram\n"), "{body}");
    let verify = sample(&body, "kioskd_step_duration_seconds_count{step=\"verify\"}");
    assert!(verify.is_some_and(|n| n >= 1.0), "the ticket's fingerprint step is timed: {body}");
    assert!(body.contains("kioskd_step_duration_seconds_bucket{le=\"0.5\",step=\"verify\"}"), "{body}");
    assert!(body.contains("kioskd_step_duration_seconds_bucket{le=\"120.0\",step=\"verify\"}"), "{body}");
    assert_eq!(sample(&body, "kioskd_session_duration_seconds_count{flow=\"checkin\"}"), Some(2.0), "{body}");
    assert!(!body.contains("step=\"home\""), "{body}");
    for kind in DeviceKind::ALL {
        let online = format!("kioskd_device_state{{device=\"{}\",state=\"online\"}}", kind.name());
        assert_eq!(sample(&body, &online), Some(1.0), "{kind} online: {body}");
        let faulty = format!("kioskd_device_state{{device=\"{}\",state=\"hardware_error\"}}", kind.name());
        assert_eq!(sample(&body, &faulty), Some(0.0), "{body}");
    }
    assert!(!body.contains("kioskd_device_faults_total{"), "no fault happened: {body}");
    assert!(sample(&body, "kioskd_retained_cards").is_some(), "{body}");

    // Nobody's identity: not the walk-ins', not anyone's in the deck.
    for p in &t.deck.personas {
        let mut personal = vec![p.card.id_number.clone(), p.card.name.clone(), p.id.clone()];
        personal.extend(p.bookings.iter().map(|b| b.code.clone()));
        personal.extend(p.permits.iter().map(|x| x.number.clone()));
        for s in personal.iter().filter(|s| s.len() >= 4) {
            assert!(!body.contains(s.as_str()), "{s:?} of persona {} is in the metrics", p.id);
        }
    }
    for r in &results {
        if let Some(ticket) = &r.ticket {
            assert!(!body.contains(ticket.as_str()), "ticket {ticket} is in the metrics");
        }
    }

    // Prometheus asks for OpenMetrics first, and gets it.
    let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,\
                      text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    let (ct, open) = scrape(&url, Some(prometheus)).await;
    assert!(ct.starts_with("application/openmetrics-text; version=1.0.0"), "{ct}");
    assert!(open.ends_with("# EOF\n"), "{open}");
    assert!(open.contains("# TYPE kioskd_sessions counter\n") && open.contains(ticket), "{open}");

    // Only /metrics.
    let other = reqwest::get(format!("http://127.0.0.1:{port}/")).await.expect("get /");
    assert_eq!(other.status().as_u16(), 404);

    drop(walker);
    let mut c = sim::demo::client::Client::connect(&socket).await.expect("control socket");
    let _ = c.call(&sim::control::Request::Shutdown).await;
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.expect("stops").expect("status");
    assert!(status.success(), "{status}");
}
