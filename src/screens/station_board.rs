//! Station boards: `/display?stations=FARMASI` (and mixed, `?clinics=ANA&stations=KASIR`)
//! show each station's calls with the desk number, and at the pharmacy what is being
//! prepared and what is ready, lane by lane. Tickets only, never names.
use actix_web::{HttpResponse, web};
use serde::Deserialize;

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

/// Tickets of a pharmacy's two lanes (at most eight each).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct LaneLists {
    pub racikan: Vec<String>,
    pub non_racikan: Vec<String>,
}

fn lane_lists(steps: &[Step], status: StepStatus) -> LaneLists {
    let of = |lane: Lane| {
        tickets(steps.iter().filter(|s| s.status == status && s.lane == Some(lane)))
            .into_iter()
            .map(str::to_string)
            .collect()
    };
    LaneLists { racikan: of(Lane::Racikan), non_racikan: of(Lane::NonRacikan) }
}

/// `GET /api/v1/displays/stations`: what the station boards show (tickets only).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct StationBoardsOut {
    pub now: String,
    pub stations: Vec<StationBoard>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct StationBoard {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub kind: crate::domain::journey::StationKind,
    /// Prepares before calling (pharmacy): show the lanes.
    pub pharmacy: bool,
    /// The latest calls, newest first (at most four).
    pub calls: Vec<StationCall>,
    pub preparing: LaneLists,
    pub ready: LaneLists,
    pub waiting: LaneLists,
    /// The next tickets waiting, in call order (at most eight).
    pub next: Vec<String>,
    pub waiting_count: usize,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct StationCall {
    pub ticket: String,
    pub desk: Option<i32>,
    pub lane: Option<Lane>,
    pub call_count: i32,
    pub called_at: Option<String>,
}

/// `GET /api/v1/displays/stations?stations=FARMASI,KASIR`
#[utoipa::path(
    get,
    path = "/api/v1/displays/stations",
    tag = "displays",
    params(crate::screens::station_board::StationsQuery),
    responses(
        (status = 200, description = "Per station: calls and lists, tickets only", body = StationBoardsOut)
    ),
)]
pub async fn stations_state(
    state: web::Data<AppState>,
    query: web::Query<StationsQuery>,
) -> AppResult<HttpResponse> {
    let codes = station_codes(&format!("stations={}", query.stations.as_deref().unwrap_or("")));
    let tz = state.tz();
    let boards = journey::boards(&state, codes).await?;
    let list: Vec<StationBoard> = boards
        .iter()
        .map(|(station, steps)| {
            let mut called: Vec<&Step> =
                steps.iter().filter(|s| s.status == StepStatus::Called).collect();
            called.sort_by(|a, b| b.called_at.cmp(&a.called_at).then(b.id.cmp(&a.id)));
            let calls: Vec<StationCall> = called
                .iter()
                .take(CALLS)
                .map(|s| StationCall {
                    ticket: s.ticket.clone(),
                    desk: s.desk,
                    lane: s.lane,
                    call_count: s.call_count,
                    called_at: s.called_at.map(|t| views::time(t, tz)),
                })
                .collect();
            let waiting = steps.iter().filter(|s| s.status == StepStatus::Waiting);
            StationBoard {
                code: station.code.clone(),
                name: station.name.clone(),
                name_en: station.name_en.clone(),
                kind: station.kind,
                pharmacy: station.kind.prepares_first(),
                calls,
                preparing: lane_lists(steps, StepStatus::Serving),
                ready: lane_lists(steps, StepStatus::Ready),
                waiting: lane_lists(steps, StepStatus::Waiting),
                next: tickets(waiting.clone()).into_iter().map(str::to_string).collect(),
                waiting_count: waiting.count(),
            }
        })
        .collect();
    Ok(HttpResponse::Ok()
        .json(StationBoardsOut { now: views::time(state.now(), tz), stations: list }))
}

/// `GET /api/v1/displays/stations/events?stations=FARMASI,KASIR` — the live stream of
/// station boards: "this station changed", the board then refetches
/// `/api/v1/displays/stations`. Station codes only.
#[utoipa::path(
    get,
    path = "/api/v1/displays/stations/events",
    tag = "displays",
    params(crate::screens::station_board::StationsQuery),
    responses(
        (status = 200, description = "Server-sent events (`text/event-stream`): `{\"kind\":\"changed\",\"station\":\"FARMASI\"}` when a shown station changed, `{\"kind\":\"resync\"}` when the board should refetch everything; a `retry:` hint and a comment heartbeat every 15 s", content_type = "text/event-stream", body = String),
        (status = 400, description = "Malformed station list", body = crate::openapi::ErrorBody),
        (status = 404, description = "Unknown station", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn stations_events(
    state: web::Data<AppState>,
    query: web::Query<StationsQuery>,
) -> AppResult<HttpResponse> {
    let codes = station_codes(&format!("stations={}", query.stations.as_deref().unwrap_or("")));
    let stations = journey::board_stations(&state, codes).await?;
    Ok(crate::realtime::station_stream(&state.live, stations))
}
