//! In real headless Chromium at the registration desk (`/staff/stasiun`): staff confirm a
//! ticket's priority category, find an existing patient by NIK, see what their
//! registration misses, complete it (a record number is given, phone and BPJS number
//! filled) and forward them into Poli Anak without retyping; a patient without a NIK gets
//! one typed at the desk (a NIK another patient holds is refused). Screenshot:
//! target/screenshots/counter-complete-*.png.
use std::time::Duration;

use diesel::prelude::*;
use serde_json::json;
use sipoli::auth::Role;
use sipoli::db::schema::{patients, visits};

use crate::browser::Browser;
use crate::helpers::*;
use crate::jkn::card;

async fn click(b: &Browser, css: &str) {
    b.wait_css(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn type_into(b: &Browser, css: &str, text: &str) {
    b.wait_css(css).await.send_keys(text).await.unwrap_or_else(|e| panic!("type {css}: {e}"));
}

async fn wait_text(b: &Browser, needle: &str) -> String {
    for _ in 0..200 {
        let text = b.body_text().await;
        if text.contains(needle) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("page never showed {needle:?}: {}", b.body_text().await);
}

#[actix_web::test]
async fn the_desk_completes_an_existing_patient_and_confirms_the_category_in_the_browser() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 7, 30)).await;
    let seed = seed(&app);
    sipoli::demo::seed_stations(&mut app.conn()).unwrap();
    let old: i64 = diesel::insert_into(patients::table)
        .values((
            patients::nik.eq(nik(51)),
            patients::name.eq("Pasien Lama Uji"),
            patients::birth_date.eq(chrono::NaiveDate::from_ymd_opt(1990, 5, 17).unwrap()),
            patients::language.eq("id"),
            patients::created_at.eq(wit(2025, 1, 2, 9, 0)),
        ))
        .returning(patients::id)
        .get_result(&mut app.conn())
        .unwrap();
    let (status, t) = app
        .post_json(
            "/api/v1/kiosk/tickets",
            &json!({"station": "PENDAFTARAN", "payer": "jkn", "priority_category": "lansia"}),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    app.login_as("loket", Role::Registration, &[]).await;
    let (_, queue) = app.get_json("/api/v1/staff/stations/PENDAFTARAN/queue").await;
    let step = queue["steps"][0]["step_id"].as_i64().unwrap();

    let desk = Browser::start(1280, 1000).await;
    desk.client.goto(&app.url("/staff")).await.unwrap();
    type_into(&desk, "#username", "loket").await;
    type_into(&desk, "#password", "rahasia-uji").await;
    click(&desk, "button[type=submit].btn.wide").await;
    wait_text(&desk, "Keluar").await;
    desk.client.goto(&app.url("/staff/stasiun?station=PENDAFTARAN&desk=1")).await.unwrap();

    // The claimed category, confirmed at the desk.
    click(&desk, &format!("#confirm-category-{step}")).await;
    wait_text(&desk, "Kategori dikonfirmasi").await;

    // Called, started; the existing patient found by NIK with what is missing.
    click(&desk, "#call-next").await;
    click(&desk, &format!("#start-{step}")).await;
    // The lookup box is on the called row too: wait for the served row, or the NIK would be
    // typed into the page the click is leaving.
    desk.wait_css(&format!("#finish-{step}")).await;
    type_into(&desk, &format!("#cari-{step}"), &nik(51)).await;
    click(&desk, &format!("#lookup-{step}")).await;
    let text = wait_text(&desk, "Pasien Lama Uji").await;
    assert!(text.contains("Belum lengkap: Nomor rekam medis, Nomor HP, Nomor BPJS"), "{text}");
    desk.screenshot("counter-complete-01-found").await;
    type_into(&desk, ".complete-form [name=phone]", "081234567890").await;
    type_into(&desk, ".complete-form [name=bpjs_no]", &card(51)).await;
    click(&desk, &format!("#complete-patient-{old}")).await;
    let text = wait_text(&desk, "RM 00").await;
    assert!(text.contains("Data pasien lama dilengkapi"), "{text}");
    let (rm, phone, bpjs): (Option<String>, Option<String>, Option<String>) = patients::table
        .find(old)
        .select((patients::medical_record_no, patients::phone, patients::bpjs_no))
        .first(&mut app.conn())
        .unwrap();
    let rm = rm.expect("a record number");
    assert!(text.contains(&format!("RM {rm}")), "{text}");
    assert_eq!((phone.as_deref(), bpjs), (Some("081234567890"), Some(card(51))));
    desk.screenshot("counter-complete-02-completed").await;

    // Forwarded into Poli Anak with no retyping: the visit is this patient's.
    desk.client
        .execute(
            &format!(
                "document.querySelector('.finish-form [name=next]').value = 'clinic:ANA:{}'; return 1;",
                seed.today
            ),
            vec![],
        )
        .await
        .unwrap();
    click(&desk, ".finish-form button[type=submit]").await;
    // The page being left says "Tersimpan" too (the completion's notice): wait until the
    // ticket's finish form is gone, which only the page after the forward shows.
    for _ in 0..200 {
        let gone = desk
            .client
            .execute(&format!("return !document.getElementById('finish-{step}');"), vec![])
            .await
            .unwrap();
        if gone == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_text(&desk, "Tersimpan").await;
    let (patient, category, confirmed): (Option<i64>, Option<String>, bool) = visits::table
        .order(visits::id.desc())
        .select((
            visits::patient_id,
            visits::priority_category,
            visits::priority_confirmed_at.is_not_null(),
        ))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!((patient, category.as_deref(), confirmed), (Some(old), Some("lansia"), true));

    // A patient known only by their BPJS card: the desk offers the NIK field and fills it;
    // a NIK another patient holds is refused in Indonesian and nothing changes.
    let lone: i64 = diesel::insert_into(patients::table)
        .values((
            patients::bpjs_no.eq(card(52)),
            patients::name.eq("Pasien Tanpa NIK"),
            patients::birth_date.eq(chrono::NaiveDate::from_ymd_opt(1990, 5, 17).unwrap()),
            patients::language.eq("id"),
            patients::created_at.eq(wit(2025, 1, 2, 9, 0)),
        ))
        .returning(patients::id)
        .get_result(&mut app.conn())
        .unwrap();
    let (status, t) = app
        .post_json("/api/v1/kiosk/tickets", &json!({"station": "PENDAFTARAN", "payer": "jkn"}))
        .await;
    assert_eq!(status, 201, "{t}");
    let ticket = t["ticket"].as_str().unwrap().to_string();
    let (_, queue) = app.get_json("/api/v1/staff/stations/PENDAFTARAN/queue").await;
    let second = queue["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["ticket"] == ticket.as_str())
        .and_then(|s| s["step_id"].as_i64())
        .expect("the new ticket in the queue");
    click(&desk, "#call-next").await;
    click(&desk, &format!("#start-{second}")).await;
    desk.wait_css(&format!("#finish-{second}")).await;
    type_into(&desk, &format!("#cari-{second}"), &card(52)).await;
    click(&desk, &format!("#lookup-{second}")).await;
    let text = wait_text(&desk, "Pasien Tanpa NIK").await;
    assert!(text.contains("Belum lengkap: Nomor rekam medis, NIK, Nomor HP"), "{text}");
    type_into(&desk, ".complete-form [name=nik]", &nik(51)).await;
    click(&desk, &format!("#complete-patient-{lone}")).await;
    wait_text(&desk, "NIK ini sudah terdaftar untuk pasien lain").await;
    let lone_nik = |app: &TestApp| -> Option<String> {
        patients::table.find(lone).select(patients::nik).first(&mut app.conn()).unwrap()
    };
    assert_eq!(lone_nik(&app), None, "nothing changed");
    // Found again (the refusal page has no hits: wait for the lookup's form before typing).
    type_into(&desk, &format!("#cari-{second}"), &card(52)).await;
    click(&desk, &format!("#lookup-{second}")).await;
    desk.wait_css(&format!("#complete-patient-{lone}")).await;
    type_into(&desk, ".complete-form [name=nik]", &nik(52)).await;
    desk.screenshot("counter-complete-03-nik").await;
    click(&desk, &format!("#complete-patient-{lone}")).await;
    wait_text(&desk, &format!("{ticket} · RM")).await;
    assert_eq!(lone_nik(&app), Some(nik(52)));
    desk.close().await;
}
