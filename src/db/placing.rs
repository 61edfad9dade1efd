//! Taking a place in few round trips: the three statements of a booking (see
//! `service::booking::take_place`).
//!
//! 1. [`claim`]: the place (one conditional UPDATE of the session row: status, payer
//!    quota, online limit), the ticket number (the clinic's day counter), the session's
//!    clinic and doctor, the doctor's recent services, and the patient found by NIK or
//!    BPJS number or created.
//! 2. [`queue_ahead`]: who is ahead, counted once the session row is locked by the claim
//!    (a later statement sees every booking committed before it), and the new visit's id.
//! 3. [`insert`]: the visit, its event (whose trigger announces it) and the outbox rows
//!    the event makes, in one statement.
//!
//! Rows come back as `to_jsonb` of the table rows and are read with serde: one statement
//! returns rows of several tables without a column list per table.
//!
//! The three statements are [`Prepared`]: each connection keeps them as prepared statements,
//! so PostgreSQL parses and plans these long statements once per connection, not once per
//! booking (diesel's `sql_query` would send them unprepared every time).
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Bool, Double, Int4, Jsonb, Nullable, Text};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::bpjs_tasks::NewBpjsTask;
use super::models::{
    Clinic, ClinicSession, Doctor, NewPatient, NewVisit, NewVisitEvent, Patient, Visit, VisitEvent,
};
use super::notifications::NewJob;
use super::satusehat::NewSatusehatJob;
use super::sessions::SessionView;
use super::visits::{Clash, clash_of, recent_seconds_array};
use crate::domain::kinds::{Payer, SessionStatus};
use crate::domain::visit_status::VisitStatus;
use crate::error::{AppError, AppResult};

/// A raw SQL query (`diesel::sql_query` with its binds) that the connection keeps as a
/// prepared statement, keyed by its SQL text and bind types. Only for SQL whose text is one
/// of a few fixed strings: values go in binds, never formatted into the text (each distinct
/// text is a statement kept for the connection's life).
#[derive(Debug, Clone, Copy)]
pub struct Prepared<Q>(pub Q);

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    /// `sql_query` says "never cache" because its text could be anything; these texts are
    /// fixed.
    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(!unprepared())
    }
}

/// `SIPOLI_UNPREPARED_BOOKING=1` sends the booking's statements unprepared, as before:
/// only for comparing the two in `cargo bench --bench booking` on the same build.
fn unprepared() -> bool {
    static UNPREPARED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *UNPREPARED.get_or_init(|| std::env::var_os("SIPOLI_UNPREPARED_BOOKING").is_some())
}

impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q> Query for Prepared<Q> {
    type SqlType = diesel::sql_types::Untyped;
}

impl<Q, Conn> RunQueryDsl<Conn> for Prepared<Q> {}

fn read<T: DeserializeOwned>(value: Value, what: &str) -> AppResult<T> {
    serde_json::from_value(value).map_err(|e| AppError::internal(format!("{what}: {e}")))
}

/// What the claim took and found.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The session after the claim, with its clinic and doctor.
    pub session: SessionView,
    /// The ticket number taken.
    pub number: i32,
    /// The patients with the NIK or BPJS number given (found, or the one just created).
    /// Empty when none was given, or when another request created the patient a moment
    /// ago (the insert then did nothing and the statement could not see theirs yet).
    pub patients: Vec<Patient>,
    /// Seconds of the doctor's last measured services, newest first.
    pub service_seconds: Vec<i64>,
}

#[derive(QueryableByName)]
struct ClaimRow {
    #[diesel(sql_type = Jsonb)]
    session: Value,
    #[diesel(sql_type = Jsonb)]
    clinic: Value,
    #[diesel(sql_type = Jsonb)]
    doctor: Value,
    #[diesel(sql_type = Int4)]
    number: i32,
    #[diesel(sql_type = Jsonb)]
    patients: Value,
    #[diesel(sql_type = Array<BigInt>)]
    service_seconds: Vec<i64>,
}

/// Claim one place of `payer` in an open session (`ahead` also counts it against the
/// online limit) and take its ticket number, in one statement; with `patient`, find the
/// patient by its NIK or BPJS number, or create it. `None` when the claim found no place
/// (or no such session): nothing is numbered then, and the caller explains the refusal.
pub fn claim(
    conn: &mut PgConnection,
    session_id: i32,
    payer: Payer,
    ahead: bool,
    patient: Option<&NewPatient>,
) -> AppResult<Option<Claimed>> {
    let jkn = payer == Payer::Jkn;
    let row: Option<ClaimRow> = Prepared(
        diesel::sql_query(format!(
            "WITH claim AS (
             UPDATE clinic_sessions
             SET taken_jkn = taken_jkn + CASE WHEN $2 THEN 1 ELSE 0 END,
                 taken_non_jkn = taken_non_jkn + CASE WHEN $2 THEN 0 ELSE 1 END,
                 taken_online = taken_online + CASE WHEN $3 THEN 1 ELSE 0 END
             WHERE id = $1 AND status = $4
               AND CASE WHEN $2 THEN taken_jkn < quota_jkn ELSE taken_non_jkn < quota_non_jkn END
               AND (NOT $3 OR taken_online < online_limit)
             RETURNING *),
         number AS (
             INSERT INTO ticket_counters (clinic_id, service_date, last_number)
             SELECT clinic_id, service_date, 1 FROM claim
             ON CONFLICT (clinic_id, service_date)
             DO UPDATE SET last_number = ticket_counters.last_number + 1
             RETURNING last_number),
         found AS (
             SELECT * FROM patients WHERE $5 AND (nik = $6 OR bpjs_no = $7)),
         created AS (
             INSERT INTO patients (nik, bpjs_no, medical_record_no, name, birth_date, sex, phone,
                 email, language, created_at)
             SELECT nik, bpjs_no, medical_record_no, name, birth_date, sex, phone, email,
                 language, created_at
             FROM jsonb_populate_record(NULL::patients, $8)
             WHERE $5 AND NOT EXISTS (SELECT 1 FROM found)
             ON CONFLICT DO NOTHING
             RETURNING *)
         SELECT to_jsonb(claim) AS session, to_jsonb(c) AS clinic, to_jsonb(d) AS doctor,
             number.last_number AS number,
             (SELECT coalesce(jsonb_agg(to_jsonb(p)), '[]'::jsonb)
              FROM (SELECT * FROM found UNION ALL SELECT * FROM created) p) AS patients,
             {} AS service_seconds
         FROM claim
         JOIN clinics c ON c.id = claim.clinic_id
         JOIN doctors d ON d.id = claim.doctor_id
         CROSS JOIN number",
            recent_seconds_array("claim.doctor_id", "claim.service_date")
        ))
        .bind::<Int4, _>(session_id)
        .bind::<Bool, _>(jkn)
        .bind::<Bool, _>(ahead)
        .bind::<Text, _>(SessionStatus::Open)
        .bind::<Bool, _>(patient.is_some())
        .bind::<Nullable<Text>, _>(patient.and_then(|p| p.nik.clone()))
        .bind::<Nullable<Text>, _>(patient.and_then(|p| p.bpjs_no.clone()))
        .bind::<Jsonb, _>(patient.map(|p| json!(p)).unwrap_or_else(|| json!({}))),
    )
    .get_result(conn)
    .optional()?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Claimed {
        session: SessionView {
            session: read::<ClinicSession>(row.session, "claimed session")?,
            clinic: read::<Clinic>(row.clinic, "clinic")?,
            doctor: read::<Doctor>(row.doctor, "doctor")?,
        },
        number: row.number,
        patients: read(row.patients, "patients")?,
        service_seconds: row.service_seconds,
    }))
}

/// Who is ahead of a new visit, and the id it will have.
#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct Ahead {
    /// Visits of the session still to be seen (booked or waiting).
    #[diesel(sql_type = BigInt)]
    pub to_be_seen: i64,
    /// Waiting visits called before a new waiting visit with this priority and sort key
    /// (it has the highest id).
    #[diesel(sql_type = BigInt)]
    pub waiting_ahead: i64,
    #[diesel(sql_type = BigInt)]
    pub visit_id: i64,
}

/// Count who is ahead of a new visit of `session_id` (priority `priority`, sort key
/// `sort_key`) and draw its id. Run after [`claim`]: the session row's lock orders the
/// bookings of a session, so this statement sees every one made before.
pub fn queue_ahead(
    conn: &mut PgConnection,
    session_id: i32,
    priority: bool,
    sort_key: f64,
) -> AppResult<Ahead> {
    Ok(Prepared(
        diesel::sql_query(
            "SELECT q.to_be_seen, q.waiting_ahead, nextval('visits_id_seq') AS visit_id
         FROM (SELECT count(*) AS to_be_seen,
                      count(*) FILTER (WHERE status = $3 AND (priority > $4
                          OR (priority = $4 AND sort_key <= $5))) AS waiting_ahead
               FROM visits WHERE session_id = $1 AND status IN ($2, $3)) q",
        )
        .bind::<Int4, _>(session_id)
        .bind::<Text, _>(VisitStatus::Booked)
        .bind::<Text, _>(VisitStatus::Waiting)
        .bind::<Bool, _>(priority)
        .bind::<Double, _>(sort_key),
    )
    .get_result(conn)?)
}

/// The outbox rows a new visit's event makes (all for that visit).
#[derive(Debug, Default)]
pub struct OutboxRows {
    pub jobs: Vec<NewJob>,
    pub bpjs: Vec<NewBpjsTask>,
    pub satusehat: Vec<NewSatusehatJob<'static>>,
}

#[derive(QueryableByName)]
struct Inserted {
    #[diesel(sql_type = Jsonb)]
    visit: Value,
    #[diesel(sql_type = Jsonb)]
    event: Value,
}

/// Insert the visit `id` (drawn by [`queue_ahead`]), its event and its outbox rows in one
/// statement. A clash of random booking codes inserts nothing (the caller draws again);
/// the visits table's other unique rules fail the statement, as [`Clash`] values.
pub fn insert(
    conn: &mut PgConnection,
    id: i64,
    visit: &NewVisit,
    event: &NewVisitEvent,
    outbox: &OutboxRows,
) -> AppResult<Result<(Visit, VisitEvent), Clash>> {
    super::events::note_written(event.session_id);
    let mut sql = String::from(
        "WITH v AS (
             INSERT INTO visits (id, session_id, clinic_id, service_date, patient_id, payer,
                 channel, booking_code, queue_number, ticket, status, sort_key, visit_type,
                 referral_number, contact_phone, contact_email, language, room, estimated_at,
                 checked_in_at, created_at, updated_at, priority, priority_reason,
                 priority_category)
             SELECT id, session_id, clinic_id, service_date, patient_id, payer,
                 channel, booking_code, queue_number, ticket, status, sort_key, visit_type,
                 referral_number, contact_phone, contact_email, language, room, estimated_at,
                 checked_in_at, created_at, updated_at, priority, priority_reason,
                 priority_category
             FROM jsonb_populate_record(NULL::visits, $1)
             ON CONFLICT (booking_code) DO NOTHING
             RETURNING *),
         e AS (
             INSERT INTO visit_events (visit_id, session_id, kind, from_status, to_status, actor,
                 staff_id, detail, created_at)
             SELECT v.id, v.session_id, x.kind, x.from_status, x.to_status, x.actor, x.staff_id,
                 x.detail, x.created_at
             FROM v, jsonb_populate_record(NULL::visit_events, $2) x
             RETURNING *)",
    );
    // A table's part only when it has rows: an empty insert would still fire the
    // statement trigger that wakes the notification workers.
    if !outbox.jobs.is_empty() {
        sql.push_str(
            ", j AS (
             INSERT INTO notification_jobs (kind, visit_id, channel, recipient, payload,
                 dedupe_key, run_at, created_at, updated_at)
             SELECT kind, visit_id, channel, recipient, payload, dedupe_key, run_at, created_at,
                 updated_at
             FROM jsonb_populate_recordset(NULL::notification_jobs, $3)
             WHERE EXISTS (SELECT 1 FROM v)
             ON CONFLICT (dedupe_key) DO NOTHING)",
        );
    }
    if !outbox.bpjs.is_empty() {
        sql.push_str(
            ", b AS (
             INSERT INTO bpjs_tasks (visit_id, kind, taskid, waktu, payload, run_at, created_at,
                 dedupe_key)
             SELECT visit_id, kind, taskid, waktu, payload, run_at, created_at, dedupe_key
             FROM jsonb_populate_recordset(NULL::bpjs_tasks, $4)
             WHERE EXISTS (SELECT 1 FROM v)
             ON CONFLICT (visit_id, dedupe_key) DO NOTHING)",
        );
    }
    if !outbox.satusehat.is_empty() {
        sql.push_str(
            ", s AS (
             INSERT INTO satusehat_jobs (visit_id, encounter_status, at, run_at, created_at)
             SELECT visit_id, encounter_status, at, run_at, created_at
             FROM jsonb_populate_recordset(NULL::satusehat_jobs, $5)
             WHERE EXISTS (SELECT 1 FROM v)
             ON CONFLICT (visit_id, encounter_status) DO NOTHING)",
        );
    }
    sql.push_str(" SELECT to_jsonb(v) AS visit, to_jsonb(e) AS event FROM v, e");
    let mut row = json!(visit);
    row["id"] = json!(id);
    let jobs: Vec<Value> = outbox
        .jobs
        .iter()
        .map(|j| {
            json!({
                "kind": j.kind, "visit_id": j.visit_id, "channel": j.channel,
                "recipient": j.recipient, "payload": j.payload, "dedupe_key": j.dedupe_key,
                "run_at": j.run_at, "created_at": j.created_at, "updated_at": j.updated_at,
            })
        })
        .collect();
    let bpjs: Vec<Value> = outbox
        .bpjs
        .iter()
        .map(|t| {
            json!({
                "visit_id": t.visit_id, "kind": t.kind, "taskid": t.taskid, "waktu": t.waktu,
                "payload": t.payload, "run_at": t.run_at, "created_at": t.created_at,
                "dedupe_key": t.dedupe_key,
            })
        })
        .collect();
    let satusehat: Vec<Value> = outbox
        .satusehat
        .iter()
        .map(|s| {
            json!({
                "visit_id": s.visit_id, "encounter_status": s.encounter_status, "at": s.at,
                "run_at": s.run_at, "created_at": s.created_at,
            })
        })
        .collect();
    // One of eight texts (which outbox tables have rows).
    let inserted = Prepared(
        diesel::sql_query(sql)
            .bind::<Jsonb, _>(row)
            .bind::<Jsonb, _>(json!({
                "kind": event.kind, "from_status": event.from_status, "to_status": event.to_status,
                "actor": event.actor, "staff_id": event.staff_id, "detail": event.detail,
                "created_at": event.created_at,
            }))
            .bind::<Jsonb, _>(Value::from(jobs))
            .bind::<Jsonb, _>(Value::from(bpjs))
            .bind::<Jsonb, _>(Value::from(satusehat)),
    )
    .get_result::<Inserted>(conn)
    .optional();
    match inserted {
        Ok(Some(row)) => Ok(Ok((read(row.visit, "visit")?, read(row.event, "visit event")?))),
        Ok(None) => Ok(Err(Clash::BookingCode)),
        Err(e) => clash_of(e).map(Err),
    }
}
