//! The applicant queries: progress, endorsements, documents, travel records (and those fetched
//! again by the reference a query handed out, without a token).

use super::public::id_number;
use crate::scheduler::api::ApiError;
use crate::scheduler::auth::Caller;
use crate::scheduler::error::{ApiResult, AppError};
use crate::scheduler::extract::{Path, Query};
use crate::scheduler::public_api::{Documents, Endorsements, Progress, TravelQuery, TravelRecords};
use crate::scheduler::queries;
use crate::scheduler::state::Shared;
use crate::scheduler::strict;
use axum::Json;
use axum::extract::State;

/// Application progress (进度查询).
#[utoipa::path(
    get,
    path = "/v1/applicants/{id}/progress",
    tag = "queries",
    params(("id" = String, Path, description = "ID number")),
    security(("bearer" = [])),
    responses((status = 200, body = Progress), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError))
)]
pub async fn progress(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Progress>> {
    let id = id_number(&id)?;
    caller.may_act_for(&id)?;
    let applications = state
        .store
        .read(move |c| {
            queries::require_applicant(c, &id)?;
            queries::progress(c, &id)
        })
        .await?;
    Ok(Json(Progress { applications }))
}

/// Endorsements held, with trips left and validity (签注查询).
#[utoipa::path(
    get,
    path = "/v1/applicants/{id}/endorsements",
    tag = "queries",
    params(("id" = String, Path, description = "ID number")),
    security(("bearer" = [])),
    responses((status = 200, body = Endorsements), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError))
)]
pub async fn endorsements(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Endorsements>> {
    let id = id_number(&id)?;
    caller.may_act_for(&id)?;
    let today = state.clock.today();
    let endorsements = state
        .store
        .read(move |c| {
            queries::require_applicant(c, &id)?;
            queries::endorsements(c, &id, today)
        })
        .await?;
    Ok(Json(Endorsements { endorsements }))
}

/// Documents held (证件查询), with `renewal_due` when one expires within six months.
#[utoipa::path(
    get,
    path = "/v1/applicants/{id}/documents",
    tag = "queries",
    params(("id" = String, Path, description = "ID number")),
    security(("bearer" = [])),
    responses((status = 200, body = Documents), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError))
)]
pub async fn documents(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Documents>> {
    let id = id_number(&id)?;
    caller.may_act_for(&id)?;
    let today = state.clock.today();
    let documents = state
        .store
        .read(move |c| {
            queries::require_applicant(c, &id)?;
            queries::documents(c, &id, today)
        })
        .await?;
    Ok(Json(Documents { documents }))
}

/// Entry/exit records (出入境记录), with a new reference that fetches the same records later
/// without a token (`GET /v1/travel-records/{reference}`: a printed record's QR code).
#[utoipa::path(
    get,
    path = "/v1/applicants/{id}/travel-records",
    tag = "queries",
    params(("id" = String, Path, description = "ID number"), TravelQuery),
    security(("bearer" = [])),
    responses((status = 200, body = TravelRecords), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError))
)]
pub async fn travel_records(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<TravelQuery>,
) -> ApiResult<Json<TravelRecords>> {
    let id = id_number(&id)?;
    caller.may_act_for(&id)?;
    let now = state.clock.now();
    let (records, reference) = state
        .store
        .transact(move |tx| {
            queries::require_applicant(tx, &id)?;
            let records = queries::travel_records(tx, &id, q.from, q.to)?;
            Ok((records, queries::new_travel_reference(tx, &id, q.from, q.to, now)?))
        })
        .await?;
    let url = state.travel_records_url(&reference);
    Ok(Json(TravelRecords { records, reference, url }))
}

/// Entry/exit records fetched again by the reference an applicant's query handed out (the QR code
/// of a printed record): the same person's records over the same days, as they stand now. No token:
/// the reference is the credential.
#[utoipa::path(
    get,
    path = "/v1/travel-records/{reference}",
    tag = "queries",
    params(("reference" = String, Path, description = "The reference a travel-records query answered with")),
    responses(
        (status = 200, body = TravelRecords),
        (status = 400, description = "`bad_request`: not a reference (32 lower-case hex digits)", body = ApiError),
        (status = 404, description = "`unknown_reference`: central handed out no such reference", body = ApiError),
    )
)]
pub async fn shared_travel_records(
    State(state): State<Shared>,
    Path(reference): Path<String>,
) -> ApiResult<Json<TravelRecords>> {
    if !strict::travel_reference(&reference) {
        return Err(AppError::bad_request(format!(
            "{:?} is not a travel-record reference: 32 lower-case hex digits",
            reference.chars().take(40).collect::<String>()
        )));
    }
    let r = reference.clone();
    let records = state
        .store
        .read(move |c| {
            let (id, from, to) = queries::travel_reference(c, &r)?.ok_or_else(|| {
                AppError::not_found("unknown_reference", "central handed out no such travel-record reference")
            })?;
            queries::travel_records(c, &id, from, to)
        })
        .await?;
    let url = state.travel_records_url(&reference);
    Ok(Json(TravelRecords { records, reference, url }))
}
