//! JSON API v1: one module per resource. Routes are listed in [`configure`].
pub mod auth;
pub mod bookings;
pub mod clinics;
pub mod health;
pub mod kiosk;
pub mod schedules;
pub mod sessions;
pub mod staff_queue;
pub mod stations;
pub mod views;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::db::idempotency::IdemKey;
use crate::error::{AppError, AppResult};
use crate::service::{self, Conn as PgConnection};

/// Largest JSON body accepted.
pub const MAX_BODY: usize = 64 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_BODY))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .service(
            web::scope("/api/v1")
                .route("/clinics", web::get().to(clinics::list_clinics))
                .route("/sessions", web::get().to(sessions::list_sessions))
                .route("/sessions/{id}/queue", web::get().to(sessions::session_queue))
                .route("/bookings", web::post().to(bookings::book_visit))
                .route("/bookings/{code}", web::get().to(bookings::booking_status))
                .route("/bookings/{code}/cancel", web::post().to(bookings::cancel_booking))
                .route("/bookings/{code}/check-in", web::post().to(bookings::check_in_booking))
                .route("/stations", web::get().to(stations::list_stations))
                .route("/kiosk/tickets", web::post().to(kiosk::take_ticket))
                .route("/auth/login", web::post().to(auth::login))
                .route("/auth/logout", web::post().to(auth::logout))
                .route("/auth/me", web::get().to(auth::me))
                .route("/staff/sessions", web::get().to(staff_queue::today_sessions))
                .route("/staff/sessions/{id}/queue", web::get().to(staff_queue::session_list))
                .route("/staff/sessions/{id}/call-next", web::post().to(staff_queue::call_next))
                .route("/staff/registrations", web::post().to(staff_queue::register_walk_in))
                .route("/staff/visits/{id}/{action}", web::post().to(staff_queue::visit_action))
                .route("/staff/stations/{code}/queue", web::get().to(stations::station_queue))
                .route("/staff/stations/{code}/call-next", web::post().to(stations::call_next))
                .route("/staff/steps/{id}/{action}", web::post().to(stations::step_action))
                .route("/staff/schedules", web::get().to(schedules::list_schedules))
                .route("/staff/schedules", web::post().to(schedules::create_schedule))
                .route("/staff/schedules/{id}", web::put().to(schedules::update_schedule))
                .route("/staff/schedules/{id}", web::delete().to(schedules::end_schedule))
                .route("/staff/exceptions", web::get().to(schedules::list_exceptions))
                .route("/staff/exceptions", web::post().to(schedules::create_exception))
                .route("/staff/exceptions/{id}", web::delete().to(schedules::delete_exception))
                .default_service(web::to(not_found)),
        );
}

async fn not_found() -> AppResult<HttpResponse> {
    Err(AppError::not_found("not_found", "Alamat tidak ditemukan.", "No such address."))
}

/// Parse a JSON body; a malformed one is a 400 with the parser's explanation.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> AppResult<T> {
    serde_json::from_slice(body).map_err(|e| {
        let (code, id, en) = if e.is_data() {
            (
                "invalid_body",
                "Isi permintaan tidak sesuai format",
                "The request body does not have the expected shape",
            )
        } else {
            (
                "malformed_json",
                "Isi permintaan bukan JSON yang valid",
                "The request body is not valid JSON",
            )
        };
        AppError::bad_request(code, format!("{id}: {e}"), format!("{en}: {e}"))
    })
}

/// [`parse_json`], or the default when the body is empty (actions whose body is optional).
pub fn parse_json_or_default<T: DeserializeOwned + Default>(body: &[u8]) -> AppResult<T> {
    if body.is_empty() { Ok(T::default()) } else { parse_json(body) }
}

/// Read the `Idempotency-Key` header (if any) for this request and body.
pub fn idempotency_key(req: &HttpRequest, body: &[u8]) -> AppResult<Option<IdemKey>> {
    let Some(value) = req.headers().get("Idempotency-Key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.len() > 128 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(AppError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key harus 1–128 karakter ASCII yang terlihat.",
            "Idempotency-Key must be 1–128 visible ASCII characters.",
        ));
    }
    Ok(Some(IdemKey {
        scope: format!("{} {}", req.method(), req.path()),
        key: key.to_string(),
        request_hash: hex::encode(Sha256::digest(body)),
    }))
}

/// Run a service command in one transaction under the request's `Idempotency-Key` (if
/// any), through `service::idempotency`, and answer with its JSON.
pub async fn idempotent<T, F>(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
    status: StatusCode,
    work: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut PgConnection) -> AppResult<T> + Send + 'static,
    T: Serialize + Send + 'static,
{
    let key = idempotency_key(req, body)?;
    let answer = service::idempotency::run(&state.pool, key, status.as_u16(), work).await?;
    let mut res = HttpResponse::build(StatusCode::from_u16(answer.status).unwrap_or(status));
    if answer.replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(res.json(answer.body))
}

/// `{"ok": true}` style answers.
pub fn ok_json(value: Value) -> HttpResponse {
    HttpResponse::Ok().json(value)
}
