//! Patients help themselves (issue 14): look-up by identity with its lock, identity sense,
//! reschedule under a race, cancel messages, the waitlist, and the SMS/WhatsApp gateway.
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sipoli::auth::Role;
use sipoli::config::Secret;
use sipoli::db::notifications::Job;
use sipoli::db::schema::{clinic_sessions, notification_jobs, visits, waitlist_entries};
use sipoli::service::outbox::{Facts, Kind};

use crate::helpers::{TestApp, booking_body, default_now, nik, seed, seed_with, test_settings};

const BPJS: &str = "0001234567891";

/// Another session of the seeded clinic and doctor on `date`, 08:00–12:00.
fn add_session(app: &TestApp, like: i32, date: NaiveDate, jkn: i32, non_jkn: i32) -> i32 {
    let mut c = app.conn();
    let (clinic, doctor): (i32, i32) = clinic_sessions::table
        .find(like)
        .select((clinic_sessions::clinic_id, clinic_sessions::doctor_id))
        .first(&mut c)
        .unwrap();
    diesel::insert_into(clinic_sessions::table)
        .values((
            clinic_sessions::clinic_id.eq(clinic),
            clinic_sessions::doctor_id.eq(doctor),
            clinic_sessions::service_date.eq(date),
            clinic_sessions::starts_at.eq(chrono::NaiveTime::from_hms_opt(8, 0, 0).unwrap()),
            clinic_sessions::ends_at.eq(chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap()),
            clinic_sessions::quota_jkn.eq(jkn),
            clinic_sessions::quota_non_jkn.eq(non_jkn),
            clinic_sessions::online_limit.eq(jkn + non_jkn),
        ))
        .returning(clinic_sessions::id)
        .get_result(&mut c)
        .unwrap()
}

/// A session on 2026-12-`day` like `like`, with places (for the browser test).
pub fn add_session_for(app: &TestApp, like: i32, day: u32) -> i32 {
    add_session(app, like, date(day), 5, 5)
}

fn date(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
}

/// Book patient `n` with a name; the booking code.
async fn book(app: &TestApp, session: i32, n: u32, name: &str) -> String {
    let mut body = booking_body(session, n);
    body["patient"]["name"] = json!(name);
    body["patient"]["email"] = json!(format!("p{n}@example.test"));
    let (status, b) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 201, "{b}");
    b["booking_code"].as_str().unwrap().to_string()
}

fn jobs(app: &TestApp, kind: &str) -> Vec<Job> {
    notification_jobs::table
        .filter(notification_jobs::kind.eq(kind))
        .order(notification_jobs::id)
        .select(Job::as_select())
        .load(&mut app.conn())
        .unwrap()
}

/// The SMS text of a job, as the gateway would get it.
fn short_text(job: &Job) -> String {
    let facts: Facts = serde_json::from_value(job.payload.clone()).unwrap();
    let kind = Kind::parse(&job.kind).unwrap();
    sipoli::jobs::messages::render(kind, &facts, chrono_tz::Asia::Jayapura, "http://sipoli.test")
        .unwrap()
        .short
}

fn remaining_non_jkn(app: &TestApp, session: i32) -> i32 {
    let (quota, taken): (i32, i32) = clinic_sessions::table
        .find(session)
        .select((clinic_sessions::quota_non_jkn, clinic_sessions::taken_non_jkn))
        .first(&mut app.conn())
        .unwrap();
    quota - taken
}

#[actix_web::test]
async fn lookup_answers_with_the_bookings_and_locks_after_five_wrong_birth_dates() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let mut body = booking_body(seed.tomorrow, 1);
    body["patient"]["name"] = json!("Maria Kaize");
    body["patient"]["bpjs_no"] = json!(BPJS);
    let (status, booked) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 201, "{booked}");
    let code = booked["booking_code"].as_str().unwrap();

    let right = json!({"nik": nik(1), "birth_date": "1990-05-17"});
    let (status, found) = app.post_json("/api/v1/bookings/lookup", &right).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found[0]["booking_code"], code);
    assert_eq!(found[0]["ticket"], "B-001");
    assert_eq!(found[0]["date"], "2026-12-02");
    assert_eq!(found[0]["status"], "booked");
    assert_eq!(found[0]["for_whom"], "Maria K.");
    let text = found.to_string();
    assert!(!text.contains("Kaize") && !text.contains(&nik(1)), "{text}");
    // A scanned BPJS card (with spaces) finds the same booking.
    let card = json!({"bpjs_no": "0001 2345 6789 1", "birth_date": "1990-05-17"});
    let (status, by_card) = app.post_json("/api/v1/bookings/lookup", &card).await;
    assert_eq!((status, &by_card[0]["booking_code"]), (StatusCode::OK, &json!(code)));

    // A wrong birth date answers exactly like an unknown patient.
    let wrong = json!({"bpjs_no": BPJS, "birth_date": "1990-05-18"});
    let unknown = json!({"bpjs_no": "0009999999999", "birth_date": "1990-05-18"});
    let (s1, b1) = app.post_json("/api/v1/bookings/lookup", &wrong).await;
    let (s2, b2) = app.post_json("/api/v1/bookings/lookup", &unknown).await;
    assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(b1, b2);
    assert_eq!(b1["error"]["code"], "no_booking_found");
    // Three more wrong ones: the fifth locks the card number, even for the right date.
    for day in 19..=21 {
        let wrong = json!({"bpjs_no": BPJS, "birth_date": format!("1990-05-{day}")});
        let (status, _) = app.post_json("/api/v1/bookings/lookup", &wrong).await;
        assert_eq!(status, 404);
    }
    let last = json!({"bpjs_no": BPJS, "birth_date": "1990-05-22"});
    let (status, locked) = app.post_json("/api/v1/bookings/lookup", &last).await;
    assert_eq!(status, 429, "{locked}");
    assert_eq!(locked["error"]["code"], "too_many_attempts");
    let (status, _) = app.post_json("/api/v1/bookings/lookup", &card).await;
    assert_eq!(status, 429);
    // The NIK is another key: still open. A NIK contradicting the date is refused outright.
    let (status, _) = app.post_json("/api/v1/bookings/lookup", &right).await;
    assert_eq!(status, 200);
    let (status, err) = app
        .post_json("/api/v1/bookings/lookup", &json!({"nik": nik(1), "birth_date": "2020-06-10"}))
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("nik_birth_date_mismatch"))
    );
}

#[actix_web::test]
async fn a_nik_contradicting_the_birth_date_is_refused_on_every_channel() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    // The case: a NIK meaning 15-03-1990 for a child born 2020-06-10.
    let mut body = booking_body(seed.tomorrow, 1);
    body["patient"]["nik"] = json!("9109011503900003");
    body["patient"]["birth_date"] = json!("2020-06-10");
    let (status, err) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["code"], "nik_birth_date_mismatch");
    assert_eq!(err["error"]["fields"]["patient.nik"]["code"], "nik_birth_date_mismatch");
    assert!(
        err["error"]["message"].as_str().unwrap().contains("Tanggal lahir tidak sesuai dengan NIK")
    );
    let res = app
        .request(reqwest::Method::POST, "/api/v1/bookings")
        .header("Accept-Language", "en")
        .json(&body)
        .send()
        .await
        .unwrap();
    let (_, err) = crate::helpers::status_and_json(res).await;
    assert!(
        err["error"]["message"].as_str().unwrap().contains("does not agree with the NIK"),
        "{err}"
    );
    // Mobile JKN pasienbaru: the contract's 201 with the message.
    let token = crate::jkn::token(&app).await;
    let (status, jkn) = crate::jkn::call(
        &app,
        "pasienbaru",
        &token,
        &json!({
            "nomorkartu": BPJS, "nik": "9109011503900003", "nomorkk": "9109010101900001",
            "nama": "Anak Uji", "jeniskelamin": "L", "tanggallahir": "2020-06-10",
            "nohp": "081234567890", "alamat": "Jl. Cenderawasih 1", "kodeprop": "94",
            "namaprop": "Papua Tengah", "kodedati2": "9412", "namadati2": "Mimika",
            "kodekec": "941201", "namakec": "Mimika Baru", "kodekel": "9412011001",
            "namakel": "Kwamki", "rw": "001", "rt": "002",
        }),
    )
    .await;
    assert_eq!(status, 201, "{jkn}");
    assert!(jkn["metadata"]["message"].as_str().unwrap().contains("NIK"), "{jkn}");
    // The counter.
    app.login_as("loket", Role::Registration, &[]).await;
    let (status, err) = app
        .post_json(
            "/api/v1/staff/registrations",
            &json!({"session_id": seed.today, "payer": "non_jkn",
                    "patient": {"nik": "9109011503900003", "name": "Anak Uji",
                                "birth_date": "2020-06-10"}}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("nik_birth_date_mismatch"))
    );
    assert_eq!(app.count("visits"), 0);
    assert_eq!(app.count("patients"), 0);
}

#[actix_web::test]
async fn reschedule_keeps_the_code_and_two_patients_race_for_the_last_place() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let target = add_session(&app, seed.tomorrow, date(3), 5, 1);
    let a = book(&app, seed.tomorrow, 1, "Maria Kaize").await;
    let b = book(&app, seed.tomorrow, 2, "Yosef Magai").await;
    assert_eq!(remaining_non_jkn(&app, seed.tomorrow), 8);
    let move_to = |code: String| {
        let app = &app;
        async move {
            app.post_json(
                &format!("/api/v1/bookings/{code}/reschedule"),
                &json!({"birth_date": "1990-05-17", "session_id": target}),
            )
            .await
        }
    };
    let ((sa, ba), (sb, bb)) = futures_util::join!(move_to(a.clone()), move_to(b.clone()));
    let mut statuses = [sa.as_u16(), sb.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{ba} {bb}");
    let (winner, moved, loser, refusal) =
        if sa == 200 { (&a, ba, &b, bb) } else { (&b, bb, &a, ba) };
    assert_eq!(refusal["error"]["code"], "quota_full");
    // The code is kept, the ticket is new, the old place is free again.
    assert_eq!(moved["booking_code"], json!(winner));
    assert_eq!(moved["date"], "2026-12-03");
    assert_eq!(moved["ticket"], "B-001");
    assert_eq!(remaining_non_jkn(&app, target), 0);
    assert_eq!(remaining_non_jkn(&app, seed.tomorrow), 9);
    let (_, status) = app.get_json(&format!("/api/v1/bookings/{winner}")).await;
    assert_eq!(status["status"], "booked");
    // The loser's booking is untouched.
    let (_, other) = app.get_json(&format!("/api/v1/bookings/{loser}")).await;
    assert_eq!(other["status"], "booked");
    assert!(other["ticket"].as_str().unwrap().starts_with("B-00"));
    let active: i64 = visits::table
        .filter(visits::status.eq("booked"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(active, 2);
    // The message for the moved booking carries the kept code and says it moved.
    let confirmed = jobs(&app, "booking_confirmed");
    let last = short_text(confirmed.iter().rev().find(|j| j.channel == "email").unwrap());
    assert!(last.contains(winner.as_str()) && last.contains("dipindah"), "{last}");
    // Other clinics, the same session, wrong birth dates: refused.
    let (status, err) = app
        .post_json(
            &format!("/api/v1/bookings/{loser}/reschedule"),
            &json!({"birth_date": "1990-05-17", "session_id": seed.tomorrow}),
        )
        .await;
    assert_eq!((status.as_u16(), err["error"]["code"].as_str()), (409, Some("same_session")));
    let (status, _) = app
        .post_json(
            &format!("/api/v1/bookings/{loser}/reschedule"),
            &json!({"birth_date": "1991-01-01", "session_id": target}),
        )
        .await;
    assert_eq!(status, 422);
}

#[actix_web::test]
async fn jkn_bookings_are_not_moved() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let target = add_session(&app, seed.tomorrow, date(3), 5, 5);
    let mut body = booking_body(seed.tomorrow, 1);
    body["payer"] = json!("jkn");
    body["patient"]["bpjs_no"] = json!(BPJS);
    let (_, booked) = app.post_json("/api/v1/bookings", &body).await;
    let code = booked["booking_code"].as_str().unwrap();
    let (status, err) = app
        .post_json(
            &format!("/api/v1/bookings/{code}/reschedule"),
            &json!({"birth_date": "1990-05-17", "session_id": target}),
        )
        .await;
    assert_eq!((status.as_u16(), err["error"]["code"].as_str()), (409, Some("reschedule_jkn")));
}

#[actix_web::test]
async fn cancel_message_says_whom_by_first_name_and_initial_never_the_nik() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let code = book(&app, seed.tomorrow, 1, "Maria Kaize").await;
    let child = book(&app, seed.tomorrow, 2, "Yohana Magai Wenda").await;
    let (status, body) = app
        .post_json(&format!("/api/v1/bookings/{code}/cancel"), &json!({"birth_date": "1990-05-17"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let cancelled = jobs(&app, "booking_cancelled");
    assert_eq!(cancelled.len(), 2, "email and SMS");
    for job in &cancelled {
        let text = short_text(job);
        assert!(text.contains("dibatalkan") && text.contains("untuk Maria K."), "{text}");
        assert!(!text.contains("Kaize") && !text.contains(&nik(1)), "{text}");
    }
    let confirmed = jobs(&app, "booking_confirmed");
    let texts: Vec<String> = confirmed.iter().map(short_text).collect();
    assert!(texts.iter().any(|t| t.contains(&child) && t.contains("untuk Yohana W.")), "{texts:?}");
    assert!(texts.iter().all(|t| !t.contains("Wenda") && !t.contains(&nik(2))), "{texts:?}");
}

async fn join(app: &TestApp, session: i32, n: u32) -> (StatusCode, Value) {
    let mut body = booking_body(session, n);
    body["patient"]["name"] = json!(format!("Tunggu Pasien{n}"));
    app.post_json(&format!("/api/v1/sessions/{session}/waitlist"), &body).await
}

fn offer_token(app: &TestApp, code: &str) -> Option<String> {
    waitlist_entries::table
        .filter(waitlist_entries::code.eq(code))
        .select(waitlist_entries::offer_token)
        .first::<Option<String>>(&mut app.conn())
        .unwrap()
}

fn entry_status(app: &TestApp, code: &str) -> String {
    waitlist_entries::table
        .filter(waitlist_entries::code.eq(code))
        .select(waitlist_entries::status)
        .first(&mut app.conn())
        .unwrap()
}

async fn sweep(app: &TestApp) -> usize {
    let st = app.state.clone();
    sipoli::service::in_transaction(&app.state, move |c| sipoli::service::waitlist::sweep(c, &st))
        .await
        .unwrap()
}

#[actix_web::test]
async fn waitlist_offer_lapses_to_the_next_and_is_claimed_once() {
    let app = TestApp::spawn().await;
    let seed = seed_with(&app, 1, 1, 2);
    let first = book(&app, seed.tomorrow, 1, "Maria Kaize").await;
    // Places left for this payer: book instead.
    let (status, err) = join(&app, seed.tomorrow, 9).await.clone();
    assert_eq!((status.as_u16(), err["error"]["code"].as_str()), (201, None), "{err}");
    let mut jkn = booking_body(seed.tomorrow, 8);
    jkn["payer"] = json!("jkn");
    jkn["patient"]["bpjs_no"] = json!(BPJS);
    let (status, err) =
        app.post_json(&format!("/api/v1/sessions/{}/waitlist", seed.tomorrow), &jkn).await;
    assert_eq!((status.as_u16(), err["error"]["code"].as_str()), (409, Some("places_left")));
    let (status, b) = join(&app, seed.tomorrow, 2).await;
    assert_eq!(status, 201, "{b}");
    let (b_code, b_pos) = (b["waitlist_code"].as_str().unwrap().to_string(), b["position"].clone());
    let (_, c) = join(&app, seed.tomorrow, 3).await;
    let c_code = c["waitlist_code"].as_str().unwrap().to_string();
    assert_eq!((b_pos, c["position"].clone()), (json!(2), json!(3)));
    // Joining twice keeps one place in line.
    let (_, again) = join(&app, seed.tomorrow, 2).await;
    assert_eq!(again["waitlist_code"], json!(b_code));

    // The booking is cancelled: the first in line (patient 9) is offered the place.
    let (status, _) = app
        .post_json(
            &format!("/api/v1/bookings/{first}/cancel"),
            &json!({"birth_date": "1990-05-17"}),
        )
        .await;
    assert_eq!(status, 200);
    let offers = jobs(&app, "waitlist_offer");
    assert_eq!(offers.len(), 1, "one offer (SMS) per freed place");
    let text = short_text(&offers[0]);
    assert!(
        text.contains("http://sipoli.test/antrean/tawaran/") && text.contains("Tunggu P."),
        "{text}"
    );
    // The held place is not bookable by someone else.
    let (status, _) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 7)).await;
    assert_eq!(status, 409);
    // It lapses after two hours: the next in line gets it.
    let first_token = offers[0].payload["offer_token"].as_str().unwrap().to_string();
    app.clock.advance(Duration::minutes(121));
    sweep(&app).await;
    let b_token = offer_token(&app, &b_code).expect("offered to the next");
    let (status, err) =
        app.post_json(&format!("/api/v1/waitlist/offers/{first_token}/claim"), &json!({})).await;
    assert_eq!((status.as_u16(), err["error"]["code"].as_str()), (409, Some("offer_gone")));
    let (status, booked) =
        app.post_json(&format!("/api/v1/waitlist/offers/{b_token}/claim"), &json!({})).await;
    assert_eq!(status, 201, "{booked}");
    assert_eq!(booked["status"], "booked");
    assert_eq!(entry_status(&app, &b_code), "booked");
    assert_eq!(entry_status(&app, &c_code), "waiting");
    assert_eq!(remaining_non_jkn(&app, seed.tomorrow), 0);
    let (status, _) =
        app.post_json(&format!("/api/v1/waitlist/offers/{b_token}/claim"), &json!({})).await;
    assert_eq!(status, 409);
}

#[actix_web::test]
async fn parallel_cancellations_and_claims_take_each_freed_place_once() {
    let app = TestApp::spawn_at(default_now()).await;
    let seed = seed_with(&app, 0, 2, 2);
    let a = book(&app, seed.tomorrow, 1, "Maria Kaize").await;
    let b = book(&app, seed.tomorrow, 2, "Yosef Magai").await;
    let mut codes = Vec::new();
    for n in 3..=5 {
        let (status, j) = join(&app, seed.tomorrow, n).await;
        assert_eq!(status, 201, "{j}");
        codes.push(j["waitlist_code"].as_str().unwrap().to_string());
    }
    let cancel = |code: String| {
        let app = &app;
        async move {
            app.post_json(
                &format!("/api/v1/bookings/{code}/cancel"),
                &json!({"birth_date": "1990-05-17"}),
            )
            .await
            .0
        }
    };
    let (x, y) = futures_util::join!(cancel(a), cancel(b));
    assert_eq!((x.as_u16(), y.as_u16()), (200, 200));
    sweep(&app).await;
    let statuses: Vec<String> = codes.iter().map(|c| entry_status(&app, c)).collect();
    assert_eq!(statuses, ["offered", "offered", "waiting"]);
    // Eight claims of the first offer at once: one booking.
    let token = offer_token(&app, &codes[0]).unwrap();
    let claims = (0..8).map(|_| {
        let app = &app;
        let token = token.clone();
        async move {
            app.post_json(&format!("/api/v1/waitlist/offers/{token}/claim"), &json!({})).await.0
        }
    });
    let results = futures_util::future::join_all(claims).await;
    assert_eq!(results.iter().filter(|s| s.as_u16() == 201).count(), 1, "{results:?}");
    assert_eq!(results.iter().filter(|s| s.as_u16() == 409).count(), 7, "{results:?}");
    assert_eq!(remaining_non_jkn(&app, seed.tomorrow), 0);
    let active: i64 = visits::table
        .filter(visits::status.eq("booked"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(active, 1);
}

fn signed(secret: &str, body: &Value) -> (Vec<u8>, String) {
    let bytes = serde_json::to_vec(body).unwrap();
    let sig = sipoli::jobs::webhook::sign(secret, &bytes);
    (bytes, sig)
}

async fn inbound(app: &TestApp, body: &Value, signature: Option<&str>) -> (StatusCode, Value) {
    let bytes = serde_json::to_vec(body).unwrap();
    let mut r = app
        .client
        .post(app.url("/api/v1/gateway/inbound"))
        .header("content-type", "application/json")
        .body(bytes);
    if let Some(s) = signature {
        r = r.header("X-Sipoli-Signature", s);
    }
    crate::helpers::status_and_json(r.send().await.unwrap()).await
}

#[actix_web::test]
async fn inbound_gateway_checks_the_signature_and_the_phone() {
    let mut settings = test_settings();
    settings.jobs.webhook_secret = Some(Secret::new("rahasia-gateway"));
    let app = TestApp::spawn_with(default_now(), settings).await;
    let seed = seed(&app);
    let code = book(&app, seed.tomorrow, 1, "Maria Kaize").await;
    let sign = |b: &Value| signed("rahasia-gateway", b).1;

    let batal_other = json!({"from": "+6281399990000", "text": format!("BATAL {code}")});
    let (status, _) = inbound(&app, &batal_other, None).await;
    assert_eq!(status, 401);
    let (status, _) = inbound(&app, &batal_other, Some(&signed("salah", &batal_other).1)).await;
    assert_eq!(status, 401);
    // Another phone may not cancel.
    let (status, handled) = inbound(&app, &batal_other, Some(&sign(&batal_other))).await;
    assert_eq!((status.as_u16(), handled["command"].as_str()), (200, Some("batal_refused")));
    let (_, st) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(st["status"], "booked");
    let replies = jobs(&app, "reply");
    assert_eq!(replies[0].recipient, "081399990000");
    assert!(short_text(&replies[0]).contains("hanya dapat dikirim dari nomor HP"));
    // YA from the booking's phone is recorded.
    let ya = json!({"from": "+62 812-3456-7890", "text": format!("ya {}", code.to_lowercase())});
    let (_, handled) = inbound(&app, &ya, Some(&sign(&ya))).await;
    assert_eq!(handled["command"], "ya");
    assert_eq!(app.count("visit_confirmations"), 1);
    // STATUS answers position and estimate; anything else gets help.
    let status_msg = json!({"from": "081234567890", "text": format!("STATUS {code}")});
    let (_, handled) = inbound(&app, &status_msg, Some(&sign(&status_msg))).await;
    assert_eq!(handled["command"], "status");
    let text = short_text(jobs(&app, "reply").last().unwrap());
    assert!(text.contains("pasien di depan Anda") && text.contains("WIT"), "{text}");
    let hello = json!({"from": "081234567890", "text": "halo"});
    let (_, handled) = inbound(&app, &hello, Some(&sign(&hello))).await;
    assert_eq!(handled["command"], "help");
    assert!(short_text(jobs(&app, "reply").last().unwrap()).contains("BATAL <kode>"));
    // BATAL from the booking's phone cancels; the answer is the "dibatalkan" message.
    let batal = json!({"from": "081234567890", "text": format!("BATAL {code}")});
    let (_, handled) = inbound(&app, &batal, Some(&sign(&batal))).await;
    assert_eq!(handled["command"], "batal");
    let (_, st) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(st["status"], "cancelled");
    assert!(jobs(&app, "booking_cancelled").iter().any(|j| j.recipient == "081234567890"));
}

#[actix_web::test]
async fn staff_queue_shows_the_waitlist_and_unconfirmed_bookings() {
    let app = TestApp::spawn().await;
    let seed = seed_with(&app, 1, 1, 2);
    let confirmed = book(&app, seed.tomorrow, 1, "Maria Kaize").await;
    let mut jkn = booking_body(seed.tomorrow, 3);
    jkn["payer"] = json!("jkn");
    jkn["patient"]["bpjs_no"] = json!(BPJS);
    let (status, _) = app.post_json("/api/v1/bookings", &jkn).await;
    assert_eq!(status, 201);
    let (status, _) = join(&app, seed.tomorrow, 2).await;
    assert_eq!(status, 201);
    let now = app.state.now();
    sipoli::db::self_service::confirm(&mut app.conn(), app.visit_id(&confirmed), now, "sms")
        .unwrap();
    crate::pages::make_staff(&app, "perawat", Role::Clinic, &["ANA"]);
    let mut v = crate::pages::Visitor::new(&app);
    v.login("perawat", "rahasia-uji").await;
    let page = v.get(&format!("/staff/sesi/{}", seed.tomorrow)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Daftar tunggu"), "{}", page.body);
    assert!(page.body.contains("Tunggu P."), "the waitlist, by first name and initial");
    assert_eq!(page.body.matches(">Belum konfirmasi<").count(), 1, "{}", page.body);
}

#[actix_web::test]
async fn home_shows_each_clinics_next_session_and_filters_by_clinic() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let later = add_session(&app, seed.tomorrow, date(3), 5, 5);
    crate::helpers::add_clinic(&app, "MAT", "Poli Mata", "E");
    let mut v = crate::pages::Visitor::new(&app);
    let home = v.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains(&format!("/daftar?sesi={}", seed.tomorrow)), "the next session");
    assert!(!home.body.contains(&format!("/daftar?sesi={later}")), "not every day at once");
    assert!(home.body.contains("Poli Mata") && home.body.contains("<select id=\"poli\""));
    let one = v.get("/?poli=ana").await;
    assert!(one.body.contains(&format!("/daftar?sesi={later}")), "the clinic's days in full");
    assert!(!one.body.contains("id=\"poli-MAT\""), "only the chosen clinic");
    // The date list says how many places are left.
    let dates = v.get("/daftar?poli=ANA").await;
    assert!(dates.body.contains("Sisa 25 tempat"), "{}", dates.body);
}

#[actix_web::test]
async fn the_kiosk_checks_in_by_nik_or_bpjs_number_and_birth_date() {
    let app = TestApp::spawn_at(crate::helpers::wit(2026, 12, 1, 6, 0)).await;
    let seed = seed(&app);
    let mut body = booking_body(seed.today, 1);
    body["patient"]["bpjs_no"] = json!(BPJS);
    let (status, booked) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 201, "{booked}");
    let wrong = json!({"bpjs_no": BPJS, "birth_date": "1990-05-18"});
    let (status, err) = app.post_json("/api/v1/kiosk/check-in", &wrong).await;
    assert_eq!((status.as_u16(), err["error"]["code"].as_str()), (404, Some("no_booking_found")));
    // A scanned card number, as the barcode reader types it.
    let card = json!({"bpjs_no": "0001-2345-6789-1", "birth_date": "1990-05-17"});
    let (status, list) = app.post_json("/api/v1/kiosk/check-in", &card).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list[0]["booking_code"], booked["booking_code"]);
    assert_eq!(list[0]["status"], "waiting");
    let (status, _) = app.post_json("/api/v1/kiosk/check-in", &card).await;
    assert_eq!(status, 404, "nothing left to check in today");
}

fn written(app: &TestApp) -> [i64; 4] {
    ["visits", "waitlist_entries", "visit_confirmations", "patients"].map(|t| app.count(t))
}

#[actix_web::test]
async fn malformed_bodies_to_the_self_service_routes_never_answer_5xx_nor_write() {
    let app = TestApp::spawn().await;
    let seed = seed_with(&app, 1, 1, 2);
    let code = book(&app, seed.tomorrow, 1, "Maria Kaize").await;
    let routes: Vec<(String, Value)> = vec![
        ("/api/v1/bookings/lookup".into(), json!({"nik": nik(1), "birth_date": "1990-05-17"})),
        (
            format!("/api/v1/bookings/{code}/reschedule"),
            json!({"birth_date": "1990-05-17", "session_id": seed.today}),
        ),
        ("/api/v1/kiosk/check-in".into(), json!({"bpjs_no": BPJS, "birth_date": "1990-05-17"})),
        (format!("/api/v1/sessions/{}/waitlist", seed.tomorrow), booking_body(seed.tomorrow, 2)),
        ("/api/v1/waitlist/offers/nothing/claim".into(), json!({})),
        ("/api/v1/gateway/inbound".into(), json!({"from": "081234567890", "text": "YA"})),
    ];
    let bad = [json!(null), json!(""), json!(-1), json!(1e300), json!("x".repeat(5000)), json!({})];
    let mut sent = 0;
    for (path, template) in &routes {
        let mut bodies = vec![Value::Null, json!([]), json!("x"), json!(1), json!({"\u{0}": 1})];
        for field in template.as_object().unwrap().keys() {
            for b in &bad {
                let mut body = template.clone();
                body[field] = b.clone();
                bodies.push(body);
            }
        }
        for body in bodies {
            let before = written(&app);
            let (status, answer) = app.post_json(path, &body).await;
            assert!(!status.is_server_error(), "{path} {body}: {status} {answer}");
            if !status.is_success() {
                assert_eq!(written(&app), before, "{path} refused but wrote: {body}");
            }
            sent += 1;
        }
    }
    assert!(sent >= 90, "{sent}");
}
