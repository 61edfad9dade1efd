//! Complaints (pengaduan): filed from the web, the kiosk or by staff for someone who came
//! in person or phoned; handled by staff against the five-working-day rule; escalated once
//! when overdue. The complainant follows a complaint by its code, which shows no personal
//! data; each staff response is recorded with its author and sent to the complainant when
//! they left a contact.
use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Access, AppState};
use crate::db::PgConnection;
/// A holiday as the staff routes answer it.
pub use crate::db::complaints::Holiday;
use crate::db::complaints::{self as rows, Complaint, Filter, NewComplaint, NewResponse};
use crate::db::models::Clinic;
use crate::db::notifications::{self, NewJob};
use crate::db::{catalogue, visits};
use crate::domain::Invalid;
use crate::domain::booking_code::BookingCode;
use crate::domain::complaints::{
    self as rules, BAD_TRANSITION, ComplaintCategory, ComplaintChannel, ComplaintStatus, Contact,
};
use crate::domain::rules::local_datetime;
use crate::domain::staff::{Role, StaffIdentity as Staff};
use crate::domain::waits::percentile;
use crate::error::{AppError, AppResult};

/// What a complainant (or staff for them) sends.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ComplaintBody {
    pub category: Option<String>,
    pub text: Option<String>,
    pub booking_code: Option<String>,
    pub contact: Option<String>,
    /// Staff only: the clinic it is about, by code.
    pub clinic: Option<String>,
    /// "id" or "en": the language of the messages to the complainant.
    pub language: Option<String>,
}

/// The answer to a filed complaint.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Filed {
    pub code: String,
    pub status: ComplaintStatus,
    #[schema(value_type = String, format = DateTime)]
    pub due_at: DateTime<FixedOffset>,
}

/// An instant as the hospital's local time with its offset (`…+09:00`).
fn local(tz: Tz, at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&tz).fixed_offset()
}

/// A valid complaint, before it is stored.
struct Checked {
    category: ComplaintCategory,
    text: String,
    booking_code: Option<BookingCode>,
    contact: Option<Contact>,
    clinic: Option<String>,
    language: String,
}

fn check(body: &ComplaintBody) -> AppResult<Checked> {
    let mut problems: Vec<(&str, Invalid)> = Vec::new();
    let category = body.category.as_deref().map(str::trim).and_then(ComplaintCategory::parse);
    if category.is_none() {
        problems.push(("category", rules::UNKNOWN_CATEGORY));
    }
    let text = rules::clean_text(
        body.text.as_deref().unwrap_or_default(),
        10,
        rules::MAX_TEXT,
        rules::TEXT_TOO_SHORT,
        rules::TEXT_TOO_LONG,
    )
    .map_err(|e| problems.push(("text", e)))
    .ok();
    let booking_code = match body.booking_code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(code) => BookingCode::parse(code).map_err(|e| problems.push(("booking_code", e))).ok(),
    };
    let contact = match body.contact.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => Contact::parse(c).map_err(|e| problems.push(("contact", e))).ok(),
    };
    match (category, text) {
        (Some(category), Some(text)) if problems.is_empty() => Ok(Checked {
            category,
            text,
            booking_code,
            contact,
            clinic: body
                .clinic
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            language: if body.language.as_deref() == Some("en") { "en" } else { "id" }.into(),
        }),
        _ => Err(AppError::fields(problems)),
    }
}

/// The end of the fifth working day after the local day of `now`, as an instant.
pub fn due_at(conn: &mut PgConnection, tz: Tz, now: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
    let today = now.with_timezone(&tz).date_naive();
    let holidays = rows::holidays_from(conn, today)?;
    let last = rules::due_day(today, &holidays);
    let midnight = chrono::NaiveTime::MIN;
    Ok(local_datetime(tz, last + Duration::days(1), midnight).with_timezone(&Utc))
}

fn unknown_clinic() -> AppError {
    AppError::fields(vec![(
        "clinic",
        Invalid::new("unknown_clinic", "Poli tidak dikenal.", "Unknown clinic."),
    )])
}

/// File a complaint in the caller's transaction. `staff`: entered by a staff member for a
/// complaint made in person or by phone (channel `staff`).
pub fn file(
    conn: &mut PgConnection,
    st: &AppState,
    body: &ComplaintBody,
    channel: ComplaintChannel,
    staff: Option<&Staff>,
) -> AppResult<Filed> {
    if let Some(s) = staff {
        s.require(&[Role::Admin, Role::Clinic, Role::Registration])?;
    }
    let c = check(body)?;
    let (mut visit_id, mut clinic_id) = (None, None);
    if let Some(code) = &c.booking_code {
        let visit =
            visits::find_by_code(conn, code.as_str())?.ok_or_else(visits::unknown_booking)?;
        visit_id = Some(visit.id);
        clinic_id = Some(visit.clinic_id);
    }
    if let (Some(code), Some(_)) = (&c.clinic, staff) {
        let clinic = catalogue::list_clinics(conn)?
            .into_iter()
            .find(|cl| cl.code.eq_ignore_ascii_case(code))
            .ok_or_else(unknown_clinic)?;
        clinic_id = Some(clinic.id);
    }
    let now = st.now();
    let due = due_at(conn, st.tz(), now)?;
    for _ in 0..5 {
        let new = NewComplaint {
            code: BookingCode::generate().as_str().to_string(),
            category: c.category,
            body: c.text.clone(),
            channel,
            visit_id,
            clinic_id,
            contact: c.contact.as_ref().map(|c| c.as_str().to_string()),
            language: c.language.clone(),
            received_at: now,
            due_at: due,
            created_by: staff.map(|s| s.id),
            updated_at: now,
        };
        if let Some(row) = rows::insert(conn, &new)? {
            return Ok(Filed {
                code: row.code,
                status: row.status,
                due_at: local(st.tz(), row.due_at),
            });
        }
    }
    Err(AppError::internal("no free complaint code after 5 draws"))
}

fn unknown_complaint() -> AppError {
    AppError::not_found(
        "unknown_complaint",
        "Kode pengaduan tidak ditemukan.",
        "No complaint with this code.",
    )
}

/// A code as typed (case, hyphens and spaces do not matter).
pub fn parse_code(code: &str) -> AppResult<String> {
    BookingCode::parse(code).map(|c| c.as_str().to_string()).map_err(|_| unknown_complaint())
}

/// A response as the complainant sees it: no author name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicResponse {
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<FixedOffset>,
    pub status: String,
    pub message: String,
}

/// What anyone with the code sees: no text, contact, booking code or names.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicComplaint {
    pub code: String,
    pub category: ComplaintCategory,
    pub status: ComplaintStatus,
    #[schema(value_type = String, format = DateTime)]
    pub received_at: DateTime<FixedOffset>,
    #[schema(value_type = String, format = DateTime)]
    pub due_at: DateTime<FixedOffset>,
    pub overdue: bool,
    pub responses: Vec<PublicResponse>,
}

pub async fn public_view(st: &AppState, code: String) -> AppResult<PublicComplaint> {
    let (now, tz) = (st.now(), st.tz());
    super::read(st, move |conn| {
        let c = rows::find_by_code(conn, &code)?.ok_or_else(unknown_complaint)?;
        let responses = rows::responses_of(conn, c.id)?
            .into_iter()
            .map(|r| PublicResponse {
                at: local(tz, r.created_at),
                status: r.to_status,
                message: r.body,
            })
            .collect();
        Ok(PublicComplaint {
            overdue: c.overdue(now),
            code: c.code,
            category: c.category,
            status: c.status,
            received_at: local(tz, c.received_at),
            due_at: local(tz, c.due_at),
            responses,
        })
    })
    .await
}

/// Who may read a complaint: admins and registration every one, clinic accounts those of
/// their clinics.
fn may_see(staff: &Staff, c: &Complaint) -> bool {
    match c.clinic_id {
        Some(id) => staff.may_see_clinic(id),
        None => staff.role != Role::Clinic,
    }
}

/// Who may answer it: admins; clinic accounts for their clinics; registration for the
/// complaints tied to no clinic (the front desk).
fn may_handle(staff: &Staff, c: &Complaint) -> bool {
    match (staff.role, c.clinic_id) {
        (Role::Admin, _) => true,
        (Role::Clinic, Some(id)) => staff.runs_clinic(id),
        (Role::Registration, None) => true,
        _ => false,
    }
}

/// A complaint as staff see it in the list and on its page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffComplaint {
    #[serde(flatten)]
    pub complaint: Complaint,
    pub clinic: Option<String>,
    pub overdue: bool,
    pub may_handle: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffDetail {
    #[serde(flatten)]
    pub item: StaffComplaint,
    pub responses: Vec<rows::Response>,
}

fn clinic_names(conn: &mut PgConnection) -> AppResult<BTreeMap<i32, Clinic>> {
    Ok(catalogue::list_clinics(conn)?.into_iter().map(|c| (c.id, c)).collect())
}

fn staff_item(
    staff: &Staff,
    c: Complaint,
    clinics: &BTreeMap<i32, Clinic>,
    now: DateTime<Utc>,
) -> StaffComplaint {
    StaffComplaint {
        clinic: c.clinic_id.and_then(|id| clinics.get(&id)).map(|cl| cl.name.clone()),
        overdue: c.overdue(now),
        may_handle: may_handle(staff, &c),
        complaint: c,
    }
}

/// The staff list's filters.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub status: Option<String>,
    pub clinic: Option<String>,
    pub overdue: Option<bool>,
}

pub async fn list(st: &AppState, staff: &Staff, q: ListQuery) -> AppResult<Vec<StaffComplaint>> {
    staff.require(&[Role::Admin, Role::Clinic, Role::Registration])?;
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(ComplaintStatus::parse(s).ok_or_else(|| {
            AppError::fields(vec![(
                "status",
                Invalid::new("unknown_status", "Status tidak dikenal.", "Unknown status."),
            )])
        })?),
    };
    let (staff, now) = (staff.clone(), st.now());
    super::read(st, move |conn| {
        let clinics = clinic_names(conn)?;
        let mut filter = Filter { status, limit: 500, ..Filter::default() };
        if let Some(code) = q.clinic.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let id = clinics
                .values()
                .find(|c| c.code.eq_ignore_ascii_case(code))
                .map(|c| c.id)
                .ok_or_else(unknown_clinic)?;
            staff.require_sight(id)?;
            filter.clinic_ids = Some(vec![id]);
        } else if staff.role == Role::Clinic {
            filter.clinic_ids = Some(staff.clinic_ids.clone());
        }
        if q.overdue == Some(true) {
            filter.overdue_at = Some(now);
        }
        Ok(rows::list(conn, &filter)?
            .into_iter()
            .filter(|c| may_see(&staff, c))
            .map(|c| staff_item(&staff, c, &clinics, now))
            .collect())
    })
    .await
}

/// How many overdue complaints this account sees in its list (admins and registration:
/// all of them; clinic accounts: their clinics'), for the red line on the console.
pub async fn overdue_seen(st: &AppState, staff: &Staff) -> AppResult<i64> {
    staff.require(&[Role::Admin, Role::Clinic, Role::Registration])?;
    let (now, clinics) = (st.now(), (staff.role == Role::Clinic).then(|| staff.clinic_ids.clone()));
    super::read(st, move |conn| rows::overdue_count_of(conn, now, clinics)).await
}

pub async fn detail(st: &AppState, staff: &Staff, code: String) -> AppResult<StaffDetail> {
    staff.require(&[Role::Admin, Role::Clinic, Role::Registration])?;
    let (staff, now) = (staff.clone(), st.now());
    super::read(st, move |conn| {
        let c = rows::find_by_code(conn, &code)?.ok_or_else(unknown_complaint)?;
        if !may_see(&staff, &c) {
            return Err(AppError::forbidden());
        }
        let responses = rows::responses_of(conn, c.id)?;
        let clinics = clinic_names(conn)?;
        Ok(StaffDetail { item: staff_item(&staff, c, &clinics, now), responses })
    })
    .await
}

/// A staff response: a message to the complainant and, optionally, a new status.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ResponseBody {
    pub message: Option<String>,
    pub status: Option<String>,
}

/// Record a response (with its author), move the status, and notify the complainant when
/// they left a contact: all in the caller's transaction.
pub fn respond(
    conn: &mut PgConnection,
    st: &AppState,
    staff: &Staff,
    code: &str,
    body: &ResponseBody,
) -> AppResult<StaffDetail> {
    staff.require(&[Role::Admin, Role::Clinic, Role::Registration])?;
    let message = rules::clean_text(
        body.message.as_deref().unwrap_or_default(),
        1,
        rules::MAX_TEXT,
        Invalid::new("message_missing", "Tulis tanggapan.", "Write a response."),
        rules::TEXT_TOO_LONG,
    )
    .map_err(|e| AppError::fields(vec![("message", e)]))?;
    let to = match body.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(ComplaintStatus::parse(s).ok_or_else(|| {
            AppError::fields(vec![(
                "status",
                Invalid::new("unknown_status", "Status tidak dikenal.", "Unknown status."),
            )])
        })?),
    };
    let now = st.now();
    let locked = rows::lock_by_code(conn, code)?.ok_or_else(unknown_complaint)?;
    if !may_see(staff, &locked) {
        return Err(AppError::forbidden());
    }
    if !may_handle(staff, &locked) {
        return Err(AppError::forbidden());
    }
    // A first answer to a new complaint puts it in progress.
    let to = to.unwrap_or(match locked.status {
        ComplaintStatus::New => ComplaintStatus::InProgress,
        s => s,
    });
    if !locked.status.may_become(to) {
        return Err(BAD_TRANSITION.into());
    }
    let author = if staff.full_name.is_empty() { &staff.username } else { &staff.full_name };
    let updated = rows::set_status(conn, &locked, to, now)?;
    let response = rows::add_response(
        conn,
        &NewResponse {
            complaint_id: locked.id,
            author_id: Some(staff.id),
            author_name: author,
            body: &message,
            from_status: locked.status.as_str(),
            to_status: to.as_str(),
            created_at: now,
        },
    )?;
    if let Some(contact) = updated.contact.as_deref().and_then(|c| Contact::parse(c).ok()) {
        notifications::enqueue(
            conn,
            &[NewJob {
                kind: "complaint_response".into(),
                visit_id: None,
                channel: contact.channel().into(),
                recipient: contact.as_str().to_string(),
                payload: json!({
                    "code": updated.code,
                    "language": updated.language,
                    "status": to.as_str(),
                    "message": message,
                }),
                dedupe_key: format!("complaint_response:{}", response.id),
                run_at: now,
                created_at: now,
                updated_at: now,
            }],
        )?;
    }
    let responses = rows::responses_of(conn, updated.id)?;
    let clinics = clinic_names(conn)?;
    Ok(StaffDetail { item: staff_item(staff, updated, &clinics, now), responses })
}

/// The escalation of overdue complaints: claims each one once (one statement) and writes
/// one message per address in `SIPOLI_COMPLAINT_ESCALATION`, in the same transaction.
pub fn escalate_overdue(
    conn: &mut PgConnection,
    addresses: &[String],
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let claimed = rows::claim_overdue(conn, now)?;
    if claimed.is_empty() || addresses.is_empty() {
        return Ok(claimed.len());
    }
    let clinics = clinic_names(conn)?;
    let mut jobs = Vec::new();
    for c in &claimed {
        for address in addresses {
            let Ok(contact) = Contact::parse(address) else { continue };
            jobs.push(NewJob {
                kind: "complaint_escalation".into(),
                visit_id: None,
                channel: contact.channel().into(),
                recipient: contact.as_str().to_string(),
                payload: json!({
                    "code": c.code,
                    "category": c.category.as_str(),
                    "clinic": c.clinic_id.and_then(|id| clinics.get(&id)).map(|cl| cl.name.clone()),
                    "received_at": c.received_at,
                    "due_at": c.due_at,
                    "status": c.status.as_str(),
                }),
                dedupe_key: format!("complaint_escalation:{}:{}", c.id, contact.as_str()),
                run_at: now,
                created_at: now,
                updated_at: now,
            });
        }
    }
    notifications::enqueue(conn, &jobs)?;
    Ok(claimed.len())
}

/// One category's line of the monthly summary.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct SummaryLine {
    pub category: String,
    pub received: usize,
    pub resolved: usize,
    pub resolved_in_time: usize,
    /// Days from receipt to resolution, median of the resolved ones.
    pub median_days_to_resolve: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthlySummary {
    pub month: String,
    pub lines: Vec<SummaryLine>,
    pub total: SummaryLine,
}

fn summary_line(category: String, list: &[&Complaint]) -> SummaryLine {
    let resolved: Vec<&&Complaint> = list.iter().filter(|c| c.resolved_at.is_some()).collect();
    let days: Vec<f64> = resolved
        .iter()
        .filter_map(|c| c.resolved_at.map(|r| (r - c.received_at).num_minutes() as f64 / 1440.0))
        .collect();
    SummaryLine {
        category,
        received: list.len(),
        resolved: resolved.len(),
        resolved_in_time: resolved
            .iter()
            .filter(|c| c.resolved_at.is_some_and(|r| r <= c.due_at))
            .count(),
        median_days_to_resolve: percentile(&days, 50.0),
    }
}

/// Received, resolved within five working days, median time to resolve: per category, for
/// the complaints received in the month of `day`, over the complaints this account sees.
pub async fn monthly(st: &AppState, staff: &Staff, day: NaiveDate) -> AppResult<MonthlySummary> {
    staff.require(&[Role::Admin, Role::Clinic, Role::Registration])?;
    let (staff, tz) = (staff.clone(), st.tz());
    let first = day.with_day(1).unwrap_or(day);
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    let start = local_datetime(tz, first, chrono::NaiveTime::MIN).with_timezone(&Utc);
    let end = local_datetime(tz, next, chrono::NaiveTime::MIN).with_timezone(&Utc);
    super::read(st, move |conn| {
        let all: Vec<Complaint> = rows::received_between(conn, start, end)?
            .into_iter()
            .filter(|c| may_see(&staff, c))
            .collect();
        let lines = ComplaintCategory::ALL
            .iter()
            .map(|cat| {
                let of: Vec<&Complaint> = all.iter().filter(|c| c.category == *cat).collect();
                summary_line(cat.as_str().to_string(), &of)
            })
            .collect();
        let every: Vec<&Complaint> = all.iter().collect();
        Ok(MonthlySummary {
            month: first.format("%Y-%m").to_string(),
            lines,
            total: summary_line("total".into(), &every),
        })
    })
    .await
}

/// Holidays (admin): list from a day on, enter, remove.
pub async fn holidays(st: &AppState, from: NaiveDate) -> AppResult<Vec<rows::Holiday>> {
    super::read(st, move |conn| rows::list_holidays(conn, from)).await
}

pub async fn put_holiday(
    st: &AppState,
    staff: &Staff,
    date: NaiveDate,
    name: String,
) -> AppResult<rows::Holiday> {
    staff.require(&[Role::Admin])?;
    let name = rules::clean_text(&name, 0, 200, rules::TEXT_TOO_SHORT, rules::TEXT_TOO_LONG)
        .map_err(|e| AppError::fields(vec![("name", e)]))?;
    let (by, now, today) = (staff.id, st.now(), st.today());
    super::in_transaction(st, move |conn| {
        let holiday = rows::put_holiday(conn, date, &name, by, now)?;
        // HFIS's `hari` 8 follows the next national holiday (issue 16).
        super::hfis::requeue_all(conn, today, now)?;
        Ok(holiday)
    })
    .await
}

pub async fn delete_holiday(st: &AppState, staff: &Staff, date: NaiveDate) -> AppResult<usize> {
    staff.require(&[Role::Admin])?;
    let (now, today) = (st.now(), st.today());
    super::in_transaction(st, move |conn| {
        let n = rows::delete_holiday(conn, date)?;
        super::hfis::requeue_all(conn, today, now)?;
        Ok(n)
    })
    .await
}

/// The clinics this account sees, for the staff page's filter.
pub async fn clinics_of(st: &AppState, staff: &Staff) -> AppResult<Vec<Clinic>> {
    let staff = staff.clone();
    super::read(st, move |conn| super::reports::visible_clinics(conn, &staff)).await
}
