//! Staff accounts, their clinics and login sessions.
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::models::StaffUser;
use super::schema::{clinics, login_sessions, staff_clinics, staff_users};
use crate::domain::staff::Role;
use crate::error::{AppError, AppResult};

/// After this many failed logins in a row the account waits [`LOCK_MINUTES`].
pub const MAX_FAILED_LOGINS: i32 = 5;
pub const LOCK_MINUTES: i64 = 5;

pub use crate::domain::staff::StaffIdentity;

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Create or reset an account (with its password hash); clinics by code.
pub fn upsert_user(
    conn: &mut PgConnection,
    username: &str,
    full_name: &str,
    password_hash: &str,
    role: Role,
    clinic_codes: &[String],
) -> AppResult<i32> {
    let id: i32 = diesel::insert_into(staff_users::table)
        .values((
            staff_users::username.eq(username),
            staff_users::full_name.eq(full_name),
            staff_users::password_hash.eq(password_hash),
            staff_users::role.eq(role.as_str()),
        ))
        .on_conflict(staff_users::username)
        .do_update()
        .set((
            staff_users::full_name.eq(full_name),
            staff_users::password_hash.eq(password_hash),
            staff_users::role.eq(role.as_str()),
            staff_users::active.eq(true),
            staff_users::failed_logins.eq(0),
        ))
        .returning(staff_users::id)
        .get_result(conn)?;
    set_clinics(conn, id, clinic_codes)?;
    Ok(id)
}

pub fn set_clinics(
    conn: &mut PgConnection,
    staff_id: i32,
    clinic_codes: &[String],
) -> AppResult<()> {
    let ids: Vec<i32> =
        clinics::table.filter(clinics::code.eq_any(clinic_codes)).select(clinics::id).load(conn)?;
    if ids.len() != clinic_codes.len() {
        return Err(AppError::unprocessable(
            "unknown_clinic",
            "Kode poli tidak dikenal.",
            "Unknown clinic code.",
        ));
    }
    diesel::delete(staff_clinics::table.filter(staff_clinics::staff_id.eq(staff_id)))
        .execute(conn)?;
    let rows: Vec<_> = ids
        .iter()
        .map(|c| (staff_clinics::staff_id.eq(staff_id), staff_clinics::clinic_id.eq(*c)))
        .collect();
    diesel::insert_into(staff_clinics::table).values(rows).execute(conn)?;
    Ok(())
}

pub fn find_by_username(conn: &mut PgConnection, username: &str) -> AppResult<Option<StaffUser>> {
    Ok(staff_users::table
        .filter(staff_users::username.eq(username))
        .select(StaffUser::as_select())
        .first(conn)
        .optional()?)
}

/// Count a failed login; lock the account for a while after too many.
pub fn record_failed_login(conn: &mut PgConnection, id: i32, now: DateTime<Utc>) -> AppResult<()> {
    diesel::sql_query(
        "UPDATE staff_users SET failed_logins = failed_logins + 1,
             locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END
         WHERE id = $1",
    )
    .bind::<diesel::sql_types::Int4, _>(id)
    .bind::<diesel::sql_types::Int4, _>(MAX_FAILED_LOGINS)
    .bind::<diesel::sql_types::Timestamptz, _>(now + Duration::minutes(LOCK_MINUTES))
    .execute(conn)?;
    Ok(())
}

/// Start a login session with these tokens. Only the token's hash is stored.
pub fn start_session(
    conn: &mut PgConnection,
    staff_id: i32,
    token: &str,
    csrf: &str,
    now: DateTime<Utc>,
    hours: i64,
) -> AppResult<()> {
    diesel::update(staff_users::table.find(staff_id))
        .set((
            staff_users::failed_logins.eq(0),
            staff_users::locked_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)?;
    diesel::delete(login_sessions::table.filter(login_sessions::expires_at.lt(now)))
        .execute(conn)?;
    diesel::insert_into(login_sessions::table)
        .values((
            login_sessions::token_hash.eq(token_hash(token)),
            login_sessions::staff_id.eq(staff_id),
            login_sessions::csrf_token.eq(csrf),
            login_sessions::created_at.eq(now),
            login_sessions::expires_at.eq(now + Duration::hours(hours)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn end_session(conn: &mut PgConnection, token: &str) -> AppResult<()> {
    diesel::delete(login_sessions::table.find(token_hash(token))).execute(conn)?;
    Ok(())
}

/// End every login session of an account but the one with this CSRF token (the session
/// that is changing the password). Returns how many ended.
pub fn end_other_sessions(
    conn: &mut PgConnection,
    staff_id: i32,
    keep_csrf: &str,
) -> AppResult<usize> {
    Ok(diesel::delete(
        login_sessions::table
            .filter(login_sessions::staff_id.eq(staff_id))
            .filter(login_sessions::csrf_token.ne(keep_csrf)),
    )
    .execute(conn)?)
}

/// The staff member behind a session token, if the session is alive and the account active.
pub fn identify(
    conn: &mut PgConnection,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<StaffIdentity>> {
    let found: Option<(StaffUser, String)> = login_sessions::table
        .inner_join(staff_users::table)
        .filter(login_sessions::token_hash.eq(token_hash(token)))
        .filter(login_sessions::expires_at.gt(now))
        .filter(staff_users::active.eq(true))
        .select((StaffUser::as_select(), login_sessions::csrf_token))
        .first(conn)
        .optional()?;
    let Some((user, csrf_token)) = found else {
        return Ok(None);
    };
    let clinic_ids = staff_clinics::table
        .filter(staff_clinics::staff_id.eq(user.id))
        .select(staff_clinics::clinic_id)
        .load(conn)?;
    let station_ids = super::stations::of_staff(conn, user.id)?;
    Ok(Some(StaffIdentity {
        id: user.id,
        username: user.username,
        full_name: user.full_name,
        role: Role::parse(&user.role).unwrap_or(Role::Registration),
        clinic_ids,
        station_ids,
        csrf_token,
    }))
}

/// An account's desk printer (`tcp://host:port`), if it has one.
pub fn printer_of(conn: &mut PgConnection, id: i32) -> AppResult<Option<String>> {
    Ok(staff_users::table.find(id).select(staff_users::printer).first(conn)?)
}

/// Set (or clear) an account's desk printer.
pub fn set_printer(conn: &mut PgConnection, id: i32, printer: Option<&str>) -> AppResult<()> {
    diesel::update(staff_users::table.find(id))
        .set(staff_users::printer.eq(printer))
        .execute(conn)?;
    Ok(())
}
