//! Complaints: filed by anyone (`POST /api/v1/complaints`), followed by code, handled by
//! staff; holidays for the five-working-day rule (admin). Feedback after a visit.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{idempotent, parse_json};
use crate::app::AppState;
use crate::auth::Staff;
use crate::domain::complaints::ComplaintChannel;
use crate::error::{AppError, AppResult};
use crate::service::complaints::{self, ComplaintBody, ListQuery, ResponseBody};
use crate::service::feedback::{self, FeedbackBody};

/// `POST /api/v1/complaints` → 201 `{code, status, due_at}`.
#[utoipa::path(
    post,
    path = "/api/v1/complaints",
    tag = "public",
    request_body = crate::service::complaints::ComplaintBody,
    params(crate::openapi::Idempotency),
    responses(
        (status = 201, description = "`{code, status, due_at}`", body = crate::service::complaints::Filed)
    ),
)]
pub async fn file_complaint(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let mut parsed: ComplaintBody = parse_json(&body)?;
    parsed.clinic = None;
    if parsed.language.is_none() && crate::i18n::lang_of(&req).is_en() {
        parsed.language = Some("en".into());
    }
    // `"channel": "kiosk"` from a paired hall kiosk (its device cookie): channel `kiosk`.
    #[derive(Deserialize)]
    struct Said {
        channel: Option<String>,
    }
    let said = serde_json::from_slice::<Said>(&body).ok().and_then(|s| s.channel);
    let from_kiosk =
        said.as_deref() == Some("kiosk") && crate::auth::identify_kiosk(&req).await?.is_some();
    let channel = if from_kiosk { ComplaintChannel::Kiosk } else { ComplaintChannel::Web };
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::CREATED, move |conn| {
        complaints::file(conn, &st, &parsed, channel, None)
    })
    .await
}

/// `GET /api/v1/complaints/{code}` → `{code, status, due_at, overdue, responses[]}`.
#[utoipa::path(
    get,
    path = "/api/v1/complaints/{code}",
    tag = "public",
    params(("code" = String, Path, description = "complaint code")),
    responses(
        (status = 200, description = "`{code, category, status, received_at, due_at, overdue, responses[]}` (no contact, no text)", body = crate::service::complaints::PublicComplaint),
        (status = 404, description = "Unknown code", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn complaint_status(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = complaints::parse_code(&path)?;
    Ok(HttpResponse::Ok().json(complaints::public_view(&state, code).await?))
}

/// `GET /api/v1/staff/complaints?status=&clinic=&overdue=`
#[utoipa::path(
    get,
    path = "/api/v1/staff/complaints",
    tag = "complaints",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(crate::service::complaints::ListQuery),
    responses(
        (status = 200, description = "Complaints, newest first", body = Vec<crate::service::complaints::StaffComplaint>)
    ),
)]
pub async fn list_complaints(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(complaints::list(&state, &staff, q.into_inner()).await?))
}

/// `POST /api/v1/staff/complaints` — a complaint made in person or by phone.
#[utoipa::path(
    post,
    path = "/api/v1/staff/complaints",
    tag = "complaints",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    request_body = crate::service::complaints::ComplaintBody,
    params(crate::openapi::Idempotency),
    responses(
        (status = 201, description = "`{code, status, due_at}`", body = crate::service::complaints::Filed)
    ),
)]
pub async fn enter_complaint(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let parsed: ComplaintBody = parse_json(&body)?;
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::CREATED, move |conn| {
        complaints::file(conn, &st, &parsed, ComplaintChannel::Staff, Some(&staff))
    })
    .await
}

/// `GET /api/v1/staff/complaints/{code}` — with text, contact and responses.
#[utoipa::path(
    get,
    path = "/api/v1/staff/complaints/{code}",
    tag = "complaints",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("code" = String, Path, description = "complaint code")),
    responses(
        (status = 200, description = "With text, contact and responses", body = crate::service::complaints::StaffDetail)
    ),
)]
pub async fn complaint_detail(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = complaints::parse_code(&path)?;
    Ok(HttpResponse::Ok().json(complaints::detail(&state, &staff, code).await?))
}

/// `POST /api/v1/staff/complaints/{code}/responses` `{message, status?}`.
#[utoipa::path(
    post,
    path = "/api/v1/staff/complaints/{code}/responses",
    tag = "complaints",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("code" = String, Path, description = "complaint code"), crate::openapi::Idempotency),
    request_body = crate::service::complaints::ResponseBody,
    responses(
        (status = 200, description = "The complaint with the response", body = crate::service::complaints::StaffDetail),
        (status = 409, description = "Closed already", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn respond_to_complaint(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let code = complaints::parse_code(&path)?;
    let parsed: ResponseBody = parse_json(&body)?;
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::OK, move |conn| {
        complaints::respond(conn, &st, &staff, &code, &parsed)
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    pub month: Option<String>,
}

/// `GET /api/v1/staff/complaints-summary?month=YYYY-MM`
#[utoipa::path(
    get,
    path = "/api/v1/staff/complaints-summary",
    tag = "complaints",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(crate::api::complaints::MonthQuery),
    responses(
        (status = 200, description = "Counts of the month by category: `{month, lines, total}`", body = crate::service::complaints::MonthlySummary)
    ),
)]
pub async fn complaint_summary(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<MonthQuery>,
) -> AppResult<HttpResponse> {
    let day = match q.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        None => state.today(),
        Some(m) => NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").map_err(|_| {
            AppError::unprocessable(
                "invalid_month",
                "Bulan harus berformat YYYY-MM.",
                "The month must be written YYYY-MM.",
            )
        })?,
    };
    Ok(HttpResponse::Ok().json(complaints::monthly(&state, &staff, day).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct HolidayBody {
    pub date: Option<String>,
    pub name: Option<String>,
}

fn holiday_date(s: Option<&str>) -> AppResult<NaiveDate> {
    s.and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok()).ok_or_else(|| {
        AppError::unprocessable(
            "invalid_date",
            "Tanggal harus berformat YYYY-MM-DD.",
            "The date must be written YYYY-MM-DD.",
        )
    })
}

/// `GET /api/v1/staff/holidays` — from today on.
#[utoipa::path(
    get,
    path = "/api/v1/staff/holidays",
    tag = "complaints",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    responses(
        (status = 200, description = "Holidays from a year ago on", body = Vec<crate::service::complaints::Holiday>)
    ),
)]
pub async fn list_holidays(state: web::Data<AppState>, _staff: Staff) -> AppResult<HttpResponse> {
    let from = state.today() - chrono::Duration::days(366);
    Ok(HttpResponse::Ok().json(complaints::holidays(&state, from).await?))
}

/// `POST /api/v1/staff/holidays` `{date, name}` (admin).
#[utoipa::path(
    post,
    path = "/api/v1/staff/holidays",
    tag = "complaints",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    request_body = crate::api::complaints::HolidayBody,
    responses(
        (status = 201, description = "The holiday", body = crate::service::complaints::Holiday)
    ),
)]
pub async fn put_holiday(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let parsed: HolidayBody = parse_json(&body)?;
    let date = holiday_date(parsed.date.as_deref())?;
    let name = parsed.name.unwrap_or_default();
    Ok(HttpResponse::Created().json(complaints::put_holiday(&state, &staff, date, name).await?))
}

/// The answer to a holiday removal.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct HolidaysDeleted {
    pub deleted: usize,
}

/// `DELETE /api/v1/staff/holidays/{date}` (admin).
#[utoipa::path(
    delete,
    path = "/api/v1/staff/holidays/{date}",
    tag = "complaints",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses(
        (status = 200, description = "`{deleted}`: how many holidays were removed (0 or 1)", body = HolidaysDeleted)
    ),
)]
pub async fn delete_holiday(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let date = holiday_date(Some(&path))?;
    let n = complaints::delete_holiday(&state, &staff, date).await?;
    Ok(HttpResponse::Ok().json(HolidaysDeleted { deleted: n }))
}

/// `POST /api/v1/feedback` `{booking_code, rating, categories?, comment?}` → 201.
#[utoipa::path(
    post,
    path = "/api/v1/feedback",
    tag = "public",
    request_body = crate::service::feedback::FeedbackBody,
    params(crate::openapi::Idempotency),
    responses(
        (status = 201, description = "The rating recorded", body = crate::service::feedback::Given),
        (status = 404, description = "Unknown booking code", body = crate::openapi::ErrorBody),
        (status = 409, description = "Not finished yet, or rated already", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn give_feedback(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let parsed: FeedbackBody = parse_json(&body)?;
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::CREATED, move |conn| {
        feedback::give(conn, &st, &parsed)
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedbackQuery {
    pub clinic: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// `GET /api/v1/staff/feedback?clinic=&from=&to=` — ratings with comments (admins, and
/// staff of that clinic).
#[utoipa::path(
    get,
    path = "/api/v1/staff/feedback",
    tag = "complaints",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(crate::api::complaints::FeedbackQuery),
    responses(
        (status = 200, description = "Ratings with comments", body = Vec<crate::service::feedback::StaffFeedback>)
    ),
)]
pub async fn clinic_feedback(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<FeedbackQuery>,
) -> AppResult<HttpResponse> {
    let range =
        crate::service::open_data::Range::parse(q.from.as_deref(), q.to.as_deref(), state.today())?;
    let list =
        feedback::for_clinic(&state, &staff, q.clinic.clone(), (range.from, range.to)).await?;
    Ok(HttpResponse::Ok().json(list))
}
