//! Booking benchmark: C concurrent HTTP clients book B visits, spread over S sessions with
//! large quotas, against one node on a fresh database. Prints bookings/s, latency
//! percentiles and whether any invariant broke (overbooking, duplicate or missing ticket
//! numbers, counters out of step with the visits).
//!
//! Then, on the same database and at the same concurrency, it runs pgbench with a booking
//! done in ONE statement (a CTE that claims the place, numbers it and inserts the visit) and
//! prints the ratio; and it reads the status of the booked codes (`GET /api/v1/bookings/{code}`,
//! what every patient's phone polls) and `/healthz` for a few seconds each, and prints both
//! rates and their ratio. `BENCH_PAST_VISITS` first loads that many past visits
//! (`benches/past_visits.sql`), to see the cost stay flat as the history grows.
//!
//! `cargo bench --bench booking` (env: BENCH_CLIENTS=32, BENCH_BOOKINGS=4000,
//! BENCH_SESSIONS=4, BENCH_PAST_VISITS=0, BENCH_READ_SECONDS=5; the database is
//! TEST_DATABASE_URL's server or the managed cluster; pgbench from PATH or the PostgreSQL
//! binaries' directory).
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::TimeZone;
use chrono_tz::Asia::Jayapura;
use diesel::connection::SimpleConnection;
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
            seed_one(conn, &format!("BN{i}"), &prefix, quota)
        })
        .collect()
}

/// One clinic (code, prefix) with one doctor and one session on 2 December 2026.
fn seed_one(conn: &mut PgConnection, code: &str, prefix: &str, quota: usize) -> i32 {
    diesel::sql_query(
                "WITH c AS (INSERT INTO clinics (code, name, prefix) VALUES ($1, $2, $3) RETURNING id),
                      d AS (INSERT INTO doctors (code, name) VALUES ($1, $2) RETURNING id)
                 INSERT INTO clinic_sessions (clinic_id, doctor_id, service_date, starts_at, ends_at,
                     quota_jkn, quota_non_jkn, online_limit)
                 SELECT c.id, d.id, '2026-12-02', '08:00', '23:00', 0, $4, $4 FROM c, d
                 RETURNING id::bigint AS n",
            )
            .bind::<diesel::sql_types::Text, _>(code)
            .bind::<diesel::sql_types::Text, _>(format!("Poli Bench {code}"))
            .bind::<diesel::sql_types::Text, _>(prefix)
            .bind::<Integer, _>(quota as i32)
            .get_result::<Row>(conn)
            .expect("seed session")
            .n as i32
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
    let past = env_or("BENCH_PAST_VISITS", 0);
    if past > 0 {
        let started = Instant::now();
        diesel::sql_query(format!("SET sipoli.past_visits = '{past}'"))
            .execute(&mut conn)
            .expect("set");
        diesel::sql_query("SET sipoli.history_until = '2026-11-30'")
            .execute(&mut conn)
            .expect("set");
        conn.batch_execute(include_str!("past_visits.sql")).expect("past visits");
        conn.batch_execute("VACUUM ANALYZE").expect("analyze");
        println!("loaded {past} past visits in {:.1} s", started.elapsed().as_secs_f64());
    }

    // Whatever the environment says, with the benchmark's own pool size and zone.
    let mut settings = Settings::from_env().expect("settings");
    settings.database_url = None;
    settings.timezone = Jayapura;
    settings.secret_key = Secret::new("bench");
    settings.pool_size = 16;
    // The benchmark's clients all share one address: no rate limit applies.
    let off = sipoli::limits::Rate::OFF;
    settings.limits = sipoli::limits::LimitSettings {
        bookings: off,
        status_reads: off,
        cancels: off,
        logins: off,
        kiosk: off,
        ..Default::default()
    };
    let now = Jayapura.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).single().expect("time");
    let clock = FixedClock::new(now.to_utc());
    let pool = db::pool(&url, settings.pool_size).expect("pool");
    let state = AppState::new(pool, settings, Arc::new(clock));

    let read_seconds = env_or("BENCH_READ_SECONDS", 5) as u64;
    let codes_url = url.clone();
    let (elapsed, mut latencies, failures, reads) =
        actix_web::rt::System::new().block_on(async move {
            // The node listens for visit events, as `sipoli serve` does: its status
            // projection (`service::standing_cache`) is fed by them.
            state.live.listen(codes_url.clone());
            while !state.live.is_listening() {
                actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            }
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
            let application = app::build(state, listener).expect("build");
            let root = format!("http://127.0.0.1:{}", application.port);
            let base = format!("{root}/api/v1/bookings");
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
            let elapsed = started.elapsed();
            let codes = booking_codes(&codes_url);
            let window = Duration::from_secs(read_seconds);
            let by_code = move |i: usize| format!("{base}/{}", codes[i % codes.len()]);
            let status = hammer(&client, clients, window, by_code).await;
            let health = hammer(&client, clients, window, move |_| format!("{root}/healthz")).await;
            (elapsed, all, failures, (status, health))
        });

    latencies.sort();
    let ok = latencies.len();
    // The benchmark's own day only: past visits (BENCH_PAST_VISITS) are someone else's.
    let visits =
        scalar(&mut conn, "SELECT count(*) AS n FROM visits WHERE service_date = '2026-12-02'");
    let duplicates = scalar(
        &mut conn,
        "SELECT count(*) AS n FROM (SELECT clinic_id, queue_number FROM visits
         WHERE service_date = '2026-12-02' GROUP BY 1, 2 HAVING count(*) > 1) d",
    );
    let gaps = scalar(
        &mut conn,
        "SELECT count(*) AS n FROM (SELECT clinic_id FROM visits
         WHERE service_date = '2026-12-02' GROUP BY 1 HAVING max(queue_number) <> count(*)) g",
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
    let (status, health) = reads;
    println!(
        "  status reads   {status:.0}/s by booking code, /healthz {health:.0}/s → ratio {:.2}",
        status / health.max(1e-9)
    );
    let rate = ok as f64 / elapsed.as_secs_f64();
    match pgbench_cte(&url, &mut conn, clients, read_seconds.max(5)) {
        Ok(tps) => println!(
            "  pgbench        one-statement CTE booking {tps:.0}/s at {clients} clients → \
             ratio {:.2}",
            rate / tps.max(1e-9)
        ),
        Err(e) => println!("  pgbench        not run: {e}"),
    }
    drop(conn);
    let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin);
    if broken {
        std::process::exit(1);
    }
}

/// The booking codes made by the run.
fn booking_codes(url: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Code {
        #[diesel(sql_type = diesel::sql_types::Text)]
        booking_code: String,
    }
    let mut conn = PgConnection::establish(url).expect("connect");
    let codes: Vec<Code> = diesel::sql_query(
        "SELECT booking_code FROM visits WHERE service_date = '2026-12-02' ORDER BY id",
    )
    .load(&mut conn)
    .expect("codes");
    codes.into_iter().map(|c| c.booking_code).collect()
}

/// `clients` loops of GET `url(i)` for `window`: answers 200 per second.
async fn hammer(
    client: &reqwest::Client,
    clients: usize,
    window: Duration,
    url: impl Fn(usize) -> String + Clone + 'static,
) -> f64 {
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let loops: Vec<_> = (0..clients)
        .map(|_| {
            let (client, next, url) = (client.clone(), next.clone(), url.clone());
            actix_web::rt::spawn(async move {
                let mut ok = 0usize;
                while started.elapsed() < window {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    match client.get(url(i)).send().await {
                        Ok(r) if r.status() == 200 => {
                            let _ = r.bytes().await;
                            ok += 1;
                        }
                        Ok(r) => eprintln!("GET {}: {}", url(i), r.status()),
                        Err(e) => eprintln!("GET {}: {e}", url(i)),
                    }
                }
                ok
            })
        })
        .collect();
    let mut ok = 0;
    for l in loops {
        ok += l.await.expect("loop");
    }
    ok as f64 / started.elapsed().as_secs_f64()
}

/// pgbench's own transactions per second for a booking written as ONE statement: claim the
/// place, take the number, insert the visit (`clients` connections, `seconds` long), on
/// a session of its own with room for every booking.
fn pgbench_cte(
    url: &str,
    conn: &mut PgConnection,
    clients: usize,
    seconds: u64,
) -> Result<f64, String> {
    let session = seed_one(conn, "PGB", "PGB", 10_000_000);
    conn.batch_execute("CREATE SEQUENCE IF NOT EXISTS pgbench_codes START 3000000000")
        .map_err(|e| e.to_string())?;
    let script = std::env::temp_dir().join(format!("sipoli-cte-{}.sql", std::process::id()));
    std::fs::write(
        &script,
        "WITH s AS (UPDATE clinic_sessions SET taken_non_jkn = taken_non_jkn + 1, \
             taken_online = taken_online + 1 \
           WHERE id = :session AND status = 'open' AND taken_non_jkn < quota_non_jkn \
             AND taken_online < online_limit RETURNING id, clinic_id, service_date), \
         n AS (INSERT INTO ticket_counters (clinic_id, service_date, last_number) \
           SELECT clinic_id, service_date, 1 FROM s \
           ON CONFLICT (clinic_id, service_date) \
           DO UPDATE SET last_number = ticket_counters.last_number + 1 \
           RETURNING last_number) \
         INSERT INTO visits (session_id, clinic_id, service_date, payer, channel, booking_code, \
             queue_number, ticket, status, sort_key, estimated_at, created_at, updated_at) \
         SELECT s.id, s.clinic_id, s.service_date, 'non_jkn', 'online', \
             upper(to_hex(nextval('pgbench_codes'))), n.last_number, \
             'PGB-' || n.last_number, 'booked', n.last_number, now(), now(), now() \
         FROM s, n ON CONFLICT DO NOTHING;\n",
    )
    .map_err(|e| e.to_string())?;
    let pgbench = pgbench_program();
    let out = std::process::Command::new(&pgbench)
        .args(["-n", "-c", &clients.to_string(), "-j", "2", "-T", &seconds.to_string()])
        .args(["-D", &format!("session={session}"), "-f"])
        .arg(&script)
        .arg(url)
        .output()
        .map_err(|e| format!("{}: {e}", pgbench.display()))?;
    let _ = std::fs::remove_file(&script);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    text.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("{text}{}", String::from_utf8_lossy(&out.stderr)))
}

fn pgbench_program() -> std::path::PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).map(|d| d.join("pgbench")).collect::<Vec<_>>());
    let installed = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|d| d.path().join("bin/pgbench"));
    on_path.chain(installed).find(|p| p.exists()).unwrap_or_else(|| "pgbench".into())
}
