//! Queries of the Mobile JKN bridge: clinics and sessions found by their BPJS codes, patients
//! by NIK or card number, and patients registered through `/jkn/pasienbaru`.
use chrono::{NaiveDate, NaiveTime};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::models::{NewPatient, Patient};
use super::schema::{clinic_sessions, clinics, doctors, patients};
use crate::error::AppResult;

/// The active clinic with this BPJS `kodepoli`.
pub fn clinic_by_bpjs_code(conn: &mut PgConnection, kodepoli: &str) -> AppResult<Option<i32>> {
    Ok(clinics::table
        .filter(clinics::bpjs_code.eq(kodepoli))
        .filter(clinics::active)
        .select(clinics::id)
        .first(conn)
        .optional()?)
}

/// The session of a clinic whose doctor has this BPJS `kodedokter`, on `date` from `from`
/// to `to`.
pub fn session_by_bpjs_codes(
    conn: &mut PgConnection,
    clinic_id: i32,
    kodedokter: i32,
    date: NaiveDate,
    (from, to): (NaiveTime, NaiveTime),
) -> AppResult<Option<i32>> {
    Ok(clinic_sessions::table
        .inner_join(doctors::table)
        .filter(clinic_sessions::clinic_id.eq(clinic_id))
        .filter(doctors::bpjs_code.eq(kodedokter))
        .filter(clinic_sessions::service_date.eq(date))
        .filter(clinic_sessions::starts_at.eq(from))
        .filter(clinic_sessions::ends_at.eq(to))
        .select(clinic_sessions::id)
        .first(conn)
        .optional()?)
}

pub fn find_patient(conn: &mut PgConnection, id: i64) -> AppResult<Patient> {
    Ok(patients::table.find(id).select(Patient::as_select()).first(conn)?)
}

/// Patients with this NIK or this BPJS card number (an empty card number matches none).
pub fn patients_with_identity(
    conn: &mut PgConnection,
    nik: &str,
    card: &str,
) -> AppResult<Vec<Patient>> {
    Ok(patients::table
        .filter(patients::nik.eq(nik).or(patients::bpjs_no.eq(card)))
        .select(Patient::as_select())
        .load(conn)?)
}

/// A new medical record number from the sequence, eight digits.
fn next_medical_record_no(conn: &mut PgConnection) -> AppResult<String> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N =
        diesel::sql_query("SELECT nextval('jkn_medical_record_numbers') AS n").get_result(conn)?;
    Ok(format!("{:08}", n.n))
}

/// Register a patient with a new medical record number from the sequence (skipping numbers
/// already given by hand at the counter). `None` when the NIK or card is already registered.
pub fn register_patient(
    conn: &mut PgConnection,
    patient: &mut NewPatient,
) -> AppResult<Option<String>> {
    loop {
        let norm = next_medical_record_no(conn)?;
        patient.medical_record_no = Some(norm.clone());
        let inserted =
            conn.transaction(|c| diesel::insert_into(patients::table).values(&*patient).execute(c));
        match inserted {
            Ok(_) => return Ok(Some(norm)),
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)) => {
                if info.constraint_name() == Some("patients_medical_record_no_key") {
                    // Number already given by hand at the counter: take the next one.
                    continue;
                }
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        }
    }
}
