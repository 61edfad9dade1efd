//! Lab or radiology "and back to the same doctor": the same visit returns to its
//! polyclinic queue at its original place (before everyone who came after it), with a
//! `back_to_clinic` event; no new visit, and BPJS hears no second task 3, 4 or 5.
use serde_json::{Value, json};
use sipoli::auth::Role;
use sipoli::jkn::reports;

use crate::helpers::*;
use crate::jkn::card;

/// The clinic day at 8:05 with the demo stations (the lab among them), an admin logged in.
async fn clinic_day_with_stations() -> (TestApp, Seed) {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    sipoli::demo::seed_stations(&mut app.conn()).unwrap();
    app.login_as("admin", Role::Admin, &[]).await;
    (app, seed)
}

/// A walk-in registered at the counter (JKN with a card, or non-JKN): its visit id and code.
async fn walk_in(app: &TestApp, session: i32, n: u32, jkn: bool) -> (i64, String) {
    let mut patient =
        json!({"nik": nik(n), "name": format!("Pasien {n}"), "birth_date": "1990-05-17"});
    if jkn {
        patient["bpjs_no"] = json!(card(n));
    }
    let payer = if jkn { "jkn" } else { "non_jkn" };
    let (status, placed) = app
        .post_json(
            "/api/v1/staff/registrations",
            &json!({"session_id": session, "payer": payer, "patient": patient}),
        )
        .await;
    assert_eq!(status, 201, "{placed}");
    (placed["id"].as_i64().unwrap(), placed["booking_code"].as_str().unwrap().to_string())
}

async fn call_next(app: &TestApp, session: i32) -> Value {
    let (status, called) =
        app.post_json(&format!("/api/v1/staff/sessions/{session}/call-next"), &json!({})).await;
    assert_eq!(status, 200, "{called}");
    called
}

async fn act(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let (status, out) = app.post_json(path, &body).await;
    (status.as_u16(), out)
}

/// Call the lab's next patient to desk 1 and start: the step id.
async fn lab_takes_next(app: &TestApp) -> i64 {
    let (status, called) =
        app.post_json("/api/v1/staff/stations/LAB/call-next", &json!({"desk": 1})).await;
    assert_eq!(status, 200, "{called}");
    let step = called["step_id"].as_i64().unwrap();
    assert_eq!(act(app, &format!("/api/v1/staff/steps/{step}/start"), json!({})).await.0, 200);
    step
}

fn events_of(app: &TestApp, visit: i64, kind: &str) -> Vec<Value> {
    use diesel::prelude::*;
    use sipoli::db::schema::visit_events;
    visit_events::table
        .filter(visit_events::visit_id.eq(visit))
        .filter(visit_events::kind.eq(kind))
        .select(visit_events::detail)
        .load(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_patient_back_from_the_lab_waits_again_in_the_same_visit_before_newcomers() {
    let (app, seed) = clinic_day_with_stations().await;
    let (a, code) = walk_in(&app, seed.today, 1, true).await;
    let (b, _) = walk_in(&app, seed.today, 2, false).await;
    let (c, _) = walk_in(&app, seed.today, 3, false).await;

    // The doctor sees A and sends them to the lab.
    app.clock.set(wit(2026, 12, 1, 8, 10));
    assert_eq!(call_next(&app, seed.today).await["id"], a);
    assert_eq!(act(&app, &format!("/api/v1/staff/visits/{a}/start"), json!({})).await.0, 200);
    app.clock.set(wit(2026, 12, 1, 8, 20));
    let finish = format!("/api/v1/staff/visits/{a}/finish");
    // "Back" is for a station's finish, not the doctor's.
    let (status, err) = act(&app, &finish, json!({"next": {"back": true}})).await;
    assert_eq!(status, 422, "{err}");
    let (status, out) = act(&app, &finish, json!({"next": {"station": "LAB"}})).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["next_step"]["ticket"], "L-001");

    // The lab takes the sample and sends the patient back to the same doctor.
    app.clock.set(wit(2026, 12, 1, 8, 30));
    let step = lab_takes_next(&app).await;
    let (_, standing) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(standing["step"]["station"], "LAB");
    let lab_finish = format!("/api/v1/staff/steps/{step}/finish");
    let (visits, events) = (app.count("visits"), app.count("visit_events"));
    for body in [
        json!({"next": {"back": true, "station": "KASIR"}}),
        json!({"next": {"back": true, "clinic": "ANA"}}),
        json!({"next": {"back": "yes"}}),
    ] {
        let (status, err) = act(&app, &lab_finish, body.clone()).await;
        assert!(status == 422 || status == 400, "{body} → {status} {err}");
    }
    assert_eq!((app.count("visits"), app.count("visit_events")), (visits, events));
    app.clock.set(wit(2026, 12, 1, 8, 40));
    let (status, out) = act(&app, &lab_finish, json!({"next": {"back": true}})).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["status"], "done", "the lab step is done");
    assert_eq!(out["back_to_clinic"]["id"], a, "the same visit");
    assert_eq!(out["back_to_clinic"]["status"], "waiting");
    assert_eq!(app.count("visits"), visits, "no new visit");
    let back = events_of(&app, a, "back_to_clinic");
    assert_eq!(back.len(), 1);
    assert_eq!(back[0]["from_station"], "LAB");
    assert_eq!(back[0]["step_ticket"], "L-001");
    // A second finish of the same step is refused.
    let (status, _) = act(&app, &lab_finish, json!({"next": {"back": true}})).await;
    assert_eq!(status, 409);

    // The status page follows: waiting at the polyclinic again, first in line.
    let (_, standing) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(standing["status"], "waiting");
    assert_eq!(standing["step"], Value::Null);
    assert_eq!(standing["position"], 0);

    // Called before B and C, who came after A.
    app.clock.set(wit(2026, 12, 1, 8, 45));
    assert_eq!(call_next(&app, seed.today).await["id"], a);
    assert_eq!(act(&app, &format!("/api/v1/staff/visits/{a}/start"), json!({})).await.0, 200);
    app.clock.set(wit(2026, 12, 1, 8, 55));
    let (status, out) =
        act(&app, &finish, json!({"next": {"station": "FARMASI", "prescription": "non_racikan"}}))
            .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(call_next(&app, seed.today).await["id"], b);

    // BPJS: add, then tasks 1–5 once each at their first moments; the pharmacy's
    // `farmasi/add` follows the second finish.
    let rows = reports::of_visit(&mut app.conn(), a).unwrap();
    let tasks: Vec<(Option<i16>, i64)> = rows.iter().map(|r| (r.taskid, r.waktu)).collect();
    assert_eq!(
        tasks.iter().filter(|(t, _)| t.is_some()).cloned().collect::<Vec<_>>(),
        [
            // A new patient registered at the counter: 1 and 2 at the registration.
            (Some(1), wit(2026, 12, 1, 8, 5).timestamp_millis()),
            (Some(2), wit(2026, 12, 1, 8, 5).timestamp_millis()),
            (Some(3), wit(2026, 12, 1, 8, 5).timestamp_millis()),
            (Some(4), wit(2026, 12, 1, 8, 10).timestamp_millis()),
            (Some(5), wit(2026, 12, 1, 8, 20).timestamp_millis()),
        ]
    );
    assert!(rows.iter().any(|r| r.kind == "farmasi_add"), "{tasks:?}");
    let _ = c;
}

#[actix_web::test]
async fn a_station_that_names_the_visits_own_clinic_sends_it_back_too() {
    let (app, seed) = clinic_day_with_stations().await;
    let (a, _) = walk_in(&app, seed.today, 1, false).await;
    let (b, _) = walk_in(&app, seed.today, 2, false).await;
    call_next(&app, seed.today).await;
    act(&app, &format!("/api/v1/staff/visits/{a}/start"), json!({})).await;
    let (status, _) =
        act(&app, &format!("/api/v1/staff/visits/{a}/finish"), json!({"next": {"station": "LAB"}}))
            .await;
    assert_eq!(status, 200);
    let step = lab_takes_next(&app).await;
    let visits = app.count("visits");
    let (status, out) = act(
        &app,
        &format!("/api/v1/staff/steps/{step}/finish"),
        json!({"next": {"clinic": "ANA", "session_id": seed.today}}),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["back_to_clinic"]["id"], a);
    assert_eq!(app.count("visits"), visits);
    assert_eq!(call_next(&app, seed.today).await["id"], a, "before B");
    let _ = b;

    // A registration ticket has no polyclinic to go back to.
    let (status, t) = app
        .post_json("/api/v1/kiosk/tickets", &json!({"station": "PENDAFTARAN", "payer": "jkn"}))
        .await;
    assert_eq!(status, 201, "{t}");
    let (_, called) =
        app.post_json("/api/v1/staff/stations/PENDAFTARAN/call-next", &json!({"desk": 1})).await;
    let step = called["step_id"].as_i64().unwrap();
    act(&app, &format!("/api/v1/staff/steps/{step}/start"), json!({})).await;
    let (status, err) =
        act(&app, &format!("/api/v1/staff/steps/{step}/finish"), json!({"next": {"back": true}}))
            .await;
    assert_eq!(status, 422, "{err}");
}

#[actix_web::test]
async fn after_the_lab_the_visit_keeps_its_first_consultations_times() {
    use diesel::prelude::*;
    use sipoli::db::schema::visits;
    let (app, seed) = clinic_day_with_stations().await;
    let (a, code) = walk_in(&app, seed.today, 1, true).await;
    app.clock.set(wit(2026, 12, 1, 8, 10));
    assert_eq!(call_next(&app, seed.today).await["id"], a);
    act(&app, &format!("/api/v1/staff/visits/{a}/start"), json!({})).await;
    app.clock.set(wit(2026, 12, 1, 8, 20));
    let finish = format!("/api/v1/staff/visits/{a}/finish");
    assert_eq!(act(&app, &finish, json!({"next": {"station": "LAB"}})).await.0, 200);
    app.clock.set(wit(2026, 12, 1, 8, 30));
    let step = lab_takes_next(&app).await;
    app.clock.set(wit(2026, 12, 1, 8, 40));
    let lab_finish = format!("/api/v1/staff/steps/{step}/finish");
    assert_eq!(act(&app, &lab_finish, json!({"next": {"back": true}})).await.0, 200);
    // The second consultation: called 8:45, started 8:50, done 9:05.
    app.clock.set(wit(2026, 12, 1, 8, 45));
    assert_eq!(call_next(&app, seed.today).await["id"], a);
    // Called again: the journey shows the second consultation as an entry of its own.
    let (status, standing) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(status, 200, "{standing}");
    let back = standing["journey"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(back["kind"], "clinic", "{standing}");
    assert_eq!(back["status"], "called", "{back}");
    assert_eq!(back["called_at"], "2026-12-01T08:45:00+09:00", "{back}");
    assert_eq!(back["started_at"], Value::Null);
    app.clock.set(wit(2026, 12, 1, 8, 50));
    assert_eq!(act(&app, &format!("/api/v1/staff/visits/{a}/start"), json!({})).await.0, 200);
    app.clock.set(wit(2026, 12, 1, 9, 5));
    let (status, out) = act(&app, &finish, json!({})).await;
    assert_eq!(status, 200, "{out}");

    // The visit's service time is the first consultation's.
    type Times = (Option<chrono::DateTime<chrono::Utc>>, Option<chrono::DateTime<chrono::Utc>>);
    let times: Times = visits::table
        .find(a)
        .select((visits::started_at, visits::finished_at))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(times, (Some(wit(2026, 12, 1, 8, 10)), Some(wit(2026, 12, 1, 8, 20))));
    // …and its call time too: the second call (8:45) did not overwrite the first (8:10).
    let called: Option<chrono::DateTime<chrono::Utc>> =
        visits::table.find(a).select(visits::called_at).first(&mut app.conn()).unwrap();
    assert_eq!(called, Some(wit(2026, 12, 1, 8, 10)));
    // The journey (status by code): the lab, then the second consultation with its own
    // called/start/finish times from the visit's events; public, tickets only.
    let (status, standing) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(status, 200, "{standing}");
    let journey = standing["journey"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = journey
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["station"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("lab", "LAB"), ("clinic", "ANA")], "{standing}");
    let second = &journey[1];
    assert_eq!(second["step_id"], Value::Null);
    assert_eq!(second["ticket"], standing["ticket"]);
    assert_eq!(second["status"], "done");
    assert_eq!(second["label"], "Selesai");
    assert_eq!(second["call_count"], 1);
    assert_eq!(second["waiting_since"], "2026-12-01T08:40:00+09:00");
    assert_eq!(second["called_at"], "2026-12-01T08:45:00+09:00");
    assert_eq!(second["started_at"], "2026-12-01T08:50:00+09:00");
    assert_eq!(second["finished_at"], "2026-12-01T09:05:00+09:00");
    assert_eq!(journey[0]["finished_at"], "2026-12-01T08:40:00+09:00");
    // The status page lists the journey: the lab, then the consultation after it.
    let html = app.get(&format!("/antrean/{code}")).await.text().await.unwrap();
    let lab = html.find("data-kind=\"step\"").expect("the lab on the status page");
    let back = html.find("data-kind=\"back\"").expect("the second consultation");
    assert!(lab < back, "in time order");
    let line = &html[back..back + html[back..].find("</li>").unwrap()];
    assert!(line.contains("kembali dari pemeriksaan"), "{line}");
    assert!(line.contains("dipanggil 08:45 · dilayani 08:50–09:05 WIT"), "{line}");
    // The second consultation's moments are its own events.
    let starts = events_of(&app, a, "start").len();
    let finishes = events_of(&app, a, "finish").len();
    assert_eq!((starts, finishes), (2, 2));

    // The whole-visit moments: tasks 4/5 are the first consultation, the patient left at
    // the second one's end.
    let moments = sipoli::db::steps::day_moments(
        &mut app.conn(),
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        None,
    )
    .unwrap();
    let m = moments.iter().find(|m| m.t4.is_some()).expect("A's moments");
    assert_eq!(m.task(4), Some(wit(2026, 12, 1, 8, 10)));
    assert_eq!(m.task(5), Some(wit(2026, 12, 1, 8, 20)));
    assert_eq!(m.left_at, Some(wit(2026, 12, 1, 9, 5)));
    // BPJS: tasks 4 and 5 once, at the first consultation.
    let rows = reports::of_visit(&mut app.conn(), a).unwrap();
    let t: Vec<(Option<i16>, i64)> = rows
        .iter()
        .filter(|r| matches!(r.taskid, Some(4 | 5)))
        .map(|r| (r.taskid, r.waktu))
        .collect();
    assert_eq!(
        t,
        [
            (Some(4), wit(2026, 12, 1, 8, 10).timestamp_millis()),
            (Some(5), wit(2026, 12, 1, 8, 20).timestamp_millis()),
        ]
    );
}

#[actix_web::test]
async fn a_patient_called_again_after_the_lab_is_the_newest_call_on_the_board() {
    let (app, seed) = clinic_day_with_stations().await;
    let (a, _) = walk_in(&app, seed.today, 1, false).await;
    let (b, _) = walk_in(&app, seed.today, 2, false).await;
    let (_, waiting) = walk_in(&app, seed.today, 3, false).await;
    // A: called 8:10, seen, sent to the lab. B: called 8:15 and in service.
    app.clock.set(wit(2026, 12, 1, 8, 10));
    let first = call_next(&app, seed.today).await;
    assert_eq!(first["id"], a);
    act(&app, &format!("/api/v1/staff/visits/{a}/start"), json!({})).await;
    let finish = format!("/api/v1/staff/visits/{a}/finish");
    assert_eq!(act(&app, &finish, json!({"next": {"station": "LAB"}})).await.0, 200);
    app.clock.set(wit(2026, 12, 1, 8, 15));
    let second = call_next(&app, seed.today).await;
    assert_eq!(second["id"], b);
    assert_eq!(act(&app, &format!("/api/v1/staff/visits/{b}/start"), json!({})).await.0, 200);
    // A comes back from the lab and is called again at 8:45, while B is still in service.
    app.clock.set(wit(2026, 12, 1, 8, 30));
    let step = lab_takes_next(&app).await;
    app.clock.set(wit(2026, 12, 1, 8, 40));
    let lab_finish = format!("/api/v1/staff/steps/{step}/finish");
    assert_eq!(act(&app, &lab_finish, json!({"next": {"back": true}})).await.0, 200);
    app.clock.set(wit(2026, 12, 1, 8, 45));
    assert_eq!(call_next(&app, seed.today).await["id"], a);

    // The board shows A as the call now, B among the recent ones…
    let (status, state) = app.get_json("/api/v1/displays/state?clinics=ANA").await;
    assert_eq!(status, 200, "{state}");
    let ana = &state["clinics"][0];
    assert_eq!(ana["current"]["ticket"], first["ticket"], "{ana}");
    assert_eq!(ana["recent"], json!([second["ticket"]]), "{ana}");
    // …a waiting patient's status names A as now serving (the node's projection and the
    // database agree)…
    let (status, standing) = app.get_json(&format!("/api/v1/bookings/{waiting}")).await;
    assert_eq!(status, 200, "{standing}");
    assert_eq!(standing["now_serving"], first["ticket"], "{standing}");
    // …and so does the session's public queue.
    let (status, queue) = app.get_json(&format!("/api/v1/sessions/{}/queue", seed.today)).await;
    assert_eq!(status, 200, "{queue}");
    assert_eq!(queue["now_serving"][0]["ticket"], first["ticket"], "{queue}");
    assert_eq!(queue["now_serving"][1]["ticket"], second["ticket"], "{queue}");
}
