//! Bookings still unconfirmed after the H-1 reminder are cancelled when
//! `SIPOLI_AUTO_CANCEL_UNCONFIRMED` says so (off by default): only visits whose reminder
//! went out by SMS/WhatsApp at least an hour earlier (so the patient could answer `YA`),
//! through the normal cancel path — the place is freed and offered to the waitlist, the
//! patient gets the "booking dibatalkan" message saying why, and a JKN booking's cancel
//! reaches BPJS through the visit event's outbox. Each visit is cancelled by its own
//! conditional status change, so any number of workers may run it; a booking confirmed
//! or cancelled meanwhile is skipped.
use chrono::Duration;
use serde_json::json;

use super::{AppState, queue, waitlist};
use crate::db::{self, self_service};
use crate::domain::staff::Actor;
use crate::domain::visit_status::{Action, VisitStatus};
use crate::error::AppResult;

/// The reason recorded on the cancel event (and the message's note).
pub const REASON: &str = "Tidak dikonfirmasi (YA) setelah pengingat H-1";

/// Cancel what is due now; the number cancelled.
pub fn cancel_due(conn: &mut db::PgConnection, st: &AppState) -> AppResult<usize> {
    let Some(rule) = st.settings.jobs.auto_cancel_unconfirmed else {
        return Ok(0);
    };
    let now = st.now();
    let Some(date) = rule.due_date(now.with_timezone(&st.tz()).naive_local()) else {
        return Ok(0);
    };
    let mut cancelled = 0;
    for id in self_service::unconfirmed_after_reminder(conn, date, now - Duration::hours(1))? {
        // Locked and changed only while still booked (a YA or a cancel may have come first).
        if crate::db::visits::lock_status(conn, id)? != VisitStatus::Booked
            || self_service::confirmed_among(conn, &[id])?.contains(&id)
        {
            continue;
        }
        let note = match crate::db::visits::find(conn, id)?.language.as_str() {
            "en" => "cancelled automatically: not confirmed with YA",
            _ => "dibatalkan otomatis karena tidak dikonfirmasi dengan YA",
        };
        let visit = queue::apply(
            conn,
            id,
            Action::CancelByStaff,
            &Actor::system(),
            now,
            json!({"reason": REASON, "note": note}),
        )?;
        waitlist::offer_freed(conn, st, visit.session_id)?;
        cancelled += 1;
    }
    Ok(cancelled)
}
