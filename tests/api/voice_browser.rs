//! The patient's voice and the dashboard in real headless Chromium at 360 px: the
//! complaint form, the staff complaint page, and `/kinerja` with its English switch.
use chrono::Duration;
use fantoccini::Locator;
use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::browser::Browser;
use crate::helpers::*;
use crate::open_data::serve_day;
use crate::pages::make_staff;

async fn click(b: &Browser, css: &str) {
    b.wait_css(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn type_into(b: &Browser, css: &str, text: &str) {
    b.wait_css(css).await.send_keys(text).await.unwrap_or_else(|e| panic!("type {css}: {e}"));
}

/// The page is no wider than the phone.
async fn fits(b: &Browser, width: i64) {
    let wide: Value =
        b.client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert!(wide.as_i64().unwrap() <= width, "page is {wide} px wide at {width} px");
}

const TEXT: &str = "Antrean <b>lama</b> sekali, saya menunggu 3 jam. <script>alert(1)</script>";

#[actix_web::test]
async fn a_complaint_is_filed_and_followed_on_a_phone() {
    let app = TestApp::spawn().await;
    let b = Browser::start(360, 740).await;
    b.client.goto(&app.url("/pengaduan")).await.unwrap();
    fits(&b, 360).await;
    b.screenshot("complaint-form-360").await;
    // Too short first: the form says why and keeps what was typed.
    b.wait_css("#category").await.select_by_value("waktu_tunggu").await.unwrap();
    type_into(&b, "#text", "lama").await;
    b.client
        .execute("document.getElementById('text').removeAttribute('minlength')", vec![])
        .await
        .unwrap();
    click(&b, "button[type=submit].btn.wide").await;
    b.wait_css("#errors").await;
    assert!(b.body_text().await.contains("minimal 10 huruf"), "{}", b.body_text().await);
    b.wait_css("#text").await.clear().await.unwrap();
    type_into(&b, "#text", TEXT).await;
    type_into(&b, "#contact", "081234567890").await;
    click(&b, "button[type=submit].btn.wide").await;
    let code = b.wait_css("#code").await.text().await.unwrap();
    assert_eq!(code.len(), 8);
    let text = b.body_text().await;
    assert!(text.contains("sudah kami terima"), "{text}");
    assert!(text.contains("Selasa, 8 Desember 2026"), "due day shown: {text}");
    assert!(!text.contains("081234567890") && !text.contains("menunggu 3 jam"), "{text}");
    fits(&b, 360).await;
    b.screenshot("complaint-status-360").await;
    assert_eq!(app.count("complaints"), 1);
    b.close().await;
}

#[actix_web::test]
async fn staff_handle_a_complaint_on_the_staff_page() {
    let app = TestApp::spawn().await;
    seed(&app);
    let (status, filed) = app
        .post_json(
            "/api/v1/complaints",
            &json!({"category": "pelayanan", "text": TEXT, "contact": "warga@example.test"}),
        )
        .await;
    assert_eq!(status, 201);
    let late = filed["code"].as_str().unwrap().to_string();
    app.clock.advance(Duration::days(8));
    let (_, fresh) = app
        .post_json(
            "/api/v1/complaints",
            &json!({"category": "fasilitas", "text": "Lampu ruang tunggu mati."}),
        )
        .await;
    make_staff(&app, "admin", Role::Admin, &[]);
    let b = Browser::start(360, 740).await;
    b.client.goto(&app.url("/staff/masuk")).await.unwrap();
    type_into(&b, "#username", "admin").await;
    type_into(&b, "#password", "rahasia-uji").await;
    click(&b, "button[type=submit].btn.wide").await;
    b.wait_css("header").await;
    b.client.goto(&app.url("/staff/pengaduan")).await.unwrap();
    b.wait_css("#complaints").await;
    let overdue = b.client.find_all(Locator::Css("#complaints tr.overdue")).await.unwrap();
    assert_eq!(overdue.len(), 1, "the overdue one is red");
    assert!(overdue[0].text().await.unwrap().contains(&late));
    assert!(b.body_text().await.contains(fresh["code"].as_str().unwrap()));
    b.screenshot("staff-complaints-360").await;
    // Filter: overdue only.
    click(&b, "input[name=lewat]").await;
    click(&b, "form.card.actions button[type=submit]").await;
    // The filtered page replaces this one: wait for it (the old page also has #complaints).
    let mut shown = true;
    for _ in 0..100 {
        shown = b.body_text().await.contains(fresh["code"].as_str().unwrap());
        if !shown {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    b.wait_css("#complaints").await;
    assert!(!shown, "the overdue filter hides the fresh complaint");

    click(&b, &format!("a[href='/staff/pengaduan/{late}']")).await;
    b.wait_css("#overdue").await;
    // Stored and shown as text.
    assert_eq!(b.wait_css("#text").await.text().await.unwrap(), TEXT);
    assert!(b.body_text().await.contains("warga@example.test"));
    type_into(&b, "#message", "Mohon maaf, loket tambahan sudah dibuka.").await;
    b.wait_css("#a-status").await.select_by_value("resolved").await.unwrap();
    click(&b, "#answer button[type=submit]").await;
    b.wait_css("#responses li").await;
    assert_eq!(b.wait_css("#status").await.text().await.unwrap(), "Selesai ditangani");
    assert!(b.body_text().await.contains("Petugas Uji"), "author shown to staff");
    b.screenshot("staff-complaint-360").await;
    let (_, seen) = app.get_json(&format!("/api/v1/complaints/{late}")).await;
    assert_eq!(seen["status"], "resolved");
    b.close().await;
}

#[actix_web::test]
async fn the_dashboard_reads_on_a_phone_with_its_red_flags() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    // The doctor's first call at 08:45: 45 minutes late; 2 of 5 called within the hour.
    serve_day(&app, seed.today, &[40, 50, 70, 80, 90], false).await;
    let (status, _) = app
        .post_json(
            "/api/v1/complaints",
            &json!({"category": "obat", "text": "Obat kosong di farmasi."}),
        )
        .await;
    assert_eq!(status, 201);
    // A complaint received long ago (its due time already past).
    diesel::RunQueryDsl::execute(
        diesel::sql_query(
            "UPDATE complaints SET received_at = received_at - interval '10 days', \
             due_at = received_at - interval '3 days'",
        ),
        &mut app.conn(),
    )
    .unwrap();
    app.clock.set(wit(2026, 12, 2, 10, 0));
    let b = Browser::start(360, 740).await;
    b.client.goto(&app.url("/kinerja")).await.unwrap();
    b.wait_css("#flags").await;
    let flags = b.wait_css("#flags").await.text().await.unwrap();
    assert!(flags.contains("Poli Anak"), "{flags}");
    assert!(flags.contains("dr. Ruth Kogoya"), "late doctor: {flags}");
    assert!(flags.contains("1 pengaduan melewati batas"), "{flags}");
    let svgs = b.client.find_all(Locator::Css("svg.spark")).await.unwrap();
    assert_eq!(svgs.len(), 3);
    let bars = b.client.find_all(Locator::Css("svg.spark rect")).await.unwrap();
    assert!(bars.len() >= 3, "one day of figures in each chart");
    fits(&b, 360).await;
    b.screenshot("kinerja-360").await;
    // The whole page, to look at.
    let tall: Value =
        b.client.execute("return document.documentElement.scrollHeight", vec![]).await.unwrap();
    b.viewport(360, tall.as_u64().unwrap().min(6000) as u32).await;
    b.screenshot("kinerja-360-full").await;
    b.viewport(360, 740).await;
    // No request leaves the app (no CDN).
    let outside: Value = b
        .client
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin))",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(outside, json!([]));
    click(&b, "a.lang").await;
    b.wait_css("#flags").await;
    let text = b.body_text().await;
    assert!(
        text.contains("Red flags") && text.contains("complaints past the 5-working-day limit"),
        "{text}"
    );
    fits(&b, 360).await;
    b.screenshot("kinerja-360-en").await;
    b.close().await;
}
