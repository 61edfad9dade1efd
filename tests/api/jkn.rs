//! Mobile JKN bridge: the `/jkn/` services Mobile JKN calls, and the reports to BPJS
//! against a stand-in of BPJS running as a real HTTP server on loopback.
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use chrono::Duration;
use diesel::prelude::*;
use serde_json::{Value, json};
use sipoli::app::AppState;
use sipoli::auth::Role;
use sipoli::config::Secret;
use sipoli::jkn::client::BpjsClient;
use sipoli::jkn::reports::{self, BpjsTask};
use sipoli::jkn::{BpjsConfig, JknSettings};

use crate::helpers::*;

const USER: &str = "mobilejkn";
const PASSWORD: &str = "sandi-jkn-uji";

/// A BPJS card number of test patient `n`.
pub(crate) fn card(n: u32) -> String {
    format!("{:013}", 1_000_000_000 + u64::from(n))
}

async fn auth_with(app: &TestApp, user: &str, password: &str) -> (u16, Value) {
    let res = app
        .client
        .get(app.url("/jkn/auth"))
        .header("x-username", user)
        .header("x-password", password)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

pub(crate) async fn token(app: &TestApp) -> String {
    let (status, body) = auth_with(app, USER, PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    body["response"]["token"].as_str().unwrap().to_string()
}

/// POST a service; the HTTP status must equal the metadata code.
pub(crate) async fn call(app: &TestApp, service: &str, token: &str, body: &Value) -> (u16, Value) {
    call_as(app, service, token, USER, body).await
}

async fn call_as(
    app: &TestApp,
    service: &str,
    token: &str,
    user: &str,
    body: &Value,
) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/jkn/{service}")))
        .header("x-token", token)
        .header("x-username", user)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["metadata"]["code"], status, "HTTP status = metadata code: {body}");
    (status, body)
}

fn message(body: &Value) -> &str {
    body["metadata"]["message"].as_str().unwrap()
}

fn pasien(n: u32) -> Value {
    json!({
        "nomorkartu": card(n), "nik": nik(n), "nomorkk": "9109010101900001",
        "nama": format!("Pasien JKN {n}"), "jeniskelamin": "L", "tanggallahir": "1990-05-17",
        "nohp": "081234567890", "alamat": "Jl. Cenderawasih 1", "kodeprop": "94",
        "namaprop": "Papua Tengah", "kodedati2": "9412", "namadati2": "Mimika",
        "kodekec": "941201", "namakec": "Mimika Baru", "kodekel": "9412011001",
        "namakel": "Kwamki", "rw": "001", "rt": "002",
    })
}

fn ambil(n: u32, date: &str) -> Value {
    json!({
        "nomorkartu": card(n), "nik": nik(n), "nohp": "081234567890", "kodepoli": "ANA",
        "norm": "", "tanggalperiksa": date, "kodedokter": 310103, "jampraktek": "08:00-12:00",
        "jeniskunjungan": 1, "nomorreferensi": format!("0301R0011225K{n:06}"),
    })
}

/// Register patient `n` through `pasienbaru`; its medical record number.
async fn register(app: &TestApp, token: &str, n: u32) -> String {
    let (status, body) = call(app, "pasienbaru", token, &pasien(n)).await;
    assert_eq!(status, 200, "{body}");
    body["response"]["norm"].as_str().unwrap().to_string()
}

/// Register and book patient `n` for 2 December (tomorrow).
async fn booked(app: &TestApp, token: &str, n: u32) -> Value {
    register(app, token, n).await;
    let (status, body) = call(app, "ambilantrean", token, &ambil(n, "2026-12-02")).await;
    assert_eq!(status, 200, "{body}");
    body["response"].clone()
}

fn session_counters(app: &TestApp, id: i32) -> (i32, i32, i32) {
    use sipoli::db::schema::clinic_sessions as cs;
    cs::table
        .find(id)
        .select((cs::taken_jkn, cs::taken_non_jkn, cs::taken_online))
        .first(&mut app.conn())
        .unwrap()
}

// ----------------------------------------------------------------- inbound: token

#[actix_web::test]
async fn jkn_auth_gives_a_token_only_for_the_right_password() {
    let app = TestApp::spawn().await;
    let (status, body) = auth_with(&app, USER, PASSWORD).await;
    assert_eq!(status, 200);
    assert_eq!(body["metadata"], json!({"message": "Ok", "code": 200}));
    assert!(body["response"]["token"].as_str().unwrap().len() > 20);

    let (status, body) = auth_with(&app, USER, "tebakan").await;
    assert_eq!(status, 201);
    assert_eq!(message(&body), "Username atau Password Tidak Sesuai");
    assert!(body.get("response").is_none(), "no token on failure: {body}");
    let (status, body) = auth_with(&app, "orang-lain", PASSWORD).await;
    assert_eq!(status, 201);
    assert_eq!(message(&body), "Username atau Password Tidak Sesuai");
}

#[actix_web::test]
async fn jkn_token_is_checked_on_every_call_with_the_username() {
    let app = TestApp::spawn().await;
    seed(&app);
    let good = token(&app).await;
    let body = json!({"kodepoli": "ANA", "kodedokter": 310103, "tanggalperiksa": "2026-12-02",
                      "jampraktek": "08:00-12:00"});
    let (status, _) = call(&app, "statusantrean", &good, &body).await;
    assert_eq!(status, 200);

    let (status, res) = call(&app, "statusantrean", "bukan.token", &body).await;
    assert_eq!((status, message(&res)), (201, "Token Tidak Valid"));
    let (status, res) = call_as(&app, "statusantrean", &good, "orang-lain", &body).await;
    assert_eq!(status, 201);
    assert_eq!(message(&res), "Username atau Password Tidak Sesuai");
    // A token signed with another key (another hospital's) is refused.
    let forged = sipoli::jkn::token::issue("kunci-lain", USER, app.state.now(), 60);
    let (_, res) = call(&app, "statusantrean", &forged, &body).await;
    assert_eq!(message(&res), "Token Tidak Valid");

    app.clock.advance(Duration::minutes(61));
    let (status, res) = call(&app, "statusantrean", &good, &body).await;
    assert_eq!((status, message(&res)), (201, "Token Expired"));
    let fresh = token(&app).await;
    let (status, _) = call(&app, "statusantrean", &fresh, &body).await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn jkn_services_answer_that_they_are_off_without_credentials() {
    let app = TestApp::spawn().await;
    let mut settings = (*app.state.settings).clone();
    settings.jkn = JknSettings::default();
    let state = AppState::new(app.pool.clone(), settings, Arc::new(app.clock.clone()));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let off = sipoli::app::build(state, listener).unwrap();
    let address = format!("http://127.0.0.1:{}", off.port);
    actix_web::rt::spawn(off.server);
    let res = app
        .client
        .get(format!("{address}/jkn/auth"))
        .header("x-username", USER)
        .header("x-password", PASSWORD)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert!(message(&body).contains("belum diaktifkan"), "{body}");
}

// ----------------------------------------------------------------- inbound: services

#[actix_web::test]
async fn status_antrean_gives_quotas_and_queue_of_the_session() {
    let app = TestApp::spawn().await;
    seed(&app);
    let t = token(&app).await;
    let body = json!({"kodepoli": "ANA", "kodedokter": 310103, "tanggalperiksa": "2026-12-02",
                      "jampraktek": "08:00-12:00"});
    let (_, before) = call(&app, "statusantrean", &t, &body).await;
    assert_eq!(
        before["response"],
        json!({"namapoli": "Poli Anak", "namadokter": "dr. Ruth Kogoya, Sp.A",
               "totalantrean": 0, "sisaantrean": 0, "antreanpanggil": "-",
               "sisakuotajkn": 20, "kuotajkn": 20, "sisakuotanonjkn": 10, "kuotanonjkn": 10,
               "keterangan": ""})
    );
    booked(&app, &t, 1).await;
    let (_, after) = call(&app, "statusantrean", &t, &body).await;
    assert_eq!(after["response"]["totalantrean"], 1);
    assert_eq!(after["response"]["sisaantrean"], 1);
    assert_eq!(after["response"]["sisakuotajkn"], 19);

    let mut unknown = body.clone();
    unknown["kodepoli"] = json!("XYZ");
    let (status, res) = call(&app, "statusantrean", &t, &unknown).await;
    assert_eq!((status, message(&res)), (201, "Poli tidak ditemukan"));
    let mut past = body.clone();
    past["tanggalperiksa"] = json!("2026-11-30");
    let (_, res) = call(&app, "statusantrean", &t, &past).await;
    assert_eq!(message(&res), "Tanggal periksa tidak boleh tanggal yang sudah lewat");
    let mut other_hours = body.clone();
    other_hours["jampraktek"] = json!("13:00-16:00");
    let (_, res) = call(&app, "statusantrean", &t, &other_hours).await;
    assert!(message(&res).starts_with("Jadwal dokter tidak tersedia"), "{res}");
}

#[actix_web::test]
async fn pasien_baru_registers_once_with_a_unique_medical_record_number() {
    let app = TestApp::spawn().await;
    let t = token(&app).await;
    let first = register(&app, &t, 1).await;
    let second = register(&app, &t, 2).await;
    assert_ne!(first, second);
    assert_eq!(first.len(), 8);
    assert_eq!(app.count("patients"), 2);

    let (status, res) = call(&app, "pasienbaru", &t, &pasien(1)).await;
    assert_eq!((status, message(&res)), (201, "Data peserta sudah pernah dientrikan"));
    let mut bad = pasien(3);
    bad["nik"] = json!("12345");
    let (_, res) = call(&app, "pasienbaru", &t, &bad).await;
    assert_eq!(message(&res), "Format NIK tidak sesuai");
    let mut bad = pasien(3);
    bad["nomorkartu"] = json!("00012");
    let (_, res) = call(&app, "pasienbaru", &t, &bad).await;
    assert_eq!(message(&res), "Format nomor kartu tidak sesuai");
    let mut bad = pasien(3);
    bad["alamat"] = json!("");
    let (_, res) = call(&app, "pasienbaru", &t, &bad).await;
    assert_eq!(message(&res), "Alamat belum diisi");
    assert_eq!(app.count("patients"), 2, "refusals write nothing");
}

#[actix_web::test]
async fn ambil_antrean_books_through_the_common_path() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let t = token(&app).await;
    // Not registered yet: 202, and Mobile JKN calls pasienbaru.
    let (status, res) = call(&app, "ambilantrean", &t, &ambil(1, "2026-12-02")).await;
    assert_eq!(status, 202, "{res}");
    assert_eq!(app.count("visits"), 0);

    let norm = register(&app, &t, 1).await;
    let (status, res) = call(&app, "ambilantrean", &t, &ambil(1, "2026-12-02")).await;
    assert_eq!(status, 200, "{res}");
    let r = &res["response"];
    assert_eq!(r["nomorantrean"], "B-001");
    assert_eq!(r["angkaantrean"], 1);
    assert_eq!(r["norm"], norm);
    assert_eq!(r["namapoli"], "Poli Anak");
    assert_eq!(r["namadokter"], "dr. Ruth Kogoya, Sp.A");
    assert_eq!(r["estimasidilayani"], wit(2026, 12, 2, 8, 0).timestamp_millis());
    assert_eq!(
        (&r["sisakuotajkn"], &r["kuotajkn"], &r["sisakuotanonjkn"], &r["kuotanonjkn"]),
        (&json!(19), &json!(20), &json!(10), &json!(10))
    );
    let code = r["kodebooking"].as_str().unwrap();
    assert_eq!(code.len(), 8);
    // Our booking code: the public status page knows it.
    let (_, status) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(status["ticket"], "B-001");
    assert_eq!(status["payer"], "jkn");
    // The same quota, online limit and ticket counter as a web booking.
    assert_eq!(session_counters(&app, seed.tomorrow), (1, 0, 1));
    let (_, web) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 2)).await;
    assert_eq!(web["ticket"], "B-002");
    assert_eq!(session_counters(&app, seed.tomorrow), (1, 1, 2));
    // BPJS made this booking: nothing to report back.
    assert_eq!(app.count("bpjs_tasks"), 0);
}

#[actix_web::test]
async fn ambil_antrean_respects_the_online_limit_of_every_channel() {
    let app = TestApp::spawn().await;
    let seed = seed_with(&app, 5, 5, 1);
    let t = token(&app).await;
    let web = app.post("/api/v1/bookings", &booking_body(seed.tomorrow, 2)).await;
    assert_eq!(web.status(), 201);
    register(&app, &t, 1).await;
    let (status, res) = call(&app, "ambilantrean", &t, &ambil(1, "2026-12-02")).await;
    assert_eq!(status, 201);
    assert!(message(&res).contains("online"), "{res}");
    assert_eq!(session_counters(&app, seed.tomorrow), (0, 1, 1));
}

#[actix_web::test]
async fn ambil_antrean_refusals_say_what_is_wrong_and_write_nothing() {
    let app = TestApp::spawn().await;
    let seed = seed_with(&app, 2, 5, 10);
    let t = token(&app).await;
    for n in 1..=3 {
        register(&app, &t, n).await;
    }

    let mut bad = ambil(1, "2026-12-02");
    bad["nik"] = json!("91090117059");
    let (status, res) = call(&app, "ambilantrean", &t, &bad).await;
    assert_eq!((status, message(&res)), (201, "Format NIK tidak sesuai"));
    let mut bad = ambil(1, "2026-12-02");
    bad["nomorkartu"] = json!("12345");
    let (_, res) = call(&app, "ambilantrean", &t, &bad).await;
    assert_eq!(message(&res), "Format nomor kartu tidak sesuai");
    let (_, res) = call(&app, "ambilantrean", &t, &ambil(1, "2026-11-30")).await;
    assert_eq!(message(&res), "Tanggal periksa tidak boleh tanggal yang sudah lewat");
    let (_, res) = call(&app, "ambilantrean", &t, &ambil(1, "02-12-2026")).await;
    assert!(message(&res).starts_with("Format tanggal tidak sesuai"), "{res}");
    // Today's 08:00 session closed for booking ahead at 07:00.
    let (_, res) = call(&app, "ambilantrean", &t, &ambil(1, "2026-12-01")).await;
    assert!(message(&res).contains("ditutup"), "{res}");
    assert_eq!(app.count("visits"), 0);

    let (status, _) = call(&app, "ambilantrean", &t, &ambil(1, "2026-12-02")).await;
    assert_eq!(status, 200);
    let (_, res) = call(&app, "ambilantrean", &t, &ambil(1, "2026-12-02")).await;
    assert_eq!(
        message(&res),
        "Nomor antrean hanya dapat diambil 1 kali pada tanggal dan poli yang sama"
    );
    // Patient 2 with patient 1's referral letter.
    let mut same_referral = ambil(2, "2026-12-02");
    same_referral["nomorreferensi"] = ambil(1, "2026-12-02")["nomorreferensi"].clone();
    let (_, res) = call(&app, "ambilantrean", &t, &same_referral).await;
    assert_eq!(
        message(&res),
        "Nomor referensi sudah digunakan untuk antrean lain yang masih aktif"
    );
    assert_eq!(session_counters(&app, seed.tomorrow), (1, 0, 1), "refusals give the place back");
    // The JKN quota of this session is 2.
    let (status, _) = call(&app, "ambilantrean", &t, &ambil(2, "2026-12-02")).await;
    assert_eq!(status, 200);
    let (_, res) = call(&app, "ambilantrean", &t, &ambil(3, "2026-12-02")).await;
    assert_eq!(message(&res), "Kuota JKN sudah penuh");
    assert_eq!(app.count("visits"), 2);
    assert_eq!(session_counters(&app, seed.tomorrow), (2, 0, 2));
}

#[actix_web::test]
async fn sisa_antrean_gives_the_position_and_the_wait_in_seconds() {
    let app = TestApp::spawn().await;
    seed(&app);
    let t = token(&app).await;
    booked(&app, &t, 1).await;
    let second = booked(&app, &t, 2).await;
    let (status, res) =
        call(&app, "sisaantrean", &t, &json!({"kodebooking": second["kodebooking"]})).await;
    assert_eq!(status, 200, "{res}");
    let r = &res["response"];
    assert_eq!(r["nomorantrean"], "B-002");
    assert_eq!(r["namapoli"], "Poli Anak");
    assert_eq!(r["sisaantrean"], 1);
    assert_eq!(r["antreanpanggil"], "-");
    // Now 1 Dec 07:30 WIT; estimate 2 Dec 08:00 + 1 × 10 minutes.
    assert_eq!(r["waktutunggu"], (24 * 3600 + 40 * 60));
    let (status, res) = call(&app, "sisaantrean", &t, &json!({"kodebooking": "ZZZZZZZZ"})).await;
    assert_eq!((status, message(&res)), (201, "Antrean tidak ditemukan"));
}

#[actix_web::test]
async fn batal_antrean_cancels_and_gives_the_place_back() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let t = token(&app).await;
    let b = booked(&app, &t, 1).await;
    assert_eq!(session_counters(&app, seed.tomorrow), (1, 0, 1));
    let cancel = json!({"kodebooking": b["kodebooking"], "keterangan": "Sudah sembuh"});
    let (status, res) = call(&app, "batalantrean", &t, &cancel).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res, json!({"metadata": {"message": "Ok", "code": 200}}));
    assert_eq!(session_counters(&app, seed.tomorrow), (0, 0, 0));
    let (status, res) = call(&app, "batalantrean", &t, &cancel).await;
    assert_eq!((status, message(&res)), (201, "Antrean sudah dibatalkan sebelumnya"));
    // BPJS cancelled it itself: nothing to report back.
    assert_eq!(app.count("bpjs_tasks"), 0);
}

#[actix_web::test]
async fn check_in_until_the_session_ends_and_no_cancel_after_it() {
    let app = TestApp::spawn().await;
    seed(&app);
    let t = token(&app).await;
    let first = booked(&app, &t, 1).await;
    let second = booked(&app, &t, 2).await;
    let third = booked(&app, &t, 3).await;

    // Not on the day yet.
    let check_in =
        |b: &Value| json!({"kodebooking": b["kodebooking"], "waktu": 1_764_633_000_000_i64});
    let (_, res) = call(&app, "checkinantrean", &t, &check_in(&first)).await;
    assert_eq!(message(&res), "Check in hanya dapat dilakukan pada tanggal periksa");

    app.clock.set(wit(2026, 12, 2, 7, 45));
    let t = token(&app).await;
    let (status, res) = call(&app, "checkinantrean", &t, &check_in(&first)).await;
    assert_eq!(status, 200, "{res}");
    let (_, res) = call(&app, "checkinantrean", &t, &check_in(&first)).await;
    assert_eq!(message(&res), "Antrean sudah check in sebelumnya");
    let (status, res) =
        call(&app, "batalantrean", &t, &json!({"kodebooking": first["kodebooking"]})).await;
    assert_eq!(
        (status, message(&res)),
        (201, "Pasien sudah check in, antrean tidak dapat dibatalkan")
    );

    app.clock.set(wit(2026, 12, 2, 12, 5));
    let t = token(&app).await;
    let (_, res) = call(&app, "checkinantrean", &t, &check_in(&second)).await;
    assert_eq!(message(&res), "Check in tidak dapat dilakukan, jam praktek sudah selesai");

    app.clock.set(wit(2026, 12, 3, 9, 0));
    let t = token(&app).await;
    let (_, res) =
        call(&app, "batalantrean", &t, &json!({"kodebooking": third["kodebooking"]})).await;
    assert_eq!(message(&res), "Antrean untuk tanggal yang sudah lewat tidak dapat dibatalkan");
    let statuses: Vec<String> = {
        use sipoli::db::schema::visits;
        visits::table.order(visits::id).select(visits::status).load(&mut app.conn()).unwrap()
    };
    assert_eq!(statuses, ["waiting", "booked", "booked"]);
    // BPJS hears of the check-in as task 3 at its real time; nothing else was reported.
    let rows =
        reports::of_visit(&mut app.conn(), app.visit_id(first["kodebooking"].as_str().unwrap()))
            .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].taskid, rows[0].waktu), (Some(3), ms(2026, 12, 2, 7, 45)));
    assert_eq!(app.count("bpjs_tasks"), 1);
}

#[actix_web::test]
async fn jadwal_operasi_lists_are_empty() {
    let app = TestApp::spawn().await;
    let t = token(&app).await;
    let (status, res) = call(
        &app,
        "jadwaloperasirs",
        &t,
        &json!({"tanggalawal": "2026-12-01", "tanggalakhir": "2026-12-31"}),
    )
    .await;
    assert_eq!((status, &res["response"]), (200, &json!({"list": []})));
    let (status, res) = call(
        &app,
        "jadwaloperasirs",
        &t,
        &json!({"tanggalawal": "2026-12-31", "tanggalakhir": "2026-12-01"}),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(message(&res), "Tanggal akhir tidak boleh lebih kecil dari tanggal awal");
    let (status, res) = call(&app, "jadwaloperasipasien", &t, &json!({"nopeserta": card(1)})).await;
    assert_eq!((status, &res["response"]), (200, &json!({"list": []})));
}

// ----------------------------------------------------------------- outbound: BPJS stand-in
// The stand-in itself is shared with `cargo run --example standins`: tests/standins/bpjs.rs.

pub(crate) use crate::standins::bpjs::{Bpjs, Shared, bpjs_config, start_bpjs};
use crate::standins::bpjs::{CONS_ID, USER_KEY};

/// The worker's state and client, reporting to `base`.
pub(crate) fn reporter(app: &TestApp, base: &str) -> (AppState, BpjsClient) {
    let config = bpjs_config(base);
    let mut settings = (*app.state.settings).clone();
    settings.jkn.bpjs = Some(config.clone());
    let state = AppState::new(app.pool.clone(), settings, Arc::new(app.clock.clone()));
    (state, BpjsClient::new(config))
}

/// A JKN patient booked on the web for 2 December; its booking code.
pub(crate) async fn web_jkn_booking(app: &TestApp, session: i32, n: u32) -> String {
    let mut body = booking_body(session, n);
    body["payer"] = json!("jkn");
    body["patient"]["bpjs_no"] = json!(card(n));
    let (status, placed) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 201);
    placed["booking_code"].as_str().unwrap().to_string()
}

/// Check in at 07:50, call 08:00, start 08:01, finish 08:12 on 2 December.
async fn through_the_day(app: &mut TestApp, session: i32, code: &str) {
    app.clock.set(wit(2026, 12, 2, 7, 50));
    app.login_as("admin", Role::Admin, &[]).await;
    let res = app.post(&format!("/api/v1/bookings/{code}/check-in"), &json!({})).await;
    assert_eq!(res.status(), 200);
    app.clock.set(wit(2026, 12, 2, 8, 0));
    let (_, called) =
        app.post_json(&format!("/api/v1/staff/sessions/{session}/call-next"), &json!({})).await;
    let id = called["id"].as_i64().unwrap_or_else(|| panic!("called: {called}"));
    app.clock.set(wit(2026, 12, 2, 8, 1));
    assert_eq!(
        app.post(&format!("/api/v1/staff/visits/{id}/start"), &json!({})).await.status(),
        200
    );
    app.clock.set(wit(2026, 12, 2, 8, 12));
    assert_eq!(
        app.post(&format!("/api/v1/staff/visits/{id}/finish"), &json!({})).await.status(),
        200
    );
}

pub(crate) fn ms(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
    wit(y, m, d, h, min).timestamp_millis()
}

#[actix_web::test]
async fn a_jkn_visit_day_reaches_bpjs_as_add_then_tasks_3_4_5() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    let shared: Shared = Arc::default();
    let (state, client) = reporter(&app, &start_bpjs(shared.clone()));
    let code = web_jkn_booking(&app, seed.tomorrow, 1).await;
    through_the_day(&mut app, seed.tomorrow, &code).await;

    let sent = reports::run_until_idle(&state, &client).await.unwrap();
    assert_eq!(sent, 4);
    {
        let b = shared.lock().unwrap();
        assert_eq!(b.bad_signatures, 0);
        let paths: Vec<&str> = b.log.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/antrean/add",
                "/antrean/updatewaktu",
                "/antrean/updatewaktu",
                "/antrean/updatewaktu"
            ]
        );
        let add = &b.log[0].1;
        assert_eq!(add["kodebooking"], code);
        assert_eq!(add["jenispasien"], "JKN");
        assert_eq!(add["nomorkartu"], card(1));
        assert_eq!(add["nik"], nik(1));
        assert_eq!(add["kodepoli"], "ANA");
        assert_eq!(add["kodedokter"], 310103);
        assert_eq!(add["jampraktek"], "08:00-12:00");
        assert_eq!(add["tanggalperiksa"], "2026-12-02");
        assert_eq!(add["nomorantrean"], "B-001");
        assert_eq!(add["angkaantrean"], 1);
        assert_eq!(add["pasienbaru"], 1);
        assert_eq!(add["estimasidilayani"], ms(2026, 12, 2, 8, 0));
        assert_eq!(add["sisakuotajkn"], 19);
        assert_eq!(
            b.tasks[&code],
            [(3, ms(2026, 12, 2, 7, 50)), (4, ms(2026, 12, 2, 8, 1)), (5, ms(2026, 12, 2, 8, 12))]
        );
    }
    // Each row is sent, with the answer decrypted.
    let rows: Vec<BpjsTask> = reports::of_visit(&mut app.conn(), app.visit_id(&code)).unwrap();
    assert!(rows.iter().all(|r| r.status.as_str() == "sent" && r.attempts == 1), "{rows:?}");
    assert_eq!(rows[0].response, Some(json!({"diterima": "/antrean/add", "kodebooking": code})));
    // Nothing is sent twice.
    assert_eq!(reports::run_until_idle(&state, &client).await.unwrap(), 0);
}

#[actix_web::test]
async fn when_bpjs_lost_an_earlier_task_it_is_sent_again_first() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    let shared: Shared = Arc::new(Mutex::new(Bpjs { lose_task: Some(3), ..Bpjs::default() }));
    let (state, client) = reporter(&app, &start_bpjs(shared.clone()));
    let code = web_jkn_booking(&app, seed.tomorrow, 1).await;
    through_the_day(&mut app, seed.tomorrow, &code).await;

    reports::run_until_idle(&state, &client).await.unwrap();
    {
        let b = shared.lock().unwrap();
        let seen: Vec<(Option<i64>, i64)> =
            b.log.iter().map(|(_, body, status)| (body["taskid"].as_i64(), *status)).collect();
        assert_eq!(
            seen,
            [
                (None, 200),    // add
                (Some(3), 200), // "OK", but lost
                (Some(4), 201), // "TaskId=3 belum ada"
                (Some(3), 200), // sent again, first
                (Some(4), 200),
                (Some(5), 200),
            ]
        );
        assert_eq!(b.tasks[&code].iter().map(|(t, _)| *t).collect::<Vec<_>>(), [3, 4, 5]);
    }
    let rows = reports::of_visit(&mut app.conn(), app.visit_id(&code)).unwrap();
    assert!(rows.iter().all(|r| r.status.as_str() == "sent"), "{rows:?}");
}

#[actix_web::test]
async fn a_failing_bpjs_is_retried_with_backoff_and_each_report_arrives_once() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    let shared: Shared = Arc::new(Mutex::new(Bpjs { fail_first: 2, ..Bpjs::default() }));
    let (state, client) = reporter(&app, &start_bpjs(shared.clone()));
    let code = web_jkn_booking(&app, seed.tomorrow, 1).await;
    app.login_as("admin", Role::Admin, &[]).await;

    // First attempt: HTTP 500. The report waits 30 s; nothing else of the visit jumps ahead.
    assert_eq!(reports::run_until_idle(&state, &client).await.unwrap(), 1);
    let (_, page) = app.get_json("/api/v1/staff/bpjs/tasks").await;
    assert_eq!(page["counts"]["pending"], 1);
    let row = &page["tasks"][0];
    assert_eq!(
        (&row["kind"], &row["status"], &row["attempts"]),
        (&json!("add"), &json!("pending"), &json!(1))
    );
    assert!(row["last_error"].as_str().unwrap().contains("500"), "{row}");
    assert_eq!(reports::run_until_idle(&state, &client).await.unwrap(), 0, "not due yet");

    app.clock.advance(Duration::seconds(31));
    assert_eq!(reports::run_until_idle(&state, &client).await.unwrap(), 1, "second 500");
    app.clock.advance(Duration::seconds(31));
    assert_eq!(reports::run_until_idle(&state, &client).await.unwrap(), 0, "backoff doubled");
    app.clock.advance(Duration::seconds(30));
    assert_eq!(reports::run_until_idle(&state, &client).await.unwrap(), 1);

    {
        let b = shared.lock().unwrap();
        assert_eq!(b.added, std::slice::from_ref(&code), "delivered once");
        assert_eq!(b.log.iter().map(|(_, _, s)| *s).collect::<Vec<_>>(), [500, 500, 200]);
    }
    let (_, page) = app.get_json("/api/v1/staff/bpjs/tasks?status=sent").await;
    assert_eq!(page["tasks"][0]["attempts"], 3);
    assert_eq!(page["tasks"][0]["last_error"], Value::Null);
    assert_eq!(page["configured"], false, "this node itself has no BPJS settings");
}

#[actix_web::test]
async fn the_bpjs_task_page_is_for_admins_only() {
    let mut app = TestApp::spawn().await;
    assert_eq!(app.get("/api/v1/staff/bpjs/tasks").await.status(), 401);
    app.login_as("loket", Role::Registration, &[]).await;
    assert_eq!(app.get("/api/v1/staff/bpjs/tasks").await.status(), 403);
    app.login_as("admin", Role::Admin, &[]).await;
    assert_eq!(app.get("/api/v1/staff/bpjs/tasks?status=lost").await.status(), 400);
    let (_, page) = app.get_json("/api/v1/staff/bpjs/tasks").await;
    assert_eq!(page["tasks"], json!([]));
}

#[actix_web::test]
async fn cancellations_no_shows_and_counter_patients_are_queued_for_bpjs() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    // Cancelled on the web → /antrean/batal after the add.
    let cancelled = web_jkn_booking(&app, seed.tomorrow, 1).await;
    let res = app
        .post(&format!("/api/v1/bookings/{cancelled}/cancel"), &json!({"birth_date": "1990-05-17"}))
        .await;
    assert_eq!(res.status(), 200);
    let rows = reports::of_visit(&mut app.conn(), app.visit_id(&cancelled)).unwrap();
    let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds, ["add", "batal"]);
    assert_eq!(rows[1].payload["kodebooking"], cancelled);

    // Never came → task 99 at the sweep's time.
    let absent = web_jkn_booking(&app, seed.tomorrow, 2).await;
    let after = wit(2026, 12, 2, 12, 30);
    sipoli::service::queue::sweep_no_shows(&mut app.conn(), app.state.tz(), after).unwrap();
    let rows = reports::of_visit(&mut app.conn(), app.visit_id(&absent)).unwrap();
    assert_eq!(rows.iter().map(|r| r.taskid).collect::<Vec<_>>(), [None, Some(99)]);
    assert_eq!(rows[1].waktu, after.timestamp_millis());

    // A new JKN patient registered at the counter today: add, then tasks 1, 2, 3.
    app.login_as("loket", Role::Registration, &[]).await;
    let (status, placed) = app
        .post_json(
            "/api/v1/staff/registrations",
            &json!({"session_id": seed.today, "payer": "jkn",
                    "patient": {"nik": nik(3), "bpjs_no": card(3), "name": "Pasien Loket",
                                "birth_date": "1990-05-17"}}),
        )
        .await;
    assert_eq!(status, 201);
    let rows = reports::of_visit(&mut app.conn(), placed["id"].as_i64().unwrap()).unwrap();
    assert_eq!(
        rows.iter().map(|r| r.taskid).collect::<Vec<_>>(),
        [None, Some(1), Some(2), Some(3)]
    );
    assert_eq!(rows[0].payload["pasienbaru"], 1);

    // A non-JKN web booking is not reported.
    let before = app.count("bpjs_tasks");
    let res = app.post("/api/v1/bookings", &booking_body(seed.tomorrow, 4)).await;
    assert_eq!(res.status(), 201);
    assert_eq!(app.count("bpjs_tasks"), before);
}

#[actix_web::test]
async fn the_bpjs_client_signs_requests_and_decrypts_answers() {
    let app = TestApp::spawn().await;
    let shared: Shared = Arc::default();
    let base = start_bpjs(shared.clone());
    let (_, client) = reporter(&app, &base);
    let answer = client.get("/ref/poli", app.state.now()).await.unwrap();
    assert_eq!(answer.code, 200);
    assert_eq!(answer.response, Some(json!({"list": [{"kdpoli": "ANA", "nmpoli": "ANAK"}]})));

    // With the wrong secret the stand-in refuses the signature.
    let wrong = BpjsClient::new(BpjsConfig {
        base_url: base,
        cons_id: CONS_ID.into(),
        secret: Secret::new("salah"),
        user_key: Secret::new(USER_KEY),
    });
    let answer = wrong.get("/ref/poli", app.state.now()).await.unwrap();
    assert_eq!(answer.code, 201);
    assert_eq!(shared.lock().unwrap().bad_signatures, 1);
}

#[actix_web::test]
async fn the_contract_answers_against_the_demo_catalogue() {
    let app = TestApp::spawn().await;
    sipoli::demo::seed_catalogue(&mut app.conn(), app.state.today()).unwrap();
    let t = token(&app).await;
    // Every open session of tomorrow, named as Mobile JKN names it, is found.
    let sessions: Vec<Value> =
        app.get("/api/v1/sessions?date=2026-12-02").await.json().await.unwrap();
    assert!(sessions.len() > 5, "the demo has sessions on a Wednesday");
    for s in &sessions {
        let hours = format!(
            "{}-{}",
            &s["starts_at"].as_str().unwrap()[11..16],
            &s["ends_at"].as_str().unwrap()[11..16]
        );
        let body = json!({"kodepoli": s["clinic"]["bpjs_code"], "kodedokter": s["doctor"]["bpjs_code"],
                          "tanggalperiksa": "2026-12-02", "jampraktek": hours});
        let (status, res) = call(&app, "statusantrean", &t, &body).await;
        assert_eq!(status, 200, "{body} → {res}");
        assert_eq!(res["response"]["namapoli"], s["clinic"]["name"]);
        assert_eq!(res["response"]["kuotajkn"], s["quota"]["jkn"]);
    }
    // And a new patient books the first of them.
    let s = &sessions[0];
    register(&app, &t, 1).await;
    let mut body = ambil(1, "2026-12-02");
    body["kodepoli"] = s["clinic"]["bpjs_code"].clone();
    body["kodedokter"] = s["doctor"]["bpjs_code"].clone();
    body["jampraktek"] = json!(format!(
        "{}-{}",
        &s["starts_at"].as_str().unwrap()[11..16],
        &s["ends_at"].as_str().unwrap()[11..16]
    ));
    let (status, res) = call(&app, "ambilantrean", &t, &body).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["response"]["angkaantrean"], 1);
}

#[actix_web::test]
async fn parallel_mobile_jkn_and_web_bookings_share_one_quota() {
    let app = TestApp::spawn().await;
    let seed = seed_with(&app, 3, 10, 20);
    let t = token(&app).await;
    for n in 1..=8 {
        register(&app, &t, n).await;
    }
    let jkn = (1..=4).map(|n| {
        let (app, t) = (&app, &t);
        async move {
            let (status, res) = call(app, "ambilantrean", t, &ambil(n, "2026-12-02")).await;
            (status, res["response"]["nomorantrean"].as_str().map(str::to_string))
        }
    });
    let web = (5..=8).map(|n| {
        let app = &app;
        async move {
            let mut body = booking_body(seed.tomorrow, n);
            body["payer"] = json!("jkn");
            body["patient"]["bpjs_no"] = json!(card(n));
            body["patient"]["name"] = json!(format!("Pasien JKN {n}"));
            let res = app.post("/api/v1/bookings", &body).await;
            let status = res.status().as_u16();
            let placed: Value = res.json().await.unwrap();
            (
                if status == 201 { 200 } else { status },
                placed["ticket"].as_str().map(str::to_string),
            )
        }
    });
    let (a, b) = futures_util::future::join(
        futures_util::future::join_all(jkn),
        futures_util::future::join_all(web),
    )
    .await;
    let mut tickets: Vec<String> =
        a.into_iter().chain(b).filter(|(s, _)| *s == 200).filter_map(|(_, t)| t).collect();
    tickets.sort();
    assert_eq!(tickets, ["B-001", "B-002", "B-003"], "exactly the JKN quota, numbers gap-free");
    assert_eq!(session_counters(&app, seed.tomorrow), (3, 0, 3));
}

#[actix_web::test]
async fn two_workers_send_each_report_once_and_in_order() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    let shared: Shared = Arc::default();
    let base = start_bpjs(shared.clone());
    let first = web_jkn_booking(&app, seed.tomorrow, 1).await;
    let second = web_jkn_booking(&app, seed.tomorrow, 2).await;
    through_the_day(&mut app, seed.tomorrow, &first).await;
    through_the_day(&mut app, seed.tomorrow, &second).await;
    let (state_a, client_a) = reporter(&app, &base);
    let (state_b, client_b) = reporter(&app, &base);
    let (a, b) = futures_util::future::join(
        reports::run_until_idle(&state_a, &client_a),
        reports::run_until_idle(&state_b, &client_b),
    )
    .await;
    assert_eq!(a.unwrap() + b.unwrap(), 8);
    let bpjs = shared.lock().unwrap();
    assert_eq!(bpjs.log.len(), 8, "nothing sent twice: {:?}", bpjs.log);
    assert!(bpjs.log.iter().all(|(_, _, status)| *status == 200), "{:?}", bpjs.log);
    for code in [&first, &second] {
        let order: Vec<i64> = bpjs.tasks[code].iter().map(|(t, _)| *t).collect();
        assert_eq!(order, [3, 4, 5]);
    }
}

#[actix_web::test]
async fn a_report_claimed_by_a_worker_that_died_is_sent_after_its_lease() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let shared: Shared = Arc::default();
    let (state, client) = reporter(&app, &start_bpjs(shared.clone()));
    let code = web_jkn_booking(&app, seed.tomorrow, 1).await;
    // A worker claims the add, then its process dies before sending.
    let claimed = reports::claim(&mut app.conn(), app.state.now()).unwrap().unwrap();
    assert_eq!(claimed.kind, "add");
    assert_eq!(reports::run_until_idle(&state, &client).await.unwrap(), 0, "still leased");
    app.clock.advance(Duration::minutes(6));
    assert_eq!(reports::run_until_idle(&state, &client).await.unwrap(), 1);
    assert_eq!(shared.lock().unwrap().added, std::slice::from_ref(&code));
}
