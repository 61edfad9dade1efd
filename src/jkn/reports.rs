//! Reports to BPJS: written into `bpjs_tasks` in the same transaction as the visit change
//! ([`enqueue`], called from `db::events::after_record`), sent by a worker ([`run_once`],
//! [`run_until_idle`], [`spawn`]) in order per visit, retried with backoff, never lost on
//! a restart (a claim is a lease that runs out).
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::client::{BpjsAnswer, BpjsClient};
use crate::app::AppState;
pub use crate::db::bpjs_tasks::{BpjsTask, counts, of_visit};
use crate::db::models::{Visit, VisitEvent};
use crate::db::{self, PgConnection, bpjs_tasks, job_lease, visits};
use crate::error::AppResult;
use crate::service::bpjs_reports;

/// After this many attempts a report is marked failed (shown on the staff page).
pub const MAX_ATTEMPTS: i32 = 10;
/// A claimed report is another worker's again after this long (a worker that died).
const LEASE: Duration = Duration::minutes(5);

/// Queue what BPJS must hear about this event (see [`bpjs_reports::enqueue`]); called from
/// `db::events::after_record`, inside the transaction of the change.
pub fn enqueue(conn: &mut PgConnection, visit: &Visit, event: &VisitEvent) -> AppResult<()> {
    bpjs_reports::enqueue(conn, visit, event)
}

/// Take the next report that is due and whose visit has nothing earlier still to send;
/// the claim is a lease and counts as an attempt.
pub fn claim(conn: &mut PgConnection, now: DateTime<Utc>) -> AppResult<Option<BpjsTask>> {
    bpjs_tasks::claim_due(conn, now, LEASE)
}

fn path_of(kind: &str) -> &'static str {
    match kind {
        "add" => "/antrean/add",
        "batal" => "/antrean/batal",
        bpjs_reports::FARMASI_ADD => "/antrean/farmasi/add",
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
            Some(6) => Some(Missing::Task(5)),
            Some(7) => Some(Missing::Task(6)),
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
        Missing::Add => bpjs_reports::dedupe_key("add", None),
        Missing::Task(t) => bpjs_reports::dedupe_key("updatewaktu", Some(t)),
    };
    if bpjs_tasks::resend(conn, current.visit_id, &key, current.id, now)? > 0 {
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
            bpjs_reports::task(conn, &visit, t, at)?;
            // Written with the event's time, so it sorts before `current`; due now.
            bpjs_tasks::due_now(conn, visit.id, &key, now)?;
            Ok(true)
        }
        (Missing::Add, _) => bpjs_reports::add(conn, &visit, visit.created_at),
        _ => Ok(false),
    }
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
    db::transaction(&state.pool, move |c| match outcome {
        Outcome::Sent(response) => bpjs_tasks::mark_sent(c, task.id, now, response),
        Outcome::Missing(missing, error)
            if task.attempts < MAX_ATTEMPTS && requeue_missing(c, &task, missing, now)? =>
        {
            tracing::info!(task = task.id, ?missing, "BPJS wants an earlier report first");
            bpjs_tasks::retry_at(c, task.id, now, &error)
        }
        Outcome::Missing(_, error) | Outcome::Retry(error) => {
            tracing::warn!(task = task.id, attempts = task.attempts, %error, "BPJS report not accepted");
            let (status, at) = job_lease::next_try(task.attempts, MAX_ATTEMPTS, now);
            bpjs_tasks::mark_failed(c, task.id, status, at, &error)
        }
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
        while !crate::shutdown::is_stopping() {
            every.tick().await;
            if crate::shutdown::is_stopping() {
                break;
            }
            let _busy = crate::shutdown::busy();
            if let Err(e) = run_until_idle(&state, &client).await {
                tracing::warn!(error = %e, "BPJS report worker failed");
            }
        }
    });
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
}
