//! Query plans of the hot paths: read from an index, not by sorting a whole table.
use diesel::RunQueryDsl;

use crate::helpers::TestApp;

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
    line: String,
}

#[actix_web::test]
async fn a_doctors_recent_services_are_read_from_an_index() {
    let app = TestApp::spawn().await;
    let mut c = app.conn();
    // Plans on a tiny table prefer a scan; forbid it to see which index serves the query.
    diesel::sql_query("SET enable_seqscan = off").execute(&mut c).unwrap();
    let plan: Vec<Line> = diesel::sql_query(
        "EXPLAIN SELECT v.started_at, v.finished_at FROM visits v \
         JOIN clinic_sessions s ON s.id = v.session_id \
         WHERE s.doctor_id = 1 AND v.finished_at IS NOT NULL AND v.started_at IS NOT NULL \
         ORDER BY v.finished_at DESC LIMIT 20",
    )
    .load(&mut c)
    .unwrap();
    let plan: Vec<String> = plan.into_iter().map(|l| l.line).collect();
    let text = plan.join("\n");
    println!("{text}");
    assert!(text.contains("visits_recent_services_idx"), "{text}");
    assert!(!text.contains("Seq Scan on visits"), "{text}");
}
