//! The node's status projection: what every patient's phone polls (`GET
//! /api/v1/bookings/{code}`), answered from memory.
//!
//! Each node keeps, per clinic session, the session with its clinic and doctor, who is being
//! served, the doctor's recent services and every visit of the session, read in one indexed
//! statement ([`db::standing::session`]). A status read finds its visit there, counts the
//! patients ahead with the same rules as [`db::visits::position_of`] and works out the
//! estimate for `now`, without a database connection.
//!
//! It stays correct with several nodes because it is fed by the node's LISTEN stream
//! (`crate::realtime::Hub`): every visit event of a session, from any node, makes that
//! session's projection stale (it is read again on the next poll). A projection read before
//! the event arrived is never used after it: every event takes a number from a counter, and
//! a projection keeps the counter's value from before its read. While the LISTEN connection
//! is down nothing is served from memory, and when it is back every projection is dropped.
//! Changes that send no visit event (a session's hours edited, a doctor's service measured
//! in another session) are picked up within [`TTL`]. Visits with a journey beyond the
//! polyclinic (steps at stations, a referral) are always read from the database.
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use diesel::PgConnection;

use super::queue::Standing;
use crate::db;
use crate::db::models::Visit;
use crate::domain::queue::{estimate, median_service_minutes};
use crate::domain::visit_status::VisitStatus;
use crate::error::AppResult;

/// The longest a projection is used without a visit event of its session.
pub const TTL: Duration = Duration::from_secs(5);
/// A stale projection is read again at most this often; meanwhile a read goes to the
/// database by code (one statement), so a booking storm does not reload a session per poll.
const RELOAD_GAP: Duration = Duration::from_millis(200);
/// Bounds on memory: past these, everything is dropped and read again.
const MAX_SESSIONS: usize = 2_000;
const MAX_CODES: usize = 500_000;

/// One session's projection.
struct Projection {
    read: db::standing::SessionRead,
    /// Visits by booking code (index into `read.visits`).
    by_code: HashMap<String, usize>,
    minutes: f64,
    /// The event counter before the read.
    epoch: u64,
    loaded_at: Instant,
}

#[derive(Default)]
struct Inner {
    sessions: HashMap<i32, Arc<Projection>>,
    /// The counter's value at each session's latest event.
    touched: HashMap<i32, u64>,
    /// When a session's projection was last asked to be read (reload gap).
    loading: HashMap<i32, Instant>,
    /// The session of each booking code seen.
    codes: HashMap<String, i32>,
    /// Projections read before this counter value are void (LISTEN reconnected).
    void_before: u64,
}

/// The per-node status projection. Cheap to share (`Arc`).
#[derive(Default)]
pub struct StandingCache {
    counter: AtomicU64,
    live: AtomicBool,
    inner: RwLock<Inner>,
}

impl StandingCache {
    pub fn new() -> StandingCache {
        StandingCache::default()
    }

    /// A visit event of this session arrived (from any node).
    pub fn touch(&self, session_id: i32) {
        let n = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        inner.touched.insert(session_id, n);
        inner.sessions.remove(&session_id);
    }

    /// This node committed visit events of these sessions: they are stale now, before the
    /// LISTEN stream says so, so the writer's next read already sees its own change.
    pub fn touch_written(&self, sessions: &[i32]) {
        for &id in sessions {
            self.touch(id);
        }
    }

    /// The LISTEN connection came up (`true`) or went down (`false`): either way, every
    /// projection read so far is dropped.
    pub fn set_live(&self, live: bool) {
        let n = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        inner.void_before = n;
        inner.sessions.clear();
        inner.touched.clear();
        inner.loading.clear();
        self.live.store(live, Ordering::SeqCst);
    }

    fn epoch(&self) -> u64 {
        self.counter.load(Ordering::SeqCst)
    }

    fn is_live(&self) -> bool {
        self.live.load(Ordering::SeqCst)
    }

    /// The standing of `code` from memory, when a usable projection has it.
    pub fn lookup(&self, code: &str, tz: Tz, now: DateTime<Utc>) -> Option<Standing> {
        if !self.is_live() {
            return None;
        }
        let projection = {
            let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
            let session_id = inner.codes.get(code)?;
            let p = inner.sessions.get(session_id)?;
            if !usable(&inner, *session_id, p) {
                return None;
            }
            p.clone()
        };
        standing_in(&projection, code, tz, now)
    }

    /// Should this session's projection be read now? (Marks it as being read.)
    fn wants(&self, session_id: i32) -> bool {
        if !self.is_live() {
            return false;
        }
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = inner.sessions.get(&session_id)
            && usable(&inner, session_id, p)
        {
            return false;
        }
        let now = Instant::now();
        if inner.loading.get(&session_id).is_some_and(|t| now.duration_since(*t) < RELOAD_GAP) {
            return false;
        }
        inner.loading.insert(session_id, now);
        true
    }

    fn store(&self, epoch: u64, read: db::standing::SessionRead) -> Arc<Projection> {
        let by_code = read
            .visits
            .iter()
            .enumerate()
            .map(|(i, (v, _))| (v.booking_code.clone(), i))
            .collect::<HashMap<_, _>>();
        let minutes =
            median_service_minutes(&read.service_seconds, read.session.session.service_minutes);
        let session_id = read.session.session.id;
        let projection =
            Arc::new(Projection { read, by_code, minutes, epoch, loaded_at: Instant::now() });
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if inner.sessions.len() >= MAX_SESSIONS || inner.codes.len() >= MAX_CODES {
            inner.sessions.clear();
            inner.codes.clear();
            inner.loading.clear();
        }
        for code in projection.by_code.keys() {
            inner.codes.insert(code.clone(), session_id);
        }
        inner.sessions.insert(session_id, projection.clone());
        projection
    }

    fn remember(&self, code: &str, session_id: i32) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if inner.codes.len() >= MAX_CODES {
            inner.codes.clear();
        }
        inner.codes.insert(code.to_string(), session_id);
    }

    fn session_of(&self, code: &str) -> Option<i32> {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).codes.get(code).copied()
    }
}

/// Read before no later event of its session, after the last reconnect, and young enough.
fn usable(inner: &Inner, session_id: i32, p: &Projection) -> bool {
    p.epoch >= inner.void_before
        && inner.touched.get(&session_id).is_none_or(|t| *t <= p.epoch)
        && p.loaded_at.elapsed() < TTL
}

/// Patients ahead of `visit` among `all`, as [`db::visits::position_of`] counts them.
pub fn position_among<'a>(visit: &Visit, all: impl Iterator<Item = &'a Visit>) -> i64 {
    let ahead = |w: &Visit| match visit.status {
        VisitStatus::Waiting => {
            w.status == VisitStatus::Waiting
                && (w.priority && !visit.priority
                    || (w.priority == visit.priority
                        && (w.sort_key < visit.sort_key
                            || (w.sort_key == visit.sort_key && w.id < visit.id))))
        }
        VisitStatus::Booked => {
            matches!(w.status, VisitStatus::Booked | VisitStatus::Waiting)
                && w.sort_key < visit.sort_key
        }
        _ => false,
    };
    all.filter(|w| ahead(w)).count() as i64
}

/// The standing of `code` in a projection (`None`: not there, or it has a journey).
fn standing_in(p: &Projection, code: &str, tz: Tz, now: DateTime<Utc>) -> Option<Standing> {
    let (visit, has_journey) = &p.read.visits[*p.by_code.get(code)?];
    if *has_journey {
        return None;
    }
    let position = position_among(visit, p.read.visits.iter().map(|(v, _)| v));
    let session = &p.read.session;
    let estimated_at = match visit.status {
        VisitStatus::Booked | VisitStatus::Waiting => {
            estimate(now.with_timezone(&tz), session.starts(tz), position, p.minutes)
                .with_timezone(&Utc)
        }
        _ => visit.called_at.unwrap_or(visit.estimated_at),
    };
    Some(Standing {
        visit: visit.clone(),
        session: session.clone(),
        position,
        now_serving: p.read.now_serving.clone(),
        estimated_at,
        journey: super::journey::Journey::default(),
    })
}

/// The standing of the visit with this booking code, read from the database (inside
/// `db::run`); the session's projection is read too when it is missing or stale, so that
/// the next polls of every code of the session are answered from memory.
pub fn standing_of_code(
    conn: &mut PgConnection,
    cache: &StandingCache,
    tz: Tz,
    now: DateTime<Utc>,
    code: &str,
) -> AppResult<Option<Standing>> {
    if let Some(session_id) = cache.session_of(code)
        && cache.wants(session_id)
    {
        let epoch = cache.epoch();
        if let Some(read) = db::standing::session(conn, session_id)? {
            let projection = cache.store(epoch, read);
            if let Some(standing) = standing_in(&projection, code, tz, now) {
                return Ok(Some(standing));
            }
        }
    }
    let Some(standing) = super::queue::standing_of_code(conn, tz, now, code)? else {
        return Ok(None);
    };
    let session_id = standing.visit.session_id;
    cache.remember(code, session_id);
    if cache.wants(session_id) {
        let epoch = cache.epoch();
        if let Some(read) = db::standing::session(conn, session_id)? {
            cache.store(epoch, read);
        }
    }
    Ok(Some(standing))
}
