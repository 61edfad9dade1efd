//! The staff report as files: CSV for Excel with Indonesian settings (`;`, decimal commas,
//! BOM, formulas neutralised) and `.xlsx` read back with the same figures; ranges of days.
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use sipoli::auth::Role;

use crate::helpers::*;
use crate::open_data::serve_day;

#[actix_web::test]
async fn the_week_opens_in_excel_as_csv_and_as_xlsx_with_the_same_figures() {
    let mut app = TestApp::spawn().await;
    let seed = seed(&app);
    // A doctor name that a spreadsheet would run as a formula.
    diesel::RunQueryDsl::execute(
        diesel::sql_query("UPDATE doctors SET name = '=HYPERLINK(\"http://x\";\"dr. Ruth\")'"),
        &mut app.conn(),
    )
    .unwrap();
    serve_day(&app, seed.today, &[10, 20, 30, 40, 70, 90], false).await;
    app.clock.set(wit(2026, 12, 3, 9, 0));
    app.login_as("admin", Role::Admin, &[]).await;

    let res = app.get("/staff/laporan-excel.csv?tanggal=2026-12-03&periode=minggu").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"].to_str().unwrap().contains("2026-11-30-2026-12-06")
    );
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    println!("{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("Tanggal;Poli;Dokter;Jam;Kunjungan;Dilayani"), "{}", lines[0]);
    let day = lines.iter().find(|l| l.starts_with("2026-12-01;Poli Anak")).unwrap();
    let cells: Vec<&str> = day.split(';').collect();
    assert!(cells[2].starts_with("\"'=HYPERLINK"), "formula neutralised: {day}");
    // Waits 10…90: median 35, p90 80, 4 of 6 within 60 minutes.
    assert!(day.contains(";6;6;0;6;35,0;80,0;5,0;5,0;66,7;"), "{day}");
    assert!(lines.iter().any(|l| l.starts_with("2026-12-02;Poli Anak")), "tomorrow's session too");
    // The sessions end with the total; the whole visit follows after an empty line.
    let gap = lines.iter().position(|l| l.is_empty()).expect("the whole visit after a gap");
    let total = lines[gap - 1];
    assert!(total.starts_with("2026-11-30/2026-12-06;TOTAL"), "{total}");
    assert!(lines[gap + 1].starts_with("Perjalanan kunjungan;"), "{}", lines[gap + 1]);

    let res = app.get("/staff/laporan.xlsx?dari=2026-11-30&sampai=2026-12-06").await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("Laporan").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows[0][0], Data::String("Tanggal".into()));
    let day = rows.iter().find(|r| r[0] == Data::String("2026-12-01".into())).unwrap();
    assert_eq!(day[1], Data::String("Poli Anak".into()));
    assert_eq!(
        day[2],
        Data::String("=HYPERLINK(\"http://x\";\"dr. Ruth\")".into()),
        "a string, not a formula"
    );
    assert_eq!(day[5], Data::Float(6.0));
    assert_eq!(day[8], Data::Float(35.0));
    assert_eq!(day[9], Data::Float(80.0));
    assert_eq!(day[10], Data::Float(5.0));
    assert_eq!(day[12], Data::Float(66.7));
    assert_eq!(rows.last().unwrap()[1], Data::String("TOTAL".into()));
    assert_eq!(rows.len(), gap, "the same lines as the CSV");
    assert!(book.worksheet_range("Perjalanan").is_ok(), "the whole visit on its own sheet");

    // Longer than a year: refused.
    let res = app.get("/staff/laporan.xlsx?dari=2025-01-01&sampai=2026-12-06").await;
    assert_eq!(res.status(), 422);
    // Only staff who see reports.
    let desk = app.token_for("loket", Role::Registration, &[]).await;
    let (status, _) = app
        .send_as(reqwest::Method::GET, "/staff/laporan.xlsx?periode=bulan", Some(&desk), None)
        .await;
    assert_eq!(status, 403);
}
