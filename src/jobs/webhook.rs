//! SMS/WhatsApp through a gateway's webhook: `POST` JSON `{to, message, kind, booking_code}`
//! signed with HMAC-SHA256 of the body (`X-Sipoli-Signature`, hex). Without
//! `SIPOLI_WEBHOOK_URL` the requests are written as `.json` files in the outbox directory.
use std::path::PathBuf;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use super::settings::JobSettings;
use super::worker::SendError;
use crate::config::Secret;

pub const SIGNATURE_HEADER: &str = "X-Sipoli-Signature";

/// The body the gateway receives.
#[derive(Debug, Serialize)]
pub struct WebhookBody<'a> {
    pub to: &'a str,
    pub message: &'a str,
    pub kind: &'a str,
    pub booking_code: &'a str,
}

/// Hex HMAC-SHA256 of `body` with `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length: this never fails.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

pub enum Webhook {
    Post { client: reqwest::Client, url: String, secret: Option<Secret> },
    Files(PathBuf),
}

impl Webhook {
    pub fn new(settings: &JobSettings, outbox: &std::path::Path) -> Result<Webhook, String> {
        match &settings.webhook_url {
            Some(url) => Ok(Webhook::Post {
                client: reqwest::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .build()
                    .map_err(|e| format!("HTTP client: {e}"))?,
                url: url.clone(),
                secret: settings.webhook_secret.clone(),
            }),
            None => {
                std::fs::create_dir_all(outbox)
                    .map_err(|e| format!("cannot create {}: {e}", outbox.display()))?;
                Ok(Webhook::Files(outbox.to_path_buf()))
            }
        }
    }

    /// `name` names the file when writing to the outbox directory.
    pub async fn send(&self, body: &WebhookBody<'_>, name: &str) -> Result<(), SendError> {
        let bytes = serde_json::to_vec(body).map_err(|e| SendError::permanent(e.to_string()))?;
        match self {
            Webhook::Post { client, url, secret } => {
                let mut request = client
                    .post(url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(bytes.clone());
                if let Some(secret) = secret {
                    request = request.header(SIGNATURE_HEADER, sign(secret.expose(), &bytes));
                }
                let response =
                    request.send().await.map_err(|e| SendError::retry(format!("webhook: {e}")))?;
                let status = response.status();
                if status.is_success() {
                    Ok(())
                } else {
                    let text: String =
                        response.text().await.unwrap_or_default().chars().take(200).collect();
                    Err(SendError::retry(format!("webhook answered {status}: {text}")))
                }
            }
            Webhook::Files(dir) => {
                let path = dir.join(format!("{name}.json"));
                tokio::fs::write(&path, &bytes)
                    .await
                    .map_err(|e| SendError::retry(format!("writing {}: {e}", path.display())))
            }
        }
    }
}
