//! Leaving a waitlist by its code and the birth date (API and page): a wrong birth date is
//! an unknown code and counts towards the lock; an entry holding an offered place gives it
//! back and the next in line is offered it in the same transaction.
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sipoli::db::schema::waitlist_entries;

use crate::helpers::*;

async fn join(app: &TestApp, session: i32, n: u32) -> String {
    let mut body = booking_body(session, n);
    body["patient"]["name"] = json!(format!("Tunggu Pasien{n}"));
    let (status, b) = app.post_json(&format!("/api/v1/sessions/{session}/waitlist"), &body).await;
    assert_eq!(status, 201, "{b}");
    b["waitlist_code"].as_str().unwrap().to_string()
}

fn entry(app: &TestApp, code: &str) -> (String, Option<String>) {
    waitlist_entries::table
        .filter(waitlist_entries::code.eq(code))
        .select((waitlist_entries::status, waitlist_entries::offer_token))
        .first(&mut app.conn())
        .unwrap()
}

async fn leave(app: &TestApp, code: &str, birth: &str) -> (StatusCode, Value) {
    app.post_json(&format!("/api/v1/waitlist/{code}/leave"), &json!({"birth_date": birth})).await
}

#[actix_web::test]
async fn a_patient_leaves_the_waitlist_and_an_offered_place_passes_on() {
    let app = TestApp::spawn().await;
    let seed = seed_with(&app, 1, 1, 2);
    let (status, first) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    assert_eq!(status, 201, "{first}");
    let [a, b, c] = [
        join(&app, seed.tomorrow, 2).await,
        join(&app, seed.tomorrow, 3).await,
        join(&app, seed.tomorrow, 4).await,
    ];

    // A wrong birth date answers like an unknown code; nothing changes.
    let (status, err) = leave(&app, &b, "1990-05-18").await;
    assert_eq!((status.as_u16(), err["error"]["code"].as_str()), (404, Some("waitlist_not_found")));
    let (status, err) = leave(&app, "ZZZZZZZZ", "1990-05-17").await;
    assert_eq!((status.as_u16(), err["error"]["code"].as_str()), (404, Some("waitlist_not_found")));
    let (status, err) = leave(&app, &b, "17-05-1990").await;
    assert_eq!((status.as_u16(), err["error"]["code"].as_str()), (422, Some("invalid_date")));
    assert_eq!(entry(&app, &b).0, "waiting");

    let (status, left) = leave(&app, &b, "1990-05-17").await;
    assert_eq!(status, 200, "{left}");
    assert_eq!(
        (left["status"].as_str(), left["place_passed_on"].as_bool()),
        (Some("left"), Some(false))
    );
    let (status, err) = leave(&app, &b, "1990-05-17").await;
    assert_eq!(
        (status.as_u16(), err["error"]["code"].as_str()),
        (409, Some("waitlist_not_in_line"))
    );

    // The booking is cancelled: `a` is offered the place; `a` leaves: it passes to `c`.
    let code = first["booking_code"].as_str().unwrap();
    let (status, _) = app
        .post_json(&format!("/api/v1/bookings/{code}/cancel"), &json!({"birth_date": "1990-05-17"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(entry(&app, &a).0, "offered");
    let (status, left) = leave(&app, &a, "1990-05-17").await;
    assert_eq!(status, 200, "{left}");
    assert_eq!(left["place_passed_on"], true);
    let (status, token) = entry(&app, &c);
    assert_eq!(status, "offered");
    let (status, booked) = app
        .post_json(&format!("/api/v1/waitlist/offers/{}/claim", token.unwrap()), &json!({}))
        .await;
    assert_eq!(status, 201, "{booked}");
    let (status, _) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 9)).await;
    assert_eq!(status, 409, "the one place went once");
}

#[actix_web::test]
async fn the_waitlist_page_leaves_by_birth_date_and_guessing_locks() {
    let app = TestApp::spawn().await;
    let seed = seed_with(&app, 1, 1, 2);
    let (status, _) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    assert_eq!(status, 201);
    let a = join(&app, seed.tomorrow, 2).await;
    let page = app.get(&format!("/antrean/tunggu/{a}")).await.text().await.unwrap();
    assert!(page.contains("urutan ke-1"), "{page}");
    // Anyone holding the code may open the page: no name, not even "Tunggu P.", no NIK.
    assert!(!page.contains("Tunggu") && !page.contains(&nik(2)), "{page}");
    let form = |birth: &str| {
        app.request(reqwest::Method::POST, &format!("/antrean/tunggu/{a}"))
            .form(&[("birth_date", birth)])
            .send()
    };
    let wrong = form("1991-01-01").await.unwrap();
    assert_eq!(wrong.status(), 404);
    assert!(wrong.text().await.unwrap().contains("tanggal lahir tidak cocok"));
    let done = form("1990-05-17").await.unwrap();
    assert_eq!(done.status(), 200, "followed to the page");
    let text = done.text().await.unwrap();
    assert!(text.contains("Anda sudah keluar dari daftar tunggu ini."), "{text}");
    assert_eq!(entry(&app, &a).0, "left");

    // Five wrong birth dates lock the code, even for the right one.
    let b = join(&app, seed.tomorrow, 3).await;
    for _ in 0..4 {
        assert_eq!(leave(&app, &b, "1991-01-01").await.0, 404);
    }
    assert_eq!(leave(&app, &b, "1991-01-01").await.0, 429);
    assert_eq!(leave(&app, &b, "1990-05-17").await.0, 429);
    assert_eq!(entry(&app, &b).0, "waiting");
}

#[actix_web::test]
async fn the_reschedule_page_marks_the_current_session_and_the_waitlist_page_fits_a_phone() {
    let app = TestApp::spawn().await;
    let seed = seed_with(&app, 1, 1, 2);
    let (status, booked) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    assert_eq!(status, 201);
    let code = booked["booking_code"].as_str().unwrap().to_string();
    let waiting = join(&app, seed.tomorrow, 2).await;

    let b = crate::browser::Browser::start(360, 740).await;
    let width = "return document.documentElement.scrollWidth;";
    b.client.goto(&app.url(&format!("/antrean/{code}/pindah"))).await.unwrap();
    let current = b.wait_css("#current-session").await;
    assert!(current.text().await.unwrap().contains("jadwal Anda sekarang"));
    let disabled = b
        .client
        .execute(
            &format!(
                "return document.querySelector(\"input[name=sesi][value='{}']\").disabled;",
                seed.tomorrow
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(disabled, json!(true), "the current session cannot be chosen");
    assert!(b.client.execute(width, vec![]).await.unwrap().as_u64().unwrap() <= 360);
    b.screenshot("reschedule-current-360").await;

    b.client.goto(&app.url(&format!("/antrean/tunggu/{waiting}"))).await.unwrap();
    b.wait_css("#leave").await;
    assert!(b.client.execute(width, vec![]).await.unwrap().as_u64().unwrap() <= 360);
    b.screenshot("waitlist-360").await;
    b.client
        .execute("document.getElementById('birth_date').value = '1990-05-17'", vec![])
        .await
        .unwrap();
    b.wait_css("#leave").await.click().await.unwrap();
    b.wait_css(".alert.good").await;
    let text = b.body_text().await;
    assert!(text.contains("Sudah keluar") && !text.contains(&nik(2)), "{text}");
    b.screenshot("waitlist-left-360").await;
    b.close().await;
    assert_eq!(entry(&app, &waiting).0, "left");
}
