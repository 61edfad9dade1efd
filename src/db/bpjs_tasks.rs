//! The BPJS report outbox (`bpjs_tasks`): one row per report BPJS must hear about a visit,
//! deduplicated per visit, sent in order per visit by workers that claim with
//! `FOR UPDATE SKIP LOCKED` and a lease.
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde_json::Value;

use super::job_lease::{self, Holds, Queue};
use super::schema::{bpjs_tasks, visits};
use crate::domain::kinds::JobStatus;
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName, serde::Serialize)]
#[diesel(table_name = bpjs_tasks)]
pub struct BpjsTask {
    pub id: i64,
    pub visit_id: i64,
    pub kind: String,
    pub taskid: Option<i16>,
    pub waktu: i64,
    pub payload: Value,
    pub status: JobStatus,
    pub attempts: i32,
    pub run_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub response: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub dedupe_key: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = bpjs_tasks)]
pub struct NewBpjsTask {
    pub visit_id: i64,
    pub kind: &'static str,
    pub taskid: Option<i16>,
    pub waktu: i64,
    pub payload: Value,
    pub run_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub dedupe_key: String,
}

/// Queue a report; one already queued for the same visit and dedupe key is kept instead.
pub fn enqueue(conn: &mut PgConnection, task: &NewBpjsTask) -> AppResult<()> {
    diesel::insert_into(bpjs_tasks::table)
        .values(task)
        .on_conflict((bpjs_tasks::visit_id, bpjs_tasks::dedupe_key))
        .do_nothing()
        .execute(conn)?;
    Ok(())
}

/// Has this visit a report of this kind (sent or not)?
pub fn has_kind(conn: &mut PgConnection, visit_id: i64, kind: &str) -> AppResult<bool> {
    let n: i64 = bpjs_tasks::table
        .filter(bpjs_tasks::visit_id.eq(visit_id))
        .filter(bpjs_tasks::kind.eq(kind))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The queue's shape: per visit, in (waktu, id) order; a pending report holds later ones.
pub const QUEUE: Queue = Queue {
    table: "bpjs_tasks",
    group: &["visit_id"],
    order: &["waktu", "id"],
    holds: Holds::WhilePending,
};

/// Take the next report that is due and whose visit has nothing earlier still to send;
/// the claim is a lease (`run_at` moved to `now + lease`) and counts as an attempt.
pub fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    lease: Duration,
) -> AppResult<Option<BpjsTask>> {
    job_lease::claim_due(conn, &QUEUE, now, lease)
}

/// Send the visit's report with this dedupe key (other than `except`) again, now.
/// Returns how many rows were put back.
pub fn resend(
    conn: &mut PgConnection,
    visit_id: i64,
    dedupe_key: &str,
    except: i64,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    Ok(diesel::update(bpjs_tasks::table)
        .filter(bpjs_tasks::visit_id.eq(visit_id))
        .filter(bpjs_tasks::dedupe_key.eq(dedupe_key))
        .filter(bpjs_tasks::id.ne(except))
        .set((bpjs_tasks::status.eq(JobStatus::Pending), bpjs_tasks::run_at.eq(now)))
        .execute(conn)?)
}

/// Make the visit's report with this dedupe key due at `now`.
pub fn due_now(
    conn: &mut PgConnection,
    visit_id: i64,
    dedupe_key: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    diesel::update(bpjs_tasks::table)
        .filter(bpjs_tasks::visit_id.eq(visit_id))
        .filter(bpjs_tasks::dedupe_key.eq(dedupe_key))
        .set(bpjs_tasks::run_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// BPJS accepted the report.
pub fn mark_sent(
    conn: &mut PgConnection,
    id: i64,
    now: DateTime<Utc>,
    response: Option<Value>,
) -> AppResult<()> {
    diesel::update(bpjs_tasks::table.find(id))
        .set((
            bpjs_tasks::status.eq(JobStatus::Sent),
            bpjs_tasks::sent_at.eq(now),
            bpjs_tasks::response.eq(response),
            bpjs_tasks::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// BPJS wants an earlier report first (queued again ahead of this one): try again at `at`.
pub fn retry_at(conn: &mut PgConnection, id: i64, at: DateTime<Utc>, error: &str) -> AppResult<()> {
    diesel::update(bpjs_tasks::table.find(id))
        .set((bpjs_tasks::run_at.eq(at), bpjs_tasks::last_error.eq(error)))
        .execute(conn)?;
    Ok(())
}

/// The attempt failed: the report gets `status` (`pending` to retry at `at`, or `failed`).
pub fn mark_failed(
    conn: &mut PgConnection,
    id: i64,
    status: JobStatus,
    at: DateTime<Utc>,
    error: &str,
) -> AppResult<()> {
    job_lease::record_failure(conn, &QUEUE, id, status.as_str(), at, error)
}

/// Counts per status, for the staff page.
pub fn counts(conn: &mut PgConnection) -> AppResult<Vec<(JobStatus, i64)>> {
    Ok(bpjs_tasks::table
        .group_by(bpjs_tasks::status)
        .select((bpjs_tasks::status, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Reports of a visit in sending order (tests and the staff page).
pub fn of_visit(conn: &mut PgConnection, visit_id: i64) -> AppResult<Vec<BpjsTask>> {
    Ok(diesel::sql_query("SELECT * FROM bpjs_tasks WHERE visit_id = $1 ORDER BY waktu, id")
        .bind::<BigInt, _>(visit_id)
        .load(conn)?)
}

/// The newest reports with their visit's booking code and ticket, optionally of one status.
pub fn recent(
    conn: &mut PgConnection,
    status: Option<JobStatus>,
    limit: i64,
) -> AppResult<Vec<(BpjsTask, String, String)>> {
    let mut q = bpjs_tasks::table
        .inner_join(visits::table)
        .select((BpjsTask::as_select(), visits::booking_code, visits::ticket))
        .order(bpjs_tasks::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(bpjs_tasks::status.eq(s));
    }
    Ok(q.load(conn)?)
}

/// Date a visit's pending report (by dedupe key) at `at`: its `waktu`, and the `waktu` of
/// its payload when it has one. Only for reports queued in the same transaction, before
/// any could be sent (the registration counter's tasks 1–3).
pub fn retime_pending(
    conn: &mut PgConnection,
    visit_id: i64,
    dedupe_key: &str,
    at: DateTime<Utc>,
) -> AppResult<usize> {
    Ok(diesel::sql_query(
        "UPDATE bpjs_tasks SET waktu = $3,
             payload = CASE WHEN payload ? 'waktu'
                            THEN jsonb_set(payload, '{waktu}', to_jsonb($3)) ELSE payload END
         WHERE visit_id = $1 AND dedupe_key = $2 AND status = $4",
    )
    .bind::<BigInt, _>(visit_id)
    .bind::<Text, _>(dedupe_key)
    .bind::<BigInt, _>(at.timestamp_millis())
    .bind::<Text, _>(JobStatus::Pending)
    .execute(conn)?)
}
