//! The figures of a group of visits: served and missed, the waits from check-in to the
//! first call, service times, and the share called within the standard. The report over
//! a day or a range (`report_range`) is made of these.
use crate::db::catalogue;
use crate::db::models::Clinic;
use crate::db::reports::Timing;
use crate::domain::staff::StaffIdentity as Staff;
use crate::domain::visit_status::VisitStatus;
use crate::domain::waits::{Spread, TARGET_SHARE, minutes_between};
use crate::error::AppResult;

/// Figures of one session (or of the whole day).
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Ticket prefix and start, "B 08:00".
    pub label: String,
    pub clinic: String,
    pub doctor: String,
    pub hours: String,
    pub visits: usize,
    pub served: usize,
    pub no_shows: usize,
    pub waits: usize,
    pub wait_median: Option<f64>,
    pub wait_p90: Option<f64>,
    pub service_median: Option<f64>,
    pub service_p90: Option<f64>,
    pub within: Option<f64>,
}

impl Figures {
    /// Whole minutes, or "–".
    pub fn minutes(v: &Option<f64>) -> String {
        v.map(|m| format!("{m:.0}")).unwrap_or_else(|| "–".into())
    }
    /// The share called within the standard, "85 %", or "–".
    pub fn percent(&self) -> String {
        self.within.map(|s| format!("{:.0} %", s * 100.0)).unwrap_or_else(|| "–".into())
    }
    pub fn meets_target(&self) -> bool {
        self.within.is_some_and(|s| s >= TARGET_SHARE)
    }
}

pub(crate) fn figures(rows: &[&Timing]) -> Figures {
    let waits: Vec<f64> =
        rows.iter().filter_map(|t| minutes_between(t.checked_in_at, t.first_call)).collect();
    let services: Vec<f64> =
        rows.iter().filter_map(|t| minutes_between(t.started_at, t.finished_at)).collect();
    let (wait, service) = (Spread::of(&waits), Spread::of(&services));
    Figures {
        visits: rows.len(),
        served: rows.iter().filter(|t| t.status == VisitStatus::Done).count(),
        no_shows: rows.iter().filter(|t| t.status == VisitStatus::NoShow).count(),
        waits: wait.count,
        wait_median: wait.median,
        wait_p90: wait.p90,
        service_median: service.median,
        service_p90: service.p90,
        within: wait.within,
        ..Figures::default()
    }
}

/// The clinics (active or not) this account sees, by name.
pub(crate) fn visible_clinics(
    conn: &mut crate::db::PgConnection,
    staff: &Staff,
) -> AppResult<Vec<Clinic>> {
    Ok(catalogue::list_clinics(conn)?.into_iter().filter(|c| staff.may_see_clinic(c.id)).collect())
}
