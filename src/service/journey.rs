//! The journey of a visit after (and besides) its polyclinic step: stations, forwarding a
//! visit to a station, the station desks (call next, recall, skip, return, start, ready,
//! finish), and where a patient stands on their journey. Every step change is a visit
//! event, recorded through [`events::record`] with a [`StepDetail`].
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use diesel::PgConnection;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::booking::{self, PatientInput, PlaceInput, Placed};
use super::{Access, AppState, events, queue};
use crate::db::models::Visit;
use crate::db::sessions::{self, SessionView};
use crate::db::stations::{self, Station, unknown_station};
use crate::db::steps::{self, NewStep, Step};
use crate::db::visits;
use crate::db::{catalogue, jkn};
use crate::domain::identity::{BpjsNo, Nik};
use crate::domain::journey::{Lane, StationKind, StepAction, StepStatus, step_transition};
use crate::domain::kinds::{Channel, SessionStatus};
use crate::domain::queue::{estimate, median_service_minutes, replaced_sort_key};
use crate::domain::staff::{Actor, Role, StaffIdentity};
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
    /// Another polyclinic (internal referral, or from the registration counter).
    pub clinic: Option<String>,
    /// The clinic's session of today; the first one still running when absent.
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

/// Where `next` sends a visit: a station (with its lane), or a polyclinic's session of
/// the day (an internal referral, or the registration counter forwarding a patient).
#[derive(Debug, Clone)]
pub enum Target {
    Station(Station, Option<Lane>),
    Clinic(Box<SessionView>),
}

/// What a forward created: the step at a station, or the place in a polyclinic.
#[derive(Debug, Clone)]
pub enum Forwarded {
    Step(Box<(Step, Station)>),
    Clinic(Box<Placed>),
}

/// The target `next` names, checked: a known station, a prescription kind for the pharmacy
/// and only there; or a clinic with a session today (the one given, or the first still
/// running).
pub fn resolve_next(conn: &mut PgConnection, st: &AppState, next: &Next) -> AppResult<Target> {
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
fn record(
    conn: &mut PgConnection,
    step: &Step,
    station: &Station,
    action: StepAction,
    from: Option<StepStatus>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<()> {
    // A registration ticket before its visit exists has no visit to record on; its times
    // stay on the step and follow the visit once the counter forwards it.
    let Some(visit_id) = step.visit_id else { return Ok(()) };
    let visit = visits::find(conn, visit_id)?;
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
        visit_id: Some(visit.id),
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
        code: None,
        payer: None,
        priority_category: None,
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
/// Forwarded to another polyclinic (internal referral), the patient takes a place in its
/// session of the day through [`booking::take_place`], checked in, and the referral is a
/// `referred` event of the first visit.
pub fn finish_and_forward(
    conn: &mut PgConnection,
    st: &AppState,
    staff: &StaffIdentity,
    visit_id: i64,
    reason: &str,
    next: &Next,
) -> AppResult<(Visit, Forwarded)> {
    let visit = visits::find(conn, visit_id)?;
    staff.require_clinic(visit.clinic_id)?;
    let target = resolve_next(conn, st, next)?;
    let (actor, now) = (staff.actor(), st.now());
    match target {
        Target::Station(station, lane) => {
            let detail = json!({"reason": reason, "prescription": lane, "next": station.code});
            let done = queue::apply(conn, visit_id, Action::Finish, &actor, now, detail)?;
            let step = forward(conn, &done, (&station, lane), st.today(), &actor, now)?;
            Ok((done, Forwarded::Step(Box::new((step, station)))))
        }
        Target::Clinic(session) => {
            if session.clinic.id == visit.clinic_id {
                return Err(invalid_next(
                    "Rujukan internal harus ke poli lain.",
                    "An internal referral goes to another polyclinic.",
                ));
            }
            let detail = json!({"reason": reason, "next_clinic": session.clinic.code});
            let done = queue::apply(conn, visit_id, Action::Finish, &actor, now, detail)?;
            let placed = refer(conn, st, &done, &session, &actor)?;
            Ok((done, Forwarded::Clinic(Box::new(placed))))
        }
    }
}

/// The identity a later place is taken with: the patient's own record.
fn identity_of(conn: &mut PgConnection, visit: &Visit) -> AppResult<Option<PatientInput>> {
    let Some(id) = visit.patient_id else { return Ok(None) };
    let p = jkn::find_patient(conn, id)?;
    let nik = p.nik.as_deref().and_then(|n| Nik::parse(n).ok());
    let bpjs_no = p.bpjs_no.as_deref().and_then(|b| BpjsNo::parse(b).ok());
    if nik.is_none() && bpjs_no.is_none() {
        return Ok(None);
    }
    Ok(Some(PatientInput {
        nik,
        bpjs_no,
        medical_record_no: p.medical_record_no,
        name: p.name,
        birth_date: p.birth_date,
        sex: p.sex,
        phone: p.phone,
        email: p.email,
        language: p.language,
    }))
}

/// An internal referral: a place in `session` for the patient of `from`, checked in, linked
/// back to `from`, and a `referred` event on `from`.
fn refer(
    conn: &mut PgConnection,
    st: &AppState,
    from: &Visit,
    session: &SessionView,
    actor: &Actor,
) -> AppResult<Placed> {
    let input = PlaceInput {
        session_id: session.session.id,
        payer: from.payer,
        channel: Channel::Counter,
        patient: identity_of(conn, from)?,
        // BPJS `jeniskunjungan` 2: internal referral.
        visit_type: Some(2),
        referral_number: None,
        contact_phone: from.contact_phone.clone(),
        contact_email: from.contact_email.clone(),
        language: from.language.clone(),
        priority_category: from.priority_category,
    };
    let mut placed = booking::take_place(conn, st, &input, actor)?;
    let patient = placed.visit.patient_id.or(from.patient_id);
    placed.visit = steps::link_referral(conn, placed.visit.id, from.id, patient)?;
    let detail = json!({
        "to_visit_id": placed.visit.id,
        "clinic": session.clinic.code,
        "session_id": session.session.id,
        "ticket": placed.visit.ticket,
    });
    events::record(conn, from, "referred", Some(from.status), actor, detail, st.now())?;
    Ok(placed)
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

/// Finish a step and forward the visit to the next station (`POST
/// /api/v1/staff/steps/{id}/finish` with `next`): the cashier sends a patient on to the
/// pharmacy, the lab back to the desk, the registration counter into a polyclinic, ….
pub fn finish_step_and_forward(
    conn: &mut PgConnection,
    st: &AppState,
    staff: &StaffIdentity,
    step_id: i64,
    next: &Next,
    patient: Option<&PatientInput>,
) -> AppResult<((Step, Station), Forwarded)> {
    let target = resolve_next(conn, st, next)?;
    let (done, station) = act_on_step(conn, st, staff, step_id, StepAction::Finish)?;
    let actor = staff.actor();
    let forwarded = match (target, done.visit_id) {
        (Target::Clinic(session), None) => {
            let placed =
                super::registration::forward_ticket(conn, st, staff, &done, &session, patient)?;
            let done = steps::find(conn, done.id)?;
            return Ok(((done, station), Forwarded::Clinic(Box::new(placed))));
        }
        (_, None) => {
            return Err(invalid_next(
                "Dari loket pendaftaran pasien diteruskan ke poli.",
                "From the registration counter a patient is forwarded to a polyclinic.",
            ));
        }
        (Target::Station(target, lane), Some(visit_id)) => {
            let visit = visits::find(conn, visit_id)?;
            let step = forward(conn, &visit, (&target, lane), st.today(), &actor, st.now())?;
            Forwarded::Step(Box::new((step, target)))
        }
        (Target::Clinic(session), Some(visit_id)) => {
            let visit = visits::find(conn, visit_id)?;
            Forwarded::Clinic(Box::new(refer(conn, st, &visit, &session, &actor)?))
        }
    };
    if patient.is_some() {
        return Err(invalid_next(
            "Data pasien hanya di loket pendaftaran.",
            "Patient details only go with the registration counter.",
        ));
    }
    Ok(((done, station), forwarded))
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

/// Today's steps of the stations a board shows (`?stations=FARMASI,KASIR`), by code; 404
/// for an unknown station, 400 for a malformed list.
pub async fn boards(st: &AppState, codes: Vec<String>) -> AppResult<Vec<(Station, Vec<Step>)>> {
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

/// A station as the admin console edits it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StationInput {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub kind: String,
    pub prefix: String,
    pub desks: i32,
}

/// Create a station or change the one with its code (admins): code `A-Z0-9_` (2–16),
/// ticket prefix 1–3 letters, desks 1–50. Every field problem at once, nothing written.
pub async fn save_station(
    st: &AppState,
    staff: &StaffIdentity,
    input: StationInput,
) -> AppResult<Station> {
    staff.require(&[Role::Admin])?;
    let code = input.code.trim().to_ascii_uppercase();
    let prefix = input.prefix.trim().to_ascii_uppercase();
    let mut problems: Vec<(&'static str, crate::domain::Invalid)> = Vec::new();
    let bad = |code, id, en| crate::domain::Invalid { code, id, en };
    if !(2..=16).contains(&code.len())
        || !code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        problems.push((
            "code",
            bad("invalid_code", "Kode 2–16 huruf/angka.", "Code: 2–16 letters/digits."),
        ));
    }
    if input.name.trim().is_empty() {
        problems.push(("name", bad("required", "Nama wajib diisi.", "The name is required.")));
    }
    let kind = StationKind::parse(input.kind.trim());
    if kind.is_none() || kind == Some(StationKind::Clinic) {
        problems.push((
            "kind",
            bad(
                "invalid_kind",
                "Jenis: registration, pharmacy, cashier, lab atau radiology.",
                "Kind: registration, pharmacy, cashier, lab or radiology.",
            ),
        ));
    }
    if !(1..=3).contains(&prefix.len()) || !prefix.chars().all(|c| c.is_ascii_uppercase()) {
        problems.push((
            "prefix",
            bad("invalid_prefix", "Awalan tiket 1–3 huruf.", "Ticket prefix: 1–3 letters."),
        ));
    }
    if !(1..=50).contains(&input.desks) {
        problems.push(("desks", bad("invalid_desks", "Jumlah loket 1–50.", "Desks: 1–50.")));
    }
    let Some(kind) = kind.filter(|_| problems.is_empty()) else {
        return Err(AppError::fields(problems));
    };
    crate::db::run(&st.pool, move |conn| {
        stations::upsert(
            conn,
            &stations::NewStation {
                code: &code,
                name: input.name.trim(),
                name_en: input.name_en.trim(),
                kind,
                prefix: &prefix,
                desks: input.desks,
            },
        )
    })
    .await
}

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
