//! The report in figures and the day in events: the staff report over a day, a week, a
//! month or any range up to a year (served, no-shows, waits check-in → first call,
//! service times, the 60-minute indicator; per session for a day, per clinic and per day
//! for longer ranges) with inline SVG charts, previous/next navigation, the whole visit
//! (stations, arrival to leaving, BPJS tasks 1–7) and CSV export; and the audit log of
//! visit events.
use actix_web::{HttpResponse, http::StatusCode, http::header, web};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::extract::StaffPage;
use super::report_export::{Period, RangeQuery, range_of, task_words};
use super::text::{actor_label, clock_time, event_label, long_date, short_date, status_label};
use super::{Ctx, OrPage, PageResult, render, see_other};
use crate::app::AppState;
use crate::domain::calendar::month_name;
use crate::domain::waits::{Spread, TARGET_SHARE, WAIT_STANDARD_MINUTES};
use crate::i18n::Lang;
use crate::service::audit::{self, AuditQuery};
use crate::service::open_data::Range;
use crate::service::report_range::{self, RangeReport};
use crate::service::reports::Figures;
use crate::service::whole_visit::WholeVisit;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/laporan", web::get().to(report_page))
        .route("/staff/laporan.csv", web::get().to(report_csv))
        .route("/staff/laporan/perjalanan", web::get().to(whole_visit_page))
        .route("/staff/laporan/perjalanan.csv", web::get().to(whole_visit_csv))
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

/// A choice of period in the page's tabs.
pub struct PeriodTab {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

/// A station's line in the whole-visit table, ready to show.
pub struct StationRow {
    pub code: String,
    pub name: String,
    pub steps: usize,
    pub wait: [String; 3],
    pub service: [String; 2],
    pub meets_target: bool,
}

/// The gap between two BPJS tasks, ready to show.
pub struct TaskRow {
    pub tasks: String,
    pub words: String,
    pub visits: usize,
    pub average: String,
}

#[derive(Template)]
#[template(path = "staff/report.html")]
struct ReportPage {
    c: Ctx,
    /// "Selasa, 1 Desember 2026", "30 November – 6 Desember 2026", "Desember 2026".
    title: String,
    period: &'static str,
    custom: bool,
    single_day: bool,
    tabs: Vec<PeriodTab>,
    date_label: &'static str,
    date_value: String,
    from_value: String,
    to_value: String,
    prev_href: String,
    prev_label: &'static str,
    next_href: String,
    next_label: &'static str,
    now_href: String,
    now_label: &'static str,
    /// The current query, for the export links.
    query: String,
    clinic: String,
    clinics: Vec<(String, String)>,
    rows: Vec<Figures>,
    days: Vec<(String, Figures)>,
    total: Figures,
    wait_bars: Vec<Bar>,
    share_bars: Vec<Bar>,
    chart_h: u32,
    x_limit: u32,
    x_target: u32,
    scale_max: u32,
    stations: Vec<StationRow>,
    visits_left: usize,
    visit_median: String,
    visit_p90: String,
    tasks: Vec<TaskRow>,
}

fn period_words(lang: Lang, p: Period) -> (&'static str, &'static str, &'static str, &'static str) {
    let en = lang.is_en();
    match (p, en) {
        (Period::Day, false) => ("Hari", "Hari sebelumnya", "Hari berikutnya", "Hari ini"),
        (Period::Day, true) => ("Day", "Previous day", "Next day", "Today"),
        (Period::Week, false) => ("Minggu", "Minggu sebelumnya", "Minggu berikutnya", "Minggu ini"),
        (Period::Week, true) => ("Week", "Previous week", "Next week", "This week"),
        (Period::Month, false) => ("Bulan", "Bulan sebelumnya", "Bulan berikutnya", "Bulan ini"),
        (Period::Month, true) => ("Month", "Previous month", "Next month", "This month"),
        (Period::Custom, false) => {
            ("Rentang tanggal", "Rentang sebelumnya", "Rentang berikutnya", "Hari ini")
        }
        (Period::Custom, true) => ("Date range", "Previous range", "Next range", "Today"),
    }
}

fn range_title(lang: Lang, p: Period, r: Range) -> String {
    if r.from == r.to {
        return long_date(lang, r.from);
    }
    if p == Period::Month {
        return format!("{} {}", month_name(lang.is_en(), r.from), r.from.year());
    }
    let day = |d: NaiveDate| format!("{} {}", d.day(), month_name(lang.is_en(), d));
    if (r.from.year(), r.from.month()) == (r.to.year(), r.to.month()) {
        format!("{} – {} {}", r.from.day(), day(r.to), r.to.year())
    } else if r.from.year() == r.to.year() {
        format!("{} – {} {}", day(r.from), day(r.to), r.to.year())
    } else {
        format!("{} {} – {} {}", day(r.from), r.from.year(), day(r.to), r.to.year())
    }
}

fn mins(v: Option<f64>) -> String {
    Figures::minutes(&v)
}

fn percent(v: Option<f64>) -> String {
    v.map(|s| format!("{:.0} %", s * 100.0)).unwrap_or_else(|| "–".into())
}

fn bars(rows: &[Figures]) -> (Vec<Bar>, Vec<Bar>, u32) {
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
            text: format!("{} / {}", mins(r.wait_median), mins(r.wait_p90)),
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
    (wait_bars, share_bars, scale_max)
}

fn station_rows(w: &WholeVisit) -> Vec<StationRow> {
    w.stations
        .iter()
        .map(|s| StationRow {
            code: s.code.clone(),
            name: s.name.clone(),
            steps: s.steps,
            wait: [mins(s.wait.median), mins(s.wait.p90), percent(s.wait.within)],
            service: [mins(s.service.median), mins(s.service.p90)],
            meets_target: s.wait.within.is_some_and(|x| x >= TARGET_SHARE),
        })
        .collect()
}

fn task_rows(lang: Lang, w: &WholeVisit) -> Vec<TaskRow> {
    let words = |n: u8| if lang.is_en() { task_words(n).1 } else { task_words(n).0 };
    w.tasks
        .iter()
        .map(|t| TaskRow {
            tasks: format!("{} → {}", t.from, t.to),
            words: format!("{} → {}", words(t.from), words(t.to)),
            visits: t.visits,
            average: mins(t.average),
        })
        .collect()
}

async fn range_report(
    state: &AppState,
    page: &StaffPage,
    q: &RangeQuery,
) -> Result<(Period, RangeReport, String), super::PageError> {
    let range = range_of(q, state.today()).or_page(page.c.lang)?;
    let clinic = q.poli.clone().map(|p| p.trim().to_string()).filter(|p| !p.is_empty());
    let r = report_range::over(&state.pool, &page.staff, range, clinic.clone())
        .await
        .or_page(page.c.lang)?;
    Ok((Period::of(q), r, clinic.unwrap_or_default()))
}

/// `GET /staff/laporan?periode=hari|minggu|bulan&tanggal=&poli=` or
/// `?periode=rentang&dari=&sampai=` — the report of a day, a week, a month or a range.
async fn report_page(
    state: web::Data<AppState>,
    q: web::Query<RangeQuery>,
    page: StaffPage,
) -> PageResult {
    let (period, r, clinic) = range_report(&state, &page, &q).await?;
    let StaffPage { c, .. } = page;
    let lang = c.lang;
    let range = r.range;
    let single_day = range.from == range.to;
    let rows: Vec<Figures> = if single_day {
        r.lines.iter().map(|l| l.figures.clone()).collect()
    } else {
        r.by_clinic
            .iter()
            .map(|l| Figures {
                doctor: format!(
                    "{} {}",
                    l.sessions,
                    if lang.is_en() { "sessions" } else { "sesi" }
                ),
                ..l.figures.clone()
            })
            .collect()
    };
    let days = if single_day {
        Vec::new()
    } else {
        r.by_day.iter().map(|l| (short_date(lang, l.date), l.figures.clone())).collect()
    };
    let (wait_bars, share_bars, scale_max) = bars(&rows);
    let (_, prev_label, next_label, now_label) = period_words(lang, period);
    let today = state.today();
    let now = if period == Period::Custom {
        Range { from: today, to: today }
    } else {
        period.around(today)
    };
    let href = |p: Period, r: Range| format!("/staff/laporan?{}", p.query(r, &clinic));
    // Another period keeps today when it is shown, else the first day shown.
    let anchor = if (range.from..=range.to).contains(&today) { today } else { range.from };
    let tabs = Period::ALL
        .iter()
        .map(|p| PeriodTab {
            label: period_words(lang, *p).0,
            href: href(*p, if *p == Period::Custom { range } else { p.around(anchor) }),
            current: *p == period,
        })
        .collect();
    let page = ReportPage {
        title: range_title(lang, period, range),
        period: period.as_str(),
        custom: period == Period::Custom,
        single_day,
        tabs,
        date_label: match (period, lang.is_en()) {
            (Period::Week, false) => "Tanggal dalam minggu",
            (Period::Week, true) => "A date in the week",
            (Period::Month, false) => "Tanggal dalam bulan",
            (Period::Month, true) => "A date in the month",
            (_, false) => "Tanggal",
            (_, true) => "Date",
        },
        date_value: range.from.to_string(),
        from_value: range.from.to_string(),
        to_value: range.to.to_string(),
        prev_href: href(period, period.step(range, -1)),
        prev_label,
        next_href: href(period, period.step(range, 1)),
        next_label,
        now_href: href(period, now),
        now_label,
        query: period.query(range, &clinic),
        clinic,
        clinics: r.clinics.iter().map(|c| (c.code.clone(), c.name.clone())).collect(),
        chart_h: rows.len().max(1) as u32 * ROW_H + 24,
        x_limit: CHART_X
            + (WAIT_STANDARD_MINUTES / f64::from(scale_max) * f64::from(CHART_W)).round() as u32,
        x_target: CHART_X + (TARGET_SHARE * f64::from(CHART_W)).round() as u32,
        scale_max,
        rows,
        days,
        total: r.total.clone(),
        wait_bars,
        share_bars,
        stations: station_rows(&r.whole_visit),
        visits_left: r.whole_visit.visit.count,
        visit_median: mins(r.whole_visit.visit.median),
        visit_p90: mins(r.whole_visit.visit.p90),
        tasks: task_rows(lang, &r.whole_visit),
        c,
    };
    Ok(render(&page.c, StatusCode::OK, &page))
}

/// `GET /staff/laporan/perjalanan?…` — the whole visit is a part of the report now: the
/// old address leads there.
async fn whole_visit_page(q: web::Query<RangeQuery>, state: web::Data<AppState>) -> HttpResponse {
    let range =
        range_of(&q, state.today()).unwrap_or(Range { from: state.today(), to: state.today() });
    let clinic = q.poli.clone().unwrap_or_default();
    see_other(&format!("/staff/laporan?{}#perjalanan", Period::of(&q).query(range, &clinic)))
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

fn range_label(r: Range) -> String {
    if r.from == r.to { r.from.to_string() } else { format!("{}/{}", r.from, r.to) }
}

/// The whole visit as CSV lines: per station, arrival to leaving, between BPJS tasks.
fn whole_visit_lines(date: &str, w: &WholeVisit) -> String {
    let share = |s: &Spread| s.within.map(|x| format!("{x:.3}")).unwrap_or_default();
    let mut out = String::from(
        "date,part,station,steps_or_visits,wait_median_min,wait_p90_min,service_median_min,service_p90_min,share_within_60_min\n",
    );
    for s in &w.stations {
        out.push_str(&format!(
            "{date},station,{},{},{},{},{},{},{}\n",
            csv_field(&s.code),
            s.steps,
            csv_number(s.wait.median),
            csv_number(s.wait.p90),
            csv_number(s.service.median),
            csv_number(s.service.p90),
            share(&s.wait),
        ));
    }
    out.push_str(&format!(
        "{date},whole_visit,,{},{},{},,,\n",
        w.visit.count,
        csv_number(w.visit.median),
        csv_number(w.visit.p90)
    ));
    for t in &w.tasks {
        out.push_str(&format!(
            "{date},task_{}_to_{},,{},{},,,,\n",
            t.from,
            t.to,
            t.visits,
            csv_number(t.average)
        ));
    }
    out
}

fn csv_file(name: String, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// `GET /staff/laporan.csv?…` (the page's query) — the same figures as CSV: one line per
/// session and day, the total, then after an empty line the whole visit.
async fn report_csv(
    state: web::Data<AppState>,
    q: web::Query<RangeQuery>,
    page: StaffPage,
) -> PageResult {
    let (_, r, _) = range_report(&state, &page, &q).await?;
    let mut out = String::from(
        "date,clinic,doctor,hours,visits,served,no_shows,waits_measured,wait_median_min,wait_p90_min,service_median_min,service_p90_min,share_called_within_60_min\n",
    );
    let mut line = |date: &str, f: &Figures, clinic: &str, doctor: &str, hours: &str| {
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
    for l in &r.lines {
        let f = &l.figures;
        line(&l.date.to_string(), f, &f.clinic, &f.doctor, &f.hours);
    }
    let label = range_label(r.range);
    line(&label, &r.total, "TOTAL", "", "");
    out.push('\n');
    out.push_str(&whole_visit_lines(&label, &r.whole_visit));
    Ok(csv_file(format!("sipoli-laporan-{}.csv", label.replace('/', "-")), out))
}

/// `GET /staff/laporan/perjalanan.csv?…` — the whole visit alone, as before.
async fn whole_visit_csv(
    state: web::Data<AppState>,
    q: web::Query<RangeQuery>,
    page: StaffPage,
) -> PageResult {
    let (_, r, _) = range_report(&state, &page, &q).await?;
    let label = range_label(r.range);
    let body = whole_visit_lines(&label, &r.whole_visit);
    Ok(csv_file(format!("sipoli-perjalanan-{}.csv", label.replace('/', "-")), body))
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
