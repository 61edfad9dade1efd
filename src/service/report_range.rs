//! The staff report over a range of days (a day, a week, a month, up to a year): one line
//! per clinic session and day, and the total over the range, for the spreadsheet exports.
use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::reports::{Figures, figures};
use crate::db::reports::{self, Timing};
use crate::db::{self, PgPool, sessions};
use crate::domain::staff::{Role, StaffIdentity as Staff};
use crate::error::AppResult;
use crate::service::Access;
use crate::service::open_data::Range;

/// One session of one day, with its figures.
#[derive(Debug, Clone)]
pub struct Line {
    pub date: NaiveDate,
    pub figures: Figures,
}

#[derive(Debug, Clone)]
pub struct RangeReport {
    pub range: Range,
    pub lines: Vec<Line>,
    /// Over every line of the range (medians of all the waits, not of the days).
    pub total: Figures,
}

/// The figures of every session of `range` this account sees, optionally of one clinic.
pub async fn over(
    pool: &PgPool,
    staff: &Staff,
    range: Range,
    clinic: Option<String>,
) -> AppResult<RangeReport> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let viewer = staff.clone();
    db::run(pool, move |conn| {
        let mut lines = Vec::new();
        let mut all: Vec<Timing> = Vec::new();
        for date in range.days() {
            let list: Vec<_> = sessions::list(conn, date, clinic.as_deref())?
                .into_iter()
                .filter(|s| viewer.may_see_clinic(s.clinic.id))
                .collect();
            let timings = reports::daily_timings(conn, date)?;
            let mut by_session: BTreeMap<i32, Vec<&Timing>> = BTreeMap::new();
            for t in &timings {
                by_session.entry(t.session_id).or_default().push(t);
            }
            for s in &list {
                let mut f =
                    figures(by_session.get(&s.session.id).map(Vec::as_slice).unwrap_or(&[]));
                f.clinic = s.clinic.name.clone();
                f.doctor = s.doctor.name.clone();
                f.hours = s.hours();
                f.label = format!("{} {}", s.clinic.prefix, s.session.starts_at.format("%H:%M"));
                lines.push(Line { date, figures: f });
            }
            let ids: Vec<i32> = list.iter().map(|s| s.session.id).collect();
            all.extend(timings.into_iter().filter(|t| ids.contains(&t.session_id)));
        }
        let refs: Vec<&Timing> = all.iter().collect();
        Ok(RangeReport { range, lines, total: figures(&refs) })
    })
    .await
}
