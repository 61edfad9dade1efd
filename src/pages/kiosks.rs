//! The admin console's kiosk page (`/staff/anjungan`): the registered hall kiosks, a form
//! to register one (its one-time pairing code and link are shown once), and revocation.
use actix_web::{http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use super::extract::{CsrfOnly, StaffForm, StaffPage, csrf_field};
use super::{Ctx, OrPage, PageResult, render, see_other};
use crate::app::AppState;
use crate::service::kiosks::{self, KioskRow, Registered};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/anjungan", web::get().to(kiosks_page))
        .route("/staff/anjungan", web::post().to(register_kiosk))
        .route("/staff/anjungan/{id}/cabut", web::post().to(revoke_kiosk))
        .route("/staff/anjungan/{id}/printer", web::post().to(set_printer));
}

#[derive(Template)]
#[template(path = "staff/kiosks.html")]
struct KiosksPage {
    c: Ctx,
    kiosks: Vec<KioskRow>,
    /// Just registered: the code and the link that pairs a kiosk's browser.
    registered: Option<Registered>,
    link: String,
    error: String,
    tz: chrono_tz::Tz,
}

impl KiosksPage {
    fn clock(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        super::text::clock_time(*at, self.tz)
    }
}

async fn show(
    state: &AppState,
    page: StaffPage,
    registered: Option<Registered>,
    error: String,
) -> PageResult {
    let StaffPage { staff, c } = page;
    let kiosks = crate::service::read(state, move |conn| kiosks::list(conn, &staff))
        .await
        .or_page(c.lang)?;
    let link = registered
        .as_ref()
        .map(|r| format!("{}/kiosk/pair?code={}", state.settings.base_url, r.pairing_code))
        .unwrap_or_default();
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = KiosksPage { c, kiosks, registered, link, error, tz: state.tz() };
    Ok(render(&page.c, status, &page))
}

/// `GET /staff/anjungan` (admins).
async fn kiosks_page(state: web::Data<AppState>, page: StaffPage) -> PageResult {
    show(&state, page, None, String::new()).await
}

#[derive(Debug, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub name: String,
    /// Clinic codes, separated by commas or spaces; empty: every clinic.
    #[serde(default)]
    pub clinics: String,
    /// Its thermal printer, `tcp://host:port`; empty: browser printing.
    #[serde(default)]
    pub printer: String,
}

csrf_field!(RegisterForm);

/// `POST /staff/anjungan` — register a kiosk; its pairing code is shown once.
async fn register_kiosk(
    state: web::Data<AppState>,
    StaffForm { staff, c, form }: StaffForm<RegisterForm>,
) -> PageResult {
    let now = state.now();
    let clinics: Vec<String> = form
        .clinics
        .split([',', ' '])
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().to_string())
        .collect();
    let who = staff.clone();
    let done = crate::service::read(&state, move |conn| {
        kiosks::register(conn, &who, &form.name, &clinics, &form.printer, now)
    })
    .await;
    let page = StaffPage { staff, c };
    match done {
        Ok(registered) => show(&state, page, Some(registered), String::new()).await,
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let error = e.message(page.c.lang.is_en()).to_string();
            show(&state, page, None, error).await
        }
        Err(e) => Err(super::PageError::new(page.c.lang, e)),
    }
}

/// `POST /staff/anjungan/{id}/cabut` — revoke a kiosk.
async fn revoke_kiosk(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    StaffForm { staff, c, .. }: StaffForm<CsrfOnly>,
) -> PageResult {
    let (id, now) = (path.into_inner(), state.now());
    crate::service::read(&state, move |conn| kiosks::revoke(conn, &staff, id, now))
        .await
        .or_page(c.lang)?;
    Ok(see_other("/staff/anjungan"))
}

#[derive(Debug, Deserialize)]
pub struct PrinterForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub printer: String,
}

csrf_field!(PrinterForm);

/// `POST /staff/anjungan/{id}/printer` — set or clear a kiosk's thermal printer.
async fn set_printer(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    StaffForm { staff, c, form }: StaffForm<PrinterForm>,
) -> PageResult {
    let id = path.into_inner();
    let who = staff.clone();
    let done = crate::service::read(&state, move |conn| {
        crate::service::printers::set_kiosk_printer(conn, &who, id, &form.printer)
    })
    .await;
    let page = StaffPage { staff, c };
    match done {
        Ok(_) => Ok(see_other("/staff/anjungan")),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let error = e.message(page.c.lang.is_en()).to_string();
            show(&state, page, None, error).await
        }
        Err(e) => Err(super::PageError::new(page.c.lang, e)),
    }
}
