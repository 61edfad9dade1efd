//! Bad input: control characters in text fields are 422 field errors, and a few hundred
//! malformed bodies posted to every POST/PUT route of the API are refused with a 4xx that
//! writes nothing — never a 5xx.
use diesel::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::helpers::{TestApp, booking_body, seed};

/// Every table a command may write, as one snapshot.
fn snapshot(app: &TestApp) -> String {
    #[derive(diesel::QueryableByName)]
    struct S {
        #[diesel(sql_type = diesel::sql_types::Text)]
        s: String,
    }
    let tables = [
        "visits",
        "patients",
        "visit_events",
        "practice_schedules",
        "schedule_exceptions",
        "clinic_sessions",
        "display_messages",
        "kiosk_devices",
        "idempotency_records",
        "notification_jobs",
        "staff_users",
    ];
    let sql = tables
        .iter()
        .map(|t| format!("(SELECT count(*) FROM {t})::text"))
        .collect::<Vec<_>>()
        .join(" || ',' || ");
    let row: S =
        diesel::sql_query(format!("SELECT {sql} AS s")).get_result(&mut app.conn()).unwrap();
    row.s
}

fn nested(depth: usize) -> Value {
    (0..depth).fold(json!(1), |inner, _| json!([inner]))
}

/// Bad values for one field.
fn bad_values() -> Vec<Value> {
    vec![
        Value::Null,
        json!(12345),
        json!(-1),
        json!(true),
        json!("2026-13-45"),
        json!("a\u{0}b"),
        json!("\u{7}\u{1b}[31m"),
        json!("x".repeat(5000)),
        json!({"deep": nested(40)}),
        json!([]),
        json!(1e300),
    ]
}

/// An app logged in as an admin, with the seed and one walk-in ticket (its code and id).
async fn admin_with_a_ticket() -> (TestApp, crate::helpers::Seed, String, i64) {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    let (_, t) = app
        .post_json("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "jkn"}))
        .await;
    let code = t["booking_code"].as_str().unwrap().to_string();
    let id = app.visit_id(&code);
    (app, seed, code, id)
}

#[actix_web::test]
async fn control_characters_in_text_fields_are_field_errors() {
    let (app, seed, _, id) = admin_with_a_ticket().await;
    let before = snapshot(&app);
    let cases = [
        (
            Method::POST,
            format!("/api/v1/staff/visits/{id}/priority"),
            json!({"priority": true, "reason": "lansia\u{0}"}),
            "reason",
        ),
        (
            Method::PUT,
            "/api/v1/staff/display-message".to_string(),
            json!({"message": "Selamat\u{0} pagi"}),
            "message",
        ),
        (
            Method::POST,
            "/api/v1/staff/exceptions".to_string(),
            json!({"kind": "leave", "doctor": "D003", "date": "2026-12-02", "reason": "cuti\u{1}"}),
            "reason",
        ),
        (
            Method::POST,
            "/api/v1/bookings".to_string(),
            {
                let mut b = booking_body(seed.tomorrow, 1);
                b["patient"]["name"] = json!("Ana\u{0}");
                b
            },
            "patient.name",
        ),
    ];
    for (method, path, body, field) in cases {
        let (status, answer) = app.send_as(method, &path, app.token.as_deref(), Some(&body)).await;
        assert_eq!(status, 422, "{path}: {answer}");
        assert_eq!(
            answer["error"]["fields"][field]["code"], "control_character",
            "{path}: {answer}"
        );
    }
    assert_eq!(snapshot(&app), before, "nothing written");
}

#[actix_web::test]
async fn malformed_bodies_to_every_post_and_put_route_never_answer_5xx_nor_write() {
    // Without rate limits (the test settings' default), so that every body reaches its handler.
    let (app, seed, code, id) = admin_with_a_ticket().await;
    let schedule = json!({
        "clinic": "ANA", "doctor": "D003", "weekday": 3, "starts_at": "08:00", "ends_at": "12:00",
        "quota_jkn": 10, "quota_non_jkn": 5, "online_limit": 10, "service_minutes": 10,
        "valid_from": "2026-12-01", "valid_until": "2027-01-01",
    });
    let routes: Vec<(Method, String, Value)> = vec![
        (Method::POST, "/api/v1/bookings".into(), booking_body(seed.tomorrow, 7)),
        (
            Method::POST,
            format!("/api/v1/bookings/{code}/cancel"),
            json!({"birth_date": "1990-05-17", "reason": "x"}),
        ),
        (Method::POST, format!("/api/v1/bookings/{code}/check-in"), json!({})),
        (
            Method::POST,
            "/api/v1/kiosk/tickets".into(),
            json!({"session_id": seed.today, "payer": "jkn", "phone": "081234567890"}),
        ),
        (Method::POST, "/api/v1/kiosk/pair".into(), json!({"pairing_code": "ABCDEFGH"})),
        (
            Method::POST,
            "/api/v1/auth/login".into(),
            json!({"username": "admin", "password": "salah"}),
        ),
        (Method::POST, format!("/api/v1/staff/sessions/{}/call-next", seed.tomorrow), json!({})),
        (
            Method::POST,
            "/api/v1/staff/registrations".into(),
            json!({"session_id": seed.today, "payer": "non_jkn", "patient": booking_body(0, 9)["patient"].clone()}),
        ),
        (
            Method::POST,
            format!("/api/v1/staff/visits/{id}/priority"),
            json!({"priority": true, "reason": "lansia"}),
        ),
        (Method::POST, format!("/api/v1/staff/visits/{id}/finish"), json!({"reason": "x"})),
        (Method::POST, "/api/v1/staff/schedules".into(), schedule.clone()),
        (Method::PUT, "/api/v1/staff/schedules/999999".into(), schedule),
        (
            Method::POST,
            "/api/v1/staff/exceptions".into(),
            json!({"kind": "leave", "doctor": "D003", "date": "2026-12-09", "reason": "cuti"}),
        ),
        (
            Method::PUT,
            "/api/v1/staff/display-message".into(),
            json!({"clinic": "ANA", "message": "Selamat pagi"}),
        ),
        (Method::POST, "/api/v1/staff/kiosks".into(), json!({"name": "Lobi", "clinics": ["ANA"]})),
    ];
    let mut sent = 0;
    for (method, path, template) in &routes {
        let mut bodies: Vec<Value> =
            vec![Value::Null, json!([]), json!("x"), json!(1), nested(300), json!({"\u{0}": 1})];
        for field in template.as_object().unwrap().keys() {
            for bad in bad_values() {
                let mut b = template.clone();
                b[field] = bad;
                bodies.push(b);
            }
        }
        for body in bodies {
            let before = snapshot(&app);
            let res = app.request(method.clone(), path).json(&body).send().await.unwrap();
            let status = res.status();
            let text = res.text().await.unwrap();
            assert!(!status.is_server_error(), "{method} {path} {body}: {status} {text}");
            if !status.is_success() {
                assert_eq!(snapshot(&app), before, "{method} {path} refused but wrote: {body}");
            }
            sent += 1;
        }
        // Not JSON at all.
        let res = app.request(method.clone(), path).body("{\"a\": \u{0}").send().await.unwrap();
        assert!(res.status().is_client_error(), "{path}: {}", res.status());
    }
    assert!(sent >= 300, "a few hundred bodies: {sent}");
}
