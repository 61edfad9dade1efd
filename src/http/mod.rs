//! The HTTP plumbing every adapter shares: JSON bodies, the idempotent runner of a service
//! command, and the JSON shapes several adapters answer with (`views`). No rules here.
pub mod extract;
pub mod schemas;
pub mod views;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::db::idempotency::IdemKey;
use crate::error::{AppError, AppResult};
use crate::service::{self, AppState, Conn as PgConnection};

/// Largest JSON body accepted.
pub const MAX_BODY: usize = 64 * 1024;

/// Parse a JSON body; a malformed one is a 400 with the parser's explanation, and a text
/// field holding a NUL or another control character (line breaks and tabs aside) is a 422
/// naming the field, before anything reaches the database.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> AppResult<T> {
    let value: Value = from_json(body)?;
    if let Some(field) = control_character_in(&value, "") {
        let field = if field.is_empty() { "body".to_string() } else { field };
        return Err(AppError::fields(vec![(field.as_str(), crate::domain::CONTROL_CHARACTER)]));
    }
    from_json(body)
}

/// The path of the first string (or key) holding a control character other than a line
/// break or a tab.
fn control_character_in(value: &Value, at: &str) -> Option<String> {
    let bad = |s: &str| s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'));
    match value {
        Value::String(s) => bad(s).then(|| at.to_string()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| control_character_in(v, &format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let path = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
            if bad(k) { Some(path) } else { control_character_in(v, &path) }
        }),
        _ => None,
    }
}

fn from_json<T: DeserializeOwned>(body: &[u8]) -> AppResult<T> {
    serde_json::from_slice(body).map_err(|e| {
        let (code, id, en) = if e.is_data() {
            (
                "invalid_body",
                "Isi permintaan tidak sesuai format",
                "The request body does not have the expected shape",
            )
        } else {
            (
                "malformed_json",
                "Isi permintaan bukan JSON yang valid",
                "The request body is not valid JSON",
            )
        };
        AppError::bad_request(code, format!("{id}: {e}"), format!("{en}: {e}"))
    })
}

/// [`parse_json`], or the default when the body is empty (actions whose body is optional).
pub fn parse_json_or_default<T: DeserializeOwned + Default>(body: &[u8]) -> AppResult<T> {
    if body.is_empty() { Ok(T::default()) } else { parse_json(body) }
}

/// Read the `Idempotency-Key` header (if any) for this request and body.
pub fn idempotency_key(req: &HttpRequest, body: &[u8]) -> AppResult<Option<IdemKey>> {
    let Some(value) = req.headers().get("Idempotency-Key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.len() > 128 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(AppError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key harus 1–128 karakter ASCII yang terlihat.",
            "Idempotency-Key must be 1–128 visible ASCII characters.",
        ));
    }
    Ok(Some(IdemKey {
        scope: format!("{} {}", req.method(), req.path()),
        key: key.to_string(),
        request_hash: hex::encode(Sha256::digest(body)),
    }))
}

/// Run a service command in one transaction under the request's `Idempotency-Key` (if
/// any), through `service::idempotency`, and answer with its JSON.
pub async fn idempotent<T, F>(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
    status: StatusCode,
    work: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut PgConnection) -> AppResult<T> + Send + 'static,
    T: Serialize + Send + 'static,
{
    let key = idempotency_key(req, body)?;
    let answer = service::idempotency::run(state, key, status.as_u16(), work).await?;
    Ok(respond(answer, status))
}

/// The response of a command run under an idempotency key (replays say so).
pub fn respond(answer: service::idempotency::Answer, status: StatusCode) -> HttpResponse {
    let mut res = HttpResponse::build(StatusCode::from_u16(answer.status).unwrap_or(status));
    if answer.replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.json(answer.body)
}
