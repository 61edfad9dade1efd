//! Finishing a visit or a step and forwarding it: to a station (a new step in its daily
//! series), to another polyclinic (an internal referral), or into a polyclinic from the
//! registration counter.
use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;
use serde_json::json;

use super::{Forwarded, Next, Target, act_on_step, invalid_next, record, resolve_next};
use crate::db::models::Visit;
use crate::db::sessions::SessionView;
use crate::db::stations::{self, Station};
use crate::db::steps::{self, NewStep, Step};
use crate::db::{jkn, visits};
use crate::domain::identity::{BpjsNo, Nik};
use crate::domain::journey::{Lane, StepAction, StepStatus};
use crate::domain::kinds::Channel;
use crate::domain::staff::{Actor, StaffIdentity};
use crate::domain::ticket::format_ticket;
use crate::domain::visit_status::Action;
use crate::error::{AppError, AppResult};
use crate::service::booking::{self, PatientInput, PlaceInput, Placed};
use crate::service::{Access, AppState, events, queue};

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
        Target::Back => Err(invalid_next(
            "Kembali ke poli hanya dari loket/unit (lab, radiologi, …).",
            "Back to the polyclinic is only from a station (lab, radiology, …).",
        )),
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

/// Finish a step and forward the visit to the next station (`POST
/// /api/v1/staff/steps/{id}/finish` with `next`): the cashier sends a patient on to the
/// pharmacy, the lab back to the same doctor (`"back": true`, or the visit's own clinic),
/// the registration counter into a polyclinic, ….
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
            let placed = crate::service::registration::forward_ticket(
                conn, st, staff, &done, &session, patient,
            )?;
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
        (Target::Back, Some(visit_id)) => {
            let back = back_to_clinic(conn, visit_id, (&done, &station), &actor, st.now())?;
            Forwarded::Back(Box::new(back))
        }
        (Target::Clinic(session), Some(visit_id)) => {
            let visit = visits::find(conn, visit_id)?;
            let own_session = next.session_id.is_none_or(|id| id == visit.session_id);
            if session.clinic.id == visit.clinic_id && own_session {
                let back = back_to_clinic(conn, visit_id, (&done, &station), &actor, st.now())?;
                Forwarded::Back(Box::new(back))
            } else {
                Forwarded::Clinic(Box::new(refer(conn, st, &visit, &session, &actor)?))
            }
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

/// The same visit back in its polyclinic's queue after a station (lab, radiology, …):
/// done → waiting through the state machine, with a `back_to_clinic` event that names the
/// station. It keeps its original place (its ticket's sort key): a patient who returns
/// with results is called before everyone who came after them, priority patients still
/// first. BPJS and SATUSEHAT hear nothing new: their tasks and Encounter statuses are kept
/// once per visit, so the doctor's second call, start and finish add no second task 3, 4
/// or 5 (task 5 stays the moment the doctor first finished and sent the patient on).
fn back_to_clinic(
    conn: &mut PgConnection,
    visit_id: i64,
    (step, station): (&Step, &Station),
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<Visit> {
    let detail = json!({
        "from_station": station.code,
        "step_id": step.id,
        "step_ticket": step.ticket,
    });
    queue::apply(conn, visit_id, Action::Back, actor, now, detail)
}
