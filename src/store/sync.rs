//! The store's side of the sync with central, on the sync task's own connection (WAL lets it work
//! beside the kiosk's): the bookings cursor, central's booking changes applied to the cache, and the
//! outbox's delivery bookkeeping. Each function is one transaction.

use super::{Result, schema};
use crate::central::{BookingRecord, BookingStatus};
use chrono::{DateTime, FixedOffset, NaiveTime};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

/// Open a second connection to the kiosk's store.
pub fn open(path: &Path) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    schema::migrations().to_latest(&mut conn)?;
    Ok(conn)
}

/// The cursor of the last booking changes applied.
pub fn cursor(conn: &Connection) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM sync_state WHERE name = 'bookings_cursor'", [], |r| r.get(0)).optional()?)
}

/// What applying a page of changes did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Bookings added or updated.
    pub stored: usize,
    /// Cancelled bookings forgotten.
    pub removed: usize,
    /// Records refused, with why (codes only: no personal data).
    pub skipped: Vec<String>,
}

/// Why a record from central cannot go into the cache.
fn invalid(r: &BookingRecord, hall: &str) -> Option<String> {
    if r.code.is_empty() || r.code.len() > 64 || !r.code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Some("a booking code that is not a code".into());
    }
    if r.hall != hall {
        return Some(format!("booking {} is for hall {:?}, not this one", r.code, r.hall));
    }
    if drivers::idcard::IdNumber::parse(&r.id_number).is_err() {
        return Some(format!("booking {} has an invalid ID number", r.code));
    }
    let time = |t: &str| NaiveTime::parse_from_str(t, "%H:%M").ok();
    match (time(&r.slot_start), time(&r.slot_end)) {
        (Some(a), Some(b)) if a < b => None,
        _ => Some(format!("booking {} has an impossible slot {}-{}", r.code, r.slot_start, r.slot_end)),
    }
}

/// Apply a page of central's booking changes and move the cursor, in one transaction. A cancelled
/// booking is forgotten unless this kiosk already checked it in; a checked-in one keeps the ticket
/// this kiosk gave. Records that make no sense are skipped (and reported), never stored.
pub fn apply_changes(conn: &mut Connection, hall: &str, records: &[BookingRecord], cursor: &str) -> Result<Applied> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let applied = store_changes(&tx, hall, records)?;
    tx.execute(
        "INSERT INTO sync_state (name, value) VALUES ('bookings_cursor', ?1)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        params![cursor],
    )?;
    tx.commit()?;
    Ok(applied)
}

/// Central's booking changes into the cache, in the caller's transaction ([`apply_changes`], and
/// [`super::Store::cache_bookings`] for a booking central answered for before the sync brought it).
pub(super) fn store_changes(tx: &Connection, hall: &str, records: &[BookingRecord]) -> Result<Applied> {
    let mut applied = Applied::default();
    {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO bookings (code, hall, id_number, day, slot_start, slot_end, business)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (code) DO UPDATE SET hall = excluded.hall, id_number = excluded.id_number,
               day = excluded.day, slot_start = excluded.slot_start, slot_end = excluded.slot_end,
               business = excluded.business",
        )?;
        let mut forget = tx.prepare_cached("DELETE FROM bookings WHERE code = ?1 AND checked_in IS NULL")?;
        for r in records {
            if let Some(why) = invalid(r, hall) {
                applied.skipped.push(why);
                continue;
            }
            match r.status {
                BookingStatus::Cancelled => applied.removed += forget.execute(params![r.code])?,
                BookingStatus::Active | BookingStatus::CheckedIn => {
                    upsert.execute(params![
                        r.code,
                        r.hall,
                        r.id_number,
                        r.date.to_string(),
                        r.slot_start,
                        r.slot_end,
                        r.business
                    ])?;
                    applied.stored += 1;
                }
            }
        }
    }
    Ok(applied)
}

/// An outbox event waiting for delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// Idempotency key.
    pub key: String,
    /// Kind.
    pub kind: String,
    /// Body.
    pub payload: serde_json::Value,
    /// When it was recorded.
    pub at: DateTime<FixedOffset>,
}

/// The oldest undelivered events, oldest first (so each session's events go in order). An event
/// whose stored body cannot be read back is parked as rejected here, so it never blocks the rest.
pub fn pending(conn: &mut Connection, limit: usize) -> Result<Vec<Pending>> {
    let rows: Vec<(String, String, String, String)> = {
        let mut st = conn.prepare_cached(
            "SELECT key, kind, payload, created_at FROM outbox
             WHERE delivered_at IS NULL AND rejected IS NULL ORDER BY seq LIMIT ?1",
        )?;
        st.query_map(params![limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut out = Vec::with_capacity(rows.len());
    for (key, kind, payload, at) in rows {
        let parsed = serde_json::from_str(&payload)
            .map_err(|e| e.to_string())
            .and_then(|p| DateTime::parse_from_rfc3339(&at).map(|at| (p, at)).map_err(|e| e.to_string()));
        match parsed {
            Ok((payload, at)) => out.push(Pending { key, kind, payload, at }),
            Err(e) => {
                conn.execute(
                    "UPDATE outbox SET rejected = ?2 WHERE key = ?1",
                    params![key, format!("unreadable in the store: {e}")],
                )?;
            }
        }
    }
    Ok(out)
}

/// What central did with a delivered event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// Recorded (now, or before: a duplicate).
    Delivered,
    /// Refused for good, with why.
    Rejected(String),
}

/// Record central's answers for delivered events, in one transaction.
pub fn settle(conn: &mut Connection, results: &[(String, Settled)], now: DateTime<FixedOffset>) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    {
        let mut delivered = tx.prepare_cached(
            "UPDATE outbox SET delivered_at = ?2, attempts = attempts + 1 WHERE key = ?1 AND delivered_at IS NULL",
        )?;
        let mut rejected = tx.prepare_cached(
            "UPDATE outbox SET rejected = ?2, attempts = attempts + 1 WHERE key = ?1 AND delivered_at IS NULL",
        )?;
        for (key, s) in results {
            match s {
                Settled::Delivered => delivered.execute(params![key, now.to_rfc3339()])?,
                Settled::Rejected(why) => rejected.execute(params![key, why])?,
            };
        }
    }
    tx.commit()?;
    Ok(())
}

/// Count a failed delivery attempt of these events.
pub fn attempted(conn: &mut Connection, keys: &[String]) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    {
        let mut st = tx.prepare_cached("UPDATE outbox SET attempts = attempts + 1 WHERE key = ?1")?;
        for k in keys {
            st.execute(params![k])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// The outbox's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxStats {
    /// Waiting for delivery.
    pub pending: u64,
    /// Refused by central (kept, for staff to look at).
    pub rejected: u64,
    /// Delivered.
    pub delivered: u64,
    /// When the oldest waiting event was recorded.
    pub oldest_pending: Option<String>,
}

/// The outbox's figures.
pub fn outbox_stats(conn: &Connection) -> Result<OutboxStats> {
    Ok(conn.query_row(
        "SELECT
           COUNT(*) FILTER (WHERE delivered_at IS NULL AND rejected IS NULL),
           COUNT(*) FILTER (WHERE rejected IS NOT NULL),
           COUNT(*) FILTER (WHERE delivered_at IS NOT NULL),
           MIN(created_at) FILTER (WHERE delivered_at IS NULL AND rejected IS NULL)
         FROM outbox",
        [],
        |r| {
            Ok(OutboxStats {
                pending: r.get::<_, i64>(0)? as u64,
                rejected: r.get::<_, i64>(1)? as u64,
                delivered: r.get::<_, i64>(2)? as u64,
                oldest_pending: r.get(3)?,
            })
        },
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn store() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(&dir.path().join("s.sqlite")).unwrap();
        (dir, conn)
    }

    fn booking(code: &str, status: BookingStatus) -> BookingRecord {
        BookingRecord {
            code: code.into(),
            hall: "h1".into(),
            id_number: "11010519491231002X".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
            slot_start: "09:00".into(),
            slot_end: "09:30".into(),
            business: "renewal".into(),
            status,
        }
    }

    fn codes(conn: &Connection) -> Vec<String> {
        let mut st = conn.prepare("SELECT code FROM bookings ORDER BY code").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
    }

    #[test]
    fn changes_upsert_cancel_and_move_the_cursor_together() {
        let (_d, mut c) = store();
        assert_eq!(cursor(&c).unwrap(), None);
        let page = [booking("A1", BookingStatus::Active), booking("B2", BookingStatus::Active)];
        let a = apply_changes(&mut c, "h1", &page, "7").unwrap();
        assert_eq!((a.stored, a.removed, a.skipped.len()), (2, 0, 0));
        assert_eq!(cursor(&c).unwrap().as_deref(), Some("7"));
        // B2 is cancelled; A1 was checked in here, so its cancellation does not erase the ticket.
        c.execute("UPDATE bookings SET checked_in = 'BA001' WHERE code = 'A1'", []).unwrap();
        let page = [booking("A1", BookingStatus::Cancelled), booking("B2", BookingStatus::Cancelled)];
        let a = apply_changes(&mut c, "h1", &page, "9").unwrap();
        assert_eq!(a.removed, 1);
        assert_eq!(codes(&c), ["A1"]);
        assert_eq!(cursor(&c).unwrap().as_deref(), Some("9"));
    }

    #[test]
    fn nonsense_from_central_is_skipped_not_stored() {
        let (_d, mut c) = store();
        let mut other_hall = booking("C3", BookingStatus::Active);
        other_hall.hall = "h2".into();
        let mut bad_id = booking("D4", BookingStatus::Active);
        bad_id.id_number = "110105194912310021".into();
        let mut bad_slot = booking("E5", BookingStatus::Active);
        bad_slot.slot_end = "08:00".into();
        let mut bad_code = booking("'; DROP TABLE bookings; --", BookingStatus::Active);
        bad_code.code.push('x');
        let page = [other_hall, bad_id, bad_slot, bad_code, booking("F6", BookingStatus::Active)];
        let a = apply_changes(&mut c, "h1", &page, "3").unwrap();
        assert_eq!(a.stored, 1);
        assert_eq!(a.skipped.len(), 4, "{:?}", a.skipped);
        assert!(a.skipped.iter().all(|s| !s.contains("11010519491231")), "no ID numbers in reports: {:?}", a.skipped);
        assert_eq!(codes(&c), ["F6"]);
    }

    #[test]
    fn the_outbox_delivers_in_order_and_parks_what_central_refuses() {
        let (_d, mut c) = store();
        for (i, kind) in ["checkin", "session", "refund"].iter().enumerate() {
            c.execute(
                "INSERT INTO outbox (key, kind, payload, created_at) VALUES (?1, ?2, '{}', '2026-11-21T09:00:00+08:00')",
                params![format!("k{i}"), kind],
            )
            .unwrap();
        }
        c.execute(
            "INSERT INTO outbox (key, kind, payload, created_at) VALUES ('broken', 'session', 'not json', 'x')",
            [],
        )
        .unwrap();
        let p = pending(&mut c, 10).unwrap();
        assert_eq!(p.iter().map(|p| p.key.as_str()).collect::<Vec<_>>(), ["k0", "k1", "k2"]);
        let now = DateTime::parse_from_rfc3339("2026-11-21T09:01:00+08:00").unwrap();
        attempted(&mut c, &["k0".into()]).unwrap();
        settle(&mut c, &[("k0".into(), Settled::Delivered), ("k1".into(), Settled::Rejected("bad".into()))], now)
            .unwrap();
        let s = outbox_stats(&c).unwrap();
        assert_eq!((s.pending, s.rejected, s.delivered), (1, 2, 1), "{s:?}");
        assert_eq!(pending(&mut c, 10).unwrap().len(), 1);
        let attempts: i64 = c.query_row("SELECT attempts FROM outbox WHERE key = 'k0'", [], |r| r.get(0)).unwrap();
        assert_eq!(attempts, 2);
    }
}
