//! Staff login and logout.
use actix_web::{
    HttpRequest, HttpResponse,
    cookie::{Cookie, SameSite, time::Duration as CookieDuration},
    http::StatusCode,
    web,
};
use serde::Deserialize;
use serde_json::json;

use super::parse_json;
use crate::app::AppState;
use crate::auth::{SESSION_COOKIE, Staff, token_of, verify_password};
use crate::db::{self, staff};
use crate::error::{AppError, AppResult};

#[derive(Debug, Deserialize)]
pub struct LoginBody {
    pub username: String,
    pub password: String,
}

fn bad_credentials() -> AppError {
    AppError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "Nama pengguna atau kata sandi salah.",
        "Wrong username or password.",
    )
}

fn locked() -> AppError {
    AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam beberapa menit.",
        "Too many failed logins. Try again in a few minutes.",
    )
}

/// Check a username and password; on success a new login session (token, csrf, identity).
pub async fn authenticate(
    state: &AppState,
    username: String,
    password: String,
) -> AppResult<(String, staff::StaffIdentity)> {
    let (now, hours) = (state.now(), state.settings.session_hours);
    db::run(&state.pool, move |c| {
        let username = username.trim().to_ascii_lowercase();
        let Some(user) = staff::find_by_username(c, &username)? else {
            // Spend the same time as a real check, so names cannot be probed by timing.
            verify_password(&password, &crate::auth::DUMMY_HASH);
            return Err(bad_credentials());
        };
        if user.locked_until.is_some_and(|t| t > now) {
            return Err(locked());
        }
        if !user.active || !verify_password(&password, &user.password_hash) {
            staff::record_failed_login(c, user.id, now)?;
            return Err(bad_credentials());
        }
        let (token, _csrf) = staff::start_session(c, user.id, now, hours)?;
        let identity = staff::identify(c, &token, now)?.ok_or_else(bad_credentials)?;
        Ok((token, identity))
    })
    .await
}

pub fn session_cookie(state: &AppState, token: &str) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.base_url.starts_with("https://"))
        .max_age(CookieDuration::hours(state.settings.session_hours))
        .finish()
}

pub fn identity_json(s: &staff::StaffIdentity) -> serde_json::Value {
    json!({"username": s.username, "full_name": s.full_name, "role": s.role, "clinic_ids": s.clinic_ids})
}

/// `POST /api/v1/auth/login` → token (for `Authorization: Bearer`), CSRF token, cookie.
pub async fn login(state: web::Data<AppState>, body: web::Bytes) -> AppResult<HttpResponse> {
    let LoginBody { username, password } = parse_json(&body)?;
    let (token, identity) = authenticate(&state, username, password).await?;
    Ok(HttpResponse::Ok().cookie(session_cookie(&state, &token)).json(json!({
        "token": token,
        "csrf_token": identity.csrf_token,
        "user": identity_json(&identity),
    })))
}

/// `POST /api/v1/auth/logout`
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    _staff: Staff,
) -> AppResult<HttpResponse> {
    if let Some((token, _)) = token_of(&req) {
        db::run(&state.pool, move |c| staff::end_session(c, &token)).await?;
    }
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    Ok(HttpResponse::Ok().cookie(gone).json(json!({"logged_out": true})))
}

/// `GET /api/v1/auth/me`
pub async fn me(staff: Staff) -> HttpResponse {
    HttpResponse::Ok().json(json!({"user": identity_json(&staff), "csrf_token": staff.csrf_token}))
}
