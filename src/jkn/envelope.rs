//! The Antrean Online envelope: `{"response": …, "metadata": {"message", "code"}}`, with
//! the HTTP status equal to the metadata code (200 success, 201 failure, 202 new patient).
use actix_web::{HttpResponse, http::StatusCode};
use serde_json::{Value, json};

/// What a service answers when it succeeds.
#[derive(Debug)]
pub enum Answer {
    /// 200 with a `response`.
    Data(Value),
    /// 200, metadata only.
    Done,
}

pub use crate::service::mobile_jkn::Refused;

fn reply(code: u16, message: &str, response: Option<Value>) -> HttpResponse {
    let metadata = json!({"message": message, "code": code});
    let body = match response {
        Some(r) => json!({"response": r, "metadata": metadata}),
        None => json!({"metadata": metadata}),
    };
    HttpResponse::build(StatusCode::from_u16(code).unwrap_or(StatusCode::OK)).json(body)
}

/// Render the outcome of a service.
pub fn render(outcome: Result<Answer, Refused>) -> HttpResponse {
    match outcome {
        Ok(Answer::Data(response)) => reply(200, "Ok", Some(response)),
        Ok(Answer::Done) => reply(200, "Ok", None),
        Err(refused) => reply(refused.code, &refused.message, None),
    }
}
