//! Administration (admins only): clinics, doctors, staff accounts with their roles and
//! clinics. Codes and numbers are checked here for friendly messages; uniqueness and
//! formats are also enforced by the database's constraints.
use actix_web::{HttpRequest, http::StatusCode, web};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::patient::FieldErrors;
use super::staff::{staff_of, staff_posting};
use super::{Ctx, OrPage, PageError, PageResult, render, see_other};
use crate::app::AppState;
use crate::auth::{Role, Staff};
use crate::db;
use crate::db::models::{Clinic, Doctor, StaffUser};
use crate::db::schema::{clinics, doctors, login_sessions, staff_clinics, staff_users};
use crate::error::{AppError, AppResult};

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

fn admin_only(c: &Ctx, staff: &Staff) -> Result<(), PageError> {
    staff.require(&[Role::Admin]).or_page(c.lang)
}

async fn show(state: &AppState, c: Ctx, status: StatusCode, forms: Forms) -> PageResult {
    let now = state.now();
    let (clinic_rows, doctor_rows, users, links) = db::run(&state.pool, move |conn| {
        let clinic_rows: Vec<Clinic> =
            clinics::table.order(clinics::name).select(Clinic::as_select()).load(conn)?;
        let doctor_rows: Vec<Doctor> =
            doctors::table.order(doctors::name).select(Doctor::as_select()).load(conn)?;
        let users: Vec<StaffUser> = staff_users::table
            .order(staff_users::username)
            .select(StaffUser::as_select())
            .load(conn)?;
        let links: Vec<(i32, String)> = staff_clinics::table
            .inner_join(clinics::table)
            .select((staff_clinics::staff_id, clinics::code))
            .load(conn)?;
        Ok((clinic_rows, doctor_rows, users, links))
    })
    .await
    .or_page(c.lang)?;
    let accounts = users
        .into_iter()
        .map(|u| AccountLine {
            clinics: links
                .iter()
                .filter(|(id, _)| *id == u.id)
                .map(|(_, c)| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            id: u.id,
            username: u.username,
            full_name: u.full_name,
            role: u.role,
            active: u.active,
            locked: u.locked_until.is_some_and(|t| t > now),
        })
        .collect();
    let page = AdminPage {
        clinics: clinic_rows,
        doctors: doctor_rows,
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
    req: HttpRequest,
    q: web::Query<DoneQuery>,
) -> PageResult {
    let mut c = Ctx::of(&req);
    let staff = staff_of(&req, &mut c).await?;
    admin_only(&c, &staff)?;
    let notice = if q.ok.is_some() {
        c.t("Perubahan disimpan.", "Saved.").to_string()
    } else {
        String::new()
    };
    show(&state, c, StatusCode::OK, Forms { notice, ..Forms::default() }).await
}

/// After a change: back to the page, or the page with the problem and what was typed.
async fn after(state: &AppState, c: Ctx, done: AppResult<()>, forms: Forms) -> PageResult {
    match done {
        Ok(()) => Ok(see_other("/staff/admin?ok=1")),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let forms = Forms {
                errors: FieldErrors::from_error(&e, c.lang.is_en()),
                error: e.message(c.lang.is_en()).to_string(),
                ..forms
            };
            show(state, c, e.status, forms).await
        }
        Err(e) => Err(PageError::new(c.lang, e)),
    }
}

fn field(name: &'static str, id: &'static str, en: &'static str) -> AppError {
    AppError::fields(vec![(name, crate::domain::Invalid::new("invalid", id, en))])
}

/// `POST /staff/admin/poli` — create a clinic, or change the one with that code.
async fn save_clinic(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<ClinicForm>,
) -> PageResult {
    let mut c = Ctx::of(&req);
    let staff = staff_posting(&req, &mut c, &form.csrf).await?;
    admin_only(&c, &staff)?;
    let f = form.into_inner();
    let code = f.code.trim().to_ascii_uppercase();
    let prefix = f.prefix.trim().to_ascii_uppercase();
    let name = f.name.trim().to_string();
    let done = if !(2..=8).contains(&code.len())
        || !code.chars().all(|ch| ch.is_ascii_alphanumeric())
    {
        Err(field(
            "code",
            "Kode poli 2–8 huruf/angka, mis. ANA.",
            "Clinic code: 2–8 letters or digits, e.g. ANA.",
        ))
    } else if !(1..=3).contains(&prefix.len()) || !prefix.chars().all(|ch| ch.is_ascii_alphabetic())
    {
        Err(field(
            "prefix",
            "Awalan tiket 1–3 huruf, mis. B.",
            "Ticket prefix: 1–3 letters, e.g. B.",
        ))
    } else if !(2..=100).contains(&name.chars().count()) {
        Err(field("name", "Nama poli 2–100 huruf.", "Clinic name: 2–100 characters."))
    } else {
        let (name_en, room) = (f.name_en.trim().to_string(), f.room.trim().to_string());
        let bpjs = Some(f.bpjs_code.trim().to_string()).filter(|b| !b.is_empty());
        db::run(&state.pool, move |conn| {
            diesel::insert_into(clinics::table)
                .values((
                    clinics::code.eq(&code),
                    clinics::name.eq(&name),
                    clinics::name_en.eq(&name_en),
                    clinics::prefix.eq(&prefix),
                    clinics::bpjs_code.eq(&bpjs),
                    clinics::room.eq(&room),
                ))
                .on_conflict(clinics::code)
                .do_update()
                .set((
                    clinics::name.eq(&name),
                    clinics::name_en.eq(&name_en),
                    clinics::prefix.eq(&prefix),
                    clinics::bpjs_code.eq(&bpjs),
                    clinics::room.eq(&room),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await
    };
    after(&state, c, done, Forms { clinic: f, ..Forms::default() }).await
}

/// `POST /staff/admin/dokter` — create a doctor, or change the one with that code.
async fn save_doctor(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<DoctorForm>,
) -> PageResult {
    let mut c = Ctx::of(&req);
    let staff = staff_posting(&req, &mut c, &form.csrf).await?;
    admin_only(&c, &staff)?;
    let f = form.into_inner();
    let code = f.code.trim().to_ascii_uppercase();
    let name = f.name.trim().to_string();
    let bpjs = f.bpjs_code.trim();
    let bpjs_code: Result<Option<i32>, _> =
        if bpjs.is_empty() { Ok(None) } else { bpjs.parse::<i32>().map(Some).map_err(|_| ()) };
    let done = match bpjs_code {
        _ if !(2..=16).contains(&code.len())
            || !code.chars().all(|ch| ch.is_ascii_alphanumeric()) =>
        {
            Err(field(
                "doctor_code",
                "Kode dokter 2–16 huruf/angka.",
                "Doctor code: 2–16 letters or digits.",
            ))
        }
        _ if !(2..=100).contains(&name.chars().count()) => {
            Err(field("doctor_name", "Nama dokter 2–100 huruf.", "Doctor name: 2–100 characters."))
        }
        Err(()) => Err(field(
            "doctor_bpjs",
            "Kode dokter BPJS berupa angka.",
            "The BPJS doctor code is a number.",
        )),
        Ok(bpjs_code) => {
            db::run(&state.pool, move |conn| {
                diesel::insert_into(doctors::table)
                    .values((
                        doctors::code.eq(&code),
                        doctors::name.eq(&name),
                        doctors::bpjs_code.eq(bpjs_code),
                    ))
                    .on_conflict(doctors::code)
                    .do_update()
                    .set((doctors::name.eq(&name), doctors::bpjs_code.eq(bpjs_code)))
                    .execute(conn)?;
                Ok(())
            })
            .await
        }
    };
    after(&state, c, done, Forms { doctor: f, ..Forms::default() }).await
}

/// `POST /staff/admin/akun` — create an account or reset one (password, role, clinics).
async fn save_account(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> PageResult {
    let mut f = AccountForm::parse(&body);
    let mut c = Ctx::of(&req);
    let staff = staff_posting(&req, &mut c, &f.csrf).await?;
    admin_only(&c, &staff)?;
    let username = f.username.trim().to_ascii_lowercase();
    let role = Role::parse(&f.role);
    let done = if !(2..=32).contains(&username.len())
        || !username
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "_.-".contains(ch))
    {
        Err(field(
            "username",
            "Nama pengguna 2–32 huruf kecil/angka.",
            "Username: 2–32 lower-case letters or digits.",
        ))
    } else if f.password.chars().count() < 8 {
        Err(field(
            "password",
            "Kata sandi minimal 8 karakter.",
            "The password needs at least 8 characters.",
        ))
    } else if role.is_none() {
        Err(field("role", "Pilih peran.", "Choose a role."))
    } else if role == Some(Role::Clinic) && f.clinics.is_empty() {
        Err(field(
            "clinic",
            "Akun poli perlu minimal satu poli.",
            "A clinic account needs at least one clinic.",
        ))
    } else {
        let (full_name, password) = (f.full_name.trim().to_string(), f.password.clone());
        let role = role.unwrap_or(Role::Registration);
        let codes = if role == Role::Clinic { f.clinics.clone() } else { Vec::new() };
        db::transaction(&state.pool, move |conn| {
            crate::service::staff::upsert_user(conn, &username, &full_name, &password, role, &codes)
                .map(|_| ())
        })
        .await
    };
    f.password.clear();
    after(&state, c, done, Forms { account: f, ..Forms::default() }).await
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
    req: HttpRequest,
    path: web::Path<(String, i32)>,
    form: web::Form<ToggleForm>,
) -> PageResult {
    let mut c = Ctx::of(&req);
    let staff = staff_posting(&req, &mut c, &form.csrf).await?;
    admin_only(&c, &staff)?;
    let (what, id) = path.into_inner();
    let active = form.active == "1";
    if what == "akun" && id == staff.id && !active {
        let e = AppError::conflict(
            "own_account",
            "Anda tidak dapat menonaktifkan akun sendiri.",
            "You cannot switch off your own account.",
        );
        return after(&state, c, Err(e), Forms::default()).await;
    }
    let done = db::transaction(&state.pool, move |conn| {
        let n = match what.as_str() {
            "poli" => diesel::update(clinics::table.find(id))
                .set(clinics::active.eq(active))
                .execute(conn)?,
            "dokter" => diesel::update(doctors::table.find(id))
                .set(doctors::active.eq(active))
                .execute(conn)?,
            "akun" => {
                if !active {
                    diesel::delete(login_sessions::table.filter(login_sessions::staff_id.eq(id)))
                        .execute(conn)?;
                }
                diesel::update(staff_users::table.find(id))
                    .set(staff_users::active.eq(active))
                    .execute(conn)?
            }
            _ => 0,
        };
        if n == 0 {
            return Err(AppError::not_found("not_found", "Data tidak ditemukan.", "Not found."));
        }
        Ok(())
    })
    .await;
    after(&state, c, done, Forms::default()).await
}
