//! HFIS schedules and the reconciliation with BPJS: the staff routes (admins), and the
//! worker that pushes schedule changes (`updatejadwaldokter`) and reconciles the day just
//! ended every night. The comparisons themselves are `service::hfis` and
//! `service::reconcile`; this module talks to BPJS.
use std::sync::Arc;
use std::time::Duration as StdDuration;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{BpjsAnswer, BpjsClient};
use crate::app::AppState;
use crate::auth::Staff;
use crate::db::{self, hfis as hfis_db};
use crate::error::{AppError, AppResult};
use crate::http::views;
use crate::service::bpjs_link::{self, Answer, BpjsLink, Sent, SharedLink};
use crate::service::{hfis, hfis_push, reconcile};

/// Routes; registered before the `/api/v1` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/staff/hfis/schedules", web::get().to(hfis_schedules))
        .route("/api/v1/staff/hfis/apply", web::post().to(hfis_apply))
        .route("/api/v1/staff/hfis/updates", web::get().to(hfis_updates))
        .route("/api/v1/staff/hfis/references", web::get().to(hfis_references))
        .route("/api/v1/staff/hfis/references/refresh", web::post().to(refresh_references))
        .route("/api/v1/staff/bpjs/reconciliation", web::get().to(reconciliation))
        .route("/api/v1/staff/bpjs/reconciliation", web::post().to(reconcile_now))
        .route("/api/v1/staff/bpjs/reconciliation/requeue", web::post().to(requeue));
}

/// The BPJS client as the service's outbound link (None when BPJS is not configured).
pub fn link(settings: &crate::config::Settings) -> SharedLink {
    settings.jkn.bpjs.clone().map(|c| Arc::new(BpjsClient::new(c)) as Arc<dyn BpjsLink>)
}

/// An answer's response, or why there is none.
fn response_of(answer: Result<BpjsAnswer, super::client::ClientError>) -> Answer {
    match answer {
        Ok(a) if a.is_ok() => Ok(a.response.unwrap_or(Value::Null)),
        Ok(a) => Err(format!("{}: {}", a.code, a.message)),
        Err(e) => Err(e.to_string()),
    }
}

impl BpjsLink for BpjsClient {
    fn send<'a>(
        &'a self,
        path: &'a str,
        body: &'a Value,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Sent> {
        Box::pin(async move {
            match BpjsClient::post(self, path, body, now).await {
                Ok(a) if a.is_ok() => Sent::Accepted(a.response.unwrap_or(Value::Null)),
                Ok(a) => Sent::Refused(format!("{}: {}", a.code, a.message)),
                Err(e) => Sent::Unreachable(e.to_string()),
            }
        })
    }
    fn get<'a>(&'a self, path: &'a str, now: DateTime<Utc>) -> BoxFuture<'a, Answer> {
        Box::pin(async move { response_of(BpjsClient::get(self, path, now).await) })
    }
    fn post<'a>(
        &'a self,
        path: &'a str,
        body: &'a Value,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, Answer> {
        Box::pin(async move { response_of(BpjsClient::post(self, path, body, now).await) })
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    pub date: Option<String>,
}

/// A day's HFIS comparison: the date, its HFIS weekday and each clinic on both sides.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HfisDayOut {
    /// `YYYY-MM-DD`
    pub date: String,
    /// 1 = Monday ... 7 = Sunday.
    pub hari: u32,
    pub clinics: Vec<hfis::ClinicComparison>,
}

/// What applying HFIS's side changed, and each clinic after it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HfisApplied {
    /// How many weekly schedules changed.
    pub changed: usize,
    pub clinics: Vec<hfis::ClinicComparison>,
}

/// A schedule change sent (or to be sent) to HFIS.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HfisUpdateOut {
    pub id: i64,
    /// Clinic code.
    pub clinic: String,
    /// Doctor code.
    pub doctor: String,
    /// The `updatejadwaldokter` body as sent.
    pub payload: Value,
    pub status: crate::domain::kinds::HfisStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
    /// The date BPJS decided on (`YYYY-MM-DD`), if it has.
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

/// `GET /api/v1/staff/hfis/updates`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HfisUpdatesOut {
    pub updates: Vec<HfisUpdateOut>,
}

/// BPJS's reference lists as kept: `poli` (`[{kdpoli, nmpoli, ...}]`) and `dokter`
/// (`[{kodedokter, namadokter}]`) exactly as BPJS answered them (null before the first
/// fetch), and when they were fetched.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReferencesOut {
    pub poli: Value,
    pub dokter: Value,
    pub fetched_at: Option<String>,
}

/// How many reports went back in the queue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Requeued {
    pub requeued: usize,
}

/// `GET /api/v1/staff/hfis/schedules?date=YYYY-MM-DD` (admins) → per clinic BPJS's
/// schedule, SIPOLI's, and `differences[]` (a dry run: nothing changes).
#[utoipa::path(
    get,
    path = "/api/v1/staff/hfis/schedules",
    tag = "national",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(crate::jkn::national::DateQuery),
    responses(
        (status = 200, description = "Per clinic BPJS's schedule, SIPOLI's, and `differences[]` (a dry run)", body = HfisDayOut),
        (status = 502, description = "BPJS did not answer", body = crate::openapi::ErrorBody),
        (status = 503, description = "BPJS not configured", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn hfis_schedules(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<DateQuery>,
) -> AppResult<HttpResponse> {
    crate::service::reconcile::require_admin(&staff)?;
    let date = hfis::parse_date(query.date.as_deref())?;
    let clinics = bpjs_link::compare(&state, &staff, date).await?;
    Ok(HttpResponse::Ok().json(HfisDayOut {
        date: date.to_string(),
        hari: hfis::hari(date),
        clinics,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyBody {
    pub date: String,
    /// The admin saw the dry run and confirms it.
    pub confirm: bool,
}

/// `POST /api/v1/staff/hfis/apply {"date", "confirm": true}` → `{changed, clinics}`:
/// HFIS's side applied to SIPOLI's weekly schedules.
#[utoipa::path(
    post,
    path = "/api/v1/staff/hfis/apply",
    tag = "national",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    request_body = crate::jkn::national::ApplyBody,
    responses(
        (status = 200, description = "`{changed, clinics}`", body = HfisApplied),
        (status = 502, description = "BPJS did not answer", body = crate::openapi::ErrorBody),
        (status = 503, description = "BPJS not configured", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn hfis_apply(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let parsed: ApplyBody = crate::http::parse_json(&body)?;
    crate::service::reconcile::require_admin(&staff)?;
    let date = hfis::parse_date(Some(&parsed.date))?;
    let (changed, after) = bpjs_link::apply(&state, &staff, date, parsed.confirm).await?;
    Ok(HttpResponse::Ok().json(HfisApplied { changed, clinics: after }))
}

/// `GET /api/v1/staff/hfis/updates` → the changes sent to HFIS and their state
/// (pending, waiting for BPJS, approved, refused, failed).
#[utoipa::path(
    get,
    path = "/api/v1/staff/hfis/updates",
    tag = "national",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    responses(
        (status = 200, description = "`{updates}`: changes sent to HFIS and their state", body = HfisUpdatesOut)
    ),
)]
pub async fn hfis_updates(state: web::Data<AppState>, staff: Staff) -> AppResult<HttpResponse> {
    let tz = state.tz();
    let list = hfis::updates(&state, &staff).await?;
    let updates: Vec<HfisUpdateOut> = list
        .into_iter()
        .map(|(u, clinic, doctor)| HfisUpdateOut {
            id: u.id,
            clinic,
            doctor,
            payload: u.payload,
            status: u.status,
            attempts: u.attempts,
            last_error: u.last_error,
            created_at: views::time(u.created_at, tz),
            sent_at: u.sent_at.map(|t| views::time(t, tz)),
            decided_by: u.decided_by.map(|d| d.to_string()),
            decided_at: u.decided_at.map(|t| views::time(t, tz)),
        })
        .collect();
    Ok(HttpResponse::Ok().json(HfisUpdatesOut { updates }))
}

/// `GET /api/v1/staff/hfis/references` → `{poli: [{kdpoli, nmpoli, …}], dokter:
/// [{kodedokter, namadokter}], fetched_at}`: BPJS's lists as kept (refreshed daily by the
/// worker and by `POST …/references/refresh`), for the pick lists of the admin console.
/// BPJS is not asked here.
#[utoipa::path(
    get,
    path = "/api/v1/staff/hfis/references",
    tag = "national",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    responses(
        (status = 200, description = "`{poli, dokter, fetched_at}`: the lists as kept (BPJS is not asked)", body = ReferencesOut),
        (status = 409, description = "bpjs_not_configured", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn hfis_references(state: web::Data<AppState>, staff: Staff) -> AppResult<HttpResponse> {
    let refs = bpjs_link::references(&state, &staff).await?;
    Ok(HttpResponse::Ok().json(references_out(&state, refs)))
}

fn references_out(state: &AppState, refs: bpjs_link::References) -> ReferencesOut {
    ReferencesOut {
        poli: refs.poli,
        dokter: refs.dokter,
        fetched_at: refs.fetched_at.map(|t| views::time(t, state.tz())),
    }
}

/// `POST /api/v1/staff/hfis/references/refresh` (admins) → ask BPJS for `/ref/poli` and
/// `/ref/dokter` now and keep them; the lists as kept.
#[utoipa::path(post, path = "/api/v1/staff/hfis/references/refresh", tag = "national",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    responses(
        (status = 200, description = "The BPJS reference lists as now kept: {poli, dokter, fetched_at}", body = ReferencesOut),
        (status = 403, description = "Admins only", body = crate::openapi::ErrorBody),
        (status = 409, description = "bpjs_not_configured", body = crate::openapi::ErrorBody),
        (status = 502, description = "bpjs_unavailable: BPJS could not be asked; the kept lists stay", body = crate::openapi::ErrorBody)))]
pub async fn refresh_references(
    state: web::Data<AppState>,
    staff: Staff,
) -> AppResult<HttpResponse> {
    let refs = bpjs_link::refresh_references_now(&state, &staff).await?;
    Ok(HttpResponse::Ok().json(references_out(&state, refs)))
}

/// `GET /api/v1/staff/bpjs/reconciliation?date=` → the stored result of that day.
#[utoipa::path(
    get,
    path = "/api/v1/staff/bpjs/reconciliation",
    tag = "national",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(crate::jkn::national::DateQuery),
    responses(
        (status = 200, description = "The stored reconciliation of that day (the JSON kept when it was computed)", body = reconcile::Reconciliation)
    ),
)]
pub async fn reconciliation(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<DateQuery>,
) -> AppResult<HttpResponse> {
    let date = hfis::parse_date(query.date.as_deref())?;
    match reconcile::stored(&state, &staff, date).await? {
        Some((result, _)) => Ok(HttpResponse::Ok().json(result)),
        None => Err(AppError::not_found(
            "not_reconciled",
            "Tanggal ini belum dicocokkan dengan BPJS.",
            "This day has not been reconciled with BPJS yet.",
        )),
    }
}

/// `POST /api/v1/staff/bpjs/reconciliation {"date"}` → reconcile now.
#[utoipa::path(
    post,
    path = "/api/v1/staff/bpjs/reconciliation",
    tag = "national",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    request_body = crate::jkn::national::DateBody,
    responses(
        (status = 200, description = "The reconciliation, done now (and kept)", body = reconcile::Reconciliation),
        (status = 502, description = "BPJS did not answer", body = crate::openapi::ErrorBody),
        (status = 503, description = "BPJS not configured", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn reconcile_now(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let parsed: DateBody = crate::http::parse_json(&body)?;
    crate::service::reconcile::require_admin(&staff)?;
    let date = hfis::parse_date(Some(&parsed.date))?;
    Ok(HttpResponse::Ok().json(bpjs_link::reconcile_now(&state, &staff, date).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DateBody {
    pub date: String,
}

/// `POST /api/v1/staff/bpjs/reconciliation/requeue {"date"}` → `{requeued}`: the missing
/// reports go again, with their real times.
#[utoipa::path(
    post,
    path = "/api/v1/staff/bpjs/reconciliation/requeue",
    tag = "national",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    request_body = crate::jkn::national::DateBody,
    responses(
        (status = 200, description = "`{requeued}`", body = Requeued)
    ),
)]
pub async fn requeue(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let parsed: DateBody = crate::http::parse_json(&body)?;
    let date = hfis::parse_date(Some(&parsed.date))?;
    let n = reconcile::requeue_missing(&state, &staff, date).await?;
    Ok(HttpResponse::Ok().json(Requeued { requeued: n }))
}

// ---------------------------------------------------------------------------- worker

/// From 01:00 the day just ended is reconciled once (then kept; a second node sees it).
async fn nightly(state: &AppState) -> AppResult<()> {
    let local = state.local_now();
    if local.time() < NaiveTime::from_hms_opt(1, 0, 0).unwrap_or(NaiveTime::MIN) {
        return Ok(());
    }
    let yesterday = local.date_naive() - Duration::days(1);
    let done = db::run(&state.pool, move |c| hfis_db::reconciliation(c, yesterday)).await?;
    let fresh = |at: DateTime<Utc>| at.with_timezone(&state.tz()).date_naive() > yesterday;
    if done.is_some_and(|(_, at)| fresh(at)) {
        return Ok(());
    }
    bpjs_link::reconcile_day(state, yesterday).await.map(|_| ())
}

/// The background worker: sends the queued HFIS changes (`service::hfis_push`), keeps the
/// BPJS reference lists fresh (daily) and reconciles the day just ended. Does nothing when
/// BPJS is not configured.
pub fn spawn(state: AppState) {
    if state.bpjs_link.is_none() {
        return;
    }
    actix_web::rt::spawn(async move {
        let mut every = actix_web::rt::time::interval(StdDuration::from_secs(60));
        let mut weeks_checked = None;
        loop {
            every.tick().await;
            // Once a day: a holiday that passed changes the weeks' `hari` 8.
            if weeks_checked != Some(state.today()) {
                match hfis::refresh_weeks(&state).await {
                    Ok(()) => weeks_checked = Some(state.today()),
                    Err(e) => tracing::warn!(error = %e, "HFIS weeks not re-checked"),
                }
            }
            if let Err(e) = hfis_push::push_until_idle(&state).await {
                tracing::warn!(error = %e, "HFIS push failed");
            }
            if let Err(e) = bpjs_link::refresh_references_if_stale(&state).await {
                tracing::warn!(error = %e, "BPJS reference lists not refreshed");
            }
            if let Err(e) = nightly(&state).await {
                tracing::warn!(error = %e, "BPJS reconciliation failed");
            }
        }
    });
}
