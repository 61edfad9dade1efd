//! The whole visit in the staff report (issue 11 §8), over a day or a range: the time
//! from arrival (registration ticket, or check-in) to leaving (medicine handed over, or
//! the last step done); the waits and service times per station (median, p90, share
//! within 60 minutes); and the average minutes between BPJS tasks 1–7.
use crate::db::PgConnection;
use crate::db::timings::{self, StepTimes, VisitMoments};
use crate::domain::journey::StationKind;
use crate::domain::waits::{Spread, minutes_between};
use crate::error::AppResult;
use crate::service::open_data::Range;

/// Waits and service times at one station (minutes).
#[derive(Debug, Clone, Default)]
pub struct StationLine {
    pub code: String,
    pub name: String,
    /// Tickets taken at the station.
    pub steps: usize,
    /// Ticket → call (pharmacy: → medicine ready).
    pub wait: Spread,
    /// Call or start → finish (pharmacy: start → ready, the preparation).
    pub service: Spread,
}

/// The minutes between two BPJS tasks.
#[derive(Debug, Clone, Default)]
pub struct TaskGap {
    pub from: u8,
    pub to: u8,
    /// Visits with both moments.
    pub visits: usize,
    pub average: Option<f64>,
}

#[derive(Debug, Clone, Default)]
pub struct WholeVisit {
    pub stations: Vec<StationLine>,
    /// Arrival → leaving of the visits that left (`count` = how many).
    pub visit: Spread,
    pub tasks: Vec<TaskGap>,
}

impl WholeVisit {
    pub fn is_empty(&self) -> bool {
        self.stations.is_empty()
            && self.visit.count == 0
            && self.tasks.iter().all(|t| t.visits == 0)
    }
}

/// The figures of these steps (sorted by station code) and visit moments.
pub fn figures(steps: &[StepTimes], moments: &[VisitMoments]) -> WholeVisit {
    let mut stations: Vec<StationLine> = Vec::new();
    let mut start = 0;
    while start < steps.len() {
        let code = &steps[start].code;
        let end =
            steps[start..].iter().position(|s| &s.code != code).map_or(steps.len(), |n| start + n);
        let rows = &steps[start..end];
        let pharmacy = rows[0].kind == StationKind::Pharmacy.as_str();
        let waits: Vec<f64> = rows
            .iter()
            .filter_map(|t| {
                let until = if pharmacy { t.ready_at } else { t.called_at.or(t.started_at) };
                minutes_between(Some(t.created_at), until)
            })
            .collect();
        let services: Vec<f64> = rows
            .iter()
            .filter_map(|t| {
                if pharmacy {
                    minutes_between(t.started_at, t.ready_at)
                } else {
                    minutes_between(t.started_at.or(t.called_at), t.finished_at)
                }
            })
            .collect();
        stations.push(StationLine {
            code: code.clone(),
            name: rows[0].name.clone(),
            steps: rows.len(),
            wait: Spread::of(&waits),
            service: Spread::of(&services),
        });
        start = end;
    }
    let whole: Vec<f64> =
        moments.iter().filter_map(|m| minutes_between(m.t1.or(m.t3), m.left_at)).collect();
    let tasks = (1..=6u8)
        .map(|n| {
            let gaps: Vec<f64> =
                moments.iter().filter_map(|m| minutes_between(m.task(n), m.task(n + 1))).collect();
            let average = (!gaps.is_empty()).then(|| gaps.iter().sum::<f64>() / gaps.len() as f64);
            TaskGap { from: n, to: n + 1, visits: gaps.len(), average }
        })
        .collect();
    WholeVisit { stations, visit: Spread::of(&whole), tasks }
}

/// The whole-visit figures of a range, over the visits of `clinics` (every visit and
/// registration ticket when `None`).
pub fn read(
    conn: &mut PgConnection,
    range: Range,
    clinics: Option<Vec<i32>>,
) -> AppResult<WholeVisit> {
    let days = (range.from, range.to);
    let steps = timings::steps_between(conn, days, clinics.clone())?;
    let moments = timings::moments_between(conn, days, clinics)?;
    Ok(figures(&steps, &moments))
}
