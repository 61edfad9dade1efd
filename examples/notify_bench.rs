//! Notification throughput: N queued email jobs drained by two workers (each on its own
//! thread, with its own connection pool, as two processes would be) into an SMTP server on
//! loopback. Prints jobs per second and how many recipients got more than one message; then
//! what the SMTP sink itself accepts per second (lettre alone, many senders on one pooled
//! transport, no database), and the ratio of the two.
//!
//! ```sh
//! cargo run --example notify_bench            # 10 000 jobs
//! cargo run --example notify_bench -- 2000    # fewer
//! ```
//! Uses `TEST_DATABASE_URL` or the managed cluster under `var/pg`, in a database of its own
//! that is dropped at the end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/api/smtp_server.rs"]
#[allow(dead_code)]
mod smtp_server;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{NaiveDate, NaiveTime, Utc};
use diesel::prelude::*;
use sipoli::app::AppState;
use sipoli::clock::SystemClock;
use sipoli::config::{Secret, Settings};
use sipoli::db;
use sipoli::jobs::Worker;
use sipoli::jobs::queue::{self, NewJob};
use sipoli::jobs::triggers::Facts;

fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        db::local::LocalPg::new(root).unwrap().ensure_running().unwrap()
    })
}

fn with_database(url: &str, name: &str) -> String {
    let (head, tail) = url.split_at(url.rfind('/').unwrap());
    let query = tail.find('?').map(|i| &tail[i..]).unwrap_or("");
    format!("{head}/{name}{query}")
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let server = server_url();
    let name = format!("sipoli_bench_{}", &sipoli::config::random_key()[..10]);
    let mut admin = PgConnection::establish(&server).unwrap();
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).unwrap();
    let url = with_database(&server, &name);
    db::migrate(&mut PgConnection::establish(&url).unwrap()).unwrap();

    // The SMTP server runs on a runtime of its own.
    let smtp_runtime = tokio::runtime::Runtime::new().unwrap();
    let smtp = smtp_runtime.block_on(smtp_server::SmtpServer::start());

    let facts = Facts {
        booking_code: "7KQ2M9XA".into(),
        ticket: "B-007".into(),
        clinic: "Poli Anak".into(),
        clinic_en: "Paediatrics".into(),
        doctor: "dr. Ruth Kogoya, Sp.A".into(),
        date: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
        starts_at: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        ends_at: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
        room: "Ruang 2".into(),
        estimated_at: Utc::now(),
        language: "id".into(),
        position: Some(3),
        note: None,
        walk_in: false,
        for_whom: None,
        notice: None,
        offer_token: None,
    };
    let payload = serde_json::to_value(&facts).unwrap();
    let now = Utc::now();
    let mut conn = PgConnection::establish(&url).unwrap();
    let jobs: Vec<NewJob> = (0..n)
        .map(|i| NewJob {
            kind: "turn_approaching".into(),
            visit_id: None,
            channel: "email".into(),
            recipient: format!("pasien{i}@bench.test"),
            payload: payload.clone(),
            dedupe_key: format!("bench:{i}"),
            run_at: now,
            created_at: now,
            updated_at: now,
        })
        .collect();
    for chunk in jobs.chunks(2000) {
        queue::enqueue(&mut conn, chunk).unwrap();
    }
    println!("{n} jobs queued; 2 workers draining into SMTP on 127.0.0.1:{}", smtp.port);

    let started = Instant::now();
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (url, smtp_url) = (url.clone(), smtp.url());
            std::thread::spawn(move || {
                let mut settings = Settings::from_env().unwrap();
                settings.database_url = Some(Secret::new(url.clone()));
                settings.jobs.smtp_url = Some(Secret::new(smtp_url));
                settings.jobs.batch_size = 50;
                let pool = db::pool(&url, 4).unwrap();
                actix_web::rt::System::new().block_on(async move {
                    let state = AppState::new(pool, settings, Arc::new(SystemClock));
                    let worker = Worker::new(state).unwrap();
                    let pass = worker.run_until_empty().await.unwrap();
                    drop(worker);
                    // Let the SMTP pool close its connections inside the runtime.
                    actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
                    pass
                })
            })
        })
        .collect();
    let passes: Vec<_> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let elapsed = started.elapsed();

    let messages = smtp.messages();
    let mut per_recipient: HashMap<String, usize> = HashMap::new();
    for m in &messages {
        for to in &m.to {
            *per_recipient.entry(to.clone()).or_default() += 1;
        }
    }
    let duplicates: usize = per_recipient.values().filter(|&&c| c > 1).map(|c| c - 1).sum();
    let sent: i64 = sipoli::db::schema::notification_jobs::table
        .filter(sipoli::db::schema::notification_jobs::status.eq("sent"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    println!(
        "worker 1 sent {}, worker 2 sent {}; jobs marked sent: {sent}",
        passes[0].sent, passes[1].sent
    );
    println!(
        "{} messages received in {:.2} s: {:.0} jobs/s; duplicates: {duplicates}; missing: {}",
        messages.len(),
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        n - per_recipient.len(),
    );
    let delivered = n as f64 / elapsed.as_secs_f64();
    let sink = smtp_runtime.block_on(sink_rate(smtp.port, n.min(5000)));
    println!(
        "SMTP sink alone accepts {sink:.0} messages/s ({SINK_SENDERS} senders, one pooled \
         lettre transport, no database); delivered/accepted ratio {:.2}",
        delivered / sink
    );
    drop(conn);
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .unwrap();
}

/// Messages per second the loopback SMTP server accepts from lettre alone: `n` messages from
/// [`SINK_SENDERS`] concurrent senders sharing one pooled transport (as the worker's are).
const SINK_SENDERS: usize = 64;

async fn sink_rate(port: u16, n: usize) -> f64 {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
    let transport =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1").port(port).build();
    let started = Instant::now();
    let senders: Vec<_> = (0..SINK_SENDERS)
        .map(|t| {
            let transport = transport.clone();
            tokio::spawn(async move {
                for i in 0..n / SINK_SENDERS {
                    let message = lettre::Message::builder()
                        .from("sipoli@bench.test".parse().unwrap())
                        .to(format!("sink{t}-{i}@bench.test").parse().unwrap())
                        .subject("Giliran Anda sebentar lagi")
                        .body(String::from("Nomor antrean B-007: giliran Anda sebentar lagi."))
                        .unwrap();
                    transport.send(message).await.unwrap();
                }
            })
        })
        .collect();
    for s in senders {
        s.await.unwrap();
    }
    (n / SINK_SENDERS * SINK_SENDERS) as f64 / started.elapsed().as_secs_f64()
}
