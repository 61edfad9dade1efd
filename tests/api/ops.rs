//! Operations commands of the built binary: `sipoli check`, `backup`, `restore`.
use diesel::prelude::*;
use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::helpers::*;
use crate::node::{TempDir, sipoli};

/// A database with nothing in it (not even the migrations), dropped at the end.
struct EmptyDb {
    name: String,
    admin_url: String,
    url: String,
}

impl EmptyDb {
    fn new(admin_url: &str) -> EmptyDb {
        let name = format!("sipoli_empty_{}", &sipoli::config::random_key()[..12]);
        let mut admin = PgConnection::establish(admin_url).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).unwrap();
        EmptyDb { url: database_url(&name), name, admin_url: admin_url.to_string() }
    }
}

impl Drop for EmptyDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let _ =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
                    .execute(&mut admin);
        }
    }
}

const TABLES: &[&str] = &[
    "clinics",
    "doctors",
    "practice_schedules",
    "clinic_sessions",
    "staff_users",
    "staff_clinics",
    "stations",
    "kiosk_devices",
    "visits",
    "__diesel_schema_migrations",
];

fn counts(url: &str) -> Vec<(String, i64)> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = PgConnection::establish(url).unwrap();
    TABLES
        .iter()
        .map(|t| {
            let n: N = diesel::sql_query(format!("SELECT count(*) AS n FROM {t}"))
                .get_result(&mut conn)
                .unwrap();
            (t.to_string(), n.n)
        })
        .collect()
}

fn output(cmd: &mut std::process::Command) -> (bool, String) {
    let out = cmd.output().expect("run sipoli");
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[actix_web::test]
async fn demo_data_round_trips_through_backup_and_restore() {
    let app = TestApp::spawn().await;
    {
        let mut conn = app.conn();
        sipoli::demo::seed_catalogue(&mut conn, app.state.today()).unwrap();
        sipoli::demo::seed_staff(&mut conn).unwrap();
        sipoli::demo::seed_stations(&mut conn).unwrap();
        sipoli::demo::seed_kiosk(&mut conn, app.state.now()).unwrap();
    }
    let seed_session = {
        let (_, sessions) = app.get_json("/api/v1/sessions?date=2026-12-02").await;
        sessions[0]["id"].as_i64().unwrap() as i32
    };
    let (status, booked) = app.post_json("/api/v1/bookings", &booking_body(seed_session, 7)).await;
    assert_eq!(status, 201, "{booked}");
    let before = counts(&app.db.url);
    assert!(before.iter().all(|(_, n)| *n > 0), "demo data everywhere: {before:?}");

    let work = TempDir::new("backup");
    let dir = work.0.join("backups");
    for _ in 0..3 {
        let (ok, text) = output(
            sipoli(&work.0, &app.db.url).args(["backup", "--dir"]).arg(&dir).args(["--keep", "2"]),
        );
        assert!(ok, "backup: {text}");
        assert!(text.contains("backup written"), "{text}");
    }
    let kept = sipoli::ops::backups_in(&dir);
    assert_eq!(kept.len(), 2, "only the newest two are kept: {kept:?}");
    let newest = kept.last().unwrap().clone();

    // A database with tables is refused, and left as it was.
    let other = TestDb::new();
    let other_before = counts(&other.url);
    let (ok, text) = output(sipoli(&work.0, &other.url).arg("restore").arg(&newest));
    assert!(!ok, "a non-empty database is refused");
    assert!(text.contains("not empty") && text.contains("--force"), "{text}");
    assert_eq!(counts(&other.url), other_before);

    // An empty database takes it; so does the non-empty one with --force.
    let empty = EmptyDb::new(&app.db.url);
    let (ok, text) = output(sipoli(&work.0, &empty.url).arg("restore").arg(&newest));
    assert!(ok, "restore: {text}");
    assert_eq!(counts(&empty.url), before);
    let (ok, text) = output(sipoli(&work.0, &other.url).args(["restore", "--force"]).arg(&newest));
    assert!(ok, "restore --force: {text}");
    assert_eq!(counts(&other.url), before);

    // The restored database serves the booking.
    let code = booked["booking_code"].as_str().unwrap();
    let node = crate::node::Node::start(&empty.url, &["serve", "--no-worker"], &[]).await;
    let status = reqwest::get(format!("{}/api/v1/bookings/{code}", node.base)).await.unwrap();
    assert_eq!(status.status(), 200);
}

#[actix_web::test]
async fn check_reports_each_dependency_and_fails_on_an_unreachable_one() {
    let db = TestDb::new();
    let smtp = crate::smtp_server::SmtpServer::start().await;
    let gateway = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gateway_port = gateway.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = gateway.accept().await {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            let _ =
                s.write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n").await;
        }
    });
    let dir = TempDir::new("check");
    let gateway_url = format!("http://127.0.0.1:{gateway_port}/sms");
    let smtp_url = smtp.url();
    let mut good = sipoli(&dir.0, &db.url);
    good.arg("check")
        .env("SMTP_URL", &smtp_url)
        .env("SIPOLI_WEBHOOK_URL", &gateway_url)
        .env("SIPOLI_SECRET_KEY", "kunci-uji");
    let (ok, text) = tokio::task::spawn_blocking(move || output(&mut good)).await.unwrap();
    assert!(ok, "all reachable: {text}");
    assert!(text.contains("[ ok ] database"), "{text}");
    assert!(text.contains("[ ok ] migrations: all applied"), "{text}");
    assert!(text.contains("[ ok ] SMTP"), "{text}");
    assert!(text.contains("[ ok ] SMS/WhatsApp gateway") && text.contains("HTTP 405"), "{text}");
    assert!(text.contains("[skip] BPJS antrean"), "{text}");
    assert!(!text.contains("kunci-uji"), "no secrets printed");

    // Nothing listens on this port: the gateway check fails, and so does the command.
    let closed = crate::node::free_port();
    let mut bad = sipoli(&dir.0, &db.url);
    bad.arg("check").env("SIPOLI_WEBHOOK_URL", format!("http://127.0.0.1:{closed}/sms"));
    let (ok, text) = tokio::task::spawn_blocking(move || output(&mut bad)).await.unwrap();
    assert!(!ok, "an unreachable gateway fails the check: {text}");
    assert!(
        text.contains("[FAIL] SMS/WhatsApp gateway") && text.contains("cannot connect"),
        "{text}"
    );
    assert!(text.contains("[warn] secret key"), "{text}");

    // A database that does not answer.
    let mut no_db = sipoli(&dir.0, &format!("postgres://sipoli:rahasia@127.0.0.1:{closed}/sipoli"));
    no_db.arg("check");
    let (ok, text) = tokio::task::spawn_blocking(move || output(&mut no_db)).await.unwrap();
    assert!(!ok);
    assert!(text.contains("[FAIL] database: cannot connect"), "{text}");
    assert!(!text.contains("rahasia"), "the password is not printed: {text}");
}
