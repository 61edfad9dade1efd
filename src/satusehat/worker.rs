//! The SATUSEHAT sender: claims `satusehat_jobs` rows in order per visit, resolves the
//! identifiers (looked up by NIK and kept), and POSTs the Encounter (arrived) or PUTs its
//! next status. Retried with backoff; never lost on a restart (a claim is a lease). A row
//! that lacks an identifier waits as `failed` with its reason until staff fix it.
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;

use super::client::{ClientError, SatusehatClient};
use super::fhir::{self, ARRIVED, CANCELLED, EncounterFacts, FINISHED, IN_PROGRESS};
use crate::app::AppState;
use crate::db::models::{Patient, Visit};
use crate::db::satusehat::{self, SatusehatJob};
use crate::db::sessions::{self, SessionView};
use crate::db::{self, PgConnection, jkn, job_lease, visits};
use crate::domain::kinds::JobStatus;
use crate::error::AppResult;

/// After this many attempts a row is marked failed (shown on the staff page).
pub const MAX_ATTEMPTS: i32 = 10;
/// A claimed row is another worker's again after this long.
const LEASE: Duration = Duration::minutes(5);

/// What the database knows for one send.
struct Context {
    visit: Visit,
    view: SessionView,
    patient: Option<Patient>,
    patient_ihs: Option<String>,
    doctor: Option<(String, Option<String>)>,
    location: Option<String>,
    encounter_id: Option<String>,
    rows: Vec<SatusehatJob>,
}

fn context(conn: &mut PgConnection, visit_id: i64) -> AppResult<Context> {
    let visit = visits::find(conn, visit_id)?;
    let view = sessions::get(conn, visit.session_id)?;
    let patient = visit.patient_id.map(|id| jkn::find_patient(conn, id)).transpose()?;
    let patient_ihs = match visit.patient_id {
        Some(id) => satusehat::patient_ihs(conn, id)?,
        None => None,
    };
    Ok(Context {
        doctor: satusehat::doctor_ids(conn, view.doctor.id)?,
        location: satusehat::location_of(conn, view.clinic.id)?,
        encounter_id: satusehat::encounter_of(conn, visit.id)?,
        rows: satusehat::of_visit(conn, visit.id)?,
        visit,
        view,
        patient,
        patient_ihs,
    })
}

/// How one attempt ended.
enum Outcome {
    Sent(Option<String>),
    /// Cannot go until staff act: the reason code and the words for it.
    Blocked(&'static str, String),
    Retry(String),
}

fn blocked(reason: &'static str) -> Outcome {
    Outcome::Blocked(reason, crate::service::satusehat::reason_text(reason).0.to_string())
}

/// Look up what is not known yet; `Err(outcome)` when it cannot be found.
async fn identifiers(
    state: &AppState,
    client: &SatusehatClient,
    ctx: &Context,
    now: DateTime<Utc>,
) -> Result<(String, String, String), Outcome> {
    let retry = |e: ClientError| Outcome::Retry(e.to_string());
    let Some(patient) = &ctx.patient else { return Err(blocked("no_patient")) };
    let patient_ihs = match &ctx.patient_ihs {
        Some(ihs) => ihs.clone(),
        None => {
            let Some(nik) = patient.nik.clone() else { return Err(blocked("no_nik")) };
            let Some(ihs) = client.find_by_nik("Patient", &nik, now).await.map_err(retry)? else {
                return Err(blocked("patient_not_found"));
            };
            let (id, found) = (patient.id, ihs.clone());
            db::run(&state.pool, move |c| satusehat::save_patient_ihs(c, id, &found, now))
                .await
                .map_err(|e| Outcome::Retry(e.to_string()))?;
            ihs
        }
    };
    let practitioner = match &ctx.doctor {
        None => return Err(blocked("no_doctor_nik")),
        Some((_, Some(ihs))) => ihs.clone(),
        Some((nik, None)) => {
            let found = client.find_by_nik("Practitioner", nik, now).await.map_err(retry)?;
            let Some(ihs) = found else { return Err(blocked("practitioner_not_found")) };
            let (id, kept) = (ctx.view.doctor.id, ihs.clone());
            db::run(&state.pool, move |c| satusehat::save_doctor_ihs(c, id, &kept))
                .await
                .map_err(|e| Outcome::Retry(e.to_string()))?;
            ihs
        }
    };
    let Some(location) = ctx.location.clone() else { return Err(blocked("no_location")) };
    Ok((patient_ihs, practitioner, location))
}

fn time_of(rows: &[SatusehatJob], status: &str) -> Option<DateTime<Utc>> {
    rows.iter().find(|r| r.encounter_status == status).map(|r| r.at)
}

fn status_const(status: &str) -> &'static str {
    match status {
        IN_PROGRESS => IN_PROGRESS,
        FINISHED => FINISHED,
        CANCELLED => CANCELLED,
        _ => ARRIVED,
    }
}

async fn attempt(
    state: &AppState,
    client: &SatusehatClient,
    job: &SatusehatJob,
    now: DateTime<Utc>,
) -> Outcome {
    let visit_id = job.visit_id;
    let ctx = match db::run(&state.pool, move |c| context(c, visit_id)).await {
        Ok(ctx) => ctx,
        Err(e) => return Outcome::Retry(e.to_string()),
    };
    let status = status_const(&job.encounter_status);
    if status != ARRIVED && ctx.encounter_id.is_none() {
        return blocked("no_encounter");
    }
    let (patient_ihs, practitioner_ihs, location_id) =
        match identifiers(state, client, &ctx, now).await {
            Ok(ids) => ids,
            Err(outcome) => return outcome,
        };
    let facts = EncounterFacts {
        organization_id: client.organization_id().to_string(),
        booking_code: ctx.visit.booking_code.clone(),
        patient_ihs,
        patient_name: ctx.patient.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
        practitioner_ihs,
        doctor_name: ctx.view.doctor.name.clone(),
        location_id,
        clinic_name: ctx.view.clinic.name.clone(),
        encounter_id: ctx.encounter_id.clone(),
        status,
        arrived_at: time_of(&ctx.rows, ARRIVED).unwrap_or(job.at),
        in_progress_at: time_of(&ctx.rows, IN_PROGRESS),
        finished_at: time_of(&ctx.rows, FINISHED),
        cancelled_at: time_of(&ctx.rows, CANCELLED),
    };
    let resource = fhir::encounter(&facts, state.tz());
    let answer = match &ctx.encounter_id {
        None => client.call(Method::POST, "/Encounter", Some(&resource), now).await,
        Some(id) => {
            client.call(Method::PUT, &format!("/Encounter/{id}"), Some(&resource), now).await
        }
    };
    match answer {
        Ok(body) if ctx.encounter_id.is_none() => match body["id"].as_str() {
            Some(id) => Outcome::Sent(Some(id.to_string())),
            None => Outcome::Retry("SATUSEHAT answered without an Encounter id".into()),
        },
        Ok(_) => Outcome::Sent(None),
        Err(e) => Outcome::Retry(e.to_string()),
    }
}

/// Send one due row. `Ok(false)` when nothing was due.
pub async fn run_once(state: &AppState, client: &SatusehatClient) -> AppResult<bool> {
    let now = state.now();
    let claimed =
        db::transaction(&state.pool, move |c| satusehat::claim_due(c, now, LEASE)).await?;
    let Some(job) = claimed else { return Ok(false) };
    let outcome = attempt(state, client, &job, now).await;
    db::transaction(&state.pool, move |c| match outcome {
        Outcome::Sent(encounter_id) => {
            if let Some(id) = encounter_id {
                satusehat::save_encounter(c, job.visit_id, &id, now)?;
            }
            satusehat::mark_sent(c, job.id, now)
        }
        Outcome::Blocked(reason, words) => {
            tracing::info!(job = job.id, reason, "SATUSEHAT Encounter waits for staff");
            satusehat::mark_failed(c, job.id, JobStatus::Failed, now, &words, Some(reason))
        }
        Outcome::Retry(error) => {
            tracing::warn!(job = job.id, attempts = job.attempts, %error, "SATUSEHAT not reached");
            let (status, at) = job_lease::next_try(job.attempts, MAX_ATTEMPTS, now);
            satusehat::mark_failed(c, job.id, status, at, &error, None)
        }
    })
    .await?;
    Ok(true)
}

/// Send until nothing is due (bounded).
pub async fn run_until_idle(state: &AppState, client: &SatusehatClient) -> AppResult<usize> {
    let mut sent = 0;
    while sent < 10_000 && run_once(state, client).await? {
        sent += 1;
    }
    Ok(sent)
}

/// The background sender; does nothing when SATUSEHAT is not configured.
pub fn spawn(state: AppState) {
    let Some(config) = state.settings.satusehat.clone() else { return };
    let client = SatusehatClient::new(config);
    actix_web::rt::spawn(async move {
        let mut every = actix_web::rt::time::interval(StdDuration::from_secs(5));
        loop {
            every.tick().await;
            if let Err(e) = run_until_idle(&state, &client).await {
                tracing::warn!(error = %e, "SATUSEHAT worker failed");
            }
        }
    });
}
