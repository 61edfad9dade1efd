//! Administration (admins only): clinics, doctors, staff accounts with their roles and
//! clinics. Codes and numbers are checked here for friendly messages; uniqueness and
//! formats are also enforced by the database's constraints.
use actix_web::{http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use super::extract::{StaffForm, StaffPage, csrf_field};
use super::patient::FieldErrors;
use super::text::role_label;
use super::{Ctx, OrPage, PageError, PageResult, render, see_other};
use crate::app::AppState;
use crate::auth::Staff;
use crate::db::models::{Clinic, Doctor};
use crate::error::AppResult;
use crate::service::catalogue::{self, AccountInput, ClinicInput, DoctorInput, Record};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/admin", web::get().to(admin_page))
        .route("/staff/admin/poli", web::post().to(save_clinic))
        .route("/staff/admin/dokter", web::post().to(save_doctor))
        .route("/staff/admin/akun", web::post().to(save_account))
        .route("/staff/admin/{what}/{id}/aktif", web::post().to(toggle_active));
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct ClinicForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub bpjs_code: String,
    #[serde(default)]
    pub room: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct DoctorForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub bpjs_code: String,
}

/// An account form; the clinic boxes arrive as repeated `clinic` fields.
#[derive(Debug, Default, Clone)]
pub struct AccountForm {
    pub csrf: String,
    pub username: String,
    pub full_name: String,
    pub password: String,
    pub role: String,
    pub clinics: Vec<String>,
}

impl AccountForm {
    fn parse(body: &[u8]) -> AccountForm {
        let mut f = AccountForm::default();
        for (k, v) in url::form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "csrf" => f.csrf = v,
                "username" => f.username = v,
                "full_name" => f.full_name = v,
                "password" => f.password = v,
                "role" => f.role = v,
                "clinic" => f.clinics.push(v),
                _ => {}
            }
        }
        f
    }
}

pub struct AccountLine {
    pub id: i32,
    pub username: String,
    pub full_name: String,
    pub role: String,
    pub clinics: String,
    pub active: bool,
    pub locked: bool,
}

#[derive(Template)]
#[template(path = "staff/admin.html")]
struct AdminPage {
    c: Ctx,
    clinics: Vec<Clinic>,
    doctors: Vec<Doctor>,
    accounts: Vec<AccountLine>,
    clinic: ClinicForm,
    doctor: DoctorForm,
    account: AccountForm,
    errors: FieldErrors,
    notice: String,
    error: String,
    /// BPJS `/ref/poli` (code, name) for the clinic code's pick list; empty → free text.
    ref_poli: Vec<(String, String)>,
    /// BPJS `/ref/dokter` (code, name) for the doctor code's pick list; empty → free text.
    ref_dokter: Vec<(String, String)>,
}

impl AdminPage {
    fn account_has(&self, code: &str) -> bool {
        self.account.clinics.iter().any(|c| c == code)
    }
}

#[derive(Default)]
struct Forms {
    clinic: ClinicForm,
    doctor: DoctorForm,
    account: AccountForm,
    errors: FieldErrors,
    notice: String,
    error: String,
}

csrf_field!(ClinicForm, DoctorForm, ToggleForm);

impl ClinicForm {
    fn input(&self) -> ClinicInput {
        ClinicInput {
            code: self.code.clone(),
            name: self.name.clone(),
            name_en: self.name_en.clone(),
            prefix: self.prefix.clone(),
            bpjs_code: self.bpjs_code.clone(),
            room: self.room.clone(),
        }
    }
}

impl DoctorForm {
    fn input(&self) -> DoctorInput {
        DoctorInput {
            code: self.code.clone(),
            name: self.name.clone(),
            bpjs_code: self.bpjs_code.clone(),
        }
    }
}

impl AccountForm {
    fn input(&self) -> AccountInput {
        AccountInput {
            username: self.username.clone(),
            full_name: self.full_name.clone(),
            password: self.password.clone(),
            role: self.role.clone(),
            clinics: self.clinics.clone(),
        }
    }
}

async fn show(
    state: &AppState,
    c: Ctx,
    staff: &Staff,
    status: StatusCode,
    forms: Forms,
) -> PageResult {
    let all = catalogue::overview(&state.pool, staff, state.now()).await.or_page(c.lang)?;
    let accounts = all
        .accounts
        .into_iter()
        .map(|a| AccountLine {
            clinics: a.clinics.join(", "),
            id: a.id,
            username: a.username,
            full_name: a.full_name,
            role: role_label(c.lang, &a.role).to_string(),
            active: a.active,
            locked: a.locked,
        })
        .collect();
    let (ref_poli, ref_dokter) = crate::service::bpjs_link::pick_lists(state, staff).await;
    let page = AdminPage {
        ref_poli,
        ref_dokter,
        clinics: all.clinics,
        doctors: all.doctors,
        accounts,
        clinic: forms.clinic,
        doctor: forms.doctor,
        account: AccountForm {
            role: if forms.account.role.is_empty() {
                "clinic".into()
            } else {
                forms.account.role.clone()
            },
            ..forms.account
        },
        errors: forms.errors,
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

/// `GET /staff/admin`
async fn admin_page(
    state: web::Data<AppState>,
    q: web::Query<DoneQuery>,
    StaffPage { staff, c }: StaffPage,
) -> PageResult {
    let notice = if q.ok.is_some() {
        c.t("Perubahan disimpan.", "Saved.").to_string()
    } else {
        String::new()
    };
    show(&state, c, &staff, StatusCode::OK, Forms { notice, ..Forms::default() }).await
}

/// After a change: back to the page, or the page with the problem and what was typed.
async fn after(
    state: &AppState,
    c: Ctx,
    staff: &Staff,
    done: AppResult<()>,
    forms: Forms,
) -> PageResult {
    match done {
        Ok(()) => Ok(see_other("/staff/admin?ok=1")),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let forms = Forms {
                errors: FieldErrors::from_error(&e, c.lang.is_en()),
                error: e.message(c.lang.is_en()).to_string(),
                ..forms
            };
            show(state, c, staff, e.status, forms).await
        }
        Err(e) => Err(PageError::new(c.lang, e)),
    }
}

/// `POST /staff/admin/poli` — create a clinic, or change the one with that code.
async fn save_clinic(
    state: web::Data<AppState>,
    StaffForm { staff, c, form }: StaffForm<ClinicForm>,
) -> PageResult {
    let done = catalogue::save_clinic(&state.pool, &staff, form.input()).await;
    after(&state, c, &staff, done, Forms { clinic: form, ..Forms::default() }).await
}

/// `POST /staff/admin/dokter` — create a doctor, or change the one with that code.
async fn save_doctor(
    state: web::Data<AppState>,
    StaffForm { staff, c, form }: StaffForm<DoctorForm>,
) -> PageResult {
    let done = catalogue::save_doctor(&state.pool, &staff, form.input()).await;
    after(&state, c, &staff, done, Forms { doctor: form, ..Forms::default() }).await
}

/// `POST /staff/admin/akun` — create an account or reset one (password, role, clinics).
/// The clinic boxes arrive as repeated fields, so the body is read here.
async fn save_account(state: web::Data<AppState>, body: web::Bytes, page: StaffPage) -> PageResult {
    let mut f = AccountForm::parse(&body);
    page.check_csrf(&f.csrf)?;
    let StaffPage { staff, c } = page;
    let done = catalogue::save_account(&state.pool, &staff, f.input()).await;
    f.password.clear();
    after(&state, c, &staff, done, Forms { account: f, ..Forms::default() }).await
}

#[derive(Debug, Deserialize)]
pub struct ToggleForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub active: String,
}

/// `POST /staff/admin/{poli|dokter|akun}/{id}/aktif` — switch a clinic, doctor or account
/// on or off. A switched-off account is logged out at once.
async fn toggle_active(
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
    StaffForm { staff, c, form }: StaffForm<ToggleForm>,
) -> PageResult {
    let (what, id) = path.into_inner();
    let record = match what.as_str() {
        "poli" => Some(Record::Clinic),
        "dokter" => Some(Record::Doctor),
        "akun" => Some(Record::Account),
        _ => None,
    };
    let done = catalogue::set_active(&state.pool, &staff, record, id, form.active == "1").await;
    after(&state, c, &staff, done, Forms::default()).await
}
