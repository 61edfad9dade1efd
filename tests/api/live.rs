//! Live updates: SSE streams fed by LISTEN/NOTIFY, replay after `Last-Event-ID`, no personal
//! data on public streams, two nodes on one database; the kiosk's session list and the TV
//! board's state and running text.
use std::time::Duration;

use diesel::RunQueryDsl;
use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::helpers::{TestApp, booking_body, nik, seed};

/// A Server-Sent Events client reading a real streaming response.
pub struct Sse {
    res: reqwest::Response,
    buf: String,
    /// Every byte received, to check what a stream never carries.
    pub raw: String,
}

impl Sse {
    pub async fn open(app: &TestApp, path: &str, last_event_id: Option<i64>) -> Sse {
        let mut req = app.client.get(app.url(path)).header("Accept", "text/event-stream");
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let res = req.send().await.expect("stream opens");
        assert_eq!(res.status(), 200, "{path}");
        let kind = res.headers()["content-type"].to_str().unwrap().to_string();
        assert!(kind.starts_with("text/event-stream"), "{kind}");
        Sse { res, buf: String::new(), raw: String::new() }
    }

    /// The next event's id and data (frames without an id, comments and `retry:` lines
    /// are skipped). Gives up after 10 s so that a broken stream fails the test instead of
    /// hanging it.
    pub async fn next(&mut self) -> (i64, Value) {
        loop {
            if let (Some(id), data) = self.next_frame().await {
                return (id, data);
            }
        }
    }

    /// The next `data:` frame with its id if it has one (comments and `retry:` lines are
    /// skipped). Gives up after 10 s.
    pub async fn next_frame(&mut self) -> (Option<i64>, Value) {
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                if let Some(end) = self.buf.find("\n\n") {
                    let block: String = self.buf.drain(..end + 2).collect();
                    let mut id = None;
                    let mut data = None;
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("id: ") {
                            id = v.parse().ok();
                        } else if let Some(v) = line.strip_prefix("data: ") {
                            data = Some(serde_json::from_str(v).expect("json data"));
                        }
                    }
                    if let Some(data) = data {
                        return (id, data);
                    }
                    continue;
                }
                let chunk = self.res.chunk().await.expect("read").expect("stream still open");
                let text = String::from_utf8_lossy(&chunk).to_string();
                self.raw.push_str(&text);
                self.buf.push_str(&text);
            }
        })
        .await
        .expect("a frame arrives")
    }

    /// Events until one of `kind` arrives (inclusive).
    pub async fn until(&mut self, kind: &str) -> Vec<(i64, Value)> {
        let mut seen = Vec::new();
        loop {
            let e = self.next().await;
            let done = e.1["kind"] == kind;
            seen.push(e);
            if done {
                return seen;
            }
        }
    }
}

/// Wait until the node's LISTEN connection is up (it starts in the background).
pub async fn listening(app: &TestApp) {
    for _ in 0..200 {
        if app.state.live.is_listening() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the node never started listening");
}

async fn walk_in(app: &TestApp, session: i32) -> Value {
    let res = app
        .post("/api/v1/kiosk/tickets", &json!({"session_id": session, "payer": "non_jkn"}))
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

async fn call_next(app: &TestApp, session: i32) -> Value {
    let res = app.post(&format!("/api/v1/staff/sessions/{session}/call-next"), &json!({})).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn act(app: &TestApp, visit: i64, action: &str) {
    let res = app.post(&format!("/api/v1/staff/visits/{visit}/{action}"), &json!({})).await;
    assert_eq!(res.status(), 200, "{action}: {}", res.text().await.unwrap());
}

/// The fields a public event may carry: nothing that names or identifies a patient.
const PUBLIC_FIELDS: [&str; 9] =
    ["id", "kind", "status", "session_id", "ticket", "clinic", "clinic_name", "room", "call_count"];

#[actix_web::test]
async fn every_transition_is_streamed_to_the_session() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    app.login_as("anak", Role::Clinic, &["ANA"]).await;
    listening(&app).await;
    let mut sse = Sse::open(&app, &format!("/api/v1/sessions/{}/events", seed.today), None).await;
    // Another session's events stay out of this stream.
    let res = app.post("/api/v1/bookings", &booking_body(seed.tomorrow, 9)).await;
    assert_eq!(res.status(), 201);

    walk_in(&app, seed.today).await;
    let visit = call_next(&app, seed.today).await["id"].as_i64().unwrap();
    for action in ["recall", "skip", "return"] {
        act(&app, visit, action).await;
    }
    call_next(&app, seed.today).await;
    for action in ["start", "finish"] {
        act(&app, visit, action).await;
    }
    let events = sse.until("finish").await;
    let kinds: Vec<&str> = events.iter().map(|(_, e)| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["registered", "call", "recall", "skip", "return", "call", "start", "finish"]
    );
    let statuses: Vec<&str> = events.iter().map(|(_, e)| e["status"].as_str().unwrap()).collect();
    assert_eq!(
        statuses,
        ["waiting", "called", "called", "skipped", "waiting", "called", "serving", "done"]
    );
    for (id, e) in &events {
        assert_eq!(e["id"].as_i64(), Some(*id), "the SSE id is the visit_events id");
        assert_eq!(e["ticket"], "B-001");
        assert_eq!(e["clinic"], "ANA");
        assert_eq!(e["session_id"], seed.today);
    }
    assert!(events.windows(2).all(|w| w[0].0 < w[1].0), "ids increase");
    assert_eq!(events[2].1["call_count"].as_i64(), Some(2), "a recall counts");
}

#[actix_web::test]
async fn a_client_reconnecting_with_last_event_id_gets_what_it_missed() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    app.login_as("anak", Role::Clinic, &["ANA"]).await;
    listening(&app).await;
    let path = format!("/api/v1/sessions/{}/events", seed.today);
    let mut first = Sse::open(&app, &path, None).await;
    walk_in(&app, seed.today).await;
    let (seen, _) = first.next().await;
    drop(first);

    // While nobody listens: a second ticket and a call.
    walk_in(&app, seed.today).await;
    let called = call_next(&app, seed.today).await;
    assert_eq!(called["ticket"], "B-001");

    let mut again = Sse::open(&app, &path, Some(seen)).await;
    let (a, ea) = again.next().await;
    let (b, eb) = again.next().await;
    assert!(seen < a && a < b);
    assert_eq!((ea["kind"].as_str(), ea["ticket"].as_str()), (Some("registered"), Some("B-002")));
    assert_eq!((eb["kind"].as_str(), eb["ticket"].as_str()), (Some("call"), Some("B-001")));
    // … and then live events, without repeating the replayed ones.
    walk_in(&app, seed.today).await;
    let (c, ec) = again.next().await;
    assert!(c > b);
    assert_eq!(ec["ticket"], "B-003");

    // Same through the query parameter, and on the booking's stream.
    let code = walk_in(&app, seed.today).await["booking_code"].as_str().unwrap().to_string();
    let mut by_code =
        Sse::open(&app, &format!("/api/v1/bookings/{code}/events?last_event_id={b}"), None).await;
    assert_eq!(by_code.next().await.0, c);
}

#[actix_web::test]
async fn public_streams_carry_tickets_and_no_personal_data() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    app.login_as("anak", Role::Clinic, &["ANA"]).await;
    listening(&app).await;
    let mut board = Sse::open(&app, "/api/v1/displays/events?clinics=ANA,INT", None).await;
    let mut session =
        Sse::open(&app, &format!("/api/v1/sessions/{}/events", seed.today), None).await;

    let body = booking_body(seed.today, 1);
    let res = app.post("/api/v1/bookings", &body).await;
    // 07:30 WIT, session at 08:00: online booking has closed; a counter registration with
    // identity exercises the same personal fields.
    assert_eq!(res.status(), 409);
    let mut staff = app.another_node().await;
    staff.login_as("loket", Role::Registration, &[]).await;
    let res = staff
        .post(
            "/api/v1/staff/registrations",
            &json!({"session_id": seed.today, "payer": "non_jkn", "patient": body["patient"]}),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let registered: Value = res.json().await.unwrap();
    let code = registered["booking_code"].as_str().unwrap().to_string();
    call_next(&app, seed.today).await;

    let mut patient = Sse::open(&app, &format!("/api/v1/bookings/{code}/events"), Some(0)).await;
    for stream in [&mut board, &mut session, &mut patient] {
        let events = stream.until("call").await;
        assert_eq!(events.len(), 2);
        for (_, e) in &events {
            let keys: Vec<&String> = e.as_object().unwrap().keys().collect();
            assert!(keys.iter().all(|k| PUBLIC_FIELDS.contains(&k.as_str())), "{keys:?}");
            assert_eq!(e["ticket"], "B-001");
        }
        for secret in ["Pasien Uji", &nik(1), "081234567890", "1990-05-17", &code] {
            assert!(!stream.raw.contains(secret), "{secret} leaked: {}", stream.raw);
        }
    }
    // Unknown things are refused plainly.
    assert_eq!(app.get("/api/v1/bookings/ZZZZZZZZ/events").await.status(), 404);
    assert_eq!(app.get("/api/v1/sessions/999999/events").await.status(), 404);
    let (status, body) = app.get_json("/api/v1/displays/events").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "clinics_required");
}

#[actix_web::test]
async fn a_call_made_through_one_node_reaches_a_board_on_another() {
    let mut one = TestApp::spawn().await;
    let seed = seed(&one);
    one.login_as("anak", Role::Clinic, &["ANA"]).await;
    let two = one.another_node().await;
    listening(&one).await;
    listening(&two).await;
    let mut board = Sse::open(&two, "/api/v1/displays/events?clinics=ANA", None).await;
    let mut other_board = Sse::open(&two, "/api/v1/displays/events?clinics=INT", None).await;

    walk_in(&one, seed.today).await;
    let called = call_next(&one, seed.today).await;
    let events = board.until("call").await;
    let (_, call) = events.last().unwrap();
    assert_eq!(call["ticket"], called["ticket"]);
    assert_eq!(call["clinic_name"], "Poli Anak");
    assert_eq!(call["room"], "Ruang 2");
    assert!(two.state.live.clients() >= 1);

    // A board of another clinic got nothing but its heartbeat-free opening.
    drop(board);
    assert!(!other_board.raw.contains("B-001"));
    let res = tokio::time::timeout(Duration::from_millis(300), other_board.next()).await;
    assert!(res.is_err(), "no event for another clinic's board");
}

#[actix_web::test]
async fn the_node_listens_again_after_losing_its_connection_and_catches_up() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    listening(&app).await;
    let mut sse = Sse::open(&app, &format!("/api/v1/sessions/{}/events", seed.today), None).await;
    walk_in(&app, seed.today).await;
    assert_eq!(sse.next().await.1["ticket"], "B-001");

    // PostgreSQL drops the listening connection (as on a restart).
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let ended: N = diesel::sql_query(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = 'sipoli-listen'",
    )
    .get_result(&mut app.conn())
    .unwrap();
    assert_eq!(ended.n, 1, "one listening connection per node");
    for _ in 0..200 {
        if !app.state.live.is_listening() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!app.state.live.is_listening(), "the node noticed the loss");
    // A ticket taken while the node is deaf still reaches the client, once it listens again.
    walk_in(&app, seed.today).await;
    listening(&app).await;
    assert_eq!(sse.next().await.1["ticket"], "B-002");
    walk_in(&app, seed.today).await;
    assert_eq!(sse.next().await.1["ticket"], "B-003");
}

#[actix_web::test]
async fn the_kiosk_lists_todays_sessions_with_places_left() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    walk_in(&app, seed.today).await;
    let (status, body) = app.get_json("/api/v1/kiosk/sessions?clinics=ana").await;
    assert_eq!(status, 200);
    assert_eq!(body["date"], "2026-12-01");
    let clinics = body["clinics"].as_array().unwrap();
    assert_eq!(clinics.len(), 1);
    let sessions = clinics[0]["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "today's only, not tomorrow's");
    assert_eq!(sessions[0]["id"], seed.today);
    assert_eq!(sessions[0]["takes_walk_ins"], true);
    assert_eq!(sessions[0]["remaining"]["non_jkn"], 9);
    assert_eq!(sessions[0]["hours"], "08:00-12:00");

    // At 11:45 WIT the session (ending 12:00) no longer takes walk-ins, and says why.
    app.clock.set(crate::helpers::wit(2026, 12, 1, 11, 45));
    let (_, body) = app.get_json("/api/v1/kiosk/sessions?clinics=ANA").await;
    let s = &body["clinics"][0]["sessions"][0];
    assert_eq!(s["takes_walk_ins"], false);
    assert_eq!(s["closed_reason"]["code"], "kiosk_closed");

    assert_eq!(app.get("/api/v1/kiosk/sessions?clinics=%3B").await.status(), 400);
}

#[actix_web::test]
async fn the_board_state_and_running_text() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    for _ in 0..4 {
        walk_in(&app, seed.today).await;
    }
    app.login_as("anak", Role::Clinic, &["ANA"]).await;
    let first = call_next(&app, seed.today).await["id"].as_i64().unwrap();
    act(&app, first, "start").await;
    act(&app, first, "finish").await;
    app.clock.advance(chrono::Duration::minutes(40));
    call_next(&app, seed.today).await;

    let res = app
        .put(
            "/api/v1/staff/display-message",
            &json!({"clinic": "ANA", "message": "  Dokter   tiba 08.30  "}),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    // A clinic account may not write on every board, nor on another clinic's.
    let res = app.put("/api/v1/staff/display-message", &json!({"message": "Semua"})).await;
    assert_eq!(res.status(), 403);
    let (status, body) = app
        .put_json(
            "/api/v1/staff/display-message",
            &json!({"clinic": "ANA", "message": "x".repeat(301)}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"]["message"]["code"], "message_too_long");

    let mut admin = app.another_node().await;
    admin.login_as("admin", Role::Admin, &[]).await;
    let res =
        admin.put("/api/v1/staff/display-message", &json!({"message": "Selamat datang"})).await;
    assert_eq!(res.status(), 200);

    let (status, state) = app.get_json("/api/v1/displays/state?clinics=ANA").await;
    assert_eq!(status, 200);
    assert_eq!(state["message"], "Selamat datang   •   Dokter tiba 08.30");
    let ana = &state["clinics"][0];
    assert_eq!(ana["current"]["ticket"], "B-002");
    assert_eq!(ana["current"]["room"], "Ruang 2");
    assert_eq!(ana["recent"], json!(["B-001"]));
    assert_eq!(ana["next"], json!(["B-003", "B-004"]));
    assert_eq!(ana["waiting_count"], 2);
    let raw = state.to_string();
    assert!(!raw.contains("booking_code") && !raw.contains("name\":\"Pasien"));

    // Clearing the text.
    let res = admin.put("/api/v1/staff/display-message", &json!({"message": ""})).await;
    assert_eq!(res.status(), 200);
    let (_, state) = app.get_json("/api/v1/displays/state?clinics=ANA").await;
    assert_eq!(state["message"], "Dokter tiba 08.30");
    // Without an account: refused.
    let anon = app.client.put(app.url("/api/v1/staff/display-message")).json(&json!({})).send();
    assert_eq!(anon.await.unwrap().status(), 401);
}

#[actix_web::test]
async fn kiosk_display_and_assets_are_served() {
    let app = TestApp::spawn().await;
    for (path, needle) in [
        ("/kiosk?clinics=ANA,INT", "data-clinics=\"ANA,INT\""),
        ("/display?clinics=ANA", "/assets/display.js"),
        ("/display/message", "Teks berjalan"),
        ("/assets/kiosk.js", "Idempotency-Key"),
        ("/assets/live-status.js", "SIPOLI_LIVE"),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        let text = res.text().await.unwrap();
        assert!(text.contains(needle), "{path} lacks {needle}");
    }
    let chooser = app.get("/display").await;
    assert_eq!(chooser.status(), 200, "a board without clinics offers a choice");
    assert!(chooser.text().await.unwrap().contains("pilih poli"));
    assert_eq!(app.get("/display?clinics=,").await.status(), 400, "a board names real codes");
}

/// After a restart, or when the hospital's network comes back, every board and phone
/// reconnects within seconds: the node's accept queue holds them instead of dropping the
/// connects that do not fit (their kernels would retry only a second or more later). `ss`
/// shows a listening socket's queue length as its Send-Q.
#[actix_web::test]
async fn the_node_keeps_a_deep_accept_queue_for_clients_reconnecting_at_once() {
    let app = TestApp::spawn().await;
    let port = app.address.rsplit(':').next().unwrap();
    let out = std::process::Command::new("ss")
        .args(["-Hltn", "sport", "=", &format!(":{port}")])
        .output()
        .expect("ss (iproute2)");
    let listing = String::from_utf8_lossy(&out.stdout);
    let line = listing.lines().next().unwrap_or_else(|| panic!("no listener on {port}"));
    // State, Recv-Q, Send-Q (the queue's length), local and peer address.
    let queue: i32 = line.split_whitespace().nth(2).unwrap().parse().unwrap();
    let cap: i32 = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .map_or(4096, |v| v.trim().parse().unwrap());
    assert_eq!(queue, sipoli::app::ACCEPT_QUEUE.min(cap), "{line}");
    assert!(queue > 128, "deeper than TcpListener::bind's 128: {line}");
}
