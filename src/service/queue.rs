//! The day's queue: check-in, call, recall, skip, return, start, finish, cancel, priority,
//! the no-show sweep, and what a patient or a screen sees of a visit.
use crate::db::PgConnection;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use super::events;
use super::{Access, AppState};
use crate::db::models::Visit;
use crate::db::sessions::{self, SessionView};
use crate::db::{self, visits};
use crate::domain::queue::{estimate, median_service_minutes, replaced_sort_key};
use crate::domain::rules::BookingRules;
use crate::domain::staff::{Actor, Role, StaffIdentity};
use crate::domain::visit_status::{Action, VisitStatus, transition};
use crate::error::{AppError, AppResult};

/// A staff action on a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffAction {
    /// A state-machine action (recall, skip, return, start, finish, cancel, check-in).
    Move(Action),
    /// Set or clear the priority flag.
    Priority(bool),
}

impl StaffAction {
    /// `recall`, `skip`, … as in the URL of the action.
    pub fn parse(name: &str, priority: Option<bool>) -> AppResult<StaffAction> {
        let action = match name {
            "recall" => Action::Recall,
            "skip" => Action::Skip,
            "return" => Action::Return,
            "start" => Action::Start,
            "finish" => Action::Finish,
            "cancel" => Action::CancelByStaff,
            "check-in" => Action::CheckIn,
            "priority" => return Ok(StaffAction::Priority(priority.unwrap_or(true))),
            _ => return Err(unknown_action()),
        };
        Ok(StaffAction::Move(action))
    }
}

/// 404 for an action name no route knows.
pub fn unknown_action() -> AppError {
    AppError::not_found("unknown_action", "Tindakan tidak dikenal.", "Unknown action.")
}

/// Apply `action` to a visit. The row is locked, the state machine decides, and the UPDATE
/// is conditional on the status it was decided from: two clerks pressing at once cannot
/// both succeed.
pub fn apply(
    conn: &mut PgConnection,
    visit_id: i64,
    action: Action,
    actor: &Actor,
    now: DateTime<Utc>,
    detail: Value,
) -> AppResult<Visit> {
    let from = visits::lock_status(conn, visit_id)?;
    let to = transition(from, action)?;
    let visit = visits::set_status(conn, visit_id, from, to, action, now)?;
    if matches!(action, Action::CancelByPatient | Action::CancelByStaff) {
        visits::release_quota(conn, &visit)?;
    }
    events::record(conn, &visit, action.as_str(), Some(from), actor, detail, now)?;
    Ok(visit)
}

/// Call the next waiting patient of a session (the first in call order).
pub fn call_next(
    conn: &mut PgConnection,
    session_id: i32,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<Visit> {
    let Some(visit) = visits::call_first_waiting(conn, session_id, now)? else {
        sessions::get(conn, session_id)?;
        return Err(AppError::conflict(
            "queue_empty",
            "Tidak ada pasien yang menunggu.",
            "Nobody is waiting.",
        ));
    };
    events::record(
        conn,
        &visit,
        Action::Call.as_str(),
        Some(VisitStatus::Waiting),
        actor,
        json!({}),
        now,
    )?;
    Ok(visit)
}

/// Sort keys of the waiting, non-priority visits of a session (but `except`).
fn waiting_keys(conn: &mut PgConnection, session_id: i32, except: i64) -> AppResult<Vec<f64>> {
    Ok(visits::waiting(conn, session_id)?
        .iter()
        .filter(|v| v.id != except && !v.priority)
        .map(|v| v.sort_key)
        .collect())
}

/// Put a visit back in the queue after a skip, placed after the next two waiting patients.
pub fn return_after_skip(
    conn: &mut PgConnection,
    visit_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<Visit> {
    let visit = visits::find(conn, visit_id)?;
    let key = replaced_sort_key(&waiting_keys(conn, visit.session_id, visit.id)?, visit.sort_key);
    let returned = apply(conn, visit_id, Action::Return, actor, now, json!({"sort_key": key}))?;
    visits::set_sort_key(conn, returned.id, key)
}

/// Why a booking cannot be checked in now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckInRefused {
    /// Not on the visit's date.
    NotToday,
    /// The session has ended.
    SessionOver,
    /// Not in `booked` any more (checked in, cancelled, missed).
    NotBooked(VisitStatus),
}

impl From<CheckInRefused> for AppError {
    fn from(r: CheckInRefused) -> AppError {
        match r {
            CheckInRefused::NotToday => AppError::conflict(
                "not_today",
                "Check-in hanya bisa dilakukan pada tanggal kunjungan.",
                "Check-in is only possible on the day of the visit.",
            ),
            CheckInRefused::SessionOver => AppError::conflict(
                "session_over",
                "Jam praktik sudah selesai; check-in tidak dapat dilakukan.",
                "The session has ended; check-in is no longer possible.",
            ),
            CheckInRefused::NotBooked(from) => match transition(from, Action::CheckIn) {
                Err(refusal) => refusal.into(),
                Ok(_) => AppError::internal("check-in refused from a bookable status"),
            },
        }
    }
}

/// Check a booking in (booked → waiting), or say why not. Only on its date, until the
/// session ends; a patient later than the estimate plus the grace time is placed after the
/// next two.
pub fn try_check_in(
    conn: &mut PgConnection,
    tz: Tz,
    rules: &BookingRules,
    visit: &Visit,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<Result<Visit, CheckInRefused>> {
    let session = sessions::get(conn, visit.session_id)?;
    let local_now = now.with_timezone(&tz);
    if local_now.date_naive() != session.session.service_date {
        return Ok(Err(CheckInRefused::NotToday));
    }
    if local_now > session.ends(tz) {
        return Ok(Err(CheckInRefused::SessionOver));
    }
    let status = visits::lock_status(conn, visit.id)?;
    if transition(status, Action::CheckIn).is_err() {
        return Ok(Err(CheckInRefused::NotBooked(status)));
    }
    let late = rules.is_late_check_in(visit.estimated_at.with_timezone(&tz), local_now);
    let checked = apply(conn, visit.id, Action::CheckIn, actor, now, json!({"late": late}))?;
    if !late {
        return Ok(Ok(checked));
    }
    let keys = waiting_keys(conn, checked.session_id, checked.id)?;
    let key = replaced_sort_key(&keys, checked.sort_key).max(checked.sort_key);
    Ok(Ok(visits::set_sort_key(conn, checked.id, key)?))
}

/// [`try_check_in`], a refusal as a 409.
pub fn check_in(
    conn: &mut PgConnection,
    tz: Tz,
    rules: &BookingRules,
    visit: &Visit,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<Visit> {
    Ok(try_check_in(conn, tz, rules, visit, actor, now)??)
}

/// Cancel a booking not yet checked in, for the patient; `None` when it is no longer
/// `booked` (a check-in raced it). Mobile JKN's cancel.
pub fn cancel_booked(
    conn: &mut PgConnection,
    visit_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
    reason: &str,
) -> AppResult<Option<Visit>> {
    if transition(visits::lock_status(conn, visit_id)?, Action::CancelByPatient).is_err() {
        return Ok(None);
    }
    apply(conn, visit_id, Action::CancelByPatient, actor, now, json!({"reason": reason})).map(Some)
}

/// The visit of a booking code, if there is one.
pub fn lookup_code(conn: &mut PgConnection, code: &str) -> AppResult<Option<Visit>> {
    visits::find_by_code(conn, code)
}

/// Check a booking in by its code (kiosk, Mobile JKN, the counter's code field).
pub fn check_in_code(
    conn: &mut PgConnection,
    st: &AppState,
    code: &str,
    actor: &Actor,
) -> AppResult<Visit> {
    let visit = find_by_code(conn, code)?;
    check_in(conn, st.tz(), &st.settings.rules, &visit, actor, st.now())
}

pub fn set_priority(
    conn: &mut PgConnection,
    visit_id: i64,
    priority: bool,
    reason: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<Visit> {
    let Some(visit) = visits::set_priority(conn, visit_id, priority, reason, now)? else {
        visits::find(conn, visit_id)?;
        return Err(AppError::conflict(
            "invalid_transition",
            "Prioritas hanya bisa diubah untuk pasien yang belum dipanggil.",
            "Priority can only be changed before the patient is called.",
        ));
    };
    let detail = json!({"priority": priority, "reason": reason});
    events::record(conn, &visit, "priority", Some(visit.status), actor, detail, now)?;
    Ok(visit)
}

/// A booking code as typed or scanned; a malformed one is answered like an unknown one.
pub fn parse_code(code: &str) -> AppResult<crate::domain::booking_code::BookingCode> {
    crate::domain::booking_code::BookingCode::parse(code).map_err(|_| visits::unknown_booking())
}

/// The visit of a booking code, or 404 `unknown_booking`.
pub fn find_by_code(conn: &mut PgConnection, code: &str) -> AppResult<Visit> {
    visits::find_by_code(conn, code)?.ok_or_else(visits::unknown_booking)
}

/// Call the next patient of a session, if this account runs that clinic.
pub fn call_next_as(
    conn: &mut PgConnection,
    st: &AppState,
    staff: &StaffIdentity,
    session_id: i32,
) -> AppResult<Visit> {
    let session = sessions::get(conn, session_id)?;
    staff.require_clinic(session.clinic.id)?;
    call_next(conn, session_id, &staff.actor(), st.now())
}

/// One staff action on a visit, with the role checks: check-in for every role that sees the
/// clinic, the rest for those who run it.
pub fn act_on_visit(
    conn: &mut PgConnection,
    st: &AppState,
    staff: &StaffIdentity,
    id: i64,
    action: StaffAction,
    reason: &str,
) -> AppResult<Visit> {
    let (tz, now) = (st.tz(), st.now());
    let visit = visits::find(conn, id)?;
    match action {
        StaffAction::Move(Action::CheckIn) => {
            staff.require(&[Role::Admin, Role::Registration, Role::Clinic])?;
            staff.require_sight(visit.clinic_id)?;
        }
        _ => staff.require_clinic(visit.clinic_id)?,
    }
    // Cancelling a patient's place needs a reason: it goes into the audit log.
    let reason = match action {
        StaffAction::Move(Action::CancelByStaff) => cancel_reason(reason)?,
        _ => reason.trim(),
    };
    let actor = staff.actor();
    match action {
        StaffAction::Move(Action::Return) => return_after_skip(conn, id, &actor, now),
        StaffAction::Move(Action::CheckIn) => {
            check_in(conn, tz, &st.settings.rules, &visit, &actor, now)
        }
        StaffAction::Move(a) => apply(conn, id, a, &actor, now, json!({"reason": reason})),
        StaffAction::Priority(p) => set_priority(conn, id, p, reason, &actor, now),
    }
}

/// Longest cancel reason kept.
pub const REASON_MAX: usize = 200;

/// The reason staff give for cancelling a visit: required, at most [`REASON_MAX`]
/// characters, no control characters; 422 `reason_required` / `invalid_reason` otherwise.
pub fn cancel_reason(reason: &str) -> AppResult<&str> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::fields(vec![(
            "reason",
            crate::domain::Invalid::new(
                "reason_required",
                "Tulis alasan pembatalan.",
                "Give a reason for cancelling.",
            ),
        )]));
    }
    if reason.chars().count() > REASON_MAX
        || reason.chars().any(|c| c.is_control() && !c.is_whitespace())
    {
        return Err(AppError::fields(vec![(
            "reason",
            crate::domain::Invalid::new(
                "invalid_reason",
                "Alasan pembatalan paling panjang 200 karakter, tanpa karakter kendali.",
                "The cancel reason is at most 200 characters, without control characters.",
            ),
        )]));
    }
    Ok(reason)
}

/// Minutes per patient for a doctor: median of the last 20 measured services.
pub fn minutes_per_patient(conn: &mut PgConnection, session: &SessionView) -> AppResult<f64> {
    let secs =
        visits::recent_service_seconds(conn, session.doctor.id, session.session.service_date)?;
    Ok(median_service_minutes(&secs, session.session.service_minutes))
}

/// What a patient (or a public screen) sees of one visit.
#[derive(Debug, Clone)]
pub struct Standing {
    pub visit: Visit,
    pub session: SessionView,
    pub position: i64,
    pub now_serving: Option<String>,
    pub estimated_at: DateTime<Utc>,
    /// The steps at the stations after (or besides) the polyclinic.
    pub journey: super::journey::Journey,
}

pub fn standing(
    conn: &mut PgConnection,
    tz: Tz,
    now: DateTime<Utc>,
    visit: Visit,
) -> AppResult<Standing> {
    let session = sessions::get(conn, visit.session_id)?;
    let position = visits::position_of(conn, &visit)?;
    let now_serving =
        visits::now_serving(conn, visit.session_id)?.first().map(|v| v.ticket.clone());
    let estimated_at = match visit.status {
        VisitStatus::Booked | VisitStatus::Waiting => {
            let minutes = minutes_per_patient(conn, &session)?;
            estimate(now.with_timezone(&tz), session.starts(tz), position, minutes)
                .with_timezone(&Utc)
        }
        _ => visit.called_at.unwrap_or(visit.estimated_at),
    };
    let journey = super::journey::journey_of(conn, tz, now, visit.id)?;
    Ok(Standing { visit, session, position, now_serving, estimated_at, journey })
}

/// The standing of a booking code (status page, kiosk, Mobile JKN).
pub async fn standing_by_code(st: &AppState, code: String) -> AppResult<Standing> {
    let (tz, now) = (st.tz(), st.now());
    db::run(&st.pool, move |c| {
        standing_of_code(c, tz, now, &code)?.ok_or_else(visits::unknown_booking)
    })
    .await
}

/// The standing of the visit with this booking code (`None`: no visit has it), read in
/// one statement; a visit with a journey beyond the polyclinic reads that too.
pub fn standing_of_code(
    conn: &mut PgConnection,
    tz: Tz,
    now: DateTime<Utc>,
    code: &str,
) -> AppResult<Option<Standing>> {
    let Some(read) = db::standing::by_code(conn, code)? else { return Ok(None) };
    let db::standing::Read { visit, session, position, now_serving, .. } = read;
    let estimated_at = match visit.status {
        VisitStatus::Booked | VisitStatus::Waiting => {
            let minutes =
                median_service_minutes(&read.service_seconds, session.session.service_minutes);
            estimate(now.with_timezone(&tz), session.starts(tz), position, minutes)
                .with_timezone(&Utc)
        }
        _ => visit.called_at.unwrap_or(visit.estimated_at),
    };
    let journey = if read.has_journey {
        super::journey::journey_of(conn, tz, now, visit.id)?
    } else {
        super::journey::Journey::default()
    };
    Ok(Some(Standing { visit, session, position, now_serving, estimated_at, journey }))
}

/// Bookings never checked in by the end of their session become no-shows, each through
/// [`apply`] so that its event and outboxes are written like any other.
pub fn sweep_no_shows(conn: &mut PgConnection, tz: Tz, now: DateTime<Utc>) -> AppResult<usize> {
    let mut swept = 0;
    for id in visits::overdue_bookings(conn, tz, now)? {
        // Checked in or swept by another worker meanwhile: the state machine says no.
        if transition(visits::lock_status(conn, id)?, Action::NoShow).is_err() {
            continue;
        }
        apply(conn, id, Action::NoShow, &Actor::system(), now, json!({}))?;
        swept += 1;
    }
    Ok(swept)
}
