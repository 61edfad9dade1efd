//! The demo's past month (`sipoli::demo::seed_history`): set-based, realistic, anonymous,
//! and silent towards BPJS, SATUSEHAT and patients.
use serde_json::Value;

use crate::helpers::*;

fn scalar(app: &TestApp, sql: &str) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql).get_result::<N>(&mut app.conn()).unwrap().n
}

#[actix_web::test]
async fn the_demo_seeds_a_month_of_past_visits_without_jobs_or_names() {
    let app = TestApp::spawn().await;
    {
        let mut conn = app.conn();
        sipoli::demo::seed_catalogue(&mut conn, app.state.today()).unwrap();
        sipoli::demo::seed_staff(&mut conn).unwrap();
        sipoli::demo::seed_stations(&mut conn).unwrap();
    }
    let started = std::time::Instant::now();
    let seeded =
        sipoli::demo::seed_history(&mut app.conn(), app.state.today(), app.state.tz()).unwrap();
    println!("seed_history: {seeded:?} in {:?}", started.elapsed());
    assert!(seeded.visits > 2000, "{seeded:?}");
    assert!(seeded.events > seeded.visits * 3, "{seeded:?}");
    assert!(seeded.steps > 2500, "{seeded:?}");
    assert_eq!(seeded.step_days, 50, "pharmacy and counter every day: {seeded:?}");

    // Only past days, every clinic, a mix of outcomes and channels; no patient behind them.
    let past = "FROM visits WHERE service_date < DATE '2026-12-01'";
    assert_eq!(scalar(&app, &format!("SELECT count(*) AS n {past}")), seeded.visits);
    assert_eq!(
        scalar(&app, "SELECT count(*) AS n FROM visits WHERE service_date >= DATE '2026-12-01'"),
        0
    );
    assert_eq!(scalar(&app, &format!("SELECT count(DISTINCT clinic_id) AS n {past}")), 14);
    assert_eq!(scalar(&app, &format!("SELECT count(DISTINCT service_date) AS n {past}")), 25);
    assert_eq!(scalar(&app, &format!("SELECT count(*) AS n {past} AND patient_id IS NOT NULL")), 0);
    for (status, low, high) in
        [("done", 0.75, 0.95), ("no_show", 0.02, 0.10), ("cancelled", 0.02, 0.10)]
    {
        let n = scalar(&app, &format!("SELECT count(*) AS n {past} AND status = '{status}'"));
        let share = n as f64 / seeded.visits as f64;
        assert!((low..high).contains(&share), "{status}: {share}");
    }
    for channel in ["online", "jkn", "kiosk", "counter"] {
        let n = scalar(&app, &format!("SELECT count(*) AS n {past} AND channel = '{channel}'"));
        assert!(n > 100, "{channel}: {n}");
    }
    // Times in order: check-in ≤ call ≤ start < finish, inside the day.
    let disorder = scalar(
        &app,
        &format!(
            "SELECT count(*) AS n {past} AND status = 'done' AND NOT (checked_in_at <= called_at \
             AND called_at <= started_at AND started_at < finished_at \
             AND (finished_at AT TIME ZONE 'Asia/Jayapura')::date = service_date)"
        ),
    );
    assert_eq!(disorder, 0);
    // The counters agree with the visits (the quota checks held).
    let off = scalar(
        &app,
        "SELECT count(*) AS n FROM clinic_sessions cs WHERE cs.service_date < DATE '2026-12-01' \
         AND cs.taken_jkn <> (SELECT count(*) FROM visits v WHERE v.session_id = cs.id \
         AND v.payer = 'jkn' AND v.status <> 'cancelled')",
    );
    assert_eq!(off, 0);

    // Nothing goes out for them: no BPJS task, no SATUSEHAT job, no message.
    for table in ["bpjs_tasks", "satusehat_jobs", "notification_jobs"] {
        assert_eq!(app.count(table), 0, "{table}");
    }

    // The reconciliation with BPJS does not ask about them (SIPOLI never reported them).
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let asked = sipoli::service::reconcile::bookings_to_check(&app.state, day).await.unwrap();
    assert_eq!(asked, Vec::<String>::new());

    // The open figures and /kinerja have a month to show.
    let (status, daily) = app.get_json("/api/v1/open/daily?from=2026-11-01&to=2026-11-30").await;
    assert_eq!(status, 200, "{daily}");
    let rows = daily["rows"].as_array().unwrap();
    let served: i64 = rows.iter().filter_map(|r| r["served"].as_i64()).sum();
    assert!(served > 1500, "served {served}");
    let stations: Vec<&Value> = rows.iter().filter(|r| !r["station"].is_null()).collect();
    assert!(!stations.is_empty(), "pharmacy and counter rows");
    let page = app.get("/kinerja").await.text().await.unwrap();
    assert!(!page.contains("9109"), "no NIK on the public page");

    // Again: nothing more (sessions with visits are left alone).
    let again =
        sipoli::demo::seed_history(&mut app.conn(), app.state.today(), app.state.tz()).unwrap();
    assert_eq!(again.visits, 0);
}
