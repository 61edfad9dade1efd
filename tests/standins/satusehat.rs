//! Stand-in of SATUSEHAT (Kemenkes FHIR R4): OAuth2 client credentials, Patient and
//! Practitioner look-ups by NIK, and Encounters. It checks the bearer token, the resource
//! type and the required fields, the `+09:00` offsets and the status order arrived →
//! in-progress → finished, and keeps every Encounter version it accepted.
//! `GET /_diterima` (the stand-in's own, no token) lists them.
use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use sipoli::config::Secret;
use sipoli::satusehat::SatusehatConfig;

pub const CLIENT_ID: &str = "rsud-mimika";
pub const CLIENT_SECRET: &str = "rahasia-satusehat-uji";
pub const ORG: &str = "100026342";
pub const DOCTOR_NIK: &str = "9109014501800002";
pub const PRACTITIONER: &str = "10009880728";
pub const LOCATION: &str = "b017aa54-f1df-4ec2-9d84-8823815d7228";

/// What the stand-in saw, and how it behaves.
#[derive(Debug, Default)]
pub struct Sehat {
    /// Tokens it gave out and still accepts.
    pub valid: Vec<String>,
    pub token_requests: usize,
    /// `expires_in` of the tokens it gives (seconds).
    pub expires_in: i64,
    /// Answer this many Encounter calls with HTTP 500 first.
    pub fail_first: usize,
    /// NIK → IHS number.
    pub patients: HashMap<String, String>,
    /// Every 16-digit NIK is a known patient (the demo's; its IHS number is made from it).
    pub any_patient: bool,
    pub practitioners: HashMap<String, String>,
    /// Location ids that exist.
    pub locations: Vec<String>,
    /// The hospital's Organization id.
    pub organization: String,
    /// Every Encounter version accepted, per id, in order.
    pub encounters: HashMap<String, Vec<Value>>,
    /// Every request: method, path, HTTP status answered.
    pub log: Vec<(String, String, u16)>,
    /// What it refused and why.
    pub problems: Vec<String>,
    /// Print a line per request (the example does, the tests do not).
    pub echo: bool,
}

pub type Shared = Arc<Mutex<Sehat>>;

/// A NIK as the tests make them (`tests/api/helpers.rs::nik`).
fn test_nik(n: u32) -> String {
    format!("910901170590{:04}", n % 10000 + 1)
}

/// A stand-in that knows the patients of `nik(n)` for `known` and the test doctor.
pub fn sehat(known: &[u32]) -> Shared {
    let patients = known.iter().map(|n| (test_nik(*n), format!("P0000000{n:04}"))).collect();
    let practitioners = HashMap::from([(DOCTOR_NIK.to_string(), PRACTITIONER.to_string())]);
    Arc::new(Mutex::new(Sehat {
        expires_in: 3600,
        patients,
        practitioners,
        locations: vec![LOCATION.to_string()],
        organization: ORG.to_string(),
        ..Sehat::default()
    }))
}

impl Sehat {
    /// What it received, for a person looking (`GET /_diterima`).
    pub fn received(&self) -> Value {
        let mut encounters: Vec<Value> = self
            .encounters
            .iter()
            .map(|(id, versions)| {
                let statuses: Vec<&Value> = versions.iter().map(|v| &v["status"]).collect();
                json!({"id": id, "statuses": statuses,
                       "identifier": versions.first().map(|v| v["identifier"][0]["value"].clone()),
                       "latest": versions.last()})
            })
            .collect();
        encounters.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        json!({"encounters": encounters, "problems": self.problems,
               "token_requests": self.token_requests, "requests": self.log.len()})
    }
}

fn outcome(status: u16, text: &str) -> HttpResponse {
    let body = json!({"resourceType": "OperationOutcome",
                      "issue": [{"severity": "error", "code": "invalid", "details": {"text": text}}]});
    let code = actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    HttpResponse::build(code).json(body)
}

const ORDER: [&str; 3] = ["arrived", "in-progress", "finished"];

/// The checks of an Encounter body; the first problem found.
fn check_encounter(e: &Value, s: &Sehat) -> Result<(), String> {
    let str_at = |p: &str| e.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
    if str_at("/resourceType") != "Encounter" {
        return Err("resourceType harus Encounter".into());
    }
    if str_at("/class/code") != "AMB"
        || str_at("/class/system") != "http://terminology.hl7.org/CodeSystem/v3-ActCode"
    {
        return Err("class AMB wajib".into());
    }
    let subject = str_at("/subject/reference");
    let ihs = subject.strip_prefix("Patient/").unwrap_or_default();
    if !s.patients.values().any(|v| v == ihs) {
        return Err(format!("subject {subject} tidak dikenal"));
    }
    let practitioner = str_at("/participant/0/individual/reference");
    let ihs = practitioner.strip_prefix("Practitioner/").unwrap_or_default();
    if !s.practitioners.values().any(|v| v == ihs)
        || str_at("/participant/0/type/0/coding/0/code") != "ATND"
    {
        return Err("participant ATND wajib".into());
    }
    let location = str_at("/location/0/location/reference");
    if !s.locations.iter().any(|l| location == format!("Location/{l}")) {
        return Err("location wajib".into());
    }
    let org = &s.organization;
    if str_at("/serviceProvider/reference") != format!("Organization/{org}") {
        return Err("serviceProvider wajib".into());
    }
    if str_at("/identifier/0/system") != format!("http://sys-ids.kemkes.go.id/encounter/{org}")
        || str_at("/identifier/0/value").is_empty()
    {
        return Err("identifier wajib".into());
    }
    if str_at("/period/start").is_empty() {
        return Err("period.start wajib".into());
    }
    // Every time carries the hospital's offset.
    let mut times = vec![str_at("/period/start")];
    times.extend(e.pointer("/period/end").and_then(Value::as_str).map(str::to_string));
    for h in e["statusHistory"].as_array().cloned().unwrap_or_default() {
        times.extend(
            ["start", "end"].iter().filter_map(|k| h["period"][k].as_str().map(str::to_string)),
        );
    }
    if let Some(t) = times.iter().find(|t| !t.ends_with("+09:00")) {
        return Err(format!("waktu {t} harus +09:00"));
    }
    Ok(())
}

async fn stand_in(req: HttpRequest, body: web::Bytes, sehat: web::Data<Shared>) -> HttpResponse {
    let mut s = sehat.lock().unwrap_or_else(|e| e.into_inner());
    let (method, path) = (req.method().to_string(), req.path().to_string());
    if path == "/_diterima" && method == "GET" {
        return HttpResponse::Ok().json(s.received());
    }
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(req.query_string().as_bytes()).into_owned().collect();
    let answer = |s: &mut Sehat, status: u16, res: HttpResponse| {
        s.log.push((method.clone(), path.clone(), status));
        let problem = if status >= 400 { s.problems.last().cloned() } else { None };
        crate::standins::echo(s.echo, || {
            format!("SATUSEHAT {method} {path} -> {status} {}", problem.unwrap_or_default())
        });
        res
    };
    if path == "/oauth2/v1/accesstoken" {
        let form: HashMap<String, String> =
            url::form_urlencoded::parse(&body).into_owned().collect();
        s.token_requests += 1;
        let ok = query.get("grant_type").map(String::as_str) == Some("client_credentials")
            && form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
            && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET);
        if !ok {
            return answer(&mut s, 401, outcome(401, "invalid client"));
        }
        let token = format!("token-{}", s.token_requests);
        s.valid.push(token.clone());
        let body = json!({"access_token": token, "expires_in": s.expires_in.to_string(),
                          "token_type": "BearerToken", "organization_name": "RSUD Mimika"});
        return answer(&mut s, 200, HttpResponse::Ok().json(body));
    }
    let bearer = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_string();
    if !s.valid.contains(&bearer) {
        return answer(&mut s, 401, outcome(401, "Access token expired"));
    }
    let Some(rest) = path.strip_prefix("/fhir-r4/v1/") else {
        return answer(&mut s, 404, outcome(404, "not found"));
    };
    if method == "GET" && (rest == "Patient" || rest == "Practitioner") {
        let identifier = query.get("identifier").cloned().unwrap_or_default();
        let Some(nik) = identifier.strip_prefix("https://fhir.kemkes.go.id/id/nik|") else {
            return answer(&mut s, 400, outcome(400, "identifier harus NIK"));
        };
        let valid_nik = nik.len() == 16 && nik.bytes().all(|c| c.is_ascii_digit());
        if rest == "Patient" && s.any_patient && valid_nik && !s.patients.contains_key(nik) {
            let ihs = format!("P{}", &nik[6..]);
            s.patients.insert(nik.to_string(), ihs);
        }
        let found = if rest == "Patient" { s.patients.get(nik) } else { s.practitioners.get(nik) };
        let entry: Vec<Value> = found
            .map(|id| json!({"resource": {"resourceType": rest, "id": id}}))
            .into_iter()
            .collect();
        let bundle = json!({"resourceType": "Bundle", "type": "searchset",
                            "total": entry.len(), "entry": entry});
        return answer(&mut s, 200, HttpResponse::Ok().json(bundle));
    }
    if s.fail_first > 0 {
        s.fail_first -= 1;
        return answer(&mut s, 500, HttpResponse::InternalServerError().body("upstream timeout"));
    }
    let e: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if let Err(problem) = check_encounter(&e, &s) {
        s.problems.push(problem.clone());
        return answer(&mut s, 400, outcome(400, &problem));
    }
    let status = e["status"].as_str().unwrap_or_default().to_string();
    if method == "POST" && rest == "Encounter" {
        if status != "arrived" {
            s.problems.push(format!("POST dengan status {status}"));
            return answer(&mut s, 400, outcome(400, "Encounter baru harus arrived"));
        }
        let id = format!("enc-{}", s.encounters.len() + 1);
        let mut created = e.clone();
        created["id"] = json!(id);
        s.encounters.insert(id, vec![e]);
        return answer(&mut s, 201, HttpResponse::Created().json(created));
    }
    if let Some(id) = rest.strip_prefix("Encounter/").filter(|_| method == "PUT") {
        let Some(before) = s.encounters.get(id).and_then(|v| v.last()).cloned() else {
            return answer(&mut s, 404, outcome(404, "Encounter tidak ditemukan"));
        };
        let prev = before["status"].as_str().unwrap_or_default();
        let rank = |st: &str| ORDER.iter().position(|o| *o == st);
        let in_order = match status.as_str() {
            "cancelled" => prev != "finished" && prev != "cancelled",
            st => rank(st).zip(rank(prev)).is_some_and(|(a, b)| a == b + 1),
        };
        if e["id"] != json!(id) || !in_order {
            s.problems.push(format!("{prev} → {status}"));
            return answer(&mut s, 400, outcome(400, "urutan status tidak valid"));
        }
        if let Some(versions) = s.encounters.get_mut(id) {
            versions.push(e.clone());
        }
        return answer(&mut s, 200, HttpResponse::Ok().json(e));
    }
    answer(&mut s, 404, outcome(404, "not found"))
}

/// The stand-in on loopback (a free port); its base address.
pub fn start_sehat(shared: Shared) -> String {
    start_sehat_on(shared, "127.0.0.1:0").expect("a free loopback port")
}

/// The stand-in listening on `addr` (inside an actix system); its base address.
pub fn start_sehat_on(shared: Shared, addr: &str) -> std::io::Result<String> {
    let listener = TcpListener::bind(addr)?;
    let port = listener.local_addr()?.port();
    let data = web::Data::new(shared);
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new().app_data(data.clone()).default_service(web::to(stand_in))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    actix_web::rt::spawn(server);
    Ok(format!("http://127.0.0.1:{port}"))
}

/// A node's settings for the stand-in at `base`, as organization `org`.
pub fn sehat_config(base: &str, org: &str) -> SatusehatConfig {
    SatusehatConfig {
        auth_url: format!("{base}/oauth2/v1"),
        base_url: format!("{base}/fhir-r4/v1"),
        client_id: CLIENT_ID.into(),
        client_secret: Secret::new(CLIENT_SECRET),
        organization_id: org.into(),
    }
}
