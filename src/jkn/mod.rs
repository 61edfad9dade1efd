//! Mobile JKN bridge (BPJS Kesehatan "Antrean Online"), both directions:
//! - inbound: the hospital-side services Mobile JKN calls, under `/jkn/` ([`inbound`]);
//! - outbound: reports of bookings and task times to BPJS' antreanrs ([`client`],
//!   [`reports`]), queued durably in `bpjs_tasks` in the same transaction as the visit change.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `SIPOLI_JKN_USERNAME` | — | user name Mobile JKN logs in with; unset → the `/jkn/` services answer that they are off |
//! | `SIPOLI_JKN_PASSWORD` | — | its password |
//! | `SIPOLI_JKN_TOKEN_MINUTES` | `60` | lifetime of a `/jkn/auth` token |
//! | `SIPOLI_BPJS_BASE_URL` | — | antreanrs base URL, e.g. `https://apijkn.bpjs-kesehatan.go.id/antreanrs`; unset → no reports |
//! | `SIPOLI_BPJS_CONS_ID` | — | consumer id given by BPJS |
//! | `SIPOLI_BPJS_SECRET` | — | consumer secret (signature and response decryption) |
//! | `SIPOLI_BPJS_USER_KEY` | — | `user_key` of the antreanrs service |
pub mod client;
pub mod crypto;
pub mod envelope;
pub mod inbound;
pub mod mapping;
pub mod national;
pub mod pharmacy;
pub mod reports;
pub mod staff;
pub mod token;

use actix_web::web;

use crate::config::{Secret, SettingsError};

/// Settings of the bridge; both directions are off unless configured.
#[derive(Debug, Clone, Default)]
pub struct JknSettings {
    /// Credentials Mobile JKN presents at `/jkn/auth`.
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub token_minutes: i64,
    /// Where and how to report to BPJS; `None` → nothing is sent.
    pub bpjs: Option<BpjsConfig>,
}

/// The antreanrs web service of BPJS.
#[derive(Debug, Clone)]
pub struct BpjsConfig {
    pub base_url: String,
    pub cons_id: String,
    pub secret: Secret,
    pub user_key: Secret,
}

impl JknSettings {
    pub fn from_env() -> Result<JknSettings, SettingsError> {
        JknSettings::from_vars(&|name| std::env::var(name).ok())
    }

    /// The settings from `lookup` (a variable's value by name), as [`JknSettings::from_env`]
    /// reads the environment; the stand-ins' printed settings are checked through this.
    pub fn from_vars(
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<JknSettings, SettingsError> {
        let var = |name: &str| lookup(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let token_minutes = match var("SIPOLI_JKN_TOKEN_MINUTES") {
            None => 60,
            Some(v) => v.parse().ok().filter(|m: &i64| *m > 0).ok_or(SettingsError {
                name: "SIPOLI_JKN_TOKEN_MINUTES",
                problem: format!("cannot read {v:?} as a number of minutes"),
            })?,
        };
        let bpjs_parts = (
            var("SIPOLI_BPJS_BASE_URL"),
            var("SIPOLI_BPJS_CONS_ID"),
            var("SIPOLI_BPJS_SECRET"),
            var("SIPOLI_BPJS_USER_KEY"),
        );
        let bpjs = match bpjs_parts {
            (Some(base_url), Some(cons_id), Some(secret), Some(user_key)) => Some(BpjsConfig {
                base_url: base_url.trim_end_matches('/').to_string(),
                cons_id,
                secret: Secret::new(secret),
                user_key: Secret::new(user_key),
            }),
            (None, None, None, None) => None,
            _ => {
                return Err(SettingsError {
                    name: "SIPOLI_BPJS_BASE_URL",
                    problem: "set all four of SIPOLI_BPJS_BASE_URL, SIPOLI_BPJS_CONS_ID, \
                              SIPOLI_BPJS_SECRET and SIPOLI_BPJS_USER_KEY, or none"
                        .into(),
                });
            }
        };
        Ok(JknSettings {
            username: var("SIPOLI_JKN_USERNAME"),
            password: var("SIPOLI_JKN_PASSWORD").map(Secret::new),
            token_minutes,
            bpjs,
        })
    }

    /// The inbound services answer only when both credentials are set.
    pub fn inbound_enabled(&self) -> bool {
        self.username.is_some() && self.password.is_some()
    }
}

/// Routes of the bridge. Registered before the `/api/v1` scope (whose catch-all would
/// otherwise answer the staff route first).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/staff/bpjs/tasks", web::get().to(staff::list_tasks)).service(
        web::scope("/jkn")
            .route("/auth", web::get().to(inbound::auth))
            .route("/statusantrean", web::post().to(inbound::status_antrean))
            .route("/ambilantrean", web::post().to(inbound::ambil_antrean))
            .route("/sisaantrean", web::post().to(inbound::sisa_antrean))
            .route("/batalantrean", web::post().to(inbound::batal_antrean))
            .route("/checkinantrean", web::post().to(inbound::checkin_antrean))
            .route("/pasienbaru", web::post().to(inbound::pasien_baru))
            .route("/jadwaloperasirs", web::post().to(inbound::jadwal_operasi_rs))
            .route("/jadwaloperasipasien", web::post().to(inbound::jadwal_operasi_pasien))
            .route("/ambilantreanfarmasi", web::post().to(pharmacy::ambil_antrean_farmasi))
            .route("/statusantreanfarmasi", web::post().to(pharmacy::status_antrean_farmasi))
            .default_service(web::to(inbound::unknown_service)),
    );
}
