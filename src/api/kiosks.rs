//! Kiosk devices: registration and revocation by admins, pairing by the kiosk itself.
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::parse_json;
use crate::app::AppState;
use crate::auth::Staff;
use crate::error::AppResult;
use crate::service::kiosks;

#[derive(Debug, Deserialize)]
pub struct RegisterBody {
    pub name: String,
    #[serde(default)]
    pub clinics: Vec<String>,
    /// Its thermal printer, `tcp://host:port`; empty or absent: browser printing.
    #[serde(default)]
    pub printer: String,
}

#[derive(Debug, Deserialize)]
pub struct PrinterBody {
    #[serde(default)]
    pub printer: String,
}

#[derive(Debug, Deserialize)]
pub struct PairBody {
    pub pairing_code: String,
}

/// `POST /api/v1/staff/kiosks {name, clinics}` (admin) → 201 `{id, pairing_code}`.
pub async fn register_kiosk(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let RegisterBody { name, clinics, printer } = parse_json(&body)?;
    let now = state.now();
    let registered = crate::service::read(&state, move |c| {
        kiosks::register(c, &staff, &name, &clinics, &printer, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(registered))
}

/// `GET /api/v1/staff/kiosks` (admin).
pub async fn list_kiosks(state: web::Data<AppState>, staff: Staff) -> AppResult<HttpResponse> {
    let rows = crate::service::read(&state, move |c| kiosks::list(c, &staff)).await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// `PUT /api/v1/staff/kiosks/{id}/printer {printer}` (admin): set or clear (empty) the
/// kiosk's thermal printer; 422 for an address that is not `tcp://host:port`.
pub async fn set_kiosk_printer(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i32>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let PrinterBody { printer } = parse_json(&body)?;
    let id = path.into_inner();
    let addr = crate::service::read(&state, move |c| {
        crate::service::printers::set_kiosk_printer(c, &staff, id, &printer)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"id": id, "printer": addr.map(|a| a.to_string())})))
}

/// `DELETE /api/v1/staff/kiosks/{id}` (admin): the kiosk's token stops working.
pub async fn revoke_kiosk(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let (id, now) = (path.into_inner(), state.now());
    let row = crate::service::read(&state, move |c| kiosks::revoke(c, &staff, id, now)).await?;
    Ok(HttpResponse::Ok().json(row))
}

/// `POST /api/v1/kiosk/pair {pairing_code}` → `{token}` and the device cookie.
#[utoipa::path(post, path = "/api/v1/kiosk/pair", tag = "kiosk", request_body(content = serde_json::Value, description = "{pairing_code}"), responses((status = 200, description = "{token, kiosk} and the sipoli_kiosk cookie", body = serde_json::Value), (status = 400, description = "Bad input", body = crate::openapi::ErrorBody), (status = 404, description = "Unknown or used code", body = crate::openapi::ErrorBody), (status = 429, description = "Too many attempts", body = crate::openapi::ErrorBody)))]
pub async fn pair_kiosk(state: web::Data<AppState>, body: web::Bytes) -> AppResult<HttpResponse> {
    let PairBody { pairing_code } = parse_json(&body)?;
    let (token, device) = kiosks::pair(&state, pairing_code).await?;
    Ok(HttpResponse::Ok().cookie(crate::auth::kiosk_cookie(&state, &token)).json(json!({
        "token": token,
        "kiosk": {"id": device.id, "name": device.name, "clinics": device.clinics},
    })))
}
