//! `GET /api/v1/clinics`
use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::app::AppState;
use crate::error::AppResult;
use crate::service;

#[utoipa::path(
    get,
    path = "/api/v1/clinics",
    tag = "public",
    responses(
        (status = 200, description = "Clinics: code, name, name_en, prefix, bpjs_code, room", body = serde_json::Value)
    ),
)]
pub async fn list_clinics(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let list = service::sessions::clinics(&state).await?;
    let body: Vec<_> = list
        .iter()
        .map(|c| {
            json!({"code": c.code, "name": c.name, "name_en": c.name_en, "prefix": c.prefix,
                   "bpjs_code": c.bpjs_code, "room": c.room})
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}
