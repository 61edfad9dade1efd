//! Tickets on paper: the kiosk ticket and the counter ticket printed to PDF by Chromium, as
//! its print dialog would, must be 80 mm wide and carry the ticket, payer, QR code, date and
//! time. Reads the PDFs with poppler-utils (`pdfinfo`, `pdftotext`); the PDFs are kept in
//! `target/screenshots/`.
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::browser::Browser;
use crate::helpers::{TestApp, seed};
use crate::pages::make_staff;

const POINTS_PER_MM: f64 = 72.0 / 25.4;

/// Page width and height of the first page, in millimetres.
fn page_size_mm(pdf: &Path) -> (f64, f64) {
    let out =
        Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo (apt-get install poppler-utils)");
    let info = String::from_utf8_lossy(&out.stdout);
    let line =
        info.lines().find(|l| l.starts_with("Page size:")).unwrap_or_else(|| panic!("{info}"));
    let nums: Vec<f64> = line.split_whitespace().filter_map(|w| w.parse::<f64>().ok()).collect();
    (nums[0] / POINTS_PER_MM, nums[1] / POINTS_PER_MM)
}

fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext").arg(pdf).arg("-").output().expect("pdftotext runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn assert_roll(pdf: &Path, needles: &[&str]) {
    let (width, height) = page_size_mm(pdf);
    assert!((width - 80.0).abs() <= 1.0, "{pdf:?} is {width:.1} mm wide, not 80 mm");
    assert!(height < 300.0, "{pdf:?} is a strip, not a sheet: {height:.1} mm");
    let text = pdf_text(pdf);
    for needle in needles {
        assert!(text.contains(needle), "{pdf:?} lacks {needle:?}:\n{text}");
    }
    assert_eq!(text.matches('\u{c}').count(), 1, "one page only:\n{text}");
}

async fn js(b: &Browser, script: &str) -> Value {
    b.client.execute(script, vec![]).await.unwrap()
}

async fn tap(b: &Browser, css: &str) {
    b.wait_css(css).await.click().await.unwrap_or_else(|e| panic!("tap {css}: {e}"));
}

/// Wait until the image matching `css` has loaded (the QR code is on the page).
async fn image_loaded(b: &Browser, css: &str) {
    let script = format!("var i = document.querySelector({css:?}); return i ? i.naturalWidth : 0;");
    for _ in 0..50 {
        if js(b, &script).await.as_u64().unwrap_or(0) > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("image {css} never loaded");
}

#[actix_web::test]
async fn the_kiosk_ticket_prints_on_an_80mm_roll() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let b = Browser::start(1080, 1920).await;
    b.client.goto(&app.kiosk_link("/kiosk?clinics=ANA")).await.unwrap();
    b.wait_css("#walk-in").await;
    js(&b, "window.print = function () {}; return 1;").await;
    tap(&b, "#walk-in").await;
    tap(&b, "[data-clinic=\"ANA\"]").await;
    tap(&b, &format!("[data-session=\"{}\"]", seed.today)).await;
    tap(&b, "#payer-jkn").await;
    tap(&b, "#phone-skip").await;
    b.wait_css("#print-area .t-number").await;
    image_loaded(&b, "#print-area img.qr").await;
    let pdf = b.print_pdf("kiosk_ticket").await;
    // The server's clock says 07:30 WIT on Tuesday 1 December 2026.
    assert_roll(
        &pdf,
        &["B-001", "Poli Anak", "JKN (BPJS)", "Dicetak", "1 Desember 2026", "07:30 WIT", "08:00"],
    );
    b.close().await;
}

#[actix_web::test]
async fn the_counter_ticket_prints_on_an_80mm_roll() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let (status, placed) = app
        .post_json("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "non_jkn"}))
        .await;
    assert_eq!(status, 201, "{placed}");
    let id = app.visit_id(placed["booking_code"].as_str().unwrap());
    make_staff(&app, "loket", Role::Registration, &[]);
    let b = Browser::start(1280, 800).await;
    b.client.goto(&app.url("/staff/masuk")).await.unwrap();
    b.wait_css("#username").await.send_keys("loket").await.unwrap();
    b.wait_css("#password").await.send_keys("rahasia-uji").await.unwrap();
    tap(&b, "button[type=submit].btn.wide").await;
    b.wait_css("nav form").await;
    b.client.goto(&app.url(&format!("/staff/tiket/{id}"))).await.unwrap();
    b.wait_css("#slip").await;
    image_loaded(&b, "#slip img.qr").await;
    b.screenshot("counter_ticket").await;
    let pdf = b.print_pdf("counter_ticket").await;
    assert_roll(&pdf, &["B-001", "Poli Anak", "Umum", "Dicetak", "1 Des", "07:30 WIT"]);
    let text = pdf_text(&pdf);
    assert!(!text.contains("Pendaftaran berikutnya"), "buttons stay off the paper: {text}");
    b.close().await;
}
