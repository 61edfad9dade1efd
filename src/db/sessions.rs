//! Clinic sessions: materialised from weekly schedules and one-off exceptions.
use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Date, Text};

use super::models::{Clinic, ClinicSession, Doctor};
use super::schema::{clinic_sessions, clinics, doctors};
use crate::domain::kinds::{ExceptionKind, Payer, SessionStatus};
use crate::domain::rules::local_datetime;
use crate::error::{AppError, AppResult};

/// A session with its clinic and doctor.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub session: ClinicSession,
    pub clinic: Clinic,
    pub doctor: Doctor,
}

impl SessionView {
    pub fn starts(&self, tz: Tz) -> DateTime<Tz> {
        local_datetime(tz, self.session.service_date, self.session.starts_at)
    }
    pub fn ends(&self, tz: Tz) -> DateTime<Tz> {
        local_datetime(tz, self.session.service_date, self.session.ends_at)
    }
    /// "08:00-12:00", as Mobile JKN writes a practice time.
    pub fn hours(&self) -> String {
        format!(
            "{}-{}",
            self.session.starts_at.format("%H:%M"),
            self.session.ends_at.format("%H:%M")
        )
    }
    pub fn remaining_jkn(&self) -> i32 {
        self.session.quota_jkn - self.session.taken_jkn
    }
    pub fn remaining_non_jkn(&self) -> i32 {
        self.session.quota_non_jkn - self.session.taken_non_jkn
    }
    /// Online places left: bounded by the online limit and by the quotas left.
    pub fn remaining_online(&self) -> i32 {
        (self.session.online_limit - self.session.taken_online)
            .min(self.remaining_jkn() + self.remaining_non_jkn())
            .max(0)
    }
}

/// Create the sessions of every schedule and extra session between `from` and `to`
/// (inclusive) that do not exist yet. Idempotent; leave and closures create them cancelled.
pub fn materialize(conn: &mut PgConnection, from: NaiveDate, to: NaiveDate) -> AppResult<usize> {
    let weekly = diesel::sql_query(
        "INSERT INTO clinic_sessions (clinic_id, doctor_id, schedule_id, service_date, starts_at,
             ends_at, quota_jkn, quota_non_jkn, online_limit, service_minutes, status, cancel_reason)
         SELECT s.clinic_id, s.doctor_id, s.id, d::date, s.starts_at, s.ends_at, s.quota_jkn,
             s.quota_non_jkn, LEAST(s.online_limit, s.quota_jkn + s.quota_non_jkn),
             s.service_minutes,
             CASE WHEN x.id IS NULL THEN $3 ELSE $4 END, COALESCE(x.reason, '')
         FROM practice_schedules s
         JOIN generate_series($1::date, $2::date, interval '1 day') AS d
             ON EXTRACT(ISODOW FROM d) = s.weekday
         JOIN clinics c ON c.id = s.clinic_id AND c.active
         JOIN doctors dr ON dr.id = s.doctor_id AND dr.active
         LEFT JOIN LATERAL (
             SELECT e.id, e.reason FROM schedule_exceptions e
             WHERE e.date = d::date
               AND ((e.kind = $5 AND e.doctor_id = s.doctor_id)
                 OR (e.kind = $6 AND e.clinic_id = s.clinic_id))
             LIMIT 1) x ON true
         WHERE d::date >= s.valid_from AND (s.valid_until IS NULL OR d::date <= s.valid_until)
         ON CONFLICT (doctor_id, clinic_id, service_date, starts_at) DO NOTHING",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<Text, _>(SessionStatus::Open)
    .bind::<Text, _>(SessionStatus::Cancelled)
    .bind::<Text, _>(ExceptionKind::Leave)
    .bind::<Text, _>(ExceptionKind::Closure)
    .execute(conn)?;
    let extra = diesel::sql_query(
        "INSERT INTO clinic_sessions (clinic_id, doctor_id, exception_id, service_date, starts_at,
             ends_at, quota_jkn, quota_non_jkn, online_limit, service_minutes)
         SELECT e.clinic_id, e.doctor_id, e.id, e.date, e.starts_at, e.ends_at, e.quota_jkn,
             e.quota_non_jkn, LEAST(e.online_limit, e.quota_jkn + e.quota_non_jkn), e.service_minutes
         FROM schedule_exceptions e
         WHERE e.kind = $3 AND e.date BETWEEN $1 AND $2
         ON CONFLICT (doctor_id, clinic_id, service_date, starts_at) DO NOTHING",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<Text, _>(ExceptionKind::Extra)
    .execute(conn)?;
    Ok(weekly + extra)
}

/// The sessions of a date, optionally of one clinic (by code), in clinic and time order.
pub fn list(
    conn: &mut PgConnection,
    date: NaiveDate,
    clinic_code: Option<&str>,
) -> AppResult<Vec<SessionView>> {
    let mut query = clinic_sessions::table
        .inner_join(clinics::table)
        .inner_join(doctors::table)
        .filter(clinic_sessions::service_date.eq(date))
        .select((ClinicSession::as_select(), Clinic::as_select(), Doctor::as_select()))
        .order((clinics::name, clinic_sessions::starts_at, doctors::name))
        .into_boxed();
    if let Some(code) = clinic_code {
        query = query.filter(clinics::code.eq(code.to_ascii_uppercase()));
    }
    let rows: Vec<(ClinicSession, Clinic, Doctor)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(session, clinic, doctor)| SessionView { session, clinic, doctor })
        .collect())
}

pub fn get(conn: &mut PgConnection, id: i32) -> AppResult<SessionView> {
    let (session, clinic, doctor) = clinic_sessions::table
        .inner_join(clinics::table)
        .inner_join(doctors::table)
        .filter(clinic_sessions::id.eq(id))
        .select((ClinicSession::as_select(), Clinic::as_select(), Doctor::as_select()))
        .first(conn)
        .optional()?
        .ok_or_else(unknown_session)?;
    Ok(SessionView { session, clinic, doctor })
}

pub fn unknown_session() -> AppError {
    AppError::not_found(
        "unknown_session",
        "Jadwal praktik tidak ditemukan.",
        "Clinic session not found.",
    )
}

/// Claim one place of `payer` in an open session, in one conditional UPDATE; `ahead` also
/// counts it against the online limit. `None` when no place is left.
pub fn claim_place(
    conn: &mut PgConnection,
    session_id: i32,
    payer: Payer,
    ahead: bool,
) -> AppResult<Option<ClinicSession>> {
    let jkn = payer == Payer::Jkn;
    Ok(diesel::update(clinic_sessions::table)
        .filter(clinic_sessions::id.eq(session_id))
        .filter(clinic_sessions::status.eq(SessionStatus::Open))
        .filter(
            diesel::dsl::sql::<Bool>("CASE WHEN ")
                .bind::<Bool, _>(jkn)
                .sql(" THEN taken_jkn < quota_jkn ELSE taken_non_jkn < quota_non_jkn END AND (NOT ")
                .bind::<Bool, _>(ahead)
                .sql(" OR taken_online < online_limit)"),
        )
        .set((
            clinic_sessions::taken_jkn.eq(clinic_sessions::taken_jkn + i32::from(jkn)),
            clinic_sessions::taken_non_jkn.eq(clinic_sessions::taken_non_jkn + i32::from(!jkn)),
            clinic_sessions::taken_online.eq(clinic_sessions::taken_online + i32::from(ahead)),
        ))
        .returning(ClinicSession::as_returning())
        .get_result(conn)
        .optional()?)
}
