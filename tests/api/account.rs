//! Staff change their own password (current + new twice, at least 8 characters, audited),
//! and admins correct clinic and doctor codes (BPJS codes too) from a filled-in form.
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sipoli::auth::Role;

use crate::helpers::{TestApp, seed};
use crate::pages::{Visitor, hidden, make_staff};

fn audit(app: &TestApp) -> Vec<(String, Value)> {
    use sipoli::db::schema::staff_audit;
    staff_audit::table
        .order(staff_audit::id)
        .select((staff_audit::action, staff_audit::detail))
        .load(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn staff_change_their_own_password() {
    let mut app = TestApp::spawn().await;
    make_staff(&app, "perawat", Role::Clinic, &[]);
    let mut v = Visitor::new(&app);
    v.login("perawat", "rahasia-uji").await;
    // A second login of the same account elsewhere (say, on a stolen password).
    let elsewhere = app.log_in("perawat").await;
    app.token = Some(elsewhere.clone());
    assert_eq!(app.get_json("/api/v1/staff/sessions").await.0, 200, "it works before");
    app.token = None;
    let page = v.get("/staff/sandi").await;
    assert_eq!(page.status, 200);
    let csrf = hidden(&page.body, "csrf");
    let attempt = |current: &'static str, new: &'static str, repeat: &'static str| {
        [
            ("csrf", csrf.clone()),
            ("current_password", current.into()),
            ("new_password", new.into()),
            ("new_password_repeat", repeat.into()),
        ]
    };
    for (current, new, repeat, says) in [
        ("salah-sekali", "sandi-baru-123", "sandi-baru-123", "Kata sandi sekarang salah."),
        ("rahasia-uji", "pendek", "pendek", "paling sedikit 8 karakter"),
        ("rahasia-uji", "sandi-baru-123", "sandi-baru-124", "tidak sama"),
        ("rahasia-uji", "rahasia-uji", "rahasia-uji", "harus berbeda"),
    ] {
        let form = attempt(current, new, repeat);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = v.post("/staff/sandi", &form).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{says}");
        assert!(res.body.contains(says), "{says}: {}", res.body);
    }
    assert!(audit(&app).is_empty(), "nothing changed");
    let form = attempt("rahasia-uji", "sandi-baru-123", "sandi-baru-123");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = v.post("/staff/sandi", &form).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(v.get(&res.location).await.body.contains("Kata sandi sudah diganti."));
    // The session that changed it stays; every other session of the account has ended.
    app.token = Some(elsewhere);
    let (status, _) = app.get_json("/api/v1/staff/sessions").await;
    assert_eq!(status, 401, "the other login ended with the old password");
    app.token = None;
    let log = audit(&app);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].0, "password_changed");
    assert!(!log[0].1.to_string().contains("sandi-baru"), "no password in the log");
    // The old password no longer works, the new one does.
    let (status, _) = app
        .post_json("/api/v1/auth/login", &json!({"username": "perawat", "password": "rahasia-uji"}))
        .await;
    assert_eq!(status, 401);
    let (status, body) = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"username": "perawat", "password": "sandi-baru-123"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[actix_web::test]
async fn the_password_route_of_the_json_api() {
    let mut app = TestApp::spawn().await;
    app.login_as("loket", Role::Registration, &[]).await;
    let (status, body) =
        app.post_json("/api/v1/staff/password", &json!({"current_password": "x"})).await;
    assert!(status.is_client_error(), "{body}");
    let (status, body) = app
        .post_json(
            "/api/v1/staff/password",
            &json!({"current_password": "wrong-one", "new_password": "abcdefgh1", "new_password_repeat": "abcdefgh1"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["fields"]["current_password"]["code"], "wrong_password", "{body}");
}

#[actix_web::test]
async fn admins_correct_clinic_and_doctor_codes_from_a_filled_in_form() {
    let app = TestApp::spawn().await;
    seed(&app);
    make_staff(&app, "admin", Role::Admin, &[]);
    let mut v = Visitor::new(&app);
    v.login("admin", "rahasia-uji").await;
    let (clinic_id, doctor_id): (i32, i32) = {
        use sipoli::db::schema::{clinics, doctors};
        let mut c = app.conn();
        (
            clinics::table
                .filter(clinics::code.eq("ANA"))
                .select(clinics::id)
                .first(&mut c)
                .unwrap(),
            doctors::table
                .filter(doctors::code.eq("D003"))
                .select(doctors::id)
                .first(&mut c)
                .unwrap(),
        )
    };
    let page = v.get(&format!("/staff/admin?poli={clinic_id}")).await;
    assert_eq!(page.status, 200);
    for value in [
        format!("name=\"id\" value=\"{clinic_id}\""),
        "value=\"Poli Anak\"".into(),
        "value=\"Ruang 2\"".into(),
    ] {
        assert!(page.body.contains(&value), "{value}: {}", page.body);
    }
    assert!(page.body.contains("Koreksi poli ANA"));
    let csrf = hidden(&page.body, "csrf");
    // Code and BPJS code corrected; the rest stays as it was filled in.
    let id = clinic_id.to_string();
    let res = v
        .post(
            "/staff/admin/poli",
            &[
                ("csrf", &csrf),
                ("id", &id),
                ("code", "ank"),
                ("name", "Poli Anak"),
                ("name_en", ""),
                ("prefix", "B"),
                ("bpjs_code", "ANA01"),
                ("room", "Ruang 2"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let (code, bpjs): (String, Option<String>) = {
        use sipoli::db::schema::clinics;
        clinics::table
            .find(clinic_id)
            .select((clinics::code, clinics::bpjs_code))
            .first(&mut app.conn())
            .unwrap()
    };
    assert_eq!((code.as_str(), bpjs.as_deref()), ("ANK", Some("ANA01")));
    // A code of another clinic is refused.
    crate::helpers::add_clinic(&app, "MAT", "Poli Mata", "E");
    let res = v
        .post(
            "/staff/admin/poli",
            &[
                ("csrf", &csrf),
                ("id", &id),
                ("code", "MAT"),
                ("name", "Poli Anak"),
                ("prefix", "B"),
                ("room", "Ruang 2"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("sudah dipakai"));
    // The doctor's BPJS code.
    let page = v.get(&format!("/staff/admin?dokter={doctor_id}")).await;
    assert!(page.body.contains("value=\"310103\""), "{}", page.body);
    let did = doctor_id.to_string();
    let res = v
        .post(
            "/staff/admin/dokter",
            &[
                ("csrf", &csrf),
                ("id", &did),
                ("code", "D003"),
                ("name", "dr. Ruth Kogoya, Sp.A"),
                ("bpjs_code", "310199"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let log = audit(&app);
    let actions: Vec<&str> = log.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, ["clinic_corrected", "doctor_corrected"]);
    assert_eq!(log[0].1["before"]["code"], "ANA");
    assert_eq!(log[0].1["after"]["code"], "ANK");
    assert_eq!(log[1].1["after"]["bpjs_code"], 310199);
    let page = v.get("/staff/admin").await;
    assert!(
        page.body.contains("Poli dikoreksi: Kode BPJS: ANA → ANA01; Kode: ANA → ANK"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Kode BPJS: 310103 → 310199"), "{}", page.body);
    // Only admins correct.
    make_staff(&app, "anak", Role::Clinic, &["ANK"]);
    let mut clinic = Visitor::new(&app);
    clinic.login("anak", "rahasia-uji").await;
    let page = clinic.get("/staff/sandi").await;
    let csrf = hidden(&page.body, "csrf");
    let res = clinic
        .post(
            "/staff/admin/poli",
            &[
                ("csrf", &csrf),
                ("id", &id),
                ("code", "ANA"),
                ("name", "Poli Anak"),
                ("prefix", "B"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}
