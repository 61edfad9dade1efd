//! Stand-in of BPJS antreanrs (Antrean Online tasks, registrations, dashboards) and HFIS
//! (doctor schedules, references). Checks the signature headers (`X-cons-id`,
//! `X-timestamp`, `X-signature`, `user_key`), encrypts its answers as BPJS does, refuses
//! tasks out of order, and keeps what it accepted. `GET /_diterima` (unsigned, the
//! stand-in's own) lists what it received.
use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use sipoli::config::Secret;
use sipoli::jkn::{BpjsConfig, crypto};

pub const CONS_ID: &str = "31337";
pub const SECRET: &str = "rahasia-bpjs-uji";
pub const USER_KEY: &str = "kunci-pengguna";

/// What the stand-in of BPJS saw and how it should behave.
#[derive(Debug)]
pub struct Bpjs {
    /// Every request: path, body, and the metadata code answered (500 = HTTP error).
    pub log: Vec<(String, Value, i64)>,
    pub bad_signatures: usize,
    /// Answer this many requests with HTTP 500 first.
    pub fail_first: usize,
    /// Say "OK" to this task id once, but lose it (as a flaky BPJS would).
    pub lose_task: Option<i64>,
    pub added: Vec<String>,
    /// Accepted task ids (and times) per booking code.
    pub tasks: HashMap<String, Vec<(i64, i64)>>,
    pub cancelled: Vec<String>,
    /// Accepted `/antrean/farmasi/add` bodies.
    pub farmasi: Vec<Value>,
    /// HFIS: schedule rows per poli code (`hari` as a number), as `jadwaldokter` answers.
    pub hfis: HashMap<String, Vec<Value>>,
    /// HFIS: accepted `updatejadwaldokter` bodies.
    pub hfis_updates: Vec<Value>,
    /// Accepted `/antrean/add` bodies (what `pendaftaran` lists).
    pub registrations: Vec<Value>,
    /// `/ref/poli` rows (`kdpoli`, `nmpoli`).
    pub ref_poli: Vec<Value>,
    /// `/ref/dokter` rows (`kodedokter`, `namadokter`); HFIS knows only these doctors.
    pub ref_dokter: Vec<Value>,
    /// Print a line per request (the example does, the tests do not).
    pub echo: bool,
}

impl Default for Bpjs {
    /// The tests' BPJS: Poli Anak, dr. Ruth (310103) and a doctor only HFIS has (310199).
    fn default() -> Bpjs {
        Bpjs {
            log: Vec::new(),
            bad_signatures: 0,
            fail_first: 0,
            lose_task: None,
            added: Vec::new(),
            tasks: HashMap::new(),
            cancelled: Vec::new(),
            farmasi: Vec::new(),
            hfis: HashMap::new(),
            hfis_updates: Vec::new(),
            registrations: Vec::new(),
            ref_poli: vec![json!({"kdpoli": "ANA", "nmpoli": "ANAK"})],
            ref_dokter: vec![
                json!({"kodedokter": 310103, "namadokter": "dr. Ruth Kogoya, Sp.A"}),
                json!({"kodedokter": 310199, "namadokter": "dr. Baru HFIS"}),
            ],
            echo: false,
        }
    }
}

pub type Shared = Arc<Mutex<Bpjs>>;

impl Bpjs {
    /// What it received, for a person looking (`GET /_diterima`).
    pub fn received(&self) -> Value {
        let mut tasks: Vec<Value> = self
            .tasks
            .iter()
            .map(|(code, list)| {
                let list: Vec<Value> = list
                    .iter()
                    .map(|(t, w)| json!({"taskid": t, "waktu": w, "wit": bpjs_time(*w)}))
                    .collect();
                json!({"kodebooking": code, "tasks": list})
            })
            .collect();
        tasks.sort_by(|a, b| a["kodebooking"].as_str().cmp(&b["kodebooking"].as_str()));
        let refused: Vec<Value> = self
            .log
            .iter()
            .filter(|(_, _, code)| *code != 200)
            .map(|(path, body, code)| json!({"path": path, "code": code, "body": body}))
            .collect();
        json!({
            "antrean_add": self.registrations,
            "tasks": tasks,
            "batal": self.cancelled,
            "farmasi": self.farmasi,
            "hfis_updates": self.hfis_updates,
            "requests": self.log.len(),
            "bad_signatures": self.bad_signatures,
            "refused": refused,
        })
    }
}

fn answer(ts: i64, code: i64, message: &str, response: Option<Value>) -> HttpResponse {
    let mut body = json!({"metadata": {"code": code, "message": message}});
    if let Some(r) = response {
        body["response"] = json!(crypto::encrypt(CONS_ID, SECRET, ts, &r.to_string()));
    }
    HttpResponse::Ok().json(body)
}

/// The echo line of a request: path, the fields a person looks for, the answer.
fn echo_line(path: &str, body: &Value, code: i64, message: &str) -> String {
    let fields: Vec<String> = ["kodebooking", "taskid", "waktu", "kodepoli", "kodedokter"]
        .iter()
        .filter_map(|k| body.get(*k).filter(|v| !v.is_null()).map(|v| format!("{k}={v}")))
        .collect();
    let when = body["waktu"].as_i64().map(|w| format!(" ({})", bpjs_time(w))).unwrap_or_default();
    format!("BPJS   {path} {}{when} -> {code} {message}", fields.join(" "))
}

async fn stand_in(req: HttpRequest, body: web::Bytes, bpjs: web::Data<Shared>) -> HttpResponse {
    let header = |n: &str| {
        req.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
    };
    let ts: i64 = header("X-timestamp").parse().unwrap_or(0);
    let signed = header("X-cons-id") == CONS_ID
        && header("user_key") == USER_KEY
        && header("X-signature") == crypto::signature(CONS_ID, SECRET, ts);
    let path = req.path().to_string();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut b = bpjs.lock().unwrap_or_else(|e| e.into_inner());
    if path == "/_diterima" && req.method() == actix_web::http::Method::GET {
        return HttpResponse::Ok().json(b.received());
    }
    let echo = b.echo;
    if !signed {
        b.bad_signatures += 1;
        crate::standins::echo(echo, || echo_line(&path, &body, 201, "Signature tidak valid"));
        b.log.push((path, body, 201));
        return answer(ts, 201, "Signature tidak valid", None);
    }
    if b.fail_first > 0 {
        b.fail_first -= 1;
        b.log.push((path, body, 500));
        return HttpResponse::InternalServerError().body("gateway timeout");
    }
    if let Some(answered) = national_stand_in(&mut b, &path, &body, ts) {
        crate::standins::echo(echo, || echo_line(&path, &body, 200, "(HFIS/referensi/daftar)"));
        b.log.push((path, body, 200));
        return answered;
    }
    let code = body["kodebooking"].as_str().unwrap_or_default().to_string();
    let (status, message) = match path.as_str() {
        "/antrean/add" => {
            b.registrations.push(body.clone());
            b.added.push(code.clone());
            (200, "OK".to_string())
        }
        "/antrean/updatewaktu" => {
            let taskid = body["taskid"].as_i64().unwrap_or(0);
            let waktu = body["waktu"].as_i64().unwrap_or(0);
            let done = b.tasks.get(&code).cloned().unwrap_or_default();
            let previous = match taskid {
                4 => Some(3),
                5 => Some(4),
                6 => Some(5),
                7 => Some(6),
                _ => None,
            };
            if !b.added.contains(&code) {
                (201, "Kodebooking tidak ditemukan".to_string())
            } else if let Some(p) = previous.filter(|p| !done.iter().any(|(t, _)| t == p)) {
                (201, format!("TaskId={p} belum ada"))
            } else if done.last().is_some_and(|(_, w)| *w > waktu) {
                (201, "Waktu TaskId tidak boleh lebih kecil dari TaskId sebelumnya".into())
            } else if done.iter().any(|(t, _)| *t == taskid) {
                (201, format!("TaskId={taskid} sudah ada"))
            } else if b.lose_task == Some(taskid) {
                b.lose_task = None;
                (200, "OK".into())
            } else {
                b.tasks.entry(code.clone()).or_default().push((taskid, waktu));
                (200, "OK".into())
            }
        }
        "/antrean/batal" => {
            b.cancelled.push(code.clone());
            (200, "OK".into())
        }
        "/antrean/farmasi/add" => {
            let kind_ok = matches!(body["jenisresep"].as_str(), Some("racikan" | "non racikan"));
            if !b.added.contains(&code) {
                (201, "Kodebooking tidak ditemukan".to_string())
            } else if !kind_ok || !body["nomorantrean"].is_i64() {
                (201, "jenisresep atau nomorantrean tidak valid".to_string())
            } else {
                b.farmasi.push(body.clone());
                (200, "OK".into())
            }
        }
        _ => (201, "Layanan tidak dikenal".into()),
    };
    crate::standins::echo(echo, || echo_line(&path, &body, status, &message));
    b.log.push((path.clone(), body, status));
    let response = (status == 200).then(|| json!({"diterima": path, "kodebooking": code}));
    answer(ts, status, &message, response)
}

/// The `dd-mm-yyyy hh:mm:ss` text BPJS gives a task time, in the hospital's zone.
pub fn bpjs_time(ms: i64) -> String {
    let Some(at) = chrono::DateTime::from_timestamp_millis(ms) else {
        return format!("{ms} ms?");
    };
    at.with_timezone(&chrono_tz::Asia::Jayapura).format("%d-%m-%Y %H:%M:%S WIT").to_string()
}

/// HFIS, registrations, task lists, references and the waiting-time dashboard.
fn national_stand_in(b: &mut Bpjs, path: &str, body: &Value, ts: i64) -> Option<HttpResponse> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let ok = |r: Value| Some(answer(ts, 200, "Ok", Some(r)));
    match parts.as_slice() {
        ["jadwaldokter", "kodepoli", poli, "tanggal", date] => {
            let Ok(date) = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d") else {
                return Some(answer(ts, 201, "Format tanggal tidak valid", None));
            };
            let hari = i64::from(chrono::Datelike::weekday(&date).number_from_monday());
            let rows: Vec<Value> = b
                .hfis
                .get(*poli)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|r| r["hari"] == hari)
                .collect();
            if rows.is_empty() {
                return Some(answer(ts, 201, "Data tidak ditemukan", None));
            }
            ok(json!(rows))
        }
        ["jadwaldokter", "updatejadwaldokter"] => {
            // HFIS checks the doctor against its register and every day's fields.
            let kode = body["kodedokter"].as_i64().unwrap_or(0);
            let known = b.ref_dokter.iter().any(|d| d["kodedokter"] == kode);
            let days_ok = body["jadwal"].as_array().is_some_and(|days| {
                days.iter().all(|d| {
                    let hari = d["hari"].as_str().and_then(|h| h.parse::<u8>().ok());
                    let (buka, tutup) = (d["buka"].as_str(), d["tutup"].as_str());
                    hari.is_some_and(|h| (1..=8).contains(&h))
                        && buka.zip(tutup).is_some_and(|(a, b)| a.len() == 5 && a < b)
                })
            });
            if !known {
                return Some(answer(ts, 201, "Kode dokter tidak terdaftar di HFIS", None));
            }
            if !days_ok || body["kodepoli"].as_str().is_none() {
                return Some(answer(ts, 201, "Format jadwal tidak valid", None));
            }
            b.hfis_updates.push(body.clone());
            Some(answer(ts, 200, "Ok", None))
        }
        ["ref", "poli"] => ok(json!({"list": b.ref_poli})),
        ["ref", "dokter"] => ok(json!({"list": b.ref_dokter})),
        ["antrean", "pendaftaran", "tanggal", date] => {
            let list: Vec<Value> = b
                .registrations
                .iter()
                .filter(|r| r["tanggalperiksa"] == *date)
                .map(|r| {
                    json!({"kodebooking": r["kodebooking"], "tanggal": r["tanggalperiksa"],
                           "kodepoli": r["kodepoli"], "kodedokter": r["kodedokter"],
                           "nokapst": r["nomorkartu"], "sumberdata": "Bridging Antrean",
                           "ispeserta": 1, "noantrean": r["nomorantrean"], "status": "Belum dilayani"})
                })
                .collect();
            ok(json!(list))
        }
        ["antrean", "getlisttask"] => {
            let code = body["kodebooking"].as_str().unwrap_or_default();
            let list: Vec<Value> = b
                .tasks
                .get(code)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|(t, w)| {
                    json!({"kodebooking": code, "taskid": t, "taskname": format!("task {t}"),
                           "wakturs": bpjs_time(w), "waktu": bpjs_time(w)})
                })
                .collect();
            ok(json!(list))
        }
        ["dashboard", "waktutunggu", "tanggal", date, "waktu", "rs"] => {
            // Average seconds from task 3 to 4 and from 4 to 5, per poli.
            let mut per: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
            for r in b.registrations.iter().filter(|r| r["tanggalperiksa"] == *date) {
                let code = r["kodebooking"].as_str().unwrap_or_default();
                let tasks = b.tasks.get(code).cloned().unwrap_or_default();
                let at = |id| tasks.iter().find(|(t, _)| *t == id).map(|(_, w)| *w);
                if let (Some(t3), Some(t4), Some(t5)) = (at(3), at(4), at(5)) {
                    let poli = r["kodepoli"].as_str().unwrap_or_default().to_string();
                    per.entry(poli).or_default().push(((t4 - t3) / 1000, (t5 - t4) / 1000));
                }
            }
            let list: Vec<Value> = per
                .into_iter()
                .map(|(poli, w)| {
                    let n = w.len() as i64;
                    json!({"kodepoli": poli, "tanggal": date, "jumlah_antrean": n,
                           "avg_waktu_task3": w.iter().map(|x| x.0).sum::<i64>() / n,
                           "avg_waktu_task4": w.iter().map(|x| x.1).sum::<i64>() / n})
                })
                .collect();
            ok(json!({"list": list}))
        }
        _ => None,
    }
}

/// The stand-in's settings for a node (consumer id, secret, user key) at `base`.
pub fn bpjs_config(base: &str) -> BpjsConfig {
    BpjsConfig {
        base_url: base.to_string(),
        cons_id: CONS_ID.into(),
        secret: Secret::new(SECRET),
        user_key: Secret::new(USER_KEY),
    }
}

/// The stand-in, listening on loopback (a free port); its base URL.
pub fn start_bpjs(shared: Shared) -> String {
    start_bpjs_on(shared, "127.0.0.1:0").expect("a free loopback port")
}

/// The stand-in listening on `addr` (inside an actix system); its base URL.
pub fn start_bpjs_on(shared: Shared, addr: &str) -> std::io::Result<String> {
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
