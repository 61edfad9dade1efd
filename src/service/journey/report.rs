//! The whole visit in the daily report: waits and service times per station, arrival to
//! leaving, and the average minutes between BPJS tasks 1–7.
use chrono::{DateTime, NaiveDate, Utc};

use crate::db::steps;
use crate::domain::journey::StationKind;
use crate::domain::staff::{Role, StaffIdentity};
use crate::error::AppResult;
use crate::service::{Access, AppState};

/// Waits and service times at one station on a day (minutes).
#[derive(Debug, Clone, Default)]
pub struct StationFigures {
    pub code: String,
    pub name: String,
    pub steps: usize,
    pub wait_median: Option<f64>,
    pub wait_p90: Option<f64>,
    pub service_median: Option<f64>,
    pub service_p90: Option<f64>,
    /// Share of waits within the standard (60 minutes).
    pub within: Option<f64>,
}

/// The whole visit in the daily report: per station, the visit from arrival to leaving,
/// and the average minutes between BPJS tasks 1–7.
#[derive(Debug, Clone, Default)]
pub struct JourneyReport {
    pub stations: Vec<StationFigures>,
    pub visits_left: usize,
    pub visit_median: Option<f64>,
    pub visit_p90: Option<f64>,
    /// (from task, to task, visits measured, average minutes).
    pub tasks: Vec<(u8, u8, usize, Option<f64>)>,
}

fn span(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Option<f64> {
    Some((to? - from?).num_seconds().max(0) as f64 / 60.0)
}

/// The journey figures of a date (admin: every visit; clinic accounts: their clinics).
/// At a counter the wait runs from the ticket to the call and the service from the call
/// (or start) to the finish; at the pharmacy the wait runs to "ready" and the service is
/// the preparation (start → ready).
pub async fn journey_report(
    st: &AppState,
    staff: &StaffIdentity,
    date: NaiveDate,
) -> AppResult<JourneyReport> {
    use crate::domain::waits::{WAIT_STANDARD_MINUTES, percentile, share_within};
    staff.require(&[Role::Admin, Role::Clinic])?;
    let clinics = (staff.role != Role::Admin).then(|| staff.clinic_ids.clone());
    let (timings, moments) = crate::db::run(&st.pool, move |conn| {
        Ok((
            steps::day_timings(conn, date, clinics.clone())?,
            steps::day_moments(conn, date, clinics)?,
        ))
    })
    .await?;
    let mut stations: Vec<StationFigures> = Vec::new();
    for t in &timings {
        if stations.last().is_none_or(|s| s.code != t.code) {
            stations.push(StationFigures {
                code: t.code.clone(),
                name: t.name.clone(),
                ..Default::default()
            });
        }
    }
    for f in &mut stations {
        let rows: Vec<_> = timings.iter().filter(|t| t.code == f.code).collect();
        let pharmacy = rows.first().is_some_and(|t| t.kind == StationKind::Pharmacy.as_str());
        let waits: Vec<f64> = rows
            .iter()
            .filter_map(|t| {
                let end = if pharmacy { t.ready_at } else { t.called_at.or(t.started_at) };
                span(Some(t.created_at), end)
            })
            .collect();
        let services: Vec<f64> = rows
            .iter()
            .filter_map(|t| {
                if pharmacy {
                    span(t.started_at, t.ready_at)
                } else {
                    span(t.started_at.or(t.called_at), t.finished_at)
                }
            })
            .collect();
        f.steps = rows.len();
        f.wait_median = percentile(&waits, 50.0);
        f.wait_p90 = percentile(&waits, 90.0);
        f.service_median = percentile(&services, 50.0);
        f.service_p90 = percentile(&services, 90.0);
        f.within = share_within(&waits, WAIT_STANDARD_MINUTES);
    }
    let whole: Vec<f64> = moments.iter().filter_map(|m| span(m.t1.or(m.t3), m.left_at)).collect();
    let at = |m: &steps::VisitMoments, n: u8| match n {
        1 => m.t1,
        2 => m.t2,
        3 => m.t3,
        4 => m.t4,
        5 => m.t5,
        6 => m.t6,
        _ => m.t7,
    };
    let tasks = (1..=6u8)
        .map(|n| {
            let gaps: Vec<f64> =
                moments.iter().filter_map(|m| span(at(m, n), at(m, n + 1))).collect();
            let avg = (!gaps.is_empty()).then(|| gaps.iter().sum::<f64>() / gaps.len() as f64);
            (n, n + 1, gaps.len(), avg)
        })
        .collect();
    Ok(JourneyReport {
        stations,
        visits_left: whole.len(),
        visit_median: percentile(&whole, 50.0),
        visit_p90: percentile(&whole, 90.0),
        tasks,
    })
}
