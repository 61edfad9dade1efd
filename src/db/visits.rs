//! Visits: single-statement transitions, call order, positions, and the ticket counter.
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, Int4, Text, Timestamptz};

use super::models::{NewVisit, Visit};
use super::schema::{clinic_sessions, patients, visit_events, visits};
use crate::domain::kinds::Payer;
use crate::domain::visit_status::{Action, VisitStatus};
use crate::error::{AppError, AppResult};

pub fn unknown_visit() -> AppError {
    AppError::not_found("unknown_visit", "Kunjungan tidak ditemukan.", "Visit not found.")
}

pub fn unknown_booking() -> AppError {
    AppError::not_found(
        "unknown_booking",
        "Kode booking tidak ditemukan.",
        "Booking code not found.",
    )
}

pub fn find(conn: &mut PgConnection, id: i64) -> AppResult<Visit> {
    visits::table
        .find(id)
        .select(Visit::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(unknown_visit)
}

pub fn find_by_code(conn: &mut PgConnection, code: &str) -> AppResult<Option<Visit>> {
    Ok(visits::table
        .filter(visits::booking_code.eq(code))
        .select(Visit::as_select())
        .first(conn)
        .optional()?)
}

/// The visit's status, its row locked until the transaction ends.
pub fn lock_status(conn: &mut PgConnection, id: i64) -> AppResult<VisitStatus> {
    visits::table
        .find(id)
        .select(visits::status)
        .for_update()
        .first(conn)
        .optional()?
        .ok_or_else(unknown_visit)
}

/// Move a visit from `from` to `to` for `action`, stamping the action's time; conditional on
/// the status it was decided from.
pub fn set_status(
    conn: &mut PgConnection,
    id: i64,
    from: VisitStatus,
    to: VisitStatus,
    action: Action,
    now: DateTime<Utc>,
) -> AppResult<Visit> {
    let scope = visits::table.filter(visits::id.eq(id)).filter(visits::status.eq(from));
    let base = (visits::status.eq(to), visits::updated_at.eq(now));
    let query = diesel::update(scope);
    let visit = match action {
        Action::CheckIn => query
            .set((base, visits::checked_in_at.eq(now)))
            .returning(Visit::as_returning())
            .get_result(conn)?,
        // Once the consultation has started, `called_at` stays the first call's: the call
        // after a lab return is the second consultation's, kept as its own visit event.
        Action::Call | Action::Recall => query
            .set((
                base,
                visits::called_at.eq(diesel::dsl::sql::<diesel::sql_types::Nullable<Timestamptz>>(
                    "CASE WHEN started_at IS NULL THEN ",
                )
                .bind::<Timestamptz, _>(now)
                .sql(" ELSE called_at END")),
                visits::call_count.eq(visits::call_count + 1),
            ))
            .returning(Visit::as_returning())
            .get_result(conn)?,
        // After a return from the lab (`Back`) the second consultation keeps the first's
        // times on the visit (BPJS tasks 4/5 and the reports measure the first).
        Action::Start => query
            .set((base, visits::started_at.eq(coalesce(visits::started_at, now))))
            .returning(Visit::as_returning())
            .get_result(conn)?,
        Action::Finish => query
            .set((base, visits::finished_at.eq(coalesce(visits::finished_at, now))))
            .returning(Visit::as_returning())
            .get_result(conn)?,
        Action::CancelByPatient | Action::CancelByStaff => query
            .set((base, visits::cancelled_at.eq(now)))
            .returning(Visit::as_returning())
            .get_result(conn)?,
        Action::Skip | Action::Return | Action::NoShow | Action::Back => {
            query.set(base).returning(Visit::as_returning()).get_result(conn)?
        }
    };
    Ok(visit)
}

/// A visit's latest call, as the id of its last `call` or `recall` event (through
/// `visit_events_visit_idx`). `called_at` keeps the first consultation's call; a patient
/// called again after the lab is the newest call all the same, on boards and as "now serving".
pub fn last_call() -> diesel::expression::SqlLiteral<diesel::sql_types::Nullable<BigInt>> {
    diesel::dsl::sql(&last_call_of("visits"))
}

/// [`last_call`] as SQL, of the visit row named `visit` in the query.
pub fn last_call_of(visit: &str) -> String {
    format!(
        "(SELECT max(e.id) FROM visit_events e \
         WHERE e.visit_id = {visit}.id AND e.kind IN ('call', 'recall'))"
    )
}

diesel::define_sql_function! {
    /// `coalesce(time, now)`: a time stamped once, kept when the action comes again.
    fn coalesce(x: diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>, y: diesel::sql_types::Timestamptz) -> diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>;
}

/// A cancelled place goes back to its session's quota, so someone else can take it.
pub fn release_quota(conn: &mut PgConnection, visit: &Visit) -> AppResult<()> {
    let jkn = visit.payer == Payer::Jkn;
    let ahead = visit.channel.is_ahead();
    diesel::update(clinic_sessions::table.find(visit.session_id))
        .set((
            clinic_sessions::taken_jkn.eq(clinic_sessions::taken_jkn - i32::from(jkn)),
            clinic_sessions::taken_non_jkn.eq(clinic_sessions::taken_non_jkn - i32::from(!jkn)),
            clinic_sessions::taken_online.eq(clinic_sessions::taken_online - i32::from(ahead)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Waiting visits of a session in call order: priority first, then sort key.
pub fn waiting(conn: &mut PgConnection, session_id: i32) -> AppResult<Vec<Visit>> {
    Ok(visits::table
        .filter(visits::session_id.eq(session_id))
        .filter(visits::status.eq(VisitStatus::Waiting))
        .order((visits::priority.desc(), visits::sort_key, visits::id))
        .select(Visit::as_select())
        .load(conn)?)
}

/// Every visit of a session in call order, with the patient's name (staff lists).
pub fn with_names(
    conn: &mut PgConnection,
    session_id: i32,
) -> AppResult<Vec<(Visit, Option<String>)>> {
    Ok(visits::table
        .left_join(patients::table)
        .filter(visits::session_id.eq(session_id))
        .order((visits::priority.desc(), visits::sort_key, visits::id))
        .select((Visit::as_select(), patients::name.nullable()))
        .load(conn)?)
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Mark the first waiting visit of a session called, in one statement: two clerks calling
/// at once get two different patients.
pub fn call_first_waiting(
    conn: &mut PgConnection,
    session_id: i32,
    now: DateTime<Utc>,
) -> AppResult<Option<Visit>> {
    let next: Option<Id> = diesel::sql_query(
        "UPDATE visits SET status = $3,
             called_at = CASE WHEN started_at IS NULL THEN $2 ELSE called_at END,
             call_count = call_count + 1,
             updated_at = $2
         WHERE id = (SELECT id FROM visits WHERE session_id = $1 AND status = $4
                     ORDER BY priority DESC, sort_key, id LIMIT 1 FOR UPDATE SKIP LOCKED)
           AND status = $4
         RETURNING id",
    )
    .bind::<Int4, _>(session_id)
    .bind::<Timestamptz, _>(now)
    .bind::<Text, _>(VisitStatus::Called)
    .bind::<Text, _>(VisitStatus::Waiting)
    .get_result(conn)
    .optional()?;
    next.map(|Id { id }| find(conn, id)).transpose()
}

pub fn set_sort_key(conn: &mut PgConnection, id: i64, key: f64) -> AppResult<Visit> {
    Ok(diesel::update(visits::table.find(id))
        .set(visits::sort_key.eq(key))
        .returning(Visit::as_returning())
        .get_result(conn)?)
}

/// Set or clear the priority flag of a visit not yet called; `None` when it was called.
pub fn set_priority(
    conn: &mut PgConnection,
    id: i64,
    priority: bool,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<Visit>> {
    Ok(diesel::update(visits::table)
        .filter(visits::id.eq(id))
        .filter(visits::status.eq_any([
            VisitStatus::Booked,
            VisitStatus::Waiting,
            VisitStatus::Skipped,
        ]))
        .set((
            visits::priority.eq(priority),
            visits::priority_reason.eq(reason),
            visits::updated_at.eq(now),
        ))
        .returning(Visit::as_returning())
        .get_result(conn)
        .optional()?)
}

/// How many of a doctor's latest sessions are searched for measured services.
const RECENT_SESSIONS: i64 = 20;

/// Seconds of a doctor's last 20 measured services (start → finish), newest first, from
/// their latest sessions up to `until`. Each step is an index lookup
/// (`clinic_sessions_doctor_date_idx`, then `visits_session_services_idx` per session), so
/// the cost does not grow with the years of visits kept, nor for a doctor with no history.
pub fn recent_service_seconds(
    conn: &mut PgConnection,
    doctor_id: i32,
    until: NaiveDate,
) -> AppResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Span {
        #[diesel(sql_type = Timestamptz)]
        started_at: DateTime<Utc>,
        #[diesel(sql_type = Timestamptz)]
        finished_at: DateTime<Utc>,
    }
    let samples: Vec<Span> = diesel::sql_query(format!(
        "SELECT v.started_at, v.finished_at {}",
        recent_services_from("$1", "$2")
    ))
    .bind::<Int4, _>(doctor_id)
    .bind::<diesel::sql_types::Date, _>(until)
    .load(conn)?;
    Ok(samples.into_iter().map(|s| (s.finished_at - s.started_at).num_seconds()).collect())
}

/// The `FROM … ORDER BY … LIMIT` of a doctor's last 20 measured services (rows `v` with
/// `started_at`, `finished_at`, newest first) in their latest sessions up to a date, for
/// the doctor and date given as SQL expressions: [`recent_service_seconds`] binds them,
/// the booking's claim and the status read take them from the rows they already have.
pub(crate) fn recent_services_from(doctor: &str, until: &str) -> String {
    format!(
        "FROM (SELECT id FROM clinic_sessions WHERE doctor_id = {doctor} AND service_date <= {until}
               ORDER BY service_date DESC, starts_at DESC LIMIT {RECENT_SESSIONS}) s
         CROSS JOIN LATERAL (
             SELECT started_at, finished_at FROM visits
             WHERE session_id = s.id AND finished_at IS NOT NULL AND started_at IS NOT NULL
             ORDER BY finished_at DESC LIMIT 20) v
         ORDER BY v.finished_at DESC LIMIT 20"
    )
}

/// The seconds of those services, as one `bigint[]` expression (whole seconds, cut like
/// [`recent_service_seconds`]).
pub(crate) fn recent_seconds_array(doctor: &str, until: &str) -> String {
    format!(
        "ARRAY(SELECT trunc(extract(epoch FROM v.finished_at - v.started_at))::bigint {})",
        recent_services_from(doctor, until)
    )
}

/// Patients ahead: for a waiting visit, the waiting ones before it in call order; for a
/// booking not yet checked in, the booked and waiting ones with an earlier place.
pub fn position_of(conn: &mut PgConnection, visit: &Visit) -> AppResult<i64> {
    let same_session = visits::table.filter(visits::session_id.eq(visit.session_id));
    let n = match visit.status {
        VisitStatus::Waiting => same_session
            .filter(visits::status.eq(VisitStatus::Waiting))
            .filter(
                visits::priority.gt(visit.priority).or(visits::priority.eq(visit.priority).and(
                    visits::sort_key
                        .lt(visit.sort_key)
                        .or(visits::sort_key.eq(visit.sort_key).and(visits::id.lt(visit.id))),
                )),
            )
            .count()
            .get_result(conn)?,
        VisitStatus::Booked => same_session
            .filter(visits::status.eq_any([VisitStatus::Booked, VisitStatus::Waiting]))
            .filter(visits::sort_key.lt(visit.sort_key))
            .count()
            .get_result(conn)?,
        _ => 0,
    };
    Ok(n)
}

/// Visits of a session still to be seen (booked or waiting).
pub fn count_to_be_seen(conn: &mut PgConnection, session_id: i32) -> AppResult<i64> {
    Ok(visits::table
        .filter(visits::session_id.eq(session_id))
        .filter(visits::status.eq_any([VisitStatus::Booked, VisitStatus::Waiting]))
        .count()
        .get_result(conn)?)
}

/// How many visits of a session are in each status.
pub fn status_counts(
    conn: &mut PgConnection,
    session_id: i32,
) -> AppResult<Vec<(VisitStatus, i64)>> {
    Ok(visits::table
        .filter(visits::session_id.eq(session_id))
        .group_by(visits::status)
        .select((visits::status, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Called or in service now, most recent call first (a patient called again after the lab
/// counts from that call).
pub fn now_serving(conn: &mut PgConnection, session_id: i32) -> AppResult<Vec<Visit>> {
    Ok(visits::table
        .filter(visits::session_id.eq(session_id))
        .filter(visits::status.eq_any([VisitStatus::Called, VisitStatus::Serving]))
        .order((last_call().desc().nulls_last(), visits::called_at.desc(), visits::id.desc()))
        .select(Visit::as_select())
        .load(conn)?)
}

/// Bookings not checked in whose session has ended (at most 1000 at a time).
pub fn overdue_bookings(
    conn: &mut PgConnection,
    tz: Tz,
    now: DateTime<Utc>,
) -> AppResult<Vec<i64>> {
    let gone: Vec<Id> = diesel::sql_query(
        "SELECT v.id FROM visits v JOIN clinic_sessions s ON s.id = v.session_id
         WHERE v.status = $3 AND (s.service_date + s.ends_at) AT TIME ZONE $2 < $1
         ORDER BY v.id LIMIT 1000",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Text, _>(tz.name())
    .bind::<Text, _>(VisitStatus::Booked)
    .load(conn)?;
    Ok(gone.into_iter().map(|Id { id }| id).collect())
}

/// Active visits of some sessions (booked, waiting or skipped): those a cancelled session
/// must cancel.
pub fn active_in_sessions(conn: &mut PgConnection, session_ids: &[i32]) -> AppResult<Vec<i64>> {
    Ok(visits::table
        .filter(visits::session_id.eq_any(session_ids))
        .filter(visits::status.eq_any([
            VisitStatus::Booked,
            VisitStatus::Waiting,
            VisitStatus::Skipped,
        ]))
        .select(visits::id)
        .load(conn)?)
}

/// The next ticket number of a clinic on a date: one upsert, gap-free under concurrency.
pub fn next_number(conn: &mut PgConnection, clinic_id: i32, date: NaiveDate) -> AppResult<i32> {
    super::next_in_series(conn, super::Series::Clinic, clinic_id, date)
}

/// Why a new visit was not inserted: a unique rule of the visits table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clash {
    /// The random booking code exists already: draw another.
    BookingCode,
    /// The patient has an active visit at this clinic on that date.
    ActivePerPatient,
    /// The referral number is used by another active visit.
    ReferralInUse,
}

/// Insert a visit. A clash of random booking codes inserts nothing (`ON CONFLICT` on that
/// constraint only) and leaves the transaction usable for another draw, without the two
/// round trips of a savepoint; the other unique rules fail the statement, and the caller's
/// transaction with it (it answers with the refusal and rolls back).
pub fn insert(conn: &mut PgConnection, new: &NewVisit) -> AppResult<Result<Visit, Clash>> {
    let inserted = diesel::insert_into(visits::table)
        .values(new)
        .on_conflict(visits::booking_code)
        .do_nothing()
        .returning(Visit::as_returning())
        .get_result(conn)
        .optional();
    match inserted {
        Ok(Some(visit)) => Ok(Ok(visit)),
        Ok(None) => Ok(Err(Clash::BookingCode)),
        Err(e) => clash_of(e).map(Err),
    }
}

/// The unique rule of `visits` a failed insert broke, or the error itself.
pub(crate) fn clash_of(e: DieselError) -> AppResult<Clash> {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            match info.constraint_name() {
                Some("visits_booking_code_key") => Ok(Clash::BookingCode),
                Some("visits_one_active_per_patient") => Ok(Clash::ActivePerPatient),
                Some("visits_referral_in_use") => Ok(Clash::ReferralInUse),
                _ => {
                    Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info).into())
                }
            }
        }
        e => Err(e.into()),
    }
}

/// The id of the newest visit event of these sessions (0 when there is none).
pub fn last_event_id(conn: &mut PgConnection, sessions: &[i32]) -> AppResult<i64> {
    let newest: Option<i64> = visit_events::table
        .filter(visit_events::session_id.eq_any(sessions))
        .select(diesel::dsl::max(visit_events::id))
        .first(conn)?;
    Ok(newest.unwrap_or(0))
}
