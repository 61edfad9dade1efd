//! Issue 14 in real headless Chromium on a 360 px phone: a lost code found again by NIK
//! and birth date, the booking moved to another day, then cancelled with a confirmation.
use serde_json::json;

use crate::browser::Browser;
use crate::helpers::*;

async fn click(b: &Browser, css: &str) {
    b.wait_css(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn set_date(b: &Browser, value: &str) {
    b.client
        .execute(&format!("document.getElementById('birth_date').value = '{value}'"), vec![])
        .await
        .unwrap();
}

async fn path_of(b: &Browser) -> String {
    let url = b.client.current_url().await.unwrap();
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

async fn fits_the_phone(b: &Browser) {
    let wide = b.client.execute("return document.documentElement.scrollWidth;", vec![]).await;
    let wide = wide.unwrap().as_u64().unwrap_or(0);
    assert!(wide <= 360, "no sideways scrolling on a 360 px phone: {wide}");
}

#[actix_web::test]
async fn lost_code_reschedule_and_cancel_on_a_phone() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let target = crate::self_service::add_session_for(&app, seed.tomorrow, 3);
    let mut body = booking_body(seed.tomorrow, 1);
    body["patient"]["name"] = json!("Maria Kaize");
    let (status, booked) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 201);
    let code = booked["booking_code"].as_str().unwrap().to_string();

    let b = Browser::start(360, 740).await;
    b.client.goto(&app.url("/")).await.unwrap();
    click(&b, "a[href='/antrean/cari']").await;
    b.wait_css("#nomor").await.send_keys(&nik(1)).await.unwrap();
    set_date(&b, "1990-05-17").await;
    click(&b, "button[type=submit].btn.wide").await;
    let link = format!("a[href='/antrean/{code}']");
    b.wait_css(&link).await;
    let text = b.body_text().await;
    assert!(text.contains("untuk Maria K.") && !text.contains("Kaize"), "{text}");
    fits_the_phone(&b).await;
    b.screenshot("lookup-found").await;
    click(&b, &link).await;
    b.wait_css("[data-live-code]").await;
    let text = b.body_text().await;
    // Status by code never shows a name, not even "Maria K." (anyone holding the code sees it).
    assert!(!text.contains("Maria") && text.contains("B-001"), "{text}");
    fits_the_phone(&b).await;
    b.screenshot("status-self-service").await;

    // Move it to Thursday.
    click(&b, &format!("a[href='/antrean/{code}/pindah']")).await;
    click(&b, &format!("input[name=sesi][value='{target}']")).await;
    set_date(&b, "1990-05-17").await;
    fits_the_phone(&b).await;
    b.screenshot("reschedule").await;
    click(&b, "button[type=submit].btn.wide").await;
    b.wait_css(".alert.good").await;
    assert_eq!(path_of(&b).await, format!("/antrean/{code}?pindah=1"));
    let text = b.body_text().await;
    assert!(text.contains("sudah dipindah") && text.contains("3 Desember 2026"), "{text}");

    // Cancel: a confirmation first, then a way on.
    click(&b, &format!("a[href='/antrean/{code}/batal']")).await;
    b.wait_css("button.btn.warn").await;
    let text = b.body_text().await;
    assert!(text.contains("Batalkan booking ini?") && text.contains(&code), "{text}");
    fits_the_phone(&b).await;
    b.screenshot("cancel-confirm").await;
    set_date(&b, "1990-05-17").await;
    click(&b, "button.btn.warn").await;
    b.wait_css("a[href='/daftar?poli=ANA']").await;
    assert_eq!(path_of(&b).await, format!("/antrean/{code}?batal=1"));
    let text = b.body_text().await;
    assert!(text.contains("sudah dibatalkan"), "{text}");
    assert!(text.contains("Daftar lagi") && text.contains("Pilih jadwal lain"), "{text}");
    fits_the_phone(&b).await;
    b.screenshot("cancelled-next-steps").await;
    b.close().await;
}
