//! SATUSEHAT: the Encounters of visits, sent by the worker to a stand-in of SATUSEHAT that
//! runs as a real HTTP server on loopback and checks what the real one would: the bearer
//! token, the resource type, the required fields, the `+09:00` offsets and the order of
//! the statuses.
use std::sync::Arc;

use chrono::Duration;
use serde_json::{Value, json};
use sipoli::app::AppState;
use sipoli::auth::Role;
use sipoli::satusehat::client::SatusehatClient;
use sipoli::satusehat::worker;

use crate::helpers::*;

use crate::standins::satusehat::{DOCTOR_NIK, LOCATION, ORG, PRACTITIONER, sehat_config};
pub(crate) use crate::standins::satusehat::{sehat, start_sehat};

/// The worker's state and client, sending to the stand-in at `base`.
pub(crate) fn sender(app: &TestApp, base: &str) -> (AppState, SatusehatClient) {
    let config = sehat_config(base, ORG);
    let mut settings = (*app.state.settings).clone();
    settings.satusehat = Some(config.clone());
    let state = AppState::new(app.pool.clone(), settings, Arc::new(app.clock.clone()));
    (state, SatusehatClient::new(config))
}

/// Admin maps the test doctor and Poli Anak.
pub(crate) async fn map_identifiers(app: &mut TestApp) {
    app.login_as("admin", Role::Admin, &[]).await;
    let (status, body) =
        app.put_json("/api/v1/staff/satusehat/doctors/D003", &json!({"nik": DOCTOR_NIK})).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .put_json("/api/v1/staff/satusehat/clinics/ANA", &json!({"location_id": LOCATION}))
        .await;
    assert_eq!(status, 200, "{body}");
}

/// A web booking of patient `n` for 2 December; its booking code.
async fn book(app: &TestApp, session: i32, n: u32) -> String {
    let (status, placed) = app.post_json("/api/v1/bookings", &booking_body(session, n)).await;
    assert_eq!(status, 201, "{placed}");
    placed["booking_code"].as_str().unwrap().to_string()
}

/// Check in at 07:50, call 08:00, start 08:01, finish 08:12 on 2 December (as admin).
async fn through_the_day(app: &mut TestApp, session: i32, code: &str) {
    app.clock.set(wit(2026, 12, 2, 7, 50));
    app.login_as("admin", Role::Admin, &[]).await;
    let res = app.post(&format!("/api/v1/bookings/{code}/check-in"), &json!({})).await;
    assert_eq!(res.status(), 200);
    app.clock.set(wit(2026, 12, 2, 8, 0));
    let (_, called) =
        app.post_json(&format!("/api/v1/staff/sessions/{session}/call-next"), &json!({})).await;
    let id = called["id"].as_i64().unwrap_or_else(|| panic!("called: {called}"));
    app.clock.set(wit(2026, 12, 2, 8, 1));
    let res = app.post(&format!("/api/v1/staff/visits/{id}/start"), &json!({})).await;
    assert_eq!(res.status(), 200);
    app.clock.set(wit(2026, 12, 2, 8, 12));
    let res = app.post(&format!("/api/v1/staff/visits/{id}/finish"), &json!({})).await;
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn a_visits_encounter_reaches_satusehat_in_order_with_its_real_times() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    let shared = sehat(&[1]);
    let (state, client) = sender(&app, &start_sehat(shared.clone()));
    map_identifiers(&mut app).await;
    let code = book(&app, seed.tomorrow, 1).await;
    through_the_day(&mut app, seed.tomorrow, &code).await;

    assert_eq!(worker::run_until_idle(&state, &client).await.unwrap(), 3);
    {
        let s = shared.lock().unwrap();
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        assert_eq!(s.token_requests, 1, "the token is cached");
        let calls: Vec<(&str, &str)> =
            s.log.iter().map(|(m, p, _)| (m.as_str(), p.as_str())).collect();
        assert_eq!(
            calls,
            [
                ("POST", "/oauth2/v1/accesstoken"),
                ("GET", "/fhir-r4/v1/Patient"),
                ("GET", "/fhir-r4/v1/Practitioner"),
                ("POST", "/fhir-r4/v1/Encounter"),
                ("PUT", "/fhir-r4/v1/Encounter/enc-1"),
                ("PUT", "/fhir-r4/v1/Encounter/enc-1"),
            ]
        );
        let versions = &s.encounters["enc-1"];
        let statuses: Vec<&str> = versions.iter().map(|v| v["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["arrived", "in-progress", "finished"]);
        assert_eq!(versions[0]["period"], json!({"start": "2026-12-02T07:50:00+09:00"}));
        assert_eq!(versions[0]["identifier"][0]["value"], code);
        assert_eq!(versions[0]["subject"]["reference"], "Patient/P00000000001");
        // In progress from the call (08:00), finished at 08:12.
        assert_eq!(
            versions[2]["statusHistory"],
            json!([
                {"status": "arrived", "period": {"start": "2026-12-02T07:50:00+09:00", "end": "2026-12-02T08:00:00+09:00"}},
                {"status": "in-progress", "period": {"start": "2026-12-02T08:00:00+09:00", "end": "2026-12-02T08:12:00+09:00"}},
                {"status": "finished", "period": {"start": "2026-12-02T08:12:00+09:00", "end": "2026-12-02T08:12:00+09:00"}},
            ])
        );
        assert_eq!(
            versions[2]["period"],
            json!({"start": "2026-12-02T07:50:00+09:00", "end": "2026-12-02T08:12:00+09:00"})
        );
    }
    // The staff page: three sent, the Encounter id, the identifiers found and kept.
    let (status, page) = app.get_json("/api/v1/staff/satusehat?status=sent").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["counts"]["sent"], 3);
    assert_eq!(page["jobs"][0]["encounter_id"], "enc-1");
    assert_eq!(page["jobs"][0]["at"], "2026-12-02T08:12:00+09:00");
    assert_eq!(page["doctors"][0]["practitioner_id"], PRACTITIONER);
    assert_eq!(page["clinics"][0]["location_id"], LOCATION);
    // Nothing goes twice.
    assert_eq!(worker::run_until_idle(&state, &client).await.unwrap(), 0);
}

#[actix_web::test]
async fn an_expiring_or_expired_token_is_renewed() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    let shared = sehat(&[1, 2, 3]);
    let (state, client) = sender(&app, &start_sehat(shared.clone()));
    map_identifiers(&mut app).await;
    let codes = [
        book(&app, seed.tomorrow, 1).await,
        book(&app, seed.tomorrow, 2).await,
        book(&app, seed.tomorrow, 3).await,
    ];
    app.clock.set(wit(2026, 12, 2, 7, 40));
    app.login_as("admin", Role::Admin, &[]).await;
    let check_in = |code: &str| format!("/api/v1/bookings/{code}/check-in");
    assert_eq!(app.post(&check_in(&codes[0]), &json!({})).await.status(), 200);
    assert_eq!(worker::run_until_idle(&state, &client).await.unwrap(), 1);
    assert_eq!(shared.lock().unwrap().token_requests, 1);

    // 59 minutes later the token has a minute left: it is renewed before it runs out.
    app.clock.advance(Duration::minutes(59) + Duration::seconds(30));
    assert_eq!(app.post(&check_in(&codes[1]), &json!({})).await.status(), 200);
    assert_eq!(worker::run_until_idle(&state, &client).await.unwrap(), 1);
    assert_eq!(shared.lock().unwrap().token_requests, 2);

    // SATUSEHAT drops every token early: the 401 renews it once and the call goes through.
    shared.lock().unwrap().valid.clear();
    assert_eq!(app.post(&check_in(&codes[2]), &json!({})).await.status(), 200);
    assert_eq!(worker::run_until_idle(&state, &client).await.unwrap(), 1);
    let s = shared.lock().unwrap();
    assert_eq!(s.token_requests, 3);
    assert_eq!(s.encounters.len(), 3, "each Encounter once");
    let refused: Vec<&(String, String, u16)> = s.log.iter().filter(|l| l.2 == 401).collect();
    assert_eq!(refused.len(), 1, "{:?}", s.log);
}

#[actix_web::test]
async fn a_stand_in_failing_twice_then_succeeding_gets_each_resource_once() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    let shared = sehat(&[1]);
    shared.lock().unwrap().fail_first = 2;
    let (state, client) = sender(&app, &start_sehat(shared.clone()));
    map_identifiers(&mut app).await;
    let code = book(&app, seed.tomorrow, 1).await;
    through_the_day(&mut app, seed.tomorrow, &code).await;

    // First attempt: 500; the later statuses of the visit wait behind it.
    assert_eq!(worker::run_until_idle(&state, &client).await.unwrap(), 1);
    let (_, page) = app.get_json("/api/v1/staff/satusehat?status=pending").await;
    assert_eq!(page["counts"]["pending"], 3);
    let first = page["jobs"].as_array().unwrap().iter().find(|j| j["attempts"] == 1).unwrap();
    assert_eq!(first["encounter_status"], "arrived");
    assert!(first["last_error"].as_str().unwrap().contains("500"), "{first}");
    assert_eq!(worker::run_until_idle(&state, &client).await.unwrap(), 0, "backoff");

    app.clock.advance(Duration::seconds(31));
    assert_eq!(worker::run_until_idle(&state, &client).await.unwrap(), 1, "second 500");
    app.clock.advance(Duration::seconds(61));
    assert_eq!(worker::run_until_idle(&state, &client).await.unwrap(), 3);

    let s = shared.lock().unwrap();
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    assert_eq!(s.encounters.len(), 1, "one Encounter");
    let statuses: Vec<&str> =
        s.encounters["enc-1"].iter().map(|v| v["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["arrived", "in-progress", "finished"], "each status once");
}

#[actix_web::test]
async fn patients_without_a_nik_or_ihs_match_wait_on_the_staff_page_with_the_reason() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    let shared = sehat(&[]); // SATUSEHAT knows none of our patients
    let (state, client) = sender(&app, &start_sehat(shared.clone()));
    app.login_as("admin", Role::Admin, &[]).await;
    // A kiosk walk-in (no identity) and a booked patient SATUSEHAT does not know.
    let (status, ticket) = app
        .post_json("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "non_jkn"}))
        .await;
    assert_eq!(status, 201, "{ticket}");
    let (status, placed) = app
        .post_json(
            "/api/v1/staff/registrations",
            &json!({"session_id": seed.today, "payer": "non_jkn",
                    "patient": {"nik": nik(7), "name": "Pasien Loket", "birth_date": "1990-05-17"}}),
        )
        .await;
    assert_eq!(status, 201, "{placed}");
    // A booking cancelled before check-in never starts an Encounter.
    let gone = book(&app, seed.tomorrow, 8).await;
    let res = app
        .post(&format!("/api/v1/bookings/{gone}/cancel"), &json!({"birth_date": "1990-05-17"}))
        .await;
    assert_eq!(res.status(), 200);

    worker::run_until_idle(&state, &client).await.unwrap();
    let (_, page) = app.get_json("/api/v1/staff/satusehat").await;
    let mut reasons: Vec<(String, String)> = page["stuck"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| (j["ticket"].as_str().unwrap().into(), j["reason"].as_str().unwrap().into()))
        .collect();
    reasons.sort();
    assert_eq!(
        reasons,
        [
            ("B-001".to_string(), "no_patient".to_string()),
            ("B-002".into(), "patient_not_found".into())
        ]
    );
    assert!(page["stuck"][0]["reason_text"]["id"].as_str().unwrap().len() > 5);
    assert!(shared.lock().unwrap().encounters.is_empty(), "nothing guessed");

    // The patient becomes known; the doctor and room are mapped; staff retry: it goes.
    shared.lock().unwrap().patients.insert(nik(7), "P00000000077".into());
    let (_, page) = app.get_json("/api/v1/staff/satusehat").await;
    assert_eq!(page["counts"]["failed"], 2);
    map_identifiers(&mut app).await;
    let (status, body) = app.post_json("/api/v1/staff/satusehat/retry", &json!({})).await;
    assert_eq!((status.as_u16(), &body["requeued"]), (200, &json!(2)));
    worker::run_until_idle(&state, &client).await.unwrap();
    let (_, page) = app.get_json("/api/v1/staff/satusehat").await;
    assert_eq!(page["counts"]["sent"], 1);
    assert_eq!(page["stuck"].as_array().unwrap().len(), 1, "the walk-in still has no identity");
    assert_eq!(app.count("satusehat_jobs"), 2);
}

#[actix_web::test]
async fn satusehat_settings_are_for_admins_and_bad_input_changes_nothing() {
    let mut app = TestApp::spawn().await;
    seed(&app);
    assert_eq!(app.get("/api/v1/staff/satusehat").await.status(), 401);
    app.login_as("loket", Role::Registration, &[]).await;
    assert_eq!(app.get("/api/v1/staff/satusehat").await.status(), 403);
    let res = app.put("/api/v1/staff/satusehat/doctors/D003", &json!({"nik": DOCTOR_NIK})).await;
    assert_eq!(res.status(), 403);
    app.login_as("admin", Role::Admin, &[]).await;
    let cases = [
        ("/api/v1/staff/satusehat/doctors/D003", json!({"nik": "123"}), 422),
        ("/api/v1/staff/satusehat/doctors/D003", json!({"nik": 5}), 400),
        ("/api/v1/staff/satusehat/doctors/D999", json!({"nik": DOCTOR_NIK}), 404),
        ("/api/v1/staff/satusehat/clinics/ANA", json!({"location_id": "a b/c"}), 400),
        ("/api/v1/staff/satusehat/clinics/ANA", json!({"location_id": LOCATION, "x": 1}), 400),
        ("/api/v1/staff/satusehat/clinics/XXX", json!({"location_id": LOCATION}), 404),
    ];
    for (path, body, want) in cases {
        let (status, answer) = app.put_json(path, &body).await;
        assert_eq!(status.as_u16(), want, "{path} {body}: {answer}");
        assert!(answer["error"]["message"].is_string(), "{answer}");
    }
    assert_eq!(app.count("satusehat_doctors") + app.count("satusehat_clinics"), 0);
    let (_, page) = app.get_json("/api/v1/staff/satusehat").await;
    assert_eq!(page["configured"], false);
    assert_eq!(page["doctors"][0]["nik"], Value::Null);
}

#[actix_web::test]
async fn the_national_console_page_shows_what_went_what_is_stuck_and_why() {
    use crate::pages::{Visitor, hidden, make_staff};
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    let shared = sehat(&[1]);
    let (state, client) = sender(&app, &start_sehat(shared.clone()));
    map_identifiers(&mut app).await;
    // One patient SATUSEHAT knows (sent), one kiosk walk-in without identity (stuck).
    let code = book(&app, seed.tomorrow, 1).await;
    let (status, _) = app
        .post_json("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "non_jkn"}))
        .await;
    assert_eq!(status, 201);
    through_the_day(&mut app, seed.tomorrow, &code).await;
    worker::run_until_idle(&state, &client).await.unwrap();

    make_staff(&app, "kepala", Role::Admin, &[]);
    let mut admin = Visitor::new(&app);
    admin.login("kepala", "rahasia-uji").await;
    let page = admin.get("/staff/nasional").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("sent: 3"), "{}", page.body);
    assert!(page.body.contains("Kunjungan tanpa data pasien"), "the reason is shown");
    assert!(page.body.contains(PRACTITIONER));
    // Mapping a doctor's NIK from the page.
    let csrf = hidden(&page.body, "csrf");
    let res = admin
        .post(
            "/staff/nasional/dokter",
            &[("csrf", &csrf), ("code", "D003"), ("nik", "9109014501800003")],
        )
        .await;
    assert_eq!(res.status, 303);
    let (_, api) = app.get_json("/api/v1/staff/satusehat").await;
    assert_eq!(api["doctors"][0]["nik"], "9109014501800003");
    // Without the token: refused, nothing changed.
    let res = admin.post("/staff/nasional/dokter", &[("code", "D003"), ("nik", DOCTOR_NIK)]).await;
    assert_eq!(res.status, 403);
    // Clinic staff may not see it.
    make_staff(&app, "anak", Role::Clinic, &["ANA"]);
    let mut nurse = Visitor::new(&app);
    nurse.login("anak", "rahasia-uji").await;
    assert_eq!(nurse.get("/staff/nasional").await.status, 403);
}
