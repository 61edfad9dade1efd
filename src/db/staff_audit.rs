//! The audit log of account and catalogue changes (`staff_audit`): who changed what, when;
//! never a password.
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::models::{Clinic, Doctor, NewClinic, NewDoctor};
use super::schema::{clinics, doctors, staff_audit, staff_users};
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub username: Option<String>,
    pub action: String,
    pub detail: serde_json::Value,
}

pub fn record(
    conn: &mut PgConnection,
    at: DateTime<Utc>,
    staff_id: i32,
    action: &str,
    detail: &serde_json::Value,
) -> AppResult<()> {
    diesel::insert_into(staff_audit::table)
        .values((
            staff_audit::at.eq(at),
            staff_audit::staff_id.eq(staff_id),
            staff_audit::action.eq(action),
            staff_audit::detail.eq(detail),
        ))
        .execute(conn)?;
    Ok(())
}

/// The latest entries, newest first.
pub fn latest(conn: &mut PgConnection, limit: i64) -> AppResult<Vec<AuditEntry>> {
    Ok(staff_audit::table
        .left_join(staff_users::table)
        .order(staff_audit::id.desc())
        .limit(limit)
        .select((
            staff_audit::id,
            staff_audit::at,
            staff_users::username.nullable(),
            staff_audit::action,
            staff_audit::detail,
        ))
        .load(conn)?)
}

/// A new password hash for an account (and its failed logins forgotten).
pub fn set_password_hash(conn: &mut PgConnection, id: i32, hash: &str) -> AppResult<()> {
    diesel::update(staff_users::table.find(id))
        .set((staff_users::password_hash.eq(hash), staff_users::failed_logins.eq(0)))
        .execute(conn)?;
    Ok(())
}

pub fn password_hash(conn: &mut PgConnection, id: i32) -> AppResult<String> {
    Ok(staff_users::table.find(id).select(staff_users::password_hash).first(conn)?)
}

/// Correct a clinic by id (its code too); the clinic before and after. `Ok(None)`: no such
/// clinic; [`CodeTaken`]: the code (or prefix) belongs to another clinic.
pub fn correct_clinic(
    conn: &mut PgConnection,
    id: i32,
    new: &NewClinic,
) -> AppResult<Result<Option<(Clinic, Clinic)>, CodeTaken>> {
    let Some(before) =
        clinics::table.find(id).select(Clinic::as_select()).first(conn).optional()?
    else {
        return Ok(Ok(None));
    };
    let updated = conn.transaction(|c| {
        diesel::update(clinics::table.find(id))
            .set((
                clinics::code.eq(new.code),
                clinics::name.eq(new.name),
                clinics::name_en.eq(new.name_en),
                clinics::prefix.eq(new.prefix),
                clinics::bpjs_code.eq(new.bpjs_code),
                clinics::room.eq(new.room),
            ))
            .returning(Clinic::as_returning())
            .get_result(c)
    });
    match updated {
        Ok(after) => Ok(Ok(Some((before, after)))),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            Ok(Err(CodeTaken))
        }
        Err(e) => Err(e.into()),
    }
}

/// Correct a doctor by id (their code too); before and after.
pub fn correct_doctor(
    conn: &mut PgConnection,
    id: i32,
    new: &NewDoctor,
) -> AppResult<Result<Option<(Doctor, Doctor)>, CodeTaken>> {
    let Some(before) =
        doctors::table.find(id).select(Doctor::as_select()).first(conn).optional()?
    else {
        return Ok(Ok(None));
    };
    let updated = conn.transaction(|c| {
        diesel::update(doctors::table.find(id))
            .set((
                doctors::code.eq(new.code),
                doctors::name.eq(new.name),
                doctors::bpjs_code.eq(new.bpjs_code),
            ))
            .returning(Doctor::as_returning())
            .get_result(c)
    });
    match updated {
        Ok(after) => Ok(Ok(Some((before, after)))),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            Ok(Err(CodeTaken))
        }
        Err(e) => Err(e.into()),
    }
}

/// A code already held by another record.
#[derive(Debug, Clone, Copy)]
pub struct CodeTaken;
