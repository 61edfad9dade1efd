//! Staff login and logout.
use actix_web::{HttpRequest, HttpResponse, cookie::Cookie, web};
use serde::{Deserialize, Serialize};

use super::parse_json;
use crate::app::AppState;
use crate::auth::{SESSION_COOKIE, Staff, session_cookie, token_of};
use crate::domain::staff::StaffIdentity;
use crate::error::AppResult;
use crate::service;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginBody {
    pub username: String,
    pub password: String,
}

/// The logged-in account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserOut {
    pub username: String,
    pub full_name: String,
    pub role: crate::domain::staff::Role,
    /// Clinic ids a `clinic` account is assigned to (empty for the other roles).
    pub clinic_ids: Vec<i32>,
}

pub fn identity_json(s: &StaffIdentity) -> UserOut {
    UserOut {
        username: s.username.clone(),
        full_name: s.full_name.clone(),
        role: s.role,
        clinic_ids: s.clinic_ids.clone(),
    }
}

/// A login: the session token, the CSRF token for cookie requests, the account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginOut {
    /// For `Authorization: Bearer`; also set as the `sipoli_session` cookie.
    pub token: String,
    /// Send as `X-CSRF-Token` with cookie-authenticated writes.
    pub csrf_token: String,
    pub user: UserOut,
}

/// A logout: always `{logged_out: true}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoggedOut {
    pub logged_out: bool,
}

/// The account behind this token or cookie.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeOut {
    pub user: UserOut,
    pub csrf_token: String,
}

/// `POST /api/v1/auth/login` → token (for `Authorization: Bearer`), CSRF token, cookie.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "staff auth",
    request_body = crate::api::auth::LoginBody,
    responses(
        (status = 200, description = "`{token, csrf_token, user}` and the `sipoli_session` cookie", body = LoginOut),
        (status = 401, description = "Wrong username or password", body = crate::openapi::ErrorBody)
    ),
)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let LoginBody { username, password } = parse_json(&body)?;
    let client = crate::limits::address_of(&req);
    let (token, identity) = service::staff::login(&state, username, password, client).await?;
    let user = identity_json(&identity);
    Ok(HttpResponse::Ok().cookie(session_cookie(&state, &token)).json(LoginOut {
        token,
        csrf_token: identity.csrf_token,
        user,
    }))
}

/// `POST /api/v1/auth/logout`
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "staff auth",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    responses(
        (status = 200, description = "`{logged_out: true}`; the cookie removed", body = LoggedOut)
    ),
)]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    _staff: Staff,
) -> AppResult<HttpResponse> {
    if let Some((token, _)) = token_of(&req) {
        service::staff::logout(&state, token).await?;
    }
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    Ok(HttpResponse::Ok().cookie(gone).json(LoggedOut { logged_out: true }))
}

/// `GET /api/v1/auth/me`
#[utoipa::path(
    get,
    path = "/api/v1/auth/me",
    tag = "staff auth",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    responses(
        (status = 200, description = "`{user, csrf_token}`", body = MeOut)
    ),
)]
pub async fn me(staff: Staff) -> HttpResponse {
    HttpResponse::Ok()
        .json(MeOut { user: identity_json(&staff), csrf_token: staff.csrf_token.clone() })
}
