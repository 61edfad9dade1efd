//! Kiosks as registered devices: registration by admins, one-time pairing codes, device
//! tokens (cookie or `Authorization: Kiosk`), revocation, and the kiosk page's pairing form.
use reqwest::Method;
use serde_json::json;
use sipoli::auth::Role;

use crate::helpers::{TestApp, booking_body, seed, status_and_json};

/// A request as a kiosk with this device token (or as a stranger without one).
async fn as_kiosk(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: &serde_json::Value,
) -> (reqwest::StatusCode, serde_json::Value) {
    let mut r = app.client.request(method, app.url(path)).json(body);
    if let Some(t) = token {
        r = r.header("Authorization", format!("Kiosk {t}"));
    }
    status_and_json(r.send().await.unwrap()).await
}

#[actix_web::test]
async fn kiosk_routes_refuse_requests_without_a_paired_device() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let ticket = json!({"session_id": seed.today, "payer": "jkn"});
    let (status, body) = as_kiosk(&app, Method::POST, "/api/v1/kiosk/tickets", None, &ticket).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "kiosk_not_paired");
    let (status, _) = as_kiosk(&app, Method::GET, "/api/v1/kiosk/sessions", None, &json!({})).await;
    assert_eq!(status, 401);
    let (status, _) =
        as_kiosk(&app, Method::POST, "/api/v1/kiosk/tickets", Some("made-up"), &ticket).await;
    assert_eq!(status, 401, "an unknown token is no device");
    // A booking is checked in by staff or a paired kiosk, not by anyone who knows the code.
    let (_, booked) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    let code = booked["booking_code"].as_str().unwrap_or_default().to_string();
    let check_in = format!("/api/v1/bookings/{code}/check-in");
    let (status, _) = as_kiosk(&app, Method::POST, &check_in, None, &json!({})).await;
    assert_eq!(status, 401);
    assert_eq!(app.count("visits"), 1, "nothing written by the refusals");

    let token = app.pair_kiosk().await;
    let (status, t) =
        as_kiosk(&app, Method::POST, "/api/v1/kiosk/tickets", Some(&token), &ticket).await;
    assert_eq!(status, 201, "{t}");
    let (status, body) = as_kiosk(&app, Method::POST, &check_in, Some(&token), &json!({})).await;
    assert!(status == 200 || status == 409, "a paired kiosk may check in: {status} {body}");
}

#[actix_web::test]
async fn an_admin_registers_a_kiosk_that_pairs_once_and_can_be_revoked() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let admin = app.token_for("admin", Role::Admin, &[]).await;
    let nurse = app.token_for("anak", Role::Clinic, &["ANA"]).await;
    let body = json!({"name": "Anjungan Lobi", "clinics": ["ana"]});
    let (status, _) =
        app.send_as(Method::POST, "/api/v1/staff/kiosks", Some(&nurse), Some(&body)).await;
    assert_eq!(status, 403, "only admins register kiosks");
    let (status, _) = app.send_as(Method::POST, "/api/v1/staff/kiosks", None, Some(&body)).await;
    assert_eq!(status, 401);
    let bad = json!({"name": "A\u{0}B", "clinics": []});
    let (status, _) =
        app.send_as(Method::POST, "/api/v1/staff/kiosks", Some(&admin), Some(&bad)).await;
    assert_eq!(status, 422, "control characters in a name");
    let unknown = json!({"name": "Lobi", "clinics": ["XXX"]});
    let (status, _) =
        app.send_as(Method::POST, "/api/v1/staff/kiosks", Some(&admin), Some(&unknown)).await;
    assert_eq!(status, 422, "unknown clinic");

    let (status, reg) =
        app.send_as(Method::POST, "/api/v1/staff/kiosks", Some(&admin), Some(&body)).await;
    assert_eq!(status, 201, "{reg}");
    let id = reg["id"].as_i64().unwrap();
    let code = reg["pairing_code"].as_str().unwrap().to_string();

    let res = app
        .client
        .post(app.url("/api/v1/kiosk/pair"))
        .json(&json!({"pairing_code": code.to_lowercase()}))
        .send()
        .await
        .unwrap();
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.starts_with("sipoli_kiosk=") && cookie.contains("HttpOnly"), "{cookie}");
    let (status, paired) = status_and_json(res).await;
    assert_eq!(status, 200);
    let token = paired["token"].as_str().unwrap().to_string();
    assert_eq!(paired["kiosk"]["clinics"], json!(["ANA"]));
    let (status, _) = app
        .send_as(Method::POST, "/api/v1/kiosk/pair", None, Some(&json!({"pairing_code": code})))
        .await;
    assert_eq!(status, 422, "a pairing code works once");

    // The device's clinics are what its session list offers.
    let (status, list) =
        as_kiosk(&app, Method::GET, "/api/v1/kiosk/sessions", Some(&token), &json!({})).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["clinics"][0]["code"], "ANA");
    let other = crate::helpers::add_clinic(&app, "INT", "Poli Penyakit Dalam", "C");
    let other_session: i32 = {
        use diesel::prelude::*;
        use sipoli::db::schema::clinic_sessions as cs;
        diesel::insert_into(cs::table)
            .values((
                cs::clinic_id.eq(other),
                cs::doctor_id
                    .eq(cs::table.select(cs::doctor_id).first::<i32>(&mut app.conn()).unwrap()),
                cs::service_date.eq(chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
                cs::starts_at.eq(chrono::NaiveTime::from_hms_opt(8, 0, 0).unwrap()),
                cs::ends_at.eq(chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap()),
                cs::quota_jkn.eq(5),
                cs::quota_non_jkn.eq(5),
                cs::online_limit.eq(5),
            ))
            .returning(cs::id)
            .get_result(&mut app.conn())
            .unwrap()
    };
    let elsewhere = json!({"session_id": other_session, "payer": "jkn"});
    let (status, _) =
        as_kiosk(&app, Method::POST, "/api/v1/kiosk/tickets", Some(&token), &elsewhere).await;
    assert_eq!(status, 403, "a kiosk gives tickets of its own clinics only");
    let (_, rows) = app.send_as(Method::GET, "/api/v1/staff/kiosks", Some(&admin), None).await;
    assert!(rows.as_array().unwrap().iter().any(|r| r["id"] == id && r["paired"] == true));

    let (status, _) = app
        .send_as(Method::DELETE, &format!("/api/v1/staff/kiosks/{id}"), Some(&admin), None)
        .await;
    assert_eq!(status, 200);
    let ticket = json!({"session_id": seed.today, "payer": "jkn"});
    let (status, _) =
        as_kiosk(&app, Method::POST, "/api/v1/kiosk/tickets", Some(&token), &ticket).await;
    assert_eq!(status, 401, "a revoked kiosk is refused");
}

#[actix_web::test]
async fn a_pairing_code_expires_after_fifteen_minutes() {
    let app = TestApp::spawn().await;
    let code = app.kiosk_pairing_code();
    app.clock.advance(chrono::Duration::minutes(16));
    let (status, body) = app
        .send_as(Method::POST, "/api/v1/kiosk/pair", None, Some(&json!({"pairing_code": code})))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_pairing_code");
}

#[actix_web::test]
async fn the_kiosk_page_asks_for_a_pairing_code_until_it_is_paired() {
    let app = TestApp::spawn().await;
    let stranger = app.client.get(app.url("/kiosk?clinics=ANA")).send().await.unwrap();
    assert_eq!(stranger.status(), 200);
    let page = stranger.text().await.unwrap();
    assert!(page.contains("name=\"pairing_code\""), "the pairing form: {page}");
    assert!(!page.contains("/assets/kiosk.js"), "no kiosk before pairing");

    let wrong = app
        .client
        .post(app.url("/kiosk/pair"))
        .form(&[("pairing_code", "ZZZZZZZZ"), ("next", "/kiosk")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await.unwrap().contains("pair-error"));

    let link = app.kiosk_link("/kiosk?clinics=ANA");
    let no_redirects = crate::helpers::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = no_redirects.get(&link).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/kiosk?clinics=ANA");
    let cookie =
        res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let page = no_redirects
        .get(app.url("/kiosk?clinics=ANA"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-clinics=\"ANA\"") && page.contains("/assets/kiosk.js"), "{page}");
}

#[actix_web::test]
async fn the_admin_console_registers_lists_and_revokes_kiosks() {
    let app = TestApp::spawn().await;
    seed(&app);
    let admin = app.token_for("admin", Role::Admin, &[]).await;
    let (_, me) = app.send_as(Method::GET, "/api/v1/auth/me", Some(&admin), None).await;
    let csrf = me["csrf_token"].as_str().unwrap().to_string();
    let page = app.client.get(app.url("/staff/anjungan")).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("action=\"/staff/anjungan\""));
    let res = app
        .client
        .post(app.url("/staff/anjungan"))
        .bearer_auth(&admin)
        .form(&[("csrf", csrf.as_str()), ("name", "Anjungan Lobi"), ("clinics", "ANA")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let code = html
        .split("id=\"pairing-code\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the pairing code is shown")
        .to_string();
    assert!(html.contains(&format!("/kiosk/pair?code={code}")), "and its link");
    let (status, _) = app
        .send_as(Method::POST, "/api/v1/kiosk/pair", None, Some(&json!({"pairing_code": code})))
        .await;
    assert_eq!(status, 200);
    let (_, rows) = app.send_as(Method::GET, "/api/v1/staff/kiosks", Some(&admin), None).await;
    let lobby = rows.as_array().unwrap().iter().find(|r| r["name"] == "Anjungan Lobi").unwrap();
    let no_redirects = crate::helpers::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = no_redirects
        .post(app.url(&format!("/staff/anjungan/{}/cabut", lobby["id"])))
        .bearer_auth(&admin)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, rows) = app.send_as(Method::GET, "/api/v1/staff/kiosks", Some(&admin), None).await;
    assert!(
        rows.as_array().unwrap().iter().any(|r| r["id"] == lobby["id"] && r["revoked"] == true)
    );
    let nurse = app.token_for("anak", Role::Clinic, &["ANA"]).await;
    let refused =
        app.client.get(app.url("/staff/anjungan")).bearer_auth(&nurse).send().await.unwrap();
    assert_eq!(refused.status(), 403, "admins only");
}
