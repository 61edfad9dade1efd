//! Prometheus metrics at `/metrics` and the request id of every request.
//!
//! Per node (from the `metrics` crate's recorder): `sipoli_http_requests_total` and
//! `sipoli_http_request_duration_seconds` by route pattern, method and status. Read at scrape
//! time: the database pool (`sipoli_db_pool_*`), SSE clients (`sipoli_sse_clients`), and from
//! the shared database (the same on every node): job queues per queue and kind, today's
//! bookings per channel, today's calls per clinic and per station.
//!
//! Access: clients whose address is in `SIPOLI_METRICS_ALLOW` (comma-separated addresses or
//! CIDR ranges; default loopback), or any client with `Authorization: Bearer
//! $SIPOLI_METRICS_TOKEN`. The client address is the one `crate::limits::client_address`
//! believes (`X-Forwarded-For` only from `SIPOLI_TRUSTED_PROXIES`).
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing::Instrument;

use crate::config::{Secret, SettingsError};
use crate::state::AppState;

pub const REQUEST_ID: &str = "x-request-id";
const DURATION: &str = "sipoli_http_request_duration_seconds";
const BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Who may read `/metrics`.
#[derive(Debug, Clone)]
pub struct MetricsSettings {
    pub allow: Vec<Cidr>,
    pub token: Option<Secret>,
}

impl Default for MetricsSettings {
    fn default() -> Self {
        MetricsSettings { allow: loopback(), token: None }
    }
}

fn loopback() -> Vec<Cidr> {
    ["127.0.0.0/8", "::1/128"].iter().filter_map(|c| Cidr::parse(c)).collect()
}

impl MetricsSettings {
    pub fn from_env() -> Result<MetricsSettings, SettingsError> {
        let allow = match crate::config::var("SIPOLI_METRICS_ALLOW") {
            None => loopback(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    Cidr::parse(s).ok_or_else(|| SettingsError {
                        name: "SIPOLI_METRICS_ALLOW",
                        problem: format!("{s:?} is not an address or CIDR range"),
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(MetricsSettings {
            allow,
            token: crate::config::var("SIPOLI_METRICS_TOKEN").map(Secret::new),
        })
    }
}

/// An address range such as `10.0.0.0/8` or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    bits: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Option<Cidr> {
        let (addr, bits) = match s.split_once('/') {
            Some((a, b)) => (a.parse::<IpAddr>().ok()?, Some(b.parse::<u8>().ok()?)),
            None => (s.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let bits = bits.unwrap_or(max);
        (bits <= max).then_some(Cidr { net: addr, bits })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if self.bits == 0 { 0 } else { u32::MAX << (32 - self.bits) };
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if self.bits == 0 { 0 } else { u128::MAX << (128 - self.bits) };
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// The process-wide recorder (installed on first use; tests share one).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(DURATION.into()), BUCKETS)
            .map(|b| b.build_recorder())
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        let _ = metrics::set_global_recorder(recorder);
        metrics::describe_counter!("sipoli_http_requests_total", "HTTP requests answered");
        metrics::describe_histogram!(
            DURATION,
            metrics::Unit::Seconds,
            "Time to answer an HTTP request (to the response head)"
        );
        handle
    })
}

/// A request id: the caller's `X-Request-Id` when it is short and plain, else a new one.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_string)
        .unwrap_or_else(|| crate::config::random_key()[..16].to_string())
}

/// The request id of this request (set by [`observe`]).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Middleware: a tracing span with the request id, the id in the response header, and the
/// request counted by route pattern and status with its latency.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().to_string();
    let span =
        tracing::info_span!("request", request_id = %id, method = %method, path = %req.path());
    let result = next.call(req).instrument(span).await;
    let seconds = started.elapsed().as_secs_f64();
    let (route, status) = match &result {
        Ok(res) => (
            res.request().match_pattern().unwrap_or_else(|| "unmatched".into()),
            res.status().as_u16(),
        ),
        Err(e) => ("unmatched".into(), e.as_response_error().status_code().as_u16()),
    };
    if route != "/metrics" {
        let labels = [("route", route), ("method", method), ("status", status.to_string())];
        metrics::counter!("sipoli_http_requests_total", &labels).increment(1);
        metrics::histogram!(DURATION, &labels).record(seconds);
    }
    result.map(|mut res| {
        if let Ok(value) = HeaderValue::from_str(&id) {
            res.headers_mut().insert(HeaderName::from_static(REQUEST_ID), value);
        }
        res
    })
}

fn allowed(req: &HttpRequest, state: &AppState) -> bool {
    let m = &state.settings.metrics;
    if let Some(token) = &m.token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if let Some(given) = given {
            use sha2::Digest;
            // Compare digests: equal length, no early exit on the first differing byte.
            let a = sha2::Sha256::digest(given.trim().as_bytes());
            let b = sha2::Sha256::digest(token.expose().as_bytes());
            if a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0 {
                return true;
            }
        }
    }
    crate::limits::client_address(req, &state.settings.limits.trusted_proxies)
        .is_some_and(|ip| m.allow.iter().any(|c| c.contains(ip)))
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// `GET /metrics`: the exposition format (text 0.0.4).
pub async fn metrics_page(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if !allowed(&req, &state) {
        return HttpResponse::Forbidden()
            .content_type("text/plain; charset=utf-8")
            .body("metrics: not allowed from this address\n");
    }
    let handle = handle();
    handle.run_upkeep();
    let mut out = handle.render();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    let pool = state.pool.state();
    let max = state.pool.max_size();
    family(
        &mut out,
        "sipoli_db_pool_connections",
        "gauge",
        "Open database connections of this node",
    );
    let _ = writeln!(out, "sipoli_db_pool_connections {}", pool.connections);
    family(&mut out, "sipoli_db_pool_in_use", "gauge", "Database connections in use");
    let _ = writeln!(out, "sipoli_db_pool_in_use {}", pool.connections - pool.idle_connections);
    family(&mut out, "sipoli_db_pool_max", "gauge", "Database pool size");
    let _ = writeln!(out, "sipoli_db_pool_max {max}");
    family(
        &mut out,
        "sipoli_db_pool_waiting",
        "gauge",
        "Requests waiting for a database connection",
    );
    let _ = writeln!(out, "sipoli_db_pool_waiting {}", crate::db::pool_waiting_now());
    family(
        &mut out,
        "sipoli_sse_clients",
        "gauge",
        "Live-update (SSE) clients connected to this node",
    );
    let _ = writeln!(out, "sipoli_sse_clients {}", state.live.clients());
    match crate::service::figures::read(&state).await {
        Ok(f) => {
            family(
                &mut out,
                "sipoli_job_queue_depth",
                "gauge",
                "Jobs waiting to be sent, per queue and kind",
            );
            for q in &f.queues {
                let _ = writeln!(
                    out,
                    "sipoli_job_queue_depth{{queue=\"{}\",kind=\"{}\"}} {}",
                    escape(&q.queue),
                    escape(&q.kind),
                    q.depth
                );
            }
            family(
                &mut out,
                "sipoli_job_queue_oldest_seconds",
                "gauge",
                "Age of the oldest job waiting, per queue and kind",
            );
            for q in &f.queues {
                let _ = writeln!(
                    out,
                    "sipoli_job_queue_oldest_seconds{{queue=\"{}\",kind=\"{}\"}} {:.3}",
                    escape(&q.queue),
                    escape(&q.kind),
                    q.oldest_seconds.max(0.0)
                );
            }
            family(
                &mut out,
                "sipoli_bookings_today",
                "gauge",
                "Visits made today (hospital time), per channel",
            );
            for c in &f.bookings {
                let _ = writeln!(
                    out,
                    "sipoli_bookings_today{{channel=\"{}\"}} {}",
                    escape(&c.label),
                    c.n
                );
            }
            family(
                &mut out,
                "sipoli_clinic_calls_today",
                "gauge",
                "Patients called today (recalls included), per clinic",
            );
            for c in &f.clinic_calls {
                let _ = writeln!(
                    out,
                    "sipoli_clinic_calls_today{{clinic=\"{}\"}} {}",
                    escape(&c.label),
                    c.n
                );
            }
            family(
                &mut out,
                "sipoli_station_calls_today",
                "gauge",
                "Patients called today (recalls included), per station",
            );
            for c in &f.station_calls {
                let _ = writeln!(
                    out,
                    "sipoli_station_calls_today{{station=\"{}\"}} {}",
                    escape(&c.label),
                    c.n
                );
            }
            family(
                &mut out,
                "sipoli_database_up",
                "gauge",
                "1 when the database answered this scrape",
            );
            out.push_str("sipoli_database_up 1\n");
        }
        Err(e) => {
            tracing::warn!(error = %e.cause.as_deref().unwrap_or("database"), "metrics: database figures unavailable");
            family(
                &mut out,
                "sipoli_database_up",
                "gauge",
                "1 when the database answered this scrape",
            );
            out.push_str("sipoli_database_up 0\n");
        }
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(out)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    let _ = handle();
    cfg.route("/metrics", web::get().to(metrics_page));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_ranges() {
        let lo = Cidr::parse("127.0.0.0/8").expect("cidr");
        assert!(lo.contains("127.1.2.3".parse().expect("ip")));
        assert!(!lo.contains("10.0.0.1".parse().expect("ip")));
        assert!(lo.contains("::ffff:127.0.0.1".parse().expect("ip")));
        let one = Cidr::parse("10.1.2.3").expect("cidr");
        assert!(one.contains("10.1.2.3".parse().expect("ip")));
        assert!(!one.contains("10.1.2.4".parse().expect("ip")));
        assert!(Cidr::parse("::1/128").expect("v6").contains("::1".parse().expect("ip")));
        assert!(Cidr::parse("0.0.0.0/0").expect("all").contains("8.8.8.8".parse().expect("ip")));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("nope").is_none());
    }
}
