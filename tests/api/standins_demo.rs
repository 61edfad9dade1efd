//! The stand-ins of `cargo run --example standins` (the same code, `tests/standins/`): they
//! start, the settings they print are read by SIPOLI's own settings parser, and a node with
//! the demo's data sends a JKN visit to BPJS (add, tasks 3–5), its Encounter to SATUSEHAT
//! and a schedule change to HFIS, all accepted by the stand-ins' checks.
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};
use sipoli::app::AppState;
use sipoli::auth::Role;
use sipoli::jkn::client::BpjsClient;
use sipoli::jkn::{JknSettings, reports};
use sipoli::satusehat::SatusehatConfig;
use sipoli::satusehat::client::SatusehatClient;
use sipoli::service::hfis_push;

use crate::helpers::*;
use crate::jkn::{card, ms};
use crate::standins::demo;

#[actix_web::test]
async fn the_examples_stand_ins_take_a_demo_visit_to_bpjs_satusehat_and_hfis() {
    let running = demo::start("127.0.0.1:0", "127.0.0.1:0", false).unwrap();
    // The printed settings, read as `sipoli` reads its environment.
    let env: HashMap<&str, String> = running.env().into_iter().collect();
    let lookup = |name: &str| env.get(name).cloned();
    let bpjs = JknSettings::from_vars(&lookup).unwrap().bpjs.expect("BPJS settings printed");
    let sehat = SatusehatConfig::from_vars(&lookup).unwrap().expect("SATUSEHAT settings printed");
    assert!(running.exports().contains("export SIPOLI_SATUSEHAT_ORGANIZATION_ID='100026342'"));
    let mut settings = test_settings();
    settings.jkn.bpjs = Some(bpjs.clone());
    settings.satusehat = Some(sehat.clone());
    let mut app = TestApp::spawn_with(default_now(), settings).await;
    // The demo's data, as `sipoli demo` seeds it.
    {
        let mut conn = app.conn();
        sipoli::demo::seed_catalogue(&mut conn, app.state.today()).unwrap();
        sipoli::demo::seed_staff(&mut conn).unwrap();
        sipoli::demo::seed_stations(&mut conn).unwrap();
        sipoli::demo::seed_satusehat(&mut conn, app.state.now()).unwrap();
    }
    let sessions: Vec<Value> =
        app.get("/api/v1/sessions?date=2026-12-02").await.json().await.unwrap();
    let session = sessions
        .iter()
        .find(|s| s["clinic"]["code"] == "ANA")
        .and_then(|s| s["id"].as_i64())
        .expect("Poli Anak on Wednesday") as i32;
    let mut body = booking_body(session, 1);
    body["payer"] = json!("jkn");
    body["patient"]["bpjs_no"] = json!(card(1));
    let (status, placed) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 201, "{placed}");
    let code = placed["booking_code"].as_str().unwrap().to_string();

    // Check in 07:50, call 08:00, start 08:01, finish 08:12.
    app.clock.set(wit(2026, 12, 2, 7, 50));
    app.login_as("admin", Role::Admin, &[]).await;
    let res = app.post(&format!("/api/v1/bookings/{code}/check-in"), &json!({})).await;
    assert_eq!(res.status(), 200);
    app.clock.set(wit(2026, 12, 2, 8, 0));
    let (_, called) =
        app.post_json(&format!("/api/v1/staff/sessions/{session}/call-next"), &json!({})).await;
    let id = called["id"].as_i64().unwrap_or_else(|| panic!("called: {called}"));
    for (minute, step) in [(1, "start"), (12, "finish")] {
        app.clock.set(wit(2026, 12, 2, 8, minute));
        let res = app.post(&format!("/api/v1/staff/visits/{id}/{step}"), &json!({})).await;
        assert_eq!(res.status(), 200, "{step}");
    }

    // A schedule change for HFIS: dr. Ruth also on Sunday mornings.
    let change = json!({"clinic": "ANA", "doctor": "D003", "weekday": 7, "starts_at": "08:00",
                        "ends_at": "11:00", "quota_jkn": 10, "quota_non_jkn": 5, "online_limit": 10});
    let (status, created) = app.post_json("/api/v1/staff/schedules", &change).await;
    assert_eq!(status, 201, "{created}");

    let state =
        AppState::new(app.pool.clone(), (*app.state.settings).clone(), Arc::new(app.clock.clone()));
    assert_eq!(reports::run_until_idle(&state, &BpjsClient::new(bpjs)).await.unwrap(), 4);
    let sender = SatusehatClient::new(sehat);
    assert_eq!(sipoli::satusehat::worker::run_until_idle(&state, &sender).await.unwrap(), 3);
    assert_eq!(hfis_push::push_until_idle(&state).await.unwrap(), 1);

    {
        let b = running.bpjs.lock().unwrap();
        assert_eq!(b.bad_signatures, 0);
        assert_eq!(b.registrations.len(), 1);
        assert_eq!(b.registrations[0]["kodedokter"], 310103);
        assert_eq!(
            b.tasks[&code],
            [(3, ms(2026, 12, 2, 7, 50)), (4, ms(2026, 12, 2, 8, 1)), (5, ms(2026, 12, 2, 8, 12))]
        );
        assert_eq!(b.hfis_updates.len(), 1);
        assert_eq!(b.hfis_updates[0]["kodedokter"], 310103);
        let s = running.sehat.lock().unwrap();
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        let versions = s.encounters.values().next().expect("one encounter");
        let statuses: Vec<&Value> = versions.iter().map(|v| &v["status"]).collect();
        assert_eq!(statuses, ["arrived", "in-progress", "finished"]);
        assert_eq!(
            versions[0]["location"][0]["location"]["reference"],
            "Location/demo-location-ana"
        );
    }

    // What arrived can be seen at the stand-ins' own GET /_diterima.
    let client = client_builder().build().unwrap();
    let seen: Value = client
        .get(format!("{}/_diterima", running.bpjs_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seen["tasks"][0]["kodebooking"], code.as_str());
    assert_eq!(seen["tasks"][0]["tasks"][0]["wit"], "02-12-2026 07:50:00 WIT");
    let seen: Value = client
        .get(format!("{}/_diterima", running.sehat_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seen["encounters"][0]["statuses"], json!(["arrived", "in-progress", "finished"]));

    // HFIS knows the demo's week except one difference, shown on the dry run (Saturday).
    let (status, dry) = app.get_json("/api/v1/staff/hfis/schedules?date=2026-12-05").await;
    assert_eq!(status, 200, "{dry}");
    let differences: Vec<Value> = dry["clinics"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["differences"].as_array().cloned().unwrap_or_default())
        .collect();
    assert_eq!(differences.len(), 1, "{dry}");
    assert_eq!(differences[0]["kodedokter"], 310115);
    assert_eq!(differences[0]["bpjs"], "08:00-10:00");
}
