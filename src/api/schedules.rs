//! Weekly practice schedules and their exceptions (leave, closure, extra sessions): parse,
//! call `service::schedules`, answer.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use serde::Deserialize;

use super::sessions::parse_date;
use super::{idempotent, parse_json};
use crate::app::AppState;
use crate::auth::Staff;
use crate::error::AppResult;
use crate::service::schedules::{self, ExceptionBody, ScheduleBody};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScheduleQuery {
    pub clinic: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/staff/schedules",
    tag = "schedules",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(crate::api::schedules::ScheduleQuery),
    responses(
        (status = 200, description = "Weekly schedules", body = Vec<crate::service::schedules::ScheduleOut>)
    ),
)]
pub async fn list_schedules(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ScheduleQuery>,
) -> AppResult<HttpResponse> {
    let rows = schedules::list(&state, staff.0, query.into_inner().clinic).await?;
    Ok(HttpResponse::Ok().json(rows))
}

async fn save(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    id: Option<i32>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    schedules::require_editor(&staff)?;
    let parsed: ScheduleBody = parse_json(&body)?;
    let valid = schedules::validate(&parsed, state.today())?;
    let st = state.get_ref().clone();
    let status = if id.is_some() { StatusCode::OK } else { StatusCode::CREATED };
    idempotent(&state, &req, &body, status, move |c| {
        schedules::save_schedule(c, &st, &staff, id, &parsed, valid)
    })
    .await
}

#[utoipa::path(
    post,
    path = "/api/v1/staff/schedules",
    tag = "schedules",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    request_body = crate::service::schedules::ScheduleBody,
    params(crate::openapi::Idempotency),
    responses(
        (status = 201, description = "The schedule", body = crate::service::schedules::ScheduleOut),
        (status = 409, description = "Overlaps another schedule of the doctor", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn create_schedule(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    save(state, staff, req, None, body).await
}

/// Change a schedule; future sessions follow (see `service::schedules::save_schedule`).
#[utoipa::path(
    put,
    path = "/api/v1/staff/schedules/{id}",
    tag = "schedules",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("id" = i32, Path, description = "schedule id"), crate::openapi::Idempotency),
    request_body = crate::service::schedules::ScheduleBody,
    responses(
        (status = 200, description = "The schedule; future sessions follow", body = crate::service::schedules::ScheduleOut),
        (status = 409, description = "Overlaps, or below bookings already made", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn update_schedule(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<i32>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    save(state, staff, req, Some(path.into_inner()), body).await
}

/// End a schedule from today.
#[utoipa::path(
    delete,
    path = "/api/v1/staff/schedules/{id}",
    tag = "schedules",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("id" = i32, Path, description = "schedule id"), crate::openapi::Idempotency),
    responses(
        (status = 200, description = "Ended from today: `{id, valid_until, removed_sessions, kept_sessions}`", body = crate::service::schedules::EndedSchedule)
    ),
)]
pub async fn end_schedule(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    schedules::require_editor(&staff)?;
    let (id, today, now) = (path.into_inner(), state.today(), state.now());
    idempotent(&state, &req, &[], StatusCode::OK, move |c| {
        schedules::end_schedule(c, &staff, id, today, now)
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExceptionQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/staff/exceptions",
    tag = "schedules",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(crate::api::schedules::ExceptionQuery),
    responses(
        (status = 200, description = "Leaves, closures and extra sessions in the range", body = Vec<crate::service::schedules::ExceptionOut>)
    ),
)]
pub async fn list_exceptions(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ExceptionQuery>,
) -> AppResult<HttpResponse> {
    let from = query.from.as_deref().map(parse_date).transpose()?.unwrap_or(state.today());
    let to = query
        .to
        .as_deref()
        .map(parse_date)
        .transpose()?
        .unwrap_or(from + chrono::Duration::days(60));
    let rows = schedules::list_exceptions(&state, staff.0, from, to).await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// Leave or closure: cancel the matching sessions of that date and the visits in them.
/// Extra: a one-off session. `dry_run` reports how many patients it would affect.
#[utoipa::path(
    post,
    path = "/api/v1/staff/exceptions",
    tag = "schedules",
    description = "Leave or closure: cancels the matching sessions of that date and the visits in them (patients told). Extra: a one-off session. `dry_run: true` only counts the patients affected (200).",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    request_body = crate::service::schedules::ExceptionBody,
    params(crate::openapi::Idempotency),
    responses(
        (status = 200, description = "`dry_run`: `{dry_run: true, sessions, visits}`, how many sessions and patients it would affect", body = crate::service::schedules::ExceptionOutcome),
        (status = 201, description = "Applied: the exception with `cancelled_sessions` and `cancelled_visits`; patients told", body = crate::service::schedules::ExceptionOut),
        (status = 409, description = "Conflicts with an existing session", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn create_exception(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    schedules::require_editor(&staff)?;
    let parsed: ExceptionBody = parse_json(&body)?;
    let (kind, date) = schedules::check_exception(&parsed, state.today())?;
    let st = state.get_ref().clone();
    let status = if parsed.dry_run { StatusCode::OK } else { StatusCode::CREATED };
    idempotent(&state, &req, &body, status, move |c| {
        schedules::apply_exception(c, &st, &staff, &parsed, kind, date)
    })
    .await
}

/// Remove an exception.
#[utoipa::path(
    delete,
    path = "/api/v1/staff/exceptions/{id}",
    tag = "schedules",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("id" = i32, Path, description = "exception id"), crate::openapi::Idempotency),
    responses(
        (status = 200, description = "Removed: `{deleted}` (the exception id)", body = crate::service::schedules::Deleted)
    ),
)]
pub async fn delete_exception(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    schedules::require_editor(&staff)?;
    let id = path.into_inner();
    let st = state.get_ref().clone();
    idempotent(&state, &req, &[], StatusCode::OK, move |c| {
        schedules::remove_exception(c, &st, &staff, id)
    })
    .await
}
