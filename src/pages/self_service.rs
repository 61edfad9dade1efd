//! Patient pages of issue 14: "Lupa kode booking?" (find bookings by NIK/BPJS number and
//! birth date), the cancel confirmation, moving a booking to another session, and the
//! waitlist offer page. Forms post and redirect; no JavaScript needed.
use actix_web::{HttpRequest, http::StatusCode, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use super::patient::SessionRow;
use super::patient_forms::{birth_date, refusal};
use super::patient_status::{StatusView, load_status};
use super::text::{clock_time, long_date};
use super::{Ctx, OrPage, PageResult, render, see_other};
use crate::app::AppState;
use crate::error::AppError;
use crate::service::catalogue;
use crate::service::queue::parse_code;
use crate::service::self_service::{self, FoundBooking, Identity};
use crate::service::waitlist::{self, OfferView};
use crate::service::waitlist_leave::{self, InLineView};

/// Days offered when moving a booking.
const MOVE_DAYS: i64 = 14;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/antrean/cari", web::get().to(lookup_form))
        .route("/antrean/cari", web::post().to(lookup_submit))
        .route("/antrean/tawaran/{token}", web::get().to(offer_page))
        .route("/antrean/tawaran/{token}", web::post().to(offer_claim))
        .route("/antrean/{code}/batal", web::get().to(cancel_confirm))
        .route("/antrean/{code}/pindah", web::get().to(reschedule_form))
        .route("/antrean/{code}/pindah", web::post().to(reschedule_submit))
        .route("/antrean/tunggu/{code}", web::get().to(waitlist_page))
        .route("/antrean/tunggu/{code}", web::post().to(waitlist_leave));
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct LookupForm {
    #[serde(default)]
    pub nomor: String,
    #[serde(default)]
    pub birth_date: String,
}

#[derive(Template)]
#[template(path = "patient/lookup.html")]
struct LookupPage {
    c: Ctx,
    form: LookupForm,
    error: String,
    found: Option<Vec<FoundBooking>>,
}

impl LookupPage {
    fn date(&self, d: &NaiveDate) -> String {
        long_date(self.c.lang, *d)
    }
}

/// `GET /antrean/cari` — "Lupa kode booking?"
async fn lookup_form(req: HttpRequest) -> PageResult {
    let page = LookupPage {
        c: Ctx::of(&req),
        form: LookupForm::default(),
        error: String::new(),
        found: None,
    };
    Ok(render(&page.c, StatusCode::OK, &page))
}

/// `POST /antrean/cari` — one field takes a NIK (16 digits) or a BPJS card number (13).
async fn lookup_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LookupForm>,
) -> PageResult {
    let c = Ctx::of(&req);
    let form = form.into_inner();
    let digits: String = form.nomor.chars().filter(char::is_ascii_digit).collect();
    let (nik, bpjs) = if digits.len() == 13 {
        (None, Some(digits.as_str()))
    } else {
        (Some(form.nomor.as_str()), None)
    };
    let result = match Identity::parse(nik, bpjs, Some(&form.birth_date)) {
        Ok(id) => self_service::lookup(&state, id).await,
        Err(e) => Err(e),
    };
    let (status, found, error) = match result {
        Ok(list) => (StatusCode::OK, Some(list), String::new()),
        Err(e) if e.status.is_client_error() => {
            (e.status, None, e.message(c.lang.is_en()).to_string())
        }
        Err(e) => return Err(super::PageError::new(c.lang, e)),
    };
    let page = LookupPage { c, form, error, found };
    Ok(render(&page.c, status, &page))
}

#[derive(Template)]
#[template(path = "patient/cancel_confirm.html")]
struct CancelConfirmPage {
    c: Ctx,
    v: StatusView,
    error: String,
}

/// The confirmation again, with what was wrong (a wrong birth date, a lock).
pub(super) fn cancel_confirm_page(
    c: Ctx,
    v: StatusView,
    error: String,
    status: StatusCode,
) -> actix_web::HttpResponse {
    let page = CancelConfirmPage { c, v, error };
    render(&page.c, status, &page)
}

/// `GET /antrean/{code}/batal` — what will be cancelled, and the birth date to confirm.
async fn cancel_confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> PageResult {
    let c = Ctx::of(&req);
    let v = load_status(&state, &c, &path).await.or_page(c.lang)?;
    if !v.cancellable {
        return Ok(see_other(&format!("/antrean/{}", v.code)));
    }
    let page = CancelConfirmPage { c, v, error: String::new() };
    Ok(render(&page.c, StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "patient/reschedule.html")]
struct ReschedulePage {
    c: Ctx,
    v: StatusView,
    sessions: Vec<MoveChoice>,
    chosen: i32,
    birth_date: String,
    error: String,
}

impl ReschedulePage {
    /// Nothing to move to (the booking's own session aside).
    fn no_other(&self) -> bool {
        self.sessions.iter().all(|m| m.current)
    }
}

/// A session offered when moving a booking; the booking's own session is listed too,
/// marked and not selectable.
struct MoveChoice {
    day: String,
    s: SessionRow,
    current: bool,
}

async fn reschedule_page(
    state: &AppState,
    c: Ctx,
    code: &str,
    chosen: i32,
    birth_date: String,
    error: String,
) -> Result<ReschedulePage, AppError> {
    let v = load_status(state, &c, code).await?;
    let list = catalogue::sessions_between(
        &state.pool,
        state.today(),
        MOVE_DAYS,
        Some(v.clinic_code.clone()),
    )
    .await?;
    let sessions = list
        .iter()
        .map(|s| MoveChoice {
            day: long_date(c.lang, s.session.service_date),
            s: super::patient::session_row(&c, state, s),
            current: s.session.id == v.session_id,
        })
        .filter(|m| m.current || m.s.closed.is_empty())
        .collect();
    Ok(ReschedulePage { c, v, sessions, chosen, birth_date, error })
}

/// `GET /antrean/{code}/pindah` — the sessions of the same clinic with places left.
async fn reschedule_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> PageResult {
    let c = Ctx::of(&req);
    let lang = c.lang;
    let page =
        reschedule_page(&state, c, &path, 0, String::new(), String::new()).await.or_page(lang)?;
    if !page.v.cancellable {
        return Ok(see_other(&format!("/antrean/{}", page.v.code)));
    }
    Ok(render(&page.c, StatusCode::OK, &page))
}

#[derive(Debug, Deserialize)]
pub struct RescheduleForm {
    pub sesi: Option<i32>,
    #[serde(default)]
    pub birth_date: String,
}

/// `POST /antrean/{code}/pindah` — move, then back to the status page.
async fn reschedule_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<RescheduleForm>,
) -> PageResult {
    let c = Ctx::of(&req);
    let lang = c.lang;
    let code = parse_code(&path).or_page(lang)?;
    let result = match (birth_date(&form.birth_date), form.sesi) {
        (Ok(birth), Some(sesi)) => {
            self_service::reschedule(&state, code.clone(), birth, sesi, None).await.map(drop)
        }
        _ => Err(AppError::unprocessable(
            "invalid_input",
            "Pilih jadwal baru dan isi tanggal lahir pasien.",
            "Choose the new session and give the patient's birth date.",
        )),
    };
    let e = match result {
        Ok(()) => return Ok(see_other(&format!("/antrean/{}?pindah=1", code.as_str()))),
        Err(e) => e,
    };
    let Some(message) = refusal(&e, lang) else {
        return Err(super::PageError::new(lang, e));
    };
    let chosen = form.sesi.unwrap_or_default();
    let page = reschedule_page(&state, c, code.as_str(), chosen, form.birth_date.clone(), message)
        .await
        .or_page(lang)?;
    Ok(render(&page.c, e.status, &page))
}

#[derive(Template)]
#[template(path = "patient/offer.html")]
struct OfferPage {
    c: Ctx,
    token: String,
    o: OfferView,
    date: String,
    until: String,
    error: String,
}

async fn offer_page_of(
    state: &AppState,
    c: Ctx,
    token: String,
    error: String,
) -> Result<OfferPage, AppError> {
    let o = waitlist::offer(state, token.clone()).await?;
    let date = long_date(c.lang, o.date);
    let until = o.expires_at.map(|t| clock_time(t, state.tz())).unwrap_or_default();
    Ok(OfferPage { c, token, o, date, until, error })
}

/// `GET /antrean/tawaran/{token}` — the place held for the patient, and the button.
async fn offer_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> PageResult {
    let c = Ctx::of(&req);
    let lang = c.lang;
    let page = offer_page_of(&state, c, path.into_inner(), String::new()).await.or_page(lang)?;
    Ok(render(&page.c, StatusCode::OK, &page))
}

/// `POST /antrean/tawaran/{token}` — claim (the same command as
/// `POST /api/v1/waitlist/offers/{token}/claim`), then the booking's confirmation.
async fn offer_claim(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> PageResult {
    let c = Ctx::of(&req);
    let lang = c.lang;
    let token = path.into_inner();
    match waitlist::claim(&state, token.clone(), None).await {
        Ok(answer) => {
            let code = answer.body["booking_code"].as_str().unwrap_or_default().to_string();
            Ok(see_other(&format!("/antrean/{code}/bukti")))
        }
        Err(e) => match refusal(&e, lang) {
            Some(message) => {
                let page = offer_page_of(&state, c, token, message).await.or_page(lang)?;
                Ok(render(&page.c, e.status, &page))
            }
            None => Err(super::PageError::new(lang, e)),
        },
    }
}

#[derive(Template)]
#[template(path = "patient/waitlist.html")]
struct WaitlistPage {
    c: Ctx,
    w: InLineView,
    date: String,
    error: String,
    left: bool,
}

async fn waitlist_page_of(
    state: &AppState,
    c: Ctx,
    code: &str,
    error: String,
    left: bool,
) -> Result<WaitlistPage, AppError> {
    let code = waitlist_leave::parse_code(code)?;
    let w = waitlist_leave::entry(state, code).await?;
    let date = long_date(c.lang, w.date);
    Ok(WaitlistPage { c, w, date, error, left })
}

/// `GET /antrean/tunggu/{code}` — a place on a waitlist, and the way out of it.
async fn waitlist_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> PageResult {
    let c = Ctx::of(&req);
    let lang = c.lang;
    let left = req.query_string().contains("keluar=1");
    let page = waitlist_page_of(&state, c, &path, String::new(), left).await.or_page(lang)?;
    Ok(render(&page.c, StatusCode::OK, &page))
}

#[derive(Debug, Deserialize)]
pub struct LeaveForm {
    #[serde(default)]
    pub birth_date: String,
}

/// `POST /antrean/tunggu/{code}` — leave (the same command as
/// `POST /api/v1/waitlist/{code}/leave`), then the page again saying so.
async fn waitlist_leave(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<LeaveForm>,
) -> PageResult {
    let c = Ctx::of(&req);
    let lang = c.lang;
    let code = waitlist_leave::parse_code(&path).or_page(lang)?;
    let result = match birth_date(&form.birth_date) {
        Err(e) => Err(e),
        Ok(birth) => waitlist_leave::leave(&state, code.clone(), birth).await,
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/antrean/tunggu/{code}?keluar=1"))),
        // A wrong birth date is "not found" here: shown on the form like any refusal.
        Err(e) if e.status.is_client_error() => {
            let error = e.message(lang.is_en()).to_string();
            let page = waitlist_page_of(&state, c, &code, error, false).await.or_page(lang)?;
            Ok(render(&page.c, e.status, &page))
        }
        Err(e) => Err(super::PageError::new(lang, e)),
    }
}
