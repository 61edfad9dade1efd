//! Thermal printers of the kiosks and the desks: addresses validated and stored (kiosk
//! registration, the desk's account), the kiosk's ticket printed by SIPOLI in ESC/POS on a
//! loopback printer, "printer tidak terjangkau" / "kertas habis" answered to the kiosk and
//! shown on the console, and in headless Chromium the kiosk screen saying so and falling
//! back to browser printing.
use std::time::Duration;

use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::browser::Browser;
use crate::escpos_printer::{Command, parse, printer};
use crate::helpers::{TestApp, seed};
use crate::pages::{Visitor, hidden, make_staff};

/// The id of the kiosk the test app paired at start.
async fn paired_kiosk(app: &TestApp) -> i64 {
    let (status, list) = app.get_json("/api/v1/staff/kiosks").await;
    assert_eq!(status, 200, "{list}");
    list.as_array().unwrap().iter().find(|k| k["paired"] == true).unwrap()["id"].as_i64().unwrap()
}

/// A port on loopback where nothing listens.
fn dead_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn set_printer(app: &TestApp, kiosk: i64, printer: &str) -> (reqwest::StatusCode, Value) {
    app.put_json(&format!("/api/v1/staff/kiosks/{kiosk}/printer"), &json!({"printer": printer}))
        .await
}

#[actix_web::test]
async fn printer_addresses_are_validated_and_stored_with_the_kiosk() {
    let mut app = TestApp::spawn().await;
    app.login_as("admin", Role::Admin, &[]).await;
    for bad in [
        "192.168.1.50",
        "http://printer:9100",
        "tcp://printer:0",
        "tcp://a b:9100",
        "tcp://p:99999",
    ] {
        let (status, body) =
            app.post_json("/api/v1/staff/kiosks", &json!({"name": "Lobi", "printer": bad})).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert_eq!(body["error"]["fields"]["printer"]["code"], "invalid_printer", "{body}");
    }
    assert_eq!(app.count("kiosk_devices"), 1, "nothing registered");
    let (status, body) = app
        .post_json(
            "/api/v1/staff/kiosks",
            &json!({"name": "Lobi", "printer": "tcp://Printer-Lobi:9100"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, list) = app.get_json("/api/v1/staff/kiosks").await;
    let lobi = list.as_array().unwrap().iter().find(|k| k["name"] == "Lobi").unwrap().clone();
    assert_eq!(lobi["printer"], "tcp://printer-lobi:9100");
    let id = lobi["id"].as_i64().unwrap();
    let (status, body) = set_printer(&app, id, "tcp://10.0.0.9").await;
    assert_eq!((status.as_u16(), &body["printer"]), (200, &json!("tcp://10.0.0.9:9100")), "{body}");
    let (status, _) = set_printer(&app, id, "lpt1").await;
    assert_eq!(status, 422);
    let (status, body) = set_printer(&app, id, "").await;
    assert_eq!((status.as_u16(), &body["printer"]), (200, &Value::Null));
    // Only admins.
    app.login_as("loket", Role::Registration, &[]).await;
    let (status, _) = set_printer(&app, id, "tcp://10.0.0.9:9100").await;
    assert_eq!(status, 403);
}

#[actix_web::test]
async fn the_kiosk_prints_on_its_network_printer_and_reports_problems() {
    let mut app = TestApp::spawn().await;
    let s = seed(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let kiosk = paired_kiosk(&app).await;
    let (status, placed) = app
        .post_json("/api/v1/kiosk/tickets", &json!({"session_id": s.today, "payer": "non_jkn"}))
        .await;
    assert_eq!(status, 201, "{placed}");
    let code = placed["booking_code"].as_str().unwrap().to_string();
    let print = format!("/api/v1/kiosk/tickets/{code}/print");

    // No printer set: the kiosk prints through the browser.
    let (status, body) = app.post_json(&print, &json!({})).await;
    assert_eq!((status.as_u16(), body["error"]["code"].as_str()), (409, Some("no_printer")));

    // A working printer gets the ticket: large number, facts, QR, cut.
    let (addr, received) = printer(0x12).await;
    assert_eq!(
        set_printer(&app, kiosk, &format!("tcp://{}:{}", addr.host, addr.port)).await.0,
        200
    );
    let (status, body) = app.post_json(&print, &json!({"language": "id"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["printed"], true);
    let commands = parse(&received.await.unwrap());
    assert_eq!(commands[0], Command::StatusRequest);
    let big = commands.iter().position(|c| *c == Command::Size(0x33)).expect("a large number");
    assert_eq!(commands[big + 2], Command::Text("B-001".into()), "{commands:?}");
    assert!(commands.contains(&Command::Text("Pembayaran: Umum".into())), "{commands:?}");
    assert!(commands.contains(&Command::Text("Poli: Poli Anak - Ruang 2".into())), "{commands:?}");
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::QrStore(u) if u.ends_with(&format!("/antrean/{code}")))),
        "{commands:?}"
    );
    assert_eq!(commands.last(), Some(&Command::Cut));

    // Out of paper: 503 with its reason, nothing printed.
    let (addr, received) = printer(0x72).await;
    assert_eq!(
        set_printer(&app, kiosk, &format!("tcp://{}:{}", addr.host, addr.port)).await.0,
        200
    );
    let (status, body) = app.post_json(&print, &json!({})).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "printer_paper_out");
    assert_eq!(body["error"]["message"], "Kertas printer habis.");
    assert_eq!(parse(&received.await.unwrap()), vec![Command::StatusRequest]);
    let console = app.get("/staff/anjungan").await.text().await.unwrap();
    assert!(console.contains("data-printer-problem=\"paper_out\""), "{console}");
    assert!(console.contains("Kertas printer habis."), "{console}");

    // Not reachable.
    assert_eq!(set_printer(&app, kiosk, &format!("tcp://127.0.0.1:{}", dead_port())).await.0, 200);
    let (status, body) = app.post_json(&print, &json!({})).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "printer_unreachable");
    assert_eq!(body["error"]["message"], "Printer tidak terjangkau.");
    let console = app.get("/staff/anjungan").await.text().await.unwrap();
    assert!(console.contains("Printer tidak terjangkau."), "{console}");
}

/// The notice under the ticket once printing has settled, and how often the browser printed.
async fn print_outcome(b: &Browser) -> (String, i64, Option<String>) {
    for _ in 0..100 {
        let v = b
            .client
            .execute(
                "var n = document.getElementById('print-notice'); return [n.textContent, window.printed, n.getAttribute('data-printer-problem'), n.getAttribute('data-settled')];",
                vec![],
            )
            .await
            .unwrap();
        let printed = v[1].as_i64().unwrap_or(0);
        let problem = v[2].as_str().map(String::from);
        // Browser printing comes 300 ms after the problem is shown: wait for both.
        if (problem.is_some() && printed > 0) || (problem.is_none() && v[3] == "1") {
            return (v[0].as_str().unwrap().to_string(), printed, problem);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("printing never settled");
}

#[actix_web::test]
async fn the_kiosk_screen_reports_its_printer_and_falls_back_to_the_browser() {
    let mut app = TestApp::spawn().await;
    let s = seed(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let b = Browser::start(1080, 1920).await;

    // kiosk_link registers the screen's own kiosk: set its printer once it is paired.
    let dead = format!("tcp://127.0.0.1:{}", dead_port());
    b.client.goto(&app.kiosk_link("/kiosk?clinics=ANA")).await.unwrap();
    b.wait_css("#walk-in").await;
    let (_, list) = app.get_json("/api/v1/staff/kiosks").await;
    let screen_kiosk = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["paired"] == true)
        .map(|k| k["id"].as_i64().unwrap())
        .max()
        .unwrap();
    assert_eq!(set_printer(&app, screen_kiosk, &dead).await.0, 200);
    b.client.refresh().await.unwrap();
    b.wait_css("body[data-printer=\"1\"]").await;
    take_ticket_on_screen(&b, s.today).await;
    let (notice, printed, problem) = print_outcome(&b).await;
    b.screenshot("kiosk_printer_unreachable").await;
    assert!(notice.contains("Printer tidak terjangkau."), "{notice}");
    assert!(notice.contains("lewat browser"), "{notice}");
    assert_eq!(problem.as_deref(), Some("503"));
    assert_eq!(printed, 1, "falls back to browser printing");

    // A working printer: SIPOLI prints, the browser does not.
    let (addr, received) = printer(0x12).await;
    assert_eq!(
        set_printer(&app, screen_kiosk, &format!("tcp://{}:{}", addr.host, addr.port)).await.0,
        200
    );
    take_ticket_on_screen(&b, s.today).await;
    let commands = parse(&received.await.unwrap());
    assert!(commands.contains(&Command::Text("B-002".into())), "{commands:?}");
    let (notice, printed, problem) = print_outcome(&b).await;
    assert_eq!((printed, problem), (0, None), "{notice}");
    assert!(notice.contains("Tiket sedang dicetak"), "{notice}");
    b.close().await;
}

/// The same flow on the page already open (the kiosk stays paired).
/// Take a walk-in ticket on the kiosk screen; `window.print` only counts its calls.
async fn take_ticket_on_screen(b: &Browser, session: i32) {
    b.client.goto(b.client.current_url().await.unwrap().as_ref()).await.unwrap();
    b.wait_css("#walk-in").await;
    b.client
        .execute(
            "window.printed = 0; window.print = function () { window.printed++; }; return 1;",
            vec![],
        )
        .await
        .unwrap();
    for css in [
        "#walk-in".to_string(),
        "[data-clinic=\"ANA\"]".into(),
        format!("[data-session=\"{session}\"]"),
        "#payer-jkn".into(),
        "#phone-skip".into(),
    ] {
        b.wait_css(&css).await.click().await.unwrap();
    }
    b.wait_css("#done").await;
}

#[actix_web::test]
async fn the_desk_printer_is_kept_with_the_account_and_validated() {
    let app = TestApp::spawn().await;
    let s = seed(&app);
    let (status, placed) = app
        .post_json("/api/v1/kiosk/tickets", &json!({"session_id": s.today, "payer": "jkn"}))
        .await;
    assert_eq!(status, 201);
    let id = app.visit_id(placed["booking_code"].as_str().unwrap());
    make_staff(&app, "meja2", Role::Registration, &[]);
    let mut v = Visitor::new(&app);
    v.login("meja2", "rahasia-uji").await;
    let page = v.get(&format!("/staff/tiket/{id}")).await;
    let csrf = hidden(&page.body, "csrf");
    let res = v
        .post(
            &format!("/staff/tiket/{id}/cetak"),
            &[("csrf", &csrf), ("printer", "tcp://printer lobi:9100")],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("tcp://alamat:port"), "{}", res.body);
    let stored: Option<String> = {
        use diesel::prelude::*;
        use sipoli::db::schema::staff_users;
        staff_users::table
            .filter(staff_users::username.eq("meja2"))
            .select(staff_users::printer)
            .first(&mut app.conn())
            .unwrap()
    };
    assert_eq!(stored, None, "a bad address is not kept");
    let (addr, received) = printer(0x12).await;
    let url = format!("tcp://{}:{}", addr.host, addr.port);
    let res =
        v.post(&format!("/staff/tiket/{id}/cetak"), &[("csrf", &csrf), ("printer", &url)]).await;
    assert_eq!(res.status, 303, "{}", res.body);
    received.await.unwrap();
    // Another browser of the same account finds the desk's printer already set.
    let mut other = Visitor::new(&app);
    other.login("meja2", "rahasia-uji").await;
    let page = other.get(&format!("/staff/tiket/{id}")).await;
    assert!(page.body.contains(&format!("value=\"{url}\"")), "{}", page.body);
}
