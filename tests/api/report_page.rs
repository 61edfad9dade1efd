//! The staff report page over a day, a week, a month or any range, with previous/next
//! navigation, and the whole visit (issue 11 §8) as its own part: arrival to leaving,
//! per station waits and service times, and the minutes between BPJS tasks — on the page
//! and in the CSV / Excel / xlsx exports, from a day seeded with known times.
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::Duration;
use serde_json::{Value, json};
use sipoli::auth::Role;
use sipoli::clock::Clock;

use crate::browser::Browser;
use crate::helpers::*;
use crate::pages::make_staff;

/// Six walk-ins at 08:05 called after 10, 20, 30, 40, 70 and 90 minutes, each seen for 5
/// minutes. The first two go on to the pharmacy: the first is prepared 08:21–08:23 and
/// handed over 08:24, the second 08:32–08:35 and handed over 08:35.
pub async fn seed_whole_visits(app: &TestApp, session: i32) {
    sipoli::demo::seed_stations(&mut app.conn()).expect("stations");
    app.clock.set(wit(2026, 12, 1, 8, 5));
    for _ in 0..6 {
        let body = json!({"session_id": session, "payer": "non_jkn"});
        let (status, t) = app.post_json("/api/v1/kiosk/tickets", &body).await;
        assert_eq!(status, 201, "{t}");
    }
    let post = |path: String, body: serde_json::Value| async move {
        let (status, out) = app.post_json(&path, &body).await;
        assert_eq!(status, 200, "{path}: {out}");
        out
    };
    let pharmacy = [(1, 3, 4), (2, 5, 5)];
    for (i, wait) in [10, 20, 30, 40, 70, 90].into_iter().enumerate() {
        app.clock.set(wit(2026, 12, 1, 8, 5) + Duration::minutes(wait));
        let called = post(format!("/api/v1/staff/sessions/{session}/call-next"), json!({})).await;
        let id = called["id"].as_i64().unwrap();
        post(format!("/api/v1/staff/visits/{id}/start"), json!({})).await;
        app.clock.advance(Duration::minutes(5));
        let Some((start, ready, out)) = pharmacy.get(i).copied() else {
            post(format!("/api/v1/staff/visits/{id}/finish"), json!({})).await;
            continue;
        };
        let next = json!({"next": {"station": "FARMASI", "prescription": "non_racikan"}});
        let done = post(format!("/api/v1/staff/visits/{id}/finish"), next).await;
        let step = done["next_step"]["step_id"].as_i64().unwrap();
        let finished = app.clock.now();
        app.clock.set(finished + Duration::minutes(start));
        post(format!("/api/v1/staff/steps/{step}/start"), json!({})).await;
        app.clock.set(finished + Duration::minutes(ready));
        post(format!("/api/v1/staff/steps/{step}/ready"), json!({})).await;
        post("/api/v1/staff/stations/FARMASI/call-next".into(), json!({"desk": 1})).await;
        app.clock.set(finished + Duration::minutes(out));
        post(format!("/api/v1/staff/steps/{step}/finish"), json!({})).await;
    }
}

fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("{prefix}: {text}"))
}

#[actix_web::test]
async fn the_report_holds_the_whole_visit_with_known_times() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 0)).await;
    let seed = seed(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    seed_whole_visits(&app, seed.today).await;

    // CSV: the sessions, the total, then the whole visit.
    let csv = app.get("/staff/laporan.csv?tanggal=2026-12-01").await.text().await.unwrap();
    println!("{csv}");
    assert!(line(&csv, "2026-12-01,Poli Anak").contains(",6,6,0,6,35.0,80.0,5.0,5.0,0.667"));
    assert!(csv.contains("2026-12-01,TOTAL,"));
    // Pharmacy: waits ticket → ready 3 and 5 minutes, preparation 2 and 3.
    assert_eq!(
        line(&csv, "2026-12-01,station,FARMASI,"),
        "2026-12-01,station,FARMASI,2,4.0,4.8,2.5,2.9,1.000"
    );
    // Arrival (check-in 08:05) to leaving: 19, 30, 35, 45, 75, 95 minutes.
    assert_eq!(line(&csv, "2026-12-01,whole_visit"), "2026-12-01,whole_visit,,6,40.0,85.0,,,");
    assert_eq!(line(&csv, "2026-12-01,task_1_to_2"), "2026-12-01,task_1_to_2,,0,,,,,");
    assert_eq!(line(&csv, "2026-12-01,task_3_to_4"), "2026-12-01,task_3_to_4,,6,43.3,,,,");
    assert_eq!(line(&csv, "2026-12-01,task_4_to_5"), "2026-12-01,task_4_to_5,,6,5.0,,,,");
    assert_eq!(line(&csv, "2026-12-01,task_5_to_6"), "2026-12-01,task_5_to_6,,2,1.5,,,,");
    assert_eq!(line(&csv, "2026-12-01,task_6_to_7"), "2026-12-01,task_6_to_7,,2,3.0,,,,");
    // The old address of the whole visit's CSV gives the same lines.
    let old =
        app.get("/staff/laporan/perjalanan.csv?tanggal=2026-12-01").await.text().await.unwrap();
    assert_eq!(line(&old, "2026-12-01,whole_visit"), "2026-12-01,whole_visit,,6,40.0,85.0,,,");

    // The page: its whole-visit part.
    let page = app.get("/staff/laporan?tanggal=2026-12-01").await.text().await.unwrap();
    let part = &page[page.find("id=\"perjalanan\"").expect("the whole-visit part")..];
    assert!(part.contains("Perjalanan kunjungan"), "{part}");
    assert!(part.contains("<div class=\"ticket\">40 / 85</div>"), "{part}");
    let farmasi = &part[part.find("data-station=\"FARMASI\"").unwrap()..];
    let farmasi = &farmasi[..farmasi.find("</tr>").unwrap()];
    assert!(farmasi.contains("<td>Farmasi</td><td>2</td><td>4</td><td>5</td>"), "{farmasi}");
    assert!(farmasi.contains("100 %"), "{farmasi}");
    assert!(part.contains("check-in poli → mulai dilayani dokter"), "tasks in words");
    assert!(part.contains("<td>6</td><td>43</td>"), "{part}");

    // The old page leads to the part of the report.
    let client = client_builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res =
        client.get(app.url("/staff/laporan/perjalanan?tanggal=2026-12-01")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/staff/laporan?periode=hari&tanggal=2026-12-01&poli=#perjalanan"
    );

    // Excel CSV and xlsx carry the same part.
    let res = app.get("/staff/laporan-excel.csv?tanggal=2026-12-01&periode=hari").await;
    let bytes = res.bytes().await.unwrap();
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let gap = lines.iter().position(|l| l.is_empty()).expect("an empty line before the part");
    assert!(lines[gap - 1].starts_with("2026-12-01/2026-12-01;TOTAL"), "{text}");
    assert!(lines[gap + 1].starts_with("Perjalanan kunjungan;Kode;Nama;Jumlah"), "{text}");
    assert_eq!(line(&text, "Tunggu;FARMASI;"), "Tunggu;FARMASI;Farmasi;2;4,0;4,8;;100,0");
    assert_eq!(
        line(&text, "Datang sampai pulang;"),
        "Datang sampai pulang;;Seluruh kunjungan;6;40,0;85,0;;"
    );
    assert!(line(&text, "Antar task BPJS;3 → 4;").ends_with(";6;;;43,3;"), "{text}");
    let res = app.get("/staff/laporan.xlsx?tanggal=2026-12-01").await;
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(res.bytes().await.unwrap().to_vec())).unwrap();
    assert_eq!(book.worksheet_range("Laporan").unwrap().rows().count(), gap);
    let sheet = book.worksheet_range("Perjalanan").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows.len(), lines.len() - gap - 1, "the same lines as the CSV's part");
    let whole = rows.iter().find(|r| r[0] == Data::String("Datang sampai pulang".into())).unwrap();
    assert_eq!(
        (&whole[3], &whole[4], &whole[5]),
        (&Data::Float(6.0), &Data::Float(40.0), &Data::Float(85.0))
    );

    // A clinic account of another clinic sees none of it.
    add_clinic(&app, "MAT", "Poli Mata", "E");
    app.login_as("mata", Role::Clinic, &["MAT"]).await;
    let csv = app.get("/staff/laporan.csv?tanggal=2026-12-01").await.text().await.unwrap();
    assert!(!csv.contains("Poli Anak") && !csv.contains("FARMASI"), "{csv}");
    assert_eq!(line(&csv, "2026-12-01,whole_visit"), "2026-12-01,whole_visit,,0,,,,,");
}

#[actix_web::test]
async fn the_report_takes_a_day_a_week_a_month_or_a_range_with_previous_and_next() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 0)).await;
    let seed = seed(&app);
    app.login_as("admin", Role::Admin, &[]).await;
    seed_whole_visits(&app, seed.today).await;
    app.clock.set(wit(2026, 12, 3, 9, 0));
    app.login_as("admin", Role::Admin, &[]).await;
    let page = |path: &'static str| {
        let app = &app;
        async move {
            let res = app.get(path).await;
            assert_eq!(res.status(), 200, "{path}");
            res.text().await.unwrap()
        }
    };
    let title = |p: &str| {
        let t = &p[p.find("id=\"range-title\">").unwrap() + 17..];
        t[..t.find('<').unwrap()].to_string()
    };
    let href = |p: &str, id: &str| {
        let t = &p[p.find(&format!("id=\"{id}\"")).unwrap()..];
        let t = &t[t.find("href=\"").unwrap() + 6..];
        t[..t.find('"').unwrap()].replace("&amp;", "&").replace("&#38;", "&")
    };

    // A day (the default is today).
    let day = page("/staff/laporan").await;
    assert_eq!(title(&day), "Kamis, 3 Desember 2026");
    let day = page("/staff/laporan?periode=hari&tanggal=2026-12-01").await;
    assert_eq!(title(&day), "Selasa, 1 Desember 2026");
    assert_eq!(href(&day, "prev"), "/staff/laporan?periode=hari&tanggal=2026-11-30&poli=");
    assert_eq!(href(&day, "next"), "/staff/laporan?periode=hari&tanggal=2026-12-02&poli=");
    assert_eq!(href(&day, "now"), "/staff/laporan?periode=hari&tanggal=2026-12-03&poli=");
    assert!(day.contains("Hari sebelumnya") && day.contains("Hari berikutnya"));
    assert!(day.contains("Per sesi praktik") && !day.contains("id=\"report-days\""));

    // The week from Monday: per clinic and per day, the same figures as the day's.
    let week = page("/staff/laporan?periode=minggu&tanggal=2026-12-01&poli=ANA").await;
    assert_eq!(title(&week), "30 November – 6 Desember 2026");
    assert_eq!(href(&week, "prev"), "/staff/laporan?periode=minggu&tanggal=2026-11-23&poli=ANA");
    assert_eq!(href(&week, "next"), "/staff/laporan?periode=minggu&tanggal=2026-12-07&poli=ANA");
    assert!(week.contains("Minggu sebelumnya") && week.contains("Per poli"));
    let rows = &week[week.find("id=\"report-rows\"").unwrap()..];
    assert!(rows.contains("Poli Anak") && rows.contains("2 sesi"), "today's and tomorrow's");
    assert!(rows.contains("35 / 80"), "{rows}");
    let days = &week[week.find("id=\"report-days\"").unwrap()..];
    assert_eq!(days[..days.find("</table>").unwrap()].matches("<tr").count(), 8, "7 days");
    assert!(week.contains(
        "href=\"/staff/laporan.xlsx?periode=minggu&#38;tanggal=2026-11-30&#38;poli=ANA\""
    ));
    assert!(week.contains("<div class=\"ticket\">40 / 85</div>"), "the whole visit of the week");

    // The calendar month.
    let month = page("/staff/laporan?periode=bulan&tanggal=2026-12-15").await;
    assert_eq!(title(&month), "Desember 2026");
    assert_eq!(href(&month, "prev"), "/staff/laporan?periode=bulan&tanggal=2026-11-01&poli=");
    assert_eq!(href(&month, "next"), "/staff/laporan?periode=bulan&tanggal=2027-01-01&poli=");
    assert!(month.contains("Bulan sebelumnya") && month.contains("Tanggal dalam bulan"));

    // Any range, moved by its own length.
    let range = page("/staff/laporan?periode=rentang&dari=2026-11-28&sampai=2026-12-01").await;
    assert_eq!(title(&range), "28 November – 1 Desember 2026");
    assert!(range.contains("id=\"dari\"") && range.contains("id=\"sampai\""));
    assert_eq!(
        href(&range, "prev"),
        "/staff/laporan?periode=rentang&dari=2026-11-24&sampai=2026-11-27&poli="
    );
    assert_eq!(
        href(&range, "next"),
        "/staff/laporan?periode=rentang&dari=2026-12-02&sampai=2026-12-05&poli="
    );
    assert!(range.contains("35 / 80"));

    // Longer than a year, or backwards: refused with a clear message.
    let res = app.get("/staff/laporan?periode=rentang&dari=2025-01-01&sampai=2026-12-01").await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("paling lama satu tahun"));
    let res = app.get("/staff/laporan?periode=rentang&dari=2026-12-05&sampai=2026-12-01").await;
    assert_eq!(res.status(), 422);
}

async fn click(b: &Browser, css: &str) {
    b.wait_css(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// The whole page as one screenshot at `width` (the viewport made as tall as the page).
async fn full_page(b: &Browser, width: u32, name: &str) {
    let tall: Value =
        b.client.execute("return document.documentElement.scrollHeight", vec![]).await.unwrap();
    b.viewport(width, tall.as_u64().unwrap().min(6000) as u32).await;
    b.screenshot(name).await;
    b.viewport(width, 800).await;
}

async fn title_of(b: &Browser) -> String {
    b.wait_css("#range-title").await.text().await.unwrap()
}

/// Wait until the range title reads `want` (the page is being replaced after a click).
async fn wait_title(b: &Browser, want: &str) {
    let mut seen = String::new();
    for _ in 0..100 {
        seen = b
            .client
            .execute(
                "const t = document.getElementById('range-title'); return t ? t.textContent : ''",
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_string();
        if seen == want {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("title {seen:?}, wanted {want:?}");
}

#[actix_web::test]
async fn the_report_is_browsed_by_period_in_chromium() {
    let mut app = TestApp::spawn_at(wit(2026, 12, 1, 8, 0)).await;
    let seed = seed(&app);
    app.login_as("kepala", Role::Admin, &[]).await;
    seed_whole_visits(&app, seed.today).await;
    make_staff(&app, "admin", Role::Admin, &[]);
    let b = Browser::start(1280, 800).await;
    b.viewport(1280, 800).await;
    b.client.goto(&app.url("/staff/masuk")).await.unwrap();
    b.wait_css("#username").await.send_keys("admin").await.unwrap();
    b.wait_css("#password").await.send_keys("rahasia-uji").await.unwrap();
    click(&b, "button[type=submit].btn.wide").await;
    b.wait_css("header").await;
    b.client.goto(&app.url("/staff/laporan")).await.unwrap();
    assert_eq!(title_of(&b).await, "Selasa, 1 Desember 2026");
    assert!(b.wait_css("#perjalanan").await.text().await.unwrap().contains("40 / 85"));
    full_page(&b, 1280, "report-day").await;

    click(&b, "nav.tabs a[href*='periode=minggu']").await;
    wait_title(&b, "30 November – 6 Desember 2026").await;
    full_page(&b, 1280, "report-week").await;
    click(&b, "#prev").await;
    wait_title(&b, "23 – 29 November 2026").await;
    click(&b, "#next").await;
    wait_title(&b, "30 November – 6 Desember 2026").await;
    click(&b, "nav.tabs a[href*='periode=bulan']").await;
    wait_title(&b, "Desember 2026").await;
    click(&b, "nav.tabs a[href*='periode=rentang']").await;
    wait_title(&b, "1 – 31 Desember 2026").await;
    let from = b.wait_css("#dari").await;
    b.client.execute("document.getElementById('dari').value = '2026-11-28'", vec![]).await.unwrap();
    b.client
        .execute("document.getElementById('sampai').value = '2026-12-02'", vec![])
        .await
        .unwrap();
    drop(from);
    click(&b, "form.pick button[type=submit]").await;
    wait_title(&b, "28 November – 2 Desember 2026").await;
    let rows = b.wait_css("#report-rows").await.text().await.unwrap();
    assert!(rows.contains("Poli Anak") && rows.contains("35 / 80"), "{rows}");

    // On a phone the page stays within the screen.
    b.viewport(360, 740).await;
    b.client.goto(&app.url("/staff/laporan?periode=minggu&tanggal=2026-12-01")).await.unwrap();
    wait_title(&b, "30 November – 6 Desember 2026").await;
    let wide: Value =
        b.client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
    assert!(wide.as_i64().unwrap() <= 360, "page is {wide} px wide at 360 px");
    full_page(&b, 360, "report-week-360").await;
    b.close().await;
}
