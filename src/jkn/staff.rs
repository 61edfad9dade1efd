//! `GET /api/v1/staff/bpjs/tasks` (admin): the reports to BPJS, what failed and why.
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::views;
use crate::app::AppState;
use crate::auth::{Role, Staff};
use crate::db::{self, bpjs_tasks};
use crate::error::{AppError, AppResult};

/// The newest reports with their visit's booking code and ticket (`pages::console` reads
/// them through this name).
pub use crate::db::bpjs_tasks::recent as recent_tasks;

#[derive(Debug, Deserialize)]
pub struct TaskQuery {
    /// pending, sent or failed; all when absent.
    pub status: Option<String>,
    pub limit: Option<i64>,
}

pub async fn list_tasks(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<TaskQuery>,
) -> AppResult<HttpResponse> {
    staff.require(&[Role::Admin])?;
    let status = query.status.clone();
    if let Some(s) = &status
        && !["pending", "sent", "failed"].contains(&s.as_str())
    {
        return Err(AppError::bad_request(
            "invalid_status",
            "Status harus pending, sent atau failed.",
            "Status must be pending, sent or failed.",
        ));
    }
    let limit = query.limit.unwrap_or(200).clamp(1, 1000);
    let tz = state.tz();
    let (counts, rows) = db::run(&state.pool, move |c| {
        Ok((bpjs_tasks::counts(c)?, bpjs_tasks::recent(c, status, limit)?))
    })
    .await?;
    let at = |t: Option<DateTime<Utc>>| t.map(|t| views::time(t, tz));
    let tasks: Vec<Value> = rows
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
                "next_attempt_at": (t.status == "pending").then(|| views::time(t.run_at, tz)),
                "last_error": t.last_error,
                "created_at": views::time(t.created_at, tz),
                "sent_at": at(t.sent_at),
            })
        })
        .collect();
    let counts: Map<String, Value> = counts.into_iter().map(|(k, n)| (k, json!(n))).collect();
    Ok(HttpResponse::Ok().json(json!({
        "configured": state.settings.jkn.bpjs.is_some(),
        "counts": counts,
        "tasks": tasks,
    })))
}
