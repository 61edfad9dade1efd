//! The notification outbox (`notification_jobs`): enqueue inside the caller's transaction
//! with a dedupe key, claim with `FOR UPDATE SKIP LOCKED`, mark sent or failed, bury and
//! revive; the staff list; and the visits whose patients a job may be written for.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Int4, Text, Timestamptz};
use serde::Serialize;
use serde_json::Value;

use super::models::Visit;
use super::schema::{notification_jobs, visits};
use crate::domain::kinds::JobStatus;
use crate::domain::visit_status::VisitStatus;
use crate::error::AppResult;

/// One row of the outbox.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Serialize)]
#[diesel(table_name = notification_jobs)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub visit_id: Option<i64>,
    pub channel: String,
    pub recipient: String,
    pub payload: Value,
    pub dedupe_key: String,
    pub run_at: DateTime<Utc>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub status: JobStatus,
    pub last_error: Option<String>,
    pub locked_until: Option<DateTime<Utc>>,
    pub locked_by: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = notification_jobs)]
pub struct NewJob {
    pub kind: String,
    pub visit_id: Option<i64>,
    pub channel: String,
    pub recipient: String,
    pub payload: Value,
    pub dedupe_key: String,
    pub run_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Add jobs; a job whose dedupe key is already there is left out. Returns how many were
/// added. The insert wakes listening workers (a trigger sends `NOTIFY sipoli_jobs`).
pub fn enqueue(conn: &mut PgConnection, jobs: &[NewJob]) -> AppResult<usize> {
    if jobs.is_empty() {
        return Ok(0);
    }
    Ok(diesel::insert_into(notification_jobs::table)
        .values(jobs)
        .on_conflict(notification_jobs::dedupe_key)
        .do_nothing()
        .execute(conn)?)
}

/// Open jobs (pending or failed) written out as the partial indexes' predicate: a generic
/// plan can use `notification_jobs_due_idx` only when the query states it without a
/// parameter (a bound `= ANY($n)` alone would make every wake-up scan the sent jobs too).
/// `tests::open_sql_names_the_open_statuses` keeps it in step with [`JobStatus::OPEN`].
const OPEN_SQL: &str = "status IN ('pending', 'failed')";

/// Take up to `limit` due jobs for `worker`: one statement locks them (`SKIP LOCKED`, so
/// workers never wait for each other nor take the same job), counts the attempt and holds
/// them until `now + lease`. A job whose holder let the lease run out is due again.
pub fn claim(
    conn: &mut PgConnection,
    worker: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> AppResult<Vec<Job>> {
    let mut jobs: Vec<Job> = diesel::sql_query(format!(
        "UPDATE notification_jobs SET attempts = attempts + 1, locked_by = $1,
             locked_until = $3, updated_at = $2
         WHERE id IN (SELECT id FROM notification_jobs
                      WHERE {OPEN_SQL} AND status = ANY($5) AND run_at <= $2
                        AND (locked_until IS NULL OR locked_until <= $2)
                        AND attempts < max_attempts
                      ORDER BY run_at, id LIMIT $4
                      FOR UPDATE SKIP LOCKED)
         RETURNING *"
    ))
    .bind::<Text, _>(worker)
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(now + lease)
    .bind::<BigInt, _>(limit)
    .bind::<Array<Text>, _>(JobStatus::OPEN.to_vec())
    .load(conn)?;
    // RETURNING does not keep the subquery's order.
    jobs.sort_by_key(|j| (j.run_at, j.id));
    Ok(jobs)
}

/// Jobs whose worker died during their last allowed attempt: nobody may try them again,
/// so they are given up (the staff view offers a retry). Found through
/// `notification_jobs_abandoned_idx`: only jobs held on their last attempt are in it.
pub fn bury_abandoned(conn: &mut PgConnection, now: DateTime<Utc>) -> AppResult<usize> {
    Ok(diesel::sql_query(
        "UPDATE notification_jobs SET status = $2, locked_until = NULL, locked_by = NULL,
             last_error = coalesce(last_error || '; ', '') || 'worker stopped during the last attempt',
             updated_at = $1
         WHERE attempts >= max_attempts AND locked_until IS NOT NULL AND locked_until <= $1
           AND status = ANY($3)",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Text, _>(JobStatus::Dead)
    .bind::<Array<Text>, _>(JobStatus::OPEN.to_vec())
    .execute(conn)?)
}

/// Mark jobs sent. Each is `(id, attempts)` as claimed: a worker whose lease ran out and
/// whose job was claimed again by another does not overwrite the newer attempt.
pub fn mark_sent(
    conn: &mut PgConnection,
    worker: &str,
    done: &[(i64, i32)],
    now: DateTime<Utc>,
) -> AppResult<usize> {
    if done.is_empty() {
        return Ok(0);
    }
    let (ids, attempts): (Vec<i64>, Vec<i32>) = done.iter().copied().unzip();
    Ok(diesel::sql_query(
        "UPDATE notification_jobs j SET status = $5, sent_at = $3, last_error = NULL,
             locked_until = NULL, updated_at = $3
         FROM unnest($1::bigint[], $2::int[]) AS d(id, attempts)
         WHERE j.id = d.id AND j.attempts = d.attempts AND j.locked_by = $4
           AND j.status = ANY($6)",
    )
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Array<Int4>, _>(attempts)
    .bind::<Timestamptz, _>(now)
    .bind::<Text, _>(worker)
    .bind::<Text, _>(JobStatus::Sent)
    .bind::<Array<Text>, _>(JobStatus::OPEN.to_vec())
    .execute(conn)?)
}

/// Record a failed attempt: tried again at `retry_at`, or dead after the last attempt (or
/// at once when the failure is `permanent`). Returns the new status.
pub fn mark_failed(
    conn: &mut PgConnection,
    worker: &str,
    job: (i64, i32),
    error: &str,
    permanent: bool,
    retry_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<Option<JobStatus>> {
    #[derive(QueryableByName)]
    struct Status {
        #[diesel(sql_type = Text)]
        status: JobStatus,
    }
    let row: Option<Status> = diesel::sql_query(
        "UPDATE notification_jobs SET
             status = CASE WHEN $5 OR attempts >= max_attempts THEN $8 ELSE $9 END,
             run_at = $6, last_error = $4, locked_until = NULL, updated_at = $7
         WHERE id = $1 AND attempts = $2 AND locked_by = $3 AND status = ANY($10)
         RETURNING status",
    )
    .bind::<BigInt, _>(job.0)
    .bind::<Int4, _>(job.1)
    .bind::<Text, _>(worker)
    .bind::<Text, _>(error.chars().take(1000).collect::<String>())
    .bind::<Bool, _>(permanent)
    .bind::<Timestamptz, _>(retry_at)
    .bind::<Timestamptz, _>(now)
    .bind::<Text, _>(JobStatus::Dead)
    .bind::<Text, _>(JobStatus::Failed)
    .bind::<Array<Text>, _>(JobStatus::OPEN.to_vec())
    .get_result(conn)
    .optional()?;
    Ok(row.map(|r| r.status))
}

/// Give a dead job a fresh set of attempts (staff action) and wake the workers. `None`
/// when it is not dead.
pub fn revive(conn: &mut PgConnection, id: i64, now: DateTime<Utc>) -> AppResult<Option<Job>> {
    let job = diesel::update(
        notification_jobs::table
            .filter(notification_jobs::id.eq(id))
            .filter(notification_jobs::status.eq(JobStatus::Dead)),
    )
    .set((
        notification_jobs::status.eq(JobStatus::Pending),
        notification_jobs::attempts.eq(0),
        notification_jobs::run_at.eq(now),
        notification_jobs::locked_until.eq(None::<DateTime<Utc>>),
        notification_jobs::locked_by.eq(None::<String>),
        notification_jobs::updated_at.eq(now),
    ))
    .returning(Job::as_returning())
    .get_result(conn)
    .optional()?;
    if job.is_some() {
        diesel::sql_query("SELECT pg_notify('sipoli_jobs', '')").execute(conn)?;
    }
    Ok(job)
}

/// The newest jobs (not the internal ones) with their visit's ticket and booking code,
/// optionally of one status and of some clinics only.
pub fn recent(
    conn: &mut PgConnection,
    status: Option<JobStatus>,
    clinics: Option<Vec<i32>>,
    limit: i64,
) -> AppResult<Vec<(Job, String, String)>> {
    let mut q = notification_jobs::table
        .inner_join(visits::table)
        .filter(notification_jobs::channel.ne("internal"))
        .order(notification_jobs::id.desc())
        .limit(limit)
        .select((Job::as_select(), visits::ticket, visits::booking_code))
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(notification_jobs::status.eq(s));
    }
    if let Some(ids) = clinics {
        q = q.filter(visits::clinic_id.eq_any(ids));
    }
    Ok(q.load(conn)?)
}

/// The clinic of the visit a job is about; `None` for an unknown job or one about no visit.
pub fn clinic_of(conn: &mut PgConnection, id: i64) -> AppResult<Option<i32>> {
    Ok(notification_jobs::table
        .inner_join(visits::table)
        .filter(notification_jobs::id.eq(id))
        .select(visits::clinic_id)
        .first(conn)
        .optional()?)
}

/// Visits that a patient can be reached for: a phone number or an email address given.
fn reachable() -> visits::BoxedQuery<'static, diesel::pg::Pg> {
    visits::table
        .filter(visits::contact_phone.is_not_null().or(visits::contact_email.is_not_null()))
        .into_boxed()
}

/// Bookings and checked-in visits of a session whose patient can be reached ("turn
/// approaching" candidates).
pub fn reachable_in_queue(conn: &mut PgConnection, session_id: i32) -> AppResult<Vec<Visit>> {
    Ok(reachable()
        .filter(visits::session_id.eq(session_id))
        .filter(visits::status.eq_any([VisitStatus::Waiting, VisitStatus::Booked]))
        .select(Visit::as_select())
        .load(conn)?)
}

/// Bookings of `date` not checked in, made before `made_before`, whose patient can be
/// reached (day-before reminders).
pub fn reachable_bookings(
    conn: &mut PgConnection,
    date: NaiveDate,
    made_before: DateTime<Utc>,
) -> AppResult<Vec<Visit>> {
    Ok(reachable()
        .filter(visits::service_date.eq(date))
        .filter(visits::status.eq(VisitStatus::Booked))
        .filter(visits::created_at.lt(made_before))
        .select(Visit::as_select())
        .load(conn)?)
}

/// Hand back jobs this worker claimed but did not try (it is stopping): free at once for
/// another worker, the attempt not counted. `(id, attempts)` as claimed.
pub fn release(conn: &mut PgConnection, worker: &str, claimed: &[(i64, i32)]) -> AppResult<usize> {
    if claimed.is_empty() {
        return Ok(0);
    }
    let (ids, attempts): (Vec<i64>, Vec<i32>) = claimed.iter().copied().unzip();
    Ok(diesel::sql_query(
        "UPDATE notification_jobs j SET locked_until = NULL, locked_by = NULL,
             attempts = j.attempts - 1
         FROM unnest($1::bigint[], $2::int[]) AS d(id, attempts)
         WHERE j.id = d.id AND j.attempts = d.attempts AND j.locked_by = $3
           AND j.status = ANY($4)",
    )
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Array<Int4>, _>(attempts)
    .bind::<Text, _>(worker)
    .bind::<Array<Text>, _>(JobStatus::OPEN.to_vec())
    .execute(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_sql_names_the_open_statuses() {
        let named: Vec<String> =
            JobStatus::OPEN.iter().map(|s| format!("'{}'", s.as_str())).collect();
        assert_eq!(OPEN_SQL, format!("status IN ({})", named.join(", ")));
    }
}
