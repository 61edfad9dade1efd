//! Typed settings, read once from environment variables at start-up.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | managed local cluster | PostgreSQL to use; unset → `var/pg` cluster |
//! | `SIPOLI_BIND` | `127.0.0.1:8080` | address the web server listens on |
//! | `SIPOLI_BASE_URL` | `http://<bind>` | public address, used in links, QR codes and messages |
//! | `SIPOLI_TIMEZONE` | `Asia/Jayapura` | the hospital's time zone (IANA name) |
//! | `SIPOLI_SECRET_KEY` | random per process | key for signed tokens; set it when running several nodes |
//! | `SIPOLI_DB_POOL_SIZE` | `10` | database connections per process |
//! | `SIPOLI_LOG_FORMAT` | `text` | `json` for structured logs |
//! | `SIPOLI_SESSION_HOURS` | `12` | staff login session lifetime |
//! | `SIPOLI_ONLINE_DAYS_AHEAD` | `30` | how far ahead online booking opens |
//! | `SIPOLI_ONLINE_CLOSE_MINUTES` | `60` | online booking closes this long before a session starts |
//! | `SIPOLI_KIOSK_OPEN_MINUTES` | `120` | kiosk tickets from this long before a session starts |
//! | `SIPOLI_KIOSK_CLOSE_MINUTES` | `30` | … until this long before it ends |
//! | `SIPOLI_RATE_BOOKINGS` | `120/60` | bookings per minute / burst, per client address (`0`: off) |
//! | `SIPOLI_RATE_STATUS` | `1200/300` | status reads per minute / burst, per client address |
//! | `SIPOLI_RATE_CANCELS` | `30/10` | cancel attempts per minute / burst, per client address |
//! | `SIPOLI_RATE_LOGINS` | `60/30` | login and kiosk pairing attempts per minute / burst, per address |
//! | `SIPOLI_RATE_KIOSK` | `120/60` | kiosk requests per minute / burst, per kiosk device |
//! | `SIPOLI_TRUSTED_PROXIES` | none | comma-separated proxy addresses whose `X-Forwarded-For` is believed |
//! | `SIPOLI_CANCEL_GUESSES` | `5` | wrong birth dates on one booking code before cancelling it is locked |
//! | `SIPOLI_CANCEL_LOCK_MINUTES` | `15` | … for this long |
//! | `SIPOLI_LOGIN_FAILURES` | `20` | failed logins from one address (any usernames) before it is slowed down |
//! | `SIPOLI_LOGIN_WINDOW_MINUTES` | `10` | … counted within, and refused for, this long |
//! | `SIPOLI_METRICS_ALLOW` | loopback | addresses / CIDR ranges that may read `/metrics` |
//! | `SIPOLI_METRICS_TOKEN` | none | … or any client with `Authorization: Bearer <token>` |
//! | `SIPOLI_ASSETS` | embedded | serve the kiosk/board assets from this directory instead |
use std::path::PathBuf;

use chrono_tz::Tz;

use crate::domain::rules::BookingRules;

/// A value that must not appear in logs or debug output.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// `None`: use the managed local cluster under `root/var/pg`.
    pub database_url: Option<Secret>,
    pub bind: String,
    pub base_url: String,
    pub timezone: Tz,
    pub secret_key: Secret,
    pub pool_size: u32,
    pub log_json: bool,
    pub session_hours: i64,
    pub rules: BookingRules,
    /// Notification jobs: channels, thresholds, retries (`jobs::settings`).
    pub jobs: crate::jobs::JobSettings,
    /// Mobile JKN bridge (`src/jkn`): inbound credentials, BPJS reporting.
    pub jkn: crate::jkn::JknSettings,
    /// Abuse limits: rates per client address or kiosk, guessing locks (`crate::limits`).
    pub limits: crate::limits::LimitSettings,
    /// SATUSEHAT (`src/satusehat`): `None` → no Encounters are sent.
    pub satusehat: Option<crate::satusehat::SatusehatConfig>,
    /// Who may read `/metrics` (`crate::metrics`).
    pub metrics: crate::metrics::MetricsSettings,
    /// Project directory: where `var/` lives.
    pub root: PathBuf,
}

#[derive(Debug, thiserror::Error)]
#[error("setting {name}: {problem}")]
pub struct SettingsError {
    pub name: &'static str,
    pub problem: String,
}

pub(crate) fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

pub(crate) fn parsed<T: std::str::FromStr>(
    name: &'static str,
    default: T,
) -> Result<T, SettingsError> {
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| SettingsError { name, problem: format!("cannot read {v:?}") }),
    }
}

impl Settings {
    /// Read every setting from the environment.
    pub fn from_env() -> Result<Settings, SettingsError> {
        let bind = var("SIPOLI_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let timezone: Tz = parsed("SIPOLI_TIMEZONE", chrono_tz::Asia::Jayapura)?;
        let defaults = BookingRules::default();
        let rules = BookingRules {
            online_days_ahead: parsed("SIPOLI_ONLINE_DAYS_AHEAD", defaults.online_days_ahead)?,
            online_close_minutes: parsed(
                "SIPOLI_ONLINE_CLOSE_MINUTES",
                defaults.online_close_minutes,
            )?,
            kiosk_open_minutes: parsed("SIPOLI_KIOSK_OPEN_MINUTES", defaults.kiosk_open_minutes)?,
            kiosk_close_minutes: parsed(
                "SIPOLI_KIOSK_CLOSE_MINUTES",
                defaults.kiosk_close_minutes,
            )?,
            ..defaults
        };
        Ok(Settings {
            database_url: var("DATABASE_URL").map(Secret::new),
            base_url: var("SIPOLI_BASE_URL")
                .unwrap_or_else(|| format!("http://{bind}"))
                .trim_end_matches('/')
                .to_string(),
            bind,
            timezone,
            secret_key: Secret::new(var("SIPOLI_SECRET_KEY").unwrap_or_else(random_key)),
            pool_size: parsed("SIPOLI_DB_POOL_SIZE", 10)?,
            log_json: var("SIPOLI_LOG_FORMAT").is_some_and(|v| v.eq_ignore_ascii_case("json")),
            session_hours: parsed("SIPOLI_SESSION_HOURS", 12)?,
            rules,
            jobs: crate::jobs::JobSettings::from_env()?,
            jkn: crate::jkn::JknSettings::from_env()?,
            limits: crate::limits::LimitSettings::from_env()?,
            satusehat: crate::satusehat::SatusehatConfig::from_env()?,
            metrics: crate::metrics::MetricsSettings::from_env()?,
            root: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        })
    }
}

/// A fresh random key, for a single node when `SIPOLI_SECRET_KEY` is not set.
pub fn random_key() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

impl Settings {
    /// The database URL to use: `DATABASE_URL`, or the managed local cluster (started if
    /// needed).
    pub fn resolve_database_url(&self) -> Result<String, crate::error::AppError> {
        use crate::error::AppError;
        match &self.database_url {
            Some(url) => Ok(url.expose().to_string()),
            None => {
                let local =
                    crate::db::local::LocalPg::new(&self.root).map_err(AppError::internal)?;
                local.ensure_running().map_err(AppError::internal)
            }
        }
    }
}
