//! Housekeeping every node runs in the background: sessions for the booking window are
//! created ahead, and bookings never checked in by the end of their session become no-shows.
use std::time::Duration;

use crate::app::AppState;
use crate::db::{self, sessions};
use crate::service::queue;

pub async fn tick(state: &AppState) -> crate::error::AppResult<()> {
    let (tz, now, today) = (state.tz(), state.now(), state.today());
    let days = state.settings.rules.online_days_ahead;
    state.limits.forget_idle();
    crate::service::in_transaction(state, move |c| {
        sessions::materialize(c, today, today + chrono::Duration::days(days))?;
        db::guesses::forget_old(c, now - chrono::Duration::days(1))?;
        let gone = queue::sweep_no_shows(c, tz, now)?;
        if gone > 0 {
            tracing::info!(no_shows = gone, "marked bookings without check-in as no-show");
        }
        Ok(())
    })
    .await
}

/// Run [`tick`] now and then every minute, for as long as the server runs.
pub fn spawn(state: AppState) {
    actix_web::rt::spawn(async move {
        let mut every = actix_web::rt::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            if let Err(e) = tick(&state).await {
                tracing::warn!(error = %e, "maintenance failed");
            }
        }
    });
}
