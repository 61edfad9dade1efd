//! axe-core in real headless Chromium on the pages people depend on: 0 serious or critical
//! violations. axe-core is not in the repository: `.ci/run` installs it from npm at a pinned
//! version into a cache directory (`SIPOLI_AXE_JS` names the file).
use fantoccini::Locator;
use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::browser::Browser;
use crate::helpers::*;
use crate::pages::make_staff;

const AXE_VERSION: &str = "4.10.2";

/// axe.min.js: `SIPOLI_AXE_JS`, else where `.ci/run` puts it.
fn axe_source() -> String {
    let path = std::env::var("SIPOLI_AXE_JS").unwrap_or_else(|_| {
        let cache = std::env::var("XDG_CACHE_HOME")
            .unwrap_or_else(|_| format!("{}/.cache", std::env::var("HOME").unwrap_or_default()));
        format!("{cache}/sipoli/axe-core-{AXE_VERSION}/node_modules/axe-core/axe.min.js")
    });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("axe-core at {path}: {e} (run .ci/run, or npm install axe-core@{AXE_VERSION})")
    })
}

/// Run axe on the current page; panic with the serious and critical violations.
async fn no_serious_violations(b: &Browser, axe: &str, page: &str) {
    b.client.execute(axe, vec![]).await.expect("axe loads");
    let found: Value = b
        .client
        .execute_async(
            "var done = arguments[arguments.length - 1];
             axe.run(document, {resultTypes: ['violations']}).then(function (r) {
               done({ran: true, bad: r.violations
                 .filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })
                 .map(function (v) { return v.id + ' (' + v.impact + '): ' + v.help + ' — ' +
                   v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); }).join(', '); })});
             }, function (e) { done({ran: false, bad: [String(e)]}); });",
            vec![],
        )
        .await
        .expect("axe runs");
    assert_eq!(found["ran"], json!(true), "{page}: {found}");
    let bad = found["bad"].as_array().cloned().unwrap_or_default();
    assert!(bad.is_empty(), "{page}: {bad:#?}");
}

#[actix_web::test]
async fn key_pages_have_no_serious_accessibility_violations() {
    let axe = axe_source();
    let app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    let (status, booked) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    assert_eq!(status, 201, "{booked}");
    let code = booked["booking_code"].as_str().unwrap().to_string();
    app.post("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "jkn"})).await;
    make_staff(&app, "perawat", Role::Clinic, &["ANA"]);

    let b = Browser::start(1280, 800).await;
    // The kiosk pages need a paired device: pair this browser once.
    b.client.goto(&app.kiosk_link("/kiosk?clinics=ANA")).await.unwrap();
    b.wait_css("#walk-in").await;
    for (name, path, ready) in [
        ("home", "/".to_string(), "#poli-ANA"),
        ("booking form", format!("/daftar?sesi={}", seed.tomorrow), "input[name=consent]"),
        ("status", format!("/antrean/{code}"), "main"),
        ("kiosk start", "/kiosk?clinics=ANA".into(), "#walk-in"),
        ("board", "/display?clinics=ANA".into(), ".clinic"),
    ] {
        b.client.goto(&app.url(&path)).await.unwrap();
        b.wait_css(ready).await;
        no_serious_violations(&b, &axe, name).await;
    }
    // The kiosk's keypad (booking check-in).
    b.client.goto(&app.url("/kiosk?clinics=ANA")).await.unwrap();
    b.wait_css("#check-in").await.click().await.unwrap();
    b.wait_css("#code-submit").await;
    no_serious_violations(&b, &axe, "kiosk keypad").await;
    // The console queue, logged in.
    b.client.goto(&app.url("/staff/masuk")).await.unwrap();
    b.wait_css("#username").await.send_keys("perawat").await.unwrap();
    b.wait_css("#password").await.send_keys("rahasia-uji").await.unwrap();
    b.wait_css("button[type=submit].btn.wide").await.click().await.unwrap();
    b.wait_css("nav form").await;
    b.client.goto(&app.url(&format!("/staff/sesi/{}", seed.today))).await.unwrap();
    b.wait_css("#call-next").await;
    no_serious_violations(&b, &axe, "console queue").await;
    // The skip link is the first thing a keyboard reaches, and it leads to the content.
    let first = b.client.find(Locator::Css("a.skip")).await.unwrap();
    assert_eq!(first.attr("href").await.unwrap().as_deref(), Some("#isi"));
    b.close().await;
}

#[actix_web::test]
async fn the_admin_navigation_fits_one_line_at_1366_px() {
    let app = TestApp::spawn().await;
    seed(&app);
    make_staff(&app, "admin", Role::Admin, &[]);
    let b = Browser::start(1366, 768).await;
    b.viewport(1366, 768).await;
    b.client.goto(&app.url("/staff/masuk")).await.unwrap();
    b.wait_css("#username").await.send_keys("admin").await.unwrap();
    b.wait_css("#password").await.send_keys("rahasia-uji").await.unwrap();
    b.wait_css("button[type=submit].btn.wide").await.click().await.unwrap();
    b.wait_css("nav form").await;
    let lines: Value = b
        .client
        .execute(
            "var maxTop = -1, minBottom = 1e9, over = false;
             document.querySelectorAll('header.top nav > *').forEach(function (e) {
               var r = e.getBoundingClientRect();
               maxTop = Math.max(maxTop, r.top); minBottom = Math.min(minBottom, r.bottom);
               if (r.right > window.innerWidth) over = true;
             });
             return {one_line: maxTop < minBottom, over: over,
                     links: document.querySelectorAll('header.top nav a').length};",
            vec![],
        )
        .await
        .unwrap();
    b.screenshot("console_admin_1366").await;
    assert!(lines["links"].as_u64().unwrap_or(0) >= 10, "the admin's full navigation: {lines}");
    assert_eq!((&lines["one_line"], &lines["over"]), (&json!(true), &json!(false)), "{lines}");
    b.close().await;
}
