//! The audit log: the visit events of a day, of the clinics an account sees.
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use super::Access;
use crate::db::models::{Clinic, VisitEvent};
use crate::db::{self, PgPool, reports};
use crate::domain::rules::local_datetime;
use crate::domain::staff::{Role, StaffIdentity as Staff};
use crate::error::AppResult;

/// Most events one look shows.
pub const AUDIT_LIMIT: i64 = 1000;

/// Which events to show.
#[derive(Debug, Clone)]
pub struct AuditQuery {
    /// The local day.
    pub date: NaiveDate,
    /// One clinic (by code), or all those the account sees.
    pub clinic: Option<String>,
    /// One staff member (by username), or everyone.
    pub username: Option<String>,
}

/// A visit event with what the log shows of its visit.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub event: VisitEvent,
    pub ticket: String,
    /// The name of the visit's clinic.
    pub clinic: String,
    pub service_date: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct AuditLog {
    pub events: Vec<AuditEvent>,
    /// The clinics this account sees, by name.
    pub clinics: Vec<Clinic>,
    /// More events happened than are shown.
    pub limited: bool,
}

/// The visit events of a day (admin, clinic).
pub async fn day(pool: &PgPool, staff: &Staff, tz: Tz, q: AuditQuery) -> AppResult<AuditLog> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let viewer = staff.clone();
    db::run(pool, move |conn| {
        let clinics = super::reports::visible_clinics(conn, &viewer)?;
        let wanted: Vec<i32> = clinics
            .iter()
            .filter(|cl| q.clinic.as_deref().is_none_or(|c| c.eq_ignore_ascii_case(&cl.code)))
            .map(|cl| cl.id)
            .collect();
        let actor = q.username.map(|w| format!("staff:{w}"));
        let rows =
            reports::events_between(conn, local_day(tz, q.date), wanted, actor, AUDIT_LIMIT)?;
        let limited = rows.len() as i64 >= AUDIT_LIMIT;
        let events = rows
            .into_iter()
            .map(|(event, ticket, clinic_id, service_date)| AuditEvent {
                clinic: clinics
                    .iter()
                    .find(|cl| cl.id == clinic_id)
                    .map(|cl| cl.name.clone())
                    .unwrap_or_default(),
                event,
                ticket,
                service_date,
            })
            .collect();
        Ok(AuditLog { events, clinics, limited })
    })
    .await
}

/// Midnight to midnight of a local date, in UTC.
pub fn local_day(tz: Tz, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = local_datetime(tz, date, NaiveTime::MIN).with_timezone(&Utc);
    let end = local_datetime(tz, date + Duration::days(1), NaiveTime::MIN).with_timezone(&Utc);
    (start, end)
}
