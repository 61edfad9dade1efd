//! Staff authentication: argon2id passwords, login sessions in PostgreSQL carried by an
//! HttpOnly cookie or a Bearer token, CSRF for cookie-authenticated changes, roles.
use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::Method, web};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::app::AppState;
use crate::db::{self, staff::StaffIdentity};
use crate::error::{AppError, AppResult};

pub const SESSION_COOKIE: &str = "sipoli_session";
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// A hash of a random password, checked against when a username is unknown so that a
/// failed login takes the same time either way.
pub static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&random_token()).unwrap_or_default());

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything.
    Admin,
    /// Queues and schedules of the clinics assigned to the account.
    Clinic,
    /// Counter registration and check-in, all clinics.
    Registration,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Clinic => "clinic",
            Role::Registration => "registration",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "clinic" => Some(Role::Clinic),
            "registration" => Some(Role::Registration),
            _ => None,
        }
    }
}

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
    pub fn actor(&self) -> db::events::Actor {
        db::events::Actor::staff(self.id, &self.username)
    }
    pub fn require(&self, roles: &[Role]) -> AppResult<()> {
        if roles.contains(&self.role) { Ok(()) } else { Err(AppError::forbidden()) }
    }
    /// Admins and registration see every clinic; clinic accounts only their own.
    pub fn may_see_clinic(&self, clinic_id: i32) -> bool {
        self.role != Role::Clinic || self.clinic_ids.contains(&clinic_id)
    }
    /// Run a clinic's queue or schedules: admins, and clinic accounts of that clinic.
    pub fn require_clinic(&self, clinic_id: i32) -> AppResult<()> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Clinic if self.clinic_ids.contains(&clinic_id) => Ok(()),
            _ => Err(AppError::forbidden()),
        }
    }
}

pub async fn identify(req: &HttpRequest) -> AppResult<Option<(StaffIdentity, bool)>> {
    let Some((token, from_cookie)) = token_of(req) else {
        return Ok(None);
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::internal("no app state"))?
        .clone();
    let now = state.now();
    let found = db::run(&state.pool, move |c| db::staff::identify(c, &token, now)).await?;
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
