//! Station boards are live: a `visit_steps` trigger NOTIFYs `sipoli_steps` with the station,
//! every node's listener relays it to `GET /api/v1/displays/stations/events`, and the board
//! refetches. A call made through one node reaches a board's stream on another node; a
//! real Chromium board shows and announces a counter call without polling.
use std::time::Duration;

use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::browser::Browser;
use crate::helpers::{TestApp, seed, wit};
use crate::live::{Sse, listening};

/// Frames of a station-board stream (they carry no `id:`) until one says `station`
/// changed (inclusive).
async fn until_changed(stream: &mut Sse, station: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let (_, frame) = stream.next_frame().await;
        let done = frame["kind"] == "changed" && frame["station"] == station;
        seen.push(frame);
        if done {
            return seen;
        }
    }
}

async fn counter_ticket(app: &TestApp) -> Value {
    let (status, t) = app
        .post_json("/api/v1/kiosk/tickets", &json!({"station": "PENDAFTARAN", "payer": "jkn"}))
        .await;
    assert_eq!(status, 201, "{t}");
    t
}

#[actix_web::test]
async fn a_counter_call_through_one_node_reaches_a_station_board_stream_on_another() {
    let mut one = TestApp::spawn_at(wit(2026, 12, 1, 7, 30)).await;
    let seed = seed(&one);
    sipoli::demo::seed_stations(&mut one.conn()).expect("stations");
    one.login_as("loket", Role::Registration, &[]).await;
    let two = one.another_node().await;
    listening(&one).await;
    listening(&two).await;

    let mut counter =
        Sse::open(&two, "/api/v1/displays/stations/events?stations=PENDAFTARAN", None).await;
    let mut mixed =
        Sse::open(&two, "/api/v1/displays/stations/events?stations=kasir,FARMASI", None).await;
    assert!(two.state.live.steps().clients() >= 2);

    // A registration ticket (no visit yet, so no visit event) and its call, on node one.
    let ticket = counter_ticket(&one).await;
    assert_eq!(ticket["ticket"], "P-001");
    until_changed(&mut counter, "PENDAFTARAN").await;
    let (status, called) =
        one.post_json("/api/v1/staff/stations/PENDAFTARAN/call-next", &json!({"desk": 2})).await;
    assert_eq!(status, 200, "{called}");
    until_changed(&mut counter, "PENDAFTARAN").await;
    // The board refetches and sees the call with its desk.
    let (status, state) = two.get_json("/api/v1/displays/stations?stations=PENDAFTARAN").await;
    assert_eq!(status, 200);
    assert_eq!(state["stations"][0]["calls"][0]["ticket"], "P-001");
    assert_eq!(state["stations"][0]["calls"][0]["desk"], 2);
    // A recall (same row, call_count + 1) is a change too.
    let step = called["step_id"].as_i64().unwrap();
    let (status, _) =
        one.post_json(&format!("/api/v1/staff/steps/{step}/recall"), &json!({})).await;
    assert_eq!(status, 200);
    until_changed(&mut counter, "PENDAFTARAN").await;

    // The pharmacy/cashier board heard none of the counter's changes: the first frame it
    // gets is the pharmacy's, when a doctor forwards a visit there (through node one).
    one.login_as("anak", Role::Clinic, &["ANA"]).await;
    let (status, t) = one
        .post_json("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "non_jkn"}))
        .await;
    assert_eq!(status, 201, "{t}");
    let (status, visit) = one
        .post_json(&format!("/api/v1/staff/sessions/{}/call-next", seed.today), &json!({}))
        .await;
    assert_eq!(status, 200, "{visit}");
    let visit = visit["id"].as_i64().unwrap();
    let (status, _) =
        one.post_json(&format!("/api/v1/staff/visits/{visit}/start"), &json!({})).await;
    assert_eq!(status, 200);
    let next = json!({"next": {"station": "FARMASI", "prescription": "racikan"}});
    let (status, done) =
        one.post_json(&format!("/api/v1/staff/visits/{visit}/finish"), &next).await;
    assert_eq!(status, 200, "{done}");
    let (_, first) = mixed.next_frame().await;
    assert_eq!(first, json!({"kind": "changed", "station": "FARMASI"}), "{}", mixed.raw);
    assert!(!mixed.raw.contains("PENDAFTARAN"), "{}", mixed.raw);
    let code = ticket["booking_code"].as_str().unwrap();
    for secret in ["Pasien", code, "P-001", "nik"] {
        assert!(!counter.raw.contains(secret), "{secret} on a public stream: {}", counter.raw);
    }
    assert!(counter.raw.starts_with("retry: "), "{}", counter.raw);

    // Bad station lists are refused plainly.
    let (status, body) = two.get_json("/api/v1/displays/stations/events").await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = two.get_json("/api/v1/displays/stations/events?stations=NOPE").await;
    assert_eq!(status, 404, "{body}");
}

async fn js(b: &Browser, script: &str) -> Value {
    b.client.execute(script, vec![]).await.unwrap()
}

/// Wait (up to 10 s) until `script` returns true.
async fn wait_js(b: &Browser, script: &str) {
    for _ in 0..100 {
        if js(b, script).await == true {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "never true: {script}; board: {}",
        js(b, "return JSON.stringify(window.SIPOLI_STATION_BOARD);").await
    );
}

#[actix_web::test]
async fn a_station_board_shows_and_announces_a_counter_call_from_its_stream_without_polling() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 7, 30)).await;
    sipoli::demo::seed_stations(&mut app.conn()).expect("stations");
    app.login_as("loket", Role::Registration, &[]).await;
    listening(&app).await;

    let b = Browser::start(1920, 1080).await;
    b.client.goto(&app.url("/display?stations=PENDAFTARAN")).await.unwrap();
    b.wait_css("[data-station=\"PENDAFTARAN\"]").await;
    // Live: the stream is open, the board does not poll.
    wait_js(&b, "var i = window.SIPOLI_STATION_BOARD; return i.live && !i.polling;").await;
    assert!(app.state.live.steps().clients() >= 1);
    assert_eq!(js(&b, "return window.SIPOLI_STATION_BOARD.pollMs;").await, Value::Null);

    // A ticket taken at the kiosk shows up in "next" (a registration ticket has no visit).
    counter_ticket(&app).await;
    wait_js(
        &b,
        "var n = document.querySelector('[data-station=\"PENDAFTARAN\"] .next'); \
         return !!n && n.textContent.indexOf('P-001') >= 0;",
    )
    .await;
    // The call through the staff API: shown with its desk and announced, once.
    let (status, called) =
        app.post_json("/api/v1/staff/stations/PENDAFTARAN/call-next", &json!({"desk": 3})).await;
    assert_eq!(status, 200, "{called}");
    wait_js(
        &b,
        "var a = document.getElementById('announce'); \
         return !!a && a.getAttribute('data-ticket') === 'P-001';",
    )
    .await;
    let desk = js(
        &b,
        "return document.querySelector('[data-station=\"PENDAFTARAN\"] .calls li').textContent;",
    )
    .await;
    assert!(
        desk.as_str().unwrap().contains("P-001") && desk.as_str().unwrap().contains("Loket 3"),
        "{desk}"
    );
    let said = js(&b, "return window.SIPOLI_STATION_BOARD.announced;").await;
    assert_eq!(said.as_array().unwrap().len(), 1, "{said}");
    let words = said[0].as_str().unwrap();
    assert!(
        words.starts_with("Nomor antrean P nol nol satu, silakan ke loket ")
            && words.ends_with(" 3"),
        "{words}"
    );
    b.screenshot("station-live-01-counter-call").await;

    // Another change at the station (a new ticket) refetches without announcing again.
    counter_ticket(&app).await;
    wait_js(
        &b,
        "var n = document.querySelector('[data-station=\"PENDAFTARAN\"] .next'); \
         return !!n && n.textContent.indexOf('P-002') >= 0;",
    )
    .await;
    assert_eq!(js(&b, "return window.SIPOLI_STATION_BOARD.announced.length;").await, 1);
    // A recall is a new announcement.
    let step = called["step_id"].as_i64().unwrap();
    let (status, _) =
        app.post_json(&format!("/api/v1/staff/steps/{step}/recall"), &json!({})).await;
    assert_eq!(status, 200);
    wait_js(&b, "return window.SIPOLI_STATION_BOARD.announced.length === 2;").await;
    // Every refetch came from the stream (or its opening), none from a timer.
    let info = js(&b, "return window.SIPOLI_STATION_BOARD;").await;
    assert_eq!(info["live"], true, "{info}");
    assert_eq!(info["polling"], false, "{info}");
    assert!(info["events"].as_i64().unwrap() >= 3, "{info}");
    assert!(!b.body_text().await.contains("Pasien"), "tickets only");
    b.close().await;
}
