//! `POST /v1/kiosk/events`: kiosk events, each idempotent by key, processed in order in one
//! transaction. Payloads are checked per kind ([`parse`], pure); a malformed event is rejected
//! alone and the rest of the batch goes on.

use super::api::{EventBatch, EventResult, EventResults, EventStatus};
use super::authorise::{enum_text, parse_permit_kind, permit_kind_text};
use super::clock::stamp;
use super::error::AppError;
use super::policy::{Offer, offer};
use super::store::{CHANGE_SEQ, day_text, next_counter};
use super::strict;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use drivers::permit::{EndorsementKind, Trips};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The event kinds central accepts.
pub const KINDS: &[&str] = &["checkin", "endorsement_issued", "refund", "session", "receipt", "health"];

/// `checkin` payload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Checkin {
    /// Booking code.
    pub booking: String,
    /// Queue ticket.
    pub ticket: String,
    /// Hall.
    pub hall: String,
    /// Kiosk.
    pub kiosk: String,
    /// When.
    #[serde(deserialize_with = "strict::de_date_time")]
    pub at: DateTime<FixedOffset>,
}

/// `endorsement_issued` payload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Issued {
    /// The issuing key written with the endorsement.
    pub issue_key: String,
    /// Applicant.
    pub id_number: String,
    /// Permit number.
    pub permit: String,
    /// Offer (policy id).
    pub offer: String,
    /// First valid day.
    #[serde(deserialize_with = "strict::de_date")]
    pub valid_from: NaiveDate,
    /// Last valid day.
    #[serde(deserialize_with = "strict::de_date")]
    pub valid_to: NaiveDate,
    /// Payment order.
    pub order_no: String,
    /// Fee paid.
    pub fee_fen: u64,
    /// Kiosk.
    pub kiosk: String,
    /// Hall.
    pub hall: String,
    /// When.
    #[serde(deserialize_with = "strict::de_date_time")]
    pub at: DateTime<FixedOffset>,
}

/// `refund` payload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Refund {
    /// Payment order refunded.
    pub order_no: String,
    /// Refund number.
    pub refund_no: String,
    /// Amount.
    pub amount_fen: u64,
    /// Kiosk.
    pub kiosk: String,
    /// When.
    #[serde(deserialize_with = "strict::de_date_time")]
    pub at: DateTime<FixedOffset>,
}

/// `session` payload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Session {
    /// Session id.
    pub session: String,
    /// Flow.
    pub flow: String,
    /// Outcome.
    pub outcome: String,
    /// Refusal reason (null when none).
    #[serde(default)]
    pub reason: Option<String>,
    /// Kiosk.
    pub kiosk: String,
    /// When.
    #[serde(deserialize_with = "strict::de_date_time")]
    pub at: DateTime<FixedOffset>,
}

/// `health` payload.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Health {
    /// One entry per device.
    pub devices: Vec<serde_json::Value>,
}

/// A checked event body.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// A check-in.
    Checkin(Checkin),
    /// An endorsement issued.
    Issued(Issued),
    /// A refund.
    Refund(Refund),
    /// A session ended.
    Session(Session),
    /// A receipt printed (any object).
    Receipt,
    /// Device health.
    Health(Health),
}

fn typed<T: DeserializeOwned>(kind: &str, payload: &serde_json::Value) -> Result<T, String> {
    serde_json::from_value(payload.clone()).map_err(|e| format!("{kind} payload: {e}"))
}

fn non_empty(kind: &str, fields: &[(&str, &str)]) -> Result<(), String> {
    match fields.iter().find(|(_, v)| v.trim().is_empty()) {
        Some((name, _)) => Err(format!("{kind} payload: {name} is empty")),
        None => Ok(()),
    }
}

/// Check an event's payload for its kind.
pub fn parse(kind: &str, payload: &serde_json::Value) -> Result<Parsed, String> {
    if !payload.is_object() {
        return Err(format!("{kind} payload: expected a JSON object"));
    }
    match kind {
        "checkin" => {
            let c: Checkin = typed(kind, payload)?;
            non_empty(kind, &[("booking", &c.booking), ("ticket", &c.ticket), ("hall", &c.hall), ("kiosk", &c.kiosk)])?;
            Ok(Parsed::Checkin(c))
        }
        "endorsement_issued" => {
            let i: Issued = typed(kind, payload)?;
            non_empty(
                kind,
                &[
                    ("issue_key", &i.issue_key),
                    ("id_number", &i.id_number),
                    ("permit", &i.permit),
                    ("offer", &i.offer),
                    ("order_no", &i.order_no),
                    ("kiosk", &i.kiosk),
                    ("hall", &i.hall),
                ],
            )?;
            if i.valid_to < i.valid_from {
                return Err(format!("{kind} payload: valid_to is before valid_from"));
            }
            Ok(Parsed::Issued(i))
        }
        "refund" => {
            let r: Refund = typed(kind, payload)?;
            non_empty(kind, &[("order_no", &r.order_no), ("refund_no", &r.refund_no), ("kiosk", &r.kiosk)])?;
            Ok(Parsed::Refund(r))
        }
        "session" => {
            let s: Session = typed(kind, payload)?;
            non_empty(
                kind,
                &[("session", &s.session), ("flow", &s.flow), ("outcome", &s.outcome), ("kiosk", &s.kiosk)],
            )?;
            Ok(Parsed::Session(s))
        }
        "receipt" => Ok(Parsed::Receipt),
        "health" => Ok(Parsed::Health(typed(kind, payload)?)),
        other => Err(format!("unknown event kind {other:?} (known: {})", KINDS.join(", "))),
    }
}

enum Applied {
    Accepted,
    Duplicate,
    Rejected(String),
}

fn apply(conn: &Connection, event_key: &str, parsed: &Parsed, offers: &[Offer]) -> Result<Applied, AppError> {
    match parsed {
        Parsed::Checkin(c) => {
            let status: Option<String> = conn
                .query_row("SELECT status FROM bookings WHERE code = ?1", params![c.booking], |r| r.get(0))
                .optional()?;
            let Some(status) = status else {
                return Ok(Applied::Rejected(format!("checkin payload: no booking {:?}", c.booking)));
            };
            if status == "active" {
                let seq = next_counter(conn, CHANGE_SEQ)?;
                conn.execute(
                    "UPDATE bookings SET status = 'checked_in', checked_in_at = ?2, change_seq = ?3 WHERE code = ?1",
                    params![c.booking, stamp(c.at.with_timezone(&Utc)), seq],
                )?;
            }
            conn.execute(
                "INSERT INTO checkins (booking, ticket, hall, kiosk, at, event_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![c.booking, c.ticket, c.hall, c.kiosk, c.at.to_rfc3339(), event_key],
            )?;
            Ok(Applied::Accepted)
        }
        Parsed::Issued(i) => {
            let seen: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM issued_endorsements WHERE issue_key = ?1)",
                params![i.issue_key],
                |r| r.get(0),
            )?;
            if seen {
                return Ok(Applied::Duplicate);
            }
            let id_number = i.id_number.trim().to_ascii_uppercase();
            let the_offer = offer(offers, &i.offer);
            let permit_kind = match the_offer {
                Some(o) => Some(o.permit),
                None => conn
                    .query_row("SELECT kind FROM documents WHERE number = ?1", params![i.permit], |r| {
                        r.get::<_, String>(0)
                    })
                    .optional()?
                    .and_then(|k| parse_permit_kind(&k)),
            };
            let destination = the_offer.map(|o| o.destination.code());
            conn.execute(
                "INSERT INTO issued_endorsements (issue_key, id_number, permit_number, permit_kind, offer, destination, \
                 valid_from, valid_to, order_no, fee_fen, kiosk, hall, at, event_key) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    i.issue_key,
                    id_number,
                    i.permit,
                    permit_kind.map(permit_kind_text),
                    i.offer,
                    destination,
                    day_text(i.valid_from),
                    day_text(i.valid_to),
                    i.order_no,
                    i64::try_from(i.fee_fen).unwrap_or(i64::MAX),
                    i.kiosk,
                    i.hall,
                    i.at.to_rfc3339(),
                    event_key,
                ],
            )?;
            if let (Some(o), Some(kind)) = (the_offer, permit_kind) {
                let trips = o.trips.unwrap_or(Trips::One);
                conn.execute(
                    "INSERT OR IGNORE INTO endorsements_held (id_number, permit_kind, permit_number, destination, kind, \
                     trips, trips_left, valid_from, valid_to, issue_key, source) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'kiosk')",
                    params![
                        id_number,
                        permit_kind_text(kind),
                        i.permit,
                        o.destination.code(),
                        enum_text(&EndorsementKind::GroupTour),
                        enum_text(&trips),
                        trips.count(),
                        day_text(i.valid_from),
                        day_text(i.valid_to),
                        i.issue_key,
                    ],
                )?;
            }
            Ok(Applied::Accepted)
        }
        Parsed::Refund(r) => {
            conn.execute(
                "INSERT INTO refunds (order_no, refund_no, amount_fen, kiosk, at, event_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    r.order_no,
                    r.refund_no,
                    i64::try_from(r.amount_fen).unwrap_or(i64::MAX),
                    r.kiosk,
                    r.at.to_rfc3339(),
                    event_key
                ],
            )?;
            Ok(Applied::Accepted)
        }
        Parsed::Session(_) | Parsed::Receipt | Parsed::Health(_) => Ok(Applied::Accepted),
    }
}

/// Process a batch for `kiosk` in the caller's transaction.
pub fn process(
    conn: &Connection,
    kiosk: &str,
    batch: &EventBatch,
    offers: &[Offer],
    now: DateTime<Utc>,
) -> Result<EventResults, AppError> {
    let mut results = Vec::with_capacity(batch.events.len());
    for ev in &batch.events {
        let result = |status, error| EventResult { key: ev.key.clone(), status, error };
        if ev.key.trim().is_empty() {
            results.push(result(EventStatus::Rejected, Some("the event key is empty".into())));
            continue;
        }
        let seen: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM events WHERE kiosk = ?1 AND key = ?2)",
            params![kiosk, ev.key],
            |r| r.get(0),
        )?;
        if seen {
            results.push(result(EventStatus::Duplicate, None));
            continue;
        }
        let parsed = match parse(&ev.kind, &ev.payload) {
            Ok(p) => p,
            Err(e) => {
                results.push(result(EventStatus::Rejected, Some(e)));
                continue;
            }
        };
        match apply(conn, &ev.key, &parsed, offers)? {
            Applied::Accepted => {
                conn.execute(
                    "INSERT INTO events (kiosk, key, kind, payload, at, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![kiosk, ev.key, ev.kind, ev.payload.to_string(), ev.at.to_rfc3339(), stamp(now)],
                )?;
                results.push(result(EventStatus::Accepted, None));
            }
            Applied::Duplicate => results.push(result(EventStatus::Duplicate, None)),
            Applied::Rejected(e) => results.push(result(EventStatus::Rejected, Some(e))),
        }
    }
    Ok(EventResults { results })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_checks_its_fields() {
        let at = "2026-05-18T10:00:00+08:00";
        let checkin = json!({"booking": "YY8K3M2Q", "ticket": "A001", "hall": "gz", "kiosk": "k1", "at": at});
        assert!(matches!(parse("checkin", &checkin), Ok(Parsed::Checkin(_))));
        let mut no_ticket = checkin.clone();
        no_ticket.as_object_mut().map(|o| o.remove("ticket"));
        assert!(parse("checkin", &no_ticket).is_err_and(|e| e.contains("ticket")));
        let mut empty = checkin.clone();
        empty["booking"] = json!(" ");
        assert!(parse("checkin", &empty).is_err_and(|e| e.contains("booking is empty")));
        let issued = json!({"issue_key": "I1", "id_number": "x", "permit": "C1", "offer": "HK-L-3M-1",
            "valid_from": "2026-05-18", "valid_to": "2026-08-17", "order_no": "O1", "fee_fen": 1500,
            "kiosk": "k1", "hall": "gz", "at": at});
        assert!(parse("endorsement_issued", &issued).is_ok());
        let mut backwards = issued.clone();
        backwards["valid_to"] = json!("2026-05-01");
        assert!(parse("endorsement_issued", &backwards).is_err());
        let mut negative = issued.clone();
        negative["fee_fen"] = json!(-1);
        assert!(parse("endorsement_issued", &negative).is_err());
        let refund = json!({"order_no": "O1", "refund_no": "R1", "amount_fen": 1500, "kiosk": "k1", "at": at});
        assert!(parse("refund", &refund).is_ok());
        let session =
            json!({"session": "s", "flow": "checkin", "outcome": "ticket", "reason": null, "kiosk": "k", "at": at});
        assert!(parse("session", &session).is_ok());
        assert!(parse("receipt", &json!({"anything": 1})).is_ok());
        assert!(parse("health", &json!({"devices": []})).is_ok());
        assert!(parse("health", &json!({})).is_err());
        assert!(parse("receipt", &json!([1])).is_err());
        assert!(parse("teleport", &json!({})).is_err_and(|e| e.contains("unknown event kind")));
        let mut bad_time = refund.clone();
        bad_time["at"] = json!("yesterday");
        assert!(parse("refund", &bad_time).is_err());
    }
}
