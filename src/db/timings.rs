//! The measured times every report is made of, read in one place: the polyclinic visits
//! (check-in, first call, start, finish), the station steps (ticket, call, start, ready,
//! finish) and a visit's moments as BPJS tasks 1–7 count them. The daily and range
//! reports, the whole-visit view and the open-data feed all read these; medians, p90 and
//! shares are computed from them in `domain::waits`. No name, NIK, record number or
//! contact in any row.
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Date, Int4, Nullable, Text, Timestamptz};

use crate::domain::kinds::Channel;
use crate::domain::visit_status::VisitStatus;
use crate::error::AppResult;

/// One polyclinic visit: its session, channel, state and times.
#[derive(Debug, Clone, QueryableByName)]
pub struct VisitTimes {
    #[diesel(sql_type = Int4)]
    pub session_id: i32,
    #[diesel(sql_type = Int4)]
    pub clinic_id: i32,
    #[diesel(sql_type = Date)]
    pub service_date: NaiveDate,
    #[diesel(sql_type = Text)]
    pub channel: Channel,
    #[diesel(sql_type = Text)]
    pub status: VisitStatus,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub checked_in_at: Option<DateTime<Utc>>,
    /// The first call (a recall does not count).
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub first_call: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub started_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub finished_at: Option<DateTime<Utc>>,
}

/// The visits of the service dates `from..=to`.
pub fn visits_between(
    conn: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<VisitTimes>> {
    Ok(diesel::sql_query(
        "SELECT v.session_id, v.clinic_id, v.service_date, v.channel, v.status,
                v.checked_in_at, v.started_at, v.finished_at,
                (SELECT min(e.created_at) FROM visit_events e
                 WHERE e.visit_id = v.id AND e.kind = 'call') AS first_call
         FROM visits v WHERE v.service_date BETWEEN $1 AND $2",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .load(conn)?)
}

/// One station step (registration counter, pharmacy lane, cashier …) with its station.
#[derive(Debug, Clone, QueryableByName)]
pub struct StepTimes {
    /// The station's code, `FARMASI`.
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    /// The station's kind (`registration`, `pharmacy`, …).
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub lane: Option<String>,
    #[diesel(sql_type = Date)]
    pub service_date: NaiveDate,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub called_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub started_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub ready_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub finished_at: Option<DateTime<Utc>>,
}

/// The steps of `from..=to` (of visits of `clinics`, or every step — also registration
/// tickets not yet forwarded — when `None`), by station code, oldest first.
pub fn steps_between(
    conn: &mut PgConnection,
    (from, to): (NaiveDate, NaiveDate),
    clinics: Option<Vec<i32>>,
) -> AppResult<Vec<StepTimes>> {
    Ok(diesel::sql_query(
        "SELECT s.code, s.name, s.kind, t.lane, t.service_date, t.status, t.created_at,
                t.called_at, t.started_at, t.ready_at, t.finished_at
         FROM visit_steps t JOIN stations s ON s.id = t.station_id
         LEFT JOIN visits v ON v.id = t.visit_id
         WHERE t.service_date BETWEEN $1 AND $2
           AND ($3::int4[] IS NULL OR v.clinic_id = ANY($3))
         ORDER BY s.code, t.id",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<Nullable<Array<Int4>>, _>(clinics)
    .load(conn)?)
}

/// The moments of one visit, as BPJS tasks 1–7 measure them: registration ticket taken
/// (1) and called (2), polyclinic check-in (3), start (4), finish (5), pharmacy preparing
/// (6) and handed over (7); and when the visit left (last step done).
#[derive(Debug, Clone, QueryableByName)]
pub struct VisitMoments {
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub t1: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub t2: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub t3: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub t4: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub t5: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub t6: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub t7: Option<DateTime<Utc>>,
    /// Leaving: the last step's finish (or the polyclinic's), when nothing is open.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub left_at: Option<DateTime<Utc>>,
}

impl VisitMoments {
    /// The moment of BPJS task `n` (1–7).
    pub fn task(&self, n: u8) -> Option<DateTime<Utc>> {
        match n {
            1 => self.t1,
            2 => self.t2,
            3 => self.t3,
            4 => self.t4,
            5 => self.t5,
            6 => self.t6,
            7 => self.t7,
            _ => None,
        }
    }
}

/// The moments of the visits of `from..=to` (of `clinics`, or all when `None`).
pub fn moments_between(
    conn: &mut PgConnection,
    (from, to): (NaiveDate, NaiveDate),
    clinics: Option<Vec<i32>>,
) -> AppResult<Vec<VisitMoments>> {
    Ok(diesel::sql_query(
        "SELECT r.created_at AS t1, r.called_at AS t2, v.checked_in_at AS t3,
                v.started_at AS t4, v.finished_at AS t5, p.started_at AS t6, p.finished_at AS t7,
                CASE WHEN v.status = 'done' AND NOT EXISTS (
                         SELECT 1 FROM visit_steps o WHERE o.visit_id = v.id
                           AND o.status IN ('waiting', 'called', 'serving', 'ready', 'skipped'))
                     THEN greatest(v.finished_at,
                                   (SELECT max(f.finished_at) FROM visit_steps f WHERE f.visit_id = v.id),
                                   -- a second consultation after the lab: its own finish
                                   (SELECT max(e.created_at) FROM visit_events e
                                    WHERE e.visit_id = v.id AND e.kind = 'finish'))
                END AS left_at
         FROM visits v
         LEFT JOIN LATERAL (SELECT s.created_at, s.called_at FROM visit_steps s
                            JOIN stations st ON st.id = s.station_id
                            WHERE s.visit_id = v.id AND st.kind = 'registration'
                            ORDER BY s.id LIMIT 1) r ON true
         LEFT JOIN LATERAL (SELECT s.started_at, s.finished_at FROM visit_steps s
                            JOIN stations st ON st.id = s.station_id
                            WHERE s.visit_id = v.id AND st.kind = 'pharmacy'
                            ORDER BY s.id DESC LIMIT 1) p ON true
         WHERE v.service_date BETWEEN $1 AND $2
           AND ($3::int4[] IS NULL OR v.clinic_id = ANY($3))",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<Nullable<Array<Int4>>, _>(clinics)
    .load(conn)?)
}
