//! `GET /api/v1/sessions`, `GET /api/v1/sessions/{id}/queue`
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use super::views;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::service;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionQuery {
    pub date: Option<String>,
    pub clinic: Option<String>,
}

pub fn parse_date(s: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::bad_request(
            "invalid_date",
            "Tanggal harus berformat YYYY-MM-DD.",
            "Dates must be written YYYY-MM-DD.",
        )
    })
}

/// Sessions of a date (default: today in the hospital's zone), created from the weekly
/// schedules on first look.
#[utoipa::path(
    get,
    path = "/api/v1/sessions",
    tag = "public",
    params(crate::api::sessions::SessionQuery),
    responses(
        (status = 200, description = "Sessions of the day with quota and places left", body = serde_json::Value)
    ),
)]
pub async fn list_sessions(
    state: web::Data<AppState>,
    query: web::Query<SessionQuery>,
) -> AppResult<HttpResponse> {
    let date = match &query.date {
        Some(d) => parse_date(d)?,
        None => state.today(),
    };
    let tz = state.tz();
    let list = service::sessions::of_date(&state, date, query.clinic.clone()).await?;
    let body: Vec<_> = list.iter().map(|s| views::session(s, tz)).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// The public queue of a session: tickets only.
#[utoipa::path(
    get,
    path = "/api/v1/sessions/{id}/queue",
    tag = "public",
    params(("id" = i32, Path, description = "session id")),
    responses(
        (status = 200, description = "Now serving and waiting, ticket numbers only", body = serde_json::Value),
        (status = 404, description = "No such session", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn session_queue(
    state: web::Data<AppState>,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let service::sessions::PublicQueue { session, serving, waiting } =
        service::sessions::public_queue(&state, id).await?;
    Ok(HttpResponse::Ok().json(json!({
        "session_id": session.session.id,
        "clinic": {"code": session.clinic.code, "name": session.clinic.name},
        "doctor": {"name": session.doctor.name},
        "status": session.session.status,
        "now_serving": serving.iter().map(|v| json!({"ticket": v.ticket, "room": v.room, "status": v.status})).collect::<Vec<_>>(),
        "waiting_count": waiting.len(),
        "next": waiting.iter().take(5).map(|v| json!({"ticket": v.ticket})).collect::<Vec<_>>(),
    })))
}
