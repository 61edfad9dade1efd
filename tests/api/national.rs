//! HFIS doctor schedules and the reconciliation with BPJS, against the BPJS stand-in of
//! `jkn.rs` (real HTTP on loopback, signed requests, encrypted answers).
use std::sync::Arc;

use serde_json::{Value, json};
use sipoli::app::AppState;
use sipoli::auth::Role;
use sipoli::jkn::client::BpjsClient;
use sipoli::jkn::reports;
use sipoli::service::hfis_push;

use crate::helpers::*;
use crate::jkn::{Shared, bpjs_config, ms, start_bpjs, web_jkn_booking};

/// A node whose BPJS settings point at a fresh stand-in; the stand-in's state.
pub(crate) async fn with_bpjs() -> (TestApp, Shared, BpjsClient) {
    let shared: Shared = Arc::default();
    let config = bpjs_config(&start_bpjs(shared.clone()));
    let mut settings = test_settings();
    settings.jkn.bpjs = Some(config.clone());
    let app = TestApp::spawn_with(default_now(), settings).await;
    (app, shared, BpjsClient::new(config))
}

pub(crate) fn state(app: &TestApp) -> AppState {
    AppState::new(app.pool.clone(), (*app.state.settings).clone(), Arc::new(app.clock.clone()))
}

/// HFIS shows dr. Ruth (310103) at Poli Anak on Wednesdays 08:00–11:00 for 30 patients.
pub(crate) fn hfis_row(jadwal: &str, kapasitas: i64) -> Value {
    json!({"kodedokter": 310103, "namadokter": "dr. Ruth Kogoya, Sp.A", "hari": 3,
           "namahari": "RABU", "jadwal": jadwal, "kapasitaspasien": kapasitas, "libur": 0,
           "kodepoli": "ANA", "namapoli": "Anak", "kodesubspesialis": "ANA"})
}

#[actix_web::test]
async fn an_hfis_difference_is_shown_then_applied() {
    let (mut app, shared, _) = with_bpjs().await;
    seed(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let body = json!({"clinic": "ANA", "doctor": "D003", "weekday": 3, "starts_at": "08:00",
                      "ends_at": "12:00", "quota_jkn": 20, "quota_non_jkn": 10, "online_limit": 20});
    let (status, created) = app.post_json("/api/v1/staff/schedules", &body).await;
    assert_eq!(status, 201, "{created}");
    shared.lock().unwrap().hfis.insert("ANA".into(), vec![hfis_row("08:00-11:00", 30)]);

    // The dry run: both sides and the differences; nothing changes.
    let (status, dry) = app.get_json("/api/v1/staff/hfis/schedules?date=2026-12-02").await;
    assert_eq!(status, 200, "{dry}");
    let ana = &dry["clinics"][0];
    assert_eq!(ana["clinic"], "ANA");
    assert_eq!(ana["bpjs"][0]["jadwal"], "08:00-11:00");
    assert_eq!(ana["sipoli"][0]["jadwal"], "08:00-12:00");
    assert_eq!(
        ana["differences"],
        json!([
            {"kodedokter": 310103, "namadokter": "dr. Ruth Kogoya, Sp.A", "field": "jadwal",
             "bpjs": "08:00-11:00", "sipoli": "08:00-12:00"},
            {"kodedokter": 310103, "namadokter": "dr. Ruth Kogoya, Sp.A", "field": "kapasitaspasien",
             "bpjs": 30, "sipoli": 20},
        ])
    );
    let (_, again) = app.get_json("/api/v1/staff/hfis/schedules?date=2026-12-02").await;
    assert_eq!(again["clinics"][0]["differences"], ana["differences"], "a dry run changes nothing");

    // Not confirmed → refused; bad dates → 400.
    let (status, _) = app
        .post_json("/api/v1/staff/hfis/apply", &json!({"date": "2026-12-02", "confirm": false}))
        .await;
    assert_eq!(status, 422);
    let (status, _) = app.get_json("/api/v1/staff/hfis/schedules?date=02-12-2026").await;
    assert_eq!(status, 400);

    // Confirmed: applied; no difference left.
    let (status, applied) = app
        .post_json("/api/v1/staff/hfis/apply", &json!({"date": "2026-12-02", "confirm": true}))
        .await;
    assert_eq!(status, 200, "{applied}");
    assert_eq!(applied["changed"], 1);
    assert_eq!(applied["clinics"][0]["differences"], json!([]));
    // Next week's session follows the new hours and capacity.
    let (_, sessions) = app.get_json("/api/v1/sessions?date=2026-12-09&clinic=ANA").await;
    let next = &sessions[0];
    assert_eq!(
        (&next["starts_at"], &next["ends_at"]),
        (&json!("2026-12-09T08:00:00+09:00"), &json!("2026-12-09T11:00:00+09:00")),
        "{sessions}"
    );
    assert_eq!(next["quota"]["jkn"], 30, "{sessions}");
    let (_, list) = app.get_json("/api/v1/staff/schedules?clinic=ANA").await;
    let text = list.to_string();
    assert!(text.contains("11:00") && text.contains("30"), "{list}");

    // Pick lists come from BPJS (kept once asked).
    let (status, _) = app.post_json("/api/v1/staff/hfis/references/refresh", &json!({})).await;
    assert_eq!(status, 200);
    let (status, refs) = app.get_json("/api/v1/staff/hfis/references").await;
    assert_eq!(status, 200, "{refs}");
    assert_eq!(refs["poli"][0]["kdpoli"], "ANA");
    assert_eq!(refs["dokter"][1]["kodedokter"], 310199);

    // Admins only.
    app.login_as("anak", Role::Clinic, &["ANA"]).await;
    assert_eq!(app.get("/api/v1/staff/hfis/schedules?date=2026-12-02").await.status(), 403);
}

#[actix_web::test]
async fn a_schedule_change_is_pushed_to_hfis_and_its_approval_followed() {
    let (mut app, shared, _) = with_bpjs().await;
    seed(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let body = json!({"clinic": "ANA", "doctor": "D003", "weekday": 3, "starts_at": "09:00",
                      "ends_at": "13:00", "quota_jkn": 25, "quota_non_jkn": 10, "online_limit": 20});
    let (status, _) = app.post_json("/api/v1/staff/schedules", &body).await;
    assert_eq!(status, 201);
    let (_, updates) = app.get_json("/api/v1/staff/hfis/updates").await;
    assert_eq!(updates["updates"][0]["status"], "pending");

    assert_eq!(hfis_push::push_until_idle(&state(&app)).await.unwrap(), 1);
    {
        let b = shared.lock().unwrap();
        assert_eq!(
            b.hfis_updates,
            [json!({"kodepoli": "ANA", "kodesubspesialis": "ANA", "kodedokter": 310103,
                    "jadwal": [{"hari": "3", "buka": "09:00", "tutup": "13:00"}]})]
        );
    }
    // Sent at 07:30 WIT: BPJS decides this evening.
    let (_, updates) = app.get_json("/api/v1/staff/hfis/updates").await;
    assert_eq!(updates["updates"][0]["status"], "waiting");
    assert_eq!(updates["updates"][0]["decided_by"], "2026-12-01");

    // HFIS shows the new hours: approved.
    shared.lock().unwrap().hfis.insert("ANA".into(), vec![hfis_row("09:00-13:00", 25)]);
    let (status, _) = app.get_json("/api/v1/staff/hfis/schedules?date=2026-12-02").await;
    assert_eq!(status, 200);
    let (_, updates) = app.get_json("/api/v1/staff/hfis/updates").await;
    assert_eq!(updates["updates"][0]["status"], "approved");

    // Ending the schedule queues the doctor's week without that day.
    let (_, list) = app.get_json("/api/v1/staff/schedules?clinic=ANA").await;
    let id = list[0]["id"].as_i64().unwrap();
    let (status, ended) = app.delete_json(&format!("/api/v1/staff/schedules/{id}")).await;
    assert_eq!(status, 200, "{ended}");
    assert_eq!(hfis_push::push_until_idle(&state(&app)).await.unwrap(), 1);
    let b = shared.lock().unwrap();
    assert_eq!(
        b.hfis_updates[1],
        json!({"kodepoli": "ANA", "kodesubspesialis": "ANA", "kodedokter": 310103, "jadwal": []})
    );
}

/// Check in at 07:50, call 08:00, start 08:01, finish 08:12 on 2 December.
async fn through_the_day(app: &mut TestApp, session: i32, code: &str) {
    app.clock.set(wit(2026, 12, 2, 7, 50));
    app.login_as("admin", Role::Admin, &[]).await;
    let res = app.post(&format!("/api/v1/bookings/{code}/check-in"), &json!({})).await;
    assert_eq!(res.status(), 200);
    app.clock.set(wit(2026, 12, 2, 8, 0));
    let (_, called) =
        app.post_json(&format!("/api/v1/staff/sessions/{session}/call-next"), &json!({})).await;
    let id = called["id"].as_i64().unwrap();
    app.clock.set(wit(2026, 12, 2, 8, 1));
    assert_eq!(
        app.post(&format!("/api/v1/staff/visits/{id}/start"), &json!({})).await.status(),
        200
    );
    app.clock.set(wit(2026, 12, 2, 8, 12));
    assert_eq!(
        app.post(&format!("/api/v1/staff/visits/{id}/finish"), &json!({})).await.status(),
        200
    );
}

#[actix_web::test]
async fn a_reconciliation_finds_a_task_deleted_at_bpjs_and_resends_it() {
    let (mut app, shared, client) = with_bpjs().await;
    let seed = seed(&app);
    let code = web_jkn_booking(&app, seed.tomorrow, 1).await;
    through_the_day(&mut app, seed.tomorrow, &code).await;
    assert_eq!(reports::run_until_idle(&state(&app), &client).await.unwrap(), 4);

    // All there: nothing to say, every visit complete and in order.
    let date = json!({"date": "2026-12-02"});
    let (status, first) = app.post_json("/api/v1/staff/bpjs/reconciliation", &date).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["mismatches"], json!([]), "{first}");
    assert_eq!(first["in_order"], json!({"visits": 1, "complete": 1, "share": 1.0}));
    assert_eq!(first["waiting_times"]["bpjs"][0]["avg_waktu_task3"], 660);
    assert_eq!(first["waiting_times"]["sipoli"]["ANA"]["avg_waktu_task3"], 660);
    assert_eq!(first["waiting_times"]["sipoli"]["ANA"]["avg_waktu_task4"], 660);

    // BPJS loses task 5.
    shared.lock().unwrap().tasks.get_mut(&code).unwrap().retain(|(t, _)| *t != 5);
    let (_, found) = app.post_json("/api/v1/staff/bpjs/reconciliation", &date).await;
    let visit = app.visit_id(&code);
    assert_eq!(
        found["mismatches"],
        json!([{"kind": "task_missing", "kodebooking": code, "visit_id": visit, "taskid": 5,
                "ours": ms(2026, 12, 2, 8, 12), "bpjs": null}])
    );
    assert_eq!(found["in_order"]["complete"], 0);
    let (_, kept) = app.get_json("/api/v1/staff/bpjs/reconciliation?date=2026-12-02").await;
    assert_eq!(kept["mismatches"], found["mismatches"]);

    // One action: it goes again, with its real time.
    let (status, requeued) =
        app.post_json("/api/v1/staff/bpjs/reconciliation/requeue", &date).await;
    assert_eq!((status.as_u16(), &requeued["requeued"]), (200, &json!(1)));
    assert_eq!(reports::run_until_idle(&state(&app), &client).await.unwrap(), 1);
    assert_eq!(
        shared.lock().unwrap().tasks[&code],
        [(3, ms(2026, 12, 2, 7, 50)), (4, ms(2026, 12, 2, 8, 1)), (5, ms(2026, 12, 2, 8, 12))]
    );
    let (_, after) = app.post_json("/api/v1/staff/bpjs/reconciliation", &date).await;
    assert_eq!(after["mismatches"], json!([]));
    assert_eq!(after["in_order"]["share"], 1.0);

    // Another day never checked: 404; a clinic account may not look.
    let (status, _) = app.get_json("/api/v1/staff/bpjs/reconciliation?date=2026-12-03").await;
    assert_eq!(status, 404);
    app.login_as("anak", Role::Clinic, &["ANA"]).await;
    assert_eq!(app.post("/api/v1/staff/bpjs/reconciliation", &date).await.status(), 403);
}

#[actix_web::test]
async fn the_national_page_shows_the_hfis_dry_run_applies_it_and_reconciles_now() {
    use crate::pages::{Visitor, hidden, make_staff};
    let (mut app, shared, _) = with_bpjs().await;
    seed(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let body = json!({"clinic": "ANA", "doctor": "D003", "weekday": 3, "starts_at": "08:00",
                      "ends_at": "12:00", "quota_jkn": 20, "quota_non_jkn": 10, "online_limit": 20});
    let (status, created) = app.post_json("/api/v1/staff/schedules", &body).await;
    assert_eq!(status, 201, "{created}");
    shared.lock().unwrap().hfis.insert("ANA".into(), vec![hfis_row("08:00-11:00", 30)]);

    make_staff(&app, "kepala", Role::Admin, &[]);
    let mut admin = Visitor::new(&app);
    admin.login("kepala", "rahasia-uji").await;
    // The dry run on the page: the differences, a "Terapkan" button; nothing changes.
    let page = admin.get("/staff/nasional?hfis=2026-12-02").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"hfis-differences\""), "{}", page.body);
    assert!(page.body.contains("08:00-11:00") && page.body.contains("08:00-12:00"));
    assert!(page.body.contains("kapasitaspasien") && page.body.contains("Terapkan"));
    assert!(page.body.contains("Rekonsiliasi sekarang"));
    let (_, list) = app.get_json("/api/v1/staff/schedules?clinic=ANA").await;
    assert!(list.to_string().contains("12:00"), "a dry run changes nothing: {list}");

    // Without the token: refused, nothing changed. Without the confirmation: refused.
    let csrf = hidden(&page.body, "csrf");
    let apply = [("csrf", csrf.as_str()), ("tanggal", "2026-12-02"), ("konfirmasi", "ya")];
    assert_eq!(admin.post("/staff/nasional/hfis", &apply[1..]).await.status, 403);
    let unconfirmed = admin.post("/staff/nasional/hfis", &apply[..2]).await;
    assert_eq!(unconfirmed.status, 422);
    let (_, still) = app.get_json("/api/v1/staff/hfis/schedules?date=2026-12-02").await;
    assert_eq!(still["clinics"][0]["differences"].as_array().map(Vec::len), Some(2));

    // "Terapkan": applied; the page then shows no difference.
    let res = admin.post("/staff/nasional/hfis", &apply).await;
    assert_eq!(res.status, 303);
    let (_, after) = app.get_json("/api/v1/staff/hfis/schedules?date=2026-12-02").await;
    assert_eq!(after["clinics"][0]["differences"], json!([]), "{after}");
    let page = admin.get("/staff/nasional?hfis=2026-12-02").await;
    assert!(page.body.contains("id=\"hfis-same\""), "{}", page.body);

    // "Rekonsiliasi sekarang": the day is asked of BPJS and kept.
    let (status, _) = app.get_json("/api/v1/staff/bpjs/reconciliation?date=2026-12-01").await;
    assert_eq!(status, 404);
    let res = admin
        .post("/staff/nasional/cocokkan", &[("csrf", csrf.as_str()), ("tanggal", "2026-12-01")])
        .await;
    assert_eq!(res.status, 303);
    let (status, kept) = app.get_json("/api/v1/staff/bpjs/reconciliation?date=2026-12-01").await;
    assert_eq!(status, 200, "{kept}");
    assert_eq!(kept["mismatches"], json!([]));
    let page = admin.get("/staff/nasional?tanggal=2026-12-01").await;
    assert!(page.body.contains("id=\"in-order\""), "{}", page.body);

    // Clinic staff may not ask BPJS through the page.
    make_staff(&app, "anak", Role::Clinic, &["ANA"]);
    let mut nurse = Visitor::new(&app);
    nurse.login("anak", "rahasia-uji").await;
    let page = nurse.get("/staff").await;
    let csrf = hidden(&page.body, "csrf");
    let res = nurse
        .post("/staff/nasional/cocokkan", &[("csrf", csrf.as_str()), ("tanggal", "2026-12-01")])
        .await;
    assert_eq!(res.status, 403);
}

#[actix_web::test]
async fn the_admin_pages_bpjs_code_fields_pick_from_bpjs_lists_or_stay_free_text() {
    use crate::pages::{Visitor, make_staff};
    let (app, _shared, _) = with_bpjs().await;
    seed(&app);
    make_staff(&app, "kepala", Role::Admin, &[]);
    let mut admin = Visitor::new(&app);
    admin.login("kepala", "rahasia-uji").await;
    // Before BPJS's lists are kept: typed. The button fetches and keeps them.
    let page = admin.get("/staff/admin").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<input type=\"text\" id=\"c-bpjs\""), "{}", page.body);
    let csrf = crate::pages::hidden(&page.body, "csrf");
    let res = admin.post("/staff/admin/referensi-bpjs", &[("csrf", csrf.as_str())]).await;
    assert_eq!(res.status, 303);
    let page = admin.get("/staff/admin").await;
    assert!(page.body.contains("<select id=\"c-bpjs\" name=\"bpjs_code\">"), "{}", page.body);
    assert!(page.body.contains("<option value=\"ANA\">ANAK (ANA)</option>"), "{}", page.body);
    assert!(page.body.contains("<select id=\"d-bpjs\" name=\"bpjs_code\">"));
    assert!(page.body.contains("<option value=\"310199\">dr. Baru HFIS (310199)</option>"));

    // Without BPJS: the same fields, free text.
    let plain = TestApp::spawn().await;
    seed(&plain);
    make_staff(&plain, "kepala", Role::Admin, &[]);
    let mut admin = Visitor::new(&plain);
    admin.login("kepala", "rahasia-uji").await;
    let page = admin.get("/staff/admin").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"c-bpjs\"") && page.body.contains("id=\"d-bpjs\""));
    assert!(!page.body.contains("<select id=\"c-bpjs\""), "{}", page.body);
    assert!(!page.body.contains("refresh-bpjs-lists"), "no BPJS: no reload button");
}

#[actix_web::test]
async fn a_doctor_hfis_shows_off_that_day_gets_a_leave_when_applied() {
    let (mut app, shared, _) = with_bpjs().await;
    seed(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let body = json!({"clinic": "ANA", "doctor": "D003", "weekday": 3, "starts_at": "08:00",
                      "ends_at": "11:00", "quota_jkn": 30, "quota_non_jkn": 10, "online_limit": 30});
    let (status, created) = app.post_json("/api/v1/staff/schedules", &body).await;
    assert_eq!(status, 201, "{created}");
    let (_, sessions) = app.get_json("/api/v1/sessions?date=2026-12-02&clinic=ANA").await;
    let session = sessions[0]["id"].as_i64().unwrap() as i32;
    let (status, booked) = app.post_json("/api/v1/bookings", &booking_body(session, 1)).await;
    assert_eq!(status, 201, "{booked}");
    let code = booked["booking_code"].as_str().unwrap().to_string();

    // HFIS has dr. Ruth off that Wednesday, same hours and capacity otherwise.
    let mut off = hfis_row("08:00-11:00", 30);
    off["libur"] = json!(1);
    shared.lock().unwrap().hfis.insert("ANA".into(), vec![off]);
    let (_, dry) = app.get_json("/api/v1/staff/hfis/schedules?date=2026-12-02").await;
    let fields: Vec<&Value> =
        dry["clinics"][0]["differences"].as_array().unwrap().iter().map(|d| &d["field"]).collect();
    assert_eq!(fields, [&json!("libur")], "{dry}");

    let (status, applied) = app
        .post_json("/api/v1/staff/hfis/apply", &json!({"date": "2026-12-02", "confirm": true}))
        .await;
    assert_eq!(status, 200, "{applied}");
    assert_eq!(applied["changed"], 1);
    assert_eq!(applied["clinics"][0]["differences"], json!([]), "{applied}");
    // The leave took the usual path: the session and its booking are cancelled.
    let (_, after) = app.get_json("/api/v1/sessions?date=2026-12-02&clinic=ANA").await;
    assert_eq!(after[0]["status"], "cancelled", "{after}");
    let (_, status_now) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(status_now["status"], "cancelled", "{status_now}");
    let (_, leaves) = app.get_json("/api/v1/staff/exceptions?from=2026-12-02&to=2026-12-02").await;
    assert!(leaves.to_string().contains("Libur menurut jadwal HFIS BPJS"), "{leaves}");
    // Next week stays open.
    let (_, next) = app.get_json("/api/v1/sessions?date=2026-12-09&clinic=ANA").await;
    assert_eq!(next[0]["status"], "open", "{next}");
}
