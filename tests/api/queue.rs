//! The staff queue: call next, recall, skip, return, start, finish, cancel, priority.
use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::helpers::*;

/// Three walk-ins at today's session, at 08:05 WIT; returns their visit ids in order.
async fn three_walk_ins(app: &TestApp, session: i32) -> Vec<i64> {
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (status, t) = app
            .post_json("/api/v1/kiosk/tickets", &json!({"session_id": session, "payer": "non_jkn"}))
            .await;
        assert_eq!(status, 201);
        ids.push(app.visit_id(t["booking_code"].as_str().unwrap()));
    }
    ids
}

#[actix_web::test]
async fn a_clinic_day_call_start_finish() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    let ids = three_walk_ins(&app, seed.today).await;
    app.login_as("perawat", Role::Clinic, &["ANA"]).await;

    let (_, called) = app
        .post_json(&format!("/api/v1/staff/sessions/{}/call-next", seed.today), &json!({}))
        .await;
    assert_eq!(called["ticket"], "B-001");
    assert_eq!(called["status"], "called");
    let (_, queue) = app.get_json(&format!("/api/v1/sessions/{}/queue", seed.today)).await;
    assert_eq!(queue["now_serving"][0]["ticket"], "B-001");
    assert_eq!(queue["waiting_count"], 2);
    assert_eq!(queue["next"][0]["ticket"], "B-002");

    let (_, recalled) =
        app.post_json(&format!("/api/v1/staff/visits/{}/recall", ids[0]), &json!({})).await;
    assert_eq!(recalled["call_count"], 2);
    app.clock.advance(chrono::Duration::minutes(2));
    assert_eq!(
        app.post(&format!("/api/v1/staff/visits/{}/start", ids[0]), &json!({})).await.status(),
        200
    );
    app.clock.advance(chrono::Duration::minutes(12));
    let (_, done) =
        app.post_json(&format!("/api/v1/staff/visits/{}/finish", ids[0]), &json!({})).await;
    assert_eq!(done["status"], "done");
    // Illegal: finishing twice, starting a waiting visit.
    let res = app.post(&format!("/api/v1/staff/visits/{}/finish", ids[0]), &json!({})).await;
    assert_eq!(res.status(), 409);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "invalid_transition");
    assert_eq!(
        app.post(&format!("/api/v1/staff/visits/{}/start", ids[1]), &json!({})).await.status(),
        409
    );
    // Every transition is in the audit log with its actor.
    let events: Vec<(String, String)> = diesel::RunQueryDsl::load(
        diesel::QueryDsl::select(
            diesel::QueryDsl::order(
                diesel::QueryDsl::filter(
                    sipoli::db::schema::visit_events::table,
                    diesel::ExpressionMethods::eq(
                        sipoli::db::schema::visit_events::visit_id,
                        ids[0],
                    ),
                ),
                sipoli::db::schema::visit_events::id,
            ),
            (sipoli::db::schema::visit_events::kind, sipoli::db::schema::visit_events::actor),
        ),
        &mut app.conn(),
    )
    .unwrap();
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["registered", "call", "recall", "start", "finish"]);
    assert_eq!(events[1].1, "staff:perawat");
    assert_eq!(events[0].1, "kiosk");
}

#[actix_web::test]
async fn skip_and_return_places_after_the_next_two() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    let mut ids = three_walk_ins(&app, seed.today).await;
    ids.extend(three_walk_ins(&app, seed.today).await);
    app.login_as("perawat", Role::Clinic, &["ANA"]).await;
    let call = format!("/api/v1/staff/sessions/{}/call-next", seed.today);
    app.post(&call, &json!({})).await;
    assert_eq!(
        app.post(&format!("/api/v1/staff/visits/{}/skip", ids[0]), &json!({})).await.status(),
        200
    );
    let (_, back) =
        app.post_json(&format!("/api/v1/staff/visits/{}/return", ids[0]), &json!({})).await;
    assert_eq!(back["status"], "waiting");
    let mut order = Vec::new();
    for _ in 0..6 {
        let (_, v) = app.post_json(&call, &json!({})).await;
        order.push(v["ticket"].as_str().unwrap().to_string());
        app.post(&format!("/api/v1/staff/visits/{}/start", v["id"]), &json!({})).await;
        app.post(&format!("/api/v1/staff/visits/{}/finish", v["id"]), &json!({})).await;
    }
    assert_eq!(order, ["B-002", "B-003", "B-001", "B-004", "B-005", "B-006"]);
    let empty = app.post(&call, &json!({})).await;
    assert_eq!(empty.status(), 409);
    assert_eq!(empty.json::<Value>().await.unwrap()["error"]["code"], "queue_empty");
}

#[actix_web::test]
async fn priority_patients_are_called_first() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    let ids = three_walk_ins(&app, seed.today).await;
    app.login_as("perawat", Role::Clinic, &["ANA"]).await;
    let res = app
        .post(
            &format!("/api/v1/staff/visits/{}/priority", ids[2]),
            &json!({"priority": true, "reason": "lansia"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let (_, v) = app
        .post_json(&format!("/api/v1/staff/sessions/{}/call-next", seed.today), &json!({}))
        .await;
    assert_eq!(v["ticket"], "B-003");
}

#[actix_web::test]
async fn two_clerks_calling_at_once_get_different_patients() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    three_walk_ins(&app, seed.today).await;
    app.login_as("perawat", Role::Clinic, &["ANA"]).await;
    let call = format!("/api/v1/staff/sessions/{}/call-next", seed.today);
    let body = json!({});
    let answers = futures_util::future::join_all((0..5).map(|_| app.post(&call, &body))).await;
    let mut tickets = Vec::new();
    let mut empty = 0;
    for res in answers {
        match res.status().as_u16() {
            200 => tickets
                .push(res.json::<Value>().await.unwrap()["ticket"].as_str().unwrap().to_string()),
            409 => empty += 1,
            s => panic!("status {s}"),
        }
    }
    tickets.sort();
    assert_eq!(tickets, ["B-001", "B-002", "B-003"]);
    assert_eq!(empty, 2);
}

#[actix_web::test]
async fn late_check_in_is_placed_after_the_next_two() {
    let app = TestApp::spawn_at(wit(2026, 11, 30, 9, 0)).await;
    let seed = seed(&app);
    let mut codes = Vec::new();
    for n in 1..=4 {
        let (_, b) = app.post_json("/api/v1/bookings", &booking_body(seed.today, n)).await;
        codes.push(b["booking_code"].as_str().unwrap().to_string());
    }
    // B-002, B-003, B-004 check in on time; B-001 (estimated 08:00) arrives at 08:45.
    app.clock.set(wit(2026, 12, 1, 7, 50));
    for code in &codes[1..] {
        assert_eq!(
            app.post(&format!("/api/v1/bookings/{code}/check-in"), &json!({})).await.status(),
            200
        );
    }
    app.clock.set(wit(2026, 12, 1, 8, 45));
    let (_, st) =
        app.post_json(&format!("/api/v1/bookings/{}/check-in", codes[0]), &json!({})).await;
    assert_eq!(st["status"], "waiting");
    assert_eq!(st["position"], 2, "placed after the next two waiting");
}

#[actix_web::test]
async fn no_shows_are_swept_after_the_session() {
    let app = TestApp::spawn_at(wit(2026, 11, 30, 9, 0)).await;
    let seed = seed(&app);
    let (_, b) = app.post_json("/api/v1/bookings", &booking_body(seed.today, 1)).await;
    app.clock.set(wit(2026, 12, 1, 11, 59));
    sipoli::maintenance::tick(&app.state).await.unwrap();
    let (_, st) =
        app.get_json(&format!("/api/v1/bookings/{}", b["booking_code"].as_str().unwrap())).await;
    assert_eq!(st["status"], "booked");
    app.clock.set(wit(2026, 12, 1, 12, 1));
    sipoli::maintenance::tick(&app.state).await.unwrap();
    let (_, st) =
        app.get_json(&format!("/api/v1/bookings/{}", b["booking_code"].as_str().unwrap())).await;
    assert_eq!(st["status"], "no_show");
}

#[actix_web::test]
async fn estimates_learn_from_measured_service_times() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 0)).await;
    let seed = seed(&app);
    let ids = three_walk_ins(&app, seed.today).await;
    three_walk_ins(&app, seed.today).await;
    app.login_as("perawat", Role::Clinic, &["ANA"]).await;
    // Three services of 20 minutes each.
    for id in &ids {
        app.post(&format!("/api/v1/staff/sessions/{}/call-next", seed.today), &json!({})).await;
        app.post(&format!("/api/v1/staff/visits/{id}/start"), &json!({})).await;
        app.clock.advance(chrono::Duration::minutes(20));
        app.post(&format!("/api/v1/staff/visits/{id}/finish"), &json!({})).await;
    }
    // Now 09:00; the last of the six is 2 behind the first waiting one: 09:00 + 2 × 20 min.
    let code: String = diesel::RunQueryDsl::get_result(
        diesel::QueryDsl::select(
            diesel::QueryDsl::filter(
                sipoli::db::schema::visits::table,
                diesel::ExpressionMethods::eq(sipoli::db::schema::visits::queue_number, 6),
            ),
            sipoli::db::schema::visits::booking_code,
        ),
        &mut app.conn(),
    )
    .unwrap();
    let (_, st) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(st["position"], 2);
    assert_eq!(st["estimated_at"], "2026-12-01T09:40:00+09:00");
}

#[actix_web::test]
async fn two_nodes_share_one_queue() {
    let mut node1 = TestApp::spawn_at(wit(2026, 12, 1, 8, 0)).await;
    let seed = seed(&node1);
    let ids = three_walk_ins(&node1, seed.today).await;
    let mut node2 = node1.another_node().await;
    node1.login_as("perawat", Role::Clinic, &["ANA"]).await;
    node2.token = node1.token.clone();
    // Both nodes call at once: two different patients, in order, never the same one twice.
    let path = format!("/api/v1/staff/sessions/{}/call-next", seed.today);
    let empty = json!({});
    let (a, b) = futures_util::join!(node1.post(&path, &empty), node2.post(&path, &empty));
    let mut called = vec![
        a.json::<Value>().await.unwrap()["id"].as_i64().unwrap(),
        b.json::<Value>().await.unwrap()["id"].as_i64().unwrap(),
    ];
    called.sort();
    assert_eq!(called, ids[..2]);
    let q: Value =
        node2.get(&format!("/api/v1/sessions/{}/queue", seed.today)).await.json().await.unwrap();
    assert_eq!(q["waiting_count"], 1);
}
