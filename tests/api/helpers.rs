//! The test harness: a real PostgreSQL (the managed local cluster, or `TEST_DATABASE_URL`),
//! one fresh database per test cloned from a migrated template, and the app started
//! through the same builder as production on a free port.
use std::net::TcpListener;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Jayapura;
use diesel::prelude::*;
use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::{Method, Response, StatusCode};
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
        limits: unlimited(),
        satusehat: None,
        metrics: Default::default(),
        root: std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
    }
}

/// A test node's pool: eight connections; a request waits up to 10 s for one, as parallel
/// tests on a small machine may need (production answers 503 after 1.5 s).
pub fn test_pool(url: &str) -> PgPool {
    db::pool_waiting(url, 8, std::time::Duration::from_secs(10)).expect("pool")
}

/// No rate limits (the tests of the limits set their own, `tests/api/limits.rs`): the other
/// tests send from one address far faster than a person would. The guessing locks stay.
pub fn unlimited() -> sipoli::limits::LimitSettings {
    let off = sipoli::limits::Rate::OFF;
    sipoli::limits::LimitSettings {
        bookings: off,
        status_reads: off,
        cancels: off,
        logins: off,
        kiosk: off,
        ..Default::default()
    }
}

/// Every HTTP client of the tests starts here. No idle connection is kept for reuse: a
/// pooled keep-alive connection can be picked for a request just as the server closes it
/// (its keep-alive timeout), and the request then fails with `IncompleteMessage`. A fresh
/// connection per request cannot meet that race; on loopback it costs next to nothing.
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder().pool_max_idle_per_host(0)
}

/// The status and the JSON body of an answer; a body that is not JSON comes back as a JSON
/// string holding the text (so that assertion messages can show it).
pub async fn status_and_json(res: Response) -> (StatusCode, Value) {
    let status = res.status();
    let text = res.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
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
    /// The device token of this app's paired kiosk: every request made through
    /// [`TestApp::request`] carries it in the kiosk cookie, as the hall kiosk's browser does.
    pub kiosk_token: Option<String>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_at(default_now()).await
    }

    pub async fn spawn_at(now: DateTime<Utc>) -> TestApp {
        Self::spawn_with(now, test_settings()).await
    }

    /// An app with its own settings (limits, rules…).
    pub async fn spawn_with(now: DateTime<Utc>, settings: Settings) -> TestApp {
        if std::env::var("TEST_LOG").is_ok() {
            sipoli::telemetry::init(false);
        }
        let db = Arc::new(TestDb::new());
        let pool = test_pool(&db.url);
        let clock = FixedClock::new(now);
        let state = AppState::new(pool, settings, Arc::new(clock.clone()));
        let mut app = Self::start(state, clock, db).await;
        app.kiosk_token = Some(app.pair_kiosk().await);
        app
    }

    /// A second node on the same database (for multi-node tests).
    pub async fn another_node(&self) -> TestApp {
        // Its own pool and state, as a separate process would have; same database and clock.
        let pool = test_pool(&self.db.url);
        let settings = (*self.state.settings).clone();
        let state = AppState::new(pool, settings, Arc::new(self.clock.clone()));
        let mut node = Self::start(state, self.clock.clone(), self.db.clone()).await;
        node.kiosk_token = self.kiosk_token.clone();
        node
    }

    /// A fresh pairing code of a newly registered kiosk (offering every clinic).
    pub fn kiosk_pairing_code(&self) -> String {
        let code = sipoli::domain::booking_code::BookingCode::generate();
        let now = self.state.now();
        let expires = now + chrono::Duration::minutes(15);
        sipoli::db::kiosks::insert(
            &mut self.conn(),
            "Anjungan Uji",
            &[],
            code.as_str(),
            expires,
            None,
            now,
        )
        .expect("register a kiosk");
        code.as_str().to_string()
    }

    /// Register and pair a kiosk through `POST /api/v1/kiosk/pair`: its device token.
    pub async fn pair_kiosk(&self) -> String {
        let code = self.kiosk_pairing_code();
        let (status, body) = self
            .send_as(Method::POST, "/api/v1/kiosk/pair", None, Some(&json!({"pairing_code": code})))
            .await;
        assert_eq!(status, 200, "pairing works: {body}");
        body["token"].as_str().expect("token").to_string()
    }

    /// The link that pairs a browser as a kiosk and then opens `next` (a `/kiosk…` page).
    pub fn kiosk_link(&self, next: &str) -> String {
        let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        self.url(&format!("/kiosk/pair?code={}&next={next}", self.kiosk_pairing_code()))
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
            client: client_builder().build().expect("client"),
            clock,
            pool: state.pool.clone(),
            state,
            db,
            token: None,
            kiosk_token: None,
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

    /// A request to `path`, with the Bearer token once logged in.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self.client.request(method, self.url(path));
        if let Some(k) = &self.kiosk_token {
            r = r.header("cookie", format!("{}={k}", sipoli::auth::KIOSK_COOKIE));
        }
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.expect("request")
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.request(Method::POST, path).json(body).send().await.expect("request")
    }

    pub async fn post_with_key(&self, path: &str, body: &Value, key: &str) -> Response {
        let r = self.request(Method::POST, path).header("Idempotency-Key", key);
        r.json(body).send().await.expect("request")
    }

    pub async fn put(&self, path: &str, body: &Value) -> Response {
        self.request(Method::PUT, path).json(body).send().await.expect("request")
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.request(Method::DELETE, path).send().await.expect("request")
    }

    /// `GET` → status and JSON body (see [`status_and_json`]).
    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        status_and_json(self.get(path).await).await
    }

    /// `POST` a JSON body → status and JSON body.
    pub async fn post_json(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        status_and_json(self.post(path, body).await).await
    }

    /// `PUT` a JSON body → status and JSON body.
    pub async fn put_json(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        status_and_json(self.put(path, body).await).await
    }

    /// `DELETE` → status and JSON body.
    #[allow(dead_code)] // no test reads a DELETE answer yet; kept with its siblings
    pub async fn delete_json(&self, path: &str) -> (StatusCode, Value) {
        status_and_json(self.delete(path).await).await
    }

    /// A request with an explicit token (or none), whatever this app is logged in as:
    /// status and JSON body. The body is sent as JSON when given.
    pub async fn send_as(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut r = self.client.request(method, self.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(b);
        }
        status_and_json(r.send().await.expect("request")).await
    }

    /// The id of the visit with this booking code.
    pub fn visit_id(&self, code: &str) -> i64 {
        use sipoli::db::schema::visits;
        visits::table
            .filter(visits::booking_code.eq(code))
            .select(visits::id)
            .first(&mut self.conn())
            .unwrap_or_else(|e| panic!("no visit with booking code {code}: {e}"))
    }

    /// Log in as an existing account: its Bearer token (this app's own token is untouched).
    pub async fn log_in(&self, username: &str) -> String {
        let (status, body) = self
            .post_json(
                "/api/v1/auth/login",
                &json!({"username": username, "password": "rahasia-uji"}),
            )
            .await;
        assert_eq!(status, 200, "login works: {body}");
        body["token"].as_str().expect("token").to_string()
    }

    /// Create (or reset) a staff account and log in as it: its Bearer token (this app's own
    /// token is untouched).
    pub async fn token_for(
        &self,
        username: &str,
        role: sipoli::auth::Role,
        clinics: &[&str],
    ) -> String {
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
        self.log_in(username).await
    }

    /// Create a staff account and log in as it (Bearer token).
    pub async fn login_as(&mut self, username: &str, role: sipoli::auth::Role, clinics: &[&str]) {
        self.token = Some(self.token_for(username, role, clinics).await);
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

/// Another polyclinic (code, name, ticket prefix); its id.
pub fn add_clinic(app: &TestApp, code: &str, name: &str, prefix: &str) -> i32 {
    use sipoli::db::schema::clinics;
    diesel::insert_into(clinics::table)
        .values((clinics::code.eq(code), clinics::name.eq(name), clinics::prefix.eq(prefix)))
        .returning(clinics::id)
        .get_result(&mut app.conn())
        .expect("clinic")
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
