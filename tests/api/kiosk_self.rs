//! The kiosk, part two, in real headless Chromium: check-in by NIK on the number pad and by a
//! scanned BPJS card, with the birth date in three boxes (no NIK, card number or name ever on
//! screen); "Beri penilaian" of a finished visit by its scanned ticket QR; "Pengaduan" with a
//! category, a ready sentence and the on-screen keyboard, filed with channel `kiosk` and its
//! code printed on the kiosk's network printer.
use std::time::Duration;

use diesel::prelude::*;
use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::browser::Browser;
use crate::escpos_printer::{Command, parse, printer};
use crate::helpers::{TestApp, booking_body, nik, seed, wit};

async fn js(b: &Browser, script: &str) -> Value {
    b.client.execute(script, vec![]).await.unwrap()
}

async fn tap(b: &Browser, css: &str) {
    b.wait_css(css).await.click().await.unwrap_or_else(|e| panic!("tap {css}: {e}"));
}

async fn keys(b: &Browser, digits: &str) {
    for d in digits.chars() {
        tap(b, &format!("main#screen .key[data-key=\"{d}\"]")).await;
    }
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

/// Controls of the kiosk's main area outside the lower two thirds of the screen.
const HIGH_CONTROLS: &str = r#"
var H = window.innerHeight, out = [];
document.querySelectorAll("main#screen button, main#screen .key, main#screen .entry").forEach(function (e) {
  var r = e.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return;
  if (r.top < H / 3 || r.bottom > H) out.push((e.id || e.className) + " '" + e.textContent.trim().slice(0, 30) + "' at " + Math.round(r.top) + "–" + Math.round(r.bottom));
});
return out;
"#;

/// Nothing scrolls sideways or below the screen.
const OVERFLOW: &str = r#"
var m = document.getElementById("screen");
return [document.documentElement.scrollWidth > window.innerWidth, m.scrollHeight > m.clientHeight + 1];
"#;

async fn look(b: &Browser, name: &str, portrait: bool) {
    b.screenshot(&format!("kiosk_self_{name}")).await;
    assert_eq!(js(b, OVERFLOW).await, json!([false, false]), "{name}: overflows");
    if portrait {
        let high = js(b, HIGH_CONTROLS).await;
        assert_eq!(high, json!([]), "{name}: controls out of the lower two thirds");
    }
}

fn private(text: &str, needles: &[&str]) {
    for n in needles {
        assert!(!text.contains(n), "{n:?} on the kiosk screen: {text}");
    }
}

#[actix_web::test]
async fn the_kiosk_checks_in_by_nik_keypad_and_by_a_scanned_bpjs_card_showing_no_identity() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 6, 0)).await;
    let seed = seed(&app);
    let (status, first) = app.post_json("/api/v1/bookings", &booking_body(seed.today, 1)).await;
    assert_eq!(status, 201, "{first}");
    let mut body = booking_body(seed.today, 2);
    body["patient"]["bpjs_no"] = json!("0001234567892");
    let (status, second) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 201, "{second}");
    let card = "0001234567892";

    for (portrait, (w, h)) in [(true, (1080, 1920)), (false, (1920, 1080))] {
        let b = Browser::start(w, h).await;
        b.viewport(w, h).await;
        b.client.goto(&app.kiosk_link("/kiosk?clinics=ANA")).await.unwrap();
        b.wait_css("#check-in-identity").await;
        js(&b, "window.print = function () {}; return 1;").await;
        let tag = if portrait { "portrait" } else { "landscape" };
        look(&b, &format!("{tag}_start"), portrait).await;
        tap(&b, "#check-in-identity").await;
        b.wait_css("#id-entry").await;
        if portrait {
            // By NIK on the number pad: only the last four digits show.
            keys(&b, &nik(1)).await;
            let text = b.body_text().await;
            assert!(text.contains("•••• •••• •••• 0002") && text.contains("16 angka"), "{text}");
            private(&text, &[&nik(1), &nik(1)[..6]]);
        } else {
            look(&b, &format!("{tag}_identity"), portrait).await;
            // The card scanned: digits (with its separators) and Enter into the focused field.
            let scan = b.wait_css("#scan").await;
            scan.send_keys("0001-2345-6789-2\u{E007}").await.unwrap();
        }
        if portrait {
            look(&b, &format!("{tag}_identity"), portrait).await;
            tap(&b, "#id-next").await;
        }
        b.wait_css("#birth-day").await;
        keys(&b, "17051990").await;
        let text = wait_text(&b, "Mei").await;
        assert!(!text.contains(card) && !text.contains(&nik(1)), "{text}");
        look(&b, &format!("{tag}_birth"), portrait).await;
        tap(&b, "#birth-submit").await;
        b.wait_css("#ticket .t-number").await;
        let booked = if portrait { &first } else { &second };
        let text = b.body_text().await;
        assert!(text.contains(booked["ticket"].as_str().unwrap()), "{text}");
        assert!(text.contains("Check-in berhasil"), "{text}");
        private(&text, &[&nik(1), &nik(2), card, "Pasien Uji", "Uji"]);
        // The ticket screen is kiosk.js's own (its landscape ticket scrolls): looked at only.
        b.screenshot(&format!("kiosk_self_{tag}_ticket")).await;
        b.close().await;
    }
    let statuses: Vec<String> = {
        use sipoli::db::schema::visits;
        visits::table.select(visits::status).order(visits::id).load(&mut app.conn()).unwrap()
    };
    assert_eq!(statuses, ["waiting", "waiting"]);
}

#[actix_web::test]
async fn a_wrong_birth_date_at_the_kiosk_answers_like_an_unknown_patient() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 6, 0)).await;
    let seed = seed(&app);
    let (status, _) = app.post_json("/api/v1/bookings", &booking_body(seed.today, 1)).await;
    assert_eq!(status, 201);
    let b = Browser::start(1080, 1920).await;
    b.client.goto(&app.kiosk_link("/kiosk?clinics=ANA")).await.unwrap();
    tap(&b, "#check-in-identity").await;
    keys(&b, &nik(1)).await;
    tap(&b, "#id-next").await;
    // 31 February is no date: the button stays off.
    keys(&b, "31021990").await;
    wait_text(&b, "Tanggal lahir tidak valid").await;
    assert_eq!(js(&b, "return document.getElementById('birth-submit').disabled;").await, true);
    tap(&b, "main#screen .key[data-key=\"CLR\"]").await;
    keys(&b, "18051990").await;
    tap(&b, "#birth-submit").await;
    // The NIK's birth date (17-05-90) disagrees: refused on the spot, nothing checked in.
    let text = wait_text(&b, "tanggal lahir").await;
    assert!(b.client.find(fantoccini::Locator::Css("#retry")).await.is_ok(), "{text}");
    private(&text, &[&nik(1), "Pasien Uji"]);
    b.close().await;
    let status: String = {
        use sipoli::db::schema::visits;
        visits::table.select(visits::status).first(&mut app.conn()).unwrap()
    };
    assert_eq!(status, "booked", "nothing checked in");
}

#[actix_web::test]
async fn a_visit_is_rated_and_a_complaint_filed_at_the_kiosk() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let codes = crate::open_data::serve_day(&app, seed.today, &[10], false).await;
    let code = codes[0].clone();
    for (portrait, (w, h)) in [(false, (1920, 1080)), (true, (1080, 1920))] {
        let tag = if portrait { "portrait" } else { "landscape" };
        let b = Browser::start(w, h).await;
        b.viewport(w, h).await;
        b.client.goto(&app.kiosk_link("/kiosk?clinics=ANA")).await.unwrap();
        b.wait_css("#rate").await;
        js(&b, "window.print = function () {}; return 1;").await;
        if !portrait {
            // Rating: the ticket's QR code scanned (the status page's address).
            tap(&b, "#rate").await;
            b.wait_css("#code-entry").await;
            look(&b, &format!("{tag}_rate_code"), portrait).await;
            let scan = b.wait_css("#scan").await;
            scan.send_keys(&format!("{}/antrean/{code}\u{E007}", app.address)).await.unwrap();
            tap(&b, "#rate-4").await;
            tap(&b, "#topic-waktu_tunggu").await;
            tap(&b, "#topic-kebersihan").await;
            look(&b, &format!("{tag}_rate"), portrait).await;
            tap(&b, "#rate-send").await;
            b.wait_css("#thanks").await;
            look(&b, &format!("{tag}_thanks"), portrait).await;
            tap(&b, "#done").await;
        }
        // Complaint: category, a ready sentence, a few letters, the booking code skipped.
        tap(&b, "#complain").await;
        b.wait_css("#category-waktu_tunggu").await;
        look(&b, &format!("{tag}_complaint_category"), portrait).await;
        tap(&b, "#category-waktu_tunggu").await;
        tap(&b, "#phrase-0").await;
        for k in ["SPACE", "S", "E", "K", "A", "L", "I"] {
            tap(&b, &format!(".keypad.letters .key[data-key=\"{k}\"]")).await;
        }
        wait_text(&b, "Antrean terlalu lama Sekali").await;
        look(&b, &format!("{tag}_complaint_text"), portrait).await;
        tap(&b, "#text-next").await;
        b.wait_css("#code-skip").await;
        look(&b, &format!("{tag}_complaint_code"), portrait).await;
        tap(&b, "#code-skip").await;
        let shown = b.wait_css("#complaint-code").await.text().await.unwrap();
        wait_text(&b, "Ditanggapi paling lambat").await;
        look(&b, &format!("{tag}_complaint_done"), portrait).await;
        let (status, public) = app.get_json(&format!("/api/v1/complaints/{shown}")).await;
        assert_eq!(status, 200, "{public}");
        assert_eq!(public["category"], "waktu_tunggu");
        b.close().await;
    }
    {
        use sipoli::db::schema::{complaints, feedback};
        let (rating, cats): (i16, Vec<String>) = feedback::table
            .select((feedback::rating, feedback::categories))
            .first(&mut app.conn())
            .unwrap();
        assert_eq!((rating, cats), (4, vec!["waktu_tunggu".into(), "kebersihan".into()]));
        let rows: Vec<(String, String)> = complaints::table
            .select((complaints::channel, complaints::body))
            .load(&mut app.conn())
            .unwrap();
        assert_eq!(rows.len(), 2);
        for (channel, text) in rows {
            assert_eq!((channel.as_str(), text.as_str()), ("kiosk", "Antrean terlalu lama Sekali"));
        }
    }
}

#[actix_web::test]
async fn a_kiosk_complaint_is_marked_kiosk_and_its_code_printed_on_the_kiosk_printer() {
    let mut app = TestApp::spawn().await;
    let body = json!({"category": "fasilitas", "text": "Toilet kotor sekali", "channel": "kiosk"});
    let (status, filed) = app.post_json("/api/v1/complaints", &body).await;
    assert_eq!(status, 201, "{filed}");
    let code = filed["code"].as_str().unwrap().to_string();
    // Without a paired kiosk, "channel": "kiosk" is not believed.
    let anonymous = crate::helpers::client_builder().build().unwrap();
    let res =
        anonymous.post(app.url("/api/v1/complaints")).json(&body).send().await.expect("request");
    assert_eq!(res.status(), 201);
    let channels: Vec<String> = {
        use sipoli::db::schema::complaints;
        complaints::table.select(complaints::channel).order(complaints::id).load(&mut app.conn())
    }
    .unwrap();
    assert_eq!(channels, ["kiosk", "web"]);

    let print = format!("/api/v1/kiosk/complaints/{code}/print");
    let (status, body) = app.post_json(&print, &json!({})).await;
    assert_eq!((status.as_u16(), body["error"]["code"].as_str()), (409, Some("no_printer")));
    app.login_as("admin", Role::Admin, &[]).await;
    let (_, list) = app.get_json("/api/v1/staff/kiosks").await;
    let kiosk = list.as_array().unwrap().iter().find(|k| k["paired"] == true).unwrap()["id"]
        .as_i64()
        .unwrap();
    let (addr, received) = printer(0x12).await;
    let (status, _) = app
        .put_json(
            &format!("/api/v1/staff/kiosks/{kiosk}/printer"),
            &json!({"printer": format!("tcp://{}:{}", addr.host, addr.port)}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = app.post_json(&print, &json!({"language": "id"})).await;
    assert_eq!(status, 200, "{body}");
    let commands = parse(&received.await.unwrap());
    assert!(commands.contains(&Command::Text(code.clone())), "{commands:?}");
    assert!(commands.contains(&Command::Text("Pengaduan: Fasilitas".into())), "{commands:?}");
    assert!(
        commands.iter().any(
            |c| matches!(c, Command::QrStore(u) if u.ends_with(&format!("/pengaduan/{code}")))
        ),
        "{commands:?}"
    );
    assert!(!commands.iter().any(|c| matches!(c, Command::Text(t) if t.contains("Toilet"))));
    let (status, _) = app.post_json("/api/v1/kiosk/complaints/NOPE/print", &json!({})).await;
    assert!(status.is_client_error());
}
