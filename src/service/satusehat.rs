//! SATUSEHAT: which Encounter statuses a visit event makes (written into `satusehat_jobs`
//! in the transaction of the change, the SATUSEHAT half of [`super::outbox::on_visit_event`]),
//! and the admin's side: the identifier mappings and the staff page. The worker that sends
//! them is `satusehat::worker`.
//!
//! "Arrived" is the moment the patient joins the polyclinic queue: a booking's check-in, a
//! kiosk walk-in ticket or a counter registration (`registered`). A call or a start makes
//! it in-progress, the polyclinic finish finished; a cancellation or a no-show after the
//! Encounter was queued cancels it.
use chrono::{DateTime, Utc};

use super::{Access, AppState};
use crate::db::PgConnection;
use crate::db::models::{Visit, VisitEvent};
pub use crate::db::satusehat::JobRow;
use crate::db::satusehat::{self, NewSatusehatJob};
use crate::domain::identity::Nik;
use crate::domain::kinds::JobStatus;
use crate::domain::staff::{Role, StaffIdentity};
use crate::error::{AppError, AppResult};

/// Encounter statuses, in their order.
pub const ARRIVED: &str = "arrived";
pub const IN_PROGRESS: &str = "in-progress";
pub const FINISHED: &str = "finished";
pub const CANCELLED: &str = "cancelled";

/// The Encounter status a visit event leads to, if any.
fn status_of(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "registered" | "check_in" => ARRIVED,
        "call" | "start" => IN_PROGRESS,
        "finish" => FINISHED,
        "cancel" | "no_show" => CANCELLED,
        _ => return None,
    })
}

/// Queue the Encounter status this event makes, at the event's own time.
pub fn enqueue(conn: &mut PgConnection, visit: &Visit, event: &VisitEvent) -> AppResult<()> {
    let Some(status) = status_of(&event.kind) else { return Ok(()) };
    if status != ARRIVED && !satusehat::has_status(conn, visit.id, ARRIVED)? {
        // No Encounter was ever started for this visit (a booking cancelled before
        // check-in): nothing for SATUSEHAT.
        return Ok(());
    }
    satusehat::enqueue(conn, &job(visit, status, event.created_at))
}

fn job(visit: &Visit, status: &'static str, at: DateTime<Utc>) -> NewSatusehatJob<'static> {
    NewSatusehatJob { visit_id: visit.id, encounter_status: status, at, run_at: at, created_at: at }
}

/// The Encounter status the event of a new visit makes (a walk-in has arrived), without
/// a read: the status that needs none before it.
pub fn job_for(visit: &Visit, event: &VisitEvent) -> Option<NewSatusehatJob<'static>> {
    status_of(&event.kind).filter(|s| *s == ARRIVED).map(|s| job(visit, s, event.created_at))
}

/// Why an Encounter cannot be sent, in words for the staff page (Indonesian, English).
pub fn reason_text(reason: &str) -> (&'static str, &'static str) {
    match reason {
        "no_patient" => ("Kunjungan tanpa data pasien", "The visit has no patient record"),
        "no_nik" => ("Pasien tidak punya NIK", "The patient has no NIK"),
        "patient_not_found" => {
            ("NIK pasien tidak ditemukan di SATUSEHAT", "SATUSEHAT knows no patient with this NIK")
        }
        "no_doctor_nik" => ("NIK dokter belum diisi", "The doctor's NIK is not set"),
        "practitioner_not_found" => (
            "NIK dokter tidak ditemukan di SATUSEHAT",
            "SATUSEHAT knows no practitioner with the doctor's NIK",
        ),
        "no_location" => (
            "Poliklinik belum dipetakan ke Location SATUSEHAT",
            "The polyclinic is not mapped to a SATUSEHAT Location",
        ),
        "no_encounter" => ("Encounter belum dibuat", "The Encounter was never created"),
        _ => ("Ditolak SATUSEHAT", "Refused by SATUSEHAT"),
    }
}

/// What the staff page shows.
pub struct Overview {
    pub counts: Vec<(JobStatus, i64)>,
    pub jobs: Vec<JobRow>,
    /// Rows that wait for staff (a NIK, a mapping, an IHS match).
    pub stuck: Vec<JobRow>,
    pub doctors: Vec<satusehat::DoctorMapping>,
    pub clinics: Vec<(String, String, Option<String>)>,
}

/// The admins' view of the reporting to SATUSEHAT.
pub async fn overview(
    st: &AppState,
    staff: &StaffIdentity,
    status: Option<JobStatus>,
    limit: i64,
) -> AppResult<Overview> {
    staff.require(&[Role::Admin])?;
    super::read(st, move |c| {
        Ok(Overview {
            counts: satusehat::counts(c)?,
            jobs: satusehat::recent(c, status, limit)?,
            stuck: satusehat::recent(c, Some(JobStatus::Failed), 500)?,
            doctors: satusehat::doctor_mappings(c)?,
            clinics: satusehat::clinic_mappings(c)?,
        })
    })
    .await
}

/// Set a doctor's NIK (admins); the Practitioner id is looked up again on the next send.
pub async fn set_doctor_nik(
    st: &AppState,
    staff: &StaffIdentity,
    code: String,
    nik: &str,
) -> AppResult<()> {
    staff.require(&[Role::Admin])?;
    let nik = Nik::parse(nik).map_err(AppError::from)?.as_str().to_string();
    let now = st.now();
    let found =
        super::in_transaction(st, move |c| satusehat::set_doctor_nik(c, &code, &nik, now)).await?;
    found.then_some(()).ok_or_else(|| {
        AppError::not_found("unknown_doctor", "Dokter tidak ditemukan.", "No such doctor.")
    })
}

/// Map a polyclinic to its SATUSEHAT Location id (admins).
pub async fn set_location(
    st: &AppState,
    staff: &StaffIdentity,
    code: String,
    location_id: &str,
) -> AppResult<()> {
    staff.require(&[Role::Admin])?;
    let location = location_id.trim().to_string();
    let valid = !location.is_empty()
        && location.len() <= 64
        && location.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !valid {
        return Err(AppError::bad_request(
            "invalid_location",
            "Location id SATUSEHAT berisi huruf, angka dan tanda hubung (maks. 64).",
            "A SATUSEHAT Location id is letters, digits and hyphens (at most 64).",
        ));
    }
    let now = st.now();
    let found =
        super::in_transaction(st, move |c| satusehat::set_location(c, &code, &location, now))
            .await?;
    found.then_some(()).ok_or_else(|| {
        AppError::not_found("unknown_clinic", "Poliklinik tidak ditemukan.", "No such clinic.")
    })
}

/// Put the rows that were waiting for staff back in the queue (admins); how many.
pub async fn retry_failed(st: &AppState, staff: &StaffIdentity) -> AppResult<usize> {
    staff.require(&[Role::Admin])?;
    let now: DateTime<Utc> = st.now();
    super::in_transaction(st, move |c| satusehat::retry_failed(c, now)).await
}
