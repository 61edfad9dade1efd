//! Visit events: the audit log of every transition. Inserting one also announces it
//! (`pg_notify` in a trigger, same transaction); `service::events::record` writes the
//! outboxes that follow from it.
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Text};
use serde::Serialize;
use serde_json::Value;

use super::models::{NewVisitEvent, Visit, VisitEvent};
use super::schema::visit_events;
use crate::domain::visit_status::VisitStatus;
use crate::error::AppResult;

pub use crate::domain::staff::Actor;

thread_local! {
    /// Sessions whose visit events this thread wrote since [`take_written`] last ran.
    static WRITTEN: std::cell::RefCell<Vec<i32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Note that this thread's transaction wrote a visit event of `session_id`, so the node can
/// drop what it keeps in memory of that session as soon as the transaction commits (the
/// LISTEN stream tells every node too, a moment later).
pub fn note_written(session_id: i32) {
    WRITTEN.with(|w| w.borrow_mut().push(session_id));
}

/// The sessions noted on this thread since the last call.
pub fn take_written() -> Vec<i32> {
    WRITTEN.with(|w| std::mem::take(&mut *w.borrow_mut()))
}

/// Insert the event row of a visit change.
pub fn insert(
    conn: &mut PgConnection,
    visit: &Visit,
    kind: &str,
    from: Option<VisitStatus>,
    actor: &Actor,
    detail: Value,
    at: DateTime<Utc>,
) -> AppResult<VisitEvent> {
    note_written(visit.session_id);
    Ok(diesel::insert_into(visit_events::table)
        .values(NewVisitEvent {
            visit_id: visit.id,
            session_id: visit.session_id,
            kind: kind.to_string(),
            from_status: from.map(|s| s.as_str().to_string()),
            to_status: visit.status.as_str().to_string(),
            actor: actor.label.clone(),
            staff_id: actor.staff_id,
            detail,
            created_at: at,
        })
        .returning(VisitEvent::as_returning())
        .get_result(conn)?)
}

/// One visit event as public screens may see it: ticket numbers and kinds, no personal data.
#[derive(Debug, Clone, Serialize, QueryableByName)]
pub struct LiveEvent {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Integer)]
    pub session_id: i32,
    #[diesel(sql_type = Text)]
    pub ticket: String,
    #[diesel(sql_type = Text)]
    pub clinic: String,
    #[diesel(sql_type = Text)]
    pub clinic_name: String,
    #[diesel(sql_type = Text)]
    pub room: String,
    #[diesel(sql_type = Integer)]
    pub call_count: i32,
}

/// The public facts of events; callers append a WHERE clause.
pub const EVENT_SELECT: &str = "SELECT e.id, e.kind, e.to_status AS status, e.session_id, \
     v.ticket, c.code AS clinic, c.name AS clinic_name, \
     CASE WHEN v.room <> '' THEN v.room ELSE c.room END AS room, v.call_count \
     FROM visit_events e JOIN visits v ON v.id = e.visit_id JOIN clinics c ON c.id = v.clinic_id";

/// Public facts of a session's events after `after`, oldest first.
pub fn of_session_after(
    conn: &mut PgConnection,
    session_id: i32,
    after: i64,
    limit: i64,
) -> AppResult<Vec<LiveEvent>> {
    Ok(diesel::sql_query(format!(
        "{EVENT_SELECT} WHERE e.id > $1 AND e.session_id = $2 ORDER BY e.id LIMIT $3"
    ))
    .bind::<BigInt, _>(after)
    .bind::<Integer, _>(session_id)
    .bind::<BigInt, _>(limit)
    .load(conn)?)
}

/// Public facts of the events of some clinics (by code) after `after`, oldest first.
pub fn of_clinics_after(
    conn: &mut PgConnection,
    codes: &[String],
    after: i64,
    limit: i64,
) -> AppResult<Vec<LiveEvent>> {
    Ok(diesel::sql_query(format!(
        "{EVENT_SELECT} WHERE e.id > $1 AND c.code = ANY($2) ORDER BY e.id LIMIT $3"
    ))
    .bind::<BigInt, _>(after)
    .bind::<Array<Text>, _>(codes)
    .bind::<BigInt, _>(limit)
    .load(conn)?)
}
