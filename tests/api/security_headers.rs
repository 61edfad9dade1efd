//! Security headers on every kind of response; HSTS and Secure cookies behind https.
use serde_json::json;
use sipoli::auth::Role;

use crate::helpers::*;

#[actix_web::test]
async fn every_response_says_nosniff_and_forbids_framing() {
    let app = TestApp::spawn().await;
    seed(&app);
    for path in
        ["/api/v1/clinics", "/healthz", "/assets/kiosk.js", "/nope", "/api/v1/nope", "/?lang=en"]
    {
        let res = app.get(path).await;
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(h.get("strict-transport-security").is_none(), "{path}: no HSTS over http");
    }
    // The lang cookie is not Secure over plain http (it would never come back).
    let res = app.get("/?lang=en").await;
    for c in res.headers().get_all("set-cookie") {
        assert!(!c.to_str().unwrap().contains("Secure"), "{c:?}");
    }
}

#[actix_web::test]
async fn behind_https_every_cookie_is_secure_and_hsts_is_sent() {
    let mut settings = test_settings();
    settings.base_url = "https://antrean.rsudmimika.test".into();
    let mut app = TestApp::spawn_with(default_now(), settings).await;
    seed(&app);
    let res = app.get("/?lang=en").await;
    assert_eq!(res.headers()["strict-transport-security"], sipoli::security::HSTS);
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_string())
        .collect();
    assert!(!cookies.is_empty(), "the lang choice is remembered");
    for c in &cookies {
        assert!(c.contains("; Secure"), "{c}");
    }
    app.login_as("perawat", Role::Clinic, &["ANA"]).await;
    let login = app
        .post("/api/v1/auth/login", &json!({"username": "perawat", "password": "rahasia-uji"}))
        .await;
    for c in login.headers().get_all("set-cookie") {
        assert_eq!(c.to_str().unwrap().matches("Secure").count(), 1, "{c:?}");
    }
    let logout = app.post("/api/v1/auth/logout", &json!({})).await;
    for c in logout.headers().get_all("set-cookie") {
        assert!(c.to_str().unwrap().contains("; Secure"), "{c:?}");
    }
    let api = app.get("/api/v1/clinics").await;
    assert_eq!(api.headers()["strict-transport-security"], sipoli::security::HSTS);
}
