//! Every error the scheduler answers with: an HTTP status and an [`ApiError`] body.

use super::api::ApiError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error answer: status, stable code, message for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code (`ApiError::error`).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

impl AppError {
    /// Any status and code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> AppError {
        AppError { status, code, message: message.into() }
    }
    /// 400 `bad_request`: the request itself is malformed or a field is invalid.
    pub fn bad_request(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    /// 401 `unauthorised`.
    pub fn unauthorised(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::UNAUTHORIZED, "unauthorised", message)
    }
    /// 403 `forbidden`.
    pub fn forbidden(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    /// 404 with a specific code.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, code, message)
    }
    /// 500 `internal`.
    pub fn internal(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
    /// The JSON body.
    pub fn body(&self) -> ApiError {
        ApiError { error: self.code.to_string(), message: self.message.clone() }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)
    }
}

impl std::error::Error for AppError {}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> AppError {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                AppError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "the database is busy; try again")
            }
            _ => AppError::internal(format!("database: {e}")),
        }
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> AppError {
        AppError::internal(format!("stored JSON: {e}"))
    }
}

impl From<axum::extract::rejection::JsonRejection> for AppError {
    fn from(r: axum::extract::rejection::JsonRejection) -> AppError {
        use axum::extract::rejection::JsonRejection as J;
        let status = match &r {
            J::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            J::JsonSyntaxError(_) | J::JsonDataError(_) => StatusCode::BAD_REQUEST,
            _ => r.status(),
        };
        AppError::new(status, "bad_request", r.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for AppError {
    fn from(r: axum::extract::rejection::QueryRejection) -> AppError {
        AppError::bad_request(r.body_text())
    }
}

impl From<axum::extract::rejection::PathRejection> for AppError {
    fn from(r: axum::extract::rejection::PathRejection) -> AppError {
        AppError::bad_request(r.body_text())
    }
}

/// `Result` of a handler.
pub type ApiResult<T> = Result<T, AppError>;
