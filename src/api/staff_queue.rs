//! Staff queue routes: today's sessions, the queue of a session, call next, visit actions,
//! counter registration of walk-ins.
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use serde::{Deserialize, Serialize};

use super::{idempotent, parse_json, parse_json_or_default, views};
use crate::app::AppState;
use crate::auth::Staff;
use crate::domain::visit_status::Action;
use crate::error::AppResult;
use crate::service::intake::{self, RegistrationBody};
use crate::service::queue::{self, StaffAction};
use crate::service::{booking, journey, visits};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    pub date: Option<String>,
}

/// A session of the day as staff see it: the session's fields, visits per status, and the
/// ticket being served.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StaffSessionOut {
    #[serde(flatten)]
    pub session: views::SessionOut,
    /// Visits per status (`waiting`, `called`...); statuses without visits are left out.
    pub counts: std::collections::BTreeMap<String, i64>,
    /// The ticket being served now, if any.
    pub now_serving: Option<String>,
}

/// Every visit of a session (staff: names shown).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionQueueOut {
    pub session: views::SessionOut,
    pub visits: Vec<views::StaffVisitOut>,
}

/// A walk-in registered at the counter: the place and the visit's id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegisteredOut {
    #[serde(flatten)]
    pub placed: views::PlacedOut,
    /// The visit's id (for the staff actions).
    pub id: i64,
}

/// Sessions of a day with their counts, for the clinics this account may see.
#[utoipa::path(
    get,
    path = "/api/v1/staff/sessions",
    tag = "staff queue",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(crate::api::staff_queue::DateQuery),
    responses(
        (status = 200, description = "Sessions of the day with their counts, for the clinics this account may see", body = Vec<StaffSessionOut>)
    ),
)]
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
    let (rows, _) = visits::today(&state.pool, &staff, date).await?;
    let out: Vec<_> = rows
        .iter()
        .map(|s| StaffSessionOut {
            session: views::session(&s.session, tz),
            counts: s.counts.iter().map(|(k, n)| (k.as_str().to_string(), *n)).collect(),
            now_serving: s.current.clone(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// Every visit of a session, in call order for the waiting ones (staff: names shown).
#[utoipa::path(
    get,
    path = "/api/v1/staff/sessions/{id}/queue",
    tag = "staff queue",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("id" = i32, Path, description = "session id")),
    responses(
        (status = 200, description = "`{session, visits}`: every visit, waiting ones in call order (names shown)", body = SessionQueueOut)
    ),
)]
pub async fn session_list(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i32>,
) -> AppResult<HttpResponse> {
    let tz = state.tz();
    let q = visits::session_queue(&state.pool, &staff, path.into_inner()).await?;
    let list: Vec<_> =
        q.visits.iter().map(|(v, name)| views::staff_visit(v, name.as_deref(), tz)).collect();
    Ok(HttpResponse::Ok()
        .json(SessionQueueOut { session: views::session(&q.session, tz), visits: list }))
}

/// `POST /api/v1/staff/sessions/{id}/call-next`
#[utoipa::path(
    post,
    path = "/api/v1/staff/sessions/{id}/call-next",
    tag = "staff queue",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("id" = i32, Path, description = "session id"), crate::openapi::Idempotency),
    responses(
        (status = 200, description = "The visit called", body = views::StaffVisitOut),
        (status = 409, description = "Nobody waiting, or the session is closed", body = crate::openapi::ErrorBody)
    ),
)]
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
        let visit = queue::call_next_as(c, &st, &staff, id)?;
        Ok(views::staff_visit(&visit, None, st.tz()))
    })
    .await
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ActionBody {
    pub priority: Option<bool>,
    pub reason: Option<String>,
    /// `finish` only: where the visit goes next (`{"station": "FARMASI", "prescription": …}`).
    pub next: Option<journey::Next>,
}

/// `POST /api/v1/staff/visits/{id}/{recall|skip|return|start|finish|cancel|priority|check-in}`
#[utoipa::path(
    post,
    path = "/api/v1/staff/visits/{id}/{action}",
    tag = "staff queue",
    description = "`priority` takes `{priority, reason}`; `cancel` requires `{reason}` (1-200 characters, else 422 `reason_required` / `invalid_reason`); `finish` may carry `{next: {station: FARMASI, prescription: racikan | non_racikan}}` or `{next: {station: KASIR}}`, and the answer carries `next_step`. check-in: registration staff too.",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    params(("id" = i64, Path, description = "visit id"), ("action" = String, Path, description = "recall, skip, return, start, finish, cancel, priority or check-in"), crate::openapi::Idempotency),
    request_body(content = ActionBody, description = "optional `{priority?, reason?, next?: {station, prescription?}}`"),
    responses(
        (status = 200, description = "The visit after the action; after `finish` with `next` also `next_step`, `next_visit` or `back_to_clinic`", body = views::VisitActedOut),
        (status = 409, description = "Not allowed from the visit's status", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn visit_action(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<(i64, String)>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let (id, name) = path.into_inner();
    let parsed: ActionBody = parse_json_or_default(&body)?;
    let action = StaffAction::parse(&name, parsed.priority)?;
    let reason = parsed.reason.unwrap_or_default();
    let next = journey::next_with(action == StaffAction::Move(Action::Finish), parsed.next)?;
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::OK, move |c| {
        let Some(next) = next else {
            let visit = queue::act_on_visit(c, &st, &staff, id, action, &reason)?;
            let visit = views::staff_visit(&visit, None, st.tz());
            return Ok(views::VisitActedOut { visit, forwarded: Default::default() });
        };
        let (visit, forwarded) = journey::finish_and_forward(c, &st, &staff, id, &reason, &next)?;
        Ok(views::VisitActedOut {
            visit: views::staff_visit(&visit, None, st.tz()),
            forwarded: views::forwarded(&forwarded, st.tz()),
        })
    })
    .await
}

/// `POST /api/v1/staff/registrations` — a walk-in registered at the counter (with or
/// without identity), created waiting.
#[utoipa::path(
    post,
    path = "/api/v1/staff/registrations",
    tag = "staff queue",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    request_body = crate::service::intake::RegistrationBody,
    params(crate::openapi::Idempotency),
    responses(
        (status = 201, description = "The visit, waiting: the place and the visit's `id`", body = RegisteredOut),
        (status = 409, description = "`quota_full`, closed, duplicate", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn register_walk_in(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    booking::require_registrar(&staff)?;
    let parsed: RegistrationBody = parse_json(&body)?;
    let place = intake::validate_registration(&parsed)?.place();
    let st = state.get_ref().clone();
    idempotent(&state, &req, &body, StatusCode::CREATED, move |c| {
        let placed = booking::register_at_counter(c, &st, &staff, &place)?;
        Ok(RegisteredOut { placed: views::placed(&placed, st.tz()), id: placed.visit.id })
    })
    .await
}
