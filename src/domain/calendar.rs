//! Names of days and months, and the hospital's zone, in Indonesian and English: the one
//! table that pages, tickets and patient messages all write dates with.
use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

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

/// Day name of an ISO weekday (1 = Monday … 7 = Sunday; out-of-range values are clamped).
pub fn weekday_name(en: bool, weekday: u32) -> &'static str {
    let i = (weekday.clamp(1, 7) - 1) as usize;
    if en { DAYS_EN[i] } else { DAYS_ID[i] }
}

pub fn month_name(en: bool, date: NaiveDate) -> &'static str {
    let m = date.month0() as usize;
    if en { MONTHS_EN[m] } else { MONTHS_ID[m] }
}

/// "Selasa, 1 Desember 2026" / "Tuesday, 1 December 2026".
pub fn long_date(en: bool, date: NaiveDate) -> String {
    let day = weekday_name(en, date.weekday().number_from_monday());
    format!("{day}, {} {} {}", date.day(), month_name(en, date), date.year())
}

/// "Selasa 1 Des" / "Tuesday 1 Dec".
pub fn short_date(en: bool, date: NaiveDate) -> String {
    let day = weekday_name(en, date.weekday().number_from_monday());
    format!("{day} {} {}", date.day(), &month_name(en, date)[..3])
}

/// The Indonesian zone name where there is one (WIB, WITA, WIT), else the IANA name.
pub fn zone_label(tz: Tz) -> String {
    match tz.name() {
        "Asia/Jayapura" => "WIT".into(),
        "Asia/Makassar" => "WITA".into(),
        "Asia/Jakarta" | "Asia/Pontianak" => "WIB".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        assert_eq!(long_date(false, d), "Selasa, 1 Desember 2026");
        assert_eq!(long_date(true, d), "Tuesday, 1 December 2026");
        assert_eq!(short_date(false, d), "Selasa 1 Des");
        assert_eq!(weekday_name(false, 7), "Minggu");
        assert_eq!(zone_label(chrono_tz::Asia::Jayapura), "WIT");
        assert_eq!(zone_label(chrono_tz::Asia::Jakarta), "WIB");
    }
}
