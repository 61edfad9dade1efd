//! Patients help themselves (issue 14): find bookings by identity, move a booking, check
//! in at the kiosk by NIK/BPJS number, join a full session's waitlist, claim an offer,
//! and the SMS/WhatsApp gateway's incoming messages.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use serde::Deserialize;

use super::{parse_json, views};
use crate::app::AppState;
use crate::auth::Kiosk;
use crate::domain::Invalid;
use crate::domain::staff::Actor;
use crate::error::{AppError, AppResult};
use crate::http::{idempotency_key, respond};
use crate::service::intake::{self, BookingBody};
use crate::service::queue::parse_code;
use crate::service::self_service::{self, Identity};
use crate::service::{replies, waitlist, waitlist_leave};

/// The routes of this module, inside `/api/v1` (before `/bookings/{code}`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/bookings/lookup", web::post().to(lookup_bookings))
        .route("/bookings/{code}/reschedule", web::post().to(reschedule_booking))
        .route("/kiosk/check-in", web::post().to(kiosk_check_in))
        .route("/sessions/{id}/waitlist", web::post().to(join_waitlist))
        .route("/waitlist/offers/{token}/claim", web::post().to(claim_offer))
        .route("/waitlist/{code}/leave", web::post().to(leave_waitlist))
        .route("/gateway/inbound", web::post().to(gateway_inbound));
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct IdentityBody {
    pub nik: Option<String>,
    pub bpjs_no: Option<String>,
    pub birth_date: Option<String>,
}

impl IdentityBody {
    fn identity(&self) -> AppResult<Identity> {
        Identity::parse(self.nik.as_deref(), self.bpjs_no.as_deref(), self.birth_date.as_deref())
    }
}

/// `POST /api/v1/bookings/lookup {nik | bpjs_no, birth_date}`
#[utoipa::path(
    post,
    path = "/api/v1/bookings/lookup",
    tag = "public",
    request_body = crate::api::self_service::IdentityBody,
    responses(
        (status = 200, description = "The patient's current bookings (codes, sessions, status)", body = Vec<crate::service::self_service::FoundBooking>),
        (status = 404, description = "Nothing found for this identity", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn lookup_bookings(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let parsed: IdentityBody = parse_json(&body)?;
    let found = self_service::lookup(&state, parsed.identity()?).await?;
    Ok(HttpResponse::Ok().json(found))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RescheduleBody {
    pub birth_date: Option<String>,
    pub session_id: Option<i32>,
}

/// `POST /api/v1/bookings/{code}/reschedule {birth_date, session_id}`
#[utoipa::path(
    post,
    path = "/api/v1/bookings/{code}/reschedule",
    tag = "public",
    params(("code" = String, Path, description = "booking code (8 characters)"), crate::openapi::Idempotency),
    request_body = crate::api::self_service::RescheduleBody,
    responses(
        (status = 200, description = "Moved: the new booking", body = crate::service::self_service::Moved),
        (status = 403, description = "Wrong birth date", body = crate::openapi::ErrorBody),
        (status = 404, description = "Unknown code or session", body = crate::openapi::ErrorBody),
        (status = 409, description = "Full, closed, too late, or not movable", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn reschedule_booking(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let code = parse_code(&path)?;
    let parsed: RescheduleBody = parse_json(&body)?;
    let birth = parsed
        .birth_date
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok());
    let mut problems = Vec::new();
    if birth.is_none() {
        problems.push((
            "birth_date",
            Invalid::new(
                "invalid_date",
                "Isi tanggal lahir pasien (YYYY-MM-DD).",
                "Give the patient's birth date (YYYY-MM-DD).",
            ),
        ));
    }
    if parsed.session_id.is_none() {
        problems.push((
            "session_id",
            Invalid::new("required", "Pilih jadwal baru.", "Choose the new session."),
        ));
    }
    let (Some(birth), Some(session_id)) = (birth, parsed.session_id) else {
        return Err(AppError::fields(problems));
    };
    let key = idempotency_key(&req, &body)?;
    let answer = self_service::reschedule(&state, code, birth, session_id, key).await?;
    Ok(respond(answer, StatusCode::OK))
}

/// `POST /api/v1/kiosk/check-in {nik | bpjs_no, birth_date}` — a paired kiosk checks in
/// today's bookings of the patient (a scanned BPJS card number works as typed).
#[utoipa::path(
    post,
    path = "/api/v1/kiosk/check-in",
    tag = "kiosk",
    security(("kiosk_cookie" = []), ("kiosk_token" = [])),
    request_body = crate::api::self_service::IdentityBody,
    responses(
        (status = 200, description = "Today's bookings of the patient, checked in (standings)", body = Vec<views::StandingOut>),
        (status = 404, description = "No booking today for this identity", body = crate::openapi::ErrorBody),
        (status = 409, description = "Not checkable now", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn kiosk_check_in(
    state: web::Data<AppState>,
    Kiosk(_device): Kiosk,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let parsed: IdentityBody = parse_json(&body)?;
    let list =
        self_service::check_in_by_identity(&state, parsed.identity()?, Actor::kiosk()).await?;
    let tz = state.tz();
    let out: Vec<_> = list.iter().map(|s| views::standing(s, tz)).collect();
    Ok(HttpResponse::Ok().json(out))
}

/// `POST /api/v1/sessions/{id}/waitlist {payer, patient{…}}` → 201 `{waitlist_code, position}`
#[utoipa::path(
    post,
    path = "/api/v1/sessions/{id}/waitlist",
    tag = "public",
    params(("id" = i32, Path, description = "session id"), crate::openapi::Idempotency),
    request_body = crate::service::intake::BookingBody,
    responses(
        (status = 201, description = "`{waitlist_code, position, session_id}`", body = crate::service::waitlist::Joined),
        (status = 404, description = "No such session", body = crate::openapi::ErrorBody),
        (status = 409, description = "Not full, closed, or already waiting", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn join_waitlist(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i32>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let mut parsed: BookingBody = parse_json(&body)?;
    parsed.session_id = Some(path.into_inner());
    let valid = intake::validate(&parsed, state.today())?;
    let key = idempotency_key(&req, &body)?;
    let answer = waitlist::join(&state, valid, key).await?;
    Ok(respond(answer, StatusCode::CREATED))
}

/// `POST /api/v1/waitlist/offers/{token}/claim`
#[utoipa::path(
    post,
    path = "/api/v1/waitlist/offers/{token}/claim",
    tag = "public",
    params(("token" = String, Path, description = "the offer's token from the message"), crate::openapi::Idempotency),
    responses(
        (status = 201, description = "The booking made from the offer", body = crate::service::waitlist::Claimed),
        (status = 404, description = "Unknown offer", body = crate::openapi::ErrorBody),
        (status = 409, description = "Offer expired or taken", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn claim_offer(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let key = idempotency_key(&req, &body)?;
    let answer = waitlist::claim(&state, path.into_inner(), key).await?;
    Ok(respond(answer, StatusCode::CREATED))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LeaveBody {
    pub birth_date: Option<String>,
}

/// `POST /api/v1/waitlist/{code}/leave {birth_date}` — leave a session's waitlist; an
/// offered place the entry held goes on to the next in line.
#[utoipa::path(post, path = "/api/v1/waitlist/{code}/leave", tag = "public", params(("code" = String, Path, description = "Waitlist code (8 characters)")), request_body(content = LeaveBody, description = "{birth_date: YYYY-MM-DD}"), responses((status = 200, description = "{waitlist_code, status: left, place_passed_on}", body = crate::service::waitlist_leave::Left), (status = 404, description = "waitlist_not_found (unknown code or wrong birth date)", body = crate::openapi::ErrorBody), (status = 409, description = "waitlist_not_in_line", body = crate::openapi::ErrorBody), (status = 422, description = "invalid_date", body = crate::openapi::ErrorBody), (status = 429, description = "too_many_attempts", body = crate::openapi::ErrorBody)))]
pub async fn leave_waitlist(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let code = waitlist_leave::parse_code(&path)?;
    let parsed: LeaveBody = parse_json(&body)?;
    let birth = parsed
        .birth_date
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
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
    Ok(HttpResponse::Ok().json(waitlist_leave::leave(&state, code, birth).await?))
}

/// A message the SMS/WhatsApp gateway received.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct InboundBody {
    /// The sender's number.
    pub from: Option<String>,
    /// The message.
    pub text: Option<String>,
}

/// `POST /api/v1/gateway/inbound {from, text}`, signed `X-Sipoli-Signature` (hex
/// HMAC-SHA256 of the body with `SIPOLI_WEBHOOK_SECRET`, as the outgoing webhooks).
#[utoipa::path(
    post,
    path = "/api/v1/gateway/inbound",
    tag = "gateway",
    security(("gateway_signature" = [])),
    request_body(content = InboundBody, description = "`{from, text}`: the sender's number and the message"),
    responses(
        (status = 200, description = "What the reply did", body = crate::service::replies::Handled),
        (status = 401, description = "Missing or wrong signature", body = crate::openapi::ErrorBody),
        (status = 503, description = "No webhook secret configured", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn gateway_inbound(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let signature =
        req.headers().get("X-Sipoli-Signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    replies::verify(&state, &body, signature)?;
    let parsed: InboundBody = parse_json(&body)?;
    let handled =
        replies::handle(&state, parsed.from.unwrap_or_default(), parsed.text.unwrap_or_default())
            .await?;
    Ok(HttpResponse::Ok().json(handled))
}
