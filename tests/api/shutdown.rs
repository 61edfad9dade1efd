//! Graceful shutdown of the built binary on SIGTERM: SSE clients get a retry hint, a worker
//! stopped in the middle of a batch finishes it, leaves nothing leased and sends nothing twice.
use std::collections::HashMap;
use std::io::BufRead;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::RunQueryDsl;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Notify, watch};

use crate::helpers::*;
use crate::node::{Node, TempDir};

#[actix_web::test]
async fn sse_clients_get_a_retry_hint_and_the_node_exits_cleanly() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let mut node = Node::start(&app.db.url, &["serve", "--no-worker"], &[]).await;
    let res =
        reqwest::get(format!("{}/api/v1/sessions/{}/events", node.base, seed.today)).await.unwrap();
    assert_eq!(res.status(), 200);
    let mut body = res;
    let first = String::from_utf8(body.chunk().await.unwrap().unwrap().to_vec()).unwrap();
    assert!(first.starts_with("retry: "), "{first}");
    node.terminate();
    let mut rest = String::new();
    while let Some(chunk) = body.chunk().await.unwrap() {
        rest.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        rest.contains(&format!("retry: {}\n\n", sipoli::shutdown::RECONNECT_MS)),
        "a short retry before the stream ends: {rest:?}"
    );
    let status = node.wait_exit().await;
    assert!(status.success(), "SIGTERM is a clean stop: {status:?}");
}

/// A stand-in SMS gateway on loopback: records each message's recipient, and holds every
/// request until it is opened.
struct Gateway {
    url: String,
    received: Arc<Mutex<Vec<String>>>,
    first: Arc<Notify>,
    open: watch::Sender<bool>,
}

impl Gateway {
    async fn start() -> Gateway {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sms", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let first = Arc::new(Notify::new());
        let (open, gate) = watch::channel(false);
        let (rec, fst) = (received.clone(), first.clone());
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let (rec, fst, mut gate) = (rec.clone(), fst.clone(), gate.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let body = loop {
                        let n = s.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        let text = String::from_utf8_lossy(&buf).to_string();
                        if let Some(end) = text.find("\r\n\r\n") {
                            let length = text[..end]
                                .lines()
                                .find_map(|l| {
                                    l.to_ascii_lowercase()
                                        .strip_prefix("content-length:")
                                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                                })
                                .unwrap_or(0);
                            if buf.len() >= end + 4 + length {
                                break buf[end + 4..end + 4 + length].to_vec();
                            }
                        }
                    };
                    fst.notify_one();
                    let _ = gate.wait_for(|o| *o).await;
                    let message: serde_json::Value = serde_json::from_slice(&body).unwrap();
                    rec.lock().unwrap().push(message["to"].as_str().unwrap().to_string());
                    let _ = s
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                        )
                        .await;
                });
            }
        });
        Gateway { url, received, first, open }
    }
}

/// `sipoli worker` against the gateway, its log lines (stdout) sent to the returned channel.
fn start_worker(
    dir: &TempDir,
    database_url: &str,
    gateway: &str,
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut child = crate::node::sipoli(&dir.0, database_url)
        .arg("worker")
        .env("SIPOLI_WEBHOOK_URL", gateway)
        .env("SIPOLI_NOTIFY_POLL_SECONDS", "1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stderr = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (child, rx)
}

fn sigterm(child: &std::process::Child) {
    crate::node::sigterm(child.id());
}

async fn wait_for_line(rx: &std::sync::mpsc::Receiver<String>, needle: &str) {
    for _ in 0..600 {
        while let Ok(line) = rx.try_recv() {
            if line.contains(needle) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the worker never logged {needle:?}");
}

async fn wait_exit(child: &mut std::process::Child) -> std::process::ExitStatus {
    for _ in 0..1200 {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    panic!("the worker did not stop");
}

fn job_counts(app: &TestApp) -> (i64, i64, i64) {
    #[derive(diesel::QueryableByName)]
    struct C {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        sent: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        open: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        leased: i64,
    }
    let c: C = diesel::sql_query(
        "SELECT count(*) FILTER (WHERE status = 'sent') AS sent,
                count(*) FILTER (WHERE status IN ('pending', 'failed')) AS open,
                count(*) FILTER (WHERE status IN ('pending', 'failed') AND locked_until IS NOT NULL) AS leased
           FROM notification_jobs",
    )
    .get_result(&mut app.conn())
    .unwrap();
    (c.sent, c.open, c.leased)
}

#[actix_web::test]
async fn sigterm_in_the_middle_of_a_batch_leaves_no_job_leased_and_sends_none_twice() {
    let app = TestApp::spawn().await;
    let seed = seed(&app);
    let (status, _) = app.post_json("/api/v1/bookings", &booking_body(seed.tomorrow, 1)).await;
    assert_eq!(status, 201);
    // 150 due messages to 150 phones (the booking's confirmation, copied): more than the
    // worker's lanes hold at once (LANES batches of 20), so a stop leaves some for the next.
    let mut conn = app.conn();
    diesel::sql_query("DELETE FROM notification_jobs WHERE channel <> 'webhook'")
        .execute(&mut conn)
        .unwrap();
    let copied = diesel::sql_query(
        "INSERT INTO notification_jobs (kind, visit_id, channel, recipient, payload, dedupe_key,
                                        run_at, status, created_at, updated_at)
         SELECT kind, visit_id, channel, '0812999' || lpad(g::text, 5, '0'), payload,
                dedupe_key || '-copy-' || g, run_at, status, created_at, updated_at
           FROM notification_jobs, generate_series(1, 149) g",
    )
    .execute(&mut conn)
    .unwrap();
    assert_eq!(copied, 149);
    diesel::sql_query("UPDATE notification_jobs SET run_at = now() - interval '1 minute'")
        .execute(&mut conn)
        .unwrap();
    drop(conn);

    let gateway = Gateway::start().await;
    let dir = TempDir::new("worker");
    let (mut worker, log) = start_worker(&dir, &app.db.url, &gateway.url);
    // The first batch is being sent (held at the gateway): stop the worker now.
    tokio::time::timeout(Duration::from_secs(120), gateway.first.notified())
        .await
        .expect("the worker sends");
    sigterm(&worker);
    wait_for_line(&log, "stopping").await;
    gateway.open.send_replace(true);
    let status = wait_exit(&mut worker).await;
    assert!(status.success(), "a clean stop: {status:?}");

    let first_run = gateway.received.lock().unwrap().clone();
    let (sent, open, leased) = job_counts(&app);
    println!("first worker: {sent} sent, {open} left for the next, {leased} leased");
    assert!(!first_run.is_empty(), "the batch in flight was finished");
    assert_eq!(sent as usize, first_run.len(), "what reached the gateway is marked sent");
    assert!(open > 0, "the worker stopped before the queue was empty: {sent} sent");
    assert_eq!(leased, 0, "no job is left leased (waiting for its lease to run out)");

    // Another worker takes the rest at once; every phone gets its message exactly once.
    let (mut second, _log) = start_worker(&dir, &app.db.url, &gateway.url);
    for _ in 0..600 {
        if job_counts(&app).0 == 150 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sigterm(&second);
    assert!(wait_exit(&mut second).await.success());
    let all = gateway.received.lock().unwrap().clone();
    let mut times: HashMap<&str, usize> = HashMap::new();
    for to in &all {
        *times.entry(to.as_str()).or_default() += 1;
    }
    assert_eq!(times.len(), 150, "150 phones: {times:?}");
    assert!(times.values().all(|n| *n == 1), "none sent twice: {times:?}");
    assert_eq!(job_counts(&app), (150, 0, 0));
}
