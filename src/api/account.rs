//! `POST /api/v1/staff/password {current_password, new_password, new_password_repeat}` —
//! staff change their own password → 204; 422 with the field at fault otherwise.
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::parse_json;
use crate::app::AppState;
use crate::auth::Staff;
use crate::error::AppResult;
use crate::service::corrections;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordBody {
    pub current_password: String,
    pub new_password: String,
    pub new_password_repeat: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/staff/password",
    tag = "staff auth",
    security(("staff_bearer" = []), ("staff_cookie" = [])),
    request_body = crate::api::account::PasswordBody,
    responses(
        (status = 204, description = "Changed; the account's other logins end")
    ),
)]
pub async fn change_password(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let p: PasswordBody = parse_json(&body)?;
    let now = state.now();
    crate::service::in_transaction(&state, move |conn| {
        corrections::change_password(
            conn,
            &staff,
            &p.current_password,
            &p.new_password,
            &p.new_password_repeat,
            now,
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
