//! Staff login and logout.
use actix_web::{HttpRequest, HttpResponse, cookie::Cookie, web};
use serde::Deserialize;
use serde_json::json;

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

pub fn identity_json(s: &StaffIdentity) -> serde_json::Value {
    json!({"username": s.username, "full_name": s.full_name, "role": s.role, "clinic_ids": s.clinic_ids})
}

/// `POST /api/v1/auth/login` → token (for `Authorization: Bearer`), CSRF token, cookie.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "staff auth",
    request_body = crate::api::auth::LoginBody,
    responses(
        (status = 200, description = "`{token, csrf_token, user}` and the `sipoli_session` cookie", body = serde_json::Value),
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
    Ok(HttpResponse::Ok().cookie(session_cookie(&state, &token)).json(json!({
        "token": token,
        "csrf_token": identity.csrf_token,
        "user": identity_json(&identity),
    })))
}

/// `POST /api/v1/auth/logout`
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "staff auth",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    responses(
        (status = 200, description = "`{logged_out: true}`; the cookie removed", body = serde_json::Value)
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
    Ok(HttpResponse::Ok().cookie(gone).json(json!({"logged_out": true})))
}

/// `GET /api/v1/auth/me`
#[utoipa::path(
    get,
    path = "/api/v1/auth/me",
    tag = "staff auth",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    responses(
        (status = 200, description = "`{user, csrf_token}`", body = serde_json::Value)
    ),
)]
pub async fn me(staff: Staff) -> HttpResponse {
    HttpResponse::Ok().json(json!({"user": identity_json(&staff), "csrf_token": staff.csrf_token}))
}
