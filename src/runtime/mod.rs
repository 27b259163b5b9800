//! The thin async shell around the session machine.
//!
//! One event loop owns the store, the current session and its in-memory secrets. Device work runs
//! as tasks (see [`tasks`]) that answer with session inputs. For every input the loop steps the
//! machine, commits the new state with its records, and only then performs the effects; a
//! transition a restart would not notice ([`Session::journal_can_wait`]) has its journal row
//! written with the session's next commit instead.

mod applicant;
pub mod availability;
pub mod tasks;

use crate::central::{BookingRecord, Central};
use crate::clock::Clock;
use crate::config::Liveness;
use crate::policy::Policy;
use crate::session::{CentralFailure, Ctx, Effect, Flow, Input, Lookup, LookupKey, Session, Unwind};
use crate::staff::protocol::{Command as StaffCommand, Consumable, Reply, SessionStatus, Status};
use crate::store::{JournalRow, Store, StoreError};
use drivers::camera::liveness::Challenge;
use drivers::{DeviceKind, Health};
use kiosk_ui::{Screen, View};
use sim::control::{KioskEvent, SessionSummary};
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;
use tasks::{Devices, Secrets};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::AbortHandle;
use tokio::time::Instant;

/// How often device health is polled while the kiosk is idle.
const HEALTH_EVERY: Duration = Duration::from_secs(2);
/// How long (kiosk time) after an endorsement session a permit pushed in as it ended may take to be
/// drawn into the card path and show in the printer's status.
const PATH_SETTLE: Duration = Duration::from_secs(1);
/// How long an endorsement waits at most for the permit reader to forget what it read before the
/// applicant asked (the reader busy with a health poll). Past it, the session starts anyway and its
/// own read forgets first.
const FORGET_WAIT: Duration = Duration::from_secs(1);
/// How long a final screen stays before the home screen returns (kiosk time).
const FINAL_SCREEN: Duration = Duration::from_secs(10);

/// Who this kiosk is.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Kiosk id.
    pub kiosk_id: String,
    /// Hall id.
    pub hall_id: String,
}

/// What can be asked of a running kiosk.
#[derive(Debug)]
pub enum Request {
    /// A touch.
    Touch(String),
    /// A typed booking code.
    Code(String),
    /// Device health, answered.
    Health(oneshot::Sender<Vec<Health>>),
    /// New policy data (a reloaded configuration): used from the next session on.
    SetPolicy(Box<Policy>),
    /// A staff command (kioskctl), answered.
    Staff(StaffCommand, oneshot::Sender<Reply>),
    /// Stop.
    Shutdown,
}

enum Event {
    Request(Request),
    Device {
        session: String,
        input: Box<Input>,
        secrets: Option<Secrets>,
    },
    /// A device's health, and when the poll that found it began.
    Health(Health, Instant),
    /// Refunds owed from earlier sessions were tried again: the orders refunded now.
    OwedRefunds {
        made: Vec<String>,
    },
    /// A permit left in the endorsement printer after its session was moved into the retain bin.
    LeftoverRetained {
        result: Result<(), String>,
    },
    /// Central's bookings today for the ID number a check-in found no booking for in the cache.
    Bookings {
        session: String,
        key: LookupKey,
        today: chrono::NaiveDate,
        records: Vec<BookingRecord>,
    },
    /// A flow that reads a permit was chosen and the permit reader has forgotten what it read
    /// before (`forgot`), or could not be asked within [`FORGET_WAIT`]: the session starts now.
    Ready {
        flow: Flow,
        forgot: bool,
    },
}

/// A handle to a running kiosk.
#[derive(Clone)]
pub struct KioskHandle {
    tx: mpsc::UnboundedSender<Event>,
    screen: watch::Receiver<Screen>,
    events: broadcast::Sender<KioskEvent>,
}

impl KioskHandle {
    /// Send a request; false if the kiosk has stopped.
    pub fn send(&self, r: Request) -> bool {
        self.tx.send(Event::Request(r)).is_ok()
    }
    /// The screen shown now.
    pub fn screen(&self) -> Screen {
        self.screen.borrow().clone()
    }
    /// A receiver of screens.
    pub fn screens(&self) -> watch::Receiver<Screen> {
        self.screen.clone()
    }
    /// Subscribe to events.
    pub fn subscribe(&self) -> broadcast::Receiver<KioskEvent> {
        self.events.subscribe()
    }
    /// Devices' health as last polled.
    pub async fn health(&self) -> Vec<Health> {
        let (tx, rx) = oneshot::channel();
        if !self.send(Request::Health(tx)) {
            return Vec::new();
        }
        rx.await.unwrap_or_default()
    }
}

/// The kiosk.
pub struct Kiosk {
    id: Identity,
    policy: Policy,
    /// Policy waiting for the current session to end.
    next_policy: Option<Policy>,
    /// How a face is shown to be a living one.
    liveness: Liveness,
    /// Draining (kioskctl drain): the current session finishes, no new one starts.
    draining: bool,
    /// When the kiosk started.
    started: Instant,
    /// The flow and outcome of the session that just ended, until it is rated or the screen goes.
    last_ended: Option<(String, String)>,
    /// Personal data is kept this long.
    retention: chrono::Duration,
    /// The next retention purge.
    next_purge: Instant,
    store: Store,
    clock: Clock,
    central: std::sync::Arc<dyn Central>,
    devices: Devices,
    tx: mpsc::UnboundedSender<Event>,
    rx: mpsc::UnboundedReceiver<Event>,
    screen_tx: watch::Sender<Screen>,
    events: broadcast::Sender<KioskEvent>,
    session: Option<Session>,
    secrets: Option<Secrets>,
    tasks: Vec<(bool, AbortHandle)>,
    queue: VecDeque<Input>,
    recovering: VecDeque<Session>,
    view: View,
    /// The view the screen last sent was built from (a screen is its view's and the countdown's).
    drawn: View,
    deadline: Option<Instant>,
    final_until: Option<Instant>,
    health: BTreeMap<DeviceKind, Health>,
    health_polls: std::collections::BTreeSet<DeviceKind>,
    /// After an endorsement session: when the card path has settled (see [`PATH_SETTLE`]).
    path_settles: Option<Instant>,
    /// Owed refunds or a leftover permit being dealt with in the background.
    housework: std::collections::BTreeSet<DeviceKind>,
    /// A flow was chosen and its session starts once the permit reader has forgotten earlier reads.
    starting: bool,
    /// The permit reader forgot its earlier reads before the session's prompt was shown: the
    /// session's read need not (and must not: the applicant may have answered the prompt already).
    permit_forgotten: bool,
    next_health: Instant,
    /// How the session's last durable state comes back after a restart, when it unwinds.
    durable: Option<Unwind>,
    /// The session's transitions not journaled yet (see [`Session::journal_can_wait`]).
    waiting: Vec<JournalRow>,
    commits: u64,
    crash: Option<CrashPoint>,
    frozen_until: Option<Instant>,
    /// Stopping (SIGTERM): the current session ends first, no new one starts; stop at the latest then.
    stopping: Option<Instant>,
    /// Told from the main loop that it is alive, with a status line (the systemd watchdog).
    alive: Option<(Duration, Instant, AliveFn)>,
}

/// Why the kiosk stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The store failed: the kiosk cannot keep its promises without it.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A crash point set by a test was reached.
    #[error("simulated crash after commit {0}")]
    Crashed(u64),
}

/// Where a crash test stops the kiosk dead, as a power cut would: right after the `after_commits`-th
/// transition, either before its effects start or once they have run (their results never
/// journaled). A transition whose line waits for the next commit ([`Session::journal_can_wait`])
/// counts too: the crash then loses it, as a power cut would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrashPoint {
    /// Which transition (1-based, counted from the start of this run).
    pub after_commits: u64,
    /// Let that transition's effects run before the crash.
    pub effects_run: bool,
}

/// How long effects may run before a crash with `effects_run`.
const CRASH_GRACE: Duration = Duration::from_millis(200);

impl Kiosk {
    /// A kiosk over a store and devices; nothing runs until [`Kiosk::run`].
    pub fn new(
        id: Identity,
        policy: Policy,
        store: Store,
        clock: Clock,
        central: std::sync::Arc<dyn Central>,
        devices: Devices,
    ) -> (Kiosk, KioskHandle) {
        let (tx, rx) = mpsc::unbounded_channel();
        let view = View::Working { what: kiosk_ui::Text::new("正在启动", "Starting") };
        let (screen_tx, screen_rx) = watch::channel(kiosk_ui::screen(&view));
        let (events, _) = broadcast::channel(256);
        let handle = KioskHandle { tx: tx.clone(), screen: screen_rx, events: events.clone() };
        let kiosk = Kiosk {
            id,
            policy,
            store,
            clock,
            central,
            devices,
            tx,
            rx,
            screen_tx,
            events,
            session: None,
            secrets: None,
            tasks: Vec::new(),
            queue: VecDeque::new(),
            recovering: VecDeque::new(),
            drawn: view.clone(),
            view,
            deadline: None,
            final_until: None,
            health: BTreeMap::new(),
            health_polls: std::collections::BTreeSet::new(),
            path_settles: None,
            housework: std::collections::BTreeSet::new(),
            starting: false,
            permit_forgotten: false,
            next_health: Instant::now(),
            durable: None,
            waiting: Vec::new(),
            commits: 0,
            crash: None,
            frozen_until: None,
            stopping: None,
            alive: None,
            next_policy: None,
            liveness: Liveness::ColourFlash,
            draining: false,
            started: Instant::now(),
            last_ended: None,
            retention: chrono::Duration::days(30),
            next_purge: Instant::now(),
        };
        (kiosk, handle)
    }

    /// Call `f` with a status line every `every` from the main loop (systemd's watchdog: a loop
    /// that hangs stops calling it).
    pub fn on_alive(&mut self, every: Duration, f: AliveFn) {
        self.alive = Some((every, Instant::now(), f));
    }

    /// Keep personal data this many days (default 30); purged at start and then daily.
    pub fn set_retention(&mut self, days: u32) {
        self.retention = chrono::Duration::days(i64::from(days));
    }

    fn purge(&mut self) -> Result<(), RunError> {
        let now = self.clock.now();
        let p = self.store.purge(now - self.retention, now.date_naive(), now)?;
        if p != crate::store::Purged::default() {
            tracing::info!(purged = ?p, "personal data past its retention removed");
        }
        self.next_purge = Instant::now() + self.clock.real(Duration::from_secs(24 * 3600));
        Ok(())
    }

    /// Check liveness this way (default: the colour flash).
    pub fn set_liveness(&mut self, l: Liveness) {
        self.liveness = l;
    }

    /// What the kiosk is doing, for staff (no personal data).
    pub fn status_line(&self) -> String {
        if self.stopping.is_some() {
            return "stopping after the current session".into();
        }
        if self.draining && self.session.is_none() {
            return "drained: out of service for maintenance".into();
        }
        if let Some(s) = &self.session {
            return format!("serving: {} ({})", s.flow.name(), self.screen_tx.borrow().id);
        }
        let down: Vec<String> =
            self.health.values().filter(|h| !h.is_usable()).map(|h| format!("{} {}", h.kind, h.state)).collect();
        if down.is_empty() {
            "idle: waiting for applicants".into()
        } else {
            format!("idle; faulty: {}", down.join(", "))
        }
    }

    fn ping(&mut self) {
        // The status line is made only when it is due, not at every turn of the loop.
        if self.alive.as_ref().is_none_or(|(_, next, _)| Instant::now() < *next) {
            return;
        }
        let status = self.status_line();
        if let Some((every, next, f)) = &mut self.alive {
            f(&status);
            *next = Instant::now() + *every;
        }
    }

    /// Crash (for tests) at this point.
    pub fn crash_at(&mut self, point: CrashPoint) {
        self.crash = Some(point);
    }

    /// Load bookings, probe the devices and find the sessions a restart interrupted. After this the
    /// kiosk is ready (READY=1).
    pub async fn prepare(&mut self) -> Result<(), RunError> {
        let today = self.clock.now().date_naive();
        let tomorrow = today.succ_opt().unwrap_or(today);
        match self.central.bookings(today, tomorrow).await {
            Ok(Some(b)) => {
                let n = self.store.ingest_bookings(&b)?;
                tracing::info!(bookings = n, "bookings cached");
            }
            Ok(None) => tracing::info!("bookings come through the sync with central"),
            Err(e) => tracing::warn!(error = %e, "central unreachable at start: using the cached bookings"),
        }
        for kind in DeviceKind::ALL {
            let h = self.devices.health(kind).await;
            self.health.insert(kind, h);
        }
        self.recovering = self.store.open_sessions()?.into();
        if !self.recovering.is_empty() {
            tracing::warn!(sessions = self.recovering.len(), "resuming sessions interrupted by a restart");
        }
        self.store.audit("start", &format!("kiosk {} hall {}", self.id.kiosk_id, self.id.hall_id), self.clock.now())?;
        Ok(())
    }

    /// Run until a shutdown request.
    pub async fn run(mut self) -> Result<(), RunError> {
        self.reconcile_refunds().await?;
        self.next_session_or_home()?;
        // One timer for the loop's waits, moved only when the next wake-up moves: a timer made
        // anew for every event is a timer-wheel entry each time, and one that comes due before
        // the runtime's next planned wake-up makes it wake its own driver (a syscall) to plan again.
        let timer = tokio::time::sleep_until(self.next_wake());
        tokio::pin!(timer);
        loop {
            if let Some(until) = self.frozen_until {
                // Dead after a crash point: let the last effects run, journal nothing more.
                self.queue.clear();
                let _ = tokio::time::timeout_at(until, async { while self.rx.recv().await.is_some() {} }).await;
                for (_, t) in self.tasks.drain(..) {
                    t.abort();
                }
                return Err(RunError::Crashed(self.commits));
            }
            while let Some(input) = self.queue.pop_front() {
                self.feed(input)?;
                if self.frozen_until.is_some() {
                    break;
                }
            }
            if self.frozen_until.is_some() {
                continue;
            }
            if let Some(until) = self.stopping
                && (self.session.is_none() || Instant::now() >= until)
            {
                break;
            }
            self.ping();
            let wake = self.next_wake();
            if timer.deadline() != wake {
                timer.as_mut().reset(wake);
            }
            let event = tokio::select! {
                e = self.rx.recv() => e,
                _ = &mut timer => None,
            };
            match event {
                Some(Event::Request(Request::Shutdown)) => {
                    if self.session.is_none() || self.stopping.is_some() {
                        break;
                    }
                    tracing::info!("stopping once the current session has ended safely");
                    self.stopping = Some(Instant::now() + STOP_GRACE);
                    self.queue.push_back(Input::Stop);
                }
                Some(e) => self.on_event(e)?,
                None => self.on_timer()?,
            }
        }
        for (_, t) in self.tasks.drain(..) {
            t.abort();
        }
        self.store.audit("stop", &self.id.kiosk_id, self.clock.now())?;
        Ok(())
    }

    fn next_wake(&self) -> Instant {
        let mut wake = self.next_health;
        if let Some(d) = self.deadline {
            wake = wake.min(d);
            let warn = self.clock.real(Duration::from_secs(self.policy.session.warn_before_s as u64));
            let warn_at = d.checked_sub(warn).unwrap_or(d);
            let now = Instant::now();
            wake = wake.min(if now < warn_at { warn_at } else { now + self.clock.real(Duration::from_secs(1)) });
        }
        if let Some(f) = self.final_until {
            wake = wake.min(f);
        }
        if let Some(s) = self.stopping {
            wake = wake.min(s);
        }
        if let Some((_, next, _)) = &self.alive {
            wake = wake.min(*next);
        }
        wake.min(self.next_purge)
    }

    fn on_timer(&mut self) -> Result<(), RunError> {
        let now = Instant::now();
        if now >= self.next_purge {
            self.purge()?;
        }
        if now >= self.next_health {
            if self.session.is_none() {
                self.poll_health();
            } else {
                // A session finds out for itself how the devices it uses are (a fault it meets
                // counts at once), and every device is asked as soon as it ends: a poll now would
                // only hold a device the applicant is about to need (a fingerprint health poll takes
                // an image).
                self.next_health = now + HEALTH_EVERY;
            }
        }
        if self.final_until.is_some_and(|f| now >= f) {
            self.final_until = None;
            self.last_ended = None;
            self.next_session_or_home()?;
        }
        if let Some(d) = self.deadline {
            if now >= d {
                self.deadline = None;
                self.queue.push_back(Input::Timeout);
            } else {
                self.render();
            }
        }
        Ok(())
    }

    fn poll_health(&mut self) {
        self.next_health = Instant::now() + HEALTH_EVERY;
        for kind in DeviceKind::ALL {
            self.poll_one(kind);
        }
    }

    fn poll_one(&mut self, kind: DeviceKind) {
        // A device still busy answering the last poll is not asked again on top of it.
        if !self.health_polls.insert(kind) {
            return;
        }
        let (d, tx) = (self.devices.clone(), self.tx.clone());
        tokio::spawn(async move {
            let started = Instant::now();
            let h = d.health(kind).await;
            let _ = tx.send(Event::Health(h, started));
        });
    }

    fn on_event(&mut self, e: Event) -> Result<(), RunError> {
        match e {
            Event::Request(Request::Touch(button)) => self.on_touch(button)?,
            Event::Ready { flow, forgot } => {
                self.starting = false;
                // The kiosk may have changed in the meantime (a device failed, staff drained it).
                if self.session.is_none() && self.offers(flow) {
                    if !forgot {
                        tracing::warn!("the permit reader was busy: the session's own read forgets earlier reads");
                    }
                    self.permit_forgotten = forgot;
                    self.begin(flow)?;
                }
            }
            Event::Request(Request::Code(code)) => {
                if self.session.is_some() {
                    self.queue.push_back(Input::Code { code });
                }
            }
            Event::Request(Request::Health(reply)) => {
                let _ = reply.send(self.health.values().cloned().collect());
            }
            Event::Request(Request::Shutdown) => {}
            Event::Request(Request::Staff(cmd, reply)) => self.staff(cmd, reply)?,
            Event::Request(Request::SetPolicy(p)) => {
                tracing::info!(version = %p.version, "new policy");
                if self.session.is_none() {
                    self.policy = *p;
                    self.next_policy = None;
                } else {
                    self.next_policy = Some(*p);
                }
            }
            Event::Device { session, input, secrets } => {
                if let Some(f) = input.fault() {
                    // Which device and what kind of fault; its own words may quote what it read.
                    tracing::warn!(session = %session, device = %f.device, fault = %f.fault, "device failed in a session");
                    // Until a health poll says otherwise the device is as the session found it: the
                    // applicant right behind is not offered a flow that needs it (an endorsement
                    // printer that failed still holding the last permit would take theirs in too).
                    let state = drivers::DeviceError::from_fault(f.fault, HEALTH_EVERY).state();
                    let mut h = self.health.get(&f.device).cloned().unwrap_or_else(|| Health::online(f.device));
                    if h.state != state {
                        h.state = state;
                        tracing::info!(device = %h.kind, state = ?h.state, media = ?h.media, "device health (from the session)");
                        self.health.insert(f.device, h);
                    }
                }
                if self.session.as_ref().is_some_and(|s| s.id == session) {
                    if let Some(s) = secrets {
                        self.secrets = Some(s);
                    }
                    self.queue.push_back(*input);
                }
            }
            Event::Bookings { session, key, today, records } => {
                if self.session.as_ref().is_some_and(|s| s.id == session) {
                    let lookup = self.central_lookup(&key, today, &records);
                    self.queue.push_back(Input::Booking { lookup });
                }
            }
            Event::Health(h, started) => {
                self.health_polls.remove(&h.kind);
                // What the endorsement printer said before the card path settled after a session
                // does not show the path empty: ask again once it has settled.
                let mut settled = false;
                if let Some(settles) = self.path_settles.filter(|_| h.kind == DeviceKind::Endorser) {
                    if started < settles {
                        if Instant::now() >= settles {
                            self.poll_one(DeviceKind::Endorser);
                        }
                        return Ok(());
                    }
                    self.path_settles = None;
                    settled = true;
                }
                let changed = self.health.get(&h.kind) != Some(&h);
                if changed {
                    tracing::info!(device = %h.kind, state = ?h.state, media = ?h.media, "device health");
                }
                let kind = h.kind;
                self.health.insert(h.kind, h);
                if (changed || settled) && self.session.is_none() && self.final_until.is_none() {
                    self.show(self.home_view());
                }
                if self.session.is_none() {
                    self.housework(kind)?;
                }
            }
            Event::OwedRefunds { made } => {
                self.housework.remove(&DeviceKind::Payment);
                for order_no in made {
                    self.store.refund_done(&order_no, self.clock.now())?;
                    tracing::info!(order = %order_no, "owed refund made");
                }
            }
            Event::LeftoverRetained { result } => {
                self.housework.remove(&DeviceKind::Endorser);
                match result {
                    Ok(()) => {
                        tracing::warn!("a permit left in the endorsement printer was moved into the retain bin");
                        self.store.audit("retain_leftover", "permit left in the card path", self.clock.now())?;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "a permit left in the endorsement printer could not be retained")
                    }
                }
            }
        }
        Ok(())
    }

    /// What a device that is back can do by itself between sessions: a payment terminal makes the
    /// refunds owed from sessions during which it failed; an endorsement printer that still holds a
    /// permit after its session (power came back after a loss mid-write, a jam cleared) moves it into
    /// the retain bin, where staff hand it back as from any retained permit.
    fn housework(&mut self, kind: DeviceKind) -> Result<(), RunError> {
        let Some(h) = self.health.get(&kind) else { return Ok(()) };
        if !h.state.is_usable() || self.housework.contains(&kind) {
            return Ok(());
        }
        let (d, tx) = (self.devices.clone(), self.tx.clone());
        match kind {
            DeviceKind::Payment if h.is_usable() => {
                let owed = self.store.owed_refunds()?;
                if owed.is_empty() {
                    return Ok(());
                }
                self.housework.insert(kind);
                tokio::spawn(async move {
                    let mut made = Vec::new();
                    for (order_no, refund_no) in owed {
                        if let Input::Refunded { result: Ok(()) } =
                            tasks::refund(d.clone(), order_no.clone(), refund_no).await
                        {
                            made.push(order_no);
                        }
                    }
                    let _ = tx.send(Event::OwedRefunds { made });
                });
            }
            DeviceKind::Endorser
                if matches!(h.media, Some(drivers::MediaState::Present | drivers::MediaState::AtExit)) =>
            {
                self.housework.insert(kind);
                tokio::spawn(async move {
                    let result = match tasks::retain(d).await {
                        Input::Retained { result } => result.map_err(|f| format!("{}: {}", f.device, f.fault)),
                        _ => Ok(()),
                    };
                    let _ = tx.send(Event::LeftoverRetained { result });
                });
            }
            _ => {}
        }
        Ok(())
    }

    fn on_touch(&mut self, button: String) -> Result<(), RunError> {
        if self.session.is_some() {
            self.queue.push_back(Input::Touch { button });
            return Ok(());
        }
        if self.final_until.is_some() {
            let rating = button.strip_prefix("rate_").filter(|r| matches!(*r, "good" | "ok" | "bad"));
            if let (Some(rating), Some((flow, outcome))) = (rating, self.last_ended.take()) {
                self.store.rate(&flow, &outcome, rating, self.clock.now())?;
                let _ = self.events.send(KioskEvent::Rated { flow, rating: rating.to_string() });
            }
            if button == "done" || rating.is_some() {
                self.final_until = None;
                self.last_ended = None;
                self.next_session_or_home()?;
            }
            return Ok(());
        }
        let flow = match button.as_str() {
            "checkin" => Flow::Checkin,
            "endorse" => Flow::Endorsement,
            "query" => Flow::Query,
            "booking" => Flow::Booking,
            _ => return Ok(()),
        };
        if self.starting || !self.offers(flow) {
            return Ok(());
        }
        if flow != Flow::Endorsement {
            return self.begin(flow);
        }
        // A reader that speaks unasked may hold a read from before this applicant (a card drawn in
        // after the last session ended). It forgets it before the session's prompt is shown: forgot
        // after, it could forget the permit of an applicant quick to answer the prompt.
        self.starting = true;
        let (d, tx) = (self.devices.clone(), self.tx.clone());
        tokio::spawn(async move {
            let forget = async { d.permit.lock().await.forget_earlier_reads().await };
            let forgot = tokio::time::timeout(FORGET_WAIT, forget).await.is_ok();
            let _ = tx.send(Event::Ready { flow, forgot });
        });
        Ok(())
    }

    /// Whether `flow` can start now; if not, the home screen is shown again (the button is disabled
    /// there: a stale touch changes nothing).
    fn offers(&mut self, flow: Flow) -> bool {
        if self.draining
            || availability::flow(flow, &self.health, &self.policy, self.central.serves_applicants()).is_some()
        {
            self.show(self.home_view());
            return false;
        }
        true
    }

    /// Start a session of `flow`.
    fn begin(&mut self, flow: Flow) -> Result<(), RunError> {
        let now = self.clock.now();
        let ctx = Ctx { now, kiosk_id: &self.id.kiosk_id, hall_id: &self.id.hall_id, policy: &self.policy };
        let (session, effects) = self.store.start(now, |id| Session::start(id, flow, &ctx))?;
        tracing::info!(session = %session.id, flow = flow.name(), "session started");
        self.durable = session.unwinds();
        self.waiting.clear();
        self.session = Some(session);
        self.committed(effects)
    }

    /// Step the machine with one input, journal, then act.
    fn feed(&mut self, input: Input) -> Result<(), RunError> {
        if self.session.is_none() {
            return Ok(());
        }
        let used = match &input {
            Input::Printed { result: Ok(()) } => Some("paper"),
            Input::Written { result: Ok(()) } => Some("cards"),
            Input::Retained { result: Ok(()) } => Some("retained"),
            _ => None,
        };
        let Some(session) = self.session.as_mut() else { return Ok(()) };
        let now = self.clock.now();
        let ctx = Ctx { now, kiosk_id: &self.id.kiosk_id, hall_id: &self.id.hall_id, policy: &self.policy };
        let summary = input.summary();
        let before = session.clone();
        let effects = session.step(input, &ctx);
        if effects.is_empty() && *session == before {
            // A late or irrelevant input: nothing changed, nothing to journal; what the device
            // used up is still counted.
            if let Some(name) = used {
                self.store.bump(name)?;
            }
            return Ok(());
        }
        tracing::debug!(session = %session.id, input = %summary, step = ?session.step, "transition");
        if used.is_none() && session.journal_can_wait(self.durable, &effects) {
            // A restart would do the same with or without this transition: its line waits for
            // the session's next commit, and its effects run now.
            self.waiting.push(JournalRow::new(session, &summary, &effects, now));
            return self.committed(effects);
        }
        // What the device used up is counted in the transition's own transaction.
        let answers = self.store.commit(session, &summary, &effects, used, now, &self.waiting)?;
        self.waiting.clear();
        self.durable = session.unwinds();
        self.queue.extend(answers);
        self.committed(effects)
    }

    /// A transition is committed: perform its effects (unless a crash point says otherwise).
    fn committed(&mut self, effects: Vec<Effect>) -> Result<(), RunError> {
        self.commits += 1;
        if let Some(c) = self.crash.filter(|c| c.after_commits == self.commits) {
            if !c.effects_run {
                for (_, t) in self.tasks.drain(..) {
                    t.abort();
                }
                return Err(RunError::Crashed(self.commits));
            }
            self.execute(effects);
            self.frozen_until = Some(Instant::now() + CRASH_GRACE);
            return Ok(());
        }
        self.execute(effects);
        Ok(())
    }

    /// Transitions made so far in this run (journaled, or waiting to be with the next commit).
    pub fn commits(&self) -> u64 {
        self.commits
    }

    fn spawn<F>(&mut self, waiter: bool, f: F)
    where
        F: std::future::Future<Output = (Input, Option<Secrets>)> + Send + 'static,
    {
        let Some(session) = self.session.as_ref().map(|s| s.id.clone()) else { return };
        self.track(waiter, async move {
            let (input, secrets) = f.await;
            Event::Device { session, input: Box::new(input), secrets }
        });
    }

    /// Run a session's task, which ends in an event for the kiosk (`waiter`: stopped when the session
    /// stops waiting on its devices).
    fn track<F>(&mut self, waiter: bool, f: F)
    where
        F: std::future::Future<Output = Event> + Send + 'static,
    {
        let tx = self.tx.clone();
        let h = tokio::spawn(async move {
            let _ = tx.send(f.await);
        });
        self.tasks.retain(|(_, t)| !t.is_finished());
        self.tasks.push((waiter, h.abort_handle()));
    }

    fn stop_waiters(&mut self) {
        for (_, t) in self.tasks.iter().filter(|(w, _)| *w) {
            t.abort();
        }
        self.tasks.retain(|(w, _)| !w);
    }

    fn execute(&mut self, effects: Vec<Effect>) {
        let d = self.devices.clone();
        let year = {
            use chrono::Datelike;
            self.clock.now().year()
        };
        for e in effects {
            match e {
                Effect::Show { view } => self.show(view),
                Effect::Idle { after } => {
                    self.deadline = after.map(|a| Instant::now() + self.clock.real(a));
                    self.render();
                }
                Effect::ReadCard => self.spawn(true, tasks::read_card(d.clone())),
                Effect::ReadPermit => {
                    let (d, forget) = (d.clone(), !std::mem::take(&mut self.permit_forgotten));
                    self.spawn(true, async move { (tasks::read_permit(d, year, forget).await, None) })
                }
                Effect::StopWaiting => self.stop_waiters(),
                Effect::CheckPrinter => {
                    let d = d.clone();
                    self.spawn(false, async move { (tasks::printer_ready(d).await, None) })
                }
                Effect::LookupBooking { key } => {
                    let today = self.clock.now().date_naive();
                    match self.store.lookup(&key, &self.id.hall_id, today) {
                        Ok(crate::session::Lookup::None) if matches!(key, LookupKey::IdNumber(_)) => {
                            // Not in this hall's cache: central may know a booking elsewhere, or one
                            // here that the sync has not brought in yet (`Event::Bookings`).
                            let Some(session) = self.session.as_ref().map(|s| s.id.clone()) else { continue };
                            let central = self.central.clone();
                            self.track(false, async move {
                                let records = ask_central(central.as_ref(), &key, today).await;
                                Event::Bookings { session, key, today, records }
                            });
                        }
                        Ok(lookup) => self.queue.push_back(Input::Booking { lookup }),
                        Err(e) => {
                            tracing::error!(error = %e, "booking lookup failed");
                            self.queue.push_back(Input::Booking { lookup: crate::session::Lookup::None });
                        }
                    }
                }
                Effect::VerifyFinger => {
                    let templates = self.secrets.as_ref().map(|s| s.fingerprints.clone()).unwrap_or_default();
                    let d = d.clone();
                    self.spawn(true, async move { (tasks::verify_finger(d, templates).await, None) })
                }
                Effect::VerifyFace => {
                    let photo = self.secrets.as_ref().map(|s| s.photo.clone()).unwrap_or_default();
                    let d = d.clone();
                    let check = match self.liveness {
                        // A fresh, unpredictable sequence per attempt: a recording of another cannot match.
                        Liveness::ColourFlash => tasks::LivenessCheck::ColourFlash(
                            Challenge::random(FLASHES, |k| rand::random_range(0..k)),
                            self.clock.real(FLASH),
                        ),
                        Liveness::Blink => tasks::LivenessCheck::Blink(BLINK_FRAMES, self.clock.real(BLINK_EVERY)),
                    };
                    self.spawn(true, async move { (tasks::verify_face(d, photo, check).await, None) })
                }
                Effect::Authorise { request } => {
                    let (central, policy) = (self.central.clone(), self.policy.clone());
                    self.spawn(false, async move {
                        let r = central.authorise(&request, &policy).await.map_err(|e| e.to_string());
                        (Input::Auth { result: r }, None)
                    })
                }
                Effect::Record { .. } => {}
                Effect::OpenPayment { order } => {
                    let d = d.clone();
                    self.spawn(false, async move { (tasks::open_payment(d, order).await, None) })
                }
                Effect::AwaitPayment { order_no } => {
                    let d = d.clone();
                    self.spawn(true, async move { (tasks::await_payment(d, order_no).await, None) })
                }
                Effect::CancelPayment { order_no } => {
                    self.stop_waiters();
                    let d = d.clone();
                    self.spawn(false, async move { (tasks::cancel_payment(d, order_no).await, None) })
                }
                Effect::Refund { order_no, refund_no } => {
                    let d = d.clone();
                    self.spawn(false, async move { (tasks::refund(d, order_no, refund_no).await, None) })
                }
                Effect::Write { endorsement } => {
                    let d = d.clone();
                    self.spawn(false, async move { (tasks::write(d, endorsement).await, None) })
                }
                Effect::ReadBack => {
                    let d = d.clone();
                    self.spawn(false, async move { (tasks::read_back(d).await, None) })
                }
                Effect::ProbeCard => {
                    let d = d.clone();
                    self.spawn(false, async move { (tasks::probe(d).await, None) })
                }
                Effect::Eject => {
                    let d = d.clone();
                    self.spawn(false, async move { (tasks::eject(d).await, None) })
                }
                Effect::AwaitTaken { wait } => {
                    let (d, wait) = (d.clone(), self.clock.real(wait));
                    self.spawn(false, async move { (tasks::await_taken(d, wait).await, None) })
                }
                Effect::Retain => {
                    let d = d.clone();
                    self.spawn(false, async move { (tasks::retain(d).await, None) })
                }
                Effect::Print { doc } => {
                    let d = d.clone();
                    self.spawn(false, async move { (tasks::print(d, doc).await, None) })
                }
                Effect::ReportIssue { key, id_number, offer_id } => {
                    let central = self.central.clone();
                    tokio::spawn(async move {
                        if let Err(e) = central.record_issue(&key, &id_number, &offer_id).await {
                            tracing::warn!(error = %e, "central not told of the issue now; the outbox keeps it");
                        }
                    });
                }
                Effect::Query { what, id_number } => {
                    let central = self.central.clone();
                    self.spawn(false, async move { (applicant::query(central, what, id_number).await, None) })
                }
                Effect::LoadBookings { id_number } => {
                    let (central, hall) = (self.central.clone(), self.id.hall_id.clone());
                    self.spawn(false, async move { (applicant::bookings(central, hall, id_number).await, None) })
                }
                Effect::LoadSlots { hall: only, from } => {
                    let (central, hall) = (self.central.clone(), self.id.hall_id.clone());
                    self.spawn(false, async move { (applicant::slots(central, hall, only, from).await, None) })
                }
                Effect::Book { request } => {
                    let central = self.central.clone();
                    self.spawn(false, async move {
                        let result = central.book(&request).await.map_err(CentralFailure::from);
                        (Input::Booked { result }, None)
                    })
                }
                Effect::Rebook { code, request } => {
                    let central = self.central.clone();
                    self.spawn(false, async move {
                        let result = central.rebook(&code, &request).await.map_err(CentralFailure::from);
                        (Input::Booked { result }, None)
                    })
                }
                Effect::CancelBooking { code } => {
                    let central = self.central.clone();
                    self.spawn(false, async move {
                        let result = central.cancel_booking(&code).await.map_err(CentralFailure::from);
                        (Input::BookingCancelled { result }, None)
                    })
                }
                Effect::End { summary } => self.end(summary),
            }
        }
    }

    fn end(&mut self, summary: SessionSummary) {
        tracing::info!(session = %summary.session, flow = %summary.flow, outcome = %summary.outcome,
            reason = summary.reason.as_deref().unwrap_or(""), "session ended");
        // Stop waiting for the applicant; work already handed to a device (a print, a refund)
        // finishes, and its late answer is dropped as it belongs to no session.
        self.stop_waiters();
        // Dropping the secrets zeroes the templates and the photo.
        self.secrets = None;
        self.session = None;
        if let Some(p) = self.next_policy.take() {
            self.policy = p;
        }
        self.deadline = None;
        self.final_until = Some(Instant::now() + self.clock.real(FINAL_SCREEN));
        self.last_ended = Some((summary.flow.clone(), summary.outcome.clone()));
        let endorsement = summary.flow == Flow::Endorsement.name();
        let _ = self.events.send(KioskEvent::SessionEnded { summary });
        self.poll_health();
        if endorsement {
            // A permit the applicant pushed in as the session ended may still be drawn into the card
            // path (the permit reader takes in what it is given): until the printer says, after the
            // path settled, that it holds no card, no one else is offered an endorsement, or their
            // session could read that permit as theirs.
            let settles = Instant::now() + self.clock.real(PATH_SETTLE);
            self.path_settles = Some(settles);
            self.next_health = self.next_health.min(settles);
        }
    }

    fn next_session_or_home(&mut self) -> Result<(), RunError> {
        if let Some(s) = self.recovering.pop_front() {
            tracing::warn!(session = %s.id, step = ?s.step, "resuming");
            self.durable = s.unwinds();
            self.waiting.clear();
            self.session = Some(s);
            self.show(View::Working {
                what: kiosk_ui::Text::new("正在恢复上次业务", "Finishing an interrupted session"),
            });
            self.queue.push_back(Input::Resume);
            return Ok(());
        }
        self.show(self.home_view());
        Ok(())
    }

    /// Refunds owed from earlier sessions (the terminal failed during the refund) are retried.
    async fn reconcile_refunds(&mut self) -> Result<(), RunError> {
        for (order_no, refund_no) in self.store.owed_refunds()? {
            let input = tasks::refund(self.devices.clone(), order_no.clone(), refund_no).await;
            if matches!(input, Input::Refunded { result: Ok(()) }) {
                self.store.refund_done(&order_no, self.clock.now())?;
                tracing::info!(order = %order_no, "owed refund made");
            }
        }
        Ok(())
    }

    fn home_view(&self) -> View {
        if self.draining {
            return View::OutOfService {
                why: kiosk_ui::Text::new("维护中，请到人工窗口办理", "Under maintenance: please go to a counter"),
            };
        }
        if self.path_settles.is_some() {
            // The card path is settling after an endorsement: the printer is not ready for the
            // next one until a poll begun after it settled says so (staff status still shows the
            // printer as last polled).
            let mut health = self.health.clone();
            health.remove(&DeviceKind::Endorser);
            return availability::home(&health, &self.policy, self.central.serves_applicants());
        }
        availability::home(&self.health, &self.policy, self.central.serves_applicants())
    }

    /// A staff command. Answers go back on `reply`; device work runs as a task.
    fn staff(&mut self, cmd: StaffCommand, reply: oneshot::Sender<Reply>) -> Result<(), RunError> {
        let ok = |m: &str| Reply::Ok { message: m.to_string() };
        let answer = match cmd {
            StaffCommand::Status => Reply::Status(Box::new(self.staff_status()?)),
            StaffCommand::Drain => {
                self.draining = true;
                self.store.audit("drain", &self.id.kiosk_id, self.clock.now())?;
                if self.session.is_none() && self.final_until.is_none() {
                    self.show(self.home_view());
                }
                ok(if self.session.is_some() {
                    "draining: the current session finishes, then out of service"
                } else {
                    "out of service"
                })
            }
            StaffCommand::Resume => {
                self.draining = false;
                self.store.audit("resume", &self.id.kiosk_id, self.clock.now())?;
                if self.session.is_none() && self.final_until.is_none() {
                    self.show(self.home_view());
                }
                ok("in service")
            }
            StaffCommand::Consumables => Reply::Consumables { items: self.consumables()? },
            StaffCommand::ConsumablesReset { name } => {
                if self.store.reset_consumable(&name, self.clock.now())? {
                    ok(&format!("{name}: counting from zero"))
                } else {
                    Reply::Error { message: format!("no consumable {name:?}: paper, cards or retained") }
                }
            }
            StaffCommand::AuditExport { from, to } => {
                Reply::Audit { records: self.store.audit_range(from.as_deref(), to.as_deref())? }
            }
            StaffCommand::AuditVerify => match self.store.verify_audit()? {
                Ok(n) => Reply::AuditVerified { records: n, broken: None },
                Err(e) => Reply::AuditVerified { records: 0, broken: Some(e) },
            },
            StaffCommand::Selftest { device } => {
                if self.session.is_some() {
                    Reply::Error { message: "a session is in progress: drain first".into() }
                } else {
                    let d = self.devices.clone();
                    let kinds: Vec<DeviceKind> = device.map_or_else(|| DeviceKind::ALL.to_vec(), |k| vec![k]);
                    let prints = kinds.contains(&DeviceKind::Receipt);
                    if prints {
                        self.store.bump("paper")?;
                    }
                    tokio::spawn(async move {
                        let _ = reply.send(Reply::Selftest { results: tasks::selftest(d, kinds).await });
                    });
                    return Ok(());
                }
            }
            StaffCommand::Reset { device } => {
                if self.session.is_some() {
                    Reply::Error { message: "a session is in progress: drain first".into() }
                } else {
                    let d = self.devices.clone();
                    tokio::spawn(async move {
                        let r = match d.reset(device).await {
                            Ok(()) => Reply::Ok { message: format!("{device} reset") },
                            Err(e) => Reply::Error { message: format!("{device}: {e}") },
                        };
                        let _ = reply.send(r);
                    });
                    self.poll_health();
                    return Ok(());
                }
            }
        };
        let _ = reply.send(answer);
        Ok(())
    }

    fn consumables(&self) -> Result<Vec<Consumable>, RunError> {
        let left = |k: DeviceKind| self.health.get(&k).and_then(|h| h.consumable_left);
        Ok(self
            .store
            .consumables()?
            .into_iter()
            .map(|(name, used, reset_at)| {
                let device_left = match name.as_str() {
                    "paper" => left(DeviceKind::Receipt),
                    "cards" => left(DeviceKind::Endorser),
                    "retained" => self.health.get(&DeviceKind::Endorser).and_then(|h| h.retained),
                    _ => None,
                };
                Consumable { name, used, reset_at, device_left }
            })
            .collect())
    }

    fn staff_status(&self) -> Result<Status, RunError> {
        Ok(Status {
            version: env!("CARGO_PKG_VERSION").into(),
            uptime_s: self.started.elapsed().as_secs(),
            kiosk: self.id.kiosk_id.clone(),
            hall: self.id.hall_id.clone(),
            activity: self.status_line(),
            draining: self.draining,
            session: self
                .session
                .as_ref()
                .map(|s| SessionStatus { flow: s.flow.name().into(), step: self.screen_tx.borrow().id.clone() }),
            devices: self.health.values().cloned().collect(),
            consumables: self.consumables()?,
            link: None,
            outbox_pending: self.store.counts()?.outbox_pending,
        })
    }

    /// What a check-in's lookup finds once central has answered for an ID number the cache had no
    /// booking for: this hall's bookings central knows (one the sync has not brought in yet: a kiosk
    /// just installed, a link that was down) are cached as the sync caches them, and the cache
    /// answers as it always does; else the earliest booking at another hall.
    fn central_lookup(&mut self, key: &LookupKey, today: chrono::NaiveDate, records: &[BookingRecord]) -> Lookup {
        let hall = self.id.hall_id.clone();
        let here: Vec<BookingRecord> = records.iter().filter(|r| r.hall == hall).cloned().collect();
        if !here.is_empty() {
            match self.store.cache_bookings(&hall, &here) {
                Ok(skipped) => {
                    for why in skipped {
                        tracing::warn!(%why, "central's booking not cached");
                    }
                }
                Err(e) => tracing::error!(error = %e, "caching central's booking failed"),
            }
            match self.store.lookup(key, &hall, today) {
                Ok(Lookup::None) => {}
                Ok(found) => return found,
                Err(e) => tracing::error!(error = %e, "booking lookup failed"),
            }
        }
        let elsewhere = records.iter().filter(|r| r.hall != hall).min_by(|a, b| a.slot_start.cmp(&b.slot_start));
        elsewhere.map_or(Lookup::None, |r| {
            Lookup::OtherHall(crate::session::BookingInfo {
                code: r.code.clone(),
                hall: r.hall.clone(),
                id_number: r.id_number.clone(),
                day: r.date,
                slot_start: r.slot_start.clone(),
                slot_end: r.slot_end.clone(),
                ticket: None,
            })
        })
    }

    fn show(&mut self, view: View) {
        self.view = view;
        self.render();
    }

    fn render(&mut self) {
        let countdown = self.deadline.and_then(|d| {
            let left = d.saturating_duration_since(Instant::now());
            let left_kiosk = left.mul_f64(self.clock.scale());
            (left_kiosk <= Duration::from_secs(self.policy.session.warn_before_s as u64))
                .then(|| left_kiosk.as_secs_f64().ceil() as u32)
        });
        // The same view with the same countdown is the same screen: not built again (a session
        // shows many a screen twice: a step's effects and the transition after it).
        if self.drawn == self.view && self.screen_tx.borrow().countdown == countdown {
            return;
        }
        let mut screen = kiosk_ui::screen(&self.view);
        screen.countdown = countdown;
        if *self.screen_tx.borrow() != screen {
            self.screen_tx.send_replace(screen.clone());
            let _ = self.events.send(KioskEvent::Screen { screen });
        }
        self.drawn.clone_from(&self.view);
    }
}

/// Told the status line from the main loop (the watchdog ping).
pub type AliveFn = Box<dyn FnMut(&str) + Send>;

/// How long a stopping kiosk waits for the current session to end (the unit's TimeoutStopSec is
/// longer): a card write and the permit's hand-back fit well within it.
const STOP_GRACE: Duration = Duration::from_secs(90);

/// Colours flashed per face attempt.
const FLASHES: usize = 4;
/// How long each colour is shown before its frame is taken.
const FLASH: Duration = Duration::from_millis(200);
/// Frames taken to see a blink, and how far apart (about two seconds in all).
const BLINK_FRAMES: usize = 10;
/// See [`BLINK_FRAMES`].
const BLINK_EVERY: Duration = Duration::from_millis(200);

/// Central's bookings today for the ID number in `key`, when the cache has none (within a short
/// wait: the applicant is standing at the screen). Central's silence is "none": the cache already
/// said so.
async fn ask_central(central: &dyn Central, key: &LookupKey, today: chrono::NaiveDate) -> Vec<BookingRecord> {
    let LookupKey::IdNumber(id) = key else { return Vec::new() };
    let answer = tokio::time::timeout(std::time::Duration::from_millis(1500), central.lookup(id, today)).await;
    let Ok(Ok(records)) = answer else { return Vec::new() };
    records
        .into_iter()
        .filter(|r| r.date == today && &r.id_number == id)
        .filter(|r| r.status != crate::central::BookingStatus::Cancelled)
        .collect()
}
