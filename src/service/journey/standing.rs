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
    /// The consultations after a lab/radiology return, each with its own times.
    pub returns: Vec<ClinicReturn>,
}

/// A consultation at the visit's own polyclinic after lab or radiology ("back to the same
/// doctor"): its times come from the visit's events (the visit keeps the first
/// consultation's `called_at`/`started_at`/`finished_at`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicReturn {
    pub visit_id: i64,
    pub ticket: String,
    pub number: i32,
    /// The polyclinic's code.
    pub clinic: String,
    /// Back in the polyclinic's queue since.
    pub back_at: DateTime<Utc>,
    pub called_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub call_count: i32,
}

impl ClinicReturn {
    pub fn status(&self) -> StepStatus {
        match (self.called_at, self.started_at, self.finished_at) {
            (_, _, Some(_)) => StepStatus::Done,
            (_, Some(_), None) => StepStatus::Serving,
            (Some(_), None, None) => StepStatus::Called,
            _ => StepStatus::Waiting,
        }
    }
}

/// A return's moments: back in the queue at, [first call, first start, first finish], and
/// how many calls.
pub type ReturnTimes = (DateTime<Utc>, [Option<DateTime<Utc>>; 3], i32);

/// The consultations after each `back_to_clinic` among a visit's polyclinic moments
/// (oldest first): the first call, the first start and the first finish after it, and how
/// many calls. The moments before the first return are the first consultation's.
pub fn clinic_returns(moments: &[(String, DateTime<Utc>)]) -> Vec<ReturnTimes> {
    let mut out: Vec<ReturnTimes> = Vec::new();
    for (kind, at) in moments {
        if kind == "back_to_clinic" {
            out.push((*at, [None; 3], 0));
            continue;
        }
        let Some((_, times, calls)) = out.last_mut() else { continue };
        let slot = match kind.as_str() {
            "call" | "recall" => {
                *calls += 1;
                0
            }
            "start" => 1,
            "finish" => 2,
            _ => continue,
        };
        times[slot].get_or_insert(*at);
    }
    out
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
    let moments = steps::clinic_moments(conn, visit_id)?;
    let found = clinic_returns(&moments);
    let returns = if found.is_empty() {
        Vec::new()
    } else {
        let (ticket, number, clinic) = steps::visit_ticket(conn, visit_id)?;
        found
            .into_iter()
            .map(|(back_at, [called_at, started_at, finished_at], call_count)| ClinicReturn {
                visit_id,
                ticket: ticket.clone(),
                number,
                clinic: clinic.clone(),
                back_at,
                called_at,
                started_at,
                finished_at,
                call_count,
            })
            .collect()
    };
    Ok(Journey { steps, current, referred_to, returns })
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
