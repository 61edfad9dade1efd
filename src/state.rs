//! What every handler and service command can reach: the pool, the settings, the clock and
//! this node's live-update hub. Built once by `main` or the tests.
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::clock::SharedClock;
use crate::config::Settings;
use crate::db::PgPool;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub settings: Arc<Settings>,
    pub clock: SharedClock,
    /// Live updates of this node: LISTEN connection and SSE fan-out (`crate::realtime`).
    pub live: crate::realtime::Hub,
    /// Rate limits of this node (`crate::limits`).
    pub limits: Arc<crate::limits::Limiter>,
    /// Outbound BPJS calls of the national-platform commands (`service::bpjs_link`);
    /// None when BPJS is not configured.
    pub bpjs_link: crate::service::bpjs_link::SharedLink,
}

impl AppState {
    /// Every constructor goes through here (production and tests), so a field added to
    /// the state is set up in one place.
    pub fn new(pool: PgPool, settings: Settings, clock: SharedClock) -> AppState {
        let limits = Arc::new(crate::limits::Limiter::new(&settings.limits, clock.clone()));
        let bpjs_link = crate::jkn::national::link(&settings);
        AppState {
            pool,
            settings: Arc::new(settings),
            clock,
            live: crate::realtime::Hub::new(),
            limits,
            bpjs_link,
        }
    }
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
    pub fn tz(&self) -> Tz {
        self.settings.timezone
    }
    pub fn local_now(&self) -> DateTime<Tz> {
        self.now().with_timezone(&self.tz())
    }
    /// Today in the hospital's time zone (not UTC, not the server's zone).
    pub fn today(&self) -> NaiveDate {
        self.local_now().date_naive()
    }
}
