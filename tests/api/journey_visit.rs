//! The whole outpatient visit across polyclinics and the registration counter: internal
//! referral to another polyclinic, the kiosk's registration-counter ticket, the counter
//! forwarding a patient into a polyclinic as checked in, BPJS tasks 1 → 2 → 3 at their
//! own moments, and the counter's numbering under parallel load.
use std::sync::Arc;

use diesel::prelude::*;
use serde_json::{Value, json};
use sipoli::auth::Role;
use sipoli::jkn::reports;

use crate::helpers::*;
use crate::jkn::{Shared, card, ms, reporter, start_bpjs};

fn stations(app: &TestApp) {
    sipoli::demo::seed_stations(&mut app.conn()).expect("stations");
}

/// Poli Penyakit Dalam (INT, prefix I) with its own doctor, and its session today
/// 08:00–12:00; the session id.
pub fn int_session(app: &TestApp) -> i32 {
    use sipoli::db::schema::*;
    let mut c = app.conn();
    let clinic_id: i32 = diesel::insert_into(clinics::table)
        .values((
            clinics::code.eq("INT"),
            clinics::name.eq("Poli Penyakit Dalam"),
            clinics::prefix.eq("I"),
            clinics::bpjs_code.eq("INT"),
            clinics::room.eq("Ruang 5"),
        ))
        .returning(clinics::id)
        .get_result(&mut c)
        .expect("clinic");
    let doctor_id: i32 = diesel::insert_into(doctors::table)
        .values((
            doctors::code.eq("D010"),
            doctors::name.eq("dr. Yance Wenda, Sp.PD"),
            doctors::bpjs_code.eq(310200),
        ))
        .returning(doctors::id)
        .get_result(&mut c)
        .expect("doctor");
    diesel::insert_into(clinic_sessions::table)
        .values((
            clinic_sessions::clinic_id.eq(clinic_id),
            clinic_sessions::doctor_id.eq(doctor_id),
            clinic_sessions::service_date.eq(chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
            clinic_sessions::starts_at.eq(chrono::NaiveTime::from_hms_opt(8, 0, 0).unwrap()),
            clinic_sessions::ends_at.eq(chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap()),
            clinic_sessions::quota_jkn.eq(20),
            clinic_sessions::quota_non_jkn.eq(20),
            clinic_sessions::online_limit.eq(20),
        ))
        .returning(clinic_sessions::id)
        .get_result(&mut c)
        .expect("session")
}

/// A walk-in at `session` with an identity, called and in service; its visit id and code.
async fn in_service(app: &TestApp, session: i32, n: u32) -> (i64, String) {
    let (status, placed) = app
        .post_json(
            "/api/v1/staff/registrations",
            &json!({"session_id": session, "payer": "non_jkn",
                    "patient": {"nik": nik(n), "name": format!("Pasien {n}"),
                                "birth_date": "1990-05-17"}}),
        )
        .await;
    assert_eq!(status, 201, "{placed}");
    let code = placed["booking_code"].as_str().unwrap().to_string();
    let (status, called) =
        app.post_json(&format!("/api/v1/staff/sessions/{session}/call-next"), &json!({})).await;
    assert_eq!(status, 200, "{called}");
    let id = called["id"].as_i64().unwrap();
    let (status, _) = app.post_json(&format!("/api/v1/staff/visits/{id}/start"), &json!({})).await;
    assert_eq!(status, 200);
    (id, code)
}

fn events_of_kind(app: &TestApp, kind: &str) -> i64 {
    use sipoli::db::schema::visit_events;
    visit_events::table
        .filter(visit_events::kind.eq(kind))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_doctor_refers_to_another_polyclinic_where_the_patient_is_checked_in() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    let int = int_session(&app);
    stations(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let (id, code) = in_service(&app, seed.today, 1).await;
    let path = format!("/api/v1/staff/visits/{id}/finish");

    // Bad referrals change nothing.
    let (visits, events) = (app.count("visits"), app.count("visit_events"));
    for (body, expected) in [
        (json!({"next": {"clinic": "NOPE"}}), 422),
        (json!({"next": {"clinic": "ANA"}}), 422),
        (json!({"next": {"clinic": "INT", "session_id": seed.today}}), 422),
        (json!({"next": {"clinic": "INT", "session_id": seed.tomorrow}}), 422),
        (json!({"next": {"clinic": "INT", "station": "KASIR"}}), 422),
        (json!({"next": {"station": "KASIR", "session_id": int}}), 422),
    ] {
        let (status, err) = app.post_json(&path, &body).await;
        assert_eq!(status.as_u16(), expected, "{body} → {err}");
        assert!(err["error"]["code"].is_string());
    }
    assert_eq!((app.count("visits"), app.count("visit_events")), (visits, events));

    let (status, out) = app.post_json(&path, &json!({"next": {"clinic": "INT"}})).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["status"], "done");
    let next = &out["next_visit"];
    assert_eq!(next["ticket"], "I-001");
    assert_eq!(next["status"], "waiting", "checked in at the other polyclinic");
    assert_eq!(next["session"]["id"], int);
    assert_eq!(events_of_kind(&app, "referred"), 1);

    // The new visit is in the other polyclinic's queue, same patient, internal referral.
    let (_, q) = app.get_json(&format!("/api/v1/staff/sessions/{int}/queue")).await;
    assert_eq!(q["visits"][0]["ticket"], "I-001");
    assert_eq!(q["visits"][0]["status"], "waiting");
    let new_code = next["booking_code"].as_str().unwrap();
    let new_id = app.visit_id(new_code);
    {
        use sipoli::db::schema::visits;
        let mut c = app.conn();
        let (from, patient, kind): (Option<i64>, Option<i64>, Option<i16>) = visits::table
            .find(new_id)
            .select((visits::referred_from, visits::patient_id, visits::visit_type))
            .first(&mut c)
            .unwrap();
        let first_patient: Option<i64> =
            visits::table.find(id).select(visits::patient_id).first(&mut c).unwrap();
        assert_eq!(from, Some(id));
        assert_eq!(patient, first_patient);
        assert!(patient.is_some());
        assert_eq!(kind, Some(2), "BPJS jeniskunjungan 2: internal referral");
    }

    // The first booking code shows where the patient went.
    let (_, standing) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(standing["referred_to"]["ticket"], "I-001");
    assert_eq!(standing["referred_to"]["status"], "waiting");

    // A second referral of the same (done) visit is refused.
    let (status, _) = app.post_json(&path, &json!({"next": {"clinic": "INT"}})).await;
    assert_eq!(status, 409);

    // Referral from a visit with a chosen session of the clinic.
    let (other, _) = in_service(&app, seed.today, 2).await;
    let (status, out) = app
        .post_json(
            &format!("/api/v1/staff/visits/{other}/finish"),
            &json!({"next": {"clinic": "INT", "session_id": int}}),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["next_visit"]["ticket"], "I-002");
}

#[actix_web::test]
async fn a_clinic_account_refers_only_its_own_patients() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    int_session(&app);
    stations(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let (id, _) = in_service(&app, seed.today, 1).await;
    app.login_as("dokter_int", Role::Clinic, &["INT"]).await;
    let path = format!("/api/v1/staff/visits/{id}/finish");
    let (status, _) = app.post_json(&path, &json!({"next": {"clinic": "INT"}})).await;
    assert_eq!(status, 403);
    app.login_as("dokter_ana", Role::Clinic, &["ANA"]).await;
    let (status, out) = app.post_json(&path, &json!({"next": {"clinic": "INT"}})).await;
    assert_eq!(status, 200, "{out}");
}

async fn counter_ticket(app: &TestApp, payer: &str, category: Option<&str>) -> Value {
    let mut body = json!({"station": "PENDAFTARAN", "payer": payer});
    if let Some(c) = category {
        body["priority_category"] = json!(c);
    }
    let (status, t) = app.post_json("/api/v1/kiosk/tickets", &body).await;
    assert_eq!(status, 201, "{t}");
    t
}

#[actix_web::test]
async fn the_registration_counter_forwards_a_new_jkn_patient_with_tasks_1_2_3() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 7, 30)).await;
    let seed = seed(&app);
    stations(&app);
    let shared: Shared = Arc::default();
    let (state, client) = reporter(&app, &start_bpjs(shared.clone()));

    let first = counter_ticket(&app, "jkn", None).await;
    assert_eq!(first["ticket"], "P-001");
    assert_eq!(first["station"], "PENDAFTARAN");
    assert_eq!(first["status"], "waiting");
    assert_eq!(first["position"], 0);
    let code = first["booking_code"].as_str().unwrap().to_string();
    // The code follows the ticket before there is a visit.
    let (status, standing) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(status, 200, "{standing}");
    assert_eq!(standing["step"]["station"], "PENDAFTARAN");
    assert_eq!(standing["step"]["ticket"], "P-001");

    // Bad kiosk tickets are refused.
    for (body, expected) in [
        (json!({"station": "PENDAFTARAN"}), 422),
        (json!({"station": "PENDAFTARAN", "payer": "jkn", "priority_category": "vip"}), 422),
        (json!({"station": "PENDAFTARAN", "payer": "jkn", "session_id": seed.today}), 422),
        (json!({"station": "FARMASI", "payer": "jkn"}), 422),
        (json!({"station": "NOPE", "payer": "jkn"}), 404),
    ] {
        let (status, err) = app.post_json("/api/v1/kiosk/tickets", &body).await;
        assert_eq!(status.as_u16(), expected, "{body} → {err}");
    }
    assert_eq!(app.count("visit_steps"), 1);

    app.login_as("loket", Role::Registration, &[]).await;
    app.clock.set(wit(2026, 12, 1, 7, 40));
    let (status, called) =
        app.post_json("/api/v1/staff/stations/PENDAFTARAN/call-next", &json!({"desk": 2})).await;
    assert_eq!(status, 200, "{called}");
    assert_eq!((called["ticket"].as_str(), called["desk"].as_i64()), (Some("P-001"), Some(2)));
    let step = called["step_id"].as_i64().unwrap();
    app.clock.set(wit(2026, 12, 1, 7, 42));
    let (status, _) = app.post_json(&format!("/api/v1/staff/steps/{step}/start"), &json!({})).await;
    assert_eq!(status, 200);

    // Forwarding somewhere else than a polyclinic, or with a bad patient, is refused.
    let finish = format!("/api/v1/staff/steps/{step}/finish");
    for (body, expected) in [
        (json!({"next": {"station": "KASIR"}}), 422),
        (json!({"next": {"clinic": "ANA"}, "patient": {"nik": "123"}}), 422),
        (json!({"next": {"clinic": "ANA", "session_id": seed.tomorrow}}), 422),
    ] {
        let (status, err) = app.post_json(&finish, &body).await;
        assert_eq!(status.as_u16(), expected, "{body} → {err}");
    }
    assert_eq!(app.count("visits"), 0);

    app.clock.set(wit(2026, 12, 1, 7, 50));
    let (status, out) = app
        .post_json(
            &finish,
            &json!({"next": {"clinic": "ANA", "session_id": seed.today},
                    "patient": {"nik": nik(5), "bpjs_no": card(5), "name": "Pasien Baru",
                                "birth_date": "1990-05-17", "medical_record_no": "RM-000123"}}),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["status"], "done");
    assert_eq!(out["next_visit"]["ticket"], "B-001");
    assert_eq!(out["next_visit"]["status"], "waiting", "checked in at the polyclinic");

    // The ticket's code now follows the visit, with the counter step in its journey.
    let (_, standing) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(standing["ticket"], "B-001");
    assert_eq!(standing["status"], "waiting");
    assert_eq!(standing["journey"][0]["station"], "PENDAFTARAN");
    assert_eq!(standing["journey"][0]["status"], "done");
    assert_eq!(standing["step"], Value::Null);
    let (_, q) = app.get_json(&format!("/api/v1/staff/sessions/{}/queue", seed.today)).await;
    assert_eq!(q["visits"][0]["ticket"], "B-001");

    // BPJS hears add, then tasks 1, 2, 3 at the ticket's three moments.
    let sent = reports::run_until_idle(&state, &client).await.unwrap();
    assert_eq!(sent, 4);
    let b = shared.lock().unwrap();
    let paths: Vec<&str> = b.log.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        ["/antrean/add", "/antrean/updatewaktu", "/antrean/updatewaktu", "/antrean/updatewaktu"]
    );
    assert!(b.log.iter().all(|(_, _, code)| *code == 200), "{:?}", b.log);
    let kodebooking = out["next_visit"]["booking_code"].as_str().unwrap();
    assert_eq!(
        b.tasks[kodebooking],
        [(1, ms(2026, 12, 1, 7, 30)), (2, ms(2026, 12, 1, 7, 40)), (3, ms(2026, 12, 1, 7, 50)),]
    );
}

#[actix_web::test]
async fn admission_times_strictly_increase_even_within_one_instant() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 7, 30)).await;
    let seed = seed(&app);
    stations(&app);
    let shared: Shared = Arc::default();
    let (state, client) = reporter(&app, &start_bpjs(shared.clone()));
    counter_ticket(&app, "jkn", Some("lansia")).await;
    app.login_as("loket", Role::Registration, &[]).await;
    let (_, called) =
        app.post_json("/api/v1/staff/stations/PENDAFTARAN/call-next", &json!({"desk": 1})).await;
    assert_eq!(called["priority_category"], "lansia");
    let step = called["step_id"].as_i64().unwrap();
    let (status, _) = app.post_json(&format!("/api/v1/staff/steps/{step}/start"), &json!({})).await;
    assert_eq!(status, 200);
    let (status, out) = app
        .post_json(
            &format!("/api/v1/staff/steps/{step}/finish"),
            &json!({"next": {"clinic": "ANA"},
                    "patient": {"nik": "9109011705500006", "bpjs_no": card(6), "name": "Pasien Cepat",
                                "birth_date": "1950-05-17"}}),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["next_visit"]["session"]["id"], seed.today);
    reports::run_until_idle(&state, &client).await.unwrap();
    let kodebooking = out["next_visit"]["booking_code"].as_str().unwrap();
    let times: Vec<i64> =
        shared.lock().unwrap().tasks[kodebooking].iter().map(|(_, w)| *w).collect();
    assert_eq!(times.len(), 3);
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    // The category carries into the polyclinic queue.
    let (_, q) = app.get_json(&format!("/api/v1/staff/sessions/{}/queue", seed.today)).await;
    assert_eq!(q["visits"][0]["priority"], true);
}

#[actix_web::test]
async fn parallel_counter_tickets_are_unique_and_gap_free() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 7, 30)).await;
    seed(&app);
    stations(&app);
    let app = Arc::new(app);
    let tries = (0..40).map(|i| {
        let app = app.clone();
        let payer = if i % 2 == 0 { "jkn" } else { "non_jkn" };
        async move {
            app.post_json(
                "/api/v1/kiosk/tickets",
                &json!({"station": "PENDAFTARAN", "payer": payer}),
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(tries).await;
    let mut numbers: Vec<i64> = answers
        .iter()
        .map(|(status, t)| {
            assert_eq!(*status, 201, "{t}");
            t["number"].as_i64().unwrap()
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=40).collect::<Vec<i64>>(), "unique and gap-free");
    let mut codes: Vec<&str> =
        answers.iter().map(|(_, t)| t["booking_code"].as_str().unwrap()).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), 40);
}

#[actix_web::test]
async fn staff_confirm_or_remove_a_kiosk_priority_category_with_an_audit_trail() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    add_clinic(&app, "INT", "Poli Penyakit Dalam", "I");
    stations(&app);
    let (status, t) = app
        .post_json(
            "/api/v1/kiosk/tickets",
            &json!({"session_id": seed.today, "payer": "non_jkn", "priority_category": "ibu_hamil"}),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    let id = app.visit_id(t["booking_code"].as_str().unwrap());
    let (status, plain) = app
        .post_json("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "jkn"}))
        .await;
    assert_eq!(status, 201);
    let plain = app.visit_id(plain["booking_code"].as_str().unwrap());

    app.login_as("perawat_lain", Role::Clinic, &["INT"]).await;
    let path = |v: i64, d: &str| format!("/api/v1/staff/visits/{v}/priority-category/{d}");
    assert_eq!(app.post_json(&path(id, "confirm"), &json!({})).await.0, 403);

    app.login_as("perawat", Role::Clinic, &["ANA"]).await;
    // Staff see the category in the queue, on the API and the console.
    let (_, q) = app.get_json(&format!("/api/v1/staff/sessions/{}/queue", seed.today)).await;
    assert_eq!(q["visits"][0]["priority_category"], "ibu_hamil");
    let page = app.get(&format!("/staff/sesi/{}", seed.today)).await.text().await.unwrap();
    assert!(page.contains("Ibu hamil"), "the console shows the category");
    assert!(page.contains("/kategori/confirm"));

    let events = app.count("visit_events");
    for (v, d, body, expected) in [
        (id, "remove", json!({}), 422),
        (id, "remove", json!({"reason": "  "}), 422),
        (id, "maybe", json!({}), 404),
        (plain, "confirm", json!({}), 409),
        (id, "confirm", json!({"why": 1}), 400),
    ] {
        let (status, err) = app.post_json(&path(v, d), &body).await;
        assert_eq!(status.as_u16(), expected, "{v} {d} {body} → {err}");
    }
    assert_eq!(app.count("visit_events"), events);

    let (status, out) = app.post_json(&path(id, "confirm"), &json!({})).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["priority_category"], "ibu_hamil");
    let page = app.get(&format!("/staff/sesi/{}", seed.today)).await.text().await.unwrap();
    assert!(page.contains("Ibu hamil ✓"), "confirmed");
    let (status, out) =
        app.post_json(&path(id, "remove"), &json!({"reason": "Tidak sedang hamil"})).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["priority_category"], Value::Null);
    assert_eq!(out["priority"], false);
    assert_eq!(events_of_kind(&app, "priority_confirmed"), 1);
    assert_eq!(events_of_kind(&app, "priority_removed"), 1);
    {
        use sipoli::db::schema::visit_events;
        let detail: Value = visit_events::table
            .filter(visit_events::kind.eq("priority_removed"))
            .select(visit_events::detail)
            .first(&mut app.conn())
            .unwrap();
        assert_eq!(detail["reason"], "Tidak sedang hamil");
        assert_eq!(detail["category"], "ibu_hamil");
    }
    app.login_as("admin", Role::Admin, &[]).await;
    let audit = app.get("/staff/audit?tanggal=2026-12-01").await.text().await.unwrap();
    assert!(audit.contains("Kategori prioritas dihapus"), "the removal is in the audit log");
    assert!(audit.contains("Kategori prioritas dikonfirmasi"), "so is the confirmation");
    assert_eq!(app.post_json(&path(id, "remove"), &json!({"reason": "x"})).await.0, 409);
}

#[actix_web::test]
async fn the_station_desk_screen_calls_and_forwards_from_the_console() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 7, 30)).await;
    seed(&app);
    stations(&app);
    counter_ticket(&app, "non_jkn", Some("lansia")).await;
    app.login_as("loket", Role::Registration, &[]).await;
    let page = app.get("/staff/stasiun?station=PENDAFTARAN&desk=2").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("P-001") && html.contains("Lansia"), "{html}");
    assert!(html.contains("/staff/stasiun/PENDAFTARAN/panggil"));
    assert!(!html.contains("FARMASI\""), "the registration role sees only the counter");
}

#[actix_web::test]
async fn station_boards_show_calls_with_desks_and_the_pharmacy_lanes() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    stations(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let mut steps = Vec::new();
    for (n, lane) in [(1, "racikan"), (2, "non_racikan"), (3, "racikan")] {
        let (id, _) = in_service(&app, seed.today, n).await;
        let (status, out) = app
            .post_json(
                &format!("/api/v1/staff/visits/{id}/finish"),
                &json!({"next": {"station": "FARMASI", "prescription": lane}}),
            )
            .await;
        assert_eq!(status, 200, "{out}");
        steps.push(out["next_step"]["step_id"].as_i64().unwrap());
    }
    for s in [steps[0], steps[1]] {
        app.post_json(&format!("/api/v1/staff/steps/{s}/start"), &json!({})).await;
    }
    app.post_json(&format!("/api/v1/staff/steps/{}/ready", steps[1]), &json!({})).await;
    let (status, _) =
        app.post_json("/api/v1/staff/stations/FARMASI/call-next", &json!({"desk": 2})).await;
    assert_eq!(status, 200);

    let (status, board) = app.get_json("/api/v1/displays/stations?stations=FARMASI,KASIR").await;
    assert_eq!(status, 200, "{board}");
    let farmasi = &board["stations"][0];
    assert_eq!(farmasi["code"], "FARMASI");
    assert_eq!(farmasi["calls"][0]["ticket"], "R-002");
    assert_eq!(farmasi["calls"][0]["desk"], 2);
    assert_eq!(farmasi["preparing"]["racikan"], json!(["R-001"]));
    assert_eq!(farmasi["waiting"]["racikan"], json!(["R-003"]));
    assert_eq!(farmasi["ready"]["non_racikan"], json!([]));
    assert_eq!(board["stations"][1]["code"], "KASIR");
    assert!(!board.to_string().contains("Pasien"), "no names on a public board");
    for bad in ["", "?stations=", "?stations=farmasi;drop", "?stations=NOPE"] {
        let (status, _) = app.get_json(&format!("/api/v1/displays/stations{bad}")).await;
        assert!(status == 400 || status == 404, "{bad} → {status}");
    }

    // The pages: station-only and mixed boards.
    let html = app.get("/display?stations=FARMASI").await.text().await.unwrap();
    assert!(html.contains("data-stations=\"FARMASI\"") && html.contains("station_board.js"));
    assert!(!html.contains("/assets/display.js"));
    let html = app.get("/display?clinics=ANA&stations=KASIR").await.text().await.unwrap();
    assert!(html.contains("data-clinics=\"ANA\"") && html.contains("data-stations=\"KASIR\""));
    assert!(html.contains("/assets/display.js") && html.contains("id=\"stations\""));
}

#[actix_web::test]
async fn admins_edit_stations_in_the_console() {
    let mut app = TestApp::spawn().await;
    stations(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let page = app.get("/staff/admin/stasiun").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap();
    let form = |code: &str, prefix: &str, desks: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("code", code.to_string()),
            ("name", "Radiologi".to_string()),
            ("name_en", "Radiology".to_string()),
            ("kind", "radiology".to_string()),
            ("prefix", prefix.to_string()),
            ("desks", desks.to_string()),
        ]
    };
    let post = |f: Vec<(&'static str, String)>| {
        app.request(reqwest::Method::POST, "/staff/admin/stasiun").form(&f).send()
    };
    let res = post(form("RAD", "X", "2")).await.unwrap();
    assert!(res.status().is_redirection() || res.status() == 200, "{}", res.status());
    let (_, list) = app.get_json("/api/v1/stations").await;
    let rad = list.as_array().unwrap().iter().find(|s| s["code"] == "RAD").cloned().unwrap();
    assert_eq!(
        (rad["kind"].as_str(), rad["desks"].as_array().unwrap().len()),
        (Some("radiology"), 2)
    );
    let count = app.count("stations");
    for bad in [form("R", "X", "2"), form("RAD", "XX9", "2"), form("RAD", "X", "0")] {
        let res = post(bad).await.unwrap();
        assert_eq!(res.status(), 422);
    }
    assert_eq!(app.count("stations"), count);
    app.login_as("perawat", Role::Registration, &[]).await;
    assert_eq!(app.get("/staff/admin/stasiun").await.status(), 403);
}

#[actix_web::test]
async fn the_daily_report_shows_the_whole_visit_per_station_and_per_task() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 7, 30)).await;
    let seed = seed(&app);
    stations(&app);
    counter_ticket(&app, "non_jkn", None).await;
    app.login_as("admin", Role::Admin, &[]).await;
    app.clock.set(wit(2026, 12, 1, 7, 40));
    let (_, called) =
        app.post_json("/api/v1/staff/stations/PENDAFTARAN/call-next", &json!({"desk": 1})).await;
    let step = called["step_id"].as_i64().unwrap();
    app.post_json(&format!("/api/v1/staff/steps/{step}/start"), &json!({})).await;
    app.clock.set(wit(2026, 12, 1, 7, 50));
    let (status, out) = app
        .post_json(
            &format!("/api/v1/staff/steps/{step}/finish"),
            &json!({"next": {"clinic": "ANA", "session_id": seed.today}}),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    app.clock.set(wit(2026, 12, 1, 8, 10));
    let (_, called) = app
        .post_json(&format!("/api/v1/staff/sessions/{}/call-next", seed.today), &json!({}))
        .await;
    let id = called["id"].as_i64().unwrap();
    app.post_json(&format!("/api/v1/staff/visits/{id}/start"), &json!({})).await;
    app.clock.set(wit(2026, 12, 1, 8, 30));
    let (_, out) = app
        .post_json(
            &format!("/api/v1/staff/visits/{id}/finish"),
            &json!({"next": {"station": "FARMASI", "prescription": "racikan"}}),
        )
        .await;
    let r = out["next_step"]["step_id"].as_i64().unwrap();
    app.clock.set(wit(2026, 12, 1, 8, 40));
    app.post_json(&format!("/api/v1/staff/steps/{r}/start"), &json!({})).await;
    app.clock.set(wit(2026, 12, 1, 9, 10));
    app.post_json(&format!("/api/v1/staff/steps/{r}/ready"), &json!({})).await;
    app.post_json("/api/v1/staff/stations/FARMASI/call-next", &json!({"desk": 1})).await;
    app.clock.set(wit(2026, 12, 1, 9, 30));
    let (status, _) = app.post_json(&format!("/api/v1/staff/steps/{r}/finish"), &json!({})).await;
    assert_eq!(status, 200);

    let csv = app.get("/staff/laporan/perjalanan.csv?tanggal=2026-12-01").await;
    assert_eq!(csv.status(), 200);
    let csv = csv.text().await.unwrap();
    let line = |prefix: &str| {
        csv.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("{prefix}: {csv}"))
    };
    // Counter: ticket 07:30 → call 07:40 (wait 10), start 07:40 → finish 07:50 (10).
    assert_eq!(
        line("2026-12-01,station,PENDAFTARAN,"),
        "2026-12-01,station,PENDAFTARAN,1,10.0,10.0,10.0,10.0,1.000"
    );
    // Pharmacy: forwarded 08:30 → ready 09:10 (wait 40), preparing 08:40 → 09:10 (30).
    assert_eq!(
        line("2026-12-01,station,FARMASI,"),
        "2026-12-01,station,FARMASI,1,40.0,40.0,30.0,30.0,1.000"
    );
    // Arrival 07:30 to medicine handed over 09:30.
    assert_eq!(line("2026-12-01,whole_visit"), "2026-12-01,whole_visit,,1,120.0,120.0,,,");
    assert_eq!(line("2026-12-01,task_1_to_2"), "2026-12-01,task_1_to_2,,1,10.0,,,,");
    assert_eq!(line("2026-12-01,task_2_to_3"), "2026-12-01,task_2_to_3,,1,10.0,,,,");
    assert_eq!(line("2026-12-01,task_3_to_4"), "2026-12-01,task_3_to_4,,1,20.0,,,,");
    assert_eq!(line("2026-12-01,task_6_to_7"), "2026-12-01,task_6_to_7,,1,50.0,,,,");
    let page = app.get("/staff/laporan/perjalanan?tanggal=2026-12-01").await.text().await.unwrap();
    assert!(page.contains("Loket Pendaftaran") && page.contains("120"), "{page}");
    app.login_as("loket", Role::Registration, &[]).await;
    assert_eq!(app.get("/staff/laporan/perjalanan.csv").await.status(), 403);
}
