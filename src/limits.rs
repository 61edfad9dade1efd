//! Abuse limits per client: public booking, status reads, cancelling, login and every kiosk
//! device each have a rate (GCRA, `governor`) per client address or device. The address is
//! the socket peer; `X-Forwarded-For` counts only when the peer is a trusted proxy
//! (`SIPOLI_TRUSTED_PROXIES`). An exceeded limit answers 429 `rate_limited` with
//! `Retry-After`: JSON under `/api/`, a friendly page elsewhere.
//!
//! These rates are kept per node, in memory: they only smooth bursts. Guessing (birth dates
//! on a booking code, failed logins from an address) is counted in PostgreSQL, across nodes
//! (`db::guesses`).
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::{
    Error, HttpMessage, HttpRequest,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::Method,
    middleware::Next,
    web,
};
use governor::{
    Quota, RateLimiter, clock::Clock as GovernorClock, state::keyed::DefaultKeyedStateStore,
};
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::clock::SharedClock;
use crate::config::SettingsError;

/// A rate: so many requests a minute, with a burst allowance. `per_minute` 0: no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_minute: u32,
    pub burst: u32,
}

impl Rate {
    pub const fn new(per_minute: u32, burst: u32) -> Rate {
        Rate { per_minute, burst }
    }
    pub const OFF: Rate = Rate::new(0, 0);

    fn quota(self) -> Option<Quota> {
        let per_minute = NonZeroU32::new(self.per_minute)?;
        let burst = NonZeroU32::new(self.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Some(Quota::per_minute(per_minute).allow_burst(burst))
    }

    /// `PER_MINUTE/BURST`, e.g. `120/60`; `0` turns the limit off.
    fn parse(name: &'static str, text: &str) -> Result<Rate, SettingsError> {
        let bad =
            || SettingsError { name, problem: format!("expected PER_MINUTE/BURST, got {text:?}") };
        let (rate, burst) = match text.trim().split_once('/') {
            Some((r, b)) => {
                (r.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?)
            }
            None => {
                let r: u32 = text.trim().parse().map_err(|_| bad())?;
                (r, r)
            }
        };
        Ok(Rate::new(rate, burst))
    }
}

/// The limits of one node. Defaults: a hospital's shared Wi-Fi NAT booking 60 times a
/// minute (with its status reads) is never refused; a burst of 200 bookings in 2 seconds
/// is mostly refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitSettings {
    /// `POST /api/v1/bookings`, `POST /daftar` per address.
    pub bookings: Rate,
    /// `GET /api/v1/bookings/{code}`, `/antrean/…` per address.
    pub status_reads: Rate,
    /// `POST /api/v1/bookings/{code}/cancel`, `/antrean/{code}/batal` per address.
    pub cancels: Rate,
    /// `POST /api/v1/auth/login`, `/staff/masuk`, `/api/v1/kiosk/pair`, `/kiosk/pair` per address.
    pub logins: Rate,
    /// `/api/v1/kiosk/*` and kiosk check-ins, per kiosk device (per address without one).
    pub kiosk: Rate,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Wrong birth dates on one booking code before cancelling it is locked.
    pub cancel_guesses: i32,
    pub cancel_lock_minutes: i64,
    /// Failed logins from one address (any usernames) before that address is slowed down.
    pub login_failures: i32,
    pub login_window_minutes: i64,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            bookings: Rate::new(120, 60),
            status_reads: Rate::new(1200, 300),
            cancels: Rate::new(30, 10),
            logins: Rate::new(60, 30),
            kiosk: Rate::new(120, 60),
            trusted_proxies: Vec::new(),
            cancel_guesses: 5,
            cancel_lock_minutes: 15,
            login_failures: 20,
            login_window_minutes: 10,
        }
    }
}

impl LimitSettings {
    /// Read the `SIPOLI_RATE_*`, `SIPOLI_TRUSTED_PROXIES` and guessing settings.
    pub fn from_env() -> Result<LimitSettings, SettingsError> {
        let d = LimitSettings::default();
        let rate = |name: &'static str, default: Rate| match crate::config::var(name) {
            Some(v) => Rate::parse(name, &v),
            None => Ok(default),
        };
        let trusted_proxies = match crate::config::var("SIPOLI_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| {
                    s.trim().parse().map_err(|_| SettingsError {
                        name: "SIPOLI_TRUSTED_PROXIES",
                        problem: format!("not an IP address: {s:?}"),
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(LimitSettings {
            bookings: rate("SIPOLI_RATE_BOOKINGS", d.bookings)?,
            status_reads: rate("SIPOLI_RATE_STATUS", d.status_reads)?,
            cancels: rate("SIPOLI_RATE_CANCELS", d.cancels)?,
            logins: rate("SIPOLI_RATE_LOGINS", d.logins)?,
            kiosk: rate("SIPOLI_RATE_KIOSK", d.kiosk)?,
            trusted_proxies,
            cancel_guesses: crate::config::parsed("SIPOLI_CANCEL_GUESSES", d.cancel_guesses)?,
            cancel_lock_minutes: crate::config::parsed(
                "SIPOLI_CANCEL_LOCK_MINUTES",
                d.cancel_lock_minutes,
            )?,
            login_failures: crate::config::parsed("SIPOLI_LOGIN_FAILURES", d.login_failures)?,
            login_window_minutes: crate::config::parsed(
                "SIPOLI_LOGIN_WINDOW_MINUTES",
                d.login_window_minutes,
            )?,
        })
    }
}

/// The service's clock as governor's: time since the Unix epoch, so tests that move the
/// clock move the limits too.
#[derive(Debug, Clone)]
struct LimitClock(SharedClock);

impl GovernorClock for LimitClock {
    type Instant = Duration;
    fn now(&self) -> Duration {
        let micros = self.0.now().timestamp_micros().max(0).unsigned_abs();
        Duration::from_micros(micros)
    }
}

type Keyed = RateLimiter<
    String,
    DefaultKeyedStateStore<String>,
    LimitClock,
    governor::middleware::NoOpMiddleware<Duration>,
>;

/// What a request is limited as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bucket {
    Booking,
    Status,
    Cancel,
    Login,
    Kiosk,
}

/// The rate limiters of one node.
pub struct Limiter {
    bookings: Option<Keyed>,
    status_reads: Option<Keyed>,
    cancels: Option<Keyed>,
    logins: Option<Keyed>,
    kiosk: Option<Keyed>,
    clock: LimitClock,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Limiter")
    }
}

impl Limiter {
    pub fn new(settings: &LimitSettings, clock: SharedClock) -> Limiter {
        let clock = LimitClock(clock);
        let make = |rate: Rate| {
            rate.quota()
                .map(|q| RateLimiter::new(q, DefaultKeyedStateStore::default(), clock.clone()))
        };
        Limiter {
            bookings: make(settings.bookings),
            status_reads: make(settings.status_reads),
            cancels: make(settings.cancels),
            logins: make(settings.logins),
            kiosk: make(settings.kiosk),
            clock,
        }
    }

    fn of(&self, bucket: Bucket) -> Option<&Keyed> {
        match bucket {
            Bucket::Booking => self.bookings.as_ref(),
            Bucket::Status => self.status_reads.as_ref(),
            Bucket::Cancel => self.cancels.as_ref(),
            Bucket::Login => self.logins.as_ref(),
            Bucket::Kiosk => self.kiosk.as_ref(),
        }
    }

    /// `Err(seconds to wait)` when this key is over its bucket's rate.
    fn check(&self, bucket: Bucket, key: &str) -> Result<(), u64> {
        let Some(limiter) = self.of(bucket) else { return Ok(()) };
        limiter.check_key(&key.to_string()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// Forget clients that have been quiet long enough to be back at a full burst.
    pub fn forget_idle(&self) {
        for l in [&self.bookings, &self.status_reads, &self.cancels, &self.logins, &self.kiosk]
            .into_iter()
            .flatten()
        {
            l.retain_recent();
        }
    }
}

/// The client's address: the socket peer, or the last address in `X-Forwarded-For` that is
/// not a trusted proxy when the peer is one.
pub fn client_address(req: &HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get_all("X-Forwarded-For")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    Some(forwarded.into_iter().rev().find(|a| !trusted.contains(a)).unwrap_or(peer))
}

/// The client address of a request, as the limits middleware found it.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);

/// The client address of this request (the peer when the middleware did not run).
pub fn address_of(req: &HttpRequest) -> Option<IpAddr> {
    req.extensions().get::<ClientAddress>().map(|a| a.0).or_else(|| req.peer_addr().map(|p| p.ip()))
}

fn bucket_of(method: &Method, path: &str) -> Option<Bucket> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let post = *method == Method::POST;
    match segments.as_slice() {
        ["api", "v1", "bookings"] | ["daftar"] if post => Some(Bucket::Booking),
        // Public writes of the patient's voice count as bookings do.
        ["api", "v1", "complaints"] | ["pengaduan"] | ["api", "v1", "feedback"] | ["nilai", _]
            if post =>
        {
            Some(Bucket::Booking)
        }
        ["api", "v1", "complaints", _] | ["pengaduan", _] if !post => Some(Bucket::Status),
        ["api", "v1", "bookings", _, "cancel"] | ["antrean", _, "batal"] if post => {
            Some(Bucket::Cancel)
        }
        // Finding and moving bookings by identity: guessed like a cancel (issue 14).
        ["api", "v1", "bookings", "lookup"]
        | ["api", "v1", "bookings", _, "reschedule"]
        | ["antrean", "cari"]
        | ["antrean", _, "pindah"]
            if post =>
        {
            Some(Bucket::Cancel)
        }
        ["api", "v1", "sessions", _, "waitlist"] | ["api", "v1", "waitlist", ..] if post => {
            Some(Bucket::Booking)
        }
        ["api", "v1", "bookings", _, "check-in"] if post => Some(Bucket::Kiosk),
        ["api", "v1", "bookings", _] | ["antrean", ..] if !post => Some(Bucket::Status),
        ["api", "v1", "auth", "login"]
        | ["staff", "masuk"]
        | ["api", "v1", "kiosk", "pair"]
        | ["kiosk", "pair"]
            if *method != Method::GET || segments.first() == Some(&"kiosk") =>
        {
            Some(Bucket::Login)
        }
        ["api", "v1", "kiosk", ..] => Some(Bucket::Kiosk),
        _ => None,
    }
}

pub use crate::error::rate_limited;

/// Whether requests to this route are counted (and may answer 429); `{param}` segments of
/// a route pattern match any value. For the API description.
pub fn limited(method: &Method, path: &str) -> bool {
    bucket_of(method, path).is_some()
}

/// Middleware: note the client address, and refuse a request over its bucket's rate.
pub async fn limit_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let address = client_address(req.request(), &state.settings.limits.trusted_proxies);
    if let Some(a) = address {
        req.extensions_mut().insert(ClientAddress(a));
    }
    if let Some(bucket) = bucket_of(req.method(), req.path()) {
        let client = address.map(|a| a.to_string()).unwrap_or_default();
        let key = match bucket {
            // A kiosk device is its own client, whatever address it comes from.
            Bucket::Kiosk => crate::auth::kiosk_token_of(req.request())
                .map(|t| format!("kiosk:{}", hex::encode(&Sha256::digest(t.as_bytes())[..12])))
                .unwrap_or(client),
            _ => client,
        };
        if let Err(wait) = state.limits.check(bucket, &key) {
            let error = rate_limited(wait);
            return Ok(if req.path().starts_with("/api/") {
                req.error_response(error)
            } else {
                let lang = crate::pages::page_lang(req.request());
                req.error_response(crate::pages::PageError::new(lang, error))
            });
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_by_route() {
        let (get, post) = (Method::GET, Method::POST);
        assert_eq!(bucket_of(&post, "/api/v1/bookings"), Some(Bucket::Booking));
        assert_eq!(bucket_of(&post, "/daftar"), Some(Bucket::Booking));
        assert_eq!(bucket_of(&get, "/daftar"), None);
        assert_eq!(bucket_of(&get, "/api/v1/bookings/ABCD2345"), Some(Bucket::Status));
        assert_eq!(bucket_of(&get, "/antrean/ABCD2345"), Some(Bucket::Status));
        assert_eq!(bucket_of(&post, "/antrean/ABCD2345/batal"), Some(Bucket::Cancel));
        assert_eq!(bucket_of(&post, "/api/v1/bookings/X/cancel"), Some(Bucket::Cancel));
        assert_eq!(bucket_of(&post, "/api/v1/bookings/X/check-in"), Some(Bucket::Kiosk));
        assert_eq!(bucket_of(&post, "/api/v1/auth/login"), Some(Bucket::Login));
        assert_eq!(bucket_of(&get, "/staff/masuk"), None);
        assert_eq!(bucket_of(&post, "/staff/masuk"), Some(Bucket::Login));
        assert_eq!(bucket_of(&get, "/kiosk/pair"), Some(Bucket::Login));
        assert_eq!(bucket_of(&post, "/api/v1/kiosk/pair"), Some(Bucket::Login));
        assert_eq!(bucket_of(&post, "/api/v1/kiosk/tickets"), Some(Bucket::Kiosk));
        assert_eq!(bucket_of(&get, "/api/v1/kiosk/sessions"), Some(Bucket::Kiosk));
        assert_eq!(bucket_of(&get, "/api/v1/clinics"), None);
        assert_eq!(bucket_of(&post, "/api/v1/bookings/lookup"), Some(Bucket::Cancel));
        assert_eq!(bucket_of(&post, "/api/v1/bookings/X/reschedule"), Some(Bucket::Cancel));
        assert_eq!(bucket_of(&post, "/antrean/cari"), Some(Bucket::Cancel));
        assert_eq!(bucket_of(&post, "/api/v1/sessions/4/waitlist"), Some(Bucket::Booking));
    }

    #[test]
    fn rates_parse() {
        assert_eq!(Rate::parse("X", "120/60").ok(), Some(Rate::new(120, 60)));
        assert_eq!(Rate::parse("X", "0").ok(), Some(Rate::OFF));
        assert!(Rate::parse("X", "fast").is_err());
    }
}
