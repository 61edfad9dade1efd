//! Reports to BPJS: written into `bpjs_tasks` in the same transaction as the visit change
//! ([`enqueue`], called from `db::events::after_record`), sent by a worker ([`run_once`],
//! [`run_until_idle`], [`spawn`]) in order per visit, retried with backoff, never lost on
//! a restart (a claim is a lease that runs out).
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamptz};
use serde_json::{Value, json};

use super::client::{BpjsAnswer, BpjsClient};
use super::mapping;
use super::schema::bpjs_tasks;
use crate::app::AppState;
use crate::db::models::{Visit, VisitEvent};
use crate::db::{self, visits};
use crate::domain::kinds::{Channel, Payer};
use crate::error::AppResult;

/// After this many attempts a report is marked failed (shown on the staff page).
pub const MAX_ATTEMPTS: i32 = 10;
/// A claimed report is another worker's again after this long (a worker that died).
const LEASE: Duration = Duration::minutes(5);

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName, serde::Serialize)]
#[diesel(table_name = bpjs_tasks)]
pub struct BpjsTask {
    pub id: i64,
    pub visit_id: i64,
    pub kind: String,
    pub taskid: Option<i16>,
    pub waktu: i64,
    pub payload: Value,
    pub status: String,
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
struct NewTask {
    visit_id: i64,
    kind: &'static str,
    taskid: Option<i16>,
    waktu: i64,
    payload: Value,
    run_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    dedupe_key: String,
}

fn insert(
    conn: &mut PgConnection,
    visit: &Visit,
    kind: &'static str,
    taskid: Option<i16>,
    at: DateTime<Utc>,
    payload: Value,
) -> AppResult<()> {
    let dedupe_key = match taskid {
        Some(t) => format!("task:{t}"),
        None => kind.to_string(),
    };
    diesel::insert_into(bpjs_tasks::table)
        .values(NewTask {
            visit_id: visit.id,
            kind,
            taskid,
            waktu: at.timestamp_millis(),
            payload,
            run_at: at,
            created_at: at,
            dedupe_key,
        })
        .on_conflict((bpjs_tasks::visit_id, bpjs_tasks::dedupe_key))
        .do_nothing()
        .execute(conn)?;
    Ok(())
}

fn task(conn: &mut PgConnection, visit: &Visit, taskid: i16, at: DateTime<Utc>) -> AppResult<()> {
    let payload = json!({
        "kodebooking": visit.booking_code,
        "taskid": taskid,
        "waktu": at.timestamp_millis(),
    });
    insert(conn, visit, "updatewaktu", Some(taskid), at, payload)
}

/// Does BPJS know this visit: booked through Mobile JKN, or reported with `/antrean/add`?
fn known_to_bpjs(conn: &mut PgConnection, visit: &Visit) -> AppResult<bool> {
    if visit.channel == Channel::Jkn {
        return Ok(true);
    }
    let added: i64 = bpjs_tasks::table
        .filter(bpjs_tasks::visit_id.eq(visit.id))
        .filter(bpjs_tasks::kind.eq("add"))
        .count()
        .get_result(conn)?;
    Ok(added > 0)
}

/// Queue what BPJS must hear about this event. JKN visits booked through our own
/// channels are added (`/antrean/add`); then check-in → task 3 (tasks 1, 2 and 3 for a
/// new patient registered at the counter), start → 4, finish → 5, cancel → `/antrean/batal`,
/// no-show → 99, each at the event's own time. A booking or a cancellation made through
/// Mobile JKN is not echoed back; a check-in through it is still reported as task 3 (an
/// answer that BPJS already has it counts as delivered).
pub fn enqueue(conn: &mut PgConnection, visit: &Visit, event: &VisitEvent) -> AppResult<()> {
    if visit.payer != Payer::Jkn && visit.channel != Channel::Jkn {
        return Ok(());
    }
    if event.actor == "jkn" && event.kind == "cancel" {
        return Ok(());
    }
    let at = event.created_at;
    match event.kind.as_str() {
        "booked" | "registered" => {
            if visit.channel == Channel::Jkn {
                return Ok(());
            }
            let Some(payload) = mapping::add_payload(conn, visit)? else { return Ok(()) };
            let new_patient = payload["pasienbaru"] == 1;
            insert(conn, visit, "add", None, at, payload)?;
            if event.kind == "registered" {
                // A walk-in is waiting for the clinic from the moment it is registered.
                if new_patient && visit.channel == Channel::Counter {
                    task(conn, visit, 1, at)?;
                    task(conn, visit, 2, at)?;
                }
                task(conn, visit, 3, at)?;
            }
        }
        kind @ ("check_in" | "start" | "finish" | "no_show") if known_to_bpjs(conn, visit)? => {
            let taskid = match kind {
                "check_in" => 3,
                "start" => 4,
                "finish" => 5,
                _ => 99,
            };
            task(conn, visit, taskid, at)?;
        }
        "cancel" if known_to_bpjs(conn, visit)? => {
            let reason = event.detail["reason"]
                .as_str()
                .filter(|r| !r.trim().is_empty())
                .unwrap_or("Dibatalkan oleh rumah sakit");
            let payload = json!({"kodebooking": visit.booking_code, "keterangan": reason});
            insert(conn, visit, "batal", None, at, payload)?;
        }
        _ => {}
    }
    Ok(())
}

/// Take the next report that is due and whose visit has nothing earlier still to send;
/// the claim is a lease (`run_at` moved ahead) and counts as an attempt.
pub fn claim(conn: &mut PgConnection, now: DateTime<Utc>) -> AppResult<Option<BpjsTask>> {
    Ok(diesel::sql_query(
        "UPDATE bpjs_tasks SET run_at = $2, attempts = attempts + 1
         WHERE id = (
             SELECT t.id FROM bpjs_tasks t
             WHERE t.status = 'pending' AND t.run_at <= $1
               AND NOT EXISTS (
                   SELECT 1 FROM bpjs_tasks e
                   WHERE e.visit_id = t.visit_id AND e.status = 'pending'
                     AND (e.waktu, e.id) < (t.waktu, t.id))
             ORDER BY t.run_at, t.id
             LIMIT 1
             FOR UPDATE SKIP LOCKED)
           AND status = 'pending' AND run_at <= $1
         RETURNING *",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(now + LEASE)
    .get_result(conn)
    .optional()?)
}

fn path_of(kind: &str) -> &'static str {
    match kind {
        "add" => "/antrean/add",
        "batal" => "/antrean/batal",
        _ => "/antrean/updatewaktu",
    }
}

/// What BPJS says is missing before this report can be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Add,
    Task(i16),
}

/// Read an answer like "TaskId=3 belum ada" (or "kodebooking tidak ditemukan").
pub fn missing_before(message: &str, current: Option<i16>) -> Option<Missing> {
    let m = message.to_lowercase();
    let absent = ["belum", "tidak ditemukan", "tidak ada", "not found", "missing"];
    if !absent.iter().any(|w| m.contains(w)) {
        return None;
    }
    let mut rest = m.as_str();
    while let Some(i) = rest.find("taskid") {
        rest = &rest[i + "taskid".len()..];
        let digits: String = rest
            .trim_start_matches([' ', '=', ':'])
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(n) = digits.parse::<i16>()
            && current.is_some_and(|c| n < c)
        {
            return Some(Missing::Task(n));
        }
    }
    if m.contains("sebelum") {
        return match current {
            Some(4) => Some(Missing::Task(3)),
            Some(5) => Some(Missing::Task(4)),
            Some(2) => Some(Missing::Task(1)),
            _ => Some(Missing::Add),
        };
    }
    if m.contains("kodebooking") || m.contains("kode booking") || m.contains("antrean") {
        return Some(Missing::Add);
    }
    None
}

/// "Already there" is as good as accepted (a retry after a lost answer).
fn already_there(message: &str) -> bool {
    let m = message.to_lowercase();
    m.contains("sudah ada") || m.contains("already")
}

/// Put the missing report back in the queue ahead of `current`: the row again if we have
/// it, else written from the visit's own times. `false` when there is nothing to send.
fn requeue_missing(
    conn: &mut PgConnection,
    current: &BpjsTask,
    missing: Missing,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let key = match missing {
        Missing::Add => "add".to_string(),
        Missing::Task(t) => format!("task:{t}"),
    };
    let reset = diesel::update(bpjs_tasks::table)
        .filter(bpjs_tasks::visit_id.eq(current.visit_id))
        .filter(bpjs_tasks::dedupe_key.eq(&key))
        .filter(bpjs_tasks::id.ne(current.id))
        .set((bpjs_tasks::status.eq("pending"), bpjs_tasks::run_at.eq(now)))
        .execute(conn)?;
    if reset > 0 {
        return Ok(true);
    }
    let visit = visits::find(conn, current.visit_id)?;
    let at = match missing {
        Missing::Add => None,
        Missing::Task(3) => visit.checked_in_at,
        Missing::Task(4) => visit.started_at.or(visit.called_at),
        Missing::Task(5) => visit.finished_at,
        Missing::Task(_) => None,
    };
    match (missing, at) {
        (Missing::Task(t), Some(at)) => {
            task(conn, &visit, t, at)?;
            // Written with the event's time, so it sorts before `current`; due now.
            diesel::update(bpjs_tasks::table)
                .filter(bpjs_tasks::visit_id.eq(visit.id))
                .filter(bpjs_tasks::dedupe_key.eq(&key))
                .set(bpjs_tasks::run_at.eq(now))
                .execute(conn)?;
            Ok(true)
        }
        (Missing::Add, _) => match mapping::add_payload(conn, &visit)? {
            Some(payload) if visit.channel != Channel::Jkn => {
                let created = visit.created_at;
                insert(conn, &visit, "add", None, created, payload)?;
                Ok(true)
            }
            _ => Ok(false),
        },
        _ => Ok(false),
    }
}

fn backoff(attempts: i32) -> Duration {
    let exp = u32::try_from(attempts.clamp(1, 8) - 1).unwrap_or(0);
    Duration::seconds((30_i64 << exp).min(3600))
}

/// How one attempt ended.
enum Outcome {
    Sent(Option<Value>),
    Missing(Missing, String),
    Retry(String),
}

fn judge(task: &BpjsTask, answer: BpjsAnswer) -> Outcome {
    if answer.is_ok() || already_there(&answer.message) {
        return Outcome::Sent(answer.response);
    }
    let error = format!("{}: {}", answer.code, answer.message);
    match missing_before(&answer.message, task.taskid) {
        Some(m) if !(m == Missing::Add && task.kind == "add") => Outcome::Missing(m, error),
        _ => Outcome::Retry(error),
    }
}

/// Send one due report. `Ok(false)` when nothing was due.
pub async fn run_once(state: &AppState, client: &BpjsClient) -> AppResult<bool> {
    let now = state.now();
    let Some(task) = db::transaction(&state.pool, move |c| claim(c, now)).await? else {
        return Ok(false);
    };
    let outcome = match client.post(path_of(&task.kind), &task.payload, now).await {
        Ok(answer) => judge(&task, answer),
        Err(e) => Outcome::Retry(e.to_string()),
    };
    db::transaction(&state.pool, move |c| {
        let this = bpjs_tasks::table.find(task.id);
        match outcome {
            Outcome::Sent(response) => {
                diesel::update(this)
                    .set((
                        bpjs_tasks::status.eq("sent"),
                        bpjs_tasks::sent_at.eq(now),
                        bpjs_tasks::response.eq(response),
                        bpjs_tasks::last_error.eq(None::<String>),
                    ))
                    .execute(c)?;
            }
            Outcome::Missing(missing, error)
                if task.attempts < MAX_ATTEMPTS && requeue_missing(c, &task, missing, now)? =>
            {
                tracing::info!(task = task.id, ?missing, "BPJS wants an earlier report first");
                diesel::update(this)
                    .set((bpjs_tasks::run_at.eq(now), bpjs_tasks::last_error.eq(error)))
                    .execute(c)?;
            }
            Outcome::Missing(_, error) | Outcome::Retry(error) => {
                tracing::warn!(task = task.id, attempts = task.attempts, %error, "BPJS report not accepted");
                let status = if task.attempts >= MAX_ATTEMPTS { "failed" } else { "pending" };
                diesel::update(this)
                    .set((
                        bpjs_tasks::status.eq(status),
                        bpjs_tasks::run_at.eq(now + backoff(task.attempts)),
                        bpjs_tasks::last_error.eq(error),
                    ))
                    .execute(c)?;
            }
        }
        Ok(())
    })
    .await?;
    Ok(true)
}

/// Send until nothing is due (bounded, in case BPJS keeps sending us in circles).
pub async fn run_until_idle(state: &AppState, client: &BpjsClient) -> AppResult<usize> {
    let mut sent = 0;
    while sent < 10_000 && run_once(state, client).await? {
        sent += 1;
    }
    Ok(sent)
}

/// The background sender; does nothing when BPJS is not configured.
pub fn spawn(state: AppState) {
    let Some(config) = state.settings.jkn.bpjs.clone() else { return };
    let client = BpjsClient::new(config);
    actix_web::rt::spawn(async move {
        let mut every = actix_web::rt::time::interval(StdDuration::from_secs(5));
        loop {
            every.tick().await;
            if let Err(e) = run_until_idle(&state, &client).await {
                tracing::warn!(error = %e, "BPJS report worker failed");
            }
        }
    });
}

/// Counts per status, for the staff page.
pub fn counts(conn: &mut PgConnection) -> AppResult<Vec<(String, i64)>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_naming_an_earlier_task_are_understood() {
        assert_eq!(missing_before("TaskId=3 belum ada", Some(4)), Some(Missing::Task(3)));
        assert_eq!(
            missing_before("TaskId 4 tidak boleh dikirim, TaskId=3 belum ada", Some(4)),
            Some(Missing::Task(3))
        );
        assert_eq!(missing_before("TaskId sebelumnya belum ada", Some(5)), Some(Missing::Task(4)));
        assert_eq!(missing_before("Kodebooking tidak ditemukan", Some(3)), Some(Missing::Add));
        assert_eq!(missing_before("Internal error", Some(4)), None);
        assert_eq!(missing_before("Ok", None), None);
    }

    #[test]
    fn already_there_counts_as_delivered() {
        assert!(already_there("TaskId=3 sudah ada"));
        assert!(!already_there("TaskId=3 belum ada"));
    }

    #[test]
    fn backoff_grows_and_stops_at_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(10), Duration::seconds(3600));
    }
}
