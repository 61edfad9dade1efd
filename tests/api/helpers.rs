//! The test harness: a real PostgreSQL (the managed local cluster, or `TEST_DATABASE_URL`),
//! one fresh database per test cloned from a migrated template, and the app started
//! through the same builder as production on a free port.
use std::net::TcpListener;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Jayapura;
use diesel::prelude::*;
use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::Response;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sipoli::app::{self, AppState};
use sipoli::clock::FixedClock;
use sipoli::config::{Secret, Settings};
use sipoli::db::{self, PgPool};
use sipoli::domain::rules::BookingRules;

/// The server-level URL (any database) and a way to name others on the same server.
fn server_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
            return url;
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let local = sipoli::db::local::LocalPg::new(root).expect("managed PostgreSQL binaries");
        local.ensure_running().expect("managed PostgreSQL starts")
    })
}

/// The same server, another database.
pub fn database_url(name: &str) -> String {
    let base = server_url();
    let (head, tail) = base.split_at(base.rfind('/').expect("a URL with a database"));
    let query = tail.find('?').map(|i| &tail[i..]).unwrap_or("");
    format!("{head}/{name}{query}")
}

fn migrations_hash() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        h.update(f.to_string_lossy().as_bytes());
        h.update(std::fs::read(&f).unwrap_or_default());
    }
    hex::encode(h.finalize())[..12].to_string()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

/// The migrated template, made once per migration set (under an advisory lock, so
/// parallel test processes agree).
fn template() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let name = format!("sipoli_tpl_{}", migrations_hash());
        let mut admin = PgConnection::establish(server_url()).expect("connect to the test server");
        diesel::sql_query("SELECT pg_advisory_lock(4242)").execute(&mut admin).expect("lock");
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let exists: N =
            diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
                .bind::<diesel::sql_types::Text, _>(&name)
                .get_result(&mut admin)
                .expect("look for template");
        if exists.n == 0 {
            let building = format!("{name}_building");
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {building}"))
                .execute(&mut admin)
                .expect("drop");
            diesel::sql_query(format!("CREATE DATABASE {building}"))
                .execute(&mut admin)
                .expect("create template");
            {
                let mut conn =
                    PgConnection::establish(&database_url(&building)).expect("connect template");
                db::migrate(&mut conn).expect("migrate template");
            }
            diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
                .execute(&mut admin)
                .expect("rename");
        }
        diesel::sql_query("SELECT pg_advisory_unlock(4242)").execute(&mut admin).expect("unlock");
        name
    })
}

/// A database of one's own, dropped at the end of the test.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub fn new() -> TestDb {
        let template = template();
        let name = format!("sipoli_test_{}", &sipoli::config::random_key()[..16]);
        let mut admin = PgConnection::establish(server_url()).expect("connect to the test server");
        diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .execute(&mut admin)
            .expect("create test database");
        let url = database_url(&name);
        TestDb { name, url }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(server_url()) {
            let _ =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
                    .execute(&mut admin);
        }
    }
}

/// Tuesday 1 December 2026, 07:30 WIT — still Monday 30 November in UTC.
pub fn default_now() -> DateTime<Utc> {
    Jayapura
        .with_ymd_and_hms(2026, 12, 1, 7, 30, 0)
        .single()
        .expect("valid time")
        .with_timezone(&Utc)
}

pub fn wit(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Jayapura.with_ymd_and_hms(y, m, d, h, min, 0).single().expect("valid time").with_timezone(&Utc)
}

pub fn test_settings() -> Settings {
    Settings {
        database_url: None,
        bind: "127.0.0.1:0".into(),
        base_url: "http://sipoli.test".into(),
        timezone: Jayapura,
        secret_key: Secret::new("test-secret-key"),
        pool_size: 8,
        log_json: false,
        session_hours: 12,
        rules: BookingRules::default(),
        jobs: sipoli::jobs::JobSettings::default(),
        jkn: sipoli::jkn::JknSettings {
            username: Some("mobilejkn".into()),
            password: Some(Secret::new("sandi-jkn-uji")),
            token_minutes: 60,
            bpjs: None,
        },
        root: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: FixedClock,
    pub pool: PgPool,
    pub state: AppState,
    pub db: Arc<TestDb>,
    /// Bearer token once logged in.
    pub token: Option<String>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_at(default_now()).await
    }

    pub async fn spawn_at(now: DateTime<Utc>) -> TestApp {
        if std::env::var("TEST_LOG").is_ok() {
            sipoli::telemetry::init(false);
        }
        let db = Arc::new(TestDb::new());
        let pool = db::pool(&db.url, 8).expect("pool");
        let clock = FixedClock::new(now);
        let state = AppState::new(pool, test_settings(), Arc::new(clock.clone()));
        Self::start(state, clock, db).await
    }

    /// A second node on the same database (for multi-node tests).
    pub async fn another_node(&self) -> TestApp {
        // Its own pool and state, as a separate process would have; same database and clock.
        let pool = db::pool(&self.db.url, 8).expect("pool");
        let settings = (*self.state.settings).clone();
        let state = AppState::new(pool, settings, Arc::new(self.clock.clone()));
        Self::start(state, self.clock.clone(), self.db.clone()).await
    }

    async fn start(state: AppState, clock: FixedClock, db: Arc<TestDb>) -> TestApp {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        state.live.listen(db.url.clone());
        let application = app::build(state.clone(), listener).expect("build app");
        let port = application.port;
        actix_web::rt::spawn(application.server);
        // Wait for the node's LISTEN connection: a test that ended while it was still logging
        // in would leave a half-open session that DROP DATABASE waits a minute for (the test
        // runtime is blocked in that drop and cannot finish the handshake).
        for _ in 0..1000 {
            if state.live.is_listening() {
                break;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(state.live.is_listening(), "the node listens for visit events");
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder().build().expect("client"),
            clock,
            pool: state.pool.clone(),
            state,
            db,
            token: None,
        }
    }

    pub fn conn(
        &self,
    ) -> diesel::r2d2::PooledConnection<diesel::r2d2::ConnectionManager<PgConnection>> {
        self.pool.get().expect("connection")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        let mut r = self.client.get(self.url(path));
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        let mut r = self.client.post(self.url(path)).json(body);
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    pub async fn post_with_key(&self, path: &str, body: &Value, key: &str) -> Response {
        let mut r = self.client.post(self.url(path)).header("Idempotency-Key", key).json(body);
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    pub async fn put(&self, path: &str, body: &Value) -> Response {
        let mut r = self.client.put(self.url(path)).json(body);
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    pub async fn delete(&self, path: &str) -> Response {
        let mut r = self.client.delete(self.url(path));
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    /// Create a staff account and log in as it (Bearer token).
    pub async fn login_as(&mut self, username: &str, role: sipoli::auth::Role, clinics: &[&str]) {
        let clinics: Vec<String> = clinics.iter().map(|c| c.to_string()).collect();
        sipoli::service::staff::upsert_user(
            &mut self.conn(),
            username,
            "Petugas Uji",
            "rahasia-uji",
            role,
            &clinics,
        )
        .expect("create staff");
        let res = self
            .post("/api/v1/auth/login", &json!({"username": username, "password": "rahasia-uji"}))
            .await;
        assert_eq!(res.status(), 200, "login works");
        let body: Value = res.json().await.expect("json");
        self.token = Some(body["token"].as_str().expect("token").to_string());
    }

    /// Count rows of a table (to prove that refusals wrote nothing).
    pub fn count(&self, table: &str) -> i64 {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let n: N = diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
            .get_result(&mut self.conn())
            .expect("count");
        n.n
    }
}

/// The catalogue most tests use: Poli Anak (prefix B) with one doctor, and sessions.
pub struct Seed {
    /// Today (2026-12-01) 08:00–12:00 WIT.
    pub today: i32,
    /// Tomorrow 08:00–12:00 WIT.
    pub tomorrow: i32,
}

pub fn seed(app: &TestApp) -> Seed {
    seed_with(app, 20, 10, 25)
}

pub fn seed_with(app: &TestApp, quota_jkn: i32, quota_non_jkn: i32, online_limit: i32) -> Seed {
    use sipoli::db::schema::*;
    let mut c = app.conn();
    let clinic_id: i32 = diesel::insert_into(clinics::table)
        .values((
            clinics::code.eq("ANA"),
            clinics::name.eq("Poli Anak"),
            clinics::prefix.eq("B"),
            clinics::bpjs_code.eq("ANA"),
            clinics::room.eq("Ruang 2"),
        ))
        .returning(clinics::id)
        .get_result(&mut c)
        .expect("clinic");
    let doctor_id: i32 = diesel::insert_into(doctors::table)
        .values((
            doctors::code.eq("D003"),
            doctors::name.eq("dr. Ruth Kogoya, Sp.A"),
            doctors::bpjs_code.eq(310103),
        ))
        .returning(doctors::id)
        .get_result(&mut c)
        .expect("doctor");
    let session = |c: &mut PgConnection, date: NaiveDate| -> i32 {
        diesel::insert_into(clinic_sessions::table)
            .values((
                clinic_sessions::clinic_id.eq(clinic_id),
                clinic_sessions::doctor_id.eq(doctor_id),
                clinic_sessions::service_date.eq(date),
                clinic_sessions::starts_at
                    .eq(chrono::NaiveTime::from_hms_opt(8, 0, 0).expect("time")),
                clinic_sessions::ends_at
                    .eq(chrono::NaiveTime::from_hms_opt(12, 0, 0).expect("time")),
                clinic_sessions::quota_jkn.eq(quota_jkn),
                clinic_sessions::quota_non_jkn.eq(quota_non_jkn),
                clinic_sessions::online_limit.eq(online_limit),
            ))
            .returning(clinic_sessions::id)
            .get_result(c)
            .expect("session")
    };
    let today = session(&mut c, NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"));
    let tomorrow = session(&mut c, NaiveDate::from_ymd_opt(2026, 12, 2).expect("date"));
    Seed { today, tomorrow }
}

/// A valid online booking body; `n` varies the identity.
pub fn booking_body(session_id: i32, n: u32) -> Value {
    json!({
        "session_id": session_id,
        "payer": "non_jkn",
        "patient": {
            "nik": nik(n),
            "name": format!("Pasien Uji {n}"),
            "birth_date": "1990-05-17",
            "phone": "081234567890",
        }
    })
}

/// A structurally valid NIK of Mimika (9109), birth 17-05-90, serial n.
pub fn nik(n: u32) -> String {
    format!("910901170590{:04}", n % 10000 + 1)
}
