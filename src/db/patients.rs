//! Patients, found by NIK or BPJS card number.
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::models::{NewPatient, Patient};
use super::schema::patients;
use crate::error::AppResult;

/// Patients whose NIK or BPJS number is one of these.
pub fn find_by_identity(
    conn: &mut PgConnection,
    nik: Option<&str>,
    bpjs_no: Option<&str>,
) -> AppResult<Vec<Patient>> {
    Ok(patients::table
        .filter(
            patients::nik
                .eq(nik.unwrap_or_default())
                .or(patients::bpjs_no.eq(bpjs_no.unwrap_or_default())),
        )
        .select(Patient::as_select())
        .load(conn)?)
}

pub fn birth_date(conn: &mut PgConnection, id: i64) -> AppResult<NaiveDate> {
    Ok(patients::table.find(id).select(patients::birth_date).first(conn)?)
}

/// Remember a patient's BPJS number; `None` when another patient has it already.
pub fn set_bpjs_no(conn: &mut PgConnection, id: i64, bpjs_no: &str) -> AppResult<Option<Patient>> {
    let updated = conn.transaction(|c| {
        diesel::update(patients::table.find(id))
            .set(patients::bpjs_no.eq(bpjs_no))
            .returning(Patient::as_returning())
            .get_result(c)
    });
    match updated {
        Ok(p) => Ok(Some(p)),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Insert a patient; `None` when a concurrent request created one with the same number.
pub fn insert(conn: &mut PgConnection, new: &NewPatient) -> AppResult<Option<Patient>> {
    // `ON CONFLICT DO NOTHING` on every unique rule (NIK, BPJS number, record number): a
    // patient created a moment ago by another request inserts nothing, without a savepoint.
    Ok(diesel::insert_into(patients::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(Patient::as_returning())
        .get_result(conn)
        .optional()?)
}

/// How the counter looks a patient up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatientLookup {
    Nik(String),
    BpjsNo(String),
    RecordNo(String),
    /// Part of the name (case-insensitive) and the exact birth date.
    NameAndBirth(String, NaiveDate),
}

/// Patients matching a counter lookup, at most `limit`, by name.
pub fn search(
    conn: &mut PgConnection,
    lookup: &PatientLookup,
    limit: i64,
) -> AppResult<Vec<Patient>> {
    let query = patients::table.select(Patient::as_select()).order(patients::name).limit(limit);
    Ok(match lookup {
        PatientLookup::Nik(n) => query.filter(patients::nik.eq(n)).load(conn)?,
        PatientLookup::BpjsNo(b) => query.filter(patients::bpjs_no.eq(b)).load(conn)?,
        PatientLookup::RecordNo(r) => query.filter(patients::medical_record_no.eq(r)).load(conn)?,
        PatientLookup::NameAndBirth(name, birth) => {
            let pattern =
                format!("%{}%", name.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
            query
                .filter(patients::birth_date.eq(birth))
                .filter(patients::name.ilike(pattern))
                .load(conn)?
        }
    })
}

pub fn find(conn: &mut PgConnection, id: i64) -> AppResult<Option<Patient>> {
    Ok(patients::table.find(id).select(Patient::as_select()).first(conn).optional()?)
}
