//! Schema migrations of the local store.

use rusqlite_migration::{M, Migrations};

/// Every migration, oldest first. Never edit a released one: add another.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(
            r#"
        -- Bookings as central published them (today and tomorrow), for check-in offline.
        CREATE TABLE bookings (
            code        TEXT PRIMARY KEY,
            hall        TEXT NOT NULL,
            id_number   TEXT NOT NULL,
            day         TEXT NOT NULL,            -- YYYY-MM-DD
            slot_start  TEXT NOT NULL,            -- HH:MM
            slot_end    TEXT NOT NULL,
            business    TEXT NOT NULL,
            checked_in  TEXT                      -- ticket number once checked in
        );
        CREATE INDEX bookings_by_person ON bookings (id_number, day);

        -- One row per session: its current state, as the state machine serialises it.
        CREATE TABLE sessions (
            id          TEXT PRIMARY KEY,
            flow        TEXT NOT NULL,
            step        TEXT NOT NULL,
            state       TEXT NOT NULL,            -- JSON, never any biometric data
            open        INTEGER NOT NULL,         -- 1 until the session has ended
            outcome     TEXT,
            reason      TEXT,
            started_at  TEXT NOT NULL,
            updated_at  TEXT NOT NULL
        );
        CREATE INDEX sessions_open ON sessions (open) WHERE open = 1;

        -- Every transition, committed before its side effects are performed.
        CREATE TABLE journal (
            session_id  TEXT NOT NULL,
            seq         INTEGER NOT NULL,
            at          TEXT NOT NULL,
            input       TEXT NOT NULL,            -- what happened (no personal data)
            step        TEXT NOT NULL,            -- the step it led to
            effects     TEXT NOT NULL,            -- the effects about to be performed
            PRIMARY KEY (session_id, seq)
        );

        -- Queue tickets: per-day counters per class; numbers unique in the hall by kiosk prefix.
        CREATE TABLE ticket_counters (
            day         TEXT NOT NULL,
            class       TEXT NOT NULL,
            next        INTEGER NOT NULL,
            PRIMARY KEY (day, class)
        );
        CREATE TABLE tickets (
            number      TEXT PRIMARY KEY,
            day         TEXT NOT NULL,
            class       TEXT NOT NULL,            -- B booked (called first), W walk-in
            session_id  TEXT NOT NULL,
            booking     TEXT,
            issued_at   TEXT NOT NULL
        );

        -- Payments: the row is the intent (written before the terminal is asked), then the outcome.
        CREATE TABLE payments (
            order_no    TEXT PRIMARY KEY,
            session_id  TEXT NOT NULL,
            amount_fen  INTEGER NOT NULL,
            status      TEXT NOT NULL,            -- intent, paid, declined, cancelled, refund_intent, refunded
            txn_id      TEXT,
            refund_no   TEXT,
            updated_at  TEXT NOT NULL
        );

        -- Endorsements: intent before the write, then written or failed.
        CREATE TABLE endorsements (
            issue_key   TEXT PRIMARY KEY,
            session_id  TEXT NOT NULL,
            permit_no   TEXT NOT NULL,
            offer_id    TEXT NOT NULL,
            valid_from  TEXT NOT NULL,
            valid_to    TEXT NOT NULL,
            fee_fen     INTEGER NOT NULL,
            order_no    TEXT NOT NULL,
            status      TEXT NOT NULL,            -- intent, written, failed
            updated_at  TEXT NOT NULL
        );

        -- Events for central, written in the same transaction as the change that produced them.
        CREATE TABLE outbox (
            seq         INTEGER PRIMARY KEY AUTOINCREMENT,
            key         TEXT NOT NULL UNIQUE,     -- idempotency key: kiosk:session:kind
            kind        TEXT NOT NULL,
            payload     TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            delivered_at TEXT
        );

        -- The audit log: a hash chain, so a changed or deleted record is detected.
        CREATE TABLE audit (
            seq         INTEGER PRIMARY KEY,
            at          TEXT NOT NULL,
            action      TEXT NOT NULL,
            detail      TEXT NOT NULL,
            prev_hash   TEXT NOT NULL,
            hash        TEXT NOT NULL
        );
        "#,
        ),
        M::up(
            r#"
        -- The sync with central: the bookings cursor and other small values.
        CREATE TABLE sync_state (
            name        TEXT PRIMARY KEY,
            value       TEXT NOT NULL
        );
        -- Delivery attempts, and central's refusal of an event it can never accept.
        ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE outbox ADD COLUMN rejected TEXT;
        CREATE INDEX outbox_pending ON outbox (seq) WHERE delivered_at IS NULL AND rejected IS NULL;
        "#,
        ),
        M::up(
            r#"
        -- Consumables counted since staff last refilled them (kioskctl consumables).
        CREATE TABLE consumables (
            name        TEXT PRIMARY KEY,         -- paper, cards, retained
            used        INTEGER NOT NULL DEFAULT 0,
            reset_at    TEXT
        );
        INSERT INTO consumables (name) VALUES ('paper'), ('cards'), ('retained');
        "#,
        ),
        M::up(
            r#"
        -- Satisfaction ratings applicants chose to give at the end of a session (no session id).
        CREATE TABLE ratings (
            day         TEXT NOT NULL,
            flow        TEXT NOT NULL,
            outcome     TEXT NOT NULL,
            rating      TEXT NOT NULL,            -- good, ok, bad
            at          TEXT NOT NULL
        );
        "#,
        ),
        M::up(
            r#"
        -- The journal keyed by (session, seq) alone, without a rowid: a transition writes one
        -- b-tree page of it, not a table page and an index page.
        CREATE TABLE journal_by_session (
            session_id  TEXT NOT NULL,
            seq         INTEGER NOT NULL,
            at          TEXT NOT NULL,
            input       TEXT NOT NULL,
            step        TEXT NOT NULL,
            effects     TEXT NOT NULL,
            PRIMARY KEY (session_id, seq)
        ) WITHOUT ROWID;
        INSERT INTO journal_by_session (session_id, seq, at, input, step, effects)
            SELECT session_id, seq, at, input, step, effects FROM journal;
        DROP TABLE journal;
        ALTER TABLE journal_by_session RENAME TO journal;

        -- Refunds still owed are looked for at every health report of the payment terminal: an
        -- index of them alone, not a scan of every payment ever taken.
        CREATE INDEX payments_refund_intent ON payments (order_no) WHERE status = 'refund_intent';
        "#,
        ),
    ])
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }

    /// A store journaled before the journal lost its rowid keeps every row, and finds owed refunds
    /// through their own index.
    #[test]
    fn the_journal_moves_to_its_own_key_with_every_row() {
        let mut c = rusqlite::Connection::open_in_memory().expect("db");
        super::migrations().to_version(&mut c, 4).expect("version 4");
        for seq in 1..=3 {
            c.execute(
                "INSERT INTO journal (session_id, seq, at, input, step, effects) VALUES ('s1', ?1, 'at', 'i', 'st', 'show')",
                [seq],
            )
            .expect("row");
        }
        super::migrations().to_latest(&mut c).expect("latest");
        let rows: Vec<i64> = c
            .prepare("SELECT seq FROM journal WHERE session_id = 's1' ORDER BY seq")
            .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
            .expect("rows");
        assert_eq!(rows, [1, 2, 3]);
        assert!(c.query_row("SELECT rowid FROM journal", [], |r| r.get::<_, i64>(0)).is_err(), "no rowid");
        let plan: String = c
            .query_row(
                "EXPLAIN QUERY PLAN SELECT order_no FROM payments WHERE status = 'refund_intent' AND refund_no IS NOT NULL",
                [],
                |r| r.get(3),
            )
            .expect("plan");
        assert!(plan.contains("payments_refund_intent"), "{plan}");
    }
}
