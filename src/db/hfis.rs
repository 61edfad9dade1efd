//! HFIS (BPJS doctor schedules): the weekly schedules as HFIS sees them, the outbox of
//! schedule changes sent to it (`hfis_updates`), and the stored reconciliations.
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::Timestamptz;
use serde_json::Value;

use super::models::{Clinic, Doctor, NewSchedule, Schedule};
use super::schema::{
    bpjs_reconciliations, clinics, doctors, hfis_updates, practice_schedules, schedule_exceptions,
};
use crate::domain::kinds::ExceptionKind;
use crate::error::AppResult;

/// Clinics BPJS knows (with a poli code).
pub fn bpjs_clinics(conn: &mut PgConnection) -> AppResult<Vec<Clinic>> {
    Ok(clinics::table
        .filter(clinics::active.eq(true))
        .filter(clinics::bpjs_code.is_not_null())
        .order(clinics::code)
        .select(Clinic::as_select())
        .load(conn)?)
}

/// The weekly schedules of a clinic in force on `date` for its weekday, with the doctor.
pub fn schedules_on(
    conn: &mut PgConnection,
    clinic_id: i32,
    date: NaiveDate,
) -> AppResult<Vec<(Schedule, Doctor)>> {
    let weekday = i16::try_from(date.weekday().number_from_monday()).unwrap_or(1);
    Ok(practice_schedules::table
        .inner_join(doctors::table)
        .filter(practice_schedules::clinic_id.eq(clinic_id))
        .filter(practice_schedules::weekday.eq(weekday))
        .filter(practice_schedules::valid_from.le(date))
        .filter(
            practice_schedules::valid_until.is_null().or(practice_schedules::valid_until.ge(date)),
        )
        .order(practice_schedules::starts_at)
        .select((Schedule::as_select(), Doctor::as_select()))
        .load(conn)?)
}

/// A doctor's weekly schedules at a clinic in force from `date` on.
pub fn doctor_week(
    conn: &mut PgConnection,
    clinic_id: i32,
    doctor_id: i32,
    date: NaiveDate,
) -> AppResult<Vec<Schedule>> {
    Ok(practice_schedules::table
        .filter(practice_schedules::clinic_id.eq(clinic_id))
        .filter(practice_schedules::doctor_id.eq(doctor_id))
        .filter(
            practice_schedules::valid_until.is_null().or(practice_schedules::valid_until.ge(date)),
        )
        .order((practice_schedules::weekday, practice_schedules::starts_at))
        .select(Schedule::as_select())
        .load(conn)?)
}

/// Is the doctor on leave (or the clinic closed) on `date`?
pub fn off_on(
    conn: &mut PgConnection,
    clinic_id: i32,
    doctor_id: i32,
    date: NaiveDate,
) -> AppResult<bool> {
    let n: i64 = schedule_exceptions::table
        .filter(schedule_exceptions::date.eq(date))
        .filter(schedule_exceptions::kind.ne(ExceptionKind::Extra.as_str()))
        .filter(
            schedule_exceptions::doctor_id
                .eq(doctor_id)
                .or(schedule_exceptions::clinic_id.eq(clinic_id)),
        )
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn doctor_by_bpjs_code(conn: &mut PgConnection, code: i32) -> AppResult<Option<Doctor>> {
    Ok(doctors::table
        .filter(doctors::bpjs_code.eq(code))
        .select(Doctor::as_select())
        .first(conn)
        .optional()?)
}

/// Change a schedule's hours and JKN quota (applying HFIS); `false` if it did not exist.
pub fn set_hours_and_quota(
    conn: &mut PgConnection,
    id: i32,
    hours: (chrono::NaiveTime, chrono::NaiveTime),
    quota_jkn: i32,
) -> AppResult<bool> {
    let n = diesel::update(practice_schedules::table.find(id))
        .set((
            practice_schedules::starts_at.eq(hours.0),
            practice_schedules::ends_at.eq(hours.1),
            practice_schedules::quota_jkn.eq(quota_jkn),
        ))
        .execute(conn)?;
    Ok(n > 0)
}

pub fn insert_schedule(conn: &mut PgConnection, new: &NewSchedule) -> AppResult<()> {
    diesel::insert_into(practice_schedules::table).values(new).execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName, serde::Serialize)]
#[diesel(table_name = hfis_updates)]
pub struct HfisUpdate {
    pub id: i64,
    pub clinic_id: i32,
    pub doctor_id: i32,
    pub payload: Value,
    pub status: String,
    pub attempts: i32,
    pub run_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub decided_by: Option<NaiveDate>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// Queue a schedule change for HFIS; an unsent one of the same doctor and clinic is
/// replaced (the latest week is what counts).
pub fn enqueue_update(
    conn: &mut PgConnection,
    clinic_id: i32,
    doctor_id: i32,
    payload: &Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    diesel::delete(hfis_updates::table)
        .filter(hfis_updates::clinic_id.eq(clinic_id))
        .filter(hfis_updates::doctor_id.eq(doctor_id))
        .filter(hfis_updates::status.eq("pending"))
        .execute(conn)?;
    diesel::insert_into(hfis_updates::table)
        .values((
            hfis_updates::clinic_id.eq(clinic_id),
            hfis_updates::doctor_id.eq(doctor_id),
            hfis_updates::payload.eq(payload),
            hfis_updates::run_at.eq(now),
            hfis_updates::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Claim the next due change (a lease; counts as an attempt).
pub fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    lease: Duration,
) -> AppResult<Option<HfisUpdate>> {
    Ok(diesel::sql_query(
        "UPDATE hfis_updates SET run_at = $2, attempts = attempts + 1
         WHERE id = (SELECT id FROM hfis_updates WHERE status = 'pending' AND run_at <= $1
                     ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING *",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(now + lease)
    .get_result(conn)
    .optional()?)
}

/// Set a change's status (and when BPJS decides it, once sent).
pub fn set_status(
    conn: &mut PgConnection,
    id: i64,
    status: &str,
    error: Option<&str>,
    run_at: DateTime<Utc>,
    decided_by: Option<NaiveDate>,
) -> AppResult<()> {
    diesel::update(hfis_updates::table.find(id))
        .set((
            hfis_updates::status.eq(status),
            hfis_updates::last_error.eq(error),
            hfis_updates::run_at.eq(run_at),
        ))
        .execute(conn)?;
    if let Some(day) = decided_by {
        diesel::update(hfis_updates::table.find(id))
            .set((hfis_updates::decided_by.eq(day), hfis_updates::sent_at.eq(run_at)))
            .execute(conn)?;
    }
    Ok(())
}

/// BPJS decided: approved or refused.
pub fn decide(conn: &mut PgConnection, id: i64, status: &str, now: DateTime<Utc>) -> AppResult<()> {
    diesel::update(hfis_updates::table.find(id))
        .filter(hfis_updates::status.eq("waiting"))
        .set((hfis_updates::status.eq(status), hfis_updates::decided_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Changes waiting for BPJS's decision.
pub fn waiting(conn: &mut PgConnection) -> AppResult<Vec<HfisUpdate>> {
    Ok(hfis_updates::table
        .filter(hfis_updates::status.eq("waiting"))
        .select(HfisUpdate::as_select())
        .load(conn)?)
}

/// The newest changes with their clinic and doctor names.
pub fn recent(conn: &mut PgConnection, limit: i64) -> AppResult<Vec<(HfisUpdate, String, String)>> {
    let rows: Vec<HfisUpdate> = hfis_updates::table
        .order(hfis_updates::id.desc())
        .limit(limit)
        .select(HfisUpdate::as_select())
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for u in rows {
        let clinic: String = clinics::table.find(u.clinic_id).select(clinics::name).first(conn)?;
        let doctor: String = doctors::table.find(u.doctor_id).select(doctors::name).first(conn)?;
        out.push((u, clinic, doctor));
    }
    Ok(out)
}

/// Keep the reconciliation of a day (the newest replaces the older).
pub fn save_reconciliation(
    conn: &mut PgConnection,
    date: NaiveDate,
    result: &Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    diesel::insert_into(bpjs_reconciliations::table)
        .values((
            bpjs_reconciliations::service_date.eq(date),
            bpjs_reconciliations::result.eq(result),
            bpjs_reconciliations::checked_at.eq(now),
        ))
        .on_conflict(bpjs_reconciliations::service_date)
        .do_update()
        .set((bpjs_reconciliations::result.eq(result), bpjs_reconciliations::checked_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

pub fn reconciliation(
    conn: &mut PgConnection,
    date: NaiveDate,
) -> AppResult<Option<(Value, DateTime<Utc>)>> {
    Ok(bpjs_reconciliations::table
        .find(date)
        .select((bpjs_reconciliations::result, bpjs_reconciliations::checked_at))
        .first(conn)
        .optional()?)
}

pub fn clinic_by_id(conn: &mut PgConnection, id: i32) -> AppResult<Clinic> {
    Ok(clinics::table.find(id).select(Clinic::as_select()).first(conn)?)
}

pub fn doctor_by_id(conn: &mut PgConnection, id: i32) -> AppResult<Doctor> {
    Ok(doctors::table.find(id).select(Doctor::as_select()).first(conn)?)
}

/// A JKN visit of a day as the reconciliation sees it: (visit id, booking code, BPJS poli
/// code, known to BPJS (booked through Mobile JKN or reported with `add`)).
#[derive(Debug, Clone, QueryableByName)]
pub struct JknVisit {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub booking_code: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub kodepoli: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub known: bool,
}

/// The JKN visits of a service day (payer JKN or booked through Mobile JKN).
pub fn jkn_visits(conn: &mut PgConnection, date: NaiveDate) -> AppResult<Vec<JknVisit>> {
    Ok(diesel::sql_query(
        "SELECT v.id, v.booking_code, c.bpjs_code AS kodepoli,
                (v.channel = 'jkn' OR EXISTS (SELECT 1 FROM bpjs_tasks t
                                              WHERE t.visit_id = v.id AND t.kind = 'add')) AS known
         FROM visits v JOIN clinics c ON c.id = v.clinic_id
         WHERE v.service_date = $1 AND (v.payer = 'jkn' OR v.channel = 'jkn')
         ORDER BY v.id",
    )
    .bind::<diesel::sql_types::Date, _>(date)
    .load(conn)?)
}
