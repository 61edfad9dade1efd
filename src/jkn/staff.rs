//! `GET /api/v1/staff/bpjs/tasks` (admin): the reports to BPJS, what failed and why.
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

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

#[utoipa::path(
    get,
    path = "/api/v1/staff/bpjs/tasks",
    tag = "national",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(crate::jkn::staff::TaskQuery),
    responses(
        (status = 200, description = "Task-time reports to BPJS with their status", body = serde_json::Value)
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
    let tasks: Vec<Value> = lists
        .pop()
        .unwrap_or_default()
        .into_iter()
        .map(|(t, code, ticket)| {
            json!({
                "id": t.id,
                "visit_id": t.visit_id,
                "kodebooking": code,
                "ticket": ticket,
                "kind": t.kind,
                "taskid": t.taskid,
                "waktu": t.waktu,
                "status": t.status,
                "attempts": t.attempts,
                "next_attempt_at": (t.status == JobStatus::Pending).then(|| views::time(t.run_at, tz)),
                "last_error": t.last_error,
                "created_at": views::time(t.created_at, tz),
                "sent_at": at(t.sent_at),
            })
        })
        .collect();
    let counts: Map<String, Value> =
        counts.into_iter().map(|(k, n)| (k.as_str().to_string(), json!(n))).collect();
    Ok(HttpResponse::Ok().json(json!({
        "configured": state.settings.jkn.bpjs.is_some(),
        "counts": counts,
        "tasks": tasks,
    })))
}
