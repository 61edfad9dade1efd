//! SSE fan-out benchmark: N concurrent clients on one node, K calls; prints connect time,
//! delivery latency (staff call → event at every client, p50/p99/max) and memory.
//!
//! ```sh
//! cargo run --release --example sse_bench -- 2000 20     # clients, calls
//! cargo run --example sse_bench -- 200 5                  # debug build, smaller
//! ```
//!
//! It uses `DATABASE_URL` or the managed cluster under `var/pg`, in a database of its own
//! (`sipoli_sse_bench`, dropped and made afresh each run). The clients run in a second
//! process (this program started again with `--clients PORT SESSION N`), so the node's
//! memory figure is the node's alone and each process stays under its open-file limit
//! (`ulimit -n` above N + 100). Each client is a plain TCP connection reading the stream.
//! Delivery times are taken on the system clock of both processes (same machine). The
//! clients' process reads the streams on a multi-threaded runtime (one thread per core).
#![expect(clippy::unwrap_used, reason = "a benchmark: any failure should stop it loudly")]

use std::error::Error;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveTime, TimeZone};
use diesel::prelude::*;
use serde_json::{Value, json};
use sipoli::app::{self, AppState};
use sipoli::auth::Role;
use sipoli::clock::FixedClock;
use sipoli::config::Settings;
use sipoli::db::{self, schema::*};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

const DB_NAME: &str = "sipoli_sse_bench";

fn rss_kib() -> u64 {
    rss_at("/proc/self/status")
}

fn rss_of(pid: u32) -> u64 {
    rss_at(&format!("/proc/{pid}/status"))
}

fn rss_at(path: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The same server as `url`, another database.
fn with_database(url: &str, name: &str) -> String {
    let cut = url.rfind('/').unwrap();
    let (head, tail) = url.split_at(cut);
    let query = tail.find('?').map(|i| &tail[i..]).unwrap_or("");
    format!("{head}/{name}{query}")
}

/// A fresh bench database with one clinic, one doctor, one session with room for `calls`.
fn prepare(url: &str, calls: i32) -> Result<(String, i32), Box<dyn Error>> {
    let mut admin = PgConnection::establish(url)?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"))
        .execute(&mut admin)?;
    diesel::sql_query(format!("CREATE DATABASE {DB_NAME}")).execute(&mut admin)?;
    let bench_url = with_database(url, DB_NAME);
    let mut c = PgConnection::establish(&bench_url)?;
    db::migrate(&mut c)?;
    let clinic: i32 = diesel::insert_into(clinics::table)
        .values((
            clinics::code.eq("BEN"),
            clinics::name.eq("Poli Uji Beban"),
            clinics::prefix.eq("Z"),
            clinics::room.eq("Ruang 9"),
        ))
        .returning(clinics::id)
        .get_result(&mut c)?;
    let doctor: i32 = diesel::insert_into(doctors::table)
        .values((doctors::code.eq("DBEN"), doctors::name.eq("dr. Uji"), doctors::bpjs_code.eq(1)))
        .returning(doctors::id)
        .get_result(&mut c)?;
    let session: i32 = diesel::insert_into(clinic_sessions::table)
        .values((
            clinic_sessions::clinic_id.eq(clinic),
            clinic_sessions::doctor_id.eq(doctor),
            clinic_sessions::service_date.eq(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
            clinic_sessions::starts_at.eq(NaiveTime::from_hms_opt(8, 0, 0).unwrap()),
            clinic_sessions::ends_at.eq(NaiveTime::from_hms_opt(12, 0, 0).unwrap()),
            clinic_sessions::quota_jkn.eq(0),
            clinic_sessions::quota_non_jkn.eq(calls),
            clinic_sessions::online_limit.eq(0),
        ))
        .returning(clinic_sessions::id)
        .get_result(&mut c)?;
    sipoli::service::staff::upsert_user(
        &mut c,
        "bench",
        "Bench",
        "bench-password",
        Role::Clinic,
        &["BEN".into()],
    )?;
    Ok((bench_url, session))
}

/// Microseconds since the epoch: comparable between the node's and the clients' processes.
fn unix_micros() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_micros()
}

/// One SSE client: connect, report when the stream is open, then report every call event.
async fn client(
    port: u16,
    session: i32,
    ready: mpsc::UnboundedSender<Duration>,
    calls: mpsc::UnboundedSender<(String, u128)>,
) {
    let started = Instant::now();
    let mut stream = match TcpStream::connect(("127.0.0.1", port)).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("connect: {e}");
            return;
        }
    };
    let request = format!(
        "GET /api/v1/sessions/{session}/events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).await.is_err() {
        return;
    }
    let mut buf = vec![0u8; 4096];
    let mut text = String::new();
    let mut open = false;
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let at = unix_micros();
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
        if !open && text.contains(": sipoli") {
            open = true;
            let _ = ready.send(started.elapsed());
        }
        while let Some(i) = text.find("data: ") {
            let Some(end) = text[i..].find('\n') else { break };
            let line = text[i + 6..i + end].to_string();
            text.drain(..i + end);
            // No JSON parsing: one thread reads every client's stream.
            if line.contains("\"kind\":\"call\"")
                && let Some(i) = line.find("\"ticket\":\"")
                && let Some(len) = line[i + 10..].find('"')
            {
                let _ = calls.send((line[i + 10..i + 10 + len].to_string(), at));
            }
        }
        if text.len() > 64 * 1024 {
            text.clear();
        }
    }
}

/// The clients' process: open `n` streams, say when they are open (`open COUNT TOTAL_MS P50_MS
/// P99_MS`), then for each call ticket say when every client has it (`got TICKET COUNT`), and
/// at the end every delivery time (`times TICKET MICROS…`, one line per ticket).
async fn clients_process(port: u16, session: i32, n: usize, rounds: usize) {
    use std::io::Write;
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
    let (calls_tx, mut calls_rx) = mpsc::unbounded_channel();
    let all = Instant::now();
    for _ in 0..n {
        tokio::spawn(client(port, session, ready_tx.clone(), calls_tx.clone()));
    }
    drop((ready_tx, calls_tx));
    let mut connects = Vec::with_capacity(n);
    while connects.len() < n {
        match tokio::time::timeout(Duration::from_secs(30), ready_rx.recv()).await {
            Ok(Some(d)) => connects.push(d),
            _ => break,
        }
    }
    let total = all.elapsed();
    connects.sort();
    let mut out = std::io::stdout();
    writeln!(
        out,
        "open {} {:.1} {:.1} {:.1}",
        connects.len(),
        total.as_secs_f64() * 1000.0,
        percentile(&connects, 0.5).as_secs_f64() * 1000.0,
        percentile(&connects, 0.99).as_secs_f64() * 1000.0
    )
    .unwrap();
    out.flush().unwrap();
    let open = connects.len();
    let mut times: Vec<(String, Vec<u128>)> = Vec::new();
    while times.len() < rounds || times.last().is_some_and(|(_, t)| t.len() < open) {
        match tokio::time::timeout(Duration::from_secs(15), calls_rx.recv()).await {
            Ok(Some((ticket, at))) => {
                let i = match times.iter().position(|(t, _)| *t == ticket) {
                    Some(i) => i,
                    None => {
                        times.push((ticket.clone(), Vec::with_capacity(open)));
                        times.len() - 1
                    }
                };
                times[i].1.push(at);
                if times[i].1.len() == open {
                    writeln!(out, "got {ticket} {open}").unwrap();
                    out.flush().unwrap();
                }
            }
            _ => break,
        }
    }
    for (ticket, at) in &times {
        let list: Vec<String> = at.iter().map(|t| t.to_string()).collect();
        writeln!(out, "times {ticket} {}", list.join(" ")).unwrap();
    }
    writeln!(out, "end").unwrap();
    out.flush().unwrap();
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("--clients") {
        let mut n = args.skip(1).map(|a| a.parse::<usize>().unwrap());
        let (port, session, clients, rounds) =
            (n.next().unwrap(), n.next().unwrap(), n.next().unwrap(), n.next().unwrap());
        // One thread per core reads the streams, so the clients are not the bottleneck.
        // (`SSE_BENCH_CLIENT_THREADS=1`: one thread, as before, for comparison.)
        let threads = std::env::var("SSE_BENCH_CLIENT_THREADS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()?
            .block_on(clients_process(port as u16, session as i32, clients, rounds));
        return Ok(());
    }
    actix_web::rt::System::new().block_on(node(args))
}

/// The node: the server, the database, the calls; the clients run in a second process.
async fn node(
    mut args: std::iter::Peekable<impl Iterator<Item = String>>,
) -> Result<(), Box<dyn Error>> {
    let clients: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let rounds: i32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let settings = Settings::from_env()?;
    let url = settings.resolve_database_url()?;
    let (bench_url, session) = prepare(&url, rounds)?;

    let clock = FixedClock::new(
        chrono_tz::Asia::Jayapura.with_ymd_and_hms(2026, 12, 1, 8, 30, 0).unwrap().to_utc(),
    );
    let pool = db::pool(&bench_url, 10)?;
    let state = AppState::new(pool, settings, Arc::new(clock));
    state.live.listen(bench_url.clone());
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let application = app::build(state.clone(), listener)?;
    let port = application.port;
    let server = application.server.handle();
    actix_web::rt::spawn(application.server);
    while !state.live.is_listening() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    // Walk-in tickets come from a paired kiosk only.
    let pairing = sipoli::domain::booking_code::BookingCode::generate();
    let now = state.now();
    sipoli::db::kiosks::insert(
        &mut PgConnection::establish(&bench_url)?,
        "Anjungan Bench",
        &[],
        pairing.as_str(),
        now + chrono::Duration::minutes(15),
        None,
        now,
    )?;
    let paired: Value = http
        .post(format!("{base}/api/v1/kiosk/pair"))
        .json(&json!({"pairing_code": pairing.as_str()}))
        .send()
        .await?
        .json()
        .await?;
    let kiosk = format!("Kiosk {}", paired["token"].as_str().unwrap());
    for _ in 0..rounds {
        let res = http
            .post(format!("{base}/api/v1/kiosk/tickets"))
            .header("Authorization", &kiosk)
            .json(&json!({"session_id": session, "payer": "non_jkn"}))
            .send()
            .await?;
        assert_eq!(res.status(), 201, "walk-in ticket");
    }
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "bench", "password": "bench-password"}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().unwrap().to_string();

    let rss_before = rss_kib();
    // The clients: this program again, as a second process.
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .args(["--clients", &port.to_string(), &session.to_string()])
        .args([clients.to_string(), rounds.to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let child_pid = child.id();
    let (lines_tx, mut lines) = mpsc::unbounded_channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let next_line = async |lines: &mut mpsc::UnboundedReceiver<String>, secs: u64| {
        tokio::time::timeout(Duration::from_secs(secs), lines.recv()).await.ok().flatten()
    };
    let open_line = next_line(&mut lines, 120).await.unwrap_or_default();
    let open: Vec<f64> = open_line.split_whitespace().skip(1).map(|x| x.parse().unwrap()).collect();
    let connected = open.first().copied().unwrap_or(0.0) as usize;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_connected = rss_kib();
    let clients_rss = rss_of(child_pid);

    let mut called_at: Vec<(String, u128)> = Vec::new();
    for _ in 0..rounds {
        let t0 = unix_micros();
        let called: Value = http
            .post(format!("{base}/api/v1/staff/sessions/{session}/call-next"))
            .bearer_auth(&token)
            .json(&json!({}))
            .send()
            .await?
            .json()
            .await?;
        let ticket = called["ticket"].as_str().unwrap_or_default().to_string();
        called_at.push((ticket.clone(), t0));
        // The next call once every client has this one (or after 10 s).
        while let Some(line) = next_line(&mut lines, 10).await {
            if line.starts_with(&format!("got {ticket} ")) {
                break;
            }
        }
    }
    let mut latencies: Vec<Duration> = Vec::with_capacity(clients * rounds as usize);
    let mut missing = 0usize;
    while let Some(line) = next_line(&mut lines, 60).await {
        if line == "end" {
            break;
        }
        let mut parts = line.split_whitespace();
        if parts.next() != Some("times") {
            continue;
        }
        let ticket = parts.next().unwrap_or_default();
        let Some((_, t0)) = called_at.iter().find(|(t, _)| t == ticket) else { continue };
        let before = latencies.len();
        latencies.extend(
            parts
                .map(|at| at.parse::<u128>().unwrap())
                .map(|at| Duration::from_micros(at.saturating_sub(*t0) as u64)),
        );
        missing += connected.saturating_sub(latencies.len() - before);
    }
    let _ = child.wait();
    let connects_total = Duration::from_secs_f64(open.get(1).copied().unwrap_or(0.0) / 1000.0);
    let connect_p50 = Duration::from_secs_f64(open.get(2).copied().unwrap_or(0.0) / 1000.0);
    let connect_p99 = Duration::from_secs_f64(open.get(3).copied().unwrap_or(0.0) / 1000.0);
    latencies.sort();

    println!(
        "SSE fan-out on one node ({} build)",
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    println!("clients connected      {connected} of {clients} (in a second process)");
    println!(
        "connect                all in {}, per client p50 {} p99 {}",
        ms(connects_total),
        ms(connect_p50),
        ms(connect_p99)
    );
    println!(
        "call → delivery        {} deliveries over {rounds} calls: p50 {} p99 {} max {}{}",
        latencies.len(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
        if missing > 0 { format!(" ({missing} not delivered)") } else { String::new() }
    );
    let grown = rss_connected.saturating_sub(rss_before);
    println!(
        "node memory (RSS)      {} MiB before clients, {} MiB with them: +{} KiB, {:.1} KiB per client (the node alone)",
        rss_before / 1024,
        rss_connected / 1024,
        grown,
        grown as f64 / connected.max(1) as f64
    );
    println!("clients' process RSS   {} MiB", clients_rss / 1024);
    server.stop(false).await;
    let mut admin = PgConnection::establish(&url)?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"))
        .execute(&mut admin)?;
    Ok(())
}
