//! `/staff/sandi`: staff change their own password (the current one, the new one twice).
use actix_web::{http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use super::extract::{StaffForm, StaffPage, csrf_field};
use super::patient::FieldErrors;
use super::{Ctx, PageError, PageResult, render, see_other};
use crate::app::AppState;
use crate::service::corrections;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/sandi", web::get().to(password_page))
        .route("/staff/sandi", web::post().to(change_password));
}

#[derive(Template)]
#[template(path = "staff/password.html")]
struct PasswordPage {
    c: Ctx,
    min: usize,
    errors: FieldErrors,
    notice: String,
    error: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    pub ok: Option<String>,
}

/// `GET /staff/sandi`
async fn password_page(q: web::Query<DoneQuery>, StaffPage { c, .. }: StaffPage) -> PageResult {
    let notice = if q.ok.is_some() {
        c.t("Kata sandi sudah diganti.", "Your password has been changed.").to_string()
    } else {
        String::new()
    };
    let page = PasswordPage {
        c,
        min: corrections::MIN_PASSWORD,
        errors: FieldErrors::default(),
        notice,
        error: String::new(),
    };
    Ok(render(&page.c, StatusCode::OK, &page))
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub new_password_repeat: String,
}

csrf_field!(PasswordForm);

/// `POST /staff/sandi`
async fn change_password(
    state: web::Data<AppState>,
    StaffForm { staff, c, form }: StaffForm<PasswordForm>,
) -> PageResult {
    let now = state.now();
    let done = crate::service::in_transaction(&state, move |conn| {
        corrections::change_password(
            conn,
            &staff,
            &form.current_password,
            &form.new_password,
            &form.new_password_repeat,
            now,
        )
    })
    .await;
    match done {
        Ok(()) => Ok(see_other("/staff/sandi?ok=1")),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let en = c.lang.is_en();
            let page = PasswordPage {
                errors: FieldErrors::from_error(&e, en),
                error: e.message(en).to_string(),
                min: corrections::MIN_PASSWORD,
                notice: String::new(),
                c,
            };
            Ok(render(&page.c, StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(PageError::new(c.lang, e)),
    }
}
