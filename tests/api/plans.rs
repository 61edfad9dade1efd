//! Query plans and round trips of the hot paths. Every statement a booking and a status read
//! send is recorded (diesel instrumentation on the node's pool), counted, and explained as
//! the generic plan a cached prepared statement gets, on a database with 100,000 past
//! visits and 50,000 sent notifications: none scans `visits` or `notification_jobs`.
use std::sync::{Arc, Mutex};

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::json;

use crate::helpers::{TestApp, TestDb, booking_body, default_now, seed, test_settings};

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
    line: String,
}

/// The statements the pool's connections send, in order.
#[derive(Clone, Debug, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Recorder {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl Instrumentation for Recorder {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            self.0.lock().unwrap().push(query.to_string());
        }
    }
}

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for Recorder {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        conn.set_instrumentation(self.clone());
        Ok(())
    }
}

/// Load the history of `benches/past_visits.sql` and analyse the tables.
pub fn load_history(conn: &mut PgConnection, visits: u64) {
    diesel::sql_query(format!("SET sipoli.past_visits = '{visits}'")).execute(conn).unwrap();
    diesel::sql_query("SET sipoli.history_until = '2026-11-30'").execute(conn).unwrap();
    conn.batch_execute(include_str!("../../benches/past_visits.sql")).unwrap();
    conn.batch_execute("ANALYZE").unwrap();
}

/// The generic plan of `sql` (the plan a prepared statement settles on, whatever its
/// parameters), with NULL for each of its parameters.
fn generic_plan(conn: &mut PgConnection, sql: &str) -> String {
    let params = (1..=64).rev().find(|n| sql.contains(&format!("${n}"))).unwrap_or(0);
    conn.batch_execute("DEALLOCATE ALL; SET plan_cache_mode = force_generic_plan").unwrap();
    diesel::sql_query(format!("PREPARE probe AS {sql}"))
        .execute(conn)
        .unwrap_or_else(|e| panic!("prepare {sql}: {e}"));
    let args =
        if params == 0 { String::new() } else { format!("({})", vec!["NULL"; params].join(", ")) };
    let plan: Vec<Line> =
        diesel::sql_query(format!("EXPLAIN EXECUTE probe{args}")).load(conn).unwrap();
    plan.into_iter().map(|l| l.line).collect::<Vec<_>>().join("\n")
}

fn explainable(sql: &str) -> bool {
    let head = sql.trim_start().to_ascii_uppercase();
    ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"].iter().any(|k| head.starts_with(k))
        && !head.starts_with("SELECT 1")
}

/// No statement's plan reads `visits` or `notification_jobs` sequentially.
fn assert_no_scan_of_big_tables(conn: &mut PgConnection, what: &str, statements: &[String]) {
    for sql in statements.iter().filter(|s| explainable(s)) {
        let plan = generic_plan(conn, sql);
        for table in ["visits", "notification_jobs"] {
            assert!(
                !plan.contains(&format!("Seq Scan on {table} ")),
                "{what}: a statement scans {table}:\n{sql}\n{plan}"
            );
        }
    }
}

#[actix_web::test]
async fn booking_and_status_read_no_whole_table_and_few_round_trips() {
    let db = Arc::new(TestDb::new());
    let recorder = Recorder::default();
    let pool = Pool::builder()
        .max_size(4)
        .connection_timeout(std::time::Duration::from_secs(10))
        .connection_customizer(Box::new(recorder.clone()))
        .build(ConnectionManager::new(db.url.clone()))
        .unwrap();
    let app = crate::recovery::node(db.clone(), pool, test_settings(), default_now()).await;
    let seed = seed(&app);
    let mut admin = PgConnection::establish(&db.url).unwrap();
    load_history(&mut admin, 100_000);
    // A few bookings and finished services of today's doctor, so every branch has data.
    let (status, first) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    assert_eq!(status, 201, "{first}");

    recorder.take();
    let mut body = booking_body(seed.tomorrow, 2);
    body["patient"]["email"] = json!("pasien2@example.test");
    let (status, booked) = app.post_json("/api/v1/bookings", &body).await;
    assert_eq!(status, 201, "{booked}");
    let booking = recorder.take();
    let code = booked["booking_code"].as_str().unwrap();
    let (status, standing) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(status, 200, "{standing}");
    let reading = recorder.take();

    println!("a booking: {} round trips", booking.len());
    for s in &booking {
        println!("  {}", s.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    println!("a status read: {} round trips", reading.len());
    for s in &reading {
        println!("  {}", s.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    assert_no_scan_of_big_tables(&mut admin, "booking", &booking);
    assert_no_scan_of_big_tables(&mut admin, "status read", &reading);
    assert!(booking.len() <= BOOKING_ROUND_TRIPS, "{} round trips", booking.len());
    assert!(reading.len() <= STATUS_ROUND_TRIPS, "{} round trips", reading.len());
}

/// The pool's checkout check, BEGIN, the claim (place, number, session, recent services,
/// patient), the count of who is ahead, the visit with its event and outbox rows, COMMIT.
const BOOKING_ROUND_TRIPS: usize = 6;
/// The checkout check and one statement (a visit with a journey reads that too).
const STATUS_ROUND_TRIPS: usize = 3;

#[actix_web::test]
async fn a_doctors_recent_services_are_read_through_indexes() {
    let app = TestApp::spawn().await;
    let mut c = app.conn();
    load_history(&mut c, 100_000);
    let sql = "SELECT v.started_at, v.finished_at
         FROM (SELECT id FROM clinic_sessions WHERE doctor_id = $1 AND service_date <= $2
               ORDER BY service_date DESC, starts_at DESC LIMIT $3) s
         CROSS JOIN LATERAL (
             SELECT started_at, finished_at FROM visits
             WHERE session_id = s.id AND finished_at IS NOT NULL AND started_at IS NOT NULL
             ORDER BY finished_at DESC LIMIT 20) v
         ORDER BY v.finished_at DESC LIMIT 20";
    let plan = generic_plan(&mut c, sql);
    println!("{plan}");
    assert!(plan.contains("clinic_sessions_doctor_date_idx"), "{plan}");
    assert!(plan.contains("visits_session_services_idx"), "{plan}");
}

#[actix_web::test]
async fn waking_the_notification_worker_reads_indexes() {
    let app = TestApp::spawn().await;
    let mut c = app.conn();
    load_history(&mut c, 100_000);
    let recorder = Recorder::default();
    c.set_instrumentation(recorder.clone());
    let now = app.state.now();
    sipoli::db::notifications::bury_abandoned(&mut c, now).unwrap();
    sipoli::db::notifications::claim(&mut c, "w", now, chrono::Duration::seconds(60), 20).unwrap();
    let statements = recorder.take();
    assert_eq!(statements.len(), 2);
    for (sql, index) in
        statements.iter().zip(["notification_jobs_abandoned_idx", "notification_jobs_due_idx"])
    {
        let plan = generic_plan(&mut c, sql);
        println!("{plan}");
        assert!(plan.contains(index), "{sql}\n{plan}");
        assert!(!plan.contains("Seq Scan on notification_jobs"), "{plan}");
    }
}
