//! Operational figures for `/metrics` (`crate::metrics`), read in one go.
use crate::db::figures::{self, Count, QueueFigure};
use crate::error::AppResult;

use super::AppState;

/// What the database says at scrape time.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub queues: Vec<QueueFigure>,
    pub bookings: Vec<Count>,
    pub clinic_calls: Vec<Count>,
    pub station_calls: Vec<Count>,
}

pub async fn read(st: &AppState) -> AppResult<Figures> {
    let now = st.now();
    let today = st.today();
    let midnight = today
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(st.tz()).single())
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or(now);
    super::read(st, move |c| {
        Ok(Figures {
            queues: figures::job_queues(c, now)?,
            bookings: figures::bookings_per_channel(c, midnight)?,
            clinic_calls: figures::calls_per_clinic(c, today)?,
            station_calls: figures::calls_per_station(c, today)?,
        })
    })
    .await
}
