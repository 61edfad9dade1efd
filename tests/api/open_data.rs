//! Open data: the daily figures from a seeded day with known waits (medians, p90, the
//! 60-minute share, punctuality, small-group suppression), no personal data, caching, the
//! one-year limit, live figures, and the signed daily push retried until accepted.
use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Duration;
use diesel::RunQueryDsl;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use sipoli::app::AppState;
use sipoli::auth::Role;
use sipoli::jobs::Worker;

use crate::helpers::*;

/// A session of another clinic today (08:00–12:00, same doctor); its id.
pub fn session_of(app: &TestApp, clinic_id: i32) -> i32 {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Int4)]
        id: i32,
    }
    let row: Id = diesel::sql_query(
        "INSERT INTO clinic_sessions (clinic_id, doctor_id, service_date, starts_at, ends_at,
                                      quota_jkn, quota_non_jkn, online_limit)
         SELECT $1, id, '2026-12-01', '08:00', '12:00', 10, 5, 5 FROM doctors LIMIT 1
         RETURNING id",
    )
    .bind::<diesel::sql_types::Int4, _>(clinic_id)
    .get_result(&mut app.conn())
    .unwrap();
    row.id
}

/// Walk-ins checked in at 08:05 WIT, each called after its wait in `waits` (minutes,
/// rising), started at once and finished 5 minutes later. Returns their booking codes.
pub async fn serve_day(app: &TestApp, session: i32, waits: &[i64], phone: bool) -> Vec<String> {
    app.clock.set(wit(2026, 12, 1, 8, 5));
    let mut codes = Vec::new();
    for _ in waits {
        let mut body = json!({"session_id": session, "payer": "non_jkn"});
        if phone {
            body["phone"] = json!("081234567890");
        }
        let (status, t) = app.post_json("/api/v1/kiosk/tickets", &body).await;
        assert_eq!(status, 201, "{t}");
        codes.push(t["booking_code"].as_str().unwrap().to_string());
    }
    let nurse = app.token_for("perawat-hari", Role::Admin, &[]).await;
    let post = |path: String| {
        let nurse = nurse.clone();
        async move {
            let (status, body) =
                app.send_as(reqwest::Method::POST, &path, Some(&nurse), Some(&json!({}))).await;
            assert_eq!(status, 200, "{path}: {body}");
            body
        }
    };
    for wait in waits {
        app.clock.set(wit(2026, 12, 1, 8, 5) + Duration::minutes(*wait));
        let called = post(format!("/api/v1/staff/sessions/{session}/call-next")).await;
        let id = called["id"].as_i64().unwrap();
        post(format!("/api/v1/staff/visits/{id}/start")).await;
        app.clock.advance(Duration::minutes(5));
        post(format!("/api/v1/staff/visits/{id}/finish")).await;
    }
    codes
}

fn row<'a>(rows: &'a Value, clinic: &str) -> &'a Value {
    rows["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["clinic"] == clinic)
        .unwrap_or_else(|| panic!("no row of {clinic}: {rows}"))
}

#[actix_web::test]
async fn the_daily_figures_of_a_seeded_day() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let gig = add_clinic(&app, "GIG", "Poli Gigi", "G");
    let small = session_of(&app, gig);
    // Waits 10, 20, 30, 40, 70, 90: median 35, p90 80, 4 of 6 within 60 minutes; the
    // doctor's first call at 08:15, a quarter of an hour after the 08:00 start.
    serve_day(&app, seed.today, &[10, 20, 30, 40, 70, 90], false).await;
    // Poli Gigi served two patients only: counts, no times.
    serve_day(&app, small, &[100, 110], false).await;
    app.clock.set(wit(2026, 12, 2, 7, 0));

    let (status, daily) = app.get_json("/api/v1/open/daily?from=2026-12-01&to=2026-12-01").await;
    assert_eq!(status, 200, "{daily}");
    println!("{daily:#}");
    let ana = row(&daily, "ANA");
    assert_eq!(ana["date"], "2026-12-01");
    assert_eq!(ana["station"], Value::Null);
    assert_eq!(ana["booked_kiosk"], 6);
    assert_eq!(ana["booked_online"], 0);
    assert_eq!(ana["quota_offered"], 30);
    assert_eq!(ana["served"], 6);
    assert_eq!(ana["no_shows"], 0);
    assert_eq!(ana["wait_median_min"], 35.0);
    assert_eq!(ana["wait_p90_min"], 80.0);
    assert_eq!(ana["within_60_share"], 0.667);
    assert_eq!(ana["service_median_min"], 5.0);
    assert_eq!(ana["punctuality_median_min"], 15.0);
    assert_eq!(ana["sessions_cancelled"], 0);

    let gig = row(&daily, "GIG");
    assert_eq!(gig["served"], 2);
    assert_eq!(gig["quota_offered"], 15);
    for hidden in ["wait_median_min", "wait_p90_min", "within_60_share", "service_median_min"] {
        assert_eq!(gig[hidden], Value::Null, "{hidden} of a group under 5");
    }

    // One clinic only; the CSV has the same figures under the contract's header.
    let (_, only) =
        app.get_json("/api/v1/open/daily?from=2026-12-01&to=2026-12-01&clinic=gig").await;
    assert_eq!(only["rows"].as_array().unwrap().len(), 1);
    let csv = app.get("/api/v1/open/daily.csv?from=2026-12-01&to=2026-12-01").await;
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "date,clinic,station,booked_online,booked_jkn,booked_kiosk,booked_counter,quota_offered,served,no_shows,wait_median_min,wait_p90_min,within_60_share,service_median_min,punctuality_median_min,sessions_cancelled,patients_affected,complaints_received,complaints_closed,complaints_overdue,feedback_count,rating_mean"
    );
    assert!(
        text.contains("2026-12-01,ANA,,0,0,6,0,30,6,0,35.0,80.0,0.667,5.0,15.0,0,0,0,0,0,0,"),
        "{text}"
    );
    assert!(text.contains("2026-12-01,GIG,,0,0,2,0,15,2,0,,,,,"), "{text}");
}

#[actix_web::test]
async fn the_feed_carries_no_personal_data() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let mut body = booking_body(seed.tomorrow, 7);
    body["patient"]["email"] = json!("yohana.wenda@example.test");
    body["patient"]["name"] = json!("Yohana Wenda");
    let (_, booked) = app.post_json("/api/v1/bookings", &body).await;
    let booking = booked["booking_code"].as_str().unwrap().to_string();
    let (_, walk_in) = app
        .post_json(
            "/api/v1/kiosk/tickets",
            &json!({"session_id": seed.today, "payer": "jkn", "phone": "081299887766"}),
        )
        .await;
    let walk_in = walk_in["booking_code"].as_str().unwrap().to_string();
    let (status, _) = app
        .post_json(
            "/api/v1/complaints",
            &json!({"category": "pelayanan", "text": "Nama saya Yohana Wenda, NIK saya ditulis salah.",
                    "booking_code": booking, "contact": "0811223344556"}),
        )
        .await;
    assert_eq!(status, 201);
    let secrets = [
        nik(7),
        "Yohana".to_string(),
        "yohana.wenda@example.test".into(),
        "081234567890".into(),
        "081299887766".into(),
        "0811223344556".into(),
        booking.clone(),
        walk_in.clone(),
        "1990-05-17".into(),
    ];
    let mut bodies = Vec::new();
    for path in [
        "/api/v1/open/daily?from=2026-11-01&to=2026-12-31",
        "/api/v1/open/daily.csv?from=2026-11-01&to=2026-12-31",
        "/api/v1/open/today",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        bodies.push((path, res.text().await.unwrap()));
    }
    for (path, text) in &bodies {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{path} shows {secret}: {text}");
        }
    }
    // Every field of a row is one of the contract's, in its order.
    let daily: Value = serde_json::from_str(&bodies[0].1).unwrap();
    let fields: Vec<&str> =
        daily["fields"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    for r in daily["rows"].as_array().unwrap() {
        let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        let mut sorted_fields = fields.clone();
        sorted_fields.sort();
        let mut keys = keys;
        keys.sort();
        assert_eq!(keys, sorted_fields);
    }
    let ana = row(&daily, "ANA");
    assert_eq!(ana["complaints_received"], 1);
}

#[actix_web::test]
async fn the_feed_is_cacheable_and_refuses_more_than_a_year() {
    let app = TestApp::spawn().await;
    seed(&app);
    let path = "/api/v1/open/daily?from=2026-11-01&to=2026-11-30";
    let first = app.get(path).await;
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    assert!(first.headers()["cache-control"].to_str().unwrap().contains("max-age=3600"));
    let again = app
        .request(reqwest::Method::GET, path)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    let csv = app.get("/api/v1/open/daily.csv?from=2026-11-01&to=2026-11-30").await;
    assert_ne!(csv.headers()["etag"].to_str().unwrap(), etag);

    let (status, refused) = app.get_json("/api/v1/open/daily?from=2025-01-01&to=2026-11-30").await;
    assert_eq!(status, 422);
    assert_eq!(refused["error"]["code"], "range_too_long");
    assert!(refused["error"]["message"].as_str().unwrap().contains("satu tahun"), "{refused}");
    let res = app
        .request(reqwest::Method::GET, "/api/v1/open/daily.csv?from=2025-01-01&to=2026-11-30")
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("one year"), "{body}");
    let (status, _) = app.get_json("/api/v1/open/daily?from=2026-12-05&to=2026-12-01").await;
    assert_eq!(status, 422);
    let (status, _) = app.get_json("/api/v1/open/daily?from=1%20Desember").await;
    assert_eq!(status, 422);
    // Exactly a year (2028 is a leap year: 366 days) is fine.
    let (status, _) = app.get_json("/api/v1/open/daily?from=2028-01-01&to=2028-12-31").await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn today_shows_who_waits_and_the_longest_wait_of_groups_of_five() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 8, 0)).await;
    let seed = seed(&app);
    let gig = add_clinic(&app, "GIG", "Poli Gigi", "G");
    let small = session_of(&app, gig);
    for i in 0..6 {
        app.clock.set(wit(2026, 12, 1, 8, i * 5));
        app.post("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "jkn"})).await;
    }
    app.post("/api/v1/kiosk/tickets", &json!({"session_id": small, "payer": "jkn"})).await;
    app.clock.set(wit(2026, 12, 1, 9, 0));
    let (status, today) = app.get_json("/api/v1/open/today").await;
    assert_eq!(status, 200, "{today}");
    let clinic = |code: &str| {
        today["clinics"].as_array().unwrap().iter().find(|c| c["code"] == code).unwrap().clone()
    };
    assert_eq!(clinic("ANA")["waiting"], 6);
    assert_eq!(clinic("ANA")["longest_wait_min"], 60);
    assert_eq!(clinic("GIG")["waiting"], 1);
    assert_eq!(clinic("GIG")["longest_wait_min"], Value::Null);
    assert_eq!(today["waiting"], 7);
    assert_eq!(today["longest_wait_min"], 60);
}

type Seen = Arc<Mutex<Vec<(Option<String>, Vec<u8>)>>>;

/// A command center's receiver on loopback: answers with `statuses` in turn, then 200.
async fn receiver(statuses: Vec<u16>) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let answers = Arc::new(Mutex::new(statuses));
    let s = seen.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = actix_web::HttpServer::new(move || {
        let (seen, answers) = (s.clone(), answers.clone());
        actix_web::App::new().route(
            "/opendata",
            web::post().to(move |req: HttpRequest, body: web::Bytes| {
                let (seen, answers) = (seen.clone(), answers.clone());
                async move {
                    let signature = req
                        .headers()
                        .get("X-Sipoli-Signature")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    seen.lock().unwrap().push((signature, body.to_vec()));
                    let mut answers = answers.lock().unwrap();
                    let status = if answers.is_empty() { 202 } else { answers.remove(0) };
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                        .finish()
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    (format!("http://127.0.0.1:{port}/opendata"), seen)
}

#[actix_web::test]
async fn yesterdays_rows_are_pushed_at_six_signed_retried_and_delivered_once() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    serve_day(&app, seed.today, &[10, 20, 30, 40, 70], false).await;
    let (url, seen) = receiver(vec![503, 500]).await;
    let mut settings = (*app.state.settings).clone();
    settings.jobs.opendata_webhook_url = Some(url);
    settings.jobs.opendata_webhook_secret =
        Some(sipoli::config::Secret::new("kunci-command-center"));
    let state = AppState::new(test_pool(&app.db.url), settings, Arc::new(app.clock.clone()));
    let worker = Worker::new(state.clone()).unwrap();

    worker.run_until_empty().await.unwrap();
    // 05:59 WIT on 2 December: not yet.
    app.clock.set(wit(2026, 12, 2, 5, 59));
    assert_eq!(sipoli::jobs::civic::scan(&state).await.unwrap().1, 0);
    app.clock.set(wit(2026, 12, 2, 6, 0));
    assert_eq!(sipoli::jobs::civic::scan(&state).await.unwrap().1, 1);
    assert_eq!(sipoli::jobs::civic::scan(&state).await.unwrap().1, 0, "once a day");
    let first = worker.run_until_empty().await.unwrap();
    assert_eq!((first.sent, first.failed), (0, 1));
    app.clock.advance(Duration::minutes(2));
    assert_eq!(worker.run_until_empty().await.unwrap().failed, 1);
    app.clock.advance(Duration::minutes(5));
    assert_eq!(worker.run_until_empty().await.unwrap().sent, 1);
    app.clock.advance(Duration::hours(12));
    sipoli::jobs::civic::scan(&state).await.unwrap();
    assert_eq!(worker.run_until_empty().await.unwrap().claimed, 0, "delivered once");

    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 3, "two refusals, one acceptance");
    for (signature, body) in &requests {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"kunci-command-center").unwrap();
        mac.update(body);
        assert_eq!(signature.as_deref(), Some(hex::encode(mac.finalize().into_bytes()).as_str()));
    }
    let body: Value = serde_json::from_slice(&requests[2].1).unwrap();
    assert_eq!(body["date"], "2026-12-01");
    assert_eq!(body["fields"][0], "date");
    let ana = body["rows"].as_array().unwrap().iter().find(|r| r["clinic"] == "ANA").unwrap();
    assert_eq!(ana["served"], 5);
    assert_eq!(ana["wait_median_min"], 30.0);
}
