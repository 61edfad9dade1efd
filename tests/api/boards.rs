//! TV boards at 1920×1080 with 1, 2, 4, 6 and 8 clinics in real headless Chromium: through
//! the elements' bounding boxes, nothing spills out of its card or off the screen, cards do
//! not overlap, ticket numbers stay on one line, three next tickets show. Screenshots go to
//! `target/screenshots/board_{n}.png`. Also: `/display` without clinics offers a chooser.
use chrono::{NaiveDate, NaiveTime};
use diesel::prelude::*;
use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::browser::Browser;
use crate::helpers::TestApp;

/// (code, name, ticket prefix): long names and three-letter prefixes on purpose.
const CLINICS: [(&str, &str, &str); 8] = [
    ("ANA", "Poli Anak", "B"),
    ("INT", "Poli Penyakit Dalam", "INT"),
    ("OBG", "Poli Kebidanan dan Kandungan", "KIA"),
    ("BED", "Poli Bedah Umum", "BED"),
    ("MAT", "Poli Mata", "M"),
    ("GIG", "Poli Gigi dan Mulut", "GIG"),
    ("SAR", "Poli Saraf", "SAR"),
    ("THT", "Poli Telinga Hidung Tenggorokan", "THT"),
];

/// A clinic with one doctor and a session today 08:00–12:00 WIT; the session's id.
fn clinic_with_session(app: &TestApp, i: usize) -> i32 {
    use sipoli::db::schema::*;
    let (code, name, prefix) = CLINICS[i];
    let mut c = app.conn();
    let clinic_id: i32 = diesel::insert_into(clinics::table)
        .values((
            clinics::code.eq(code),
            clinics::name.eq(name),
            clinics::prefix.eq(prefix),
            clinics::room.eq(format!("Ruang {}", i + 1)),
        ))
        .returning(clinics::id)
        .get_result(&mut c)
        .unwrap();
    let doctor_id: i32 = diesel::insert_into(doctors::table)
        .values((doctors::code.eq(format!("D{i:03}")), doctors::name.eq(format!("dr. Dokter {i}"))))
        .returning(doctors::id)
        .get_result(&mut c)
        .unwrap();
    diesel::insert_into(clinic_sessions::table)
        .values((
            clinic_sessions::clinic_id.eq(clinic_id),
            clinic_sessions::doctor_id.eq(doctor_id),
            clinic_sessions::service_date.eq(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
            clinic_sessions::starts_at.eq(NaiveTime::from_hms_opt(8, 0, 0).unwrap()),
            clinic_sessions::ends_at.eq(NaiveTime::from_hms_opt(12, 0, 0).unwrap()),
            clinic_sessions::quota_jkn.eq(30),
            clinic_sessions::quota_non_jkn.eq(30),
            clinic_sessions::online_limit.eq(10),
        ))
        .returning(clinic_sessions::id)
        .get_result(&mut c)
        .unwrap()
}

/// Six tickets; the first called and finished, the second called now.
async fn busy_queue(app: &TestApp, session: i32) {
    for _ in 0..6 {
        let res = app
            .post("/api/v1/kiosk/tickets", &json!({"session_id": session, "payer": "jkn"}))
            .await;
        assert_eq!(res.status(), 201);
    }
    let call = format!("/api/v1/staff/sessions/{session}/call-next");
    let (status, first) = app.post_json(&call, &json!({})).await;
    assert_eq!(status, 200, "{first}");
    let first = first["id"].as_i64().unwrap();
    for action in ["start", "finish"] {
        let res = app.post(&format!("/api/v1/staff/visits/{first}/{action}"), &json!({})).await;
        assert_eq!(res.status(), 200);
    }
    let (status, second) = app.post_json(&call, &json!({})).await;
    assert_eq!(status, 200, "{second}");
}

/// Everything wrong with the board's layout, as the browser measures it.
const LAYOUT_PROBLEMS: &str = r#"
var probs = [], W = window.innerWidth, H = window.innerHeight;
function box(e) { return e.getBoundingClientRect(); }
function inside(a, b) { return a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5; }
var screen = { left: 0, top: 0, right: W, bottom: H };
document.querySelectorAll("body > header, body > main, body > footer").forEach(function (e) {
  if (!inside(box(e), screen)) probs.push(e.tagName + " off the screen");
});
var cards = Array.prototype.slice.call(document.querySelectorAll(".clinic"));
cards.forEach(function (card, i) {
  var c = box(card), name = card.getAttribute("data-clinic");
  if (!inside(c, screen)) probs.push(name + ": card off the screen");
  cards.slice(i + 1).forEach(function (o) {
    var d = box(o);
    if (!(d.left >= c.right || d.right <= c.left || d.top >= c.bottom || d.bottom <= c.top)) probs.push(name + " overlaps " + o.getAttribute("data-clinic"));
  });
  card.querySelectorAll("h2, .label, .ticket, .where, h3, li").forEach(function (e) {
    if (e.offsetParent === null) return;
    if (!inside(box(e), c)) probs.push(name + ": " + e.className + " '" + e.textContent + "' outside its card");
    if (e.scrollWidth > e.clientWidth + 1) probs.push(name + ": '" + e.textContent + "' spills (" + e.scrollWidth + " > " + e.clientWidth + ")");
    var size = parseFloat(getComputedStyle(e).fontSize);
    if (size < 24) probs.push(name + ": '" + e.textContent + "' too small to read across a room (" + size + " px)");
  });
  var h2 = card.querySelector("h2");
  if (h2.scrollHeight > h2.clientHeight + 1) probs.push(name + ": the name is cut off");
  var now = card.querySelector(".now");
  now.querySelectorAll("div").forEach(function (e) {
    if (!inside(box(e), box(now))) probs.push(name + ": '" + e.textContent + "' clipped by its box");
  });
  var t = card.querySelector(".now .ticket");
  var lines = box(t).height / (parseFloat(getComputedStyle(t).fontSize) * 1.05);
  if (lines > 1.3) probs.push(name + ": the ticket wraps (" + lines.toFixed(2) + " lines)");
  var next = card.querySelectorAll("ul.next li");
  if (next.length !== 3) probs.push(name + ": " + next.length + " next tickets, not 3");
});
return { probs: probs, cards: cards.length, w: W, h: H,
         tickets: cards.map(function (c) { return c.querySelector(".now .ticket").textContent; }) };
"#;

#[actix_web::test]
async fn boards_of_one_to_eight_clinics_fit_a_full_hd_screen() {
    let mut app = TestApp::spawn().await;
    let sessions: Vec<i32> = (0..CLINICS.len()).map(|i| clinic_with_session(&app, i)).collect();
    app.login_as("admin", Role::Admin, &[]).await;
    for &s in &sessions {
        busy_queue(&app, s).await;
    }
    let b = Browser::start(1920, 1080).await;
    b.viewport(1920, 1080).await;
    for n in [1, 2, 4, 6, 8] {
        let codes: Vec<&str> = CLINICS[..n].iter().map(|c| c.0).collect();
        b.client.goto(&app.url(&format!("/display?clinics={}", codes.join(",")))).await.unwrap();
        let mut report = Value::Null;
        for _ in 0..50 {
            report = b.client.execute(LAYOUT_PROBLEMS, vec![]).await.unwrap();
            let called = report["tickets"].as_array().is_some_and(|t| {
                t.len() == n && t.iter().all(|t| t.as_str().is_some_and(|t| t.ends_with("-002")))
            });
            if called {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        b.screenshot(&format!("board_{n}")).await;
        assert_eq!((report["w"].as_u64(), report["h"].as_u64()), (Some(1920), Some(1080)));
        assert_eq!(report["cards"].as_u64(), Some(n as u64), "{report}");
        let tickets = report["tickets"].as_array().unwrap();
        assert!(tickets.iter().all(|t| t.as_str().unwrap().ends_with("-002")), "{report}");
        let probs = report["probs"].as_array().unwrap();
        assert!(probs.is_empty(), "board of {n}: {probs:#?}");
    }
    b.close().await;
}

#[actix_web::test]
async fn a_board_without_clinics_offers_a_choice() {
    let app = TestApp::spawn().await;
    clinic_with_session(&app, 0);
    clinic_with_session(&app, 1);
    let res = app.get("/display").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    for needle in ["Papan antrean: pilih poli", "Poli Anak", "Poli Penyakit Dalam", "value=\"INT\""]
    {
        assert!(html.contains(needle), "chooser lacks {needle:?}: {html}");
    }
    let b = Browser::start(1280, 800).await;
    b.client.goto(&app.url("/display")).await.unwrap();
    b.wait_css("input[value=ANA]").await.click().await.unwrap();
    b.wait_css("input[value=INT]").await.click().await.unwrap();
    b.wait_css("#choose button[type=submit]").await.click().await.unwrap();
    b.wait_css(".clinic[data-clinic=INT]").await;
    let url = b.client.current_url().await.unwrap();
    assert_eq!(url.path(), "/display");
    assert_eq!(b.client.find_all(fantoccini::Locator::Css(".clinic")).await.unwrap().len(), 2);
    b.close().await;
}
