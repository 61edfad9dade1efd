//! What the hospital offers, as the administration and the schedules pages list and change
//! it: clinics, doctors, staff accounts, weekly schedules and their exceptions.
use chrono::NaiveDate;
use diesel::prelude::*;

use super::models::{Clinic, Doctor, NewClinic, NewDoctor, Schedule, ScheduleException, StaffUser};
use super::schema::{
    clinics, doctors, login_sessions, practice_schedules, schedule_exceptions, staff_clinics,
    staff_users,
};
use crate::error::AppResult;

/// Every clinic, active or not, by name.
pub fn list_clinics(conn: &mut PgConnection) -> AppResult<Vec<Clinic>> {
    Ok(clinics::table.order(clinics::name).select(Clinic::as_select()).load(conn)?)
}

/// The active clinics, by name.
pub fn active_clinics(conn: &mut PgConnection) -> AppResult<Vec<Clinic>> {
    Ok(clinics::table
        .filter(clinics::active.eq(true))
        .order(clinics::name)
        .select(Clinic::as_select())
        .load(conn)?)
}

/// The active clinic with this code.
pub fn find_active_clinic(conn: &mut PgConnection, code: &str) -> AppResult<Option<Clinic>> {
    Ok(clinics::table
        .filter(clinics::code.eq(code))
        .filter(clinics::active.eq(true))
        .select(Clinic::as_select())
        .first(conn)
        .optional()?)
}

/// Create a clinic, or change the one with its code.
pub fn upsert_clinic(conn: &mut PgConnection, clinic: &NewClinic) -> AppResult<()> {
    diesel::insert_into(clinics::table)
        .values(clinic)
        .on_conflict(clinics::code)
        .do_update()
        .set((
            clinics::name.eq(clinic.name),
            clinics::name_en.eq(clinic.name_en),
            clinics::prefix.eq(clinic.prefix),
            clinics::bpjs_code.eq(clinic.bpjs_code),
            clinics::room.eq(clinic.room),
        ))
        .execute(conn)?;
    Ok(())
}

/// Switch a clinic on or off; the number of rows changed (0: no such clinic).
pub fn set_clinic_active(conn: &mut PgConnection, id: i32, active: bool) -> AppResult<usize> {
    Ok(diesel::update(clinics::table.find(id)).set(clinics::active.eq(active)).execute(conn)?)
}

/// Every doctor, active or not, by name.
pub fn list_doctors(conn: &mut PgConnection) -> AppResult<Vec<Doctor>> {
    Ok(doctors::table.order(doctors::name).select(Doctor::as_select()).load(conn)?)
}

/// The active doctors, by name.
pub fn active_doctors(conn: &mut PgConnection) -> AppResult<Vec<Doctor>> {
    Ok(doctors::table
        .filter(doctors::active.eq(true))
        .order(doctors::name)
        .select(Doctor::as_select())
        .load(conn)?)
}

/// Create a doctor, or change the one with its code.
pub fn upsert_doctor(conn: &mut PgConnection, doctor: &NewDoctor) -> AppResult<()> {
    diesel::insert_into(doctors::table)
        .values(doctor)
        .on_conflict(doctors::code)
        .do_update()
        .set((doctors::name.eq(doctor.name), doctors::bpjs_code.eq(doctor.bpjs_code)))
        .execute(conn)?;
    Ok(())
}

/// Switch a doctor on or off; the number of rows changed (0: no such doctor).
pub fn set_doctor_active(conn: &mut PgConnection, id: i32, active: bool) -> AppResult<usize> {
    Ok(diesel::update(doctors::table.find(id)).set(doctors::active.eq(active)).execute(conn)?)
}

/// Every staff account, by username.
pub fn list_accounts(conn: &mut PgConnection) -> AppResult<Vec<StaffUser>> {
    Ok(staff_users::table.order(staff_users::username).select(StaffUser::as_select()).load(conn)?)
}

/// (account id, clinic code) of every account's clinics.
pub fn account_clinic_codes(conn: &mut PgConnection) -> AppResult<Vec<(i32, String)>> {
    Ok(staff_clinics::table
        .inner_join(clinics::table)
        .select((staff_clinics::staff_id, clinics::code))
        .load(conn)?)
}

/// Switch an account on or off; the number of rows changed (0: no such account).
pub fn set_account_active(conn: &mut PgConnection, id: i32, active: bool) -> AppResult<usize> {
    Ok(diesel::update(staff_users::table.find(id))
        .set(staff_users::active.eq(active))
        .execute(conn)?)
}

/// End every login session of an account.
pub fn end_sessions_of(conn: &mut PgConnection, staff_id: i32) -> AppResult<()> {
    diesel::delete(login_sessions::table.filter(login_sessions::staff_id.eq(staff_id)))
        .execute(conn)?;
    Ok(())
}

/// A weekly schedule with its clinic and doctor.
pub type ScheduleRow = (Schedule, Clinic, Doctor);

/// One weekly schedule with its clinic and doctor.
pub fn find_schedule(conn: &mut PgConnection, id: i32) -> AppResult<Option<ScheduleRow>> {
    Ok(practice_schedules::table
        .inner_join(clinics::table)
        .inner_join(doctors::table)
        .filter(practice_schedules::id.eq(id))
        .select((Schedule::as_select(), Clinic::as_select(), Doctor::as_select()))
        .first(conn)
        .optional()?)
}

/// Leave, closures and extra sessions from `today` on, by date.
pub fn upcoming_exceptions(
    conn: &mut PgConnection,
    today: NaiveDate,
) -> AppResult<Vec<ScheduleException>> {
    Ok(schedule_exceptions::table
        .filter(schedule_exceptions::date.ge(today))
        .order((schedule_exceptions::date, schedule_exceptions::id))
        .select(ScheduleException::as_select())
        .load(conn)?)
}

/// Add a clinic unless its code exists (the demo seed).
pub fn add_clinic_if_missing(conn: &mut PgConnection, clinic: &NewClinic) -> AppResult<()> {
    diesel::insert_into(clinics::table)
        .values(clinic)
        .on_conflict(clinics::code)
        .do_nothing()
        .execute(conn)?;
    Ok(())
}

/// Add a doctor unless its code exists (the demo seed).
pub fn add_doctor_if_missing(conn: &mut PgConnection, doctor: &NewDoctor) -> AppResult<()> {
    diesel::insert_into(doctors::table)
        .values(doctor)
        .on_conflict(doctors::code)
        .do_nothing()
        .execute(conn)?;
    Ok(())
}

/// How many weekly schedules exist.
pub fn count_schedules(conn: &mut PgConnection) -> AppResult<i64> {
    Ok(practice_schedules::table.count().get_result(conn)?)
}
