//! The local store: SQLite with migrations and WAL.
//!
//! Every session transition is committed with [`Store::commit`] before any of its side effects is
//! performed: the new state, a journal row, and every [`Record`] effect (payment and endorsement
//! intents and outcomes, tickets, outbox events, audit records) in one transaction. No biometric
//! data is ever written here: the session state has no field that could hold it.

mod schema;
pub mod sync;

use crate::central::BookingRecord;
use crate::session::tag::tag;
use crate::session::{BookingInfo, Effect, Input, Lookup, LookupKey, Record, Session};
use chrono::{DateTime, FixedOffset, NaiveDate};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::path::Path;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Migrations failed.
    #[error("store migration: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// A stored value could not be read back.
    #[error("store: corrupt {what}: {message}")]
    Corrupt {
        /// What.
        what: String,
        /// Why.
        message: String,
    },
}

/// Result alias.
pub type Result<T> = std::result::Result<T, StoreError>;

/// The store.
pub struct Store {
    conn: Connection,
    kiosk_id: String,
    prefix: String,
    /// The session whose journal this store last committed rows to, and the last row's `seq`: its
    /// next commit numbers on from there instead of looking the journal up (this connection is the
    /// journal's only writer; after a restart the first commit looks it up).
    journaled: Option<(String, i64)>,
    /// Whether the payments may hold a refund intent without its outcome: so when the store opens,
    /// whenever a transition records one, and until a look for them finds none.
    refund_intents: bool,
}

/// What a retention purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Closed sessions.
    pub sessions: usize,
    /// Their journal rows.
    pub journal: usize,
    /// Delivered outbox events.
    pub events: usize,
    /// Tickets.
    pub tickets: usize,
    /// Bookings of past days.
    pub bookings: usize,
    /// Endorsements whose permit number was masked.
    pub masked: usize,
}

/// Figures for tests, status and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Sessions still open.
    pub open_sessions: u64,
    /// Outbox events not yet delivered.
    pub outbox_pending: u64,
    /// Audit records.
    pub audit: u64,
    /// Tickets.
    pub tickets: u64,
    /// Endorsements written.
    pub endorsements_written: u64,
}

impl Store {
    /// Open (creating and migrating) the store at `path`. `synchronous` is `full` or `normal`.
    pub fn open(path: &Path, synchronous: &str, kiosk_id: &str, prefix: &str) -> Result<Store> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Corrupt {
                what: format!("directory {}", dir.display()),
                message: e.to_string(),
            })?;
        }
        Store::setup(Connection::open(path)?, synchronous, kiosk_id, prefix)
    }

    /// An in-memory store (tests, benchmarks).
    pub fn open_in_memory(kiosk_id: &str, prefix: &str) -> Result<Store> {
        Store::setup(Connection::open_in_memory()?, "normal", kiosk_id, prefix)
    }

    fn setup(mut conn: Connection, synchronous: &str, kiosk_id: &str, prefix: &str) -> Result<Store> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let sync = if synchronous == "normal" { "NORMAL" } else { "FULL" };
        conn.pragma_update(None, "synchronous", sync)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Room for every statement a transition, a lookup and the sync use (rusqlite keeps 16).
        conn.set_prepared_statement_cache_capacity(64);
        schema::migrations().to_latest(&mut conn)?;
        Ok(Store { conn, kiosk_id: kiosk_id.into(), prefix: prefix.into(), journaled: None, refund_intents: true })
    }

    /// Replace the cached bookings of the given days with central's.
    pub fn ingest_bookings(&mut self, records: &[BookingRecord]) -> Result<usize> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO bookings (code, hall, id_number, day, slot_start, slot_end, business)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (code) DO UPDATE SET hall = excluded.hall, id_number = excluded.id_number,
                   day = excluded.day, slot_start = excluded.slot_start, slot_end = excluded.slot_end,
                   business = excluded.business",
            )?;
            for r in records {
                st.execute(params![
                    r.code,
                    r.hall,
                    r.id_number,
                    r.date.to_string(),
                    r.slot_start,
                    r.slot_end,
                    r.business
                ])?;
            }
        }
        tx.commit()?;
        Ok(records.len())
    }

    /// Cache bookings of this hall that central answered for before the sync brought them in,
    /// checked and stored as the sync stores its changes (a ticket this kiosk gave is kept; the
    /// sync's cursor does not move). Returns why any record was skipped.
    pub fn cache_bookings(&mut self, hall: &str, records: &[BookingRecord]) -> Result<Vec<String>> {
        let tx = Immediate::begin(&self.conn)?;
        let applied = sync::store_changes(&tx, hall, records)?;
        tx.commit()?;
        Ok(applied.skipped)
    }

    /// Find a booking for check-in: this hall's for `today`, else another hall's for today.
    pub fn lookup(&self, key: &LookupKey, hall: &str, today: NaiveDate) -> Result<Lookup> {
        let (sql, arg) = match key {
            LookupKey::IdNumber(n) => (
                "SELECT code, hall, id_number, day, slot_start, slot_end, checked_in FROM bookings WHERE id_number = ?1 AND day = ?2",
                n,
            ),
            LookupKey::Code(c) => (
                "SELECT code, hall, id_number, day, slot_start, slot_end, checked_in FROM bookings WHERE code = ?1 AND day = ?2",
                c,
            ),
        };
        let mut st = self.conn.prepare_cached(sql)?;
        let rows = st.query_map(params![arg, today.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?;
        let mut found: Vec<BookingInfo> = Vec::new();
        for row in rows {
            let (code, hall_id, id_number, day, slot_start, slot_end, ticket) = row?;
            let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
                .map_err(|e| StoreError::Corrupt { what: format!("booking {code} day"), message: e.to_string() })?;
            found.push(BookingInfo { code, hall: hall_id, id_number, day, slot_start, slot_end, ticket });
        }
        found.sort_by(|a, b| a.slot_start.cmp(&b.slot_start));
        if let Some(b) = found.iter().find(|b| b.hall == hall) {
            return Ok(Lookup::Here(b.clone()));
        }
        Ok(found.into_iter().next().map_or(Lookup::None, Lookup::OtherHall))
    }

    /// Start a session: its id, `{kiosk}-{YYYYMMDD}-{n}` (never reused), is drawn in the same
    /// transaction that commits the session's first transition, which `start` makes from it.
    pub fn start(
        &mut self,
        now: DateTime<FixedOffset>,
        start: impl FnOnce(String) -> (Session, Vec<Effect>),
    ) -> Result<(Session, Vec<Effect>)> {
        let day = now.format("%Y%m%d").to_string();
        let tx = Immediate::begin(&self.conn)?;
        let n = next_counter(&tx, &day, "session")?;
        let (session, effects) = start(format!("{}-{day}-{n:04}", self.kiosk_id));
        self.refund_intents |= records_refund_intent(&effects);
        let first = Transition { s: &session, input: "start", effects: &effects, used: None, now, waiting: &[] };
        let (_, seq) = self.write(&tx, &first)?;
        tx.commit()?;
        self.journaled_to(&session.id, seq);
        Ok((session, effects))
    }

    /// Commit a transition: the session's new state, a journal row, and every record effect, in one
    /// transaction. Returns the inputs the records answer with (allocated ticket numbers).
    pub fn commit(
        &mut self,
        s: &Session,
        input: &str,
        effects: &[Effect],
        used: Option<&str>,
        now: DateTime<FixedOffset>,
        waiting: &[JournalRow],
    ) -> Result<Vec<Input>> {
        self.refund_intents |= records_refund_intent(effects);
        let tx = Immediate::begin(&self.conn)?;
        let (answers, seq) = self.write(&tx, &Transition { s, input, effects, used, now, waiting })?;
        tx.commit()?;
        self.journaled_to(&s.id, seq);
        Ok(answers)
    }

    /// Note that session `id`'s journal now ends at `seq` (committed).
    fn journaled_to(&mut self, id: &str, seq: i64) {
        match &mut self.journaled {
            Some((last_id, last)) if last_id == id => *last = seq,
            other => *other = Some((id.to_string(), seq)),
        }
    }

    /// A transition's rows, in the transaction `tx` ([`Store::commit`]). Returns the inputs the
    /// records answer with and the `seq` of the last journal row written.
    fn write(&self, tx: &Connection, t: &Transition) -> Result<(Vec<Input>, i64)> {
        let Transition { s, input, effects, used, now, waiting } = *t;
        let state = serde_json::to_string(s)
            .map_err(|e| StoreError::Corrupt { what: "session state".into(), message: e.to_string() })?;
        let own = JournalRow::new(s, input, effects, now);
        let (step, at) = (own.step.clone(), own.at.clone());
        let (kiosk_id, prefix) = (&self.kiosk_id, &self.prefix);
        let (outcome, reason) = match effects.iter().find_map(|e| match e {
            Effect::End { summary } => Some(summary),
            _ => None,
        }) {
            Some(sum) => (Some(sum.outcome.clone()), sum.reason.clone()),
            None => (None, None),
        };
        // `open` is set only as the session ends: a column an index covers, even set to the value it
        // has, has its index entry rewritten, a page more at every commit.
        let sql = if s.is_over() {
            "INSERT INTO sessions (id, flow, step, state, open, outcome, reason, started_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (id) DO UPDATE SET step = excluded.step, state = excluded.state, open = excluded.open,
               outcome = excluded.outcome, reason = excluded.reason, updated_at = excluded.updated_at"
        } else {
            "INSERT INTO sessions (id, flow, step, state, open, outcome, reason, started_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (id) DO UPDATE SET step = excluded.step, state = excluded.state,
               outcome = excluded.outcome, reason = excluded.reason, updated_at = excluded.updated_at"
        };
        exec(
            tx,
            sql,
            params![s.id, s.flow.name(), step, state, !s.is_over(), outcome, reason, s.started_at.to_rfc3339(), at],
        )?;
        if let Some(name) = used {
            exec(tx, "UPDATE consumables SET used = used + 1 WHERE name = ?1", params![name])?;
        }
        let mut seq: i64 = match &self.journaled {
            Some((id, last)) if *id == s.id => *last,
            _ => row(tx, "SELECT COALESCE(MAX(seq), 0) FROM journal WHERE session_id = ?1", [&s.id], |r| r.get(0))?,
        };
        for j in waiting.iter().chain(std::iter::once(&own)) {
            seq += 1;
            exec(
                tx,
                "INSERT INTO journal (session_id, seq, at, input, step, effects) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![s.id, seq, j.at, j.input, j.step, j.effects],
            )?;
        }
        let mut answers = Vec::new();
        for e in effects {
            let Effect::Record { record } = e else { continue };
            match record {
                Record::AllocateTicket { booking } => {
                    let existing: Option<String> =
                        row(tx, "SELECT checked_in FROM bookings WHERE code = ?1", [booking], |r| r.get(0))
                            .optional()?
                            .flatten();
                    if let Some(number) = existing {
                        answers.push(Input::Ticket { number, reprint: true });
                        continue;
                    }
                    let day = now.date_naive().to_string();
                    let n = next_counter(tx, &day, "B")?;
                    let number = format!("B{prefix}{n:03}");
                    exec(
                        tx,
                        "INSERT INTO tickets (number, day, class, session_id, booking, issued_at) VALUES (?1, ?2, 'B', ?3, ?4, ?5)",
                        params![number, day, s.id, booking, at],
                    )?;
                    exec(tx, "UPDATE bookings SET checked_in = ?1 WHERE code = ?2", params![number, booking])?;
                    answers.push(Input::Ticket { number, reprint: false });
                }
                Record::PaymentIntent { order_no, amount_fen } => {
                    exec(tx,
                        "INSERT INTO payments (order_no, session_id, amount_fen, status, updated_at) VALUES (?1, ?2, ?3, 'intent', ?4)
                         ON CONFLICT (order_no) DO NOTHING",
                        params![order_no, s.id, amount_fen, at],
                    )?;
                }
                Record::PaymentState { order_no, status, reference } => {
                    let col = if status.starts_with("refund") { "refund_no" } else { "txn_id" };
                    exec(
                        tx,
                        &format!(
                            "UPDATE payments SET status = ?1, {col} = COALESCE(?2, {col}), updated_at = ?3 WHERE order_no = ?4"
                        ),
                        params![status, reference, at, order_no],
                    )?;
                }
                Record::EndorsementIntent { key, permit_no, offer_id, valid_from, valid_to, fee_fen, order_no } => {
                    exec(tx,
                        "INSERT INTO endorsements (issue_key, session_id, permit_no, offer_id, valid_from, valid_to, fee_fen, order_no, status, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'intent', ?9) ON CONFLICT (issue_key) DO NOTHING",
                        params![key, s.id, permit_no, offer_id, valid_from.to_string(), valid_to.to_string(), fee_fen, order_no, at],
                    )?;
                }
                Record::EndorsementState { key, status } => {
                    exec(
                        tx,
                        "UPDATE endorsements SET status = ?1, updated_at = ?2 WHERE issue_key = ?3",
                        params![status, at, key],
                    )?;
                }
                Record::Outbox { kind, payload } => {
                    let key = format!("{kiosk_id}:{}:{kind}", s.id);
                    exec(
                        tx,
                        "INSERT INTO outbox (key, kind, payload, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key) DO NOTHING",
                        params![key, kind, payload.to_string(), at],
                    )?;
                }
                Record::Audit { action, detail } => append_audit(tx, &at, action, &format!("{} {detail}", s.id))?,
            }
        }
        Ok((answers, seq))
    }

    /// Sessions that were open when the daemon stopped.
    pub fn open_sessions(&self) -> Result<Vec<Session>> {
        let mut st = self.conn.prepare("SELECT id, state FROM sessions WHERE open = 1 ORDER BY started_at")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, state) = row?;
            let s = serde_json::from_str(&state)
                .map_err(|e| StoreError::Corrupt { what: format!("session {id}"), message: e.to_string() })?;
            out.push(s);
        }
        Ok(out)
    }

    /// Refunds owed: a refund intent without its outcome (the terminal failed during the refund),
    /// of a session that has ended. Asked at every health report of the payment terminal (after
    /// every session): the store is not read again until a refund intent has been recorded since
    /// a look found none at all.
    pub fn owed_refunds(&mut self) -> Result<Vec<(String, String)>> {
        if !self.refund_intents {
            return Ok(Vec::new());
        }
        let mut st = self.conn.prepare_cached(
            "SELECT order_no, refund_no FROM payments WHERE status = 'refund_intent' AND refund_no IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = payments.session_id AND s.open = 1)",
        )?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let owed: Vec<(String, String)> = rows.collect::<std::result::Result<_, _>>()?;
        if owed.is_empty() {
            // None owed now; one of an open session is owed once it ends, so look again until
            // there are none at all.
            self.refund_intents =
                row(&self.conn, "SELECT EXISTS (SELECT 1 FROM payments WHERE status = 'refund_intent')", [], |r| {
                    r.get(0)
                })?;
        }
        Ok(owed)
    }

    /// Record a refund made outside a session (by the reconciler).
    pub fn refund_done(&mut self, order_no: &str, now: DateTime<FixedOffset>) -> Result<()> {
        let at = now.to_rfc3339();
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE payments SET status = 'refunded', updated_at = ?1 WHERE order_no = ?2",
            params![at, order_no],
        )?;
        let key = format!("{}:{order_no}:refund", self.kiosk_id);
        let payload = serde_json::json!({ "order_no": order_no, "kiosk": self.kiosk_id, "at": at }).to_string();
        tx.execute(
            "INSERT INTO outbox (key, kind, payload, created_at) VALUES (?1, 'refund', ?2, ?3) ON CONFLICT (key) DO NOTHING",
            params![key, payload, at],
        )?;
        append_audit(&tx, &at, "refund", order_no)?;
        tx.commit()?;
        Ok(())
    }

    /// Append an audit record outside a session (start, stop, staff actions).
    pub fn audit(&mut self, action: &str, detail: &str, now: DateTime<FixedOffset>) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        append_audit(&tx, &now.to_rfc3339(), action, detail)?;
        tx.commit()?;
        Ok(())
    }

    /// Check the audit hash chain: `Err` names the first record that does not fit.
    pub fn verify_audit(&self) -> Result<std::result::Result<u64, String>> {
        let mut st = self.conn.prepare("SELECT seq, at, action, detail, prev_hash, hash FROM audit ORDER BY seq")?;
        let mut rows = st.query([])?;
        let mut prev = GENESIS.to_string();
        let mut expected_seq = 1i64;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            let (seq, at, action, detail, prev_hash, hash): (i64, String, String, String, String, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
            if seq != expected_seq {
                return Ok(Err(format!("audit record {expected_seq} is missing")));
            }
            if prev_hash != prev || chain_hash(&prev, seq, &at, &action, &detail) != hash {
                return Ok(Err(format!("audit record {seq} was changed")));
            }
            prev = hash;
            expected_seq += 1;
            n += 1;
        }
        Ok(Ok(n))
    }

    /// Figures.
    pub fn counts(&self) -> Result<Counts> {
        let q = |sql: &str| self.conn.query_row(sql, [], |r| r.get::<_, i64>(0)).map(|n| n as u64);
        Ok(Counts {
            open_sessions: q("SELECT COUNT(*) FROM sessions WHERE open = 1")?,
            outbox_pending: q("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND rejected IS NULL")?,
            audit: q("SELECT COUNT(*) FROM audit")?,
            tickets: q("SELECT COUNT(*) FROM tickets")?,
            endorsements_written: q("SELECT COUNT(*) FROM endorsements WHERE status = 'written'")?,
        })
    }

    /// Retention: forget personal data older than `cutoff` (closed sessions and their journal,
    /// delivered outbox events, tickets), bookings of days before `today`, and mask the permit
    /// numbers of old endorsements (the issue record itself is kept). Open sessions and events not
    /// yet delivered are never touched. Audited with the counts.
    pub fn purge(
        &mut self,
        cutoff: DateTime<FixedOffset>,
        today: NaiveDate,
        now: DateTime<FixedOffset>,
    ) -> Result<Purged> {
        let c = cutoff.to_rfc3339();
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let journal = tx.execute(
            "DELETE FROM journal WHERE session_id IN (SELECT id FROM sessions WHERE open = 0 AND updated_at < ?1)",
            params![c],
        )?;
        let sessions = tx.execute("DELETE FROM sessions WHERE open = 0 AND updated_at < ?1", params![c])?;
        let events =
            tx.execute("DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?1", params![c])?;
        let tickets = tx.execute("DELETE FROM tickets WHERE issued_at < ?1", params![c])?;
        let bookings = tx.execute("DELETE FROM bookings WHERE day < ?1", params![today.to_string()])?;
        let old: Vec<(String, String)> = {
            let mut st = tx.prepare(
                "SELECT issue_key, permit_no FROM endorsements WHERE updated_at < ?1 AND status != 'intent'",
            )?;
            st.query_map(params![c], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?
        };
        let mut masked = 0;
        for (key, permit) in old {
            let m = drivers::idcard::mask_id(&permit);
            if m != permit {
                masked += tx.execute("UPDATE endorsements SET permit_no = ?2 WHERE issue_key = ?1", params![key, m])?;
            }
        }
        let p = Purged { sessions, journal, events, tickets, bookings, masked };
        if p != Purged::default() {
            append_audit(&tx, &now.to_rfc3339(), "purge", &format!("{p:?} older than {c}"))?;
        }
        tx.commit()?;
        Ok(p)
    }

    /// Record a satisfaction rating of a session that ended (who gave it is not kept).
    pub fn rate(&mut self, flow: &str, outcome: &str, rating: &str, now: DateTime<FixedOffset>) -> Result<()> {
        self.conn.execute(
            "INSERT INTO ratings (day, flow, outcome, rating, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![now.date_naive().to_string(), flow, outcome, rating, now.to_rfc3339()],
        )?;
        Ok(())
    }

    /// Count one use of a consumable (`paper`, `cards`, `retained`).
    pub fn bump(&mut self, name: &str) -> Result<()> {
        exec(&self.conn, "UPDATE consumables SET used = used + 1 WHERE name = ?1", params![name])?;
        Ok(())
    }

    /// Consumables: (name, used since reset, reset at).
    pub fn consumables(&self) -> Result<Vec<(String, u64, Option<String>)>> {
        let mut st = self.conn.prepare("SELECT name, used, reset_at FROM consumables ORDER BY name")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A consumable was refilled: count from zero (audited). `false` if there is no such consumable.
    pub fn reset_consumable(&mut self, name: &str, now: DateTime<FixedOffset>) -> Result<bool> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE consumables SET used = 0, reset_at = ?2 WHERE name = ?1",
            params![name, now.to_rfc3339()],
        )?;
        if n > 0 {
            append_audit(&tx, &now.to_rfc3339(), "consumable_reset", name)?;
        }
        tx.commit()?;
        Ok(n > 0)
    }

    /// Audit records between two times (RFC 3339, inclusive; absent: open), oldest first.
    pub fn audit_range(&self, from: Option<&str>, to: Option<&str>) -> Result<Vec<serde_json::Value>> {
        let mut st = self.conn.prepare(
            "SELECT seq, at, action, detail, prev_hash, hash FROM audit
             WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at <= ?2) ORDER BY seq",
        )?;
        let rows = st.query_map(params![from, to], |r| {
            Ok(serde_json::json!({
                "seq": r.get::<_, i64>(0)?, "at": r.get::<_, String>(1)?, "action": r.get::<_, String>(2)?,
                "detail": r.get::<_, String>(3)?, "prev_hash": r.get::<_, String>(4)?, "hash": r.get::<_, String>(5)?,
            }))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The raw connection, for tests and tools that inspect the store.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn chain_hash(prev: &str, seq: i64, at: &str, action: &str, detail: &str) -> String {
    let mut h = Sha256::new();
    for part in [prev, &seq.to_string(), at, action, detail] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    drivers::biometric::to_hex(&h.finalize())
}

/// Run `sql` as a cached prepared statement: the statements of every transition are parsed once,
/// not at every commit.
fn exec(c: &Connection, sql: &str, p: impl rusqlite::Params) -> rusqlite::Result<usize> {
    c.prepare_cached(sql)?.execute(p)
}

/// What [`Store::commit`] writes: the session as a transition left it, the input that led there,
/// the transition's effects, the consumable it used up and the journal lines waiting for it.
#[derive(Clone, Copy)]
struct Transition<'a> {
    s: &'a Session,
    input: &'a str,
    effects: &'a [Effect],
    used: Option<&'a str>,
    now: DateTime<FixedOffset>,
    waiting: &'a [JournalRow],
}

/// A write transaction (`BEGIN IMMEDIATE`) through cached statements: rusqlite's `Transaction`
/// parses `BEGIN` and `COMMIT` anew each time, and a session commits a dozen transitions. Rolled
/// back if dropped uncommitted.
struct Immediate<'c> {
    conn: &'c Connection,
    open: bool,
}

impl<'c> Immediate<'c> {
    fn begin(conn: &'c Connection) -> rusqlite::Result<Immediate<'c>> {
        conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        Ok(Immediate { conn, open: true })
    }

    fn commit(mut self) -> rusqlite::Result<()> {
        self.conn.prepare_cached("COMMIT")?.execute([])?;
        self.open = false;
        Ok(())
    }
}

impl std::ops::Deref for Immediate<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Immediate<'_> {
    fn drop(&mut self) {
        if self.open && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// Whether `effects` record a refund intent ([`Store::owed_refunds`] looks again; noted before
/// they are committed: a refund owed must never be missed, a look that finds none is cheap).
fn records_refund_intent(effects: &[Effect]) -> bool {
    effects.iter().any(
        |e| matches!(e, Effect::Record { record: Record::PaymentState { status, .. } } if status == "refund_intent"),
    )
}

/// Query one row with a cached prepared statement.
fn row<T>(
    c: &Connection,
    sql: &str,
    p: impl rusqlite::Params,
    f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    c.prepare_cached(sql)?.query_row(p, f)
}

/// (Inside the caller's write transaction.)
fn append_audit(tx: &Connection, at: &str, action: &str, detail: &str) -> Result<()> {
    let last: Option<(i64, String)> =
        row(tx, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
    let (seq, prev) = last.map_or((1, GENESIS.to_string()), |(s, h)| (s + 1, h));
    let hash = chain_hash(&prev, seq, at, action, detail);
    exec(
        tx,
        "INSERT INTO audit (seq, at, action, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![seq, at, action, detail, prev, hash],
    )?;
    Ok(())
}

/// (Inside the caller's write transaction.)
fn next_counter(tx: &Connection, day: &str, class: &str) -> Result<i64> {
    exec(
        tx,
        "INSERT INTO ticket_counters (day, class, next) VALUES (?1, ?2, 1) ON CONFLICT (day, class) DO UPDATE SET next = next + 1",
        params![day, class],
    )?;
    Ok(row(tx, "SELECT next FROM ticket_counters WHERE day = ?1 AND class = ?2", params![day, class], |r| r.get(0))?)
}

/// One transition's line in the journal: when, what came in, the step it led to, the effects' names.
/// A transition that may wait ([`Session::journal_can_wait`]) keeps its line until the next
/// commit of its session writes it, in order, before its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalRow {
    at: String,
    input: String,
    step: String,
    effects: String,
}

impl JournalRow {
    /// The line of a transition of `s` (already stepped) on `input`, with `effects`, at `now`.
    pub fn new(s: &Session, input: &str, effects: &[Effect], now: DateTime<FixedOffset>) -> JournalRow {
        let kinds: Vec<String> = effects.iter().map(effect_name).collect();
        JournalRow { at: now.to_rfc3339(), input: input.to_string(), step: step_name(s), effects: kinds.join(",") }
    }
}

fn step_name(s: &Session) -> String {
    tag(&s.step).unwrap_or_default()
}

/// An effect's name as serde tags it (`record:` and the record's for a store change).
fn effect_name(e: &Effect) -> String {
    match e {
        Effect::Record { record } => tag(record).map(|r| format!("record:{r}")).unwrap_or_default(),
        other => tag(other).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use crate::session::{Effect, Record, Step};

    /// The journal's names of steps and effects are the names serde writes for them (as they were
    /// when the journal found them through a `serde_json::Value`).
    #[test]
    fn journal_names_are_serde_names() {
        use crate::session::tag::tests::serde_says;
        let effects = [
            Effect::Show {
                view: kiosk_ui::View::OutOfService { why: kiosk_ui::Text::new("维护中", "Maintenance") }
            },
            Effect::Idle { after: Some(std::time::Duration::from_secs(60)) },
            Effect::CheckPrinter,
            Effect::ReadCard,
            Effect::AwaitPayment { order_no: "P1".into() },
            Effect::Refund { order_no: "P1".into(), refund_no: "R1".into() },
            Effect::Eject,
            Effect::AwaitTaken { wait: std::time::Duration::from_secs(30) },
        ];
        for e in &effects {
            assert_eq!(Some(super::effect_name(e)), serde_says(e, "effect"), "{e:?}");
        }
        let records = [
            Record::PaymentIntent { order_no: "P1".into(), amount_fen: 1500 },
            Record::PaymentState { order_no: "P1".into(), status: "paid".into(), reference: None },
            Record::Outbox { kind: "issued".into(), payload: serde_json::json!({"a": [1, 2]}) },
            Record::Audit { action: "a".into(), detail: "d".into() },
        ];
        for r in records {
            let name = serde_says(&r, "record").map(|n| format!("record:{n}"));
            assert_eq!(Some(super::effect_name(&Effect::Record { record: r })), name);
        }
        assert_eq!(
            super::effect_name(&Effect::Record { record: Record::Audit { action: "a".into(), detail: "d".into() } }),
            "record:audit"
        );
        for step in [Step::CiPresent, Step::EnDocuments, Step::EnAwaitTake, Step::Ended] {
            assert_eq!(crate::session::tag::tag(&step), serde_says(&step, "-"));
        }
    }

    /// A booking central answered for before the sync brought it in is cached as the sync would
    /// cache it: nonsense skipped, a ticket this kiosk gave kept, the sync's cursor where it was.
    #[test]
    fn bookings_central_answered_for_are_cached_as_the_sync_caches_them() {
        use crate::session::{Lookup, LookupKey};
        let mut s = super::Store::open_in_memory("k1", "A").unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        let record = |code: &str, id_number: &str| crate::central::BookingRecord {
            code: code.into(),
            hall: "h1".into(),
            id_number: id_number.into(),
            date: day,
            slot_start: "09:00".into(),
            slot_end: "09:30".into(),
            business: "renewal".into(),
            status: crate::central::BookingStatus::Active,
        };
        let (good, bad_check_digit) = ("11010519491231002X", "110105194912310021");
        let skipped = s.cache_bookings("h1", &[record("A1", good), record("B2", bad_check_digit)]).unwrap();
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        let key = LookupKey::IdNumber(good.into());
        let Lookup::Here(b) = s.lookup(&key, "h1", day).unwrap() else { panic!("A1 is cached") };
        assert_eq!((b.code.as_str(), b.ticket), ("A1", None));
        s.conn.execute("UPDATE bookings SET checked_in = 'BA001' WHERE code = 'A1'", []).unwrap();
        assert!(s.cache_bookings("h1", &[record("A1", good)]).unwrap().is_empty());
        let Lookup::Here(b) = s.lookup(&key, "h1", day).unwrap() else { panic!("A1 is still cached") };
        assert_eq!(b.ticket.as_deref(), Some("BA001"), "the ticket given is kept");
        assert_eq!(super::sync::cursor(&s.conn).unwrap(), None, "the sync's cursor has not moved");
    }

    #[test]
    fn retention_purges_old_personal_data_and_keeps_what_is_owed() {
        let mut s = super::Store::open_in_memory("k1", "A").unwrap();
        let at = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap();
        let (old, new) = ("2026-09-01T10:00:00+08:00", "2026-11-20T10:00:00+08:00");
        let c = &s.conn;
        for (id, open, t) in [("s-old", 0, old), ("s-open", 1, old), ("s-new", 0, new)] {
            c.execute(
                "INSERT INTO sessions (id, flow, step, state, open, started_at, updated_at) VALUES (?1, 'checkin', 'x', '{\"name\":\"张三\"}', ?2, ?3, ?3)",
                rusqlite::params![id, open, t],
            )
            .unwrap();
            c.execute(
                "INSERT INTO journal (session_id, seq, at, input, step, effects) VALUES (?1, 1, ?2, 'i', 's', '[]')",
                rusqlite::params![id, t],
            )
            .unwrap();
        }
        for (key, delivered) in [("e-old", Some(old)), ("e-pending", None)] {
            c.execute(
                "INSERT INTO outbox (key, kind, payload, created_at, delivered_at) VALUES (?1, 'checkin', '{}', ?2, ?3)",
                rusqlite::params![key, old, delivered],
            )
            .unwrap();
        }
        c.execute(
            "INSERT INTO endorsements VALUES ('k', 's-old', 'CS12345678', 'HK', '2026-09-01', '2026-12-01', 1500, 'o', 'written', ?1)",
            rusqlite::params![old],
        )
        .unwrap();
        c.execute(
            "INSERT INTO bookings (code, hall, id_number, day, slot_start, slot_end, business) VALUES ('B1', 'h', 'x', '2026-11-19', '09:00', '09:30', 'r')",
            [],
        )
        .unwrap();
        let p = s.purge(at("2026-10-22T10:00:00+08:00"), at(new).date_naive(), at(new)).unwrap();
        assert_eq!((p.sessions, p.journal, p.events, p.bookings, p.masked), (1, 1, 1, 1, 1), "{p:?}");
        let one = |sql: &str| s.conn.query_row(sql, [], |r| r.get::<_, String>(0)).unwrap();
        assert_eq!(one("SELECT group_concat(id) FROM (SELECT id FROM sessions ORDER BY id)"), "s-new,s-open");
        assert_eq!(one("SELECT group_concat(key) FROM outbox"), "e-pending", "undelivered events stay");
        assert_eq!(one("SELECT permit_no FROM endorsements"), "**********");
        assert!(s.verify_audit().unwrap().is_ok());
        let again = s.purge(at("2026-10-22T10:00:00+08:00"), at(new).date_naive(), at(new)).unwrap();
        assert_eq!(again, super::Purged::default(), "nothing left to purge");
    }

    use super::*;

    fn policy() -> crate::policy::Policy {
        crate::policy::Policy::load(&crate::policy::shipped_policy_path()).unwrap()
    }

    /// A store in a file of a new directory (kept while the directory is), and the file's path.
    fn on_disk() -> (tempfile::TempDir, std::path::PathBuf, Store) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kioskd.sqlite");
        let s = Store::open(&path, "normal", "k1", "A").unwrap();
        (dir, path, s)
    }

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-21T09:00:00+08:00").unwrap()
    }

    /// A session's id is drawn with its first commit; it stays among the open sessions (what a
    /// restart resumes) through commits that leave `open` alone, and leaves them when it ends.
    #[test]
    fn a_session_is_numbered_at_its_start_and_open_until_it_ends() {
        use crate::session::{Ctx, Flow, Input, Session};
        let policy = policy();
        let ctx = Ctx { now: now(), kiosk_id: "k1", hall_id: "h1", policy: &policy };
        let mut s = Store::open_in_memory("k1", "A").unwrap();
        let (mut a, _) = s.start(now(), |id| Session::start(id, Flow::Checkin, &ctx)).unwrap();
        let (b, _) = s.start(now(), |id| Session::start(id, Flow::Endorsement, &ctx)).unwrap();
        assert_eq!((a.id.as_str(), b.id.as_str()), ("k1-20261121-0001", "k1-20261121-0002"));
        let open = |s: &Store| s.open_sessions().unwrap().into_iter().map(|x| x.id).collect::<Vec<_>>();
        assert_eq!(open(&s), [a.id.clone(), b.id.clone()]);
        let journal = |s: &Store, id: &str| {
            s.conn
                .query_row("SELECT COUNT(*) FROM journal WHERE session_id = ?1", [id], |r| r.get::<_, i64>(0))
                .unwrap()
        };
        assert_eq!((journal(&s, &a.id), journal(&s, &b.id)), (1, 1), "the start is journaled");
        let effects = a.step(Input::Touch { button: "cancel".into() }, &ctx);
        assert!(a.is_over(), "cancel ends a check-in at its first screen: {:?}", a.step);
        s.commit(&a, "touch cancel", &effects, None, now(), &[]).unwrap();
        assert_eq!(open(&s), std::slice::from_ref(&b.id));
        let ended: (i64, Option<String>) = s
            .conn
            .query_row("SELECT open, outcome FROM sessions WHERE id = ?1", [&a.id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!(ended.0, 0);
        assert!(ended.1.is_some(), "its outcome is recorded");
        // A commit of a session still going leaves it open.
        s.commit(&b, "touch nothing", &[], None, now(), &[]).unwrap();
        assert_eq!(open(&s), std::slice::from_ref(&b.id));
        assert_eq!(journal(&s, &b.id), 2);
    }

    /// Journal rows are numbered 1, 2, 3, ... in each session, whichever session committed last,
    /// whether a commit failed in between, and across a restart (a store opened again).
    #[test]
    fn journal_rows_number_on_within_each_session() {
        use crate::session::{Ctx, Flow, Session};
        let policy = policy();
        let ctx = Ctx { now: now(), kiosk_id: "k1", hall_id: "h1", policy: &policy };
        let (_dir, path, mut s) = on_disk();
        let (a, _) = s.start(now(), |id| Session::start(id, Flow::Endorsement, &ctx)).unwrap();
        let (b, _) = s.start(now(), |id| Session::start(id, Flow::Checkin, &ctx)).unwrap();
        s.commit(&a, "a2", &[], None, now(), &[]).unwrap();
        s.commit(&a, "a3", &[], None, now(), &[]).unwrap();
        s.commit(&b, "b2", &[], None, now(), &[]).unwrap();
        // A commit that fails (a consumable that is not there is fine; a journal row that is
        // already there is not) leaves the numbering where the last good commit left it.
        s.conn
            .execute(
                "INSERT INTO journal (session_id, seq, at, input, step, effects) VALUES (?1, 3, 'x', 'x', 'x', '')",
                [&b.id],
            )
            .unwrap();
        assert!(s.commit(&b, "b3", &[], None, now(), &[]).is_err(), "seq 3 of b is taken");
        s.conn.execute("DELETE FROM journal WHERE session_id = ?1 AND input = 'x'", [&b.id]).unwrap();
        s.commit(&b, "b3", &[], None, now(), &[]).unwrap();
        s.commit(&a, "a4", &[], None, now(), &[]).unwrap();
        drop(s);
        let mut s = Store::open(&path, "normal", "k1", "A").unwrap();
        s.commit(&b, "b4", &[], None, now(), &[]).unwrap();
        s.commit(&a, "a5", &[], None, now(), &[]).unwrap();
        let rows = |id: &str| {
            let mut st = s.conn.prepare("SELECT seq, input FROM journal WHERE session_id = ?1 ORDER BY seq").unwrap();
            st.query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .unwrap()
                .collect::<rusqlite::Result<Vec<_>>>()
                .unwrap()
        };
        let numbered = |first: &str, rest: &[&str]| {
            std::iter::once(first)
                .chain(rest.iter().copied())
                .enumerate()
                .map(|(i, x)| (i as i64 + 1, x.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(rows(&a.id), numbered("start", &["a2", "a3", "a4", "a5"]));
        assert_eq!(rows(&b.id), numbered("start", &["b2", "b3", "b4"]));
    }

    /// A refund intent is owed once its session has ended, found whether it was recorded before
    /// the store opened or by a transition since; once made, the store stops looking.
    #[test]
    fn refunds_owed_are_found_however_they_were_recorded() {
        use crate::session::{Ctx, Flow, Input, Session};
        let policy = policy();
        let ctx = Ctx { now: now(), kiosk_id: "k1", hall_id: "h1", policy: &policy };
        let (_dir, path, mut s) = on_disk();
        let pay = |order: &str, status: &str| {
            [
                Effect::Record { record: Record::PaymentIntent { order_no: order.into(), amount_fen: 1500 } },
                Effect::Record {
                    record: Record::PaymentState {
                        order_no: order.into(),
                        status: status.into(),
                        reference: Some(format!("R-{order}")),
                    },
                },
            ]
        };
        let (mut a, _) = s.start(now(), |id| Session::start(id, Flow::Checkin, &ctx)).unwrap();
        s.commit(&a, "paid", &pay("P1", "paid"), None, now(), &[]).unwrap();
        assert_eq!(s.owed_refunds().unwrap(), [], "nothing owed");
        assert!(!s.refund_intents, "and nothing to look for until a refund intent is recorded");
        s.commit(&a, "refund", &pay("P1", "refund_intent")[1..], None, now(), &[]).unwrap();
        assert_eq!(s.owed_refunds().unwrap(), [], "the session is still making it");
        let effects = a.step(Input::Touch { button: "cancel".into() }, &ctx);
        assert!(a.is_over());
        s.commit(&a, "touch cancel", &effects, None, now(), &[]).unwrap();
        let owed = vec![("P1".to_string(), "R-P1".to_string())];
        assert_eq!(s.owed_refunds().unwrap(), owed, "owed once the session has ended");
        drop(s);
        let mut s = Store::open(&path, "normal", "k1", "A").unwrap();
        assert_eq!(s.owed_refunds().unwrap(), owed, "and after a restart");
        s.refund_done("P1", now()).unwrap();
        assert_eq!(s.owed_refunds().unwrap(), []);
        assert!(!s.refund_intents);
    }

    #[test]
    fn audit_chain_detects_changes_and_deletions() {
        let mut s = Store::open_in_memory("k1", "A").unwrap();
        for i in 0..5 {
            s.audit("test", &format!("record {i}"), now()).unwrap();
        }
        assert_eq!(s.verify_audit().unwrap(), Ok(5));
        s.conn.execute("UPDATE audit SET detail = 'forged' WHERE seq = 3", []).unwrap();
        assert_eq!(s.verify_audit().unwrap(), Err("audit record 3 was changed".into()));
        let mut s = Store::open_in_memory("k1", "A").unwrap();
        for i in 0..3 {
            s.audit("test", &format!("record {i}"), now()).unwrap();
        }
        s.conn.execute("DELETE FROM audit WHERE seq = 2", []).unwrap();
        assert_eq!(s.verify_audit().unwrap(), Err("audit record 2 is missing".into()));
    }

    #[test]
    fn lookup_prefers_this_hall_and_reports_other_halls() {
        let mut s = Store::open_in_memory("k1", "A").unwrap();
        let day = now().date_naive();
        let rec = |code: &str, hall: &str, id: &str| BookingRecord {
            code: code.into(),
            hall: hall.into(),
            id_number: id.into(),
            date: day,
            slot_start: "09:00".into(),
            slot_end: "09:30".into(),
            business: "renewal".into(),
            status: crate::central::BookingStatus::Active,
        };
        s.ingest_bookings(&[rec("AAAA1111", "h1", "X1"), rec("BBBB2222", "h2", "X2")]).unwrap();
        assert!(matches!(s.lookup(&LookupKey::IdNumber("X1".into()), "h1", day).unwrap(), Lookup::Here(_)));
        assert!(matches!(s.lookup(&LookupKey::IdNumber("X2".into()), "h1", day).unwrap(), Lookup::OtherHall(_)));
        assert_eq!(s.lookup(&LookupKey::IdNumber("X3".into()), "h1", day).unwrap(), Lookup::None);
        assert!(matches!(s.lookup(&LookupKey::Code("AAAA1111".into()), "h1", day).unwrap(), Lookup::Here(_)));
        let tomorrow = day.succ_opt().unwrap();
        assert_eq!(s.lookup(&LookupKey::IdNumber("X1".into()), "h1", tomorrow).unwrap(), Lookup::None);
    }
}
