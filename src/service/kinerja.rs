//! The public performance dashboard (`/kinerja`): today per clinic, the last 30 days per
//! clinic, and the red flags a leader watches — a clinic under the 80 % target, a doctor
//! more than 30 minutes late on average over the week, complaints overdue. Read from the
//! open-data figures: no personal data.
use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};

use super::AppState;
use super::open_data::{self, DailyRow, Range};
use crate::db::{catalogue, complaints};
use crate::domain::waits::TARGET_SHARE;
use crate::error::AppResult;

/// Days shown in the charts.
pub const DAYS: i64 = 30;
/// A doctor later than this on average over the week is flagged.
pub const LATE_MINUTES: f64 = 30.0;

#[derive(Debug, Clone)]
pub struct ClinicPanel {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub waiting: i64,
    pub longest_wait_min: Option<i64>,
    /// Oldest first, one per day of the last [`DAYS`] (missing days: `None` values).
    pub days: Vec<(NaiveDate, Option<DailyRow>)>,
    /// Mean of the daily 60-minute shares over the last 7 days with figures.
    pub week_share: Option<f64>,
}

impl ClinicPanel {
    pub fn under_target(&self) -> bool {
        self.week_share.is_some_and(|s| s < TARGET_SHARE)
    }
}

#[derive(Debug, Clone)]
pub struct Dashboard {
    pub today: NaiveDate,
    pub clinics: Vec<ClinicPanel>,
    /// (doctor, clinic code, mean minutes late) over the last 7 days.
    pub late_doctors: Vec<(String, String, f64)>,
    pub complaints_overdue: i64,
}

pub async fn dashboard(st: &AppState) -> AppResult<Dashboard> {
    let (tz, now, today) = (st.tz(), st.now(), st.today());
    let live = open_data::today(st).await?;
    super::read(st, move |conn| {
        let range = Range { from: today - Duration::days(DAYS - 1), to: today };
        let rows = open_data::daily_rows(conn, tz, now, range, None)?;
        let mut by: BTreeMap<(String, NaiveDate), DailyRow> = BTreeMap::new();
        for r in rows {
            if let (Some(code), None) = (r.clinic.clone(), &r.station) {
                by.insert((code, r.date), r);
            }
        }
        let week = Range { from: today - Duration::days(6), to: today };
        let clinics = catalogue::list_clinics(conn)?
            .into_iter()
            .filter(|c| c.active)
            .map(|c| {
                let days: Vec<(NaiveDate, Option<DailyRow>)> =
                    range.days().map(|d| (d, by.get(&(c.code.clone(), d)).cloned())).collect();
                let shares: Vec<f64> = days
                    .iter()
                    .filter(|(d, _)| *d >= week.from)
                    .filter_map(|(_, r)| r.as_ref().and_then(|r| r.within_60_share))
                    .collect();
                let place = live.clinics.iter().find(|p| p.code == c.code);
                ClinicPanel {
                    waiting: place.map(|p| p.waiting).unwrap_or(0),
                    longest_wait_min: place.and_then(|p| p.longest_wait_min),
                    week_share: (!shares.is_empty())
                        .then(|| shares.iter().sum::<f64>() / shares.len() as f64),
                    days,
                    code: c.code,
                    name_en: if c.name_en.is_empty() { c.name.clone() } else { c.name_en },
                    name: c.name,
                }
            })
            .collect();
        Ok(Dashboard {
            today,
            clinics,
            late_doctors: open_data::late_doctors(conn, tz, week, LATE_MINUTES)?,
            complaints_overdue: complaints::overdue_count(conn, now)?,
        })
    })
    .await
}
