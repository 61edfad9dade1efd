//! Pages: the patient site and the staff console, through plain HTTP (no JavaScript):
//! status codes, redirects, validation messages, role and CSRF refusals, escaping.
use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::helpers::*;

/// A browser without JavaScript: keeps cookies, does not follow redirects.
pub struct Visitor {
    client: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: String,
    pub body: String,
    pub content_type: String,
}

impl Visitor {
    pub fn new(app: &TestApp) -> Visitor {
        let client = client_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Visitor { client, base: app.address.clone(), cookies: BTreeMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn finish(&mut self, res: reqwest::Response) -> Page {
        for v in res.headers().get_all("set-cookie") {
            let pair = v.to_str().unwrap().split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            if val.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
        let header = |n: &str| {
            res.headers().get(n).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
        };
        let (location, content_type) = (header("location"), header("content-type"));
        Page { status: res.status(), location, content_type, body: res.text().await.unwrap() }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.finish(res).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.finish(res).await
    }

    /// Log in through the login form.
    pub async fn login(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/staff/masuk").await;
        let token = hidden(&form.body, "csrf");
        self.post(
            "/staff/masuk",
            &[("username", username), ("password", password), ("csrf", &token)],
        )
        .await
    }
}

/// The value of the first hidden input called `name`.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

pub fn make_staff(app: &TestApp, username: &str, role: Role, clinics: &[&str]) {
    let clinics: Vec<String> = clinics.iter().map(|c| c.to_string()).collect();
    sipoli::service::staff::upsert_user(
        &mut app.conn(),
        username,
        "Petugas Uji",
        "rahasia-uji",
        role,
        &clinics,
    )
    .unwrap();
}

fn good_booking(session: &str) -> Vec<(&'static str, String)> {
    vec![
        ("sesi", session.to_string()),
        ("payer", "non_jkn".into()),
        ("nik", nik(7)),
        ("bpjs_no", String::new()),
        ("name", "Maria Kogoya".into()),
        ("birth_date", "1990-05-17".into()),
        ("phone", "081234567890".into()),
        ("email", String::new()),
        ("referral_number", String::new()),
        ("consent", "yes".into()),
    ]
}

fn as_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Book through the form; the booking code from the redirect.
async fn book_through_form(v: &mut Visitor, session: i32) -> String {
    let form = good_booking(&session.to_string());
    let res = v.post("/daftar", &as_refs(&form)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let code = res.location.strip_prefix("/antrean/").unwrap().strip_suffix("/bukti").unwrap();
    code.to_string()
}

#[actix_web::test]
async fn home_lists_clinics_and_sessions_with_places_left() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let mut v = Visitor::new(&app);
    let home = v.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.content_type.starts_with("text/html"));
    assert!(home.body.contains("Poli Anak") && home.body.contains("dr. Ruth Kogoya, Sp.A"));
    assert!(home.body.contains(&format!("/daftar?sesi={}", seed.tomorrow)), "tomorrow is bookable");
    assert!(home.body.contains("Sisa 25"), "online places left shown");
    // Today's 08:00 session closed for online booking at 07:00; it is 07:30.
    assert!(!home.body.contains(&format!("/daftar?sesi={}\"", seed.today)));
    assert!(home.body.contains("Daftar di anjungan RS"));
    assert!(home.body.len() < 100 * 1024, "home page is {} bytes", home.body.len());
    let csp = app.client.get(app.url("/")).send().await.unwrap();
    let csp = csp.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(!home.body.contains("http://") && !home.body.contains("https://"), "no CDN");
}

#[actix_web::test]
async fn english_switch_is_remembered() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let mut v = Visitor::new(&app);
    let page = v.get("/?lang=en").await;
    assert!(page.body.contains("Doctor schedules"), "{}", page.body);
    assert_eq!(v.cookies.get("lang").map(String::as_str), Some("en"));
    let again = v.get("/daftar").await;
    assert!(again.body.contains("Choose a clinic"));
    let mut form = good_booking(&seed.tomorrow.to_string());
    form[2].1 = "123".into();
    let res = v.post("/daftar", &as_refs(&form)).await;
    assert!(
        res.body.contains("The NIK must be the 16 digits on the identity card."),
        "{}",
        res.body
    );
    assert!(v.get("/?lang=id").await.body.contains("Jadwal dokter"));
}

#[actix_web::test]
async fn booking_steps_lead_to_the_form() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let mut v = Visitor::new(&app);
    let step1 = v.get("/daftar").await;
    assert!(step1.body.contains("/daftar?poli=ANA"));
    let step2 = v.get("/daftar?poli=ANA").await;
    assert_eq!(step2.status, 200);
    assert!(step2.body.contains("tanggal=2026-12-02"), "{}", step2.body);
    assert!(step2.body.contains("Rabu, 2 Desember 2026"));
    let step3 = v.get("/daftar?poli=ANA&tanggal=2026-12-02").await;
    assert!(step3.body.contains(&format!("/daftar?sesi={}", seed.tomorrow)));
    let step4 = v.get(&format!("/daftar?sesi={}", seed.tomorrow)).await;
    assert!(step4.body.contains("name=\"consent\"") && step4.body.contains("UU No. 27 Tahun 2022"));
    assert_eq!(v.get("/daftar?poli=XYZ").await.status, 404);
    assert_eq!(v.get("/daftar?sesi=999999").await.status, 404);
}

#[actix_web::test]
async fn form_errors_are_shown_by_the_field_and_typed_values_kept() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let mut v = Visitor::new(&app);
    let mut form = good_booking(&seed.tomorrow.to_string());
    form[2].1 = "12345".into(); // NIK
    form[4].1 = "<script>alert(1)</script>".into(); // name: allowed, must be shown as text
    form[6].1 = "0812".into(); // phone
    form.pop(); // no consent
    let res = v.post("/daftar", &as_refs(&form)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("NIK harus 16 digit angka sesuai KTP/KK."), "{}", res.body);
    assert!(res.body.contains("Centang persetujuan ini"));
    assert!(res.body.contains("value=\"12345\""), "typed NIK kept");
    assert!(
        res.body.contains("value=\"&#60;script&#62;alert(1)&#60;/script&#62;\""),
        "name escaped"
    );
    assert!(!res.body.contains("<script>alert(1)"));
    assert!(res.body.contains("aria-invalid=\"true\" aria-describedby=\"nik-msg\""));
    assert_eq!(app.count("visits"), 0, "nothing written");
    assert_eq!(app.count("patients"), 0);
}

#[actix_web::test]
async fn a_refused_booking_is_explained_on_the_form() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let mut v = Visitor::new(&app);
    let form = good_booking(&seed.today.to_string());
    let res = v.post("/daftar", &as_refs(&form)).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains("sudah ditutup"), "{}", res.body);
    assert!(res.body.contains("value=\"Maria Kogoya\""));
    assert_eq!(app.count("visits"), 0);
}

#[actix_web::test]
async fn booking_through_the_form_shows_the_confirmation_and_status() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let mut v = Visitor::new(&app);
    let code = book_through_form(&mut v, seed.tomorrow).await;
    assert_eq!(code.len(), 8);
    let done = v.get(&format!("/antrean/{code}/bukti")).await;
    assert_eq!(done.status, 200);
    for want in [&code, "B-001", "/qr.svg", "Yang perlu dibawa", "WIT", "Rabu, 2 Desember 2026"] {
        assert!(done.body.contains(want), "{want} missing: {}", done.body);
    }
    assert!(!done.body.contains("Maria") && !done.body.contains(&nik(7)), "no personal data");
    let status = v.get(&format!("/antrean/{code}")).await;
    assert_eq!(status.status, 200);
    for want in [
        format!("data-live-code=\"{code}\""),
        "<script src=\"/assets/live-status.js\" defer></script>".into(),
        "<noscript><meta http-equiv=\"refresh\" content=\"60\"></noscript>".into(),
        "data-live=\"position\"".into(),
        "data-live=\"estimated_time\"".into(),
        "data-live=\"called\" hidden".into(),
        "window.SIPOLI_LIVE".into(),
        "08:00 WIT".into(),
    ] {
        assert!(status.body.contains(&want), "{want} missing: {}", status.body);
    }
    // Status by code shows no name at all (not even "Maria K.") and no NIK.
    assert!(!status.body.contains("Maria") && !status.body.contains(&nik(7)));
    assert!(status.body.len() < 100 * 1024);
    let qr = v.get(&format!("/antrean/{code}/qr.svg")).await;
    assert_eq!(qr.status, 200);
    assert_eq!(qr.content_type, "image/svg+xml");
    assert!(qr.body.contains("<svg"));
    // The look-up form on the home page.
    let found = v.get(&format!("/antrean?kode={}", code.to_lowercase())).await;
    assert_eq!(found.location, format!("/antrean/{code}"));
    assert_eq!(v.get("/antrean/ZZZZZZZZ").await.status, 404);
    assert_eq!(v.get("/antrean/bad!code").await.status, 404);
}

#[actix_web::test]
async fn cancel_needs_the_right_birth_date() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let mut v = Visitor::new(&app);
    let code = book_through_form(&mut v, seed.tomorrow).await;
    let wrong = v.post(&format!("/antrean/{code}/batal"), &[("birth_date", "1991-01-01")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("Tanggal lahir tidak cocok"), "{}", wrong.body);
    let res = v.post(&format!("/antrean/{code}/batal"), &[("birth_date", "1990-05-17")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = v.get(&res.location).await;
    assert!(page.body.contains("Dibatalkan") && page.body.contains("sudah dibatalkan"));
    assert!(!page.body.contains("/batal\""), "no cancel form any more");
    let again = v.post(&format!("/antrean/{code}/batal"), &[("birth_date", "1990-05-17")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[actix_web::test]
async fn the_console_needs_a_login() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let mut v = Visitor::new(&app);
    for path in ["/staff", &format!("/staff/sesi/{}", seed.today), "/staff/loket"] {
        let res = v.get(path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(res.location, "/staff/masuk");
    }
    let res = v.post(&format!("/staff/sesi/{}/panggil", seed.today), &[("csrf", "x")]).await;
    assert_eq!(res.location, "/staff/masuk");
}

#[actix_web::test]
async fn login_form_checks_its_token_and_the_password() {
    let app = TestApp::spawn().await;
    make_staff(&app, "perawat", Role::Clinic, &[]);
    let mut v = Visitor::new(&app);
    let res = v
        .post(
            "/staff/masuk",
            &[("username", "perawat"), ("password", "rahasia-uji"), ("csrf", "forged")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "login CSRF");
    let res = v.login("perawat", "salah").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.body.contains("Nama pengguna atau kata sandi salah."));
    assert!(res.body.contains("value=\"perawat\""));
    let res = v.login("perawat", "rahasia-uji").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location, "/staff");
    let today = v.get("/staff").await;
    assert_eq!(today.status, 200);
    // The login lasts SIPOLI_SESSION_HOURS (12 in tests).
    app.clock.advance(chrono::Duration::hours(13));
    assert_eq!(v.get("/staff").await.location, "/staff/masuk", "expired");
    app.clock.advance(chrono::Duration::hours(-13));
    let csrf = hidden(&today.body, "csrf");
    let out = v.post("/staff/keluar", &[("csrf", &csrf)]).await;
    assert_eq!(out.location, "/staff/masuk");
    assert_eq!(v.get("/staff").await.status, StatusCode::SEE_OTHER, "logged out");
    // Repeated failures lock the account, also through the form.
    for _ in 0..5 {
        assert_eq!(v.login("perawat", "salah").await.status, StatusCode::UNAUTHORIZED);
    }
    let locked = v.login("perawat", "rahasia-uji").await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.body.contains("Terlalu banyak percobaan masuk yang gagal."));
}

#[actix_web::test]
async fn a_clinic_runs_its_queue_from_the_console() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    for _ in 0..2 {
        app.post("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "non_jkn"}))
            .await;
    }
    make_staff(&app, "perawat", Role::Clinic, &["ANA"]);
    let mut v = Visitor::new(&app);
    v.login("perawat", "rahasia-uji").await;
    let today = v.get("/staff").await;
    assert!(
        today.body.contains("Poli Anak")
            && today.body.contains(&format!("/staff/sesi/{}", seed.today))
    );
    let csrf = hidden(&today.body, "csrf");
    let queue = format!("/staff/sesi/{}", seed.today);
    let res = v.post(&format!("{queue}/panggil"), &[("csrf", &csrf)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location, format!("{queue}?ok=call&t=B-001"));
    let page = v.get(&res.location).await;
    assert!(page.body.contains("B-001 dipanggil."));
    assert!(page.body.contains("id=\"current-ticket\">B-001"));
    assert!(page.body.contains("data-key=\"n\""), "keyboard shortcut for call next");
    let id: i64 = {
        use diesel::prelude::*;
        use sipoli::db::schema::visits;
        visits::table
            .filter(visits::ticket.eq("B-001"))
            .select(visits::id)
            .first(&mut app.conn())
            .unwrap()
    };
    for action in ["recall", "start", "finish"] {
        let res = v.post(&format!("/staff/kunjungan/{id}/{action}"), &[("csrf", &csrf)]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{action}: {}", res.body);
    }
    let (_, status) = app.get_json(&format!("/api/v1/sessions/{}/queue", seed.today)).await;
    assert_eq!(status["waiting_count"], 1);
    // Finishing twice is refused on the queue page itself.
    let res = v.post(&format!("/staff/kunjungan/{id}/finish"), &[("csrf", &csrf)]).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains("class=\"alert bad\""), "{}", res.body);
    // Skip, return and priority on the second patient.
    v.post(&format!("{queue}/panggil"), &[("csrf", &csrf)]).await;
    let second: i64 = {
        use diesel::prelude::*;
        use sipoli::db::schema::visits;
        visits::table
            .filter(visits::ticket.eq("B-002"))
            .select(visits::id)
            .first(&mut app.conn())
            .unwrap()
    };
    for action in ["skip", "return"] {
        let res = v.post(&format!("/staff/kunjungan/{second}/{action}"), &[("csrf", &csrf)]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{action}: {}", res.body);
    }
    let res = v
        .post(&format!("/staff/kunjungan/{second}/priority"), &[("csrf", &csrf), ("priority", "1")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = v.get(&queue).await;
    assert!(page.body.contains("Batal prioritas"));
    assert!(page.body.contains("Alasan membatalkan"), "cancelling asks for a reason");
    let res = v.post(&format!("/staff/kunjungan/{second}/cancel"), &[("csrf", &csrf)]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "no reason, no cancel");
    assert!(res.body.contains("Tulis alasan pembatalan."), "{}", res.body);
    let res = v
        .post(
            &format!("/staff/kunjungan/{second}/cancel"),
            &[("csrf", &csrf), ("reason", "Pasien pulang")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let detail: serde_json::Value = {
        use diesel::prelude::*;
        use sipoli::db::schema::visit_events as e;
        e::table
            .filter(e::visit_id.eq(second).and(e::kind.eq("cancel")))
            .select(e::detail)
            .first(&mut app.conn())
            .unwrap()
    };
    assert_eq!(detail["reason"], "Pasien pulang", "the reason is in the audit");
    let empty = v.post(&format!("{queue}/panggil"), &[("csrf", &csrf)]).await;
    assert_eq!(empty.status, StatusCode::CONFLICT);
    assert!(empty.body.contains("Tidak ada pasien yang menunggu."));
}

#[actix_web::test]
async fn forms_without_the_token_change_nothing() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    app.post("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "non_jkn"})).await;
    make_staff(&app, "perawat", Role::Clinic, &["ANA"]);
    let mut v = Visitor::new(&app);
    v.login("perawat", "rahasia-uji").await;
    let path = format!("/staff/sesi/{}/panggil", seed.today);
    for csrf in ["", "0123456789abcdef"] {
        let res = v.post(&path, &[("csrf", csrf)]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert!(res.body.contains("Token keamanan formulir tidak cocok"));
    }
    let (_, q) = app.get_json(&format!("/api/v1/sessions/{}/queue", seed.today)).await;
    assert_eq!(q["waiting_count"], 1, "nobody was called");
}

#[actix_web::test]
async fn accounts_see_only_what_their_role_allows() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    app.post("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "non_jkn"})).await;
    add_clinic(&app, "MAT", "Poli Mata", "E");
    make_staff(&app, "mata", Role::Clinic, &["MAT"]);
    let mut v = Visitor::new(&app);
    v.login("mata", "rahasia-uji").await;
    let today = v.get("/staff").await;
    assert!(!today.body.contains("Poli Anak"), "another clinic's sessions are not listed");
    let csrf = hidden(&today.body, "csrf");
    assert_eq!(v.get(&format!("/staff/sesi/{}", seed.today)).await.status, StatusCode::FORBIDDEN);
    let res = v.post(&format!("/staff/sesi/{}/panggil", seed.today), &[("csrf", &csrf)]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(
        v.get("/staff/loket").await.status,
        StatusCode::FORBIDDEN,
        "clinic staff do not register"
    );
    // Registration staff see every queue but cannot call.
    make_staff(&app, "loket", Role::Registration, &[]);
    let mut r = Visitor::new(&app);
    r.login("loket", "rahasia-uji").await;
    let page = r.get(&format!("/staff/sesi/{}", seed.today)).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("/panggil"), "no call button");
    let csrf = hidden(&page.body, "csrf");
    let res = r.post(&format!("/staff/sesi/{}/panggil", seed.today), &[("csrf", &csrf)]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let (_, q) = app.get_json(&format!("/api/v1/sessions/{}/queue", seed.today)).await;
    assert_eq!(q["waiting_count"], 1);
}

#[actix_web::test]
async fn counter_registers_a_walk_in_and_prints_a_ticket() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    make_staff(&app, "loket", Role::Registration, &[]);
    let mut v = Visitor::new(&app);
    v.login("loket", "rahasia-uji").await;
    let form = v.get("/staff/loket").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains(&format!("<option value=\"{}\"", seed.today)));
    let csrf = hidden(&form.body, "csrf");
    let sesi = seed.today.to_string();
    // Missing payer: shown by the field, nothing written.
    let res = v.post("/staff/loket", &[("csrf", &csrf), ("sesi", &sesi)]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Pilih jenis pembayaran"));
    assert_eq!(app.count("visits"), 0);
    let nik = nik(3);
    let res = v
        .post(
            "/staff/loket",
            &[
                ("csrf", &csrf),
                ("sesi", &sesi),
                ("payer", "non_jkn"),
                ("nik", &nik),
                ("name", "<script>alert('x')</script>"),
                ("birth_date", "1990-05-17"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(res.location.starts_with("/staff/tiket/"));
    let ticket = v.get(&res.location).await;
    assert!(ticket.body.contains("B-001") && ticket.body.contains("window.print()"));
    // The name shows as text on the queue screen.
    let queue = v.get(&format!("/staff/sesi/{}", seed.today)).await;
    assert!(
        queue.body.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;"),
        "{}",
        queue.body
    );
    assert!(!queue.body.contains("<script>alert"));
}

#[actix_web::test]
async fn a_booking_is_checked_in_by_its_code() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 6, 0)).await;
    let seed = seed(&app);
    let res = app.post("/api/v1/bookings", &booking_body(seed.today, 1)).await;
    assert_eq!(res.status(), 201);
    let code = res.json::<Value>().await.unwrap()["booking_code"].as_str().unwrap().to_string();
    make_staff(&app, "loket", Role::Registration, &[]);
    let mut v = Visitor::new(&app);
    v.login("loket", "rahasia-uji").await;
    let csrf = hidden(&v.get("/staff").await.body, "csrf");
    let bad = v.post("/staff/checkin", &[("csrf", &csrf), ("code", "ZZZZZZZZ")]).await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
    assert!(bad.body.contains("Kode booking tidak ditemukan."));
    let res = v.post("/staff/checkin", &[("csrf", &csrf), ("code", &code.to_lowercase())]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(v.get(&res.location).await.body.contains("B-001 sudah check-in."));
    let (_, status) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(status["status"], "waiting");
    // Called: the patient's status page says it is their turn.
    let mut patient = Visitor::new(&app);
    let before = patient.get(&format!("/antrean/{code}")).await;
    assert!(before.body.contains("data-live=\"called\" hidden"));
    make_staff(&app, "perawat", Role::Clinic, &["ANA"]);
    let mut nurse = Visitor::new(&app);
    nurse.login("perawat", "rahasia-uji").await;
    let csrf = hidden(&nurse.get("/staff").await.body, "csrf");
    nurse.post(&format!("/staff/sesi/{}/panggil", seed.today), &[("csrf", &csrf)]).await;
    let after = patient.get(&format!("/antrean/{code}")).await;
    assert!(after.body.contains("data-live=\"called\">Giliran Anda!"), "{}", after.body);
    assert!(after.body.contains("Dipanggil"));
}

fn schedule_form<'a>(csrf: &'a str, quota: &'a str, ends: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("clinic", "ANA"),
        ("doctor", "D003"),
        ("weekday", "3"),
        ("starts_at", "14:00"),
        ("ends_at", ends),
        ("quota_jkn", quota),
        ("quota_non_jkn", "5"),
        ("online_limit", ""),
        ("service_minutes", "12"),
        ("valid_from", ""),
        ("valid_until", ""),
    ]
}

#[actix_web::test]
async fn schedules_are_created_edited_and_ended_from_the_console() {
    use diesel::prelude::*;
    use sipoli::db::schema::practice_schedules as ps;
    let app = TestApp::spawn().await;
    seed(&app);
    make_staff(&app, "perawat", Role::Clinic, &["ANA"]);
    let mut v = Visitor::new(&app);
    v.login("perawat", "rahasia-uji").await;
    let page = v.get("/staff/jadwal").await;
    assert_eq!(page.status, 200);
    let csrf = hidden(&page.body, "csrf");
    let bad = v.post("/staff/jadwal", &schedule_form(&csrf, "20", "13:00")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Jam selesai harus setelah jam mulai."), "{}", bad.body);
    assert!(bad.body.contains("value=\"14:00\""), "typed values kept");
    assert_eq!(app.count("practice_schedules"), 0);
    let res = v.post("/staff/jadwal", &schedule_form(&csrf, "20", "16:00")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location, "/staff/jadwal?ok=saved");
    let id: i32 = ps::table.select(ps::id).first(&mut app.conn()).unwrap();
    let listed = v.get(&res.location).await;
    assert!(listed.body.contains("Jadwal disimpan.") && listed.body.contains("Rabu"));
    let edit = v.get(&format!("/staff/jadwal/{id}")).await;
    assert!(edit.body.contains(&format!("action=\"/staff/jadwal/{id}\"")));
    assert!(edit.body.contains("value=\"20\""));
    let res = v.post(&format!("/staff/jadwal/{id}"), &schedule_form(&csrf, "30", "16:00")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let quota: i32 = ps::table.find(id).select(ps::quota_jkn).first(&mut app.conn()).unwrap();
    assert_eq!(quota, 30);
    let res = v.post(&format!("/staff/jadwal/{id}/akhiri"), &[("csrf", csrf.as_str())]).await;
    assert_eq!(res.location, "/staff/jadwal?ok=ended");
    let until: Option<chrono::NaiveDate> =
        ps::table.find(id).select(ps::valid_until).first(&mut app.conn()).unwrap();
    assert!(until.is_some());
    // Without the token: refused, nothing changed.
    let res = v.post("/staff/jadwal", &schedule_form("wrong", "20", "16:00")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("practice_schedules"), 1);
}

#[actix_web::test]
async fn schedules_follow_the_role() {
    let app = TestApp::spawn().await;
    seed(&app);
    add_clinic(&app, "MAT", "Poli Mata", "E");
    make_staff(&app, "loket", Role::Registration, &[]);
    let mut r = Visitor::new(&app);
    r.login("loket", "rahasia-uji").await;
    assert_eq!(r.get("/staff/jadwal").await.status, StatusCode::FORBIDDEN);
    make_staff(&app, "mata", Role::Clinic, &["MAT"]);
    let mut m = Visitor::new(&app);
    m.login("mata", "rahasia-uji").await;
    let page = m.get("/staff/jadwal").await;
    assert!(!page.body.contains("<option value=\"ANA\""), "only its own clinics offered");
    let csrf = hidden(&page.body, "csrf");
    let res = m.post("/staff/jadwal", &schedule_form(&csrf, "20", "16:00")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("practice_schedules"), 0);
}

#[actix_web::test]
async fn leave_shows_the_patients_it_affects_before_it_is_confirmed() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    for n in 1..=2 {
        assert_eq!(
            app.post("/api/v1/bookings", &booking_body(seed.tomorrow, n)).await.status(),
            201
        );
    }
    make_staff(&app, "admin", Role::Admin, &[]);
    let mut v = Visitor::new(&app);
    v.login("admin", "rahasia-uji").await;
    let csrf = hidden(&v.get("/staff/jadwal").await.body, "csrf");
    let form = |confirm: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("kind", "leave".to_string()),
            ("doctor", "D003".to_string()),
            ("clinic", String::new()),
            ("date", "2026-12-02".to_string()),
            ("reason", "Seminar <b>Jayapura</b>".to_string()),
            ("confirm", confirm.to_string()),
        ]
    };
    let ask = v.post("/staff/pengecualian", &as_refs(&form(""))).await;
    assert_eq!(ask.status, 200);
    assert!(ask.body.contains("<strong>2</strong>"), "{}", ask.body);
    assert!(ask.body.contains("Seminar &#60;b&#62;Jayapura&#60;/b&#62;"));
    assert!(
        ask.body.contains("Catat cuti dr. Ruth Kogoya, Sp.A (D003)?"),
        "the confirmation names the doctor: {}",
        ask.body
    );
    assert_eq!(app.count("schedule_exceptions"), 0, "nothing changed before confirming");
    let (_, q) = app.get_json("/api/v1/sessions?date=2026-12-02").await;
    assert_eq!(q[0]["status"], "open");
    let done = v.post("/staff/pengecualian", &as_refs(&form("1"))).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let (_, q) = app.get_json("/api/v1/sessions?date=2026-12-02").await;
    assert_eq!(q[0]["status"], "cancelled");
    let listed = v.get("/staff/jadwal").await;
    assert!(listed.body.contains("Dokter cuti"));
    let id: i32 = {
        use diesel::prelude::*;
        use sipoli::db::schema::schedule_exceptions as x;
        x::table.select(x::id).first(&mut app.conn()).unwrap()
    };
    let res = v.post(&format!("/staff/pengecualian/{id}/hapus"), &[("csrf", csrf.as_str())]).await;
    assert_eq!(res.location, "/staff/jadwal?ok=removed");
    assert_eq!(app.count("schedule_exceptions"), 0);
    // A date in the past is refused by the field.
    let mut past = form("1");
    past[4].1 = "2026-11-01".into();
    let res = v.post("/staff/pengecualian", &as_refs(&past)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Tanggal sudah lewat."));
}

async fn serve(app: &TestApp, id: i64) {
    assert_eq!(
        app.post(&format!("/api/v1/staff/visits/{id}/start"), &json!({})).await.status(),
        200
    );
    app.clock.advance(chrono::Duration::minutes(10));
    assert_eq!(
        app.post(&format!("/api/v1/staff/visits/{id}/finish"), &json!({})).await.status(),
        200
    );
}

#[actix_web::test]
async fn the_daily_report_and_the_audit_log_show_the_day() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 0)).await;
    let seed = seed(&app);
    app.login_as("kepala", Role::Admin, &[]).await;
    for _ in 0..2 {
        app.post("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": "jkn"})).await;
    }
    let call = format!("/api/v1/staff/sessions/{}/call-next", seed.today);
    app.clock.advance(chrono::Duration::minutes(20));
    let (_, first) = app.post_json(&call, &json!({})).await;
    serve(&app, first["id"].as_i64().unwrap()).await;
    app.clock.advance(chrono::Duration::minutes(60)); // second waited 90 minutes
    let (_, second) = app.post_json(&call, &json!({})).await;
    serve(&app, second["id"].as_i64().unwrap()).await;

    make_staff(&app, "admin", Role::Admin, &[]);
    let mut v = Visitor::new(&app);
    v.login("admin", "rahasia-uji").await;
    let report = v.get("/staff/laporan?tanggal=2026-12-01").await;
    assert_eq!(report.status, 200);
    assert!(report.body.contains("id=\"share\""), "{}", report.body);
    assert!(report.body.contains("50 %"), "one of two called within 60 minutes");
    assert!(report.body.contains("<svg") && report.body.contains("stroke-dasharray"));
    assert!(report.body.contains("55 / 83"), "median and p90 of 20 and 90 minutes");
    let csv = v.get("/staff/laporan.csv?tanggal=2026-12-01&poli=ANA").await;
    assert_eq!(csv.status, 200);
    assert!(csv.content_type.starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(lines[0].starts_with("date,clinic,doctor"));
    assert!(lines[1].starts_with("2026-12-01,Poli Anak,\"dr. Ruth Kogoya, Sp.A\",08:00-12:00,2,2,0,2,55.0,83.0,10.0,10.0,0.500"), "{}", lines[1]);
    assert!(lines[2].starts_with("2026-12-01,TOTAL"));
    let audit = v.get("/staff/audit?tanggal=2026-12-01").await;
    assert_eq!(audit.status, 200);
    assert!(audit.body.contains("Petugas: kepala") && audit.body.contains("B-002"));
    assert!(audit.body.contains("Dipanggil → Sedang dilayani"), "{}", audit.body);
    assert!(audit.body.contains("Mulai layani"), "event kinds in words");
    let filtered = v.get("/staff/audit?tanggal=2026-12-01&petugas=orang-lain").await;
    assert!(!filtered.body.contains("B-001") && filtered.body.contains("Tidak ada kejadian."));
    let yesterday = v.get("/staff/audit?tanggal=2026-11-30").await;
    assert!(!yesterday.body.contains("B-001"), "the day is the hospital's day");
    // Roles: a clinic account of another clinic sees none of it; registration nothing.
    add_clinic(&app, "MAT", "Poli Mata", "E");
    make_staff(&app, "mata", Role::Clinic, &["MAT"]);
    let mut m = Visitor::new(&app);
    m.login("mata", "rahasia-uji").await;
    let theirs = m.get("/staff/audit?tanggal=2026-12-01").await;
    assert!(!theirs.body.contains("B-001"));
    let csv = m.get("/staff/laporan.csv?tanggal=2026-12-01").await;
    assert!(!csv.body.contains("Poli Anak"));
    make_staff(&app, "loket", Role::Registration, &[]);
    let mut r = Visitor::new(&app);
    r.login("loket", "rahasia-uji").await;
    assert_eq!(r.get("/staff/laporan").await.status, StatusCode::FORBIDDEN);
    assert_eq!(r.get("/staff/audit").await.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn admins_manage_clinics_doctors_and_accounts() {
    let app = TestApp::spawn().await;
    seed(&app);
    make_staff(&app, "admin", Role::Admin, &[]);
    let mut v = Visitor::new(&app);
    v.login("admin", "rahasia-uji").await;
    let page = v.get("/staff/admin").await;
    assert_eq!(page.status, 200);
    let csrf = hidden(&page.body, "csrf");
    let c = csrf.as_str();
    // A clinic with a bad prefix: the message by the field, nothing written.
    let res = v
        .post(
            "/staff/admin/poli",
            &[("csrf", c), ("code", "MAT"), ("name", "Poli Mata"), ("prefix", "E1")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Awalan tiket 1–3 huruf"));
    assert_eq!(app.count("clinics"), 1);
    let res = v
        .post(
            "/staff/admin/poli",
            &[
                ("csrf", c),
                ("code", "mat"),
                ("name", "Poli Mata"),
                ("prefix", "e"),
                ("room", "Ruang 5"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // The same prefix twice: the database refuses, the page says so.
    let res = v
        .post(
            "/staff/admin/poli",
            &[("csrf", c), ("code", "THT"), ("name", "Poli THT"), ("prefix", "E")],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let res = v
        .post(
            "/staff/admin/dokter",
            &[
                ("csrf", c),
                ("code", "D006"),
                ("name", "dr. Agus Setiawan, Sp.M"),
                ("bpjs_code", "310106"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // A clinic account needs a clinic; then it is made and can log in.
    let account = |clinic: Option<&'static str>| {
        let mut f = vec![
            ("csrf", csrf.clone()),
            ("username", "Mata".to_string()),
            ("full_name", "Perawat Mata".to_string()),
            ("password", "rahasia-mata".to_string()),
            ("role", "clinic".to_string()),
        ];
        if let Some(code) = clinic {
            f.push(("clinic", code.to_string()));
        }
        f
    };
    let res = v.post("/staff/admin/akun", &as_refs(&account(None))).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Akun poli perlu minimal satu poli."));
    assert!(!res.body.contains("rahasia-mata"), "the password is not sent back");
    let res = v.post("/staff/admin/akun", &as_refs(&account(Some("MAT")))).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let mut m = Visitor::new(&app);
    assert_eq!(m.login("mata", "rahasia-mata").await.status, StatusCode::SEE_OTHER);
    assert_eq!(m.get("/staff/admin").await.status, StatusCode::FORBIDDEN, "admins only");
    let listed = v.get("/staff/admin").await;
    assert!(listed.body.contains("Perawat Mata") && listed.body.contains("MAT"));
    // Switching the account off logs it out.
    let id: i32 = {
        use diesel::prelude::*;
        use sipoli::db::schema::staff_users;
        staff_users::table
            .filter(staff_users::username.eq("mata"))
            .select(staff_users::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let res =
        v.post(&format!("/staff/admin/akun/{id}/aktif"), &[("csrf", c), ("active", "0")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(m.get("/staff").await.location, "/staff/masuk");
    // Without the token nothing happens.
    let res =
        v.post("/staff/admin/dokter", &[("csrf", "x"), ("code", "D099"), ("name", "dr. X")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("doctors"), 2);
}

/// The demo catalogue (14 clinics, 16 doctors): every patient page stays under 100 KB
/// (measured uncompressed; the server also gzips). Prints the sizes.
#[actix_web::test]
async fn patient_pages_stay_small_with_the_full_catalogue() {
    let app = TestApp::spawn_at(wit(2026, 11, 30, 7, 30)).await;
    sipoli::demo::seed_catalogue(
        &mut app.conn(),
        chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
    )
    .unwrap();
    let mut v = Visitor::new(&app);
    let home = v.get("/").await;
    let session =
        home.body.split("/daftar?sesi=").nth(1).unwrap().split('"').next().unwrap().to_string();
    let code = book_through_form(&mut v, session.parse().unwrap()).await;
    for path in [
        "/".to_string(),
        "/daftar".into(),
        "/daftar?poli=ANA".into(),
        "/daftar?poli=ANA&tanggal=2026-12-01".into(),
        format!("/daftar?sesi={session}"),
        format!("/antrean/{code}/bukti"),
        format!("/antrean/{code}"),
        format!("/antrean/{code}/qr.svg"),
    ] {
        let page = v.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        println!("page size {path}: {} bytes", page.body.len());
        assert!(page.body.len() < 100 * 1024, "{path} is {} bytes", page.body.len());
    }
}

#[actix_web::test]
async fn a_double_tap_on_the_booking_form_books_once() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let mut v = Visitor::new(&app);
    let page = v.get(&format!("/daftar?sesi={}", seed.tomorrow)).await;
    let key = hidden(&page.body, "form_key");
    assert_eq!(key.len(), 32);
    let mut form = good_booking(&seed.tomorrow.to_string());
    form.push(("form_key", key));
    let first = v.post("/daftar", &as_refs(&form)).await;
    let second = v.post("/daftar", &as_refs(&form)).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    assert_eq!(first.location, second.location, "the same confirmation");
    assert_eq!(app.count("visits"), 1);
}

#[actix_web::test]
async fn an_extra_session_is_made_at_once_and_a_closure_asks_first() {
    let app = TestApp::spawn().await;
    seed(&app);
    make_staff(&app, "perawat", Role::Clinic, &["ANA"]);
    let mut v = Visitor::new(&app);
    v.login("perawat", "rahasia-uji").await;
    let csrf = hidden(&v.get("/staff/jadwal").await.body, "csrf");
    let extra = [
        ("csrf", csrf.as_str()),
        ("kind", "extra"),
        ("doctor", "D003"),
        ("clinic", "ANA"),
        ("date", "2026-12-05"),
        ("starts_at", "13:00"),
        ("ends_at", "15:00"),
        ("quota_jkn", "10"),
        ("quota_non_jkn", "5"),
        ("reason", "Sesi sore"),
    ];
    let res = v.post("/staff/pengecualian", &extra).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let (_, sessions) = app.get_json("/api/v1/sessions?date=2026-12-05").await;
    assert_eq!(sessions[0]["starts_at"], "2026-12-05T13:00:00+09:00");
    assert_eq!(sessions[0]["quota"]["jkn"], 10);
    // Missing times: the message is shown, nothing made.
    let mut bad = extra;
    bad[5].1 = "";
    bad[4].1 = "2026-12-06";
    let res = v.post("/staff/pengecualian", &bad).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Isi jam mulai dan selesai"), "{}", res.body);
    assert_eq!(app.count("schedule_exceptions"), 1);
    // A closure of the clinic that day shows the count first.
    let closure =
        [("csrf", csrf.as_str()), ("kind", "closure"), ("clinic", "ANA"), ("date", "2026-12-05")];
    let ask = v.post("/staff/pengecualian", &closure).await;
    assert_eq!(ask.status, 200);
    assert!(
        ask.body.contains("Tutup Poli Anak?") && ask.body.contains("name=\"confirm\" value=\"1\"")
    );
    assert_eq!(app.count("schedule_exceptions"), 1);
}
