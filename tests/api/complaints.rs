//! Complaints (pengaduan): filed without login, followed by code without personal data,
//! due five working days later (weekends and entered holidays skipped), answered by staff
//! with the complainant notified, red and escalated once when overdue.
use std::sync::Arc;

use chrono::Duration;
use serde_json::{Value, json};
use sipoli::app::AppState;
use sipoli::auth::Role;
use sipoli::jobs::Worker;

use crate::helpers::*;
use crate::smtp_server::SmtpServer;

/// A worker (its own pool, like a worker process) that sends email to `smtp` and
/// escalates to `escalation`.
pub fn worker_with(app: &TestApp, smtp: &SmtpServer, escalation: &[&str]) -> (Worker, AppState) {
    let mut settings = (*app.state.settings).clone();
    settings.jobs.smtp_url = Some(sipoli::config::Secret::new(smtp.url()));
    settings.jobs.complaint_escalation = escalation.iter().map(|s| s.to_string()).collect();
    let pool = test_pool(&app.db.url);
    let state = AppState::new(pool, settings, Arc::new(app.clock.clone()));
    (Worker::new(state.clone()).unwrap(), state)
}

pub async fn file(app: &TestApp, body: Value) -> String {
    let (status, filed) = app.post_json("/api/v1/complaints", &body).await;
    assert_eq!(status, 201, "{filed}");
    filed["code"].as_str().unwrap().to_string()
}

fn complaint(text: &str) -> Value {
    json!({"category": "waktu_tunggu", "text": text})
}

#[actix_web::test]
async fn a_complaint_gets_a_code_and_is_due_five_working_days_later() {
    // Tuesday 1 December 2026, 07:30 WIT.
    let app = TestApp::spawn().await;
    let body = json!({
        "category": "waktu_tunggu",
        "text": "Saya menunggu tiga jam di Poli Anak tanpa kabar. <b>Mohon</b> diperbaiki.",
        "contact": "ibu.maria@example.test",
    });
    let (status, filed) = app.post_json("/api/v1/complaints", &body).await;
    assert_eq!(status, 201, "{filed}");
    assert_eq!(filed["status"], "new");
    // Due at the end of Tuesday 8 December (five working days), local time.
    assert_eq!(filed["due_at"], "2026-12-09T00:00:00+09:00");
    let code = filed["code"].as_str().unwrap();
    assert_eq!(code.len(), 8);

    // Anyone with the code follows it: no text, no contact.
    let (status, seen) = app.get_json(&format!("/api/v1/complaints/{}", code.to_lowercase())).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen["status"], "new");
    assert_eq!(seen["due_at"], "2026-12-09T00:00:00+09:00");
    assert_eq!(seen["overdue"], false);
    assert_eq!(seen["responses"], json!([]));
    let text = seen.to_string();
    assert!(!text.contains("maria") && !text.contains("menunggu"), "{text}");

    let (status, _) = app.get_json("/api/v1/complaints/ZZZZ2222").await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn weekends_and_an_entered_holiday_move_the_due_date() {
    // Saturday 5 December 2026: counting starts Monday; due the end of Friday 11.
    let app = TestApp::spawn_at(wit(2026, 12, 5, 10, 0)).await;
    let code = file(&app, complaint("Toilet di ruang tunggu rusak sejak pagi.")).await;
    let (_, seen) = app.get_json(&format!("/api/v1/complaints/{code}")).await;
    assert_eq!(seen["due_at"], "2026-12-12T00:00:00+09:00");

    // Only admins enter holidays.
    let clinic = app.token_for("perawat", Role::Clinic, &[]).await;
    let (status, _) = app
        .send_as(
            reqwest::Method::POST,
            "/api/v1/staff/holidays",
            Some(&clinic),
            Some(&json!({"date": "2026-12-08", "name": "Cuti bersama"})),
        )
        .await;
    assert_eq!(status, 403);
    let admin = app.token_for("admin", Role::Admin, &[]).await;
    let (status, h) = app
        .send_as(
            reqwest::Method::POST,
            "/api/v1/staff/holidays",
            Some(&admin),
            Some(&json!({"date": "2026-12-08", "name": "Cuti bersama"})),
        )
        .await;
    assert_eq!(status, 201, "{h}");
    // Filed after the holiday was entered: Tuesday 8 is skipped, due the end of Monday 14.
    let code = file(&app, complaint("Petugas loket tidak ramah kepada ibu saya.")).await;
    let (_, seen) = app.get_json(&format!("/api/v1/complaints/{code}")).await;
    assert_eq!(seen["due_at"], "2026-12-15T00:00:00+09:00");
}

#[actix_web::test]
async fn bad_complaints_are_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({"category": "makanan", "text": "Makanan di kantin tidak enak."}),
            "unknown_category",
        ),
        (json!({"category": "obat", "text": "pendek"}), "text_too_short"),
        (json!({"category": "obat", "text": "x".repeat(4001)}), "text_too_long"),
        (
            json!({"category": "obat", "text": "Obat tidak tersedia di farmasi.", "contact": "bukan kontak"}),
            "invalid_contact",
        ),
        (
            json!({"category": "obat", "text": "Obat tidak tersedia di farmasi.", "booking_code": "!!"}),
            "invalid_booking_code",
        ),
        (json!({"text": "Kategori tidak diisi sama sekali."}), "unknown_category"),
    ];
    for (body, code) in cases {
        let (status, answer) = app.post_json("/api/v1/complaints", &body).await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{answer}");
    }
    let (status, answer) = app
        .post_json(
            "/api/v1/complaints",
            &json!({"category": "obat", "text": "Obat tidak tersedia di farmasi.", "booking_code": "ABCD2345"}),
        )
        .await;
    assert_eq!(status, 404, "{answer}");
    let res = app
        .request(reqwest::Method::POST, "/api/v1/complaints")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(app.count("complaints"), 0);
}

#[actix_web::test]
async fn staff_answer_with_their_name_and_the_complainant_is_told() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    add_clinic(&app, "GIG", "Poli Gigi", "G");
    // A complaint about a visit of Poli Anak (by its booking code), with an email contact.
    let (_, booked) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    let booking = booked["booking_code"].as_str().unwrap();
    let code = file(
        &app,
        json!({"category": "tenaga_kesehatan", "text": "Dokter datang terlambat dua jam.",
               "booking_code": booking, "contact": "keluarga@example.test"}),
    )
    .await;

    let other = app.token_for("gigi", Role::Clinic, &["GIG"]).await;
    let path = format!("/api/v1/staff/complaints/{code}/responses");
    let answer = json!({"message": "Mohon maaf, kami sedang memeriksa jadwal dokter."});
    let (status, _) = app.send_as(reqwest::Method::POST, &path, Some(&other), Some(&answer)).await;
    assert_eq!(status, 403, "another clinic's staff may not answer");
    let (status, _) = app
        .send_as(
            reqwest::Method::GET,
            &format!("/api/v1/staff/complaints/{code}"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(status, 403, "nor read it");

    let nurse = app.token_for("perawat", Role::Clinic, &["ANA"]).await;
    let (status, detail) =
        app.send_as(reqwest::Method::POST, &path, Some(&nurse), Some(&answer)).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["status"], "in_progress", "a first answer puts it in progress");
    assert_eq!(detail["clinic"], "Poli Anak");
    assert_eq!(detail["responses"][0]["author_name"], "Petugas Uji");
    assert_eq!(detail["responses"][0]["from_status"], "new");

    let resolve =
        json!({"message": "Jadwal dokter sudah diperbaiki. Terima kasih.", "status": "resolved"});
    let (status, detail) =
        app.send_as(reqwest::Method::POST, &path, Some(&nurse), Some(&resolve)).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["status"], "resolved");
    assert!(detail["resolved_at"].is_string());
    let close = json!({"message": "Ditutup.", "status": "closed"});
    let (status, _) = app.send_as(reqwest::Method::POST, &path, Some(&nurse), Some(&close)).await;
    assert_eq!(status, 200);
    let reopen = json!({"message": "Dibuka lagi.", "status": "in_progress"});
    let (status, refused) =
        app.send_as(reqwest::Method::POST, &path, Some(&nurse), Some(&reopen)).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "invalid_transition");

    // The complainant sees the answers, not who wrote them.
    let (_, seen) = app.get_json(&format!("/api/v1/complaints/{code}")).await;
    assert_eq!(seen["status"], "closed");
    assert_eq!(seen["responses"].as_array().unwrap().len(), 3);
    assert_eq!(seen["responses"][1]["message"], "Jadwal dokter sudah diperbaiki. Terima kasih.");
    assert!(!seen.to_string().contains("Petugas Uji"));

    // Each answer went to the contact, once.
    let smtp = SmtpServer::start().await;
    let (w, _) = worker_with(&app, &smtp, &[]);
    let pass = w.run_until_empty().await.unwrap();
    let mails: Vec<_> = smtp
        .messages()
        .into_iter()
        .filter(|m| m.to.iter().any(|t| t.contains("keluarga@example.test")))
        .collect();
    assert_eq!(mails.len(), 3, "{pass:?}");
    assert!(mails.iter().all(|m| m.subject().contains(&code)));
    let first = mails.iter().find(|m| m.text().contains("memeriksa jadwal dokter")).unwrap();
    assert!(first.text().contains("(Sedang ditangani)"), "{}", first.text());
    assert!(first.text().contains(&format!("http://sipoli.test/pengaduan/{code}")));
    assert_eq!(w.run_until_empty().await.unwrap().sent, 0);
}

#[actix_web::test]
async fn an_overdue_complaint_is_red_and_escalated_once() {
    let app = TestApp::spawn().await;
    let late = file(&app, complaint("Antrean farmasi lama sekali, lebih dari tiga jam.")).await;
    let smtp = SmtpServer::start().await;
    let escalation = ["direktur@rsud-mimika.test", "humas@rsud-mimika.test"];
    let (w1, st1) = worker_with(&app, &smtp, &escalation);
    let (w2, st2) = worker_with(&app, &smtp, &escalation);

    // Not yet due: nothing to escalate.
    assert_eq!(sipoli::jobs::civic::scan(&st1).await.unwrap().0, 0);
    // Wednesday 9 December, 08:00: past the end of Tuesday 8.
    app.clock.set(wit(2026, 12, 9, 8, 0));
    let fresh = file(&app, complaint("Kursi ruang tunggu kurang, banyak yang berdiri.")).await;
    let admin = app.token_for("admin", Role::Admin, &[]).await;
    let (_, list) = app
        .send_as(reqwest::Method::GET, "/api/v1/staff/complaints?overdue=true", Some(&admin), None)
        .await;
    let codes: Vec<&str> =
        list.as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec![late.as_str()], "{list}");
    assert_eq!(list[0]["overdue"], true);
    let (_, seen) = app.get_json(&format!("/api/v1/complaints/{late}")).await;
    assert_eq!(seen["overdue"], true);

    // Two workers scan at once, and again later: each address hears once.
    let (a, b) = tokio::join!(sipoli::jobs::civic::scan(&st1), sipoli::jobs::civic::scan(&st2));
    assert_eq!(a.unwrap().0 + b.unwrap().0, 1);
    assert_eq!(sipoli::jobs::civic::scan(&st1).await.unwrap().0, 0);
    let (p1, p2) = tokio::join!(w1.run_until_empty(), w2.run_until_empty());
    assert_eq!(p1.unwrap().sent + p2.unwrap().sent, 2);
    let mails = smtp.messages();
    assert_eq!(mails.len(), 2);
    for (m, to) in mails.iter().zip(escalation) {
        let m = mails.iter().find(|x| x.to.iter().any(|t| t.contains(to))).unwrap_or(m);
        assert!(m.subject().contains(&late), "{}", m.subject());
        assert!(m.text().contains("5 hari kerja") || m.subject().contains("5 hari kerja"));
        assert!(m.text().contains(&format!("/staff/pengaduan/{late}")), "{}", m.text());
    }
    assert!(!smtp.messages().iter().any(|m| m.subject().contains(&fresh)));
    app.clock.advance(Duration::days(30));
    sipoli::jobs::civic::scan(&st1).await.unwrap();
    w1.run_until_empty().await.unwrap();
    assert_eq!(
        smtp.messages().iter().filter(|m| m.subject().contains(&late)).count(),
        2,
        "never again for the same complaint"
    );
}

#[actix_web::test]
async fn staff_enter_a_complaint_made_in_person_and_read_the_monthly_summary() {
    let app = TestApp::spawn().await;
    seed(&app);
    let desk = app.token_for("loket", Role::Registration, &[]).await;
    let (status, filed) = app
        .send_as(
            reqwest::Method::POST,
            "/api/v1/staff/complaints",
            Some(&desk),
            Some(&json!({"category": "biaya_administrasi", "text": "Pasien ditagih biaya padahal peserta JKN.", "clinic": "ANA"})),
        )
        .await;
    assert_eq!(status, 201, "{filed}");
    let in_person = filed["code"].as_str().unwrap().to_string();
    let web = file(&app, complaint("Menunggu lama di loket pendaftaran pagi ini.")).await;
    file(&app, json!({"category": "fasilitas", "text": "Parkiran penuh dan becek."})).await;

    let admin = app.token_for("admin", Role::Admin, &[]).await;
    let (_, detail) = app
        .send_as(
            reqwest::Method::GET,
            &format!("/api/v1/staff/complaints/{in_person}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(detail["channel"], "staff");
    assert_eq!(detail["clinic"], "Poli Anak");
    // Resolved two days later: within five working days.
    app.clock.advance(Duration::days(2));
    let admin = app.token_for("admin", Role::Admin, &[]).await;
    let (status, _) = app
        .send_as(
            reqwest::Method::POST,
            &format!("/api/v1/staff/complaints/{web}/responses"),
            Some(&admin),
            Some(&json!({"message": "Loket tambahan dibuka.", "status": "resolved"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, summary) = app
        .send_as(
            reqwest::Method::GET,
            "/api/v1/staff/complaints-summary?month=2026-12",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["total"]["received"], 3);
    assert_eq!(summary["total"]["resolved_in_time"], 1);
    assert_eq!(summary["total"]["median_days_to_resolve"], 2.0);
    let line = |cat: &str| {
        summary["lines"].as_array().unwrap().iter().find(|l| l["category"] == cat).unwrap().clone()
    };
    assert_eq!(line("waktu_tunggu")["received"], 1);
    assert_eq!(line("waktu_tunggu")["resolved_in_time"], 1);
    assert_eq!(line("fasilitas")["received"], 1);
    assert_eq!(line("obat")["received"], 0);

    // Filters: by status and by clinic.
    let (_, resolved) = app
        .send_as(
            reqwest::Method::GET,
            "/api/v1/staff/complaints?status=resolved",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(resolved.as_array().unwrap().len(), 1);
    let (_, ana) = app
        .send_as(reqwest::Method::GET, "/api/v1/staff/complaints?clinic=ANA", Some(&admin), None)
        .await;
    assert_eq!(ana.as_array().unwrap().len(), 1);
    assert_eq!(ana[0]["code"], in_person.as_str());
}

#[actix_web::test]
async fn public_complaints_are_rate_limited_like_bookings() {
    let mut settings = test_settings();
    settings.limits.bookings = sipoli::limits::Rate::new(1, 1);
    let app = TestApp::spawn_with(default_now(), settings).await;
    file(&app, complaint("Antrean sangat lama di poli anak.")).await;
    let (status, body) =
        app.post_json("/api/v1/complaints", &complaint("Antrean sangat lama di poli anak.")).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(app.count("complaints"), 1);
}

#[actix_web::test]
async fn the_console_shows_overdue_complaints_in_red_to_those_who_see_them() {
    let mut app = TestApp::spawn().await;
    seed(&app);
    add_clinic(&app, "MAT", "Poli Mata", "E");
    let desk = app.token_for("loket", Role::Registration, &[]).await;
    let (status, filed) = app
        .send_as(
            reqwest::Method::POST,
            "/api/v1/staff/complaints",
            Some(&desk),
            Some(&json!({"category": "pelayanan", "text": "Dokter poli anak datang terlambat.", "clinic": "ANA"})),
        )
        .await;
    assert_eq!(status, 201, "{filed}");
    let of_clinic = filed["code"].as_str().unwrap().to_string();
    let loose = file(&app, complaint("Antrean farmasi lama sekali, lebih dari tiga jam.")).await;

    // Not yet due: no red line.
    app.login_as("admin", Role::Admin, &[]).await;
    let page = app.get("/staff").await.text().await.unwrap();
    assert!(!page.contains("id=\"overdue-complaints\""), "{page}");

    // Past the five working days: admins see both, the clinic its own, another clinic none.
    app.clock.set(wit(2026, 12, 9, 8, 0));
    app.login_as("admin", Role::Admin, &[]).await; // the login of a week ago has expired
    let page = app.get("/staff").await.text().await.unwrap();
    let red = page.split("id=\"overdue-complaints\"").nth(1).expect("red line on the console");
    let red = &red[..red.find("</div>").unwrap()];
    assert!(red.contains("Pengaduan lewat batas 5 hari kerja") && red.contains(": 2"), "{red}");
    assert!(page.contains("class=\"alert bad\" role=\"alert\" id=\"overdue-complaints\""));
    assert!(red.contains("href=\"/staff/pengaduan?overdue=1\""), "{red}");
    let list = app.get("/staff/pengaduan?overdue=1").await.text().await.unwrap();
    assert!(list.contains(&of_clinic) && list.contains(&loose), "the link lists them");

    app.login_as("perawat-anak", Role::Clinic, &["ANA"]).await;
    let page = app.get("/staff").await.text().await.unwrap();
    let red = page.split("id=\"overdue-complaints\"").nth(1).expect("the clinic's own");
    assert!(red[..red.find("</div>").unwrap()].contains(": 1"), "{red}");

    app.login_as("perawat-mata", Role::Clinic, &["MAT"]).await;
    let page = app.get("/staff").await.text().await.unwrap();
    assert!(!page.contains("id=\"overdue-complaints\""), "not another clinic's");

    // Once answered as resolved, the line goes.
    app.login_as("admin", Role::Admin, &[]).await;
    let admin = app.token_for("admin2", Role::Admin, &[]).await;
    for code in [&of_clinic, &loose] {
        let (status, out) = app
            .send_as(
                reqwest::Method::POST,
                &format!("/api/v1/staff/complaints/{code}/responses"),
                Some(&admin),
                Some(&json!({"message": "Sudah ditindaklanjuti.", "status": "resolved"})),
            )
            .await;
        assert!(status.is_success(), "{status} {out}");
    }
    let page = app.get("/staff").await.text().await.unwrap();
    assert!(!page.contains("id=\"overdue-complaints\""));
}
