//! Language choice: Indonesian first, English when the client asks for it.
use actix_web::{
    Error, HttpRequest,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
};

use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Id,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }
    pub fn is_en(self) -> bool {
        self == Lang::En
    }
    /// Pick the Indonesian or English text.
    pub fn pick<'a>(self, id: &'a str, en: &'a str) -> &'a str {
        if self.is_en() { en } else { id }
    }
}

/// `?lang=`, then the `lang` cookie, then the first tag of `Accept-Language`.
pub fn lang_of(req: &HttpRequest) -> Lang {
    lang_from(req.query_string(), req.cookie("lang").map(|c| c.value().to_string()), req.headers())
}

fn lang_from(
    query: &str,
    cookie: Option<String>,
    headers: &actix_web::http::header::HeaderMap,
) -> Lang {
    let from_query = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .map(|(_, v)| v.to_string());
    if let Some(choice) = from_query.or(cookie) {
        return if choice.starts_with("en") { Lang::En } else { Lang::Id };
    }
    let first = headers
        .get(actix_web::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if first.starts_with("en") { Lang::En } else { Lang::Id }
}

/// Middleware: error bodies of `AppError` are rendered in the client's language.
pub async fn localise_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let english = lang_of(req.request()) == Lang::En;
    let res = next.call(req).await?.map_into_boxed_body();
    if !english {
        return Ok(res);
    }
    let Some(app_error) = res.response().error().and_then(|e| e.as_error::<AppError>()).cloned()
    else {
        return Ok(res);
    };
    Ok(res.into_response(app_error.response_builder().json(app_error.body(true))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{ACCEPT_LANGUAGE, HeaderMap, HeaderValue};

    #[test]
    fn picks_language() {
        let mut h = HeaderMap::new();
        assert_eq!(lang_from("", None, &h), Lang::Id);
        h.insert(ACCEPT_LANGUAGE, HeaderValue::from_static("en-US,en;q=0.9"));
        assert_eq!(lang_from("", None, &h), Lang::En);
        assert_eq!(lang_from("lang=id", None, &h), Lang::Id);
        assert_eq!(lang_from("", Some("id".into()), &h), Lang::Id);
        assert_eq!(lang_from("a=1&lang=en", None, &HeaderMap::new()), Lang::En);
    }
}
