//! The lease-based outbox queue shared by the reports to outside systems (`bpjs_tasks`,
//! `satusehat_jobs`, `hfis_updates`): a worker claims the next due row with
//! `FOR UPDATE SKIP LOCKED`, and the claim is a lease (`run_at` moved to `now + lease`,
//! one more attempt) that another worker takes over when it runs out (a worker that died
//! or a node restarted: nothing is lost). Rows of one group (a visit, a doctor at a clinic)
//! go in their order: an earlier row still to send holds the later ones back. A failed
//! attempt is retried with backoff ([`backoff`]) and buried as `failed` after the last one
//! ([`next_try`]).
//!
//! Every table has the columns `id`, `status`, `attempts`, `run_at`, `last_error`.
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamptz};

use crate::domain::kinds::JobStatus;
use crate::error::AppResult;

/// Which earlier rows of a group hold a row back.
#[derive(Debug, Clone, Copy)]
pub enum Holds {
    /// Those still `pending` (a given-up row lets the others go).
    WhilePending,
    /// Those not yet sent (`status <> 'sent'`): a row that cannot go stops the group.
    UntilSent,
}

/// One outbox table and its ordering.
#[derive(Debug, Clone, Copy)]
pub struct Queue {
    pub table: &'static str,
    /// The columns a group shares (`visit_id`, or `clinic_id`, `doctor_id`).
    pub group: &'static [&'static str],
    /// The sending order inside a group (`waktu`, `id`).
    pub order: &'static [&'static str],
    pub holds: Holds,
}

impl Queue {
    /// The claim statement: $1 now, $2 lease end, $3 the pending status, $4 the sent one.
    fn claim_sql(&self) -> String {
        let t = self.table;
        let group =
            self.group.iter().map(|c| format!("e.{c} = t.{c}")).collect::<Vec<_>>().join(" AND ");
        let cols = |alias: &str| {
            self.order.iter().map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ")
        };
        let holds = match self.holds {
            Holds::WhilePending => "e.status = $3",
            Holds::UntilSent => "e.status <> $4",
        };
        format!(
            "UPDATE {t} SET run_at = $2, attempts = attempts + 1
             WHERE id = (
                 SELECT t.id FROM {t} t
                 WHERE t.status = $3 AND t.run_at <= $1
                   AND NOT EXISTS (
                       SELECT 1 FROM {t} e
                       WHERE {group} AND {holds}
                         AND ({}) < ({}))
                 ORDER BY t.run_at, t.id
                 LIMIT 1
                 FOR UPDATE SKIP LOCKED)
               AND status = $3 AND run_at <= $1
             RETURNING *",
            cols("e"),
            cols("t"),
        )
    }
}

/// Claim the next due row whose group has nothing earlier holding it back (a lease; counts
/// as an attempt).
pub fn claim_due<T>(
    conn: &mut PgConnection,
    queue: &Queue,
    now: DateTime<Utc>,
    lease: Duration,
) -> AppResult<Option<T>>
where
    T: QueryableByName<diesel::pg::Pg> + 'static,
{
    let query = diesel::sql_query(queue.claim_sql())
        .bind::<Timestamptz, _>(now)
        .bind::<Timestamptz, _>(now + lease)
        .bind::<Text, _>(JobStatus::Pending.as_str())
        .bind::<Text, _>(JobStatus::Sent.as_str());
    Ok(query.get_result(conn).optional()?)
}

/// Delay before attempt `attempts + 1`: 30 s doubling, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let exp = u32::try_from(attempts.clamp(1, 8) - 1).unwrap_or(0);
    Duration::seconds((30_i64 << exp).min(3600))
}

/// After a failed attempt: try again after the backoff, or bury (`failed`) once
/// `max_attempts` were made. Returns the new status and `run_at`.
pub fn next_try(
    attempts: i32,
    max_attempts: i32,
    now: DateTime<Utc>,
) -> (JobStatus, DateTime<Utc>) {
    let status = if attempts >= max_attempts { JobStatus::Failed } else { JobStatus::Pending };
    (status, now + backoff(attempts))
}

/// Record a failed attempt: the row gets `status` (`pending` again, or buried), `run_at` and
/// the error.
pub fn record_failure(
    conn: &mut PgConnection,
    queue: &Queue,
    id: i64,
    status: &str,
    at: DateTime<Utc>,
    error: &str,
) -> AppResult<()> {
    diesel::sql_query(format!(
        "UPDATE {} SET status = $1, run_at = $2, last_error = $3 WHERE id = $4",
        queue.table
    ))
    .bind::<Text, _>(status)
    .bind::<Timestamptz, _>(at)
    .bind::<Text, _>(error)
    .bind::<BigInt, _>(id)
    .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stops_at_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(3), Duration::seconds(120));
        assert_eq!(backoff(10), Duration::seconds(3600));
        assert_eq!(backoff(12), Duration::seconds(3600));
    }

    #[test]
    fn the_last_attempt_buries_the_row() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        assert_eq!(next_try(1, 10, now), (JobStatus::Pending, now + Duration::seconds(30)));
        assert_eq!(next_try(10, 10, now).0, JobStatus::Failed);
    }

    #[test]
    fn the_claim_orders_within_a_group() {
        let q = Queue {
            table: "hfis_updates",
            group: &["clinic_id", "doctor_id"],
            order: &["id"],
            holds: Holds::WhilePending,
        };
        let sql = q.claim_sql();
        assert!(sql.contains("e.clinic_id = t.clinic_id AND e.doctor_id = t.doctor_id"), "{sql}");
        assert!(sql.contains("AND (e.id) < (t.id)"), "{sql}");
        assert!(sql.contains("e.status = $3"), "{sql}");
    }
}
