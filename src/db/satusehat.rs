//! SATUSEHAT: the Encounter outbox (`satusehat_jobs`, one row per status per visit, sent
//! in (at, id) order per visit by workers that claim with `FOR UPDATE SKIP LOCKED` and a
//! lease), the Encounter ids, and the identifier mappings (doctor NIK → Practitioner,
//! clinic → Location, patient → IHS number).
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::job_lease::{self, Holds, Queue};
use super::schema::{
    clinics, doctors, satusehat_clinics, satusehat_doctors, satusehat_encounters, satusehat_jobs,
    satusehat_patients,
};
use crate::domain::kinds::JobStatus;
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName, serde::Serialize)]
#[diesel(table_name = satusehat_jobs)]
pub struct SatusehatJob {
    pub id: i64,
    pub visit_id: i64,
    pub encounter_status: String,
    pub at: DateTime<Utc>,
    pub status: JobStatus,
    pub attempts: i32,
    pub run_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = satusehat_jobs)]
pub struct NewSatusehatJob<'a> {
    pub visit_id: i64,
    pub encounter_status: &'a str,
    pub at: DateTime<Utc>,
    pub run_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// Queue a status; one already queued for the visit is kept instead.
pub fn enqueue(conn: &mut PgConnection, job: &NewSatusehatJob) -> AppResult<()> {
    diesel::insert_into(satusehat_jobs::table)
        .values(job)
        .on_conflict((satusehat_jobs::visit_id, satusehat_jobs::encounter_status))
        .do_nothing()
        .execute(conn)?;
    Ok(())
}

/// Has the visit a row for this Encounter status?
pub fn has_status(conn: &mut PgConnection, visit_id: i64, status: &str) -> AppResult<bool> {
    let n: i64 = satusehat_jobs::table
        .filter(satusehat_jobs::visit_id.eq(visit_id))
        .filter(satusehat_jobs::encounter_status.eq(status))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The queue's shape: per visit, in (at, id) order; a row not yet sent (pending or
/// failed) holds the later ones back.
pub const QUEUE: Queue = Queue {
    table: "satusehat_jobs",
    group: &["visit_id"],
    order: &["at", "id"],
    holds: Holds::UntilSent,
};

/// Take the next due row whose visit has nothing earlier unsent (a row that cannot go
/// holds the later ones back: statuses reach SATUSEHAT in order or not at all).
pub fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    lease: Duration,
) -> AppResult<Option<SatusehatJob>> {
    job_lease::claim_due(conn, &QUEUE, now, lease)
}

/// A visit's rows in sending order.
pub fn of_visit(conn: &mut PgConnection, visit_id: i64) -> AppResult<Vec<SatusehatJob>> {
    Ok(diesel::sql_query("SELECT * FROM satusehat_jobs WHERE visit_id = $1 ORDER BY at, id")
        .bind::<BigInt, _>(visit_id)
        .load(conn)?)
}

pub fn mark_sent(conn: &mut PgConnection, id: i64, now: DateTime<Utc>) -> AppResult<()> {
    diesel::update(satusehat_jobs::table.find(id))
        .set((
            satusehat_jobs::status.eq(JobStatus::Sent),
            satusehat_jobs::sent_at.eq(now),
            satusehat_jobs::last_error.eq(None::<String>),
            satusehat_jobs::reason.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// The attempt failed: `pending` to try again at `at`, or `failed` (given up, or waiting
/// for staff when `reason` says what is missing).
pub fn mark_failed(
    conn: &mut PgConnection,
    id: i64,
    status: JobStatus,
    at: DateTime<Utc>,
    error: &str,
    reason: Option<&str>,
) -> AppResult<()> {
    job_lease::record_failure(conn, &QUEUE, id, status.as_str(), at, error)?;
    diesel::update(satusehat_jobs::table.find(id))
        .set(satusehat_jobs::reason.eq(reason))
        .execute(conn)?;
    Ok(())
}

/// Put every failed row back in the queue (after staff fixed a mapping); how many.
pub fn retry_failed(conn: &mut PgConnection, now: DateTime<Utc>) -> AppResult<usize> {
    Ok(diesel::update(satusehat_jobs::table)
        .filter(satusehat_jobs::status.eq(JobStatus::Failed))
        .set((
            satusehat_jobs::status.eq(JobStatus::Pending),
            satusehat_jobs::run_at.eq(now),
            satusehat_jobs::attempts.eq(0),
        ))
        .execute(conn)?)
}

/// Counts per status, for the staff page.
pub fn counts(conn: &mut PgConnection) -> AppResult<Vec<(JobStatus, i64)>> {
    Ok(satusehat_jobs::table
        .group_by(satusehat_jobs::status)
        .select((satusehat_jobs::status, diesel::dsl::count_star()))
        .load(conn)?)
}

/// A row with the visit it is about (staff page).
#[derive(Debug, Clone, QueryableByName)]
pub struct JobRow {
    #[diesel(embed)]
    pub job: SatusehatJob,
    #[diesel(sql_type = Text)]
    pub booking_code: String,
    #[diesel(sql_type = Text)]
    pub ticket: String,
    #[diesel(sql_type = Text)]
    pub clinic: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub encounter_id: Option<String>,
}

/// The newest rows, optionally of one status.
pub fn recent(
    conn: &mut PgConnection,
    status: Option<JobStatus>,
    limit: i64,
) -> AppResult<Vec<JobRow>> {
    Ok(diesel::sql_query(
        "SELECT j.*, v.booking_code, v.ticket, c.name AS clinic, e.encounter_id
         FROM satusehat_jobs j
         JOIN visits v ON v.id = j.visit_id
         JOIN clinics c ON c.id = v.clinic_id
         LEFT JOIN satusehat_encounters e ON e.visit_id = j.visit_id
         WHERE ($1::text IS NULL OR j.status = $1)
         ORDER BY j.id DESC LIMIT $2",
    )
    .bind::<Nullable<Text>, _>(status.map(|s| s.as_str()))
    .bind::<BigInt, _>(limit)
    .load(conn)?)
}

pub fn encounter_of(conn: &mut PgConnection, visit_id: i64) -> AppResult<Option<String>> {
    Ok(satusehat_encounters::table
        .find(visit_id)
        .select(satusehat_encounters::encounter_id)
        .first(conn)
        .optional()?)
}

pub fn save_encounter(
    conn: &mut PgConnection,
    visit_id: i64,
    encounter_id: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    diesel::insert_into(satusehat_encounters::table)
        .values((
            satusehat_encounters::visit_id.eq(visit_id),
            satusehat_encounters::encounter_id.eq(encounter_id),
            satusehat_encounters::created_at.eq(now),
        ))
        .on_conflict(satusehat_encounters::visit_id)
        .do_nothing()
        .execute(conn)?;
    Ok(())
}

pub fn patient_ihs(conn: &mut PgConnection, patient_id: i64) -> AppResult<Option<String>> {
    Ok(satusehat_patients::table
        .find(patient_id)
        .select(satusehat_patients::ihs_number)
        .first(conn)
        .optional()?)
}

pub fn save_patient_ihs(
    conn: &mut PgConnection,
    patient_id: i64,
    ihs: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    diesel::insert_into(satusehat_patients::table)
        .values((
            satusehat_patients::patient_id.eq(patient_id),
            satusehat_patients::ihs_number.eq(ihs),
            satusehat_patients::found_at.eq(now),
        ))
        .on_conflict(satusehat_patients::patient_id)
        .do_update()
        .set((satusehat_patients::ihs_number.eq(ihs), satusehat_patients::found_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// A doctor's NIK and the Practitioner IHS number found for it.
pub fn doctor_ids(
    conn: &mut PgConnection,
    doctor_id: i32,
) -> AppResult<Option<(String, Option<String>)>> {
    Ok(satusehat_doctors::table
        .find(doctor_id)
        .select((satusehat_doctors::nik, satusehat_doctors::ihs_number))
        .first(conn)
        .optional()?)
}

/// Set a doctor's NIK (by doctor code); the Practitioner is looked up again. `false` when
/// there is no such doctor.
pub fn set_doctor_nik(
    conn: &mut PgConnection,
    code: &str,
    nik: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let Some(id) = doctors::table
        .filter(doctors::code.eq(code))
        .select(doctors::id)
        .first::<i32>(conn)
        .optional()?
    else {
        return Ok(false);
    };
    diesel::insert_into(satusehat_doctors::table)
        .values((
            satusehat_doctors::doctor_id.eq(id),
            satusehat_doctors::nik.eq(nik),
            satusehat_doctors::updated_at.eq(now),
        ))
        .on_conflict(satusehat_doctors::doctor_id)
        .do_update()
        .set((
            satusehat_doctors::nik.eq(nik),
            satusehat_doctors::ihs_number.eq(None::<String>),
            satusehat_doctors::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

pub fn save_doctor_ihs(conn: &mut PgConnection, doctor_id: i32, ihs: &str) -> AppResult<()> {
    diesel::update(satusehat_doctors::table.find(doctor_id))
        .set(satusehat_doctors::ihs_number.eq(ihs))
        .execute(conn)?;
    Ok(())
}

pub fn location_of(conn: &mut PgConnection, clinic_id: i32) -> AppResult<Option<String>> {
    Ok(satusehat_clinics::table
        .find(clinic_id)
        .select(satusehat_clinics::location_id)
        .first(conn)
        .optional()?)
}

/// Map a clinic (by code) to its Location id; `false` when there is no such clinic.
pub fn set_location(
    conn: &mut PgConnection,
    code: &str,
    location_id: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let Some(id) = clinics::table
        .filter(clinics::code.eq(code))
        .select(clinics::id)
        .first::<i32>(conn)
        .optional()?
    else {
        return Ok(false);
    };
    diesel::insert_into(satusehat_clinics::table)
        .values((
            satusehat_clinics::clinic_id.eq(id),
            satusehat_clinics::location_id.eq(location_id),
            satusehat_clinics::updated_at.eq(now),
        ))
        .on_conflict(satusehat_clinics::clinic_id)
        .do_update()
        .set((
            satusehat_clinics::location_id.eq(location_id),
            satusehat_clinics::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

/// A doctor's SATUSEHAT identifiers: (code, name, NIK, Practitioner id).
pub type DoctorMapping = (String, String, Option<String>, Option<String>);

/// Every doctor with its NIK and Practitioner id (when set).
pub fn doctor_mappings(conn: &mut PgConnection) -> AppResult<Vec<DoctorMapping>> {
    let rows: Vec<(i32, String, String)> = doctors::table
        .filter(doctors::active.eq(true))
        .order(doctors::code)
        .select((doctors::id, doctors::code, doctors::name))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, code, name) in rows {
        let ids = doctor_ids(conn, id)?;
        let (nik, ihs) = ids.map_or((None, None), |(n, i)| (Some(n), i));
        out.push((code, name, nik, ihs));
    }
    Ok(out)
}

/// Every clinic with its Location id (when mapped): (code, name, location).
pub fn clinic_mappings(
    conn: &mut PgConnection,
) -> AppResult<Vec<(String, String, Option<String>)>> {
    let rows: Vec<(i32, String, String)> = clinics::table
        .filter(clinics::active.eq(true))
        .order(clinics::code)
        .select((clinics::id, clinics::code, clinics::name))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, code, name) in rows {
        let location = location_of(conn, id)?;
        out.push((code, name, location));
    }
    Ok(out)
}
