//! Weekly practice schedules and their exceptions (leave, closure, extra sessions), and
//! what they do to the clinic sessions already made.
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Int4};

use super::models::{
    Clinic, Doctor, NewSchedule, NewScheduleException, Schedule, ScheduleException,
};
use super::schema::{
    clinic_sessions, clinics, doctors, practice_schedules, schedule_exceptions, visits,
};
use crate::domain::kinds::{ExceptionKind, SessionStatus};
use crate::error::AppResult;

/// Schedules still in force on `today`, with clinic and doctor; optionally of one clinic.
pub fn in_force(
    conn: &mut PgConnection,
    today: NaiveDate,
    clinic_code: Option<&str>,
) -> AppResult<Vec<(Schedule, Clinic, Doctor)>> {
    let mut q = practice_schedules::table
        .inner_join(clinics::table)
        .inner_join(doctors::table)
        .filter(
            practice_schedules::valid_until.is_null().or(practice_schedules::valid_until.ge(today)),
        )
        .order((clinics::name, practice_schedules::weekday, practice_schedules::starts_at))
        .select((Schedule::as_select(), Clinic::as_select(), Doctor::as_select()))
        .into_boxed();
    if let Some(code) = clinic_code {
        q = q.filter(clinics::code.eq(code.to_ascii_uppercase()));
    }
    Ok(q.load(conn)?)
}

pub fn clinic_by_code(conn: &mut PgConnection, code: &str) -> AppResult<Option<Clinic>> {
    Ok(clinics::table
        .filter(clinics::code.eq(code.trim().to_ascii_uppercase()))
        .select(Clinic::as_select())
        .first(conn)
        .optional()?)
}

pub fn doctor_by_code(conn: &mut PgConnection, code: &str) -> AppResult<Option<Doctor>> {
    Ok(doctors::table
        .filter(doctors::code.eq(code.trim()))
        .select(Doctor::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut PgConnection, id: i32) -> AppResult<Option<Schedule>> {
    Ok(practice_schedules::table.find(id).select(Schedule::as_select()).first(conn).optional()?)
}

pub fn insert(conn: &mut PgConnection, new: &NewSchedule) -> AppResult<Schedule> {
    Ok(diesel::insert_into(practice_schedules::table)
        .values(new)
        .returning(Schedule::as_returning())
        .get_result(conn)?)
}

pub fn update(conn: &mut PgConnection, id: i32, new: &NewSchedule) -> AppResult<Schedule> {
    Ok(diesel::update(practice_schedules::table.find(id))
        .set(new)
        .returning(Schedule::as_returning())
        .get_result(conn)?)
}

/// Sessions of a schedule from `from` on take its new quotas (never below what is taken)
/// and service minutes.
pub fn follow_quotas(
    conn: &mut PgConnection,
    schedule: &Schedule,
    from: NaiveDate,
) -> AppResult<()> {
    diesel::sql_query(
        "UPDATE clinic_sessions SET quota_jkn = GREATEST($2, taken_jkn),
             quota_non_jkn = GREATEST($3, taken_non_jkn),
             online_limit = GREATEST(LEAST($4, $2 + $3), taken_online), service_minutes = $5
         WHERE schedule_id = $1 AND service_date >= $6",
    )
    .bind::<Int4, _>(schedule.id)
    .bind::<Int4, _>(schedule.quota_jkn)
    .bind::<Int4, _>(schedule.quota_non_jkn)
    .bind::<Int4, _>(schedule.online_limit)
    .bind::<Int4, _>(schedule.service_minutes)
    .bind::<Date, _>(from)
    .execute(conn)?;
    Ok(())
}

/// Remove the sessions of a schedule from `from` on that nobody has taken a place in.
pub fn drop_untaken_sessions(
    conn: &mut PgConnection,
    schedule_id: i32,
    from: NaiveDate,
) -> AppResult<usize> {
    let taken = visits::table.select(visits::session_id);
    Ok(diesel::delete(
        clinic_sessions::table
            .filter(clinic_sessions::schedule_id.eq(schedule_id))
            .filter(clinic_sessions::service_date.ge(from))
            .filter(clinic_sessions::id.ne_all(taken)),
    )
    .execute(conn)?)
}

pub fn set_valid_until(conn: &mut PgConnection, id: i32, until: NaiveDate) -> AppResult<()> {
    diesel::update(practice_schedules::table.find(id))
        .set(practice_schedules::valid_until.eq(Some(until)))
        .execute(conn)?;
    Ok(())
}

pub fn count_sessions_from(
    conn: &mut PgConnection,
    schedule_id: i32,
    from: NaiveDate,
) -> AppResult<i64> {
    Ok(clinic_sessions::table
        .filter(clinic_sessions::schedule_id.eq(schedule_id))
        .filter(clinic_sessions::service_date.ge(from))
        .count()
        .get_result(conn)?)
}

/// Clinics whose weekly schedule has this doctor (ended ones included): where a leave of
/// the doctor may cancel sessions.
pub fn doctor_clinics(conn: &mut PgConnection, doctor_id: i32) -> AppResult<Vec<i32>> {
    Ok(practice_schedules::table
        .filter(practice_schedules::doctor_id.eq(doctor_id))
        .select(practice_schedules::clinic_id)
        .distinct()
        .load(conn)?)
}

pub fn exceptions_between(
    conn: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<ScheduleException>> {
    Ok(schedule_exceptions::table
        .filter(schedule_exceptions::date.between(from, to))
        .order((schedule_exceptions::date, schedule_exceptions::id))
        .select(ScheduleException::as_select())
        .load(conn)?)
}

pub fn find_exception(conn: &mut PgConnection, id: i32) -> AppResult<Option<ScheduleException>> {
    Ok(schedule_exceptions::table
        .find(id)
        .select(ScheduleException::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_exception(
    conn: &mut PgConnection,
    new: &NewScheduleException,
) -> AppResult<ScheduleException> {
    Ok(diesel::insert_into(schedule_exceptions::table)
        .values(new)
        .returning(ScheduleException::as_returning())
        .get_result(conn)?)
}

pub fn delete_exception(conn: &mut PgConnection, id: i32) -> AppResult<()> {
    diesel::delete(schedule_exceptions::table.find(id)).execute(conn)?;
    Ok(())
}

/// Sessions of a date that a leave (of `doctor_id`, optionally at `clinic_id`) or a closure
/// (of `clinic_id`) touches, in the given status: `(session id, clinic id)`.
pub fn sessions_touched(
    conn: &mut PgConnection,
    date: NaiveDate,
    kind: ExceptionKind,
    doctor_id: Option<i32>,
    clinic_id: Option<i32>,
    cancelled: bool,
) -> AppResult<Vec<(i32, i32)>> {
    let mut q = clinic_sessions::table.filter(clinic_sessions::service_date.eq(date)).into_boxed();
    q = if cancelled {
        q.filter(clinic_sessions::status.eq(SessionStatus::Cancelled))
    } else {
        q.filter(clinic_sessions::status.ne(SessionStatus::Cancelled))
    };
    match kind {
        ExceptionKind::Leave => {
            q = q.filter(clinic_sessions::doctor_id.eq(doctor_id.unwrap_or_default()));
            if let Some(cl) = clinic_id {
                q = q.filter(clinic_sessions::clinic_id.eq(cl));
            }
        }
        ExceptionKind::Closure => {
            q = q.filter(clinic_sessions::clinic_id.eq(clinic_id.unwrap_or_default()))
        }
        ExceptionKind::Extra => return Ok(Vec::new()),
    }
    Ok(q.select((clinic_sessions::id, clinic_sessions::clinic_id)).load(conn)?)
}

pub fn set_sessions_status(
    conn: &mut PgConnection,
    ids: &[i32],
    status: SessionStatus,
    reason: &str,
) -> AppResult<()> {
    diesel::update(clinic_sessions::table.filter(clinic_sessions::id.eq_any(ids)))
        .set((clinic_sessions::status.eq(status), clinic_sessions::cancel_reason.eq(reason)))
        .execute(conn)?;
    Ok(())
}

/// The sessions of a removed extra session: untaken ones go, the others are cancelled.
pub fn drop_extra_sessions(conn: &mut PgConnection, exception_id: i32) -> AppResult<()> {
    let taken = visits::table.select(visits::session_id);
    diesel::delete(
        clinic_sessions::table
            .filter(clinic_sessions::exception_id.eq(exception_id))
            .filter(clinic_sessions::id.ne_all(taken)),
    )
    .execute(conn)?;
    diesel::update(clinic_sessions::table.filter(clinic_sessions::exception_id.eq(exception_id)))
        .set((
            clinic_sessions::status.eq(SessionStatus::Cancelled),
            clinic_sessions::exception_id.eq(None::<i32>),
        ))
        .execute(conn)?;
    Ok(())
}
