//! Staff routes of SATUSEHAT (admins): what went, what is stuck and why, and the mappings
//! (doctor NIK → Practitioner, polyclinic → Location).
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::auth::Staff;

use crate::domain::kinds::JobStatus;
use crate::error::AppResult;
use crate::http::{parse_json, views};
use crate::service::satusehat::JobRow;
use crate::service::{notifications, satusehat};

const STATUSES: &[JobStatus] = &[JobStatus::Pending, JobStatus::Sent, JobStatus::Failed];

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobQuery {
    /// pending, sent or failed; all when absent.
    pub status: Option<String>,
    pub limit: Option<i64>,
}

/// An Encounter update for SATUSEHAT and where it stands.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobOut {
    id: i64,
    visit_id: i64,
    booking_code: String,
    ticket: String,
    clinic: String,
    encounter_status: String,
    at: String,
    status: JobStatus,
    attempts: i32,
    /// When a pending update is tried next; null otherwise.
    next_attempt_at: Option<String>,
    last_error: Option<String>,
    /// Why it waits for staff (e.g. a missing mapping), if it does.
    reason: Option<String>,
    encounter_id: Option<String>,
    sent_at: Option<String>,
}

/// A stuck update: the update's fields and its reason in words.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StuckOut {
    #[serde(flatten)]
    pub job: JobOut,
    pub reason_text: Words,
}

/// A text in Indonesian (`id`) and English (`en`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Words {
    pub id: String,
    pub en: String,
}

/// A doctor and its SATUSEHAT Practitioner.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DoctorMapOut {
    pub code: String,
    pub name: String,
    pub nik: Option<String>,
    pub practitioner_id: Option<String>,
}

/// A polyclinic and its SATUSEHAT Location.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClinicMapOut {
    pub code: String,
    pub name: String,
    pub location_id: Option<String>,
}

/// What went to SATUSEHAT, what is stuck and why, and the mappings.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OverviewOut {
    pub configured: bool,
    /// Updates per status (`pending`, `sent`, `failed`).
    pub counts: std::collections::BTreeMap<String, i64>,
    pub jobs: Vec<JobOut>,
    pub stuck: Vec<StuckOut>,
    pub doctors: Vec<DoctorMapOut>,
    pub clinics: Vec<ClinicMapOut>,
}

/// `{ok: true}`: the mapping was saved.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Saved {
    pub ok: bool,
}

/// How many stuck updates went back in the queue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Requeued {
    pub requeued: usize,
}

fn job_out(row: JobRow, tz: chrono_tz::Tz) -> JobOut {
    let at = |t: Option<DateTime<Utc>>| t.map(|t| views::time(t, tz));
    let j = row.job;
    JobOut {
        id: j.id,
        visit_id: j.visit_id,
        booking_code: row.booking_code,
        ticket: row.ticket,
        clinic: row.clinic,
        encounter_status: j.encounter_status,
        at: views::time(j.at, tz),
        status: j.status,
        attempts: j.attempts,
        next_attempt_at: (j.status == JobStatus::Pending).then(|| views::time(j.run_at, tz)),
        last_error: j.last_error,
        reason: j.reason,
        encounter_id: row.encounter_id,
        sent_at: at(j.sent_at),
    }
}

/// `GET /api/v1/staff/satusehat` → `{configured, counts, jobs[], stuck[], doctors[], clinics[]}`
#[utoipa::path(
    get,
    path = "/api/v1/staff/satusehat",
    tag = "satusehat",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(crate::satusehat::staff::JobQuery),
    responses(
        (status = 200, description = "`{configured, counts, jobs, stuck, doctors, clinics}`", body = OverviewOut)
    ),
)]
pub async fn overview(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<JobQuery>,
) -> AppResult<HttpResponse> {
    let status = notifications::parse_status(query.status.as_deref(), STATUSES)?;
    let limit = query.limit.unwrap_or(200).clamp(1, 1000);
    let tz = state.tz();
    let o = satusehat::overview(&state, &staff, status, limit).await?;
    let doctors = o
        .doctors
        .into_iter()
        .map(|(code, name, nik, practitioner_id)| DoctorMapOut { code, name, nik, practitioner_id })
        .collect();
    let clinics = o
        .clinics
        .into_iter()
        .map(|(code, name, location_id)| ClinicMapOut { code, name, location_id })
        .collect();
    let stuck = o
        .stuck
        .into_iter()
        .map(|row| {
            let reason = row.job.reason.clone().unwrap_or_default();
            let (id, en) = satusehat::reason_text(&reason);
            let reason_text = Words { id: id.to_string(), en: en.to_string() };
            StuckOut { job: job_out(row, tz), reason_text }
        })
        .collect();
    Ok(HttpResponse::Ok().json(OverviewOut {
        configured: state.settings.satusehat.is_some(),
        counts: o.counts.into_iter().map(|(k, n)| (k.as_str().to_string(), n)).collect(),
        jobs: o.jobs.into_iter().map(|r| job_out(r, tz)).collect(),
        stuck,
        doctors,
        clinics,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoctorNikBody {
    pub nik: String,
}

/// `PUT /api/v1/staff/satusehat/doctors/{code} {"nik": "…"}`
#[utoipa::path(
    put,
    path = "/api/v1/staff/satusehat/doctors/{code}",
    tag = "satusehat",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("code" = String, Path, description = "doctor code")),
    request_body = crate::satusehat::staff::DoctorNikBody,
    responses(
        (status = 200, description = "`{ok: true}`", body = Saved)
    ),
)]
pub async fn set_doctor_nik(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let parsed: DoctorNikBody = parse_json(&body)?;
    satusehat::set_doctor_nik(&state, &staff, path.into_inner(), &parsed.nik).await?;
    Ok(HttpResponse::Ok().json(Saved { ok: true }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationBody {
    pub location_id: String,
}

/// `PUT /api/v1/staff/satusehat/clinics/{code} {"location_id": "…"}`
#[utoipa::path(
    put,
    path = "/api/v1/staff/satusehat/clinics/{code}",
    tag = "satusehat",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("code" = String, Path, description = "clinic code")),
    request_body = crate::satusehat::staff::LocationBody,
    responses(
        (status = 200, description = "`{ok: true}`", body = Saved)
    ),
)]
pub async fn set_location(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let parsed: LocationBody = parse_json(&body)?;
    satusehat::set_location(&state, &staff, path.into_inner(), &parsed.location_id).await?;
    Ok(HttpResponse::Ok().json(Saved { ok: true }))
}

/// `POST /api/v1/staff/satusehat/retry` → `{"requeued": n}`: the rows that waited for staff.
#[utoipa::path(
    post,
    path = "/api/v1/staff/satusehat/retry",
    tag = "satusehat",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    responses(
        (status = 200, description = "`{requeued}`", body = Requeued)
    ),
)]
pub async fn retry(state: web::Data<AppState>, staff: Staff) -> AppResult<HttpResponse> {
    let n = satusehat::retry_failed(&state, &staff).await?;
    Ok(HttpResponse::Ok().json(Requeued { requeued: n }))
}
