//! Liveness and readiness.
use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::service;

/// `GET /healthz`: `{"status": "ok"}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Alive {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// `GET /readyz`: `{"status": "ready", "database": "ok"}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Ready {
    #[schema(example = "ready")]
    pub status: &'static str,
    #[schema(example = "ok")]
    pub database: &'static str,
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses(
        (status = 200, description = "The process is up", body = Alive)
    ),
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Alive { status: "ok" })
}

/// How long `/readyz` waits for the database.
const READY_WITHIN: std::time::Duration = std::time::Duration::from_millis(800);

/// Ready when the database answers, within [`READY_WITHIN`] (else 503 at once).
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    responses(
        (status = 200, description = "The database answers", body = Ready),
        (status = 503, description = "Not ready", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn readyz(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    actix_web::rt::time::timeout(READY_WITHIN, service::sessions::ready(&state))
        .await
        .map_err(|_| AppError::database_unavailable("readiness check timed out"))??;
    Ok(HttpResponse::Ok().json(Ready { status: "ready", database: "ok" }))
}
