//! The staff console over the background work: the notifications page (masked recipients,
//! a CSRF-checked retry of dead jobs), the BPJS reports page, the navigation per role, and
//! the live queue screen in real Chromium.
use std::time::Duration;

use diesel::prelude::*;
use serde_json::{Value, json};
use sipoli::auth::Role;
use sipoli::db::schema::bpjs_tasks;
use sipoli::db::schema::notification_jobs;

use crate::browser::Browser;
use crate::helpers::*;
use crate::pages::{Visitor, hidden, make_staff};

/// A visitor logged in through the form as a new account.
async fn logged_in(app: &TestApp, username: &str, role: Role, clinics: &[&str]) -> Visitor {
    make_staff(app, username, role, clinics);
    let mut v = Visitor::new(app);
    let res = v.login(username, "rahasia-uji").await;
    assert_eq!(res.location, "/staff", "{username} logged in");
    v
}

/// A booking with an email address and a phone; the id of its confirmation email job,
/// made dead as after a final refusal of the mail relay.
async fn dead_email_job(app: &TestApp, session: i32) -> i64 {
    let mut body = booking_body(session, 1);
    body["patient"]["email"] = json!("pasien1@example.test");
    assert_eq!(app.post("/api/v1/bookings", &body).await.status(), 201);
    let id: i64 = notification_jobs::table
        .filter(notification_jobs::channel.eq("email"))
        .select(notification_jobs::id)
        .first(&mut app.conn())
        .unwrap();
    diesel::update(notification_jobs::table.find(id))
        .set((
            notification_jobs::status.eq("dead"),
            notification_jobs::attempts.eq(1),
            notification_jobs::last_error.eq("550 5.1.1 No such mailbox"),
        ))
        .execute(&mut app.conn())
        .unwrap();
    id
}

fn job_status(app: &TestApp, id: i64) -> String {
    notification_jobs::table
        .find(id)
        .select(notification_jobs::status)
        .first(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn console_pages_open_for_the_right_roles_only() {
    let app = TestApp::spawn().await;
    seed(&app);
    let mut anonymous = Visitor::new(&app);
    for path in ["/staff/notifikasi", "/staff/bpjs"] {
        let res = anonymous.get(path).await;
        assert_eq!((res.status.as_u16(), res.location.as_str()), (303, "/staff/masuk"), "{path}");
    }

    let mut desk = logged_in(&app, "loket", Role::Registration, &[]).await;
    let today = desk.get("/staff").await;
    assert!(!today.body.contains("/staff/notifikasi"), "no link where the page is refused");
    assert!(!today.body.contains("/staff/bpjs") && !today.body.contains("/staff/papan"));
    assert_eq!(desk.get("/staff/notifikasi").await.status, 403);
    assert_eq!(desk.get("/staff/bpjs").await.status, 403);

    let mut nurse = logged_in(&app, "anak", Role::Clinic, &["ANA"]).await;
    let today = nurse.get("/staff").await;
    assert!(today.body.contains("href=\"/staff/notifikasi\""), "{}", today.body);
    assert!(today.body.contains("href=\"/staff/papan\""), "the running-text form");
    assert!(!today.body.contains("href=\"/staff/bpjs\""), "BPJS is for admins");
    assert!(!today.body.contains("href=\"/kiosk\""), "screens are for admins");
    assert_eq!(nurse.get("/staff/notifikasi").await.status, 200);
    assert_eq!(nurse.get("/staff/bpjs").await.status, 403);

    let mut admin = logged_in(&app, "admin", Role::Admin, &[]).await;
    let today = admin.get("/staff").await;
    for link in ["/staff/notifikasi", "/staff/bpjs", "/staff/papan", "/kiosk"] {
        assert!(today.body.contains(&format!("href=\"{link}\"")), "{link}: {}", today.body);
    }
    assert!(today.body.contains("href=\"/display?clinics=ANA\""), "a board of the clinics");
    assert_eq!(admin.get("/staff/notifikasi").await.status, 200);
    assert_eq!(admin.get("/staff/bpjs").await.status, 200);
    // The running-text form the link leads to answers; the bare form stays for old links.
    assert_eq!(admin.get("/staff/papan").await.status, 200);
    assert_eq!(admin.get("/display/message").await.status, 200);
}

#[actix_web::test]
async fn a_dead_notification_is_listed_masked_and_retried_from_the_page() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let id = dead_email_job(&app, seed.tomorrow).await;

    let mut other = logged_in(&app, "mata", Role::Clinic, &[]).await;
    let page = other.get("/staff/notifikasi").await;
    assert!(!page.body.contains("data-job="), "not their clinic: {}", page.body);
    let token = hidden(&page.body, "csrf");
    let retry = format!("/staff/notifikasi/{id}/kirim-ulang");
    assert_eq!(other.post(&retry, &[("csrf", &token)]).await.status, 404);
    assert_eq!(job_status(&app, id), "dead");

    let mut nurse = logged_in(&app, "anak", Role::Clinic, &["ANA"]).await;
    let page = nurse.get("/staff/notifikasi").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!("data-job=\"{id}\"")), "{}", page.body);
    assert!(page.body.contains("550 5.1.1 No such mailbox"), "the last error");
    assert!(page.body.contains("percobaan 1/"), "attempts");
    assert!(page.body.contains("WIT"), "times in WIT");
    assert!(!page.body.contains("pasien1@example.test"), "no full address on the list");
    assert!(!page.body.contains("081234567890") && !page.body.contains("81234567890"));
    assert!(page.body.contains("••••test"), "email ends visible: {}", page.body);
    assert!(page.body.contains("•7890"), "phone ends visible");
    let dead_only = nurse.get("/staff/notifikasi?status=dead").await;
    assert_eq!(dead_only.body.matches("data-job=").count(), 1, "only the dead job");
    assert!(dead_only.body.contains("Kirim ulang"));
    assert_eq!(nurse.get("/staff/notifikasi?status=lost").await.status, 400);

    // Without or with a wrong form token: refused, nothing changes.
    assert_eq!(nurse.post(&retry, &[]).await.status, 403);
    assert_eq!(nurse.post(&retry, &[("csrf", "not-the-token")]).await.status, 403);
    assert_eq!(job_status(&app, id), "dead");

    let token = hidden(&page.body, "csrf");
    let res = nurse.post(&retry, &[("csrf", &token), ("status", "dead")]).await;
    assert_eq!(
        (res.status.as_u16(), res.location.as_str()),
        (303, "/staff/notifikasi?status=dead&ok=retry")
    );
    assert_eq!(job_status(&app, id), "pending");
    let after = nurse.get(&res.location).await;
    assert!(after.body.contains("dikirim ulang"), "{}", after.body);
    assert!(!after.body.contains("data-job="), "no dead job left");
    let again = nurse.post(&retry, &[("csrf", &token)]).await;
    assert_eq!(again.status, 409, "only dead jobs");
}

#[actix_web::test]
async fn the_bpjs_page_lists_what_is_stuck_and_says_reporting_is_off() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let mut body = booking_body(seed.tomorrow, 1);
    body["payer"] = json!("jkn");
    body["patient"]["bpjs_no"] = json!("0001234567891");
    assert_eq!(app.post("/api/v1/bookings", &body).await.status(), 201);
    let mut body = booking_body(seed.tomorrow, 2);
    body["payer"] = json!("jkn");
    body["patient"]["bpjs_no"] = json!("0001234567892");
    let (_, second) = app.post_json("/api/v1/bookings", &body).await;
    let tasks: Vec<(i64, String)> = bpjs_tasks::table
        .inner_join(sipoli::db::schema::visits::table)
        .select((bpjs_tasks::id, sipoli::db::schema::visits::booking_code))
        .order(bpjs_tasks::id)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(tasks.len(), 2, "each JKN booking is to be reported");
    diesel::update(bpjs_tasks::table.find(tasks[1].0))
        .set((
            bpjs_tasks::status.eq("failed"),
            bpjs_tasks::attempts.eq(8),
            bpjs_tasks::last_error.eq("201 Poli tidak ditemukan"),
        ))
        .execute(&mut app.conn())
        .unwrap();

    let mut admin = logged_in(&app, "admin", Role::Admin, &[]).await;
    let page = admin.get("/staff/bpjs").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"not-configured\""), "{}", page.body);
    assert!(page.body.contains("pending: 1") && page.body.contains("failed: 1"), "counts");
    let failed = &page.body[page.body.find("id=\"failed\"").unwrap()..];
    let (failed, pending) = failed.split_at(failed.find("id=\"pending\"").unwrap());
    assert!(failed.contains(second["booking_code"].as_str().unwrap()), "{failed}");
    assert!(failed.contains("201 Poli tidak ditemukan") && failed.contains(">8<"));
    assert!(pending.contains(&tasks[0].1), "{pending}");
    assert!(pending.contains("WIT"), "next attempt in WIT");
}

#[actix_web::test]
async fn queue_and_today_pages_follow_their_streams_from_what_they_show() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    app.post("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "jkn"})).await;
    let last: i64 = {
        use sipoli::db::schema::visit_events;
        visit_events::table
            .select(diesel::dsl::max(visit_events::id))
            .first::<Option<i64>>(&mut app.conn())
            .unwrap()
            .unwrap()
    };
    let mut nurse = logged_in(&app, "anak", Role::Clinic, &["ANA"]).await;
    let queue = nurse.get(&format!("/staff/sesi/{}", seed.today)).await;
    let stream = format!("/api/v1/sessions/{}/events?last_event_id={last}", seed.today);
    assert!(queue.body.contains(&stream), "{}", queue.body);
    let today = nurse.get("/staff").await;
    assert!(
        today.body.contains(&format!(
            "data-url=\"/api/v1/displays/events?clinics=ANA&#38;last_event_id={last}\""
        )),
        "{}",
        today.body
    );
    assert!(today.body.contains(&format!("data-sessions=\"{}", seed.today)));
}

async fn type_into(b: &Browser, css: &str, text: &str) {
    b.wait_css(css).await.send_keys(text).await.unwrap_or_else(|e| panic!("type {css}: {e}"));
}

/// Wait (up to 15 s, the page reloading by itself) for an element's text.
async fn wait_for_text(b: &Browser, css: &str, needle: &str) -> String {
    for _ in 0..150 {
        if let Ok(el) = b.client.find(fantoccini::Locator::Css(css)).await
            && let Ok(text) = el.text().await
            && text.contains(needle)
        {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never showed {needle:?}: {}", b.body_text().await);
}

#[actix_web::test]
async fn a_call_from_another_desk_appears_on_an_open_queue_screen() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    for _ in 0..3 {
        let res = app
            .post("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "jkn"}))
            .await;
        assert_eq!(res.status(), 201);
    }
    dead_email_job(&app, seed.tomorrow).await;
    let mut body = booking_body(seed.tomorrow, 2);
    body["payer"] = json!("jkn");
    body["patient"]["bpjs_no"] = json!("0001234567892");
    assert_eq!(app.post("/api/v1/bookings", &body).await.status(), 201);
    crate::live::listening(&app).await;
    make_staff(&app, "admin", Role::Admin, &[]);

    let b = Browser::start(1280, 800).await;
    b.client.goto(&app.url("/staff/masuk")).await.unwrap();
    type_into(&b, "#username", "admin").await;
    type_into(&b, "#password", "rahasia-uji").await;
    b.wait_css("button[type=submit].btn.wide").await.click().await.unwrap();
    b.wait_css("table").await;
    b.client.goto(&app.url(&format!("/staff/sesi/{}", seed.today))).await.unwrap();
    b.wait_css("#call-next").await;
    assert!(b.client.find(fantoccini::Locator::Css("#current-ticket")).await.is_err());
    b.client.execute("window.untouched = true", vec![]).await.unwrap();

    // Another desk calls through the JSON API.
    app.login_as("anak", Role::Clinic, &["ANA"]).await;
    let res =
        app.post(&format!("/api/v1/staff/sessions/{}/call-next", seed.today), &json!({})).await;
    assert_eq!(res.status(), 200);
    let shown = wait_for_text(&b, "#current-ticket", "B-001").await;
    assert_eq!(shown, "B-001");
    let untouched: Value =
        b.client.execute("return window.untouched === true", vec![]).await.unwrap();
    assert_eq!(untouched, json!(false), "the page reloaded itself");
    b.screenshot("console-queue-live").await;

    // Today's list follows the calls too.
    b.client.goto(&app.url("/staff")).await.unwrap();
    let row = format!("a[href='/staff/sesi/{}']", seed.today);
    b.wait_css(&row).await;
    let called = b.wait_css("td[data-n=called]").await.text().await.unwrap();
    assert_eq!(called, "1");
    let res =
        app.post(&format!("/api/v1/staff/sessions/{}/call-next", seed.today), &json!({})).await;
    assert_eq!(res.status(), 200);
    wait_for_text(&b, "td[data-n=called]", "2").await;
    assert_eq!(b.wait_css("td[data-n=waiting]").await.text().await.unwrap(), "1");

    b.client.goto(&app.url("/staff/notifikasi")).await.unwrap();
    b.wait_css("#jobs").await;
    let text = b.body_text().await;
    assert!(text.contains("Gagal total") && text.contains("Kirim ulang"), "{text}");
    b.screenshot("console-notifications").await;
    b.client.goto(&app.url("/staff/bpjs")).await.unwrap();
    b.wait_css("#counts").await;
    b.screenshot("console-bpjs").await;
    b.client.set_window_size(360, 740).await.unwrap();
    b.client.goto(&app.url("/staff/notifikasi")).await.unwrap();
    b.wait_css("#jobs").await;
    b.screenshot("console-notifications-phone").await;
    b.close().await;
}

#[actix_web::test]
async fn a_stream_never_resends_what_came_before_its_last_event_id() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    for _ in 0..2 {
        app.post("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "jkn"})).await;
    }
    crate::live::listening(&app).await;
    let last: i64 = {
        use sipoli::db::schema::visit_events;
        visit_events::table
            .select(diesel::dsl::max(visit_events::id))
            .first::<Option<i64>>(&mut app.conn())
            .unwrap()
            .unwrap()
    };
    let path = format!("/api/v1/sessions/{}/events", seed.today);
    let mut stream = crate::live::Sse::open(&app, &path, Some(last)).await;
    // The notice of an event the page already shows arrives late (as a slow LISTEN
    // connection can deliver it): it is not sent again.
    app.state.live.publish(sipoli::realtime::LiveEvent {
        id: last,
        kind: "registered".into(),
        status: "waiting".into(),
        session_id: seed.today,
        ticket: "B-002".into(),
        clinic: "ANA".into(),
        clinic_name: "Poli Anak".into(),
        room: String::new(),
        call_count: 0,
    });
    app.login_as("anak", Role::Clinic, &["ANA"]).await;
    let res =
        app.post(&format!("/api/v1/staff/sessions/{}/call-next", seed.today), &json!({})).await;
    assert_eq!(res.status(), 200);
    let (id, event) = stream.next().await;
    assert!(id > last, "only what is new: {id} {event}");
    assert_eq!(event["kind"], "call");
}
