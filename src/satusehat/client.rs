//! HTTP client of SATUSEHAT: OAuth2 client credentials with a cached token that is renewed
//! before it runs out; a 401 renews it once and tries again.
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde_json::Value;

use super::SatusehatConfig;

/// A token is renewed this long before SATUSEHAT says it runs out.
const RENEW_BEFORE: Duration = Duration::seconds(60);
/// The NIK identifier system of SATUSEHAT.
pub const NIK_SYSTEM: &str = "https://fhir.kemkes.go.id/id/nik";

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("SATUSEHAT unreachable: {0}")]
    Transport(String),
    #[error("SATUSEHAT token refused: HTTP {0}: {1}")]
    Token(u16, String),
    #[error("SATUSEHAT answered HTTP {0}: {1}")]
    Http(u16, String),
}

#[derive(Debug, Clone)]
struct Token {
    value: String,
    expires_at: DateTime<Utc>,
}

/// One client per worker; clones share the token.
#[derive(Debug, Clone)]
pub struct SatusehatClient {
    http: reqwest::Client,
    config: SatusehatConfig,
    token: Arc<Mutex<Option<Token>>>,
}

impl SatusehatClient {
    pub fn new(config: SatusehatConfig) -> SatusehatClient {
        let http = reqwest::Client::builder()
            .timeout(StdDuration::from_secs(30))
            .connect_timeout(StdDuration::from_secs(10))
            .build()
            .unwrap_or_default();
        SatusehatClient { http, config, token: Arc::default() }
    }

    pub fn organization_id(&self) -> &str {
        &self.config.organization_id
    }

    fn cached(&self, now: DateTime<Utc>) -> Option<String> {
        let guard = self.token.lock().ok()?;
        guard.as_ref().filter(|t| t.expires_at - RENEW_BEFORE > now).map(|t| t.value.clone())
    }

    fn forget(&self) {
        if let Ok(mut guard) = self.token.lock() {
            *guard = None;
        }
    }

    /// `POST {auth}/accesstoken?grant_type=client_credentials`, form `client_id`,
    /// `client_secret` → `{access_token, expires_in}`.
    async fn fetch_token(&self, now: DateTime<Utc>) -> Result<String, ClientError> {
        let form: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", &self.config.client_id)
            .append_pair("client_secret", self.config.client_secret.expose())
            .finish();
        let res = self
            .http
            .post(format!("{}/accesstoken?grant_type=client_credentials", self.config.auth_url))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let status = res.status().as_u16();
        let text = res.text().await.map_err(|e| ClientError::Transport(e.to_string()))?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let Some(value) = body["access_token"].as_str().filter(|_| status == 200) else {
            return Err(ClientError::Token(status, text.chars().take(200).collect()));
        };
        // `expires_in` comes as a number or as text ("3599").
        let seconds = match &body["expires_in"] {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .unwrap_or(3600);
        let token =
            Token { value: value.to_string(), expires_at: now + Duration::seconds(seconds) };
        if let Ok(mut guard) = self.token.lock() {
            *guard = Some(token);
        }
        Ok(value.to_string())
    }

    async fn bearer(&self, now: DateTime<Utc>) -> Result<String, ClientError> {
        match self.cached(now) {
            Some(t) => Ok(t),
            None => self.fetch_token(now).await,
        }
    }

    async fn send_once(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Value>,
        token: &str,
    ) -> Result<(u16, Value), ClientError> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.config.base_url))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.map_err(|e| ClientError::Transport(e.to_string()))?;
        let status = res.status().as_u16();
        let text = res.text().await.map_err(|e| ClientError::Transport(e.to_string()))?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))))
    }

    /// A FHIR call; a 401 (token revoked or run out early) renews the token once and tries
    /// again. Errors for anything but 2xx.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        now: DateTime<Utc>,
    ) -> Result<Value, ClientError> {
        let token = self.bearer(now).await?;
        let (mut status, mut answer) = self.send_once(&method, path, body, &token).await?;
        if status == 401 {
            self.forget();
            let token = self.fetch_token(now).await?;
            (status, answer) = self.send_once(&method, path, body, &token).await?;
        }
        if (200..300).contains(&status) {
            Ok(answer)
        } else {
            Err(ClientError::Http(status, outcome_text(&answer)))
        }
    }

    /// The IHS number of a Patient or Practitioner with this NIK; `None` when SATUSEHAT
    /// knows nobody with it.
    pub async fn find_by_nik(
        &self,
        resource: &str,
        nik: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, ClientError> {
        let identifier: String =
            url::form_urlencoded::byte_serialize(format!("{NIK_SYSTEM}|{nik}").as_bytes())
                .collect();
        let bundle = self
            .call(Method::GET, &format!("/{resource}?identifier={identifier}"), None, now)
            .await?;
        Ok(bundle["entry"]
            .as_array()
            .and_then(|e| e.first())
            .and_then(|e| e["resource"]["id"].as_str())
            .map(str::to_string))
    }
}

/// A short readable form of a FHIR error answer (OperationOutcome) or any other body.
fn outcome_text(answer: &Value) -> String {
    let issues: Vec<String> = answer["issue"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|i| {
                    i["details"]["text"].as_str().or(i["diagnostics"].as_str()).map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    if issues.is_empty() {
        answer.to_string().chars().take(200).collect()
    } else {
        issues.join("; ")
    }
}
