//! What a patient's phone polls, in one indexed statement: the visit by its booking code,
//! its session with clinic and doctor, the patients ahead, who is being served, the
//! doctor's recent services (for the estimate), and whether the visit has a journey
//! beyond the polyclinic (steps at stations, or a referral on to another clinic) that the
//! caller must read as well.
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Jsonb, Nullable, Text};
use serde_json::Value;

use super::models::{Clinic, ClinicSession, Doctor, Visit};
use super::sessions::SessionView;
use super::visits::recent_seconds_array;
use crate::domain::visit_status::VisitStatus;
use crate::error::{AppError, AppResult};

/// One visit's standing as read by [`by_code`].
#[derive(Debug, Clone)]
pub struct Read {
    pub visit: Visit,
    pub session: SessionView,
    /// Patients ahead, as [`super::visits::position_of`] counts them.
    pub position: i64,
    /// The ticket called most recently and not finished, if any.
    pub now_serving: Option<String>,
    /// Seconds of the doctor's last measured services (only for a visit still waiting
    /// or booked: the others need no estimate).
    pub service_seconds: Vec<i64>,
    /// The visit has steps at stations or a referral: read its journey too.
    pub has_journey: bool,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Jsonb)]
    visit: Value,
    #[diesel(sql_type = Jsonb)]
    session: Value,
    #[diesel(sql_type = Jsonb)]
    clinic: Value,
    #[diesel(sql_type = Jsonb)]
    doctor: Value,
    #[diesel(sql_type = BigInt)]
    position: i64,
    #[diesel(sql_type = Nullable<Text>)]
    now_serving: Option<String>,
    #[diesel(sql_type = Array<BigInt>)]
    service_seconds: Vec<i64>,
    #[diesel(sql_type = Bool)]
    has_journey: bool,
}

fn read<T: serde::de::DeserializeOwned>(value: Value, what: &str) -> AppResult<T> {
    serde_json::from_value(value).map_err(|e| AppError::internal(format!("{what}: {e}")))
}

/// The standing of the visit with this booking code; `None` when no visit has it.
pub fn by_code(conn: &mut PgConnection, code: &str) -> AppResult<Option<Read>> {
    let row: Option<Row> = diesel::sql_query(format!(
        "SELECT to_jsonb(v) AS visit, to_jsonb(s) AS session, to_jsonb(c) AS clinic,
             to_jsonb(d) AS doctor,
             CASE v.status
                 WHEN $3 THEN (SELECT count(*) FROM visits w
                     WHERE w.session_id = v.session_id AND w.status = $3
                       AND (w.priority > v.priority OR (w.priority = v.priority
                           AND (w.sort_key < v.sort_key
                                OR (w.sort_key = v.sort_key AND w.id < v.id)))))
                 WHEN $2 THEN (SELECT count(*) FROM visits w
                     WHERE w.session_id = v.session_id AND w.status IN ($2, $3)
                       AND w.sort_key < v.sort_key)
                 ELSE 0 END AS position,
             (SELECT w.ticket FROM visits w
              WHERE w.session_id = v.session_id AND w.status IN ($4, $5)
              ORDER BY {last_call} DESC NULLS LAST, w.called_at DESC, w.id DESC LIMIT 1) AS now_serving,
             CASE WHEN v.status IN ($2, $3) THEN {}
                  ELSE ARRAY[]::bigint[] END AS service_seconds,
             EXISTS (SELECT 1 FROM visit_steps st WHERE st.visit_id = v.id)
                 OR EXISTS (SELECT 1 FROM visits r WHERE r.referred_from = v.id) AS has_journey
         FROM visits v
         JOIN clinic_sessions s ON s.id = v.session_id
         JOIN clinics c ON c.id = s.clinic_id
         JOIN doctors d ON d.id = s.doctor_id
         WHERE v.booking_code = $1",
        recent_seconds_array("s.doctor_id", "s.service_date"),
        last_call = super::visits::last_call_of("w"),
    ))
    .bind::<Text, _>(code)
    .bind::<Text, _>(VisitStatus::Booked)
    .bind::<Text, _>(VisitStatus::Waiting)
    .bind::<Text, _>(VisitStatus::Called)
    .bind::<Text, _>(VisitStatus::Serving)
    .get_result(conn)
    .optional()?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Read {
        visit: read(row.visit, "visit")?,
        session: SessionView {
            session: read::<ClinicSession>(row.session, "session")?,
            clinic: read::<Clinic>(row.clinic, "clinic")?,
            doctor: read::<Doctor>(row.doctor, "doctor")?,
        },
        position: row.position,
        now_serving: row.now_serving,
        service_seconds: row.service_seconds,
        has_journey: row.has_journey,
    }))
}

/// One clinic session as a node's status projection holds it: the session with its clinic
/// and doctor, who is being served, the doctor's recent services, and every visit of the
/// session with whether it has a journey beyond the polyclinic.
#[derive(Debug, Clone)]
pub struct SessionRead {
    pub session: SessionView,
    pub now_serving: Option<String>,
    pub service_seconds: Vec<i64>,
    pub visits: Vec<(Visit, bool)>,
}

#[derive(QueryableByName)]
struct SessionRow {
    #[diesel(sql_type = Jsonb)]
    session: Value,
    #[diesel(sql_type = Jsonb)]
    clinic: Value,
    #[diesel(sql_type = Jsonb)]
    doctor: Value,
    #[diesel(sql_type = Nullable<Text>)]
    now_serving: Option<String>,
    #[diesel(sql_type = Array<BigInt>)]
    service_seconds: Vec<i64>,
    #[diesel(sql_type = Jsonb)]
    visits: Value,
}

#[derive(serde::Deserialize)]
struct VisitWithJourney {
    visit: Visit,
    journey: bool,
}

/// A whole session for the status projection, in one indexed statement (the visits by
/// `session_id`); `None` when there is no such session.
pub fn session(conn: &mut PgConnection, session_id: i32) -> AppResult<Option<SessionRead>> {
    let row: Option<SessionRow> = diesel::sql_query(format!(
        "SELECT to_jsonb(s) AS session, to_jsonb(c) AS clinic, to_jsonb(d) AS doctor,
             (SELECT w.ticket FROM visits w
              WHERE w.session_id = s.id AND w.status IN ($2, $3)
              ORDER BY {last_call} DESC NULLS LAST, w.called_at DESC, w.id DESC LIMIT 1) AS now_serving,
             {} AS service_seconds,
             coalesce((SELECT jsonb_agg(jsonb_build_object('visit', to_jsonb(v), 'journey',
                     EXISTS (SELECT 1 FROM visit_steps st WHERE st.visit_id = v.id)
                     OR EXISTS (SELECT 1 FROM visits r WHERE r.referred_from = v.id)))
                 FROM visits v WHERE v.session_id = s.id), '[]'::jsonb) AS visits
         FROM clinic_sessions s
         JOIN clinics c ON c.id = s.clinic_id
         JOIN doctors d ON d.id = s.doctor_id
         WHERE s.id = $1",
        recent_seconds_array("s.doctor_id", "s.service_date"),
        last_call = super::visits::last_call_of("w"),
    ))
    .bind::<diesel::sql_types::Integer, _>(session_id)
    .bind::<Text, _>(VisitStatus::Called)
    .bind::<Text, _>(VisitStatus::Serving)
    .get_result(conn)
    .optional()?;
    let Some(row) = row else { return Ok(None) };
    let visits: Vec<VisitWithJourney> = read(row.visits, "visits")?;
    Ok(Some(SessionRead {
        session: SessionView {
            session: read::<ClinicSession>(row.session, "session")?,
            clinic: read::<Clinic>(row.clinic, "clinic")?,
            doctor: read::<Doctor>(row.doctor, "doctor")?,
        },
        now_serving: row.now_serving,
        service_seconds: row.service_seconds,
        visits: visits.into_iter().map(|v| (v.visit, v.journey)).collect(),
    }))
}
