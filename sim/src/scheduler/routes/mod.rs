//! The HTTP routes and the OpenAPI document they make.

pub mod admin;
pub mod doc;
pub mod kiosk;
pub mod public;
pub mod queries;

use super::api::ApiError;
use super::error::AppError;
use super::state::Shared;
use axum::Json;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, Uri};
use axum::routing::get;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A kiosk token (per kiosk; names its hall; acts for any applicant) or an applicant token \
                         from POST /v1/login (acts for that applicant only)",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kiosk-sim central scheduler",
        description = "The stand-in for the national booking system: halls, slots, bookings and applicant \
                       queries for applicants; booking sync, authorisations and events for kiosks. Every error \
                       is an ApiError {error, message}."
    ),
    modifiers(&BearerAuth),
    components(schemas(ApiError)),
    tags(
        (name = "applicant", description = "Booking, for applicants (NIA app, mini programs)"),
        (name = "queries", description = "Progress, endorsement, document and entry/exit record queries; \
                                          entry/exit records fetched again by reference"),
        (name = "kiosk", description = "The kiosk API"),
        (name = "admin", description = "Counts for tests (loopback only)"),
    )
)]
struct ApiDoc;

/// The routes and the OpenAPI document describing them.
pub fn api() -> (Router<Shared>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(public::login))
        .routes(routes!(public::get_presets))
        .routes(routes!(public::list_halls))
        .routes(routes!(public::hall_slots))
        .routes(routes!(public::create_booking))
        .routes(routes!(public::my_bookings))
        .routes(routes!(public::cancel_booking))
        .routes(routes!(public::rebook_booking))
        .routes(routes!(queries::progress))
        .routes(routes!(queries::endorsements))
        .routes(routes!(queries::documents))
        .routes(routes!(queries::travel_records))
        .routes(routes!(queries::shared_travel_records))
        .routes(routes!(kiosk::time))
        .routes(routes!(kiosk::booking_changes))
        .routes(routes!(kiosk::lookup))
        .routes(routes!(kiosk::authorisations))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(kiosk::post_events))
                .layer(DefaultBodyLimit::max(kiosk::MAX_EVENTS_BODY)),
        )
        .routes(routes!(admin::stats))
        .split_for_parts()
}

async fn not_found(uri: Uri) -> AppError {
    AppError::not_found("not_found", format!("no endpoint {}", uri.path()))
}

async fn method_not_allowed() -> AppError {
    AppError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "that method is not allowed here")
}

/// The OpenAPI document as served: the derived one with what it cannot say by itself
/// ([`doc::refine`]; `today` dates its examples).
pub fn document(doc: &utoipa::openapi::OpenApi, today: chrono::NaiveDate) -> serde_json::Value {
    let mut value = serde_json::to_value(doc).unwrap_or_default();
    doc::refine(&mut value, today);
    value
}

/// The whole service, `/openapi.json` included.
pub fn router(state: Shared) -> Router {
    let (routes, doc) = api();
    let doc = Arc::new(document(&doc, state.clock.today()));
    routes
        .route("/openapi.json", get(move || async move { Json(doc.as_ref().clone()) }))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}
