//! Staff view of the outbox: recent jobs with their status, attempts and last error, and a
//! retry for dead ones. Admins see everything; clinic staff the jobs of their clinics.
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::{Role, Staff};
use crate::db::notifications::{self, Job};
use crate::db::{self, PgConnection};
use crate::error::{AppError, AppResult};

/// The newest jobs (not the internal ones) with their visit's ticket and booking code,
/// optionally of one status and of some clinics only.
pub use crate::db::notifications::recent as recent_jobs;

/// Routes of this module; registered before the `/api/v1` scope, whose fallback would
/// otherwise answer 404.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/staff/notifications", web::get().to(list_notifications))
        .route("/api/v1/staff/notifications/{id}/retry", web::post().to(retry_notification));
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub limit: Option<i64>,
}

fn job_json(job: &Job, ticket: Option<&str>, booking_code: Option<&str>) -> Value {
    json!({
        "id": job.id,
        "kind": job.kind,
        "channel": job.channel,
        "recipient": job.recipient,
        "status": job.status,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "last_error": job.last_error,
        "run_at": job.run_at,
        "sent_at": job.sent_at,
        "created_at": job.created_at,
        "visit_id": job.visit_id,
        "ticket": ticket,
        "booking_code": booking_code,
    })
}

/// The clinics whose jobs `staff` may see: all (`None`) for admins, their own for clinic
/// accounts; registration desks see none.
pub fn may_see(staff: &Staff) -> AppResult<Option<Vec<i32>>> {
    match staff.role {
        Role::Admin => Ok(None),
        Role::Clinic => Ok(Some(staff.clinic_ids.clone())),
        Role::Registration => Err(AppError::forbidden()),
    }
}

/// A `?status=` filter: empty means all; anything but the four statuses is refused.
pub fn parse_status(status: Option<&str>) -> AppResult<Option<String>> {
    match status.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) if ["pending", "sent", "failed", "dead"].contains(&s) => Ok(Some(s.to_string())),
        Some(_) => Err(AppError::bad_request(
            "invalid_status",
            "Status harus pending, sent, failed atau dead.",
            "Status must be pending, sent, failed or dead.",
        )),
    }
}

/// Give a dead job a fresh set of attempts, if it belongs to one of `clinics` (all when
/// `None`). Unknown or invisible → 404; not dead → 409.
pub fn retry_job(
    c: &mut PgConnection,
    clinics: Option<Vec<i32>>,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<Job> {
    let clinic = notifications::clinic_of(c, id)?;
    let visible = clinic.is_some_and(|cl| clinics.as_ref().is_none_or(|ids| ids.contains(&cl)));
    if !visible {
        return Err(AppError::not_found(
            "unknown_notification",
            "Notifikasi tidak ditemukan.",
            "Notification not found.",
        ));
    }
    notifications::revive(c, id, now)?.ok_or_else(|| {
        AppError::conflict(
            "not_dead",
            "Hanya notifikasi yang gagal total (dead) yang dapat dikirim ulang.",
            "Only notifications that have given up (dead) can be retried.",
        )
    })
}

/// `GET /api/v1/staff/notifications?status=dead&limit=100`: newest first.
pub async fn list_notifications(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let clinics = may_see(&staff)?;
    let status = parse_status(query.status.as_deref())?;
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    let rows = db::run(&state.pool, move |c| {
        let rows = recent_jobs(c, status, clinics, limit)?;
        Ok(rows.iter().map(|(j, t, b)| job_json(j, Some(t), Some(b))).collect::<Vec<_>>())
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "jobs": rows })))
}

/// `POST /api/v1/staff/notifications/{id}/retry`: a dead job gets a fresh set of attempts.
pub async fn retry_notification(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let clinics = may_see(&staff)?;
    let id = path.into_inner();
    let now = state.now();
    let body = db::transaction(&state.pool, move |c| {
        retry_job(c, clinics, id, now).map(|job| job_json(&job, None, None))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}
