//! Words and formats the pages share: dates, times and status labels in both languages.
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::domain::visit_status::VisitStatus;
use crate::i18n::Lang;

const DAYS_ID: [&str; 7] = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"];
const DAYS_EN: [&str; 7] =
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

pub fn weekday_name(lang: Lang, weekday: u32) -> &'static str {
    let i = (weekday.clamp(1, 7) - 1) as usize;
    if lang.is_en() { DAYS_EN[i] } else { DAYS_ID[i] }
}

/// "Selasa, 1 Desember 2026" / "Tuesday, 1 December 2026".
pub fn long_date(lang: Lang, date: NaiveDate) -> String {
    let day = weekday_name(lang, date.weekday().number_from_monday());
    let m = date.month0() as usize;
    let month = if lang.is_en() { MONTHS_EN[m] } else { MONTHS_ID[m] };
    format!("{day}, {} {month} {}", date.day(), date.year())
}

/// "Sel 1/12" style short label: "Selasa 1 Des".
pub fn short_date(lang: Lang, date: NaiveDate) -> String {
    let day = weekday_name(lang, date.weekday().number_from_monday());
    let m = date.month0() as usize;
    let month = if lang.is_en() { MONTHS_EN[m] } else { MONTHS_ID[m] };
    format!("{day} {} {}", date.day(), &month[..3])
}

/// "09:40 WIT" in the hospital's zone.
pub fn clock_time(at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    format!("{} {}", local.format("%H:%M"), zone_label(tz))
}

/// The Indonesian zone name when there is one (WIB, WITA, WIT), else the abbreviation.
pub fn zone_label(tz: Tz) -> String {
    match tz.name() {
        "Asia/Jayapura" => "WIT".into(),
        "Asia/Makassar" => "WITA".into(),
        "Asia/Jakarta" | "Asia/Pontianak" => "WIB".into(),
        other => other.to_string(),
    }
}

pub fn status_label(lang: Lang, status: &str) -> &'static str {
    let Some(s) = VisitStatus::parse(status) else {
        return "";
    };
    if !lang.is_en() {
        return s.label_id();
    }
    match s {
        VisitStatus::Booked => "Booked (not checked in)",
        VisitStatus::Waiting => "Waiting",
        VisitStatus::Called => "Called",
        VisitStatus::Serving => "Being seen",
        VisitStatus::Done => "Done",
        VisitStatus::Skipped => "Skipped",
        VisitStatus::Cancelled => "Cancelled",
        VisitStatus::NoShow => "Did not come",
    }
}

/// The audit log's name for an event kind.
pub fn event_label(lang: Lang, kind: &str) -> String {
    let (id, en) = match kind {
        "booked" => ("Booking", "Booked"),
        "registered" => ("Daftar langsung", "Walk-in"),
        "check_in" => ("Check-in", "Check-in"),
        "call" => ("Panggil", "Call"),
        "recall" => ("Panggil ulang", "Recall"),
        "skip" => ("Lewati", "Skip"),
        "return" => ("Kembali antre", "Return"),
        "start" => ("Mulai layani", "Start"),
        "finish" => ("Selesai", "Finish"),
        "cancel" => ("Batal", "Cancel"),
        "no_show" => ("Tidak hadir", "No-show"),
        "priority" => ("Prioritas", "Priority"),
        other => (other, other),
    };
    lang.pick(id, en).to_string()
}

pub fn payer_label(lang: Lang, payer: &str) -> &'static str {
    match payer {
        "jkn" => "JKN (BPJS)",
        _ => lang.pick("Umum", "Non-JKN"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(long_date(Lang::Id, d), "Selasa, 1 Desember 2026");
        assert_eq!(long_date(Lang::En, d), "Tuesday, 1 December 2026");
        assert_eq!(short_date(Lang::Id, d), "Selasa 1 Des");
    }
}
