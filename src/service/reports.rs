//! The day in figures: per clinic session, the visits served and missed, the waits from
//! check-in to the first call, service times, and the share called within the standard.
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::Access;
use crate::db::models::Clinic;
use crate::db::reports::{self, Timing};
use crate::db::{self, PgPool, catalogue, sessions};
use crate::domain::staff::{Role, StaffIdentity as Staff};
use crate::domain::visit_status::VisitStatus;
use crate::domain::waits::{TARGET_SHARE, WAIT_STANDARD_MINUTES, percentile, share_within};
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

fn minutes(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Option<f64> {
    Some((to? - from?).num_seconds().max(0) as f64 / 60.0)
}

pub(crate) fn figures(rows: &[&Timing]) -> Figures {
    let waits: Vec<f64> =
        rows.iter().filter_map(|t| minutes(t.checked_in_at, t.first_call)).collect();
    let services: Vec<f64> =
        rows.iter().filter_map(|t| minutes(t.started_at, t.finished_at)).collect();
    Figures {
        visits: rows.len(),
        served: rows.iter().filter(|t| t.status == VisitStatus::Done).count(),
        no_shows: rows.iter().filter(|t| t.status == VisitStatus::NoShow).count(),
        waits: waits.len(),
        wait_median: percentile(&waits, 50.0),
        wait_p90: percentile(&waits, 90.0),
        service_median: percentile(&services, 50.0),
        service_p90: percentile(&services, 90.0),
        within: share_within(&waits, WAIT_STANDARD_MINUTES),
        ..Figures::default()
    }
}

/// The daily report: one line per session, the day's total, and the clinics to choose from.
#[derive(Debug, Clone)]
pub struct DailyReport {
    pub rows: Vec<Figures>,
    pub total: Figures,
    /// The clinics this account may report on, by name.
    pub clinics: Vec<Clinic>,
}

/// The clinics (active or not) this account sees, by name.
pub(crate) fn visible_clinics(
    conn: &mut crate::db::PgConnection,
    staff: &Staff,
) -> AppResult<Vec<Clinic>> {
    Ok(catalogue::list_clinics(conn)?.into_iter().filter(|c| staff.may_see_clinic(c.id)).collect())
}

/// The figures of a date, optionally of one clinic (by code), over the sessions this
/// account sees (admin, clinic).
pub async fn daily(
    pool: &PgPool,
    staff: &Staff,
    date: NaiveDate,
    clinic: Option<String>,
) -> AppResult<DailyReport> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let viewer = staff.clone();
    db::run(pool, move |conn| {
        let list: Vec<_> = sessions::list(conn, date, clinic.as_deref())?
            .into_iter()
            .filter(|s| viewer.may_see_clinic(s.clinic.id))
            .collect();
        let timings = reports::daily_timings(conn, date)?;
        let mut by_session: BTreeMap<i32, Vec<&Timing>> = BTreeMap::new();
        for t in &timings {
            by_session.entry(t.session_id).or_default().push(t);
        }
        let ids: Vec<i32> = list.iter().map(|s| s.session.id).collect();
        let rows = list
            .iter()
            .map(|s| {
                let mut f =
                    figures(by_session.get(&s.session.id).map(Vec::as_slice).unwrap_or(&[]));
                f.clinic = s.clinic.name.clone();
                f.doctor = s.doctor.name.clone();
                f.hours = s.hours();
                f.label = format!("{} {}", s.clinic.prefix, s.session.starts_at.format("%H:%M"));
                f
            })
            .collect();
        let all: Vec<&Timing> = timings.iter().filter(|t| ids.contains(&t.session_id)).collect();
        Ok(DailyReport { rows, total: figures(&all), clinics: visible_clinics(conn, &viewer)? })
    })
    .await
}
