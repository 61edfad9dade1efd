//! The API description: OpenAPI 3.1 generated from the handlers' `#[utoipa::path]`
//! annotations, served at `/api/openapi.json`, and a local reference page at `/api/docs`
//! (no CDN: the page renders the document with its own small script).
//!
//! Covered so far: the public and kiosk routes of `/api/v1` and the health checks. Staff
//! routes are still described in the README's table only.
use actix_web::{HttpResponse, web};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// Every error answer: `{"error": {"code", "message", "fields"?}}`; `message` is Indonesian,
/// or English with `Accept-Language: en`.
#[derive(ToSchema)]
#[schema(as = Error)]
#[allow(dead_code)] // a description only
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetail {
    /// Machine-readable code, e.g. `quota_full`, `not_found`, `invalid_input`,
    /// `rate_limited`, `kiosk_not_paired`, `forbidden`.
    code: String,
    /// A sentence for people.
    message: String,
    /// Per input field, when the input was refused.
    fields: Option<std::collections::BTreeMap<String, FieldError>>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FieldError {
    code: String,
    message: String,
}

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "staff_bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "staff_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("sipoli_session"))),
        );
        components.add_security_scheme(
            "kiosk_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "sipoli_kiosk",
                "Device token of a paired kiosk (or `Authorization: Kiosk <token>`)",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "SIPOLI API",
        description = "Outpatient queue and appointments of RSUD Mimika. Times are in the hospital's zone (Asia/Jayapura, +09:00).",
        version = "1"
    ),
    paths(
        crate::api::health::healthz,
        crate::api::health::readyz,
        crate::api::clinics::list_clinics,
        crate::api::sessions::list_sessions,
        crate::api::sessions::session_queue,
        crate::api::bookings::book_visit,
        crate::api::bookings::booking_status,
        crate::api::bookings::cancel_booking,
        crate::api::bookings::check_in_booking,
        crate::api::stations::list_stations,
        crate::api::kiosk::take_ticket,
        crate::api::kiosks::pair_kiosk,
        crate::screens::kiosk::kiosk_sessions,
        crate::jkn::national::refresh_references,
        crate::api::self_service::leave_waitlist,
    ),
    components(schemas(ErrorBody, ErrorDetail, FieldError)),
    modifiers(&Security),
    tags(
        (name = "public", description = "Anyone: schedules, booking, status by code"),
        (name = "kiosk", description = "A paired hall kiosk")
    )
)]
pub struct ApiDoc;

/// The document as JSON text.
pub fn document() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_else(|_| "{}".into())
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "no-cache"))
        .body(document())
}

const DOCS: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SIPOLI API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
code,pre{font-family:ui-monospace,monospace}pre{background:#f4f4f4;padding:.5rem;overflow:auto}
.op{border-top:1px solid #ccc;padding:.6rem 0}.m{display:inline-block;min-width:4rem;font-weight:700}</style>
</head><body><h1>SIPOLI API</h1>
<p>The machine-readable document: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>
<div id="ops">Loading…</div>
<script src="/api/docs.js"></script></body></html>"#;

const DOCS_JS: &str = r#"fetch('/api/openapi.json').then(r => r.json()).then(doc => {
  const root = document.getElementById('ops'); root.textContent = '';
  const p = document.createElement('p'); p.textContent = doc.info.description || ''; root.append(p);
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const div = document.createElement('div'); div.className = 'op';
      const h = document.createElement('h3');
      const m = document.createElement('span'); m.className = 'm'; m.textContent = method.toUpperCase();
      const c = document.createElement('code'); c.textContent = path;
      h.append(m, c); div.append(h);
      const d = document.createElement('p'); d.textContent = (op.summary || '') + (op.description ? ' ' + op.description : ''); div.append(d);
      const codes = document.createElement('p');
      codes.textContent = 'Responses: ' + Object.entries(op.responses || {}).map(([k, v]) => k + ' ' + (v.description || '')).join('; ');
      div.append(codes); root.append(div);
    }
  }
});"#;

async fn docs_page() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(DOCS)
}

async fn docs_js() -> HttpResponse {
    HttpResponse::Ok().content_type("text/javascript; charset=utf-8").body(DOCS_JS)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/openapi.json", web::get().to(openapi_json))
        .route("/api/docs", web::get().to(docs_page))
        .route("/api/docs.js", web::get().to(docs_js));
}
