//! The staff report over a range of days as files people open: CSV for Excel with
//! Indonesian regional settings (`;` separators, decimal commas, a UTF-8 BOM, formula-like
//! cells neutralised) and `.xlsx` (rust_xlsxwriter). `?dari=&sampai=&poli=`, or
//! `?tanggal=&periode=hari|minggu|bulan` (the week from Monday, the calendar month).
use actix_web::{HttpResponse, http::header, web};
use chrono::{Datelike, Duration, NaiveDate};
use rust_xlsxwriter::{Format, Workbook};
use serde::Deserialize;

use super::extract::StaffPage;
use super::{OrPage, PageResult};
use crate::app::AppState;
use crate::domain::waits::Spread;
use crate::error::{AppError, AppResult};
use crate::service::open_data::Range;
use crate::service::report_range::{self, RangeReport};
use crate::service::reports::Figures;
use crate::service::whole_visit::WholeVisit;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/laporan-excel.csv", web::get().to(report_excel_csv))
        .route("/staff/laporan.xlsx", web::get().to(report_xlsx));
}

#[derive(Debug, Default, Deserialize)]
pub struct RangeQuery {
    pub dari: Option<String>,
    pub sampai: Option<String>,
    pub tanggal: Option<String>,
    pub periode: Option<String>,
    pub poli: Option<String>,
}

/// How the days of a report are chosen: one day, the week (from Monday) or the calendar
/// month of `tanggal`, or any range `dari`–`sampai`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
    Month,
    Custom,
}

impl Period {
    pub const ALL: [Period; 4] = [Period::Day, Period::Week, Period::Month, Period::Custom];

    pub fn of(q: &RangeQuery) -> Period {
        match q.periode.as_deref().map(str::trim) {
            Some("hari") => Period::Day,
            Some("minggu") => Period::Week,
            Some("bulan") => Period::Month,
            Some("rentang") => Period::Custom,
            _ if q.dari.is_some() || q.sampai.is_some() => Period::Custom,
            _ => Period::Day,
        }
    }

    /// Its word in URLs (`periode=`).
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "hari",
            Period::Week => "minggu",
            Period::Month => "bulan",
            Period::Custom => "rentang",
        }
    }

    /// The range of this period around `day` (a custom range is the day itself).
    pub fn around(self, day: NaiveDate) -> Range {
        match self {
            Period::Week => {
                let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
                Range { from: monday, to: monday + Duration::days(6) }
            }
            Period::Month => {
                let first = day.with_day(1).unwrap_or(day);
                let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
                Range { from: first, to: next - Duration::days(1) }
            }
            Period::Day | Period::Custom => Range { from: day, to: day },
        }
    }

    /// The range before (`-1`) or after (`1`) `range`: the day, week or month next to it,
    /// or a custom range of the same length.
    pub fn step(self, range: Range, by: i32) -> Range {
        match self {
            Period::Month => {
                let months = chrono::Months::new(by.unsigned_abs());
                let day = if by < 0 {
                    range.from.checked_sub_months(months)
                } else {
                    range.from.checked_add_months(months)
                };
                self.around(day.unwrap_or(range.from))
            }
            _ => {
                let len = (range.to - range.from).num_days() + 1;
                let shift = Duration::days(len * i64::from(by));
                Range { from: range.from + shift, to: range.to + shift }
            }
        }
    }

    /// The query string of `range` in this period, with the clinic.
    pub fn query(self, range: Range, clinic: &str) -> String {
        let days = match self {
            Period::Custom => format!("dari={}&sampai={}", range.from, range.to),
            _ => format!("tanggal={}", range.from),
        };
        format!("periode={}&{days}&poli={}", self.as_str(), urlencoding_lite(clinic))
    }
}

/// A clinic code as a URL value (codes are letters and digits; anything else is dropped).
fn urlencoding_lite(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

/// The days asked for: the day / week / month of `tanggal`, or an explicit range
/// (at most a year).
pub fn range_of(q: &RangeQuery, today: NaiveDate) -> AppResult<Range> {
    let day = q
        .tanggal
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .unwrap_or(today);
    match Period::of(q) {
        Period::Custom => Range::parse(q.dari.as_deref(), q.sampai.as_deref(), today),
        p => Ok(p.around(day)),
    }
}

/// Column titles of both exports.
pub const HEADER: [&str; 14] = [
    "Tanggal",
    "Poli",
    "Dokter",
    "Jam",
    "Kunjungan",
    "Dilayani",
    "Tidak hadir",
    "Tunggu terukur",
    "Tunggu median (menit)",
    "Tunggu p90 (menit)",
    "Layanan median (menit)",
    "Layanan p90 (menit)",
    "Dipanggil ≤ 60 menit (%)",
    "Sesi",
];

/// A text cell for a `;`-separated file: a cell a spreadsheet would run as a formula
/// (leading `=`, `+`, `-`, `@`, tab or CR) gets a leading apostrophe.
pub fn excel_text(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([';', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// A number with a decimal comma ("12,5"), empty for none.
pub fn excel_number(v: Option<f64>, places: usize) -> String {
    v.map(|x| format!("{x:.places$}").replace('.', ",")).unwrap_or_default()
}

fn cells(date: &str, f: &Figures) -> Vec<String> {
    vec![
        date.to_string(),
        excel_text(&f.clinic),
        excel_text(&f.doctor),
        excel_text(&f.hours),
        f.visits.to_string(),
        f.served.to_string(),
        f.no_shows.to_string(),
        f.waits.to_string(),
        excel_number(f.wait_median, 1),
        excel_number(f.wait_p90, 1),
        excel_number(f.service_median, 1),
        excel_number(f.service_p90, 1),
        excel_number(f.within.map(|s| s * 100.0), 1),
        excel_text(&f.label),
    ]
}

/// Column titles of the whole-visit part of both exports.
pub const JOURNEY_HEADER: [&str; 8] = [
    "Perjalanan kunjungan",
    "Kode",
    "Nama",
    "Jumlah",
    "Median (menit)",
    "p90 (menit)",
    "Rata-rata (menit)",
    "≤ 60 menit (%)",
];

/// What BPJS task `n` marks, in words (Indonesian; English).
pub fn task_words(n: u8) -> (&'static str, &'static str) {
    match n {
        1 => ("ambil antrean pendaftaran", "registration ticket"),
        2 => ("dipanggil loket pendaftaran", "called at registration"),
        3 => ("check-in poli", "clinic check-in"),
        4 => ("mulai dilayani dokter", "doctor starts"),
        5 => ("selesai di poli", "clinic done"),
        6 => ("obat mulai disiapkan", "medicine prepared"),
        _ => ("obat diserahkan", "medicine handed over"),
    }
}

/// One line of the whole-visit part: a station's waits or service times, arrival to
/// leaving, or the gap between two BPJS tasks.
pub struct JourneyRow {
    pub part: &'static str,
    pub code: String,
    pub name: String,
    pub count: usize,
    pub median: Option<f64>,
    pub p90: Option<f64>,
    pub average: Option<f64>,
    /// Percent within 60 minutes.
    pub within: Option<f64>,
}

pub fn journey_rows(w: &WholeVisit) -> Vec<JourneyRow> {
    let mut out = Vec::new();
    let spread = |part, code: &str, name: &str, s: &Spread, within: bool| JourneyRow {
        part,
        code: code.to_string(),
        name: name.to_string(),
        count: s.count,
        median: s.median,
        p90: s.p90,
        average: None,
        within: if within { s.within.map(|x| x * 100.0) } else { None },
    };
    for st in &w.stations {
        out.push(spread("Tunggu", &st.code, &st.name, &st.wait, true));
        out.push(spread("Layanan", &st.code, &st.name, &st.service, false));
    }
    out.push(spread("Datang sampai pulang", "", "Seluruh kunjungan", &w.visit, false));
    for t in &w.tasks {
        out.push(JourneyRow {
            part: "Antar task BPJS",
            code: format!("{} → {}", t.from, t.to),
            name: format!("{} → {}", task_words(t.from).0, task_words(t.to).0),
            count: t.visits,
            median: None,
            p90: None,
            average: t.average,
            within: None,
        });
    }
    out
}

fn journey_cells(r: &JourneyRow) -> Vec<String> {
    vec![
        r.part.to_string(),
        excel_text(&r.code),
        excel_text(&r.name),
        r.count.to_string(),
        excel_number(r.median, 1),
        excel_number(r.p90, 1),
        excel_number(r.average, 1),
        excel_number(r.within, 1),
    ]
}

async fn report(state: &AppState, page: &StaffPage, q: &RangeQuery) -> AppResult<RangeReport> {
    let range = range_of(q, state.today())?;
    let clinic = q.poli.clone().filter(|p| !p.trim().is_empty());
    report_range::over(&state.pool, &page.staff, range, clinic).await
}

fn attachment(name: String, content_type: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type.to_string())
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// `GET /staff/laporan-excel.csv` — opens in Excel set to Indonesian as columns.
async fn report_excel_csv(
    state: web::Data<AppState>,
    q: web::Query<RangeQuery>,
    page: StaffPage,
) -> PageResult {
    let r = report(&state, &page, &q).await.or_page(page.c.lang)?;
    let mut out = String::from("\u{FEFF}");
    out.push_str(&HEADER.join(";"));
    out.push_str("\r\n");
    for l in &r.lines {
        out.push_str(&cells(&l.date.to_string(), &l.figures).join(";"));
        out.push_str("\r\n");
    }
    let mut total = r.total.clone();
    total.clinic = "TOTAL".into();
    out.push_str(&cells(&format!("{}/{}", r.range.from, r.range.to), &total).join(";"));
    out.push_str("\r\n\r\n");
    out.push_str(&JOURNEY_HEADER.join(";"));
    out.push_str("\r\n");
    for row in journey_rows(&r.whole_visit) {
        out.push_str(&journey_cells(&row).join(";"));
        out.push_str("\r\n");
    }
    let name = format!("sipoli-laporan-{}-{}.csv", r.range.from, r.range.to);
    Ok(attachment(name, "text/csv; charset=utf-8", out.into_bytes()))
}

/// The workbook: one sheet "Laporan", numbers as numbers.
pub fn workbook(r: &RangeReport) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Laporan")?;
    let bold = Format::new().set_bold();
    let one = Format::new().set_num_format("0.0");
    for (col, title) in HEADER.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *title, &bold)?;
    }
    let mut total = r.total.clone();
    total.clinic = "TOTAL".into();
    let rows = r
        .lines
        .iter()
        .map(|l| (l.date.to_string(), &l.figures))
        .chain(std::iter::once((format!("{}/{}", r.range.from, r.range.to), &total)));
    for (i, (date, f)) in rows.enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &date)?;
        sheet.write_string(row, 1, &f.clinic)?;
        sheet.write_string(row, 2, &f.doctor)?;
        sheet.write_string(row, 3, &f.hours)?;
        for (col, n) in [(4, f.visits), (5, f.served), (6, f.no_shows), (7, f.waits)] {
            sheet.write_number(row, col, n as f64)?;
        }
        let within = f.within.map(|s| s * 100.0);
        for (col, v) in [
            (8, f.wait_median),
            (9, f.wait_p90),
            (10, f.service_median),
            (11, f.service_p90),
            (12, within),
        ] {
            if let Some(v) = v {
                sheet.write_number_with_format(row, col, (v * 10.0).round() / 10.0, &one)?;
            }
        }
        sheet.write_string(row, 13, &f.label)?;
    }
    sheet.autofit();
    let sheet = book.add_worksheet();
    sheet.set_name("Perjalanan")?;
    for (col, title) in JOURNEY_HEADER.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *title, &bold)?;
    }
    for (i, j) in journey_rows(&r.whole_visit).iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, j.part)?;
        sheet.write_string(row, 1, &j.code)?;
        sheet.write_string(row, 2, &j.name)?;
        sheet.write_number(row, 3, j.count as f64)?;
        for (col, v) in [(4, j.median), (5, j.p90), (6, j.average), (7, j.within)] {
            if let Some(v) = v {
                sheet.write_number_with_format(row, col, (v * 10.0).round() / 10.0, &one)?;
            }
        }
    }
    sheet.autofit();
    book.save_to_buffer()
}

/// `GET /staff/laporan.xlsx`
async fn report_xlsx(
    state: web::Data<AppState>,
    q: web::Query<RangeQuery>,
    page: StaffPage,
) -> PageResult {
    let r = report(&state, &page, &q).await.or_page(page.c.lang)?;
    let bytes = workbook(&r).map_err(AppError::internal).or_page(page.c.lang)?;
    let name = format!("sipoli-laporan-{}-{}.xlsx", r.range.from, r.range.to);
    Ok(attachment(name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_for_excel_in_indonesian() {
        assert_eq!(excel_number(Some(12.345), 1), "12,3");
        assert_eq!(excel_number(None, 1), "");
        assert_eq!(excel_text("dr. Ruth; Sp.A"), "\"dr. Ruth; Sp.A\"");
        assert_eq!(excel_text("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(excel_text("-1"), "'-1");
    }

    #[test]
    fn periods_are_a_day_a_week_from_monday_or_a_month() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let q = |periode: &str| RangeQuery {
            tanggal: Some("2026-12-03".into()),
            periode: Some(periode.into()),
            ..RangeQuery::default()
        };
        let week = range_of(&q("minggu"), today).unwrap();
        assert_eq!(
            (week.from.to_string(), week.to.to_string()),
            ("2026-11-30".into(), "2026-12-06".into())
        );
        let month = range_of(&q("bulan"), today).unwrap();
        assert_eq!(
            (month.from.to_string(), month.to.to_string()),
            ("2026-12-01".into(), "2026-12-31".into())
        );
        assert!(
            range_of(
                &RangeQuery { dari: Some("2024-01-01".into()), ..RangeQuery::default() },
                today
            )
            .is_err()
        );
    }
}
