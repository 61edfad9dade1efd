//! The hall kiosk: its page (or its pairing form), and the list of sessions it may offer.
use actix_web::{Either, HttpRequest, HttpResponse, web};
use chrono::Utc;

use crate::app::AppState;
use crate::auth::Kiosk;
use crate::domain::kinds::SessionStatus;
use crate::error::{AppError, AppResult};
use crate::http::views;
use crate::realtime::{ClinicsQuery, parse_clinics};

#[derive(askama::Template)]
#[template(path = "kiosk/kiosk.html")]
pub struct KioskPage {
    pub lang: &'static str,
    /// Comma-separated clinic codes from the URL (may be empty: then every clinic).
    pub clinics: String,
    /// The kiosk prints on its own network printer through SIPOLI.
    pub printer: bool,
}

#[derive(askama::Template)]
#[template(path = "kiosk/pair.html")]
pub struct PairPage {
    pub lang: &'static str,
    /// Where to go once paired (this kiosk page with its query).
    pub next: String,
    pub error: bool,
}

/// `GET /kiosk?clinics=ANA,INT` — the page; the script does the rest. A browser that is not
/// a paired kiosk is asked for a pairing code first. Without `clinics` in the URL the kiosk
/// offers the clinics it was registered with.
pub async fn kiosk_page(
    req: HttpRequest,
    query: web::Query<ClinicsQuery>,
) -> AppResult<HttpResponse> {
    let lang = super::screen_lang(&req);
    let Some(device) = crate::auth::identify_kiosk(&req).await? else {
        return super::html(&PairPage { lang, next: this_page(&req), error: false });
    };
    let printer = device.printer.is_some();
    let mut clinics = match query.clinics.as_deref() {
        Some(list) => parse_clinics(Some(list))?.into_iter().collect::<Vec<_>>(),
        None => device.clinics,
    };
    clinics.sort();
    super::html(&KioskPage { lang, clinics: clinics.join(","), printer })
}

fn this_page(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => "/kiosk".to_string(),
        q => format!("/kiosk?{q}"),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct PairForm {
    #[serde(default, alias = "code")]
    pub pairing_code: String,
    #[serde(default)]
    pub next: String,
}

/// `POST /kiosk/pair` (the pairing form) and `GET /kiosk/pair?code=…` (the link `sipoli
/// demo` prints): trade the code for the device cookie, then open the kiosk.
pub async fn pair_kiosk(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: Either<web::Form<PairForm>, web::Query<PairForm>>,
) -> AppResult<HttpResponse> {
    let form = match form {
        Either::Left(f) => f.into_inner(),
        Either::Right(q) => q.into_inner(),
    };
    // Only back to a kiosk page of this site.
    let next = if form.next.starts_with("/kiosk") && !form.next.starts_with("/kiosk/pair") {
        form.next.clone()
    } else {
        "/kiosk".to_string()
    };
    match crate::service::kiosks::pair(&state, form.pairing_code).await {
        Ok((token, _)) => Ok(HttpResponse::SeeOther()
            .cookie(crate::auth::kiosk_cookie(&state, &token))
            .insert_header((actix_web::http::header::LOCATION, next))
            .finish()),
        Err(e) if e.status.is_client_error() => {
            let page = PairPage { lang: super::screen_lang(&req), next, error: true };
            let body = askama::Template::render(&page).map_err(AppError::internal)?;
            Ok(HttpResponse::build(e.status).content_type("text/html; charset=utf-8").body(body))
        }
        Err(e) => Err(e),
    }
}

/// `GET /kiosk-sw.js` — the kiosk's service worker (`kiosk/sw.js`), served from the root
/// so that it may control `/kiosk`: it keeps the shell for a reload during an outage.
pub async fn service_worker() -> AppResult<HttpResponse> {
    let script = crate::assets::get("sw.js")
        .ok_or_else(|| AppError::internal("sw.js is missing from the assets"))?
        .into_owned();
    Ok(HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .body(script))
}

/// `GET /api/v1/kiosk/sessions?clinics=ANA,INT` — today's sessions of those clinics, each
/// saying whether it takes walk-in tickets now and how many places are left.
/// `GET /api/v1/kiosk/sessions`: today's sessions per clinic, as the kiosk offers them.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct KioskOffer {
    /// `YYYY-MM-DD`
    pub date: String,
    pub now: String,
    pub clinics: Vec<KioskClinic>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct KioskClinic {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub prefix: String,
    pub room: String,
    /// Its open sessions today.
    pub sessions: Vec<KioskSession>,
}

/// A session with what the kiosk needs: the session's fields and these.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct KioskSession {
    #[serde(flatten)]
    pub session: views::SessionOut,
    /// `08:00-12:00`
    pub hours: String,
    pub takes_walk_ins: bool,
    /// Why it takes no walk-ins now, else null.
    pub closed_reason: Option<ClosedReason>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ClosedReason {
    /// `kiosk_not_open_yet`, `quota_full`...
    pub code: String,
    /// In Indonesian.
    pub id: String,
    pub en: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/kiosk/sessions",
    tag = "kiosk",
    security(("kiosk_cookie" = []), ("kiosk_token" = [])),
    params(crate::realtime::ClinicsQuery),
    responses(
        (status = 200, description = "Today's sessions, walk-in open or not, places left", body = KioskOffer)
    ),
)]
pub async fn kiosk_sessions(
    state: web::Data<AppState>,
    kiosk: Kiosk,
    query: web::Query<ClinicsQuery>,
) -> AppResult<HttpResponse> {
    let codes: Vec<String> = match query.clinics.as_deref() {
        Some(list) => parse_clinics(Some(list))?.into_iter().collect(),
        None => kiosk.0.clinics,
    };
    let (tz, now, today) = (state.tz(), state.local_now(), state.today());
    let rules = state.settings.rules.clone();
    let (clinics, list) = crate::service::sessions::kiosk_offer(&state, codes).await?;
    let body: Vec<_> = clinics
        .iter()
        .map(|clinic| {
            let offered: Vec<_> = list
                .iter()
                .filter(|s| s.clinic.id == clinic.id && s.session.status == SessionStatus::Open)
                .map(|s| {
                    let window = rules.check_kiosk(now, s.starts(tz), s.ends(tz));
                    let left = s.remaining_jkn() + s.remaining_non_jkn();
                    let reason = |code: &str, id: &str, en: &str| {
                        Some(ClosedReason { code: code.into(), id: id.into(), en: en.into() })
                    };
                    KioskSession {
                        session: views::session(s, tz),
                        hours: s.hours(),
                        takes_walk_ins: window.is_ok() && left > 0,
                        closed_reason: match (&window, left) {
                            (Err(r), _) => reason(r.0.code, r.0.id, r.0.en),
                            (Ok(()), 0) => reason("quota_full", "Kuota habis", "No places left"),
                            _ => None,
                        },
                    }
                })
                .collect();
            KioskClinic {
                code: clinic.code.clone(),
                name: clinic.name.clone(),
                name_en: clinic.name_en.clone(),
                prefix: clinic.prefix.clone(),
                room: clinic.room.clone(),
                sessions: offered,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(KioskOffer {
        date: today.to_string(),
        now: views::time(now.with_timezone(&Utc), tz),
        clinics: body,
    }))
}
