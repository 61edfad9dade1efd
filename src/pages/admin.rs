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
        .route("/staff/admin/referensi-bpjs", web::post().to(refresh_references))
        .route("/staff/admin/{what}/{id}/aktif", web::post().to(toggle_active));
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct ClinicForm {
    #[serde(default)]
    pub csrf: String,
    /// The clinic being corrected (its code may change too); empty: new or by code.
    #[serde(default)]
    pub id: String,
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
    /// The doctor being corrected (their code may change too); empty: new or by code.
    #[serde(default)]
    pub id: String,
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
    /// The latest audited account and catalogue changes.
    changes: Vec<ChangeLine>,
    /// BPJS `/ref/poli` (code, name) for the clinic code's pick list; empty → free text.
    ref_poli: Vec<(String, String)>,
    /// BPJS `/ref/dokter` (code, name) for the doctor code's pick list; empty → free text.
    ref_dokter: Vec<(String, String)>,
    /// When the kept lists were fetched from BPJS ("" = never).
    ref_fetched: String,
    /// BPJS can be asked (the refresh button).
    ref_configured: bool,
}

impl AdminPage {
    /// The code in the form is in BPJS's list (else it is kept as an extra choice).
    fn poli_listed(&self) -> bool {
        self.ref_poli.iter().any(|(code, _)| *code == self.clinic.bpjs_code)
    }
    fn dokter_listed(&self) -> bool {
        self.ref_dokter.iter().any(|(code, _)| *code == self.doctor.bpjs_code)
    }
}

pub struct ChangeLine {
    pub at: String,
    pub who: String,
    pub what: String,
}

impl AdminPage {
    fn account_has(&self, code: &str) -> bool {
        self.account.clinics.iter().any(|c| c == code)
    }
}

#[derive(Default)]
struct Forms {
    /// Fill the clinic / doctor form from this record, to correct it.
    edit_clinic: Option<i32>,
    edit_doctor: Option<i32>,
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
            id: self.id.trim().parse().ok(),
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
            id: self.id.trim().parse().ok(),
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
    let mut clinic = forms.clinic;
    if let Some(found) = forms.edit_clinic.and_then(|id| all.clinics.iter().find(|k| k.id == id)) {
        clinic = ClinicForm {
            csrf: String::new(),
            id: found.id.to_string(),
            code: found.code.clone(),
            name: found.name.clone(),
            name_en: found.name_en.clone(),
            prefix: found.prefix.clone(),
            bpjs_code: found.bpjs_code.clone().unwrap_or_default(),
            room: found.room.clone(),
        };
    }
    let mut doctor = forms.doctor;
    if let Some(found) = forms.edit_doctor.and_then(|id| all.doctors.iter().find(|d| d.id == id)) {
        doctor = DoctorForm {
            csrf: String::new(),
            id: found.id.to_string(),
            code: found.code.clone(),
            name: found.name.clone(),
            bpjs_code: found.bpjs_code.map(|b| b.to_string()).unwrap_or_default(),
        };
    }
    let who = staff.clone();
    let tz = state.tz();
    let changes = crate::service::read(state, move |conn| {
        crate::service::corrections::latest(conn, &who, 10)
    })
    .await
    .or_page(c.lang)?
    .into_iter()
    .map(|e| ChangeLine {
        at: super::text::printed_at(c.lang, e.at, tz),
        who: e.username.unwrap_or_default(),
        what: change_label(c.lang, &e.action, &e.detail),
    })
    .collect();
    let picks = crate::service::bpjs_link::pick_lists(state, staff).await.or_page(c.lang)?;
    let page = AdminPage {
        changes,
        ref_poli: picks.poli,
        ref_dokter: picks.dokter,
        ref_fetched: picks
            .fetched_at
            .map(|t| super::text::printed_at(c.lang, t, tz))
            .unwrap_or_default(),
        ref_configured: picks.configured,
        clinics: all.clinics,
        doctors: all.doctors,
        accounts,
        clinic,
        doctor,
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
    /// Correct this clinic: its form comes filled in.
    pub poli: Option<i32>,
    /// Correct this doctor: its form comes filled in.
    pub dokter: Option<i32>,
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
    let mut forms = Forms { notice, ..Forms::default() };
    forms.edit_clinic = q.poli;
    forms.edit_doctor = q.dokter;
    show(&state, c, &staff, StatusCode::OK, forms).await
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
    let done = catalogue::save_clinic(&state.pool, &staff, form.input(), state.now()).await;
    after(&state, c, &staff, done, Forms { clinic: form, ..Forms::default() }).await
}

/// `POST /staff/admin/dokter` — create a doctor, or change the one with that code.
async fn save_doctor(
    state: web::Data<AppState>,
    StaffForm { staff, c, form }: StaffForm<DoctorForm>,
) -> PageResult {
    let done = catalogue::save_doctor(&state.pool, &staff, form.input(), state.now()).await;
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

/// An audited change in the console's words: "Kode poli dikoreksi: ANA → ANK, BPJS – → ANA".
fn change_label(lang: crate::i18n::Lang, action: &str, detail: &serde_json::Value) -> String {
    let diff = || {
        let (before, after) = (&detail["before"], &detail["after"]);
        let Some(fields) = after.as_object() else {
            return String::new();
        };
        fields
            .iter()
            .filter(|(k, v)| before.get(k.as_str()) != Some(v))
            .map(|(k, v)| {
                let show = |x: &serde_json::Value| match x {
                    serde_json::Value::Null => "–".to_string(),
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let label = match k.as_str() {
                    "code" => lang.pick("Kode", "Code"),
                    "name" => lang.pick("Nama", "Name"),
                    "name_en" => lang.pick("Nama (Inggris)", "Name (English)"),
                    "prefix" => lang.pick("Awalan", "Prefix"),
                    "bpjs_code" => lang.pick("Kode BPJS", "BPJS code"),
                    "room" => lang.pick("Ruang", "Room"),
                    other => other,
                };
                format!("{label}: {} → {}", show(&before[k.as_str()]), show(v))
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    match action {
        "password_changed" => lang.pick("Kata sandi diganti", "Password changed").to_string(),
        "clinic_corrected" => {
            format!("{}: {}", lang.pick("Poli dikoreksi", "Clinic corrected"), diff())
        }
        "doctor_corrected" => {
            format!("{}: {}", lang.pick("Dokter dikoreksi", "Doctor corrected"), diff())
        }
        other => other.to_string(),
    }
}

/// `POST /staff/admin/referensi-bpjs` — ask BPJS for `/ref/poli` and `/ref/dokter` now and
/// keep them for the pick lists.
async fn refresh_references(
    state: web::Data<AppState>,
    StaffForm { staff, c, .. }: StaffForm<RefreshForm>,
) -> PageResult {
    crate::service::bpjs_link::refresh_references_now(&state, &staff).await.or_page(c.lang)?;
    Ok(see_other("/staff/admin?ok=referensi#poli-form"))
}

#[derive(Debug, Default, Deserialize)]
pub struct RefreshForm {
    #[serde(default)]
    pub csrf: String,
}

csrf_field!(RefreshForm);
