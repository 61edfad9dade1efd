//! Counters of wrong guesses (a booking code's birth date, logins from one address), kept in
//! PostgreSQL so that every node sees them.
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Interval, Nullable, Text, Timestamptz};

use super::schema::guess_counters;
use crate::domain::kinds::GuessScope;
use crate::error::AppResult;

/// How many wrong guesses a key may make within a window, and how long it is locked then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuessLimit {
    pub failures: i32,
    pub window: Duration,
    pub lock: Duration,
}

/// Until when this key is locked, if it is now.
pub fn locked_until(
    conn: &mut PgConnection,
    scope: GuessScope,
    key: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<DateTime<Utc>>> {
    let until: Option<Option<DateTime<Utc>>> = guess_counters::table
        .find((scope.as_str(), key))
        .select(guess_counters::locked_until)
        .first(conn)
        .optional()?;
    Ok(until.flatten().filter(|t| *t > now))
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Nullable<Timestamptz>)]
    locked_until: Option<DateTime<Utc>>,
}

/// Count one wrong guess in one statement (an upsert: concurrent guesses on several nodes
/// all count). A window older than `limit.window` starts again at one. The answer: until
/// when the key is locked now, if this guess reached the limit (or it already was).
pub fn record_failure(
    conn: &mut PgConnection,
    scope: GuessScope,
    key: &str,
    now: DateTime<Utc>,
    limit: GuessLimit,
) -> AppResult<Option<DateTime<Utc>>> {
    let interval = |d: Duration| {
        diesel::pg::data_types::PgInterval::from_microseconds(
            d.num_microseconds().unwrap_or(i64::MAX),
        )
    };
    let row: Locked = diesel::sql_query(
        "INSERT INTO guess_counters AS g (scope, key, failures, window_started, locked_until) \
         VALUES ($1, $2, 1, $3, CASE WHEN $4 <= 1 THEN $3 + $6 END) \
         ON CONFLICT (scope, key) DO UPDATE SET \
           failures = CASE WHEN g.window_started <= $3 - $5 THEN 1 ELSE g.failures + 1 END, \
           window_started = CASE WHEN g.window_started <= $3 - $5 THEN $3 ELSE g.window_started END, \
           locked_until = CASE \
             WHEN (CASE WHEN g.window_started <= $3 - $5 THEN 1 ELSE g.failures + 1 END) >= $4 \
               THEN greatest(coalesce(g.locked_until, $3), $3 + $6) \
             ELSE g.locked_until END \
         RETURNING g.locked_until",
    )
    .bind::<Text, _>(scope.as_str())
    .bind::<Text, _>(key)
    .bind::<Timestamptz, _>(now)
    .bind::<Integer, _>(limit.failures)
    .bind::<Interval, _>(interval(limit.window))
    .bind::<Interval, _>(interval(limit.lock))
    .get_result(conn)?;
    Ok(row.locked_until.filter(|t| *t > now))
}

/// Forget counters whose window and lock are both over (housekeeping).
pub fn forget_old(conn: &mut PgConnection, before: DateTime<Utc>) -> AppResult<usize> {
    Ok(diesel::delete(
        guess_counters::table.filter(guess_counters::window_started.lt(before)).filter(
            guess_counters::locked_until.is_null().or(guess_counters::locked_until.lt(before)),
        ),
    )
    .execute(conn)?)
}
