//! HFIS (BPJS doctor schedules): the weekly schedules as HFIS sees them, the outbox of
//! schedule changes sent to it (`hfis_updates`), and the stored reconciliations.
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use diesel::prelude::*;
use serde_json::Value;

use super::job_lease::{self, Holds, Queue};
use super::models::{Clinic, Doctor, NewSchedule, Schedule};
use super::schema::{
    bpjs_reconciliations, bpjs_references, clinics, doctors, hfis_updates, holidays,
    practice_schedules, schedule_exceptions,
};
use crate::domain::kinds::{ExceptionKind, HfisStatus};
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
    pub status: HfisStatus,
    pub attempts: i32,
    pub run_at: DateTime<Utc>,
    /// Why it is not through: the last transport error, BPJS's refusal, or what HFIS still
    /// showed after the approval window.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub decided_by: Option<NaiveDate>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// The queue's shape: per doctor and clinic, in the order queued; a pending change holds
/// the later ones back.
pub const QUEUE: Queue = Queue {
    table: "hfis_updates",
    group: &["clinic_id", "doctor_id"],
    order: &["id"],
    holds: Holds::WhilePending,
};

/// Queue a schedule change for HFIS. Nothing is queued when the newest change of that
/// doctor and clinic carries the same week and is still on its way or through (pending,
/// waiting, approved); `true` when a row was written. An unsent older one is not deleted
/// (a worker may hold it): the worker marks it superseded when it comes to it.
pub fn enqueue_update(
    conn: &mut PgConnection,
    clinic_id: i32,
    doctor_id: i32,
    payload: &Value,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let newest: Option<(Value, HfisStatus)> = hfis_updates::table
        .filter(hfis_updates::clinic_id.eq(clinic_id))
        .filter(hfis_updates::doctor_id.eq(doctor_id))
        .filter(hfis_updates::status.ne(HfisStatus::Superseded))
        .order(hfis_updates::id.desc())
        .select((hfis_updates::payload, hfis_updates::status))
        .first(conn)
        .optional()?;
    let live = [HfisStatus::Pending, HfisStatus::Waiting, HfisStatus::Approved];
    if newest.is_some_and(|(p, s)| &p == payload && live.contains(&s)) {
        return Ok(false);
    }
    diesel::insert_into(hfis_updates::table)
        .values((
            hfis_updates::clinic_id.eq(clinic_id),
            hfis_updates::doctor_id.eq(doctor_id),
            hfis_updates::payload.eq(payload),
            hfis_updates::status.eq(HfisStatus::Pending),
            hfis_updates::run_at.eq(now),
            hfis_updates::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Claim the next due change whose doctor and clinic have nothing earlier pending (a
/// lease; counts as an attempt).
pub fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    lease: Duration,
) -> AppResult<Option<HfisUpdate>> {
    job_lease::claim_due(conn, &QUEUE, now, lease)
}

/// Has a newer change of the same doctor and clinic been queued after this one?
pub fn has_newer(conn: &mut PgConnection, update: &HfisUpdate) -> AppResult<bool> {
    let n: i64 = hfis_updates::table
        .filter(hfis_updates::clinic_id.eq(update.clinic_id))
        .filter(hfis_updates::doctor_id.eq(update.doctor_id))
        .filter(hfis_updates::id.gt(update.id))
        .filter(hfis_updates::status.eq(HfisStatus::Pending))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Set a change's status (and its reason), leaving the rest.
pub fn set_status(
    conn: &mut PgConnection,
    id: i64,
    status: HfisStatus,
    why: Option<&str>,
) -> AppResult<()> {
    diesel::update(hfis_updates::table.find(id))
        .set((hfis_updates::status.eq(status), hfis_updates::last_error.eq(why)))
        .execute(conn)?;
    Ok(())
}

/// BPJS took the change at `now`; its decision is due by `decided_by`.
pub fn mark_waiting(
    conn: &mut PgConnection,
    id: i64,
    now: DateTime<Utc>,
    decided_by: NaiveDate,
) -> AppResult<()> {
    diesel::update(hfis_updates::table.find(id))
        .set((
            hfis_updates::status.eq(HfisStatus::Waiting),
            hfis_updates::last_error.eq(None::<String>),
            hfis_updates::sent_at.eq(now),
            hfis_updates::decided_by.eq(decided_by),
        ))
        .execute(conn)?;
    Ok(())
}

/// BPJS answered no at `now` (the reason is its message).
pub fn mark_refused(
    conn: &mut PgConnection,
    id: i64,
    why: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    diesel::update(hfis_updates::table.find(id))
        .set((
            hfis_updates::status.eq(HfisStatus::Refused),
            hfis_updates::last_error.eq(why),
            hfis_updates::sent_at.eq(now),
            hfis_updates::decided_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The attempt did not reach BPJS: retry at `at` (`pending`) or give up (`failed`).
pub fn record_failure(
    conn: &mut PgConnection,
    id: i64,
    status: HfisStatus,
    at: DateTime<Utc>,
    error: &str,
) -> AppResult<()> {
    job_lease::record_failure(conn, &QUEUE, id, status.as_str(), at, error)
}

/// BPJS decided a waiting change: approved, or refused (with what HFIS still shows).
pub fn decide(
    conn: &mut PgConnection,
    id: i64,
    status: HfisStatus,
    why: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    diesel::update(hfis_updates::table.find(id))
        .filter(hfis_updates::status.eq(HfisStatus::Waiting))
        .set((
            hfis_updates::status.eq(status),
            hfis_updates::decided_at.eq(now),
            hfis_updates::last_error.eq(why),
        ))
        .execute(conn)?;
    Ok(())
}

/// Changes waiting for BPJS's decision.
pub fn waiting(conn: &mut PgConnection) -> AppResult<Vec<HfisUpdate>> {
    Ok(hfis_updates::table
        .filter(hfis_updates::status.eq(HfisStatus::Waiting))
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

/// The JKN visits of a service day (payer JKN or booked through Mobile JKN). Known to BPJS:
/// reported with `add`, or booked through Mobile JKN and reported on since (check-in,
/// cancellation, no-show). A visit SIPOLI never queued a report for (the demo's seeded past
/// month) is not asked about.
pub fn jkn_visits(conn: &mut PgConnection, date: NaiveDate) -> AppResult<Vec<JknVisit>> {
    Ok(diesel::sql_query(
        "SELECT v.id, v.booking_code, c.bpjs_code AS kodepoli,
                EXISTS (SELECT 1 FROM bpjs_tasks t
                        WHERE t.visit_id = v.id AND (t.kind = 'add' OR v.channel = 'jkn')) AS known
         FROM visits v JOIN clinics c ON c.id = v.clinic_id
         WHERE v.service_date = $1 AND (v.payer = 'jkn' OR v.channel = 'jkn')
         ORDER BY v.id",
    )
    .bind::<diesel::sql_types::Date, _>(date)
    .load(conn)?)
}

/// The first national holiday an admin entered on or after `from`.
pub fn next_holiday(conn: &mut PgConnection, from: NaiveDate) -> AppResult<Option<NaiveDate>> {
    Ok(holidays::table
        .filter(holidays::date.ge(from))
        .select(diesel::dsl::min(holidays::date))
        .first::<Option<NaiveDate>>(conn)?)
}

/// Is `date` a national holiday?
pub fn is_holiday(conn: &mut PgConnection, date: NaiveDate) -> AppResult<bool> {
    let n: i64 = holidays::table.filter(holidays::date.eq(date)).count().get_result(conn)?;
    Ok(n > 0)
}

/// The one-off (extra) sessions of a doctor at a clinic on `date`: (start, end).
pub fn extras_on(
    conn: &mut PgConnection,
    clinic_id: i32,
    doctor_id: i32,
    date: NaiveDate,
) -> AppResult<Vec<(NaiveTime, NaiveTime)>> {
    let rows: Vec<(Option<NaiveTime>, Option<NaiveTime>)> = schedule_exceptions::table
        .filter(schedule_exceptions::kind.eq(ExceptionKind::Extra.as_str()))
        .filter(schedule_exceptions::date.eq(date))
        .filter(schedule_exceptions::clinic_id.eq(clinic_id))
        .filter(schedule_exceptions::doctor_id.eq(doctor_id))
        .order(schedule_exceptions::starts_at)
        .select((schedule_exceptions::starts_at, schedule_exceptions::ends_at))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(a, b)| Some((a?, b?))).collect())
}

/// Every (clinic, doctor) HFIS knows both of (BPJS codes set) that has a weekly schedule
/// still in force on `from` or later, an extra session from `from` on, or was sent to HFIS
/// before (so a week that became empty is sent too).
pub fn bpjs_pairs(conn: &mut PgConnection, from: NaiveDate) -> AppResult<Vec<(i32, i32)>> {
    #[derive(QueryableByName)]
    struct Pair {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        clinic_id: i32,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        doctor_id: i32,
    }
    let rows: Vec<Pair> = diesel::sql_query(
        "SELECT DISTINCT p.clinic_id, p.doctor_id FROM (
             SELECT clinic_id, doctor_id FROM practice_schedules
             WHERE valid_until IS NULL OR valid_until >= $1
             UNION SELECT clinic_id, doctor_id FROM schedule_exceptions
             WHERE kind = $2 AND date >= $1 AND clinic_id IS NOT NULL AND doctor_id IS NOT NULL
             UNION SELECT clinic_id, doctor_id FROM hfis_updates) p
         JOIN clinics c ON c.id = p.clinic_id AND c.bpjs_code IS NOT NULL
         JOIN doctors d ON d.id = p.doctor_id AND d.bpjs_code IS NOT NULL
         ORDER BY p.clinic_id, p.doctor_id",
    )
    .bind::<diesel::sql_types::Date, _>(from)
    .bind::<diesel::sql_types::Text, _>(ExceptionKind::Extra.as_str())
    .load(conn)?;
    Ok(rows.into_iter().map(|p| (p.clinic_id, p.doctor_id)).collect())
}

/// Keep a BPJS reference list (`poli` or `dokter`) as fetched at `now`.
pub fn save_reference(
    conn: &mut PgConnection,
    kind: &str,
    list: &Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    diesel::insert_into(bpjs_references::table)
        .values((
            bpjs_references::kind.eq(kind),
            bpjs_references::list.eq(list),
            bpjs_references::fetched_at.eq(now),
        ))
        .on_conflict(bpjs_references::kind)
        .do_update()
        .set((bpjs_references::list.eq(list), bpjs_references::fetched_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// A kept BPJS reference list and when it was fetched.
pub fn reference(conn: &mut PgConnection, kind: &str) -> AppResult<Option<(Value, DateTime<Utc>)>> {
    Ok(bpjs_references::table
        .find(kind)
        .select((bpjs_references::list, bpjs_references::fetched_at))
        .first(conn)
        .optional()?)
}
