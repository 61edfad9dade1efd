//! `/staff/papan`: the running text of the TV boards, inside the console. A clinic account
//! picks one of its clinics from a list; an admin may also write to every board.
use actix_web::{HttpRequest, http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use super::extract::{StaffForm, StaffPage, csrf_field};
use super::{Ctx, OrPage, PageError, PageResult, render, see_other};
use crate::app::AppState;
use crate::auth::Staff;
use crate::service::board_message::{self, EVERY_BOARD, MESSAGE_MAX};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/papan", web::get().to(board_message_page))
        .route("/staff/papan", web::post().to(save_board_message));
}

/// One board scope on the page.
pub struct ScopeLine {
    pub scope: String,
    pub name: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "staff/board_message.html")]
struct BoardMessagePage {
    c: Ctx,
    scopes: Vec<ScopeLine>,
    /// The scope and text in the form (kept after a refusal).
    scope: String,
    message: String,
    max: usize,
    notice: String,
    error: String,
}

async fn page(
    state: &AppState,
    staff: &Staff,
    c: Ctx,
    form: &BoardMessageForm,
) -> Result<BoardMessagePage, PageError> {
    let all = board_message::editable_messages(&state.pool, staff).await.or_page(c.lang)?;
    let scopes = all
        .into_iter()
        .map(|(scope, name, message)| ScopeLine {
            name: if scope == EVERY_BOARD {
                c.t("Semua papan", "Every board").to_string()
            } else {
                name
            },
            scope,
            message,
        })
        .collect();
    Ok(BoardMessagePage {
        scopes,
        scope: form.clinic.clone(),
        message: form.message.clone(),
        max: MESSAGE_MAX,
        notice: String::new(),
        error: String::new(),
        c,
    })
}

/// `GET /staff/papan`
async fn board_message_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    StaffPage { staff, c }: StaffPage,
) -> PageResult {
    let mut p = page(&state, &staff, c, &BoardMessageForm::default()).await?;
    if req.query_string().split('&').any(|kv| kv == "ok=saved") {
        p.notice = p.c.t("Teks berjalan disimpan.", "Running text saved.").to_string();
    }
    Ok(render(&p.c, StatusCode::OK, &p))
}

#[derive(Debug, Default, Deserialize)]
pub struct BoardMessageForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub clinic: String,
    #[serde(default)]
    pub message: String,
}

csrf_field!(BoardMessageForm);

/// `POST /staff/papan` — save (an empty text clears it).
async fn save_board_message(
    state: web::Data<AppState>,
    StaffForm { staff, c, form }: StaffForm<BoardMessageForm>,
) -> PageResult {
    let saved = board_message::set_message(
        &state.pool,
        &staff,
        Some(&form.clinic),
        &form.message,
        state.now(),
    )
    .await;
    match saved {
        Ok(_) => Ok(see_other("/staff/papan?ok=saved")),
        Err(e) if e.status.is_client_error() => {
            let mut p = page(&state, &staff, c, &form).await?;
            p.error = e.message(p.c.lang.is_en()).to_string();
            Ok(render(&p.c, e.status, &p))
        }
        Err(e) => Err(PageError::new(c.lang, e)),
    }
}
