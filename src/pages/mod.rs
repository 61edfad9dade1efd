//! Server-rendered pages (askama): the patient site at `/` and the staff console at
//! `/staff`. Every page works without JavaScript: forms post and redirect.
pub mod account;
pub mod admin;
pub mod board_message;
pub mod console;
pub mod counter;
pub mod extract;
pub mod forward;
pub mod kiosks;
pub mod national;
pub mod patient;
pub mod patient_forms;
pub mod patient_status;
pub mod report;
pub mod report_export;
pub mod schedules;
pub mod self_service;
pub mod staff;
pub mod stations;
pub mod text;
pub mod ticket;
pub mod voice;
pub mod voice_staff;

use actix_web::{
    HttpRequest, HttpResponse, ResponseError,
    cookie::{Cookie, SameSite, time::Duration as CookieDuration},
    http::{StatusCode, header},
    web,
};
use askama::Template;

use crate::error::AppError;
use crate::i18n::Lang;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Before the patient pages: `/antrean/cari` is not a booking code.
    self_service::configure(cfg);
    patient::configure(cfg);
    staff::configure(cfg);
    schedules::configure(cfg);
    report::configure(cfg);
    admin::configure(cfg);
    kiosks::configure(cfg);
    console::configure(cfg);
    ticket::configure(cfg);
    board_message::configure(cfg);
    voice::configure(cfg);
    report_export::configure(cfg);
    voice_staff::configure(cfg);
    account::configure(cfg);
    stations::configure(cfg);
    national::configure(cfg);
}

/// What every page's layout needs: the language, the link that switches it, and (for the
/// console) the logged-in staff member and the form token.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    /// This page in the other language.
    pub switch_url: String,
    /// Whether the `?lang=` choice must be remembered in a cookie.
    remember: bool,
    pub staff_name: Option<String>,
    pub csrf: String,
    pub is_admin: bool,
    /// May manage schedules (admin, clinic).
    pub may_plan: bool,
    /// May see the notification jobs (admin, clinic).
    pub may_notify: bool,
    /// For an admin's quick link to a TV board: the active clinics' codes, comma-separated.
    pub board_clinics: String,
}

impl Ctx {
    pub fn of(req: &HttpRequest) -> Ctx {
        let lang = page_lang(req);
        let other = if lang.is_en() { "id" } else { "en" };
        let mut query: Vec<String> = req
            .query_string()
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
            .map(str::to_string)
            .collect();
        query.push(format!("lang={other}"));
        let remember = req.query_string().split('&').any(|kv| kv.starts_with("lang="));
        Ctx {
            lang,
            switch_url: format!("{}?{}", req.path(), query.join("&")),
            remember,
            staff_name: None,
            csrf: String::new(),
            is_admin: false,
            may_plan: false,
            may_notify: false,
            board_clinics: String::new(),
        }
    }
    /// The Indonesian or the English text.
    pub fn t<'a>(&self, id: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(id, en)
    }
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
}

/// Pages are Indonesian unless English was chosen (`?lang=en`, then the `lang` cookie):
/// many phones here run an English system language, so `Accept-Language` is not followed.
pub fn page_lang(req: &HttpRequest) -> Lang {
    let chosen = req
        .query_string()
        .split('&')
        .find_map(|kv| kv.strip_prefix("lang="))
        .map(str::to_string)
        .or_else(|| req.cookie("lang").map(|c| c.value().to_string()));
    match chosen {
        Some(l) if l.starts_with("en") => Lang::En,
        _ => Lang::Id,
    }
}

/// Pages load nothing from elsewhere; the small inline style and scripts are allowed.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
     script-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Render a page with a status; remembers a `?lang=` choice in a cookie.
pub fn render(ctx: &Ctx, status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(html) => {
            let mut res = HttpResponse::build(status);
            res.content_type("text/html; charset=utf-8")
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header(("X-Content-Type-Options", "nosniff"))
                .insert_header(("Referrer-Policy", "same-origin"))
                .insert_header(("X-Frame-Options", "DENY"))
                .insert_header((header::CONTENT_SECURITY_POLICY, CSP));
            if ctx.remember {
                res.cookie(
                    Cookie::build("lang", ctx.lang.code())
                        .path("/")
                        .same_site(SameSite::Lax)
                        .max_age(CookieDuration::days(365))
                        .finish(),
                );
            }
            res.body(html)
        }
        Err(e) => PageError::new(ctx.lang, AppError::internal(e)).error_response(),
    }
}

/// 303 See Other: where a successful form post goes.
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, to.to_string())).finish()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    c: Ctx,
    title: &'a str,
    message: &'a str,
}

/// An [`AppError`] shown as an HTML page in the visitor's language.
#[derive(Debug)]
pub struct PageError {
    lang: Lang,
    error: AppError,
}

impl PageError {
    pub fn new(lang: Lang, error: AppError) -> PageError {
        PageError { lang, error }
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.error.status
    }
    fn error_response(&self) -> HttpResponse {
        if self.error.status == StatusCode::UNAUTHORIZED {
            return see_other("/staff/masuk");
        }
        if self.error.status.is_server_error() {
            tracing::error!(code = self.error.code, cause = ?self.error.cause, "page failed");
        }
        let c = Ctx {
            lang: self.lang,
            switch_url: "/".into(),
            remember: false,
            staff_name: None,
            csrf: String::new(),
            is_admin: false,
            may_plan: false,
            may_notify: false,
            board_clinics: String::new(),
        };
        let title = match self.error.status {
            StatusCode::NOT_FOUND => c.t("Tidak ditemukan", "Not found"),
            StatusCode::FORBIDDEN => c.t("Tidak diizinkan", "Not allowed"),
            StatusCode::TOO_MANY_REQUESTS => c.t("Mohon tunggu sebentar", "Please wait a moment"),
            s if s.is_server_error() => c.t("Terjadi gangguan", "Something went wrong"),
            _ => c.t("Tidak dapat diproses", "Cannot be done"),
        };
        let page =
            ErrorPage { c: c.clone(), title, message: self.error.message(self.lang.is_en()) };
        let html = page.render().unwrap_or_else(|_| title.to_string());
        self.error.response_builder().content_type("text/html; charset=utf-8").body(html)
    }
}

pub type PageResult = Result<HttpResponse, PageError>;

/// Attach the page language to an error on its way out.
pub trait OrPage<T> {
    fn or_page(self, lang: Lang) -> Result<T, PageError>;
}

impl<T> OrPage<T> for Result<T, AppError> {
    fn or_page(self, lang: Lang) -> Result<T, PageError> {
        self.map_err(|e| PageError::new(lang, e))
    }
}
