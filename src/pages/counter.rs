//! Counter registration of a walk-in at `/staff/loket` (admin, registration): a patient
//! lookup, the form filled from a record, and the printable ticket after registering.
use actix_web::{http::StatusCode, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use super::extract::{StaffForm, StaffPage, csrf_field};
use super::{Ctx, OrPage, PageError, PageResult, render, see_other};
use crate::app::AppState;
use crate::auth::Staff;
use crate::error::AppError;
use crate::service::booking::register_at_counter;
use crate::service::intake::{PatientBody, RegistrationBody, validate_registration};
use crate::service::journey;
use crate::service::visits;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/loket", web::get().to(registration_form))
        .route("/staff/loket", web::post().to(register_walk_in));
}

csrf_field!(RegistrationForm);

#[derive(Debug, Default, Clone, Deserialize)]
pub struct RegistrationForm {
    #[serde(default)]
    pub csrf: String,
    pub sesi: Option<i32>,
    #[serde(default)]
    pub payer: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub nik: String,
    #[serde(default)]
    pub bpjs_no: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub birth_date: String,
    /// The medical record number (no. RM).
    #[serde(default)]
    pub rm: String,
    /// JKN: the referral (rujukan) number.
    #[serde(default)]
    pub rujukan: String,
}

pub struct SessionOption {
    pub id: i32,
    pub label: String,
    /// Over already: shown, marked, not selectable.
    pub ended: bool,
}

/// `GET /staff/loket?cari=…&lahir=…` looks patients up; `?pasien=ID` fills the form.
#[derive(Debug, Default, Deserialize)]
pub struct LookupQuery {
    #[serde(default)]
    pub cari: String,
    #[serde(default)]
    pub lahir: String,
    pub pasien: Option<i64>,
}

/// A patient found at the counter, as the lookup lists it.
pub struct PatientHit {
    pub id: i64,
    pub name: String,
    pub birth_date: String,
    pub nik: String,
    pub bpjs_no: String,
    pub rm: String,
}

#[derive(Template)]
#[template(path = "staff/register.html")]
struct RegisterPage {
    c: Ctx,
    sessions: Vec<SessionOption>,
    form: RegistrationForm,
    errors: super::patient::FieldErrors,
    error: String,
    lookup: LookupQuery,
    /// `Some` after a lookup: what it found.
    hits: Option<Vec<PatientHit>>,
    lookup_error: String,
}

impl RegisterPage {
    fn selected(&self, id: &i32) -> bool {
        self.form.sesi == Some(*id)
    }
}

async fn register_page(
    state: &AppState,
    c: Ctx,
    staff: &Staff,
    form: RegistrationForm,
    status: StatusCode,
    error: Option<AppError>,
) -> PageResult {
    register_page_with(state, c, staff, form, status, error, LookupQuery::default()).await
}

async fn register_page_with(
    state: &AppState,
    c: Ctx,
    staff: &Staff,
    mut form: RegistrationForm,
    mut status: StatusCode,
    error: Option<AppError>,
    lookup: LookupQuery,
) -> PageResult {
    let lang = c.lang;
    let list = visits::counter_sessions(&state.pool, staff, state.today()).await.or_page(lang)?;
    let (tz, now) = (state.tz(), state.now());
    let sessions = list
        .iter()
        .map(|s| {
            let ended = now >= s.ends(tz);
            let mut label = format!("{} · {} · {}", s.clinic.name, s.doctor.name, s.hours());
            if ended {
                label.push_str(c.t(" — sudah selesai", " — ended"));
            }
            SessionOption { id: s.session.id, label, ended }
        })
        .collect();
    let (errors, message) = match &error {
        Some(e) => (
            super::patient::FieldErrors::from_error(e, lang.is_en()),
            e.message(lang.is_en()).to_string(),
        ),
        None => Default::default(),
    };
    // A lookup, or a patient picked from one.
    let (mut hits, mut lookup_error) = (None, String::new());
    let who = staff.clone();
    if let Some(id) = lookup.pasien {
        let p =
            crate::service::read(state, move |conn| crate::service::patients::get(conn, &who, id))
                .await
                .or_page(lang)?;
        form.nik = p.nik.unwrap_or_default();
        form.bpjs_no = p.bpjs_no.unwrap_or_default();
        form.name = p.name;
        form.birth_date = p.birth_date.to_string();
        form.rm = p.medical_record_no.unwrap_or_default();
        if form.phone.is_empty() {
            form.phone = p.phone.unwrap_or_default();
        }
    } else if !lookup.cari.trim().is_empty() {
        let (text, birth) =
            (lookup.cari.clone(), NaiveDate::parse_from_str(lookup.lahir.trim(), "%Y-%m-%d").ok());
        match crate::service::read(state, move |conn| {
            crate::service::patients::search(conn, &who, &text, birth)
        })
        .await
        {
            Ok(found) => {
                hits = Some(
                    found
                        .into_iter()
                        .map(|p| PatientHit {
                            id: p.id,
                            name: p.name,
                            birth_date: p.birth_date.to_string(),
                            nik: p.nik.unwrap_or_default(),
                            bpjs_no: p.bpjs_no.unwrap_or_default(),
                            rm: p.medical_record_no.unwrap_or_default(),
                        })
                        .collect(),
                )
            }
            Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
                lookup_error = e.message(lang.is_en()).to_string();
                status = e.status;
            }
            Err(e) => return Err(PageError::new(lang, e)),
        }
    }
    let page =
        RegisterPage { c, sessions, form, errors, error: message, lookup, hits, lookup_error };
    Ok(render(&page.c, status, &page))
}

/// `GET /staff/loket` — counter registration of a walk-in (admin, registration); with
/// `?cari=` a patient lookup, with `?pasien=` the form filled from a patient's record.
async fn registration_form(
    state: web::Data<AppState>,
    query: web::Query<LookupQuery>,
    StaffPage { staff, c }: StaffPage,
) -> PageResult {
    let form = RegistrationForm::default();
    register_page_with(&state, c, &staff, form, StatusCode::OK, None, query.into_inner()).await
}

/// `POST /staff/loket` — register, then the printable ticket.
async fn register_walk_in(
    state: web::Data<AppState>,
    StaffForm { staff, c, form }: StaffForm<RegistrationForm>,
) -> PageResult {
    let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let with_identity =
        [&form.nik, &form.bpjs_no, &form.name, &form.rm].iter().any(|f| !f.trim().is_empty());
    let body = RegistrationBody {
        session_id: form.sesi,
        payer: Some(form.payer.clone()),
        patient: with_identity.then(|| PatientBody {
            nik: some(&form.nik),
            name: some(&form.name),
            birth_date: some(&form.birth_date),
            phone: some(&form.phone),
            email: None,
            bpjs_no: some(&form.bpjs_no),
            medical_record_no: some(&form.rm),
        }),
        phone: some(&form.phone),
        language: Some(c.lang.code().to_string()),
        referral_number: some(&form.rujukan),
    };
    let valid = match validate_registration(&body) {
        Ok(v) => v.place(),
        Err(e) => return register_page(&state, c, &staff, form, e.status, Some(e)).await,
    };
    let (st, who) = (state.get_ref().clone(), staff.clone());
    match crate::service::in_transaction(&state, move |conn| {
        register_at_counter(conn, &st, &who, &valid)
    })
    .await
    {
        Ok(placed) => Ok(see_other(&format!("/staff/tiket/{}", placed.visit.id))),
        Err(e) if e.status.is_client_error() => {
            register_page(&state, c, &staff, form, e.status, Some(e)).await
        }
        Err(e) => Err(PageError::new(c.lang, e)),
    }
}

/// The patient lookup on a registration ticket at the desk (`/staff/stasiun?langkah=ID&cari=…`).
#[derive(Default)]
pub struct StepLookup {
    pub step: i64,
    pub text: String,
    /// `Some` after a lookup: what it found.
    pub hits: Option<Vec<CompletionHit>>,
    pub error: String,
}

/// A patient found for a registration ticket, with what is missing.
pub struct CompletionHit {
    pub id: i64,
    pub name: String,
    pub birth_date: String,
    pub nik: String,
    pub bpjs_no: String,
    pub rm: String,
    pub phone: String,
    pub missing: Vec<&'static str>,
}

impl CompletionHit {
    pub fn lacks(&self, field: &str) -> bool {
        self.missing.contains(&field)
    }
}

/// Look patients up for a registration ticket being served (NIK, BPJS no. or record no.).
pub async fn step_lookup(
    state: &AppState,
    staff: &Staff,
    c: &super::Ctx,
    step: i64,
    text: &str,
) -> Result<StepLookup, PageError> {
    let mut out = StepLookup { step, text: text.trim().to_string(), ..Default::default() };
    if out.text.is_empty() {
        return Ok(out);
    }
    let (who, q) = (staff.0.clone(), out.text.clone());
    match crate::service::read(state, move |conn| journey::lookup(conn, &who, step, &q)).await {
        Ok((_, found)) => {
            out.hits = Some(
                found
                    .into_iter()
                    .map(|(p, missing)| CompletionHit {
                        id: p.id,
                        name: p.name,
                        birth_date: p.birth_date.to_string(),
                        nik: p.nik.unwrap_or_default(),
                        bpjs_no: p.bpjs_no.unwrap_or_default(),
                        rm: p.medical_record_no.unwrap_or_default(),
                        phone: p.phone.unwrap_or_default(),
                        missing,
                    })
                    .collect(),
            )
        }
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            out.error = e.message(c.lang.is_en()).to_string();
        }
        Err(e) => return Err(PageError::new(c.lang, e)),
    }
    Ok(out)
}

#[derive(Debug, Default, Deserialize)]
pub struct CompleteForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub station: String,
    pub desk: Option<i32>,
    pub patient_id: Option<i64>,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub bpjs_no: String,
    #[serde(default)]
    pub nik: String,
}
csrf_field!(CompleteForm);

/// `POST /staff/langkah/{id}/pasien/lengkapi` — complete the existing patient found for the
/// registration ticket being served (record number if none, phone, BPJS number, NIK if none).
pub async fn complete_on_step(
    state: web::Data<AppState>,
    path: web::Path<i64>,
    StaffForm { staff, c, form }: StaffForm<CompleteForm>,
) -> PageResult {
    let id = path.into_inner();
    let desk = form.desk.unwrap_or(1);
    let code = form.station.clone();
    let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let input = journey::Completion {
        patient_id: form.patient_id,
        phone: some(&form.phone),
        bpjs_no: some(&form.bpjs_no),
        nik: some(&form.nik),
    };
    let (st, who) = (state.get_ref().clone(), staff.clone());
    let done = crate::service::in_transaction(&state, move |conn| {
        journey::complete(conn, &st, &who, id, &input)
    })
    .await;
    match done {
        Ok(d) => {
            let rm = d.patient.medical_record_no.unwrap_or_default();
            let note = format!("{} · RM {rm}", d.step.ticket);
            Ok(see_other(&super::stations::back_to(&code, desk, "lengkap", &urlencode(&note))))
        }
        Err(e) => super::stations::refused(&state, &staff, c, code, desk, e).await,
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct StepCategoryForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub station: String,
    pub desk: Option<i32>,
    #[serde(default)]
    pub reason: String,
}
csrf_field!(StepCategoryForm);

/// `POST /staff/langkah/{id}/kategori/{confirm|remove}` — a registration ticket's priority
/// category, decided at the desk before its visit exists.
pub async fn decide_on_step(
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    StaffForm { staff, c, form }: StaffForm<StepCategoryForm>,
) -> PageResult {
    let (id, name) = path.into_inner();
    let desk = form.desk.unwrap_or(1);
    let code = form.station.clone();
    let Some(decision) = journey::CategoryDecision::from_url(&name) else {
        return Err(PageError::new(c.lang, crate::service::queue::unknown_action()));
    };
    let (st, who, reason) = (state.get_ref().clone(), staff.clone(), form.reason.clone());
    let done = crate::service::in_transaction(&state, move |conn| {
        journey::decide_step_category(conn, &st, &who, id, decision, &reason)
    })
    .await;
    match done {
        Ok(journey::Decided::Ticket(t)) => {
            Ok(see_other(&super::stations::back_to(&code, desk, "priority", &t.0.ticket)))
        }
        Ok(journey::Decided::Visit(v)) => {
            Ok(see_other(&super::stations::back_to(&code, desk, "priority", &v.ticket)))
        }
        Err(e) => super::stations::refused(&state, &staff, c, code, desk, e).await,
    }
}
