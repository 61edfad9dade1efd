//! Public reads: clinics, the sessions of a date, a session's public queue, readiness.
use chrono::NaiveDate;

use super::AppState;
use crate::db::models::{Clinic, Visit};
use crate::db::sessions::{self, SessionView};
use crate::db::{self, visits};
use crate::error::AppResult;

/// Active polyclinics by name.
pub async fn clinics(st: &AppState) -> AppResult<Vec<Clinic>> {
    db::run(&st.pool, crate::db::catalogue::active_clinics).await
}

/// Sessions of a date, made from the weekly schedules on first look inside the booking
/// window.
pub async fn of_date(
    st: &AppState,
    date: NaiveDate,
    clinic: Option<String>,
) -> AppResult<Vec<SessionView>> {
    let window_end = st.today() + chrono::Duration::days(st.settings.rules.online_days_ahead);
    db::run(&st.pool, move |c| {
        if date <= window_end {
            sessions::materialize(c, date, date)?;
        }
        sessions::list(c, date, clinic.as_deref())
    })
    .await
}

/// A session's public queue: who is being served and who waits, in call order.
#[derive(Debug, Clone)]
pub struct PublicQueue {
    pub session: SessionView,
    pub serving: Vec<Visit>,
    pub waiting: Vec<Visit>,
}

pub async fn public_queue(st: &AppState, id: i32) -> AppResult<PublicQueue> {
    db::run(&st.pool, move |c| {
        let session = sessions::get(c, id)?;
        Ok(PublicQueue {
            session,
            serving: visits::now_serving(c, id)?,
            waiting: visits::waiting(c, id)?,
        })
    })
    .await
}

/// The database answers.
pub async fn ready(st: &AppState) -> AppResult<()> {
    db::run(&st.pool, db::ping).await
}
