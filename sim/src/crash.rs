//! The crash harness's pieces: a walk-in through a kioskd process that is killed with SIGKILL at a
//! chosen point of the session (the Nth screen it shows, then a few milliseconds more), the restart
//! on the same data dir and its recovery watched to the home screen, and the invariants checked on
//! the kiosk's store, the simulated devices that outlived it (the permit path and its chips, the
//! payment provider's books) and the scheduler's database.
//!
//! The devices must outlive the killed daemon: the serial devices and the endorsement printer run in
//! the calling process, on the wire ([`crate::wire::WireRig`]); the payment provider keeps its books
//! in a file ([`crate::devices::payment::with_books`]), written before it answers. Only the camera
//! (a face in view) and the payer's pending tap live inside kioskd and go with it.

use crate::demo::client::{Client, Events};
use crate::demo::script::WalkIn;
use crate::demo::{KioskSetup, RunningKiosk, WalkInResult, Walker};
use crate::devices::payment::{Books, OrderState};
use crate::devices::permit_slot::Position;
use crate::devices::rig::{Rig, WorldAction};
use crate::persona::Deck;
use chrono::{DateTime, FixedOffset, NaiveDate};
use drivers::DeviceKind;
use kiosk_ui::Screen;
use rusqlite::{Connection, OpenFlags};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// Where to kill: once the session has shown its `screen`th distinct screen (1: the first one seen
/// after the walk-in starts; 0: from the start of the walk-in), `delay_ms` later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KillPoint {
    /// Which screen (counting distinct screens, countdowns aside).
    pub screen: u32,
    /// Milliseconds after it showed.
    pub delay_ms: u64,
}

/// How a walk-in under a kill point went.
#[derive(Debug)]
pub enum Ran {
    /// The walk-in finished before the kill point came: what became of it, the distinct screens it
    /// showed and how long it took.
    Finished(Box<WalkInResult>, u32, Duration),
    /// kioskd was killed.
    Killed,
}

fn plain(s: &Screen) -> Screen {
    Screen { countdown: None, ..s.clone() }
}

/// The harness's view of one kiosk under test: its setup (re-written at each restart with the
/// clock where the store left it), the running process, and the devices in this process.
pub struct CrashKiosk {
    /// How kioskd is started.
    pub setup: KioskSetup,
    /// The running kioskd (none between a kill and the restart).
    pub running: Option<RunningKiosk>,
    /// The devices on the wire, in this process.
    pub rig: Rig,
    /// The device kinds of `rig` kioskd drives over the wire.
    pub local: Vec<DeviceKind>,
    /// Latencies (ms) set on the devices inside kioskd each time it starts.
    pub inside_latency: Vec<(DeviceKind, u64)>,
    /// The applicants' reaction time on each screen.
    pub pause: Duration,
}

impl CrashKiosk {
    /// The store's path.
    pub fn store(&self) -> PathBuf {
        self.setup.data_dir.join("kioskd.sqlite")
    }

    /// Start kioskd (again).
    pub async fn start(&mut self) -> Result<(), String> {
        let k = self.setup.start().await?;
        let mut c = Client::connect(&k.socket).await.map_err(|e| e.to_string())?;
        for (device, ms) in &self.inside_latency {
            c.call(&crate::control::Request::World { action: WorldAction::Latency { device: *device, ms: *ms } })
                .await?;
        }
        self.running = Some(k);
        Ok(())
    }

    /// SIGKILL kioskd.
    pub async fn kill(&mut self) {
        if let Some(k) = self.running.take() {
            k.kill().await;
        }
    }

    fn socket(&self) -> Result<PathBuf, String> {
        self.running.as_ref().map(|k| k.socket.clone()).ok_or_else(|| "kioskd is not running".to_string())
    }

    /// Walk `w` in; with a kill point, SIGKILL kioskd when it comes.
    pub async fn walk(
        &mut self,
        deck: &Deck,
        offset: FixedOffset,
        day: NaiveDate,
        w: &WalkIn,
        kill: Option<KillPoint>,
    ) -> Result<Ran, String> {
        let socket = self.socket()?;
        let mut events = Events::subscribe(&socket).await?;
        let mut walker = Walker::connect(&socket, deck, offset)
            .await?
            .with_local(self.rig.clone(), self.local.clone())
            .with_pause(self.pause);
        let started = tokio::time::Instant::now();
        // The screens this walk-in shows, counted beside the walker; the kill point fires from here.
        let shown = Arc::new(AtomicU32::new(0));
        let (fire, fired) = tokio::sync::oneshot::channel::<()>();
        let counter = {
            let shown = shown.clone();
            tokio::spawn(async move {
                let (mut last, mut fire) = (None, Some(fire));
                if let Some(point) = kill.filter(|p| p.screen == 0)
                    && let Some(fire) = fire.take()
                {
                    tokio::time::sleep(Duration::from_millis(point.delay_ms)).await;
                    let _ = fire.send(());
                }
                while let Ok(e) = events.next().await {
                    let crate::control::KioskEvent::Screen { screen } = e else { continue };
                    let p = plain(&screen);
                    if last.as_ref() == Some(&p) {
                        continue;
                    }
                    last = Some(p);
                    let n = shown.fetch_add(1, Ordering::SeqCst) + 1;
                    if let Some(point) = kill
                        && n == point.screen
                        && let Some(fire) = fire.take()
                    {
                        tokio::time::sleep(Duration::from_millis(point.delay_ms)).await;
                        let _ = fire.send(());
                    }
                }
            })
        };
        let mut clock = None;
        let ran = tokio::select! {
            r = walker.walk(w, day, &mut clock) => {
                r.map(|r| Ran::Finished(Box::new(r), shown.load(Ordering::SeqCst), started.elapsed()))
            }
            Ok(()) = fired => {
                self.kill().await;
                Ok(Ran::Killed)
            }
        };
        counter.abort();
        ran
    }

    /// After a kill: note where the store's journal stopped, let go of what the applicant held in
    /// their hands (card, finger), restart kioskd with its clock where the store left it.
    pub async fn restart(&mut self) -> Result<String, String> {
        let (state, last_at) = last_step(&self.store())?;
        self.rig.idcard.remove();
        self.rig.fingerprint.lift();
        if let Some(at) = last_at {
            let start: DateTime<FixedOffset> = at + chrono::Duration::seconds(1);
            self.setup.start = start.to_rfc3339();
        }
        self.start().await?;
        Ok(state)
    }

    /// Watch the restarted kiosk recover to its home screen, acting as the applicant who is still
    /// there (taking a permit handed out, touching "done" on a final screen), then take everything
    /// left in the trays. `limit`: how long recovery may take.
    pub async fn settle(&mut self, limit: Duration) -> Result<(), String> {
        let socket = self.socket()?;
        let mut events = Events::subscribe(&socket).await?;
        let mut cmd = Client::connect(&socket).await.map_err(|e| e.to_string())?;
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let screen = match tokio::time::timeout_at(deadline, events.next()).await {
                Err(_) => return Err(format!("kioskd did not come back to its home screen within {limit:?}")),
                Ok(e) => match e? {
                    crate::control::KioskEvent::Screen { screen } => screen,
                    _ => continue,
                },
            };
            if screen.id == "home" {
                break;
            }
            self.rig.permit.take();
            if screen.has_button("done")
                && ["refusal", "checkin.ticket", "endorse.done", "booking.done", "booking.cancelled", "finished"]
                    .contains(&screen.id.as_str())
            {
                let _ = cmd.call(&crate::control::Request::Touch { button: "done".into() }).await;
            }
        }
        self.leave(&mut cmd).await;
        Ok(())
    }

    /// The applicant leaves with everything: card, finger, face, prints, permit.
    async fn leave(&mut self, cmd: &mut Client) {
        self.rig.idcard.remove();
        self.rig.fingerprint.lift();
        self.rig.receipt.take();
        self.rig.permit.take();
        let _ = cmd.call(&crate::control::Request::World { action: WorldAction::LeaveCamera }).await;
    }

    /// Wait until everything in the outbox reached central.
    pub async fn synced(&self, limit: Duration) -> Result<(), String> {
        let mut c = Client::connect(&self.socket()?).await.map_err(|e| e.to_string())?;
        c.wait_synced(limit).await.map(|_| ())
    }
}

/// The step the journal recorded last (`flow:step`, or `idle` for an empty journal) and the latest
/// time the store holds.
pub fn last_step(store: &Path) -> Result<(String, Option<DateTime<FixedOffset>>), String> {
    let db = Connection::open(store).map_err(|e| format!("{}: {e}", store.display()))?;
    let last: Option<(String, String, String)> = db
        .query_row(
            "SELECT s.flow, j.step, j.at FROM journal j JOIN sessions s ON s.id = j.session_id \
             ORDER BY j.at DESC, s.started_at DESC, j.seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .ok();
    let latest: Option<String> = db
        .query_row(
            "SELECT MAX(at) FROM (SELECT MAX(at) AS at FROM journal UNION SELECT MAX(updated_at) FROM sessions)",
            [],
            |r| r.get(0),
        )
        .ok()
        .flatten();
    let at = latest.and_then(|t| DateTime::parse_from_rfc3339(&t).ok());
    Ok((last.map(|(flow, step, _)| format!("{flow}:{step}")).unwrap_or_else(|| "idle".into()), at))
}

fn read_only(path: &Path) -> Result<Connection, String> {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn integrity(db: &Connection, what: &str, out: &mut Vec<String>) {
    match db.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)) {
        Ok(s) if s == "ok" => {}
        Ok(s) => out.push(format!("{what}: integrity_check says {s}")),
        Err(e) => out.push(format!("{what}: integrity_check failed: {e}")),
    }
}

fn strings(db: &Connection, sql: &str) -> Result<Vec<String>, String> {
    let mut st = db.prepare(sql).map_err(|e| format!("{sql}: {e}"))?;
    let rows = st.query_map([], |r| r.get::<_, String>(0)).map_err(|e| format!("{sql}: {e}"))?;
    rows.collect::<Result<Vec<_>, _>>().map_err(|e| format!("{sql}: {e}"))
}

fn pairs(db: &Connection, sql: &str) -> Result<Vec<(String, String)>, String> {
    let mut st = db.prepare(sql).map_err(|e| format!("{sql}: {e}"))?;
    let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(|e| e.to_string())?;
    rows.collect::<Result<Vec<_>, _>>().map_err(|e| format!("{sql}: {e}"))
}

/// What the invariants were checked on.
pub struct Subject<'a> {
    /// The kiosk's store.
    pub store: &'a Path,
    /// The payment provider's books.
    pub books: &'a Path,
    /// The devices in this process (the permit path: every chip).
    pub rig: &'a Rig,
    /// The scheduler's database and this kiosk's id there.
    pub scheduler: Option<(&'a Path, &'a str)>,
}

/// The invariants, checked with no session open (kioskd at its home screen or dead). `all_synced`:
/// the outbox has been drained, so every event must be at the scheduler. Returns what is broken.
pub fn check(s: &Subject<'_>, all_synced: bool) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let db = read_only(s.store)?;
    integrity(&db, "kiosk store", &mut out);
    let open = strings(&db, "SELECT id FROM sessions WHERE open = 1")?;
    if !open.is_empty() {
        out.push(format!("sessions still open: {open:?}"));
    }

    // Every chip: no issue key twice, on one card or across cards.
    let mut cards = s.rig.permit.taken();
    cards.extend(s.rig.permit.retained());
    match s.rig.permit.position() {
        Position::Empty => {}
        Position::Inside(c) => {
            out.push(format!("permit {} left inside the machine", c.permit.number));
            cards.push(c);
        }
        Position::AtEntry(c) | Position::AtExit(c) => cards.push(c),
    }
    let mut on_chips: BTreeMap<String, u32> = BTreeMap::new();
    for c in &cards {
        for e in &c.permit.endorsements {
            if let Some(k) = &e.issue_key {
                *on_chips.entry(k.clone()).or_default() += 1;
            }
        }
    }
    for (k, n) in &on_chips {
        if *n > 1 {
            out.push(format!("endorsement {k} written {n} times"));
        }
    }
    // The store agrees with the chips.
    let endorsements = pairs(&db, "SELECT issue_key, status FROM endorsements")?;
    let written: BTreeSet<String> =
        endorsements.iter().filter(|(_, st)| st == "written").map(|(k, _)| k.clone()).collect();
    for (k, st) in &endorsements {
        if st == "intent" {
            out.push(format!("endorsement {k}: an intent never reconciled"));
        }
    }
    for k in on_chips.keys() {
        if !written.contains(k) {
            out.push(format!("endorsement {k} on a chip, not recorded as written"));
        }
    }
    for k in &written {
        if !on_chips.contains_key(k) {
            out.push(format!("endorsement {k} recorded as written, on no chip"));
        }
    }

    // The provider's books against the chips and the store.
    let books = Books::load(s.books)?;
    let payments: BTreeMap<String, String> = pairs(&db, "SELECT order_no, status FROM payments")?.into_iter().collect();
    let order_key: BTreeMap<String, String> =
        pairs(&db, "SELECT order_no, issue_key FROM endorsements")?.into_iter().collect();
    let issued = |order: &str| order_key.get(order).is_some_and(|k| on_chips.contains_key(k) && written.contains(k));
    for (no, o) in &books.orders {
        let status = payments.get(no).map(String::as_str);
        match &o.state {
            OrderState::Paid { .. } => {
                if !issued(no) {
                    out.push(format!("order {no}: paid, no endorsement written and no refund"));
                }
                if status != Some("paid") {
                    out.push(format!("order {no}: paid at the provider, {status:?} in the store"));
                }
            }
            OrderState::Refunded { .. } => {
                if status != Some("refunded") {
                    out.push(format!("order {no}: refunded at the provider, {status:?} in the store"));
                }
                if issued(no) {
                    out.push(format!("order {no}: refunded although the endorsement was written"));
                }
            }
            OrderState::Open => out.push(format!("order {no}: still open at the provider")),
            OrderState::Declined | OrderState::Cancelled => {
                if issued(no) {
                    out.push(format!("order {no}: endorsement written without payment"));
                }
                if matches!(status, Some("paid" | "refunded" | "refund_intent")) {
                    out.push(format!("order {no}: not paid at the provider, {status:?} in the store"));
                }
            }
        }
    }
    for (no, status) in &payments {
        if !books.orders.contains_key(no) && !matches!(status.as_str(), "intent" | "cancelled" | "declined") {
            out.push(format!("order {no}: {status} in the store, unknown to the provider"));
        }
        if matches!(status.as_str(), "intent" | "refund_intent") {
            out.push(format!("order {no}: {status} never reconciled"));
        }
    }
    for k in &written {
        if let Some((no, _)) = order_key.iter().find(|(_, key)| *key == k)
            && !matches!(books.orders.get(no).map(|o| &o.state), Some(OrderState::Paid { .. }))
        {
            out.push(format!("endorsement {k} written, its order {no} not paid"));
        }
    }

    // The outbox against the scheduler: every event recorded there once, nothing it does not know.
    let outbox = pairs(&db, "SELECT key, COALESCE(delivered_at, '') FROM outbox")?;
    let rejected = strings(&db, "SELECT key FROM outbox WHERE rejected IS NOT NULL")?;
    for k in &rejected {
        out.push(format!("event {k} rejected by central"));
    }
    // Every ended session has its event; every written endorsement and every refund too.
    let keys: BTreeSet<&str> = outbox.iter().map(|(k, _)| k.as_str()).collect();
    let ended = strings(&db, "SELECT id FROM sessions WHERE open = 0")?;
    let kiosk = s.scheduler.map(|(_, k)| k.to_string());
    if let Some(kiosk) = &kiosk {
        for id in &ended {
            if !keys.contains(format!("{kiosk}:{id}:session").as_str()) {
                out.push(format!("session {id}: no session event in the outbox"));
            }
        }
        let session_of: BTreeMap<String, String> =
            pairs(&db, "SELECT order_no, session_id FROM payments")?.into_iter().collect();
        for (no, st) in &payments {
            // Refunded in its session, or later by the reconciler.
            let in_session = session_of.get(no).map(|id| format!("{kiosk}:{id}:refund")).unwrap_or_default();
            if st == "refunded"
                && !keys.contains(in_session.as_str())
                && !keys.contains(format!("{kiosk}:{no}:refund").as_str())
            {
                out.push(format!("order {no}: refunded, no refund event in the outbox"));
            }
        }
    }
    let issued_events = outbox.iter().filter(|(k, _)| k.ends_with(":endorsement_issued")).count();
    if issued_events != written.len() {
        out.push(format!("{} endorsements written, {issued_events} endorsement_issued events", written.len()));
    }
    if let Some((central, kiosk)) = s.scheduler {
        let c = read_only(central)?;
        integrity(&c, "scheduler db", &mut out);
        let at_central = strings(&c, &format!("SELECT key FROM events WHERE kiosk = '{kiosk}'"))?;
        let at_central_set: BTreeSet<&str> = at_central.iter().map(String::as_str).collect();
        // Device health reports go straight to central, never through the outbox.
        for k in at_central.iter().filter(|k| !k.contains(":health:")) {
            if !keys.contains(k.as_str()) {
                out.push(format!("event {k} at the scheduler, not in the kiosk's outbox"));
            }
        }
        for (k, delivered) in &outbox {
            let there = at_central_set.contains(k.as_str());
            if !delivered.is_empty() && !there {
                out.push(format!("event {k} delivered, not at the scheduler"));
            }
            if all_synced && !there {
                out.push(format!("event {k} never reached the scheduler"));
            }
        }
        // What the events did at central: each applied once.
        for table in ["checkins", "issued_endorsements", "refunds"] {
            let twice = strings(
                &c,
                &format!(
                    "SELECT event_key FROM {table} WHERE kiosk = '{kiosk}' GROUP BY event_key HAVING COUNT(*) > 1"
                ),
            )
            .or_else(|_| {
                strings(&c, &format!("SELECT event_key FROM {table} GROUP BY event_key HAVING COUNT(*) > 1"))
            })?;
            for k in twice {
                out.push(format!("event {k} applied twice at the scheduler ({table})"));
            }
        }
    }
    Ok(out)
}

/// Counts of a run, for its summary table.
#[derive(Debug, Default)]
pub struct Tally {
    /// Kill points per `flow:step` the journal recorded last before the kill (`during recovery`
    /// prefixed for a kill while a restarted kioskd was still recovering).
    pub states: BTreeMap<String, u32>,
    /// Kill points.
    pub kills: u32,
    /// Restarts.
    pub restarts: u32,
    /// Invariant checks run (each checks every invariant).
    pub checks: u32,
    /// Walk-ins finished without a kill, by outcome.
    pub outcomes: BTreeMap<String, u32>,
    /// Everything found broken.
    pub violations: Vec<String>,
}

impl Tally {
    /// The summary as a Markdown table and a few lines.
    pub fn table(&self) -> String {
        let mut s = String::from("| state at the kill (journal's last step) | kill points |\n|---|---:|\n");
        for (state, n) in &self.states {
            s.push_str(&format!("| {state} | {n} |\n"));
        }
        s.push_str(&format!(
            "\nkill points: {}, restarts: {}, invariant checks: {}, violations: {}\n",
            self.kills,
            self.restarts,
            self.checks,
            self.violations.len()
        ));
        let outcomes: Vec<String> = self.outcomes.iter().map(|(o, n)| format!("{o} {n}")).collect();
        s.push_str(&format!("walk-ins finished unkilled: {}\n", outcomes.join(", ")));
        for v in self.violations.iter().take(50) {
            s.push_str(&format!("VIOLATION: {v}\n"));
        }
        s
    }
}
