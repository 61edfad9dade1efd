//! The waiting-room TV board: its page, its state (tickets only) and the running text
//! that staff set.
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

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
/// `GET /api/v1/displays/state`: what the waiting-room boards show (tickets only).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct BoardsOut {
    pub now: String,
    /// `YYYY-MM-DD`
    pub date: String,
    /// The running text (empty: none).
    pub message: String,
    pub clinics: Vec<ClinicBoard>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ClinicBoard {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub room: String,
    /// The ticket called or in service now, else null.
    pub current: Option<BoardCurrent>,
    /// Tickets called before, newest first.
    pub recent: Vec<String>,
    /// The next tickets waiting, in call order.
    pub next: Vec<String>,
    pub waiting_count: i64,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct BoardCurrent {
    pub ticket: String,
    pub status: VisitStatus,
    pub room: String,
    pub call_count: i32,
}

/// The running text now shown on a clinic's boards (`clinic` is the scope).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct MessageOut {
    pub clinic: String,
    pub message: String,
    pub updated_at: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/displays/state",
    tag = "displays",
    params(crate::realtime::ClinicsQuery),
    responses(
        (status = 200, description = "Per clinic: called now, called before, next waiting; the running text", body = BoardsOut)
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
            .map(|t| BoardCurrent {
                ticket: t.ticket.clone(),
                status: t.status,
                room: if t.room.is_empty() { &clinic.room } else { &t.room }.clone(),
                call_count: t.call_count,
            });
        let skip = usize::from(current.is_some());
        let recent: Vec<String> =
            rows.called.iter().skip(skip).take(RECENT as usize).map(|t| t.ticket.clone()).collect();
        boards.push(ClinicBoard {
            code: clinic.code.clone(),
            name: clinic.name.clone(),
            name_en: clinic.name_en.clone(),
            room: clinic.room.clone(),
            current,
            recent,
            next: rows.next.clone(),
            waiting_count: rows.waiting_count,
        });
    }
    Ok(HttpResponse::Ok().json(BoardsOut {
        now: views::time(now, tz),
        date: today.to_string(),
        message,
        clinics: boards,
    }))
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
        (status = 200, description = "The running text now shown", body = MessageOut)
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
    Ok(HttpResponse::Ok().json(MessageOut {
        clinic: saved.scope,
        updated_at: views::time(saved.updated_at, state.tz()),
        message: saved.message,
    }))
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
