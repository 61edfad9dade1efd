//! Changes that go into the staff audit log (`staff_audit`): an account's own password, and
//! an administrator's corrections of a clinic's or a doctor's codes (BPJS codes too) and
//! names. The log records who, when and what changed; never a password.
use chrono::{DateTime, Utc};
use diesel::PgConnection;
use serde_json::json;

use super::Access;
use crate::db::models::{NewClinic, NewDoctor};
use crate::db::staff_audit::{self, AuditEntry};
use crate::domain::Invalid;
use crate::domain::staff::{Role, StaffIdentity};
use crate::error::{AppError, AppResult};

/// Shortest password an account may choose (as `sipoli staff add`).
pub const MIN_PASSWORD: usize = 8;

fn field(name: &'static str, code: &'static str, id: &'static str, en: &'static str) -> AppError {
    AppError::fields(vec![(name, Invalid::new(code, id, en))])
}

fn code_taken() -> AppError {
    AppError::conflict(
        "code_taken",
        "Kode itu sudah dipakai data lain.",
        "That code is already used by another record.",
    )
}

fn not_found() -> AppError {
    AppError::not_found("not_found", "Data tidak ditemukan.", "Not found.")
}

/// Change one's own password: the current one, then the new one twice (at least
/// [`MIN_PASSWORD`] characters, not the current one). Audited.
pub fn change_password(
    conn: &mut PgConnection,
    staff: &StaffIdentity,
    current: &str,
    new: &str,
    repeat: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let hash = staff_audit::password_hash(conn, staff.id)?;
    if !super::staff::verify_password(current, &hash) {
        return Err(field(
            "current_password",
            "wrong_password",
            "Kata sandi sekarang salah.",
            "The current password is wrong.",
        ));
    }
    if new.chars().count() < MIN_PASSWORD {
        return Err(field(
            "new_password",
            "password_too_short",
            "Kata sandi baru paling sedikit 8 karakter.",
            "The new password needs at least 8 characters.",
        ));
    }
    if new != repeat {
        return Err(field(
            "new_password_repeat",
            "password_mismatch",
            "Ulangan kata sandi baru tidak sama.",
            "The repeated new password does not match.",
        ));
    }
    if new == current {
        return Err(field(
            "new_password",
            "password_unchanged",
            "Kata sandi baru harus berbeda dari yang sekarang.",
            "The new password must differ from the current one.",
        ));
    }
    let hash = super::staff::hash_password(new)?;
    staff_audit::set_password_hash(conn, staff.id, &hash)?;
    // Whoever else is logged in with the old password is logged out; this session stays.
    let ended = crate::db::staff::end_other_sessions(conn, staff.id, &staff.csrf_token)?;
    staff_audit::record(
        conn,
        now,
        staff.id,
        "password_changed",
        &json!({"username": staff.username, "other_sessions_ended": ended}),
    )
}

/// Correct a clinic by id, its code included (admins); before and after go into the log.
pub fn correct_clinic(
    conn: &mut PgConnection,
    staff: &StaffIdentity,
    id: i32,
    new: &NewClinic,
    now: DateTime<Utc>,
) -> AppResult<()> {
    staff.require(&[Role::Admin])?;
    let (before, after) = staff_audit::correct_clinic(conn, id, new)?
        .map_err(|_| code_taken())?
        .ok_or_else(not_found)?;
    let fields = |c: &crate::db::models::Clinic| {
        json!({"code": c.code, "name": c.name, "name_en": c.name_en, "prefix": c.prefix,
               "bpjs_code": c.bpjs_code, "room": c.room})
    };
    staff_audit::record(
        conn,
        now,
        staff.id,
        "clinic_corrected",
        &json!({"id": id, "before": fields(&before), "after": fields(&after)}),
    )
}

/// Correct a doctor by id, their code included (admins); before and after go into the log.
pub fn correct_doctor(
    conn: &mut PgConnection,
    staff: &StaffIdentity,
    id: i32,
    new: &NewDoctor,
    now: DateTime<Utc>,
) -> AppResult<()> {
    staff.require(&[Role::Admin])?;
    let (before, after) = staff_audit::correct_doctor(conn, id, new)?
        .map_err(|_| code_taken())?
        .ok_or_else(not_found)?;
    let fields = |d: &crate::db::models::Doctor| json!({"code": d.code, "name": d.name, "bpjs_code": d.bpjs_code});
    staff_audit::record(
        conn,
        now,
        staff.id,
        "doctor_corrected",
        &json!({"id": id, "before": fields(&before), "after": fields(&after)}),
    )
}

/// The latest account and catalogue changes (admins).
pub fn latest(
    conn: &mut PgConnection,
    staff: &StaffIdentity,
    limit: i64,
) -> AppResult<Vec<AuditEntry>> {
    staff.require(&[Role::Admin])?;
    staff_audit::latest(conn, limit)
}
