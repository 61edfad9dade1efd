//! Open data for the command center: the daily figures per day and clinic (and per
//! station), the live figures of today, and the daily push. No row carries a name, NIK,
//! record number, booking code or contact; a group of fewer than 5 patients shows counts
//! only, never times.
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::json;

use super::AppState;
use crate::db::PgConnection;
use crate::db::catalogue;
use crate::db::notifications::{self, NewJob};
use crate::db::open_data::{self as rows, ComplaintTimes, SessionFacts};
use crate::db::timings::{self, StepTimes, VisitTimes};
use crate::domain::Invalid;
use crate::domain::kinds::{Channel, SessionStatus};
use crate::domain::rules::local_datetime;
use crate::domain::visit_status::VisitStatus;
use crate::domain::waits::{Spread, minutes_between, percentile};
use crate::error::{AppError, AppResult};

/// Fewer patients than this: counts only.
pub const SMALL_GROUP: usize = 5;
/// The longest range one request may ask for, in days.
pub const MAX_DAYS: i64 = 366;

/// The CSV header: the field names of a row, in order (the public contract).
pub const FIELDS: [&str; 22] = [
    "date",
    "clinic",
    "station",
    "booked_online",
    "booked_jkn",
    "booked_kiosk",
    "booked_counter",
    "quota_offered",
    "served",
    "no_shows",
    "wait_median_min",
    "wait_p90_min",
    "within_60_share",
    "service_median_min",
    "punctuality_median_min",
    "sessions_cancelled",
    "patients_affected",
    "complaints_received",
    "complaints_closed",
    "complaints_overdue",
    "feedback_count",
    "rating_mean",
];

/// One row of the feed: a day and a clinic, or a day and a station (pharmacy per lane,
/// `FARMASI/racikan`), or the day's complaints tied to no clinic (both empty).
#[derive(Debug, Clone, Default, Serialize, PartialEq, utoipa::ToSchema)]
pub struct DailyRow {
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub clinic: Option<String>,
    pub station: Option<String>,
    pub booked_online: usize,
    pub booked_jkn: usize,
    pub booked_kiosk: usize,
    pub booked_counter: usize,
    pub quota_offered: i64,
    pub served: usize,
    pub no_shows: usize,
    pub wait_median_min: Option<f64>,
    pub wait_p90_min: Option<f64>,
    pub within_60_share: Option<f64>,
    pub service_median_min: Option<f64>,
    pub punctuality_median_min: Option<f64>,
    pub sessions_cancelled: usize,
    pub patients_affected: i64,
    pub complaints_received: usize,
    pub complaints_closed: usize,
    pub complaints_overdue: usize,
    pub feedback_count: i64,
    pub rating_mean: Option<f64>,
}

impl DailyRow {
    /// The row's cells in [`FIELDS`] order, as CSV text (dot decimals, empty for none).
    pub fn cells(&self) -> Vec<String> {
        let n =
            |v: Option<f64>, places: usize| v.map(|x| format!("{x:.places$}")).unwrap_or_default();
        vec![
            self.date.to_string(),
            self.clinic.clone().unwrap_or_default(),
            self.station.clone().unwrap_or_default(),
            self.booked_online.to_string(),
            self.booked_jkn.to_string(),
            self.booked_kiosk.to_string(),
            self.booked_counter.to_string(),
            self.quota_offered.to_string(),
            self.served.to_string(),
            self.no_shows.to_string(),
            n(self.wait_median_min, 1),
            n(self.wait_p90_min, 1),
            n(self.within_60_share, 3),
            n(self.service_median_min, 1),
            n(self.punctuality_median_min, 1),
            self.sessions_cancelled.to_string(),
            self.patients_affected.to_string(),
            self.complaints_received.to_string(),
            self.complaints_closed.to_string(),
            self.complaints_overdue.to_string(),
            self.feedback_count.to_string(),
            n(self.rating_mean, 2),
        ]
    }
}

fn round(v: Option<f64>, places: i32) -> Option<f64> {
    let f = 10f64.powi(places);
    v.map(|x| (x * f).round() / f)
}

/// Waits and service times of a group, or nothing when the group is small.
fn times(row: &mut DailyRow, waits: &[f64], services: &[f64]) {
    if waits.len() >= SMALL_GROUP {
        let wait = Spread::of(waits);
        row.wait_median_min = round(wait.median, 1);
        row.wait_p90_min = round(wait.p90, 1);
        row.within_60_share = round(wait.within, 3);
    }
    if services.len() >= SMALL_GROUP {
        row.service_median_min = round(Spread::of(services).median, 1);
    }
}

/// A checked range of days.
#[derive(Debug, Clone, Copy)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

fn bad_date(field: &'static str) -> AppError {
    AppError::fields(vec![(
        field,
        Invalid::new(
            "invalid_date",
            "Tanggal harus berformat YYYY-MM-DD.",
            "Dates must be written YYYY-MM-DD.",
        ),
    )])
}

impl Range {
    /// `from`/`to` as given (`YYYY-MM-DD`); a missing `to` is today, a missing `from` is
    /// `to`. Longer than a year → 422 `range_too_long`.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: NaiveDate) -> AppResult<Range> {
        let day = |s: Option<&str>, field| match s.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => {
                NaiveDate::parse_from_str(s, "%Y-%m-%d").map(Some).map_err(|_| bad_date(field))
            }
        };
        let to = day(to, "to")?.unwrap_or(today);
        let from = day(from, "from")?.unwrap_or(to);
        if from > to {
            return Err(AppError::unprocessable(
                "invalid_range",
                "Tanggal 'from' harus sebelum atau sama dengan 'to'.",
                "'from' must be on or before 'to'.",
            ));
        }
        if (to - from).num_days() + 1 > MAX_DAYS {
            return Err(AppError::unprocessable(
                "range_too_long",
                "Rentang tanggal terlalu panjang: paling lama satu tahun (366 hari) per permintaan. Bagi menjadi beberapa permintaan.",
                "The date range is too long: at most one year (366 days) per request. Split it into several requests.",
            ));
        }
        Ok(Range { from, to })
    }

    pub fn days(self) -> impl Iterator<Item = NaiveDate> {
        self.from.iter_days().take_while(move |d| *d <= self.to)
    }
}

struct Day<'a> {
    visits: Vec<&'a VisitTimes>,
    sessions: Vec<&'a SessionFacts>,
}

fn clinic_row(date: NaiveDate, code: &str, d: &Day<'_>, tz: Tz) -> DailyRow {
    let mut row = DailyRow { date, clinic: Some(code.to_string()), ..DailyRow::default() };
    for v in &d.visits {
        match v.channel {
            Channel::Online => row.booked_online += 1,
            Channel::Jkn => row.booked_jkn += 1,
            Channel::Kiosk => row.booked_kiosk += 1,
            Channel::Counter => row.booked_counter += 1,
        }
        match v.status {
            VisitStatus::Done => row.served += 1,
            VisitStatus::NoShow => row.no_shows += 1,
            _ => {}
        }
    }
    let waits: Vec<f64> =
        d.visits.iter().filter_map(|v| minutes_between(v.checked_in_at, v.first_call)).collect();
    let services: Vec<f64> =
        d.visits.iter().filter_map(|v| minutes_between(v.started_at, v.finished_at)).collect();
    times(&mut row, &waits, &services);
    let mut late = Vec::new();
    for s in &d.sessions {
        if s.status == SessionStatus::Cancelled {
            row.sessions_cancelled += 1;
            row.patients_affected += s.cancelled_visits;
            continue;
        }
        row.quota_offered += i64::from(s.quota);
        if let Some(l) = lateness(s, tz) {
            late.push(l);
        }
    }
    row.punctuality_median_min = round(percentile(&late, 50.0), 1);
    row
}

/// Minutes from a session's scheduled start to its first call (negative: early).
fn lateness(s: &SessionFacts, tz: Tz) -> Option<f64> {
    let start = local_datetime(tz, s.service_date, s.starts_at).with_timezone(&Utc);
    s.first_call.map(|c| (c - start).num_seconds() as f64 / 60.0)
}

fn station_row(date: NaiveDate, place: &str, steps: &[&StepTimes]) -> DailyRow {
    let mut row = DailyRow { date, station: Some(place.to_string()), ..DailyRow::default() };
    row.served = steps.iter().filter(|s| s.status == "done").count();
    let waits: Vec<f64> =
        steps.iter().filter_map(|s| minutes_between(Some(s.created_at), s.called_at)).collect();
    let services: Vec<f64> =
        steps.iter().filter_map(|s| minutes_between(s.started_at, s.finished_at)).collect();
    times(&mut row, &waits, &services);
    row
}

/// Complaint counts of a local day `[start, next)`: received that day, resolved or closed
/// that day, and open past their due time at `cutoff` (the day's end, or now for today).
fn complaint_counts(
    row: &mut DailyRow,
    list: &[&ComplaintTimes],
    (start, next, cutoff): (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>),
) {
    row.complaints_received =
        list.iter().filter(|c| c.received_at >= start && c.received_at < next).count();
    row.complaints_closed =
        list.iter().filter(|c| c.settled_at.is_some_and(|s| s >= start && s < next)).count();
    row.complaints_overdue = list
        .iter()
        .filter(|c| c.due_at <= cutoff && c.settled_at.is_none_or(|s| s > cutoff))
        .count();
}

/// The rows of a range, optionally of one clinic (by code), as of `now`.
pub fn daily_rows(
    conn: &mut PgConnection,
    tz: Tz,
    now: DateTime<Utc>,
    range: Range,
    clinic: Option<&str>,
) -> AppResult<Vec<DailyRow>> {
    let clinics: BTreeMap<i32, String> =
        catalogue::list_clinics(conn)?.into_iter().map(|c| (c.id, c.code)).collect();
    let only = match clinic.map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(code) => Some(
            clinics
                .iter()
                .find(|(_, c)| c.eq_ignore_ascii_case(code))
                .map(|(id, _)| *id)
                .ok_or_else(|| {
                    AppError::not_found("unknown_clinic", "Poli tidak dikenal.", "Unknown clinic.")
                })?,
        ),
    };
    let visits = timings::visits_between(conn, range.from, range.to)?;
    let sessions = rows::sessions_between(conn, range.from, range.to)?;
    let ratings = rows::ratings_between(conn, range.from, range.to)?;
    let steps = if only.is_none() {
        timings::steps_between(conn, (range.from, range.to), None)?
    } else {
        Vec::new()
    };
    let start_of = |d: NaiveDate| local_datetime(tz, d, NaiveTime::MIN).with_timezone(&Utc);
    let complaints = rows::complaints_bearing_on(
        conn,
        start_of(range.from),
        start_of(range.to + Duration::days(1)),
    )?;

    let mut days: BTreeMap<(NaiveDate, i32), Day<'_>> = BTreeMap::new();
    let wanted = |id: i32| only.is_none_or(|o| o == id);
    for v in visits.iter().filter(|v| wanted(v.clinic_id)) {
        days.entry((v.service_date, v.clinic_id))
            .or_insert_with(|| Day { visits: Vec::new(), sessions: Vec::new() })
            .visits
            .push(v);
    }
    for s in sessions.iter().filter(|s| wanted(s.clinic_id)) {
        days.entry((s.service_date, s.clinic_id))
            .or_insert_with(|| Day { visits: Vec::new(), sessions: Vec::new() })
            .sessions
            .push(s);
    }
    let mut out = Vec::new();
    for date in range.days() {
        let (start, next) = (start_of(date), start_of(date + Duration::days(1)));
        let bounds = (start, next, next.min(now));
        let mut keys: BTreeSet<i32> =
            days.range((date, i32::MIN)..=(date, i32::MAX)).map(|((_, c), _)| *c).collect();
        keys.extend(
            ratings
                .iter()
                .filter(|r| r.service_date == date && wanted(r.clinic_id))
                .map(|r| r.clinic_id),
        );
        keys.extend(complaints.iter().filter_map(|c| c.clinic_id).filter(|id| wanted(*id)));
        let empty = Day { visits: Vec::new(), sessions: Vec::new() };
        let mut by_code: Vec<(String, i32)> = keys
            .into_iter()
            .map(|id| (clinics.get(&id).cloned().unwrap_or_default(), id))
            .collect();
        by_code.sort();
        for (code, id) in by_code {
            let mut row = clinic_row(date, &code, days.get(&(date, id)).unwrap_or(&empty), tz);
            let of: Vec<&ComplaintTimes> =
                complaints.iter().filter(|c| c.clinic_id == Some(id)).collect();
            complaint_counts(&mut row, &of, bounds);
            if let Some(r) = ratings.iter().find(|r| r.service_date == date && r.clinic_id == id) {
                row.feedback_count = r.count;
                if r.count >= SMALL_GROUP as i64 {
                    row.rating_mean = round(Some(r.mean), 2);
                }
            }
            if row != (DailyRow { date, clinic: Some(code.clone()), ..DailyRow::default() }) {
                out.push(row);
            }
        }
        if only.is_none() {
            let mut places: BTreeMap<String, Vec<&StepTimes>> = BTreeMap::new();
            for s in steps.iter().filter(|s| s.service_date == date) {
                let place = match &s.lane {
                    Some(lane) => format!("{}/{lane}", s.code),
                    None => s.code.clone(),
                };
                places.entry(place).or_default().push(s);
            }
            for (place, list) in places {
                out.push(station_row(date, &place, &list));
            }
            let loose: Vec<&ComplaintTimes> =
                complaints.iter().filter(|c| c.clinic_id.is_none()).collect();
            let mut row = DailyRow { date, ..DailyRow::default() };
            complaint_counts(&mut row, &loose, bounds);
            if row != (DailyRow { date, ..DailyRow::default() }) {
                out.push(row);
            }
        }
    }
    Ok(out)
}

pub async fn daily(
    st: &AppState,
    range: Range,
    clinic: Option<String>,
) -> AppResult<Vec<DailyRow>> {
    let (tz, now) = (st.tz(), st.now());
    super::read(st, move |conn| daily_rows(conn, tz, now, range, clinic.as_deref())).await
}

/// Who waits now at one place, and for how long the longest (hidden under 5 waiting).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LivePlace {
    pub code: String,
    pub waiting: i64,
    pub longest_wait_min: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Today {
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
    pub clinics: Vec<LivePlace>,
    pub stations: Vec<LivePlace>,
    pub waiting: i64,
    pub longest_wait_min: Option<i64>,
}

fn live(list: Vec<rows::WaitingNow>, now: DateTime<Utc>) -> Vec<LivePlace> {
    list.into_iter()
        .map(|w| LivePlace {
            longest_wait_min: w
                .since
                .filter(|_| w.waiting >= SMALL_GROUP as i64)
                .map(|s| (now - s).num_minutes().max(0)),
            code: w.place,
            waiting: w.waiting,
        })
        .collect()
}

pub async fn today(st: &AppState) -> AppResult<Today> {
    let (date, now) = (st.today(), st.now());
    super::read(st, move |conn| {
        let clinics = live(rows::waiting_by_clinic(conn, date)?, now);
        let stations = live(rows::waiting_by_station(conn, date)?, now);
        let waiting = clinics.iter().chain(&stations).map(|p| p.waiting).sum();
        let longest = clinics.iter().chain(&stations).filter_map(|p| p.longest_wait_min).max();
        Ok(Today { date, at: now, clinics, stations, waiting, longest_wait_min: longest })
    })
    .await
}

/// Doctors more than `limit` minutes late on average at their first call over `range`:
/// (doctor, clinic code, mean minutes late).
pub fn late_doctors(
    conn: &mut PgConnection,
    tz: Tz,
    range: Range,
    limit: f64,
) -> AppResult<Vec<(String, String, f64)>> {
    let clinics: BTreeMap<i32, String> =
        catalogue::list_clinics(conn)?.into_iter().map(|c| (c.id, c.code)).collect();
    let mut by: BTreeMap<(String, i32), Vec<f64>> = BTreeMap::new();
    for s in rows::sessions_between(conn, range.from, range.to)? {
        if s.status == SessionStatus::Cancelled {
            continue;
        }
        if let Some(l) = lateness(&s, tz) {
            by.entry((s.doctor.clone(), s.clinic_id)).or_default().push(l);
        }
    }
    Ok(by
        .into_iter()
        .filter_map(|((doctor, clinic), late)| {
            let mean = late.iter().sum::<f64>() / late.len() as f64;
            (mean > limit)
                .then(|| (doctor, clinics.get(&clinic).cloned().unwrap_or_default(), mean))
        })
        .collect())
}

/// The daily push: from `push_at` (local) on, yesterday's rows are put in the outbox
/// once (dedupe key per day), to be POSTed to the command center and retried until it
/// accepts them. Safe to run often and from several workers.
pub fn schedule_push(
    conn: &mut PgConnection,
    (url, push_at): (&str, NaiveTime),
    tz: Tz,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let local = now.with_timezone(&tz);
    if local.time() < push_at {
        return Ok(0);
    }
    let yesterday = local.date_naive() - Duration::days(1);
    let key = format!("opendata_push:{yesterday}");
    let range = Range { from: yesterday, to: yesterday };
    let rows = daily_rows(conn, tz, now, range, None)?;
    let job = NewJob {
        kind: "opendata_push".into(),
        visit_id: None,
        channel: "opendata".into(),
        recipient: url.to_string(),
        payload: json!({ "date": yesterday, "fields": FIELDS, "rows": rows }),
        dedupe_key: key.clone(),
        run_at: now,
        created_at: now,
        updated_at: now,
    };
    let added = notifications::enqueue(conn, &[job])?;
    if added > 0 {
        rows::keep_trying(conn, &key, 1000)?;
    }
    Ok(added)
}
