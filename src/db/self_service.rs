//! What patients do for themselves (issue 14): their active bookings by identity, the
//! name a booking is for, moving a booking's code to its new visit, and YA confirmations.
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use super::models::Visit;
use super::schema::{notification_jobs, patients, visit_confirmations, visits};
use crate::domain::visit_status::VisitStatus;
use crate::error::AppResult;

/// A patient's visits from `from` on that are still to come or under way.
pub fn active_visits_of(
    conn: &mut PgConnection,
    patient_id: i64,
    from: NaiveDate,
) -> AppResult<Vec<Visit>> {
    let active = [
        VisitStatus::Booked,
        VisitStatus::Waiting,
        VisitStatus::Called,
        VisitStatus::Serving,
        VisitStatus::Skipped,
    ];
    Ok(visits::table
        .filter(visits::patient_id.eq(patient_id))
        .filter(visits::service_date.ge(from))
        .filter(visits::status.eq_any(active))
        .order((visits::service_date, visits::estimated_at))
        .select(Visit::as_select())
        .load(conn)?)
}

/// The full name of a visit's patient (never shown as such: see
/// `domain::identity::first_name_initial`).
pub fn patient_name(conn: &mut PgConnection, patient_id: i64) -> AppResult<String> {
    Ok(patients::table.find(patient_id).select(patients::name).first(conn)?)
}

/// Give a visit another booking code (a reschedule hands its code on to the new visit).
pub fn set_booking_code(conn: &mut PgConnection, visit_id: i64, code: &str) -> AppResult<Visit> {
    Ok(diesel::update(visits::table.find(visit_id))
        .set(visits::booking_code.eq(code))
        .returning(Visit::as_returning())
        .get_result(conn)?)
}

/// The still pending messages of a visit carry the code it has now, and a notice.
pub fn restate_pending_messages(
    conn: &mut PgConnection,
    visit_id: i64,
    code: &str,
    notice: &str,
) -> AppResult<usize> {
    Ok(diesel::sql_query(
        "UPDATE notification_jobs SET payload = payload \
           || jsonb_build_object('booking_code', $2::text, 'notice', $3::text) \
         WHERE visit_id = $1 AND status = 'pending'",
    )
    .bind::<diesel::sql_types::BigInt, _>(visit_id)
    .bind::<diesel::sql_types::Text, _>(code)
    .bind::<diesel::sql_types::Text, _>(notice)
    .execute(conn)?)
}

/// Record a "YA": the first answer is kept. `true` when this one was the first.
pub fn confirm(
    conn: &mut PgConnection,
    visit_id: i64,
    at: DateTime<Utc>,
    via: &str,
) -> AppResult<bool> {
    Ok(diesel::insert_into(visit_confirmations::table)
        .values((
            visit_confirmations::visit_id.eq(visit_id),
            visit_confirmations::confirmed_at.eq(at),
            visit_confirmations::via.eq(via),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?
        == 1)
}

/// Which of these visits the patient confirmed.
pub fn confirmed_among(conn: &mut PgConnection, visit_ids: &[i64]) -> AppResult<Vec<i64>> {
    Ok(visit_confirmations::table
        .filter(visit_confirmations::visit_id.eq_any(visit_ids))
        .select(visit_confirmations::visit_id)
        .load(conn)?)
}

/// Messages of a kind sent to a recipient (for the inbound gateway's tests and audits).
pub fn count_messages(conn: &mut PgConnection, kind: &str, recipient: &str) -> AppResult<i64> {
    Ok(notification_jobs::table
        .filter(notification_jobs::kind.eq(kind))
        .filter(notification_jobs::recipient.eq(recipient))
        .count()
        .get_result(conn)?)
}

/// A patient record by id.
pub fn patient(conn: &mut PgConnection, id: i64) -> AppResult<super::models::Patient> {
    Ok(patients::table.find(id).select(super::models::Patient::as_select()).first(conn)?)
}

/// Booked visits of `date` whose H-1 reminder went out by SMS/WhatsApp (the channel a `YA`
/// comes back on) before `sent_before`, still without a confirmation, oldest first.
pub fn unconfirmed_after_reminder(
    conn: &mut PgConnection,
    date: NaiveDate,
    sent_before: DateTime<Utc>,
) -> AppResult<Vec<i64>> {
    let reminded = notification_jobs::table
        .filter(notification_jobs::visit_id.eq(visits::id.nullable()))
        .filter(notification_jobs::kind.eq("reminder"))
        .filter(notification_jobs::channel.eq("webhook"))
        .filter(notification_jobs::status.eq("sent"))
        .filter(notification_jobs::sent_at.le(sent_before));
    let ids: Vec<i64> = visits::table
        .filter(visits::service_date.eq(date))
        .filter(visits::status.eq(VisitStatus::Booked))
        .filter(diesel::dsl::exists(reminded))
        .order(visits::id)
        .select(visits::id)
        .load(conn)?;
    let confirmed = confirmed_among(conn, &ids)?;
    Ok(ids.into_iter().filter(|id| !confirmed.contains(id)).collect())
}
