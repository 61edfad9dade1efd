//! The registration counter completing an existing patient's registration on the ticket
//! it serves, and deciding a ticket's priority category before its visit exists.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use serde::{Deserialize, Serialize};

use super::{idempotent, parse_json, views};
use crate::app::AppState;
use crate::auth::Staff;
use crate::error::AppResult;
use crate::service::journey::{self, CategoryDecision, Decided};
use crate::service::patients::Patient;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/steps/{id}/patient/lookup", web::get().to(lookup_patient))
        .route("/staff/steps/{id}/patient/complete", web::post().to(complete_patient))
        .route(
            "/staff/steps/{id}/priority-category/{decision}",
            web::post().to(decide_step_category),
        );
}

/// A patient as the counter sees it (staff only), with what its registration misses.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CounterPatient {
    pub id: i64,
    pub name: String,
    #[schema(value_type = String, format = Date)]
    pub birth_date: chrono::NaiveDate,
    pub nik: Option<String>,
    pub bpjs_no: Option<String>,
    pub medical_record_no: Option<String>,
    pub phone: Option<String>,
    /// Fields its registration lacks: `medical_record_no`, `nik`, `phone`, `bpjs_no`.
    pub missing: Vec<String>,
    /// The same in Indonesian words.
    pub missing_labels: Vec<String>,
}

fn patient(p: &Patient, missing: &[&str]) -> CounterPatient {
    CounterPatient {
        id: p.id,
        name: p.name.clone(),
        birth_date: p.birth_date,
        nik: p.nik.clone(),
        bpjs_no: p.bpjs_no.clone(),
        medical_record_no: p.medical_record_no.clone(),
        phone: p.phone.clone(),
        missing: missing.iter().map(|m| m.to_string()).collect(),
        missing_labels: missing.iter().map(|m| journey::missing_label(m).to_string()).collect(),
    }
}

/// The ticket being served and the patients found for it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LookupOut {
    pub step: views::StepOut,
    pub patients: Vec<CounterPatient>,
}

/// A completed registration: the ticket, the patient now, the record number given here.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CompletedOut {
    pub step: views::StepOut,
    pub patient: CounterPatient,
    /// The record number given here (null: the patient had one).
    pub record_no_assigned: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LookupQuery {
    #[serde(default)]
    pub q: String,
}

/// `GET /api/v1/staff/steps/{id}/patient/lookup?q=<NIK | BPJS no. | record no.>`
#[utoipa::path(
    get,
    path = "/api/v1/staff/steps/{id}/patient/lookup",
    tag = "stations",
    description = "Patients found for the registration ticket being served, each with `missing` (fields its registration lacks: `medical_record_no`, `nik`, `phone`, `bpjs_no` for JKN).",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("id" = i64, Path, description = "step id of a registration ticket"), ("q" = String, Query, description = "NIK (16 digits), BPJS number (13 digits) or record number")),
    responses(
        (status = 200, description = "`{step, patients: [{id, name, birth_date, nik, bpjs_no, medical_record_no, phone, missing, missing_labels}]}`", body = LookupOut),
        (status = 422, description = "Not a lookup text", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn lookup_patient(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    query: web::Query<LookupQuery>,
) -> AppResult<HttpResponse> {
    let (id, text, tz) = (path.into_inner(), query.into_inner().q, state.tz());
    let (step, found) = crate::service::read(&state, move |c| {
        let (step, found) = journey::lookup(c, &staff.0, id, &text)?;
        let station = crate::service::journey::station_of(c, &step)?;
        Ok(((step, station), found))
    })
    .await?;
    let list: Vec<_> = found.iter().map(|(p, m)| patient(p, m)).collect();
    Ok(HttpResponse::Ok()
        .json(LookupOut { step: views::step(&step.0, &step.1, tz), patients: list }))
}

/// `POST /api/v1/staff/steps/{id}/patient/complete {"patient_id", "phone"?, "bpjs_no"?, "nik"?}`
#[utoipa::path(
    post,
    path = "/api/v1/staff/steps/{id}/patient/complete",
    tag = "stations",
    description = "Completes an existing patient's registration on the ticket being served: a record number from the new-patient sequence when the patient has none (never a second), the phone, BPJS number and (when missing) NIK filled. The ticket's `finish` then forwards this patient without a `patient` body.",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("id" = i64, Path, description = "step id of a registration ticket"), crate::openapi::Idempotency),
    request_body(content = journey::Completion, description = "`{patient_id, phone?, bpjs_no?, nik?}` (`nik` only when the patient has none: 16 digits agreeing with the birth date)"),
    responses(
        (status = 200, description = "`{step, patient, record_no_assigned}`", body = CompletedOut),
        (status = 409, description = "Ticket not served / already forwarded / BPJS number or NIK clash (`bpjs_no_taken`, `bpjs_no_differs`, `nik_taken`, `nik_differs`)", body = crate::openapi::ErrorBody),
        (status = 422, description = "Bad field", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn complete_patient(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let input: journey::Completion = parse_json(&body)?;
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::OK, move |c| {
        let done = journey::complete(c, &st, &staff, id, &input)?;
        let station = journey::station_of(c, &done.step)?;
        Ok(CompletedOut {
            step: views::step(&done.step, &station, st.tz()),
            patient: patient(&done.patient, &done.missing),
            record_no_assigned: done.assigned_record_no,
        })
    })
    .await
}

/// `POST /api/v1/staff/steps/{id}/priority-category/{confirm|remove} {"reason"?}`
#[utoipa::path(
    post,
    path = "/api/v1/staff/steps/{id}/priority-category/{decision}",
    tag = "stations",
    description = "Confirm or remove the priority category claimed on a registration ticket before its visit exists (on a step with a visit: the visit's category). Removing needs a reason and moves the ticket out of the priority order at once; both are kept and become visit events on forward.",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("id" = i64, Path, description = "step id"), ("decision" = String, Path, description = "confirm or remove"), crate::openapi::Idempotency),
    request_body(content = super::stations::CategoryBody, description = "optional `{reason?}`"),
    responses(
        (status = 200, description = "The step (or visit) with its category decided and `priority_confirmed`", body = views::CategoryDecidedOut),
        (status = 409, description = "No category to decide", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn decide_step_category(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<(i64, String)>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let (id, decision, reason) = super::stations::category_request(path, &body)?;
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::OK, move |c| {
        let confirmed = decision == CategoryDecision::Confirm;
        Ok(match journey::decide_step_category(c, &st, &staff, id, decision, &reason)? {
            Decided::Ticket(t) => {
                views::CategoryDecidedOut::Ticket(Box::new(views::StepCategoryOut {
                    step: views::step(&t.0, &t.1, st.tz()),
                    priority_confirmed: confirmed,
                }))
            }
            Decided::Visit(v) => {
                views::CategoryDecidedOut::Visit(Box::new(views::VisitCategoryOut {
                    visit: views::staff_visit(&v, None, st.tz()),
                    priority_confirmed: confirmed,
                }))
            }
        })
    })
    .await
}
