//! Success answers in `/api/openapi.json` are typed: a 2xx JSON answer of a route that
//! schemathesis checks (tags public, kiosk, displays, open data, health, gateway) must not
//! be a free-form schema (`{}`, what `serde_json::Value` gives), so its response-schema
//! conformance check really looks at the body. Routes still free-form are listed (stderr)
//! so the gap stays visible; the goal is none.
use serde_json::Value;

use crate::helpers::*;

/// Tags whose every 2xx JSON answer must be typed.
const COVERED: [&str; 6] = ["public", "kiosk", "displays", "open data", "health", "gateway"];

/// Follow `$ref`s to the schema they name.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let mut s = schema;
    while let Some(r) = s["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        s = &doc["components"]["schemas"][name];
    }
    s
}

/// A schema that says nothing about the body: no type, no properties, no items, no
/// composition, no enum.
fn free_form(doc: &Value, schema: &Value) -> bool {
    let s = resolve(doc, schema);
    let Some(o) = s.as_object() else { return true };
    let says = ["type", "properties", "items", "oneOf", "anyOf", "allOf", "enum", "const"];
    if !says.iter().any(|k| o.contains_key(*k)) {
        return true;
    }
    // An object with no properties at all, or an array of free-form items.
    if s["type"] == "object" && !o.contains_key("properties") && !o.contains_key("allOf") {
        return true;
    }
    if s["type"] == "array" {
        return free_form(doc, &s["items"]);
    }
    false
}

#[actix_web::test]
async fn success_answers_of_public_kiosk_board_open_data_and_health_routes_are_typed() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    let (mut covered_free, mut other_free, mut typed) = (Vec::new(), Vec::new(), 0);
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let tag = op["tags"][0].as_str().unwrap_or_default();
            for (code, answer) in op["responses"].as_object().unwrap() {
                if !code.starts_with('2') {
                    continue;
                }
                let Some(schema) = answer["content"].get("application/json").map(|c| &c["schema"])
                else {
                    continue;
                };
                let name = format!("{} {path} {code} ({tag})", method.to_uppercase());
                if !free_form(&doc, schema) {
                    typed += 1;
                } else if COVERED.contains(&tag) {
                    covered_free.push(name);
                } else {
                    other_free.push(name);
                }
            }
        }
    }
    eprintln!(
        "2xx JSON answers: {typed} typed; still free-form ({}): {other_free:#?}",
        other_free.len()
    );
    assert!(covered_free.is_empty(), "free-form 2xx answers on checked routes: {covered_free:#?}");
    assert!(typed >= 30, "{typed}");
    // The shapes say what is nullable and which values an enum takes.
    let standing = resolve(&doc, &doc["components"]["schemas"]["StandingOut"]);
    let step = serde_json::to_string(&standing["properties"]["step"]).unwrap();
    assert!(step.contains("null"), "step is nullable: {step}");
    let status = &doc["components"]["schemas"]["VisitStatus"];
    assert!(status["enum"].as_array().is_some_and(|v| v.contains(&"waiting".into())), "{status}");
    assert_eq!(standing["properties"]["estimated_at"]["type"], "string");
}

/// `free_form` itself: what `serde_json::Value` gives is free-form, a typed shape is not.
#[test]
fn free_form_tells_a_value_from_a_shape() {
    let doc = serde_json::json!({"components": {"schemas": {
        "A": {"type": "object", "properties": {"x": {"type": "integer"}}},
        "B": {}
    }}});
    assert!(free_form(&doc, &serde_json::json!({})));
    assert!(free_form(&doc, &serde_json::json!({"$ref": "#/components/schemas/B"})));
    assert!(free_form(&doc, &serde_json::json!({"type": "array", "items": {}})));
    assert!(!free_form(&doc, &serde_json::json!({"$ref": "#/components/schemas/A"})));
    assert!(!free_form(
        &doc,
        &serde_json::json!({"type": "array", "items": {"$ref": "#/components/schemas/A"}})
    ));
}
