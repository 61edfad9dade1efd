//! Staff queue routes: today's sessions, the queue of a session, call next, visit actions,
//! counter registration of walk-ins.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use super::bookings::{PatientBody, parse_language, parse_payer};
use super::{idempotent, parse_json, views};
use crate::app::AppState;
use crate::auth::{Role, Staff};
use crate::db::booking::{self, Channel, PatientInput, PlaceRequest};
use crate::db::models::Visit;
use crate::db::schema::{patients, visits};
use crate::db::{self, queue, sessions};
use crate::domain::identity::{BpjsNo, Nik, PersonName, Phone};
use crate::domain::visit_status::Action;
use crate::error::{AppError, AppResult};

#[derive(Debug, Deserialize)]
pub struct DateQuery {
    pub date: Option<String>,
}

/// Sessions of a day with their counts, for the clinics this account may see.
pub async fn today_sessions(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<DateQuery>,
) -> AppResult<HttpResponse> {
    let date = match &query.date {
        Some(d) => super::sessions::parse_date(d)?,
        None => state.today(),
    };
    let tz = state.tz();
    let rows = db::run(&state.pool, move |c| {
        sessions::materialize(c, date, date)?;
        let list = sessions::list(c, date, None)?;
        let mut out = Vec::new();
        for s in list.into_iter().filter(|s| staff.may_see_clinic(s.clinic.id)) {
            let counts = queue::status_counts(c, s.session.id)?;
            let current = queue::now_serving(c, s.session.id)?.first().map(|v| v.ticket.clone());
            let mut v = views::session(&s, tz);
            v["counts"] = counts
                .into_iter()
                .map(|(k, n)| (k, json!(n)))
                .collect::<serde_json::Map<_, _>>()
                .into();
            v["now_serving"] = json!(current);
            out.push(v);
        }
        Ok(out)
    })
    .await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// Every visit of a session, in call order for the waiting ones (staff: names shown).
pub async fn session_list(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let tz = state.tz();
    let body = db::run(&state.pool, move |c| {
        let session = sessions::get(c, id)?;
        if !staff.may_see_clinic(session.clinic.id) {
            return Err(AppError::forbidden());
        }
        let rows: Vec<(Visit, Option<String>)> = visits::table
            .left_join(patients::table)
            .filter(visits::session_id.eq(id))
            .order((visits::priority.desc(), visits::sort_key, visits::id))
            .select((Visit::as_select(), patients::name.nullable()))
            .load(c)?;
        let list: Vec<Value> =
            rows.iter().map(|(v, name)| views::staff_visit(v, name.as_deref(), tz)).collect();
        Ok(json!({"session": views::session(&session, tz), "visits": list}))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// `POST /api/v1/staff/sessions/{id}/call-next`
pub async fn call_next(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<i32>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::OK, move |c| {
        let visit = call_next_as(c, &st, &staff, id)?;
        Ok(views::staff_visit(&visit, None, st.tz()))
    })
    .await
}

/// Call the next patient of a session, if this account runs that clinic.
pub fn call_next_as(
    c: &mut diesel::PgConnection,
    st: &AppState,
    staff: &Staff,
    session_id: i32,
) -> AppResult<Visit> {
    let session = sessions::get(c, session_id)?;
    staff.require_clinic(session.clinic.id)?;
    queue::call_next(c, session_id, &staff.actor(), st.now())
}

#[derive(Debug, Default, Deserialize)]
pub struct ActionBody {
    pub priority: Option<bool>,
    pub reason: Option<String>,
}

/// `POST /api/v1/staff/visits/{id}/{recall|skip|return|start|finish|cancel|priority|check-in}`
pub async fn visit_action(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<(i64, String)>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let (id, name) = path.into_inner();
    let parsed: ActionBody =
        if body.is_empty() { ActionBody::default() } else { parse_json(&body)? };
    let action = parse_action(&name)?;
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::OK, move |c| {
        let visit = act_on_visit(c, &st, &staff, id, action, &parsed)?;
        Ok(views::staff_visit(&visit, None, st.tz()))
    })
    .await
}

/// `recall`, `skip`, … → the action; `priority` → `None`.
pub fn parse_action(name: &str) -> AppResult<Option<Action>> {
    match name {
        "recall" => Ok(Some(Action::Recall)),
        "skip" => Ok(Some(Action::Skip)),
        "return" => Ok(Some(Action::Return)),
        "start" => Ok(Some(Action::Start)),
        "finish" => Ok(Some(Action::Finish)),
        "cancel" => Ok(Some(Action::CancelByStaff)),
        "check-in" => Ok(Some(Action::CheckIn)),
        "priority" => Ok(None),
        _ => {
            Err(AppError::not_found("unknown_action", "Tindakan tidak dikenal.", "Unknown action."))
        }
    }
}

/// One staff action on a visit (`None` = set the priority flag), with the role checks:
/// check-in for every role that sees the clinic, the rest for those who run it.
pub fn act_on_visit(
    c: &mut diesel::PgConnection,
    st: &AppState,
    staff: &Staff,
    id: i64,
    action: Option<Action>,
    body: &ActionBody,
) -> AppResult<Visit> {
    let (tz, now) = (st.tz(), st.now());
    let visit = queue::find_visit(c, id)?;
    match action {
        Some(Action::CheckIn) => {
            staff.require(&[Role::Admin, Role::Registration, Role::Clinic])?;
            if !staff.may_see_clinic(visit.clinic_id) {
                return Err(AppError::forbidden());
            }
        }
        _ => staff.require_clinic(visit.clinic_id)?,
    }
    let actor = staff.actor();
    let reason = body.reason.clone().unwrap_or_default();
    match action {
        Some(Action::Return) => queue::return_after_skip(c, id, &actor, now),
        Some(Action::CheckIn) => queue::check_in(c, tz, &st.settings.rules, &visit, &actor, now),
        Some(a) => queue::apply(c, id, a, &actor, now, json!({"reason": reason})),
        None => queue::set_priority(c, id, body.priority.unwrap_or(true), &reason, &actor, now),
    }
}

#[derive(Debug, Deserialize)]
pub struct RegistrationBody {
    pub session_id: Option<i32>,
    pub payer: Option<String>,
    pub patient: Option<PatientBody>,
    pub phone: Option<String>,
    pub language: Option<String>,
}

/// `POST /api/v1/staff/registrations` — a walk-in registered at the counter (with or
/// without identity), created waiting.
pub async fn register_walk_in(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    staff.require(&[Role::Admin, Role::Registration])?;
    let parsed: RegistrationBody = parse_json(&body)?;
    let valid = validate_registration(&parsed)?;
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::CREATED, move |c| {
        let placed = register(c, &st, &staff, &valid)?;
        let position = queue::position_of(c, &placed.visit)?;
        let mut out = views::placed(&placed.visit, &placed.session, position, st.tz());
        out["id"] = json!(placed.visit.id);
        Ok(out)
    })
    .await
}

/// A counter registration whose fields have been checked.
#[derive(Debug, Clone)]
pub struct ValidRegistration {
    pub session_id: i32,
    pub payer: booking::Payer,
    pub patient: Option<PatientInput>,
    pub phone: Option<Phone>,
    pub language: String,
}

pub fn validate_registration(parsed: &RegistrationBody) -> AppResult<ValidRegistration> {
    let mut problems = Vec::new();
    let payer = parse_payer(parsed.payer.as_deref()).map_err(|e| problems.push(("payer", e))).ok();
    let patient = parsed
        .patient
        .as_ref()
        .map(|p| counter_patient(p, &mut problems, parse_language(parsed.language.as_deref())));
    let phone = parsed
        .phone
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(Phone::parse)
        .transpose()
        .map_err(|e| problems.push(("phone", e)))
        .ok()
        .flatten();
    let (Some(session_id), Some(payer), true) = (parsed.session_id, payer, problems.is_empty())
    else {
        if parsed.session_id.is_none() {
            problems.push((
                "session_id",
                crate::domain::Invalid {
                    code: "required",
                    id: "Pilih jadwal dokter.",
                    en: "Choose a doctor's session.",
                },
            ));
        }
        return Err(AppError::fields(problems));
    };
    Ok(ValidRegistration {
        session_id,
        payer,
        patient: patient.flatten(),
        phone,
        language: parse_language(parsed.language.as_deref()),
    })
}

/// Register a walk-in at the counter (admin, registration): today's sessions only,
/// created waiting.
pub fn register(
    c: &mut diesel::PgConnection,
    st: &AppState,
    staff: &Staff,
    valid: &ValidRegistration,
) -> AppResult<booking::Placed> {
    staff.require(&[Role::Admin, Role::Registration])?;
    let (tz, now) = (st.tz(), st.now());
    let session = sessions::get(c, valid.session_id)?;
    if session.session.service_date != st.today() {
        return Err(AppError::conflict(
            "not_today",
            "Pendaftaran di loket hanya untuk jadwal hari ini.",
            "Counter registration is for today's sessions only.",
        ));
    }
    let patient_id = match &valid.patient {
        Some(p) => Some(booking::find_or_create_patient(c, p, now)?.id),
        None => None,
    };
    let minutes = queue::minutes_per_patient(c, &session)?;
    booking::take_place(
        c,
        tz,
        now,
        minutes,
        &PlaceRequest {
            session_id: valid.session_id,
            payer: valid.payer,
            channel: Channel::Counter,
            patient_id,
            visit_type: None,
            referral_number: None,
            contact_phone: valid.phone.as_ref().map(|p| p.as_str().to_string()),
            contact_email: None,
            language: valid.language.clone(),
            actor: staff.actor(),
        },
    )
}

fn counter_patient(
    p: &PatientBody,
    problems: &mut Vec<(&'static str, crate::domain::Invalid)>,
    language: String,
) -> Option<PatientInput> {
    let blank = |s: &Option<String>| {
        s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
    };
    let nik = blank(&p.nik)
        .map(|n| Nik::parse(&n))
        .transpose()
        .map_err(|e| problems.push(("patient.nik", e)))
        .ok()
        .flatten();
    let bpjs = blank(&p.bpjs_no)
        .map(|n| BpjsNo::parse(&n))
        .transpose()
        .map_err(|e| problems.push(("patient.bpjs_no", e)))
        .ok()
        .flatten();
    let name = blank(&p.name)
        .map(|n| PersonName::parse(&n))
        .transpose()
        .map_err(|e| problems.push(("patient.name", e)))
        .ok()
        .flatten();
    let birth = blank(&p.birth_date).and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    if nik.is_none() && bpjs.is_none() {
        return None;
    }
    let (Some(name), Some(birth_date)) = (name, birth) else {
        problems.push((
            "patient.name",
            crate::domain::Invalid {
                code: "required",
                id: "Nama dan tanggal lahir wajib diisi bila NIK/BPJS diisi.",
                en: "Name and birth date are required with a NIK/BPJS number.",
            },
        ));
        return None;
    };
    Some(PatientInput {
        nik,
        bpjs_no: bpjs,
        medical_record_no: blank(&p.medical_record_no),
        name: name.as_str().to_string(),
        birth_date,
        sex: None,
        phone: blank(&p.phone),
        email: None,
        language,
    })
}
