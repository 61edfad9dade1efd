//! Status by booking code answered from the node's projection (`service::standing_cache`):
//! the same JSON as the database path, and kept fresh across nodes by the LISTEN stream.
use std::time::Duration;

use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::helpers::*;

async fn walk_in(app: &TestApp, session: i32) -> String {
    let (status, t) = app
        .post_json("/api/v1/kiosk/tickets", &json!({"session_id": session, "payer": "non_jkn"}))
        .await;
    assert_eq!(status, 201, "{t}");
    t["booking_code"].as_str().unwrap().to_string()
}

async fn status(app: &TestApp, code: &str) -> Value {
    let (s, body) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(s, 200, "{body}");
    body
}

/// Is `code` answered from the node's memory now?
fn in_memory(app: &TestApp, code: &str) -> bool {
    app.state.live.standing().lookup(code, app.state.tz(), app.state.now()).is_some()
}

/// Poll `code` on `app` until `done` holds (bounded: a few seconds of polling).
async fn until(app: &TestApp, code: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..500 {
        last = status(app, code).await;
        if done(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("node never showed the change: {last}");
}

#[actix_web::test]
async fn the_projection_answers_as_the_database_does() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    let mut codes = Vec::new();
    for _ in 0..3 {
        codes.push(walk_in(&app, seed.today).await);
    }
    let (s, b) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    assert_eq!(s, 201, "{b}");
    codes.push(b["booking_code"].as_str().unwrap().to_string());
    // A fresh node answers its first read from the database and reads the session too;
    // its next answer, from memory, is the same.
    let mut from_db = Vec::new();
    let mut fresh = None;
    for code in &codes {
        let node = app.another_node().await;
        assert!(!in_memory(&node, code));
        let db = status(&node, code).await;
        assert!(in_memory(&node, code), "{code} is in the projection now");
        assert_eq!(status(&node, code).await, db, "same answer from memory");
        from_db.push(db);
        fresh = Some(node);
    }
    let fresh = fresh.unwrap();
    assert_eq!(from_db[2]["position"], 2);
    assert_eq!(from_db[3]["status"], "booked");
    // Later, the estimate moves with the clock, from memory as from the database.
    app.clock.advance(chrono::Duration::minutes(40));
    let later = status(&fresh, &codes[2]).await;
    assert!(in_memory(&fresh, &codes[2]));
    let another = app.another_node().await;
    assert_eq!(later, status(&another, &codes[2]).await);
    assert_ne!(later["estimated_at"], from_db[2]["estimated_at"]);
}

#[actix_web::test]
async fn a_call_and_finish_on_one_node_show_in_status_on_another() {
    let mut one = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&one);
    let mut codes = Vec::new();
    for _ in 0..3 {
        codes.push(walk_in(&one, seed.today).await);
    }
    one.login_as("perawat", Role::Clinic, &["ANA"]).await;
    let two = one.another_node().await;
    // Node two holds the session in memory.
    for code in &codes {
        status(&two, code).await;
    }
    let before = status(&two, &codes[2]).await;
    assert!(in_memory(&two, &codes[2]));
    assert_eq!(before["position"], 2);
    assert_eq!(before["now_serving"], Value::Null);

    let (s, called) = one
        .post_json(&format!("/api/v1/staff/sessions/{}/call-next", seed.today), &json!({}))
        .await;
    assert_eq!(s, 200, "{called}");
    let first = until(&two, &codes[0], |v| v["status"] == "called").await;
    assert_eq!(first["call_count"], 1);
    let third = until(&two, &codes[2], |v| v["position"] == 1).await;
    assert_eq!(third["now_serving"], called["ticket"]);
    // What node two says is what a node reading the database says.
    let reader = one.another_node().await;
    assert_eq!(third, status(&reader, &codes[2]).await);

    let id = one.visit_id(&codes[0]);
    for action in ["start", "finish"] {
        let res = one.post(&format!("/api/v1/staff/visits/{id}/{action}"), &json!({})).await;
        assert_eq!(res.status(), 200, "{action}");
    }
    let done = until(&two, &codes[0], |v| v["status"] == "done").await;
    let third = until(&two, &codes[2], |v| v["now_serving"].is_null()).await;
    assert_eq!(third["position"], 1);
    let reader = one.another_node().await;
    assert_eq!(done, status(&reader, &codes[0]).await);
    assert_eq!(third, status(&reader, &codes[2]).await);
}
