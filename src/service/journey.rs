//! The journey of a visit after (and besides) its polyclinic step: stations, forwarding a
//! visit to a station, the station desks (call next, recall, skip, return, start, ready,
//! finish), and where a patient stands on their journey. Every step change is a visit
//! event, recorded through [`events::record`] with a [`StepDetail`].
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Access, AppState, events, queue};
use crate::db::models::Visit;
use crate::db::stations::{self, Station, unknown_station};
use crate::db::steps::{self, NewStep, Step};
use crate::db::visits;
use crate::domain::journey::{Lane, StationKind, StepAction, StepStatus, step_transition};
use crate::domain::queue::{estimate, median_service_minutes, replaced_sort_key};
use crate::domain::staff::{Actor, StaffIdentity};
use crate::domain::ticket::format_ticket;
use crate::domain::visit_status::Action;
use crate::error::{AppError, AppResult};

/// Minutes per step when a lane has measured nothing yet.
const FALLBACK_MINUTES: i32 = 10;

/// Where a finished step sends the visit next.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Next {
    /// A station code (`FARMASI`, `KASIR`, …).
    pub station: Option<String>,
    /// The pharmacy lane: `racikan` or `non_racikan`.
    pub prescription: Option<Lane>,
    /// Another polyclinic (internal referral): not supported yet.
    pub clinic: Option<String>,
    pub session_id: Option<i32>,
}

/// What a step's visit event says about the step (its `detail`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepDetail {
    pub step_id: i64,
    pub station: String,
    pub station_kind: StationKind,
    pub lane: Option<Lane>,
    pub ticket: String,
    pub number: i32,
    pub desk: Option<i32>,
    pub from: Option<StepStatus>,
    pub to: StepStatus,
}

impl StepDetail {
    pub fn of(step: &Step, station: &Station, from: Option<StepStatus>) -> StepDetail {
        StepDetail {
            step_id: step.id,
            station: station.code.clone(),
            station_kind: station.kind,
            lane: step.lane,
            ticket: step.ticket.clone(),
            number: step.number,
            desk: step.desk,
            from,
            to: step.status,
        }
    }

    /// The step detail of a visit event, if it is a step event.
    pub fn read(detail: &serde_json::Value) -> Option<StepDetail> {
        serde_json::from_value(detail.clone()).ok()
    }
}

/// `next` goes only with `finish`: the `next` to follow it, or 422 for another action.
pub fn next_with(finish: bool, next: Option<Next>) -> AppResult<Option<Next>> {
    match (finish, next) {
        (false, Some(_)) => Err(invalid_next(
            "Tujuan berikutnya hanya untuk tindakan selesai.",
            "A next station only goes with finish.",
        )),
        (_, next) => Ok(next),
    }
}

fn invalid_next(id: &'static str, en: &'static str) -> AppError {
    AppError::unprocessable("invalid_next", id, en)
}

/// The station and lane `next` names, checked: a known station, a prescription kind for the
/// pharmacy and only there.
pub fn resolve_next(conn: &mut PgConnection, next: &Next) -> AppResult<(Station, Option<Lane>)> {
    if next.clinic.is_some() || next.session_id.is_some() {
        return Err(invalid_next(
            "Rujukan ke poli lain belum didukung.",
            "Forwarding to another polyclinic is not supported yet.",
        ));
    }
    let Some(code) = next.station.as_deref() else {
        return Err(invalid_next("Tujuan berikutnya belum diisi.", "The next station is missing."));
    };
    let station = stations::find_by_code(conn, code)?.ok_or_else(|| {
        AppError::unprocessable(
            "unknown_station",
            "Kode loket/unit tidak dikenal.",
            "Unknown station code.",
        )
    })?;
    match (station.kind.prepares_first(), next.prescription) {
        (true, None) => Err(invalid_next(
            "Jenis resep (racikan / non_racikan) wajib diisi untuk farmasi.",
            "The prescription kind (racikan / non_racikan) is required for the pharmacy.",
        )),
        (false, Some(_)) => Err(invalid_next(
            "Jenis resep hanya untuk farmasi.",
            "A prescription kind is only for the pharmacy.",
        )),
        (_, lane) => Ok((station, lane)),
    }
}

/// Record a step change as a visit event.
fn record(
    conn: &mut PgConnection,
    step: &Step,
    station: &Station,
    action: StepAction,
    from: Option<StepStatus>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let visit = visits::find(conn, step.visit_id)?;
    let detail = serde_json::to_value(StepDetail::of(step, station, from))
        .map_err(|e| AppError::internal(format!("step detail: {e}")))?;
    events::record(conn, &visit, action.as_str(), Some(visit.status), actor, detail, now)?;
    Ok(())
}

/// Forward a visit to a station: a new step with the next number of the station's day
/// (one upsert, gap-free), waiting, with the visit's priority.
pub fn forward(
    conn: &mut PgConnection,
    visit: &Visit,
    (station, lane): (&Station, Option<Lane>),
    date: NaiveDate,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<Step> {
    let number = stations::next_number(conn, station.id, date)?;
    let new = NewStep {
        visit_id: visit.id,
        station_id: station.id,
        lane,
        service_date: date,
        number,
        ticket: format_ticket(&station.prefix, number),
        status: StepStatus::Waiting,
        priority: visit.priority,
        sort_key: f64::from(number),
        created_at: now,
        updated_at: now,
    };
    let Some(step) = steps::insert(conn, &new)? else {
        return Err(AppError::conflict(
            "already_at_station",
            "Pasien ini masih dalam antrean loket/unit lain.",
            "This patient is still queued at another station.",
        ));
    };
    record(conn, &step, station, StepAction::Forward, None, actor, now)?;
    Ok(step)
}

/// Finish a polyclinic visit and forward it (`POST /api/v1/staff/visits/{id}/finish` with
/// `next`). The finish event carries the prescription kind (BPJS task 5's `jenisresep`).
pub fn finish_and_forward(
    conn: &mut PgConnection,
    st: &AppState,
    staff: &StaffIdentity,
    visit_id: i64,
    reason: &str,
    next: &Next,
) -> AppResult<(Visit, (Step, Station))> {
    let visit = visits::find(conn, visit_id)?;
    staff.require_clinic(visit.clinic_id)?;
    let (station, lane) = resolve_next(conn, next)?;
    let (actor, now) = (staff.actor(), st.now());
    let detail = json!({"reason": reason, "prescription": lane, "next": station.code});
    let done = queue::apply(conn, visit_id, Action::Finish, &actor, now, detail)?;
    let step = forward(conn, &done, (&station, lane), st.today(), &actor, now)?;
    Ok((done, (step, station)))
}

/// An active station by code, or 404.
pub fn station(conn: &mut PgConnection, code: &str) -> AppResult<Station> {
    stations::find_by_code(conn, code)?.ok_or_else(unknown_station)
}

/// Every active station (`GET /api/v1/stations`).
pub async fn list_stations(st: &AppState) -> AppResult<Vec<Station>> {
    crate::db::run(&st.pool, stations::list).await
}

/// Call the next patient at a station's desk: the first waiting step (at the pharmacy: the
/// first *ready* one) of today, in the lane if one is given.
pub fn call_next(
    conn: &mut PgConnection,
    st: &AppState,
    staff: &StaffIdentity,
    code: &str,
    desk: i32,
    lane: Option<Lane>,
) -> AppResult<(Step, Station)> {
    let station = station(conn, code)?;
    staff.require_station(station.id)?;
    if !(1..=station.desks).contains(&desk) {
        return Err(AppError::unprocessable(
            "invalid_desk",
            format!("Nomor loket harus 1–{}.", station.desks),
            format!("The desk number must be 1–{}.", station.desks),
        ));
    }
    if lane.is_some() && !station.kind.prepares_first() {
        return Err(invalid_next(
            "Jalur resep hanya untuk farmasi.",
            "Prescription lanes are only for the pharmacy.",
        ));
    }
    let from = station.kind.callable();
    let now = st.now();
    let Some(step) = steps::call_first(conn, station.id, st.today(), lane, from, desk, now)? else {
        return Err(AppError::conflict(
            "queue_empty",
            "Tidak ada pasien yang menunggu.",
            "Nobody is waiting.",
        ));
    };
    record(conn, &step, &station, StepAction::Call, Some(from), &staff.actor(), now)?;
    Ok((step, station))
}

/// One desk action on a step (recall, skip, return, start, ready, finish).
pub fn act_on_step(
    conn: &mut PgConnection,
    st: &AppState,
    staff: &StaffIdentity,
    step_id: i64,
    action: StepAction,
) -> AppResult<(Step, Station)> {
    let (step, station) = steps::lock(conn, step_id)?;
    staff.require_station(station.id)?;
    let to = step_transition(station.kind, step.status, action)?;
    let now = st.now();
    let mut moved = steps::set_status(conn, step.id, step.status, to, action, now)?;
    if action == StepAction::Return {
        let keys = steps::keys_in(conn, &moved, to)?;
        moved = steps::set_sort_key(conn, moved.id, replaced_sort_key(&keys, moved.sort_key))?;
    }
    record(conn, &moved, &station, action, Some(step.status), &staff.actor(), now)?;
    Ok((moved, station))
}

/// Finish a step and forward the visit to the next station (`POST
/// /api/v1/staff/steps/{id}/finish` with `next`): the cashier sends a patient on to the
/// pharmacy, the lab back to the desk, ….
pub fn finish_step_and_forward(
    conn: &mut PgConnection,
    st: &AppState,
    staff: &StaffIdentity,
    step_id: i64,
    next: &Next,
) -> AppResult<((Step, Station), (Step, Station))> {
    let target = resolve_next(conn, next)?;
    let (done, station) = act_on_step(conn, st, staff, step_id, StepAction::Finish)?;
    let visit = visits::find(conn, done.visit_id)?;
    let step = forward(conn, &visit, (&target.0, target.1), st.today(), &staff.actor(), st.now())?;
    Ok(((done, station), (step, target.0)))
}

/// A station's day for its desks (`GET /api/v1/staff/stations/{code}/queue`).
pub async fn station_queue(
    st: &AppState,
    staff: StaffIdentity,
    code: String,
) -> AppResult<(Station, Vec<Step>)> {
    let today = st.today();
    crate::db::run(&st.pool, move |conn| {
        let station = station(conn, &code)?;
        staff.require_station(station.id)?;
        let list = steps::of_station_day(conn, station.id, today)?;
        Ok((station, list))
    })
    .await
}

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
        Some((step, station)) => {
            let position = steps::position_of(conn, &step)?;
            let minutes = minutes_per_step(conn, &step)?;
            let local = now.with_timezone(&tz);
            let estimated_at = match step.status {
                StepStatus::Called => step.called_at.unwrap_or(now),
                _ => estimate(local, local, position, minutes).with_timezone(&Utc),
            };
            Some(CurrentStep { step, station, position, estimated_at })
        }
        None => None,
    };
    Ok(Journey { steps, current })
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
