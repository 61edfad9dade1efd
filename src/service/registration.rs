//! The registration counter (pendaftaran/admisi) before a visit exists: a kiosk ticket for
//! the counter, its status by code, and the counter forwarding the patient into a
//! polyclinic session, where they take their place checked in through
//! [`booking::take_place`]. A new JKN patient's visit then reports BPJS tasks 1 (ticket
//! taken), 2 (called at the counter) and 3 (forwarded into the polyclinic) at those three
//! moments, in strictly increasing order, through the durable report queue.
use chrono::{DateTime, Duration, Utc};
use diesel::PgConnection;

use super::booking::{self, PatientInput, PlaceInput, Placed};
use super::intake::{self, PatientBody};
use super::journey::{self, StepDetail};
use super::{AppState, events};
use crate::db::bpjs_tasks;
use crate::db::kiosks::KioskDevice;
use crate::db::models::Visit;
use crate::db::sessions::SessionView;
use crate::db::stations::Station;
use crate::db::steps::{self, NewStep, Step};
use crate::db::{self, stations};
use crate::domain::Invalid;
use crate::domain::booking_code::BookingCode;
use crate::domain::journey::{StationKind, StepStatus};
use crate::domain::kinds::{Channel, Payer, PriorityCategory};
use crate::domain::staff::{Actor, StaffIdentity};
use crate::domain::ticket::format_ticket;
use crate::error::{AppError, AppResult};

/// A registration-counter ticket as the kiosk asks for it, checked.
#[derive(Debug, Clone)]
pub struct CounterTicket {
    pub station: String,
    pub payer: Payer,
    pub priority_category: Option<PriorityCategory>,
}

/// Check a kiosk ticket body that names a station (`{"station": "PENDAFTARAN", "payer",
/// "priority_category"?}`); every field problem at once.
pub fn validate(parsed: &intake::TicketBody, station: &str) -> AppResult<CounterTicket> {
    let mut problems: Vec<(&'static str, Invalid)> = Vec::new();
    let payer =
        intake::parse_payer(parsed.payer.as_deref()).map_err(|e| problems.push(("payer", e))).ok();
    let category = intake::parse_priority_category(parsed.priority_category.as_deref())
        .map_err(|e| problems.push(("priority_category", e)))
        .ok()
        .flatten();
    if parsed.session_id.is_some() {
        problems.push((
            "session_id",
            Invalid {
                code: "invalid_station_ticket",
                id: "Tiket loket pendaftaran tidak memakai jadwal dokter.",
                en: "A registration-counter ticket takes no doctor's session.",
            },
        ));
    }
    match payer {
        Some(payer) if problems.is_empty() => Ok(CounterTicket {
            station: station.trim().to_ascii_uppercase(),
            payer,
            priority_category: category,
        }),
        _ => Err(AppError::fields(problems)),
    }
}

/// Take a registration-counter ticket at a kiosk: the next number of the counter's day,
/// waiting, priority with a category, and a status code of its own.
pub fn take_ticket(
    conn: &mut PgConnection,
    st: &AppState,
    _device: &KioskDevice,
    ticket: &CounterTicket,
) -> AppResult<TicketStanding> {
    let station = journey::station(conn, &ticket.station)?;
    if station.kind != StationKind::Registration {
        return Err(AppError::unprocessable(
            "not_a_registration_station",
            "Tiket dari kiosk hanya untuk loket pendaftaran.",
            "Kiosk tickets are only for the registration counter.",
        ));
    }
    let (date, now) = (st.today(), st.now());
    let number = stations::next_number(conn, station.id, date)?;
    for _ in 0..8 {
        let new = NewStep {
            visit_id: None,
            station_id: station.id,
            lane: None,
            service_date: date,
            number,
            ticket: format_ticket(&station.prefix, number),
            status: StepStatus::Waiting,
            priority: ticket.priority_category.is_some(),
            sort_key: f64::from(number),
            created_at: now,
            updated_at: now,
            code: Some(BookingCode::generate().as_str().to_string()),
            payer: Some(ticket.payer),
            priority_category: ticket.priority_category,
        };
        // `None`: a rare collision of random codes; draw again.
        if let Some(step) = steps::insert(conn, &new)? {
            let detail = StepDetail::of(&step, &station, None);
            journey::remember_early(
                conn,
                step.id,
                journey::TICKET_TAKEN,
                detail,
                &Actor::kiosk(),
                now,
            )?;
            let current = journey::current_of(conn, st.tz(), now, &step, &station)?;
            return Ok(TicketStanding { current, step, station });
        }
    }
    Err(AppError::internal("no free status code for a registration ticket"))
}

/// Where a registration ticket stands: the ticket, and the visit it became (if forwarded).
#[derive(Debug, Clone)]
pub struct TicketStanding {
    pub current: Option<journey::CurrentStep>,
    pub step: Step,
    pub station: Station,
}

/// A registration ticket by its code, with its place while it waits.
pub fn ticket_by_code(
    conn: &mut PgConnection,
    st: &AppState,
    code: &str,
) -> AppResult<Option<(Option<i64>, TicketStanding)>> {
    let Some(step) = steps::find_by_code(conn, code)? else { return Ok(None) };
    let station = stations::get(conn, step.station_id)?;
    let current = journey::current_of(conn, st.tz(), st.now(), &step, &station)?;
    Ok(Some((step.visit_id, TicketStanding { current, step, station })))
}

/// The status of a code that is no visit's booking code: a registration ticket not yet
/// forwarded, or the visit it became.
pub async fn standing_by_code(
    st: &AppState,
    code: String,
) -> AppResult<Result<super::queue::Standing, TicketStanding>> {
    let (tz, now) = (st.tz(), st.now());
    if let Some(standing) = st.live.standing().lookup(&code, tz, now) {
        return Ok(Ok(standing));
    }
    // A miss: the database, with what the closure needs of the state.
    let (state, cache) = (st.clone(), st.live.standing().clone());
    db::run(&st.pool, move |c| {
        if let Some(standing) = super::standing_cache::standing_of_code(c, &cache, tz, now, &code)?
        {
            return Ok(Ok(standing));
        }
        match ticket_by_code(c, &state, &code)? {
            Some((Some(visit_id), _)) => {
                let visit = db::visits::find(c, visit_id)?;
                Ok(Ok(super::queue::standing(c, tz, now, visit)?))
            }
            Some((None, standing)) => Ok(Err(standing)),
            None => Err(db::visits::unknown_booking()),
        }
    })
    .await
}

/// The counter forwards a finished registration ticket into a polyclinic session: the
/// patient (registered or completed here) takes a place there, checked in; the ticket is
/// linked to the visit, its earlier step changes and its finish become the visit's events,
/// and BPJS tasks 1–3 carry the ticket's own moments.
pub fn forward_ticket(
    conn: &mut PgConnection,
    st: &AppState,
    staff: &StaffIdentity,
    done: &Step,
    session: &SessionView,
    patient: Option<&PatientInput>,
) -> AppResult<Placed> {
    let payer = done.payer.unwrap_or(Payer::NonJkn);
    // No patient typed in: the existing patient the counter found and completed, if any.
    let completed = match (patient, done.patient_id) {
        (None, Some(id)) => Some(patient_input_of(&db::jkn::find_patient(conn, id)?)),
        _ => None,
    };
    let patient = patient.or(completed.as_ref());
    let input = PlaceInput {
        session_id: session.session.id,
        payer,
        channel: Channel::Counter,
        patient: patient.cloned(),
        visit_type: None,
        referral_number: None,
        contact_phone: patient.and_then(|p| p.phone.clone()),
        contact_email: patient.and_then(|p| p.email.clone()),
        language: patient.map(|p| p.language.clone()).unwrap_or_else(|| "id".into()),
        priority_category: done.priority_category,
    };
    let actor = staff.actor();
    let mut placed = booking::take_place(conn, st, &input, &actor)?;
    if let Some(at) = done.priority_confirmed_at
        && done.priority_category.is_some()
    {
        // Confirmed at the counter: the visit's category stands confirmed from that moment.
        if let Some(v) = steps::confirm_category(conn, placed.visit.id, at)? {
            placed.visit = v;
        }
    }
    let linked = steps::link_visit(conn, done.id, placed.visit.id)?;
    let station = stations::get(conn, linked.station_id)?;
    journey::replay_early(conn, &placed.visit, linked.id)?;
    record_finish(conn, &placed.visit, &linked, &station, &actor, st.now())?;
    retime_admission(conn, &placed.visit, &linked, st.now())?;
    Ok(placed)
}

fn record_finish(
    conn: &mut PgConnection,
    visit: &Visit,
    step: &Step,
    station: &Station,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let detail = serde_json::to_value(StepDetail::of(step, station, Some(StepStatus::Serving)))
        .map_err(|e| AppError::internal(format!("step detail: {e}")))?;
    let kind = crate::domain::journey::StepAction::Finish.as_str();
    events::record(conn, visit, kind, Some(visit.status), actor, detail, now)?;
    Ok(())
}

/// The three admission moments of a registration ticket, strictly increasing (a
/// millisecond apart at least): ticket taken, called at the counter, forwarded.
pub fn admission_times(
    step: &Step,
    now: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>) {
    let ms = Duration::milliseconds(1);
    let t1 = step.created_at;
    let t2 = step.called_at.unwrap_or(t1).max(t1 + ms);
    let t3 = now.max(t2 + ms);
    (t1, t2, t3)
}

/// Date the visit's queued `/antrean/add` and tasks 1–3 (when BPJS is to hear of them) at
/// the ticket's own moments, in the transaction that queued them, before any is sent.
fn retime_admission(
    conn: &mut PgConnection,
    visit: &Visit,
    step: &Step,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (t1, t2, t3) = admission_times(step, now);
    for (key, at) in [("add", t1), ("task:1", t1), ("task:2", t2), ("task:3", t3)] {
        bpjs_tasks::retime_pending(conn, visit.id, key, at)?;
    }
    Ok(())
}

/// The patient a counter completes at finish, checked; `None` without identity.
pub fn validate_patient(body: Option<&PatientBody>) -> AppResult<Option<PatientInput>> {
    match body {
        None => Ok(None),
        Some(p) => intake::validate_counter_patient(p),
    }
}

/// The identity a registration ticket's completed patient takes their place with.
fn patient_input_of(p: &crate::db::models::Patient) -> PatientInput {
    use crate::domain::identity::{BpjsNo, Nik};
    PatientInput {
        nik: p.nik.as_deref().and_then(|n| Nik::parse(n).ok()),
        bpjs_no: p.bpjs_no.as_deref().and_then(|b| BpjsNo::parse(b).ok()),
        medical_record_no: p.medical_record_no.clone(),
        name: p.name.clone(),
        birth_date: p.birth_date,
        sex: p.sex.clone(),
        phone: p.phone.clone(),
        email: p.email.clone(),
        language: p.language.clone(),
    }
}
