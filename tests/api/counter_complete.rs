//! The registration counter completes an existing patient's registration on the ticket it
//! serves (record number from the new-patient sequence when none, phone, BPJS number) and
//! forwards them into the polyclinic; two desks completing the same patient at once give
//! one record number. Staff confirm or remove a ticket's priority category before its
//! visit exists; the counter's call order follows; the decision becomes a visit event.
use diesel::prelude::*;
use serde_json::{Value, json};
use sipoli::auth::Role;
use sipoli::db::schema::{patients, visit_events, visits};

use crate::helpers::*;
use crate::jkn::card;

/// An existing patient (no record number, no phone, no BPJS number): their id.
fn existing_patient(app: &TestApp, n: u32, bpjs: Option<String>) -> i64 {
    diesel::insert_into(patients::table)
        .values((
            patients::nik.eq(nik(n)),
            patients::bpjs_no.eq(bpjs),
            patients::name.eq(format!("Pasien Lama {n}")),
            patients::birth_date.eq(chrono::NaiveDate::from_ymd_opt(1990, 5, 17).unwrap()),
            patients::language.eq("id"),
            patients::created_at.eq(wit(2025, 1, 2, 9, 0)),
        ))
        .returning(patients::id)
        .get_result(&mut app.conn())
        .unwrap()
}

/// An existing patient known only by their BPJS number (no NIK yet): their id.
fn patient_without_nik(app: &TestApp, n: u32) -> i64 {
    diesel::insert_into(patients::table)
        .values((
            patients::bpjs_no.eq(card(n)),
            patients::name.eq(format!("Pasien Tanpa NIK {n}")),
            patients::birth_date.eq(chrono::NaiveDate::from_ymd_opt(1990, 5, 17).unwrap()),
            patients::language.eq("id"),
            patients::created_at.eq(wit(2025, 1, 2, 9, 0)),
        ))
        .returning(patients::id)
        .get_result(&mut app.conn())
        .unwrap()
}

fn nik_of(app: &TestApp, id: i64) -> Option<String> {
    patients::table.find(id).select(patients::nik).first(&mut app.conn()).unwrap()
}

fn patient_row(app: &TestApp, id: i64) -> (Option<String>, Option<String>, Option<String>) {
    patients::table
        .find(id)
        .select((patients::medical_record_no, patients::phone, patients::bpjs_no))
        .first(&mut app.conn())
        .unwrap()
}

async fn kiosk_ticket(app: &TestApp, payer: &str, category: Option<&str>) -> Value {
    let mut body = json!({"station": "PENDAFTARAN", "payer": payer});
    if let Some(c) = category {
        body["priority_category"] = json!(c);
    }
    let (status, t) = app.post_json("/api/v1/kiosk/tickets", &body).await;
    assert_eq!(status, 201, "{t}");
    t
}

async fn call_at(app: &TestApp, token: &str, desk: i32) -> Value {
    let (status, called) = app
        .send_as(
            reqwest::Method::POST,
            "/api/v1/staff/stations/PENDAFTARAN/call-next",
            Some(token),
            Some(&json!({"desk": desk})),
        )
        .await;
    assert_eq!(status, 200, "{called}");
    called
}

fn early_len(app: &TestApp, step: i64) -> usize {
    use sipoli::db::schema::visit_steps;
    let v: Value = visit_steps::table
        .find(step)
        .select(visit_steps::early_events)
        .first(&mut app.conn())
        .unwrap();
    v.as_array().unwrap().len()
}

#[actix_web::test]
async fn the_counter_completes_an_existing_patient_and_forwards_them_with_one_record_number() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 7, 30)).await;
    let seed = seed(&app);
    sipoli::demo::seed_stations(&mut app.conn()).unwrap();
    let old = existing_patient(&app, 21, None);
    let other = existing_patient(&app, 22, Some(card(22)));
    for _ in 0..6 {
        kiosk_ticket(&app, "jkn", None).await;
    }
    app.login_as("loket1", Role::Registration, &[]).await;
    let tokens: Vec<String> = {
        let mut t = vec![app.token.clone().unwrap()];
        for i in 2..=3 {
            t.push(app.token_for(&format!("loket{i}"), Role::Registration, &[]).await);
        }
        t
    };
    let first = call_at(&app, &tokens[0], 1).await;
    let step = first["step_id"].as_i64().unwrap();

    // Found by NIK, with what is missing; by record number nothing yet; a bad text is 422.
    let (status, found) =
        app.get_json(&format!("/api/v1/staff/steps/{step}/patient/lookup?q={}", nik(21))).await;
    assert_eq!(status, 200, "{found}");
    let hits = found["patients"].as_array().unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["id"], old);
    assert_eq!(hits[0]["missing"], json!(["medical_record_no", "phone", "bpjs_no"]));
    assert_eq!(hits[0]["missing_labels"], json!(["Nomor rekam medis", "Nomor HP", "Nomor BPJS"]));
    let (status, found) =
        app.get_json(&format!("/api/v1/staff/steps/{step}/patient/lookup?q={}", card(22))).await;
    assert_eq!(status, 200);
    assert_eq!(found["patients"][0]["id"], other);
    let (status, err) =
        app.get_json(&format!("/api/v1/staff/steps/{step}/patient/lookup?q=a%20b")).await;
    assert_eq!(status, 422, "{err}");

    // Bad input: a clear 4xx in Indonesian, nothing changed.
    let complete = format!("/api/v1/staff/steps/{step}/patient/complete");
    let (before_early, before_seq) = (early_len(&app, step), app.count("patients"));
    for (body, want, code) in [
        (json!({"patient_id": old, "phone": "12ab"}), 422, "phone"),
        (json!({"patient_id": old, "bpjs_no": "123"}), 422, "bpjs_no"),
        (json!({"phone": "081234567890"}), 422, "patient_id"),
        (json!({"patient_id": old, "bpjs_no": card(22)}), 409, "bpjs_no_taken"),
        (json!({"patient_id": other, "bpjs_no": card(23)}), 409, "bpjs_no_differs"),
        (json!({"patient_id": 999_999}), 404, "unknown_patient"),
        (json!({"patient_id": old, "rm": "1"}), 400, ""),
    ] {
        let (status, err) = app.post_json(&complete, &body).await;
        assert_eq!(status.as_u16(), want, "{body} → {err}");
        if want == 422 {
            assert!(err["error"]["fields"][code].is_object(), "{err}");
        } else if !code.is_empty() {
            assert_eq!(err["error"]["code"], code, "{err}");
        }
        assert!(err["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{err}");
    }
    assert_eq!(patient_row(&app, old), (None, None, None), "nothing changed");
    assert_eq!(patient_row(&app, other).0, None);
    assert_eq!((early_len(&app, step), app.count("patients")), (before_early, before_seq));
    // A waiting ticket (not called yet) cannot be completed.
    use sipoli::db::schema::visit_steps;
    let waiting: i64 = visit_steps::table
        .filter(visit_steps::status.eq("waiting"))
        .order(visit_steps::id)
        .select(visit_steps::id)
        .first(&mut app.conn())
        .unwrap();
    let (status, err) = app
        .post_json(
            &format!("/api/v1/staff/steps/{waiting}/patient/complete"),
            &json!({"patient_id": old}),
        )
        .await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"]["code"], "ticket_not_served");

    // Three desks serving three tickets complete the same patient at the same moment: one
    // record number, given once.
    let mut steps = vec![step];
    for (i, token) in tokens.iter().enumerate().skip(1) {
        steps.push(call_at(&app, token, i as i32 + 1).await["step_id"].as_i64().unwrap());
    }
    let tries = steps.iter().zip(tokens.iter()).map(|(s, token)| {
        let app = &app;
        async move {
            app.send_as(
                reqwest::Method::POST,
                &format!("/api/v1/staff/steps/{s}/patient/complete"),
                Some(token),
                Some(&json!({"patient_id": old, "phone": "0812 3456 7890", "bpjs_no": card(21)})),
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(tries).await;
    for (status, out) in &answers {
        assert_eq!(*status, 200, "{out}");
    }
    let numbers: Vec<&Value> =
        answers.iter().map(|(_, o)| &o["patient"]["medical_record_no"]).collect();
    let rm = numbers[0].as_str().unwrap().to_string();
    assert!(numbers.iter().all(|n| n.as_str() == Some(rm.as_str())), "{numbers:?}");
    let given: Vec<&Value> =
        answers.iter().map(|(_, o)| &o["record_no_assigned"]).filter(|v| !v.is_null()).collect();
    assert_eq!(given, [&json!(rm)], "given exactly once");
    assert_eq!(rm.len(), 8);
    assert_eq!(
        patient_row(&app, old),
        (Some(rm.clone()), Some("081234567890".into()), Some(card(21)))
    );
    assert_eq!(answers[0].1["patient"]["missing"], json!([]));
    // A new patient afterwards gets the next number of the same sequence.
    let (status, placed) = app
        .post_json(
            "/api/v1/staff/registrations",
            &json!({"session_id": seed.today, "payer": "non_jkn",
                    "patient": {"nik": nik(40), "name": "Pasien Baru", "birth_date": "1990-05-17"}}),
        )
        .await;
    assert_eq!(status, 201, "{placed}");

    // The first desk forwards its ticket: no patient typed in, the completed one is used.
    app.clock.set(wit(2026, 12, 1, 7, 45));
    let (status, out) =
        app.post_json(&format!("/api/v1/staff/steps/{step}/start"), &json!({})).await;
    assert_eq!(status, 200, "{out}");
    let (status, out) = app
        .post_json(
            &format!("/api/v1/staff/steps/{step}/finish"),
            &json!({"next": {"clinic": "ANA", "session_id": seed.today}}),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    let visit = app.visit_id(out["next_visit"]["booking_code"].as_str().unwrap());
    let (patient, payer): (Option<i64>, String) = visits::table
        .find(visit)
        .select((visits::patient_id, visits::payer))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!((patient, payer.as_str()), (Some(old), "jkn"));
    let completed: Vec<Value> = visit_events::table
        .filter(visit_events::visit_id.eq(visit))
        .filter(visit_events::kind.eq("registration_completed"))
        .select(visit_events::detail)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(completed.len(), 1, "the completion is a visit event");
    assert_eq!(completed[0]["patient_id"], old);
    assert_eq!(completed[0]["ticket"], first["ticket"]);
    // Once forwarded, the ticket takes no more completion.
    let (status, err) = app.post_json(&complete, &json!({"patient_id": old})).await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"]["code"], "already_forwarded");
    // The new patient's record number is from the same sequence, after this one.
    let new_rm: Option<String> = patients::table
        .filter(patients::nik.eq(nik(40)))
        .select(patients::medical_record_no)
        .first(&mut app.conn())
        .unwrap();
    if let Some(new_rm) = new_rm {
        assert!(new_rm > rm, "{new_rm} after {rm}");
    }

    // A patient without a NIK: the counter fills it (16 digits agreeing with the birth
    // date), never over another one, never one another patient holds.
    let (lone_a, lone_b) = (patient_without_nik(&app, 31), patient_without_nik(&app, 32));
    let s4 = call_at(&app, &tokens[1], 2).await["step_id"].as_i64().unwrap();
    let s5 = call_at(&app, &tokens[2], 3).await["step_id"].as_i64().unwrap();
    let (status, found) =
        app.get_json(&format!("/api/v1/staff/steps/{s4}/patient/lookup?q={}", card(31))).await;
    assert_eq!(status, 200, "{found}");
    assert!(found["patients"][0]["missing"].as_array().unwrap().contains(&json!("nik")));
    let at = |s: i64| format!("/api/v1/staff/steps/{s}/patient/complete");
    let before_early = early_len(&app, s4);
    for (body, want, code) in [
        (json!({"patient_id": lone_a, "nik": "12345"}), 422, "invalid_nik"),
        // A real-looking NIK of someone born 15-05-1980, not 17-05-1990.
        (json!({"patient_id": lone_a, "nik": "9109011505800001"}), 422, "nik_birth_date_mismatch"),
        (json!({"patient_id": lone_a, "nik": nik(21)}), 409, "nik_taken"),
        (json!({"patient_id": old, "nik": nik(33)}), 409, "nik_differs"),
        (json!({"patient_id": lone_a, "phone": "081299990000", "nik": nik(21)}), 409, "nik_taken"),
    ] {
        let (status, err) =
            app.send_as(reqwest::Method::POST, &at(s4), Some(&tokens[1]), Some(&body)).await;
        assert_eq!(status.as_u16(), want, "{body} → {err}");
        if want == 422 {
            assert_eq!(err["error"]["fields"]["nik"]["code"], code, "{err}");
        } else {
            assert_eq!(err["error"]["code"], code, "{err}");
        }
        assert!(err["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{err}");
    }
    assert_eq!((nik_of(&app, lone_a), nik_of(&app, old)), (None, Some(nik(21))), "nothing changed");
    assert_eq!(patient_row(&app, lone_a), (None, None, Some(card(31))), "no phone, no record no.");
    assert_eq!(early_len(&app, s4), before_early);
    // Two desks give the same NIK to two patients at the same moment: the unique constraint
    // lets one through; the other is told plainly.
    let tries = [(s4, &tokens[1], lone_a), (s5, &tokens[2], lone_b)].map(|(s, token, p)| {
        let app = &app;
        let path = at(s);
        async move {
            let body = json!({"patient_id": p, "nik": nik(34)});
            app.send_as(reqwest::Method::POST, &path, Some(token), Some(&body)).await
        }
    });
    let answers = futures_util::future::join_all(tries).await;
    let won: Vec<usize> = (0..2).filter(|&i| answers[i].0 == 200).collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    let lost = 1 - won[0];
    assert_eq!(answers[lost].0, 409, "{answers:?}");
    assert_eq!(answers[lost].1["error"]["code"], "nik_taken");
    let (winner, loser) = if won[0] == 0 { (lone_a, lone_b) } else { (lone_b, lone_a) };
    assert_eq!((nik_of(&app, winner), nik_of(&app, loser)), (Some(nik(34)), None));
    let out = &answers[won[0]].1;
    assert_eq!(out["patient"]["nik"], nik(34));
    assert!(!out["patient"]["missing"].as_array().unwrap().contains(&json!("nik")), "{out}");
    // The loser's desk fills another NIK; the ticket's history says the NIK was filled.
    let (s, token) = if won[0] == 0 { (s5, &tokens[2]) } else { (s4, &tokens[1]) };
    let (status, out) = app
        .send_as(
            reqwest::Method::POST,
            &at(s),
            Some(token),
            Some(&json!({"patient_id": loser, "nik": nik(35)})),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(nik_of(&app, loser), Some(nik(35)));
    use sipoli::db::schema::visit_steps as vs;
    let early: Value = vs::table.find(s).select(vs::early_events).first(&mut app.conn()).unwrap();
    let last = early.as_array().unwrap().last().unwrap().to_string();
    assert!(last.contains("registration_completed") && last.contains("\"nik\""), "{last}");
    // Completing again with the NIK it now has is no clash.
    let (status, out) = app
        .send_as(
            reqwest::Method::POST,
            &at(s),
            Some(token),
            Some(&json!({"patient_id": loser, "nik": nik(35)})),
        )
        .await;
    assert_eq!(status, 200, "{out}");
}

#[actix_web::test]
async fn staff_decide_a_tickets_priority_category_before_its_visit_and_the_counter_follows() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 7, 30)).await;
    let seed = seed(&app);
    sipoli::demo::seed_stations(&mut app.conn()).unwrap();
    let a = kiosk_ticket(&app, "non_jkn", None).await;
    let b = kiosk_ticket(&app, "non_jkn", Some("lansia")).await;
    let c = kiosk_ticket(&app, "non_jkn", Some("disabilitas")).await;
    app.login_as("loket", Role::Registration, &[]).await;
    let (_, queue) = app.get_json("/api/v1/staff/stations/PENDAFTARAN/queue").await;
    let order = |q: &Value| -> Vec<String> {
        q["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["ticket"].as_str().unwrap().into())
            .collect()
    };
    assert_eq!(order(&queue), ["P-002", "P-003", "P-001"]);
    let id_of = |ticket: &str| -> i64 {
        queue["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["ticket"] == ticket)
            .unwrap()["step_id"]
            .as_i64()
            .unwrap()
    };
    let (sa, sb, sc) = (id_of("P-001"), id_of("P-002"), id_of("P-003"));
    let decide = |s: i64, d: &str| format!("/api/v1/staff/steps/{s}/priority-category/{d}");

    // Refusals change nothing.
    let events = app.count("visit_events");
    let (status, err) = app.post_json(&decide(sb, "remove"), &json!({})).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["code"], "reason_required");
    let (status, err) = app.post_json(&decide(sa, "confirm"), &json!({})).await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"]["code"], "no_priority_category");
    let (status, _) = app.post_json(&decide(sb, "maybe"), &json!({})).await;
    assert!(status.is_client_error());
    let (status, _) = app.post_json(&decide(sb, "remove"), &json!({"why": "x"})).await;
    assert_eq!(status, 400);
    let (_, queue) = app.get_json("/api/v1/staff/stations/PENDAFTARAN/queue").await;
    assert_eq!(order(&queue), ["P-002", "P-003", "P-001"]);
    assert_eq!(app.count("visit_events"), events);

    // B's category is removed (with a reason), C's confirmed.
    app.clock.set(wit(2026, 12, 1, 7, 32));
    let (status, out) =
        app.post_json(&decide(sb, "remove"), &json!({"reason": "Belum lansia (KTP 1990)"})).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(
        (out["priority"].as_bool(), out["priority_category"].is_null()),
        (Some(false), true)
    );
    app.clock.set(wit(2026, 12, 1, 7, 33));
    let (status, out) = app.post_json(&decide(sc, "confirm"), &json!({})).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["priority_confirmed"], true);
    // A second removal has nothing to remove.
    let (status, _) = app.post_json(&decide(sb, "remove"), &json!({"reason": "lagi"})).await;
    assert_eq!(status, 409);

    // The counter's order follows: C (priority), then A, then B.
    let (_, queue) = app.get_json("/api/v1/staff/stations/PENDAFTARAN/queue").await;
    assert_eq!(order(&queue), ["P-003", "P-001", "P-002"]);
    let mut called = Vec::new();
    for _ in 0..3 {
        let (status, out) = app
            .post_json("/api/v1/staff/stations/PENDAFTARAN/call-next", &json!({"desk": 1}))
            .await;
        assert_eq!(status, 200, "{out}");
        called.push(out["ticket"].as_str().unwrap().to_string());
        let s = out["step_id"].as_i64().unwrap();
        app.post_json(&format!("/api/v1/staff/steps/{s}/start"), &json!({})).await;
    }
    assert_eq!(called, ["P-003", "P-001", "P-002"]);

    // Forwarded: C's visit keeps its confirmed category, B's has none; both decisions are
    // visit events at their own moments.
    app.clock.set(wit(2026, 12, 1, 7, 40));
    let mut visit_of = std::collections::HashMap::new();
    for (s, n) in [(sc, 30), (sb, 31)] {
        let (status, out) = app
            .post_json(
                &format!("/api/v1/staff/steps/{s}/finish"),
                &json!({"next": {"clinic": "ANA", "session_id": seed.today},
                        "patient": {"nik": nik(n), "name": format!("Pasien {n}"),
                                    "birth_date": "1990-05-17"}}),
            )
            .await;
        assert_eq!(status, 200, "{out}");
        visit_of.insert(s, app.visit_id(out["next_visit"]["booking_code"].as_str().unwrap()));
    }
    type Row = (Option<String>, bool, Option<chrono::DateTime<chrono::Utc>>);
    let row = |v: i64| -> Row {
        visits::table
            .find(v)
            .select((visits::priority_category, visits::priority, visits::priority_confirmed_at))
            .first(&mut app.conn())
            .unwrap()
    };
    assert_eq!(
        row(visit_of[&sc]),
        (Some("disabilitas".into()), true, Some(wit(2026, 12, 1, 7, 33)))
    );
    assert_eq!(row(visit_of[&sb]), (None, false, None));
    let event = |v: i64, kind: &str| -> Vec<(String, chrono::DateTime<chrono::Utc>, Value)> {
        visit_events::table
            .filter(visit_events::visit_id.eq(v))
            .filter(visit_events::kind.eq(kind))
            .select((visit_events::actor, visit_events::created_at, visit_events::detail))
            .load(&mut app.conn())
            .unwrap()
    };
    let removed = event(visit_of[&sb], "priority_removed");
    assert_eq!(removed.len(), 1);
    assert_eq!((removed[0].0.as_str(), removed[0].1), ("staff:loket", wit(2026, 12, 1, 7, 32)));
    assert_eq!(removed[0].2["category"], "lansia");
    assert_eq!(removed[0].2["reason"], "Belum lansia (KTP 1990)");
    assert_eq!(removed[0].2["ticket"], "P-002");
    let confirmed = event(visit_of[&sc], "priority_confirmed");
    assert_eq!(confirmed.len(), 1);
    assert_eq!(confirmed[0].1, wit(2026, 12, 1, 7, 33));
    assert_eq!(confirmed[0].2["category"], "disabilitas");
    let _ = (a, b, c);
}
