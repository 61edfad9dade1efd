//! The waiting-room TV board: its page, its state (tickets only) and the running text
//! that staff set.
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::auth::Staff;
use crate::domain::visit_status::VisitStatus;
use crate::error::AppResult;
use crate::http::{parse_json, views};
use crate::realtime::{ClinicsQuery, parse_clinics};
use crate::service::board_message;

/// Tickets shown in the "called before" and "next" columns.
const RECENT: i64 = 4;
const NEXT: i64 = 5;

#[derive(askama::Template)]
#[template(path = "display/display.html")]
pub struct DisplayPage {
    pub lang: &'static str,
    pub clinics: String,
    /// Station codes (`?stations=FARMASI,KASIR`), comma-separated; may be empty.
    pub stations: String,
}

/// One clinic offered on the board chooser.
pub struct BoardChoice {
    pub code: String,
    pub name: String,
}

#[derive(askama::Template)]
#[template(path = "display/choose.html")]
pub struct ChoosePage {
    pub lang: &'static str,
    pub choices: Vec<BoardChoice>,
}

impl ChoosePage {
    pub fn t<'a>(&self, id: &'a str, en: &'a str) -> &'a str {
        if self.lang == "en" { en } else { id }
    }
}

/// The clinic codes of a board's URL: `?clinics=ANA,INT`, or the chooser form's
/// `?clinics=ANA&clinics=INT`.
fn board_codes(query: &str) -> String {
    url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k == "clinics")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.trim().is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

/// `GET /display?clinics=ANA,INT` — the board; without clinics, a page to choose them.
pub async fn display_page(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let lang = super::screen_lang(&req);
    let asked = board_codes(req.query_string());
    let stations = super::station_board::station_codes(req.query_string()).join(",");
    if asked.is_empty() && !stations.is_empty() {
        return super::html(&DisplayPage { lang, clinics: String::new(), stations });
    }
    if asked.is_empty() {
        let choices = crate::service::catalogue::active_clinics(&state.pool)
            .await?
            .into_iter()
            .map(|c| BoardChoice {
                name: if lang == "en" && !c.name_en.is_empty() { c.name_en } else { c.name },
                code: c.code,
            })
            .collect();
        return super::html(&ChoosePage { lang, choices });
    }
    let mut codes: Vec<String> = parse_clinics(Some(&asked))?.into_iter().collect();
    codes.sort();
    super::html(&DisplayPage { lang, clinics: codes.join(","), stations })
}

/// `GET /api/v1/displays/state?clinics=ANA,INT` — per clinic, today: the ticket called now,
/// the last few called, the next few waiting; and the running text. Tickets only.
#[utoipa::path(
    get,
    path = "/api/v1/displays/state",
    tag = "displays",
    params(crate::realtime::ClinicsQuery),
    responses(
        (status = 200, description = "Per clinic: called now, called before, next waiting; the running text", body = serde_json::Value)
    ),
)]
pub async fn display_state(
    state: web::Data<AppState>,
    query: web::Query<ClinicsQuery>,
) -> AppResult<HttpResponse> {
    let codes: Vec<String> = parse_clinics(query.clinics.as_deref())?.into_iter().collect();
    let (tz, today) = (state.tz(), state.today());
    let now = state.now();
    let (rows, message) = board_message::boards(&state, codes, RECENT, NEXT).await?;
    let mut boards = Vec::with_capacity(rows.len());
    for (clinic, rows) in &rows {
        let current = rows
            .called
            .first()
            .filter(|t| matches!(t.status, VisitStatus::Called | VisitStatus::Serving))
            .map(|t| {
                json!({"ticket": t.ticket, "status": t.status,
                       "room": if t.room.is_empty() { &clinic.room } else { &t.room },
                       "call_count": t.call_count})
            });
        let skip = usize::from(current.is_some());
        let recent: Vec<&String> =
            rows.called.iter().skip(skip).take(RECENT as usize).map(|t| &t.ticket).collect();
        let (next, waiting_count) = (&rows.next, rows.waiting_count);
        boards.push(json!({
            "code": clinic.code, "name": clinic.name, "name_en": clinic.name_en,
            "room": clinic.room, "current": current, "recent": recent,
            "next": next, "waiting_count": waiting_count,
        }));
    }
    Ok(HttpResponse::Ok().json(json!({
        "now": views::time(now, tz),
        "date": today.to_string(),
        "message": message,
        "clinics": boards,
    })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MessageBody {
    /// A clinic code, or absent / "*" for every board (administrators only).
    pub clinic: Option<String>,
    pub message: Option<String>,
}

/// `PUT /api/v1/staff/display-message` — set (or clear, with an empty text) the running text
/// of one clinic's boards, or of every board.
#[utoipa::path(
    put,
    path = "/api/v1/staff/display-message",
    tag = "admin",
    description = "Running text of a clinic's boards (no clinic: every board, admins only); an empty text clears it.",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    request_body = crate::screens::display::MessageBody,
    responses(
        (status = 200, description = "The running text now shown", body = serde_json::Value)
    ),
)]
pub async fn set_message(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let parsed: MessageBody = parse_json(&body)?;
    let saved = board_message::set_message(
        &state.pool,
        &staff,
        parsed.clinic.as_deref(),
        parsed.message.as_deref().unwrap_or_default(),
        state.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({
        "clinic": saved.scope, "message": saved.message,
        "updated_at": views::time(saved.updated_at, state.tz()),
    })))
}

#[derive(askama::Template)]
#[template(path = "display/message.html")]
pub struct MessagePage {
    pub lang: &'static str,
}

/// `GET /display/message` — a small staff form for the running text (signs in through the
/// JSON API; the change itself needs an admin or clinic account).
pub async fn message_page(req: HttpRequest) -> AppResult<HttpResponse> {
    super::html(&MessagePage { lang: super::screen_lang(&req) })
}
