//! Feedback after a visit: a 1–5 rating, optional categories and comment, one per visit,
//! accepted once the visit is done and for 7 days after; stored with the visit's measured
//! wait. Comments are read only by staff of the visit's clinic and by admins. The
//! "finished" message that carries the `/nilai/{code}` link is written here too.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Access, AppState};
use crate::db::PgConnection;
use crate::db::feedback::{self as rows, Feedback};
use crate::db::models::{Visit, VisitEvent};
use crate::db::notifications::{self, NewJob};
use crate::db::{catalogue, visits};
use crate::domain::Invalid;
use crate::domain::booking_code::BookingCode;
use crate::domain::complaints::{
    self as rules, FEEDBACK_DAYS, FEEDBACK_GIVEN, FEEDBACK_TOO_LATE, FeedbackCategory,
    VISIT_NOT_DONE,
};
use crate::domain::staff::{Role, StaffIdentity as Staff};
use crate::domain::visit_status::VisitStatus;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FeedbackBody {
    pub booking_code: Option<String>,
    pub rating: Option<serde_json::Value>,
    #[serde(default)]
    pub categories: Option<Vec<String>>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Given {
    pub booking_code: String,
    pub rating: i16,
    pub categories: Vec<String>,
}

struct Checked {
    code: BookingCode,
    rating: i16,
    categories: Vec<String>,
    comment: Option<String>,
}

fn check(body: &FeedbackBody) -> AppResult<Checked> {
    let mut problems: Vec<(&str, Invalid)> = Vec::new();
    let code = BookingCode::parse(body.booking_code.as_deref().unwrap_or_default())
        .map_err(|e| problems.push(("booking_code", e)))
        .ok();
    let rating = body
        .rating
        .as_ref()
        .and_then(|r| r.as_i64().or_else(|| r.as_str().and_then(|s| s.trim().parse().ok())))
        .filter(|r| (1..=5).contains(r))
        .map(|r| r as i16);
    if rating.is_none() {
        problems.push(("rating", rules::BAD_RATING));
    }
    let mut categories = Vec::new();
    for c in body.categories.iter().flatten() {
        match FeedbackCategory::parse(c.trim()) {
            Some(k) if !categories.contains(&k.as_str().to_string()) => {
                categories.push(k.as_str().to_string())
            }
            Some(_) => {}
            None => {
                problems.push(("categories", rules::UNKNOWN_FEEDBACK_CATEGORY));
                break;
            }
        }
    }
    let comment = match body.comment.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => rules::clean_text(
            c,
            1,
            rules::MAX_COMMENT,
            rules::COMMENT_TOO_LONG,
            rules::COMMENT_TOO_LONG,
        )
        .map_err(|e| problems.push(("comment", e)))
        .ok(),
    };
    match (code, rating) {
        (Some(code), Some(rating)) if problems.is_empty() => {
            Ok(Checked { code, rating, categories, comment })
        }
        _ => Err(AppError::fields(problems)),
    }
}

/// Why a rating of this visit is refused now, if it is.
fn refusal(visit: &Visit, given: bool, now: DateTime<Utc>) -> Option<AppError> {
    if given {
        return Some(FEEDBACK_GIVEN.into());
    }
    if visit.status != VisitStatus::Done {
        return Some(VISIT_NOT_DONE.into());
    }
    match visit.finished_at {
        Some(at) if now - at <= Duration::days(FEEDBACK_DAYS) => None,
        _ => Some(FEEDBACK_TOO_LATE.into()),
    }
}

/// Record a rating in the caller's transaction: one statement that only a finished,
/// recent, not-yet-rated visit accepts; a refusal says why.
pub fn give(conn: &mut PgConnection, st: &AppState, body: &FeedbackBody) -> AppResult<Given> {
    let c = check(body)?;
    let now = st.now();
    let visit = visits::find_by_code(conn, c.code.as_str())?.ok_or_else(visits::unknown_booking)?;
    let since = now - Duration::days(FEEDBACK_DAYS);
    let stored = rows::insert_for_visit(
        conn,
        visit.id,
        (c.rating, c.categories.clone(), c.comment),
        since,
        now,
    )?;
    if stored.is_none() {
        let given = rows::of_visit(conn, visit.id)?.is_some();
        return Err(refusal(&visit, given, now).unwrap_or_else(|| FEEDBACK_GIVEN.into()));
    }
    Ok(Given { booking_code: visit.booking_code, rating: c.rating, categories: c.categories })
}

/// What the `/nilai/{code}` page needs: whether the visit can be rated now.
#[derive(Debug, Clone, Serialize)]
pub struct Rateable {
    pub booking_code: String,
    pub ticket: String,
    pub clinic: String,
    pub date: NaiveDate,
    /// `None` when a rating is accepted now; else why not (code, message id, message en).
    pub refused: Option<(&'static str, String, String)>,
}

pub async fn rateable(st: &AppState, code: String) -> AppResult<Rateable> {
    let code = BookingCode::parse(&code).map_err(|_| visits::unknown_booking())?;
    let now = st.now();
    super::read(st, move |conn| {
        let visit =
            visits::find_by_code(conn, code.as_str())?.ok_or_else(visits::unknown_booking)?;
        let given = rows::of_visit(conn, visit.id)?.is_some();
        let clinic = catalogue::list_clinics(conn)?
            .into_iter()
            .find(|c| c.id == visit.clinic_id)
            .map(|c| c.name)
            .unwrap_or_default();
        Ok(Rateable {
            booking_code: visit.booking_code.clone(),
            ticket: visit.ticket.clone(),
            clinic,
            date: visit.service_date,
            refused: refusal(&visit, given, now)
                .map(|e| (e.code, e.id.to_string(), e.en.to_string())),
        })
    })
    .await
}

/// A rating as staff read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffFeedback {
    #[serde(flatten)]
    pub feedback: Feedback,
    pub ticket: String,
}

/// The ratings of one clinic over `[from, to]`, with comments: admins, and clinic
/// accounts of that clinic.
pub async fn for_clinic(
    st: &AppState,
    staff: &Staff,
    clinic: String,
    (from, to): (NaiveDate, NaiveDate),
) -> AppResult<Vec<StaffFeedback>> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let staff = staff.clone();
    super::read(st, move |conn| {
        let id = catalogue::list_clinics(conn)?
            .into_iter()
            .find(|c| c.code.eq_ignore_ascii_case(clinic.trim()))
            .map(|c| c.id)
            .ok_or_else(|| {
                AppError::not_found("unknown_clinic", "Poli tidak dikenal.", "Unknown clinic.")
            })?;
        staff.require_clinic(id)?;
        Ok(rows::list(conn, vec![id], (from, to), 1000)?
            .into_iter()
            .map(|(feedback, ticket)| StaffFeedback { feedback, ticket })
            .collect())
    })
    .await
}

/// The "finished" message of a visit, carrying the `/nilai/{code}` link: one per visit and
/// contact, written in the transaction of the `finish` event.
pub fn on_visit_event(conn: &mut PgConnection, visit: &Visit, event: &VisitEvent) -> AppResult<()> {
    if event.to_status != VisitStatus::Done.as_str() || event.from_status.as_deref() == Some("done")
    {
        return Ok(());
    }
    let at = event.created_at;
    let jobs: Vec<NewJob> = super::outbox::contacts(visit)
        .into_iter()
        .map(|(channel, recipient)| NewJob {
            kind: "visit_finished".into(),
            visit_id: Some(visit.id),
            channel: channel.into(),
            recipient,
            payload: json!({
                "booking_code": visit.booking_code,
                "ticket": visit.ticket,
                "language": visit.language,
            }),
            dedupe_key: format!("visit_finished:{}:{channel}", visit.id),
            run_at: at,
            created_at: at,
            updated_at: at,
        })
        .collect();
    notifications::enqueue(conn, &jobs)?;
    Ok(())
}
