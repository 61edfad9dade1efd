//! The day in figures and in events: the daily report per clinic session (served,
//! no-shows, waits check-in → first call, service times, the 60-minute indicator) with
//! inline SVG charts and CSV export, and the audit log of visit events.
use actix_web::{HttpResponse, http::StatusCode, http::header, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use super::extract::StaffPage;
use super::text::{actor_label, clock_time, event_label, long_date, short_date, status_label};
use super::{Ctx, OrPage, PageResult, render};
use crate::app::AppState;
use crate::domain::waits::{TARGET_SHARE, WAIT_STANDARD_MINUTES};
use crate::service::audit::{self, AuditQuery};
use crate::service::reports::{self, Figures};

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

/// `GET /staff/laporan?tanggal=&poli=` — the daily report.
async fn daily_report(
    state: web::Data<AppState>,
    q: web::Query<ReportQuery>,
    StaffPage { staff, c }: StaffPage,
) -> PageResult {
    let date = query_date(&state, &q);
    let clinic = q.poli.clone().filter(|p| !p.is_empty());
    let reports::DailyReport { rows, total, clinics } =
        reports::daily(&state.pool, &staff, date, clinic.clone()).await.or_page(c.lang)?;
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

/// A text cell. One that a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`,
/// tab or CR) is neutralised with a leading apostrophe, so it shows as the text it is.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

fn csv_number(v: Option<f64>) -> String {
    v.map(|m| format!("{m:.1}")).unwrap_or_default()
}

/// `GET /staff/laporan.csv?tanggal=&poli=` — the same figures as CSV.
async fn daily_report_csv(
    state: web::Data<AppState>,
    q: web::Query<ReportQuery>,
    StaffPage { staff, c }: StaffPage,
) -> PageResult {
    let date = query_date(&state, &q);
    let clinic = q.poli.clone().filter(|p| !p.is_empty());
    let reports::DailyReport { rows, total, .. } =
        reports::daily(&state.pool, &staff, date, clinic).await.or_page(c.lang)?;
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

/// `GET /staff/audit?tanggal=&poli=&petugas=` — the visit events of a day.
async fn audit_log(
    state: web::Data<AppState>,
    q: web::Query<ReportQuery>,
    StaffPage { staff, c }: StaffPage,
) -> PageResult {
    let date = query_date(&state, &q);
    let tz = state.tz();
    let clinic = q.poli.clone().filter(|p| !p.is_empty());
    let who = q.petugas.clone().map(|p| p.trim().to_ascii_lowercase()).filter(|p| !p.is_empty());
    let query = AuditQuery { date, clinic: clinic.clone(), username: who.clone() };
    let log = audit::day(&state.pool, &staff, tz, query).await.or_page(c.lang)?;
    let lang = c.lang;
    let events = log
        .events
        .iter()
        .map(|a| EventLine {
            time: clock_time(a.event.created_at, tz),
            ticket: a.ticket.clone(),
            visit_day: if a.service_date == date {
                String::new()
            } else {
                short_date(lang, a.service_date)
            },
            clinic: a.clinic.clone(),
            kind: event_label(lang, &a.event.kind),
            change: format!(
                "{} → {}",
                a.event.from_status.as_deref().map(|s| status_label(lang, s)).unwrap_or("–"),
                status_label(lang, &a.event.to_status)
            ),
            actor: actor_label(lang, &a.event.actor),
        })
        .collect();
    let page = AuditPage {
        date: long_date(lang, date),
        date_value: date.to_string(),
        clinic: clinic.unwrap_or_default(),
        who: who.unwrap_or_default(),
        clinics: log.clinics.into_iter().map(|c| (c.code, c.name)).collect(),
        limited: log.limited,
        events,
        c,
    };
    Ok(render(&page.c, StatusCode::OK, &page))
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(csv_field("dr. Ruth"), "dr. Ruth");
        assert_eq!(
            csv_field("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        for bad in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_field(bad).trim_start_matches('"').starts_with('\''), "{bad:?}");
        }
    }
}
