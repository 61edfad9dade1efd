//! The whole visit in real headless Chromium: a new patient takes a registration ticket at
//! the kiosk; the counter calls, registers and forwards them to Poli Anak from the
//! console's station desk; the doctor finishes with a racikan prescription from the
//! polyclinic's queue screen (its forward choices); the pharmacy
//! prepares, marks ready and calls from the console; the station board shows and announces
//! it; the patient's status page follows every step. Screenshots: target/screenshots/
//! visit-*.png.
use std::time::Duration;

use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::browser::Browser;
use crate::helpers::*;

async fn click(b: &Browser, css: &str) {
    b.wait_css(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn type_into(b: &Browser, css: &str, text: &str) {
    b.wait_css(css).await.send_keys(text).await.unwrap_or_else(|e| panic!("type {css}: {e}"));
}

async fn js(b: &Browser, script: &str) -> Value {
    b.client.execute(script, vec![]).await.unwrap()
}

async fn wait_text(b: &Browser, needle: &str) -> String {
    for _ in 0..100 {
        let text = b.body_text().await;
        if text.contains(needle) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("page never showed {needle:?}: {}", b.body_text().await);
}

async fn wait_js(b: &Browser, script: &str) -> bool {
    for _ in 0..100 {
        if js(b, script).await == true {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

async fn log_in(b: &Browser, app: &TestApp, username: &str) {
    b.client.goto(&app.url("/staff")).await.unwrap();
    type_into(b, "#username", username).await;
    type_into(b, "#password", "rahasia-uji").await;
    click(b, "button[type=submit].btn.wide").await;
    wait_text(b, "Keluar").await;
}

/// The patient's status page, loaded afresh: its text.
async fn status_page(phone: &Browser, app: &TestApp, code: &str, needle: &str) -> String {
    phone.client.goto(&app.url(&format!("/antrean/{code}"))).await.unwrap();
    wait_text(phone, needle).await
}

fn on_board(station: &str, part: &str, ticket: &str) -> String {
    format!(
        "var s = document.querySelector('[data-station=\"{station}\"] {part}'); \
         return !!s && s.textContent.indexOf('{ticket}') >= 0;"
    )
}

#[actix_web::test]
async fn a_whole_visit_runs_from_the_kiosk_through_counter_clinic_and_pharmacy() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 7, 30)).await;
    let seed = seed(&app);
    sipoli::demo::seed_stations(&mut app.conn()).unwrap();
    app.token_for("loket", Role::Registration, &[]).await;
    app.token_for("kepala", Role::Admin, &[]).await;

    let board = Browser::start(1920, 1080).await;
    board.client.goto(&app.url("/display?stations=PENDAFTARAN,FARMASI")).await.unwrap();
    board.wait_css("[data-station=\"FARMASI\"]").await;

    // 1. The kiosk: "Pendaftaran / pasien baru", elderly, JKN.
    let kiosk = Browser::start(1920, 1080).await;
    kiosk.client.goto(&app.kiosk_link("/kiosk?clinics=ANA")).await.unwrap();
    js(&kiosk, "window.print = function () {}; return 1;").await;
    click(&kiosk, "#registration").await;
    click(&kiosk, "#priority-lansia").await;
    assert_eq!(
        js(
            &kiosk,
            "return document.getElementById('priority-lansia').getAttribute('aria-pressed');"
        )
        .await,
        "true"
    );
    kiosk.screenshot("visit-01-kiosk-payer-priority").await;
    click(&kiosk, "#payer-jkn").await;
    kiosk.wait_css(".ticket [data-ticket]").await;
    let text = wait_text(&kiosk, "P-001").await;
    assert!(text.contains("Lansia"), "{text}");
    let code = kiosk.wait_css(".ticket .t-code").await.text().await.unwrap();
    assert_eq!(code.len(), 8, "{code}");
    kiosk.screenshot("visit-02-kiosk-counter-ticket").await;

    let phone = Browser::start(360, 740).await;
    let text = status_page(&phone, &app, &code, "P-001").await;
    assert!(text.contains("Loket Pendaftaran"), "{text}");
    phone.screenshot("visit-03-status-counter").await;

    // 2. The counter calls P-001 to desk 2, registers the patient and forwards to Poli Anak.
    app.clock.set(wit(2026, 12, 1, 7, 40));
    let counter = Browser::start(1280, 900).await;
    log_in(&counter, &app, "loket").await;
    counter.client.goto(&app.url("/staff/stasiun?station=PENDAFTARAN&desk=2")).await.unwrap();
    click(&counter, "#call-next").await;
    let text = wait_text(&counter, "P-001").await;
    assert!(text.contains("Lansia"), "staff see the category: {text}");
    assert!(wait_js(&board, &on_board("PENDAFTARAN", ".calls", "P-001")).await, "board call");
    let desk = js(
        &board,
        "return document.querySelector('[data-station=\"PENDAFTARAN\"] .calls li').textContent;",
    )
    .await;
    assert!(desk.as_str().unwrap().contains("Loket 2"), "{desk}");
    board.screenshot("visit-04-board-counter-call").await;
    let text = status_page(&phone, &app, &code, "Dipanggil").await;
    assert!(text.contains("Silakan ke loket 2"), "{text}");
    click(&counter, "form[action$='/start'] button").await;
    counter.wait_css(".finish-form").await;
    // A NIK that encodes the birth date typed below (17-05-50).
    type_into(&counter, ".finish-form [name=nik]", "9109011705500041").await;
    type_into(&counter, ".finish-form [name=bpjs_no]", "0001234567841").await;
    type_into(&counter, ".finish-form [name=name]", "Pasien Baru Uji").await;
    type_into(&counter, ".finish-form [name=medical_record_no]", "RM-00041").await;
    js(
        &counter,
        &format!(
            "document.querySelector('.finish-form [name=birth_date]').value = '1950-05-17'; \
             document.querySelector('.finish-form [name=next]').value = 'clinic:ANA:{}'; return 1;",
            seed.today
        ),
    )
    .await;
    counter.screenshot("visit-05-counter-finish").await;
    click(&counter, ".finish-form button[type=submit]").await;
    wait_text(&counter, "Tersimpan").await;
    let text = status_page(&phone, &app, &code, "B-001").await;
    assert!(text.contains("Poli Anak"), "{text}");
    phone.screenshot("visit-06-status-clinic").await;

    // 3. The doctor calls, sees and finishes with a racikan prescription, from the
    // polyclinic's queue screen in the console.
    app.clock.set(wit(2026, 12, 1, 8, 0));
    app.token_for("dokter", Role::Clinic, &["ANA"]).await;
    let doctor = Browser::start(1280, 900).await;
    log_in(&doctor, &app, "dokter").await;
    doctor.client.goto(&app.url(&format!("/staff/sesi/{}", seed.today))).await.unwrap();
    click(&doctor, "#call-next").await;
    wait_text(&doctor, "B-001 dipanggil").await;
    click(&doctor, "form[action$='/start'] button").await;
    wait_text(&doctor, "mulai dilayani").await;
    // The forward choices: done, both pharmacy lanes, cashier, lab, radiology, another
    // polyclinic.
    let choices = js(
        &doctor,
        "return Array.from(document.querySelectorAll('#finish-form button[name=next]')).map(function (b) { return b.value; });",
    )
    .await;
    assert_eq!(
        choices,
        json!([
            "",
            "station:FARMASI:racikan",
            "station:FARMASI:non_racikan",
            "station:KASIR",
            "station:LAB",
            "station:RADIOLOGI"
        ])
    );
    let text = doctor.body_text().await;
    for label in [
        "Selesai (pulang)",
        "Farmasi · racikan",
        "Farmasi · non racikan",
        "Kasir",
        "Laboratorium",
        "Radiologi",
    ] {
        assert!(text.contains(label), "{label}: {text}");
    }
    doctor.screenshot("visit-06b-queue-forward-choices").await;
    app.clock.set(wit(2026, 12, 1, 8, 15));
    click(&doctor, "#finish-form button[value='station:FARMASI:racikan']").await;
    let text = wait_text(&doctor, "diteruskan").await;
    assert!(text.contains("B-001 selesai, diteruskan: R-001."), "{text}");
    let text = status_page(&phone, &app, &code, "Menunggu obat").await;
    assert!(text.contains("R-001"), "{text}");

    // 4. The pharmacy prepares, marks ready and calls to desk 1 from the console.
    let pharmacy = Browser::start(1280, 900).await;
    log_in(&pharmacy, &app, "kepala").await;
    pharmacy.client.goto(&app.url("/staff/stasiun?station=FARMASI&desk=1")).await.unwrap();
    // The pharmacy desk sees the doctor's racikan ticket.
    let text = wait_text(&pharmacy, "R-001").await;
    assert!(text.contains("Racikan"), "{text}");
    let step = js(
        &pharmacy,
        "var r = document.querySelector('#station-queue tr[data-step]'); return r ? Number(r.getAttribute('data-step')) : 0;",
    )
    .await
    .as_i64()
    .unwrap();
    click(&pharmacy, &format!("#start-{step}")).await;
    wait_text(&pharmacy, "Obat sedang disiapkan").await;
    assert!(
        wait_js(&board, &on_board("FARMASI", "[data-lane=\"racikan\"] .preparing", "R-001")).await
    );
    status_page(&phone, &app, &code, "Obat sedang disiapkan").await;
    app.clock.set(wit(2026, 12, 1, 8, 40));
    click(&pharmacy, &format!("#ready-{step}")).await;
    wait_text(&pharmacy, "Obat siap diambil").await;
    assert!(wait_js(&board, &on_board("FARMASI", "[data-lane=\"racikan\"] .ready", "R-001")).await);
    board.screenshot("visit-07-board-ready").await;
    status_page(&phone, &app, &code, "Obat siap diambil").await;
    click(&pharmacy, "#call-next").await;
    wait_text(&pharmacy, "Dipanggil").await;
    assert!(wait_js(&board, &on_board("FARMASI", ".calls", "R-001")).await, "board call");
    assert!(
        wait_js(&board, "var a = document.getElementById('announce'); return !!a && a.getAttribute('data-ticket') === 'R-001';").await,
        "the call is announced"
    );
    let words = js(
        &board,
        "return window.SIPOLI_STATION_WORDS({name: 'Farmasi'}, {ticket: 'R-001', desk: 1});",
    )
    .await;
    assert_eq!(words, "Nomor antrean R nol nol satu, silakan ke loket Farmasi 1");
    board.screenshot("visit-08-board-pharmacy-call").await;
    let text = status_page(&phone, &app, &code, "Dipanggil").await;
    assert!(text.contains("Silakan ke loket 1"), "{text}");
    click(&pharmacy, ".finish-form button[type=submit]").await;
    wait_text(&pharmacy, "Tersimpan").await;
    let (_, standing) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(standing["step"], Value::Null, "the visit is over");
    let stations: Vec<&str> = standing["journey"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["station"].as_str().unwrap())
        .collect();
    assert_eq!(stations, ["PENDAFTARAN", "FARMASI"]);
    phone.screenshot("visit-09-status-done").await;
    for b in [board, kiosk, phone, counter, doctor, pharmacy] {
        b.close().await;
    }
}
