//! The patient's pages of one booking, by its code (nothing else in the URL): the status
//! page, the confirmation kept after booking, its QR code, and cancelling with the birth
//! date. The booking pages (home, form) are in `patient.rs`.
use actix_web::{HttpRequest, http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use super::patient::clinic_name;
use super::patient_forms::{birth_date, qr_svg, refusal};
use super::text::{clock_time, long_date, payer_label, status_label};
use super::{Ctx, OrPage, PageResult, render, see_other};
use crate::app::AppState;
use crate::domain::journey::StepStatus;
use crate::domain::kinds::Payer;
use crate::domain::visit_status::VisitStatus;
use crate::error::AppError;
use crate::service::booking::cancel_by_patient;
use crate::service::journey::CurrentStep;
use crate::service::queue::parse_code;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/antrean/{code}", web::get().to(booking_status))
        .route("/antrean/{code}/bukti", web::get().to(booking_confirmation))
        .route("/antrean/{code}/qr.svg", web::get().to(status_qr))
        .route("/antrean/{code}/batal", web::post().to(cancel_booking));
}

/// A booking as the patient pages show it: no name, no NIK.
pub struct StatusView {
    pub code: String,
    /// The polyclinic session (0 for a registration-counter ticket).
    pub session_id: i32,
    pub clinic_code: String,
    pub ticket: String,
    pub status: String,
    pub status_label: String,
    pub clinic: String,
    pub room: String,
    pub doctor: String,
    pub date: String,
    pub hours: String,
    pub position: i64,
    pub now_serving: String,
    pub estimate: String,
    pub payer: String,
    pub is_jkn: bool,
    /// Still in the queue (worth refreshing).
    pub active: bool,
    pub cancellable: bool,
    pub called: bool,
    /// The current step after the polyclinic (pharmacy, cashier, …), if any.
    pub step: Option<StepLine>,
    /// The journey so far: station steps and consultations after a lab return, in order.
    pub journey: Vec<JourneyLine>,
}

/// One entry of the journey on the status page: "Laboratorium · L-001 · Selesai ·
/// dipanggil 08.30 · 08.32–08.40" (tickets and times only).
#[derive(Debug, Clone)]
pub struct JourneyLine {
    pub place: String,
    /// A consultation at the polyclinic after lab/radiology.
    pub back: bool,
    pub ticket: String,
    pub label: String,
    pub called: String,
    pub started: String,
    pub finished: String,
    /// "WIT"
    pub zone: String,
}

/// The journey lines of a standing (station names as the screen's language has them).
fn journey_lines(
    c: &Ctx,
    st: &crate::service::queue::Standing,
    tz: chrono_tz::Tz,
) -> Vec<JourneyLine> {
    let t = |x: Option<chrono::DateTime<chrono::Utc>>| {
        x.map(|x| x.with_timezone(&tz).format("%H:%M").to_string()).unwrap_or_default()
    };
    let name = |id: &str, en: &str| {
        if c.lang.is_en() && !en.is_empty() { en.to_string() } else { id.to_string() }
    };
    let mut lines: Vec<(chrono::DateTime<chrono::Utc>, JourneyLine)> = st
        .journey
        .steps
        .iter()
        .map(|(s, station)| {
            (
                s.created_at,
                JourneyLine {
                    place: name(&station.name, &station.name_en),
                    back: false,
                    ticket: s.ticket.clone(),
                    label: s.status.label_id(station.kind).to_string(),
                    called: t(s.called_at),
                    started: t(s.started_at),
                    finished: t(s.finished_at),
                    zone: super::text::zone_label(tz).to_string(),
                },
            )
        })
        .collect();
    let clinic = name(&st.session.clinic.name, &st.session.clinic.name_en);
    lines.extend(st.journey.returns.iter().map(|r| {
        (
            r.back_at,
            JourneyLine {
                place: clinic.clone(),
                back: true,
                ticket: r.ticket.clone(),
                label: r.status().label_id(crate::domain::journey::StationKind::Clinic).to_string(),
                called: t(r.called_at),
                started: t(r.started_at),
                finished: t(r.finished_at),
                zone: super::text::zone_label(tz).to_string(),
            },
        )
    }));
    lines.sort_by_key(|(at, _)| *at);
    lines.into_iter().map(|(_, l)| l).collect()
}

fn step_line(s: &CurrentStep, station: String, tz: chrono_tz::Tz) -> StepLine {
    StepLine {
        station,
        ticket: s.step.ticket.clone(),
        label: s.step.status.label_id(s.station.kind).to_string(),
        position: s.position,
        desk: s.step.desk.filter(|_| s.step.status == StepStatus::Called),
        estimate: clock_time(s.estimated_at, tz),
    }
}

/// "Menunggu obat · R-012 · 3 orang lagi".
#[derive(Debug, Clone)]
pub struct StepLine {
    pub station: String,
    pub ticket: String,
    pub label: String,
    pub position: i64,
    pub desk: Option<i32>,
    pub estimate: String,
}

pub(super) async fn load_status(
    state: &AppState,
    c: &Ctx,
    raw: &str,
) -> Result<StatusView, AppError> {
    let code = parse_code(raw)?;
    let tz = state.tz();
    // A registration-counter ticket's code: the counter's queue until it becomes a visit.
    let st = match crate::service::registration::standing_by_code(state, code.as_str().to_string())
        .await?
    {
        Ok(st) => st,
        Err(t) => return Ok(counter_status(state, c, &t)),
    };
    let status = st.visit.status;
    Ok(StatusView {
        code: st.visit.booking_code.clone(),
        session_id: st.session.session.id,
        clinic_code: st.session.clinic.code.clone(),
        ticket: st.visit.ticket.clone(),
        status_label: status_label(c.lang, status.as_str()).to_string(),
        clinic: clinic_name(c, &st.session.clinic),
        room: st.session.clinic.room.clone(),
        doctor: st.session.doctor.name.clone(),
        date: long_date(c.lang, st.session.session.service_date),
        hours: st.session.hours().replace('-', "–"),
        position: st.position,
        now_serving: st.now_serving.clone().unwrap_or_else(|| "–".into()),
        estimate: clock_time(st.estimated_at, tz),
        payer: payer_label(c.lang, st.visit.payer).to_string(),
        is_jkn: st.visit.payer == Payer::Jkn,
        active: status.is_active() || st.journey.current.is_some(),
        cancellable: status == VisitStatus::Booked && st.visit.service_date >= state.today(),
        called: status == VisitStatus::Called,
        status: status.as_str().to_string(),
        step: st.journey.current.as_ref().map(|s| step_line(s, s.station.name.clone(), tz)),
        journey: journey_lines(c, &st, tz),
    })
}

/// The status page of a registration-counter ticket not yet forwarded into a polyclinic.
fn counter_status(
    state: &AppState,
    c: &Ctx,
    t: &crate::service::registration::TicketStanding,
) -> StatusView {
    let tz = state.tz();
    let station = if c.lang.is_en() && !t.station.name_en.is_empty() {
        t.station.name_en.clone()
    } else {
        t.station.name.clone()
    };
    let step = t.current.as_ref().map(|s| step_line(s, station.clone(), tz));
    StatusView {
        code: t.step.code.clone().unwrap_or_default(),
        session_id: 0,
        clinic_code: String::new(),
        ticket: t.step.ticket.clone(),
        status: t.step.status.as_str().to_string(),
        status_label: t.step.status.label_id(t.station.kind).to_string(),
        clinic: station,
        room: String::new(),
        doctor: "–".into(),
        date: long_date(c.lang, t.step.service_date),
        hours: String::new(),
        position: t.current.as_ref().map_or(0, |s| s.position),
        now_serving: "–".into(),
        estimate: t.current.as_ref().map_or("–".into(), |s| clock_time(s.estimated_at, tz)),
        payer: t.step.payer.map(|p| payer_label(c.lang, p)).unwrap_or_default().to_string(),
        is_jkn: t.step.payer == Some(Payer::Jkn),
        active: t.step.status.is_open(),
        cancellable: false,
        called: t.step.status == StepStatus::Called,
        step,
        journey: Vec::new(),
    }
}

#[derive(Template)]
#[template(path = "patient/status.html")]
struct StatusPage {
    c: Ctx,
    v: StatusView,
    error: String,
    notice: String,
}

#[derive(Debug, Deserialize)]
pub struct StatusQuery {
    pub batal: Option<String>,
    pub pindah: Option<String>,
}

/// `GET /antrean/{code}` — ticket, clinic, doctor, position, now serving, estimate.
async fn booking_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<StatusQuery>,
) -> PageResult {
    let c = Ctx::of(&req);
    let v = load_status(&state, &c, &path).await.or_page(c.lang)?;
    let notice = if query.batal.is_some() && v.status == VisitStatus::Cancelled.as_str() {
        c.t("Booking Anda sudah dibatalkan.", "Your booking has been cancelled.").to_string()
    } else if query.pindah.is_some() {
        c.t(
            "Jadwal booking Anda sudah dipindah. Kode booking tetap, nomor antrean baru.",
            "Your booking has been moved. Same booking code, new ticket number.",
        )
        .to_string()
    } else {
        String::new()
    };
    let page = StatusPage { c, v, error: String::new(), notice };
    Ok(render(&page.c, StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "patient/confirmation.html")]
struct ConfirmationPage {
    c: Ctx,
    v: StatusView,
}

/// `GET /antrean/{code}/bukti` — what the patient keeps after booking.
async fn booking_confirmation(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> PageResult {
    let c = Ctx::of(&req);
    let v = load_status(&state, &c, &path).await.or_page(c.lang)?;
    let page = ConfirmationPage { c, v };
    Ok(render(&page.c, StatusCode::OK, &page))
}

/// `GET /antrean/{code}/qr.svg` — a QR code of the status page's address.
async fn status_qr(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> PageResult {
    let lang = Ctx::of(&req).lang;
    let code = parse_code(&path).or_page(lang)?;
    let url =
        format!("{}/antrean/{}", state.settings.base_url.trim_end_matches('/'), code.as_str());
    qr_svg(&url).or_page(lang)
}

#[derive(Debug, Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    pub birth_date: String,
}

/// `POST /antrean/{code}/batal` — cancel with the birth date; back to the status page.
async fn cancel_booking(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<CancelForm>,
) -> PageResult {
    let c = Ctx::of(&req);
    let lang = c.lang;
    let code = parse_code(&path).or_page(lang)?;
    let result = match birth_date(&form.birth_date) {
        Err(e) => Err(e),
        Ok(birth) => {
            cancel_by_patient(&state, code.clone(), birth, "patient_web".into(), None).await
        }
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/antrean/{}?batal=1", code.as_str()))),
        Err(e) => match refusal(&e, lang) {
            Some(error) => {
                let v = load_status(&state, &c, code.as_str()).await.or_page(lang)?;
                Ok(super::self_service::cancel_confirm_page(c, v, error, e.status))
            }
            None => Err(super::PageError::new(lang, e)),
        },
    }
}
