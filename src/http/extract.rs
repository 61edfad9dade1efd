//! Path and query strings that do not parse (a session id beyond `i32`, `limit=abc`, a
//! required query parameter left out): under `/api/` they answer the API's JSON error shape,
//! as the document says, instead of actix-web's plain-text default. Pages keep the default.
use actix_web::{HttpRequest, web};

use crate::error::AppError;

fn is_api(req: &HttpRequest) -> bool {
    req.path().starts_with("/api/")
}

/// App-wide extractor settings (registered by `app::configure`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(|err, req| {
        if is_api(req) {
            AppError::not_found("not_found", "Alamat tidak ditemukan.", "No such address.").into()
        } else {
            actix_web::error::ErrorNotFound(err)
        }
    }))
    .app_data(web::QueryConfig::default().error_handler(|err, req| {
        if is_api(req) {
            AppError::bad_request(
                "invalid_query",
                format!("Parameter alamat tidak sesuai: {err}"),
                format!("The query parameters do not fit: {err}"),
            )
            .into()
        } else {
            actix_web::error::ErrorBadRequest(err)
        }
    }));
}
