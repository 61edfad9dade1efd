//! HTTP client of BPJS' antreanrs: signed requests, decrypted answers.
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::BpjsConfig;
use super::crypto::{self, DecryptError};

/// The metadata of an answer, and its decrypted `response` when there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct BpjsAnswer {
    pub code: i64,
    pub message: String,
    pub response: Option<Value>,
}

impl BpjsAnswer {
    pub fn is_ok(&self) -> bool {
        self.code == 200
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("BPJS unreachable: {0}")]
    Transport(String),
    #[error("BPJS answered HTTP {0}: {1}")]
    Http(u16, String),
    #[error("BPJS answer unreadable: {0}")]
    Body(String),
    #[error("BPJS answer undecryptable: {0}")]
    Decrypt(#[from] DecryptError),
}

#[derive(Debug, Clone)]
pub struct BpjsClient {
    http: reqwest::Client,
    config: BpjsConfig,
}

impl BpjsClient {
    pub fn new(config: BpjsConfig) -> BpjsClient {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        BpjsClient { http, config }
    }

    fn signed(&self, req: reqwest::RequestBuilder, timestamp: i64) -> reqwest::RequestBuilder {
        let c = &self.config;
        req.header("X-cons-id", &c.cons_id)
            .header("X-timestamp", timestamp.to_string())
            .header("X-signature", crypto::signature(&c.cons_id, c.secret.expose(), timestamp))
            .header("user_key", c.user_key.expose())
    }

    /// `POST {base}{path}` with a JSON body.
    pub async fn post(
        &self,
        path: &str,
        body: &Value,
        now: DateTime<Utc>,
    ) -> Result<BpjsAnswer, ClientError> {
        let timestamp = now.timestamp();
        let req = self.http.post(format!("{}{path}", self.config.base_url)).json(body);
        self.send(self.signed(req, timestamp), timestamp).await
    }

    /// `GET {base}{path}`.
    pub async fn get(&self, path: &str, now: DateTime<Utc>) -> Result<BpjsAnswer, ClientError> {
        let timestamp = now.timestamp();
        let req = self.http.get(format!("{}{path}", self.config.base_url));
        self.send(self.signed(req, timestamp), timestamp).await
    }

    async fn send(
        &self,
        req: reqwest::RequestBuilder,
        timestamp: i64,
    ) -> Result<BpjsAnswer, ClientError> {
        let res = req.send().await.map_err(|e| ClientError::Transport(e.to_string()))?;
        let status = res.status();
        let text = res.text().await.map_err(|e| ClientError::Transport(e.to_string()))?;
        let parsed: Option<Value> = serde_json::from_str(&text).ok();
        let metadata =
            parsed.as_ref().and_then(|v| v.get("metadata").or_else(|| v.get("metaData")));
        let Some(metadata) = metadata else {
            let snippet: String = text.chars().take(200).collect();
            return Err(if status.is_success() {
                ClientError::Body(snippet)
            } else {
                ClientError::Http(status.as_u16(), snippet)
            });
        };
        let code = match &metadata["code"] {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| ClientError::Body("metadata without a code".into()))?;
        let message = metadata["message"].as_str().unwrap_or_default().to_string();
        let response = match parsed.as_ref().and_then(|v| v.get("response")) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => {
                let c = &self.config;
                let text = crypto::decrypt(&c.cons_id, c.secret.expose(), timestamp, s)?;
                Some(serde_json::from_str(&text).unwrap_or(Value::String(text)))
            }
            Some(other) => Some(other.clone()),
        };
        if status.is_server_error() {
            return Err(ClientError::Http(status.as_u16(), message));
        }
        Ok(BpjsAnswer { code, message, response })
    }
}
