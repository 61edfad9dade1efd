//! `GET /api/v1/clinics`
use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use serde_json::json;

use crate::app::AppState;
use crate::db::{self, models::Clinic, schema::clinics};
use crate::error::AppResult;

pub async fn list_clinics(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let list: Vec<Clinic> = db::run(&state.pool, |c| {
        Ok(clinics::table
            .filter(clinics::active.eq(true))
            .order(clinics::name)
            .select(Clinic::as_select())
            .load(c)?)
    })
    .await?;
    let body: Vec<_> = list
        .iter()
        .map(|c| {
            json!({"code": c.code, "name": c.name, "name_en": c.name_en, "prefix": c.prefix,
                   "bpjs_code": c.bpjs_code, "room": c.room})
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}
