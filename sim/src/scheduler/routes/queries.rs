//! The applicant queries: progress, endorsements, documents, travel records.

use super::public::id_number;
use crate::scheduler::api::ApiError;
use crate::scheduler::auth::Caller;
use crate::scheduler::error::ApiResult;
use crate::scheduler::extract::{Path, Query};
use crate::scheduler::public_api::{Documents, Endorsements, Progress, TravelQuery, TravelRecords};
use crate::scheduler::queries;
use crate::scheduler::state::Shared;
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

/// Entry/exit records (出入境记录).
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
    let records = state
        .store
        .read(move |c| {
            queries::require_applicant(c, &id)?;
            queries::travel_records(c, &id, q.from, q.to)
        })
        .await?;
    Ok(Json(TravelRecords { records }))
}
