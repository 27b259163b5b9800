//! The applicant API: login, presets, halls and slots, bookings.

use crate::HALL_OFFSET;
use crate::scheduler::api::ApiError;
use crate::scheduler::auth::{Caller, issue_applicant_token};
use crate::scheduler::bookings;
use crate::scheduler::error::{ApiResult, AppError};
use crate::scheduler::extract::{Body, Path, Query};
use crate::scheduler::presets::{self, Presets};
use crate::scheduler::public_api::{
    Booking, BookingRequest, Bookings, CancelResult, HallSlots, Halls, HallsQuery, LoginRequest, LoginResponse,
    RebookRequest, SlotsQuery,
};
use crate::scheduler::queries;
use crate::scheduler::rules;
use crate::scheduler::state::Shared;
use crate::scheduler::strict;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

/// Parse and normalise an ID number from a request (400 when malformed, surrounding white space
/// included).
pub fn id_number(text: &str) -> Result<String, AppError> {
    strict::id_number(text).map(|n| n.as_str().to_string()).map_err(AppError::bad_request)
}

/// Log in with ID number and name; the token acts for this applicant.
#[utoipa::path(
    post,
    path = "/v1/login",
    tag = "applicant",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "A token", body = LoginResponse),
        (status = 400, description = "Malformed request", body = ApiError),
        (status = 401, description = "Unknown applicant or wrong name (`bad_credentials`)", body = ApiError),
    )
)]
pub async fn login(State(state): State<Shared>, Body(req): Body<LoginRequest>) -> ApiResult<Json<LoginResponse>> {
    let id = id_number(&req.id_number)?;
    let now = state.clock.now();
    let name = req.name.trim().to_string();
    let (token, expires, id_number) = state
        .store
        .transact(move |tx| {
            match queries::applicant_name(tx, &id)? {
                Some(known) if known == name => {}
                _ => {
                    return Err(AppError::new(
                        StatusCode::UNAUTHORIZED,
                        "bad_credentials",
                        "no applicant with that ID number and name",
                    ));
                }
            }
            let (token, expires) = issue_applicant_token(tx, &id, now)?;
            Ok((token, expires, id))
        })
        .await?;
    Ok(Json(LoginResponse { token, id_number, expires_at: expires.with_timezone(&HALL_OFFSET) }))
}

/// The preset lists of the booking form.
#[utoipa::path(get, path = "/v1/presets", tag = "applicant", responses((status = 200, body = Presets)))]
pub async fn get_presets() -> Json<Presets> {
    Json(presets::all())
}

/// Halls, nearest first when `lat` and `lon` are given.
#[utoipa::path(
    get,
    path = "/v1/halls",
    tag = "applicant",
    params(HallsQuery),
    responses((status = 200, body = Halls), (status = 400, body = ApiError))
)]
pub async fn list_halls(State(state): State<Shared>, Query(q): Query<HallsQuery>) -> ApiResult<Json<Halls>> {
    let near = match (q.lat, q.lon) {
        (Some(lat), Some(lon)) => {
            if !(lat.is_finite() && (-90.0..=90.0).contains(&lat) && lon.is_finite() && (-180.0..=180.0).contains(&lon))
            {
                return Err(AppError::bad_request("lat must be within -90..90 and lon within -180..180"));
            }
            Some((lat, lon))
        }
        (None, None) => None,
        _ => return Err(AppError::bad_request("give both lat and lon, or neither")),
    };
    let limit = match q.limit {
        None => 10,
        Some(0) => return Err(AppError::bad_request("limit must be at least 1")),
        Some(n) => n.min(100),
    };
    let halls = state.store.read(move |c| queries::halls(c, near, limit)).await?;
    Ok(Json(Halls { halls }))
}

/// A hall's slots with their seats.
#[utoipa::path(
    get,
    path = "/v1/halls/{hall}/slots",
    tag = "applicant",
    params(("hall" = String, Path, description = "Hall id"), SlotsQuery),
    responses(
        (status = 200, body = HallSlots),
        (status = 400, body = ApiError),
        (status = 404, description = "`no_such_hall`", body = ApiError),
    )
)]
pub async fn hall_slots(
    State(state): State<Shared>,
    Path(hall): Path<String>,
    Query(q): Query<SlotsQuery>,
) -> ApiResult<Json<HallSlots>> {
    let from = q.from.unwrap_or_else(|| state.clock.today());
    let to = q.to.unwrap_or_else(|| rules::add_days(from, 13));
    if to < from {
        return Err(AppError::bad_request("to is before from"));
    }
    if (to - from).num_days() > 62 {
        return Err(AppError::bad_request("at most 62 days at a time"));
    }
    let now = state.clock.hall_local();
    let h = hall.clone();
    let slots = state
        .store
        .read(move |c| {
            let r = bookings::require_hall(c, &h)?;
            queries::slots(c, &h, &r, from, to, now)
        })
        .await?;
    Ok(Json(HallSlots { hall, slots }))
}

/// Book a slot.
#[utoipa::path(
    post,
    path = "/v1/bookings",
    tag = "applicant",
    request_body = BookingRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Booked", body = Booking),
        (status = 400, description = "`bad_request`: a malformed or invalid field", body = ApiError),
        (status = 401, description = "`unauthorised`", body = ApiError),
        (status = 403, description = "`booking_banned`, `non_mainland`, `forbidden`", body = ApiError),
        (status = 404, description = "`no_such_hall`, `unknown_applicant`", body = ApiError),
        (status = 409, description = "`slot_full`, `duplicate_booking`", body = ApiError),
        (status = 422, description = "`past`, `same_day`, `too_early`, `no_such_slot`", body = ApiError),
    )
)]
pub async fn create_booking(
    State(state): State<Shared>,
    caller: Caller,
    Body(req): Body<BookingRequest>,
) -> ApiResult<(StatusCode, Json<Booking>)> {
    let new = bookings::validate_request(&req, &caller)?;
    let now = state.clock.now();
    let source = if matches!(caller, Caller::Kiosk { .. }) { "kiosk" } else { "online" };
    let booking = state.store.transact(move |tx| bookings::create(tx, &new, now, source)).await?;
    Ok((StatusCode::CREATED, Json(booking)))
}

/// My orders.
#[utoipa::path(
    get,
    path = "/v1/applicants/{id}/bookings",
    tag = "applicant",
    params(("id" = String, Path, description = "ID number")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Bookings),
        (status = 400, body = ApiError),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError),
        (status = 404, body = ApiError),
    )
)]
pub async fn my_bookings(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Bookings>> {
    let id = id_number(&id)?;
    caller.may_act_for(&id)?;
    let list = state
        .store
        .read(move |c| {
            queries::require_applicant(c, &id)?;
            bookings::for_applicant(c, &id)
        })
        .await?;
    Ok(Json(Bookings { bookings: list }))
}

/// Cancel a booking (until the hall's cut-off; counts towards the cancellation ban).
#[utoipa::path(
    post,
    path = "/v1/bookings/{code}/cancel",
    tag = "applicant",
    params(("code" = String, Path, description = "Booking code")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CancelResult),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError),
        (status = 404, description = "`no_such_booking`", body = ApiError),
        (status = 409, description = "`not_active`", body = ApiError),
        (status = 422, description = "`cancel_cutoff`", body = ApiError),
    )
)]
pub async fn cancel_booking(
    State(state): State<Shared>,
    caller: Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<CancelResult>> {
    let now = state.clock.now();
    let result = state.store.transact(move |tx| bookings::cancel(tx, &caller, &code, now)).await?;
    Ok(Json(result))
}

/// Move a booking to another slot of its hall, atomically (the old one is cancelled, not counted
/// towards the ban).
#[utoipa::path(
    post,
    path = "/v1/bookings/{code}/rebook",
    tag = "applicant",
    params(("code" = String, Path, description = "Booking code")),
    request_body = RebookRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new booking", body = Booking),
        (status = 400, body = ApiError),
        (status = 401, body = ApiError),
        (status = 403, description = "`booking_banned`, `forbidden`", body = ApiError),
        (status = 404, description = "`no_such_booking`", body = ApiError),
        (status = 409, description = "`slot_full`, `not_active`", body = ApiError),
        (status = 422, description = "`cancel_cutoff`, `past`, `same_day`, `too_early`, `no_such_slot`", body = ApiError),
    )
)]
pub async fn rebook_booking(
    State(state): State<Shared>,
    caller: Caller,
    Path(code): Path<String>,
    Body(req): Body<RebookRequest>,
) -> ApiResult<Json<Booking>> {
    let now = state.clock.now();
    let booking =
        state.store.transact(move |tx| bookings::rebook(tx, &caller, &code, req.date, &req.start, now)).await?;
    Ok(Json(booking))
}
