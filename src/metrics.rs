//! Metrics on a loopback HTTP port: `GET /metrics` for Prometheus (`[metrics] listen`).
//!
//! Everything is derived from outside the runtime: the kiosk's event stream (screens shown, sessions
//! ended), its devices' health (polled every few seconds and at each scrape) and the sync task's
//! link figures. Label values come only from fixed sets (flows, outcomes, reason codes, screen ids,
//! device kinds and states): no session id, ticket, name, ID number or booking code ever reaches a
//! metric.
//!
//! Encoding: `prometheus-client` writes the OpenMetrics 1.0 text format, which is what Prometheus
//! asks for first in its `Accept` header and gets as `application/openmetrics-text; version=1.0.0`.
//! Any other client (curl, an older scraper) gets the classic Prometheus text format 0.0.4
//! (`text/plain; version=0.0.4`), converted from it by [`openmetrics_to_text`].

use crate::clock::Clock;
use crate::config::MetricsConfig;
use crate::runtime::KioskHandle;
use crate::sync::{Link, LinkHandle, LinkState};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, FixedOffset};
use drivers::{DeviceKind, DeviceState, Health};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use sim::control::{KioskEvent, SessionSummary};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;

/// How often device health is polled between scrapes (fault transitions are counted from it).
const HEALTH_EVERY: Duration = Duration::from_secs(5);
/// How long a scrape waits for the kiosk's answer about its devices (the last figures stay otherwise).
const HEALTH_WAIT: Duration = Duration::from_secs(2);
/// The content type Prometheus asks for first: OpenMetrics 1.0 text.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// The classic Prometheus text format.
pub const TEXT_004: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Buckets of one step: a human reading a screen, presenting a card, pressing a finger (0.5 s to 2 min).
const STEP_BUCKETS: [f64; 11] = [0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0];
/// Buckets of a whole session (5 s to 10 min; the machine's aim is under a minute).
const SESSION_BUCKETS: [f64; 12] = [5.0, 10.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 240.0, 300.0, 600.0];

/// Every device state, as its label value.
const STATES: [&str; 6] = ["online", "busy", "offline", "no_device", "hardware_error", "user_error"];
/// Screens where no session runs.
const IDLE_SCREENS: [&str; 2] = ["home", "out_of_service"];
/// Screens shown once a session has ended (not a step of it).
const FINAL_SCREENS: [&str; 3] = ["refusal", "checkin.ticket", "endorse.done"];

type Labels<const N: usize> = [(&'static str, &'static str); N];
type F64Gauge = Gauge<f64, AtomicU64>;

fn step_histogram() -> Histogram {
    Histogram::new(STEP_BUCKETS)
}
fn session_histogram() -> Histogram {
    Histogram::new(SESSION_BUCKETS)
}

/// The label value of a device state.
fn state_name(s: DeviceState) -> &'static str {
    match s {
        DeviceState::Online => "online",
        DeviceState::Busy => "busy",
        DeviceState::Offline => "offline",
        DeviceState::NoDevice => "no_device",
        DeviceState::HardwareError(_) => "hardware_error",
        DeviceState::UserError => "user_error",
    }
}

/// The fault a state stands for, if it is one.
fn fault_name(s: DeviceState) -> Option<&'static str> {
    match s {
        DeviceState::HardwareError(k) => Some(k.name()),
        DeviceState::NoDevice => Some("no_device"),
        DeviceState::Offline => Some("offline"),
        _ => None,
    }
}

/// Only fixed label values: anything unexpected becomes `other`.
fn flow_label(flow: &str) -> &'static str {
    ["checkin", "endorsement"].into_iter().find(|f| *f == flow).unwrap_or("other")
}
fn outcome_label(outcome: &str) -> &'static str {
    ["ticket", "issued", "refused"].into_iter().find(|o| *o == outcome).unwrap_or("other")
}
fn reason_label(reason: Option<&str>) -> &'static str {
    reason.and_then(kiosk_ui::Reason::from_code).map(kiosk_ui::Reason::code).unwrap_or("other")
}
fn step_label(screen: &str) -> &'static str {
    kiosk_ui::SCREEN_IDS.iter().copied().find(|s| *s == screen).unwrap_or("other")
}

/// Where the session tracker is.
#[derive(Debug)]
enum Phase {
    /// No session (home screen, out of service).
    Idle,
    /// A session runs: since when, and the screen shown now with when it came.
    Session { started: Instant, step: &'static str, since: Instant },
    /// A session ended: its final screen stays until home returns (or another session starts from
    /// it).
    Ended { last: &'static str },
    /// Events were missed: wait for a screen where no session runs.
    Lost,
}

/// The kiosk's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    sessions: Family<Labels<2>, Counter>,
    refusals: Family<Labels<1>, Counter>,
    ratings: Family<Labels<2>, Counter>,
    steps: Family<Labels<1>, Histogram, fn() -> Histogram>,
    session_time: Family<Labels<1>, Histogram, fn() -> Histogram>,
    device_state: Family<Labels<2>, Gauge>,
    device_faults: Family<Labels<2>, Counter>,
    consumable_left: Family<Labels<1>, Gauge>,
    retained_cards: Gauge,
    outbox_pending: Gauge,
    outbox_rejected: Gauge,
    sync_up: Gauge,
    sync_lag: F64Gauge,
    sync_skew: F64Gauge,
    phase: Mutex<Phase>,
    devices: Mutex<BTreeMap<DeviceKind, DeviceState>>,
}

impl Metrics {
    /// The metrics of a kiosk; `sync`: whether it has a link to central (the sync figures are
    /// left out otherwise).
    pub fn new(sync: bool) -> Metrics {
        let mut r = Registry::default();
        let m = Metrics {
            registry: Registry::default(),
            sessions: Family::default(),
            refusals: Family::default(),
            ratings: Family::default(),
            steps: Family::new_with_constructor(step_histogram as fn() -> Histogram),
            session_time: Family::new_with_constructor(session_histogram as fn() -> Histogram),
            device_state: Family::default(),
            device_faults: Family::default(),
            consumable_left: Family::default(),
            retained_cards: Gauge::default(),
            outbox_pending: Gauge::default(),
            outbox_rejected: Gauge::default(),
            sync_up: Gauge::default(),
            sync_lag: F64Gauge::default(),
            sync_skew: F64Gauge::default(),
            phase: Mutex::new(Phase::Idle),
            devices: Mutex::new(BTreeMap::new()),
        };
        let up = Gauge::<i64>::default();
        up.set(1);
        r.register("kioskd_up", "1 while kioskd runs", up);
        let start = F64Gauge::default();
        let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        start.set(since_epoch.as_secs_f64());
        r.register("kioskd_start_time_seconds", "When kioskd started, in seconds since the Unix epoch", start);
        r.register("kioskd_build", "kioskd's version", Info::new([("version", env!("CARGO_PKG_VERSION"))]));
        r.register("kioskd_sessions", "Sessions ended, by flow and outcome", m.sessions.clone());
        r.register("kioskd_refusals", "Sessions refused, by reason code", m.refusals.clone());
        r.register("kioskd_ratings", "Satisfaction ratings applicants gave, by flow", m.ratings.clone());
        r.register(
            "kioskd_step_duration_seconds",
            "Time an applicant spent on each screen of a session",
            m.steps.clone(),
        );
        r.register(
            "kioskd_session_duration_seconds",
            "Time from leaving the home screen to the end of the session",
            m.session_time.clone(),
        );
        r.register(
            "kioskd_device_state",
            "1 for each device's current state, 0 for the others",
            m.device_state.clone(),
        );
        r.register(
            "kioskd_device_faults",
            "Transitions of a device into a fault (hardware error kind, no_device, offline)",
            m.device_faults.clone(),
        );
        r.register("kioskd_consumable_left", "Prints of paper or ribbon left", m.consumable_left.clone());
        r.register(
            "kioskd_retained_cards",
            "Permits in the endorsement printer's retain bin",
            m.retained_cards.clone(),
        );
        if sync {
            r.register("kioskd_outbox_pending", "Events waiting for delivery to central", m.outbox_pending.clone());
            r.register("kioskd_outbox_rejected", "Events central refused, parked for staff", m.outbox_rejected.clone());
            r.register("kioskd_sync_up", "1 when the last sync round with central went through", m.sync_up.clone());
            m.sync_lag.set(f64::NAN);
            r.register(
                "kioskd_sync_lag_seconds",
                "Seconds since the last successful sync round (NaN: none yet)",
                m.sync_lag.clone(),
            );
            m.sync_skew.set(f64::NAN);
            r.register(
                "kioskd_sync_skew_seconds",
                "Central's clock minus the kiosk's at the last round (NaN: not measured yet)",
                m.sync_skew.clone(),
            );
        }
        Metrics { registry: r, ..m }
    }

    /// Take in one kiosk event, seen at `now`.
    pub fn on_event(&self, event: &KioskEvent, now: Instant) {
        match event {
            KioskEvent::Screen { screen } => self.on_screen(&screen.id, now),
            KioskEvent::SessionEnded { summary } => self.on_end(summary, now),
            KioskEvent::Rated { flow, rating } => {
                let rating = match rating.as_str() {
                    "good" => "good",
                    "ok" => "ok",
                    "bad" => "bad",
                    _ => "other",
                };
                self.ratings.get_or_create(&[("flow", flow_label(flow)), ("rating", rating)]).inc();
            }
        }
    }

    /// Some events were missed: no duration is measured until the kiosk is back at rest.
    pub fn on_lagged(&self) {
        *self.phase.lock().unwrap_or_else(|e| e.into_inner()) = Phase::Lost;
    }

    fn on_screen(&self, id: &str, now: Instant) {
        let step = step_label(id);
        let idle = IDLE_SCREENS.contains(&id);
        let mut phase = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        let start = Phase::Session { started: now, step, since: now };
        *phase = match &*phase {
            _ if idle => Phase::Idle,
            Phase::Idle => start,
            Phase::Ended { last } if *last != step => start,
            Phase::Ended { .. } | Phase::Lost => return,
            Phase::Session { started, step: was, since } => {
                if *was == step {
                    return;
                }
                self.steps.get_or_create(&[("step", was)]).observe(now.saturating_duration_since(*since).as_secs_f64());
                Phase::Session { started: *started, step, since: now }
            }
        };
    }

    fn on_end(&self, s: &SessionSummary, now: Instant) {
        let flow = flow_label(&s.flow);
        let outcome = outcome_label(&s.outcome);
        self.sessions.get_or_create(&[("flow", flow), ("outcome", outcome)]).inc();
        if outcome == "refused" {
            self.refusals.get_or_create(&[("reason", reason_label(s.reason.as_deref()))]).inc();
        }
        let mut phase = self.phase.lock().unwrap_or_else(|e| e.into_inner());
        match &*phase {
            Phase::Session { started, step, since } => {
                if !FINAL_SCREENS.contains(step) {
                    let spent = now.saturating_duration_since(*since).as_secs_f64();
                    self.steps.get_or_create(&[("step", step)]).observe(spent);
                }
                let took = now.saturating_duration_since(*started).as_secs_f64();
                self.session_time.get_or_create(&[("flow", flow)]).observe(took);
                *phase = Phase::Ended { last: step };
            }
            Phase::Idle => *phase = Phase::Ended { last: "home" },
            Phase::Ended { .. } | Phase::Lost => {}
        }
    }

    /// Take in the devices' health: state gauges, consumables, and a fault counted on each
    /// transition into a fault state.
    pub fn on_health(&self, health: &[Health]) {
        if health.is_empty() {
            return;
        }
        let mut last = self.devices.lock().unwrap_or_else(|e| e.into_inner());
        let mut retained = 0i64;
        for h in health {
            let device = h.kind.name();
            let now = state_name(h.state);
            for s in STATES {
                self.device_state.get_or_create(&[("device", device), ("state", s)]).set(i64::from(s == now));
            }
            if let Some(fault) = fault_name(h.state)
                && last.get(&h.kind) != Some(&h.state)
            {
                self.device_faults.get_or_create(&[("device", device), ("fault", fault)]).inc();
            }
            last.insert(h.kind, h.state);
            match h.consumable_left {
                Some(n) => {
                    self.consumable_left.get_or_create(&[("device", device)]).set(i64::from(n));
                }
                None => {
                    self.consumable_left.remove(&[("device", device)]);
                }
            }
            retained += i64::from(h.retained.unwrap_or(0));
        }
        self.retained_cards.set(retained);
    }

    /// Take in the link to central, read at `now` (kiosk time, as the link's own times are).
    pub fn on_link(&self, link: &Link, now: DateTime<FixedOffset>) {
        self.outbox_pending.set(i64::try_from(link.outbox.pending).unwrap_or(i64::MAX));
        self.outbox_rejected.set(i64::try_from(link.outbox.rejected).unwrap_or(i64::MAX));
        self.sync_up.set(i64::from(matches!(link.state, LinkState::Up)));
        let lag = link
            .last_ok
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| ((now - t).num_milliseconds() as f64 / 1000.0).max(0.0));
        self.sync_lag.set(lag.unwrap_or(f64::NAN));
        self.sync_skew.set(link.skew_ms.map(|s| s as f64 / 1000.0).unwrap_or(f64::NAN));
    }

    /// The exposition: OpenMetrics text, or the classic 0.0.4 text format.
    pub fn encode(&self, openmetrics: bool) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        encode(&mut out, &self.registry)?;
        Ok(if openmetrics { out } else { openmetrics_to_text(&out) })
    }
}

/// OpenMetrics text (as prometheus-client writes it) to the Prometheus text format 0.0.4: no
/// `# EOF` or `# UNIT` lines, counter families named after their `_total` samples, info metrics
/// as gauges named `*_info`. Samples are the same in both.
pub fn openmetrics_to_text(open: &str) -> String {
    let mut renamed: BTreeMap<&str, (String, &str)> = BTreeMap::new();
    for line in open.lines() {
        let mut parts = line.splitn(4, ' ');
        if let (Some("#"), Some("TYPE"), Some(name), Some(kind)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        {
            match kind {
                "counter" => renamed.insert(name, (format!("{name}_total"), "counter")),
                "info" => renamed.insert(name, (format!("{name}_info"), "gauge")),
                "unknown" => renamed.insert(name, (name.to_string(), "untyped")),
                _ => None,
            };
        }
    }
    let mut out = String::with_capacity(open.len());
    for line in open.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let mut parts = line.splitn(4, ' ');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some("#"), Some(what @ ("HELP" | "TYPE")), Some(name), rest) if renamed.contains_key(name) => {
                let (new, kind) = &renamed[name];
                let rest = if what == "TYPE" { kind } else { rest.unwrap_or("") };
                out.push_str(&format!("# {what} {new} {rest}"));
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// What a scrape reads.
struct Scrape {
    metrics: Arc<Metrics>,
    kiosk: KioskHandle,
    link: Option<LinkHandle>,
    clock: Clock,
}

async fn scrape(State(s): State<Arc<Scrape>>, headers: HeaderMap) -> Response {
    if let Ok(health) = tokio::time::timeout(HEALTH_WAIT, s.kiosk.health()).await {
        s.metrics.on_health(&health);
    }
    if let Some(link) = &s.link {
        s.metrics.on_link(&link.snapshot(), s.clock.now());
    }
    let openmetrics = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|a| a.contains("application/openmetrics-text"));
    match s.metrics.encode(openmetrics) {
        Ok(body) => ([(header::CONTENT_TYPE, if openmetrics { OPENMETRICS } else { TEXT_004 })], body).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Start the metrics server if `[metrics] listen` is set: follow the kiosk's events, poll its
/// devices' health, serve `GET /metrics`. A server that cannot start is logged, and the kiosk goes
/// on without it. Returns the address it serves on.
pub async fn spawn(
    cfg: &MetricsConfig,
    kiosk: KioskHandle,
    link: Option<LinkHandle>,
    clock: Clock,
) -> Option<SocketAddr> {
    let listen = cfg.listen.as_deref()?;
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(listen, error = %e, "no metrics: cannot listen");
            return None;
        }
    };
    let addr = listener.local_addr().ok()?;
    let metrics = Arc::new(Metrics::new(link.is_some()));

    let mut events = kiosk.subscribe();
    let m = metrics.clone();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(e) => m.on_event(&e, Instant::now()),
                Err(RecvError::Lagged(_)) => m.on_lagged(),
                Err(RecvError::Closed) => break,
            }
        }
    });

    let (m, k) = (metrics.clone(), kiosk.clone());
    tokio::spawn(async move {
        let mut every = tokio::time::interval(HEALTH_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            m.on_health(&k.health().await);
        }
    });

    let state = Arc::new(Scrape { metrics, kiosk, link, clock });
    let app = axum::Router::new().route("/metrics", get(scrape)).with_state(state);
    tracing::info!(%addr, "metrics on http://{addr}/metrics");
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the metrics server stopped");
        }
    });
    Some(addr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn errors(text: &str) -> Vec<String> {
        Config::parse(text, "k.toml").err().unwrap_or_default().iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn metrics_listen_on_loopback_unless_allowed() {
        let none = Config::parse("policy_file = \"p\"\n", "k.toml").unwrap();
        assert!(none.metrics.listen.is_none(), "no [metrics]: no server");
        let ok = "policy_file = \"p\"\n[metrics]\nlisten = \"127.0.0.1:9464\"\n";
        assert_eq!(Config::parse(ok, "k.toml").unwrap().metrics.listen.as_deref(), Some("127.0.0.1:9464"));
        assert!(errors("policy_file = \"p\"\n[metrics]\nlisten = \"[::1]:9464\"\n").is_empty());
        assert!(errors("policy_file = \"p\"\n[metrics]\n").is_empty(), "a section without listen: no server");

        let e = errors("policy_file = \"p\"\n\n[metrics]\nlisten = \"localhost\"\n");
        assert!(e.iter().any(|m| m.starts_with("k.toml:4: key `metrics.listen`") && m.contains("port")), "{e:?}");
        let remote = "policy_file = \"p\"\n[metrics]\nlisten = \"0.0.0.0:9464\"\n";
        let e = errors(remote);
        assert!(e.iter().any(|m| m.contains("metrics.listen") && m.contains("allow_remote")), "{e:?}");
        assert!(errors(&format!("{remote}allow_remote = true\n")).is_empty());
        let e = errors("policy_file = \"p\"\n[metrics]\nlisten = \"127.0.0.1:9464\"\nport = 1\n");
        assert!(e[0].contains("unknown field `port`"), "{e:?}");
    }

    fn screen(id: &str) -> KioskEvent {
        let mut s = kiosk_ui::screen(&kiosk_ui::View::Working { what: kiosk_ui::Text::new("", "") });
        s.id = id.into();
        KioskEvent::Screen { screen: s }
    }

    fn ended(flow: &str, outcome: &str, reason: Option<&str>) -> KioskEvent {
        KioskEvent::SessionEnded {
            summary: SessionSummary {
                session: "S-20261121-0001".into(),
                flow: flow.into(),
                outcome: outcome.into(),
                reason: reason.map(Into::into),
                ticket: Some("BA001".into()),
                endorsement: None,
                fee_fen: None,
                refunded: false,
                booking: None,
            },
        }
    }

    fn sample(body: &str, series: &str) -> Option<f64> {
        body.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn sessions_steps_and_durations_from_the_event_stream() {
        let m = Metrics::new(false);
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        for (e, t) in [
            (screen("home"), 0),
            (screen("checkin.present"), 1),
            (screen("checkin.confirm_card"), 4),
            (screen("checkin.confirm_card"), 5), // the countdown changed: the same step
            (screen("verify"), 10),
            (screen("checkin.printing"), 13),
            (screen("checkin.ticket"), 14),
            (ended("checkin", "ticket", None), 14),
            (screen("home"), 24),
            (screen("endorse.documents"), 30),
            (screen("refusal"), 32),
            (ended("endorsement", "refused", Some("permit_expired")), 32),
            // A new session straight from the final screen.
            (screen("checkin.present"), 35),
            (screen("refusal"), 36),
            (ended("checkin", "refused", Some("a name 王芳 is no reason")), 36),
        ] {
            m.on_event(&e, at(t));
        }
        let body = m.encode(false).unwrap();
        assert_eq!(sample(&body, "kioskd_sessions_total{flow=\"checkin\",outcome=\"ticket\"}"), Some(1.0), "{body}");
        assert_eq!(sample(&body, "kioskd_sessions_total{flow=\"checkin\",outcome=\"refused\"}"), Some(1.0));
        assert_eq!(sample(&body, "kioskd_refusals_total{reason=\"permit_expired\"}"), Some(1.0));
        assert_eq!(sample(&body, "kioskd_refusals_total{reason=\"other\"}"), Some(1.0));
        assert!(!body.contains("王芳") && !body.contains("S-2026") && !body.contains("BA001"), "{body}");
        assert_eq!(sample(&body, "kioskd_step_duration_seconds_count{step=\"checkin.confirm_card\"}"), Some(1.0));
        assert_eq!(sample(&body, "kioskd_step_duration_seconds_sum{step=\"checkin.confirm_card\"}"), Some(6.0));
        assert_eq!(sample(&body, "kioskd_step_duration_seconds_sum{step=\"verify\"}"), Some(3.0));
        assert_eq!(sample(&body, "kioskd_step_duration_seconds_count{step=\"checkin.present\"}"), Some(2.0));
        assert!(!body.contains("step=\"refusal\"") && !body.contains("step=\"home\""), "{body}");
        assert_eq!(sample(&body, "kioskd_session_duration_seconds_sum{flow=\"checkin\"}"), Some(14.0));
        assert_eq!(sample(&body, "kioskd_session_duration_seconds_count{flow=\"checkin\"}"), Some(2.0));
        assert_eq!(sample(&body, "kioskd_session_duration_seconds_sum{flow=\"endorsement\"}"), Some(2.0));
        assert!(body.contains("# TYPE kioskd_sessions_total counter\n"), "{body}");
        assert!(body.contains("kioskd_build_info{version=\""), "{body}");
        assert!(!body.contains("# EOF") && !body.contains("kioskd_sync"), "no central: no sync figures");
        let open = m.encode(true).unwrap();
        assert!(open.ends_with("# EOF\n") && open.contains("# TYPE kioskd_sessions counter\n"), "{open}");
    }

    #[test]
    fn device_states_faults_and_the_link() {
        let m = Metrics::new(true);
        let mut h: Vec<Health> = DeviceKind::ALL.into_iter().map(Health::online).collect();
        h[5].consumable_left = Some(120);
        m.on_health(&h);
        h[0].state = DeviceState::HardwareError(drivers::FaultKind::Unplugged);
        m.on_health(&h);
        m.on_health(&h); // still unplugged: not a new fault
        h[0].state = DeviceState::Online;
        m.on_health(&h);
        h[0].state = DeviceState::NoDevice;
        m.on_health(&h);
        let now = DateTime::parse_from_rfc3339("2026-11-21T09:00:10+08:00").unwrap();
        let link = Link {
            state: LinkState::Up,
            last_ok: Some("2026-11-21T09:00:00+08:00".into()),
            skew_ms: Some(-1500),
            ..Default::default()
        };
        m.on_link(&link, now);
        let body = m.encode(false).unwrap();
        assert_eq!(sample(&body, "kioskd_device_faults_total{device=\"idcard\",fault=\"unplugged\"}"), Some(1.0));
        assert_eq!(sample(&body, "kioskd_device_faults_total{device=\"idcard\",fault=\"no_device\"}"), Some(1.0));
        assert_eq!(sample(&body, "kioskd_device_state{device=\"idcard\",state=\"no_device\"}"), Some(1.0));
        assert_eq!(sample(&body, "kioskd_device_state{device=\"idcard\",state=\"online\"}"), Some(0.0));
        assert_eq!(sample(&body, "kioskd_device_state{device=\"payment\",state=\"online\"}"), Some(1.0));
        assert_eq!(sample(&body, "kioskd_consumable_left{device=\"receipt\"}"), Some(120.0), "{body}");
        assert_eq!(sample(&body, "kioskd_sync_up"), Some(1.0));
        assert_eq!(sample(&body, "kioskd_sync_lag_seconds"), Some(10.0));
        assert_eq!(sample(&body, "kioskd_sync_skew_seconds"), Some(-1.5));
        m.on_link(&Link::default(), now);
        let body = m.encode(false).unwrap();
        assert!(body.contains("\nkioskd_sync_lag_seconds NaN\n"), "never synced: {body}");
        assert_eq!(sample(&body, "kioskd_sync_up"), Some(0.0));
    }
}
