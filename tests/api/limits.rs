//! Abuse limits: rates per client address and per kiosk device (429 `rate_limited` with
//! `Retry-After`), the hospital NAT that books at a normal pace, guessing locks kept in
//! PostgreSQL, and fast failure while the database is down.
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sipoli::auth::Role;
use sipoli::limits::{LimitSettings, Rate};

use crate::helpers::{
    TestApp, booking_body, default_now, seed, seed_with, status_and_json, test_settings,
};

async fn spawn_with_limits(limits: LimitSettings) -> TestApp {
    let mut settings = test_settings();
    settings.limits = limits;
    TestApp::spawn_with(default_now(), settings).await
}

fn assert_rate_limited(status: StatusCode, body: &Value) {
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
}

#[actix_web::test]
async fn a_hospital_nat_booking_at_a_normal_pace_is_never_refused() {
    // Default limits: 60 patients a minute behind one address, each reading their status.
    let app = spawn_with_limits(LimitSettings::default()).await;
    let seed = seed_with(&app, 100, 100, 200);
    for n in 0..60 {
        let (status, booked) =
            app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, n)).await;
        assert_eq!(status, 201, "booking {n}: {booked}");
        let code = booked["booking_code"].as_str().unwrap();
        for _ in 0..3 {
            let (status, body) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
            assert_eq!(status, 200, "status read of booking {n}: {body}");
        }
        app.clock.advance(chrono::Duration::seconds(1));
    }
    assert_eq!(app.count("visits"), 60);
}

#[actix_web::test]
async fn a_burst_of_two_hundred_bookings_from_one_address_is_mostly_refused() {
    let app = spawn_with_limits(LimitSettings::default()).await;
    let (mut refused, mut retry_after) = (0, None);
    for i in 0..200 {
        // Two seconds of a flood, on the service's clock.
        if i == 100 {
            app.clock.advance(chrono::Duration::seconds(2));
        }
        let res = app.post("/api/v1/bookings", &json!({})).await;
        if res.status() == 429 {
            refused += 1;
            retry_after = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
            let (status, body) = status_and_json(res).await;
            assert_rate_limited(status, &body);
        } else {
            assert_eq!(res.status(), 422, "let through to the empty body's refusal");
        }
    }
    assert!(refused >= 120, "most of the burst is refused: {refused}");
    let wait: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    let en = app
        .request(Method::POST, "/api/v1/bookings")
        .header("Accept-Language", "en")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(en.headers().contains_key("retry-after"));
    let (_, body) = status_and_json(en).await;
    assert!(body["error"]["message"].as_str().unwrap().starts_with("Too many requests"), "{body}");
}

#[actix_web::test]
async fn status_reads_cancels_and_logins_have_their_own_limits_and_pages_say_so_kindly() {
    let app = spawn_with_limits(LimitSettings {
        status_reads: Rate::new(60, 3),
        cancels: Rate::new(60, 2),
        logins: Rate::new(60, 2),
        ..LimitSettings::default()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/bookings/ABCDEFGH").await.status(), 404);
    }
    let (status, body) = app.get_json("/api/v1/bookings/ABCDEFGH").await;
    assert_rate_limited(status, &body);
    let page = app.get("/antrean/ABCDEFGH").await;
    assert_eq!(page.status(), 429);
    assert!(page.headers().contains_key("retry-after"));
    assert!(page.text().await.unwrap().contains("Mohon tunggu sebentar"), "a friendly page");
    // A second later one more read is allowed again.
    app.clock.advance(chrono::Duration::seconds(1));
    assert_eq!(app.get("/api/v1/bookings/ABCDEFGH").await.status(), 404);

    let cancel = json!({"birth_date": "1990-05-17"});
    for _ in 0..2 {
        assert_eq!(app.post("/api/v1/bookings/ABCDEFGH/cancel", &cancel).await.status(), 404);
    }
    let (status, body) = app.post_json("/api/v1/bookings/ABCDEFGH/cancel", &cancel).await;
    assert_rate_limited(status, &body);

    let login = json!({"username": "nobody", "password": "x"});
    for _ in 0..2 {
        assert_eq!(app.post("/api/v1/auth/login", &login).await.status(), 401);
    }
    let (status, body) = app.post_json("/api/v1/auth/login", &login).await;
    assert_rate_limited(status, &body);
}

#[actix_web::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    let limits = LimitSettings { bookings: Rate::new(60, 2), ..LimitSettings::default() };
    let post_from = |app: &TestApp, from: &str| {
        app.request(Method::POST, "/api/v1/bookings")
            .header("X-Forwarded-For", format!("10.9.9.9, {from}"))
            .json(&json!({}))
            .send()
    };
    // Not trusted: the header is ignored, every request is the loopback peer's.
    let app = spawn_with_limits(limits.clone()).await;
    let mut statuses = Vec::new();
    for from in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] {
        statuses.push(post_from(&app, from).await.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [422, 422, 429]);
    // Behind a trusted proxy: each forwarded client has its own allowance.
    let trusted = spawn_with_limits(LimitSettings {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..limits
    })
    .await;
    let mut statuses = Vec::new();
    for from in ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.1", "10.0.0.1"] {
        statuses.push(post_from(&trusted, from).await.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [422, 422, 422, 422, 429]);
}

#[actix_web::test]
async fn each_kiosk_device_has_its_own_rate() {
    let app =
        spawn_with_limits(LimitSettings { kiosk: Rate::new(60, 3), ..LimitSettings::default() })
            .await;
    seed(&app);
    let (a, b) = (app.pair_kiosk().await, app.pair_kiosk().await);
    let list = |token: &str| {
        app.client
            .get(app.url("/api/v1/kiosk/sessions"))
            .header("Authorization", format!("Kiosk {token}"))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(list(&a).await.unwrap().status(), 200);
    }
    let (status, body) = status_and_json(list(&a).await.unwrap()).await;
    assert_rate_limited(status, &body);
    assert_eq!(list(&b).await.unwrap().status(), 200, "another kiosk is not slowed down");
}

#[actix_web::test]
async fn five_wrong_birth_dates_lock_cancelling_that_code_on_every_node() {
    let app = TestApp::spawn().await;
    let other = app.another_node().await;
    let seed = seed(&app);
    let (_, booked) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    let code = booked["booking_code"].as_str().unwrap();
    let cancel = format!("/api/v1/bookings/{code}/cancel");
    for day in 1..=4 {
        let node = if day % 2 == 0 { &other } else { &app };
        let wrong = json!({"birth_date": format!("1990-05-{:02}", day)});
        let (status, body) = node.post_json(&cancel, &wrong).await;
        assert_eq!(status, 422, "wrong date {day}: {body}");
        assert_eq!(body["error"]["code"], "identity_mismatch");
    }
    let (status, body) = other.post_json(&cancel, &json!({"birth_date": "1990-05-05"})).await;
    assert_eq!(status, 429, "the fifth wrong date locks: {body}");
    assert_eq!(body["error"]["code"], "too_many_attempts");
    let right = json!({"birth_date": "1990-05-17"});
    let res = app.post(&cancel, &right).await;
    assert_eq!(res.status(), 429, "even the right date waits now");
    let wait: i64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((14 * 60..=15 * 60).contains(&wait), "Retry-After {wait}");
    let (_, status) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(status["status"], "booked", "nothing cancelled");

    app.clock.advance(chrono::Duration::minutes(15));
    let (status, body) = app.post_json(&cancel, &right).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "cancelled");
}

#[actix_web::test]
async fn twenty_failed_logins_from_one_address_slow_it_down_whatever_the_usernames() {
    // Without the per-address rate, to see the PostgreSQL count alone.
    let app = TestApp::spawn().await;
    app.token_for("perawat", Role::Clinic, &[]).await;
    for n in 0..19 {
        let wrong = json!({"username": format!("tebakan{n}"), "password": "salah"});
        let (status, body) = app.post_json("/api/v1/auth/login", &wrong).await;
        assert_eq!(status, 401, "attempt {n}: {body}");
    }
    let wrong = json!({"username": "tebakan19", "password": "salah"});
    let (status, body) = app.post_json("/api/v1/auth/login", &wrong).await;
    assert_rate_limited(status, &body);
    let right = json!({"username": "perawat", "password": "rahasia-uji"});
    let res = app.post("/api/v1/auth/login", &right).await;
    assert_eq!(res.status(), 429, "the address waits, whatever it tries");
    assert!(res.headers().contains_key("retry-after"));
    app.clock.advance(chrono::Duration::minutes(10));
    let (status, body) = app.post_json("/api/v1/auth/login", &right).await;
    assert_eq!(status, 200, "{body}");
}

#[actix_web::test]
async fn requests_answer_503_database_unavailable_while_postgresql_is_down() {
    assert!(sipoli::db::CHECKOUT_TIMEOUT <= std::time::Duration::from_secs(2));
    // A node whose database is a closed port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("postgres://sipoli@127.0.0.1:{port}/sipoli?connect_timeout=1");
    let pool = sipoli::db::pool(&url, 2).unwrap();
    let clock = sipoli::clock::FixedClock::new(default_now());
    let state = sipoli::app::AppState::new(pool, test_settings(), std::sync::Arc::new(clock));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let app = sipoli::app::build(state, listener).unwrap();
    let base = format!("http://127.0.0.1:{}", app.port);
    actix_web::rt::spawn(app.server);
    let client = crate::helpers::client_builder().build().unwrap();

    let started = std::time::Instant::now();
    let res = client.get(format!("{base}/readyz")).send().await.unwrap();
    println!("/readyz answered in {:?}", started.elapsed());
    let (status, body) = status_and_json(res).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "database_unavailable");

    let started = std::time::Instant::now();
    let res = client.post(format!("{base}/api/v1/bookings")).json(&booking_body(1, 1)).send();
    let (status, body) = status_and_json(res.await.unwrap()).await;
    println!("a booking answered in {:?}", started.elapsed());
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "database_unavailable");
    assert_eq!(client.get(format!("{base}/healthz")).send().await.unwrap().status(), 200);
}
