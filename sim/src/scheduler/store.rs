//! The scheduler's SQLite store: WAL, migrations, a small pool of connections used from blocking
//! threads, and the counters every writer shares.

use super::error::AppError;
use super::schema;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a writer waits for another's transaction before giving up with `busy`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);
/// Idle connections kept.
const POOL_IDLE: usize = 8;

/// What can go wrong opening the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("{path}: {source}")]
    Sqlite {
        /// Database path.
        path: String,
        /// Cause.
        source: rusqlite::Error,
    },
    /// A migration failed.
    #[error("{path}: migration failed: {source}")]
    Migration {
        /// Database path.
        path: String,
        /// Cause.
        source: rusqlite_migration::Error,
    },
}

/// The database, shared by every request.
#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    idle: Arc<Mutex<Vec<Connection>>>,
}

fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

impl Store {
    /// Open (creating if need be) and migrate to the latest schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let p = path.display().to_string();
        let mut conn = connect(path).map_err(|source| StoreError::Sqlite { path: p.clone(), source })?;
        schema::migrations().to_latest(&mut conn).map_err(|source| StoreError::Migration { path: p, source })?;
        Ok(Store { path: path.to_path_buf(), idle: Arc::new(Mutex::new(vec![conn])) })
    }

    fn take(&self) -> rusqlite::Result<Connection> {
        let pooled = self.idle.lock().ok().and_then(|mut v| v.pop());
        match pooled {
            Some(c) => Ok(c),
            None => connect(&self.path),
        }
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut v) = self.idle.lock()
            && v.len() < POOL_IDLE
        {
            v.push(conn);
        }
    }

    /// Run `f` with a connection on this thread (blocking).
    pub fn with<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, AppError>) -> Result<T, AppError> {
        let mut conn = self.take()?;
        let out = f(&mut conn);
        self.give_back(conn);
        out
    }

    /// Run `f` in one `BEGIN IMMEDIATE` transaction (blocking): committed when `f` succeeds, rolled
    /// back otherwise. Writers are serialised by SQLite's write lock, so every check made inside `f`
    /// still holds when it commits.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, AppError>) -> Result<T, AppError> {
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    /// [`Store::with`] on a blocking thread.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.with(f))
            .await
            .map_err(|e| AppError::internal(format!("worker failed: {e}")))?
    }

    /// [`Store::write`] on a blocking thread.
    pub async fn transact<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.write(f))
            .await
            .map_err(|e| AppError::internal(format!("worker failed: {e}")))?
    }
}

/// Increment a counter in `meta` and return its new value.
pub fn next_counter(conn: &Connection, key: &str) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, 1) ON CONFLICT(key) DO UPDATE SET value = value + 1",
        params![key],
    )?;
    conn.query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| r.get(0))
}

/// A counter's value (0 when never bumped).
pub fn counter(conn: &Connection, key: &str) -> rusqlite::Result<i64> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| r.get(0)).optional()?.unwrap_or(0))
}

/// The global booking change sequence: bumped by every booking insert, cancel, rebook and check-in.
pub const CHANGE_SEQ: &str = "change_seq";
/// Booking code numbers.
pub const BOOKING_NO: &str = "booking_no";
/// Authorisation numbers.
pub const AUTH_NO: &str = "auth_no";

/// A stored day back (`YYYY-MM-DD`); a malformed one is an internal error.
pub fn parse_day(s: &str) -> Result<chrono::NaiveDate, AppError> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| AppError::internal(format!("stored day {s:?}")))
}

/// A day as stored.
pub fn day_text(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_increase_and_the_store_migrates() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.db")).unwrap();
        let v = store
            .write(|tx| {
                assert_eq!(counter(tx, CHANGE_SEQ)?, 0);
                let a = next_counter(tx, CHANGE_SEQ)?;
                let b = next_counter(tx, CHANGE_SEQ)?;
                Ok((a, b))
            })
            .unwrap();
        assert_eq!(v, (1, 2));
        // Reopening migrates nothing and keeps the data.
        let again = Store::open(&dir.path().join("c.db")).unwrap();
        assert_eq!(again.with(|c| Ok(counter(c, CHANGE_SEQ)?)).unwrap(), 2);
    }
}
