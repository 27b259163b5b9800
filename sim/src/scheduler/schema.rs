//! The scheduler's SQLite schema, as migrations. Never edit a released migration: add another.
//!
//! Timestamps are RFC 3339 UTC text with milliseconds ([`super::clock::stamp`]); days `YYYY-MM-DD`
//! and times `HH:MM` hall time.

use rusqlite_migration::{M, Migrations};

const V1: &str = r#"
-- Counters: change_seq (every booking change), booking_no (booking codes), auth_no (authorisation ids).
CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
);

CREATE TABLE halls (
    id                   TEXT PRIMARY KEY,
    name_zh              TEXT NOT NULL,
    name_en              TEXT NOT NULL,
    city                 TEXT NOT NULL,
    lat                  REAL NOT NULL,
    lon                  REAL NOT NULL,
    opens                TEXT NOT NULL DEFAULT '08:30',
    closes               TEXT NOT NULL DEFAULT '17:00',
    open_days            TEXT NOT NULL DEFAULT 'Mon,Tue,Wed,Thu,Fri,Sat',
    slot_minutes         INTEGER NOT NULL DEFAULT 30 CHECK (slot_minutes > 0),
    slot_capacity        INTEGER NOT NULL DEFAULT 6 CHECK (slot_capacity >= 0),
    cancel_cutoff_hours  INTEGER NOT NULL DEFAULT 24,
    max_cancellations    INTEGER NOT NULL DEFAULT 3,
    cancel_window_days   INTEGER NOT NULL DEFAULT 30,
    ban_days             INTEGER NOT NULL DEFAULT 30
);

-- The published day slots. `booked` never exceeds `capacity`: the CHECK is the last guard.
CREATE TABLE slots (
    hall      TEXT NOT NULL REFERENCES halls(id),
    date      TEXT NOT NULL,
    start     TEXT NOT NULL,
    end       TEXT NOT NULL,
    capacity  INTEGER NOT NULL,
    booked    INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
    PRIMARY KEY (hall, date, start)
);

CREATE TABLE applicants (
    id_number     TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    sex           TEXT NOT NULL,
    birth         TEXT NOT NULL,
    hukou         TEXT NOT NULL,
    address       TEXT NOT NULL,
    card_type     TEXT NOT NULL,
    counter_only  INTEGER NOT NULL DEFAULT 0,
    non_mainland  INTEGER NOT NULL DEFAULT 0
);

-- Exit-entry documents held: kind passport, hk_macau_permit or taiwan_permit.
CREATE TABLE documents (
    kind            TEXT NOT NULL,
    number          TEXT NOT NULL,
    id_number       TEXT NOT NULL REFERENCES applicants(id_number),
    name_zh         TEXT NOT NULL,
    surname         TEXT NOT NULL,
    given_names     TEXT NOT NULL,
    birth           TEXT NOT NULL,
    issued          TEXT NOT NULL,
    expiry          TEXT NOT NULL,
    place_of_issue  TEXT NOT NULL,
    PRIMARY KEY (kind, number)
);
CREATE INDEX documents_by_person ON documents (id_number);

-- Endorsements on the permits (from the deck, and those issued at kiosks).
CREATE TABLE endorsements_held (
    id             INTEGER PRIMARY KEY,
    id_number      TEXT NOT NULL,
    permit_kind    TEXT NOT NULL,
    permit_number  TEXT NOT NULL,
    destination    TEXT NOT NULL,
    kind           TEXT NOT NULL,
    trips          TEXT NOT NULL,
    trips_left     INTEGER,
    valid_from     TEXT NOT NULL,
    valid_to       TEXT NOT NULL,
    issue_key      TEXT UNIQUE,
    source         TEXT NOT NULL
);
CREATE UNIQUE INDEX endorsements_held_unique
    ON endorsements_held (permit_number, destination, kind, trips, valid_from, valid_to);
CREATE INDEX endorsements_held_by_person ON endorsements_held (id_number);

CREATE TABLE bookings (
    code              TEXT PRIMARY KEY,
    hall              TEXT NOT NULL REFERENCES halls(id),
    id_number         TEXT NOT NULL,
    date              TEXT NOT NULL,
    slot_start        TEXT NOT NULL,
    slot_end          TEXT NOT NULL,
    business          TEXT NOT NULL,
    document          TEXT NOT NULL,
    certificate_type  TEXT NOT NULL,
    hukou             TEXT NOT NULL,
    contact_name      TEXT NOT NULL,
    contact_phone     TEXT NOT NULL,
    emergency_name    TEXT NOT NULL,
    emergency_phone   TEXT NOT NULL,
    pickup_method     TEXT NOT NULL,
    pickup_address    TEXT,
    status            TEXT NOT NULL DEFAULT 'active',
    created_at        TEXT NOT NULL,
    cancelled_at      TEXT,
    cancel_reason     TEXT,                -- 'applicant' (counts towards the ban) or 'rebooked'
    rebooked_from     TEXT,
    rebooked_to       TEXT,
    checked_in_at     TEXT,
    change_seq        INTEGER NOT NULL UNIQUE,
    source            TEXT NOT NULL        -- 'deck', 'online', 'kiosk'
);
CREATE INDEX bookings_sync ON bookings (hall, change_seq);
CREATE INDEX bookings_by_person ON bookings (id_number, date);

CREATE TABLE checkins (
    id         INTEGER PRIMARY KEY,
    booking    TEXT NOT NULL,
    ticket     TEXT NOT NULL,
    hall       TEXT NOT NULL,
    kiosk      TEXT NOT NULL,
    at         TEXT NOT NULL,
    event_key  TEXT NOT NULL
);

CREATE TABLE tokens (
    token_sha256  TEXT PRIMARY KEY,
    id_number     TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);

CREATE TABLE kiosks (
    id            TEXT PRIMARY KEY,
    hall          TEXT NOT NULL REFERENCES halls(id),
    token_sha256  TEXT NOT NULL UNIQUE
);

-- Idempotent by (kiosk, key): the stored answer is replayed.
CREATE TABLE authorisations (
    kiosk       TEXT NOT NULL,
    key         TEXT NOT NULL,
    auth_id     TEXT NOT NULL UNIQUE,
    id_number   TEXT NOT NULL,
    decision    TEXT NOT NULL,
    response    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (kiosk, key)
);

CREATE TABLE issued_endorsements (
    issue_key      TEXT PRIMARY KEY,
    id_number      TEXT NOT NULL,
    permit_number  TEXT NOT NULL,
    permit_kind    TEXT,
    offer          TEXT NOT NULL,
    destination    TEXT,
    valid_from     TEXT NOT NULL,
    valid_to       TEXT NOT NULL,
    order_no       TEXT NOT NULL,
    fee_fen        INTEGER NOT NULL,
    kiosk          TEXT NOT NULL,
    hall           TEXT NOT NULL,
    at             TEXT NOT NULL,
    event_key      TEXT NOT NULL
);
CREATE INDEX issued_by_person ON issued_endorsements (id_number);

CREATE TABLE refunds (
    id          INTEGER PRIMARY KEY,
    order_no    TEXT NOT NULL,
    refund_no   TEXT NOT NULL,
    amount_fen  INTEGER NOT NULL,
    kiosk       TEXT NOT NULL,
    at          TEXT NOT NULL,
    event_key   TEXT NOT NULL
);

-- Every accepted kiosk event, idempotent by (kiosk, key).
CREATE TABLE events (
    kiosk        TEXT NOT NULL,
    key          TEXT NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    at           TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    PRIMARY KEY (kiosk, key)
);

CREATE TABLE applications (
    application_no    TEXT PRIMARY KEY,
    id_number         TEXT NOT NULL,
    business          TEXT NOT NULL,
    document          TEXT NOT NULL,
    certificate_type  TEXT NOT NULL,
    hall              TEXT NOT NULL,
    submitted_on      TEXT NOT NULL,
    status            TEXT NOT NULL,
    expected_on       TEXT NOT NULL,
    pickup_method     TEXT NOT NULL,
    updated_on        TEXT NOT NULL
);
CREATE INDEX applications_by_person ON applications (id_number);

CREATE TABLE travel_records (
    id               INTEGER PRIMARY KEY,
    id_number        TEXT NOT NULL,
    date             TEXT NOT NULL,
    time             TEXT NOT NULL,
    direction        TEXT NOT NULL,      -- 'exit' or 'entry'
    port             TEXT NOT NULL,
    document_kind    TEXT NOT NULL,
    document_number  TEXT NOT NULL,
    UNIQUE (id_number, date, time, direction)
);
"#;

/// The residence permit (居住证) an applicant holds: the issuing city's code (Taiwan individual tour).
const V2: &str = r#"
ALTER TABLE applicants ADD COLUMN residence_permit TEXT;
"#;

/// The references of entry/exit records handed out (what the QR code of a print-out holds): each
/// fetches that applicant's records over the same days, without a token. A random 128-bit value,
/// stored as its SHA-256 only, like the tokens.
const V3: &str = r#"
CREATE TABLE travel_record_refs (
    reference_sha256  TEXT PRIMARY KEY,
    id_number         TEXT NOT NULL,
    date_from         TEXT,
    date_to           TEXT,
    created_at        TEXT NOT NULL
);
CREATE INDEX travel_record_refs_by_person ON travel_record_refs (id_number);
"#;

/// Every migration, oldest first.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(V1), M::up(V2), M::up(V3)])
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }
}
