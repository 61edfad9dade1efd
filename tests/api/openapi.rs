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

/// The `.route("<path>", web::<method>()...)` calls of `src/`: every `/api/v1` route the
/// application registers, with `{params}` as `{}`. actix-web cannot list its routes, so the
/// source is read; a registration this reader does not understand fails the test rather
/// than being skipped.
fn registered_routes() -> std::collections::BTreeSet<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let api_dir = root.join("api");
    let api_mod = code_of(&api_dir.join("mod.rs"));
    let scope_at =
        api_mod.find("web::scope(\"/api/v1\")").expect("the /api/v1 scope of src/api/mod.rs");
    let mut routes = std::collections::BTreeSet::new();
    for file in files {
        let text = code_of(&file);
        let name = file.strip_prefix(&root).unwrap().display().to_string();
        for other in ["web::resource(", "#[get(", "#[post(", "#[put(", "#[delete(", "#[patch("] {
            assert!(
                !text.contains(other),
                "{name} registers a route with {other}: teach registered_routes() to read it"
            );
        }
        if let Some(at) = text.find("web::scope(\"") {
            let scope = &text[at + 12..];
            let scope = &scope[..scope.find('"').unwrap()];
            assert!(
                matches!(scope, "/api/v1" | "/jkn"),
                "{name}: scope {scope}: teach registered_routes() about it"
            );
        }
        // Modules of src/api/ other than mod.rs are configured inside the /api/v1 scope.
        let in_api = file.parent() == Some(api_dir.as_path());
        if in_api && !name.ends_with("mod.rs") && text.contains(".route(") {
            let module = file.file_stem().unwrap().to_string_lossy().to_string();
            assert!(
                api_mod[scope_at..].contains(&format!(".configure({module}::")),
                "{name} registers routes but is not configured inside the /api/v1 scope"
            );
        }
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            let offset = text.len() - rest.len() + at;
            rest = &rest[at + 7..];
            let args = rest.trim_start();
            let Some(args) = args.strip_prefix('"') else {
                panic!("{name}: a .route( without a literal path: {}", &rest[..60.min(rest.len())])
            };
            let path = &args[..args.find('"').unwrap()];
            let after = args[path.len() + 1..].trim_start().strip_prefix(',').unwrap().trim_start();
            let method = after
                .strip_prefix("web::")
                .and_then(|m| m.split_once("()"))
                .map(|(m, _)| m.to_string())
                .unwrap_or_else(|| panic!("{name}: route {path} without web::<method>()"));
            let full = if path.starts_with("/api/") {
                path.to_string()
            } else if in_api && (!name.ends_with("mod.rs") || offset > scope_at) {
                format!("/api/v1{path}")
            } else if in_api && name.ends_with("mod.rs") {
                path.to_string() // /healthz, /readyz
            } else {
                continue; // pages, screens, assets, Mobile JKN: not the JSON API
            };
            if full.starts_with("/api/v1") || !path.starts_with("/api/") && in_api {
                routes.insert((method, normalise(&full)));
            }
        }
    }
    routes
}

/// A source file without its comment lines (comments may mention routes; only code
/// registers them).
fn code_of(file: &std::path::Path) -> String {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `/a/{id}/b/{code:.+}` → `/a/{}/b/{}`.
fn normalise(path: &str) -> String {
    path.split('/').map(|s| if s.starts_with('{') { "{}" } else { s }).collect::<Vec<_>>().join("/")
}

#[actix_web::test]
async fn every_registered_api_route_is_in_the_document_and_the_document_holds_together() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    let registered = registered_routes();
    assert!(registered.len() > 60, "the reader found only {registered:?}");
    let mut documented = std::collections::BTreeSet::new();
    let tags: Vec<&str> =
        doc["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    let mut operation_ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let at = format!("{} {path}", method.to_uppercase());
            documented.insert((method.clone(), normalise(path)));
            assert!(operation_ids.insert(op["operationId"].as_str().unwrap().to_string()), "{at}");
            // A tag that the document lists, and a success answer.
            let tag = op["tags"][0].as_str().unwrap_or_else(|| panic!("{at} has no tag"));
            assert!(tags.contains(&tag), "{at}: tag {tag} is not listed");
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.keys().any(|k| k.starts_with('2')), "{at}: no 2xx answer");
            for (code, r) in responses {
                if code.starts_with('4') || code.starts_with('5') {
                    assert_eq!(
                        r["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/Error",
                        "{at} {code} answers the error shape"
                    );
                }
            }
            // Each {param} of the path is a required path parameter, and nothing more.
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| {
                    assert_eq!(p["required"], true, "{at}: {p}");
                    p["name"].as_str().unwrap()
                })
                .collect();
            let in_path: Vec<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .collect();
            assert_eq!(declared, in_path, "{at}: path parameters");
            // Security: staff routes need a login, the rest say what they need or nothing.
            let needs: Vec<String> = op["security"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|s| s.as_object().unwrap().keys().cloned())
                .collect();
            for scheme in &needs {
                assert!(schemes.contains_key(scheme), "{at}: unknown scheme {scheme}");
            }
            if path.starts_with("/api/v1/staff/") {
                assert!(needs.iter().any(|s| s == "staff_bearer"), "{at}: staff login");
                assert!(responses.contains_key("401") && responses.contains_key("403"), "{at}");
            }
        }
    }
    let missing: Vec<_> = registered.difference(&documented).collect();
    assert!(missing.is_empty(), "registered but not in /api/openapi.json: {missing:?}");
    let stale: Vec<_> = documented.difference(&registered).collect();
    assert!(stale.is_empty(), "in /api/openapi.json but not registered: {stale:?}");
    // Every reference points at a schema that exists.
    let text = doc.to_string();
    for piece in text.split("\"#/components/schemas/").skip(1) {
        let name = &piece[..piece.find('"').unwrap()];
        assert!(doc["components"]["schemas"][name].is_object(), "dangling $ref {name}");
    }
    assert!(
        doc["paths"]["/api/v1/gateway/inbound"]["post"]["security"][0]["gateway_signature"]
            .is_array()
    );
    assert!(doc["paths"]["/api/v1/kiosk/tickets"]["post"]["security"][1]["kiosk_token"].is_array());
    assert!(doc["paths"]["/api/v1/clinics"]["get"]["security"].is_null(), "public");
    assert!(doc["paths"]["/api/v1/bookings"]["post"]["responses"]["429"].is_object());
    let body =
        &doc["paths"]["/api/v1/bookings"]["post"]["requestBody"]["content"]["application/json"];
    assert_eq!(body["schema"]["$ref"], "#/components/schemas/BookingBody");
    // What schemathesis found: a path or query string that does not parse answers the
    // JSON error shape the document promises, not actix-web's plain text.
    let (status, body) = app.get_json("/api/v1/sessions/2147483648/queue").await;
    assert_eq!((status.as_u16(), body["error"]["code"].as_str()), (404, Some("not_found")));
    let (status, body) = app.get_json("/api/v1/announcements/words?place=x").await;
    assert_eq!((status.as_u16(), body["error"]["code"].as_str()), (400, Some("invalid_query")));
}
