//! The one idempotency entry point of every writer, the JSON API and the form pages alike:
//! the command runs in one transaction under its `Idempotency-Key` (if any), and its answer
//! is stored with the change, so a retry with the same key and body gets the first answer.
use crate::db::PgConnection;
use serde::Serialize;
use serde_json::Value;

use crate::db;
use crate::db::idempotency::{self, IdemKey};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A command's answer: the status to give, the stored body, and whether it is a replay.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub replayed: bool,
}

/// Run `work` in one transaction under `key`.
pub async fn run<T, F>(
    st: &AppState,
    key: Option<IdemKey>,
    status: u16,
    work: F,
) -> AppResult<Answer>
where
    F: FnOnce(&mut PgConnection) -> AppResult<T> + Send + 'static,
    T: Serialize + Send + 'static,
{
    let (answer, sessions) = db::transaction_noting(&st.pool, move |conn| {
        if let Some(key) = &key
            && let Some(stored) = idempotency::claim(conn, key)?
        {
            return Ok(Answer { status: stored.status_code, body: stored.body, replayed: true });
        }
        let body = serde_json::to_value(work(conn)?).map_err(AppError::internal)?;
        if let Some(key) = &key {
            idempotency::save(conn, key, status, &body)?;
        }
        Ok(Answer { status, body, replayed: false })
    })
    .await?;
    st.live.standing().touch_written(&sessions);
    Ok(answer)
}
