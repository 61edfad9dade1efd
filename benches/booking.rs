//! Booking benchmark: C concurrent HTTP clients book B visits, spread over S sessions with
//! large quotas, against one node on a fresh database. Prints bookings/s, latency
//! percentiles and whether any invariant broke (overbooking, duplicate or missing ticket
//! numbers, counters out of step with the visits).
//!
//! `cargo bench --bench booking` (env: BENCH_CLIENTS=32, BENCH_BOOKINGS=4000,
//! BENCH_SESSIONS=4; the database is TEST_DATABASE_URL's server or the managed cluster).
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::TimeZone;
use chrono_tz::Asia::Jayapura;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};
use serde_json::json;
use sipoli::app::{self, AppState};
use sipoli::clock::FixedClock;
use sipoli::config::{Secret, Settings};
use sipoli::db;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn server_url() -> String {
    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        return url;
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let local = db::local::LocalPg::new(root).expect("PostgreSQL server programs");
    local.ensure_running().expect("managed PostgreSQL starts")
}

fn with_database(url: &str, name: &str) -> String {
    let (head, _) = url.split_at(url.rfind('/').expect("a URL with a database"));
    format!("{head}/{name}")
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn scalar(conn: &mut PgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Row>(conn).expect(sql).n
}

/// S clinics, one doctor each, one session each on 2 December 2026, 08:00–23:00 WIT.
fn seed(conn: &mut PgConnection, sessions: usize, quota: usize) -> Vec<i32> {
    (0..sessions)
        .map(|i| {
            let prefix: String = ["A", "B", "C", "D", "E", "F", "G", "H"][i % 8].repeat(1 + i / 8);
            diesel::sql_query(
                "WITH c AS (INSERT INTO clinics (code, name, prefix) VALUES ($1, $2, $3) RETURNING id),
                      d AS (INSERT INTO doctors (code, name) VALUES ($1, $2) RETURNING id)
                 INSERT INTO clinic_sessions (clinic_id, doctor_id, service_date, starts_at, ends_at,
                     quota_jkn, quota_non_jkn, online_limit)
                 SELECT c.id, d.id, '2026-12-02', '08:00', '23:00', 0, $4, $4 FROM c, d
                 RETURNING id::bigint AS n",
            )
            .bind::<diesel::sql_types::Text, _>(format!("BN{i}"))
            .bind::<diesel::sql_types::Text, _>(format!("Poli Bench {i}"))
            .bind::<diesel::sql_types::Text, _>(prefix)
            .bind::<Integer, _>(quota as i32)
            .get_result::<Row>(conn)
            .expect("seed session")
            .n as i32
        })
        .collect()
}

fn body(session_id: i32, i: usize) -> serde_json::Value {
    json!({
        "session_id": session_id,
        "payer": "non_jkn",
        "patient": {
            "nik": format!("9109{:02}170590{:04}", 1 + (i / 9999) % 99, 1 + i % 9999),
            "name": format!("Pasien Uji {i}"),
            "birth_date": "1990-05-17",
            "phone": "081234567890",
        }
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let clients = env_or("BENCH_CLIENTS", 32);
    let bookings = env_or("BENCH_BOOKINGS", 4000);
    let session_count = env_or("BENCH_SESSIONS", 4).clamp(1, 64);
    let server = server_url();
    let name = format!("sipoli_bench_{}", &sipoli::config::random_key()[..12]);
    let mut admin = PgConnection::establish(&server).expect("connect");
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create db");
    let url = with_database(&server, &name);
    let mut conn = PgConnection::establish(&url).expect("connect bench db");
    db::migrate(&mut conn).expect("migrate");
    // Each session can take every booking: no refusals, so every request does the full work.
    let sessions = seed(&mut conn, session_count, bookings);

    // Whatever the environment says, with the benchmark's own pool size and zone.
    let mut settings = Settings::from_env().expect("settings");
    settings.database_url = None;
    settings.timezone = Jayapura;
    settings.secret_key = Secret::new("bench");
    settings.pool_size = 16;
    let now = Jayapura.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).single().expect("time");
    let clock = FixedClock::new(now.to_utc());
    let pool = db::pool(&url, settings.pool_size).expect("pool");
    let state = AppState::new(pool, settings, Arc::new(clock));

    let (elapsed, mut latencies, failures) = actix_web::rt::System::new().block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let application = app::build(state, listener).expect("build");
        let base = format!("http://127.0.0.1:{}/api/v1/bookings", application.port);
        actix_web::rt::spawn(application.server);
        let client =
            reqwest::Client::builder().pool_max_idle_per_host(clients).build().expect("client");
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let sessions = Arc::new(sessions);
        let started = Instant::now();
        let workers: Vec<_> = (0..clients)
            .map(|_| {
                let (client, base, next, sessions) =
                    (client.clone(), base.clone(), next.clone(), sessions.clone());
                actix_web::rt::spawn(async move {
                    let mut lat = Vec::new();
                    let mut failed = 0usize;
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= bookings {
                            break;
                        }
                        let t = Instant::now();
                        let res = client
                            .post(&base)
                            .json(&body(sessions[i % sessions.len()], i))
                            .send()
                            .await;
                        match res {
                            Ok(r) if r.status() == 201 => lat.push(t.elapsed()),
                            Ok(r) => {
                                failed += 1;
                                eprintln!(
                                    "booking {i}: {} {}",
                                    r.status(),
                                    r.text().await.unwrap_or_default()
                                );
                            }
                            Err(e) => {
                                failed += 1;
                                eprintln!("booking {i}: {e}");
                            }
                        }
                    }
                    (lat, failed)
                })
            })
            .collect();
        let mut all = Vec::new();
        let mut failures = 0;
        for w in workers {
            let (lat, failed) = w.await.expect("worker");
            all.extend(lat);
            failures += failed;
        }
        (started.elapsed(), all, failures)
    });

    latencies.sort();
    let ok = latencies.len();
    let visits = scalar(&mut conn, "SELECT count(*) AS n FROM visits");
    let duplicates = scalar(
        &mut conn,
        "SELECT count(*) AS n FROM (SELECT clinic_id, queue_number FROM visits
         GROUP BY 1, 2 HAVING count(*) > 1) d",
    );
    let gaps = scalar(
        &mut conn,
        "SELECT count(*) AS n FROM (SELECT clinic_id FROM visits GROUP BY 1
         HAVING max(queue_number) <> count(*)) g",
    );
    let counters_off = scalar(
        &mut conn,
        "SELECT count(*) AS n FROM clinic_sessions s WHERE taken_non_jkn <>
         (SELECT count(*) FROM visits v WHERE v.session_id = s.id)",
    );
    println!(
        "booking benchmark: {clients} clients, {bookings} bookings over {session_count} sessions"
    );
    println!("  created        {ok} (failed {failures})");
    println!("  elapsed        {:.2} s", elapsed.as_secs_f64());
    println!("  throughput     {:.0} bookings/s", ok as f64 / elapsed.as_secs_f64());
    println!(
        "  latency        p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.90).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        percentile(&latencies, 1.0).as_secs_f64() * 1e3,
    );
    let broken = visits != ok as i64 || duplicates > 0 || gaps > 0 || counters_off > 0;
    println!(
        "  invariants     visits {visits} = created {ok}; duplicate numbers {duplicates}; \
         clinics with gaps {gaps}; counters out of step {counters_off} → {}",
        if broken { "BROKEN" } else { "ok" }
    );
    drop(conn);
    let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin);
    if broken {
        std::process::exit(1);
    }
}
