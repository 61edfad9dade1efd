//! Patient notifications: the outbox written with the visit change, delivered over a real
//! SMTP server and a real HTTP webhook on loopback, retried, never sent twice.
use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Duration;
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use sipoli::app::AppState;
use sipoli::auth::Role;
use sipoli::config::Settings;
use sipoli::db::schema::notification_jobs;
use sipoli::jobs::Worker;
use sipoli::jobs::queue::{self, Job, NewJob};
use sipoli::jobs::triggers::Facts;

use crate::helpers::*;
use crate::smtp_server::SmtpServer;

/// An outbox directory of the test's own.
fn scratch_dir() -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("sipoli-outbox-{}", &sipoli::auth::random_token()[..12]));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A worker over the app's database and clock, with changed settings.
fn worker(app: &TestApp, change: impl FnOnce(&mut Settings)) -> Worker {
    let mut settings = (*app.state.settings).clone();
    settings.jobs.outbox_dir = scratch_dir();
    change(&mut settings);
    // Its own pool, as a worker process would have.
    let pool = crate::helpers::test_pool(&app.db.url);
    Worker::new(AppState::new(pool, settings, Arc::new(app.clock.clone()))).unwrap()
}

fn smtp_worker(app: &TestApp, smtp: &SmtpServer) -> Worker {
    let url = smtp.url();
    worker(app, |s| s.jobs.smtp_url = Some(sipoli::config::Secret::new(url)))
}

fn jobs(app: &TestApp) -> Vec<Job> {
    notification_jobs::table
        .order(notification_jobs::id)
        .select(Job::as_select())
        .load(&mut app.conn())
        .unwrap()
}

fn jobs_of(app: &TestApp, kind: &str, visit_id: i64) -> Vec<Job> {
    jobs(app).into_iter().filter(|j| j.kind == kind && j.visit_id == Some(visit_id)).collect()
}

/// Book patient `n` with an email address; returns (booking code, visit id).
async fn book_with_email(app: &TestApp, session: i32, n: u32, language: &str) -> (String, i64) {
    let mut body = booking_body(session, n);
    body["patient"]["email"] = json!(format!("pasien{n}@example.test"));
    body["language"] = json!(language);
    let (status, b) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 201, "booking {n}");
    let code = b["booking_code"].as_str().unwrap().to_string();
    let id = app.visit_id(&code);
    (code, id)
}

fn show(m: &crate::smtp_server::Received) {
    println!("--- To: {:?}\nSubject: {}\n\n{}\n", m.to, m.subject(), m.text());
}

#[actix_web::test]
async fn a_booking_sends_its_confirmation_by_smtp() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let smtp = SmtpServer::start().await;
    let (code, id) = book_with_email(&app, seed.tomorrow, 1, "id").await;

    // Written with the booking: one job per channel the patient gave.
    let queued = jobs_of(&app, "booking_confirmed", id);
    let channels: Vec<&str> = queued.iter().map(|j| j.channel.as_str()).collect();
    assert_eq!(channels.len(), 2);
    assert!(channels.contains(&"email") && channels.contains(&"webhook"));
    assert!(queued.iter().all(|j| j.status.as_str() == "pending"));

    let pass = smtp_worker(&app, &smtp).run_until_empty().await.unwrap();
    assert_eq!((pass.sent, pass.failed), (2, 0));
    let mail = smtp.messages();
    assert_eq!(mail.len(), 1);
    let m = &mail[0];
    show(m);
    assert_eq!(m.to, vec!["pasien1@example.test".to_string()]);
    assert_eq!(m.from, "sipoli@localhost");
    assert_eq!(
        m.subject(),
        format!("Booking {code} terkonfirmasi: Poli Anak, Rabu, 2 Desember 2026")
    );
    let text = m.text();
    assert!(text.starts_with("Yth. Bapak/Ibu,"), "{text}");
    assert!(text.contains(&format!("Kode booking   : {code}")), "{text}");
    assert!(text.contains("Nomor antrean  : B-001"), "{text}");
    assert!(text.contains("Dokter         : dr. Ruth Kogoya, Sp.A"), "{text}");
    assert!(text.contains("Jam praktik    : 08:00–12:00 WIT"), "{text}");
    assert!(text.contains("sekitar pukul 08:00 WIT"), "{text}");
    assert!(text.contains(&format!("http://sipoli.test/antrean/{code}")), "{text}");
    let html = m.html();
    assert!(html.contains(&format!("href=\"http://sipoli.test/antrean/{code}\"")), "{html}");
    assert!(html.contains("<strong style=\"font-size:20px;\">B-001</strong>"), "{html}");
    assert!(jobs(&app).iter().all(|j| j.status.as_str() == "sent" && j.attempts == 1));
    // Nothing left: another pass sends nothing.
    assert_eq!(smtp_worker(&app, &smtp).run_until_empty().await.unwrap().claimed, 0);
    assert_eq!(smtp.messages().len(), 1);
}

#[actix_web::test]
async fn english_patients_get_english_messages() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let smtp = SmtpServer::start().await;
    let (code, _) = book_with_email(&app, seed.tomorrow, 2, "en").await;
    smtp_worker(&app, &smtp).run_until_empty().await.unwrap();
    let m = &smtp.messages()[0];
    show(m);
    assert_eq!(
        m.subject(),
        format!("Booking {code} confirmed: Poli Anak, Wednesday, 2 December 2026")
    );
    assert!(m.text().contains("Your visit to RSUD Mimika is booked."));
    assert!(m.text().contains("Ticket number  : B-001"));
}

#[actix_web::test]
async fn a_refused_booking_writes_no_job() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let mut body = booking_body(seed.tomorrow, 3);
    body["patient"]["email"] = json!("pasien3@example.test");
    body["patient"]["nik"] = json!("123");
    assert_eq!(app.post("/api/v1/bookings", &body).await.status(), 422);
    assert_eq!(app.count("notification_jobs"), 0);
}

#[actix_web::test]
async fn a_refused_first_attempt_is_retried_and_delivered_once() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let smtp = SmtpServer::start().await;
    smtp.refuse_next(1, "451 4.3.0 Mailbox busy, try again later");
    let (_, id) = book_with_email(&app, seed.tomorrow, 4, "id").await;
    let w = smtp_worker(&app, &smtp);

    let first = w.run_until_empty().await.unwrap();
    assert_eq!((first.sent, first.failed), (1, 1), "the webhook goes, the email is refused");
    assert!(smtp.messages().is_empty());
    let email =
        jobs_of(&app, "booking_confirmed", id).into_iter().find(|j| j.channel == "email").unwrap();
    assert_eq!(email.status.as_str(), "failed");
    assert_eq!(email.attempts, 1);
    assert!(email.last_error.as_deref().unwrap_or("").contains("451"), "{:?}", email.last_error);
    // Backing off: not due yet.
    assert_eq!(w.run_until_empty().await.unwrap().claimed, 0);

    app.clock.advance(Duration::minutes(2));
    let second = w.run_until_empty().await.unwrap();
    assert_eq!((second.sent, second.failed), (1, 0));
    assert_eq!(smtp.messages_to("pasien4@example.test").len(), 1);
    app.clock.advance(Duration::hours(7));
    assert_eq!(w.run_until_empty().await.unwrap().claimed, 0);
    assert_eq!(smtp.messages().len(), 1, "delivered once");
    let email = jobs(&app).into_iter().find(|j| j.id == email.id).unwrap();
    assert_eq!((email.status.as_str(), email.attempts), ("sent", 2));
}

/// Requests a gateway received: signature header and body.
type Seen = Arc<Mutex<Vec<(Option<String>, Vec<u8>)>>>;

/// A gateway on loopback: answers the queued statuses in turn (then 200), keeps requests.
struct Gateway {
    url: String,
    requests: Seen,
}

async fn gateway(statuses: Vec<u16>) -> Gateway {
    let requests: Seen = Arc::default();
    let answers = Arc::new(Mutex::new(statuses));
    let seen = requests.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = actix_web::HttpServer::new(move || {
        let (seen, answers) = (seen.clone(), answers.clone());
        actix_web::App::new().route(
            "/sms",
            web::post().to(move |req: HttpRequest, body: web::Bytes| {
                let (seen, answers) = (seen.clone(), answers.clone());
                async move {
                    let signature = req
                        .headers()
                        .get("X-Sipoli-Signature")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    seen.lock().unwrap().push((signature, body.to_vec()));
                    let mut answers = answers.lock().unwrap();
                    let status = if answers.is_empty() { 200 } else { answers.remove(0) };
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                        .body("ok")
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    Gateway { url: format!("http://127.0.0.1:{port}/sms"), requests }
}

#[actix_web::test]
async fn the_webhook_gets_signed_json_and_is_retried_after_a_500() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let gw = gateway(vec![500]).await;
    let res = app.post("/api/v1/bookings", &booking_body(seed.tomorrow, 5)).await;
    let code = res.json::<Value>().await.unwrap()["booking_code"].as_str().unwrap().to_string();
    let url = gw.url.clone();
    let w = worker(&app, |s| {
        s.jobs.webhook_url = Some(url);
        s.jobs.webhook_secret = Some(sipoli::config::Secret::new("gateway-secret"));
    });

    let first = w.run_until_empty().await.unwrap();
    assert_eq!((first.sent, first.failed), (0, 1));
    let job = jobs(&app).pop().unwrap();
    assert_eq!(job.status.as_str(), "failed");
    assert!(job.last_error.as_deref().unwrap().contains("500"), "{:?}", job.last_error);
    app.clock.advance(Duration::minutes(2));
    let second = w.run_until_empty().await.unwrap();
    assert_eq!((second.sent, second.failed), (1, 0));

    let requests = gw.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 2, "one refused, one accepted");
    for (signature, body) in &requests {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"gateway-secret").unwrap();
        mac.update(body);
        let expected = hex::encode(mac.finalize().into_bytes());
        assert_eq!(signature.as_deref(), Some(expected.as_str()), "signature verifies");
    }
    let body: Value = serde_json::from_slice(&requests[1].1).unwrap();
    println!("webhook body: {body}");
    assert_eq!(body["to"], "081234567890");
    assert_eq!(body["kind"], "booking_confirmed");
    assert_eq!(body["booking_code"], code.as_str());
    let message = body["message"].as_str().unwrap();
    assert!(message.starts_with(&format!("RSUD Mimika: booking {code} diterima.")), "{message}");
    assert!(message.contains("antrean B-001"), "{message}");
    assert!(message.contains(&format!("http://sipoli.test/antrean/{code}")), "{message}");
    assert!(message.chars().count() <= 320, "{message}");
    assert_eq!(jobs(&app).pop().unwrap().status.as_str(), "sent");
}

/// `n` email jobs made directly in the outbox, to distinct recipients.
fn enqueue_jobs(app: &TestApp, n: usize) {
    let now = app.clock_now();
    let facts = Facts {
        booking_code: "7KQ2M9XA".into(),
        ticket: "B-007".into(),
        clinic: "Poli Anak".into(),
        clinic_en: "Paediatrics".into(),
        doctor: "dr. Ruth Kogoya, Sp.A".into(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
        starts_at: chrono::NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        ends_at: chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
        room: "Ruang 2".into(),
        estimated_at: now,
        language: "id".into(),
        position: None,
        note: None,
        walk_in: false,
        for_whom: None,
        notice: None,
        offer_token: None,
    };
    let payload = serde_json::to_value(&facts).unwrap();
    let new: Vec<NewJob> = (0..n)
        .map(|i| NewJob {
            kind: "reminder".into(),
            visit_id: None,
            channel: "email".into(),
            recipient: format!("p{i}@example.test"),
            payload: payload.clone(),
            dedupe_key: format!("test:{i}"),
            run_at: now,
            created_at: now,
            updated_at: now,
        })
        .collect();
    assert_eq!(queue::enqueue(&mut app.conn(), &new).unwrap(), n);
    // The same keys again: nothing added.
    assert_eq!(queue::enqueue(&mut app.conn(), &new).unwrap(), 0);
}

trait ClockNow {
    fn clock_now(&self) -> chrono::DateTime<chrono::Utc>;
}

impl ClockNow for TestApp {
    fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        self.state.now()
    }
}

#[actix_web::test]
async fn two_workers_deliver_each_job_once() {
    let app = TestApp::spawn().await;
    let smtp = SmtpServer::start().await;
    enqueue_jobs(&app, 90);
    let (a, b) = (smtp_worker(&app, &smtp), smtp_worker(&app, &smtp));
    let (pa, pb) = futures_util::join!(a.run_until_empty(), b.run_until_empty());
    let (pa, pb) = (pa.unwrap(), pb.unwrap());
    println!("worker a sent {}, worker b sent {}", pa.sent, pb.sent);
    assert_eq!(pa.sent + pb.sent, 90);
    let mut recipients: Vec<String> = smtp.messages().into_iter().flat_map(|m| m.to).collect();
    assert_eq!(recipients.len(), 90);
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 90, "no recipient got two messages");
    assert!(jobs(&app).iter().all(|j| j.status.as_str() == "sent" && j.attempts == 1));
}

#[actix_web::test]
async fn jobs_of_a_worker_killed_mid_batch_are_picked_up_again() {
    let app = TestApp::spawn().await;
    let smtp = SmtpServer::start().await;
    enqueue_jobs(&app, 5);
    let now = app.clock_now();
    // A worker claims a batch and dies before sending (its process was killed).
    let lease = Duration::seconds(app.state.settings.jobs.lease_seconds);
    let taken = queue::claim(&mut app.conn(), "killed-worker", now, lease, 3).unwrap();
    assert_eq!(taken.len(), 3);

    let w = smtp_worker(&app, &smtp);
    assert_eq!(w.run_until_empty().await.unwrap().sent, 2, "the claimed jobs are held");
    assert_eq!(smtp.messages().len(), 2);
    app.clock.advance(lease + Duration::seconds(1));
    assert_eq!(w.run_until_empty().await.unwrap().sent, 3, "picked up after the lease");
    assert_eq!(smtp.messages().len(), 5);
    // The dead worker's late word does not count.
    let late: Vec<(i64, i32)> = taken.iter().map(|j| (j.id, j.attempts)).collect();
    assert_eq!(queue::mark_sent(&mut app.conn(), "killed-worker", &late, now).unwrap(), 0);
    for j in jobs(&app) {
        assert_eq!(j.status.as_str(), "sent");
        let expected = if taken.iter().any(|t| t.id == j.id) { 2 } else { 1 };
        assert_eq!(j.attempts, expected);
    }
}

#[actix_web::test]
async fn turn_approaching_goes_out_when_the_third_patient_ahead_is_called_and_only_once() {
    // Seven patients book before the session, check in at 08:05 and wait.
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 6, 30)).await;
    let seed = seed(&app);
    let smtp = SmtpServer::start().await;
    let mut patients = Vec::new();
    for n in 1..=7 {
        patients.push(book_with_email(&app, seed.today, n, "id").await);
    }
    app.clock.set(wit(2026, 12, 1, 8, 5));
    for (code, _) in &patients {
        let res = app.post(&format!("/api/v1/bookings/{code}/check-in"), &json!({})).await;
        assert_eq!(res.status(), 200);
    }
    app.login_as("perawat", Role::Clinic, &["ANA"]).await;
    let w = smtp_worker(&app, &smtp);
    w.run_until_empty().await.unwrap();
    let last = patients[6].1;
    let call = format!("/api/v1/staff/sessions/{}/call-next", seed.today);

    // 1st and 2nd called: 5, then 4 patients ahead of the last one — nothing for them.
    for _ in 0..2 {
        assert_eq!(app.post(&call, &json!({})).await.status(), 200);
        w.run_until_empty().await.unwrap();
        assert!(jobs_of(&app, "turn_approaching", last).is_empty());
    }
    // 3rd called: 3 ahead.
    assert_eq!(app.post(&call, &json!({})).await.status(), 200);
    w.run_until_empty().await.unwrap();
    let sent = jobs_of(&app, "turn_approaching", last);
    assert_eq!(sent.len(), 2, "email and webhook");
    assert!(sent.iter().all(|j| j.status.as_str() == "sent" && j.payload["position"] == 3));
    // The called patient is skipped and comes back, placed after the next two waiting:
    // ahead of the last one again (4 ahead), then calls bring it back to 3, 2 … — nothing
    // more is sent to them.
    let third = patients[2].1;
    for action in ["skip", "return"] {
        let res = app.post(&format!("/api/v1/staff/visits/{third}/{action}"), &json!({})).await;
        assert_eq!(res.status(), 200, "{action}");
    }
    let (_, status) = app.get_json(&format!("/api/v1/bookings/{}", patients[6].0)).await;
    assert_eq!(status["position"], 4);
    for _ in 0..3 {
        assert_eq!(app.post(&call, &json!({})).await.status(), 200);
        w.run_until_empty().await.unwrap();
    }
    assert_eq!(jobs_of(&app, "turn_approaching", last).len(), 2);
    let to_last: Vec<_> = smtp
        .messages_to("pasien7@example.test")
        .into_iter()
        .filter(|m| m.subject().starts_with("Giliran Anda sebentar lagi"))
        .collect();
    assert_eq!(to_last.len(), 1);
    show(&to_last[0]);
    let text = to_last[0].text();
    assert!(text.contains("Nomor antrean  : B-007"), "{text}");
    assert!(text.contains("Pasien di depan: 3 orang"), "{text}");
    // Everyone else gets it once too; the first patient was called straight away.
    assert!(jobs_of(&app, "turn_approaching", patients[0].1).is_empty());
    for (n, (_, id)) in patients.iter().enumerate().skip(1) {
        assert_eq!(jobs_of(&app, "turn_approaching", *id).len(), 2, "patient {}", n + 1);
    }
    let called = smtp
        .messages_to("pasien1@example.test")
        .into_iter()
        .find(|m| m.subject().starts_with("Giliran Anda!"))
        .expect("the first patient is told to go in");
    show(&called);
    assert_eq!(called.subject(), "Giliran Anda! B-001, silakan ke Ruang 2");
    assert!(called.text().contains("silakan masuk ke Ruang 2"));
}

#[actix_web::test]
async fn doctor_leave_notifies_every_booked_patient_of_the_session() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    let smtp = SmtpServer::start().await;
    let mut codes = Vec::new();
    for n in 1..=3 {
        codes.push(
            book_with_email(&app, seed.tomorrow, n, if n == 3 { "en" } else { "id" }).await.0,
        );
    }
    // A patient who cancelled earlier is not written to again.
    let (gone, gone_id) = book_with_email(&app, seed.tomorrow, 9, "id").await;
    let res = app
        .post(&format!("/api/v1/bookings/{gone}/cancel"), &json!({"birth_date": "1990-05-17"}))
        .await;
    assert_eq!(res.status(), 200);
    let w = smtp_worker(&app, &smtp);
    w.run_until_empty().await.unwrap();

    app.login_as("admin", Role::Admin, &[]).await;
    let res = app
        .post(
            "/api/v1/staff/exceptions",
            &json!({"kind": "leave", "doctor": "D003", "date": "2026-12-02",
                    "reason": "dokter mengikuti pelatihan"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    w.run_until_empty().await.unwrap();

    for (i, code) in codes.iter().enumerate() {
        let to = format!("pasien{}@example.test", i + 1);
        let cancelled: Vec<_> = smtp
            .messages_to(&to)
            .into_iter()
            .filter(|m| m.text().contains(code.as_str()) && m.subject().contains("dr. Ruth Kogoya"))
            .collect();
        assert_eq!(cancelled.len(), 1, "{to}");
        let text = cancelled[0].text();
        if i == 2 {
            show(&cancelled[0]);
            assert!(
                cancelled[0].subject().starts_with("We are sorry"),
                "{}",
                cancelled[0].subject()
            );
            assert!(text.contains("book another day or another doctor here: http://sipoli.test/"));
        } else {
            assert_eq!(
                cancelled[0].subject(),
                "Mohon maaf: jadwal praktik dr. Ruth Kogoya, Sp.A pada Rabu, 2 Desember 2026 dibatalkan"
            );
            assert!(text.contains("dibatalkan (dokter mengikuti pelatihan)"), "{text}");
            assert!(
                text.contains("daftar kembali untuk hari atau dokter lain di: http://sipoli.test/")
            );
            if i == 0 {
                show(&cancelled[0]);
            }
        }
    }
    assert!(jobs_of(&app, "session_cancelled", gone_id).is_empty());
}

#[actix_web::test]
async fn reminders_go_out_the_day_before_from_four_in_the_afternoon() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let smtp = SmtpServer::start().await;
    let (_, id) = book_with_email(&app, seed.tomorrow, 1, "id").await;
    let w = smtp_worker(&app, &smtp);
    app.clock.set(wit(2026, 12, 1, 15, 59));
    assert_eq!(w.scan_reminders().await.unwrap(), 0);
    app.clock.set(wit(2026, 12, 1, 16, 0));
    assert_eq!(w.scan_reminders().await.unwrap(), 2, "email and webhook");
    assert_eq!(w.scan_reminders().await.unwrap(), 0, "once");
    w.run_until_empty().await.unwrap();
    let reminder = smtp
        .messages_to("pasien1@example.test")
        .into_iter()
        .find(|m| m.subject().starts_with("Pengingat"))
        .unwrap();
    show(&reminder);
    assert_eq!(reminder.subject(), "Pengingat: besok Anda ke Poli Anak, nomor antrean B-001");
    assert_eq!(jobs_of(&app, "reminder", id).len(), 2);
}

#[actix_web::test]
async fn without_a_relay_messages_are_written_to_the_outbox_directory() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let (code, _) = book_with_email(&app, seed.tomorrow, 1, "id").await;
    let dir = scratch_dir();
    let outbox = dir.clone();
    let w = worker(&app, move |s| s.jobs.outbox_dir = outbox);
    assert_eq!(w.run_until_empty().await.unwrap().sent, 2);
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    let eml = files.iter().find(|p| p.extension().is_some_and(|e| e == "eml")).expect(".eml");
    let content = std::fs::read_to_string(eml).unwrap();
    assert!(content.contains(&format!("Subject: Booking {code} terkonfirmasi")), "{content}");
    let json_file =
        files.iter().find(|p| p.extension().is_some_and(|e| e == "json")).expect(".json");
    let body: Value = serde_json::from_slice(&std::fs::read(json_file).unwrap()).unwrap();
    assert_eq!(body["booking_code"], code.as_str());
    let _ = std::fs::remove_dir_all(&dir);
}

#[actix_web::test]
async fn staff_see_the_jobs_and_retry_dead_ones() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    let smtp = SmtpServer::start().await;
    smtp.refuse_next(1, "550 5.1.1 No such mailbox");
    let (_, id) = book_with_email(&app, seed.tomorrow, 1, "id").await;
    let w = smtp_worker(&app, &smtp);
    w.run_until_empty().await.unwrap();
    let dead =
        jobs_of(&app, "booking_confirmed", id).into_iter().find(|j| j.channel == "email").unwrap();
    assert_eq!((dead.status.as_str(), dead.attempts), ("dead", 1), "5xx is final");

    app.login_as("loket", Role::Registration, &[]).await;
    assert_eq!(app.get("/api/v1/staff/notifications").await.status(), 403);
    app.login_as("mata", Role::Clinic, &[]).await;
    let (_, list) = app.get_json("/api/v1/staff/notifications").await;
    assert_eq!(list["jobs"].as_array().unwrap().len(), 0, "not their clinic");
    let retry = format!("/api/v1/staff/notifications/{}/retry", dead.id);
    assert_eq!(app.post(&retry, &json!({})).await.status(), 404);

    app.login_as("admin", Role::Admin, &[]).await;
    let (_, list) = app.get_json("/api/v1/staff/notifications?status=dead").await;
    let rows = list["jobs"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], dead.id);
    assert_eq!(rows[0]["attempts"], 1);
    assert_eq!(rows[0]["ticket"], "B-001");
    assert!(rows[0]["last_error"].as_str().unwrap().contains("550"));
    let bad = app.get("/api/v1/staff/notifications?status=lost").await;
    assert_eq!(bad.status(), 400);

    let res = app.post(&retry, &json!({})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "pending");
    assert_eq!(app.post(&retry, &json!({})).await.status(), 409, "not dead any more");
    assert_eq!(w.run_until_empty().await.unwrap().sent, 1);
    assert_eq!(smtp.messages_to("pasien1@example.test").len(), 1);
    let (_, all) = app.get_json("/api/v1/staff/notifications").await;
    assert!(all["jobs"].as_array().unwrap().iter().all(|j| j["status"] == "sent"));
}

#[actix_web::test]
async fn a_running_worker_is_woken_by_listen() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let smtp = SmtpServer::start().await;
    // Polling only every ten minutes: a message within the wait below came through LISTEN.
    let url = smtp.url();
    let w = worker(&app, |s| {
        s.jobs.smtp_url = Some(sipoli::config::Secret::new(url));
        s.jobs.poll_seconds = 600;
    });
    let running = actix_web::rt::spawn(w.run_forever(Some(app.db.url.clone())));
    actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
    book_with_email(&app, seed.tomorrow, 1, "id").await;
    let mut waited = 0;
    while smtp.messages().is_empty() && waited < 300 {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    assert_eq!(smtp.messages_to("pasien1@example.test").len(), 1);
    // Stop it inside the runtime (its SMTP pool closes its connections on drop).
    running.abort();
    actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
}

#[actix_web::test]
async fn a_kiosk_ticket_with_a_phone_number_gets_a_text_without_one_nothing() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    let gw = gateway(vec![]).await;
    let ticket = json!({"session_id": seed.today, "payer": "non_jkn"});
    assert_eq!(app.post("/api/v1/kiosk/tickets", &ticket).await.status(), 201);
    assert_eq!(app.count("notification_jobs"), 0, "no phone, no message");
    let with_phone = json!({"session_id": seed.today, "payer": "non_jkn", "phone": "081298765432"});
    assert_eq!(app.post("/api/v1/kiosk/tickets", &with_phone).await.status(), 201);
    let url = gw.url.clone();
    let w = worker(&app, |s| s.jobs.webhook_url = Some(url));
    assert_eq!(w.run_until_empty().await.unwrap().sent, 1);
    let requests = gw.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].0, None, "no secret set, no signature");
    let body: Value = serde_json::from_slice(&requests[0].1).unwrap();
    println!("webhook body: {body}");
    assert_eq!(body["to"], "081298765432");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("RSUD Mimika: nomor antrean Anda B-002 di Poli Anak, perkiraan pukul"),
        "{message}"
    );
    assert!(message.contains("Kami kabari saat giliran Anda dekat."), "{message}");
}
