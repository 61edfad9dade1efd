//! What the hospital offers: clinics, doctors and staff accounts (changed by admins only),
//! the weekly schedules as the console lists them, and the clinics and sessions the
//! patient site shows.
use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::Access;
use crate::db::catalogue::{self, ScheduleRow};
use crate::db::models::{Clinic, Doctor, NewClinic, NewDoctor, ScheduleException};
use crate::db::sessions::{self, SessionView};
use crate::db::{self, PgPool};
use crate::domain::Invalid;
use crate::domain::staff::{Role, StaffIdentity as Staff};
use crate::error::{AppError, AppResult};

/// A clinic as typed into the administration form.
#[derive(Debug, Default, Clone)]
pub struct ClinicInput {
    /// Set: correct that clinic (its code too), audited; unset: create or change by code.
    pub id: Option<i32>,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub prefix: String,
    pub bpjs_code: String,
    pub room: String,
}

/// A doctor as typed into the administration form.
#[derive(Debug, Default, Clone)]
pub struct DoctorInput {
    /// Set: correct that doctor (their code too), audited; unset: create or change by code.
    pub id: Option<i32>,
    pub code: String,
    pub name: String,
    pub bpjs_code: String,
}

/// A staff account as typed into the administration form (clinics by code).
#[derive(Debug, Default, Clone)]
pub struct AccountInput {
    pub username: String,
    pub full_name: String,
    pub password: String,
    pub role: String,
    pub clinics: Vec<String>,
}

/// A staff account as the administration lists it.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i32,
    pub username: String,
    pub full_name: String,
    pub role: String,
    /// The codes of its clinics.
    pub clinics: Vec<String>,
    pub active: bool,
    /// Locked for a while after too many failed logins.
    pub locked: bool,
}

/// Everything the administration page lists.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub clinics: Vec<Clinic>,
    pub doctors: Vec<Doctor>,
    pub accounts: Vec<Account>,
}

/// What an administrator switches on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    Clinic,
    Doctor,
    Account,
}

fn field(name: &'static str, id: &'static str, en: &'static str) -> AppError {
    AppError::fields(vec![(name, Invalid::new("invalid", id, en))])
}

fn not_found() -> AppError {
    AppError::not_found("not_found", "Data tidak ditemukan.", "Not found.")
}

/// Clinics, doctors and accounts (admins only).
pub async fn overview(pool: &PgPool, staff: &Staff, now: DateTime<Utc>) -> AppResult<Catalogue> {
    staff.require(&[Role::Admin])?;
    let (clinics, doctors, users, links) = db::run(pool, |conn| {
        Ok((
            catalogue::list_clinics(conn)?,
            catalogue::list_doctors(conn)?,
            catalogue::list_accounts(conn)?,
            catalogue::account_clinic_codes(conn)?,
        ))
    })
    .await?;
    let accounts = users
        .into_iter()
        .map(|u| Account {
            clinics: links
                .iter()
                .filter(|(id, _)| *id == u.id)
                .map(|(_, code)| code.clone())
                .collect(),
            id: u.id,
            username: u.username,
            full_name: u.full_name,
            role: u.role,
            active: u.active,
            locked: u.locked_until.is_some_and(|t| t > now),
        })
        .collect();
    Ok(Catalogue { clinics, doctors, accounts })
}

/// Create a clinic, or change the one with that code (admins only).
pub async fn save_clinic(
    pool: &PgPool,
    staff: &Staff,
    input: ClinicInput,
    now: DateTime<Utc>,
) -> AppResult<()> {
    staff.require(&[Role::Admin])?;
    let code = input.code.trim().to_ascii_uppercase();
    let prefix = input.prefix.trim().to_ascii_uppercase();
    let name = input.name.trim().to_string();
    if !(2..=8).contains(&code.len()) || !code.chars().all(|ch| ch.is_ascii_alphanumeric()) {
        return Err(field(
            "code",
            "Kode poli 2–8 huruf/angka, mis. ANA.",
            "Clinic code: 2–8 letters or digits, e.g. ANA.",
        ));
    }
    if !(1..=3).contains(&prefix.len()) || !prefix.chars().all(|ch| ch.is_ascii_alphabetic()) {
        return Err(field(
            "prefix",
            "Awalan tiket 1–3 huruf, mis. B.",
            "Ticket prefix: 1–3 letters, e.g. B.",
        ));
    }
    if !(2..=100).contains(&name.chars().count()) {
        return Err(field("name", "Nama poli 2–100 huruf.", "Clinic name: 2–100 characters."));
    }
    let (name_en, room) = (input.name_en.trim().to_string(), input.room.trim().to_string());
    let bpjs = Some(input.bpjs_code.trim().to_string()).filter(|b| !b.is_empty());
    let (id, who) = (input.id, staff.clone());
    db::transaction(pool, move |conn| {
        let clinic = NewClinic {
            code: &code,
            name: &name,
            name_en: &name_en,
            prefix: &prefix,
            bpjs_code: bpjs.as_deref(),
            room: &room,
        };
        match id {
            Some(id) => super::corrections::correct_clinic(conn, &who, id, &clinic, now),
            None => catalogue::upsert_clinic(conn, &clinic),
        }
    })
    .await
}

/// Create a doctor, or change the one with that code (admins only).
pub async fn save_doctor(
    pool: &PgPool,
    staff: &Staff,
    input: DoctorInput,
    now: DateTime<Utc>,
) -> AppResult<()> {
    staff.require(&[Role::Admin])?;
    let code = input.code.trim().to_ascii_uppercase();
    let name = input.name.trim().to_string();
    let bpjs = input.bpjs_code.trim();
    if !(2..=16).contains(&code.len()) || !code.chars().all(|ch| ch.is_ascii_alphanumeric()) {
        return Err(field(
            "doctor_code",
            "Kode dokter 2–16 huruf/angka.",
            "Doctor code: 2–16 letters or digits.",
        ));
    }
    if !(2..=100).contains(&name.chars().count()) {
        return Err(field(
            "doctor_name",
            "Nama dokter 2–100 huruf.",
            "Doctor name: 2–100 characters.",
        ));
    }
    let bpjs_code = match bpjs {
        "" => None,
        b => Some(b.parse::<i32>().map_err(|_| {
            field(
                "doctor_bpjs",
                "Kode dokter BPJS berupa angka.",
                "The BPJS doctor code is a number.",
            )
        })?),
    };
    let (id, who) = (input.id, staff.clone());
    db::transaction(pool, move |conn| {
        let doctor = NewDoctor { code: &code, name: &name, bpjs_code };
        match id {
            Some(id) => super::corrections::correct_doctor(conn, &who, id, &doctor, now),
            None => catalogue::upsert_doctor(conn, &doctor),
        }
    })
    .await
}

/// Create an account, or reset one: password, role and clinics (admins only).
pub async fn save_account(pool: &PgPool, staff: &Staff, input: AccountInput) -> AppResult<()> {
    staff.require(&[Role::Admin])?;
    let username = input.username.trim().to_ascii_lowercase();
    let role = Role::parse(&input.role);
    if !(2..=32).contains(&username.len())
        || !username
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "_.-".contains(ch))
    {
        return Err(field(
            "username",
            "Nama pengguna 2–32 huruf kecil/angka.",
            "Username: 2–32 lower-case letters or digits.",
        ));
    }
    if input.password.chars().count() < 8 {
        return Err(field(
            "password",
            "Kata sandi minimal 8 karakter.",
            "The password needs at least 8 characters.",
        ));
    }
    let Some(role) = role else {
        return Err(field("role", "Pilih peran.", "Choose a role."));
    };
    if role == Role::Clinic && input.clinics.is_empty() {
        return Err(field(
            "clinic",
            "Akun poli perlu minimal satu poli.",
            "A clinic account needs at least one clinic.",
        ));
    }
    let full_name = input.full_name.trim().to_string();
    let codes = if role == Role::Clinic { input.clinics } else { Vec::new() };
    db::transaction(pool, move |conn| {
        super::staff::upsert_user(conn, &username, &full_name, &input.password, role, &codes)
            .map(|_| ())
    })
    .await
}

/// Switch a clinic, doctor or account on or off (admins only; `None`: an unknown kind of
/// record). A switched-off account is logged out at once; nobody switches off their own.
pub async fn set_active(
    pool: &PgPool,
    staff: &Staff,
    record: Option<Record>,
    id: i32,
    active: bool,
) -> AppResult<()> {
    staff.require(&[Role::Admin])?;
    if record == Some(Record::Account) && id == staff.id && !active {
        return Err(AppError::conflict(
            "own_account",
            "Anda tidak dapat menonaktifkan akun sendiri.",
            "You cannot switch off your own account.",
        ));
    }
    let Some(record) = record else {
        return Err(not_found());
    };
    db::transaction(pool, move |conn| {
        let changed = match record {
            Record::Clinic => catalogue::set_clinic_active(conn, id, active)?,
            Record::Doctor => catalogue::set_doctor_active(conn, id, active)?,
            Record::Account => {
                if !active {
                    catalogue::end_sessions_of(conn, id)?;
                }
                catalogue::set_account_active(conn, id, active)?
            }
        };
        if changed == 0 {
            return Err(not_found());
        }
        Ok(())
    })
    .await
}

/// The active clinics, by name.
pub async fn active_clinics(pool: &PgPool) -> AppResult<Vec<Clinic>> {
    db::run(pool, catalogue::active_clinics).await
}

/// The active clinic with this code (upper-case).
pub async fn open_clinic(pool: &PgPool, code: String) -> AppResult<Clinic> {
    db::run(pool, move |conn| {
        catalogue::find_active_clinic(conn, &code)?.ok_or_else(|| {
            AppError::not_found("unknown_clinic", "Poli tidak ditemukan.", "Clinic not found.")
        })
    })
    .await
}

/// One session with its clinic and doctor.
pub async fn session(pool: &PgPool, id: i32) -> AppResult<SessionView> {
    db::run(pool, move |conn| sessions::get(conn, id)).await
}

/// Sessions from `from` for `days` days, optionally of one clinic (created from the
/// schedules on first look).
pub async fn sessions_between(
    pool: &PgPool,
    from: NaiveDate,
    days: i64,
    clinic: Option<String>,
) -> AppResult<Vec<SessionView>> {
    db::run(pool, move |conn| sessions_from(conn, from, days, clinic.as_deref())).await
}

/// The active clinics and every session of the coming `days` days: the patient site's home.
pub async fn coming_days(
    pool: &PgPool,
    from: NaiveDate,
    days: i64,
) -> AppResult<(Vec<Clinic>, Vec<SessionView>)> {
    db::run(pool, move |conn| {
        Ok((catalogue::active_clinics(conn)?, sessions_from(conn, from, days, None)?))
    })
    .await
}

fn sessions_from(
    conn: &mut crate::db::PgConnection,
    from: NaiveDate,
    days: i64,
    clinic: Option<&str>,
) -> AppResult<Vec<SessionView>> {
    let to = from + Duration::days(days - 1);
    sessions::materialize(conn, from, to)?;
    let mut all = Vec::new();
    for n in 0..days {
        all.extend(sessions::list(conn, from + Duration::days(n), clinic)?);
    }
    Ok(all)
}

/// A leave, closure or extra session with the names of its doctor and clinic.
#[derive(Debug, Clone)]
pub struct UpcomingException {
    pub exception: ScheduleException,
    pub doctor: Option<String>,
    pub clinic: Option<String>,
}

/// What the schedules page lists for one staff member.
#[derive(Debug, Clone)]
pub struct SchedulePlan {
    /// The active clinics this account may plan.
    pub clinics: Vec<Clinic>,
    /// The active doctors.
    pub doctors: Vec<Doctor>,
    /// The doctors whose leave this account may record: every active doctor for an admin;
    /// for a clinic account, those with a current weekly schedule or a session in the coming
    /// week in its clinics.
    pub leave_doctors: Vec<Doctor>,
    /// The weekly schedules still valid, of the clinics this account sees.
    pub schedules: Vec<ScheduleRow>,
    /// Leave, closures and extra sessions from today on, of the clinics this account sees.
    pub exceptions: Vec<UpcomingException>,
}

/// How far ahead a clinic account's sessions name the doctors it may record leave for.
const LEAVE_LOOKAHEAD_DAYS: i64 = 8;

/// The schedules and changes from `today` on (admin, clinic).
pub async fn schedule_plan(
    pool: &PgPool,
    staff: &Staff,
    today: NaiveDate,
) -> AppResult<SchedulePlan> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let (clinics, doctors, schedules, exceptions, soon) = db::run(pool, move |conn| {
        // Sessions of the coming week (already made; nothing is written here).
        let mut soon = Vec::new();
        for n in 0..LEAVE_LOOKAHEAD_DAYS {
            soon.extend(sessions::list(conn, today + Duration::days(n), None)?);
        }
        Ok((
            catalogue::active_clinics(conn)?,
            catalogue::active_doctors(conn)?,
            crate::db::schedules::in_force(conn, today, None)?,
            catalogue::upcoming_exceptions(conn, today)?,
            soon,
        ))
    })
    .await?;
    let clinic_name = |id: Option<i32>| {
        id.and_then(|id| clinics.iter().find(|c| c.id == id)).map(|c| c.name.clone())
    };
    let doctor_name = |id: Option<i32>| {
        id.and_then(|id| doctors.iter().find(|d| d.id == id)).map(|d| d.name.clone())
    };
    let exceptions = exceptions
        .into_iter()
        .filter(|e| e.clinic_id.is_none_or(|id| staff.may_see_clinic(id)))
        .map(|e| UpcomingException {
            doctor: doctor_name(e.doctor_id),
            clinic: clinic_name(e.clinic_id),
            exception: e,
        })
        .collect();
    let schedules: Vec<ScheduleRow> =
        schedules.into_iter().filter(|(_, clinic, _)| staff.may_see_clinic(clinic.id)).collect();
    let leave_doctors = doctors
        .iter()
        .filter(|d| {
            staff.role == Role::Admin
                || schedules.iter().any(|(s, _, _)| s.doctor_id == d.id)
                || soon.iter().any(|s| s.doctor.id == d.id && staff.may_see_clinic(s.clinic.id))
        })
        .cloned()
        .collect();
    Ok(SchedulePlan {
        schedules,
        leave_doctors,
        exceptions,
        clinics: clinics.into_iter().filter(|c| staff.may_see_clinic(c.id)).collect(),
        doctors,
    })
}

/// One weekly schedule, to edit it (admins, and clinic accounts of its clinic).
pub async fn schedule(pool: &PgPool, staff: &Staff, id: i32) -> AppResult<ScheduleRow> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let row = db::run(pool, move |conn| {
        catalogue::find_schedule(conn, id)?.ok_or_else(|| {
            AppError::not_found(
                "unknown_schedule",
                "Jadwal tidak ditemukan.",
                "Schedule not found.",
            )
        })
    })
    .await?;
    staff.require_clinic(row.1.id)?;
    Ok(row)
}
