//! The day in figures and in events: the daily report per clinic session (served,
//! no-shows, waits check-in → first call, service times, the 60-minute indicator) with
//! inline SVG charts and CSV export, and the audit log of visit events.
use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, http::header, web};
use askama::Template;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Date, Int4, Nullable, Text, Timestamptz};
use serde::Deserialize;

use super::staff::staff_of;
use super::text::{clock_time, event_label, long_date, short_date, status_label};
use super::{Ctx, OrPage, PageResult, render};
use crate::app::AppState;
use crate::auth::{Role, Staff};
use crate::db::models::{Clinic, VisitEvent};
use crate::db::schema::{clinics, visit_events, visits};
use crate::db::{self, sessions};
use crate::domain::waits::{TARGET_SHARE, WAIT_STANDARD_MINUTES, percentile, share_within};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/laporan", web::get().to(daily_report))
        .route("/staff/laporan.csv", web::get().to(daily_report_csv))
        .route("/staff/audit", web::get().to(audit_log));
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    pub tanggal: Option<String>,
    pub poli: Option<String>,
    pub petugas: Option<String>,
}

fn query_date(state: &AppState, q: &ReportQuery) -> NaiveDate {
    q.tanggal
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .unwrap_or_else(|| state.today())
}

fn may_report(c: &Ctx, staff: &Staff) -> Result<(), super::PageError> {
    staff.require(&[Role::Admin, Role::Clinic]).or_page(c.lang)
}

#[derive(QueryableByName)]
struct Timing {
    #[diesel(sql_type = Int4)]
    session_id: i32,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    checked_in_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    first_call: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    started_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    finished_at: Option<DateTime<Utc>>,
}

/// Figures of one session (or of the whole day).
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub label: String,
    pub clinic: String,
    pub doctor: String,
    pub hours: String,
    pub visits: usize,
    pub served: usize,
    pub no_shows: usize,
    pub waits: usize,
    pub wait_median: Option<f64>,
    pub wait_p90: Option<f64>,
    pub service_median: Option<f64>,
    pub service_p90: Option<f64>,
    pub within: Option<f64>,
}

fn minutes(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Option<f64> {
    Some((to? - from?).num_seconds().max(0) as f64 / 60.0)
}

fn figures(rows: &[&Timing]) -> Figures {
    let waits: Vec<f64> =
        rows.iter().filter_map(|t| minutes(t.checked_in_at, t.first_call)).collect();
    let services: Vec<f64> =
        rows.iter().filter_map(|t| minutes(t.started_at, t.finished_at)).collect();
    Figures {
        visits: rows.len(),
        served: rows.iter().filter(|t| t.status == "done").count(),
        no_shows: rows.iter().filter(|t| t.status == "no_show").count(),
        waits: waits.len(),
        wait_median: percentile(&waits, 50.0),
        wait_p90: percentile(&waits, 90.0),
        service_median: percentile(&services, 50.0),
        service_p90: percentile(&services, 90.0),
        within: share_within(&waits, WAIT_STANDARD_MINUTES),
        ..Figures::default()
    }
}

impl Figures {
    pub fn minutes(v: &Option<f64>) -> String {
        v.map(|m| format!("{m:.0}")).unwrap_or_else(|| "–".into())
    }
    pub fn percent(&self) -> String {
        self.within.map(|s| format!("{:.0} %", s * 100.0)).unwrap_or_else(|| "–".into())
    }
    pub fn meets_target(&self) -> bool {
        self.within.is_some_and(|s| s >= TARGET_SHARE)
    }
}

/// One bar row of a chart, in SVG units.
pub struct Bar {
    pub y: u32,
    pub label: String,
    pub a: u32,
    pub b: u32,
    pub text: String,
}

const CHART_X: u32 = 150;
const CHART_W: u32 = 300;
const ROW_H: u32 = 30;

async fn load(
    state: &AppState,
    staff: &Staff,
    date: NaiveDate,
    clinic: Option<String>,
) -> crate::error::AppResult<(Vec<Figures>, Figures)> {
    let viewer = staff.clone();
    db::run(&state.pool, move |conn| {
        let list: Vec<_> = sessions::list(conn, date, clinic.as_deref())?
            .into_iter()
            .filter(|s| viewer.may_see_clinic(s.clinic.id))
            .collect();
        let timings: Vec<Timing> = diesel::sql_query(
            "SELECT v.session_id, v.status, v.checked_in_at, v.started_at, v.finished_at,
                 (SELECT min(e.created_at) FROM visit_events e
                  WHERE e.visit_id = v.id AND e.kind = 'call') AS first_call
             FROM visits v WHERE v.service_date = $1",
        )
        .bind::<Date, _>(date)
        .load(conn)?;
        let mut by_session: BTreeMap<i32, Vec<&Timing>> = BTreeMap::new();
        for t in &timings {
            by_session.entry(t.session_id).or_default().push(t);
        }
        let ids: Vec<i32> = list.iter().map(|s| s.session.id).collect();
        let rows = list
            .iter()
            .map(|s| {
                let mut f =
                    figures(by_session.get(&s.session.id).map(Vec::as_slice).unwrap_or(&[]));
                f.clinic = s.clinic.name.clone();
                f.doctor = s.doctor.name.clone();
                f.hours = s.hours();
                f.label = format!("{} {}", s.clinic.prefix, s.session.starts_at.format("%H:%M"));
                f
            })
            .collect();
        let all: Vec<&Timing> = timings.iter().filter(|t| ids.contains(&t.session_id)).collect();
        Ok((rows, figures(&all)))
    })
    .await
}

#[derive(Template)]
#[template(path = "staff/report.html")]
struct ReportPage {
    c: Ctx,
    date: String,
    date_value: String,
    clinic: String,
    clinics: Vec<(String, String)>,
    rows: Vec<Figures>,
    total: Figures,
    wait_bars: Vec<Bar>,
    share_bars: Vec<Bar>,
    chart_h: u32,
    x_limit: u32,
    x_target: u32,
    scale_max: u32,
}

async fn visible_clinics(state: &AppState, staff: &Staff) -> crate::error::AppResult<Vec<Clinic>> {
    let viewer = staff.clone();
    db::run(&state.pool, move |conn| {
        let all: Vec<Clinic> =
            clinics::table.order(clinics::name).select(Clinic::as_select()).load(conn)?;
        Ok(all.into_iter().filter(|c| viewer.may_see_clinic(c.id)).collect())
    })
    .await
}

/// `GET /staff/laporan?tanggal=&poli=` — the daily report.
async fn daily_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<ReportQuery>,
) -> PageResult {
    let mut c = Ctx::of(&req);
    let staff = staff_of(&req, &mut c).await?;
    may_report(&c, &staff)?;
    let date = query_date(&state, &q);
    let clinic = q.poli.clone().filter(|p| !p.is_empty());
    let (rows, total) = load(&state, &staff, date, clinic.clone()).await.or_page(c.lang)?;
    let clinics = visible_clinics(&state, &staff).await.or_page(c.lang)?;
    let worst = rows.iter().filter_map(|r| r.wait_p90).fold(0.0_f64, f64::max);
    let scale_max = (worst.max(120.0) / 30.0).ceil() as u32 * 30;
    let scale = |m: Option<f64>| {
        m.map(|m| (m / f64::from(scale_max) * f64::from(CHART_W)).round() as u32).unwrap_or(0)
    };
    let wait_bars = rows
        .iter()
        .enumerate()
        .map(|(i, r)| Bar {
            y: i as u32 * ROW_H + 4,
            label: r.label.clone(),
            a: scale(r.wait_median),
            b: scale(r.wait_p90),
            text: format!(
                "{} / {}",
                Figures::minutes(&r.wait_median),
                Figures::minutes(&r.wait_p90)
            ),
        })
        .collect();
    let share_bars = rows
        .iter()
        .enumerate()
        .map(|(i, r)| Bar {
            y: i as u32 * ROW_H + 4,
            label: r.label.clone(),
            a: r.within.map(|s| (s * f64::from(CHART_W)).round() as u32).unwrap_or(0),
            b: u32::from(r.meets_target()),
            text: r.percent(),
        })
        .collect();
    let page = ReportPage {
        date: long_date(c.lang, date),
        date_value: date.to_string(),
        clinic: clinic.unwrap_or_default(),
        clinics: clinics.into_iter().map(|c| (c.code, c.name)).collect(),
        chart_h: rows.len().max(1) as u32 * ROW_H + 24,
        x_limit: CHART_X
            + (WAIT_STANDARD_MINUTES / f64::from(scale_max) * f64::from(CHART_W)).round() as u32,
        x_target: CHART_X + (TARGET_SHARE * f64::from(CHART_W)).round() as u32,
        scale_max,
        rows,
        total,
        wait_bars,
        share_bars,
        c,
    };
    Ok(render(&page.c, StatusCode::OK, &page))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv_number(v: Option<f64>) -> String {
    v.map(|m| format!("{m:.1}")).unwrap_or_default()
}

/// `GET /staff/laporan.csv?tanggal=&poli=` — the same figures as CSV.
async fn daily_report_csv(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<ReportQuery>,
) -> PageResult {
    let mut c = Ctx::of(&req);
    let staff = staff_of(&req, &mut c).await?;
    may_report(&c, &staff)?;
    let date = query_date(&state, &q);
    let (rows, total) = load(&state, &staff, date, q.poli.clone().filter(|p| !p.is_empty()))
        .await
        .or_page(c.lang)?;
    let mut out = String::from(
        "date,clinic,doctor,hours,visits,served,no_shows,waits_measured,wait_median_min,wait_p90_min,service_median_min,service_p90_min,share_called_within_60_min\n",
    );
    let mut line = |f: &Figures, clinic: &str, doctor: &str, hours: &str| {
        out.push_str(&format!(
            "{date},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            csv_field(clinic),
            csv_field(doctor),
            hours,
            f.visits,
            f.served,
            f.no_shows,
            f.waits,
            csv_number(f.wait_median),
            csv_number(f.wait_p90),
            csv_number(f.service_median),
            csv_number(f.service_p90),
            f.within.map(|s| format!("{s:.3}")).unwrap_or_default(),
        ));
    };
    for r in &rows {
        line(r, &r.clinic, &r.doctor, &r.hours);
    }
    line(&total, "TOTAL", "", "");
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"sipoli-laporan-{date}.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(out))
}

pub struct EventLine {
    pub time: String,
    pub ticket: String,
    /// The visit's date when it is not the day shown (a booking made ahead).
    pub visit_day: String,
    pub clinic: String,
    pub kind: String,
    pub change: String,
    pub actor: String,
}

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    c: Ctx,
    date: String,
    date_value: String,
    clinic: String,
    who: String,
    clinics: Vec<(String, String)>,
    events: Vec<EventLine>,
    limited: bool,
}

/// Most events one page shows.
const AUDIT_LIMIT: i64 = 1000;

/// `GET /staff/audit?tanggal=&poli=&petugas=` — the visit events of a day.
async fn audit_log(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<ReportQuery>,
) -> PageResult {
    let mut c = Ctx::of(&req);
    let staff = staff_of(&req, &mut c).await?;
    may_report(&c, &staff)?;
    let date = query_date(&state, &q);
    let tz = state.tz();
    let (from, to) = local_day(tz, date);
    let clinic = q.poli.clone().filter(|p| !p.is_empty());
    let who = q.petugas.clone().map(|p| p.trim().to_ascii_lowercase()).filter(|p| !p.is_empty());
    let clinics = visible_clinics(&state, &staff).await.or_page(c.lang)?;
    let visible: Vec<(i32, String, String)> =
        clinics.iter().map(|cl| (cl.id, cl.code.clone(), cl.name.clone())).collect();
    let wanted: Vec<i32> = visible
        .iter()
        .filter(|(_, code, _)| clinic.as_deref().is_none_or(|c| c.eq_ignore_ascii_case(code)))
        .map(|(id, _, _)| *id)
        .collect();
    let actor = who.clone().map(|w| format!("staff:{w}"));
    type Row = (VisitEvent, String, i32, NaiveDate);
    let rows: Vec<Row> = db::run(&state.pool, move |conn| {
        let mut query = visit_events::table
            .inner_join(visits::table)
            .filter(visit_events::created_at.ge(from))
            .filter(visit_events::created_at.lt(to))
            .filter(visits::clinic_id.eq_any(wanted))
            .order(visit_events::id)
            .limit(AUDIT_LIMIT)
            .select((
                VisitEvent::as_select(),
                visits::ticket,
                visits::clinic_id,
                visits::service_date,
            ))
            .into_boxed();
        if let Some(a) = actor {
            query = query.filter(visit_events::actor.eq(a));
        }
        Ok(query.load(conn)?)
    })
    .await
    .or_page(c.lang)?;
    let lang = c.lang;
    let events = rows
        .iter()
        .map(|(e, ticket, clinic_id, day)| EventLine {
            time: clock_time(e.created_at, tz),
            ticket: ticket.clone(),
            visit_day: if *day == date { String::new() } else { short_date(lang, *day) },
            clinic: visible
                .iter()
                .find(|(id, _, _)| id == clinic_id)
                .map(|v| v.2.clone())
                .unwrap_or_default(),
            kind: event_label(lang, &e.kind),
            change: format!(
                "{} → {}",
                e.from_status.as_deref().map(|s| status_label(lang, s)).unwrap_or("–"),
                status_label(lang, &e.to_status)
            ),
            actor: e.actor.clone(),
        })
        .collect();
    let page = AuditPage {
        date: long_date(lang, date),
        date_value: date.to_string(),
        clinic: clinic.unwrap_or_default(),
        who: who.unwrap_or_default(),
        clinics: clinics.into_iter().map(|c| (c.code, c.name)).collect(),
        limited: rows.len() as i64 >= AUDIT_LIMIT,
        events,
        c,
    };
    Ok(render(&page.c, StatusCode::OK, &page))
}

/// Midnight to midnight of a local date, in UTC.
pub fn local_day(tz: chrono_tz::Tz, date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = crate::domain::rules::local_datetime(tz, date, NaiveTime::MIN).with_timezone(&Utc);
    let end = crate::domain::rules::local_datetime(tz, date + Duration::days(1), NaiveTime::MIN)
        .with_timezone(&Utc);
    (start, end)
}
