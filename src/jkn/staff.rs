//! `GET /api/v1/staff/bpjs/tasks` (admin): the reports to BPJS, what failed and why.
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::auth::Staff;
use crate::domain::kinds::JobStatus;
use crate::error::AppResult;
use crate::http::views;
use crate::service::notifications;

/// The statuses a report can have.
const TASK_STATUSES: &[JobStatus] = &[JobStatus::Pending, JobStatus::Sent, JobStatus::Failed];

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    /// pending, sent or failed; all when absent.
    pub status: Option<String>,
    pub limit: Option<i64>,
}

/// A task-time report to BPJS (`updatewaktu`, `batal`...).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TaskOut {
    pub id: i64,
    pub visit_id: i64,
    pub kodebooking: String,
    pub ticket: String,
    pub kind: String,
    pub taskid: Option<i16>,
    /// The task's time, milliseconds since the epoch (as BPJS takes it).
    pub waktu: i64,
    pub status: JobStatus,
    pub attempts: i32,
    /// When a pending report is tried next; null otherwise.
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// The reports to BPJS: whether BPJS is configured, counts per status, the list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TasksOut {
    pub configured: bool,
    /// Reports per status (`pending`, `sent`, `failed`).
    pub counts: std::collections::BTreeMap<String, i64>,
    pub tasks: Vec<TaskOut>,
}

#[utoipa::path(
    get,
    path = "/api/v1/staff/bpjs/tasks",
    tag = "national",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(crate::jkn::staff::TaskQuery),
    responses(
        (status = 200, description = "Task-time reports to BPJS with their status", body = TasksOut)
    ),
)]
pub async fn list_tasks(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<TaskQuery>,
) -> AppResult<HttpResponse> {
    notifications::require_bpjs_viewer(&staff)?;
    let status = notifications::parse_status(query.status.as_deref(), TASK_STATUSES)?;
    let limit = query.limit.unwrap_or(200).clamp(1, 1000);
    let tz = state.tz();
    let (counts, mut lists) =
        notifications::bpjs_tasks(&state, &staff, vec![status], limit).await?;
    let at = |t: Option<DateTime<Utc>>| t.map(|t| views::time(t, tz));
    let tasks: Vec<TaskOut> = lists
        .pop()
        .unwrap_or_default()
        .into_iter()
        .map(|(t, code, ticket)| TaskOut {
            id: t.id,
            visit_id: t.visit_id,
            kodebooking: code,
            ticket,
            kind: t.kind,
            taskid: t.taskid,
            waktu: t.waktu,
            status: t.status,
            attempts: t.attempts,
            next_attempt_at: (t.status == JobStatus::Pending).then(|| views::time(t.run_at, tz)),
            last_error: t.last_error,
            created_at: views::time(t.created_at, tz),
            sent_at: at(t.sent_at),
        })
        .collect();
    Ok(HttpResponse::Ok().json(TasksOut {
        configured: state.settings.jkn.bpjs.is_some(),
        counts: counts.into_iter().map(|(k, n)| (k.as_str().to_string(), n)).collect(),
        tasks,
    }))
}
