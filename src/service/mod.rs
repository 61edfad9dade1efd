//! The service layer: every command of SIPOLI, with its rules, role checks and transaction.
//!
//! Adapters (`api/`, `pages/`, `screens/`, `jkn/`) parse a request, call one function here and
//! render its typed answer. Functions here open the transaction, check the acting staff
//! member's role, apply the domain rules, call `db::` query functions, record visit events and
//! write their outboxes. Nothing here knows about HTTP or templates.
pub mod audit;
pub mod board_message;
pub mod booking;
pub mod bpjs_reports;
pub mod catalogue;
pub mod complaints;
pub mod corrections;
pub mod events;
pub mod feedback;
pub mod figures;
pub mod hfis;
pub mod idempotency;
pub mod intake;
pub mod journey;
pub mod kinerja;
pub mod kiosks;
pub mod mobile_jkn;
pub mod notifications;
pub mod open_data;
pub mod outbox;
pub mod patients;
pub mod printers;
pub mod queue;
pub mod reconcile;
pub mod registration;
pub mod replies;
pub mod report_range;
pub mod reports;
pub mod satusehat;
pub mod schedules;
pub mod self_service;
pub mod sessions;
pub mod staff;
pub mod unconfirmed;
pub mod visits;
pub mod waitlist;
pub mod waitlist_leave;
pub mod whole_visit;

use crate::domain::staff::{Role, StaffIdentity};
use crate::error::{AppError, AppResult};

pub use crate::state::AppState;

/// The connection a command runs on, for adapters that hand the service a closure.
pub type Conn = crate::db::PgConnection;

/// Run a command in its own transaction: for adapters whose command carries no
/// idempotency key (those go through [`idempotency::run`]).
pub async fn in_transaction<T, F>(st: &AppState, work: F) -> AppResult<T>
where
    F: FnOnce(&mut Conn) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    let (out, sessions) = crate::db::transaction_noting(&st.pool, work).await?;
    st.live.standing().touch_written(&sessions);
    Ok(out)
}

/// Run a read on a pooled connection, outside a transaction.
pub async fn read<T, F>(st: &AppState, work: F) -> AppResult<T>
where
    F: FnOnce(&mut Conn) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    crate::db::run(&st.pool, work).await
}

/// Role checks of a staff command: 403 when the account may not.
pub trait Access {
    fn require(&self, roles: &[Role]) -> AppResult<()>;
    /// Run a clinic's queue or schedules: admins, and clinic accounts of that clinic.
    fn require_clinic(&self, clinic_id: i32) -> AppResult<()>;
    /// See a clinic's lists: admins and registration everywhere, clinic accounts their own.
    fn require_sight(&self, clinic_id: i32) -> AppResult<()>;
    /// Run a station's desks: admins, and accounts assigned to that station.
    fn require_station(&self, station_id: i32) -> AppResult<()>;
}

impl Access for StaffIdentity {
    fn require(&self, roles: &[Role]) -> AppResult<()> {
        if self.has_role(roles) { Ok(()) } else { Err(AppError::forbidden()) }
    }
    fn require_clinic(&self, clinic_id: i32) -> AppResult<()> {
        if self.runs_clinic(clinic_id) { Ok(()) } else { Err(AppError::forbidden()) }
    }
    fn require_sight(&self, clinic_id: i32) -> AppResult<()> {
        if self.may_see_clinic(clinic_id) { Ok(()) } else { Err(AppError::forbidden()) }
    }
    fn require_station(&self, station_id: i32) -> AppResult<()> {
        if self.runs_station(station_id) { Ok(()) } else { Err(AppError::forbidden()) }
    }
}
pub mod bpjs_link;
pub mod hfis_push;
pub mod standing_cache;
