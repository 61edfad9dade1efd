//! Figures for `/metrics`, read from the database at scrape time: job queues, today's
//! bookings per channel, today's calls per clinic and per station. They are the same on
//! every node (the database is shared).
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Text, Timestamptz};

use crate::error::AppResult;

/// One job queue: rows waiting to be sent, and the age of the oldest of them.
#[derive(Debug, Clone, QueryableByName)]
pub struct QueueFigure {
    #[diesel(sql_type = Text)]
    pub queue: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = BigInt)]
    pub depth: i64,
    #[diesel(sql_type = Double)]
    pub oldest_seconds: f64,
}

/// A count under one label value.
#[derive(Debug, Clone, QueryableByName)]
pub struct Count {
    #[diesel(sql_type = Text)]
    pub label: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Pending jobs of every queue, per kind. A new queue table adds its `UNION ALL` here.
pub fn job_queues(conn: &mut PgConnection, now: DateTime<Utc>) -> AppResult<Vec<QueueFigure>> {
    Ok(diesel::sql_query(
        "SELECT 'notifications' AS queue, kind, count(*) AS depth,
                COALESCE(EXTRACT(EPOCH FROM ($1 - min(created_at)))::float8, 0) AS oldest_seconds
           FROM notification_jobs WHERE status IN ('pending', 'failed') GROUP BY kind
         UNION ALL
         SELECT 'bpjs' AS queue, kind, count(*) AS depth,
                COALESCE(EXTRACT(EPOCH FROM ($1 - min(created_at)))::float8, 0) AS oldest_seconds
           FROM bpjs_tasks WHERE status = 'pending' GROUP BY kind
         ORDER BY 1, 2",
    )
    .bind::<Timestamptz, _>(now)
    .load(conn)?)
}

/// Visits made since `since` (the hospital's midnight), per channel.
pub fn bookings_per_channel(
    conn: &mut PgConnection,
    since: DateTime<Utc>,
) -> AppResult<Vec<Count>> {
    Ok(diesel::sql_query(
        "SELECT channel AS label, count(*) AS n FROM visits WHERE created_at >= $1
         GROUP BY channel ORDER BY channel",
    )
    .bind::<Timestamptz, _>(since)
    .load(conn)?)
}

/// Calls (recalls included) of the day's visits, per clinic code.
pub fn calls_per_clinic(conn: &mut PgConnection, day: NaiveDate) -> AppResult<Vec<Count>> {
    Ok(diesel::sql_query(
        "SELECT c.code AS label, COALESCE(sum(v.call_count), 0)::int8 AS n
           FROM visits v JOIN clinics c ON c.id = v.clinic_id
          WHERE v.service_date = $1 AND v.call_count > 0 GROUP BY c.code ORDER BY c.code",
    )
    .bind::<Date, _>(day)
    .load(conn)?)
}

/// Calls (recalls included) of the day's steps, per station code.
pub fn calls_per_station(conn: &mut PgConnection, day: NaiveDate) -> AppResult<Vec<Count>> {
    Ok(diesel::sql_query(
        "SELECT s.code AS label, COALESCE(sum(t.call_count), 0)::int8 AS n
           FROM visit_steps t JOIN stations s ON s.id = t.station_id
          WHERE t.service_date = $1 AND t.call_count > 0 GROUP BY s.code ORDER BY s.code",
    )
    .bind::<Date, _>(day)
    .load(conn)?)
}
