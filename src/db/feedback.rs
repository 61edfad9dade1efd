//! Ratings given after a visit: one per visit, kept with the visit's measured wait.
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Int2, Nullable, Text, Timestamptz};
use serde::Serialize;

use super::schema::{feedback, visits};
use crate::domain::visit_status::VisitStatus;
use crate::error::AppResult;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = feedback)]
pub struct Feedback {
    pub id: i64,
    pub visit_id: i64,
    pub clinic_id: i32,
    #[schema(value_type = String, format = Date)]
    pub service_date: NaiveDate,
    pub rating: i16,
    pub categories: Vec<String>,
    pub comment: Option<String>,
    pub wait_minutes: Option<f64>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Record the rating of a visit in one statement: only a visit that is done, finished at
/// or after `finished_since`, and not rated yet (the unique visit constraint) takes it.
/// The wait measured from check-in to the first call is stored with it. `None`: refused.
pub fn insert_for_visit(
    conn: &mut PgConnection,
    visit_id: i64,
    (rating, categories, comment): (i16, Vec<String>, Option<String>),
    finished_since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<Option<i64>> {
    let row: Option<Id> = diesel::sql_query(
        "INSERT INTO feedback (visit_id, clinic_id, service_date, rating, categories, comment,
                               wait_minutes, created_at)
         SELECT v.id, v.clinic_id, v.service_date, $2, $3, $4,
                extract(epoch FROM (SELECT min(e.created_at) FROM visit_events e
                                    WHERE e.visit_id = v.id AND e.kind = 'call')
                                   - v.checked_in_at) / 60.0,
                $5
         FROM visits v
         WHERE v.id = $1 AND v.status = $6 AND v.finished_at >= $7
         ON CONFLICT (visit_id) DO NOTHING
         RETURNING id",
    )
    .bind::<BigInt, _>(visit_id)
    .bind::<Int2, _>(rating)
    .bind::<Array<Text>, _>(categories)
    .bind::<Nullable<Text>, _>(comment)
    .bind::<Timestamptz, _>(now)
    .bind::<Text, _>(VisitStatus::Done)
    .bind::<Timestamptz, _>(finished_since)
    .get_result(conn)
    .optional()?;
    Ok(row.map(|r| r.id))
}

pub fn of_visit(conn: &mut PgConnection, visit_id: i64) -> AppResult<Option<Feedback>> {
    Ok(feedback::table
        .filter(feedback::visit_id.eq(visit_id))
        .select(Feedback::as_select())
        .first(conn)
        .optional()?)
}

/// Ratings of these clinics on visits of `[from, to]`, newest first, with the ticket.
pub fn list(
    conn: &mut PgConnection,
    clinic_ids: Vec<i32>,
    (from, to): (NaiveDate, NaiveDate),
    limit: i64,
) -> AppResult<Vec<(Feedback, String)>> {
    Ok(feedback::table
        .inner_join(visits::table)
        .filter(feedback::clinic_id.eq_any(clinic_ids))
        .filter(feedback::service_date.ge(from))
        .filter(feedback::service_date.le(to))
        .order(feedback::id.desc())
        .limit(limit)
        .select((Feedback::as_select(), visits::ticket))
        .load(conn)?)
}
