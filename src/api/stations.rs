//! Stations and their desks: the list, a station's day, call next, and the step actions.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use serde::{Deserialize, Serialize};

use super::{idempotent, parse_json, parse_json_or_default, views};
use crate::app::AppState;
use crate::auth::Staff;
use crate::domain::journey::{Lane, StepAction};
use crate::error::AppResult;
use crate::service::intake::PatientBody;
use crate::service::{journey, queue, registration};

/// `GET /api/v1/stations` → `[{code, name, kind, prefix, desks}]`
#[utoipa::path(
    get,
    path = "/api/v1/stations",
    tag = "public",
    description = "`kind` is one of `registration`, `clinic`, `pharmacy`, `cashier`, `lab`, `radiology`.",
    responses(
        (status = 200, description = "Service stations: `[{code, name, name_en, kind, prefix, desks}]`", body = Vec<views::StationOut>)
    ),
)]
pub async fn list_stations(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let list = journey::list_stations(&state).await?;
    Ok(HttpResponse::Ok().json(list.iter().map(views::station).collect::<Vec<_>>()))
}

/// A station and today's steps there, in call order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StationQueueOut {
    pub station: views::StationOut,
    pub steps: Vec<views::StepOut>,
}

/// `GET /api/v1/staff/stations/{code}/queue` — today's steps of a station, in call order.
#[utoipa::path(
    get,
    path = "/api/v1/staff/stations/{code}/queue",
    tag = "stations",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("code" = String, Path, description = "station code, e.g. FARMASI")),
    responses(
        (status = 200, description = "`{station, steps}`: today's steps in call order", body = StationQueueOut)
    ),
)]
pub async fn station_queue(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = path.into_inner();
    let tz = state.tz();
    let (station, steps) = journey::station_queue(&state, staff.0, code).await?;
    let list: Vec<_> = steps.iter().map(|s| views::step(s, &station, tz)).collect();
    Ok(HttpResponse::Ok().json(StationQueueOut { station: views::station(&station), steps: list }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallNextBody {
    pub desk: i32,
    pub lane: Option<Lane>,
}

/// `POST /api/v1/staff/stations/{code}/call-next {"desk": 2, "lane"?: "racikan"}`
#[utoipa::path(
    post,
    path = "/api/v1/staff/stations/{code}/call-next",
    operation_id = "station_call_next",
    tag = "stations",
    description = "The called step (`step_id`, `ticket`, `desk`...) or 409 `queue_empty`; the pharmacy calls only *ready* tickets.",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("code" = String, Path, description = "station code"), crate::openapi::Idempotency),
    request_body(content = CallNextBody, description = "`{desk, lane?: racikan | non_racikan}`"),
    responses(
        (status = 200, description = "The step called", body = views::StepOut),
        (status = 409, description = "Nobody waiting", body = crate::openapi::ErrorBody)
    ),
)]
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

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    /// `finish` only: where the visit goes next.
    pub next: Option<journey::Next>,
    /// `finish` at the registration counter: the patient registered or completed there.
    pub patient: Option<PatientBody>,
}

/// `POST /api/v1/staff/steps/{id}/{recall|skip|return|start|ready|finish}`; `finish` may
/// carry `{"next": {"station": …, "prescription"?: …}}`.
#[utoipa::path(
    post,
    path = "/api/v1/staff/steps/{id}/{action}",
    tag = "stations",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("id" = i64, Path, description = "step id"), ("action" = String, Path, description = "recall, skip, return, start, ready or finish"), crate::openapi::Idempotency),
    request_body(content = StepBody, description = "optional; `finish` may carry `{next: {station, prescription?}}`, registration `{patient}`"),
    responses(
        (status = 200, description = "The step after the action; after `finish` with `next` also `next_step`, `next_visit` or `back_to_clinic`", body = views::StepActedOut),
        (status = 409, description = "Not allowed from the step's status", body = crate::openapi::ErrorBody)
    ),
)]
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
            let step = views::step(&step, &station, st.tz());
            return Ok(views::StepActedOut { step, forwarded: Default::default() });
        };
        let ((step, station), forwarded) =
            journey::finish_step_and_forward(c, &st, &staff, id, &next, patient.as_ref())?;
        Ok(views::StepActedOut {
            step: views::step(&step, &station, st.tz()),
            forwarded: views::forwarded(&forwarded, st.tz()),
        })
    })
    .await
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryBody {
    /// Required to remove a category.
    pub reason: Option<String>,
}

/// The id, the decision (`confirm` or `remove` in the URL) and the reason of a category
/// decision, on a visit or on a registration ticket.
pub(super) fn category_request(
    path: web::Path<(i64, String)>,
    body: &[u8],
) -> AppResult<(i64, journey::CategoryDecision, String)> {
    let (id, name) = path.into_inner();
    let decision = journey::CategoryDecision::from_url(&name).ok_or_else(queue::unknown_action)?;
    let parsed: CategoryBody = parse_json_or_default(body)?;
    Ok((id, decision, parsed.reason.unwrap_or_default()))
}

/// `POST /api/v1/staff/visits/{id}/priority-category/{confirm|remove} {"reason"?}` — staff
/// confirm or remove the priority category chosen at the kiosk (audited).
#[utoipa::path(
    post,
    path = "/api/v1/staff/visits/{id}/priority-category/{decision}",
    tag = "stations",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("id" = i64, Path, description = "visit id"), ("decision" = String, Path, description = "confirm or remove"), crate::openapi::Idempotency),
    request_body(content = CategoryBody, description = "optional `{reason?}`"),
    responses(
        (status = 200, description = "The visit with its category decided and `priority_confirmed`", body = views::VisitCategoryOut),
        (status = 409, description = "No category to decide", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn decide_category(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<(i64, String)>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let (id, decision, reason) = category_request(path, &body)?;
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::OK, move |c| {
        let visit = journey::decide_category(c, &st, &staff, id, decision, &reason)?;
        Ok(views::VisitCategoryOut {
            visit: views::staff_visit(&visit, None, st.tz()),
            priority_confirmed: decision == journey::CategoryDecision::Confirm,
        })
    })
    .await
}
