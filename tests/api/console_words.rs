//! The staff console speaks one language at a time: every console page, as an admin with a
//! day of data (walk-ins, a counter registration, an online booking with notifications,
//! accounts of every role), in Indonesian without English or technical words, and in English
//! without Indonesian ones.
use serde_json::json;
use sipoli::auth::Role;

use crate::helpers::*;
use crate::pages::{Visitor, hidden, make_staff};

/// Words that must not show in the Indonesian console (whole words, any case).
const NOT_INDONESIAN: &[&str] = &[
    "patient",
    "clinic",
    "registration",
    "webhook",
    "galat",
    "kiosk",
    "counter",
    "online",
    "cancel",
    "waiting",
    "booked",
    "staff",
    "system",
    "email",
    "pending",
    "failed",
    "sent",
    "dead",
    "error",
    "admin/clinic",
];
/// Words that must not show in the English console (whole words, any case). The test
/// accounts are called "Petugas Uji" (data), so the role names are checked as phrases.
const NOT_ENGLISH: &[&str] = &[
    "batal",
    "simpan",
    "keluar",
    "pasien",
    "menunggu",
    "jadwal",
    "tanggal",
    "kesalahan",
    "umum",
    "loket",
    "anjungan",
    "dibatalkan",
    "selesai",
    "panggil",
    "tiket",
    "laporan",
    "cetak",
    "kode",
    "sistem",
    "surel",
    "terkirim",
    "daring",
    "alasan",
    "hari",
];

/// The visible text of a page: no tags, scripts or styles.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        out.push(' ');
        let after = &rest[start..];
        let skip_to = ["<script", "<style"]
            .iter()
            .find(|t| after.starts_with(*t))
            .map(|t| format!("</{}>", &t[1..]));
        let end = match skip_to {
            Some(close) => after.find(&close).map(|i| i + close.len()),
            None => after.find('>').map(|i| i + 1),
        };
        rest = end.map_or("", |e| &after[e..]);
    }
    out.push_str(rest);
    out.replace("&#47;", "/").replace("&amp;", "&").replace("&#183;", "·")
}

fn offending<'a>(text: &str, words: &[&'a str]) -> Vec<&'a str> {
    let tokens: Vec<String> = text
        .split(|ch: char| !(ch.is_alphanumeric() || ch == '/'))
        .flat_map(|t| {
            let mut all = vec![t.to_lowercase()];
            all.extend(t.split('/').map(str::to_lowercase));
            all
        })
        .collect();
    words.iter().copied().filter(|w| tokens.iter().any(|t| t == w)).collect()
}

#[actix_web::test]
async fn every_console_page_reads_in_one_language() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let seed = seed(&app);
    for payer in ["jkn", "non_jkn"] {
        let res = app
            .post("/api/v1/kiosk/tickets", &json!({"session_id": seed.today, "payer": payer}))
            .await;
        assert_eq!(res.status(), 201);
    }
    let mut booking = booking_body(seed.tomorrow, 1);
    booking["patient"]["email"] = json!("pasien1@example.test");
    let (status, booked) = app.post_json("/api/v1/bookings", &booking).await;
    assert_eq!(status, 201, "{booked}");
    let code = booked["booking_code"].as_str().unwrap().to_string();
    let res = app
        .post(&format!("/api/v1/bookings/{code}/cancel"), &json!({"birth_date": "1990-05-17"}))
        .await;
    assert_eq!(res.status(), 200, "a patient cancels: the audit shows who");
    make_staff(&app, "admin", Role::Admin, &[]);
    make_staff(&app, "anak", Role::Clinic, &["ANA"]);
    make_staff(&app, "meja1", Role::Registration, &[]);
    let mut v = Visitor::new(&app);
    v.login("admin", "rahasia-uji").await;
    // A counter registration, called and cancelled with a reason.
    let page = v.get("/staff/loket").await;
    let csrf = hidden(&page.body, "csrf");
    let session = seed.today.to_string();
    let nik = nik(5);
    let registered = v
        .post(
            "/staff/loket",
            &[
                ("csrf", csrf.as_str()),
                ("sesi", session.as_str()),
                ("payer", "non_jkn"),
                ("nik", nik.as_str()),
                ("name", "Yohana Magai"),
                ("birth_date", "1990-05-17"),
                ("phone", "081298765432"),
            ],
        )
        .await;
    assert_eq!(registered.status, 303, "{}", registered.body);
    let ticket_page = registered.location.clone();
    let call = v.post(&format!("/staff/sesi/{}/panggil", seed.today), &[("csrf", &csrf)]).await;
    assert_eq!(call.status, 303, "{}", call.body);

    let pages = [
        "/staff".to_string(),
        format!("/staff/sesi/{}", seed.today),
        "/staff/loket".into(),
        "/staff/jadwal".into(),
        "/staff/laporan".into(),
        "/staff/audit".into(),
        "/staff/audit?tanggal=2026-12-01".into(),
        "/staff/notifikasi".into(),
        "/staff/bpjs".into(),
        "/staff/admin".into(),
        "/staff/papan".into(),
        ticket_page,
    ];
    let mut problems = Vec::new();
    for (lang, forbidden) in [("id", NOT_INDONESIAN), ("en", NOT_ENGLISH)] {
        for path in &pages {
            let sep = if path.contains('?') { '&' } else { '?' };
            let page = v.get(&format!("{path}{sep}lang={lang}")).await;
            assert_eq!(page.status, 200, "{path} ({lang}): {}", page.body);
            let text = visible_text(&page.body);
            let mut found = offending(&text, forbidden);
            if lang == "en" {
                found
                    .extend(["Petugas poli", "Petugas loket"].iter().filter(|p| text.contains(*p)));
            }
            if !found.is_empty() {
                problems.push(format!("{path} ({lang}): {found:?}"));
            }
            if lang == "id" && path.starts_with("/staff/sesi/") {
                assert!(text.contains("Loket") && text.contains("Anjungan"), "{text}");
            }
            if lang == "id" && path == "/staff/audit" {
                assert!(text.contains("Pasien"), "the patient's cancel is in the audit: {text}");
            }
            if lang == "id" && path == "/staff/admin" {
                assert!(text.contains("Petugas poli") && text.contains("Petugas loket"), "{text}");
            }
            if lang == "id" && path == "/staff/notifikasi" {
                assert!(text.contains("SMS/WhatsApp") && text.contains("Kesalahan terakhir"));
            }
        }
    }
    assert!(problems.is_empty(), "words in the wrong language:\n{}", problems.join("\n"));
}

#[actix_web::test]
async fn a_clinic_account_is_offered_only_its_own_doctors_for_leave() {
    use chrono::{NaiveDate, NaiveTime};
    use diesel::prelude::*;
    use sipoli::db::schema::{clinics, doctors, practice_schedules as ps};
    let app = TestApp::spawn().await;
    seed(&app);
    let mut conn = app.conn();
    let ana: i32 = clinics::table
        .filter(clinics::code.eq("ANA"))
        .select(clinics::id)
        .first(&mut conn)
        .unwrap();
    let d003: i32 = doctors::table
        .filter(doctors::code.eq("D003"))
        .select(doctors::id)
        .first(&mut conn)
        .unwrap();
    diesel::insert_into(doctors::table)
        .values((doctors::code.eq("D900"), doctors::name.eq("dr. Lain Poli, Sp.PD")))
        .execute(&mut conn)
        .unwrap();
    diesel::insert_into(ps::table)
        .values((
            ps::doctor_id.eq(d003),
            ps::clinic_id.eq(ana),
            ps::weekday.eq(2i16),
            ps::starts_at.eq(NaiveTime::from_hms_opt(8, 0, 0).unwrap()),
            ps::ends_at.eq(NaiveTime::from_hms_opt(12, 0, 0).unwrap()),
            ps::quota_jkn.eq(20),
            ps::quota_non_jkn.eq(10),
            ps::online_limit.eq(20),
            ps::service_minutes.eq(10),
            ps::valid_from.eq(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()),
        ))
        .execute(&mut conn)
        .unwrap();
    drop(conn);
    make_staff(&app, "anak", Role::Clinic, &["ANA"]);
    make_staff(&app, "admin", Role::Admin, &[]);
    let leave_select = |html: &str| {
        let start = html.find("id=\"x-doctor\"").expect("leave form");
        html[start..].split("</select>").next().unwrap().to_string()
    };
    let mut v = Visitor::new(&app);
    v.login("anak", "rahasia-uji").await;
    let options = leave_select(&v.get("/staff/jadwal").await.body);
    assert!(options.contains("value=\"D003\"") && !options.contains("D900"), "{options}");
    // A refusal keeps what was typed.
    let csrf = hidden(&v.get("/staff/jadwal").await.body, "csrf");
    let refused = v
        .post(
            "/staff/pengecualian",
            &[
                ("csrf", csrf.as_str()),
                ("kind", "leave"),
                ("doctor", "D900"),
                ("clinic", ""),
                ("date", "2026-12-02"),
                ("reason", "Seminar di Jayapura"),
            ],
        )
        .await;
    assert!(refused.status.is_client_error(), "{}", refused.status);
    assert!(refused.body.contains("value=\"Seminar di Jayapura\""), "{}", refused.body);
    let mut admin = Visitor::new(&app);
    admin.login("admin", "rahasia-uji").await;
    let options = leave_select(&admin.get("/staff/jadwal").await.body);
    assert!(options.contains("D003") && options.contains("D900"), "{options}");
}

#[actix_web::test]
async fn the_running_text_is_set_from_the_console() {
    let app = TestApp::spawn().await;
    seed(&app);
    add_clinic(&app, "INT", "Poli Penyakit Dalam", "C");
    make_staff(&app, "anak", Role::Clinic, &["ANA"]);
    let mut v = Visitor::new(&app);
    v.login("anak", "rahasia-uji").await;
    let page = v.get("/staff/papan").await;
    assert_eq!(page.status, 200);
    let select =
        page.body.split("id=\"clinic\"").nth(1).unwrap().split("</select>").next().unwrap();
    assert!(select.contains("value=\"ANA\""), "{select}");
    assert!(
        !select.contains("INT") && !select.contains("value=\"*\""),
        "own clinics only: {select}"
    );
    let csrf = hidden(&page.body, "csrf");
    let text = "Dokter anak hari ini mulai 09.00 WIT";
    let res = v
        .post("/staff/papan", &[("csrf", csrf.as_str()), ("clinic", "ANA"), ("message", text)])
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let (_, state) = app.get_json("/api/v1/displays/state?clinics=ANA").await;
    assert_eq!(state["message"], text);
    // Every board is for admins: refused, and what was typed stays.
    let res = v
        .post(
            "/staff/papan",
            &[("csrf", csrf.as_str()), ("clinic", "*"), ("message", "Untuk semua")],
        )
        .await;
    assert_eq!(res.status, 403);
    assert!(res.body.contains("Untuk semua</textarea>"), "{}", res.body);
}
