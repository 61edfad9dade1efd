//! Complaints, their responses and the national holidays the five-day rule skips.
use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Text, Timestamptz};
use serde::Serialize;

use super::schema::{complaint_responses, complaints, holidays};
use crate::domain::complaints::{ComplaintCategory, ComplaintChannel, ComplaintStatus};
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = complaints)]
pub struct Complaint {
    pub id: i64,
    pub code: String,
    pub category: ComplaintCategory,
    pub body: String,
    pub channel: ComplaintChannel,
    pub visit_id: Option<i64>,
    pub clinic_id: Option<i32>,
    pub contact: Option<String>,
    pub language: String,
    pub status: ComplaintStatus,
    #[schema(value_type = String, format = DateTime)]
    pub received_at: DateTime<Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub due_at: DateTime<Utc>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closed_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub escalated_at: Option<DateTime<Utc>>,
    pub created_by: Option<i32>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
}

impl Complaint {
    /// Not resolved or closed by its due time (as of `now`).
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.status.is_open() && self.due_at <= now
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = complaints)]
pub struct NewComplaint {
    pub code: String,
    pub category: ComplaintCategory,
    pub body: String,
    pub channel: ComplaintChannel,
    pub visit_id: Option<i64>,
    pub clinic_id: Option<i32>,
    pub contact: Option<String>,
    pub language: String,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub created_by: Option<i32>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = complaint_responses)]
pub struct Response {
    pub id: i64,
    pub complaint_id: i64,
    pub author_id: Option<i32>,
    pub author_name: String,
    pub body: String,
    pub from_status: String,
    pub to_status: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = complaint_responses)]
pub struct NewResponse<'a> {
    pub complaint_id: i64,
    pub author_id: Option<i32>,
    pub author_name: &'a str,
    pub body: &'a str,
    pub from_status: &'a str,
    pub to_status: &'a str,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = holidays)]
pub struct Holiday {
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub name: String,
    pub created_by: Option<i32>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
}

/// The holidays from `from` on (a complaint's due day lies within a few weeks).
pub fn holidays_from(conn: &mut PgConnection, from: NaiveDate) -> AppResult<BTreeSet<NaiveDate>> {
    Ok(holidays::table
        .filter(holidays::date.ge(from))
        .select(holidays::date)
        .load::<NaiveDate>(conn)?
        .into_iter()
        .collect())
}

pub fn list_holidays(conn: &mut PgConnection, from: NaiveDate) -> AppResult<Vec<Holiday>> {
    Ok(holidays::table
        .filter(holidays::date.ge(from))
        .order(holidays::date)
        .select(Holiday::as_select())
        .load(conn)?)
}

/// Enter a holiday (again: its name is updated).
pub fn put_holiday(
    conn: &mut PgConnection,
    date: NaiveDate,
    name: &str,
    by: i32,
    now: DateTime<Utc>,
) -> AppResult<Holiday> {
    Ok(diesel::insert_into(holidays::table)
        .values((
            holidays::date.eq(date),
            holidays::name.eq(name),
            holidays::created_by.eq(by),
            holidays::created_at.eq(now),
        ))
        .on_conflict(holidays::date)
        .do_update()
        .set(holidays::name.eq(name))
        .returning(Holiday::as_returning())
        .get_result(conn)?)
}

pub fn delete_holiday(conn: &mut PgConnection, date: NaiveDate) -> AppResult<usize> {
    Ok(diesel::delete(holidays::table.filter(holidays::date.eq(date))).execute(conn)?)
}

/// Insert a complaint; `None` when its code is taken (the caller draws another).
pub fn insert(conn: &mut PgConnection, new: &NewComplaint) -> AppResult<Option<Complaint>> {
    Ok(diesel::insert_into(complaints::table)
        .values(new)
        .on_conflict(complaints::code)
        .do_nothing()
        .returning(Complaint::as_returning())
        .get_result(conn)
        .optional()?)
}

pub fn find_by_code(conn: &mut PgConnection, code: &str) -> AppResult<Option<Complaint>> {
    Ok(complaints::table
        .filter(complaints::code.eq(code))
        .select(Complaint::as_select())
        .first(conn)
        .optional()?)
}

/// The complaint, its row locked until the end of the transaction.
pub fn lock_by_code(conn: &mut PgConnection, code: &str) -> AppResult<Option<Complaint>> {
    Ok(complaints::table
        .filter(complaints::code.eq(code))
        .select(Complaint::as_select())
        .for_update()
        .first(conn)
        .optional()?)
}

pub fn responses_of(conn: &mut PgConnection, complaint_id: i64) -> AppResult<Vec<Response>> {
    Ok(complaint_responses::table
        .filter(complaint_responses::complaint_id.eq(complaint_id))
        .order(complaint_responses::id)
        .select(Response::as_select())
        .load(conn)?)
}

/// Move a locked complaint to `to`. `resolved_at` is stamped the first time it is
/// resolved (kept when it is closed afterwards, cleared when it is reopened); `closed_at`
/// exactly when it is closed.
pub fn set_status(
    conn: &mut PgConnection,
    locked: &Complaint,
    to: ComplaintStatus,
    now: DateTime<Utc>,
) -> AppResult<Complaint> {
    let resolved_at = match to {
        ComplaintStatus::Resolved => locked.resolved_at.or(Some(now)),
        ComplaintStatus::Closed => locked.resolved_at,
        ComplaintStatus::New | ComplaintStatus::InProgress => None,
    };
    let closed_at = (to == ComplaintStatus::Closed).then_some(now);
    Ok(diesel::update(complaints::table.filter(complaints::id.eq(locked.id)))
        .set((
            complaints::status.eq(to),
            complaints::resolved_at.eq(resolved_at),
            complaints::closed_at.eq(closed_at),
            complaints::updated_at.eq(now),
        ))
        .returning(Complaint::as_returning())
        .get_result(conn)?)
}

pub fn add_response(conn: &mut PgConnection, new: &NewResponse<'_>) -> AppResult<Response> {
    Ok(diesel::insert_into(complaint_responses::table)
        .values(new)
        .returning(Response::as_returning())
        .get_result(conn)?)
}

/// What the staff list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<ComplaintStatus>,
    /// `None`: every clinic and none; `Some(ids)`: these clinics only.
    pub clinic_ids: Option<Vec<i32>>,
    /// Also the complaints tied to no clinic (with `clinic_ids` set).
    pub without_clinic: bool,
    pub overdue_at: Option<DateTime<Utc>>,
    pub limit: i64,
}

/// Complaints for the staff list, newest first.
pub fn list(conn: &mut PgConnection, f: &Filter) -> AppResult<Vec<Complaint>> {
    let mut q = complaints::table
        .order(complaints::received_at.desc())
        .limit(f.limit)
        .select(Complaint::as_select())
        .into_boxed();
    if let Some(s) = f.status {
        q = q.filter(complaints::status.eq(s));
    }
    if let Some(ids) = &f.clinic_ids {
        q = if f.without_clinic {
            q.filter(complaints::clinic_id.eq_any(ids.clone()).or(complaints::clinic_id.is_null()))
        } else {
            q.filter(complaints::clinic_id.eq_any(ids.clone()))
        };
    }
    if let Some(at) = f.overdue_at {
        q = q
            .filter(complaints::status.eq_any(ComplaintStatus::OPEN))
            .filter(complaints::due_at.le(at));
    }
    Ok(q.load(conn)?)
}

/// Complaints received in `[from, to)`, for the monthly summary.
pub fn received_between(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<Complaint>> {
    Ok(complaints::table
        .filter(complaints::received_at.ge(from))
        .filter(complaints::received_at.lt(to))
        .order(complaints::received_at)
        .select(Complaint::as_select())
        .load(conn)?)
}

/// Claim every open complaint past its due time that was not escalated yet: one
/// statement, so that however many workers run it, each complaint is escalated once.
pub fn claim_overdue(conn: &mut PgConnection, now: DateTime<Utc>) -> AppResult<Vec<Complaint>> {
    Ok(diesel::sql_query(
        "UPDATE complaints SET escalated_at = $1
         WHERE status = ANY($2) AND due_at <= $1 AND escalated_at IS NULL
         RETURNING *",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Array<Text>, _>(ComplaintStatus::OPEN.to_vec())
    .load(conn)?)
}

/// Open complaints past their due time (as of `now`), per clinic (`None`: no clinic).
pub fn overdue_count(conn: &mut PgConnection, now: DateTime<Utc>) -> AppResult<i64> {
    Ok(complaints::table
        .filter(complaints::status.eq_any(ComplaintStatus::OPEN))
        .filter(complaints::due_at.le(now))
        .count()
        .get_result(conn)?)
}

/// Open complaints past their due time (as of `now`) of these clinics (`None`: every
/// complaint, with a clinic or without), for the console's red line.
pub fn overdue_count_of(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    clinic_ids: Option<Vec<i32>>,
) -> AppResult<i64> {
    let mut q = complaints::table
        .filter(complaints::status.eq_any(ComplaintStatus::OPEN))
        .filter(complaints::due_at.le(now))
        .into_boxed();
    if let Some(ids) = clinic_ids {
        q = q.filter(complaints::clinic_id.eq_any(ids));
    }
    Ok(q.count().get_result(conn)?)
}
