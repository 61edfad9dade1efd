//! Database: pool, the blocking-call helper, embedded migrations, managed local PostgreSQL.
pub mod bpjs_tasks;
pub mod catalogue;
pub mod complaints;
pub mod display;
pub mod events;
pub mod feedback;
pub mod figures;
pub mod guesses;
pub mod hfis;
pub mod idempotency;
pub mod jkn;
pub mod job_lease;
pub mod kiosks;
pub mod local;
pub mod models;
pub mod notifications;
pub mod open_data;
pub mod patients;
pub mod placing;
pub mod reports;
pub mod satusehat;
pub mod schedules;
pub mod schema;
pub mod self_service;
pub mod sessions;
pub mod staff;
pub mod staff_audit;
pub mod standing;
pub mod stations;
pub mod steps;
pub mod timings;
pub mod types;
pub mod visits;
pub mod waitlist;

use std::time::Duration;

/// The connection every query function takes; callers outside `db` name it through here.
pub use diesel::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::{AppError, AppResult};

pub type PgPool = Pool<ConnectionManager<PgConnection>>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Any fixed number: the advisory lock that serialises migrations across nodes.
const MIGRATION_LOCK: i64 = 0x5150_4f4c_4900;

/// How long a request waits for a database connection before it answers 503
/// `database_unavailable`: well inside a load balancer's patience.
pub const CHECKOUT_TIMEOUT: Duration = Duration::from_millis(1500);

/// The pool. It is built without connecting (`build_unchecked`), so a node starts while
/// PostgreSQL is down and answers 503 until it is back.
pub fn pool(url: &str, size: u32) -> Result<PgPool, diesel::r2d2::PoolError> {
    pool_waiting(url, size, CHECKOUT_TIMEOUT)
}

/// A pool whose requests wait up to `checkout` for a connection (the tests, which load a
/// small machine far beyond a hospital's peak, wait longer than [`CHECKOUT_TIMEOUT`]).
pub fn pool_waiting(
    url: &str,
    size: u32,
    checkout: Duration,
) -> Result<PgPool, diesel::r2d2::PoolError> {
    Ok(Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .connection_timeout(checkout)
        .build_unchecked(ConnectionManager::new(url)))
}

/// Run blocking diesel work on the blocking thread pool, inside the caller's tracing span.
pub async fn run<T, F>(pool: &PgPool, work: F) -> AppResult<T>
where
    F: FnOnce(&mut PgConnection) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    actix_web::web::block(move || {
        let _entered = span.enter();
        let mut conn = {
            let _waiting = PoolWaiting::enter();
            pool.get()?
        };
        work(&mut conn)
    })
    .await?
}

#[derive(diesel::QueryableByName)]
struct Number {
    #[diesel(sql_type = diesel::sql_types::Int4)]
    n: i32,
}

/// A per-day ticket series: a polyclinic's, or a station's.
#[derive(Debug, Clone, Copy)]
enum Series {
    Clinic,
    Station,
}

/// The next number of a per-owner, per-day series: one upsert, so numbers are unique and
/// gap-free however many take one at once (the counter row's lock orders them).
fn next_in_series(
    conn: &mut PgConnection,
    series: Series,
    owner: i32,
    date: chrono::NaiveDate,
) -> AppResult<i32> {
    use diesel::RunQueryDsl;
    let upsert = match series {
        Series::Clinic => {
            "INSERT INTO ticket_counters (clinic_id, service_date, last_number) VALUES ($1, $2, 1)
             ON CONFLICT (clinic_id, service_date)
             DO UPDATE SET last_number = ticket_counters.last_number + 1
             RETURNING last_number AS n"
        }
        Series::Station => {
            "INSERT INTO station_counters (station_id, service_date, last_number) VALUES ($1, $2, 1)
             ON CONFLICT (station_id, service_date)
             DO UPDATE SET last_number = station_counters.last_number + 1
             RETURNING last_number AS n"
        }
    };
    let row: Number = diesel::sql_query(upsert)
        .bind::<diesel::sql_types::Int4, _>(owner)
        .bind::<diesel::sql_types::Date, _>(date)
        .get_result(conn)?;
    Ok(row.n)
}

/// Like [`run`], in one transaction.
pub async fn transaction<T, F>(pool: &PgPool, work: F) -> AppResult<T>
where
    F: FnOnce(&mut PgConnection) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    run(pool, move |conn| conn.transaction(work)).await
}

/// [`transaction`], answering also the sessions whose visit events it committed
/// ([`events::note_written`]).
pub async fn transaction_noting<T, F>(pool: &PgPool, work: F) -> AppResult<(T, Vec<i32>)>
where
    F: FnOnce(&mut PgConnection) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    run(pool, move |conn| {
        events::take_written();
        let out = conn.transaction(work)?;
        Ok((out, events::take_written()))
    })
    .await
}

/// Apply pending migrations, holding an advisory lock so that nodes starting together
/// do not race.
pub fn migrate(conn: &mut PgConnection) -> Result<(), AppError> {
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK)
        .execute(conn)?;
    let result = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|done| {
            for m in done {
                tracing::info!(migration = %m, "applied migration");
            }
        })
        .map_err(|e| AppError::internal(format!("migration failed: {e}")));
    diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK)
        .execute(conn)?;
    result
}

/// The database answers a trivial query.
pub fn ping(conn: &mut PgConnection) -> AppResult<()> {
    diesel::sql_query("SELECT 1").execute(conn)?;
    Ok(())
}

/// Open a single connection (CLI commands, migrations).
pub fn connect(url: &str) -> Result<PgConnection, AppError> {
    PgConnection::establish(url).map_err(AppError::unavailable)
}

static POOL_WAITING: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// Callers of [`run`] waiting for a pooled connection now, in this process (`/metrics`).
pub fn pool_waiting_now() -> i64 {
    POOL_WAITING.load(std::sync::atomic::Ordering::Relaxed)
}

/// Counts one caller waiting for a connection while it lives.
struct PoolWaiting;

impl PoolWaiting {
    fn enter() -> PoolWaiting {
        POOL_WAITING.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        PoolWaiting
    }
}

impl Drop for PoolWaiting {
    fn drop(&mut self) {
        POOL_WAITING.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}
