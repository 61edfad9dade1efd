//! Staff accounts and login sessions: passwords (argon2id), tokens, lockout.
use crate::db::PgConnection;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use std::net::IpAddr;

use chrono::{DateTime, Utc};

use super::AppState;
use crate::db::guesses::{self, GuessLimit};
use crate::db::{self, staff};
use crate::domain::kinds::GuessScope;
use crate::domain::staff::{Role, StaffIdentity};
use crate::error::{AppError, AppResult};

/// A hash of a random password, checked against when a username is unknown so that a
/// failed login takes the same time either way.
pub static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&random_token()).unwrap_or_default());

pub fn hash_password(password: &str) -> AppResult<String> {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(AppError::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// 32 random bytes, hex.
pub fn random_token() -> String {
    crate::config::random_key()
}

/// Create (or reset) an account with its clinics (by code). Used by `sipoli staff add`, the
/// demo and the admin console.
pub fn upsert_user(
    conn: &mut PgConnection,
    username: &str,
    full_name: &str,
    password: &str,
    role: Role,
    clinic_codes: &[String],
) -> AppResult<i32> {
    let hash = hash_password(password)?;
    staff::upsert_user(conn, username, full_name, &hash, role, clinic_codes)
}

/// Assign an existing account to exactly these stations (by code).
pub fn assign_stations(conn: &mut PgConnection, username: &str, codes: &[String]) -> AppResult<()> {
    let user = staff::find_by_username(conn, username)?.ok_or_else(|| {
        AppError::not_found("unknown_staff", "Akun tidak ditemukan.", "No such account.")
    })?;
    crate::db::stations::assign(conn, user.id, codes)
}

fn bad_credentials() -> AppError {
    AppError::new(
        actix_web::http::StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "Nama pengguna atau kata sandi salah.",
        "Wrong username or password.",
    )
}

fn locked() -> AppError {
    AppError::new(
        actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam beberapa menit.",
        "Too many failed logins. Try again in a few minutes.",
    )
}

fn address_slowed(until: DateTime<Utc>, now: DateTime<Utc>) -> AppError {
    crate::error::rate_limited((until - now).num_seconds().max(1).unsigned_abs())
}

/// Check a username and password; on success a new login session (token, identity).
/// Failed logins count per account (its lockout) and per client address, whatever the
/// usernames (too many slow that address down for a while, on every node).
pub async fn login(
    state: &AppState,
    username: String,
    password: String,
    client: Option<IpAddr>,
) -> AppResult<(String, StaffIdentity)> {
    let (now, hours) = (state.now(), state.settings.session_hours);
    let limits = &state.settings.limits;
    let window = chrono::Duration::minutes(limits.login_window_minutes);
    let limit = GuessLimit { failures: limits.login_failures, window, lock: window };
    let address = client.map(|a| a.to_string());
    db::run(&state.pool, move |c| {
        if let Some(a) = &address
            && let Some(until) = guesses::locked_until(c, GuessScope::LoginAddress, a, now)?
        {
            return Err(address_slowed(until, now));
        }
        let failed = |c: &mut PgConnection, error: AppError| -> AppResult<AppError> {
            let Some(a) = &address else { return Ok(error) };
            Ok(match guesses::record_failure(c, GuessScope::LoginAddress, a, now, limit)? {
                Some(until) => address_slowed(until, now),
                None => error,
            })
        };
        let username = username.trim().to_ascii_lowercase();
        let Some(user) = staff::find_by_username(c, &username)? else {
            // Spend the same time as a real check, so names cannot be probed by timing.
            verify_password(&password, &DUMMY_HASH);
            return Err(failed(c, bad_credentials())?);
        };
        if user.locked_until.is_some_and(|t| t > now) {
            return Err(failed(c, locked())?);
        }
        if !user.active || !verify_password(&password, &user.password_hash) {
            staff::record_failed_login(c, user.id, now)?;
            return Err(failed(c, bad_credentials())?);
        }
        let token = random_token();
        staff::start_session(c, user.id, &token, &random_token(), now, hours)?;
        let identity = staff::identify(c, &token, now)?.ok_or_else(bad_credentials)?;
        Ok((token, identity))
    })
    .await
}

/// End the login session of this token.
pub async fn logout(state: &AppState, token: String) -> AppResult<()> {
    db::run(&state.pool, move |c| staff::end_session(c, &token)).await
}

/// The staff member behind a token, if the session is alive and the account active.
pub async fn identify(state: &AppState, token: String) -> AppResult<Option<StaffIdentity>> {
    let now = state.now();
    db::run(&state.pool, move |c| staff::identify(c, &token, now)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_round_trip() {
        let hash = hash_password("demo").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("demo", &hash));
        assert!(!verify_password("Demo", &hash));
        assert!(!verify_password("demo", "not a hash"));
    }
}
