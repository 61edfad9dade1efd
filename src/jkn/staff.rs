//! `GET /api/v1/staff/bpjs/tasks` (admin): the reports to BPJS, what failed and why.
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::reports::{self, BpjsTask};
use super::schema::bpjs_tasks;
use crate::api::views;
use crate::app::AppState;
use crate::auth::{Role, Staff};
use crate::db;
use crate::db::schema::visits;
use crate::error::{AppError, AppResult};

#[derive(Debug, Deserialize)]
pub struct TaskQuery {
    /// pending, sent or failed; all when absent.
    pub status: Option<String>,
    pub limit: Option<i64>,
}

/// The newest reports with their visit's booking code and ticket, optionally of one status
/// (`pending`, `sent` or `failed`).
pub fn recent_tasks(
    c: &mut PgConnection,
    status: Option<String>,
    limit: i64,
) -> AppResult<Vec<(BpjsTask, String, String)>> {
    let mut q = bpjs_tasks::table
        .inner_join(visits::table)
        .select((BpjsTask::as_select(), visits::booking_code, visits::ticket))
        .order(bpjs_tasks::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(bpjs_tasks::status.eq(s));
    }
    Ok(q.load(c)?)
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
    let (counts, rows) =
        db::run(&state.pool, move |c| Ok((reports::counts(c)?, recent_tasks(c, status, limit)?)))
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
