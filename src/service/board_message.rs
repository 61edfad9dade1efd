//! The running text of the waiting-room TV boards: one line per clinic, or one for every
//! board. Set by admins (any scope) and clinic accounts (their own clinics).
use chrono::{DateTime, Utc};

use crate::db::display::{self, clinics_named};
use crate::db::{self, PgPool};
use crate::domain::Invalid;
use crate::domain::staff::{Role, StaffIdentity as Staff};
use crate::error::{AppError, AppResult};
use crate::service::Access;

/// Longest running text (the database says the same).
pub const MESSAGE_MAX: usize = 300;
/// The scope of a message shown on every board.
pub const EVERY_BOARD: &str = "*";

/// A saved running text.
#[derive(Debug, Clone)]
pub struct BoardMessage {
    /// A clinic code, or [`EVERY_BOARD`].
    pub scope: String,
    /// Empty when it was cleared.
    pub message: String,
    pub updated_at: DateTime<Utc>,
}

const fn too_long() -> Invalid {
    Invalid::new(
        "message_too_long",
        "Teks berjalan paling banyak 300 karakter.",
        "The running text may have at most 300 characters.",
    )
}

/// Set (or clear, with an empty text) the running text of one clinic's boards (`clinic`),
/// or of every board (`None` or "*", administrators only).
pub async fn set_message(
    pool: &PgPool,
    staff: &Staff,
    clinic: Option<&str>,
    message: &str,
    now: DateTime<Utc>,
) -> AppResult<BoardMessage> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let text: String = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > MESSAGE_MAX {
        return Err(AppError::fields(vec![("message", too_long())]));
    }
    let scope = match clinic.map(str::trim) {
        None | Some("") | Some(EVERY_BOARD) => None,
        Some(code) => Some(code.to_ascii_uppercase()),
    };
    let staff = staff.clone();
    db::transaction(pool, move |c| {
        let scope = match scope {
            None => {
                staff.require(&[Role::Admin])?;
                EVERY_BOARD.to_string()
            }
            Some(code) => {
                let clinic = clinics_named(c, std::slice::from_ref(&code))?
                    .into_iter()
                    .next()
                    .ok_or_else(|| {
                        AppError::not_found(
                            "unknown_clinic",
                            "Poli tidak ditemukan.",
                            "No such clinic.",
                        )
                    })?;
                staff.require_clinic(clinic.id)?;
                clinic.code
            }
        };
        if text.is_empty() {
            display::clear_message(c, &scope)?;
        } else {
            display::set_message(c, &scope, &text, staff.id, now)?;
        }
        Ok(BoardMessage { scope, message: text, updated_at: now })
    })
    .await
}

/// The running texts this account may change: (scope, current text), every board first
/// for an admin, then its clinics in name order.
pub async fn editable_messages(
    pool: &PgPool,
    staff: &Staff,
) -> AppResult<Vec<(String, String, String)>> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let staff = staff.clone();
    db::run(pool, move |c| {
        let clinics: Vec<_> = clinics_named(c, &[])?
            .into_iter()
            .filter(|k| staff.role == Role::Admin || staff.runs_clinic(k.id))
            .collect();
        let mut scopes: Vec<(String, String)> =
            clinics.into_iter().map(|k| (k.code, k.name)).collect();
        if staff.role == Role::Admin {
            scopes.insert(0, (EVERY_BOARD.to_string(), String::new()));
        }
        let codes: Vec<String> = scopes.iter().map(|(s, _)| s.clone()).collect();
        let current = display::messages(c, &codes)?;
        Ok(scopes
            .into_iter()
            .map(|(scope, name)| {
                let text = current.iter().find(|(s, _)| *s == scope).map(|(_, m)| m.clone());
                (scope, name, text.unwrap_or_default())
            })
            .collect())
    })
    .await
}

/// What a TV board shows: each clinic (in name order) with its rows of the day, and the
/// running text of those clinics (every board's line first) joined for the ticker.
pub async fn boards(
    st: &super::AppState,
    codes: Vec<String>,
    recent: i64,
    next: i64,
) -> AppResult<(Vec<(crate::db::models::Clinic, display::BoardRows)>, String)> {
    let today = st.today();
    db::run(&st.pool, move |c| {
        let clinics = clinics_named(c, &codes)?;
        let mut boards = Vec::with_capacity(clinics.len());
        for clinic in clinics {
            let rows = display::board(c, clinic.id, today, recent, next)?;
            boards.push((clinic, rows));
        }
        let mut scopes: Vec<String> = boards.iter().map(|(c, _)| c.code.clone()).collect();
        scopes.insert(0, EVERY_BOARD.to_string());
        let lines = display::messages(c, &scopes)?;
        let mut ordered: Vec<String> = Vec::new();
        for scope in &scopes {
            ordered.extend(lines.iter().filter(|(s, _)| s == scope).map(|(_, m)| m.clone()));
        }
        Ok((boards, ordered.join("   •   ")))
    })
    .await
}
