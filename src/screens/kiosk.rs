//! The hall kiosk: its page and the list of sessions it may offer.
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde_json::json;

use crate::api::views;
use crate::app::AppState;
/// The active clinics named (all active ones when `codes` is empty), in name order
/// (`pages::console` reads them through this name).
pub use crate::db::display::clinics_named;
use crate::db::{self, sessions};
use crate::domain::kinds::SessionStatus;
use crate::error::{AppError, AppResult};
use crate::realtime::{ClinicsQuery, parse_clinics};

#[derive(askama::Template)]
#[template(path = "kiosk/kiosk.html")]
pub struct KioskPage {
    pub lang: &'static str,
    /// Comma-separated clinic codes from the URL (may be empty: then every clinic).
    pub clinics: String,
}

/// `GET /kiosk?clinics=ANA,INT` — the page; the script does the rest.
pub async fn kiosk_page(
    req: HttpRequest,
    query: web::Query<ClinicsQuery>,
) -> AppResult<HttpResponse> {
    let clinics = match query.clinics.as_deref() {
        Some(list) => parse_clinics(Some(list))?.into_iter().collect::<Vec<_>>(),
        None => Vec::new(),
    };
    let mut clinics = clinics;
    clinics.sort();
    super::html(&KioskPage { lang: super::screen_lang(&req), clinics: clinics.join(",") })
}

/// `GET /kiosk-sw.js` — the kiosk's service worker (`kiosk/sw.js`), served from the root
/// so that it may control `/kiosk`: it keeps the shell for a reload during an outage.
pub async fn service_worker() -> AppResult<HttpResponse> {
    let script = std::fs::read(super::assets_dir().join("sw.js")).map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .body(script))
}

/// `GET /api/v1/kiosk/sessions?clinics=ANA,INT` — today's sessions of those clinics, each
/// saying whether it takes walk-in tickets now and how many places are left.
pub async fn kiosk_sessions(
    state: web::Data<AppState>,
    query: web::Query<ClinicsQuery>,
) -> AppResult<HttpResponse> {
    let codes: Vec<String> = match query.clinics.as_deref() {
        Some(list) => parse_clinics(Some(list))?.into_iter().collect(),
        None => Vec::new(),
    };
    let (tz, now, today) = (state.tz(), state.local_now(), state.today());
    let rules = state.settings.rules.clone();
    let (clinics, list) = db::run(&state.pool, move |c| {
        sessions::materialize(c, today, today)?;
        Ok((clinics_named(c, &codes)?, sessions::list(c, today, None)?))
    })
    .await?;
    let body: Vec<_> = clinics
        .iter()
        .map(|clinic| {
            let offered: Vec<_> = list
                .iter()
                .filter(|s| s.clinic.id == clinic.id && s.session.status == SessionStatus::Open)
                .map(|s| {
                    let window = rules.check_kiosk(now, s.starts(tz), s.ends(tz));
                    let left = s.remaining_jkn() + s.remaining_non_jkn();
                    let mut v = views::session(s, tz);
                    v["hours"] = json!(s.hours());
                    v["takes_walk_ins"] = json!(window.is_ok() && left > 0);
                    v["closed_reason"] = match (&window, left) {
                        (Err(r), _) => json!({"code": r.0.code, "id": r.0.id, "en": r.0.en}),
                        (Ok(()), 0) => json!({"code": "quota_full", "id": "Kuota habis", "en": "No places left"}),
                        _ => json!(null),
                    };
                    v
                })
                .collect();
            json!({
                "code": clinic.code, "name": clinic.name, "name_en": clinic.name_en,
                "prefix": clinic.prefix, "room": clinic.room, "sessions": offered,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "date": today.to_string(),
        "now": views::time(now.with_timezone(&Utc), tz),
        "clinics": body,
    })))
}
