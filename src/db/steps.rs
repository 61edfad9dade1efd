//! Steps of a visit's journey at the stations: single-statement transitions, call order,
//! positions.
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Int4, Nullable, Text, Timestamptz};

use super::models::Visit;
use super::schema::{stations, visit_steps};
use super::stations::Station;
use crate::domain::journey::{Lane, StepAction, StepStatus};
use crate::domain::kinds::{Payer, PriorityCategory};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName, serde::Serialize)]
#[diesel(table_name = visit_steps)]
pub struct Step {
    pub id: i64,
    /// `None` for a registration-counter ticket not yet forwarded into a polyclinic.
    pub visit_id: Option<i64>,
    pub station_id: i32,
    pub lane: Option<Lane>,
    pub service_date: NaiveDate,
    pub number: i32,
    pub ticket: String,
    pub status: StepStatus,
    pub priority: bool,
    pub sort_key: f64,
    pub desk: Option<i32>,
    pub call_count: i32,
    pub created_at: DateTime<Utc>,
    pub called_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub ready_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// The status code of a registration ticket taken before its visit exists.
    pub code: Option<String>,
    pub payer: Option<Payer>,
    pub priority_category: Option<PriorityCategory>,
    /// The existing patient the registration counter found and completed for this ticket.
    pub patient_id: Option<i64>,
    /// When staff confirmed the ticket's priority category (before its visit exists).
    pub priority_confirmed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = visit_steps)]
pub struct NewStep {
    pub visit_id: Option<i64>,
    pub station_id: i32,
    pub lane: Option<Lane>,
    pub service_date: NaiveDate,
    pub number: i32,
    pub ticket: String,
    pub status: StepStatus,
    pub priority: bool,
    pub sort_key: f64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub code: Option<String>,
    pub payer: Option<Payer>,
    pub priority_category: Option<PriorityCategory>,
}

pub fn unknown_step() -> AppError {
    AppError::not_found("unknown_step", "Langkah kunjungan tidak ditemukan.", "Step not found.")
}

/// Insert a step; `None` when the visit already has an open step (it is at a station).
pub fn insert(conn: &mut PgConnection, new: &NewStep) -> AppResult<Option<Step>> {
    Ok(diesel::insert_into(visit_steps::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(Step::as_returning())
        .get_result(conn)
        .optional()?)
}

pub fn find(conn: &mut PgConnection, id: i64) -> AppResult<Step> {
    visit_steps::table
        .find(id)
        .select(Step::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(unknown_step)
}

/// A step with its station, the row locked until the transaction ends.
pub fn lock(conn: &mut PgConnection, id: i64) -> AppResult<(Step, Station)> {
    let step: Step = visit_steps::table
        .find(id)
        .select(Step::as_select())
        .for_update()
        .first(conn)
        .optional()?
        .ok_or_else(unknown_step)?;
    let station = super::stations::get(conn, step.station_id)?;
    Ok((step, station))
}

/// The steps of a visit with their stations, oldest first.
pub fn of_visit(conn: &mut PgConnection, visit_id: i64) -> AppResult<Vec<(Step, Station)>> {
    Ok(visit_steps::table
        .inner_join(stations::table)
        .filter(visit_steps::visit_id.eq(visit_id))
        .order(visit_steps::id)
        .select((Step::as_select(), Station::as_select()))
        .load(conn)?)
}

/// Move a step from `from` to `to` for `action`, stamping the action's time; conditional
/// on the status it was decided from.
pub fn set_status(
    conn: &mut PgConnection,
    id: i64,
    from: StepStatus,
    to: StepStatus,
    action: StepAction,
    now: DateTime<Utc>,
) -> AppResult<Step> {
    let scope =
        visit_steps::table.filter(visit_steps::id.eq(id)).filter(visit_steps::status.eq(from));
    let base = (visit_steps::status.eq(to), visit_steps::updated_at.eq(now));
    let query = diesel::update(scope);
    let step = match action {
        StepAction::Call | StepAction::Recall => query
            .set((
                base,
                visit_steps::called_at.eq(now),
                visit_steps::call_count.eq(visit_steps::call_count + 1),
            ))
            .returning(Step::as_returning())
            .get_result(conn)?,
        StepAction::Start => query
            .set((base, visit_steps::started_at.eq(now)))
            .returning(Step::as_returning())
            .get_result(conn)?,
        StepAction::Ready => query
            .set((base, visit_steps::ready_at.eq(now)))
            .returning(Step::as_returning())
            .get_result(conn)?,
        StepAction::Finish => query
            .set((base, visit_steps::finished_at.eq(now)))
            .returning(Step::as_returning())
            .get_result(conn)?,
        StepAction::Skip | StepAction::Return | StepAction::Forward => {
            query.set(base).returning(Step::as_returning()).get_result(conn)?
        }
    };
    Ok(step)
}

pub fn set_sort_key(conn: &mut PgConnection, id: i64, key: f64) -> AppResult<Step> {
    Ok(diesel::update(visit_steps::table.find(id))
        .set(visit_steps::sort_key.eq(key))
        .returning(Step::as_returning())
        .get_result(conn)?)
}

/// Mark the first step of a station's day in status `from` (in the lane, if given) called
/// at `desk`, in one statement: two desks calling at once get two different patients.
pub fn call_first(
    conn: &mut PgConnection,
    station_id: i32,
    date: NaiveDate,
    lane: Option<Lane>,
    from: StepStatus,
    desk: i32,
    now: DateTime<Utc>,
) -> AppResult<Option<Step>> {
    Ok(diesel::sql_query(
        "UPDATE visit_steps SET status = $5, desk = $6, called_at = $7,
             call_count = call_count + 1, updated_at = $7
         WHERE id = (SELECT id FROM visit_steps
                     WHERE station_id = $1 AND service_date = $2 AND status = $4
                       AND ($3::text IS NULL OR lane = $3)
                     ORDER BY priority DESC, sort_key, id LIMIT 1 FOR UPDATE SKIP LOCKED)
           AND status = $4
         RETURNING *",
    )
    .bind::<Int4, _>(station_id)
    .bind::<Date, _>(date)
    .bind::<Nullable<Text>, _>(lane)
    .bind::<Text, _>(from)
    .bind::<Text, _>(StepStatus::Called)
    .bind::<Int4, _>(desk)
    .bind::<Timestamptz, _>(now)
    .get_result(conn)
    .optional()?)
}

/// The steps of a station's day in call order (priority first, then sort key), every status.
pub fn of_station_day(
    conn: &mut PgConnection,
    station_id: i32,
    date: NaiveDate,
) -> AppResult<Vec<Step>> {
    Ok(visit_steps::table
        .filter(visit_steps::station_id.eq(station_id))
        .filter(visit_steps::service_date.eq(date))
        .order((visit_steps::priority.desc(), visit_steps::sort_key, visit_steps::id))
        .select(Step::as_select())
        .load(conn)?)
}

/// Sort keys of the steps in `status` of a station's day and lane (but `except`).
pub fn keys_in(conn: &mut PgConnection, step: &Step, status: StepStatus) -> AppResult<Vec<f64>> {
    Ok(same_queue(step)
        .filter(visit_steps::status.eq(status))
        .filter(visit_steps::id.ne(step.id))
        .filter(visit_steps::priority.eq(false))
        .select(visit_steps::sort_key)
        .load(conn)?)
}

type SameQueue = diesel::dsl::IntoBoxed<'static, visit_steps::table, diesel::pg::Pg>;

/// Steps of the same station, day and lane as `step`.
fn same_queue(step: &Step) -> SameQueue {
    let q = visit_steps::table
        .filter(visit_steps::station_id.eq(step.station_id))
        .filter(visit_steps::service_date.eq(step.service_date))
        .into_boxed();
    match step.lane {
        Some(lane) => q.filter(visit_steps::lane.eq(lane)),
        None => q,
    }
}

/// Steps ahead of `step` in its queue: those not yet called before it in call order.
pub fn position_of(conn: &mut PgConnection, step: &Step) -> AppResult<i64> {
    if !matches!(step.status, StepStatus::Waiting | StepStatus::Serving | StepStatus::Ready) {
        return Ok(0);
    }
    Ok(same_queue(step)
        .filter(visit_steps::status.eq_any([
            StepStatus::Waiting,
            StepStatus::Serving,
            StepStatus::Ready,
        ]))
        .filter(
            visit_steps::priority.gt(step.priority).or(visit_steps::priority
                .eq(step.priority)
                .and(
                    visit_steps::sort_key.lt(step.sort_key).or(visit_steps::sort_key
                        .eq(step.sort_key)
                        .and(visit_steps::id.lt(step.id))),
                )),
        )
        .count()
        .get_result(conn)?)
}

/// How many steps of the same station, day and lane there are, and how many are not yet
/// called (Mobile JKN's `totalantrean`, `sisaantrean`).
pub fn lane_counts(conn: &mut PgConnection, step: &Step) -> AppResult<(i64, i64)> {
    let total = same_queue(step).count().get_result(conn)?;
    let left = same_queue(step)
        .filter(visit_steps::status.eq_any([
            StepStatus::Waiting,
            StepStatus::Serving,
            StepStatus::Ready,
        ]))
        .count()
        .get_result(conn)?;
    Ok((total, left))
}

/// The ticket called last in the same station, day and lane.
pub fn last_called(conn: &mut PgConnection, step: &Step) -> AppResult<Option<String>> {
    Ok(same_queue(step)
        .filter(visit_steps::called_at.is_not_null())
        .order(visit_steps::called_at.desc())
        .select(visit_steps::ticket)
        .first(conn)
        .optional()?)
}

#[derive(QueryableByName)]
struct Seconds {
    #[diesel(sql_type = BigInt)]
    s: i64,
}

/// Seconds from waiting to ready (or to finish) of the last 20 steps of a station's lane.
pub fn recent_service_seconds(conn: &mut PgConnection, step: &Step) -> AppResult<Vec<i64>> {
    let rows: Vec<Seconds> = diesel::sql_query(
        "SELECT extract(epoch FROM coalesce(ready_at, finished_at) - coalesce(started_at, called_at))::bigint AS s
         FROM visit_steps
         WHERE station_id = $1 AND ($2::text IS NULL OR lane = $2)
           AND coalesce(ready_at, finished_at) IS NOT NULL
           AND coalesce(started_at, called_at) IS NOT NULL
         ORDER BY coalesce(ready_at, finished_at) DESC LIMIT 20",
    )
    .bind::<Int4, _>(step.station_id)
    .bind::<Nullable<Text>, _>(step.lane)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| r.s).collect())
}

/// A registration ticket by its status code.
pub fn find_by_code(conn: &mut PgConnection, code: &str) -> AppResult<Option<Step>> {
    Ok(visit_steps::table
        .filter(visit_steps::code.eq(code))
        .select(Step::as_select())
        .first(conn)
        .optional()?)
}

/// Link a registration ticket to the visit it became.
pub fn link_visit(conn: &mut PgConnection, step_id: i64, visit_id: i64) -> AppResult<Step> {
    Ok(diesel::update(visit_steps::table.find(step_id))
        .filter(visit_steps::visit_id.is_null())
        .set(visit_steps::visit_id.eq(visit_id))
        .returning(Step::as_returning())
        .get_result(conn)?)
}

/// Link a visit to the visit it was referred from (internal referral), with its patient.
pub fn link_referral(
    conn: &mut PgConnection,
    visit_id: i64,
    from: i64,
    patient_id: Option<i64>,
) -> AppResult<Visit> {
    use super::schema::visits;
    Ok(diesel::update(visits::table.find(visit_id))
        .set((visits::referred_from.eq(from), visits::patient_id.eq(patient_id)))
        .returning(Visit::as_returning())
        .get_result(conn)?)
}

/// The visit a visit was referred to, if any.
pub fn referred_to(conn: &mut PgConnection, visit_id: i64) -> AppResult<Option<Visit>> {
    use super::schema::visits;
    Ok(visits::table
        .filter(visits::referred_from.eq(visit_id))
        .select(Visit::as_select())
        .first(conn)
        .optional()?)
}

/// Confirm a visit's priority category; `None` when it has none.
pub fn confirm_category(
    conn: &mut PgConnection,
    visit_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Option<Visit>> {
    use super::schema::visits;
    Ok(diesel::update(visits::table.find(visit_id))
        .filter(visits::priority_category.is_not_null())
        .set((visits::priority_confirmed_at.eq(now), visits::updated_at.eq(now)))
        .returning(Visit::as_returning())
        .get_result(conn)
        .optional()?)
}

/// Remove a visit's priority category (and the priority it gave, in the polyclinic and at
/// its open steps); `None` when it has none.
pub fn remove_category(
    conn: &mut PgConnection,
    visit_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Option<Visit>> {
    use super::schema::visits;
    let visit = diesel::update(visits::table.find(visit_id))
        .filter(visits::priority_category.is_not_null())
        .set((
            visits::priority_category.eq(None::<PriorityCategory>),
            visits::priority_confirmed_at.eq(None::<DateTime<Utc>>),
            visits::priority.eq(false),
            visits::priority_reason.eq(""),
            visits::updated_at.eq(now),
        ))
        .returning(Visit::as_returning())
        .get_result(conn)
        .optional()?;
    if visit.is_some() {
        diesel::update(visit_steps::table)
            .filter(visit_steps::visit_id.eq(visit_id))
            .filter(visit_steps::status.eq_any(OPEN))
            .set(visit_steps::priority.eq(false))
            .execute(conn)?;
    }
    Ok(visit)
}

/// When a visit's priority category was confirmed by staff.
pub fn category_confirmed_at(
    conn: &mut PgConnection,
    visit_ids: &[i64],
) -> AppResult<Vec<(i64, Option<DateTime<Utc>>)>> {
    use super::schema::visits;
    Ok(visits::table
        .filter(visits::id.eq_any(visit_ids))
        .select((visits::id, visits::priority_confirmed_at))
        .load(conn)?)
}

const OPEN: [StepStatus; 5] = [
    StepStatus::Waiting,
    StepStatus::Called,
    StepStatus::Serving,
    StepStatus::Ready,
    StepStatus::Skipped,
];

/// One step of a day with its station, for the journey report (the shared step times).
pub type StepTiming = super::timings::StepTimes;
pub use super::timings::VisitMoments;

/// Today's steps of the stations (of visits of `clinics`, or every step when `None`).
pub fn day_timings(
    conn: &mut PgConnection,
    date: NaiveDate,
    clinics: Option<Vec<i32>>,
) -> AppResult<Vec<StepTiming>> {
    super::timings::steps_between(conn, (date, date), clinics)
}

/// The moments of the visits of a day, as BPJS tasks 1–7 measure them.
pub fn day_moments(
    conn: &mut PgConnection,
    date: NaiveDate,
    clinics: Option<Vec<i32>>,
) -> AppResult<Vec<VisitMoments>> {
    super::timings::moments_between(conn, (date, date), clinics)
}

/// Keep one more step change of a registration ticket that is no visit's yet (its early
/// history, in order), in one statement.
pub fn remember_early(
    conn: &mut PgConnection,
    step_id: i64,
    entry: &serde_json::Value,
) -> AppResult<()> {
    diesel::sql_query(
        "UPDATE visit_steps SET early_events = early_events || jsonb_build_array($2::jsonb)
         WHERE id = $1",
    )
    .bind::<BigInt, _>(step_id)
    .bind::<diesel::sql_types::Jsonb, _>(entry)
    .execute(conn)?;
    Ok(())
}

/// A ticket's early history, oldest first.
pub fn early_events(conn: &mut PgConnection, step_id: i64) -> AppResult<Vec<serde_json::Value>> {
    let all: serde_json::Value =
        visit_steps::table.find(step_id).select(visit_steps::early_events).first(conn)?;
    Ok(match all {
        serde_json::Value::Array(list) => list,
        _ => Vec::new(),
    })
}

/// Remember the existing patient the counter completed for a registration ticket not yet
/// forwarded; `None` when the ticket already became a visit.
pub fn set_patient(
    conn: &mut PgConnection,
    step_id: i64,
    patient_id: i64,
) -> AppResult<Option<Step>> {
    Ok(diesel::update(visit_steps::table.find(step_id))
        .filter(visit_steps::visit_id.is_null())
        .set(visit_steps::patient_id.eq(patient_id))
        .returning(Step::as_returning())
        .get_result(conn)
        .optional()?)
}

/// Confirm a registration ticket's priority category before its visit exists; `None`
/// when it has none (or became a visit).
pub fn confirm_step_category(
    conn: &mut PgConnection,
    step_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Option<Step>> {
    Ok(diesel::update(visit_steps::table.find(step_id))
        .filter(visit_steps::visit_id.is_null())
        .filter(visit_steps::priority_category.is_not_null())
        .set((visit_steps::priority_confirmed_at.eq(now), visit_steps::updated_at.eq(now)))
        .returning(Step::as_returning())
        .get_result(conn)
        .optional()?)
}

/// Remove a registration ticket's priority category and the priority it gave (its place
/// at the counter follows at once); `None` when it has none (or became a visit).
pub fn remove_step_category(
    conn: &mut PgConnection,
    step_id: i64,
    now: DateTime<Utc>,
) -> AppResult<Option<Step>> {
    Ok(diesel::update(visit_steps::table.find(step_id))
        .filter(visit_steps::visit_id.is_null())
        .filter(visit_steps::priority_category.is_not_null())
        .set((
            visit_steps::priority_category.eq(None::<PriorityCategory>),
            visit_steps::priority_confirmed_at.eq(None::<DateTime<Utc>>),
            visit_steps::priority.eq(false),
            visit_steps::updated_at.eq(now),
        ))
        .returning(Step::as_returning())
        .get_result(conn)
        .optional()?)
}

#[derive(QueryableByName)]
struct RecordNo {
    #[diesel(sql_type = Text)]
    medical_record_no: String,
}

/// Give an existing patient who has no medical record number the next one of the same
/// sequence new patients get, in one conditional statement: `Some(number)` when given now,
/// `None` when the patient has one already (a second desk doing it at the same moment
/// waits for the first and then finds the number given). A number already typed in by
/// hand for someone else is skipped.
pub fn assign_record_no(conn: &mut PgConnection, patient_id: i64) -> AppResult<Option<String>> {
    use diesel::result::{DatabaseErrorKind, Error as DieselError};
    loop {
        let given = conn.transaction(|c| {
            diesel::sql_query(
                "UPDATE patients
                 SET medical_record_no = lpad(nextval('jkn_medical_record_numbers')::text, 8, '0')
                 WHERE id = $1 AND medical_record_no IS NULL
                 RETURNING medical_record_no",
            )
            .bind::<BigInt, _>(patient_id)
            .get_result::<RecordNo>(c)
            .optional()
        });
        match given {
            Ok(n) => return Ok(n.map(|r| r.medical_record_no)),
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info))
                if info.constraint_name() == Some("patients_medical_record_no_key") =>
            {
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Fill an existing patient's missing phone, BPJS number and NIK at the counter, in one
/// statement (in a savepoint): the phone given replaces the old one, a BPJS number or NIK
/// only fills an empty one (or repeats the same). `Ok(None)` when the patient has another
/// BPJS number or NIK; `Err(Taken)` when another patient holds it (unique constraint).
pub fn complete_patient(
    conn: &mut PgConnection,
    patient_id: i64,
    fill: &Fill<'_>,
) -> AppResult<Result<Option<super::models::Patient>, Taken>> {
    use diesel::result::{DatabaseErrorKind, Error as DieselError};
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let updated = conn.transaction(|c| {
        diesel::sql_query(
            "UPDATE patients SET phone = coalesce($2, phone), bpjs_no = coalesce(bpjs_no, $3),
                    nik = coalesce(nik, $4)
             WHERE id = $1 AND ($3::text IS NULL OR bpjs_no IS NULL OR bpjs_no = $3)
               AND ($4::text IS NULL OR nik IS NULL OR nik = $4)
             RETURNING id",
        )
        .bind::<BigInt, _>(patient_id)
        .bind::<Nullable<Text>, _>(fill.phone)
        .bind::<Nullable<Text>, _>(fill.bpjs_no)
        .bind::<Nullable<Text>, _>(fill.nik)
        .get_result::<Id>(c)
        .optional()
    });
    match updated {
        Ok(Some(row)) => Ok(Ok(super::patients::find(conn, row.id)?)),
        Ok(None) => Ok(Ok(None)),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)) => {
            Ok(Err(if info.constraint_name() == Some("patients_nik_key") {
                Taken::Nik
            } else {
                Taken::BpjsNo
            }))
        }
        Err(e) => Err(e.into()),
    }
}

/// What the counter fills on an existing patient (each only where it is missing; the
/// phone replaces the old one).
#[derive(Debug, Clone, Copy, Default)]
pub struct Fill<'a> {
    pub phone: Option<&'a str>,
    pub bpjs_no: Option<&'a str>,
    pub nik: Option<&'a str>,
}

/// Another patient holds that number (the unique constraint said so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    BpjsNo,
    Nik,
}

/// A visit's moments at its polyclinic, oldest first: the kind and time of its
/// `back_to_clinic`, `call`, `recall`, `start` and `finish` events (a consultation after a
/// lab return has its times here only; the visit keeps the first's).
pub fn clinic_moments(
    conn: &mut PgConnection,
    visit_id: i64,
) -> AppResult<Vec<(String, DateTime<Utc>)>> {
    use super::schema::visit_events as e;
    Ok(e::table
        .filter(e::visit_id.eq(visit_id))
        .filter(e::kind.eq_any(["back_to_clinic", "call", "recall", "start", "finish"]))
        .order(e::id)
        .select((e::kind, e::created_at))
        .load(conn)?)
}

/// A visit's ticket, queue number and clinic code.
pub fn visit_ticket(conn: &mut PgConnection, visit_id: i64) -> AppResult<(String, i32, String)> {
    use super::schema::{clinics, visits};
    Ok(visits::table
        .inner_join(clinics::table.on(clinics::id.eq(visits::clinic_id)))
        .filter(visits::id.eq(visit_id))
        .select((visits::ticket, visits::queue_number, clinics::code))
        .first(conn)?)
}
