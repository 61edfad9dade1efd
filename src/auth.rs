//! Staff authentication: argon2id passwords, login sessions in PostgreSQL carried by an
//! HttpOnly cookie or a Bearer token, CSRF for cookie-authenticated changes, roles.
use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{FromRequest, HttpRequest, dev::Payload, http::Method, web};

use crate::app::AppState;
use crate::domain::staff::{Actor, StaffIdentity};
use crate::error::{AppError, AppResult};
use crate::service::Access;

pub const SESSION_COOKIE: &str = "sipoli_session";
pub const CSRF_HEADER: &str = "X-CSRF-Token";

pub use crate::domain::staff::Role;

pub use crate::service::staff::{hash_password, random_token, verify_password};

/// The token a request carries: `Authorization: Bearer …`, else the session cookie.
/// The flag says whether it came from the cookie (then changes need the CSRF token).
pub fn token_of(req: &HttpRequest) -> Option<(String, bool)> {
    if let Some(bearer) = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some((bearer.trim().to_string(), false));
    }
    req.cookie(SESSION_COOKIE).map(|c| (c.value().to_string(), true))
}

/// A logged-in staff member. As an extractor it refuses with 401 when there is none, and
/// with 403 when a cookie-authenticated change lacks the CSRF header.
#[derive(Debug, Clone)]
pub struct Staff(pub StaffIdentity);

impl std::ops::Deref for Staff {
    type Target = StaffIdentity;
    fn deref(&self) -> &StaffIdentity {
        &self.0
    }
}

impl Staff {
    pub fn actor(&self) -> Actor {
        self.0.actor()
    }
    pub fn require(&self, roles: &[Role]) -> AppResult<()> {
        self.0.require(roles)
    }
    pub fn require_clinic(&self, clinic_id: i32) -> AppResult<()> {
        self.0.require_clinic(clinic_id)
    }
}

fn state_of(req: &HttpRequest) -> AppResult<web::Data<AppState>> {
    req.app_data::<web::Data<AppState>>().cloned().ok_or_else(|| AppError::internal("no app state"))
}

pub async fn identify(req: &HttpRequest) -> AppResult<Option<(StaffIdentity, bool)>> {
    let Some((token, from_cookie)) = token_of(req) else {
        return Ok(None);
    };
    let state = state_of(req)?;
    let found = crate::service::staff::identify(&state, token).await?;
    Ok(found.map(|s| (s, from_cookie)))
}

impl FromRequest for Staff {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Staff, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let (staff, from_cookie) = identify(&req).await?.ok_or_else(AppError::unauthorized)?;
            let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
            if from_cookie && changes {
                let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
                if sent != Some(staff.csrf_token.as_str()) {
                    return Err(AppError::new(
                        actix_web::http::StatusCode::FORBIDDEN,
                        "csrf_failed",
                        "Token keamanan formulir tidak cocok. Muat ulang halaman lalu coba lagi.",
                        "The form's security token did not match. Reload the page and try again.",
                    ));
                }
            }
            Ok(Staff(staff))
        })
    }
}

/// The HttpOnly cookie that carries a staff login session.
pub fn session_cookie(state: &AppState, token: &str) -> Cookie<'static> {
    token_cookie(state, SESSION_COOKIE, token, CookieDuration::hours(state.settings.session_hours))
}

/// A cookie carrying a token: HttpOnly, SameSite=Lax, Secure behind https.
pub fn token_cookie(
    state: &AppState,
    name: &'static str,
    token: &str,
    max_age: CookieDuration,
) -> Cookie<'static> {
    Cookie::build(name, token.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.base_url.starts_with("https://"))
        .max_age(max_age)
        .finish()
}
/// The cookie that carries a paired kiosk's device token.
pub const KIOSK_COOKIE: &str = "sipoli_kiosk";

/// The kiosk device token a request carries: `Authorization: Kiosk …`, else the cookie.
pub fn kiosk_token_of(req: &HttpRequest) -> Option<String> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Kiosk "))
        .map(|t| t.trim().to_string());
    header.or_else(|| req.cookie(KIOSK_COOKIE).map(|c| c.value().to_string()))
}

/// The paired kiosk behind a request, if it carries a live device token.
pub async fn identify_kiosk(req: &HttpRequest) -> AppResult<Option<KioskDevice>> {
    let Some(token) = kiosk_token_of(req) else {
        return Ok(None);
    };
    crate::service::kiosks::identify(&*state_of(req)?, token).await
}

pub use crate::service::kiosks::KioskDevice;

/// A paired kiosk device. As an extractor it refuses with 401 without a live device token.
#[derive(Debug, Clone)]
pub struct Kiosk(pub KioskDevice);

impl FromRequest for Kiosk {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Kiosk, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            identify_kiosk(&req).await?.map(Kiosk).ok_or_else(crate::service::kiosks::unpaired)
        })
    }
}

/// The device cookie: HttpOnly, for a year (an admin revokes a lost kiosk).
pub fn kiosk_cookie(state: &AppState, token: &str) -> Cookie<'static> {
    crate::auth::token_cookie(state, KIOSK_COOKIE, token, CookieDuration::days(365))
}
