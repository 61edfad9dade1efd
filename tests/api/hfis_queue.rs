//! HFIS schedule changes through the durable queue (`hfis_updates`, `db::job_lease`):
//! retried with backoff, in order per doctor and clinic, kept across a worker's death,
//! BPJS's refusal shown with its reason; national holidays as `hari` 8; the BPJS reference
//! lists kept for the admin console's pick lists. Against the BPJS stand-in of `jkn.rs`.
use chrono::Duration;
use serde_json::{Value, json};
use sipoli::auth::Role;
use sipoli::clock::Clock;
use sipoli::service::{bpjs_link, hfis, hfis_push};

use crate::browser::Browser;
use crate::helpers::*;
use crate::national::{state, with_bpjs};
use crate::pages::{Visitor, make_staff};

/// Dr. Ruth (D003, BPJS 310103) at Poli Anak on Wednesdays 09:00–13:00.
fn wednesday() -> Value {
    json!({"clinic": "ANA", "doctor": "D003", "weekday": 3, "starts_at": "09:00",
           "ends_at": "13:00", "quota_jkn": 25, "quota_non_jkn": 10, "online_limit": 20})
}

async fn updates(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.get_json("/api/v1/staff/hfis/updates").await;
    assert_eq!(status, 200, "{body}");
    body["updates"].as_array().cloned().unwrap_or_default()
}

fn codes(log: &[(String, Value, i64)]) -> Vec<i64> {
    log.iter().filter(|(p, _, _)| p.contains("updatejadwaldokter")).map(|(_, _, s)| *s).collect()
}

#[actix_web::test]
async fn an_hfis_change_failing_twice_then_accepted_is_recorded_once() {
    let (mut app, shared, _) = with_bpjs().await;
    seed(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    shared.lock().unwrap().fail_first = 2;
    let (status, _) = app.post_json("/api/v1/staff/schedules", &wednesday()).await;
    assert_eq!(status, 201);
    let st = state(&app);

    // First attempt: HTTP 500 → pending again, the error kept, not due for 30 s.
    assert_eq!(hfis_push::push_until_idle(&st).await.unwrap(), 1);
    let u = &updates(&app).await[0];
    assert_eq!((&u["status"], &u["attempts"]), (&json!("pending"), &json!(1)), "{u}");
    assert!(u["last_error"].as_str().unwrap().contains("500"), "{u}");
    assert_eq!(hfis_push::push_until_idle(&st).await.unwrap(), 0, "not due yet");

    app.clock.advance(Duration::seconds(31));
    assert_eq!(hfis_push::push_until_idle(&st).await.unwrap(), 1, "second 500");
    app.clock.advance(Duration::seconds(31));
    assert_eq!(hfis_push::push_until_idle(&st).await.unwrap(), 0, "backoff doubled to 60 s");
    app.clock.advance(Duration::seconds(30));
    assert_eq!(hfis_push::push_until_idle(&st).await.unwrap(), 1);
    assert_eq!(hfis_push::push_until_idle(&st).await.unwrap(), 0, "nothing left");

    {
        let b = shared.lock().unwrap();
        assert_eq!(codes(&b.log), [500, 500, 200]);
        assert_eq!(
            b.hfis_updates,
            [json!({"kodepoli": "ANA", "kodesubspesialis": "ANA", "kodedokter": 310103,
                    "jadwal": [{"hari": "3", "buka": "09:00", "tutup": "13:00"}]})],
            "exactly one update recorded"
        );
    }
    let list = updates(&app).await;
    assert_eq!(list.len(), 1);
    assert_eq!(
        (&list[0]["status"], &list[0]["attempts"], &list[0]["last_error"]),
        (&json!("waiting"), &json!(3), &Value::Null)
    );
    // Sent at 07:31 WIT: decided this evening.
    assert_eq!(list[0]["decided_by"], "2026-12-01");

    // The console shows it waiting for BPJS, with the approval window.
    make_staff(&app, "kepala", Role::Admin, &[]);
    let mut admin = Visitor::new(&app);
    admin.login("kepala", "rahasia-uji").await;
    let page = admin.get("/staff/nasional").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("data-status=\"waiting\""), "{}", page.body);
    assert!(page.body.contains("menunggu persetujuan BPJS"), "{}", page.body);
    assert!(page.body.contains("00:00–20:00 WIT"));
    assert!(page.body.contains("<span id=\"hfis-decided-if-now\">2026-12-01</span>"));
}

#[actix_web::test]
async fn after_eight_in_the_evening_a_change_is_decided_the_next_day() {
    let (mut app, _shared, _) = with_bpjs().await;
    seed(&app);
    app.clock.set(wit(2026, 12, 1, 20, 30));
    make_staff(&app, "kepala", Role::Admin, &[]);
    let mut admin = Visitor::new(&app);
    admin.login("kepala", "rahasia-uji").await;
    let page = admin.get("/staff/nasional").await;
    assert!(page.body.contains("<span id=\"hfis-decided-if-now\">2026-12-02</span>"));
    assert!(page.body.contains("20:30 WIT"), "{}", page.body);

    app.login_as("admin", Role::Admin, &[]).await;
    let (status, _) = app.post_json("/api/v1/staff/schedules", &wednesday()).await;
    assert_eq!(status, 201);
    assert_eq!(hfis_push::push_until_idle(&state(&app)).await.unwrap(), 1);
    assert_eq!(updates(&app).await[0]["decided_by"], "2026-12-02");
}

#[actix_web::test]
async fn changes_go_in_order_per_doctor_a_newer_one_replaces_an_unsent_one_and_a_dead_worker_loses_nothing()
 {
    let (mut app, shared, _) = with_bpjs().await;
    seed(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let (status, _) = app.post_json("/api/v1/staff/schedules", &wednesday()).await;
    assert_eq!(status, 201);

    // A worker claims the change and dies before BPJS answers.
    let now = app.clock.now();
    let claimed =
        sipoli::db::hfis::claim_due(&mut app.conn(), now, Duration::minutes(5)).unwrap().unwrap();
    // Meanwhile the schedule changes again: a second change of the same doctor and clinic.
    let mut later = wednesday();
    later["ends_at"] = json!("12:00");
    let (_, list) = app.get_json("/api/v1/staff/schedules?clinic=ANA").await;
    let id = list[0]["id"].as_i64().unwrap();
    let (status, body) = app.put_json(&format!("/api/v1/staff/schedules/{id}"), &later).await;
    assert_eq!(status, 200, "{body}");
    let st = state(&app);
    // The first one is leased, and holds the second back: nothing goes.
    assert_eq!(hfis_push::push_until_idle(&st).await.unwrap(), 0);
    assert!(shared.lock().unwrap().hfis_updates.is_empty());

    // The lease runs out: the first comes back, is replaced, and only the newest week goes.
    app.clock.advance(Duration::minutes(5));
    assert_eq!(hfis_push::push_until_idle(&st).await.unwrap(), 2);
    let b = shared.lock().unwrap().hfis_updates.clone();
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(b[0]["jadwal"], json!([{"hari": "3", "buka": "09:00", "tutup": "12:00"}]));
    let list = updates(&app).await;
    let states: Vec<(&Value, &Value)> = list.iter().map(|u| (&u["id"], &u["status"])).collect();
    assert_eq!(states.len(), 2);
    assert_eq!(list[1]["id"], claimed.id);
    assert_eq!(list[1]["status"], "superseded", "{list:?}");
    assert_eq!(list[0]["status"], "waiting");

    // Saving the same week again queues nothing new.
    let (status, _) = app.put_json(&format!("/api/v1/staff/schedules/{id}"), &later).await;
    assert_eq!(status, 200);
    assert_eq!(updates(&app).await.len(), 2);
}

#[actix_web::test]
async fn a_change_bpjs_refuses_is_shown_refused_with_bpjs_reason() {
    let (mut app, shared, _) = with_bpjs().await;
    seed(&app);
    {
        use diesel::prelude::*;
        use sipoli::db::schema::doctors;
        diesel::update(doctors::table)
            .set(doctors::bpjs_code.eq(777777))
            .execute(&mut app.conn())
            .unwrap();
    }
    app.login_as("admin", Role::Admin, &[]).await;
    let (status, _) = app.post_json("/api/v1/staff/schedules", &wednesday()).await;
    assert_eq!(status, 201);
    assert_eq!(hfis_push::push_until_idle(&state(&app)).await.unwrap(), 1);
    assert!(shared.lock().unwrap().hfis_updates.is_empty());
    let u = &updates(&app).await[0];
    assert_eq!(u["status"], "refused", "{u}");
    assert_eq!(u["attempts"], 1, "a refusal is not retried");
    assert_eq!(u["last_error"], "201: Kode dokter tidak terdaftar di HFIS");
    assert_eq!(hfis_push::push_until_idle(&state(&app)).await.unwrap(), 0);

    make_staff(&app, "kepala", Role::Admin, &[]);
    let mut admin = Visitor::new(&app);
    admin.login("kepala", "rahasia-uji").await;
    let page = admin.get("/staff/nasional").await;
    assert!(page.body.contains("data-status=\"refused\""), "{}", page.body);
    assert!(page.body.contains("ditolak BPJS"));
    assert!(page.body.contains("Kode dokter tidak terdaftar di HFIS"));
}

#[actix_web::test]
async fn a_national_holiday_is_pushed_as_hari_8_and_a_closure_takes_it_off() {
    let (mut app, shared, _) = with_bpjs().await;
    seed(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let (status, _) = app.post_json("/api/v1/staff/schedules", &wednesday()).await;
    assert_eq!(status, 201);
    let st = state(&app);
    assert_eq!(hfis_push::push_until_idle(&st).await.unwrap(), 1);

    // An admin enters Wednesday 9 December as a national holiday: the doctor's session that
    // day still runs in SIPOLI, so HFIS learns the holiday hours (hari 8).
    let holiday = json!({"date": "2026-12-09", "name": "Hari pemungutan suara"});
    let (status, body) = app.post_json("/api/v1/staff/holidays", &holiday).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(hfis_push::push_until_idle(&st).await.unwrap(), 1);
    let sent = shared.lock().unwrap().hfis_updates.clone();
    assert_eq!(
        sent[1]["jadwal"],
        json!([{"hari": "3", "buka": "09:00", "tutup": "13:00"},
               {"hari": "8", "buka": "09:00", "tutup": "13:00"}])
    );

    // The clinic is closed that day: the holiday hours go.
    let closure = json!({"kind": "closure", "clinic": "ANA", "date": "2026-12-09",
                         "reason": "Libur nasional"});
    let (status, body) = app.post_json("/api/v1/staff/exceptions", &closure).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(hfis_push::push_until_idle(&st).await.unwrap(), 1);
    let sent = shared.lock().unwrap().hfis_updates.clone();
    assert_eq!(sent[2]["jadwal"], json!([{"hari": "3", "buka": "09:00", "tutup": "13:00"}]));

    // An extra session on the holiday: those hours are the holiday's.
    let extra = json!({"kind": "extra", "clinic": "ANA", "doctor": "D003", "date": "2026-12-09",
                       "starts_at": "08:00", "ends_at": "10:00", "quota_jkn": 5,
                       "quota_non_jkn": 5, "reason": "Poli libur nasional"});
    let (status, body) = app.post_json("/api/v1/staff/exceptions", &extra).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(hfis_push::push_until_idle(&st).await.unwrap(), 1);
    let sent = shared.lock().unwrap().hfis_updates.clone();
    assert_eq!(
        sent[3]["jadwal"],
        json!([{"hari": "3", "buka": "09:00", "tutup": "13:00"},
               {"hari": "8", "buka": "08:00", "tutup": "10:00"}])
    );

    // The holiday passes (no other one entered): the worker's daily check sends the week
    // without hari 8; a second check the same day queues nothing.
    app.clock.set(wit(2026, 12, 10, 7, 0));
    hfis::refresh_weeks(&st).await.unwrap();
    hfis::refresh_weeks(&st).await.unwrap();
    assert_eq!(hfis_push::push_until_idle(&st).await.unwrap(), 1);
    let sent = shared.lock().unwrap().hfis_updates.clone();
    assert_eq!(sent[4]["jadwal"], json!([{"hari": "3", "buka": "09:00", "tutup": "13:00"}]));
    app.login_as("admin", Role::Admin, &[]).await;

    // A leave on an ordinary day changes nothing HFIS keeps: nothing is queued.
    let leave = json!({"kind": "leave", "doctor": "D003", "date": "2026-12-16", "reason": "Cuti"});
    let (status, body) = app.post_json("/api/v1/staff/exceptions", &leave).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(hfis_push::push_until_idle(&st).await.unwrap(), 0);
    assert_eq!(updates(&app).await.len(), 5);
}

#[actix_web::test]
async fn bpjs_reference_lists_are_kept_and_refreshed_daily_not_on_each_view() {
    let (mut app, shared, _) = with_bpjs().await;
    seed(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let asked = |shared: &crate::jkn::Shared| {
        shared.lock().unwrap().log.iter().filter(|(p, _, _)| p.starts_with("/ref/")).count()
    };
    // Nothing kept yet: empty lists, BPJS not asked by a read.
    let (status, refs) = app.get_json("/api/v1/staff/hfis/references").await;
    assert_eq!(status, 200);
    assert_eq!((&refs["poli"], &refs["fetched_at"]), (&json!([]), &Value::Null));
    assert_eq!(asked(&shared), 0);

    // The worker's daily refresh asks once, then not again within a day.
    let st = state(&app);
    assert!(bpjs_link::refresh_references_if_stale(&st).await.unwrap());
    assert_eq!(asked(&shared), 2);
    assert!(!bpjs_link::refresh_references_if_stale(&st).await.unwrap());
    for _ in 0..3 {
        let (_, refs) = app.get_json("/api/v1/staff/hfis/references").await;
        assert_eq!(refs["dokter"][1]["kodedokter"], 310199);
        assert_eq!(refs["fetched_at"], "2026-12-01T07:30:00+09:00");
    }
    make_staff(&app, "kepala", Role::Admin, &[]);
    let mut admin = Visitor::new(&app);
    admin.login("kepala", "rahasia-uji").await;
    for _ in 0..3 {
        let page = admin.get("/staff/admin").await;
        assert!(page.body.contains("<select id=\"d-bpjs\""), "{}", page.body);
    }
    assert_eq!(asked(&shared), 2, "page views and reads do not ask BPJS");
    app.clock.advance(Duration::hours(25));
    assert!(bpjs_link::refresh_references_if_stale(&st).await.unwrap());
    assert_eq!(asked(&shared), 4);

    // On demand; admins only (a fresh login: the day-old one has run out).
    app.login_as("admin", Role::Admin, &[]).await;
    let (status, _) = app.post_json("/api/v1/staff/hfis/references/refresh", &json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(asked(&shared), 6);
    app.login_as("anak", Role::Clinic, &["ANA"]).await;
    let (status, _) = app.post_json("/api/v1/staff/hfis/references/refresh", &json!({})).await;
    assert_eq!(status, 403);
    assert_eq!(app.get("/api/v1/staff/hfis/references").await.status(), 403);
    assert_eq!(asked(&shared), 6);
}

#[actix_web::test]
async fn the_admin_picks_bpjs_codes_from_lists_in_chromium_and_the_console_shows_hfis_states() {
    let (mut app, _shared, _) = with_bpjs().await;
    seed(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let (status, _) = app.post_json("/api/v1/staff/schedules", &wednesday()).await;
    assert_eq!(status, 201);
    let holiday = json!({"date": "2026-12-09", "name": "Hari pemungutan suara"});
    assert_eq!(app.post_json("/api/v1/staff/holidays", &holiday).await.0, 201);
    hfis_push::push_until_idle(&state(&app)).await.unwrap();
    bpjs_link::refresh_references_if_stale(&state(&app)).await.unwrap();
    make_staff(&app, "kepala", Role::Admin, &[]);

    let b = Browser::start(1366, 900).await;
    b.client.goto(&app.url("/staff/masuk")).await.unwrap();
    b.wait_css("#username").await.send_keys("kepala").await.unwrap();
    b.wait_css("#password").await.send_keys("rahasia-uji").await.unwrap();
    b.wait_css("button[type=submit].btn.wide").await.click().await.unwrap();
    b.wait_css("nav form").await;

    // The doctor's BPJS code is chosen from BPJS's list, then saved.
    let doctor: i32 = {
        use diesel::prelude::*;
        use sipoli::db::schema::doctors;
        doctors::table.select(doctors::id).first(&mut app.conn()).unwrap()
    };
    b.client.goto(&app.url(&format!("/staff/admin?dokter={doctor}#dokter-form"))).await.unwrap();
    let select = b.wait_css("select#d-bpjs").await;
    let options: Value = b
        .client
        .execute(
            "return Array.from(document.querySelectorAll('#d-bpjs option')).map(o => o.value);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(options, json!(["", "310199", "310103"]), "sorted by name, none typed");
    select.select_by_value("310199").await.unwrap();
    b.client
        .execute("document.getElementById('poli-form').scrollIntoView();", vec![])
        .await
        .unwrap();
    b.screenshot("hfis_admin_pick_lists").await;
    b.client
        .find(fantoccini::Locator::Css("#dokter-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Wait for the redirect after saving (the page shows its notice).
    for _ in 0..200 {
        if b.client.current_url().await.unwrap().as_str().contains("ok=") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(b.client.current_url().await.unwrap().as_str().contains("ok="));
    let (_, sessions) = app.get_json("/api/v1/sessions?date=2026-12-02&clinic=ANA").await;
    assert_eq!(sessions[0]["doctor"]["bpjs_code"], 310199, "{sessions}");

    b.client.goto(&app.url("/staff/nasional#hfis")).await.unwrap();
    b.wait_css("#hfis-updates").await;
    let text = b.body_text().await;
    assert!(text.contains("8: 09:00-13:00"), "{text}");
    assert!(text.contains("menunggu persetujuan BPJS"), "{text}");
    b.client.execute("document.getElementById('hfis').scrollIntoView();", vec![]).await.unwrap();
    b.screenshot("hfis_national_console").await;
    b.close().await;
}

#[actix_web::test]
async fn a_schedule_moved_to_another_doctor_sends_both_doctors_weeks() {
    let (mut app, _shared, _) = with_bpjs().await;
    seed(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let (status, body) = app.post_json("/api/v1/staff/schedules", &wednesday()).await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().unwrap();
    let first = updates(&app).await;
    assert_eq!(first.len(), 1);
    diesel::RunQueryDsl::execute(
        diesel::sql_query(
            "INSERT INTO doctors (code, name, bpjs_code) VALUES ('D010', 'dr. Yonas Wenda', 310110)",
        ),
        &mut app.conn(),
    )
    .unwrap();

    // The Wednesday session passes from dr. Ruth to dr. Yonas.
    let mut moved = wednesday();
    moved["doctor"] = json!("D010");
    let (status, body) = app.put_json(&format!("/api/v1/staff/schedules/{id}"), &moved).await;
    assert_eq!(status, 200, "{body}");

    let list = updates(&app).await;
    assert_eq!(list.len(), 3, "{list:?}");
    let week_of = |code: i64| {
        list.iter()
            .find(|u| u["payload"]["kodedokter"] == json!(code) && u["id"] != first[0]["id"])
            .map(|u| u["payload"]["jadwal"].clone())
    };
    // dr. Yonas now holds Wednesday; dr. Ruth's week is sent again, without it.
    assert_eq!(week_of(310110), Some(json!([{"hari": "3", "buka": "09:00", "tutup": "13:00"}])));
    assert_eq!(week_of(310103), Some(json!([])));
}
