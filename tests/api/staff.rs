//! Staff access: login, logout, roles, CSRF, lockout, counter registration.
use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::helpers::*;

#[actix_web::test]
async fn staff_routes_need_a_login() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let res =
        app.post(&format!("/api/v1/staff/sessions/{}/call-next", seed.today), &json!({})).await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "unauthorized");
    let mut bad = app
        .client
        .get(app.url("/api/v1/staff/sessions"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    bad = app.client.get(app.url("/api/v1/staff/schedules")).send().await.unwrap();
    assert_eq!(bad.status(), 401);
}

#[actix_web::test]
async fn login_logout_and_wrong_password() {
    let mut app = TestApp::spawn().await;
    app.login_as("admin", Role::Admin, &[]).await;
    let (_, me) = app.get_json("/api/v1/auth/me").await;
    assert_eq!(me["user"]["role"], "admin");
    assert_eq!(app.post("/api/v1/auth/logout", &json!({})).await.status(), 200);
    assert_eq!(app.get("/api/v1/auth/me").await.status(), 401, "the token is gone");
    let res =
        app.post("/api/v1/auth/login", &json!({"username": "admin", "password": "salah"})).await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "invalid_credentials");
    let res =
        app.post("/api/v1/auth/login", &json!({"username": "nobody", "password": "salah"})).await;
    assert_eq!(res.status(), 401);
}

#[actix_web::test]
async fn repeated_failures_lock_the_account() {
    let mut app = TestApp::spawn().await;
    app.login_as("admin", Role::Admin, &[]).await;
    for _ in 0..5 {
        let res = app
            .post("/api/v1/auth/login", &json!({"username": "admin", "password": "salah"}))
            .await;
        assert_eq!(res.status(), 401);
    }
    let res = app
        .post("/api/v1/auth/login", &json!({"username": "admin", "password": "rahasia-uji"}))
        .await;
    assert_eq!(res.status(), 429, "locked even with the right password");
    app.clock.advance(chrono::Duration::minutes(6));
    let res = app
        .post("/api/v1/auth/login", &json!({"username": "admin", "password": "rahasia-uji"}))
        .await;
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn cookie_logins_need_the_csrf_header_for_changes() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    sipoli::service::staff::upsert_user(
        &mut app.conn(),
        "perawat",
        "",
        "rahasia-uji",
        Role::Clinic,
        &["ANA".into()],
    )
    .unwrap();
    let res = app
        .post("/api/v1/auth/login", &json!({"username": "perawat", "password": "rahasia-uji"}))
        .await;
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let body: Value = res.json().await.unwrap();
    let pair = cookie.split(';').next().unwrap().to_string();
    let call = app.url(&format!("/api/v1/staff/sessions/{}/call-next", seed.today));
    let res = app.client.post(&call).header("cookie", &pair).json(&json!({})).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "csrf_failed");
    let res = app
        .client
        .post(&call)
        .header("cookie", &pair)
        .header("X-CSRF-Token", body["csrf_token"].as_str().unwrap())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409, "through to the queue, which is empty");
}

#[actix_web::test]
async fn roles_are_enforced() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    app.post("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "non_jkn"})).await;
    let call = format!("/api/v1/staff/sessions/{}/call-next", seed.today);
    // Clinic staff of another clinic.
    add_clinic(&app, "MAT", "Poli Mata", "E");
    app.login_as("mata", Role::Clinic, &["MAT"]).await;
    let res = app.post(&call, &json!({})).await;
    assert_eq!(res.status(), 403);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "forbidden");
    let sessions: Vec<Value> = app.get("/api/v1/staff/sessions").await.json().await.unwrap();
    assert!(sessions.is_empty(), "a clinic account sees only its clinics");
    // Registration may register walk-ins but not call.
    app.login_as("loket", Role::Registration, &[]).await;
    assert_eq!(app.post(&call, &json!({})).await.status(), 403);
    let (status, t) = app
        .post_json(
            "/api/v1/staff/registrations",
            &json!({"session_id": seed.today, "payer": "non_jkn",
                    "patient": {"nik": nik(7), "name": "Yakobus Uji", "birth_date": "1990-05-17"}}),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(t["ticket"], "B-002");
    assert_eq!(t["status"], "waiting");
    assert_eq!(app.count("patients"), 1);
    // Clinic staff cannot register at the counter.
    app.login_as("anak", Role::Clinic, &["ANA"]).await;
    assert_eq!(
        app.post(
            "/api/v1/staff/registrations",
            &json!({"session_id": seed.today, "payer": "non_jkn"})
        )
        .await
        .status(),
        403
    );
    let (_, list) = app.get_json(&format!("/api/v1/staff/sessions/{}/queue", seed.today)).await;
    assert_eq!(list["visits"].as_array().unwrap().len(), 2);
    assert_eq!(list["visits"][1]["patient_name"], "Yakobus Uji");
}
