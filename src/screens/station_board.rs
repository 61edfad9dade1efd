//! Station boards: `/display?stations=FARMASI` (and mixed, `?clinics=ANA&stations=KASIR`)
//! show each station's calls with the desk number, and at the pharmacy what is being
//! prepared and what is ready, lane by lane. Tickets only, never names.
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::db::steps::Step;
use crate::domain::journey::{Lane, StepStatus};
use crate::error::AppResult;
use crate::http::views;
use crate::service::journey;

/// Calls shown per station, newest first; tickets shown per list.
const CALLS: usize = 4;
const LIST: usize = 8;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StationsQuery {
    pub stations: Option<String>,
}

/// The station codes of a board's URL (`?stations=FARMASI,KASIR`), uppercased.
pub fn station_codes(query: &str) -> Vec<String> {
    let mut codes: Vec<String> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k == "stations")
        .flat_map(|(_, v)| v.split(',').map(|c| c.trim().to_ascii_uppercase()).collect::<Vec<_>>())
        .filter(|c| !c.is_empty())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

fn tickets<'a>(steps: impl Iterator<Item = &'a Step>) -> Vec<&'a str> {
    steps.take(LIST).map(|s| s.ticket.as_str()).collect()
}

fn lane_lists(steps: &[Step], status: StepStatus) -> Value {
    let of =
        |lane: Lane| tickets(steps.iter().filter(|s| s.status == status && s.lane == Some(lane)));
    json!({"racikan": of(Lane::Racikan), "non_racikan": of(Lane::NonRacikan)})
}

/// `GET /api/v1/displays/stations?stations=FARMASI,KASIR`
#[utoipa::path(
    get,
    path = "/api/v1/displays/stations",
    tag = "displays",
    params(crate::screens::station_board::StationsQuery),
    responses(
        (status = 200, description = "Per station: calls and lists, tickets only", body = serde_json::Value)
    ),
)]
pub async fn stations_state(
    state: web::Data<AppState>,
    query: web::Query<StationsQuery>,
) -> AppResult<HttpResponse> {
    let codes = station_codes(&format!("stations={}", query.stations.as_deref().unwrap_or("")));
    let tz = state.tz();
    let boards = journey::boards(&state, codes).await?;
    let list: Vec<Value> = boards
        .iter()
        .map(|(station, steps)| {
            let mut called: Vec<&Step> =
                steps.iter().filter(|s| s.status == StepStatus::Called).collect();
            called.sort_by(|a, b| b.called_at.cmp(&a.called_at).then(b.id.cmp(&a.id)));
            let calls: Vec<Value> = called
                .iter()
                .take(CALLS)
                .map(|s| {
                    json!({"ticket": s.ticket, "desk": s.desk, "lane": s.lane,
                           "call_count": s.call_count,
                           "called_at": s.called_at.map(|t| views::time(t, tz))})
                })
                .collect();
            let waiting = steps.iter().filter(|s| s.status == StepStatus::Waiting);
            json!({
                "code": station.code, "name": station.name, "name_en": station.name_en,
                "kind": station.kind, "pharmacy": station.kind.prepares_first(),
                "calls": calls,
                "preparing": lane_lists(steps, StepStatus::Serving),
                "ready": lane_lists(steps, StepStatus::Ready),
                "waiting": lane_lists(steps, StepStatus::Waiting),
                "next": tickets(waiting.clone()),
                "waiting_count": waiting.count(),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"now": views::time(state.now(), tz), "stations": list})))
}
