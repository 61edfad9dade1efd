//! Staff cancel a waiting patient only with a reason — in the service, so the JSON route
//! and the console page refuse alike: a clear 422 naming the field, nothing changed; the
//! reason goes into the visit's audit event.
use diesel::prelude::*;
use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::helpers::{TestApp, seed};

fn status_of(app: &TestApp, id: i64) -> String {
    use sipoli::db::schema::visits;
    visits::table.find(id).select(visits::status).first(&mut app.conn()).unwrap()
}

#[actix_web::test]
async fn the_json_route_refuses_a_cancel_without_a_reason() {
    let mut app = TestApp::spawn().await;
    let s = seed(&app);
    app.login_as("anak", Role::Clinic, &["ANA"]).await;
    let (status, placed) = app
        .post_json("/api/v1/kiosk/tickets", &json!({"session_id": s.today, "payer": "jkn"}))
        .await;
    assert_eq!(status, 201);
    let id = app.visit_id(placed["booking_code"].as_str().unwrap());
    let cancel = format!("/api/v1/staff/visits/{id}/cancel");
    let long = "x".repeat(201);
    for (body, code) in [
        (Value::Null, "reason_required"),
        (json!({}), "reason_required"),
        (json!({"reason": "   "}), "reason_required"),
        (json!({"reason": long}), "invalid_reason"),
    ] {
        let res = if body.is_null() {
            app.request(reqwest::Method::POST, &cancel).send().await.unwrap()
        } else {
            app.post(&cancel, &body).await
        };
        let (status, out) = crate::helpers::status_and_json(res).await;
        assert_eq!(status, 422, "{body}: {out}");
        assert_eq!(out["error"]["fields"]["reason"]["code"], code, "{body}: {out}");
        assert_eq!(
            out["error"]["message"],
            if code == "reason_required" {
                "Tulis alasan pembatalan."
            } else {
                "Alasan pembatalan paling panjang 200 karakter, tanpa karakter kendali."
            }
        );
        assert_eq!(status_of(&app, id), "waiting", "nothing changed");
    }
    let (status, out) = app.post_json(&cancel, &json!({"reason": " Pasien pulang "})).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(status_of(&app, id), "cancelled");
    let detail: Value = {
        use sipoli::db::schema::visit_events as e;
        e::table
            .filter(e::visit_id.eq(id).and(e::kind.eq("cancel")))
            .select(e::detail)
            .first(&mut app.conn())
            .unwrap()
    };
    assert_eq!(detail["reason"], "Pasien pulang");
}
