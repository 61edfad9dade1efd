//! Liveness and readiness.
use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::app::AppState;
use crate::error::AppResult;
use crate::service;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready when the database answers.
pub async fn readyz(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    service::sessions::ready(&state).await?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready", "database": "ok"})))
}
