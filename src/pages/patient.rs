//! The patient site: home with the doctors' sessions and the booking form. The pages of
//! one booking (status, confirmation, cancel) are in `patient_status.rs`.
use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use super::text::{long_date, short_date};
use super::{Ctx, OrPage, PageResult, render, see_other};
use crate::app::AppState;
use crate::db::idempotency::IdemKey;
use crate::db::models::Clinic;
use crate::db::sessions::SessionView;
use crate::domain::kinds::{Channel, SessionStatus};
use crate::domain::rules::OnlineWindow;
use crate::domain::staff::Actor;
use crate::error::AppError;
use crate::service::booking;
use crate::service::catalogue;
use crate::service::intake::{BookingBody, PatientBody, validate};

/// What the booking form stores under its key: the code to show again.
#[derive(serde::Serialize)]
struct Booked {
    booking_code: String,
}

/// Days shown on the home page (today included).
const HOME_DAYS: i64 = 7;
/// Days offered in the booking flow.
const BOOKING_DAYS: i64 = 14;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/daftar", web::get().to(booking_form))
        .route("/daftar", web::post().to(submit_booking))
        .route("/antrean", web::get().to(find_booking));
    super::patient_status::configure(cfg);
}

/// One session as the patient pages list it.
pub struct SessionRow {
    pub id: i32,
    pub date: String,
    pub hours: String,
    pub doctor: String,
    pub remaining: i32,
    /// Why it cannot be booked online (empty when it can).
    pub closed: String,
}

pub(super) fn session_row(c: &Ctx, st: &AppState, s: &SessionView) -> SessionRow {
    let tz = st.tz();
    let closed = if s.session.status == SessionStatus::Cancelled {
        c.t("Dibatalkan (dokter cuti / poli tutup)", "Cancelled (doctor away / clinic closed)")
            .to_string()
    } else if s.session.status != SessionStatus::Open {
        c.t("Ditutup", "Closed").to_string()
    } else if let Some(why) = match st.settings.rules.online_window(st.local_now(), s.starts(tz)) {
        OnlineWindow::Open => None,
        OnlineWindow::Closed => Some(c.t("Daftar di anjungan RS", "Take a ticket at the kiosk")),
        OnlineWindow::Past => Some(c.t("Sudah lewat", "Already started")),
        OnlineWindow::NotYetOpen => Some(c.t("Belum dibuka", "Not open yet")),
    } {
        why.to_string()
    } else if s.remaining_online() <= 0 {
        c.t("Kuota online penuh", "Online quota full").to_string()
    } else {
        String::new()
    };
    SessionRow {
        id: s.session.id,
        date: short_date(c.lang, s.session.service_date),
        hours: s.hours().replace('-', "–"),
        doctor: s.doctor.name.clone(),
        remaining: s.remaining_online(),
        closed,
    }
}

pub(super) fn clinic_name(c: &Ctx, clinic: &Clinic) -> String {
    if c.lang.is_en() && !clinic.name_en.is_empty() {
        clinic.name_en.clone()
    } else {
        clinic.name.clone()
    }
}

pub struct ClinicCard {
    pub code: String,
    pub name: String,
    pub room: String,
    pub sessions: Vec<SessionRow>,
}

#[derive(Template)]
#[template(path = "patient/home.html")]
struct HomePage {
    c: Ctx,
    today: String,
    clinics: Vec<ClinicCard>,
    /// The clinic filter's options, and the clinic chosen (empty: all).
    choices: Vec<ClinicChoice>,
    filter: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct HomeQuery {
    pub poli: Option<String>,
}

/// `GET /` — the polyclinics: for a phone, each clinic shows today's sessions and its next
/// session with places left; `?poli=CODE` shows that clinic's coming days in full.
async fn home(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<HomeQuery>,
) -> PageResult {
    let c = Ctx::of(&req);
    let today = state.today();
    let (clinics, list) =
        catalogue::coming_days(&state.pool, today, HOME_DAYS).await.or_page(c.lang)?;
    let filter = query
        .poli
        .as_deref()
        .map(|p| p.trim().to_ascii_uppercase())
        .filter(|p| clinics.iter().any(|cl| cl.code == *p));
    let mut by_clinic: BTreeMap<i32, Vec<SessionRow>> = BTreeMap::new();
    for s in &list {
        let full = filter.as_deref() == Some(s.clinic.code.as_str());
        let shown = by_clinic.entry(s.clinic.id).or_default();
        let row = session_row(&c, &state, s);
        let next_open = row.closed.is_empty() && !shown.iter().any(|r| r.closed.is_empty());
        if full || s.session.service_date == today || next_open {
            shown.push(row);
        }
    }
    let choices = clinics
        .iter()
        .map(|cl| ClinicChoice { code: cl.code.clone(), name: clinic_name(&c, cl) })
        .collect();
    let cards = clinics
        .iter()
        .filter(|cl| filter.as_ref().is_none_or(|f| *f == cl.code))
        .map(|cl| ClinicCard {
            code: cl.code.clone(),
            name: clinic_name(&c, cl),
            room: cl.room.clone(),
            sessions: by_clinic.remove(&cl.id).unwrap_or_default(),
        })
        .collect();
    let page = HomePage {
        today: long_date(c.lang, today),
        clinics: cards,
        choices,
        filter: filter.unwrap_or_default(),
        c,
    };
    Ok(render(&page.c, StatusCode::OK, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct StepQuery {
    pub poli: Option<String>,
    pub tanggal: Option<String>,
    pub sesi: Option<i32>,
}

/// What was typed into the booking form, given back when something is wrong.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct BookingForm {
    pub sesi: Option<i32>,
    #[serde(default)]
    pub payer: String,
    #[serde(default)]
    pub nik: String,
    #[serde(default)]
    pub bpjs_no: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub referral_number: String,
    pub consent: Option<String>,
    /// A random key given with the form: a double tap or a retry on a flaky connection
    /// books once and shows the same confirmation.
    #[serde(default)]
    pub form_key: String,
}

/// Field name → message, for the form.
#[derive(Debug, Default)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map(String::as_str).unwrap_or("")
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub(crate) fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_string()).or_insert_with(|| message.into());
    }
    /// The per-field messages of a validation error (field names without `patient.`).
    pub(crate) fn from_error(e: &AppError, english: bool) -> FieldErrors {
        let mut out = FieldErrors::default();
        if let Some(fields) = &e.fields {
            for (name, f) in fields.iter() {
                let key = if english { "message_en" } else { "message" };
                let msg = f[key].as_str().unwrap_or_default();
                out.add(name.trim_start_matches("patient."), msg);
            }
        }
        out
    }
}

pub struct DateChoice {
    pub value: String,
    pub label: String,
    pub open: usize,
    /// Online places left in that day's open sessions.
    pub places: i32,
}

pub struct ClinicChoice {
    pub code: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "patient/book.html")]
struct BookPage {
    c: Ctx,
    /// 1 clinic, 2 date, 3 session, 4 details.
    step: u8,
    clinics: Vec<ClinicChoice>,
    clinic_code: String,
    clinic_name: String,
    dates: Vec<DateChoice>,
    date_label: String,
    sessions: Vec<SessionRow>,
    chosen: Option<SessionRow>,
    form: BookingForm,
    errors: FieldErrors,
    problem: String,
}

impl BookPage {
    fn empty(c: Ctx) -> BookPage {
        BookPage {
            c,
            step: 1,
            clinics: Vec::new(),
            clinic_code: String::new(),
            clinic_name: String::new(),
            dates: Vec::new(),
            date_label: String::new(),
            sessions: Vec::new(),
            chosen: None,
            form: BookingForm::default(),
            errors: FieldErrors::default(),
            problem: String::new(),
        }
    }
    fn checked(&self, payer: &str) -> bool {
        self.form.payer == payer
    }
}

fn details_page(c: Ctx, st: &AppState, s: &SessionView, form: BookingForm) -> BookPage {
    let mut page = BookPage::empty(c);
    page.step = 4;
    page.clinic_code = s.clinic.code.clone();
    page.clinic_name = clinic_name(&page.c, &s.clinic);
    page.date_label = long_date(page.c.lang, s.session.service_date);
    page.chosen = Some(session_row(&page.c, st, s));
    page.form = form;
    page
}

/// `GET /daftar` — clinic, then date, then session, then the patient's details.
async fn booking_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<StepQuery>,
) -> PageResult {
    let c = Ctx::of(&req);
    let lang = c.lang;
    if let Some(id) = query.sesi {
        let s = catalogue::session(&state.pool, id).await.or_page(lang)?;
        let form = BookingForm {
            sesi: Some(id),
            form_key: crate::auth::random_token()[..32].to_string(),
            ..BookingForm::default()
        };
        let page = details_page(c, &state, &s, form);
        return Ok(render(&page.c, StatusCode::OK, &page));
    }
    let today = state.today();
    let mut page = BookPage::empty(c);
    let Some(code) = query.poli.clone().map(|p| p.trim().to_ascii_uppercase()) else {
        let list = catalogue::active_clinics(&state.pool).await.or_page(lang)?;
        page.clinics = list
            .iter()
            .map(|cl| ClinicChoice { code: cl.code.clone(), name: clinic_name(&page.c, cl) })
            .collect();
        return Ok(render(&page.c, StatusCode::OK, &page));
    };
    let clinic = catalogue::open_clinic(&state.pool, code.clone()).await.or_page(lang)?;
    page.clinic_code = clinic.code.clone();
    page.clinic_name = clinic_name(&page.c, &clinic);
    let date = query.tanggal.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let (from, days) = match date {
        Some(d) if d >= today && d < today + Duration::days(BOOKING_DAYS) => (d, 1),
        _ => (today, BOOKING_DAYS),
    };
    let list =
        catalogue::sessions_between(&state.pool, from, days, Some(code)).await.or_page(lang)?;
    let rows: Vec<(NaiveDate, SessionRow)> =
        list.iter().map(|s| (s.session.service_date, session_row(&page.c, &state, s))).collect();
    if days == 1 {
        page.step = 3;
        page.date_label = long_date(lang, from);
        page.sessions = rows.into_iter().map(|(_, r)| r).collect();
    } else {
        page.step = 2;
        let mut dates: BTreeMap<NaiveDate, (usize, i32)> = BTreeMap::new();
        for (d, r) in &rows {
            let day = dates.entry(*d).or_default();
            if r.closed.is_empty() {
                day.0 += 1;
                day.1 += r.remaining.max(0);
            }
        }
        page.dates = dates
            .into_iter()
            .map(|(d, (open, places))| DateChoice {
                value: d.to_string(),
                label: long_date(lang, d),
                open,
                places,
            })
            .collect();
    }
    Ok(render(&page.c, StatusCode::OK, &page))
}

/// `POST /daftar` — validate with the API's rules, book, and go to the confirmation.
async fn submit_booking(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<BookingForm>,
) -> PageResult {
    let c = Ctx::of(&req);
    let lang = c.lang;
    let form = form.into_inner();
    let Some(id) = form.sesi else {
        return Ok(see_other("/daftar"));
    };
    let s = catalogue::session(&state.pool, id).await.or_page(lang)?;
    let body = BookingBody {
        session_id: Some(id),
        payer: Some(form.payer.clone()),
        patient: PatientBody {
            nik: Some(form.nik.clone()),
            name: Some(form.name.clone()),
            birth_date: Some(form.birth_date.clone()),
            phone: Some(form.phone.clone()),
            email: Some(form.email.clone()),
            bpjs_no: Some(form.bpjs_no.clone()),
            medical_record_no: None,
        },
        visit_type: None,
        referral_number: Some(form.referral_number.clone()),
        language: Some(lang.code().to_string()),
    };
    let checked = validate(&body, state.today());
    let mut errors = match &checked {
        Ok(_) => FieldErrors::default(),
        Err(e) => FieldErrors::from_error(e, lang.is_en()),
    };
    if form.consent.is_none() {
        errors.add(
            "consent",
            c.t(
                "Centang persetujuan ini agar kami boleh memproses data Anda.",
                "Tick this consent so that we may process your data.",
            ),
        );
    }
    let valid = match checked {
        Ok(v) if errors.is_empty() => v,
        _ => {
            let mut page = details_page(c, &state, &s, form);
            page.errors = errors;
            page.problem = page
                .c
                .t(
                    "Data yang diisi belum benar. Periksa isian yang ditandai merah.",
                    "Some fields are not right. Please check the fields marked in red.",
                )
                .to_string();
            return Ok(render(&page.c, StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let st = state.get_ref().clone();
    let key = form_key(&form.form_key);
    let place = valid.place(Channel::Online);
    let placed = crate::service::idempotency::run(&state, key, 303, move |conn| {
        let placed = booking::take_place(conn, &st, &place, &Actor::patient())?;
        Ok(Booked { booking_code: placed.visit.booking_code })
    })
    .await
    .map(|answer| answer.body["booking_code"].as_str().unwrap_or_default().to_string());
    match placed {
        Ok(code) => Ok(see_other(&format!("/antrean/{code}/bukti"))),
        Err(e) if e.status.is_client_error() => {
            let mut page = details_page(c, &state, &s, form);
            page.errors = FieldErrors::from_error(&e, lang.is_en());
            page.problem = e.message(lang.is_en()).to_string();
            Ok(render(&page.c, e.status, &page))
        }
        Err(e) => Err(super::PageError::new(lang, e)),
    }
}

/// The idempotency key of a booking form (the key alone decides: the first booking made
/// with a form is the answer to every later post of it).
fn form_key(raw: &str) -> Option<IdemKey> {
    let ok = (16..=64).contains(&raw.len()) && raw.chars().all(|c| c.is_ascii_hexdigit());
    ok.then(|| IdemKey {
        scope: "POST /daftar".into(),
        key: raw.to_string(),
        request_hash: String::new(),
    })
}

#[derive(Debug, Deserialize)]
pub struct FindQuery {
    pub kode: Option<String>,
}

/// `GET /antrean?kode=…` — the look-up form on the home page.
async fn find_booking(query: web::Query<FindQuery>) -> HttpResponse {
    let code: String = query
        .kode
        .as_deref()
        .unwrap_or_default()
        .chars()
        .filter(|ch| ch.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    if code.is_empty() { see_other("/#cek") } else { see_other(&format!("/antrean/{code}")) }
}
