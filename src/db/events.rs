//! Visit events: the audit log of every transition. Inserting one also announces it
//! (`pg_notify` in a trigger, same transaction); `service::events::record` writes the
//! outboxes that follow from it.
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::Value;

use super::models::{NewVisitEvent, Visit, VisitEvent};
use super::schema::visit_events;
use crate::domain::visit_status::VisitStatus;
use crate::error::AppResult;

pub use crate::domain::staff::Actor;

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
