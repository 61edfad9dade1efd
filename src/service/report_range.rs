//! The staff report over a range of days (a day, a week, a month, any range up to a
//! year): one line per clinic session and day, the figures per clinic and per day, the
//! total over the range, and the whole visit (stations, arrival to leaving, BPJS tasks).
//! The report page and the spreadsheet exports read it.
use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::reports::{Figures, figures, visible_clinics};
use super::whole_visit::{self, WholeVisit};
use crate::db::models::Clinic;
use crate::db::reports::Timing;
use crate::db::{self, PgPool, sessions, timings};
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

/// One clinic over the range: its figures and how many sessions it held.
#[derive(Debug, Clone)]
pub struct ClinicLine {
    pub sessions: usize,
    pub figures: Figures,
}

#[derive(Debug, Clone)]
pub struct RangeReport {
    pub range: Range,
    pub lines: Vec<Line>,
    /// Per clinic over the range, by name.
    pub by_clinic: Vec<ClinicLine>,
    /// Every day of the range with its sessions' total.
    pub by_day: Vec<Line>,
    /// Over every line of the range (medians of all the waits, not of the days).
    pub total: Figures,
    pub whole_visit: WholeVisit,
    /// The clinics this account may report on, by name.
    pub clinics: Vec<Clinic>,
}

/// The figures of every session of `range` this account sees, optionally of one clinic
/// (by code).
pub async fn over(
    pool: &PgPool,
    staff: &Staff,
    range: Range,
    clinic: Option<String>,
) -> AppResult<RangeReport> {
    staff.require(&[Role::Admin, Role::Clinic])?;
    let viewer = staff.clone();
    db::run(pool, move |conn| {
        let clinics = visible_clinics(conn, &viewer)?;
        let visits = timings::visits_between(conn, range.from, range.to)?;
        let mut by_session: BTreeMap<i32, Vec<&Timing>> = BTreeMap::new();
        for t in &visits {
            by_session.entry(t.session_id).or_default().push(t);
        }
        let mut lines = Vec::new();
        let mut by_day = Vec::new();
        let mut all: Vec<&Timing> = Vec::new();
        let mut per_clinic: BTreeMap<String, (usize, Vec<&Timing>, Figures)> = BTreeMap::new();
        for date in range.days() {
            let list: Vec<_> = sessions::list(conn, date, clinic.as_deref())?
                .into_iter()
                .filter(|s| viewer.may_see_clinic(s.clinic.id))
                .collect();
            let mut day: Vec<&Timing> = Vec::new();
            for s in &list {
                let of = by_session.get(&s.session.id).map(Vec::as_slice).unwrap_or(&[]);
                let mut f = figures(of);
                f.clinic = s.clinic.name.clone();
                f.doctor = s.doctor.name.clone();
                f.hours = s.hours();
                f.label = format!("{} {}", s.clinic.prefix, s.session.starts_at.format("%H:%M"));
                lines.push(Line { date, figures: f });
                day.extend_from_slice(of);
                let entry = per_clinic.entry(s.clinic.name.clone()).or_insert_with(|| {
                    let head = Figures {
                        label: s.clinic.prefix.clone(),
                        clinic: s.clinic.name.clone(),
                        ..Figures::default()
                    };
                    (0, Vec::new(), head)
                });
                entry.0 += 1;
                entry.1.extend_from_slice(of);
            }
            by_day.push(Line { date, figures: figures(&day) });
            all.extend(day);
        }
        let by_clinic = per_clinic
            .into_values()
            .map(|(sessions, of, head)| ClinicLine {
                sessions,
                figures: Figures { label: head.label, clinic: head.clinic, ..figures(&of) },
            })
            .collect();
        let wanted = match clinic.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => Some(
                clinics
                    .iter()
                    .filter(|c| c.code.eq_ignore_ascii_case(code))
                    .map(|c| c.id)
                    .collect(),
            ),
            None if viewer.role == Role::Clinic => Some(viewer.clinic_ids.clone()),
            None => None,
        };
        let whole_visit = whole_visit::read(conn, range, wanted)?;
        Ok(RangeReport {
            range,
            lines,
            by_clinic,
            by_day,
            total: figures(&all),
            whole_visit,
            clinics,
        })
    })
    .await
}
