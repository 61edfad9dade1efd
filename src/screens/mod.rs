//! Hall screens: the touchscreen kiosk (`/kiosk`), the waiting-room TV board (`/display`),
//! their static assets (`kiosk/`, embedded by `crate::assets`, served at `/assets/`) and the live-update streams
//! (`crate::realtime`).
pub mod announce;
pub mod display;
pub mod escpos;
pub mod kiosk;
pub mod kiosk_print;
pub mod station_board;

use actix_web::{HttpResponse, web};

use crate::error::{AppError, AppResult};

pub fn configure(cfg: &mut web::ServiceConfig) {
    crate::realtime::configure(cfg);
    cfg.route("/kiosk", web::get().to(kiosk::kiosk_page))
        .route("/kiosk/pair", web::get().to(kiosk::pair_kiosk))
        .route("/kiosk/pair", web::post().to(kiosk::pair_kiosk))
        .route("/kiosk-sw.js", web::get().to(kiosk::service_worker))
        .route("/display", web::get().to(display::display_page))
        .route("/display/message", web::get().to(display::message_page))
        .route("/api/v1/kiosk/sessions", web::get().to(kiosk::kiosk_sessions))
        .route("/api/v1/kiosk/tickets/{code}/print", web::post().to(kiosk_print::print_ticket))
        .route(
            "/api/v1/kiosk/complaints/{code}/print",
            web::post().to(kiosk_print::print_complaint),
        )
        .route("/api/v1/displays/state", web::get().to(display::display_state))
        .route("/api/v1/displays/stations", web::get().to(station_board::stations_state))
        .route("/api/v1/displays/stations/events", web::get().to(station_board::stations_events))
        .route("/api/v1/staff/display-message", web::put().to(display::set_message))
        .route("/api/v1/announcements/words", web::get().to(announce::call_words))
        .route("/api/v1/announcements/audio.wav", web::get().to(announce::call_audio));
    crate::assets::configure(cfg);
}

/// The language of a hall screen: Indonesian, unless its URL says `?lang=en`. A kiosk or
/// a board serves everyone in the hall, whatever its browser's own language is.
pub fn screen_lang(req: &actix_web::HttpRequest) -> &'static str {
    let english = req
        .query_string()
        .split('&')
        .any(|kv| kv.strip_prefix("lang=").is_some_and(|v| v.starts_with("en")));
    if english { "en" } else { "id" }
}

/// Render an askama page as an HTML response.
pub fn html(page: &impl askama::Template) -> AppResult<HttpResponse> {
    let body = page.render().map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .body(body))
}
