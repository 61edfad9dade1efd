//! Recording a visit event: the audit row, and in the same transaction the outboxes that
//! follow from it (patient notifications, reports to BPJS). The row's trigger announces it
//! with `pg_notify`.
use crate::db::PgConnection;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::db;
use crate::db::models::{Visit, VisitEvent};
use crate::domain::staff::Actor;
use crate::domain::visit_status::VisitStatus;
use crate::error::AppResult;

pub fn record(
    conn: &mut PgConnection,
    visit: &Visit,
    kind: &str,
    from: Option<VisitStatus>,
    actor: &Actor,
    detail: Value,
    at: DateTime<Utc>,
) -> AppResult<VisitEvent> {
    let event = db::events::insert(conn, visit, kind, from, actor, detail, at)?;
    super::outbox::on_visit_event(conn, visit, &event)?;
    Ok(event)
}
