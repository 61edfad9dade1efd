//! The journey after the polyclinic: stations, forwarding with a prescription, the
//! pharmacy's desks, numbering under parallel load, BPJS tasks 5 → 6 → 7, role checks.
use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use sipoli::auth::Role;
use sipoli::jkn::reports;

use crate::helpers::*;
use crate::jkn::{Shared, call, card, ms, reporter, start_bpjs, token, web_jkn_booking};

/// The demo's stations (PENDAFTARAN, FARMASI, KASIR, LAB, RADIOLOGI).
fn stations(app: &TestApp) {
    sipoli::demo::seed_stations(&mut app.conn()).expect("stations");
}

/// A walk-in at `session`, called and in service; its visit id and booking code.
async fn in_service(app: &TestApp, session: i32) -> (i64, String) {
    let (status, t) = app
        .post_json("/api/v1/kiosk/tickets", &json!({"session_id": session, "payer": "non_jkn"}))
        .await;
    assert_eq!(status, 201, "{t}");
    let code = t["booking_code"].as_str().unwrap().to_string();
    let (status, called) =
        app.post_json(&format!("/api/v1/staff/sessions/{session}/call-next"), &json!({})).await;
    assert_eq!(status, 200, "{called}");
    let id = called["id"].as_i64().unwrap();
    let (status, _) = app.post_json(&format!("/api/v1/staff/visits/{id}/start"), &json!({})).await;
    assert_eq!(status, 200);
    (id, code)
}

fn to_pharmacy(lane: &str) -> Value {
    json!({"next": {"station": "FARMASI", "prescription": lane}})
}

/// Finish visit `id` with a prescription of `lane`: the new step's id.
async fn finish_to_pharmacy(app: &TestApp, id: i64, lane: &str) -> i64 {
    let (status, out) =
        app.post_json(&format!("/api/v1/staff/visits/{id}/finish"), &to_pharmacy(lane)).await;
    assert_eq!(status, 200, "{out}");
    out["next_step"]["step_id"].as_i64().unwrap()
}

async fn step_action(app: &TestApp, step: i64, action: &str) -> (u16, Value) {
    let (status, body) =
        app.post_json(&format!("/api/v1/staff/steps/{step}/{action}"), &json!({})).await;
    (status.as_u16(), body)
}

fn step_events(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use sipoli::db::schema::visit_events;
    visit_events::table
        .filter(visit_events::kind.like("step_%"))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn stations_are_listed_with_kind_prefix_and_desks() {
    let app = TestApp::spawn().await;
    stations(&app);
    let (status, list) = app.get_json("/api/v1/stations").await;
    assert_eq!(status, 200);
    let codes: Vec<&str> =
        list.as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["FARMASI", "KASIR", "LAB", "PENDAFTARAN", "RADIOLOGI"]);
    let counter = &list[3];
    assert_eq!(counter["kind"], "registration");
    assert_eq!(counter["desks"], json!([1, 2, 3]));
    assert_eq!(list[0]["kind"], "pharmacy");
    assert_eq!(list[0]["prefix"], "R");
}

#[actix_web::test]
async fn finishing_with_a_prescription_forwards_to_the_pharmacy_lane() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    stations(&app);
    app.login_as("dokter", Role::Clinic, &["ANA"]).await;
    let (id, code) = in_service(&app, seed.today).await;

    let (status, out) =
        app.post_json(&format!("/api/v1/staff/visits/{id}/finish"), &to_pharmacy("racikan")).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["status"], "done");
    assert_eq!(out["next_step"]["station"], "FARMASI");
    assert_eq!(out["next_step"]["ticket"], "R-001");
    assert_eq!(out["next_step"]["lane"], "racikan");
    assert_eq!(out["next_step"]["status"], "waiting");
    assert_eq!(step_events(&app), 1, "the forward is a visit event");

    // The patient's status follows the journey.
    let (status, standing) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(status, 200);
    assert_eq!(standing["step"]["station"], "FARMASI");
    assert_eq!(standing["step"]["ticket"], "R-001");
    assert_eq!(standing["step"]["status"], "waiting");
    assert_eq!(standing["step"]["label"], "Menunggu obat");
    assert_eq!(standing["step"]["position"], 0);
    assert_eq!(standing["journey"].as_array().unwrap().len(), 1);
    assert!(standing["journey"][0].get("patient_name").is_none());
    let page = app.get(&format!("/antrean/{code}")).await.text().await.unwrap();
    assert!(page.contains("Menunggu obat · R-001"), "the status page shows the step");

    // A finish without `next` still ends the visit as before, with no step.
    let (other, other_code) = in_service(&app, seed.today).await;
    let (status, out) =
        app.post_json(&format!("/api/v1/staff/visits/{other}/finish"), &json!({})).await;
    assert_eq!((status.as_u16(), out["status"].as_str()), (200, Some("done")));
    let (_, standing) = app.get_json(&format!("/api/v1/bookings/{other_code}")).await;
    assert_eq!(standing["step"], Value::Null);
    assert_eq!(standing["journey"], json!([]));
}

#[actix_web::test]
async fn bad_forwards_are_refused_and_write_nothing() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    stations(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let (id, _) = in_service(&app, seed.today).await;
    let path = format!("/api/v1/staff/visits/{id}/finish");
    let events = app.count("visit_events");
    for (body, expected) in [
        (json!({"next": {"station": "NOPE", "prescription": "racikan"}}), 422),
        (json!({"next": {"station": "FARMASI"}}), 422),
        (json!({"next": {"station": "KASIR", "prescription": "racikan"}}), 422),
        (json!({"next": {"station": "FARMASI", "prescription": "puyer"}}), 400),
        (json!({"next": {"clinic": "INT"}}), 422),
        (json!({"next": {}}), 422),
        (json!({"next": "FARMASI"}), 400),
    ] {
        let (status, err) = app.post_json(&path, &body).await;
        assert_eq!(status.as_u16(), expected, "{body} → {err}");
        assert!(err["error"]["code"].is_string());
    }
    // `next` only goes with finish.
    let (status, _) =
        app.post_json(&format!("/api/v1/staff/visits/{id}/recall"), &to_pharmacy("racikan")).await;
    assert_eq!(status, 422);
    assert_eq!(app.count("visit_steps"), 0);
    assert_eq!(app.count("station_counters"), 0);
    assert_eq!(app.count("visit_events"), events);
    let (_, list) = app.get_json(&format!("/api/v1/staff/sessions/{}/queue", seed.today)).await;
    assert_eq!(list["visits"][0]["status"], "serving", "the visit is still in service");

    // Station desks refuse bad input too.
    for (path, body, expected) in [
        ("/api/v1/staff/stations/FARMASI/call-next", json!({"desk": 3}), 422),
        ("/api/v1/staff/stations/FARMASI/call-next", json!({"desk": 0}), 422),
        ("/api/v1/staff/stations/FARMASI/call-next", json!({}), 400),
        ("/api/v1/staff/stations/FARMASI/call-next", json!({"desk": 1, "lane": "x"}), 400),
        ("/api/v1/staff/stations/KASIR/call-next", json!({"desk": 1, "lane": "racikan"}), 422),
        ("/api/v1/staff/stations/NOPE/call-next", json!({"desk": 1}), 404),
        ("/api/v1/staff/steps/999/start", json!({}), 404),
        ("/api/v1/staff/steps/1/fly", json!({}), 404),
    ] {
        let (status, err) = app.post_json(path, &body).await;
        assert_eq!(status.as_u16(), expected, "{path} {body} → {err}");
    }
    assert_eq!(app.count("visit_events"), events);
}

#[actix_web::test]
async fn parallel_forwards_never_share_a_pharmacy_number() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed_with(&app, 20, 50, 60);
    stations(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let mut ids = Vec::new();
    for _ in 0..40 {
        ids.push(in_service(&app, seed.today).await.0);
    }
    let app = Arc::new(app);
    let tries = ids.iter().enumerate().map(|(i, id)| {
        let app = app.clone();
        let lane = if i % 3 == 0 { "racikan" } else { "non_racikan" };
        let path = format!("/api/v1/staff/visits/{id}/finish");
        async move { app.post_json(&path, &to_pharmacy(lane)).await }
    });
    let answers = futures_util::future::join_all(tries).await;
    let mut numbers: Vec<i64> = answers
        .iter()
        .map(|(status, out)| {
            assert_eq!(*status, 200, "{out}");
            out["next_step"]["number"].as_i64().unwrap()
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=40).collect::<Vec<i64>>(), "unique and gap-free");
    let (_, q) = app.get_json("/api/v1/staff/stations/FARMASI/queue").await;
    let mut tickets: Vec<String> = q["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["ticket"].as_str().unwrap().into())
        .collect();
    tickets.sort();
    tickets.dedup();
    assert_eq!(tickets.len(), 40);
    assert_eq!(step_events(&app), 40);
}

#[actix_web::test]
async fn the_pharmacy_calls_only_ready_tickets_in_lane_order() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    stations(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let mut steps = Vec::new();
    for lane in ["racikan", "non_racikan", "racikan"] {
        let (id, _) = in_service(&app, seed.today).await;
        steps.push(finish_to_pharmacy(&app, id, lane).await);
    }
    let call = |desk: i64, lane: Option<&str>| {
        let body = match lane {
            Some(l) => json!({"desk": desk, "lane": l}),
            None => json!({"desk": desk}),
        };
        let app = &app;
        async move { app.post_json("/api/v1/staff/stations/FARMASI/call-next", &body).await }
    };
    // Nothing is ready yet: nobody is called.
    let (status, err) = call(1, None).await;
    assert_eq!((status.as_u16(), err["error"]["code"].as_str()), (409, Some("queue_empty")));
    // A step cannot be ready before it is prepared, nor called back before it is called.
    assert_eq!(step_action(&app, steps[0], "ready").await.0, 409);
    assert_eq!(step_action(&app, steps[0], "recall").await.0, 409);

    let (status, s) = step_action(&app, steps[1], "start").await;
    assert_eq!((status, s["status"].as_str()), (200, Some("serving")));
    assert_eq!(s["label"], "Obat sedang disiapkan");
    assert_eq!(step_action(&app, steps[1], "ready").await.1["status"], "ready");
    let (status, called) = call(1, None).await;
    assert_eq!(status, 200, "{called}");
    assert_eq!(called["step_id"], steps[1]);
    assert_eq!(called["ticket"], "R-002");
    assert_eq!(called["desk"], 1);

    // R-003 is ready before R-001, but R-001 comes first once both are ready.
    for s in [steps[2], steps[0]] {
        assert_eq!(step_action(&app, s, "start").await.0, 200);
        assert_eq!(step_action(&app, s, "ready").await.0, 200);
    }
    let (status, _) = call(2, Some("non_racikan")).await;
    assert_eq!(status, 409, "no other ready non-racikan ticket");
    let (_, called) = call(2, Some("racikan")).await;
    assert_eq!((called["ticket"].as_str(), called["desk"].as_i64()), (Some("R-001"), Some(2)));

    // Skip and return puts it back among the ready ones; recall counts.
    assert_eq!(step_action(&app, steps[0], "skip").await.1["status"], "skipped");
    assert_eq!(step_action(&app, steps[0], "return").await.1["status"], "ready");
    let (_, called) = call(2, None).await;
    assert_eq!(called["step_id"], steps[2], "the returned one lets the next go first");
    let (_, recalled) = step_action(&app, steps[2], "recall").await;
    assert_eq!(recalled["call_count"], 2);
    let (status, done) = step_action(&app, steps[2], "finish").await;
    assert_eq!((status, done["status"].as_str()), (200, Some("done")));
    assert_eq!(step_action(&app, steps[2], "finish").await.0, 409, "never finished twice");

    let (_, q) = app.get_json("/api/v1/staff/stations/FARMASI/queue").await;
    let statuses: Vec<&str> =
        q["steps"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    // In call order: R-002 (called), R-003 (done), then R-001, placed after them on return.
    assert_eq!(statuses, ["called", "done", "ready"]);
}

#[actix_web::test]
async fn bpjs_hears_tasks_5_6_7_with_the_prescription_and_farmasi_add() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    stations(&app);
    let shared: Shared = Arc::default();
    let (state, client) = reporter(&app, &start_bpjs(shared.clone()));
    let code = web_jkn_booking(&app, seed.tomorrow, 1).await;
    app.clock.set(wit(2026, 12, 2, 7, 50));
    app.login_as("admin", Role::Admin, &[]).await;
    let res = app.post(&format!("/api/v1/bookings/{code}/check-in"), &json!({})).await;
    assert_eq!(res.status(), 200);
    app.clock.set(wit(2026, 12, 2, 8, 0));
    let (_, called) = app
        .post_json(&format!("/api/v1/staff/sessions/{}/call-next", seed.tomorrow), &json!({}))
        .await;
    let id = called["id"].as_i64().unwrap();
    app.clock.set(wit(2026, 12, 2, 8, 1));
    assert_eq!(app.post_json(&format!("/api/v1/staff/visits/{id}/start"), &json!({})).await.0, 200);
    app.clock.set(wit(2026, 12, 2, 8, 12));
    let step = finish_to_pharmacy(&app, id, "non_racikan").await;
    app.clock.set(wit(2026, 12, 2, 8, 20));
    assert_eq!(step_action(&app, step, "start").await.0, 200);
    app.clock.set(wit(2026, 12, 2, 8, 30));
    assert_eq!(step_action(&app, step, "ready").await.0, 200);
    app.clock.set(wit(2026, 12, 2, 8, 35));
    let (status, _) =
        app.post_json("/api/v1/staff/stations/FARMASI/call-next", &json!({"desk": 1})).await;
    assert_eq!(status, 200);
    app.clock.set(wit(2026, 12, 2, 8, 36));
    assert_eq!(step_action(&app, step, "finish").await.0, 200);

    let sent = reports::run_until_idle(&state, &client).await.unwrap();
    assert_eq!(sent, 7);
    let b = shared.lock().unwrap();
    let paths: Vec<&str> = b.log.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/antrean/add",
            "/antrean/updatewaktu",
            "/antrean/updatewaktu",
            "/antrean/updatewaktu",
            "/antrean/farmasi/add",
            "/antrean/updatewaktu",
            "/antrean/updatewaktu",
        ]
    );
    assert!(b.log.iter().all(|(_, _, code)| *code == 200), "{:?}", b.log);
    assert_eq!(
        b.tasks[&code],
        [
            (3, ms(2026, 12, 2, 7, 50)),
            (4, ms(2026, 12, 2, 8, 1)),
            (5, ms(2026, 12, 2, 8, 12)),
            (6, ms(2026, 12, 2, 8, 20)),
            (7, ms(2026, 12, 2, 8, 36)),
        ]
    );
    assert_eq!(
        b.farmasi,
        [json!({"kodebooking": code, "jenisresep": "non racikan", "nomorantrean": 1,
                "keterangan": ""})]
    );
    assert_eq!(b.log[3].1["jenisresep"], "Non racikan", "task 5 names the prescription");
    assert_eq!(b.log[6].1["jenisresep"], "Non racikan");
    assert_eq!(b.log[0].1["nomorkartu"], card(1));
}

#[actix_web::test]
async fn station_routes_are_for_admins_and_the_station_staff() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    stations(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let (id, _) = in_service(&app, seed.today).await;
    let step = finish_to_pharmacy(&app, id, "racikan").await;

    let clinic = app.token_for("dokter", Role::Clinic, &["ANA"]).await;
    let kasir = app.token_for("kasir", Role::Registration, &[]).await;
    sipoli::service::staff::assign_stations(&mut app.conn(), "kasir", &["KASIR".into()]).unwrap();
    let farmasi = app.token_for("apoteker", Role::Clinic, &[]).await;
    sipoli::service::staff::assign_stations(&mut app.conn(), "apoteker", &["FARMASI".into()])
        .unwrap();
    let admin = app.token.clone().unwrap();

    let routes: [(Method, String, Option<Value>); 3] = [
        (Method::GET, "/api/v1/staff/stations/FARMASI/queue".into(), None),
        (Method::POST, format!("/api/v1/staff/steps/{step}/start"), Some(json!({}))),
        (Method::POST, "/api/v1/staff/stations/FARMASI/call-next".into(), Some(json!({"desk": 1}))),
    ];
    for (method, path, body) in &routes {
        let events = app.count("visit_events");
        for (who, token, expected) in
            [("nobody", None, 401), ("clinic", Some(&clinic), 403), ("kasir", Some(&kasir), 403)]
        {
            let (status, _) =
                app.send_as(method.clone(), path, token.map(String::as_str), body.as_ref()).await;
            assert_eq!(status.as_u16(), expected, "{who} {method} {path}");
        }
        assert_eq!(app.count("visit_events"), events, "refusals change nothing");
    }
    let (_, q) = app.send_as(Method::GET, &routes[0].1, Some(&admin), None).await;
    assert_eq!(q["steps"][0]["status"], "waiting", "still waiting after the refusals");

    // The pharmacy's own account and the admin may.
    let (status, s) =
        app.send_as(Method::POST, &routes[1].1, Some(&farmasi), Some(&json!({}))).await;
    assert_eq!((status.as_u16(), s["status"].as_str()), (200, Some("serving")));
    let ready = format!("/api/v1/staff/steps/{step}/ready");
    let (status, _) = app.send_as(Method::POST, &ready, Some(&admin), Some(&json!({}))).await;
    assert_eq!(status, 200);
    let (status, called) =
        app.send_as(Method::POST, &routes[2].1, Some(&farmasi), routes[2].2.as_ref()).await;
    assert_eq!((status.as_u16(), called["step_id"].as_i64()), (200, Some(step)));
    // Forwarding is the clinic's: the pharmacy account cannot finish a polyclinic visit.
    let (other, _) = in_service(&app, seed.today).await;
    let path = format!("/api/v1/staff/visits/{other}/finish");
    let (status, _) =
        app.send_as(Method::POST, &path, Some(&farmasi), Some(&to_pharmacy("racikan"))).await;
    assert_eq!(status, 403);
    assert_eq!(app.count("visit_steps"), 1);
}

#[actix_web::test]
async fn mobile_jkn_pharmacy_services_and_the_ready_message_follow_the_pharmacy_queue() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    stations(&app);
    let jkn = token(&app).await;
    let (status, t) = app
        .post_json(
            "/api/v1/kiosk/tickets",
            &json!({"session_id": seed.today, "payer": "non_jkn", "phone": "081234567890"}),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    let code = t["booking_code"].as_str().unwrap().to_string();
    app.login_as("admin", Role::Admin, &[]).await;
    let (_, called) = app
        .post_json(&format!("/api/v1/staff/sessions/{}/call-next", seed.today), &json!({}))
        .await;
    let id = called["id"].as_i64().unwrap();
    app.post_json(&format!("/api/v1/staff/visits/{id}/start"), &json!({})).await;

    // No prescription yet: Mobile JKN hears so.
    let body = json!({"kodebooking": code});
    let (status, none) = call(&app, "ambilantreanfarmasi", &jkn, &body).await;
    assert_eq!(status, 201, "{none}");
    assert_eq!(none["metadata"]["message"], "Belum ada resep untuk kode booking ini");

    let step = finish_to_pharmacy(&app, id, "racikan").await;
    let (status, took) = call(&app, "ambilantreanfarmasi", &jkn, &body).await;
    assert_eq!(status, 200, "{took}");
    assert_eq!(
        took["response"],
        json!({"jenisresep": "racikan", "nomorantrean": "R-001", "keterangan": "Menunggu obat"})
    );
    let (_, st) = call(&app, "statusantreanfarmasi", &jkn, &body).await;
    assert_eq!(
        st["response"],
        json!({"jenisresep": "racikan", "totalantrean": 1, "sisaantrean": 1,
               "antreanpanggil": "-", "keterangan": "Menunggu obat"})
    );

    let ready_jobs = || {
        use diesel::prelude::*;
        use sipoli::db::schema::notification_jobs;
        notification_jobs::table
            .filter(notification_jobs::kind.eq("medicine_ready"))
            .select(notification_jobs::payload)
            .load::<Value>(&mut app.conn())
            .unwrap()
    };
    step_action(&app, step, "start").await;
    assert!(ready_jobs().is_empty(), "not ready yet");
    step_action(&app, step, "ready").await;
    let jobs = ready_jobs();
    assert_eq!(jobs.len(), 1, "one message to the phone: obat siap diambil");
    assert_eq!(jobs[0]["ticket"], "R-001");

    let (status, _) =
        app.post_json("/api/v1/staff/stations/FARMASI/call-next", &json!({"desk": 2})).await;
    assert_eq!(status, 200);
    let (_, st) = call(&app, "statusantreanfarmasi", &jkn, &body).await;
    assert_eq!(st["response"]["antreanpanggil"], "R-001");
    assert_eq!(st["response"]["sisaantrean"], 0);
    assert_eq!(st["response"]["keterangan"], "Dipanggil");
    let (status, _) =
        call(&app, "statusantreanfarmasi", &jkn, &json!({"kodebooking": "ZZZZZZZZ"})).await;
    assert_eq!(status, 201);
}

#[actix_web::test]
async fn the_cashier_forwards_on_to_the_pharmacy() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    stations(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let (id, code) = in_service(&app, seed.today).await;
    let (status, out) = app
        .post_json(
            &format!("/api/v1/staff/visits/{id}/finish"),
            &json!({"next": {"station": "KASIR"}}),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["next_step"]["ticket"], "K-001");
    let step = out["next_step"]["step_id"].as_i64().unwrap();
    // The cashier calls first (no preparing there).
    let (_, called) =
        app.post_json("/api/v1/staff/stations/KASIR/call-next", &json!({"desk": 1})).await;
    assert_eq!(called["step_id"], step);
    assert_eq!(step_action(&app, step, "start").await.0, 200);
    let path = format!("/api/v1/staff/steps/{step}/finish");
    let (status, _) = app.post_json(&path, &json!({"next": {"station": "FARMASI"}})).await;
    assert_eq!(status, 422, "the pharmacy needs the prescription kind");
    let (status, _) =
        app.post_json(&format!("/api/v1/staff/steps/{step}/skip"), &to_pharmacy("racikan")).await;
    assert_eq!(status, 422, "next only with finish");
    let (status, out) = app.post_json(&path, &to_pharmacy("non_racikan")).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["status"], "done");
    assert_eq!(out["next_step"]["ticket"], "R-001");
    let (_, standing) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(standing["step"]["station"], "FARMASI");
    let kinds: Vec<&str> = standing["journey"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["station"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["KASIR", "FARMASI"]);
}

#[actix_web::test]
async fn a_kiosk_priority_category_goes_first_at_every_step() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    stations(&app);
    let ticket = |category: Option<&str>| {
        let mut body = json!({"session_id": seed.today, "payer": "non_jkn"});
        if let Some(c) = category {
            body["priority_category"] = json!(c);
        }
        let app = &app;
        async move { app.post_json("/api/v1/kiosk/tickets", &body).await }
    };
    let (status, err) = ticket(Some("vip")).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(app.count("visits"), 0, "a refused ticket writes nothing");
    let (_, first) = ticket(None).await;
    let (status, elderly) = ticket(Some("lansia")).await;
    assert_eq!(status, 201, "{elderly}");
    assert_eq!(
        (elderly["priority"].as_bool(), elderly["priority_category"].as_str()),
        (Some(true), Some("lansia"))
    );

    app.login_as("admin", Role::Admin, &[]).await;
    let call = format!("/api/v1/staff/sessions/{}/call-next", seed.today);
    let (_, called) = app.post_json(&call, &json!({})).await;
    assert_eq!(called["ticket"], elderly["ticket"], "priority first at the clinic");
    assert_eq!(called["priority_category"], "lansia");
    let elderly_id = called["id"].as_i64().unwrap();
    let (_, other) = app.post_json(&call, &json!({})).await;
    assert_eq!(other["ticket"], first["ticket"]);
    let other_id = other["id"].as_i64().unwrap();
    for id in [other_id, elderly_id] {
        app.post_json(&format!("/api/v1/staff/visits/{id}/start"), &json!({})).await;
    }
    // The other patient reaches the pharmacy first, the elderly one is still called first.
    let s_other = finish_to_pharmacy(&app, other_id, "non_racikan").await;
    let s_elderly = finish_to_pharmacy(&app, elderly_id, "non_racikan").await;
    for s in [s_other, s_elderly] {
        step_action(&app, s, "start").await;
        step_action(&app, s, "ready").await;
    }
    let (_, called) =
        app.post_json("/api/v1/staff/stations/FARMASI/call-next", &json!({"desk": 1})).await;
    assert_eq!(called["step_id"], s_elderly);
    assert_eq!(called["ticket"], "R-002");
    assert_eq!(called["priority"], true);
}
