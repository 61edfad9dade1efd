//! The patient's voice and the public dashboard, without login: the complaint form
//! (`/pengaduan`) and its follow page (`/pengaduan/{code}`), the rating of a finished visit
//! (`/nilai/{code}`), and `/kinerja`. Every text a visitor typed is shown escaped.
use actix_web::{HttpRequest, http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use super::text::long_date;
use super::{Ctx, OrPage, PageResult, render, see_other};
use crate::app::AppState;
use crate::domain::complaints::{ComplaintCategory, ComplaintChannel, FeedbackCategory};
use crate::error::AppError;
use crate::service::complaints::{self, ComplaintBody, PublicComplaint};
use crate::service::feedback::{self, FeedbackBody, Rateable};
use crate::service::kinerja::{self, ClinicPanel};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/pengaduan", web::get().to(complaint_form))
        .route("/pengaduan", web::post().to(submit_complaint))
        .route("/pengaduan/{code}", web::get().to(complaint_page))
        .route("/pengaduan/{code}/qr.svg", web::get().to(complaint_qr))
        .route("/nilai/{code}", web::get().to(rating_form))
        .route("/nilai/{code}", web::post().to(submit_rating))
        .route("/kinerja", web::get().to(dashboard));
}

/// The messages of a refused form: one per field, or the error's own.
pub fn problems(error: &AppError, en: bool) -> Vec<String> {
    match &error.fields {
        Some(fields) if !fields.is_empty() => fields
            .values()
            .filter_map(|f| f[if en { "message_en" } else { "message" }].as_str())
            .map(str::to_string)
            .collect(),
        _ => vec![error.message(en).to_string()],
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ComplaintForm {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub booking_code: String,
    #[serde(default)]
    pub contact: String,
}

#[derive(Template)]
#[template(path = "voice/complaint_form.html")]
struct ComplaintFormPage {
    c: Ctx,
    categories: Vec<(&'static str, &'static str)>,
    form: ComplaintForm,
    errors: Vec<String>,
}

fn categories(c: &Ctx) -> Vec<(&'static str, &'static str)> {
    ComplaintCategory::ALL.iter().map(|k| (k.as_str(), k.label(c.lang.is_en()))).collect()
}

/// `GET /pengaduan[?kode=]` — the form (a booking code may be carried in).
async fn complaint_form(req: HttpRequest, q: web::Query<RateQuery>) -> PageResult {
    let c = Ctx::of(&req);
    let form =
        ComplaintForm { booking_code: q.kode.clone().unwrap_or_default(), ..Default::default() };
    let page = ComplaintFormPage { categories: categories(&c), form, errors: Vec::new(), c };
    Ok(render(&page.c, StatusCode::OK, &page))
}

/// `POST /pengaduan` — file it, then follow it by its code.
async fn submit_complaint(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<ComplaintForm>,
) -> PageResult {
    let c = Ctx::of(&req);
    let form = form.into_inner();
    let body = ComplaintBody {
        category: Some(form.category.clone()),
        text: Some(form.text.clone()),
        booking_code: Some(form.booking_code.clone()),
        contact: Some(form.contact.clone()),
        clinic: None,
        language: Some(c.code().to_string()),
    };
    let st = state.get_ref().clone();
    let filed = crate::service::in_transaction(&state, move |conn| {
        complaints::file(conn, &st, &body, ComplaintChannel::Web, None)
    })
    .await;
    match filed {
        Ok(f) => Ok(see_other(&format!("/pengaduan/{}?baru=1", f.code))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::TOO_MANY_REQUESTS => {
            let errors = problems(&e, c.lang.is_en());
            let page = ComplaintFormPage { categories: categories(&c), form, errors, c };
            Ok(render(&page.c, StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e).or_page(c.lang),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct FollowQuery {
    pub baru: Option<String>,
}

#[derive(Template)]
#[template(path = "voice/complaint_status.html")]
struct ComplaintStatusPage {
    c: Ctx,
    v: PublicComplaint,
    fresh: bool,
    received: String,
    due: String,
    responses: Vec<(String, String, String)>,
}

fn local_text(c: &Ctx, at: chrono::DateTime<chrono::FixedOffset>) -> String {
    format!("{} {}", long_date(c.lang, at.date_naive()), at.format("%H:%M"))
}

/// `GET /pengaduan/{code}` — status, due date and responses; no personal data.
async fn complaint_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<FollowQuery>,
) -> PageResult {
    let c = Ctx::of(&req);
    let code = complaints::parse_code(&path).or_page(c.lang)?;
    let v = complaints::public_view(&state, code).await.or_page(c.lang)?;
    let en = c.lang.is_en();
    let responses = v
        .responses
        .iter()
        .map(|r| {
            let status = crate::domain::complaints::ComplaintStatus::parse(&r.status)
                .map(|s| s.label(en))
                .unwrap_or_default();
            (local_text(&c, r.at), status.to_string(), r.message.clone())
        })
        .collect();
    // The due time is midnight after the last day: show the last day itself.
    let last_day = (v.due_at - chrono::Duration::seconds(1)).date_naive();
    let page = ComplaintStatusPage {
        fresh: q.baru.is_some(),
        received: local_text(&c, v.received_at),
        due: long_date(c.lang, last_day),
        responses,
        v,
        c,
    };
    Ok(render(&page.c, StatusCode::OK, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct RateQuery {
    pub kode: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RatingForm {
    #[serde(default)]
    pub rating: String,
    #[serde(default)]
    pub waktu_tunggu: Option<String>,
    #[serde(default)]
    pub keramahan: Option<String>,
    #[serde(default)]
    pub informasi: Option<String>,
    #[serde(default)]
    pub kebersihan: Option<String>,
    #[serde(default)]
    pub obat: Option<String>,
    #[serde(default)]
    pub comment: String,
}

#[derive(Template)]
#[template(path = "voice/rate.html")]
struct RatePage {
    c: Ctx,
    v: Rateable,
    date: String,
    categories: Vec<(&'static str, &'static str)>,
    errors: Vec<String>,
    thanks: bool,
}

async fn rate_page(
    state: &AppState,
    c: Ctx,
    code: String,
    errors: Vec<String>,
    thanks: bool,
) -> PageResult {
    let v = feedback::rateable(state, code).await.or_page(c.lang)?;
    let en = c.lang.is_en();
    let page = RatePage {
        date: long_date(c.lang, v.date),
        categories: FeedbackCategory::ALL.iter().map(|k| (k.as_str(), k.label(en))).collect(),
        v,
        errors,
        thanks,
        c,
    };
    let status =
        if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render(&page.c, status, &page))
}

/// `GET /nilai/{code}` — rate a finished visit.
async fn rating_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<FollowQuery>,
) -> PageResult {
    rate_page(&state, Ctx::of(&req), path.into_inner(), Vec::new(), q.baru.is_some()).await
}

/// `POST /nilai/{code}`
async fn submit_rating(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<RatingForm>,
) -> PageResult {
    let c = Ctx::of(&req);
    let code = path.into_inner();
    let f = form.into_inner();
    let ticked = [
        ("waktu_tunggu", &f.waktu_tunggu),
        ("keramahan", &f.keramahan),
        ("informasi", &f.informasi),
        ("kebersihan", &f.kebersihan),
        ("obat", &f.obat),
    ];
    let body = FeedbackBody {
        booking_code: Some(code.clone()),
        rating: Some(serde_json::Value::String(f.rating.clone())),
        categories: Some(
            ticked.iter().filter(|(_, v)| v.is_some()).map(|(k, _)| (*k).to_string()).collect(),
        ),
        comment: Some(f.comment.clone()),
    };
    let st = state.get_ref().clone();
    let given =
        crate::service::in_transaction(&state, move |conn| feedback::give(conn, &st, &body)).await;
    match given {
        Ok(g) => Ok(see_other(&format!("/nilai/{}?baru=1", g.booking_code))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let errors = problems(&e, c.lang.is_en());
            rate_page(&state, c, code, errors, false).await
        }
        Err(e) => Err(e).or_page(c.lang),
    }
}

/// One day's bar of a small chart, in SVG units.
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub h: u32,
    pub red: bool,
    pub title: String,
}

/// A clinic's three small charts and today's figures.
pub struct Panel {
    pub name: String,
    pub waiting: i64,
    pub longest: String,
    pub share: String,
    pub under_target: bool,
    pub share_bars: Vec<Bar>,
    pub no_show_bars: Vec<Bar>,
    pub late_bars: Vec<Bar>,
}

const CHART_H: u32 = 40;
const BAR_W: u32 = 10;

fn bars(
    p: &ClinicPanel,
    value: impl Fn(&crate::service::open_data::DailyRow) -> Option<f64>,
    max: f64,
    red: impl Fn(f64) -> bool,
    unit: &str,
) -> Vec<Bar> {
    p.days
        .iter()
        .enumerate()
        .filter_map(|(i, (d, r))| {
            let v = r.as_ref().and_then(&value)?;
            let h = ((v.max(0.0) / max).min(1.0) * f64::from(CHART_H)).round().max(1.0) as u32;
            Some(Bar {
                x: i as u32 * BAR_W,
                y: CHART_H - h,
                h,
                red: red(v),
                title: format!("{d}: {v:.0}{unit}"),
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "voice/kinerja.html")]
struct KinerjaPage {
    c: Ctx,
    today: String,
    panels: Vec<Panel>,
    late_doctors: Vec<(String, String, String)>,
    complaints_overdue: i64,
    red_clinics: Vec<String>,
    chart_w: u32,
}

/// `GET /kinerja` — the public dashboard.
async fn dashboard(state: web::Data<AppState>, req: HttpRequest) -> PageResult {
    let c = Ctx::of(&req);
    let d = kinerja::dashboard(&state).await.or_page(c.lang)?;
    let en = c.lang.is_en();
    let panels: Vec<Panel> = d
        .clinics
        .iter()
        .map(|p| Panel {
            name: if en { p.name_en.clone() } else { p.name.clone() },
            waiting: p.waiting,
            longest: p
                .longest_wait_min
                .map(|m| format!("{m} {}", c.t("menit", "min")))
                .unwrap_or_else(|| "–".into()),
            share: p
                .week_share
                .map(|s| format!("{:.0} %", s * 100.0))
                .unwrap_or_else(|| "–".into()),
            under_target: p.under_target(),
            share_bars: bars(
                p,
                |r| r.within_60_share.map(|s| s * 100.0),
                100.0,
                |v| v < 80.0,
                " %",
            ),
            no_show_bars: {
                let max = p
                    .days
                    .iter()
                    .filter_map(|(_, r)| r.as_ref().map(|r| r.no_shows as f64))
                    .fold(5.0, f64::max);
                bars(p, |r| Some(r.no_shows as f64), max, |_| false, "")
            },
            late_bars: bars(p, |r| r.punctuality_median_min, 60.0, |v| v > 30.0, " min"),
        })
        .collect();
    let red_clinics = panels.iter().filter(|p| p.under_target).map(|p| p.name.clone()).collect();
    let page = KinerjaPage {
        today: long_date(c.lang, d.today),
        late_doctors: d
            .late_doctors
            .into_iter()
            .map(|(doctor, clinic, m)| (doctor, clinic, format!("{m:.0}")))
            .collect(),
        complaints_overdue: d.complaints_overdue,
        red_clinics,
        panels,
        chart_w: kinerja::DAYS as u32 * BAR_W,
        c,
    };
    Ok(render(&page.c, StatusCode::OK, &page))
}

/// `GET /pengaduan/{code}/qr.svg` — a QR code of the complaint's follow-up page (the kiosk
/// shows and prints it with the code).
async fn complaint_qr(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> PageResult {
    let lang = Ctx::of(&req).lang;
    let code = complaints::parse_code(&path).or_page(lang)?;
    let url = format!("{}/pengaduan/{code}", state.settings.base_url.trim_end_matches('/'));
    super::patient_forms::qr_svg(&url).or_page(lang)
}
