//! Schedules in the console: weekly practice schedules (create, edit, end) with quotas,
//! doctor leave / clinic closure (after a confirm step that counts the booked patients it
//! affects) and one-off extra sessions. The rules are the API's (`api::schedules`).
use actix_web::{http::StatusCode, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use super::extract::{CsrfOnly, StaffForm, StaffPage, csrf_field};
use super::patient::FieldErrors;
use super::text::{long_date, weekday_name};
use super::{Ctx, OrPage, PageError, PageResult, render, see_other};
use crate::app::AppState;
use crate::auth::Staff;
use crate::domain::kinds::ExceptionKind;
use crate::service::catalogue::{self, SchedulePlan};
use crate::service::schedules::{
    ExceptionBody, ExceptionOutcome, ScheduleBody, apply_exception, check_exception,
    end_schedule as end_schedule_as, remove_exception, save_schedule, validate,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/jadwal", web::get().to(schedules))
        .route("/staff/jadwal", web::post().to(create_schedule))
        .route("/staff/jadwal/{id}", web::get().to(edit_schedule))
        .route("/staff/jadwal/{id}", web::post().to(update_schedule))
        .route("/staff/jadwal/{id}/akhiri", web::post().to(end_schedule))
        .route("/staff/pengecualian", web::post().to(create_exception))
        .route("/staff/pengecualian/{id}/hapus", web::post().to(delete_exception));
}

/// The form of a weekly schedule, as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ScheduleForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub clinic: String,
    #[serde(default)]
    pub doctor: String,
    #[serde(default)]
    pub weekday: String,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
    #[serde(default)]
    pub quota_jkn: String,
    #[serde(default)]
    pub quota_non_jkn: String,
    #[serde(default)]
    pub online_limit: String,
    #[serde(default)]
    pub service_minutes: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_until: String,
}

/// The form of a leave, closure or extra session.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ExceptionForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub doctor: String,
    #[serde(default)]
    pub clinic: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
    #[serde(default)]
    pub quota_jkn: String,
    #[serde(default)]
    pub quota_non_jkn: String,
    #[serde(default)]
    pub reason: String,
    /// "1" once the affected patients were shown.
    #[serde(default)]
    pub confirm: String,
}

csrf_field!(ScheduleForm, ExceptionForm);

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

fn number<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.trim().parse().ok()
}

fn schedule_body(f: &ScheduleForm) -> ScheduleBody {
    ScheduleBody {
        clinic: f.clinic.clone(),
        doctor: f.doctor.clone(),
        // Out-of-range values fail the API's own checks with its messages.
        weekday: number(&f.weekday).unwrap_or(0),
        starts_at: f.starts_at.clone(),
        ends_at: f.ends_at.clone(),
        quota_jkn: number(&f.quota_jkn).unwrap_or(-1),
        quota_non_jkn: number(&f.quota_non_jkn).unwrap_or(-1),
        online_limit: opt(&f.online_limit).map(|v| number(&v).unwrap_or(-1)),
        service_minutes: opt(&f.service_minutes).map(|v| number(&v).unwrap_or(0)),
        valid_from: opt(&f.valid_from),
        valid_until: opt(&f.valid_until),
    }
}

fn exception_body(f: &ExceptionForm, dry_run: bool) -> ExceptionBody {
    ExceptionBody {
        kind: f.kind.clone(),
        doctor: opt(&f.doctor),
        clinic: opt(&f.clinic),
        date: f.date.trim().to_string(),
        starts_at: opt(&f.starts_at),
        ends_at: opt(&f.ends_at),
        quota_jkn: number(&f.quota_jkn),
        quota_non_jkn: number(&f.quota_non_jkn),
        online_limit: None,
        service_minutes: None,
        reason: f.reason.trim().to_string(),
        dry_run,
    }
}

pub struct Choice {
    pub code: String,
    pub name: String,
}

pub struct ScheduleLine {
    pub id: i32,
    pub clinic: String,
    pub doctor: String,
    pub weekday: String,
    pub hours: String,
    pub quota_jkn: i32,
    pub quota_non_jkn: i32,
    pub online_limit: i32,
    pub minutes: i32,
    pub until: String,
}

pub struct ExceptionLine {
    pub id: i32,
    pub kind: String,
    pub date: String,
    pub target: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "staff/schedules.html")]
struct SchedulesPage {
    c: Ctx,
    clinics: Vec<Choice>,
    doctors: Vec<Choice>,
    /// The doctors offered on the leave form (a clinic account: its own doctors).
    leave_doctors: Vec<Choice>,
    schedules: Vec<ScheduleLine>,
    exceptions: Vec<ExceptionLine>,
    /// The schedule being edited (None: the form creates one).
    editing: Option<i32>,
    form: ScheduleForm,
    errors: FieldErrors,
    exception: ExceptionForm,
    exception_errors: FieldErrors,
    notice: String,
    error: String,
}

impl SchedulesPage {
    fn is_editing(&self, id: &i32) -> bool {
        self.editing == Some(*id)
    }
    fn weekdays(&self) -> Vec<(String, &'static str)> {
        (1..=7).map(|d| (d.to_string(), weekday_name(self.c.lang, d))).collect()
    }
}

#[derive(Default)]
struct Forms {
    editing: Option<i32>,
    form: ScheduleForm,
    errors: FieldErrors,
    exception: ExceptionForm,
    exception_errors: FieldErrors,
    notice: String,
    error: String,
}

async fn schedules_page(
    state: &AppState,
    c: Ctx,
    staff: &Staff,
    status: StatusCode,
    forms: Forms,
) -> PageResult {
    let lang = c.lang;
    let SchedulePlan { clinics, doctors, leave_doctors, schedules, exceptions } =
        catalogue::schedule_plan(&state.pool, staff, state.today()).await.or_page(lang)?;
    let exceptions = exceptions
        .into_iter()
        .map(|e| ExceptionLine {
            id: e.exception.id,
            kind: match e.exception.kind {
                ExceptionKind::Leave => c.t("Dokter cuti", "Doctor on leave"),
                ExceptionKind::Closure => c.t("Poli tutup", "Clinic closed"),
                ExceptionKind::Extra => c.t("Sesi tambahan", "Extra session"),
            }
            .to_string(),
            date: long_date(lang, e.exception.date),
            target: [e.doctor, e.clinic].into_iter().flatten().collect::<Vec<_>>().join(" · "),
            reason: e.exception.reason,
        })
        .collect();
    let schedules = schedules
        .iter()
        .map(|(s, clinic, doctor)| ScheduleLine {
            id: s.id,
            clinic: clinic.name.clone(),
            doctor: doctor.name.clone(),
            weekday: weekday_name(lang, s.weekday as u32).to_string(),
            hours: format!("{}–{}", s.starts_at.format("%H:%M"), s.ends_at.format("%H:%M")),
            quota_jkn: s.quota_jkn,
            quota_non_jkn: s.quota_non_jkn,
            online_limit: s.online_limit,
            minutes: s.service_minutes,
            until: s.valid_until.map(|d| d.to_string()).unwrap_or_default(),
        })
        .collect();
    let page = SchedulesPage {
        clinics: clinics.into_iter().map(|cl| Choice { code: cl.code, name: cl.name }).collect(),
        doctors: doctors.into_iter().map(|d| Choice { code: d.code, name: d.name }).collect(),
        leave_doctors: leave_doctors
            .into_iter()
            .map(|d| Choice { code: d.code, name: d.name })
            .collect(),
        schedules,
        exceptions,
        editing: forms.editing,
        form: forms.form,
        errors: forms.errors,
        exception: forms.exception,
        exception_errors: forms.exception_errors,
        notice: forms.notice,
        error: forms.error,
        c,
    };
    Ok(render(&page.c, status, &page))
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    pub ok: Option<String>,
}

fn done_notice(c: &Ctx, q: &DoneQuery) -> String {
    match q.ok.as_deref() {
        Some("saved") => c.t("Jadwal disimpan.", "Schedule saved."),
        Some("ended") => c.t("Jadwal diakhiri.", "Schedule ended."),
        Some("exception") => c.t("Perubahan jadwal disimpan.", "Change saved."),
        Some("removed") => c.t("Perubahan jadwal dihapus.", "Change removed."),
        _ => "",
    }
    .to_string()
}

/// `GET /staff/jadwal`
async fn schedules(
    state: web::Data<AppState>,
    q: web::Query<DoneQuery>,
    StaffPage { staff, c }: StaffPage,
) -> PageResult {
    let forms = Forms {
        form: ScheduleForm { weekday: "1".into(), ..ScheduleForm::default() },
        exception: ExceptionForm { kind: "leave".into(), ..ExceptionForm::default() },
        notice: done_notice(&c, &q),
        ..Forms::default()
    };
    schedules_page(&state, c, &staff, StatusCode::OK, forms).await
}

/// `GET /staff/jadwal/{id}` — the same page with the schedule in the form.
async fn edit_schedule(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    StaffPage { staff, c }: StaffPage,
) -> PageResult {
    let id = path.into_inner();
    let (s, clinic, doctor) = catalogue::schedule(&state.pool, &staff, id).await.or_page(c.lang)?;
    let form = ScheduleForm {
        csrf: String::new(),
        clinic: clinic.code,
        doctor: doctor.code,
        weekday: s.weekday.to_string(),
        starts_at: s.starts_at.format("%H:%M").to_string(),
        ends_at: s.ends_at.format("%H:%M").to_string(),
        quota_jkn: s.quota_jkn.to_string(),
        quota_non_jkn: s.quota_non_jkn.to_string(),
        online_limit: s.online_limit.to_string(),
        service_minutes: s.service_minutes.to_string(),
        valid_from: s.valid_from.to_string(),
        valid_until: s.valid_until.map(|d| d.to_string()).unwrap_or_default(),
    };
    let forms = Forms {
        editing: Some(id),
        form,
        exception: ExceptionForm { kind: "leave".into(), ..ExceptionForm::default() },
        ..Forms::default()
    };
    schedules_page(&state, c, &staff, StatusCode::OK, forms).await
}

async fn save(
    state: &AppState,
    id: Option<i32>,
    StaffForm { staff, c, form }: StaffForm<ScheduleForm>,
) -> PageResult {
    let body = schedule_body(&form);
    let result = match validate(&body, state.today()) {
        Err(e) => Err(e),
        Ok(valid) => {
            let (st, who) = (state.clone(), staff.clone());
            crate::service::in_transaction(state, move |conn| {
                save_schedule(conn, &st, &who, id, &body, valid).map(|_| ())
            })
            .await
        }
    };
    match result {
        Ok(()) => Ok(see_other("/staff/jadwal?ok=saved")),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let forms = Forms {
                editing: id,
                errors: FieldErrors::from_error(&e, c.lang.is_en()),
                error: e.message(c.lang.is_en()).to_string(),
                form,
                exception: ExceptionForm { kind: "leave".into(), ..ExceptionForm::default() },
                ..Forms::default()
            };
            schedules_page(state, c, &staff, e.status, forms).await
        }
        Err(e) => Err(PageError::new(c.lang, e)),
    }
}

/// `POST /staff/jadwal`
async fn create_schedule(state: web::Data<AppState>, form: StaffForm<ScheduleForm>) -> PageResult {
    save(&state, None, form).await
}

/// `POST /staff/jadwal/{id}`
async fn update_schedule(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    form: StaffForm<ScheduleForm>,
) -> PageResult {
    save(&state, Some(path.into_inner()), form).await
}

/// `POST /staff/jadwal/{id}/akhiri`
async fn end_schedule(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    StaffForm { staff, c, .. }: StaffForm<CsrfOnly>,
) -> PageResult {
    let (id, today, now) = (path.into_inner(), state.today(), state.now());
    crate::service::in_transaction(&state, move |conn| {
        end_schedule_as(conn, &staff, id, today, now)
    })
    .await
    .or_page(c.lang)?;
    Ok(see_other("/staff/jadwal?ok=ended"))
}

#[derive(Template)]
#[template(path = "staff/exception_confirm.html")]
struct ConfirmPage {
    c: Ctx,
    form: ExceptionForm,
    date: String,
    sessions: i64,
    visits: i64,
    /// "dr. Ruth Kogoya, Sp.A (D003)": the confirmation names whom it is about.
    doctor: String,
    clinic: String,
}

/// `POST /staff/pengecualian` — leave and closure first show how many booked patients
/// they cancel and need a second, confirmed post; extra sessions are made at once.
async fn create_exception(
    state: web::Data<AppState>,
    StaffForm { staff, c, form }: StaffForm<ExceptionForm>,
) -> PageResult {
    let dry_run = form.kind != "extra" && form.confirm != "1";
    let body = exception_body(&form, dry_run);
    let result = match check_exception(&body, state.today()) {
        Err(e) => Err(e),
        Ok((kind, date)) => {
            let (st, who) = (state.get_ref().clone(), staff.clone());
            crate::service::in_transaction(&state, move |conn| {
                apply_exception(conn, &st, &who, &body, kind, date)
            })
            .await
        }
    };
    match result {
        Ok(ExceptionOutcome::DryRun { sessions, visits, .. }) => {
            let date = NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d")
                .map(|d| long_date(c.lang, d))
                .unwrap_or_default();
            let plan = catalogue::schedule_plan(&state.pool, &staff, state.today())
                .await
                .or_page(c.lang)?;
            let (doctor_code, clinic_code) = (form.doctor.trim(), form.clinic.trim());
            let doctor = plan
                .doctors
                .iter()
                .find(|d| !doctor_code.is_empty() && d.code.eq_ignore_ascii_case(doctor_code))
                .map_or_else(|| doctor_code.to_string(), |d| format!("{} ({})", d.name, d.code));
            let clinic = plan
                .clinics
                .iter()
                .find(|k| !clinic_code.is_empty() && k.code.eq_ignore_ascii_case(clinic_code))
                .map_or_else(|| clinic_code.to_string(), |k| k.name.clone());
            let page = ConfirmPage {
                sessions: sessions as i64,
                visits: visits as i64,
                form,
                date,
                doctor,
                clinic,
                c,
            };
            Ok(render(&page.c, StatusCode::OK, &page))
        }
        Ok(_) => Ok(see_other("/staff/jadwal?ok=exception")),
        // A refusal (a forbidden one too) shows the form again with what was typed.
        Err(e) if e.status.is_client_error() => {
            let forms = Forms {
                form: ScheduleForm { weekday: "1".into(), ..ScheduleForm::default() },
                exception_errors: FieldErrors::from_error(&e, c.lang.is_en()),
                error: e.message(c.lang.is_en()).to_string(),
                exception: form,
                ..Forms::default()
            };
            schedules_page(&state, c, &staff, e.status, forms).await
        }
        Err(e) => Err(PageError::new(c.lang, e)),
    }
}

/// `POST /staff/pengecualian/{id}/hapus`
async fn delete_exception(
    state: web::Data<AppState>,
    path: web::Path<i32>,
    StaffForm { staff, c, .. }: StaffForm<CsrfOnly>,
) -> PageResult {
    let id = path.into_inner();
    let st = state.get_ref().clone();
    crate::service::in_transaction(&state, move |conn| remove_exception(conn, &st, &staff, id))
        .await
        .or_page(c.lang)?;
    Ok(see_other("/staff/jadwal?ok=removed"))
}
