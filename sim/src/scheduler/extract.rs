//! Extractors whose rejections are [`ApiError`](super::api::ApiError) JSON, not axum's plain text.

use super::error::AppError;
use axum::extract::FromRequest;
use axum::extract::FromRequestParts;

/// A JSON request body; a malformed one is a 400 (415 without a JSON content type) `bad_request`.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Body<T>(pub T);

/// Query parameters; malformed ones are a 400 `bad_request`.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

/// Path parameters; malformed ones are a 400 `bad_request`.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);
