//! The day's queue: transitions as single conditional UPDATEs, call order, positions and
//! live estimates.
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel::sql_types::{Int4, Timestamptz};
use serde_json::{Value, json};

use super::events::{self, Actor};
use super::models::Visit;
use super::schema::{clinic_sessions, visits};
use super::sessions::{self, SessionView};
use crate::domain::queue::{estimate, median_service_minutes, replaced_sort_key};
use crate::domain::rules::BookingRules;
use crate::domain::visit_status::{Action, VisitStatus, transition};
use crate::error::{AppError, AppResult};

pub fn unknown_visit() -> AppError {
    AppError::not_found("unknown_visit", "Kunjungan tidak ditemukan.", "Visit not found.")
}

pub fn unknown_booking() -> AppError {
    AppError::not_found(
        "unknown_booking",
        "Kode booking tidak ditemukan.",
        "Booking code not found.",
    )
}

pub fn find_visit(conn: &mut PgConnection, id: i64) -> AppResult<Visit> {
    visits::table
        .find(id)
        .select(Visit::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(unknown_visit)
}

pub fn find_by_code(conn: &mut PgConnection, code: &str) -> AppResult<Visit> {
    visits::table
        .filter(visits::booking_code.eq(code))
        .select(Visit::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(unknown_booking)
}

/// Apply `action` to a visit. The row is locked, the state machine decides, and the UPDATE
/// is conditional on the status it was decided from: two clerks pressing at once cannot
/// both succeed.
pub fn apply(
    conn: &mut PgConnection,
    visit_id: i64,
    action: Action,
    actor: &Actor,
    now: DateTime<Utc>,
    detail: Value,
) -> AppResult<Visit> {
    let before: String = visits::table
        .find(visit_id)
        .select(visits::status)
        .for_update()
        .first(conn)
        .optional()?
        .ok_or_else(unknown_visit)?;
    let from = VisitStatus::parse(&before).ok_or_else(|| AppError::internal("unknown status"))?;
    let target = transition(from, action)?;
    let scope =
        visits::table.filter(visits::id.eq(visit_id)).filter(visits::status.eq(from.as_str()));
    let base = (visits::status.eq(target.as_str()), visits::updated_at.eq(now));
    let visit: Visit = match action {
        Action::CheckIn => diesel::update(scope)
            .set((base, visits::checked_in_at.eq(now)))
            .returning(Visit::as_returning())
            .get_result(conn)?,
        Action::Call | Action::Recall => diesel::update(scope)
            .set((base, visits::called_at.eq(now), visits::call_count.eq(visits::call_count + 1)))
            .returning(Visit::as_returning())
            .get_result(conn)?,
        Action::Start => diesel::update(scope)
            .set((base, visits::started_at.eq(now)))
            .returning(Visit::as_returning())
            .get_result(conn)?,
        Action::Finish => diesel::update(scope)
            .set((base, visits::finished_at.eq(now)))
            .returning(Visit::as_returning())
            .get_result(conn)?,
        Action::CancelByPatient | Action::CancelByStaff => diesel::update(scope)
            .set((base, visits::cancelled_at.eq(now)))
            .returning(Visit::as_returning())
            .get_result(conn)?,
        Action::Skip | Action::Return | Action::NoShow => {
            diesel::update(scope).set(base).returning(Visit::as_returning()).get_result(conn)?
        }
    };
    if matches!(action, Action::CancelByPatient | Action::CancelByStaff) {
        release_quota(conn, &visit)?;
    }
    events::record(conn, &visit, action.as_str(), Some(from.as_str()), actor, detail, now)?;
    Ok(visit)
}

/// A cancelled place goes back to the session's quota, so someone else can take it.
fn release_quota(conn: &mut PgConnection, visit: &Visit) -> AppResult<()> {
    let jkn = visit.payer == "jkn";
    let ahead = super::booking::Channel::is_ahead_str(&visit.channel);
    diesel::update(clinic_sessions::table.find(visit.session_id))
        .set((
            clinic_sessions::taken_jkn.eq(clinic_sessions::taken_jkn - i32::from(jkn)),
            clinic_sessions::taken_non_jkn.eq(clinic_sessions::taken_non_jkn - i32::from(!jkn)),
            clinic_sessions::taken_online.eq(clinic_sessions::taken_online - i32::from(ahead)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Waiting visits of a session in call order: priority first, then sort key.
pub fn waiting(conn: &mut PgConnection, session_id: i32) -> AppResult<Vec<Visit>> {
    Ok(visits::table
        .filter(visits::session_id.eq(session_id))
        .filter(visits::status.eq("waiting"))
        .order((visits::priority.desc(), visits::sort_key, visits::id))
        .select(Visit::as_select())
        .load(conn)?)
}

/// Call the next waiting patient. Two clerks calling at once get two different patients.
pub fn call_next(
    conn: &mut PgConnection,
    session_id: i32,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<Visit> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let next: Option<Id> = diesel::sql_query(
        "UPDATE visits SET status = 'called', called_at = $2, call_count = call_count + 1,
             updated_at = $2
         WHERE id = (SELECT id FROM visits WHERE session_id = $1 AND status = 'waiting'
                     ORDER BY priority DESC, sort_key, id LIMIT 1 FOR UPDATE SKIP LOCKED)
           AND status = 'waiting'
         RETURNING id",
    )
    .bind::<Int4, _>(session_id)
    .bind::<Timestamptz, _>(now)
    .get_result(conn)
    .optional()?;
    let Some(Id { id }) = next else {
        sessions::get(conn, session_id)?;
        return Err(AppError::conflict(
            "queue_empty",
            "Tidak ada pasien yang menunggu.",
            "Nobody is waiting.",
        ));
    };
    let visit = find_visit(conn, id)?;
    events::record(conn, &visit, "call", Some("waiting"), actor, json!({}), now)?;
    Ok(visit)
}

/// Put a visit back in the queue after a skip, placed after the next two waiting patients.
pub fn return_after_skip(
    conn: &mut PgConnection,
    visit_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<Visit> {
    let visit = find_visit(conn, visit_id)?;
    let keys: Vec<f64> = waiting(conn, visit.session_id)?
        .iter()
        .filter(|v| !v.priority)
        .map(|v| v.sort_key)
        .collect();
    let key = replaced_sort_key(&keys, visit.sort_key);
    let returned = apply(conn, visit_id, Action::Return, actor, now, json!({"sort_key": key}))?;
    Ok(diesel::update(visits::table.find(returned.id))
        .set(visits::sort_key.eq(key))
        .returning(Visit::as_returning())
        .get_result(conn)?)
}

/// Check a booking in (booked → waiting). Only on its date, until the session ends; a
/// patient later than the estimate plus the grace time is placed after the next two.
pub fn check_in(
    conn: &mut PgConnection,
    tz: Tz,
    rules: &BookingRules,
    visit: &Visit,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<Visit> {
    let session = sessions::get(conn, visit.session_id)?;
    let local_now = now.with_timezone(&tz);
    if local_now.date_naive() != session.session.service_date {
        return Err(AppError::conflict(
            "not_today",
            "Check-in hanya bisa dilakukan pada tanggal kunjungan.",
            "Check-in is only possible on the day of the visit.",
        ));
    }
    if local_now > session.ends(tz) {
        return Err(AppError::conflict(
            "session_over",
            "Jam praktik sudah selesai; check-in tidak dapat dilakukan.",
            "The session has ended; check-in is no longer possible.",
        ));
    }
    let late = rules.is_late_check_in(visit.estimated_at.with_timezone(&tz), local_now);
    let checked = apply(conn, visit.id, Action::CheckIn, actor, now, json!({"late": late}))?;
    if !late {
        return Ok(checked);
    }
    let keys: Vec<f64> = waiting(conn, checked.session_id)?
        .iter()
        .filter(|v| v.id != checked.id && !v.priority)
        .map(|v| v.sort_key)
        .collect();
    let key = replaced_sort_key(&keys, checked.sort_key).max(checked.sort_key);
    Ok(diesel::update(visits::table.find(checked.id))
        .set(visits::sort_key.eq(key))
        .returning(Visit::as_returning())
        .get_result(conn)?)
}

pub fn set_priority(
    conn: &mut PgConnection,
    visit_id: i64,
    priority: bool,
    reason: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<Visit> {
    let updated = diesel::update(visits::table)
        .filter(visits::id.eq(visit_id))
        .filter(visits::status.eq_any(["booked", "waiting", "skipped"]))
        .set((
            visits::priority.eq(priority),
            visits::priority_reason.eq(reason),
            visits::updated_at.eq(now),
        ))
        .returning(Visit::as_returning())
        .get_result(conn)
        .optional()?;
    let Some(visit) = updated else {
        find_visit(conn, visit_id)?;
        return Err(AppError::conflict(
            "invalid_transition",
            "Prioritas hanya bisa diubah untuk pasien yang belum dipanggil.",
            "Priority can only be changed before the patient is called.",
        ));
    };
    let from = visit.status.clone();
    events::record(
        conn,
        &visit,
        "priority",
        Some(&from),
        actor,
        json!({"priority": priority, "reason": reason}),
        now,
    )?;
    Ok(visit)
}

/// Minutes per patient for a doctor: median of the last 20 measured services.
pub fn minutes_per_patient(conn: &mut PgConnection, session: &SessionView) -> AppResult<f64> {
    type Span = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let samples: Vec<Span> = visits::table
        .inner_join(clinic_sessions::table)
        .filter(clinic_sessions::doctor_id.eq(session.doctor.id))
        .filter(visits::finished_at.is_not_null())
        .filter(visits::started_at.is_not_null())
        .order(visits::finished_at.desc())
        .limit(20)
        .select((visits::started_at, visits::finished_at))
        .load(conn)?;
    let secs: Vec<i64> =
        samples.into_iter().filter_map(|(s, f)| Some((f? - s?).num_seconds())).collect();
    Ok(median_service_minutes(&secs, session.session.service_minutes))
}

/// What a patient (or a public screen) sees of one visit.
#[derive(Debug, Clone)]
pub struct Standing {
    pub visit: Visit,
    pub session: SessionView,
    pub position: i64,
    pub now_serving: Option<String>,
    pub estimated_at: DateTime<Utc>,
}

pub fn standing(
    conn: &mut PgConnection,
    tz: Tz,
    now: DateTime<Utc>,
    visit: Visit,
) -> AppResult<Standing> {
    let session = sessions::get(conn, visit.session_id)?;
    let position = position_of(conn, &visit)?;
    let now_serving = now_serving(conn, visit.session_id)?.first().map(|v| v.ticket.clone());
    let estimated_at = match visit.status.as_str() {
        "booked" | "waiting" => {
            let minutes = minutes_per_patient(conn, &session)?;
            estimate(now.with_timezone(&tz), session.starts(tz), position, minutes)
                .with_timezone(&Utc)
        }
        _ => visit.called_at.unwrap_or(visit.estimated_at),
    };
    Ok(Standing { visit, session, position, now_serving, estimated_at })
}

/// Patients ahead: for a waiting visit, the waiting ones before it in call order; for a
/// booking not yet checked in, the booked and waiting ones with an earlier place.
pub fn position_of(conn: &mut PgConnection, visit: &Visit) -> AppResult<i64> {
    let same_session = visits::table.filter(visits::session_id.eq(visit.session_id));
    let n = match visit.status.as_str() {
        "waiting" => same_session
            .filter(visits::status.eq("waiting"))
            .filter(
                visits::priority.gt(visit.priority).or(visits::priority.eq(visit.priority).and(
                    visits::sort_key
                        .lt(visit.sort_key)
                        .or(visits::sort_key.eq(visit.sort_key).and(visits::id.lt(visit.id))),
                )),
            )
            .count()
            .get_result(conn)?,
        "booked" => same_session
            .filter(visits::status.eq_any(["booked", "waiting"]))
            .filter(visits::sort_key.lt(visit.sort_key))
            .count()
            .get_result(conn)?,
        _ => 0,
    };
    Ok(n)
}

/// How many visits of a session are in each status.
pub fn status_counts(conn: &mut PgConnection, session_id: i32) -> AppResult<Vec<(String, i64)>> {
    Ok(visits::table
        .filter(visits::session_id.eq(session_id))
        .group_by(visits::status)
        .select((visits::status, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Called or in service now, most recent call first.
pub fn now_serving(conn: &mut PgConnection, session_id: i32) -> AppResult<Vec<Visit>> {
    Ok(visits::table
        .filter(visits::session_id.eq(session_id))
        .filter(visits::status.eq_any(["called", "serving"]))
        .order(visits::called_at.desc())
        .select(Visit::as_select())
        .load(conn)?)
}

/// Bookings never checked in by the end of their session become no-shows, each through
/// [`apply`] so that its event (and whatever hooks on events) is written like any other.
pub fn sweep_no_shows(conn: &mut PgConnection, tz: Tz, now: DateTime<Utc>) -> AppResult<usize> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let gone: Vec<Id> = diesel::sql_query(
        "SELECT v.id FROM visits v JOIN clinic_sessions s ON s.id = v.session_id
         WHERE v.status = 'booked' AND (s.service_date + s.ends_at) AT TIME ZONE $2 < $1
         ORDER BY v.id LIMIT 1000",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<diesel::sql_types::Text, _>(tz.name())
    .load(conn)?;
    let mut swept = 0;
    for Id { id } in gone {
        // Checked in or swept by another worker meanwhile: the state machine says no.
        match apply(conn, id, Action::NoShow, &Actor::system(), now, json!({})) {
            Ok(_) => swept += 1,
            Err(e) if e.code == "invalid_transition" => {}
            Err(e) => return Err(e),
        }
    }
    Ok(swept)
}
