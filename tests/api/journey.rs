//! The demo as a newcomer walks through it, all parts together in real headless Chromium:
//! a patient books on a phone and keeps the status page open; on the visit day the booking
//! is checked in at the kiosk; a nurse calls from the console; the status page and the TV
//! board change by themselves; the outbox holds the right messages; and no public surface
//! ever shows the patient's name, NIK or phone. Screenshots: target/screenshots/journey-*.png.
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::{Value, json};
use sipoli::app::AppState;
use sipoli::db::schema::notification_jobs;
use sipoli::jobs::Worker;
use sipoli::jobs::queue::Job;

use crate::browser::Browser;
use crate::helpers::*;
use crate::live::{Sse, listening};
use crate::smtp_server::SmtpServer;

const NAME: &str = "Maria Yikwa";
const PHONE: &str = "081298765432";
const EMAIL: &str = "maria.yikwa@example.test";

fn nik_of_maria() -> String {
    nik(77)
}

async fn click(b: &Browser, css: &str) {
    b.wait_css(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn type_into(b: &Browser, css: &str, text: &str) {
    b.wait_css(css).await.send_keys(text).await.unwrap_or_else(|e| panic!("type {css}: {e}"));
}

async fn js(b: &Browser, script: &str) -> Value {
    b.client.execute(script, vec![]).await.unwrap()
}

/// Wait (up to `secs` s) until the page's text contains `needle`.
async fn wait_text_for(b: &Browser, needle: &str, secs: u64) -> String {
    for _ in 0..secs * 10 {
        let text = b.body_text().await;
        if text.contains(needle) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("page never showed {needle:?}: {}", b.body_text().await);
}

async fn wait_text(b: &Browser, needle: &str) -> String {
    wait_text_for(b, needle, 10).await
}

/// Wait (up to `secs` s) until the script returns `true`.
async fn wait_js(b: &Browser, script: &str, secs: u64) -> bool {
    for _ in 0..secs * 10 {
        if js(b, script).await == true {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// The page's visible text and its HTML, for the privacy checks.
async fn everything_on(b: &Browser) -> String {
    let html = js(b, "return document.documentElement.outerHTML;").await;
    format!("{}\n{}", b.body_text().await, html.as_str().unwrap_or_default())
}

/// Nothing sticks out sideways on a phone.
async fn fits_the_width(b: &Browser, page: &str) {
    let wide = js(b, "return document.documentElement.scrollWidth;").await;
    let width = js(b, "return window.innerWidth;").await;
    assert!(wide.as_u64().unwrap() <= width.as_u64().unwrap(), "{page}: {wide} px wide in {width}");
}

/// Nothing that identifies the patient.
fn assert_private(surface: &str, text: &str) {
    let nik = nik_of_maria();
    for secret in [NAME, "Yikwa", nik.as_str(), PHONE, &PHONE[1..], EMAIL] {
        assert!(!text.contains(secret), "{surface} shows {secret:?}: {text}");
    }
    assert!(!text.contains("Pasien Uji"), "{surface} shows another patient's name");
}

/// The Poli Anak session of a day, as the demo catalogue made it.
fn ana_session(app: &TestApp, date: NaiveDate) -> i32 {
    use sipoli::db::schema::{clinic_sessions, clinics};
    clinic_sessions::table
        .inner_join(clinics::table)
        .filter(clinics::code.eq("ANA"))
        .filter(clinic_sessions::service_date.eq(date))
        .select(clinic_sessions::id)
        .first(&mut app.conn())
        .expect("a Poli Anak session")
}

fn jobs_of(app: &TestApp, kind: &str, visit: i64) -> Vec<Job> {
    notification_jobs::table
        .filter(notification_jobs::kind.eq(kind))
        .filter(notification_jobs::visit_id.eq(visit))
        .select(Job::as_select())
        .load(&mut app.conn())
        .unwrap()
}

/// The notification worker as `sipoli worker` runs it, over a real SMTP server on loopback
/// and an outbox directory of the test's own (for the SMS/WhatsApp webhook messages).
fn worker(app: &TestApp, smtp: &SmtpServer) -> (Worker, std::path::PathBuf) {
    let mut settings = (*app.state.settings).clone();
    let dir = std::env::temp_dir()
        .join(format!("sipoli-journey-{}", &sipoli::auth::random_token()[..12]));
    std::fs::create_dir_all(&dir).unwrap();
    settings.jobs.outbox_dir = dir.clone();
    settings.jobs.smtp_url = Some(sipoli::config::Secret::new(smtp.url()));
    let pool = crate::helpers::test_pool(&app.db.url);
    let w = Worker::new(AppState::new(pool, settings, Arc::new(app.clock.clone()))).unwrap();
    (w, dir)
}

/// The demo on the evening before the visit day: its catalogue and its staff accounts.
async fn demo_app() -> TestApp {
    // Monday 30 November 2026, 19:00 WIT.
    let app = TestApp::spawn_at(wit(2026, 11, 30, 19, 0)).await;
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    sipoli::demo::seed_catalogue(&mut app.conn(), today).unwrap();
    sipoli::demo::seed_staff(&mut app.conn()).unwrap();
    listening(&app).await;
    app
}

/// Read a public stream until `calls` call events arrived; returns every byte it carried.
async fn stream_until_calls(mut sse: Sse, calls: usize) -> String {
    let mut seen = 0;
    while seen < calls {
        let (_, e) = sse.next().await;
        if e["kind"] == "call" {
            seen += 1;
        }
    }
    sse.raw
}

#[actix_web::test]
async fn a_booked_patient_is_checked_in_called_and_told_live() {
    let app = demo_app().await;
    let visit_day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let session = ana_session(&app, visit_day);
    let smtp = SmtpServer::start().await;
    let (w, outbox) = worker(&app, &smtp);
    // Three other patients booked earlier (B-001 … B-003).
    let mut others = Vec::new();
    for n in 1..=3 {
        let (status, body) = app.post_json("/api/v1/bookings", &booking_body(session, n)).await;
        assert_eq!(status, 201, "booking {n}");
        others.push(body["booking_code"].as_str().unwrap().to_string());
    }

    // 1. Maria books on her phone from the home page.
    let phone = Browser::start(360, 740).await;
    phone.client.goto(&app.url("/")).await.unwrap();
    phone.wait_css("#poli-ANA").await;
    phone.screenshot("journey-01-home").await;
    click(&phone, "a.btn.wide[href='/daftar']").await;
    click(&phone, "a[href='/daftar?poli=ANA']").await;
    click(&phone, "a[href='/daftar?poli=ANA&tanggal=2026-12-01']").await;
    click(&phone, &format!("a[href='/daftar?sesi={session}']")).await;
    phone.wait_css("input[name=consent]").await;
    click(&phone, "input[name=payer][value=non_jkn]").await;
    type_into(&phone, "#nik", &nik_of_maria()).await;
    type_into(&phone, "#name", NAME).await;
    js(&phone, "document.getElementById('birth_date').value = '1990-05-17'; return 1;").await;
    type_into(&phone, "#phone", PHONE).await;
    type_into(&phone, "#email", EMAIL).await;
    click(&phone, "input[name=consent]").await;
    fits_the_width(&phone, "booking form").await;
    phone.screenshot("journey-02-form").await;
    click(&phone, "button[type=submit].btn.wide").await;
    phone.wait_css("img[src$='/qr.svg']").await;
    let text = phone.body_text().await;
    assert!(text.contains("Pendaftaran berhasil") && text.contains("B-004"), "{text}");
    fits_the_width(&phone, "confirmation").await;
    phone.screenshot("journey-03-confirmation").await;
    let code = phone.wait_css(".code").await.text().await.unwrap();
    assert_eq!(code.len(), 8, "{code}");
    let visit = app.visit_id(&code);

    // She opens the status page and leaves it open.
    click(&phone, &format!("a.btn.wide[href='/antrean/{code}']")).await;
    phone.wait_css(&format!("[data-live-code='{code}']")).await;
    let text = wait_text(&phone, "Status antrean").await;
    assert!(text.contains("B-004") && text.contains("Terdaftar"), "{text}");
    assert_private("status page (booked)", &everything_on(&phone).await);
    js(&phone, "window.__journeyMarker = 'still the same page'; return 1;").await;
    phone.screenshot("journey-04-status-booked").await;

    // The confirmation is in the outbox at once, and goes out.
    assert_eq!(jobs_of(&app, "booking_confirmed", visit).len(), 2, "email and message");
    w.run_until_empty().await.unwrap();
    let mails = smtp.messages_to(EMAIL);
    assert_eq!(mails.len(), 1, "one confirmation email");
    assert!(mails[0].text().contains("B-004"), "{}", mails[0].text());

    // 2. The visit day. The others check in at the counter; Maria at the kiosk, by keypad.
    app.clock.set(wit(2026, 12, 1, 7, 40));
    for other in &others {
        let res = app.post(&format!("/api/v1/bookings/{other}/check-in"), &json!({})).await;
        assert_eq!(res.status(), 200, "{other}");
    }
    let kiosk = Browser::start(1920, 1080).await;
    kiosk.client.goto(&app.kiosk_link("/kiosk")).await.unwrap();
    js(&kiosk, "window.print = function () {}; return 1;").await;
    // The kiosk shows the hospital's time (the server's), as the board does.
    wait_text(&kiosk, "07:40 WIT").await;
    click(&kiosk, "#check-in").await;
    kiosk.wait_css("#code-entry").await;
    for ch in code.chars() {
        click(&kiosk, &format!(".key[data-key=\"{ch}\"]")).await;
    }
    kiosk.screenshot("journey-05-kiosk-keypad").await;
    click(&kiosk, "#code-submit").await;
    let text = wait_text(&kiosk, "Check-in berhasil").await;
    assert!(text.contains("B-004"), "{text}");
    assert_private("kiosk check-in", &everything_on(&kiosk).await);
    kiosk.screenshot("journey-06-kiosk-checked-in").await;

    // The open status page follows by itself: waiting, three ahead.
    wait_text(&phone, "Menunggu").await;
    assert_eq!(js(&phone, "return window.__journeyMarker;").await, "still the same page");
    phone.screenshot("journey-07-status-waiting").await;

    // The TV board in the waiting room, and the public streams, from now on.
    let board = Browser::start(1920, 1080).await;
    board.client.goto(&app.url("/display?clinics=ANA")).await.unwrap();
    board.wait_css(".clinic[data-clinic=\"ANA\"]").await;
    // Three next tickets show; B-004 is the fourth waiting.
    wait_text(&board, "4 menunggu").await;
    let streams = vec![
        Sse::open(&app, &format!("/api/v1/bookings/{code}/events"), None).await,
        Sse::open(&app, &format!("/api/v1/sessions/{session}/events"), None).await,
        Sse::open(&app, "/api/v1/displays/events?clinics=ANA", None).await,
    ];
    for _ in 0..100 {
        // Three streams here, the board and the status page.
        if app.state.live.clients() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    board.screenshot("journey-08-board-before").await;

    // 3. The nurse of Poli Anak logs in through the form and runs the queue.
    app.clock.set(wit(2026, 12, 1, 8, 0));
    let nurse = Browser::start(1280, 800).await;
    nurse.client.goto(&app.url("/staff")).await.unwrap();
    type_into(&nurse, "#username", "anak").await;
    type_into(&nurse, "#password", "demo").await;
    click(&nurse, "button[type=submit].btn.wide").await;
    click(&nurse, &format!("a[href='/staff/sesi/{session}']")).await;
    nurse.wait_css("#call-next").await;
    nurse.screenshot("journey-09-console").await;
    for (i, ticket) in ["B-001", "B-002", "B-003"].into_iter().enumerate() {
        click(&nurse, "#call-next").await;
        wait_text(&nurse, &format!("{ticket} dipanggil.")).await;
        w.run_until_empty().await.unwrap();
        if i == 0 {
            // Two ahead of Maria now: her turn approaches.
            let text = wait_text(&phone, "B-001").await;
            assert!(!text.contains("Giliran Anda!"), "{text}");
            assert_eq!(jobs_of(&app, "turn_approaching", visit).len(), 2, "email and message");
        }
        click(&nurse, "button[data-key=m]").await;
        nurse.wait_css("button[data-key=s]").await;
        click(&nurse, "button[data-key=s]").await;
        wait_text(&nurse, &format!("{ticket} selesai dilayani.")).await;
        app.clock.advance(chrono::Duration::minutes(8));
    }
    click(&nurse, "#call-next").await;
    wait_text(&nurse, "B-004 dipanggil.").await;
    nurse.screenshot("journey-10-console-called").await;

    // The status page says so by itself, without a reload.
    phone.wait_css("[data-live=called]:not([hidden])").await;
    let text = wait_text(&phone, "Giliran Anda!").await;
    assert!(text.contains("Ruang 2"), "{text}");
    assert_eq!(
        js(&phone, "return window.__journeyMarker;").await,
        "still the same page",
        "the page changed in place"
    );
    assert_eq!(js(&phone, "return window.SIPOLI_LIVE === true;").await, true);
    assert_private("status page (called)", &everything_on(&phone).await);
    fits_the_width(&phone, "status page").await;
    phone.screenshot("journey-11-status-called").await;

    // The board shows B-004 now and announces it (after the calls before it).
    assert!(
        wait_js(
            &board,
            "var t = document.querySelector('.now .ticket'); return !!t && t.textContent === 'B-004';",
            10
        )
        .await,
        "the board shows B-004 as called: {}",
        board.body_text().await
    );
    let announced = wait_js(
        &board,
        "var a = document.querySelector('#announce.on'); \
         return !!a && (a.getAttribute('data-said') || '').indexOf('B nol nol empat') >= 0;",
        40,
    )
    .await;
    board.screenshot("journey-12-board-called").await;
    assert!(announced, "the board announces B-004: {}", board.body_text().await);
    assert_private("board", &everything_on(&board).await);

    // The outbox: Maria's confirmation, "turn approaching" and "called", each by email and
    // by message, and every email reached the SMTP server.
    w.run_until_empty().await.unwrap();
    for kind in ["booking_confirmed", "turn_approaching", "called"] {
        let jobs = jobs_of(&app, kind, visit);
        assert_eq!(jobs.len(), 2, "{kind}: {jobs:?}");
        assert!(jobs.iter().all(|j| j.status.as_str() == "sent"), "{kind}: {jobs:?}");
        assert!(jobs.iter().all(|j| j.payload["ticket"] == "B-004"), "{kind}: {jobs:?}");
    }
    let subjects: Vec<String> = smtp.messages_to(EMAIL).iter().map(|m| m.subject()).collect();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert!(subjects[1].starts_with("Giliran Anda sebentar lagi"), "{subjects:?}");
    assert_eq!(subjects[2], "Giliran Anda! B-004, silakan ke Ruang 2");
    // The SMS/WhatsApp messages (no gateway set) are files in the outbox directory.
    let mut for_maria: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|f| {
            serde_json::from_slice::<Value>(&std::fs::read(f.unwrap().path()).unwrap()).unwrap()
        })
        .filter(|m| m["booking_code"] == code.as_str())
        .map(|m| {
            assert_eq!(m["to"], PHONE, "{m}");
            assert!(m["message"].as_str().unwrap().contains("B-004"), "{m}");
            m["kind"].as_str().unwrap().to_string()
        })
        .collect();
    for_maria.sort();
    assert_eq!(for_maria, ["booking_confirmed", "called", "turn_approaching"]);
    // The others got no "called" message meant for Maria, and she none of theirs.
    assert_eq!(
        smtp.messages().iter().filter(|m| m.subject().starts_with("Giliran Anda!")).count(),
        1
    );

    // 4. The public streams carried the calls and nothing about anyone.
    for sse in streams {
        let raw = stream_until_calls(sse, 4).await;
        assert!(raw.contains("B-004"), "{raw}");
        assert_private("public stream", &raw);
    }
    for path in [
        format!("/api/v1/bookings/{code}"),
        "/api/v1/displays/state?clinics=ANA".to_string(),
        format!("/antrean/{code}"),
        "/display?clinics=ANA".to_string(),
        "/kiosk".to_string(),
        "/api/v1/kiosk/sessions".to_string(),
        format!("/api/v1/sessions/{session}/queue"),
    ] {
        let body = app.get(&path).await.text().await.unwrap();
        assert_private(&path, &body);
    }
    for b in [phone, kiosk, board, nurse] {
        b.close().await;
    }
}

#[actix_web::test]
async fn a_walk_in_ticket_has_a_working_qr_and_shows_on_the_board() {
    let app = demo_app().await;
    app.clock.set(wit(2026, 12, 1, 7, 45));
    let session = ana_session(&app, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
    let board = Browser::start(1920, 1080).await;
    board.client.goto(&app.url("/display?clinics=ANA")).await.unwrap();
    board.wait_css(".clinic[data-clinic=\"ANA\"]").await;

    let kiosk = Browser::start(1920, 1080).await;
    kiosk.client.goto(&app.kiosk_link("/kiosk")).await.unwrap();
    js(&kiosk, "window.print = function () {}; return 1;").await;
    kiosk.wait_css("#walk-in").await;
    wait_text(&kiosk, "07:45 WIT").await;
    kiosk.screenshot("journey-20-kiosk-start").await;
    click(&kiosk, "#walk-in").await;
    click(&kiosk, "[data-clinic=\"ANA\"]").await;
    click(&kiosk, &format!("[data-session=\"{session}\"]")).await;
    click(&kiosk, "#payer-umum").await;
    click(&kiosk, "#phone-skip").await;
    kiosk.wait_css(".ticket [data-ticket]").await;
    wait_text(&kiosk, "B-001").await;
    let code = kiosk.wait_css(".ticket .t-code").await.text().await.unwrap();
    assert_eq!(code.len(), 8, "{code}");

    // The QR image on the ticket loads, from the status page's QR endpoint.
    let qr = kiosk.wait_css(".ticket img.qr").await;
    let src = qr.attr("src").await.unwrap().unwrap_or_default();
    assert!(src.ends_with(&format!("/antrean/{code}/qr.svg")), "{src}");
    assert!(
        wait_js(&kiosk, "var i = document.querySelector('.ticket img.qr'); return i.complete && i.naturalWidth > 0;", 10)
            .await,
        "the QR image loads"
    );
    let res = app.get(&format!("/antrean/{code}/qr.svg")).await;
    assert_eq!(res.status(), 200);
    let kind = res.headers()["content-type"].to_str().unwrap().to_string();
    assert!(kind.starts_with("image/svg+xml"), "{kind}");
    // It encodes the status page's address: the same QR code made here from that address
    // gives the same picture.
    let status_url = format!("{}/antrean/{code}", app.state.settings.base_url);
    let expected = qrcode::QrCode::new(status_url.as_bytes())
        .unwrap()
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(180, 180)
        .quiet_zone(true)
        .build();
    assert_eq!(res.text().await.unwrap(), expected, "the QR code of {status_url}");
    kiosk.screenshot("journey-21-kiosk-ticket").await;

    // The ticket is on the board as next waiting.
    assert!(
        wait_js(
            &board,
            "var n = document.querySelector('.next'); return !!n && n.textContent.indexOf('B-001') >= 0;",
            10
        )
        .await,
        "the board lists B-001 as next: {}",
        board.body_text().await
    );
    board.screenshot("journey-22-board-next").await;

    // The status page the QR leads to works for the walk-in too.
    let phone = Browser::start(360, 740).await;
    phone.client.goto(&app.url(&format!("/antrean/{code}"))).await.unwrap();
    let text = wait_text(&phone, "Menunggu").await;
    assert!(text.contains("B-001"), "{text}");
    phone.screenshot("journey-23-walk-in-status").await;
    for b in [kiosk, board, phone] {
        b.close().await;
    }
}

async fn jkn_token(app: &TestApp) -> String {
    let res = app
        .client
        .get(app.url("/jkn/auth"))
        .header("x-username", "mobilejkn")
        .header("x-password", "sandi-jkn-uji")
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    body["response"]["token"].as_str().unwrap().to_string()
}

async fn jkn_call(app: &TestApp, token: &str, service: &str, body: Value) -> Value {
    let res = app
        .client
        .post(app.url(&format!("/jkn/{service}")))
        .header("x-token", token)
        .header("x-username", "mobilejkn")
        .json(&body)
        .send()
        .await
        .unwrap();
    res.json().await.unwrap()
}

#[actix_web::test]
async fn a_mobile_jkn_booking_checks_in_at_the_kiosk_like_any_other() {
    let app = demo_app().await;
    let card = "0001234567890";
    let nik = nik_of_maria();
    // Mobile JKN: token, new patient, booking for tomorrow at Poli Anak.
    let token = jkn_token(&app).await;
    let body = jkn_call(
        &app,
        &token,
        "pasienbaru",
        json!({
            "nomorkartu": card, "nik": nik, "nomorkk": "9109010101900001",
            "nama": NAME, "jeniskelamin": "P", "tanggallahir": "1990-05-17",
            "nohp": PHONE, "alamat": "Jl. Cenderawasih 1", "kodeprop": "94",
            "namaprop": "Papua Tengah", "kodedati2": "9412", "namadati2": "Mimika",
            "kodekec": "941201", "namakec": "Mimika Baru", "kodekel": "9412011001",
            "namakel": "Kwamki", "rw": "001", "rt": "002",
        }),
    )
    .await;
    assert_eq!(body["metadata"]["code"], 200, "{body}");
    let body = jkn_call(
        &app,
        &token,
        "ambilantrean",
        json!({
            "nomorkartu": card, "nik": nik, "nohp": PHONE, "kodepoli": "ANA",
            "norm": "", "tanggalperiksa": "2026-12-01", "kodedokter": 310103,
            "jampraktek": "08:00-12:00", "jeniskunjungan": 1,
            "nomorreferensi": "0301R0011225K000077",
        }),
    )
    .await;
    assert_eq!(body["metadata"]["code"], 200, "{body}");
    let code = body["response"]["kodebooking"].as_str().unwrap().to_string();
    let ticket = body["response"]["nomorantrean"].as_str().unwrap().to_string();

    // Her status page, open on her phone.
    let phone = Browser::start(360, 740).await;
    phone.client.goto(&app.url(&format!("/antrean/{code}"))).await.unwrap();
    let text = wait_text(&phone, "Terdaftar").await;
    assert!(text.contains(&ticket) && text.contains("JKN"), "{text}");
    js(&phone, "window.__journeyMarker = 'same'; return 1;").await;

    // The visit day: she types the Mobile JKN booking code at the kiosk.
    app.clock.set(wit(2026, 12, 1, 7, 40));
    let kiosk = Browser::start(1920, 1080).await;
    kiosk.client.goto(&app.kiosk_link("/kiosk")).await.unwrap();
    js(&kiosk, "window.print = function () {}; return 1;").await;
    click(&kiosk, "#check-in").await;
    kiosk.wait_css("#code-entry").await;
    for ch in code.chars() {
        click(&kiosk, &format!(".key[data-key=\"{ch}\"]")).await;
    }
    click(&kiosk, "#code-submit").await;
    let text = wait_text(&kiosk, "Check-in berhasil").await;
    assert!(text.contains(&ticket), "{text}");
    let all = everything_on(&kiosk).await;
    assert_private("kiosk (Mobile JKN)", &all);
    assert!(!all.contains(card), "no BPJS card number on the kiosk");
    kiosk.screenshot("journey-30-kiosk-jkn-checked-in").await;

    // The status page follows, and Mobile JKN sees the same queue.
    wait_text(&phone, "Menunggu").await;
    assert_eq!(js(&phone, "return window.__journeyMarker;").await, "same");
    let all = everything_on(&phone).await;
    assert_private("status page (Mobile JKN)", &all);
    assert!(!all.contains(card), "no BPJS card number on the status page");
    phone.screenshot("journey-31-status-jkn-waiting").await;
    // (A new day, a new token: the evening's has expired.)
    let token = jkn_token(&app).await;
    let body = jkn_call(&app, &token, "sisaantrean", json!({"kodebooking": code})).await;
    assert_eq!(body["metadata"]["code"], 200, "{body}");
    assert_eq!(body["response"]["nomorantrean"], ticket.as_str(), "{body}");
    for b in [phone, kiosk] {
        b.close().await;
    }
}
