//! Online booking: book, status by code, cancel, check-in.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{idempotent, parse_json, views};
use crate::app::AppState;
use crate::domain::Invalid;
use crate::domain::kinds::Channel;
use crate::domain::staff::Actor;
use crate::error::{AppError, AppResult};
use crate::service::intake::{self, BookingBody};
use crate::service::queue::parse_code;
use crate::service::{booking, kiosks, queue, registration};

/// `POST /api/v1/bookings`
#[utoipa::path(
    post,
    path = "/api/v1/bookings",
    tag = "public",
    description = "Book a place: `payer` is `jkn` or `non_jkn`; `patient{nik, name, birth_date, phone, email?, bpjs_no?, medical_record_no?}`, `visit_type?`, `referral_number?` (JKN). 201 with code, ticket, estimate.",
    request_body = crate::service::intake::BookingBody,
    params(crate::openapi::Idempotency),
    responses(
        (status = 201, description = "Booking code, ticket number, estimated time", body = views::PlacedOut),
        (status = 409, description = "`quota_full`, `closed`, `duplicate_booking`...", body = crate::openapi::ErrorBody),
        (status = 422, description = "A field refused (`fields`)", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn book_visit(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let parsed: BookingBody = parse_json(&body)?;
    let place = intake::validate(&parsed, state.today())?.place(Channel::Online);
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::CREATED, move |conn| {
        let placed = booking::take_place(conn, &st, &place, &Actor::patient())?;
        Ok(views::placed(&placed, st.tz()))
    })
    .await
}

/// `GET /api/v1/bookings/{code}`
#[utoipa::path(
    get,
    path = "/api/v1/bookings/{code}",
    tag = "public",
    description = "Ticket, status, clinic, doctor, position, now serving, estimate; `step: {station, ticket, status, label, position, estimated_at, desk}` (the open step at a station, else null) and `journey: [...]` (every step). A registration-counter ticket's code follows the visit it became.",
    params(("code" = String, Path, description = "booking code (8 characters)")),
    responses(
        (status = 200, description = "Status, position, estimate (no names); a registration-counter ticket not yet in a polyclinic answers its step instead", body = views::BookingStatusOut),
        (status = 404, description = "Unknown code", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn booking_status(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = parse_code(&path)?;
    // A registration-counter ticket's code follows the visit it became.
    let tz = state.tz();
    Ok(HttpResponse::Ok().json(
        match registration::standing_by_code(&state, code.as_str().to_string()).await? {
            Ok(standing) => {
                views::BookingStatusOut::Visit(Box::new(views::standing(&standing, tz)))
            }
            Err(ticket) => {
                views::BookingStatusOut::CounterTicket(Box::new(views::counter_ticket(&ticket, tz)))
            }
        },
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CancelBody {
    pub birth_date: Option<String>,
    pub reason: Option<String>,
}

/// `POST /api/v1/bookings/{code}/cancel` — the birth date proves it is the patient.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{code}/cancel",
    tag = "public",
    params(("code" = String, Path, description = "booking code (8 characters)"), crate::openapi::Idempotency),
    request_body = crate::api::bookings::CancelBody,
    responses(
        (status = 200, description = "Cancelled", body = crate::service::booking::Cancelled),
        (status = 403, description = "Wrong birth date", body = crate::openapi::ErrorBody),
        (status = 404, description = "Unknown code", body = crate::openapi::ErrorBody),
        (status = 409, description = "Too late to cancel, or not waiting", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn cancel_booking(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let code = parse_code(&path)?;
    let parsed: CancelBody = parse_json(&body)?;
    let birth_date = parsed
        .birth_date
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .ok_or_else(|| {
            AppError::fields(vec![(
                "birth_date",
                Invalid::new(
                    "invalid_date",
                    "Isi tanggal lahir pasien (YYYY-MM-DD).",
                    "Give the patient's birth date (YYYY-MM-DD).",
                ),
            )])
        })?;
    let reason = parsed.reason.unwrap_or_default();
    let key = crate::http::idempotency_key(&req, &body)?;
    let answer = booking::cancel_by_patient(&state, code, birth_date, reason, key).await?;
    Ok(crate::http::respond(answer, StatusCode::OK))
}

/// `POST /api/v1/bookings/{code}/check-in` — at the kiosk or the counter, on the day.
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{code}/check-in",
    tag = "public",
    description = "Booked → waiting, on the day until the session ends; only a paired kiosk or staff (401 without either).",
    params(("code" = String, Path, description = "booking code (8 characters)"), crate::openapi::Idempotency),
    security(("kiosk_cookie" = []), ("kiosk_token" = []), ("staff_bearer" = []), ("staff_cookie" = [])),
    responses(
        (status = 200, description = "Checked in: the standing", body = views::StandingOut),
        (status = 404, description = "Unknown code", body = crate::openapi::ErrorBody),
        (status = 409, description = "Not today, or not waiting", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn check_in_booking(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let code = parse_code(&path)?;
    // Staff at the counter, or a paired kiosk: nobody else checks a booking in.
    let actor = match crate::auth::identify(&req).await? {
        Some((staff, _)) => staff.actor(),
        None => {
            crate::auth::identify_kiosk(&req).await?.ok_or_else(kiosks::unpaired)?;
            Actor::kiosk()
        }
    };
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::OK, move |conn| {
        let visit = queue::check_in_code(conn, &st, code.as_str(), &actor)?;
        let standing = queue::standing(conn, st.tz(), st.now(), visit)?;
        Ok(views::standing(&standing, st.tz()))
    })
    .await
}
