//! Where a patient stands on their journey: the steps done, the open one with its place
//! and estimate, and the pharmacy step for Mobile JKN's pharmacy services.
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use diesel::PgConnection;

use crate::db::models::Visit;
use crate::db::stations::Station;
use crate::db::steps::{self, Step};
use crate::domain::journey::{Lane, StepStatus};
use crate::domain::queue::{estimate, median_service_minutes};
use crate::error::AppResult;

/// Minutes per step when a lane has measured nothing yet.
const FALLBACK_MINUTES: i32 = 10;

/// Where a patient stands at their current station.
#[derive(Debug, Clone)]
pub struct CurrentStep {
    pub step: Step,
    pub station: Station,
    pub position: i64,
    pub estimated_at: DateTime<Utc>,
}

/// The steps of a visit's journey, and the open one with its place and estimate.
#[derive(Debug, Clone, Default)]
pub struct Journey {
    pub steps: Vec<(Step, Station)>,
    pub current: Option<CurrentStep>,
    /// The visit this one was referred to (another polyclinic), if any.
    pub referred_to: Option<Visit>,
}

/// Minutes per step in a step's lane: the median of its last 20 measured services.
fn minutes_per_step(conn: &mut PgConnection, step: &Step) -> AppResult<f64> {
    let secs = steps::recent_service_seconds(conn, step)?;
    Ok(median_service_minutes(&secs, FALLBACK_MINUTES))
}

pub fn journey_of(
    conn: &mut PgConnection,
    tz: Tz,
    now: DateTime<Utc>,
    visit_id: i64,
) -> AppResult<Journey> {
    let steps = steps::of_visit(conn, visit_id)?;
    let open = steps.iter().rev().find(|(s, _)| s.status.is_open()).cloned();
    let current = match open {
        Some((step, station)) => current_of(conn, tz, now, &step, &station)?,
        None => None,
    };
    let referred_to = steps::referred_to(conn, visit_id)?;
    Ok(Journey { steps, current, referred_to })
}

/// Where an open step stands: its place in its queue and an estimate.
pub fn current_of(
    conn: &mut PgConnection,
    tz: Tz,
    now: DateTime<Utc>,
    step: &Step,
    station: &Station,
) -> AppResult<Option<CurrentStep>> {
    if !step.status.is_open() {
        return Ok(None);
    }
    let position = steps::position_of(conn, step)?;
    let minutes = minutes_per_step(conn, step)?;
    let local = now.with_timezone(&tz);
    let estimated_at = match step.status {
        StepStatus::Called => step.called_at.unwrap_or(now),
        _ => estimate(local, local, position, minutes).with_timezone(&Utc),
    };
    Ok(Some(CurrentStep { step: step.clone(), station: station.clone(), position, estimated_at }))
}

/// The pharmacy step of a visit, for Mobile JKN's pharmacy services.
#[derive(Debug, Clone)]
pub struct PharmacyStanding {
    pub step: Step,
    pub lane: Lane,
    /// Tickets of the lane today.
    pub total: i64,
    /// Not yet called.
    pub left: i64,
    /// The lane's ticket called last.
    pub called: Option<String>,
}

/// The pharmacy step of a visit; `None` when there is no prescription.
pub fn pharmacy_standing(
    conn: &mut PgConnection,
    visit: &Visit,
) -> AppResult<Option<PharmacyStanding>> {
    let found = steps::of_visit(conn, visit.id)?
        .into_iter()
        .rev()
        .find(|(_, station)| station.kind.prepares_first());
    let Some((step, lane)) = found.and_then(|(s, _)| s.lane.map(|l| (s, l))) else {
        return Ok(None);
    };
    let (total, left) = steps::lane_counts(conn, &step)?;
    let called = steps::last_called(conn, &step)?;
    Ok(Some(PharmacyStanding { step, lane, total, left, called }))
}
