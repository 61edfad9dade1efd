//! Weekly schedules, doctor leave, closures and extra sessions.
use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::helpers::*;

#[actix_web::test]
async fn schedules_create_sessions_and_edits_follow() {
    let mut app = TestApp::spawn().await;
    let _ = seed(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    // Wednesday = 3; 2026-12-02 is a Wednesday.
    let body = json!({"clinic": "ANA", "doctor": "D003", "weekday": 3, "starts_at": "13:00", "ends_at": "15:00",
                      "quota_jkn": 10, "quota_non_jkn": 5, "online_limit": 8});
    let (status, created) = app.post_json("/api/v1/staff/schedules", &body).await;
    assert_eq!(status, 201);
    let list: Vec<Value> = app.get("/api/v1/sessions?date=2026-12-02").await.json().await.unwrap();
    let afternoon: Vec<&Value> =
        list.iter().filter(|s| s["starts_at"] == "2026-12-02T13:00:00+09:00").collect();
    assert_eq!(afternoon.len(), 1);
    assert_eq!(afternoon[0]["quota"]["online"], 8);
    let mut changed = body.clone();
    changed["quota_jkn"] = json!(30);
    let res = app.put(&format!("/api/v1/staff/schedules/{}", created["id"]), &changed).await;
    assert_eq!(res.status(), 200);
    let list: Vec<Value> = app.get("/api/v1/sessions?date=2026-12-09").await.json().await.unwrap();
    assert_eq!(
        list.iter().find(|s| s["starts_at"] == "2026-12-09T13:00:00+09:00").unwrap()["quota"]["jkn"],
        30
    );
    // Bad input.
    let mut bad = body.clone();
    bad["ends_at"] = json!("12:00");
    let res = app.post("/api/v1/staff/schedules", &bad).await;
    assert_eq!(res.status(), 422);
    let res = app.delete(&format!("/api/v1/staff/schedules/{}", created["id"])).await;
    assert_eq!(res.status(), 200);
    let list: Vec<Value> = app.get("/api/v1/sessions?date=2026-12-09").await.json().await.unwrap();
    assert!(
        list.iter().all(|s| s["starts_at"] != "2026-12-09T13:00:00+09:00"),
        "ended schedule leaves no empty sessions"
    );
}

#[actix_web::test]
async fn doctor_leave_cancels_the_session_and_its_bookings() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    for n in 1..=3 {
        assert_eq!(
            app.post("/api/v1/bookings", &booking_body(seed.tomorrow, n)).await.status(),
            201
        );
    }
    app.login_as("anak", Role::Clinic, &["ANA"]).await;
    let leave = json!({"kind": "leave", "doctor": "D003", "date": "2026-12-02", "reason": "Cuti sakit", "dry_run": true});
    let (_, preview) = app.post_json("/api/v1/staff/exceptions", &leave).await;
    assert_eq!(preview, json!({"dry_run": true, "sessions": 1, "visits": 3}));
    assert_eq!(app.count("schedule_exceptions"), 0);
    let mut real = leave.clone();
    real["dry_run"] = json!(false);
    let (status, out) = app.post_json("/api/v1/staff/exceptions", &real).await;
    assert_eq!(status, 201);
    assert_eq!(out["cancelled_visits"], 3);
    let list: Vec<Value> = app.get("/api/v1/sessions?date=2026-12-02").await.json().await.unwrap();
    assert_eq!(list[0]["status"], "cancelled");
    let cancelled_events = app.count("visit_events WHERE kind = 'cancel' AND actor = 'staff:anak'");
    assert_eq!(cancelled_events, 3);
    let res = app.post("/api/v1/bookings", &booking_body(seed.tomorrow, 9)).await;
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "session_cancelled");
}

#[actix_web::test]
async fn extra_sessions_and_closures() {
    let mut app = TestApp::spawn().await;
    let _ = seed(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let res = app
        .post(
            "/api/v1/staff/exceptions",
            &json!({"kind": "extra", "doctor": "D003", "clinic": "ANA", "date": "2026-12-05",
               "starts_at": "09:00", "ends_at": "11:00", "quota_jkn": 5, "quota_non_jkn": 5}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let list: Vec<Value> = app.get("/api/v1/sessions?date=2026-12-05").await.json().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["quota"]["online"], 10);
    let res = app
        .post(
            "/api/v1/staff/exceptions",
            &json!({"kind": "closure", "clinic": "ANA", "date": "2026-12-05"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let list: Vec<Value> = app.get("/api/v1/sessions?date=2026-12-05").await.json().await.unwrap();
    assert_eq!(list[0]["status"], "cancelled");
    let past = app
        .post(
            "/api/v1/staff/exceptions",
            &json!({"kind": "closure", "clinic": "ANA", "date": "2026-11-01"}),
        )
        .await;
    assert_eq!(past.status(), 422);
    let nobody =
        app.post("/api/v1/staff/exceptions", &json!({"kind": "leave", "date": "2026-12-05"})).await;
    assert_eq!(nobody.status(), 422);
}
