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

/// Sessions of a date. A read never writes: the sessions of the booking window are made
/// ahead from the weekly schedules by the background job (`crate::maintenance`) and by
/// every schedule change.
pub async fn of_date(
    st: &AppState,
    date: NaiveDate,
    clinic: Option<String>,
) -> AppResult<Vec<SessionView>> {
    db::run(&st.pool, move |c| sessions::list(c, date, clinic.as_deref())).await
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

/// What a kiosk may offer today: the clinics named (all active ones when empty) and the
/// day's sessions.
pub async fn kiosk_offer(
    st: &AppState,
    codes: Vec<String>,
) -> AppResult<(Vec<Clinic>, Vec<SessionView>)> {
    let today = st.today();
    db::run(&st.pool, move |c| {
        Ok((crate::db::display::clinics_named(c, &codes)?, sessions::list(c, today, None)?))
    })
    .await
}
