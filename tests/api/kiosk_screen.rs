//! The kiosk on a floor-standing 1080×1920 portrait screen in real headless Chromium:
//! working controls in the lower two thirds; a reload while the server is unreachable
//! still shows the kiosk's own outage message (service worker) and it comes back by itself;
//! the English ticket is English throughout.
use std::time::Duration;

use diesel::prelude::*;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::browser::Browser;
use crate::helpers::{TestApp, seed};

async fn js(b: &Browser, script: &str) -> Value {
    b.client.execute(script, vec![]).await.unwrap()
}

async fn tap(b: &Browser, css: &str) {
    b.wait_css(css).await.click().await.unwrap_or_else(|e| panic!("tap {css}: {e}"));
}

/// Wait (up to `secs`) until the page's text contains `needle`.
async fn wait_text(b: &Browser, needle: &str, secs: u64) -> String {
    for _ in 0..secs * 10 {
        let text = b.body_text().await;
        if text.contains(needle) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("page never showed {needle:?}: {}", b.body_text().await);
}

/// Controls of the kiosk's main area above the lower two thirds of the screen.
const HIGH_CONTROLS: &str = r#"
var H = window.innerHeight, out = [];
document.querySelectorAll("main#screen button, main#screen .key, main#screen .entry").forEach(function (e) {
  var r = e.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return;
  if (r.top < H / 3 || r.bottom > H) out.push((e.id || e.className) + " '" + e.textContent.trim().slice(0, 30) + "' at " + Math.round(r.top) + "–" + Math.round(r.bottom));
});
return out;
"#;

async fn controls_low(b: &Browser, screen: &str) {
    let high = js(b, HIGH_CONTROLS).await;
    b.screenshot(&format!("kiosk_portrait_{screen}")).await;
    assert_eq!(high, Value::Array(vec![]), "{screen}: controls out of the lower two thirds");
}

#[actix_web::test]
async fn kiosk_controls_sit_in_the_lower_two_thirds_of_a_portrait_screen() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let b = Browser::start(1080, 1920).await;
    b.viewport(1080, 1920).await;
    b.client.goto(&app.kiosk_link("/kiosk?clinics=ANA")).await.unwrap();
    b.wait_css("#walk-in").await;
    js(&b, "window.print = function () {}; return 1;").await;
    tap(&b, "#walk-in").await;
    b.wait_css("[data-clinic=\"ANA\"]").await;
    controls_low(&b, "clinics").await;
    tap(&b, "[data-clinic=\"ANA\"]").await;
    b.wait_css(&format!("[data-session=\"{}\"]", seed.today)).await;
    controls_low(&b, "sessions").await;
    tap(&b, &format!("[data-session=\"{}\"]", seed.today)).await;
    b.wait_css("#payer-jkn").await;
    controls_low(&b, "payer").await;
    tap(&b, "#payer-jkn").await;
    b.wait_css("#phone-skip").await;
    controls_low(&b, "phone").await;
    tap(&b, "#phone-skip").await;
    b.wait_css("#done").await;
    controls_low(&b, "ticket").await;
    tap(&b, "#done").await;
    tap(&b, "#check-in").await;
    b.wait_css("#code-submit").await;
    controls_low(&b, "code").await;
    b.close().await;
}

#[actix_web::test]
async fn the_english_ticket_is_english_throughout() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    {
        use sipoli::db::schema::clinics;
        diesel::update(clinics::table.filter(clinics::code.eq("ANA")))
            .set(clinics::name_en.eq("Paediatrics"))
            .execute(&mut app.conn())
            .unwrap();
    }
    let b = Browser::start(1080, 1920).await;
    b.client.goto(&app.kiosk_link("/kiosk?clinics=ANA&lang=en")).await.unwrap();
    b.wait_css("#walk-in").await;
    js(&b, "window.print = function () {}; return 1;").await;
    tap(&b, "#walk-in").await;
    tap(&b, "[data-clinic=\"ANA\"]").await;
    tap(&b, &format!("[data-session=\"{}\"]", seed.today)).await;
    tap(&b, "#payer-umum").await;
    tap(&b, "#phone-skip").await;
    b.wait_css("#ticket .t-number").await;
    let text = js(&b, "return document.getElementById('ticket').innerText;").await;
    let text = text.as_str().unwrap();
    for needle in ["Your queue number", "Paediatrics", "Tuesday, 1 December 2026", "Self-paying"] {
        assert!(text.contains(needle), "English ticket lacks {needle:?}: {text}");
    }
    for word in ["orang", "Poli ", "Selasa", "Desember", "Dicetak", "Umum", "Silakan", "Tanggal"] {
        assert!(!text.contains(word), "Indonesian {word:?} on the English ticket: {text}");
    }
    b.close().await;
}

/// A TCP relay in front of the app: the browser's "server", which the test can switch off
/// (connections refused and cut) and on again on the same port.
struct Relay {
    port: u16,
    off: watch::Sender<bool>,
}

impl Relay {
    async fn start(app: &TestApp, port: u16) -> Relay {
        let target = app.address.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (off, mut stop) = watch::channel(false);
        let conn_stop = off.subscribe();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stop.changed() => break,
                    accepted = listener.accept() => {
                        let Ok((mut inbound, _)) = accepted else { break };
                        let (target, mut stop) = (target.clone(), conn_stop.clone());
                        tokio::spawn(async move {
                            let Ok(mut outbound) = TcpStream::connect(target).await else { return };
                            tokio::select! {
                                _ = stop.changed() => {}
                                _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                            }
                        });
                    }
                }
            }
        });
        Relay { port, off }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    async fn stop(self) -> u16 {
        let _ = self.off.send(true);
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.port
    }
}

#[actix_web::test]
async fn the_kiosk_comes_up_during_an_outage_and_recovers() {
    let app = TestApp::spawn().await;
    seed(&app);
    let relay = Relay::start(&app, 0).await;
    let b = Browser::start(1080, 1920).await;
    let pairing = app.kiosk_link("/kiosk?clinics=ANA");
    let pairing = pairing.trim_start_matches(&app.url(""));
    b.client.goto(&relay.url(pairing)).await.unwrap();
    b.wait_css("#walk-in").await;
    // The service worker is in charge and has the shell.
    let mut ready = Value::Null;
    for _ in 0..100 {
        ready = js(&b, "return !!(navigator.serviceWorker && navigator.serviceWorker.controller);")
            .await;
        if ready == Value::Bool(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ready, Value::Bool(true), "the kiosk page is controlled by its service worker");
    let port = relay.stop().await;
    b.client.refresh().await.unwrap();
    let text = wait_text(&b, "Layanan sedang gangguan, silakan ke loket", 20).await;
    assert!(!text.contains("Ambil nomor antrean"), "no ticket offered during an outage: {text}");
    b.screenshot("kiosk_outage").await;
    // The server is back: the kiosk finds it by itself.
    let relay = Relay::start(&app, port).await;
    wait_text(&b, "Ambil nomor antrean", 20).await;
    relay.stop().await;
    b.close().await;
}
