//! A registration-counter ticket's step changes before its visit exists (ticket taken,
//! called at a desk, skipped, returned, called again, started) become visit events of the
//! visit the counter forwards it into, each at its own moment and by its own actor; the
//! audit log shows them in time order. BPJS still hears add and tasks 1, 2, 3 only.
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::helpers::*;
use crate::jkn::card;

async fn step_action(app: &TestApp, step: i64, action: &str, body: Value) -> Value {
    let (status, out) = app.post_json(&format!("/api/v1/staff/steps/{step}/{action}"), &body).await;
    assert_eq!(status, 200, "{action}: {out}");
    out
}

#[actix_web::test]
async fn a_counter_tickets_earlier_step_changes_become_its_visits_events() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 7, 30)).await;
    let seed = seed(&app);
    sipoli::demo::seed_stations(&mut app.conn()).unwrap();
    let (status, t) = app
        .post_json(
            "/api/v1/kiosk/tickets",
            &json!({"station": "PENDAFTARAN", "payer": "jkn", "priority_category": "lansia"}),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    let code = t["booking_code"].as_str().unwrap().to_string();

    app.login_as("loket", Role::Registration, &[]).await;
    app.clock.set(wit(2026, 12, 1, 7, 35));
    let (status, called) =
        app.post_json("/api/v1/staff/stations/PENDAFTARAN/call-next", &json!({"desk": 2})).await;
    assert_eq!(status, 200, "{called}");
    let step = called["step_id"].as_i64().unwrap();
    app.clock.set(wit(2026, 12, 1, 7, 36));
    step_action(&app, step, "skip", json!({})).await;
    app.clock.set(wit(2026, 12, 1, 7, 37));
    step_action(&app, step, "return", json!({})).await;
    app.clock.set(wit(2026, 12, 1, 7, 40));
    let (status, again) =
        app.post_json("/api/v1/staff/stations/PENDAFTARAN/call-next", &json!({"desk": 1})).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["step_id"], step);
    app.clock.set(wit(2026, 12, 1, 7, 42));
    step_action(&app, step, "start", json!({})).await;
    // Nothing is a visit event yet: there is no visit.
    assert_eq!(app.count("visit_events"), 0);

    app.clock.set(wit(2026, 12, 1, 7, 50));
    let out = step_action(
        &app,
        step,
        "finish",
        json!({"next": {"clinic": "ANA", "session_id": seed.today},
               "patient": {"nik": nik(7), "bpjs_no": card(7), "name": "Pasien Riwayat",
                           "birth_date": "1990-05-17"}}),
    )
    .await;
    let visit = app.visit_id(out["next_visit"]["booking_code"].as_str().unwrap());

    // The visit's events, in time order: the ticket's whole history, then the forward.
    use sipoli::db::schema::visit_events;
    let rows: Vec<(String, String, DateTime<Utc>, Value)> = visit_events::table
        .filter(visit_events::visit_id.eq(visit))
        .order((visit_events::created_at, visit_events::id))
        .select((
            visit_events::kind,
            visit_events::actor,
            visit_events::created_at,
            visit_events::detail,
        ))
        .load(&mut app.conn())
        .unwrap();
    let seen: Vec<(&str, &str, DateTime<Utc>)> =
        rows.iter().map(|(k, a, at, _)| (k.as_str(), a.as_str(), *at)).collect();
    assert_eq!(
        seen,
        [
            ("step_ticket", "kiosk", wit(2026, 12, 1, 7, 30)),
            ("step_call", "staff:loket", wit(2026, 12, 1, 7, 35)),
            ("step_skip", "staff:loket", wit(2026, 12, 1, 7, 36)),
            ("step_return", "staff:loket", wit(2026, 12, 1, 7, 37)),
            ("step_call", "staff:loket", wit(2026, 12, 1, 7, 40)),
            ("step_start", "staff:loket", wit(2026, 12, 1, 7, 42)),
            ("registered", "staff:loket", wit(2026, 12, 1, 7, 50)),
            ("step_finish", "staff:loket", wit(2026, 12, 1, 7, 50)),
        ]
    );
    // Each carries the step: station, ticket, desk, from → to.
    let first_call = &rows[1].3;
    assert_eq!(first_call["station"], "PENDAFTARAN");
    assert_eq!(first_call["ticket"], "P-001");
    assert_eq!(first_call["desk"], 2);
    assert_eq!(
        (first_call["from"].as_str(), first_call["to"].as_str()),
        (Some("waiting"), Some("called"))
    );
    assert_eq!(rows[4].3["desk"], 1);

    // BPJS still gets add and tasks 1, 2, 3 only (history is not reported twice).
    let tasks = sipoli::jkn::reports::of_visit(&mut app.conn(), visit).unwrap();
    assert_eq!(
        tasks.iter().map(|r| r.taskid).collect::<Vec<_>>(),
        [None, Some(1), Some(2), Some(3)]
    );

    // The audit log shows the counter's steps of the visit in time order.
    app.login_as("kepala", Role::Admin, &[]).await;
    let page = app.get("/staff/audit?tanggal=2026-12-01").await.text().await.unwrap();
    let ticket = page.find("Ambil tiket loket").expect("ticket taken in the audit log");
    let skip = page.find("Lewati di loket").expect("skip in the audit log");
    let registered = page.find("Daftar langsung").expect("registered in the audit log");
    assert!(ticket < skip && skip < registered, "time order");
    let _ = code;
}
