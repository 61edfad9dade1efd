//! Visits as the staff console lists them.
use diesel::prelude::*;

use super::models::Visit;
use super::schema::{patients, visit_events, visits};
use crate::error::AppResult;

/// The visits of a session with their patients' names (none for a walk-in without
/// identity), in queue order.
pub fn of_session_with_names(
    conn: &mut PgConnection,
    session_id: i32,
) -> AppResult<Vec<(Visit, Option<String>)>> {
    Ok(visits::table
        .left_join(patients::table)
        .filter(visits::session_id.eq(session_id))
        .order((visits::priority.desc(), visits::sort_key, visits::id))
        .select((Visit::as_select(), patients::name.nullable()))
        .load(conn)?)
}

/// The id of the newest visit event of these sessions (0 when there is none).
pub fn last_event_id(conn: &mut PgConnection, sessions: &[i32]) -> AppResult<i64> {
    let newest: Option<i64> = visit_events::table
        .filter(visit_events::session_id.eq_any(sessions))
        .select(diesel::dsl::max(visit_events::id))
        .first(conn)?;
    Ok(newest.unwrap_or(0))
}
