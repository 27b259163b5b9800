//! Admin counts, for tests comparing both sides after partitions. No token: loopback callers only.

use crate::scheduler::api::{ApiError, Stats};
use crate::scheduler::error::{ApiResult, AppError};
use crate::scheduler::queries;
use crate::scheduler::state::Shared;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use std::net::SocketAddr;

/// Counts of events by kind, bookings by status, issued endorsements, check-ins, refunds and
/// authorisations. Answered to loopback callers only (403 otherwise).
#[utoipa::path(
    get,
    path = "/v1/admin/stats",
    tag = "admin",
    responses((status = 200, body = Stats), (status = 403, description = "Not a loopback caller", body = ApiError))
)]
pub async fn stats(State(state): State<Shared>, ConnectInfo(peer): ConnectInfo<SocketAddr>) -> ApiResult<Json<Stats>> {
    if !peer.ip().is_loopback() {
        return Err(AppError::forbidden("admin endpoints answer loopback callers only"));
    }
    Ok(Json(state.store.read(|c| queries::stats(c)).await?))
}
