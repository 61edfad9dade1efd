//! What the daily report and the audit log read: the timings of a day's visits and the
//! visit events of a day.
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use super::models::VisitEvent;
use super::schema::{visit_events, visits};
use crate::error::AppResult;

/// When one visit of the day reached each step (the shared visit times).
pub type Timing = super::timings::VisitTimes;

/// The timings of every visit on a service date.
pub fn daily_timings(conn: &mut PgConnection, date: NaiveDate) -> AppResult<Vec<Timing>> {
    super::timings::visits_between(conn, date, date)
}

/// A visit event with its visit's ticket, clinic and service date.
pub type EventRow = (VisitEvent, String, i32, NaiveDate);

/// The visit events recorded in `[from, to)` on visits of these clinics, optionally by one
/// actor (`staff:username`), oldest first, at most `limit`.
pub fn events_between(
    conn: &mut PgConnection,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    clinic_ids: Vec<i32>,
    actor: Option<String>,
    limit: i64,
) -> AppResult<Vec<EventRow>> {
    let mut query = visit_events::table
        .inner_join(visits::table)
        .filter(visit_events::created_at.ge(from))
        .filter(visit_events::created_at.lt(to))
        .filter(visits::clinic_id.eq_any(clinic_ids))
        // In time order: a counter ticket's history joins its visit after the fact.
        .order((visit_events::created_at, visit_events::id))
        .limit(limit)
        .select((VisitEvent::as_select(), visits::ticket, visits::clinic_id, visits::service_date))
        .into_boxed();
    if let Some(a) = actor {
        query = query.filter(visit_events::actor.eq(a));
    }
    Ok(query.load(conn)?)
}
