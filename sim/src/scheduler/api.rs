//! The wire types of the central scheduler's kiosk API (`/v1/kiosk/...`), shared by the scheduler
//! stand-in (the server) and kioskd (the client): one definition of every JSON body.
//!
//! Kiosks authenticate with `Authorization: Bearer <token>`, a per-kiosk credential that also names
//! the kiosk's hall. Every error is a 4xx/5xx with an [`ApiError`] body.

use chrono::{DateTime, FixedOffset, NaiveDate};
use drivers::permit::PermitKind;
use kiosk_ui::Reason;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The JSON body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    /// A stable machine-readable code, e.g. `slot_full`, `same_day`, `unauthorised`, `bad_request`.
    pub error: String,
    /// What is wrong, for a person.
    pub message: String,
}

/// A booking's state at central.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// Booked, not yet checked in.
    Active,
    /// Cancelled (or moved away by a rebooking): a kiosk must forget it.
    Cancelled,
    /// Checked in at a kiosk or counter.
    CheckedIn,
}

/// A booking as central publishes it to kiosks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BookingRecord {
    /// Booking code.
    pub code: String,
    /// Hall id.
    pub hall: String,
    /// Holder's ID number.
    pub id_number: String,
    /// Day.
    pub date: NaiveDate,
    /// Slot start, HH:MM hall time.
    pub slot_start: String,
    /// Slot end, HH:MM hall time.
    pub slot_end: String,
    /// Business: `first_application`, `renewal`, `reapplication`.
    pub business: String,
    /// State (absent in older answers: active).
    #[serde(default = "active")]
    pub status: BookingStatus,
}

fn active() -> BookingStatus {
    BookingStatus::Active
}

/// `GET /v1/kiosk/bookings?cursor=C&from=D&to=D&limit=N`: the bookings of the kiosk's hall on days
/// `from..=to` (default: central's today and tomorrow) changed after `cursor` (absent: all), oldest
/// change first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BookingChanges {
    /// The changed bookings, each in its latest state.
    pub bookings: Vec<BookingRecord>,
    /// Pass back to get the changes after these (opaque).
    pub cursor: String,
    /// Whether more changes wait (ask again at once).
    pub more: bool,
}

/// `POST /v1/kiosk/authorisations`: may this applicant get an endorsement here? Idempotent by key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuthRequest {
    /// Idempotency key (the session).
    pub key: String,
    /// Applicant's ID number.
    pub id_number: String,
    /// Permit number.
    pub permit_number: String,
    /// Permit kind.
    #[schema(schema_with = permit_kind_schema)]
    pub permit_kind: PermitKind,
    /// Kiosk's today.
    pub today: NaiveDate,
}

/// Central's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum Authorisation {
    /// The offers (policy ids) this applicant may get here.
    Granted {
        /// Central's authorisation id.
        auth_id: String,
        /// Offer ids.
        allowed: Vec<String>,
        /// The city codes of the residence permits (居住证) the applicant holds, e.g. `["350200"]`
        /// (absent in older answers: none). With the hukou on the ID card, they decide the Taiwan
        /// individual tour ([`super::rules::individual_tour_eligible`]); `allowed` has applied it.
        #[serde(default)]
        residence_permits: Vec<String>,
    },
    /// Refused.
    Denied {
        /// Why (`not_eligible`, `non_mainland`, `counter_only`, `identity_mismatch`).
        #[schema(schema_with = denial_reason_schema)]
        reason: Reason,
    },
}

/// One event a kiosk reports (from its outbox).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    /// Idempotency key: the same key delivered twice is recorded once.
    pub key: String,
    /// `checkin`, `endorsement_issued`, `refund`, `session`, `receipt`, `health`.
    pub kind: String,
    /// The event's body (see the scheduler's OpenAPI document for each kind).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// When the kiosk recorded it.
    pub at: DateTime<FixedOffset>,
}

/// `POST /v1/kiosk/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventBatch {
    /// In the order the kiosk recorded them.
    pub events: Vec<Event>,
}

/// What became of one delivered event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Recorded now.
    Accepted,
    /// Recorded before (same key): nothing changed.
    Duplicate,
    /// Malformed for its kind: never recorded, do not resend as is.
    Rejected,
}

/// The answer for one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventResult {
    /// The event's key.
    pub key: String,
    /// Its fate.
    pub status: EventStatus,
    /// Why it was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The answer to an [`EventBatch`]: one result per event, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventResults {
    /// Per event.
    pub results: Vec<EventResult>,
}

/// `GET /v1/time`: central's clock, for kiosks to measure their skew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ServerTime {
    /// Central's now, hall time.
    pub now: DateTime<FixedOffset>,
}

/// `GET /v1/admin/stats`: what central has recorded, to compare with a kiosk's own counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Stats {
    /// Accepted kiosk events by kind.
    pub events: BTreeMap<String, u64>,
    /// Bookings by status (`active`, `cancelled`, `checked_in`).
    pub bookings: BTreeMap<String, u64>,
    /// Endorsements issued at kiosks.
    pub issued_endorsements: u64,
    /// Check-ins recorded.
    pub checkins: u64,
    /// Refunds recorded.
    pub refunds: u64,
    /// Authorisations answered (idempotent replays not counted).
    pub authorisations: u64,
}

fn string_enum(values: &[&str], description: &str) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(values.iter().copied()))
        .description(Some(description))
        .build()
}

/// The OpenAPI schema of a [`PermitKind`].
pub fn permit_kind_schema() -> utoipa::openapi::Object {
    string_enum(&["hk_macau", "taiwan"], "Permit kind: hk_macau (往来港澳通行证, CS) or taiwan (往来台湾通行证, CD)")
}

/// The OpenAPI schema of the reasons an authorisation is denied for.
pub fn denial_reason_schema() -> utoipa::openapi::Object {
    string_enum(&["not_eligible", "non_mainland", "counter_only", "identity_mismatch"], "Why central refused")
}
