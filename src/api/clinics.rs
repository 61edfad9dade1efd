//! `GET /api/v1/clinics`
use actix_web::{HttpResponse, web};

use crate::app::AppState;
use crate::error::AppResult;
use crate::service;

/// A clinic as everyone may see it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ClinicOut {
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// Ticket prefix, e.g. `A`.
    pub prefix: String,
    /// BPJS's polyclinic code, when mapped.
    pub bpjs_code: Option<String>,
    pub room: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/clinics",
    tag = "public",
    responses(
        (status = 200, description = "Clinics: code, name, name_en, prefix, bpjs_code, room", body = Vec<ClinicOut>)
    ),
)]
pub async fn list_clinics(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let list = service::sessions::clinics(&state).await?;
    let body: Vec<_> = list
        .iter()
        .map(|c| ClinicOut {
            code: c.code.clone(),
            name: c.name.clone(),
            name_en: c.name_en.clone(),
            prefix: c.prefix.clone(),
            bpjs_code: c.bpjs_code.clone(),
            room: c.room.clone(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}
