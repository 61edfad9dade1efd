//! Security headers on every response.
//!
//! Always: `X-Content-Type-Options: nosniff`, and `Content-Security-Policy: frame-ancestors
//! 'none'` (added to a page's own policy when it has one), so no other site frames SIPOLI.
//! When `SIPOLI_BASE_URL` is `https://…`: `Strict-Transport-Security`, and every cookie set is
//! `Secure` (whichever handler set it).
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

use crate::state::AppState;

pub const HSTS: &str = "max-age=31536000; includeSubDomains";
const FRAME_ANCESTORS: &str = "frame-ancestors 'none'";

pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let https = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.settings.base_url.starts_with("https://"));
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let csp = match h.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()) {
        Some(own) if own.contains("frame-ancestors") => None,
        Some(own) => HeaderValue::from_str(&format!("{own}; {FRAME_ANCESTORS}")).ok(),
        None => Some(HeaderValue::from_static(FRAME_ANCESTORS)),
    };
    if let Some(csp) = csp {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    if https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
        let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).cloned().collect();
        if !cookies.is_empty() {
            h.remove(header::SET_COOKIE);
            for c in cookies {
                let secured = match c.to_str() {
                    Ok(s) if !s.split(';').any(|p| p.trim().eq_ignore_ascii_case("secure")) => {
                        HeaderValue::from_str(&format!("{s}; Secure")).unwrap_or(c)
                    }
                    _ => c,
                };
                h.append(header::SET_COOKIE, secured);
            }
        }
    }
    Ok(res)
}
