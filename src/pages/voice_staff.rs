//! The staff side of complaints: `/staff/pengaduan` (filters by status, clinic and overdue,
//! overdue in red, the monthly summary, a form for a complaint made in person or by phone,
//! and the holidays for admins) and `/staff/pengaduan/{code}` (text, contact, responses,
//! and the answer form).
use actix_web::{http::StatusCode, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use super::extract::{StaffForm, StaffPage, csrf_field};
use super::text::long_date;
use super::voice::problems;
use super::{Ctx, OrPage, PageResult, render, see_other};
use crate::app::AppState;
use crate::db::complaints::Holiday;
use crate::domain::complaints::{ComplaintCategory, ComplaintChannel, ComplaintStatus};
use crate::service::complaints::{
    self, ComplaintBody, ListQuery, MonthlySummary, ResponseBody, StaffComplaint, StaffDetail,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/pengaduan", web::get().to(complaint_list))
        .route("/staff/pengaduan", web::post().to(enter_complaint))
        .route("/staff/pengaduan/libur", web::post().to(put_holiday))
        .route("/staff/pengaduan/{code}", web::get().to(complaint_detail))
        .route("/staff/pengaduan/{code}", web::post().to(respond));
}

#[derive(Debug, Default, Deserialize)]
pub struct ListForm {
    pub status: Option<String>,
    pub poli: Option<String>,
    /// Overdue only (`?lewat=1`, or `?overdue=1` as the console links it).
    #[serde(alias = "overdue")]
    pub lewat: Option<String>,
    pub bulan: Option<String>,
}

/// A list line, ready to show.
pub struct Line {
    pub code: String,
    pub received: String,
    pub category: String,
    pub clinic: String,
    pub status: String,
    pub due: String,
    pub overdue: bool,
    pub channel: String,
}

fn line(c: &Ctx, st: &AppState, item: &StaffComplaint) -> Line {
    let tz = st.tz();
    let en = c.lang.is_en();
    let x = &item.complaint;
    let received = x.received_at.with_timezone(&tz);
    let due = (x.due_at - chrono::Duration::seconds(1)).with_timezone(&tz);
    Line {
        code: x.code.clone(),
        received: format!(
            "{} {}",
            long_date(c.lang, received.date_naive()),
            received.format("%H:%M")
        ),
        category: x.category.label(en).to_string(),
        clinic: item.clinic.clone().unwrap_or_else(|| "–".into()),
        status: x.status.label(en).to_string(),
        due: long_date(c.lang, due.date_naive()),
        overdue: item.overdue,
        channel: match x.channel {
            ComplaintChannel::Web => "web",
            ComplaintChannel::Kiosk => c.t("anjungan", "kiosk"),
            ComplaintChannel::Staff => c.t("petugas", "staff"),
        }
        .to_string(),
    }
}

#[derive(Template)]
#[template(path = "staff/complaints.html")]
struct ListPage {
    c: Ctx,
    lines: Vec<Line>,
    status: String,
    clinic: String,
    overdue: bool,
    statuses: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
    clinics: Vec<(String, String)>,
    month: String,
    summary: MonthlySummary,
    holidays: Vec<Holiday>,
    errors: Vec<String>,
    form: EntryForm,
}

async fn list_page(
    state: &AppState,
    page: StaffPage,
    q: ListForm,
    errors: Vec<String>,
    form: EntryForm,
) -> PageResult {
    let StaffPage { staff, c } = page;
    let en = c.lang.is_en();
    let query = ListQuery {
        status: q.status.clone().filter(|s| !s.is_empty()),
        clinic: q.poli.clone().filter(|s| !s.is_empty()),
        overdue: Some(q.lewat.is_some()),
    };
    let items = complaints::list(state, &staff, query).await.or_page(c.lang)?;
    let month_day = q
        .bulan
        .as_deref()
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .unwrap_or_else(|| state.today());
    let summary = complaints::monthly(state, &staff, month_day).await.or_page(c.lang)?;
    let holidays = complaints::holidays(state, state.today()).await.or_page(c.lang)?;
    let clinics = complaints::clinics_of(state, &staff).await.or_page(c.lang)?;
    let page = ListPage {
        lines: items.iter().map(|i| line(&c, state, i)).collect(),
        status: q.status.unwrap_or_default(),
        clinic: q.poli.unwrap_or_default(),
        overdue: q.lewat.is_some(),
        statuses: ComplaintStatus::ALL.iter().map(|s| (s.as_str(), s.label(en))).collect(),
        categories: ComplaintCategory::ALL.iter().map(|k| (k.as_str(), k.label(en))).collect(),
        clinics: clinics.into_iter().map(|c| (c.code, c.name)).collect(),
        month: summary.month.clone(),
        summary,
        holidays,
        errors,
        form,
        c,
    };
    let status =
        if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render(&page.c, status, &page))
}

/// `GET /staff/pengaduan?status=&poli=&lewat=1&bulan=YYYY-MM`
async fn complaint_list(
    state: web::Data<AppState>,
    q: web::Query<ListForm>,
    page: StaffPage,
) -> PageResult {
    list_page(&state, page, q.into_inner(), Vec::new(), EntryForm::default()).await
}

#[derive(Debug, Default, Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub poli: String,
    #[serde(default)]
    pub booking_code: String,
    #[serde(default)]
    pub contact: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub status: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct HolidayForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub name: String,
}

csrf_field!(EntryForm, AnswerForm, HolidayForm);

/// `POST /staff/pengaduan` — a complaint made in person or by phone.
async fn enter_complaint(
    state: web::Data<AppState>,
    StaffForm { staff, c, form }: StaffForm<EntryForm>,
) -> PageResult {
    let body = ComplaintBody {
        category: Some(form.category.clone()),
        text: Some(form.text.clone()),
        booking_code: Some(form.booking_code.clone()),
        contact: Some(form.contact.clone()),
        clinic: Some(form.poli.clone()),
        language: Some("id".into()),
    };
    let (st, who) = (state.get_ref().clone(), staff.0.clone());
    let filed = crate::service::in_transaction(&state, move |conn| {
        complaints::file(conn, &st, &body, ComplaintChannel::Staff, Some(&who))
    })
    .await;
    match filed {
        Ok(f) => Ok(see_other(&format!("/staff/pengaduan/{}", f.code))),
        Err(e) if e.status.is_client_error() => {
            let errors = problems(&e, c.lang.is_en());
            list_page(&state, StaffPage { staff, c }, ListForm::default(), errors, form).await
        }
        Err(e) => Err(e).or_page(c.lang),
    }
}

/// `POST /staff/pengaduan/libur` — enter a national holiday (admin).
async fn put_holiday(
    state: web::Data<AppState>,
    StaffForm { staff, c, form }: StaffForm<HolidayForm>,
) -> PageResult {
    let date = NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d").map_err(|_| {
        crate::error::AppError::unprocessable(
            "invalid_date",
            "Tanggal harus berformat YYYY-MM-DD.",
            "The date must be written YYYY-MM-DD.",
        )
    });
    let date = date.or_page(c.lang)?;
    complaints::put_holiday(&state, &staff, date, form.name).await.or_page(c.lang)?;
    Ok(see_other("/staff/pengaduan"))
}

#[derive(Template)]
#[template(path = "staff/complaint.html")]
struct DetailPage {
    c: Ctx,
    d: StaffDetail,
    l: Line,
    contact: String,
    responses: Vec<(String, String, String, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    errors: Vec<String>,
}

async fn detail_page(
    state: &AppState,
    page: StaffPage,
    code: String,
    errors: Vec<String>,
) -> PageResult {
    let StaffPage { staff, c } = page;
    let code = complaints::parse_code(&code).or_page(c.lang)?;
    let d = complaints::detail(state, &staff, code).await.or_page(c.lang)?;
    let en = c.lang.is_en();
    let tz = state.tz();
    let responses = d
        .responses
        .iter()
        .map(|r| {
            let at = r.created_at.with_timezone(&tz);
            let to = ComplaintStatus::parse(&r.to_status).map(|s| s.label(en)).unwrap_or_default();
            (
                format!("{} {}", long_date(c.lang, at.date_naive()), at.format("%H:%M")),
                r.author_name.clone(),
                to.to_string(),
                r.body.clone(),
            )
        })
        .collect();
    let from = d.item.complaint.status;
    let page = DetailPage {
        l: line(&c, state, &d.item),
        contact: d.item.complaint.contact.clone().unwrap_or_else(|| "–".into()),
        responses,
        statuses: ComplaintStatus::ALL
            .iter()
            .filter(|s| from.may_become(**s))
            .map(|s| (s.as_str(), s.label(en)))
            .collect(),
        d,
        errors,
        c,
    };
    let status =
        if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render(&page.c, status, &page))
}

/// `GET /staff/pengaduan/{code}`
async fn complaint_detail(
    state: web::Data<AppState>,
    path: web::Path<String>,
    page: StaffPage,
) -> PageResult {
    detail_page(&state, page, path.into_inner(), Vec::new()).await
}

/// `POST /staff/pengaduan/{code}` — answer, and move the status.
async fn respond(
    state: web::Data<AppState>,
    path: web::Path<String>,
    StaffForm { staff, c, form }: StaffForm<AnswerForm>,
) -> PageResult {
    let code = complaints::parse_code(&path).or_page(c.lang)?;
    let body = ResponseBody { message: Some(form.message), status: Some(form.status) };
    let (st, who, key) = (state.get_ref().clone(), staff.0.clone(), code.clone());
    let done = crate::service::in_transaction(&state, move |conn| {
        complaints::respond(conn, &st, &who, &key, &body)
    })
    .await;
    match done {
        Ok(_) => Ok(see_other(&format!("/staff/pengaduan/{code}"))),
        Err(e)
            if e.status == StatusCode::UNPROCESSABLE_ENTITY || e.status == StatusCode::CONFLICT =>
        {
            let errors = problems(&e, c.lang.is_en());
            detail_page(&state, StaffPage { staff, c }, code, errors).await
        }
        Err(e) => Err(e).or_page(c.lang),
    }
}
