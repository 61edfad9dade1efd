//! Which reports BPJS must hear about a visit, written into the `bpjs_tasks` outbox in the
//! transaction of the change (the BPJS half of [`super::outbox::on_visit_event`]). The
//! worker that sends them is `jkn::reports`.
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::db::PgConnection;
use crate::db::bpjs_tasks::{self, NewBpjsTask};
use crate::db::models::{Patient, Visit, VisitEvent};
use crate::db::sessions::SessionView;
use crate::db::{jkn, sessions};
use crate::domain::journey::{Lane, StepAction};
use crate::domain::kinds::{Channel, Payer};
use crate::error::AppResult;
use crate::service::journey::StepDetail;

/// The dedupe key of a report: one `add`, one `batal`, one of each task per visit.
pub fn dedupe_key(kind: &str, taskid: Option<i16>) -> String {
    match taskid {
        Some(t) => format!("task:{t}"),
        None => kind.to_string(),
    }
}

fn insert(
    conn: &mut PgConnection,
    visit: &Visit,
    kind: &'static str,
    taskid: Option<i16>,
    at: DateTime<Utc>,
    payload: Value,
) -> AppResult<()> {
    bpjs_tasks::enqueue(conn, &row(visit, kind, taskid, at, payload))
}

fn row(
    visit: &Visit,
    kind: &'static str,
    taskid: Option<i16>,
    at: DateTime<Utc>,
    payload: Value,
) -> NewBpjsTask {
    NewBpjsTask {
        visit_id: visit.id,
        kind,
        taskid,
        waktu: at.timestamp_millis(),
        payload,
        run_at: at,
        created_at: at,
        dedupe_key: dedupe_key(kind, taskid),
    }
}

fn task_row(visit: &Visit, taskid: i16, at: DateTime<Utc>) -> NewBpjsTask {
    let payload = json!({
        "kodebooking": visit.booking_code,
        "taskid": taskid,
        "waktu": at.timestamp_millis(),
    });
    row(visit, "updatewaktu", Some(taskid), at, payload)
}

/// Queue task `taskid` (`/antrean/updatewaktu`) of a visit, at the time it happened.
pub fn task(
    conn: &mut PgConnection,
    visit: &Visit,
    taskid: i16,
    at: DateTime<Utc>,
) -> AppResult<()> {
    task_with_prescription(conn, visit, taskid, at, None)
}

/// [`task`] with the `jenisresep` of the pharmacy tasks (5 with a prescription, 6, 7).
pub fn task_with_prescription(
    conn: &mut PgConnection,
    visit: &Visit,
    taskid: i16,
    at: DateTime<Utc>,
    lane: Option<Lane>,
) -> AppResult<()> {
    let mut task = task_row(visit, taskid, at);
    if let Some(lane) = lane {
        task.payload["jenisresep"] = json!(lane.jenisresep_task());
    }
    bpjs_tasks::enqueue(conn, &task)
}

/// The pharmacy's part: `/antrean/farmasi/add` when the pharmacy ticket is created, task 6
/// when it starts preparing, task 7 when the medicine is handed over.
fn pharmacy_step(conn: &mut PgConnection, visit: &Visit, event: &VisitEvent) -> AppResult<()> {
    let (Some(action), Some(step)) =
        (StepAction::parse(&event.kind), StepDetail::read(&event.detail))
    else {
        return Ok(());
    };
    let Some(lane) = step.lane.filter(|_| step.station_kind.prepares_first()) else {
        return Ok(());
    };
    let at = event.created_at;
    match action {
        StepAction::Forward => {
            let payload = json!({
                "kodebooking": visit.booking_code,
                "jenisresep": lane.jenisresep(),
                "nomorantrean": step.number,
                "keterangan": "",
            });
            insert(conn, visit, FARMASI_ADD, None, at, payload)
        }
        StepAction::Start => task_with_prescription(conn, visit, 6, at, Some(lane)),
        StepAction::Finish => task_with_prescription(conn, visit, 7, at, Some(lane)),
        _ => Ok(()),
    }
}

/// The kind of an `/antrean/farmasi/add` report.
pub const FARMASI_ADD: &str = "farmasi_add";

/// Queue `/antrean/add` for a visit booked through our own channels, dated `at`. `false`
/// when there is nothing BPJS could take (see [`add_payload`]) or Mobile JKN booked it.
pub fn add(conn: &mut PgConnection, visit: &Visit, at: DateTime<Utc>) -> AppResult<bool> {
    if visit.channel == Channel::Jkn {
        return Ok(false);
    }
    let Some(payload) = add_payload(conn, visit)? else { return Ok(false) };
    insert(conn, visit, "add", None, at, payload)?;
    Ok(true)
}

/// Does BPJS know this visit: booked through Mobile JKN, or reported with `/antrean/add`?
fn known_to_bpjs(conn: &mut PgConnection, visit: &Visit) -> AppResult<bool> {
    if visit.channel == Channel::Jkn {
        return Ok(true);
    }
    bpjs_tasks::has_kind(conn, visit.id, "add")
}

/// Queue what BPJS must hear about this event. JKN visits booked through our own
/// channels are added (`/antrean/add`); then check-in → task 3 (tasks 1, 2 and 3 for a
/// new patient registered at the counter), start → 4, finish → 5, cancel → `/antrean/batal`,
/// no-show → 99, each at the event's own time. A booking or a cancellation made through
/// Mobile JKN is not echoed back; a check-in through it is still reported as task 3 (an
/// answer that BPJS already has it counts as delivered).
pub fn enqueue(conn: &mut PgConnection, visit: &Visit, event: &VisitEvent) -> AppResult<()> {
    if visit.payer != Payer::Jkn && visit.channel != Channel::Jkn {
        return Ok(());
    }
    if event.actor == "jkn" && event.kind == "cancel" {
        return Ok(());
    }
    let at = event.created_at;
    match event.kind.as_str() {
        "booked" | "registered" => {
            if visit.channel == Channel::Jkn {
                return Ok(());
            }
            let patient = match visit.patient_id {
                Some(id) => Some(jkn::find_patient(conn, id)?),
                None => None,
            };
            let session = sessions::get(conn, visit.session_id)?;
            for task in for_new_visit(visit, event, patient.as_ref(), &session) {
                bpjs_tasks::enqueue(conn, &task)?;
            }
        }
        kind @ ("check_in" | "start" | "finish" | "no_show") if known_to_bpjs(conn, visit)? => {
            let taskid = match kind {
                "check_in" => 3,
                "start" => 4,
                "finish" => 5,
                _ => 99,
            };
            let lane = serde_json::from_value(event.detail["prescription"].clone()).ok();
            task_with_prescription(conn, visit, taskid, at, lane)?;
        }
        kind if StepAction::parse(kind).is_some() && known_to_bpjs(conn, visit)? => {
            pharmacy_step(conn, visit, event)?;
        }
        "cancel" if known_to_bpjs(conn, visit)? => {
            let reason = event.detail["reason"]
                .as_str()
                .filter(|r| !r.trim().is_empty())
                .unwrap_or("Dibatalkan oleh rumah sakit");
            let payload = json!({"kodebooking": visit.booking_code, "keterangan": reason});
            insert(conn, visit, "batal", None, at, payload)?;
        }
        _ => {}
    }
    Ok(())
}

/// The reports a new visit's event ("booked" or "registered") makes, from the patient
/// and the session (after the claim) in hand: a JKN visit booked through our own channels
/// is added (`/antrean/add`); a walk-in is waiting for the clinic from the moment it is
/// registered (task 3, after tasks 1 and 2 for a new patient at the counter).
pub fn for_new_visit(
    visit: &Visit,
    event: &VisitEvent,
    patient: Option<&Patient>,
    session: &SessionView,
) -> Vec<NewBpjsTask> {
    if visit.payer != Payer::Jkn || visit.channel == Channel::Jkn {
        return Vec::new();
    }
    let Some(payload) = patient.and_then(|p| add_payload_of(visit, p, session)) else {
        return Vec::new();
    };
    let at = event.created_at;
    let new_patient = payload["pasienbaru"] == 1;
    let mut rows = vec![row(visit, "add", None, at, payload)];
    if event.kind == "registered" {
        if new_patient && visit.channel == Channel::Counter {
            rows.push(task_row(visit, 1, at));
            rows.push(task_row(visit, 2, at));
        }
        rows.push(task_row(visit, 3, at));
    }
    rows
}

/// The body of `/antrean/add` for a visit booked through our own channels; `None` when
/// the visit carries no identity BPJS could match (a walk-in ticket without NIK or card).
pub fn add_payload(conn: &mut PgConnection, visit: &Visit) -> AppResult<Option<Value>> {
    let Some(patient_id) = visit.patient_id else { return Ok(None) };
    let patient = jkn::find_patient(conn, patient_id)?;
    if visit.payer == Payer::Jkn && patient.bpjs_no.is_none() {
        return Ok(None);
    }
    let session = sessions::get(conn, visit.session_id)?;
    Ok(add_payload_of(visit, &patient, &session))
}

/// [`add_payload`] from the patient and session in hand.
pub fn add_payload_of(visit: &Visit, patient: &Patient, session: &SessionView) -> Option<Value> {
    let jkn = visit.payer == Payer::Jkn;
    if jkn && patient.bpjs_no.is_none() {
        return None;
    }
    let (Some(kodepoli), Some(kodedokter)) =
        (session.clinic.bpjs_code.clone(), session.doctor.bpjs_code)
    else {
        // A clinic or doctor BPJS does not know: nothing to report.
        return None;
    };
    let new_patient = patient.created_at == visit.created_at;
    Some(json!({
        "kodebooking": visit.booking_code,
        "jenispasien": if jkn { "JKN" } else { "NON JKN" },
        "nomorkartu": if jkn { patient.bpjs_no.clone().unwrap_or_default() } else { String::new() },
        "nik": patient.nik.clone().unwrap_or_default(),
        "nohp": visit.contact_phone.clone().or(patient.phone.clone()).unwrap_or_default(),
        "kodepoli": kodepoli,
        "namapoli": session.clinic.name,
        "pasienbaru": i32::from(new_patient),
        "norm": patient.medical_record_no.clone().unwrap_or_default(),
        "tanggalperiksa": visit.service_date.to_string(),
        "kodedokter": kodedokter,
        "namadokter": session.doctor.name,
        "jampraktek": session.hours(),
        "jeniskunjungan": visit.visit_type.unwrap_or(1),
        "nomorreferensi": visit.referral_number.clone().unwrap_or_default(),
        "nomorantrean": visit.ticket,
        "angkaantrean": visit.queue_number,
        "estimasidilayani": visit.estimated_at.timestamp_millis(),
        "sisakuotajkn": session.remaining_jkn(),
        "kuotajkn": session.session.quota_jkn,
        "sisakuotanonjkn": session.remaining_non_jkn(),
        "kuotanonjkn": session.session.quota_non_jkn,
        "keterangan": "Peserta harap 30 menit lebih awal guna pencatatan administrasi.",
    }))
}
