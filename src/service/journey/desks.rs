//! A station's desks: call the next patient, the step actions (recall, skip, return,
//! start, ready, finish without forward), the station's queue and boards, and staff
//! confirming or removing a kiosk priority category.
use diesel::PgConnection;
use serde_json::json;

use super::{invalid_next, record, require_desk, station};
use crate::db::models::Visit;
use crate::db::stations::Station;
use crate::db::steps::{self, Step};
use crate::db::visits;
use crate::domain::journey::{Lane, StepAction, step_transition};
use crate::domain::queue::replaced_sort_key;
use crate::domain::staff::StaffIdentity;
use crate::error::{AppError, AppResult};
use crate::service::{Access, AppState, events};

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
    require_desk(staff, &station)?;
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
    require_desk(staff, &station)?;
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

/// A station's day for its desks (`GET /api/v1/staff/stations/{code}/queue`).
pub async fn station_queue(
    st: &AppState,
    staff: StaffIdentity,
    code: String,
) -> AppResult<(Station, Vec<Step>)> {
    let today = st.today();
    crate::db::run(&st.pool, move |conn| {
        let station = station(conn, &code)?;
        require_desk(&staff, &station)?;
        let list = steps::of_station_day(conn, station.id, today)?;
        Ok((station, list))
    })
    .await
}

/// Today's steps of the stations a board shows (`?stations=FARMASI,KASIR`), by code; 404
/// for an unknown station, 400 for a malformed list.
pub async fn boards(st: &AppState, codes: Vec<String>) -> AppResult<Vec<(Station, Vec<Step>)>> {
    check_board_codes(&codes)?;
    let today = st.today();
    crate::db::run(&st.pool, move |conn| {
        let mut out = Vec::with_capacity(codes.len());
        for code in &codes {
            let station = station(conn, code)?;
            let list = steps::of_station_day(conn, station.id, today)?;
            out.push((station, list));
        }
        Ok(out)
    })
    .await
}

/// The stations a board's live stream follows (`?stations=FARMASI,KASIR`): their ids and
/// codes; 404 for an unknown station, 400 for a malformed list (as [`boards`]).
pub async fn board_stations(st: &AppState, codes: Vec<String>) -> AppResult<Vec<(i32, String)>> {
    check_board_codes(&codes)?;
    crate::db::run(&st.pool, move |conn| {
        codes.iter().map(|code| station(conn, code).map(|s| (s.id, s.code))).collect()
    })
    .await
}

fn check_board_codes(codes: &[String]) -> AppResult<()> {
    if codes.is_empty()
        || codes.len() > 8
        || codes.iter().any(|c| {
            !(2..=16).contains(&c.len())
                || !c.chars().all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '_')
        })
    {
        return Err(AppError::bad_request(
            "invalid_stations",
            "Daftar loket/unit tidak sah (contoh: ?stations=FARMASI,KASIR).",
            "Invalid station list (e.g. ?stations=FARMASI,KASIR).",
        ));
    }
    Ok(())
}

/// What staff decide about a priority category chosen at the kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategoryDecision {
    Confirm,
    Remove,
}

impl CategoryDecision {
    pub fn from_url(s: &str) -> Option<CategoryDecision> {
        match s {
            "confirm" => Some(CategoryDecision::Confirm),
            "remove" => Some(CategoryDecision::Remove),
            _ => None,
        }
    }
}

/// Confirm or remove a visit's priority category (staff who see the clinic). Removing
/// needs a reason; both are visit events (`priority_confirmed`, `priority_removed`), so
/// they are in the audit log.
pub fn decide_category(
    conn: &mut PgConnection,
    st: &AppState,
    staff: &StaffIdentity,
    visit_id: i64,
    decision: CategoryDecision,
    reason: &str,
) -> AppResult<Visit> {
    let visit = visits::find(conn, visit_id)?;
    staff.require_sight(visit.clinic_id)?;
    let reason = reason.trim();
    if decision == CategoryDecision::Remove && reason.is_empty() {
        return Err(AppError::unprocessable(
            "reason_required",
            "Tulis alasan menghapus kategori prioritas.",
            "Give a reason for removing the priority category.",
        ));
    }
    let now = st.now();
    let changed = match decision {
        CategoryDecision::Confirm => steps::confirm_category(conn, visit_id, now)?,
        CategoryDecision::Remove => steps::remove_category(conn, visit_id, now)?,
    };
    let Some(changed) = changed else {
        return Err(AppError::conflict(
            "no_priority_category",
            "Kunjungan ini tidak memiliki kategori prioritas.",
            "This visit has no priority category.",
        ));
    };
    let (kind, detail) = match decision {
        CategoryDecision::Confirm => {
            ("priority_confirmed", json!({"category": visit.priority_category}))
        }
        CategoryDecision::Remove => {
            ("priority_removed", json!({"category": visit.priority_category, "reason": reason}))
        }
    };
    events::record(conn, &changed, kind, Some(changed.status), &staff.actor(), detail, now)?;
    Ok(changed)
}
