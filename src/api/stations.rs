//! Stations and their desks: the list, a station's day, call next, and the step actions.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use serde::Deserialize;
use serde_json::json;

use super::{idempotent, parse_json, parse_json_or_default, views};
use crate::app::AppState;
use crate::auth::Staff;
use crate::domain::journey::{Lane, StepAction};
use crate::error::AppResult;
use crate::service::intake::PatientBody;
use crate::service::{journey, queue, registration};

/// `GET /api/v1/stations` → `[{code, name, kind, prefix, desks}]`
#[utoipa::path(get, path = "/api/v1/stations", tag = "public", responses((status = 200, description = "Service stations (registration, pharmacy, lab...)", body = serde_json::Value)))]
pub async fn list_stations(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let list = journey::list_stations(&state).await?;
    Ok(HttpResponse::Ok().json(list.iter().map(views::station).collect::<Vec<_>>()))
}

/// `GET /api/v1/staff/stations/{code}/queue` — today's steps of a station, in call order.
pub async fn station_queue(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let tz = state.tz();
    let (station, steps) = journey::station_queue(&state, staff.0, code).await?;
    let list: Vec<_> = steps.iter().map(|s| views::step(s, &station, tz)).collect();
    Ok(HttpResponse::Ok().json(json!({"station": views::station(&station), "steps": list})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallNextBody {
    pub desk: i32,
    pub lane: Option<Lane>,
}

/// `POST /api/v1/staff/stations/{code}/call-next {"desk": 2, "lane"?: "racikan"}`
pub async fn call_next(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let parsed: CallNextBody = parse_json(&body)?;
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::OK, move |c| {
        let (step, station) = journey::call_next(c, &st, &staff, &code, parsed.desk, parsed.lane)?;
        Ok(views::step(&step, &station, st.tz()))
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    /// `finish` only: where the visit goes next.
    pub next: Option<journey::Next>,
    /// `finish` at the registration counter: the patient registered or completed there.
    pub patient: Option<PatientBody>,
}

/// `POST /api/v1/staff/steps/{id}/{recall|skip|return|start|ready|finish}`; `finish` may
/// carry `{"next": {"station": …, "prescription"?: …}}`.
pub async fn step_action(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<(i64, String)>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let (id, name) = path.into_inner();
    let action = StepAction::from_url(&name).ok_or_else(queue::unknown_action)?;
    let parsed: StepBody = parse_json_or_default(&body)?;
    let next = journey::next_with(action == StepAction::Finish, parsed.next)?;
    let patient = registration::validate_patient(parsed.patient.as_ref())?;
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::OK, move |c| {
        let Some(next) = next else {
            let (step, station) = journey::act_on_step(c, &st, &staff, id, action)?;
            return Ok(views::step(&step, &station, st.tz()));
        };
        let ((step, station), forwarded) =
            journey::finish_step_and_forward(c, &st, &staff, id, &next, patient.as_ref())?;
        let mut out = views::step(&step, &station, st.tz());
        let (key, value) = views::forwarded(&forwarded, st.tz());
        out[key] = value;
        Ok(out)
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryBody {
    /// Required to remove a category.
    pub reason: Option<String>,
}

/// `POST /api/v1/staff/visits/{id}/priority-category/{confirm|remove} {"reason"?}` — staff
/// confirm or remove the priority category chosen at the kiosk (audited).
pub async fn decide_category(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<(i64, String)>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let (id, name) = path.into_inner();
    let decision = journey::CategoryDecision::from_url(&name).ok_or_else(queue::unknown_action)?;
    let parsed: CategoryBody = parse_json_or_default(&body)?;
    let reason = parsed.reason.unwrap_or_default();
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::OK, move |c| {
        let visit = journey::decide_category(c, &st, &staff, id, decision, &reason)?;
        let mut out = views::staff_visit(&visit, None, st.tz());
        out["priority_confirmed"] =
            serde_json::json!(decision == journey::CategoryDecision::Confirm);
        Ok(out)
    })
    .await
}
