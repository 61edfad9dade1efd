//! Settings of the notification jobs, read once from the environment.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `SMTP_URL` | — (write `.eml` files) | mail relay, e.g. `smtp://user:pass@host:587?tls=required`, `smtps://…` |
//! | `SMTP_FROM` | `SIPOLI RSUD Mimika <sipoli@localhost>` | sender of the emails |
//! | `SIPOLI_WEBHOOK_URL` | — (write `.json` files) | SMS/WhatsApp gateway receiving `POST {to, message, kind, booking_code}` |
//! | `SIPOLI_WEBHOOK_SECRET` | — | key of the `X-Sipoli-Signature` HMAC-SHA256 of the body |
//! | `SIPOLI_OUTBOX_DIR` | `var/outbox` | where messages go when no relay or gateway is set |
//! | `SIPOLI_NOTIFY_TURN_AHEAD` | `3` | "turn approaching" when at most this many patients are ahead … |
//! | `SIPOLI_NOTIFY_TURN_MINUTES` | `20` | … or the estimate is at most this many minutes away |
//! | `SIPOLI_NOTIFY_REMINDER_AT` | `16:00` | local time of the day-before reminder |
//! | `SIPOLI_NOTIFY_RETRY_SECONDS` | `30` | first retry delay; doubled at each attempt (with jitter), at most 6 hours |
//! | `SIPOLI_NOTIFY_POLL_SECONDS` | `5` | how often a worker looks for due jobs without being woken |
//! | `SIPOLI_WAITLIST_OFFER_MINUTES` | `120` | how long a freed place is held for the first on a waitlist |
//! | `SIPOLI_WAITLIST_OFFER_MINUTES_TODAY` | `30` | … when the session is today (never past the online booking close) |
//! | `SIPOLI_COMPLAINT_ESCALATION` | — | comma-separated emails / mobile numbers told once when a complaint is overdue |
//! | `SIPOLI_OPENDATA_WEBHOOK_URL` | — (no push) | the command center's URL receiving yesterday's open-data rows |
//! | `SIPOLI_OPENDATA_WEBHOOK_SECRET` | `SIPOLI_WEBHOOK_SECRET` | key of the push's `X-Sipoli-Signature` |
//! | `SIPOLI_OPENDATA_PUSH_AT` | `06:00` | local time of the daily push |
//! | `SIPOLI_AUTO_CANCEL_UNCONFIRMED` | `off` | `H-1 HH:MM` / `H HH:MM`: cancel bookings not confirmed with `YA` after the SMS reminder, at that time the day before / on the day |
use std::path::PathBuf;

use chrono::NaiveTime;

use crate::config::{Secret, SettingsError};

#[derive(Debug, Clone)]
pub struct JobSettings {
    pub smtp_url: Option<Secret>,
    pub smtp_from: String,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<Secret>,
    /// Relative paths are taken from the project directory (`Settings::root`).
    pub outbox_dir: PathBuf,
    pub turn_ahead: i64,
    pub turn_minutes: i64,
    pub reminder_at: NaiveTime,
    pub retry_base_seconds: i64,
    pub poll_seconds: u64,
    /// How long a claimed job stays with its worker before another may take it.
    pub lease_seconds: i64,
    /// Jobs claimed at once by one worker.
    pub batch_size: i64,
    /// How long a waitlist offer holds its place, in minutes: ahead, and on the day.
    pub waitlist_offer_minutes: i64,
    pub waitlist_offer_minutes_today: i64,
    /// Who hears once of an overdue complaint (emails, mobile numbers).
    pub complaint_escalation: Vec<String>,
    /// The command center's open-data receiver; no push without it.
    pub opendata_webhook_url: Option<String>,
    pub opendata_webhook_secret: Option<Secret>,
    /// Local time of the daily open-data push (yesterday's rows).
    pub opendata_push_at: NaiveTime,
    /// When unconfirmed bookings are cancelled (`None`: never, the default).
    pub auto_cancel_unconfirmed: Option<crate::domain::unconfirmed::AutoCancel>,
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings {
            smtp_url: None,
            smtp_from: "SIPOLI RSUD Mimika <sipoli@localhost>".into(),
            webhook_url: None,
            webhook_secret: None,
            outbox_dir: PathBuf::from("var/outbox"),
            turn_ahead: 3,
            turn_minutes: 20,
            reminder_at: NaiveTime::from_hms_opt(16, 0, 0).unwrap_or_default(),
            retry_base_seconds: 30,
            poll_seconds: 5,
            lease_seconds: 120,
            batch_size: 20,
            waitlist_offer_minutes: 120,
            waitlist_offer_minutes_today: 30,
            complaint_escalation: Vec::new(),
            opendata_webhook_url: None,
            opendata_webhook_secret: None,
            opendata_push_at: NaiveTime::from_hms_opt(6, 0, 0).unwrap_or_default(),
            auto_cancel_unconfirmed: None,
        }
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn number<T: std::str::FromStr>(name: &'static str, default: T) -> Result<T, SettingsError> {
    match var(name) {
        None => Ok(default),
        Some(v) => {
            v.parse().map_err(|_| SettingsError { name, problem: format!("cannot read {v:?}") })
        }
    }
}

impl JobSettings {
    pub fn from_env() -> Result<JobSettings, SettingsError> {
        let d = JobSettings::default();
        let reminder_at = match var("SIPOLI_NOTIFY_REMINDER_AT") {
            None => d.reminder_at,
            Some(v) => NaiveTime::parse_from_str(&v, "%H:%M").map_err(|_| SettingsError {
                name: "SIPOLI_NOTIFY_REMINDER_AT",
                problem: format!("{v:?} is not HH:MM"),
            })?,
        };
        let opendata_push_at = match var("SIPOLI_OPENDATA_PUSH_AT") {
            None => d.opendata_push_at,
            Some(v) => NaiveTime::parse_from_str(&v, "%H:%M").map_err(|_| SettingsError {
                name: "SIPOLI_OPENDATA_PUSH_AT",
                problem: format!("{v:?} is not HH:MM"),
            })?,
        };
        let complaint_escalation: Vec<String> = var("SIPOLI_COMPLAINT_ESCALATION")
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        for address in &complaint_escalation {
            crate::domain::complaints::Contact::parse(address).map_err(|_| SettingsError {
                name: "SIPOLI_COMPLAINT_ESCALATION",
                problem: format!("{address:?} is neither an email address nor a mobile number"),
            })?;
        }
        if let Some(url) = var("SMTP_URL") {
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&url)
                .map_err(|e| SettingsError { name: "SMTP_URL", problem: e.to_string() })?;
        }
        Ok(JobSettings {
            smtp_url: var("SMTP_URL").map(Secret::new),
            smtp_from: var("SMTP_FROM").unwrap_or(d.smtp_from),
            webhook_url: var("SIPOLI_WEBHOOK_URL"),
            webhook_secret: var("SIPOLI_WEBHOOK_SECRET").map(Secret::new),
            outbox_dir: var("SIPOLI_OUTBOX_DIR").map(PathBuf::from).unwrap_or(d.outbox_dir),
            turn_ahead: number("SIPOLI_NOTIFY_TURN_AHEAD", d.turn_ahead)?,
            turn_minutes: number("SIPOLI_NOTIFY_TURN_MINUTES", d.turn_minutes)?,
            reminder_at,
            retry_base_seconds: number("SIPOLI_NOTIFY_RETRY_SECONDS", d.retry_base_seconds)?.max(1),
            poll_seconds: number("SIPOLI_NOTIFY_POLL_SECONDS", d.poll_seconds)?.max(1),
            waitlist_offer_minutes: number(
                "SIPOLI_WAITLIST_OFFER_MINUTES",
                d.waitlist_offer_minutes,
            )?
            .max(1),
            waitlist_offer_minutes_today: number(
                "SIPOLI_WAITLIST_OFFER_MINUTES_TODAY",
                d.waitlist_offer_minutes_today,
            )?
            .max(1),
            complaint_escalation,
            opendata_webhook_url: var("SIPOLI_OPENDATA_WEBHOOK_URL"),
            opendata_webhook_secret: var("SIPOLI_OPENDATA_WEBHOOK_SECRET")
                .or_else(|| var("SIPOLI_WEBHOOK_SECRET"))
                .map(Secret::new),
            opendata_push_at,
            auto_cancel_unconfirmed: crate::domain::unconfirmed::AutoCancel::parse(
                &var("SIPOLI_AUTO_CANCEL_UNCONFIRMED").unwrap_or_default(),
            )
            .map_err(|problem| SettingsError { name: "SIPOLI_AUTO_CANCEL_UNCONFIRMED", problem })?,
            ..d
        })
    }
}
