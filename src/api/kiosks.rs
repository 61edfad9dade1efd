//! Kiosk devices: registration and revocation by admins, pairing by the kiosk itself.
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::parse_json;
use crate::app::AppState;
use crate::auth::Staff;
use crate::error::AppResult;
use crate::service::kiosks;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RegisterBody {
    pub name: String,
    #[serde(default)]
    pub clinics: Vec<String>,
    /// Its thermal printer, `tcp://host:port`; empty or absent: browser printing.
    #[serde(default)]
    pub printer: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PrinterBody {
    #[serde(default)]
    pub printer: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PairBody {
    pub pairing_code: String,
}

/// `POST /api/v1/staff/kiosks {name, clinics}` (admin) → 201 `{id, pairing_code}`.
#[utoipa::path(
    post,
    path = "/api/v1/staff/kiosks",
    tag = "admin",
    description = "Register a kiosk: the answer's `pairing_code` is one-time, valid 15 minutes. `printer` is its ESC/POS network printer `tcp://host:port` (port 9100 when left out; anything else 422 `invalid_printer`).",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    request_body = crate::api::kiosks::RegisterBody,
    responses(
        (status = 201, description = "`{id, name, pairing_code, pairing_expires_at}`", body = kiosks::Registered)
    ),
)]
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
#[utoipa::path(
    get,
    path = "/api/v1/staff/kiosks",
    tag = "admin",
    description = "Each with `printer`, `printer_problem` (`unreachable`, `paper_out`) and `printer_checked_at` of its last print.",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    responses(
        (status = 200, description = "Kiosk devices", body = Vec<kiosks::KioskRow>)
    ),
)]
pub async fn list_kiosks(state: web::Data<AppState>, staff: Staff) -> AppResult<HttpResponse> {
    let rows = crate::service::read(&state, move |c| kiosks::list(c, &staff)).await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// A kiosk's printer after a change: its address, or null (browser printing).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PrinterSet {
    pub id: i32,
    pub printer: Option<String>,
}

/// `PUT /api/v1/staff/kiosks/{id}/printer {printer}` (admin): set or clear (empty) the
/// kiosk's thermal printer; 422 for an address that is not `tcp://host:port`.
#[utoipa::path(
    put,
    path = "/api/v1/staff/kiosks/{id}/printer",
    tag = "admin",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("id" = i32, Path, description = "kiosk id")),
    request_body = crate::api::kiosks::PrinterBody,
    responses(
        (status = 200, description = "`{id, printer}`", body = PrinterSet)
    ),
)]
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
    Ok(HttpResponse::Ok().json(PrinterSet { id, printer: addr.map(|a| a.to_string()) }))
}

/// `DELETE /api/v1/staff/kiosks/{id}` (admin): the kiosk's token stops working.
#[utoipa::path(
    delete,
    path = "/api/v1/staff/kiosks/{id}",
    tag = "admin",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("id" = i32, Path, description = "kiosk id")),
    responses(
        (status = 200, description = "Revoked: its token stops working", body = kiosks::KioskRow)
    ),
)]
pub async fn revoke_kiosk(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let (id, now) = (path.into_inner(), state.now());
    let row = crate::service::read(&state, move |c| kiosks::revoke(c, &staff, id, now)).await?;
    Ok(HttpResponse::Ok().json(row))
}

/// The answer to a pairing: the device token and the kiosk.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Paired {
    /// `Authorization: Kiosk <token>`; also set as the `sipoli_kiosk` cookie.
    pub token: String,
    pub kiosk: PairedKiosk,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PairedKiosk {
    pub id: i32,
    pub name: String,
    /// Clinic codes it offers.
    pub clinics: Vec<String>,
}

/// `POST /api/v1/kiosk/pair {pairing_code}` → `{token}` and the device cookie.
#[utoipa::path(
    post,
    path = "/api/v1/kiosk/pair",
    tag = "kiosk",
    request_body = crate::api::kiosks::PairBody,
    responses(
        (status = 200, description = "`{token, kiosk}` and the `sipoli_kiosk` cookie", body = Paired),
        (status = 404, description = "Unknown or used pairing code", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn pair_kiosk(state: web::Data<AppState>, body: web::Bytes) -> AppResult<HttpResponse> {
    let PairBody { pairing_code } = parse_json(&body)?;
    let (token, device) = kiosks::pair(&state, pairing_code).await?;
    Ok(HttpResponse::Ok().cookie(crate::auth::kiosk_cookie(&state, &token)).json(Paired {
        token,
        kiosk: PairedKiosk { id: device.id, name: device.name, clinics: device.clinics },
    }))
}
