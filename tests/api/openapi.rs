//! The API description at `/api/openapi.json` and the local reference page `/api/docs`.
//! The document is also written to `target/sipoli-openapi.json` for `.ci/ops-checks`
//! (openapi-spec-validator).
use crate::helpers::*;

#[actix_web::test]
async fn the_api_is_described_in_openapi_3_1_and_the_docs_page_is_local() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/sipoli-openapi.json");
    std::fs::write(&out, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    for (path, method) in [
        ("/api/v1/clinics", "get"),
        ("/api/v1/sessions", "get"),
        ("/api/v1/sessions/{id}/queue", "get"),
        ("/api/v1/bookings", "post"),
        ("/api/v1/bookings/{code}", "get"),
        ("/api/v1/bookings/{code}/cancel", "post"),
        ("/api/v1/bookings/{code}/check-in", "post"),
        ("/api/v1/stations", "get"),
        ("/api/v1/kiosk/tickets", "post"),
        ("/api/v1/kiosk/pair", "post"),
        ("/api/v1/kiosk/sessions", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} is described");
    }
    // The error shape and the ways to authenticate.
    let error = &doc["components"]["schemas"]["Error"];
    assert!(error["properties"]["error"].is_object(), "{error}");
    let schemes = &doc["components"]["securitySchemes"];
    for scheme in ["staff_bearer", "staff_cookie", "kiosk_cookie"] {
        assert!(schemes[scheme].is_object(), "{scheme}");
    }
    let refused = &doc["paths"]["/api/v1/bookings"]["post"]["responses"]["409"];
    assert_eq!(
        refused["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Error"
    );
    // The reference page loads nothing from elsewhere.
    let page = app.get("/api/docs").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("/api/openapi.json"));
    assert!(!html.contains("http://") && !html.contains("https://"), "no CDN: {html}");
    assert_eq!(app.get("/api/docs.js").await.status(), 200);
}
