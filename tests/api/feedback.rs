//! Feedback after a visit: accepted once, only after the visit is done and within 7 days,
//! stored with the measured wait; the "finished" message carries the rating link; comments
//! are read by the clinic's staff and admins only.
use chrono::Duration;
use diesel::prelude::*;
use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::helpers::*;
use crate::open_data::serve_day;

fn rating(code: &str, stars: i64) -> Value {
    json!({"booking_code": code, "rating": stars, "categories": ["waktu_tunggu", "keramahan"],
           "comment": "Perawatnya ramah, tapi <i>menunggu</i> lama."})
}

#[actix_web::test]
async fn a_visit_is_rated_once_after_it_is_done_and_within_seven_days() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    // Not done yet: a walk-in still waiting.
    let (_, waiting) = app
        .post_json("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "jkn"}))
        .await;
    let waiting = waiting["booking_code"].as_str().unwrap().to_string();
    let (status, refused) = app.post_json("/api/v1/feedback", &rating(&waiting, 4)).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "visit_not_done");

    // Two visits served: waits 25 and 40 minutes (the waiting walk-in goes first).
    let codes = serve_day(&app, seed.today, &[10, 25, 40], true).await;
    app.clock.set(wit(2026, 12, 1, 15, 0));
    let (status, given) = app.post_json("/api/v1/feedback", &rating(&codes[0], 4)).await;
    assert_eq!(status, 201, "{given}");
    assert_eq!(given["rating"], 4);
    let (status, again) = app.post_json("/api/v1/feedback", &rating(&codes[0], 1)).await;
    assert_eq!(status, 409, "{again}");
    assert_eq!(again["error"]["code"], "feedback_exists");
    assert_eq!(app.count("feedback"), 1);
    // Stored with the measured wait (check-in 08:05, first call 08:30).
    let wait: Option<f64> = sipoli::db::schema::feedback::table
        .select(sipoli::db::schema::feedback::wait_minutes)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(wait, Some(25.0));

    // Bad ratings change nothing.
    for bad in [
        json!({"booking_code": codes[1], "rating": 6}),
        json!({"booking_code": codes[1], "rating": 0}),
        json!({"booking_code": codes[1]}),
        json!({"booking_code": codes[1], "rating": 3, "categories": ["makanan"]}),
        json!({"booking_code": codes[1], "rating": 3, "comment": "x".repeat(2001)}),
        json!({"booking_code": "??", "rating": 3}),
    ] {
        let (status, answer) = app.post_json("/api/v1/feedback", &bad).await;
        assert_eq!(status, 422, "{bad}: {answer}");
    }
    // Eight days later: too late.
    app.clock.set(wit(2026, 12, 9, 9, 0));
    let (status, late) = app.post_json("/api/v1/feedback", &rating(&codes[1], 5)).await;
    assert_eq!(status, 409, "{late}");
    assert_eq!(late["error"]["code"], "feedback_closed");
    assert_eq!(app.count("feedback"), 1);

    // The "finished" message carried the rating link, once per visit.
    let jobs: Vec<sipoli::jobs::queue::Job> = sipoli::db::schema::notification_jobs::table
        .filter(sipoli::db::schema::notification_jobs::kind.eq("visit_finished"))
        .select(sipoli::jobs::queue::Job::as_select())
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(jobs.len(), 2, "the two finished visits that left a phone number");
    let message = sipoli::jobs::civic::message(&app.state, &jobs[0]).unwrap();
    assert!(message.short.contains("http://sipoli.test/nilai/"), "{}", message.short);
    assert!(codes.iter().any(|c| message.short.contains(c.as_str())), "{}", message.short);
}

#[actix_web::test]
async fn comments_are_read_by_the_clinics_staff_and_admins_only() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    add_clinic(&app, "GIG", "Poli Gigi", "G");
    let codes = serve_day(&app, seed.today, &[10], false).await;
    let (status, _) = app.post_json("/api/v1/feedback", &rating(&codes[0], 3)).await;
    assert_eq!(status, 201);
    app.clock.advance(Duration::hours(1));
    let path = "/api/v1/staff/feedback?clinic=ANA&from=2026-12-01&to=2026-12-01";
    for (user, role, clinics, expected) in [
        ("admin", Role::Admin, vec![], 200),
        ("perawat", Role::Clinic, vec!["ANA"], 200),
        ("gigi", Role::Clinic, vec!["GIG"], 403),
        ("loket", Role::Registration, vec![], 403),
    ] {
        let token = app.token_for(user, role, &clinics).await;
        let (status, body) = app.send_as(reqwest::Method::GET, path, Some(&token), None).await;
        assert_eq!(status, expected, "{user}: {body}");
        if status == 200 {
            assert_eq!(body[0]["comment"], "Perawatnya ramah, tapi <i>menunggu</i> lama.");
            assert_eq!(body[0]["rating"], 3);
            assert_eq!(body[0]["wait_minutes"], 10.0);
        }
    }
    // The open feed has the count, never the comment (one rating: no mean either).
    let (_, daily) = app.get_json("/api/v1/open/daily?from=2026-12-01&to=2026-12-01").await;
    assert!(!daily.to_string().contains("ramah"));
    let ana = daily["rows"].as_array().unwrap().iter().find(|r| r["clinic"] == "ANA").unwrap();
    assert_eq!(ana["feedback_count"], 1);
    assert_eq!(ana["rating_mean"], Value::Null);
}
