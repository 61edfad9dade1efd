//! The kiosk, the TV board and live-status.js in real headless Chromium.
use std::time::Duration;

use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::browser::Browser;
use crate::helpers::{TestApp, booking_body, seed, wit};
use crate::live::listening;

/// Replace `window.print` (headless Chromium has no printer) with a counter.
async fn no_printer(b: &Browser) {
    b.client
        .execute(
            "window.__printed = 0; window.print = function () { window.__printed++; };",
            vec![],
        )
        .await
        .unwrap();
}

async fn tap(b: &Browser, css: &str) {
    b.wait_css(css).await.click().await.unwrap_or_else(|e| panic!("tap {css}: {e}"));
}

/// Wait (up to 10 s) until the page's text contains `needle`.
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

async fn js(b: &Browser, script: &str) -> Value {
    b.client.execute(script, vec![]).await.unwrap()
}

#[actix_web::test]
async fn a_walk_in_taps_through_the_kiosk_and_gets_a_ticket() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let b = Browser::start(1080, 1920).await;
    b.client.goto(&app.kiosk_link("/kiosk?clinics=ANA")).await.unwrap();
    b.wait_css("#walk-in").await;
    no_printer(&b).await;
    assert!(b.body_text().await.contains("Ambil nomor antrean"));
    b.screenshot("kiosk_start").await;

    tap(&b, "#walk-in").await;
    b.wait_css("[data-clinic=\"ANA\"]").await;
    b.screenshot("kiosk_clinics").await;
    tap(&b, "[data-clinic=\"ANA\"]").await;
    b.wait_css(&format!("[data-session=\"{}\"]", seed.today)).await;
    b.screenshot("kiosk_sessions").await;
    tap(&b, &format!("[data-session=\"{}\"]", seed.today)).await;
    tap(&b, "#payer-umum").await;
    b.wait_css("#phone-skip").await;
    b.screenshot("kiosk_phone").await;
    // A double tap: both taps reach the button before the screen changes.
    js(&b, "var s = document.getElementById('phone-skip'); s.click(); s.click(); return 1;").await;
    b.wait_css(".ticket [data-ticket]").await;
    let text = wait_text(&b, "B-001").await;
    // The estimate is the session's start (nobody ahead).
    for needle in ["Poli Anak", "Ruang 2", "dr. Ruth Kogoya, Sp.A", "08:00 WIT"] {
        assert!(text.contains(needle), "ticket lacks {needle:?}: {text}");
    }
    assert!(text.contains("Antrean di depan Anda"), "{text}");
    let code = b.wait_css(".ticket .t-code").await.text().await.unwrap();
    assert_eq!(code.len(), 8, "{code}");
    assert_eq!(app.count("visits"), 1, "a double tap makes one ticket");
    let printed = js(&b, "return window.__printed;").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let printed_later = js(&b, "return window.__printed;").await;
    assert!(printed.as_i64().unwrap_or(0) + printed_later.as_i64().unwrap_or(0) >= 1);
    // The printed copy is laid out for an 80 mm roll.
    let css = app.get("/assets/kiosk.css").await.text().await.unwrap();
    assert!(css.contains("@page { size: 80mm"));
    b.screenshot("kiosk_ticket").await;

    // English switch, then back to the start screen.
    tap(&b, "#done").await;
    tap(&b, "#lang-switch").await;
    wait_text(&b, "Take a queue number").await;
    b.close().await;
}

#[actix_web::test]
async fn the_kiosk_says_plainly_when_the_server_is_gone_and_retries() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let b = Browser::start(1920, 1080).await;
    b.client.goto(&app.kiosk_link("/kiosk?clinics=ANA")).await.unwrap();
    no_printer(&b).await;
    tap(&b, "#walk-in").await;
    tap(&b, "[data-clinic=\"ANA\"]").await;
    tap(&b, &format!("[data-session=\"{}\"]", seed.today)).await;
    tap(&b, "#payer-jkn").await;
    b.wait_css("#phone-skip").await;
    // Simulate a dropped network for the next request only.
    js(
        &b,
        "window.__fetch = window.fetch; window.fetch = function () { window.fetch = window.__fetch; \
         return Promise.reject(new TypeError('network down')); }; return 1;",
    )
    .await;
    tap(&b, "#phone-skip").await;
    let text = wait_text(&b, "Server tidak dapat dihubungi").await;
    assert!(text.contains("Coba lagi"), "{text}");
    assert_eq!(app.count("visits"), 0);
    tap(&b, "#retry").await;
    wait_text(&b, "B-001").await;
    assert_eq!(app.count("visits"), 1);
    b.screenshot("kiosk_landscape_ticket").await;
    b.close().await;
}

#[actix_web::test]
async fn an_idle_kiosk_returns_to_the_start() {
    let app = TestApp::spawn().await;
    seed(&app);
    let b = Browser::start(1080, 1920).await;
    b.client.goto(&app.kiosk_link("/kiosk?clinics=ANA&idle=5")).await.unwrap();
    tap(&b, "#check-in").await;
    tap(&b, ".key[data-key=\"A\"]").await;
    assert!(b.body_text().await.contains("Masukkan kode booking"));
    // Nobody touches it: the start screen comes back by itself.
    b.client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(fantoccini::Locator::Css("#walk-in"))
        .await
        .expect("back at the start");
    assert!(!b.body_text().await.contains("Masukkan kode booking"));
    b.close().await;
}

#[actix_web::test]
async fn bookings_are_checked_in_by_keypad_and_by_scanner() {
    // 06:30 WIT: online booking for the 08:00 session is still open, and so is check-in.
    let app = TestApp::spawn_at(wit(2026, 12, 1, 6, 30)).await;
    let seed = seed(&app);
    let mut codes = Vec::new();
    for n in 1..=2 {
        let (status, body) = app.post_json("/api/v1/bookings", &booking_body(seed.today, n)).await;
        assert_eq!(status, 201);
        codes.push(body["booking_code"].as_str().unwrap().to_string());
    }
    let b = Browser::start(1080, 1920).await;
    b.client.goto(&app.kiosk_link("/kiosk?clinics=ANA")).await.unwrap();
    no_printer(&b).await;

    tap(&b, "#check-in").await;
    b.wait_css("#code-entry").await;
    for ch in codes[0].chars() {
        tap(&b, &format!(".key[data-key=\"{ch}\"]")).await;
    }
    b.screenshot("kiosk_keypad").await;
    tap(&b, "#code-submit").await;
    let text = wait_text(&b, "Check-in berhasil").await;
    assert!(text.contains("B-001"), "{text}");
    assert!(!text.contains("Pasien Uji"), "no names on the kiosk: {text}");
    let (_, status) = app.get_json(&format!("/api/v1/bookings/{}", codes[0])).await;
    assert_eq!(status["status"], "waiting");

    // A USB scanner types the code and Enter into the focused field.
    tap(&b, "#done").await;
    tap(&b, "#check-in").await;
    let scan = b.wait_css("#scan").await;
    scan.send_keys(&format!("{}\u{E007}", codes[1].to_lowercase())).await.unwrap();
    let text = wait_text(&b, "B-002").await;
    assert!(text.contains("Check-in berhasil"), "{text}");
    let (_, status) = app.get_json(&format!("/api/v1/bookings/{}", codes[1])).await;
    assert_eq!(status["status"], "waiting");

    // A wrong code: a plain refusal and a way back.
    tap(&b, "#done").await;
    tap(&b, "#check-in").await;
    for ch in "ABCDEFGH".chars() {
        tap(&b, &format!(".key[data-key=\"{ch}\"]")).await;
    }
    tap(&b, "#code-submit").await;
    wait_text(&b, "tidak ditemukan").await;
    b.close().await;
}

#[actix_web::test]
async fn a_board_shows_and_announces_a_call_made_through_the_staff_api() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    for _ in 0..6 {
        let res = app
            .post("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "jkn"}))
            .await;
        assert_eq!(res.status(), 201);
    }
    app.login_as("anak", Role::Clinic, &["ANA"]).await;
    let call = format!("/api/v1/staff/sessions/{}/call-next", seed.today);
    let (_, first) = app.post_json(&call, &json!({})).await;
    let first = first["id"].as_i64().unwrap();
    for action in ["start", "finish"] {
        let res = app.post(&format!("/api/v1/staff/visits/{first}/{action}"), &json!({})).await;
        assert_eq!(res.status(), 200);
    }
    let res = app
        .put(
            "/api/v1/staff/display-message",
            &json!({"clinic": "ANA", "message": "Jadwal Poli Anak hari ini: dr. Ruth Kogoya 08.00–12.00 WIT"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    listening(&app).await;

    let b = Browser::start(1920, 1080).await;
    b.client.goto(&app.url("/display?clinics=ANA")).await.unwrap();
    b.wait_css(".clinic[data-clinic=\"ANA\"]").await;
    let text = wait_text(&b, "B-002").await;
    assert!(text.contains("B-001"), "called before: {text}");
    assert!(text.contains("Jadwal Poli Anak"), "running text: {text}");
    // Wait until the stream is open before the call (the page also refreshes on open).
    for _ in 0..100 {
        if app.state.live.clients() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    app.clock.advance(chrono::Duration::minutes(12));
    let (_, called) = app.post_json(&call, &json!({})).await;
    assert_eq!(called["ticket"], "B-002");
    let announce = b.wait_css("#announce.on").await;
    let said = announce.attr("data-said").await.unwrap().unwrap_or_default();
    assert_eq!(said, "Nomor antrean B nol nol dua, silakan ke Poli Anak, Ruang 2.");
    for _ in 0..100 {
        let now =
            js(&b, "var t = document.querySelector('.now .ticket'); return t && t.textContent;")
                .await;
        if now == "B-002" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let now = js(&b, "return document.querySelector('.now .ticket').textContent;").await;
    assert_eq!(now, "B-002");
    let words = js(&b, "return window.sipoliTicketWords('A-1234');").await;
    assert_eq!(words, "A satu dua tiga empat");
    b.screenshot("display_call").await;
    // After the announcement, the board itself.
    for _ in 0..150 {
        if js(&b, "return !document.querySelector('#announce.on');").await == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.screenshot("display").await;
    assert!(!b.body_text().await.contains("Pasien"), "tickets only");

    // On a 720p TV the sound prompt (shown where the browser keeps sound off until someone
    // touches the screen) sits in the header between the name and the clock, covering
    // neither, nor the clinics below.
    b.viewport(1280, 720).await;
    // The board fits itself to the new size: the called number whole, the clock in the header.
    let spills = "var now = document.querySelector('.now'), t = now.querySelector('.ticket'); \
         var head = document.querySelector('.board-head').getBoundingClientRect(), \
             when = document.querySelector('.when').getBoundingClientRect(), out = []; \
         if (now.scrollHeight > now.clientHeight + 1) out.push('the called number is cut'); \
         if (t.scrollWidth > t.clientWidth + 1) out.push('the called number spills'); \
         if (when.top < head.top || when.bottom > head.bottom) out.push('the clock leaves the header'); \
         var panel = document.querySelector('.clinic'), \
             bottom = panel.getBoundingClientRect().bottom - parseFloat(getComputedStyle(panel).paddingBottom); \
         panel.querySelectorAll('.cols li').forEach(function (li) { \
           if (li.style.visibility !== 'hidden' && li.getBoundingClientRect().bottom > bottom + 1) out.push(li.textContent + ' is cut'); \
         }); \
         return out.join(', ');";
    let mut spilled = js(&b, spills).await;
    for _ in 0..30 {
        if spilled == "" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        spilled = js(&b, spills).await;
    }
    assert_eq!(spilled, "", "at 1280×720: {spilled}");
    let covered = js(
        &b,
        "var gate = document.getElementById('sound-gate'); gate.hidden = false; \
         function box(s) { return document.querySelector(s).getBoundingClientRect(); } \
         function cross(a, b) { return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom; } \
         var button = box('#sound-on'), out = []; \
         if (button.width === 0) out.push('not shown'); \
         ['.brand', '.brand b', '.when', '#clinics'].forEach(function (s) { if (cross(button, box(s))) out.push(s); }); \
         if (box('.brand b').right > button.left) out.push('the name runs under it'); \
         return out.join(', ');",
    )
    .await;
    b.screenshot("display_720p_sound_prompt").await;
    assert_eq!(covered, "", "the sound prompt covers: {covered}");
    b.close().await;
}

#[actix_web::test]
async fn live_status_script_follows_a_booking_until_it_is_called() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    let mut codes = Vec::new();
    for _ in 0..2 {
        let res = app
            .post("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "non_jkn"}))
            .await;
        let body: Value = res.json().await.unwrap();
        codes.push(body["booking_code"].as_str().unwrap().to_string());
    }
    app.login_as("anak", Role::Clinic, &["ANA"]).await;
    listening(&app).await;
    let b = Browser::start(400, 800).await;
    // Any page of the site may carry the script; build a minimal one in place.
    b.client.goto(&app.url("/healthz")).await.unwrap();
    let page = format!(
        "document.body.innerHTML = '<div data-live-code=\"{}\"><b data-live=\"ticket\"></b> \
         <i data-live=\"status_label\"></i> <u data-live=\"position\"></u> \
         <s data-live=\"now_serving\"></s> <em data-live=\"estimated_time\"></em> \
         <strong data-live=\"called\" hidden>Giliran Anda!</strong></div>'; \
         var s = document.createElement('script'); s.src = '/assets/live-status.js'; \
         document.head.appendChild(s); return 1;",
        codes[1]
    );
    js(&b, &page).await;
    wait_text(&b, "B-002").await;
    let text = wait_text(&b, "Menunggu").await;
    assert!(text.contains("08:10 WIT"), "{text}");
    assert!(!text.contains("Giliran Anda!"), "{text}");
    assert_eq!(js(&b, "return window.SIPOLI_LIVE === true;").await, true);
    for _ in 0..100 {
        if app.state.live.clients() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // B-001 is called: B-002 moves up and sees who is being served.
    app.post(&format!("/api/v1/staff/sessions/{}/call-next", seed.today), &json!({})).await;
    wait_text(&b, "B-001").await;
    let pos = js(&b, "return document.querySelector('[data-live=position]').textContent;").await;
    assert_eq!(pos, "0");
    // B-002 is called: "Giliran Anda!" shows.
    app.post(&format!("/api/v1/staff/sessions/{}/call-next", seed.today), &json!({})).await;
    b.wait_css("[data-live=called]:not([hidden])").await;
    let label =
        js(&b, "return document.querySelector('[data-live=status_label]').textContent;").await;
    assert_eq!(label, "Giliran Anda!");
    b.close().await;
}

#[actix_web::test]
async fn staff_set_the_running_text_through_the_form() {
    let app = TestApp::spawn().await;
    seed(&app);
    sipoli::service::staff::upsert_user(
        &mut app.conn(),
        "anak",
        "Petugas Anak",
        "rahasia-uji",
        Role::Clinic,
        &["ANA".into()],
    )
    .unwrap();
    let b = Browser::start(800, 900).await;
    b.client.goto(&app.url("/display/message")).await.unwrap();
    let login = b.wait_css("#login:not([hidden])").await;
    login
        .find(fantoccini::Locator::Css("[name=username]"))
        .await
        .unwrap()
        .send_keys("anak")
        .await
        .unwrap();
    login
        .find(fantoccini::Locator::Css("[name=password]"))
        .await
        .unwrap()
        .send_keys("rahasia-uji")
        .await
        .unwrap();
    tap(&b, "#login button").await;
    let form = b.wait_css("#message:not([hidden])").await;
    form.find(fantoccini::Locator::Css("[name=clinic]"))
        .await
        .unwrap()
        .send_keys("ANA")
        .await
        .unwrap();
    form.find(fantoccini::Locator::Css("[name=message]"))
        .await
        .unwrap()
        .send_keys("Poli Anak buka pukul 08.00 WIT")
        .await
        .unwrap();
    tap(&b, "#message button").await;
    wait_text(&b, "Tersimpan").await;
    let (_, state) = app.get_json("/api/v1/displays/state?clinics=ANA").await;
    assert_eq!(state["message"], "Poli Anak buka pukul 08.00 WIT");
    // A clinic account may not write on every board: the form shows the refusal.
    b.client
        .execute("document.querySelector('[name=clinic]').value = ''; return 1;", vec![])
        .await
        .unwrap();
    tap(&b, "#message button").await;
    wait_text(&b, "tidak berhak").await;
    b.screenshot("display_message_form").await;
    b.close().await;
}
