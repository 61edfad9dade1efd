//! The staff pages' prelude as extractors. [`StaffPage`]: who is logged in (else the login
//! page), with the layout's context filled in for them. [`StaffForm`]: the same for a form
//! post, whose `csrf` field must carry the login session's token (else a 403 that changes
//! nothing). Role checks are the service's.
use actix_web::{FromRequest, HttpRequest, dev::Payload, http::StatusCode, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::{Ctx, OrPage, PageError};
use crate::app::AppState;
use crate::auth::{Role, Staff};
use crate::error::AppError;
use crate::service::catalogue;

/// A page request of a logged-in staff member.
pub struct StaffPage {
    pub staff: Staff,
    pub c: Ctx,
}

impl StaffPage {
    async fn of(req: &HttpRequest) -> Result<StaffPage, PageError> {
        let mut c = Ctx::of(req);
        let found = crate::auth::identify(req).await.or_page(c.lang)?;
        let Some((staff, _)) = found else {
            return Err(PageError::new(c.lang, AppError::unauthorized()));
        };
        c.staff_name = Some(if staff.full_name.is_empty() {
            staff.username.clone()
        } else {
            staff.full_name.clone()
        });
        c.csrf = staff.csrf_token.clone();
        c.is_admin = staff.role == Role::Admin;
        c.may_plan = matches!(staff.role, Role::Admin | Role::Clinic);
        c.may_notify = c.may_plan;
        if c.is_admin {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| AppError::internal("no application state"))
                .or_page(c.lang)?;
            let clinics = catalogue::active_clinics(&state.pool).await.or_page(c.lang)?;
            c.board_clinics =
                clinics.iter().map(|cl| cl.code.as_str()).collect::<Vec<_>>().join(",");
        }
        Ok(StaffPage { staff: Staff(staff), c })
    }

    /// Refuse a form that does not carry this login session's token.
    pub fn check_csrf(&self, sent: &str) -> Result<(), PageError> {
        if sent.is_empty() || sent != self.staff.csrf_token {
            return Err(PageError::new(self.c.lang, csrf_refused()));
        }
        Ok(())
    }
}

impl FromRequest for StaffPage {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<StaffPage, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { StaffPage::of(&req).await })
    }
}

pub(crate) fn csrf_refused() -> AppError {
    AppError::new(
        StatusCode::FORBIDDEN,
        "csrf_failed",
        "Token keamanan formulir tidak cocok. Muat ulang halaman lalu coba lagi.",
        "The form's security token did not match. Reload the page and try again.",
    )
}

/// A form that carries the login session's CSRF token in its `csrf` field.
pub trait CsrfField {
    fn csrf(&self) -> &str;
}

/// `impl CsrfField` for forms with a `csrf: String` field.
macro_rules! csrf_field {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::pages::extract::CsrfField for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        })+
    };
}
pub(crate) use csrf_field;

/// A form with nothing but the token: a button that changes one thing.
#[derive(Debug, serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

csrf_field!(CsrfOnly);

/// A form post of a logged-in staff member, its CSRF token checked.
pub struct StaffForm<T> {
    pub staff: Staff,
    pub c: Ctx,
    pub form: T,
}

impl<T: DeserializeOwned + CsrfField + 'static> FromRequest for StaffForm<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<StaffForm<T>, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<T>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let form = form.await?.into_inner();
            let page = StaffPage::of(&req).await?;
            page.check_csrf(form.csrf())?;
            Ok(StaffForm { staff: page.staff, c: page.c, form })
        })
    }
}
