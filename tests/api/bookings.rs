//! Public booking routes: sessions, booking, status, cancel, check-in, kiosk tickets.
use serde_json::{Value, json};

use crate::helpers::*;

#[actix_web::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    let (_, ready) = app.get_json("/readyz").await;
    assert_eq!(ready["database"], "ok");
}

#[actix_web::test]
async fn today_is_the_wit_date_even_before_9_in_the_morning() {
    // 07:30 WIT on 1 December is 22:30 UTC on 30 November.
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let sessions: Vec<Value> = app.get("/api/v1/sessions").await.json().await.unwrap();
    assert_eq!(sessions.len(), 1, "only the WIT today's session: {sessions:?}");
    assert_eq!(sessions[0]["id"], seed.today);
    assert_eq!(sessions[0]["date"], "2026-12-01");
    assert_eq!(sessions[0]["starts_at"], "2026-12-01T08:00:00+09:00");
}

#[actix_web::test]
async fn sessions_list_quota_and_remaining() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let res = app.post("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    assert_eq!(res.status(), 201);
    let list: Vec<Value> =
        app.get("/api/v1/sessions?date=2026-12-02&clinic=ana").await.json().await.unwrap();
    assert_eq!(list.len(), 1);
    let s = &list[0];
    assert_eq!(s["clinic"]["code"], "ANA");
    assert_eq!(s["doctor"]["bpjs_code"], 310103);
    assert_eq!(s["quota"], json!({"jkn": 20, "non_jkn": 10, "online": 25}));
    assert_eq!(s["remaining"], json!({"jkn": 20, "non_jkn": 9, "online": 24}));
    let bad = app.get("/api/v1/sessions?date=02-12-2026").await;
    assert_eq!(bad.status(), 400);
}

#[actix_web::test]
async fn clinics_are_listed() {
    let app = TestApp::spawn().await;
    seed(&app);
    let list: Vec<Value> = app.get("/api/v1/clinics").await.json().await.unwrap();
    assert_eq!(
        list,
        vec![
            json!({"code": "ANA", "name": "Poli Anak", "name_en": "", "prefix": "B", "bpjs_code": "ANA", "room": "Ruang 2"})
        ]
    );
}

#[actix_web::test]
async fn booking_gives_code_ticket_and_estimate() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let (status, first) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    assert_eq!(status, 201);
    assert_eq!(first["ticket"], "B-001");
    assert_eq!(first["queue_number"], 1);
    assert_eq!(first["status"], "booked");
    assert_eq!(first["estimated_at"], "2026-12-02T08:00:00+09:00");
    let code = first["booking_code"].as_str().unwrap();
    assert_eq!(code.len(), 8);
    assert!(code.chars().all(|c| "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c)));

    let (_, second) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 2)).await;
    assert_eq!(second["ticket"], "B-002");
    assert_eq!(
        second["estimated_at"], "2026-12-02T08:10:00+09:00",
        "one patient ahead × 10 minutes"
    );

    let (_, status) = app
        .get_json(&format!("/api/v1/bookings/{}", second["booking_code"].as_str().unwrap()))
        .await;
    assert_eq!(status["ticket"], "B-002");
    assert_eq!(status["position"], 1);
    assert_eq!(status["clinic"]["name"], "Poli Anak");
    assert_eq!(status["doctor"]["name"], "dr. Ruth Kogoya, Sp.A");
    let text = status.to_string();
    assert!(!text.contains("Pasien Uji") && !text.contains(&nik(2)), "no personal data: {text}");
    // Codes are read leniently: lower case and O for 0.
    let lower = code.to_lowercase();
    assert_eq!(app.get(&format!("/api/v1/bookings/{lower}")).await.status(), 200);
    assert_eq!(app.get("/api/v1/bookings/ZZZZZZZZ").await.status(), 404);
}

#[actix_web::test]
async fn refusals_write_nothing() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            {
                let mut b = booking_body(seed.tomorrow, 1);
                b["patient"]["nik"] = json!("12345");
                b
            },
            422,
            "invalid_nik",
        ),
        (
            {
                let mut b = booking_body(seed.tomorrow, 1);
                b["patient"]["phone"] = json!("12345");
                b
            },
            422,
            "invalid_phone",
        ),
        (
            {
                let mut b = booking_body(seed.tomorrow, 1);
                b["payer"] = json!("jkn");
                b["patient"]["bpjs_no"] = json!("0001");
                b
            },
            422,
            "invalid_bpjs_no",
        ),
        (
            {
                let mut b = booking_body(seed.tomorrow, 1);
                b["payer"] = json!("jkn");
                b
            },
            422,
            "bpjs_no_required",
        ),
        (
            {
                let mut b = booking_body(seed.tomorrow, 1);
                b["patient"]["birth_date"] = json!("17/05/1990");
                b
            },
            422,
            "invalid_date",
        ),
        (
            {
                let mut b = booking_body(seed.tomorrow, 1);
                b["payer"] = json!("gratis");
                b
            },
            422,
            "invalid_payer",
        ),
        (booking_body(999_999, 1), 404, "unknown_session"),
        // Today's session starts at 08:00; online booking closed at 07:00.
        (booking_body(seed.today, 1), 409, "booking_closed"),
    ];
    for (body, status, code) in cases {
        let res = app.post("/api/v1/bookings", &body).await;
        assert_eq!(res.status().as_u16(), status, "{code}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], code, "{err}");
        assert!(!err["error"]["message"].as_str().unwrap().is_empty());
    }
    // Malformed and oversize bodies.
    let res = app
        .client
        .post(app.url("/api/v1/bookings"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "malformed_json");
    let huge = json!({"session_id": seed.tomorrow, "payer": "umum", "patient": {"name": "x".repeat(100_000)}});
    let res = app.post("/api/v1/bookings", &huge).await;
    assert_eq!(res.status(), 413);
    assert_eq!(app.count("visits"), 0);
    assert_eq!(app.count("patients"), 0);
    assert_eq!(app.count("visit_events"), 0);
}

#[actix_web::test]
async fn errors_speak_english_when_asked() {
    let app = TestApp::spawn().await;
    let mut body = booking_body(1, 1);
    body["patient"]["nik"] = json!("abc");
    let (_, id) = app.post_json("/api/v1/bookings", &body).await;
    let en: Value = app
        .client
        .post(app.url("/api/v1/bookings"))
        .header("Accept-Language", "en-US,en;q=0.8")
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(id["error"]["code"], en["error"]["code"]);
    assert_ne!(id["error"]["message"], en["error"]["message"]);
    assert!(en["error"]["fields"]["patient.nik"]["message"].as_str().unwrap().contains("NIK"));
}

#[actix_web::test]
async fn past_dates_and_far_future_are_refused() {
    let app = TestApp::spawn_at(wit(2026, 12, 2, 13, 0)).await;
    let seed = seed(&app);
    let (status, err) = app.post_json("/api/v1/bookings", &booking_body(seed.today, 1)).await;
    assert_eq!(status, 409);
    assert_eq!(err["error"]["code"], "date_in_past");
    // A session 45 days ahead is outside the 30-day window.
    app.clock.set(wit(2026, 10, 15, 9, 0));
    let res = app.post("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "too_far_ahead");
    assert_eq!(app.count("visits"), 0);
}

#[actix_web::test]
async fn duplicate_booking_and_identity_mismatch() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    assert_eq!(app.post("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await.status(), 201);
    let (status, err) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    assert_eq!(status, 409);
    assert_eq!(err["error"]["code"], "duplicate_booking");
    // Same NIK, another birth date: somebody guessing a NIK.
    let mut other = booking_body(seed.today, 1);
    other["session_id"] = json!(seed.tomorrow);
    other["patient"]["birth_date"] = json!("1985-01-01");
    let (status, err) = app.post_json("/api/v1/bookings", &other).await;
    assert_eq!(status, 422);
    // The NIK itself encodes 17-05-90 (issue 14): refused before any record is read.
    assert_eq!(err["error"]["code"], "nik_birth_date_mismatch");
    assert_eq!(app.count("visits"), 1);
    // The quota counter moved once only.
    let list: Vec<Value> = app.get("/api/v1/sessions?date=2026-12-02").await.json().await.unwrap();
    assert_eq!(list[0]["remaining"]["non_jkn"], 9);
}

#[actix_web::test]
async fn quota_full_and_online_limit() {
    let app = TestApp::spawn().await;
    let seed = seed_with(&app, 5, 2, 3);
    for n in 1..=2 {
        assert_eq!(
            app.post("/api/v1/bookings", &booking_body(seed.tomorrow, n)).await.status(),
            201
        );
    }
    let res = app.post("/api/v1/bookings", &booking_body(seed.tomorrow, 3)).await;
    assert_eq!(res.status(), 409);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "quota_full");
    let mut jkn = booking_body(seed.tomorrow, 4);
    jkn["payer"] = json!("jkn");
    jkn["patient"]["bpjs_no"] = json!("0001234567890");
    assert_eq!(app.post("/api/v1/bookings", &jkn).await.status(), 201);
    // Online limit (3) reached although JKN quota (5) is not.
    let mut jkn2 = booking_body(seed.tomorrow, 5);
    jkn2["payer"] = json!("jkn");
    jkn2["patient"]["bpjs_no"] = json!("0001234567891");
    let (status, err) = app.post_json("/api/v1/bookings", &jkn2).await;
    assert_eq!(status, 409);
    assert_eq!(err["error"]["code"], "quota_full");
    assert!(err["error"]["message"].as_str().unwrap().contains("online"));
}

#[actix_web::test]
async fn cancelled_sessions_refuse_bookings() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "UPDATE clinic_sessions SET status = 'cancelled' WHERE id = {}",
            seed.tomorrow
        )),
        &mut app.conn(),
    )
    .unwrap();
    let res = app.post("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    assert_eq!(res.status(), 409);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "session_cancelled");
    assert_eq!(app.count("visits"), 0);
}

#[actix_web::test]
async fn idempotency_key_returns_the_first_answer() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let body = booking_body(seed.tomorrow, 1);
    let a = app.post_with_key("/api/v1/bookings", &body, "retry-1").await;
    assert_eq!(a.status(), 201);
    let a: Value = a.json().await.unwrap();
    let b = app.post_with_key("/api/v1/bookings", &body, "retry-1").await;
    assert_eq!(b.status(), 201);
    assert_eq!(b.headers()["Idempotent-Replayed"], "true");
    let b: Value = b.json().await.unwrap();
    assert_eq!(a, b);
    assert_eq!(app.count("visits"), 1);
    // Same key, another body.
    let res =
        app.post_with_key("/api/v1/bookings", &booking_body(seed.tomorrow, 2), "retry-1").await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "idempotency_key_reused");
    assert_eq!(app.count("visits"), 1);
}

#[actix_web::test]
async fn concurrent_retries_with_one_key_make_one_visit() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 8, 30)).await;
    let seed = seed(&app);
    let body = json!({"session_id": seed.today, "payer": "non_jkn"});
    let tries = (0..10).map(|_| app.post_with_key("/api/v1/kiosk/tickets", &body, "double-tap"));
    let answers = futures_util::future::join_all(tries).await;
    let mut tickets = std::collections::BTreeSet::new();
    for res in answers {
        assert_eq!(res.status(), 201);
        tickets.insert(res.json::<Value>().await.unwrap()["ticket"].as_str().unwrap().to_string());
    }
    assert_eq!(tickets.len(), 1);
    assert_eq!(app.count("visits"), 1);
}

#[actix_web::test]
async fn cancel_needs_the_birth_date_and_frees_the_place() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let (_, booked) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    let code = booked["booking_code"].as_str().unwrap();
    let wrong = app
        .post(&format!("/api/v1/bookings/{code}/cancel"), &json!({"birth_date": "1991-01-01"}))
        .await;
    assert_eq!(wrong.status(), 422);
    let ok = app
        .post(&format!("/api/v1/bookings/{code}/cancel"), &json!({"birth_date": "1990-05-17"}))
        .await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.json::<Value>().await.unwrap()["status"], "cancelled");
    let again = app
        .post(&format!("/api/v1/bookings/{code}/cancel"), &json!({"birth_date": "1990-05-17"}))
        .await;
    assert_eq!(again.status(), 409);
    assert_eq!(again.json::<Value>().await.unwrap()["error"]["code"], "invalid_transition");
    let list: Vec<Value> = app.get("/api/v1/sessions?date=2026-12-02").await.json().await.unwrap();
    assert_eq!(list[0]["remaining"]["non_jkn"], 10, "the place is free again");
    // The same patient may book again.
    assert_eq!(app.post("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await.status(), 201);
}

#[actix_web::test]
async fn check_in_on_the_day_only() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let (_, booked) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    let code = booked["booking_code"].as_str().unwrap();
    let early = app.post(&format!("/api/v1/bookings/{code}/check-in"), &json!({})).await;
    assert_eq!(early.status(), 409);
    assert_eq!(early.json::<Value>().await.unwrap()["error"]["code"], "not_today");
    app.clock.set(wit(2026, 12, 2, 7, 45));
    let (status, st) =
        app.post_json(&format!("/api/v1/bookings/{code}/check-in"), &json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(st["status"], "waiting");
    let twice = app.post(&format!("/api/v1/bookings/{code}/check-in"), &json!({})).await;
    assert_eq!(twice.status(), 409);
    app.clock.set(wit(2026, 12, 2, 12, 30));
    let booked2: Value = {
        app.clock.set(wit(2026, 12, 1, 9, 0));
        app.post("/api/v1/bookings", &booking_body(seed.tomorrow, 2)).await.json().await.unwrap()
    };
    app.clock.set(wit(2026, 12, 2, 12, 30));
    let late = app
        .post(
            &format!("/api/v1/bookings/{}/check-in", booked2["booking_code"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    assert_eq!(late.status(), 409);
    assert_eq!(late.json::<Value>().await.unwrap()["error"]["code"], "session_over");
}

#[actix_web::test]
async fn kiosk_tickets_follow_the_kiosk_window() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 5, 30)).await;
    let seed = seed(&app);
    let body = json!({"session_id": seed.today, "payer": "jkn", "phone": "0812 3456 7890"});
    let res = app.post("/api/v1/kiosk/tickets", &body).await;
    assert_eq!(res.status(), 409);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "kiosk_not_open_yet");
    app.clock.set(wit(2026, 12, 1, 8, 5));
    let (status, t) = app.post_json("/api/v1/kiosk/tickets", &body).await;
    assert_eq!(status, 201);
    assert_eq!(t["status"], "waiting");
    assert_eq!(t["ticket"], "B-001");
    assert_eq!(t["position"], 0);
    let text = t.to_string();
    assert!(!text.contains("0812"), "the phone number is not echoed: {text}");
    app.clock.set(wit(2026, 12, 1, 11, 45));
    let res = app.post("/api/v1/kiosk/tickets", &body).await;
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "kiosk_closed");
    let bad = app
        .post(
            "/api/v1/kiosk/tickets",
            &json!({"session_id": seed.today, "payer": "jkn", "phone": "999"}),
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert_eq!(app.count("visits"), 1);
}

#[actix_web::test]
async fn two_hundred_parallel_bookings_never_overbook() {
    let app = TestApp::spawn().await;
    let seed = seed_with(&app, 0, 50, 50);
    let bodies: Vec<Value> = (1..=200).map(|n| booking_body(seed.tomorrow, n)).collect();
    let tries = bodies.iter().map(|body| app.post("/api/v1/bookings", body));
    let answers = futures_util::future::join_all(tries).await;
    let (mut created, mut full, mut numbers) = (0, 0, Vec::new());
    for res in answers {
        match res.status().as_u16() {
            201 => {
                created += 1;
                numbers.push(res.json::<Value>().await.unwrap()["queue_number"].as_i64().unwrap());
            }
            409 => {
                assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "quota_full");
                full += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!((created, full), (50, 150));
    numbers.sort();
    assert_eq!(numbers, (1..=50).collect::<Vec<i64>>(), "unique and gap-free");
    assert_eq!(app.count("visits"), 50);
}
