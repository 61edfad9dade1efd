//! Visits as the console and the patient site read them: today's sessions with their
//! counts, the queue of a session, where a visit stands.
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::Access;
use super::queue::{self, Standing};
use crate::db::models::Visit;
use crate::db::sessions::{self, SessionView};
use crate::db::{self, PgPool, visits};
use crate::domain::kinds::SessionStatus;
use crate::domain::staff::{Role, StaffIdentity as Staff};
use crate::domain::visit_status::VisitStatus;
use crate::error::AppResult;

/// A session on the console's first page.
#[derive(Debug, Clone)]
pub struct SessionBoard {
    pub session: SessionView,
    /// (visit status, how many).
    pub counts: Vec<(VisitStatus, i64)>,
    /// The ticket being served or called, if any.
    pub current: Option<String>,
}

/// Today's sessions of the clinics this account sees, and the newest event among them.
pub async fn today(
    pool: &PgPool,
    staff: &Staff,
    date: NaiveDate,
) -> AppResult<(Vec<SessionBoard>, i64)> {
    let viewer = staff.clone();
    db::run(pool, move |conn| {
        let mut out = Vec::new();
        for session in sessions::list(conn, date, None)?
            .into_iter()
            .filter(|s| viewer.may_see_clinic(s.clinic.id))
        {
            let id = session.session.id;
            out.push(SessionBoard {
                counts: visits::status_counts(conn, id)?,
                current: visits::now_serving(conn, id)?.first().map(|v| v.ticket.clone()),
                session,
            });
        }
        let ids: Vec<i32> = out.iter().map(|s| s.session.session.id).collect();
        Ok((out, visits::last_event_id(conn, &ids)?))
    })
    .await
}

/// The queue of one session.
#[derive(Debug, Clone)]
pub struct SessionQueue {
    pub session: SessionView,
    /// Its visits with the patients' names, in queue order.
    pub visits: Vec<(Visit, Option<String>)>,
    /// The newest event of the session.
    pub last_event: i64,
    /// This account may call and serve in it.
    pub may_run: bool,
}

/// The queue of a session of a clinic this account sees.
pub async fn session_queue(
    pool: &PgPool,
    staff: &Staff,
    session_id: i32,
) -> AppResult<SessionQueue> {
    let viewer = staff.clone();
    db::run(pool, move |conn| {
        let session = sessions::get(conn, session_id)?;
        viewer.require_sight(session.clinic.id)?;
        Ok(SessionQueue {
            visits: visits::with_names(conn, session_id)?,
            last_event: visits::last_event_id(conn, &[session_id])?,
            may_run: viewer.runs_clinic(session.clinic.id),
            session,
        })
    })
    .await
}

/// The session a visit belongs to.
pub async fn session_of(pool: &PgPool, visit_id: i64) -> AppResult<i32> {
    db::run(pool, move |conn| Ok(visits::find(conn, visit_id)?.session_id)).await
}

/// Where a visit of a clinic this account sees stands: its printable ticket.
pub async fn ticket(
    pool: &PgPool,
    staff: &Staff,
    visit_id: i64,
    tz: Tz,
    now: DateTime<Utc>,
) -> AppResult<Standing> {
    let viewer = staff.clone();
    db::run(pool, move |conn| {
        let visit = visits::find(conn, visit_id)?;
        viewer.require_sight(visit.clinic_id)?;
        queue::standing(conn, tz, now, visit)
    })
    .await
}

/// Today's open sessions, to register a walk-in at the counter (admin, registration).
pub async fn counter_sessions(
    pool: &PgPool,
    staff: &Staff,
    date: NaiveDate,
) -> AppResult<Vec<SessionView>> {
    staff.require(&[Role::Admin, Role::Registration])?;
    db::run(pool, move |conn| {
        let all = sessions::list(conn, date, None)?;
        Ok(all.into_iter().filter(|s| s.session.status == SessionStatus::Open).collect())
    })
    .await
}
