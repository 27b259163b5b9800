//! The sync task: keeps this hall's bookings cache current from central (incrementally, by cursor)
//! and delivers the outbox (oldest first, so each session's events arrive in order; each event with
//! its idempotency key, so a retry after a lost answer is recorded once). It runs beside the kiosk
//! on its own store connection and never blocks a session: check-in works from the cache while the
//! link is down, and whatever waits in the outbox goes out when it comes back.
//!
//! Failures back off exponentially with jitter. Central's clock is read each round; the kiosk keeps
//! its own (an idempotency key or a cursor never depends on a clock) and reports the skew.

pub mod backoff;

use crate::central::CentralError;
use crate::central::http::HttpCentral;
use crate::clock::Clock;
use crate::store::StoreError;
use crate::store::sync::{self as db, OutboxStats, Settled};
use backoff::Backoff;
use rusqlite::Connection;
use serde::Serialize;
use sim::scheduler::api::{Event, EventBatch, EventStatus};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the sync runs.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Pause between rounds while the link is up.
    pub interval: Duration,
    /// Events per delivery.
    pub batch: usize,
    /// Bookings per page.
    pub page: u32,
    /// First wait after a failure.
    pub backoff_base: Duration,
    /// Longest wait after failures.
    pub backoff_max: Duration,
    /// Seed of the backoff jitter (differs per kiosk).
    pub seed: u64,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            interval: Duration::from_secs(2),
            batch: 100,
            page: 1000,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            seed: 0,
        }
    }
}

/// The link to central as staff see it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// Not tried yet.
    #[default]
    Unknown,
    /// The last round went through.
    Up,
    /// The last round failed; retrying with backoff.
    Down,
}

/// The link's figures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Link {
    /// Up or down.
    pub state: LinkState,
    /// When it last went through (kiosk time).
    pub last_ok: Option<String>,
    /// The last failure.
    pub last_error: Option<String>,
    /// Failed rounds in a row.
    pub failures: u32,
    /// Rounds that went through since start.
    pub rounds: u64,
    /// Central's clock minus the kiosk's, in milliseconds (at the last round).
    pub skew_ms: Option<i64>,
    /// Bookings cursor.
    pub cursor: Option<String>,
    /// Bookings stored or updated since start.
    pub bookings_applied: u64,
    /// Records from central refused as nonsense since start.
    pub bookings_skipped: u64,
    /// Events delivered since start (duplicates included).
    pub events_delivered: u64,
    /// Events central refused for good since start.
    pub events_rejected: u64,
    /// The outbox now.
    pub outbox: OutboxStats,
}

/// A shared view of the link.
#[derive(Debug, Clone, Default)]
pub struct LinkHandle(Arc<Mutex<Link>>);

impl LinkHandle {
    /// The link now.
    pub fn snapshot(&self) -> Link {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn update(&self, f: impl FnOnce(&mut Link)) {
        f(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

/// What can stop a round.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Central failed.
    #[error(transparent)]
    Central(#[from] CentralError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Bookings stored or removed.
    pub bookings: usize,
    /// Events settled (delivered or rejected).
    pub events: usize,
}

/// The devices' health, when the kiosk answers.
pub type HealthFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Vec<drivers::Health>> + Send>>;

/// Where the sync reads the devices' health from (the running kiosk).
pub type HealthSource = Arc<dyn Fn() -> HealthFuture + Send + std::marker::Sync>;

/// The sync task.
pub struct Sync {
    central: Arc<HttpCentral>,
    health: Option<(String, HealthSource)>,
    reported: Mutex<Option<(serde_json::Value, tokio::time::Instant)>>,
    conn: Arc<Mutex<Connection>>,
    hall: String,
    clock: Clock,
    opts: SyncOptions,
    link: LinkHandle,
}

impl Sync {
    /// A sync for the store at `store_path` (opened a second time) of a kiosk in `hall`.
    pub fn new(
        central: Arc<HttpCentral>,
        store_path: &Path,
        hall: &str,
        clock: Clock,
        opts: SyncOptions,
    ) -> Result<Sync, StoreError> {
        let conn = db::open(store_path)?;
        Ok(Sync {
            central,
            health: None,
            reported: Mutex::new(None),
            conn: Arc::new(Mutex::new(conn)),
            hall: hall.to_string(),
            clock,
            opts,
            link: LinkHandle::default(),
        })
    }

    /// Report the devices' health of kiosk `kiosk_id` to central: when it changes, and every ten
    /// minutes. Health is a latest-state report, sent directly rather than through the outbox.
    pub fn with_health(mut self, kiosk_id: &str, source: HealthSource) -> Sync {
        self.health = Some((kiosk_id.to_string(), source));
        self
    }

    /// The link, for status.
    pub fn link(&self) -> LinkHandle {
        self.link.clone()
    }

    /// Run a closure on the store connection, off the runtime's thread.
    async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || f(&mut conn.lock().unwrap_or_else(|e| e.into_inner())))
            .await
            .map_err(|e| StoreError::Corrupt { what: "sync task".into(), message: e.to_string() })?
    }

    /// Run rounds for ever: at `interval` while the link is up (sooner when nudged), with backoff
    /// while it is down.
    pub async fn run(self) {
        let nudge = self.central.nudge();
        let mut backoff = Backoff::new(self.opts.backoff_base, self.opts.backoff_max, self.opts.seed);
        loop {
            let wait = match self.round().await {
                Ok(_) => {
                    if backoff.failures() > 0 {
                        tracing::info!(after = backoff.failures(), "central link back up");
                    }
                    backoff.reset();
                    self.opts.interval
                }
                Err(e) => {
                    let wait = backoff.next_wait();
                    if backoff.failures() == 1 {
                        tracing::warn!(error = %e, "central link down: check-in goes on from the cache");
                    } else {
                        tracing::debug!(error = %e, failures = backoff.failures(), ?wait, "central still down");
                    }
                    self.link.update(|l| {
                        l.state = LinkState::Down;
                        l.last_error = Some(e.to_string());
                        l.failures = backoff.failures();
                    });
                    wait
                }
            };
            if backoff.failures() == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = nudge.notified() => {}
                }
            } else {
                tokio::time::sleep(wait).await;
            }
        }
    }

    /// One round: central's clock, the bookings changed since the cursor, then the outbox.
    pub async fn round(&self) -> Result<Round, SyncError> {
        let t = self.central.time().await?;
        let skew = (t.now - self.clock.now()).num_milliseconds();
        const FIVE_MINUTES: i64 = 5 * 60 * 1000;
        let was = self.link.snapshot().skew_ms;
        if skew.abs() > FIVE_MINUTES && was.is_none_or(|w| w.abs() <= FIVE_MINUTES) {
            tracing::warn!(skew_ms = skew, "central's clock and the kiosk's differ by over five minutes");
        }
        self.link.update(|l| l.skew_ms = Some(skew));
        let bookings = self.pull().await?;
        let events = self.drain().await?;
        self.report_health().await?;
        tracing::debug!(bookings, events, skew_ms = skew, "sync round");
        let outbox = self.db(|c| db::outbox_stats(c)).await?;
        let now = self.clock.now().to_rfc3339();
        self.link.update(|l| {
            l.state = LinkState::Up;
            l.last_ok = Some(now);
            l.failures = 0;
            l.rounds += 1;
            l.outbox = outbox;
        });
        Ok(Round { bookings, events })
    }

    /// Pull booking changes until central has no more.
    async fn pull(&self) -> Result<usize, SyncError> {
        let mut cursor = self.db(|c| db::cursor(c)).await?;
        let mut changed = 0;
        loop {
            let page = self.central.changes(cursor.as_deref(), self.opts.page).await?;
            if page.more && cursor.as_deref() == Some(page.cursor.as_str()) {
                return Err(CentralError::Garbled("more bookings promised without the cursor moving".into()).into());
            }
            if page.bookings.len() > self.opts.page as usize {
                return Err(CentralError::Garbled(format!(
                    "{} bookings in a page of {}",
                    page.bookings.len(),
                    self.opts.page
                ))
                .into());
            }
            let hall = self.hall.clone();
            let next = page.cursor.clone();
            let applied = self.db(move |c| db::apply_changes(c, &hall, &page.bookings, &next)).await?;
            for why in &applied.skipped {
                tracing::warn!(why = %why, "a booking from central was not cached");
            }
            changed += applied.stored + applied.removed;
            self.link.update(|l| {
                l.bookings_applied += (applied.stored + applied.removed) as u64;
                l.bookings_skipped += applied.skipped.len() as u64;
                l.cursor = Some(page.cursor.clone());
            });
            cursor = Some(page.cursor);
            if !page.more {
                return Ok(changed);
            }
        }
    }

    /// Tell central how the devices are, if that changed (or ten minutes passed).
    async fn report_health(&self) -> Result<(), SyncError> {
        let Some((kiosk, source)) = &self.health else { return Ok(()) };
        // Cards and permits coming and going are not news for central: media only when it is a
        // problem (jammed, near end, out).
        let devices: Vec<drivers::Health> = source()
            .await
            .into_iter()
            .map(|mut h| {
                use drivers::MediaState::{Absent, AtExit, Present};
                if matches!(h.media, Some(Present | Absent | AtExit)) {
                    h.media = None;
                }
                h
            })
            .collect();
        let devices = serde_json::to_value(devices).unwrap_or_default();
        let due = match &*self.reported.lock().unwrap_or_else(|e| e.into_inner()) {
            Some((last, at)) => *last != devices || at.elapsed() >= Duration::from_secs(600),
            None => true,
        };
        if !due {
            return Ok(());
        }
        let now = self.clock.now();
        let key = format!("{kiosk}:health:{}", now.format("%Y%m%dT%H%M%S%.3f"));
        let payload = serde_json::json!({ "kiosk": kiosk, "devices": devices.clone(), "at": now.to_rfc3339() });
        let batch = EventBatch { events: vec![Event { key, kind: "health".into(), payload, at: now }] };
        let answer = self.central.deliver(&batch).await?;
        match answer.results.first().map(|r| r.status) {
            Some(EventStatus::Accepted | EventStatus::Duplicate) => {
                *self.reported.lock().unwrap_or_else(|e| e.into_inner()) = Some((devices, tokio::time::Instant::now()));
                Ok(())
            }
            Some(EventStatus::Rejected) => {
                tracing::warn!(error = ?answer.results.first().and_then(|r| r.error.clone()), "central refused the health report");
                *self.reported.lock().unwrap_or_else(|e| e.into_inner()) = Some((devices, tokio::time::Instant::now()));
                Ok(())
            }
            None => Err(CentralError::Garbled("no result for the health report".into()).into()),
        }
    }

    /// Deliver the outbox, oldest first, a batch at a time.
    async fn drain(&self) -> Result<usize, SyncError> {
        let mut settled = 0;
        loop {
            let batch = self.opts.batch;
            let pending = self.db(move |c| db::pending(c, batch)).await?;
            if pending.is_empty() {
                return Ok(settled);
            }
            let keys: Vec<String> = pending.iter().map(|p| p.key.clone()).collect();
            let events =
                pending.into_iter().map(|p| Event { key: p.key, kind: p.kind, payload: p.payload, at: p.at }).collect();
            let answer = match self.central.deliver(&EventBatch { events }).await {
                Ok(a) => a,
                Err(e) => {
                    self.db(move |c| db::attempted(c, &keys)).await?;
                    return Err(e.into());
                }
            };
            // One answer per event, in order: anything else is not an answer to this batch.
            let matches =
                answer.results.len() == keys.len() && answer.results.iter().zip(&keys).all(|(r, k)| &r.key == k);
            if !matches {
                self.db(move |c| db::attempted(c, &keys)).await?;
                return Err(CentralError::Garbled("the event results do not match the events sent".into()).into());
            }
            let results: Vec<(String, Settled)> = answer
                .results
                .into_iter()
                .map(|r| {
                    let s = match r.status {
                        EventStatus::Accepted | EventStatus::Duplicate => Settled::Delivered,
                        EventStatus::Rejected => {
                            let why = r.error.unwrap_or_else(|| "no reason given".into());
                            tracing::error!(key = %r.key, why = %why, "central refused an event: kept for staff");
                            Settled::Rejected(why)
                        }
                    };
                    (r.key, s)
                })
                .collect();
            let rejected = results.iter().filter(|(_, s)| matches!(s, Settled::Rejected(_))).count() as u64;
            let n = results.len();
            let now = self.clock.now();
            self.db(move |c| db::settle(c, &results, now)).await?;
            self.link.update(|l| {
                l.events_delivered += n as u64 - rejected;
                l.events_rejected += rejected;
            });
            settled += n;
        }
    }
}
