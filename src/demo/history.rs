//! The demo's past month: sessions and visits of the last 30 days, written with two
//! set-based statements (`generate_series`), so that `/kinerja`, the daily and range
//! reports and the open-data figures of a fresh demo have something to show. The visits
//! carry no patient (no name, NIK or record number) and, being written straight into the
//! tables, make no BPJS, SATUSEHAT or notification job.
use chrono::NaiveDate;
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};

use crate::db::PgConnection;
use crate::error::AppResult;

/// What one seeding wrote.
#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct Seeded {
    #[diesel(sql_type = BigInt)]
    pub visits: i64,
    #[diesel(sql_type = BigInt)]
    pub events: i64,
    #[diesel(sql_type = BigInt)]
    pub sessions: i64,
    #[diesel(sql_type = BigInt)]
    pub days: i64,
    #[diesel(sql_type = BigInt)]
    pub steps: i64,
    #[diesel(sql_type = BigInt)]
    pub step_days: i64,
}

/// The past sessions of the weekly schedules (none on a holiday), each only if missing.
const SESSIONS: &str = "
INSERT INTO clinic_sessions (clinic_id, doctor_id, schedule_id, service_date, starts_at,
                             ends_at, quota_jkn, quota_non_jkn, online_limit, service_minutes)
SELECT s.clinic_id, s.doctor_id, s.id, d::date, s.starts_at, s.ends_at, s.quota_jkn,
       s.quota_non_jkn, s.online_limit, s.service_minutes
FROM generate_series($1::date - 30, $1::date - 1, interval '1 day') AS d
JOIN practice_schedules s ON s.weekday = extract(isodow FROM d)
    AND (s.valid_until IS NULL OR s.valid_until >= d::date)
WHERE NOT EXISTS (SELECT 1 FROM holidays h WHERE h.date = d::date)
ON CONFLICT ON CONSTRAINT clinic_sessions_slot_key DO NOTHING";

/// Fills the 30 days before `today` (in one transaction); sessions that already
/// have visits are left as they are, so running `sipoli demo` again adds only the days
/// that passed since.
pub fn seed_history(conn: &mut PgConnection, today: NaiveDate, tz: Tz) -> AppResult<Seeded> {
    conn.transaction(|conn| {
        diesel::sql_query(SESSIONS).bind::<Date, _>(today).execute(conn)?;
        let seeded: Seeded = diesel::sql_query(include_str!("history.sql"))
            .bind::<Date, _>(today)
            .bind::<Text, _>(tz.name())
            .get_result(conn)?;
        Ok(seeded)
    })
}
