//! SIGTERM while a slow request is in flight: the request is slow for a real reason (a test
//! connection holds a lock on `clinics`, so the node's query waits on PostgreSQL), the node
//! stops accepting at once, the request still gets its whole answer once the lock goes, and
//! the process exits 0 (inside `shutdown_timeout`, else actix would drop the request).
use std::time::Duration;

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;

use crate::helpers::*;
use crate::node::Node;

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Sessions of this database waiting on a lock now.
fn waiting_on_locks(app: &TestApp) -> i64 {
    diesel::sql_query(
        "SELECT count(*) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND wait_event_type = 'Lock'",
    )
    .get_result::<Count>(&mut app.conn())
    .unwrap()
    .n
}

#[actix_web::test]
async fn sigterm_lets_the_request_in_flight_finish_and_refuses_new_connections() {
    let app = TestApp::spawn().await;
    seed(&app);
    let mut node = Node::start(&app.db.url, &["serve", "--no-worker"], &[]).await;
    let url = format!("{}/api/v1/clinics", node.base);
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);

    // Hold every read of `clinics` back: the next request waits inside PostgreSQL.
    let mut locker = app.conn();
    locker.batch_execute("BEGIN; LOCK TABLE clinics IN ACCESS EXCLUSIVE MODE").unwrap();
    let in_flight = tokio::spawn(async move {
        let res = reqwest::Client::new().get(url).send().await.unwrap();
        let status = res.status();
        (status, res.json::<serde_json::Value>().await.unwrap())
    });
    let mut waited = false;
    for _ in 0..400 {
        if waiting_on_locks(&app) > 0 {
            waited = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(waited, "the request reached PostgreSQL and waits on the lock");

    node.terminate();
    // New connections are refused once the node has taken the signal.
    let addr = format!("127.0.0.1:{}", node.port);
    let mut refused = false;
    for _ in 0..400 {
        if tokio::net::TcpStream::connect(&addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "no new connection is accepted after SIGTERM");
    assert!(node.child.try_wait().unwrap().is_none(), "the node waits for its request");

    // The lock goes: the request in flight gets its whole answer, then the node exits 0.
    locker.batch_execute("COMMIT").unwrap();
    let (status, body) = in_flight.await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.as_array().is_some_and(|list| !list.is_empty()), "{body}");
    let exit = node.wait_exit().await;
    assert!(exit.success(), "SIGTERM with a request in flight is a clean stop: {exit:?}");
}
