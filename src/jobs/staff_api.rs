//! Staff view of the outbox: recent jobs with their status, attempts and last error, and a
//! retry for dead ones (`service::notifications` decides who sees what).
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::auth::Staff;
use crate::db::notifications::Job;
use crate::domain::kinds::JobStatus;
use crate::error::AppResult;
use crate::http::idempotent;
use crate::service::notifications;

/// Routes of this module; registered before the `/api/v1` scope, whose fallback would
/// otherwise answer 404.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/staff/notifications", web::get().to(list_notifications))
        .route("/api/v1/staff/notifications/{id}/retry", web::post().to(retry_notification));
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub status: Option<String>,
    pub limit: Option<i64>,
}

/// A patient message in the outbox. Its times are UTC (`...Z`, chrono's RFC 3339), unlike
/// the other staff answers, which carry the hospital's offset; kept as sent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobOut {
    pub id: i64,
    pub kind: String,
    /// `email` or `sms`.
    pub channel: String,
    pub recipient: String,
    pub status: JobStatus,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub run_at: DateTime<Utc>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<DateTime<Utc>>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    pub visit_id: Option<i64>,
    /// The visit's ticket and booking code (null in the answer to a retry).
    pub ticket: Option<String>,
    pub booking_code: Option<String>,
}

/// `GET /api/v1/staff/notifications`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobsOut {
    pub jobs: Vec<JobOut>,
}

fn job_json(job: &Job, ticket: Option<&str>, booking_code: Option<&str>) -> JobOut {
    JobOut {
        id: job.id,
        kind: job.kind.clone(),
        channel: job.channel.clone(),
        recipient: job.recipient.clone(),
        status: job.status,
        attempts: job.attempts,
        max_attempts: job.max_attempts,
        last_error: job.last_error.clone(),
        run_at: job.run_at,
        sent_at: job.sent_at,
        created_at: job.created_at,
        visit_id: job.visit_id,
        ticket: ticket.map(str::to_string),
        booking_code: booking_code.map(str::to_string),
    }
}

/// `GET /api/v1/staff/notifications?status=dead&limit=100`: newest first.
#[utoipa::path(
    get,
    path = "/api/v1/staff/notifications",
    tag = "admin",
    description = "Recent patient messages: kind, channel, recipient, status, attempts, last error. Admins, and clinic staff for their clinics.",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(crate::jobs::staff_api::ListQuery),
    responses(
        (status = 200, description = "`{jobs}`: newest first, with status, attempts, last error", body = JobsOut)
    ),
)]
pub async fn list_notifications(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    notifications::visible_clinics(&staff)?;
    let status = notifications::parse_status(query.status.as_deref(), JobStatus::ALL)?;
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    let rows = notifications::recent(&state, &staff, status, limit).await?;
    let jobs: Vec<JobOut> = rows.iter().map(|(j, t, b)| job_json(j, Some(t), Some(b))).collect();
    Ok(HttpResponse::Ok().json(JobsOut { jobs }))
}

/// `POST /api/v1/staff/notifications/{id}/retry`: a dead job gets a fresh set of attempts.
#[utoipa::path(
    post,
    path = "/api/v1/staff/notifications/{id}/retry",
    tag = "admin",
    description = "A dead message gets a fresh set of attempts (409 `not_dead` otherwise). Admins, and clinic staff for their clinics.",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("id" = i64, Path, description = "job id"), crate::openapi::Idempotency),
    responses(
        (status = 200, description = "The job with a fresh set of attempts (`ticket`, `booking_code` null)", body = JobOut),
        (status = 409, description = "Not a dead job", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn retry_notification(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    notifications::visible_clinics(&staff)?;
    let (id, st) = (path.into_inner(), state.get_ref().clone());
    idempotent(&state, &req, &body, StatusCode::OK, move |c| {
        notifications::retry(c, &st, &staff, id).map(|job| job_json(&job, None, None))
    })
    .await
}
