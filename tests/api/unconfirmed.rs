//! `SIPOLI_AUTO_CANCEL_UNCONFIRMED`: bookings whose SMS reminder got no `YA` are cancelled
//! at the set time through the normal cancel path (place freed and offered to the
//! waitlist, "dibatalkan" message saying why, BPJS `batal` for a JKN booking), once, by any
//! number of workers; confirmed bookings and those never reminded stay; off by default
//! nothing is cancelled.
use std::sync::Arc;

use diesel::prelude::*;
use serde_json::{Value, json};
use sipoli::app::AppState;
use sipoli::config::Secret;
use sipoli::db::schema::{bpjs_tasks, notification_jobs, visits};
use sipoli::domain::unconfirmed::AutoCancel;
use sipoli::jobs::Worker;

use crate::helpers::*;

async fn book(app: &TestApp, session: i32, n: u32, jkn: bool) -> String {
    let mut body = booking_body(session, n);
    if jkn {
        body["payer"] = json!("jkn");
        body["patient"]["bpjs_no"] = json!(format!("000123456789{n}"));
    }
    let (status, b) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 201, "{b}");
    b["booking_code"].as_str().unwrap().to_string()
}

fn status_of(app: &TestApp, code: &str) -> String {
    visits::table
        .filter(visits::booking_code.eq(code))
        .select(visits::status)
        .first(&mut app.conn())
        .unwrap()
}

fn worker(app: &TestApp) -> Worker {
    let pool = test_pool(&app.db.url);
    let state = AppState::new(pool, (*app.state.settings).clone(), Arc::new(app.clock.clone()));
    Worker::new(state).unwrap()
}

#[actix_web::test]
async fn unconfirmed_bookings_are_cancelled_at_the_set_time_once_through_the_cancel_path() {
    let mut settings = test_settings();
    settings.jobs.webhook_secret = Some(Secret::new("rahasia-gateway"));
    settings.jobs.auto_cancel_unconfirmed = AutoCancel::parse("H-1 20:00").unwrap();
    let app = TestApp::spawn_with(default_now(), settings).await;
    let seed = seed_with(&app, 2, 3, 5);
    let [ya, silent, jkn] = [
        book(&app, seed.tomorrow, 1, false).await,
        book(&app, seed.tomorrow, 2, false).await,
        book(&app, seed.tomorrow, 4, true).await,
    ];
    let (w1, w2) = (worker(&app), worker(&app));
    // 16:00: the reminders go out.
    app.clock.set(wit(2026, 12, 1, 16, 0));
    w1.scan_reminders().await.unwrap();
    w1.run_until_empty().await.unwrap();
    // Booked after the reminders: never reminded, so never cancelled for not answering.
    app.clock.set(wit(2026, 12, 1, 16, 30));
    let late = book(&app, seed.tomorrow, 3, false).await;
    w1.scan_reminders().await.unwrap();
    w1.run_until_empty().await.unwrap();
    // Patient 1 answers YA.
    let body = json!({"from": "081234567890", "text": format!("YA {ya}")});
    let bytes = serde_json::to_vec(&body).unwrap();
    let res = app
        .client
        .post(app.url("/api/v1/gateway/inbound"))
        .header("content-type", "application/json")
        .header("X-Sipoli-Signature", sipoli::jobs::webhook::sign("rahasia-gateway", &bytes))
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // 19:59: not yet.
    app.clock.set(wit(2026, 12, 1, 19, 59));
    assert_eq!(w1.cancel_unconfirmed().await.unwrap(), 0);
    // 20:00: two workers at once cancel the two silent SMS-reminded bookings, once.
    app.clock.set(wit(2026, 12, 1, 20, 0));
    let (a, b) = tokio::join!(w1.cancel_unconfirmed(), w2.cancel_unconfirmed());
    assert_eq!(a.unwrap() + b.unwrap(), 2);
    assert_eq!(w1.cancel_unconfirmed().await.unwrap(), 0, "idempotent");
    let statuses: Vec<String> =
        [&ya, &silent, &late, &jkn].iter().map(|c| status_of(&app, c)).collect();
    assert_eq!(statuses, ["booked", "cancelled", "booked", "cancelled"]);
    // The place is free again (non-JKN quota 3: YA, the late one and the freed one).
    let (status, _) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 7)).await;
    assert_eq!(status, 201, "the freed place can be booked");
    // The message says why; BPJS hears of the JKN booking's cancel.
    let cancelled: Vec<Value> = notification_jobs::table
        .filter(notification_jobs::kind.eq("booking_cancelled"))
        .select(notification_jobs::payload)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(cancelled.len(), 2, "one SMS each: {cancelled:?}");
    for p in &cancelled {
        assert_eq!(p["note"], "dibatalkan otomatis karena tidak dikonfirmasi dengan YA", "{p}");
    }
    let batal: i64 = bpjs_tasks::table
        .filter(bpjs_tasks::kind.eq("batal"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(batal, 1);
    // The next morning (the day itself) nothing more happens.
    app.clock.set(wit(2026, 12, 2, 6, 0));
    assert_eq!(w1.cancel_unconfirmed().await.unwrap(), 0);
}

#[actix_web::test]
async fn off_by_default_nothing_is_cancelled() {
    let app = TestApp::spawn().await;
    assert_eq!(app.state.settings.jobs.auto_cancel_unconfirmed, None);
    let seed = seed(&app);
    let code = book(&app, seed.tomorrow, 2, false).await;
    let w = worker(&app);
    app.clock.set(wit(2026, 12, 1, 16, 0));
    w.scan_reminders().await.unwrap();
    w.run_until_empty().await.unwrap();
    app.clock.set(wit(2026, 12, 1, 23, 0));
    assert_eq!(w.cancel_unconfirmed().await.unwrap(), 0);
    assert_eq!(status_of(&app, &code), "booked");
}
