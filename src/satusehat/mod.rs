//! SATUSEHAT (Kemenkes FHIR R4): every outpatient Encounter, from the visit's own events.
//!
//! The service layer writes one `satusehat_jobs` row per Encounter status in the
//! transaction of the visit event (`service::satusehat::enqueue`); the [`worker`] sends
//! them in order per visit through the [`client`] (OAuth2 client credentials, token cached
//! and renewed before it runs out, a 401 renews it once). Identifiers are looked up, not
//! guessed: the patient's IHS number by NIK, the doctor's Practitioner by NIK, the room's
//! Location as mapped by an admin; what cannot be matched waits on the staff page with
//! the reason.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `SIPOLI_SATUSEHAT_AUTH_URL` | — | OAuth2 base, e.g. `https://api-satusehat.kemkes.go.id/oauth2/v1`; unset → nothing is sent |
//! | `SIPOLI_SATUSEHAT_BASE_URL` | — | FHIR base, e.g. `https://api-satusehat.kemkes.go.id/fhir-r4/v1` |
//! | `SIPOLI_SATUSEHAT_CLIENT_ID` | — | client id of the hospital's SATUSEHAT application |
//! | `SIPOLI_SATUSEHAT_CLIENT_SECRET` | — | its secret |
//! | `SIPOLI_SATUSEHAT_ORGANIZATION_ID` | — | the hospital's Organization id |
pub mod client;
pub mod fhir;
pub mod staff;
pub mod worker;

use actix_web::web;

use crate::config::{Secret, SettingsError};

/// Where and as whom to report to SATUSEHAT.
#[derive(Debug, Clone)]
pub struct SatusehatConfig {
    pub auth_url: String,
    pub base_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub organization_id: String,
}

impl SatusehatConfig {
    /// `None` when none of the settings is set (SATUSEHAT off); an error when only some are.
    pub fn from_env() -> Result<Option<SatusehatConfig>, SettingsError> {
        SatusehatConfig::from_vars(&|name| std::env::var(name).ok())
    }

    /// The settings from `lookup` (a variable's value by name), as
    /// [`SatusehatConfig::from_env`] reads the environment.
    pub fn from_vars(
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<SatusehatConfig>, SettingsError> {
        let var = |name: &str| lookup(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let parts = (
            var("SIPOLI_SATUSEHAT_AUTH_URL"),
            var("SIPOLI_SATUSEHAT_BASE_URL"),
            var("SIPOLI_SATUSEHAT_CLIENT_ID"),
            var("SIPOLI_SATUSEHAT_CLIENT_SECRET"),
            var("SIPOLI_SATUSEHAT_ORGANIZATION_ID"),
        );
        match parts {
            (Some(auth), Some(base), Some(client_id), Some(secret), Some(org)) => {
                Ok(Some(SatusehatConfig {
                    auth_url: auth.trim_end_matches('/').to_string(),
                    base_url: base.trim_end_matches('/').to_string(),
                    client_id,
                    client_secret: Secret::new(secret),
                    organization_id: org,
                }))
            }
            (None, None, None, None, None) => Ok(None),
            _ => Err(SettingsError {
                name: "SIPOLI_SATUSEHAT_AUTH_URL",
                problem: "set all five SIPOLI_SATUSEHAT_* settings (AUTH_URL, BASE_URL, \
                          CLIENT_ID, CLIENT_SECRET, ORGANIZATION_ID), or none"
                    .into(),
            }),
        }
    }
}

/// Staff routes of the national platforms. Registered before the `/api/v1` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/staff/satusehat", web::get().to(staff::overview))
        .route("/api/v1/staff/satusehat/retry", web::post().to(staff::retry))
        .route("/api/v1/staff/satusehat/doctors/{code}", web::put().to(staff::set_doctor_nik))
        .route("/api/v1/staff/satusehat/clinics/{code}", web::put().to(staff::set_location));
}
