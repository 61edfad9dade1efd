//! What the hall screens read: the clinics they show, a clinic's board today (tickets only)
//! and the running text staff set (`display_messages`).
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use super::models::Clinic;
use super::schema::{clinics, display_messages, visits};
use crate::domain::visit_status::VisitStatus;
use crate::error::AppResult;

/// The active clinics named (all active ones when `codes` is empty), in name order.
pub fn clinics_named(conn: &mut PgConnection, codes: &[String]) -> AppResult<Vec<Clinic>> {
    let mut query = clinics::table
        .filter(clinics::active.eq(true))
        .order(clinics::name)
        .select(Clinic::as_select())
        .into_boxed();
    if !codes.is_empty() {
        query = query.filter(clinics::code.eq_any(codes.to_vec()));
    }
    Ok(query.load(conn)?)
}

/// A ticket that has been called today.
#[derive(Debug, Clone, Queryable)]
pub struct CalledTicket {
    pub ticket: String,
    pub status: VisitStatus,
    pub room: String,
    pub call_count: i32,
}

/// What a clinic's board shows today.
#[derive(Debug, Clone)]
pub struct BoardRows {
    /// Tickets called today, not cancelled: the one called or in service now first, then
    /// the most recent calls; at most `recent + 1`.
    pub called: Vec<CalledTicket>,
    pub waiting_count: i64,
    /// The next tickets waiting, in queue order; at most `next`.
    pub next: Vec<String>,
}

/// The board of one clinic on `date`.
pub fn board(
    conn: &mut PgConnection,
    clinic_id: i32,
    date: NaiveDate,
    recent: i64,
    next: i64,
) -> AppResult<BoardRows> {
    let of_day = || {
        visits::table.filter(visits::clinic_id.eq(clinic_id)).filter(visits::service_date.eq(date))
    };
    let called = of_day()
        .filter(visits::called_at.is_not_null())
        .filter(visits::status.ne(VisitStatus::Cancelled))
        .order((
            visits::status.eq_any([VisitStatus::Called, VisitStatus::Serving]).desc(),
            // The latest call: a patient called again after the lab is the newest.
            super::visits::last_call().desc().nulls_last(),
            visits::called_at.desc(),
            visits::id.desc(),
        ))
        .limit(recent + 1)
        .select((visits::ticket, visits::status, visits::room, visits::call_count))
        .load(conn)?;
    let waiting_count =
        of_day().filter(visits::status.eq(VisitStatus::Waiting)).count().get_result(conn)?;
    let next = of_day()
        .filter(visits::status.eq(VisitStatus::Waiting))
        .order((visits::priority.desc(), visits::sort_key, visits::id))
        .limit(next)
        .select(visits::ticket)
        .load(conn)?;
    Ok(BoardRows { called, waiting_count, next })
}

/// The running texts of these scopes, as `(scope, message)`, in no particular order.
pub fn messages(conn: &mut PgConnection, scopes: &[String]) -> AppResult<Vec<(String, String)>> {
    Ok(display_messages::table
        .filter(display_messages::scope.eq_any(scopes))
        .select((display_messages::scope, display_messages::message))
        .load(conn)?)
}

/// Set the running text of a scope (a clinic code, or `*` for every board).
pub fn set_message(
    conn: &mut PgConnection,
    scope: &str,
    text: &str,
    staff_id: i32,
    now: DateTime<Utc>,
) -> AppResult<()> {
    diesel::insert_into(display_messages::table)
        .values((
            display_messages::scope.eq(scope),
            display_messages::message.eq(text),
            display_messages::updated_by.eq(staff_id),
            display_messages::updated_at.eq(now),
        ))
        .on_conflict(display_messages::scope)
        .do_update()
        .set((
            display_messages::message.eq(text),
            display_messages::updated_by.eq(staff_id),
            display_messages::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Remove the running text of a scope.
pub fn clear_message(conn: &mut PgConnection, scope: &str) -> AppResult<()> {
    diesel::delete(display_messages::table.find(scope)).execute(conn)?;
    Ok(())
}
