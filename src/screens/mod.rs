//! Hall screens: the touchscreen kiosk (`/kiosk`), the waiting-room TV board (`/display`),
//! their static assets (`kiosk/` served at `/assets/`) and the live-update streams
//! (`crate::realtime`).
pub mod display;
pub mod escpos;
pub mod kiosk;
pub mod station_board;

use std::path::PathBuf;

use actix_web::{HttpResponse, web};

use crate::error::{AppError, AppResult};

/// Where the kiosk and board assets are: `kiosk/` of the working directory, else of the
/// source tree this binary was built from.
pub fn assets_dir() -> PathBuf {
    let here = PathBuf::from("kiosk");
    if here.join("kiosk.js").is_file() {
        here
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("kiosk")
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    crate::realtime::configure(cfg);
    cfg.route("/kiosk", web::get().to(kiosk::kiosk_page))
        .route("/kiosk/pair", web::get().to(kiosk::pair_kiosk))
        .route("/kiosk/pair", web::post().to(kiosk::pair_kiosk))
        .route("/kiosk-sw.js", web::get().to(kiosk::service_worker))
        .route("/display", web::get().to(display::display_page))
        .route("/display/message", web::get().to(display::message_page))
        .route("/api/v1/kiosk/sessions", web::get().to(kiosk::kiosk_sessions))
        .route("/api/v1/displays/state", web::get().to(display::display_state))
        .route("/api/v1/displays/stations", web::get().to(station_board::stations_state))
        .route("/api/v1/staff/display-message", web::put().to(display::set_message))
        .service(
            actix_files::Files::new("/assets", assets_dir()).use_etag(true).use_last_modified(true),
        );
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
