//! Success answers in `/api/openapi.json` are typed: every 2xx answer of every route is
//! either JSON with a shape (never the free-form schema `{}` that `serde_json::Value`
//! gives, nor an array of such items), or one of the documented non-JSON bodies below
//! (event streams, CSV, WAV) with its content type. So the document says
//! what each handler really sends, and schemathesis' response-schema check looks at the body.
use serde_json::Value;

use crate::helpers::*;

/// The only 2xx bodies that are not JSON, each a stream or a file rather than a shape:
/// `METHOD path code content-type`.
const NOT_JSON: [&str; 6] = [
    "GET /api/v1/announcements/audio.wav 200 audio/wav",
    "GET /api/v1/bookings/{code}/events 200 text/event-stream",
    "GET /api/v1/displays/events 200 text/event-stream",
    "GET /api/v1/displays/stations/events 200 text/event-stream",
    "GET /api/v1/open/daily.csv 200 text/csv",
    "GET /api/v1/sessions/{id}/events 200 text/event-stream",
];

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
async fn every_success_answer_is_typed_json_or_a_documented_stream_or_file() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    let (mut free, mut untyped, mut not_json, mut typed) = (Vec::new(), Vec::new(), Vec::new(), 0);
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (code, answer) in op["responses"].as_object().unwrap() {
                if !code.starts_with('2') {
                    continue;
                }
                let name = format!("{} {path} {code}", method.to_uppercase());
                let Some(content) = answer["content"].as_object() else {
                    // Only "No Content" may come without a body.
                    if code != "204" {
                        untyped.push(name);
                    }
                    continue;
                };
                for (kind, body) in content {
                    if kind == "application/json" {
                        if free_form(&doc, &body["schema"]) {
                            free.push(name.clone());
                        } else {
                            typed += 1;
                        }
                    } else {
                        not_json.push(format!("{name} {kind}"));
                    }
                }
            }
        }
    }
    eprintln!("2xx answers: {typed} typed JSON; not JSON ({}): {not_json:#?}", not_json.len());
    assert!(free.is_empty(), "free-form 2xx JSON answers: {free:#?}");
    assert!(untyped.is_empty(), "2xx answers without a body: {untyped:#?}");
    assert!(typed >= 80, "{typed}");
    // The non-JSON ones are the documented streams and files, nothing else.
    not_json.sort();
    assert_eq!(not_json, NOT_JSON, "2xx answers that are not JSON");
    // The shapes say what is nullable and which values an enum takes.
    let standing = resolve(&doc, &doc["components"]["schemas"]["StandingOut"]);
    let step = serde_json::to_string(&standing["properties"]["step"]).unwrap();
    assert!(step.contains("null"), "step is nullable: {step}");
    let status = &doc["components"]["schemas"]["VisitStatus"];
    assert!(status["enum"].as_array().is_some_and(|v| v.contains(&"waiting".into())), "{status}");
    assert_eq!(standing["properties"]["estimated_at"]["type"], "string");
    // A finish with `next` adds one key: described, optional, never null.
    let fwd = resolve(&doc, &doc["components"]["schemas"]["ForwardedOut"]);
    assert!(fwd["properties"]["next_step"].is_object(), "{fwd}");
    let required = fwd["required"].as_array().map_or(0, Vec::len);
    assert_eq!(required, 0, "{fwd}");
    assert!(!serde_json::to_string(&fwd["properties"]["next_step"]).unwrap().contains("null"));
}

/// Every JSON request body is described by its shape, never as free-form JSON.
#[actix_web::test]
async fn every_json_request_body_is_typed() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    let (mut free, mut typed) = (Vec::new(), 0);
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(content) = op["requestBody"]["content"].as_object() else { continue };
            for (kind, body) in content {
                let name = format!("{} {path} {kind}", method.to_uppercase());
                if kind == "application/json" && free_form(&doc, &body["schema"]) {
                    free.push(name);
                } else {
                    typed += 1;
                }
            }
        }
    }
    assert!(free.is_empty(), "free-form request bodies: {free:#?}");
    assert!(typed >= 35, "{typed}");
    // The forward a finish may carry is described down to the pharmacy lane.
    let step = resolve(&doc, &doc["components"]["schemas"]["StepBody"]);
    let next = serde_json::to_string(&step["properties"]["next"]).unwrap();
    assert!(next.contains("Next"), "{next}");
    let fwd = resolve(&doc, &doc["components"]["schemas"]["Next"]);
    assert!(fwd["properties"]["prescription"].is_object(), "{fwd}");
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
