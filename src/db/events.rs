//! Visit events: the audit log of every transition. Inserting one also announces it
//! (`pg_notify` in a trigger, same transaction).
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::Value;

use super::models::{NewVisitEvent, Visit, VisitEvent};
use super::schema::visit_events;
use crate::error::AppResult;

/// Who did something: shown in the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    /// "patient", "kiosk", "jkn", "system" or "staff:<username>".
    pub label: String,
    pub staff_id: Option<i32>,
}

impl Actor {
    pub fn patient() -> Self {
        Actor { label: "patient".into(), staff_id: None }
    }
    pub fn kiosk() -> Self {
        Actor { label: "kiosk".into(), staff_id: None }
    }
    pub fn system() -> Self {
        Actor { label: "system".into(), staff_id: None }
    }
    pub fn jkn() -> Self {
        Actor { label: "jkn".into(), staff_id: None }
    }
    pub fn staff(id: i32, username: &str) -> Self {
        Actor { label: format!("staff:{username}"), staff_id: Some(id) }
    }
}

pub fn record(
    conn: &mut PgConnection,
    visit: &Visit,
    kind: &str,
    from_status: Option<&str>,
    actor: &Actor,
    detail: Value,
    at: DateTime<Utc>,
) -> AppResult<VisitEvent> {
    let event = diesel::insert_into(visit_events::table)
        .values(NewVisitEvent {
            visit_id: visit.id,
            session_id: visit.session_id,
            kind: kind.to_string(),
            from_status: from_status.map(str::to_string),
            to_status: visit.status.clone(),
            actor: actor.label.clone(),
            staff_id: actor.staff_id,
            detail,
            created_at: at,
        })
        .returning(VisitEvent::as_returning())
        .get_result(conn)?;
    after_record(conn, visit, &event)?;
    Ok(event)
}

/// Work that must commit or roll back together with the event: the outboxes (patient
/// notifications, reports to BPJS) add their rows here, inside the caller's transaction.
fn after_record(conn: &mut PgConnection, visit: &Visit, event: &VisitEvent) -> AppResult<()> {
    crate::jobs::triggers::on_visit_event(conn, visit, event)?;
    crate::jkn::reports::enqueue(conn, visit, event)?;
    Ok(())
}
