//! `GET /api/v1/sessions`, `GET /api/v1/sessions/{id}/queue`
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::Deserialize;

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
        (status = 200, description = "Sessions of the day with quota and places left", body = Vec<views::SessionOut>)
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
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PublicQueueOut {
    pub session_id: i32,
    pub clinic: QueueClinic,
    pub doctor: QueueDoctor,
    pub status: crate::domain::kinds::SessionStatus,
    /// Called or in service now.
    pub now_serving: Vec<ServingTicket>,
    pub waiting_count: usize,
    /// The next five waiting, in call order.
    pub next: Vec<NextTicket>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct QueueClinic {
    pub code: String,
    pub name: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct QueueDoctor {
    pub name: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ServingTicket {
    pub ticket: String,
    pub room: String,
    pub status: crate::domain::visit_status::VisitStatus,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NextTicket {
    pub ticket: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/sessions/{id}/queue",
    tag = "public",
    params(("id" = i32, Path, description = "session id")),
    responses(
        (status = 200, description = "Now serving and waiting, ticket numbers only", body = PublicQueueOut),
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
    Ok(HttpResponse::Ok().json(PublicQueueOut {
        session_id: session.session.id,
        clinic: QueueClinic { code: session.clinic.code, name: session.clinic.name },
        doctor: QueueDoctor { name: session.doctor.name },
        status: session.session.status,
        now_serving: serving
            .iter()
            .map(|v| ServingTicket {
                ticket: v.ticket.clone(),
                room: v.room.clone(),
                status: v.status,
            })
            .collect(),
        waiting_count: waiting.len(),
        next: waiting.iter().take(5).map(|v| NextTicket { ticket: v.ticket.clone() }).collect(),
    }))
}
