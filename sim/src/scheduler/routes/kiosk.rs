//! The kiosk API (`/v1/time`, `/v1/kiosk/...`): wire types in [`crate::scheduler::api`].

use crate::scheduler::api::{
    ApiError, AuthRequest, Authorisation, BookingChanges, BookingRecord, EventBatch, EventResults, ServerTime,
};
use crate::scheduler::auth::KioskCaller;
use crate::scheduler::authorise;
use crate::scheduler::bookings;
use crate::scheduler::error::{ApiResult, AppError};
use crate::scheduler::events;
use crate::scheduler::extract::{Body, Query};
use crate::scheduler::public_api::{KioskBookingsQuery, LookupQuery};
use crate::scheduler::rules::{self, Cursor};
use crate::scheduler::state::Shared;
use crate::scheduler::strict;
use axum::Json;
use axum::extract::State;

/// Default and largest page of the booking feed.
pub const DEFAULT_LIMIT: usize = 500;
/// Largest page of the booking feed.
pub const MAX_LIMIT: usize = 5000;
/// Most events in one batch.
pub const MAX_EVENTS: usize = 5000;
/// Largest body of a batch, bytes: room for [`MAX_EVENTS`] events of about 6 KiB each (the other
/// endpoints take axum's default, 2 MiB, which a full batch of ordinary events would overflow).
pub const MAX_EVENTS_BODY: usize = 32 * 1024 * 1024;

/// A request body as its wire type. (The kiosk API's wire types are kioskd's too and keep chrono's
/// own parsing; the server checks the dates they carry strictly before this.)
fn typed<T: serde::de::DeserializeOwned>(raw: serde_json::Value) -> ApiResult<T> {
    serde_json::from_value(raw)
        .map_err(|e| AppError::bad_request(format!("Failed to deserialize the JSON body into the target type: {e}")))
}

/// A date field, when it is a string, must be exactly `YYYY-MM-DD`.
fn check_date(value: Option<&serde_json::Value>, name: &str) -> ApiResult<()> {
    match value {
        Some(serde_json::Value::String(s)) if strict::date(s).is_none() => {
            Err(AppError::bad_request(format!("{name} {s:?} is not a date YYYY-MM-DD")))
        }
        _ => Ok(()),
    }
}

/// Central's clock, for kiosks to measure their skew (no token needed).
#[utoipa::path(get, path = "/v1/time", tag = "kiosk", responses((status = 200, body = ServerTime)))]
pub async fn time(State(state): State<Shared>) -> Json<ServerTime> {
    Json(ServerTime { now: state.clock.hall_now() })
}

/// The kiosk's hall's bookings on `from..=to` changed after `cursor`, oldest change first. A cursor
/// belongs to the window it was issued for: with another window the feed starts that window over.
#[utoipa::path(
    get,
    path = "/v1/kiosk/bookings",
    tag = "kiosk",
    params(KioskBookingsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = BookingChanges),
        (status = 400, description = "Malformed cursor, dates or limit", body = ApiError),
        (status = 401, body = ApiError),
    )
)]
pub async fn booking_changes(
    State(state): State<Shared>,
    kiosk: KioskCaller,
    Query(q): Query<KioskBookingsQuery>,
) -> ApiResult<Json<BookingChanges>> {
    let today = state.clock.today();
    let from = q.from.unwrap_or(today);
    let to = q.to.unwrap_or_else(|| rules::add_days(from, 1));
    if to < from {
        return Err(AppError::bad_request("to is before from"));
    }
    if (to - from).num_days() > 31 {
        return Err(AppError::bad_request("at most 32 days at a time"));
    }
    let cursor = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(text) => Some(Cursor::parse(text).ok_or_else(|| {
            AppError::bad_request(format!("malformed cursor {text:?}: pass back the cursor of a previous answer"))
        })?),
    };
    let limit = match q.limit {
        None => DEFAULT_LIMIT,
        Some(0) => return Err(AppError::bad_request("limit must be at least 1")),
        Some(n) => n.min(MAX_LIMIT),
    };
    let changes =
        state.store.read(move |c| bookings::changes(c, &kiosk.hall, from, to, cursor.as_ref(), limit)).await?;
    Ok(Json(changes))
}

/// A person's bookings on a day in any hall (so a kiosk can say the booking is at another hall).
#[utoipa::path(
    get,
    path = "/v1/kiosk/lookup",
    tag = "kiosk",
    params(LookupQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<BookingRecord>), (status = 400, body = ApiError), (status = 401, body = ApiError))
)]
pub async fn lookup(
    State(state): State<Shared>,
    _kiosk: KioskCaller,
    Query(q): Query<LookupQuery>,
) -> ApiResult<Json<Vec<BookingRecord>>> {
    let id = super::public::id_number(&q.id_number)?;
    let date = q.date.unwrap_or_else(|| state.clock.today());
    let records = state.store.read(move |c| bookings::lookup(c, &id, date)).await?;
    Ok(Json(records))
}

/// May this applicant get an endorsement here? Idempotent by key: the same key gets the stored
/// answer.
#[utoipa::path(
    post,
    path = "/v1/kiosk/authorisations",
    tag = "kiosk",
    request_body = AuthRequest,
    security(("bearer" = [])),
    responses((status = 200, body = Authorisation), (status = 400, body = ApiError), (status = 401, body = ApiError))
)]
pub async fn authorisations(
    State(state): State<Shared>,
    kiosk: KioskCaller,
    Body(raw): Body<serde_json::Value>,
) -> ApiResult<Json<Authorisation>> {
    check_date(raw.get("today"), "today")?;
    let req: AuthRequest = typed(raw)?;
    if req.key.trim().is_empty() {
        return Err(AppError::bad_request("key (the idempotency key) is empty"));
    }
    let now = state.clock.now();
    let st = state.clone();
    let answer = state.store.transact(move |tx| authorise::authorise(tx, &kiosk.id, &req, &st.policy, now)).await?;
    Ok(Json(answer))
}

/// Kiosk events, each idempotent by key, processed in order in one transaction. Payloads by kind:
/// `checkin` {booking, ticket, hall, kiosk, at}; `endorsement_issued` {issue_key, id_number, permit,
/// offer, valid_from, valid_to, order_no, fee_fen, kiosk, hall, at} (also deduplicated by
/// issue_key); `refund` {order_no, refund_no, amount_fen, kiosk, at}; `session` {session, flow,
/// outcome, reason, kiosk, at}; `receipt` {any object}; `health` {devices: [...]}.
#[utoipa::path(
    post,
    path = "/v1/kiosk/events",
    tag = "kiosk",
    request_body = EventBatch,
    security(("bearer" = [])),
    responses((status = 200, body = EventResults), (status = 400, body = ApiError), (status = 401, body = ApiError))
)]
pub async fn post_events(
    State(state): State<Shared>,
    kiosk: KioskCaller,
    Body(raw): Body<serde_json::Value>,
) -> ApiResult<Json<EventResults>> {
    if let Some(events) = raw.get("events").and_then(serde_json::Value::as_array) {
        for (i, ev) in events.iter().enumerate() {
            if let Some(serde_json::Value::String(at)) = ev.get("at")
                && strict::date_time(at).is_none()
            {
                return Err(AppError::bad_request(format!(
                    "events[{i}].at {at:?} is not an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS+08:00)"
                )));
            }
        }
    }
    let batch: EventBatch = typed(raw)?;
    if batch.events.len() > MAX_EVENTS {
        return Err(AppError::bad_request(format!("at most {MAX_EVENTS} events per batch")));
    }
    let now = state.clock.now();
    let st = state.clone();
    let results =
        state.store.transact(move |tx| events::process(tx, &kiosk.id, &batch, &st.policy.offers, now)).await?;
    Ok(Json(results))
}
