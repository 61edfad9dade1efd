//! `/staff/stasiun`: a station's desk in the console (registration counter, pharmacy,
//! cashier, lab). Staff pick the station and their desk, call the next patient, and
//! recall, skip, return, start, mark ready (pharmacy) or finish with a forward choice.
//! Also the console's buttons to confirm or remove a kiosk priority category.
use actix_web::{http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use super::extract::{StaffForm, StaffPage, csrf_field};
use super::forward::{NextChoice, forward_choices, parse_next};
use super::text::clock_time;
use super::{Ctx, OrPage, PageError, PageResult, render, see_other};
use crate::app::AppState;
use crate::auth::Staff;
use crate::domain::journey::{Lane, StationKind, StepAction, StepStatus};
use crate::error::AppError;
use crate::service::intake::PatientBody;
use crate::service::journey::{self, CategoryDecision};
use crate::service::registration;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/stasiun", web::get().to(desk_page))
        .route("/staff/stasiun/{code}/panggil", web::post().to(call_next))
        .route(
            "/staff/langkah/{id}/pasien/lengkapi",
            web::post().to(super::counter::complete_on_step),
        )
        .route(
            "/staff/langkah/{id}/kategori/{decision}",
            web::post().to(super::counter::decide_on_step),
        )
        .route("/staff/langkah/{id}/{action}", web::post().to(step_action))
        .route("/staff/kunjungan/{id}/kategori/{decision}", web::post().to(decide_category))
        .route("/staff/admin/stasiun", web::get().to(stations_admin))
        .route("/staff/admin/stasiun", web::post().to(save_station));
}

#[derive(Debug, Default, Deserialize)]
pub struct DeskQuery {
    #[serde(default)]
    pub station: String,
    pub desk: Option<i32>,
    #[serde(default)]
    pub ok: String,
    #[serde(default)]
    pub t: String,
    /// The registration ticket a patient lookup is for, and the lookup text.
    pub langkah: Option<i64>,
    #[serde(default)]
    pub cari: String,
}

pub struct StationChoice {
    pub code: String,
    pub name: String,
    pub desks: Vec<i32>,
}

/// One step on the desk screen (staff only: ticket, status, category; no name needed).
pub struct StepLine {
    pub id: i64,
    pub ticket: String,
    pub status: String,
    pub label: String,
    pub lane: String,
    pub priority: bool,
    pub category: String,
    pub desk: String,
    pub since: String,
    /// A registration ticket: its category awaits (or had) staff's decision.
    pub category_open: bool,
    pub category_confirmed: bool,
    /// A registration ticket with an existing patient completed on it.
    pub completed: bool,
}

#[derive(Template)]
#[template(path = "staff/stations.html")]
struct DeskPage {
    c: Ctx,
    stations: Vec<StationChoice>,
    station: String,
    station_name: String,
    registration: bool,
    pharmacy: bool,
    desks: Vec<i32>,
    desk: i32,
    open: Vec<StepLine>,
    done: Vec<StepLine>,
    nexts: Vec<NextChoice>,
    notice: String,
    error: String,
    /// The patient lookup on a registration ticket being served.
    lookup: super::counter::StepLookup,
}

fn lane_label(c: &Ctx, lane: Option<Lane>) -> String {
    match lane {
        Some(Lane::Racikan) => c.t("Racikan", "Compounded").into(),
        Some(Lane::NonRacikan) => c.t("Non racikan", "Ready-made").into(),
        None => String::new(),
    }
}

async fn page(
    state: &AppState,
    staff: &Staff,
    c: Ctx,
    q: &DeskQuery,
) -> Result<DeskPage, PageError> {
    let lang = c.lang;
    let all = journey::list_stations(state).await.or_page(lang)?;
    let stations: Vec<StationChoice> = all
        .iter()
        .filter(|s| journey::require_desk(&staff.0, s).is_ok())
        .map(|s| StationChoice {
            code: s.code.clone(),
            name: if lang.is_en() && !s.name_en.is_empty() {
                s.name_en.clone()
            } else {
                s.name.clone()
            },
            desks: (1..=s.desks).collect(),
        })
        .collect();
    let code = if q.station.is_empty() {
        stations.first().map(|s| s.code.clone()).unwrap_or_default()
    } else {
        q.station.to_ascii_uppercase()
    };
    let mut p = DeskPage {
        stations,
        station: code.clone(),
        station_name: String::new(),
        registration: false,
        pharmacy: false,
        desks: Vec::new(),
        desk: q.desk.unwrap_or(1),
        open: Vec::new(),
        done: Vec::new(),
        nexts: Vec::new(),
        notice: String::new(),
        error: String::new(),
        lookup: Default::default(),
        c,
    };
    if code.is_empty() {
        return Ok(p);
    }
    let tz = state.tz();
    let (station, steps) =
        journey::station_queue(state, staff.0.clone(), code).await.or_page(lang)?;
    p.station_name = station.name.clone();
    p.registration = station.kind == StationKind::Registration;
    p.pharmacy = station.kind.prepares_first();
    p.desks = (1..=station.desks).collect();
    for s in &steps {
        let line = StepLine {
            id: s.id,
            ticket: s.ticket.clone(),
            status: s.status.as_str().to_string(),
            label: s.status.label_id(station.kind).to_string(),
            lane: lane_label(&p.c, s.lane),
            priority: s.priority,
            category: s.priority_category.map(|c| c.label_id().to_string()).unwrap_or_default(),
            desk: s.desk.map(|d| d.to_string()).unwrap_or_default(),
            since: clock_time(s.called_at.unwrap_or(s.created_at), tz),
            category_open: s.visit_id.is_none() && s.priority_category.is_some(),
            category_confirmed: s.priority_confirmed_at.is_some(),
            completed: s.patient_id.is_some(),
        };
        if matches!(s.status, StepStatus::Done | StepStatus::Cancelled) {
            p.done.push(line);
        } else {
            p.open.push(line);
        }
    }
    p.nexts = next_choices(state, &p.c, &all, p.registration).await?;
    if p.registration
        && let Some(step) = q.langkah
    {
        p.lookup = super::counter::step_lookup(state, staff, &p.c, step, &q.cari).await?;
    }
    if !q.ok.is_empty() {
        p.notice = format!("{} · {}", p.c.t("Tersimpan", "Saved"), q.t);
    }
    Ok(p)
}

/// Where a finished step may go: done, a station (the pharmacy with its two lanes), back
/// to the polyclinic the visit came from, or a polyclinic session of today. The
/// registration counter forwards into a polyclinic only.
async fn next_choices(
    state: &AppState,
    c: &Ctx,
    stations: &[crate::db::stations::Station],
    registration: bool,
) -> Result<Vec<NextChoice>, PageError> {
    let choices = forward_choices(state, c, stations, None).await?;
    if registration {
        return Ok(choices.clinics);
    }
    let mut out = vec![NextChoice {
        value: String::new(),
        label: c.t("Selesai (pulang)", "Done (leaves)").into(),
    }];
    out.extend(choices.stations);
    out.push(NextChoice {
        value: "back".into(),
        label: c.t("Kembali ke poli/dokter asal", "Back to the same polyclinic/doctor").into(),
    });
    out.extend(choices.clinics);
    Ok(out)
}

/// `GET /staff/stasiun?station=FARMASI&desk=2`
async fn desk_page(
    state: web::Data<AppState>,
    query: web::Query<DeskQuery>,
    StaffPage { staff, c }: StaffPage,
) -> PageResult {
    let p = page(&state, &staff, c, &query).await?;
    Ok(render(&p.c, StatusCode::OK, &p))
}

#[derive(Debug, Default, Deserialize)]
pub struct CallForm {
    #[serde(default)]
    pub csrf: String,
    pub desk: Option<i32>,
    #[serde(default)]
    pub lane: String,
}
csrf_field!(CallForm);

pub(super) fn back_to(code: &str, desk: i32, ok: &str, ticket: &str) -> String {
    format!("/staff/stasiun?station={code}&desk={desk}&ok={ok}&t={ticket}")
}

pub(super) async fn refused(
    state: &AppState,
    staff: &Staff,
    c: Ctx,
    code: String,
    desk: i32,
    e: AppError,
) -> PageResult {
    if !e.status.is_client_error() || e.status == StatusCode::FORBIDDEN {
        return Err(PageError::new(c.lang, e));
    }
    let q = DeskQuery { station: code, desk: Some(desk), ..Default::default() };
    let mut p = page(state, staff, c, &q).await?;
    p.error = e.message(p.c.lang.is_en()).to_string();
    Ok(render(&p.c, e.status, &p))
}

/// `POST /staff/stasiun/{code}/panggil` — call the next patient to this desk.
async fn call_next(
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, c, form }: StaffForm<CallForm>,
) -> PageResult {
    let code = path.into_inner();
    let desk = form.desk.unwrap_or(1);
    let lane = Lane::parse(form.lane.trim());
    let (st, who, at) = (state.get_ref().clone(), staff.clone(), code.clone());
    let done = crate::service::in_transaction(&state, move |conn| {
        journey::call_next(conn, &st, &who, &at, desk, lane)
    })
    .await;
    match done {
        Ok((step, _)) => Ok(see_other(&back_to(&code, desk, "call", &step.ticket))),
        Err(e) => refused(&state, &staff, c, code, desk, e).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub station: String,
    pub desk: Option<i32>,
    /// `finish`: "" (done), `station:KASIR`, `station:FARMASI:racikan`, `clinic:ANA:12`.
    #[serde(default)]
    pub next: String,
    /// The registration counter completes the patient at finish.
    #[serde(default)]
    pub nik: String,
    #[serde(default)]
    pub bpjs_no: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub medical_record_no: String,
    #[serde(default)]
    pub phone: String,
}
csrf_field!(StepForm);

/// `POST /staff/langkah/{id}/{recall|skip|return|start|ready|finish}`
async fn step_action(
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    StaffForm { staff, c, form }: StaffForm<StepForm>,
) -> PageResult {
    let (id, name) = path.into_inner();
    let desk = form.desk.unwrap_or(1);
    let code = form.station.clone();
    let Some(action) = StepAction::from_url(&name) else {
        return Err(PageError::new(c.lang, crate::service::queue::unknown_action()));
    };
    let blank = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let patient_body = PatientBody {
        nik: blank(&form.nik),
        name: blank(&form.name),
        birth_date: blank(&form.birth_date),
        phone: blank(&form.phone),
        email: None,
        bpjs_no: blank(&form.bpjs_no),
        medical_record_no: blank(&form.medical_record_no),
    };
    let has_patient = patient_body.nik.is_some() || patient_body.bpjs_no.is_some();
    let patient = match registration::validate_patient(has_patient.then_some(&patient_body)) {
        Ok(p) => p,
        Err(e) => return refused(&state, &staff, c, code, desk, e).await,
    };
    let next = if action == StepAction::Finish { parse_next(&form.next) } else { None };
    let (st, who) = (state.get_ref().clone(), staff.clone());
    let done = crate::service::in_transaction(&state, move |conn| match next {
        Some(next) => {
            journey::finish_step_and_forward(conn, &st, &who, id, &next, patient.as_ref())
                .map(|(done, _)| done.0)
        }
        None => journey::act_on_step(conn, &st, &who, id, action).map(|(s, _)| s),
    })
    .await;
    match done {
        Ok(step) => Ok(see_other(&back_to(&code, desk, &name, &step.ticket))),
        Err(e) => refused(&state, &staff, c, code, desk, e).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CategoryForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub reason: String,
}
csrf_field!(CategoryForm);

/// `POST /staff/kunjungan/{id}/kategori/{confirm|remove}` — from the queue screen.
async fn decide_category(
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    StaffForm { staff, c, form }: StaffForm<CategoryForm>,
) -> PageResult {
    let (id, name) = path.into_inner();
    let Some(decision) = CategoryDecision::from_url(&name) else {
        return Err(PageError::new(c.lang, crate::service::queue::unknown_action()));
    };
    let (st, who, reason) = (state.get_ref().clone(), staff.clone(), form.reason.clone());
    let done = crate::service::in_transaction(&state, move |conn| {
        journey::decide_category(conn, &st, &who, id, decision, &reason)
    })
    .await;
    match done {
        Ok(v) => Ok(see_other(&format!("/staff/sesi/{}?ok=priority&t={}", v.session_id, v.ticket))),
        Err(e) => Err(PageError::new(c.lang, e)),
    }
}

#[derive(Template)]
#[template(path = "staff/stations_admin.html")]
struct StationsAdminPage {
    c: Ctx,
    stations: Vec<crate::db::stations::Station>,
    form: StationForm,
    notice: String,
    error: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct StationForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub desks: String,
}
csrf_field!(StationForm);

async fn admin_page(
    state: &AppState,
    staff: &Staff,
    c: Ctx,
    form: StationForm,
) -> Result<StationsAdminPage, PageError> {
    if staff.0.role != crate::auth::Role::Admin {
        return Err(PageError::new(c.lang, AppError::forbidden()));
    }
    let stations = journey::list_stations(state).await.or_page(c.lang)?;
    Ok(StationsAdminPage { c, stations, form, notice: String::new(), error: String::new() })
}

/// `GET /staff/admin/stasiun` — the stations: code, name, kind, ticket prefix, desks.
async fn stations_admin(
    state: web::Data<AppState>,
    query: web::Query<DeskQuery>,
    StaffPage { staff, c }: StaffPage,
) -> PageResult {
    let mut p = admin_page(&state, &staff, c, StationForm::default()).await?;
    if !query.ok.is_empty() {
        p.notice = format!("{} · {}", p.c.t("Tersimpan", "Saved"), query.t);
    }
    Ok(render(&p.c, StatusCode::OK, &p))
}

/// `POST /staff/admin/stasiun` — create a station or change the one with that code.
async fn save_station(
    state: web::Data<AppState>,
    StaffForm { staff, c, form }: StaffForm<StationForm>,
) -> PageResult {
    let input = journey::StationInput {
        code: form.code.clone(),
        name: form.name.clone(),
        name_en: form.name_en.clone(),
        kind: form.kind.clone(),
        prefix: form.prefix.clone(),
        desks: form.desks.trim().parse().unwrap_or(0),
    };
    match journey::save_station(&state, &staff.0, input).await {
        Ok(s) => Ok(see_other(&format!("/staff/admin/stasiun?ok=saved&t={}", s.code))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let mut p = admin_page(&state, &staff, c, form).await?;
            p.error = e.message(p.c.lang.is_en()).to_string();
            if let Some(fields) = &e.fields {
                let lines: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v["message"].as_str().unwrap_or_default()))
                    .collect();
                p.error = format!("{} {}", p.error, lines.join("; "));
            }
            Ok(render(&p.c, e.status, &p))
        }
        Err(e) => Err(PageError::new(c.lang, e)),
    }
}
