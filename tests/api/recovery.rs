//! Recovering from a database outage: a node whose every connection to PostgreSQL runs
//! through a loopback proxy that the test cuts (every open connection dropped, new ones
//! closed at once, as a stopped server does) and restores. Requests, the LISTEN stream behind
//! SSE and the notification worker all work again after it comes back.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use sipoli::app::{self, AppState};
use sipoli::clock::FixedClock;
use sipoli::config::Secret;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::helpers::{TestApp, TestDb, booking_body, default_now, seed, test_settings};
use crate::live::Sse;
use crate::smtp_server::SmtpServer;

/// A TCP proxy on loopback in front of the test's PostgreSQL server.
struct CuttableProxy {
    port: u16,
    up: Arc<AtomicBool>,
    /// Bumped on every cut: each relayed connection ends when it changes.
    cuts: watch::Sender<u64>,
}

impl CuttableProxy {
    /// Started on a thread and runtime of its own: the test's runtime blocks while it waits
    /// for a pooled connection, and the proxy must relay that connection meanwhile.
    fn start(upstream: String) -> CuttableProxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let (cuts, _) = watch::channel(0u64);
        let (flag, signal) = (up.clone(), cuts.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            runtime.unwrap().block_on(async move {
                let listener = TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((client, _)) = listener.accept().await else { continue };
                    if !flag.load(Ordering::SeqCst) {
                        // Down: the connection is closed at once, as a stopped server's is.
                        drop(client);
                        continue;
                    }
                    tokio::spawn(relay(client, upstream.clone(), signal.subscribe()));
                }
            });
        });
        CuttableProxy { port, up, cuts }
    }

    /// PostgreSQL "stops": open connections drop, new ones are closed.
    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    /// PostgreSQL is back.
    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// Relay one connection both ways until either side closes or the proxy is cut.
async fn relay(mut client: TcpStream, upstream: String, mut cut: watch::Receiver<u64>) {
    let Ok(mut server) = TcpStream::connect(&upstream).await else { return };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = cut.changed() => {}
    }
}

/// `postgres://user:pw@127.0.0.1:PORT/db` → (`127.0.0.1:PORT`, the URL through `via`).
fn through(url: &str, via: u16) -> (String, String) {
    let at = url.rfind('@').expect("a URL with credentials") + 1;
    let slash = at + url[at..].find('/').expect("a database name");
    let upstream = url[at..slash].to_string();
    (upstream, format!("{}127.0.0.1:{via}{}", &url[..at], &url[slash..]))
}

/// A node on `pool` (its LISTEN connection on the pool's database, as settings name it or
/// else the test database), started as production starts one, listening before it returns.
pub async fn node(
    db: Arc<TestDb>,
    pool: sipoli::db::PgPool,
    settings: sipoli::config::Settings,
    now: chrono::DateTime<chrono::Utc>,
) -> TestApp {
    let listen_url =
        settings.database_url.as_ref().map_or(db.url.clone(), |u| u.expose().to_string());
    let clock = FixedClock::new(now);
    let state = AppState::new(pool.clone(), settings, Arc::new(clock.clone()));
    state.live.listen(listen_url);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let application = app::build(state.clone(), listener).unwrap();
    let address = format!("http://127.0.0.1:{}", application.port);
    actix_web::rt::spawn(application.server);
    let app = TestApp {
        address,
        client: crate::helpers::client_builder().build().unwrap(),
        clock,
        pool,
        state,
        db,
        token: None,
        kiosk_token: None,
    };
    crate::live::listening(&app).await;
    app
}

/// Poll `probe` until it gives a value, for at most `limit`.
async fn until<T, F, Fut>(what: &str, limit: Duration, mut probe: F) -> (T, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(v) = probe().await {
            return (v, started.elapsed());
        }
        assert!(started.elapsed() < limit, "{what} did not resume within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn requests_live_updates_and_workers_resume_after_postgresql_comes_back() {
    let db = Arc::new(TestDb::new());
    let (upstream, _) = through(&db.url, 0);
    let proxy = CuttableProxy::start(upstream);
    let (_, url) = through(&db.url, proxy.port);
    let smtp = SmtpServer::start().await;

    // A node as production runs it (1.5 s checkout), with its worker, all through the proxy.
    let mut settings = test_settings();
    settings.database_url = Some(Secret::new(url.clone()));
    settings.jobs.smtp_url = Some(Secret::new(smtp.url()));
    settings.jobs.outbox_dir =
        std::env::temp_dir().join(format!("sipoli-outbox-{}", &sipoli::auth::random_token()[..12]));
    let pool = sipoli::db::pool(&url, 4).unwrap();
    let app = node(db, pool, settings, default_now()).await;
    sipoli::jobs::spawn(app.state.clone());
    let seed = seed(&app);
    let with_email = |n: u32| {
        let mut body = booking_body(seed.tomorrow, n);
        body["patient"]["email"] = json!(format!("pulih{n}@example.test"));
        body
    };
    let (status, body) = app.post_json("/api/v1/bookings", &with_email(1)).await;
    assert_eq!(status, 201, "{body}");
    let mut sse =
        Sse::open(&app, &format!("/api/v1/sessions/{}/events", seed.tomorrow), None).await;
    until("the first confirmation", Duration::from_secs(30), || async {
        (!smtp.messages_to("pulih1@example.test").is_empty()).then_some(())
    })
    .await;

    proxy.cut();
    let (status, body) = app.post_json("/api/v1/bookings", &with_email(2)).await;
    assert_eq!(status, 503, "PostgreSQL is down: {body}");
    assert_eq!(body["error"]["code"], "database_unavailable");
    // Long enough for every reconnect loop to back off to its longest pause.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(!app.state.live.is_listening(), "the LISTEN connection noticed the outage");

    proxy.restore();
    let limit = Duration::from_secs(30);
    let (code, request) = until("booking", limit, || async {
        let (status, body) = app.post_json("/api/v1/bookings", &with_email(3)).await;
        (status == 201).then(|| body["booking_code"].as_str().unwrap().to_string())
    })
    .await;
    let (_, live) =
        until("LISTEN", limit, || async { app.state.live.is_listening().then_some(()) }).await;
    // The SSE client that stayed connected through the outage gets the new booking.
    let booked = sse.until("booked").await;
    let ticket = booked.last().map(|(_, e)| e["ticket"].clone());
    assert!(ticket.is_some_and(|t| t.is_string()), "{booked:?}");
    let (status, standing) = app.get_json(&format!("/api/v1/bookings/{code}")).await;
    assert_eq!(status, 200, "status reads work again: {standing}");
    let (_, worker) = until("notification worker", limit, || async {
        (!smtp.messages_to("pulih3@example.test").is_empty()).then_some(())
    })
    .await;
    println!(
        "after PostgreSQL came back: a booking in {request:?}, LISTEN in {live:?} \
         (from then), the worker's email in {worker:?} (after the booking)"
    );
    assert!(
        sipoli::realtime::LISTEN_RETRY_MAX + sipoli::jobs::worker::LISTEN_RETRY
            <= Duration::from_secs(5),
        "reconnect pauses fit the 5 s the issue allows"
    );
}
