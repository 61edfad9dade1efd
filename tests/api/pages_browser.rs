//! The pages in real headless Chromium: a patient books on a phone-sized window; a nurse
//! runs the queue from the console with the keyboard. Screenshots of the main pages go to
//! `target/screenshots/`.
use fantoccini::Locator;
use serde_json::json;
use sipoli::auth::Role;

use crate::browser::Browser;
use crate::helpers::*;
use crate::pages::make_staff;

async fn click(b: &Browser, css: &str) {
    b.wait_css(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn type_into(b: &Browser, css: &str, text: &str) {
    b.wait_css(css).await.send_keys(text).await.unwrap_or_else(|e| panic!("type {css}: {e}"));
}

async fn path_of(b: &Browser) -> String {
    let url = b.client.current_url().await.unwrap();
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

#[actix_web::test]
async fn a_patient_books_on_a_phone() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let b = Browser::start(360, 740).await;
    b.client.goto(&app.url("/")).await.unwrap();
    b.wait_css("#poli-ANA").await;
    b.screenshot("home").await;
    click(&b, "a.btn.wide[href='/daftar']").await;
    click(&b, "a[href='/daftar?poli=ANA']").await;
    click(&b, "a[href='/daftar?poli=ANA&tanggal=2026-12-02']").await;
    click(&b, &format!("a[href='/daftar?sesi={}']", seed.tomorrow)).await;
    b.wait_css("input[name=consent]").await;
    b.screenshot("booking-form").await;
    // First try: a wrong NIK and no consent.
    type_into(&b, "#nik", "12345").await;
    type_into(&b, "#name", "Maria Kogoya").await;
    click(&b, "button[type=submit].btn.wide").await;
    b.wait_css(".alert.bad").await;
    let text = b.body_text().await;
    assert!(text.contains("NIK harus 16 digit angka sesuai KTP/KK."), "{text}");
    assert!(text.contains("Centang persetujuan ini"), "{text}");
    let kept = b.wait_css("#name").await.prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("Maria Kogoya"), "what was typed is kept");
    b.screenshot("booking-errors").await;
    // Fix it.
    click(&b, "input[name=payer][value=non_jkn]").await;
    let nik_field = b.wait_css("#nik").await;
    nik_field.clear().await.unwrap();
    nik_field.send_keys(&nik(9)).await.unwrap();
    b.client
        .execute("document.getElementById('birth_date').value = '1990-05-17'", vec![])
        .await
        .unwrap();
    type_into(&b, "#phone", "081234567890").await;
    click(&b, "input[name=consent]").await;
    click(&b, "button[type=submit].btn.wide").await;
    b.wait_css("img[src$='/qr.svg']").await;
    let path = path_of(&b).await;
    assert!(path.starts_with("/antrean/") && path.ends_with("/bukti"), "{path}");
    let text = b.body_text().await;
    assert!(text.contains("Pendaftaran berhasil") && text.contains("B-001"), "{text}");
    assert!(!text.contains("Maria"), "no name on the confirmation");
    let qr_loaded: serde_json::Value = b
        .client
        .execute("return document.querySelector(\"img[src$='/qr.svg']\").naturalWidth", vec![])
        .await
        .unwrap();
    assert!(qr_loaded.as_u64().unwrap_or(0) > 0, "QR code image loads");
    b.screenshot("confirmation").await;
    b.client
        .execute("document.querySelector(\"img[src$='/qr.svg']\").scrollIntoView()", vec![])
        .await
        .unwrap();
    b.screenshot("confirmation-qr").await;
    click(&b, "a.btn.wide").await;
    b.wait_css("[data-live-code]").await;
    let text = b.body_text().await;
    assert!(text.contains("Status antrean") && text.contains("B-001"), "{text}");
    b.screenshot("status").await;
    // The same page on a desk monitor.
    b.client.set_window_size(1280, 800).await.unwrap();
    b.client.goto(&app.url("/")).await.unwrap();
    b.wait_css("#poli-ANA").await;
    b.screenshot("home-desktop").await;
    b.close().await;
}

#[actix_web::test]
async fn a_nurse_calls_and_finishes_with_the_keyboard() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    for _ in 0..3 {
        app.post("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "jkn"})).await;
    }
    let booked = app.post("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    assert_eq!(booked.status(), 201);
    make_staff(&app, "perawat", Role::Clinic, &["ANA"]);
    let b = Browser::start(1280, 800).await;
    b.client.goto(&app.url("/staff")).await.unwrap();
    b.wait_css("#username").await;
    assert_eq!(path_of(&b).await, "/staff/masuk", "sent to the login page");
    b.screenshot("staff-login").await;
    type_into(&b, "#username", "perawat").await;
    type_into(&b, "#password", "rahasia-uji").await;
    click(&b, "button[type=submit].btn.wide").await;
    click(&b, &format!("a[href='/staff/sesi/{}']", seed.today)).await;
    b.wait_css("#call-next").await;
    b.screenshot("staff-queue-empty").await;
    // N calls the next patient.
    b.client.find(Locator::Css("body")).await.unwrap().send_keys("n").await.unwrap();
    b.wait_css("#current-ticket").await;
    let text = b.body_text().await;
    assert!(text.contains("B-001 dipanggil."), "{text}");
    b.screenshot("staff-queue").await;
    // M starts, S finishes.
    b.client.find(Locator::Css("body")).await.unwrap().send_keys("m").await.unwrap();
    b.wait_css("button[data-key=s]").await;
    b.client.find(Locator::Css("body")).await.unwrap().send_keys("s").await.unwrap();
    b.wait_css(".alert.good").await;
    let text = b.body_text().await;
    assert!(text.contains("B-001 selesai dilayani."), "{text}");
    let status: String = {
        use diesel::prelude::*;
        use sipoli::db::schema::visits;
        visits::table
            .filter(visits::ticket.eq("B-001"))
            .filter(visits::session_id.eq(seed.today))
            .select(visits::status)
            .first(&mut app.conn())
            .unwrap()
    };
    assert_eq!(status, "done");
    b.client.goto(&app.url("/staff")).await.unwrap();
    b.wait_css("table").await;
    b.screenshot("staff-today").await;
    click(&b, "a[href='/staff/jadwal']").await;
    b.wait_css("#form").await;
    b.screenshot("schedules").await;
    // A leave asks first, showing how many booked patients it affects.
    click(&b, "input[name=kind][value=leave]").await;
    b.wait_css("#x-doctor option[value=D003]").await.click().await.unwrap();
    b.client
        .execute("document.getElementById('x-date').value = '2026-12-02'", vec![])
        .await
        .unwrap();
    b.client.execute("document.querySelector('#x-reason').form.submit()", vec![]).await.unwrap();
    let affected = b.wait_css("#affected").await.text().await.unwrap();
    assert!(affected.contains("dibatalkan: 1"), "one booked patient affected: {affected}");
    b.screenshot("leave-confirm").await;
    b.client.goto(&app.url("/staff/laporan")).await.unwrap();
    b.wait_css("#share").await;
    b.screenshot("report").await;
    b.client.goto(&app.url("/staff/audit")).await.unwrap();
    b.wait_css("table").await;
    assert!(b.body_text().await.contains("Petugas: perawat"));
    b.screenshot("audit").await;
    b.client.set_window_size(360, 740).await.unwrap();
    b.client.goto(&app.url(&format!("/staff/sesi/{}", seed.today))).await.unwrap();
    b.wait_css("#call-next").await;
    b.screenshot("staff-queue-phone").await;
    b.close().await;
}

#[actix_web::test]
async fn the_full_catalogue_looks_finished() {
    let app = TestApp::spawn_at(wit(2026, 11, 30, 7, 30)).await;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    sipoli::demo::seed_catalogue(&mut app.conn(), today).unwrap();
    make_staff(&app, "admin", Role::Admin, &[]);
    let b = Browser::start(1280, 800).await;
    b.client.goto(&app.url("/")).await.unwrap();
    b.wait_css("#poli-ANA").await;
    b.screenshot("home-catalogue-desktop").await;
    b.client.goto(&app.url("/staff/masuk")).await.unwrap();
    type_into(&b, "#username", "admin").await;
    type_into(&b, "#password", "rahasia-uji").await;
    click(&b, "button[type=submit].btn.wide").await;
    b.wait_css("table").await;
    let text = b.body_text().await;
    assert!(text.contains("Poli Anak") && text.contains("Poli Penyakit Dalam"), "{text}");
    b.screenshot("staff-today-catalogue").await;
    click(&b, "a[href='/staff/admin']").await;
    b.wait_css("#akun").await;
    b.screenshot("admin").await;
    click(&b, "a[href='/staff/loket']").await;
    b.wait_css("#sesi").await;
    b.screenshot("counter-registration").await;
    b.close().await;
}
