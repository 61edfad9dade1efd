//! Counter registration: finding a returning patient by NIK, BPJS number, record number or
//! name + birth date; a name without a NIK kept (with its birth date); sessions that have
//! ended marked and refused; the JKN referral number stored with the visit.
use diesel::prelude::*;
use reqwest::StatusCode;
use sipoli::auth::Role;

use crate::helpers::{TestApp, nik, seed, wit};
use crate::pages::{Visitor, hidden, make_staff};

async fn counter(app: &TestApp) -> (Visitor, String) {
    make_staff(app, "loket", Role::Registration, &[]);
    let mut v = Visitor::new(app);
    v.login("loket", "rahasia-uji").await;
    let page = v.get("/staff/loket").await;
    assert_eq!(page.status, 200);
    let csrf = hidden(&page.body, "csrf");
    (v, csrf)
}

fn patient_names(app: &TestApp) -> Vec<(String, Option<String>, Option<String>)> {
    use sipoli::db::schema::patients;
    patients::table
        .select((patients::name, patients::nik, patients::medical_record_no))
        .order(patients::id)
        .load(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_name_without_nik_is_kept_with_its_birth_date() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let s = seed(&app);
    let (mut v, csrf) = counter(&app).await;
    let sesi = s.today.to_string();
    // A name without a birth date is not dropped silently: the form says what is missing.
    let res = v
        .post(
            "/staff/loket",
            &[("csrf", &csrf), ("sesi", &sesi), ("payer", "non_jkn"), ("name", "Mama Yuliana")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Nama dan tanggal lahir wajib diisi"), "{}", res.body);
    assert!(res.body.contains("value=\"Mama Yuliana\""), "what was typed stays");
    assert_eq!(app.count("visits"), 0);
    let res = v
        .post(
            "/staff/loket",
            &[
                ("csrf", &csrf),
                ("sesi", &sesi),
                ("payer", "non_jkn"),
                ("name", "Mama Yuliana"),
                ("birth_date", "1961-03-09"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(patient_names(&app), vec![("Mama Yuliana".to_string(), None, None)]);
    let linked: i64 = {
        use sipoli::db::schema::visits;
        visits::table
            .filter(visits::patient_id.is_not_null())
            .count()
            .get_result(&mut app.conn())
            .unwrap()
    };
    assert_eq!(linked, 1, "the visit names its patient");
    // With a record number only: the same record is found again next time.
    for _ in 0..2 {
        let res = v
            .post(
                "/staff/loket",
                &[
                    ("csrf", &csrf),
                    ("sesi", &sesi),
                    ("payer", "non_jkn"),
                    ("name", "Bapak Karel"),
                    ("birth_date", "1958-01-20"),
                    ("rm", "RM-004512"),
                ],
            )
            .await;
        // The second is refused as a second active visit of the same patient.
        assert!(
            res.status == StatusCode::SEE_OTHER || res.status == StatusCode::CONFLICT,
            "{}",
            res.body
        );
    }
    assert_eq!(patient_names(&app).len(), 2, "one record for Bapak Karel");
    // Anonymous walk-ins stay possible.
    let res =
        v.post("/staff/loket", &[("csrf", &csrf), ("sesi", &sesi), ("payer", "non_jkn")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}

#[actix_web::test]
async fn returning_patients_are_found_by_nik_bpjs_record_number_or_name_and_birth_date() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let s = seed(&app);
    let (mut v, csrf) = counter(&app).await;
    let (sesi, the_nik) = (s.today.to_string(), nik(7));
    let res = v
        .post(
            "/staff/loket",
            &[
                ("csrf", &csrf),
                ("sesi", &sesi),
                ("payer", "jkn"),
                ("nik", &the_nik),
                ("bpjs_no", "0001234567890"),
                ("name", "Yosina Wenda"),
                ("birth_date", "1990-05-17"),
                ("rm", "RM-000777"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    for (query, found) in [
        (format!("cari={the_nik}"), true),
        ("cari=0001234567890".to_string(), true),
        ("cari=RM-000777".to_string(), true),
        ("cari=yosina&lahir=1990-05-17".to_string(), true),
        ("cari=WENDA&lahir=1990-05-17".to_string(), true),
        ("cari=yosina&lahir=1991-05-17".to_string(), false),
        ("cari=9999999999999999".to_string(), false),
    ] {
        let page = v.get(&format!("/staff/loket?{query}")).await;
        assert_eq!(page.status, 200, "{query}");
        assert_eq!(page.body.contains("Yosina Wenda"), found, "{query}: {}", page.body);
        assert_eq!(page.body.contains("id=\"no-hits\""), !found, "{query}");
    }
    // A name alone is not enough to look someone up.
    let page = v.get("/staff/loket?cari=Yosina%20Wenda").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("nama beserta tanggal lahir"), "{}", page.body);
    // Picking the patient fills the form.
    let page = v.get(&format!("/staff/loket?cari={the_nik}")).await;
    let href = page.body.split("href=\"/staff/loket?pasien=").nth(1).unwrap();
    let id: String = href.chars().take_while(char::is_ascii_digit).collect();
    let form = v.get(&format!("/staff/loket?pasien={id}")).await;
    for value in [the_nik.as_str(), "0001234567890", "Yosina Wenda", "1990-05-17", "RM-000777"] {
        assert!(form.body.contains(&format!("value=\"{value}\"")), "{value}: {}", form.body);
    }
    // Clinic accounts do not look patients up.
    make_staff(&app, "anak", Role::Clinic, &["ANA"]);
    let mut clinic = Visitor::new(&app);
    clinic.login("anak", "rahasia-uji").await;
    assert_eq!(
        clinic.get(&format!("/staff/loket?cari={the_nik}")).await.status,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn a_session_that_has_ended_is_marked_and_refused() {
    // 14:11 WIT; today's session ran 08:00–12:00.
    let app = TestApp::spawn_at(wit(2026, 12, 1, 14, 11)).await;
    let s = seed(&app);
    let (mut v, csrf) = counter(&app).await;
    let page = v.get("/staff/loket").await;
    let option = page.body.split(&format!("<option value=\"{}\"", s.today)).nth(1).unwrap();
    let option = &option[..option.find("</option>").unwrap()];
    assert!(option.contains("disabled") && option.contains("sudah selesai"), "{option}");
    let res = v
        .post(
            "/staff/loket",
            &[("csrf", &csrf), ("sesi", &s.today.to_string()), ("payer", "non_jkn")],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("sudah selesai"), "{}", res.body);
    assert_eq!(app.count("visits"), 0);
}

#[actix_web::test]
async fn a_jkn_registration_keeps_its_referral_number() {
    let app = TestApp::spawn_at(wit(2026, 12, 1, 8, 5)).await;
    let s = seed(&app);
    let (mut v, csrf) = counter(&app).await;
    let (sesi, the_nik) = (s.today.to_string(), nik(9));
    let fields = |rujukan: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("sesi", sesi.clone()),
            ("payer", "jkn".into()),
            ("nik", the_nik.clone()),
            ("name", "Petrus Kogoya".into()),
            ("birth_date", "1990-05-17".into()),
            ("rujukan", rujukan.into()),
        ]
    };
    let bad = fields("rujukan <x>");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = v.post("/staff/loket", &bad).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(
        res.body.contains("value=\"rujukan &#60;x&#62;\"") || res.body.contains("rujukan"),
        "kept"
    );
    assert_eq!(app.count("visits"), 0);
    let good = fields("0301r0011225b000123");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = v.post("/staff/loket", &good).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let stored: Option<String> = {
        use sipoli::db::schema::visits;
        visits::table.select(visits::referral_number).first(&mut app.conn()).unwrap()
    };
    assert_eq!(stored.as_deref(), Some("0301R0011225B000123"));
}
