//! The journey of a visit after (and besides) its polyclinic step: stations, forwarding a
//! visit to a station, the station desks (call next, recall, skip, return, start, ready,
//! finish), and where a patient stands on their journey. Every step change is a visit
//! event, recorded through [`events::record`] with a [`StepDetail`].
//!
//! - this file: where `next` sends a visit, the step detail of its events, the stations;
//! - [`forward`]: finishing a visit or a step and forwarding it;
//! - [`desks`]: a station's desks (call next, step actions, queue, boards, categories);
//! - [`standing`]: where a patient stands on their journey;
//! - [`admin`] and [`report`]: editing stations, the journey figures of a day.
mod admin;
mod counter;
mod desks;
mod forward;
mod report;
mod standing;

pub use admin::{StationInput, save_station};
pub use counter::{
    Completed, Completion, Decided, complete, decide_step_category, lookup, missing_label,
    missing_of,
};
pub use desks::board_stations;
pub use desks::{CategoryDecision, act_on_step, boards, call_next, decide_category, station_queue};
pub use forward::{finish_and_forward, finish_step_and_forward, forward};
pub use report::{JourneyReport, StationFigures, journey_report};
pub use standing::{ClinicReturn, clinic_returns};
pub use standing::{
    CurrentStep, Journey, PharmacyStanding, current_of, journey_of, pharmacy_standing,
};

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};

use super::booking::Placed;
use super::{Access, AppState, events};
use crate::db::models::Visit;
use crate::db::sessions::{self, SessionView};
use crate::db::stations::{self, Station, unknown_station};
use crate::db::steps::{self, Step};
use crate::db::{catalogue, visits};
use crate::domain::journey::{Lane, StationKind, StepAction, StepStatus};
use crate::domain::kinds::SessionStatus;
use crate::domain::staff::{Actor, Role, StaffIdentity};
use crate::error::{AppError, AppResult};

/// Where a finished step sends the visit next.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Next {
    /// A station code (`FARMASI`, `KASIR`, …).
    pub station: Option<String>,
    /// The pharmacy lane: `racikan` or `non_racikan`.
    pub prescription: Option<Lane>,
    /// Another polyclinic (internal referral, or from the registration counter).
    pub clinic: Option<String>,
    /// The clinic's session of today; the first one still running when absent.
    pub session_id: Option<i32>,
    /// Back to the polyclinic the visit came from (after lab, radiology, …): the same
    /// visit takes its place in its own queue again. `{"clinic": <its own clinic>}` says
    /// the same.
    #[serde(default)]
    pub back: bool,
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

pub(super) fn invalid_next(id: &'static str, en: &'static str) -> AppError {
    AppError::unprocessable("invalid_next", id, en)
}

/// Where `next` sends a visit: a station (with its lane), or a polyclinic's session of
/// the day (an internal referral, or the registration counter forwarding a patient).
#[derive(Debug, Clone)]
pub enum Target {
    Station(Station, Option<Lane>),
    Clinic(Box<SessionView>),
    /// Back to the polyclinic the visit came from (`"back": true`).
    Back,
}

/// What a forward created: the step at a station, or the place in a polyclinic.
#[derive(Debug, Clone)]
pub enum Forwarded {
    Step(Box<(Step, Station)>),
    Clinic(Box<Placed>),
    /// The same visit, waiting again in its own polyclinic's queue.
    Back(Box<Visit>),
}

/// The target `next` names, checked: a known station, a prescription kind for the pharmacy
/// and only there; or a clinic with a session today (the one given, or the first still
/// running).
pub fn resolve_next(conn: &mut PgConnection, st: &AppState, next: &Next) -> AppResult<Target> {
    if next.back {
        let alone = Next { back: true, ..Next::default() };
        if *next != alone {
            return Err(invalid_next(
                "Kembali ke poli asal tidak bersama tujuan lain.",
                "Back to the polyclinic goes with no other destination.",
            ));
        }
        return Ok(Target::Back);
    }
    if let Some(code) = next.clinic.as_deref() {
        if next.station.is_some() || next.prescription.is_some() {
            return Err(invalid_next(
                "Pilih satu tujuan: loket/unit atau poli.",
                "Choose one destination: a station or a polyclinic.",
            ));
        }
        return resolve_clinic(conn, st, code, next.session_id)
            .map(|s| Target::Clinic(Box::new(s)));
    }
    if next.session_id.is_some() {
        return Err(invalid_next(
            "session_id hanya bersama kode poli (clinic).",
            "session_id only goes with a clinic code.",
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
        (_, lane) => Ok(Target::Station(station, lane)),
    }
}

/// A clinic's session of today: the one given, or the first open one not yet over.
fn resolve_clinic(
    conn: &mut PgConnection,
    st: &AppState,
    code: &str,
    session_id: Option<i32>,
) -> AppResult<SessionView> {
    let Some(clinic) = catalogue::find_active_clinic(conn, &code.to_ascii_uppercase())? else {
        return Err(AppError::unprocessable(
            "unknown_clinic",
            "Kode poli tidak dikenal.",
            "Unknown clinic code.",
        ));
    };
    let (tz, now) = (st.tz(), st.now());
    let today = sessions::list(conn, st.today(), Some(&clinic.code))?;
    let found = match session_id {
        Some(id) => Some(today.into_iter().find(|s| s.session.id == id).ok_or_else(|| {
            invalid_next(
                "Jadwal praktik itu bukan jadwal poli tersebut hari ini.",
                "That session is not one of this clinic's sessions today.",
            )
        })?),
        None => {
            let open: Vec<_> =
                today.into_iter().filter(|s| s.session.status == SessionStatus::Open).collect();
            let running = open.iter().find(|s| s.ends(tz) > now.with_timezone(&tz)).cloned();
            running.or_else(|| open.into_iter().next())
        }
    };
    found.ok_or_else(|| {
        AppError::conflict(
            "no_session",
            "Tidak ada jadwal praktik yang buka di poli tersebut hari ini.",
            "This clinic has no open session today.",
        )
    })
}

/// Record a step change as a visit event.
pub(super) fn record(
    conn: &mut PgConnection,
    step: &Step,
    station: &Station,
    action: StepAction,
    from: Option<StepStatus>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let detail = StepDetail::of(step, station, from);
    // A registration ticket before its visit exists has no visit to record on: the change
    // is kept on the step and becomes a visit event once the counter forwards the patient
    // ([`replay_early`]).
    let Some(visit_id) = step.visit_id else {
        return remember_early(conn, step.id, action.as_str(), detail, actor, now);
    };
    let visit = visits::find(conn, visit_id)?;
    let detail = serde_json::to_value(detail)
        .map_err(|e| AppError::internal(format!("step detail: {e}")))?;
    events::record(conn, &visit, action.as_str(), Some(visit.status), actor, detail, now)?;
    Ok(())
}

/// The event kind of a registration ticket taken at the kiosk (in a ticket's early
/// history, then on its visit).
pub const TICKET_TAKEN: &str = "step_ticket";

/// A step change of a registration ticket before its visit exists, as kept on the step.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EarlyEvent {
    pub kind: String,
    pub actor: String,
    pub staff_id: Option<i32>,
    pub at: DateTime<Utc>,
    pub detail: StepDetail,
    /// More detail than the step's (a category decision's reason, the patient completed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<serde_json::Value>,
}

/// Keep a ticket's step change on the step until it has a visit.
pub fn remember_early(
    conn: &mut PgConnection,
    step_id: i64,
    kind: &str,
    detail: StepDetail,
    actor: &Actor,
    at: DateTime<Utc>,
) -> AppResult<()> {
    remember_early_with(conn, step_id, kind, detail, None, actor, at)
}

/// [`remember_early`] with more detail than the step's.
pub fn remember_early_with(
    conn: &mut PgConnection,
    step_id: i64,
    kind: &str,
    detail: StepDetail,
    extra: Option<serde_json::Value>,
    actor: &Actor,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let entry = EarlyEvent {
        kind: kind.to_string(),
        actor: actor.label.clone(),
        staff_id: actor.staff_id,
        at,
        detail,
        extra,
    };
    let entry =
        serde_json::to_value(entry).map_err(|e| AppError::internal(format!("early event: {e}")))?;
    steps::remember_early(conn, step_id, &entry)
}

/// A forwarded ticket's early history (ticket taken, called at a desk, recalled, skipped,
/// returned, started) becomes visit events of `visit`, each at its own moment and by its
/// own actor, so the audit log and the SSE replay follow the visit from the kiosk on. They
/// are history: nothing is sent for them again (BPJS tasks 1–2 carry these moments
/// already). The finish itself is recorded by the forward, as every step's finish.
pub fn replay_early(conn: &mut PgConnection, visit: &Visit, step_id: i64) -> AppResult<()> {
    for entry in steps::early_events(conn, step_id)? {
        let Ok(early) = serde_json::from_value::<EarlyEvent>(entry) else { continue };
        if early.kind == StepAction::Finish.as_str() {
            continue;
        }
        let actor = Actor { label: early.actor, staff_id: early.staff_id };
        let mut detail = serde_json::to_value(&early.detail)
            .map_err(|e| AppError::internal(format!("step detail: {e}")))?;
        if let (Some(serde_json::Value::Object(more)), Some(obj)) =
            (early.extra, detail.as_object_mut())
        {
            obj.extend(more);
        }
        crate::db::events::insert(conn, visit, &early.kind, None, &actor, detail, early.at)?;
    }
    Ok(())
}

/// Run a station's desks: admins and accounts assigned to it; the registration role runs
/// the registration counter as it registers at the counter.
pub fn require_desk(staff: &StaffIdentity, station: &Station) -> AppResult<()> {
    if station.kind == StationKind::Registration && staff.role == Role::Registration {
        return Ok(());
    }
    staff.require_station(station.id)
}

/// An active station by code, or 404.
pub fn station(conn: &mut PgConnection, code: &str) -> AppResult<Station> {
    stations::find_by_code(conn, code)?.ok_or_else(unknown_station)
}

/// Every active station (`GET /api/v1/stations`).
pub async fn list_stations(st: &AppState) -> AppResult<Vec<Station>> {
    crate::db::run(&st.pool, stations::list).await
}

/// The station of a step.
pub fn station_of(conn: &mut PgConnection, step: &Step) -> AppResult<Station> {
    stations::get(conn, step.station_id)
}
