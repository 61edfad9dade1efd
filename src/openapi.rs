//! The API description: OpenAPI 3.1 generated from the handlers' `#[utoipa::path]`
//! annotations, served at `/api/openapi.json`, and a local reference page at `/api/docs`
//! (no CDN: the page renders the document with its own small script).
//!
//! Every `/api/v1` route is listed in [`ApiDoc`]'s `paths`; `tests/api/openapi.rs`
//! fails when a registered route is missing (it reads the `.route(...)` calls of `src/`).
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};
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

/// The `Idempotency-Key` header of the writes that may be repeated safely.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // a description only
pub struct Idempotency {
    /// Any string up to 200 characters; the same key with the same body answers the first
    /// answer again, with another body 422.
    #[param(rename = "Idempotency-Key")]
    idempotency_key: Option<String>,
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
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "sipoli_session",
                "Staff login cookie; changes also need the `X-CSRF-Token` header from the login",
            ))),
        );
        components.add_security_scheme(
            "kiosk_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "sipoli_kiosk",
                "Device token of a paired kiosk (or `Authorization: Kiosk <token>`)",
            ))),
        );
        components.add_security_scheme(
            "kiosk_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Kiosk <token>`: the device token the pairing answered",
            ))),
        );
        components.add_security_scheme(
            "gateway_signature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Sipoli-Signature",
                "Hex HMAC-SHA256 of the body with `SIPOLI_WEBHOOK_SECRET`",
            ))),
        );
    }
}

/// The answers every route of a kind can give, added to each operation from what the code
/// does (so they are not repeated in every annotation): 401/403 where a staff login or a
/// kiosk is needed, 429 where `limits` counts the route, 400/422 where a body or parameters
/// are read, 404 where the path names something, 503 when the database is away.
fn conventions(doc: &mut Value) {
    let error = |description: &str| {
        json!({"description": description,
               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
    };
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, op) in item.iter_mut() {
            let Ok(m) = actix_web::http::Method::from_bytes(method.to_uppercase().as_bytes())
            else {
                continue;
            };
            let schemes: Vec<String> = op["security"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .flat_map(|o| o.keys().cloned())
                .collect();
            let has_body = op.get("requestBody").is_some();
            let has_input = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query" || p["in"] == "path"));
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            let mut add = |code: &str, value: Value| {
                responses.entry(code.to_string()).or_insert(value);
            };
            if schemes.iter().any(|s| s.starts_with("staff_")) {
                add("401", error("Not logged in, or the login has ended (`unauthorized`)"));
                add(
                    "403",
                    error(
                        "The account's role may not do this (`forbidden`), or a cookie login's change lacks `X-CSRF-Token` (`csrf_failed`)",
                    ),
                );
            } else if schemes.iter().any(|s| s.starts_with("kiosk_")) {
                add("401", error("No paired kiosk (`kiosk_not_paired`)"));
            }
            if has_body {
                add(
                    "400",
                    error(
                        "Not JSON (`malformed_json`), or not the expected shape (`invalid_body`)",
                    ),
                );
            }
            if has_input {
                add(
                    "400",
                    error(
                        "A query parameter that does not parse (`invalid_query`), or a malformed value (`invalid_date`...)",
                    ),
                );
            }
            if has_body || has_input {
                add("422", error("A field or parameter refused (`fields` says which and why)"));
            }
            if path.contains('{') {
                add("404", error("Nothing by that identifier (`not_found`)"));
            }
            if path.starts_with("/api/v1/") {
                let mut e = error("The database does not answer now (`database_unavailable`)");
                e["headers"] = json!({"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}});
                add("503", e);
            }
            if crate::limits::limited(&m, path) {
                let mut e = error("Too many requests from this address or kiosk (`rate_limited`)");
                e["headers"] = json!({"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}});
                add("429", e);
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "SIPOLI API",
        description = "Outpatient queue and appointments of RSUD Mimika. Times are in the hospital's zone (Asia/Jayapura, +09:00). Every error answers `{\"error\": {\"code\", \"message\", \"fields\"?}}`; messages are Indonesian, English with `Accept-Language: en`.",
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
        crate::api::self_service::lookup_bookings,
        crate::api::self_service::reschedule_booking,
        crate::api::self_service::kiosk_check_in,
        crate::api::self_service::join_waitlist,
        crate::api::self_service::claim_offer,
        crate::api::self_service::gateway_inbound,
        crate::api::stations::list_stations,
        crate::api::kiosk::take_ticket,
        crate::api::kiosks::pair_kiosk,
        crate::screens::kiosk::kiosk_sessions,
        crate::jkn::national::refresh_references,
        crate::api::self_service::leave_waitlist,
        crate::screens::kiosk_print::print_ticket,
        crate::screens::kiosk_print::print_complaint,
        crate::screens::display::display_state,
        crate::screens::station_board::stations_state,
        crate::screens::station_board::stations_events,
        crate::screens::announce::call_words,
        crate::screens::announce::call_audio,
        crate::realtime::session_events,
        crate::realtime::display_events,
        crate::realtime::booking_events,
        crate::api::complaints::file_complaint,
        crate::api::complaints::complaint_status,
        crate::api::complaints::give_feedback,
        crate::api::open::daily_json,
        crate::api::open::daily_csv,
        crate::api::open::today,
        crate::api::auth::login,
        crate::api::auth::logout,
        crate::api::auth::me,
        crate::api::account::change_password,
        crate::api::staff_queue::today_sessions,
        crate::api::staff_queue::session_list,
        crate::api::staff_queue::call_next,
        crate::api::staff_queue::register_walk_in,
        crate::api::staff_queue::visit_action,
        crate::api::stations::station_queue,
        crate::api::stations::call_next,
        crate::api::stations::step_action,
        crate::api::stations::decide_category,
        crate::api::counter::lookup_patient,
        crate::api::counter::complete_patient,
        crate::api::counter::decide_step_category,
        crate::screens::display::set_message,
        crate::api::schedules::list_schedules,
        crate::api::schedules::create_schedule,
        crate::api::schedules::update_schedule,
        crate::api::schedules::end_schedule,
        crate::api::schedules::list_exceptions,
        crate::api::schedules::create_exception,
        crate::api::schedules::delete_exception,
        crate::api::complaints::list_complaints,
        crate::api::complaints::enter_complaint,
        crate::api::complaints::complaint_summary,
        crate::api::complaints::complaint_detail,
        crate::api::complaints::respond_to_complaint,
        crate::api::complaints::clinic_feedback,
        crate::api::complaints::list_holidays,
        crate::api::complaints::put_holiday,
        crate::api::complaints::delete_holiday,
        crate::api::kiosks::list_kiosks,
        crate::api::kiosks::register_kiosk,
        crate::api::kiosks::revoke_kiosk,
        crate::api::kiosks::set_kiosk_printer,
        crate::jobs::staff_api::list_notifications,
        crate::jobs::staff_api::retry_notification,
        crate::jkn::staff::list_tasks,
        crate::jkn::national::hfis_schedules,
        crate::jkn::national::hfis_apply,
        crate::jkn::national::hfis_updates,
        crate::jkn::national::hfis_references,
        crate::jkn::national::reconciliation,
        crate::jkn::national::reconcile_now,
        crate::jkn::national::requeue,
        crate::satusehat::staff::overview,
        crate::satusehat::staff::retry,
        crate::satusehat::staff::set_doctor_nik,
        crate::satusehat::staff::set_location,
    ),
    components(schemas(ErrorBody, ErrorDetail, FieldError)),
    modifiers(&Security),
    tags(
        (name = "health", description = "Liveness and readiness of a node"),
        (name = "public", description = "Anyone: schedules, booking, status by code, self-service, complaints and feedback"),
        (name = "kiosk", description = "A paired hall kiosk (device token)"),
        (name = "displays", description = "Waiting-room boards: state, live events, spoken calls (tickets only, no names)"),
        (name = "open data", description = "Daily figures per clinic, no personal data"),
        (name = "gateway", description = "Incoming SMS/WhatsApp replies from the message gateway (signed)"),
        (name = "staff auth", description = "Staff login, logout, password"),
        (name = "staff queue", description = "Clinic sessions, calling, visit actions, counter registration"),
        (name = "stations", description = "Service stations (registration, pharmacy, lab, cashier): queue, calls, steps"),
        (name = "schedules", description = "Weekly doctor schedules and their exceptions"),
        (name = "complaints", description = "Complaints, feedback and holidays, for staff"),
        (name = "admin", description = "Kiosk devices, notification outbox, board messages"),
        (name = "national", description = "BPJS: task reports, HFIS schedules, reconciliation"),
        (name = "satusehat", description = "SATUSEHAT (Ministry of Health FHIR) sending and mappings"),
    )
)]
pub struct ApiDoc;

/// The document as JSON text.
pub fn document() -> String {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    conventions(&mut doc);
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into())
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
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
code,pre{font-family:ui-monospace,monospace}h2{margin-top:2.2rem;border-bottom:2px solid #0b5;padding-bottom:.2rem}
nav ul{columns:3;padding-left:1.2rem}.op{border-top:1px solid #ddd;padding:.5rem 0}
.op h3{margin:.2rem 0;font-size:1rem}.m{display:inline-block;min-width:4.2rem;font-weight:700}
.get{color:#0a5d2c}.post{color:#7a4b00}.put{color:#1f4f9c}.delete{color:#a31515}
.sec{font-size:.85rem;background:#eef3ff;border-radius:3px;padding:0 .3rem;margin-left:.5rem}
.d{margin:.2rem 0}.r{margin:.2rem 0;font-size:.9rem;color:#444}</style>
</head><body><h1>SIPOLI API</h1>
<p>The machine-readable document: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>
<div id="ops">Loading…</div>
<script src="/api/docs.js"></script></body></html>"#;

const DOCS_JS: &str = r#"fetch('/api/openapi.json').then(r => r.json()).then(doc => {
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; };
  const root = document.getElementById('ops'); root.textContent = '';
  root.append(el('p', doc.info.description || ''));
  const groups = new Map((doc.tags || []).map(t => [t.name, {tag: t, ops: []}]));
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const name = (op.tags || ['other'])[0];
      if (!groups.has(name)) groups.set(name, {tag: {name}, ops: []});
      groups.get(name).ops.push([path, method, op]);
    }
  }
  const nav = el('nav'); const list = el('ul'); nav.append(el('h2', 'Areas'), list); root.append(nav);
  for (const [name, g] of groups) {
    if (!g.ops.length) continue;
    const id = 'tag-' + name.replace(/\W+/g, '-');
    const li = el('li'); const a = el('a', name + ' (' + g.ops.length + ')'); a.href = '#' + id; li.append(a); list.append(li);
    const h = el('h2', name); h.id = id; root.append(h);
    if (g.tag.description) root.append(el('p', g.tag.description));
    for (const [path, method, op] of g.ops) {
      const div = el('div', '', 'op'); const h3 = el('h3');
      h3.append(el('span', method.toUpperCase(), 'm ' + method), el('code', path));
      const sec = (op.security || []).flatMap(s => Object.keys(s));
      if (sec.length) h3.append(el('span', sec.join(' | '), 'sec'));
      div.append(h3);
      const text = (op.summary || '') + (op.description && op.description !== op.summary ? ' ' + op.description : '');
      if (text.trim()) div.append(el('p', text, 'd'));
      const params = (op.parameters || []).map(p => p.name + ' (' + p.in + (p.required ? ', required' : '') + ')');
      if (params.length) div.append(el('p', 'Parameters: ' + params.join(', '), 'r'));
      const body = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'];
      if (body) {
        const ref = body.schema && body.schema.$ref ? body.schema.$ref.split('/').pop() : '';
        const props = ref && doc.components.schemas[ref] ? Object.keys(doc.components.schemas[ref].properties || {}) : [];
        div.append(el('p', 'Body: ' + (props.length ? '{' + props.join(', ') + '}' : (op.requestBody.description || 'JSON')), 'r'));
      }
      div.append(el('p', 'Responses: ' + Object.entries(op.responses || {}).map(([k, v]) => k + ' ' + (v.description || '')).join('; '), 'r'));
      root.append(div);
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
