//! The waitlist of a full session (`waitlist_entries`). An offer holds one place of the
//! session (claimed from its counters like any place); every change of an entry is one
//! conditional UPDATE, so an offer is made once and taken at most once.
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{clinic_sessions, waitlist_entries};
use crate::domain::kinds::Payer;
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = waitlist_entries)]
pub struct Entry {
    pub id: i64,
    pub code: String,
    pub session_id: i32,
    pub payer: String,
    pub patient_id: i64,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub language: String,
    pub status: String,
    pub offer_token: Option<String>,
    pub offer_expires_at: Option<DateTime<Utc>>,
    pub visit_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Entry {
    pub fn payer(&self) -> Payer {
        Payer::parse(&self.payer).unwrap_or(Payer::NonJkn)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = waitlist_entries)]
pub struct NewEntry {
    pub code: String,
    pub session_id: i32,
    pub payer: String,
    pub patient_id: i64,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub language: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Statuses of an entry still in line.
pub const IN_LINE: [&str; 2] = ["waiting", "offered"];

/// Insert; `None` when the patient is already in this session's line (or the code clashed).
pub fn insert(conn: &mut PgConnection, new: &NewEntry) -> AppResult<Option<Entry>> {
    Ok(diesel::insert_into(waitlist_entries::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(Entry::as_returning())
        .get_result(conn)
        .optional()?)
}

/// The patient's entry still in line for a session.
pub fn in_line_for(
    conn: &mut PgConnection,
    session_id: i32,
    patient_id: i64,
) -> AppResult<Option<Entry>> {
    Ok(waitlist_entries::table
        .filter(waitlist_entries::session_id.eq(session_id))
        .filter(waitlist_entries::patient_id.eq(patient_id))
        .filter(waitlist_entries::status.eq_any(IN_LINE))
        .select(Entry::as_select())
        .first(conn)
        .optional()?)
}

/// 1 for the first in line: entries still in line that joined before it, and itself.
pub fn position(conn: &mut PgConnection, entry: &Entry) -> AppResult<i64> {
    Ok(waitlist_entries::table
        .filter(waitlist_entries::session_id.eq(entry.session_id))
        .filter(waitlist_entries::status.eq_any(IN_LINE))
        .filter(waitlist_entries::id.le(entry.id))
        .count()
        .get_result(conn)?)
}

/// The entries of a session still in line, first first.
pub fn line(conn: &mut PgConnection, session_id: i32) -> AppResult<Vec<Entry>> {
    Ok(waitlist_entries::table
        .filter(waitlist_entries::session_id.eq(session_id))
        .filter(waitlist_entries::status.eq_any(IN_LINE))
        .order(waitlist_entries::id)
        .select(Entry::as_select())
        .load(conn)?)
}

/// The first waiting entry of a session with one of these payers, locked; entries that
/// another transaction is offering right now are skipped.
pub fn first_waiting(
    conn: &mut PgConnection,
    session_id: i32,
    payers: &[&str],
) -> AppResult<Option<Entry>> {
    Ok(waitlist_entries::table
        .filter(waitlist_entries::session_id.eq(session_id))
        .filter(waitlist_entries::status.eq("waiting"))
        .filter(waitlist_entries::payer.eq_any(payers))
        .order(waitlist_entries::id)
        .for_update()
        .skip_locked()
        .select(Entry::as_select())
        .first(conn)
        .optional()?)
}

/// waiting → offered, with its token and expiry.
pub fn make_offer(
    conn: &mut PgConnection,
    id: i64,
    token: &str,
    expires: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<Option<Entry>> {
    Ok(diesel::update(
        waitlist_entries::table
            .filter(waitlist_entries::id.eq(id))
            .filter(waitlist_entries::status.eq("waiting")),
    )
    .set((
        waitlist_entries::status.eq("offered"),
        waitlist_entries::offer_token.eq(token),
        waitlist_entries::offer_expires_at.eq(expires),
        waitlist_entries::updated_at.eq(now),
    ))
    .returning(Entry::as_returning())
    .get_result(conn)
    .optional()?)
}

/// offered → booked by the offer's token, while the offer runs: one statement, so two
/// claims of one offer give one booking.
pub fn take_offer(
    conn: &mut PgConnection,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<Entry>> {
    Ok(diesel::update(
        waitlist_entries::table
            .filter(waitlist_entries::offer_token.eq(token))
            .filter(waitlist_entries::status.eq("offered"))
            .filter(waitlist_entries::offer_expires_at.gt(now)),
    )
    .set((waitlist_entries::status.eq("booked"), waitlist_entries::updated_at.eq(now)))
    .returning(Entry::as_returning())
    .get_result(conn)
    .optional()?)
}

pub fn by_token(conn: &mut PgConnection, token: &str) -> AppResult<Option<Entry>> {
    Ok(waitlist_entries::table
        .filter(waitlist_entries::offer_token.eq(token))
        .select(Entry::as_select())
        .first(conn)
        .optional()?)
}

pub fn set_visit(conn: &mut PgConnection, id: i64, visit_id: i64) -> AppResult<()> {
    diesel::update(waitlist_entries::table.find(id))
        .set(waitlist_entries::visit_id.eq(visit_id))
        .execute(conn)?;
    Ok(())
}

/// offered → lapsed for every offer whose time ran out (each returned once).
pub fn lapse_expired(conn: &mut PgConnection, now: DateTime<Utc>) -> AppResult<Vec<Entry>> {
    Ok(diesel::update(
        waitlist_entries::table
            .filter(waitlist_entries::status.eq("offered"))
            .filter(waitlist_entries::offer_expires_at.le(now)),
    )
    .set((waitlist_entries::status.eq("lapsed"), waitlist_entries::updated_at.eq(now)))
    .returning(Entry::as_returning())
    .get_results(conn)?)
}

/// Sessions with somebody waiting (for the sweep that offers places freed by staff).
pub fn sessions_with_waiting(conn: &mut PgConnection) -> AppResult<Vec<i32>> {
    Ok(waitlist_entries::table
        .filter(waitlist_entries::status.eq("waiting"))
        .select(waitlist_entries::session_id)
        .distinct()
        .load(conn)?)
}

/// Give back the place an offer held (the counters an online place took).
pub fn release_hold(conn: &mut PgConnection, session_id: i32, payer: Payer) -> AppResult<()> {
    let jkn = payer == Payer::Jkn;
    diesel::update(clinic_sessions::table.find(session_id))
        .set((
            clinic_sessions::taken_jkn.eq(clinic_sessions::taken_jkn - i32::from(jkn)),
            clinic_sessions::taken_non_jkn.eq(clinic_sessions::taken_non_jkn - i32::from(!jkn)),
            clinic_sessions::taken_online.eq(clinic_sessions::taken_online - 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// An entry by its waitlist code, locked for the change that follows.
pub fn by_code_for_update(conn: &mut PgConnection, code: &str) -> AppResult<Option<Entry>> {
    Ok(waitlist_entries::table
        .filter(waitlist_entries::code.eq(code))
        .for_update()
        .select(Entry::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_code(conn: &mut PgConnection, code: &str) -> AppResult<Option<Entry>> {
    Ok(waitlist_entries::table
        .filter(waitlist_entries::code.eq(code))
        .select(Entry::as_select())
        .first(conn)
        .optional()?)
}

/// waiting/offered → left (the patient leaves the line): one conditional UPDATE, so a
/// claim or a lapse at the same moment and the leave cannot both happen.
pub fn leave(
    conn: &mut PgConnection,
    id: i64,
    was: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<Entry>> {
    Ok(diesel::update(
        waitlist_entries::table
            .filter(waitlist_entries::id.eq(id))
            .filter(waitlist_entries::status.eq(was)),
    )
    .set((waitlist_entries::status.eq("left"), waitlist_entries::updated_at.eq(now)))
    .returning(Entry::as_returning())
    .get_result(conn)
    .optional()?)
}
