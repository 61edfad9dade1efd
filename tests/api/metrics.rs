//! Prometheus metrics at `/metrics`: contents, access, and the request id header. The
//! output is also written to `target/sipoli-metrics.prom` for `.ci/run`'s `promtool check`.
use serde_json::json;
use sipoli::auth::Role;

use crate::helpers::*;

fn line_value(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[actix_web::test]
async fn metrics_count_requests_bookings_calls_and_queues() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    let online = app.post("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    assert_eq!(online.status(), 201);
    let request_id = online.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(request_id.len() >= 8, "a request id: {request_id}");
    for _ in 0..2 {
        let (status, _) = app
            .post_json(
                "/api/v1/kiosk/tickets",
                &json!({"session_id": seed.today, "payer": "non_jkn"}),
            )
            .await;
        assert_eq!(status, 201);
    }
    app.login_as("perawat", Role::Clinic, &["ANA"]).await;
    let call = format!("/api/v1/staff/sessions/{}/call-next", seed.today);
    let (status, _) = app.post_json(&call, &json!({})).await;
    assert_eq!(status, 200);
    // A caller's own request id is kept.
    let mine = app
        .request(reqwest::Method::GET, "/healthz")
        .header("X-Request-Id", "loket-3.abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(mine.headers()["x-request-id"], "loket-3.abc-123");
    app.get("/api/v1/bookings/NOSUCHCD").await;

    let res = app.get("/metrics").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = res.text().await.unwrap();
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/sipoli-metrics.prom");
    std::fs::write(&out, &text).unwrap();

    // Requests by route pattern and status, with a latency histogram.
    let booked =
        "sipoli_http_requests_total{route=\"/api/v1/bookings\",method=\"POST\",status=\"201\"}";
    assert!(line_value(&text, booked).unwrap_or(0.0) >= 1.0, "{text}");
    assert!(text.contains(
        "sipoli_http_request_duration_seconds_bucket{route=\"/api/v1/bookings\",method=\"POST\",status=\"201\",le=\"0.5\"}"
    ));
    assert!(
        text.contains("route=\"/api/v1/bookings/{code}\",method=\"GET\",status=\"404\""),
        "the route is its pattern, not the path: {text}"
    );
    // Pool, SSE, queues, bookings per channel, calls per clinic.
    for family in [
        "sipoli_db_pool_in_use ",
        "sipoli_db_pool_waiting ",
        "sipoli_db_pool_max 8",
        "sipoli_sse_clients ",
        "sipoli_database_up 1",
    ] {
        assert!(text.contains(family), "{family}: {text}");
    }
    assert_eq!(line_value(&text, "sipoli_bookings_today{channel=\"online\"}"), Some(1.0));
    assert_eq!(line_value(&text, "sipoli_bookings_today{channel=\"kiosk\"}"), Some(2.0));
    assert_eq!(line_value(&text, "sipoli_clinic_calls_today{clinic=\"ANA\"}"), Some(1.0));
    let depth = line_value(
        &text,
        "sipoli_job_queue_depth{queue=\"notifications\",kind=\"booking_confirmed\"}",
    );
    assert!(depth.unwrap_or(0.0) >= 1.0, "the booking's confirmation waits: {text}");
    assert!(text.contains("sipoli_job_queue_oldest_seconds{queue=\"notifications\""));
}

#[actix_web::test]
async fn metrics_are_refused_outside_the_allowed_addresses_unless_the_token_is_given() {
    let mut settings = test_settings();
    settings.metrics = sipoli::metrics::MetricsSettings {
        allow: vec![sipoli::metrics::Cidr::parse("10.0.0.0/8").unwrap()],
        token: Some(sipoli::config::Secret::new("rahasia-metrik")),
    };
    let app = TestApp::spawn_with(default_now(), settings).await;
    assert_eq!(app.get("/metrics").await.status(), 403, "loopback is not in the list");
    let wrong =
        app.request(reqwest::Method::GET, "/metrics").bearer_auth("salah").send().await.unwrap();
    assert_eq!(wrong.status(), 403);
    let right = app
        .request(reqwest::Method::GET, "/metrics")
        .bearer_auth("rahasia-metrik")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
}
