//! What the open-data feed reads: the visits, sessions, station steps, complaints and
//! ratings of a range of days, with no name, NIK, record number or contact in any row.
//! The visit and step times come from [`super::timings`], shared with the staff reports.
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Int4, Nullable, Text, Time, Timestamptz};

use crate::domain::kinds::SessionStatus;
use crate::error::AppResult;

/// One clinic session of the range: quota, state, first call, patients it let down.
#[derive(Debug, Clone, QueryableByName)]
pub struct SessionFacts {
    #[diesel(sql_type = Int4)]
    pub clinic_id: i32,
    #[diesel(sql_type = Text)]
    pub doctor: String,
    #[diesel(sql_type = Date)]
    pub service_date: NaiveDate,
    #[diesel(sql_type = Time)]
    pub starts_at: NaiveTime,
    #[diesel(sql_type = Text)]
    pub status: SessionStatus,
    #[diesel(sql_type = Int4)]
    pub quota: i32,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub first_call: Option<DateTime<Utc>>,
    /// Visits cancelled in this session (all of them when the session is cancelled).
    #[diesel(sql_type = BigInt)]
    pub cancelled_visits: i64,
}

pub fn sessions_between(
    conn: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<SessionFacts>> {
    Ok(diesel::sql_query(
        "SELECT s.clinic_id, d.name AS doctor, s.service_date, s.starts_at, s.status,
                s.quota_jkn + s.quota_non_jkn AS quota,
                (SELECT min(e.created_at) FROM visit_events e
                 WHERE e.session_id = s.id AND e.kind = 'call') AS first_call,
                (SELECT count(*) FROM visits v
                 WHERE v.session_id = s.id AND v.status = 'cancelled') AS cancelled_visits
         FROM clinic_sessions s JOIN doctors d ON d.id = s.doctor_id
         WHERE s.service_date BETWEEN $1 AND $2",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .load(conn)?)
}

/// The ratings of a day and clinic: how many, and their mean.
#[derive(Debug, Clone, QueryableByName)]
pub struct Ratings {
    #[diesel(sql_type = Int4)]
    pub clinic_id: i32,
    #[diesel(sql_type = Date)]
    pub service_date: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
    #[diesel(sql_type = Double)]
    pub mean: f64,
}

pub fn ratings_between(
    conn: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<Ratings>> {
    Ok(diesel::sql_query(
        "SELECT clinic_id, service_date, count(*) AS count, avg(rating)::float8 AS mean
         FROM feedback WHERE service_date BETWEEN $1 AND $2
         GROUP BY clinic_id, service_date",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .load(conn)?)
}

/// The complaint times the feed counts (no text, no contact).
#[derive(Debug, Clone, QueryableByName)]
pub struct ComplaintTimes {
    #[diesel(sql_type = Nullable<Int4>)]
    pub clinic_id: Option<i32>,
    #[diesel(sql_type = Timestamptz)]
    pub received_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub due_at: DateTime<Utc>,
    /// When it was resolved or closed, whichever came first.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub settled_at: Option<DateTime<Utc>>,
}

/// Complaints that bear on `[from, to)`: received before its end and not settled before
/// its start.
pub fn complaints_bearing_on(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<ComplaintTimes>> {
    Ok(diesel::sql_query(
        "SELECT clinic_id, received_at, due_at,
                CASE WHEN resolved_at IS NULL THEN closed_at
                     WHEN closed_at IS NULL THEN resolved_at
                     ELSE least(resolved_at, closed_at) END AS settled_at
         FROM complaints
         WHERE received_at < $2
           AND coalesce(least(resolved_at, closed_at), 'infinity'::timestamptz) >= $1",
    )
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .load(conn)?)
}

/// Who is waiting right now, per clinic: how many, and since when the longest.
#[derive(Debug, Clone, QueryableByName)]
pub struct WaitingNow {
    #[diesel(sql_type = Text)]
    pub place: String,
    #[diesel(sql_type = BigInt)]
    pub waiting: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub since: Option<DateTime<Utc>>,
}

pub fn waiting_by_clinic(conn: &mut PgConnection, date: NaiveDate) -> AppResult<Vec<WaitingNow>> {
    Ok(diesel::sql_query(
        "SELECT c.code AS place, count(*) AS waiting, min(v.checked_in_at) AS since
         FROM visits v JOIN clinics c ON c.id = v.clinic_id
         WHERE v.service_date = $1 AND v.status = 'waiting'
         GROUP BY c.code",
    )
    .bind::<Date, _>(date)
    .load(conn)?)
}

pub fn waiting_by_station(conn: &mut PgConnection, date: NaiveDate) -> AppResult<Vec<WaitingNow>> {
    Ok(diesel::sql_query(
        "SELECT st.code || coalesce('/' || s.lane, '') AS place, count(*) AS waiting,
                min(s.created_at) AS since
         FROM visit_steps s JOIN stations st ON st.id = s.station_id
         WHERE s.service_date = $1 AND s.status = 'waiting'
         GROUP BY st.code, s.lane",
    )
    .bind::<Date, _>(date)
    .load(conn)?)
}

/// A push is retried until the command center accepts it: give its job many attempts (the
/// backoff is capped at six hours).
pub fn keep_trying(conn: &mut PgConnection, dedupe_key: &str, attempts: i32) -> AppResult<usize> {
    use super::schema::notification_jobs as j;
    Ok(diesel::update(j::table.filter(j::dedupe_key.eq(dedupe_key)).filter(j::attempts.eq(0)))
        .set(j::max_attempts.eq(attempts))
        .execute(conn)?)
}
