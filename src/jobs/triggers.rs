//! Which visit events make which jobs. The decisions live in `service::outbox` (the rows in
//! `db::notifications`); this module keeps the name the hook in `db::events` calls.
use crate::db::PgConnection;
use crate::db::models::{Visit, VisitEvent};
use crate::error::AppResult;
use crate::service::outbox;
pub use crate::service::outbox::{Facts, Kind};

/// The hook called by `db::events::after_record` for every visit event: the patient
/// notifications it makes.
pub fn on_visit_event(conn: &mut PgConnection, visit: &Visit, event: &VisitEvent) -> AppResult<()> {
    outbox::notify_on_event(conn, visit, event)
}
