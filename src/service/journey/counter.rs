//! The registration counter completes an existing patient's registration while serving a
//! ticket, before it becomes a visit: find the patient (NIK, BPJS number or record
//! number), see what is missing, give a record number from the same sequence new patients
//! get (never a second one: one conditional statement), fill the phone and BPJS number,
//! and remember the patient on the ticket so the forward into the polyclinic uses them.
//! Also staff confirming or removing a ticket's priority category before its visit exists.
use diesel::PgConnection;
use serde_json::json;

use super::{StepDetail, remember_early_with, require_desk};
use crate::db::models::{Patient, Visit};
use crate::db::stations::Station;
use crate::db::steps::{self, Step};
use crate::domain::Invalid;
use crate::domain::identity::{BpjsNo, Nik, Phone};
use crate::domain::journey::{StationKind, StepStatus};
use crate::domain::kinds::Payer;
use crate::domain::staff::StaffIdentity;
use crate::error::{AppError, AppResult};
use crate::service::AppState;

use super::CategoryDecision;

/// What a counter still has to fill in a patient's registration (field names).
pub fn missing_of(patient: &Patient, payer: Option<Payer>) -> Vec<&'static str> {
    let mut out = Vec::new();
    if patient.medical_record_no.is_none() {
        out.push("medical_record_no");
    }
    if patient.nik.is_none() {
        out.push("nik");
    }
    if patient.phone.as_deref().is_none_or(|p| p.trim().is_empty()) {
        out.push("phone");
    }
    if payer == Some(Payer::Jkn) && patient.bpjs_no.is_none() {
        out.push("bpjs_no");
    }
    out
}

/// The Indonesian label of a missing field.
pub fn missing_label(field: &str) -> &'static str {
    match field {
        "medical_record_no" => "Nomor rekam medis",
        "nik" => "NIK",
        "phone" => "Nomor HP",
        "bpjs_no" => "Nomor BPJS",
        _ => "Data",
    }
}

/// A registration ticket being served, locked, for the counter to work on: the desk's
/// own station, not yet forwarded.
fn ticket_at_counter(
    conn: &mut PgConnection,
    staff: &StaffIdentity,
    step_id: i64,
) -> AppResult<(Step, Station)> {
    let (step, station) = steps::lock(conn, step_id)?;
    require_desk(staff, &station)?;
    if station.kind != StationKind::Registration {
        return Err(AppError::unprocessable(
            "not_a_registration_ticket",
            "Melengkapi data pasien hanya di loket pendaftaran.",
            "Patient registration is completed only at the registration counter.",
        ));
    }
    if step.visit_id.is_some() {
        return Err(AppError::conflict(
            "already_forwarded",
            "Tiket ini sudah diteruskan ke poli.",
            "This ticket has been forwarded to a polyclinic already.",
        ));
    }
    Ok((step, station))
}

/// Patients found for a ticket, each with the fields its registration misses.
pub type Found = Vec<(Patient, Vec<&'static str>)>;

/// Patients found for a registration ticket by NIK, BPJS number or record number, each
/// with what its registration still misses.
pub fn lookup(
    conn: &mut PgConnection,
    staff: &StaffIdentity,
    step_id: i64,
    text: &str,
) -> AppResult<(Step, Found)> {
    let (step, _) = ticket_at_counter(conn, staff, step_id)?;
    let found = crate::service::patients::search(conn, staff, text, None)?;
    let out = found
        .into_iter()
        .map(|p| {
            let missing = missing_of(&p, step.payer);
            (p, missing)
        })
        .collect();
    Ok((step, out))
}

/// What the counter fills in for an existing patient.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Completion {
    pub patient_id: Option<i64>,
    pub phone: Option<String>,
    pub bpjs_no: Option<String>,
    /// Only when the patient has none (16 digits, agreeing with the birth date).
    pub nik: Option<String>,
}

/// A completed registration: the patient now, the record number given here (if any), and
/// what is still missing.
#[derive(Debug, Clone)]
pub struct Completed {
    pub step: Step,
    pub patient: Patient,
    pub assigned_record_no: Option<String>,
    pub missing: Vec<&'static str>,
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Complete an existing patient's registration at the counter for the ticket being
/// served: check every field first (422, nothing changed), then fill the phone and BPJS
/// number, give a record number if the patient has none, and remember the patient on the
/// ticket (its early history says so, and becomes a visit event on forward).
pub fn complete(
    conn: &mut PgConnection,
    st: &AppState,
    staff: &StaffIdentity,
    step_id: i64,
    input: &Completion,
) -> AppResult<Completed> {
    let mut problems: Vec<(&'static str, Invalid)> = Vec::new();
    let phone = blank(&input.phone)
        .map(Phone::parse)
        .transpose()
        .map_err(|e| problems.push(("phone", e)))
        .ok()
        .flatten();
    let bpjs = blank(&input.bpjs_no)
        .map(BpjsNo::parse)
        .transpose()
        .map_err(|e| problems.push(("bpjs_no", e)))
        .ok()
        .flatten();
    let nik = blank(&input.nik)
        .map(Nik::parse)
        .transpose()
        .map_err(|e| problems.push(("nik", e)))
        .ok()
        .flatten();
    if input.patient_id.is_none() {
        problems.push((
            "patient_id",
            Invalid::new(
                "required",
                "Pilih pasien yang ditemukan (patient_id).",
                "Choose the patient found (patient_id).",
            ),
        ));
    }
    if !problems.is_empty() {
        return Err(AppError::fields(problems));
    }
    let patient_id = input.patient_id.unwrap_or_default();
    let (step, station) = ticket_at_counter(conn, staff, step_id)?;
    if !matches!(step.status, StepStatus::Called | StepStatus::Serving) {
        return Err(AppError::conflict(
            "ticket_not_served",
            "Panggil tiket ini ke loket dulu sebelum melengkapi data pasien.",
            "Call this ticket to a desk before completing the patient's registration.",
        ));
    }
    let Some(before) = crate::db::patients::find(conn, patient_id)? else {
        return Err(AppError::not_found(
            "unknown_patient",
            "Pasien tidak ditemukan.",
            "Patient not found.",
        ));
    };
    if let Some(nik) = &nik {
        nik.check_birth_date(before.birth_date).map_err(|e| AppError::fields(vec![("nik", e)]))?;
    }
    let phone = phone.as_ref().map(|p| p.as_str());
    let bpjs = bpjs.as_ref().map(|b| b.as_str());
    let nik = nik.as_ref().map(|n| n.as_str());
    let fill = steps::Fill { phone, bpjs_no: bpjs, nik };
    let patient = match steps::complete_patient(conn, patient_id, &fill)? {
        Ok(Some(p)) => p,
        Ok(None) => {
            // The conditional update refused: the patient holds another number. Which one
            // is read back only to say so.
            let now = crate::db::patients::find(conn, patient_id)?.unwrap_or(before.clone());
            if nik.is_some() && now.nik.is_some() && now.nik.as_deref() != nik {
                return Err(AppError::conflict(
                    "nik_differs",
                    "Pasien ini sudah memiliki NIK lain; periksa kembali KTP/KK-nya.",
                    "This patient has another NIK already; check the identity card again.",
                ));
            }
            return Err(AppError::conflict(
                "bpjs_no_differs",
                "Pasien ini sudah memiliki nomor BPJS lain; periksa kembali kartunya.",
                "This patient has another BPJS number already; check the card again.",
            ));
        }
        Err(steps::Taken::BpjsNo) => {
            return Err(AppError::conflict(
                "bpjs_no_taken",
                "Nomor BPJS ini sudah terdaftar untuk pasien lain.",
                "This BPJS number is registered to another patient.",
            ));
        }
        Err(steps::Taken::Nik) => {
            return Err(AppError::conflict(
                "nik_taken",
                "NIK ini sudah terdaftar untuk pasien lain.",
                "This NIK is registered to another patient.",
            ));
        }
    };
    let assigned = steps::assign_record_no(conn, patient_id)?;
    let patient = match &assigned {
        Some(rm) => Patient { medical_record_no: Some(rm.clone()), ..patient },
        None => crate::db::patients::find(conn, patient_id)?.unwrap_or(patient),
    };
    let step = steps::set_patient(conn, step.id, patient_id)?.ok_or_else(|| {
        AppError::conflict(
            "already_forwarded",
            "Tiket ini sudah diteruskan ke poli.",
            "This ticket has been forwarded to a polyclinic already.",
        )
    })?;
    let filled: Vec<&str> = [
        (phone.is_some() && before.phone.as_deref() != phone).then_some("phone"),
        (bpjs.is_some() && before.bpjs_no.is_none()).then_some("bpjs_no"),
        (nik.is_some() && before.nik.is_none()).then_some("nik"),
        assigned.is_some().then_some("medical_record_no"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let detail = StepDetail::of(&step, &station, Some(step.status));
    let extra = json!({"patient_id": patient_id, "filled": filled, "record_no_assigned": assigned});
    remember_early_with(
        conn,
        step.id,
        "registration_completed",
        detail,
        Some(extra),
        &staff.actor(),
        st.now(),
    )?;
    let missing = missing_of(&patient, step.payer);
    Ok(Completed { step, patient, assigned_record_no: assigned, missing })
}

/// What a category decision on a ticket did: the ticket (before its visit exists), or the
/// visit it became.
#[derive(Debug, Clone)]
pub enum Decided {
    Ticket(Box<(Step, Station)>),
    Visit(Box<Visit>),
}

/// Confirm or remove the priority category claimed on a registration ticket, exactly as
/// on a polyclinic visit: removing needs a reason; the counter's call order follows at
/// once; the decision is kept in the ticket's early history and becomes a visit event
/// (`priority_confirmed`, `priority_removed`) when the counter forwards the patient. A
/// step that already has a visit decides on the visit.
pub fn decide_step_category(
    conn: &mut PgConnection,
    st: &AppState,
    staff: &StaffIdentity,
    step_id: i64,
    decision: CategoryDecision,
    reason: &str,
) -> AppResult<Decided> {
    let (step, station) = steps::lock(conn, step_id)?;
    require_desk(staff, &station)?;
    if let Some(visit_id) = step.visit_id {
        let visit = super::decide_category(conn, st, staff, visit_id, decision, reason)?;
        return Ok(Decided::Visit(Box::new(visit)));
    }
    let reason = reason.trim();
    if decision == CategoryDecision::Remove && reason.is_empty() {
        return Err(AppError::unprocessable(
            "reason_required",
            "Tulis alasan menghapus kategori prioritas.",
            "Give a reason for removing the priority category.",
        ));
    }
    if reason.chars().count() > 300 {
        return Err(AppError::unprocessable(
            "reason_too_long",
            "Alasan paling banyak 300 huruf.",
            "The reason is at most 300 characters.",
        ));
    }
    let now = st.now();
    let changed = match decision {
        CategoryDecision::Confirm => steps::confirm_step_category(conn, step.id, now)?,
        CategoryDecision::Remove => steps::remove_step_category(conn, step.id, now)?,
    };
    let Some(changed) = changed else {
        return Err(AppError::conflict(
            "no_priority_category",
            "Tiket ini tidak memiliki kategori prioritas.",
            "This ticket has no priority category.",
        ));
    };
    let (kind, extra) = match decision {
        CategoryDecision::Confirm => {
            ("priority_confirmed", json!({"category": step.priority_category}))
        }
        CategoryDecision::Remove => {
            ("priority_removed", json!({"category": step.priority_category, "reason": reason}))
        }
    };
    let detail = StepDetail::of(&changed, &station, Some(changed.status));
    remember_early_with(conn, changed.id, kind, detail, Some(extra), &staff.actor(), now)?;
    Ok(Decided::Ticket(Box::new((changed, station))))
}
