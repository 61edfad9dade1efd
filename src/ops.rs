//! Operations commands for the hospital's IT team: `sipoli check`, `sipoli backup`,
//! `sipoli restore`. Like `main`, this is a command-line adapter: it reads the settings and
//! talks to the database and the outside systems directly.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use diesel::prelude::*;

use crate::clock::Clock;
use crate::config::Settings;
use crate::error::AppError;

/// How long `check` waits for each dependency.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// The result of one check line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Warn,
    Skip,
    Fail,
}

impl Outcome {
    fn tag(self) -> &'static str {
        match self {
            Outcome::Ok => "[ ok ]",
            Outcome::Warn => "[warn]",
            Outcome::Skip => "[skip]",
            Outcome::Fail => "[FAIL]",
        }
    }
}

/// One line of `sipoli check`.
#[derive(Debug, Clone)]
pub struct Line {
    pub outcome: Outcome,
    pub what: &'static str,
    pub detail: String,
}

fn line(outcome: Outcome, what: &'static str, detail: impl Into<String>) -> Line {
    Line { outcome, what, detail: detail.into() }
}

/// A URL without its password, to print.
fn shown(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "(unparsable URL)".into(),
    }
}

/// The database URL with libpq's `connect_timeout` (seconds), unless it has one.
pub fn with_connect_timeout(url: &str, seconds: u64) -> String {
    if url.contains("connect_timeout=") {
        return url.to_string();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout={seconds}")
}

fn check_database(settings: &Settings) -> Vec<Line> {
    let url = match &settings.database_url {
        Some(u) => u.expose().to_string(),
        None => match crate::db::local::LocalPg::new(&settings.root)
            .map_err(|e| e.to_string())
            .and_then(|l| l.ensure_running().map_err(|e| e.to_string()))
        {
            Ok(u) => u,
            Err(e) => {
                return vec![line(
                    Outcome::Fail,
                    "database",
                    format!("DATABASE_URL is not set and the managed local cluster fails: {e}"),
                )];
            }
        },
    };
    let mut conn =
        match PgConnection::establish(&with_connect_timeout(&url, CHECK_TIMEOUT.as_secs())) {
            Ok(c) => c,
            Err(e) => {
                return vec![line(
                    Outcome::Fail,
                    "database",
                    format!("cannot connect to {}: {}", shown(&url), e.to_string().trim()),
                )];
            }
        };
    let _ = diesel::sql_query(format!("SET statement_timeout = {}", CHECK_TIMEOUT.as_millis()))
        .execute(&mut conn);
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let version = match diesel::sql_query("SELECT current_setting('server_version') AS v")
        .get_result::<Version>(&mut conn)
    {
        Ok(v) => v.v,
        Err(e) => return vec![line(Outcome::Fail, "database", format!("query failed: {e}"))],
    };
    let mut out = vec![line(
        Outcome::Ok,
        "database",
        format!("{} answers (PostgreSQL {version})", shown(&url)),
    )];
    use diesel_migrations::MigrationHarness;
    match conn.pending_migrations(crate::db::MIGRATIONS) {
        Ok(p) if p.is_empty() => out.push(line(Outcome::Ok, "migrations", "all applied")),
        Ok(p) => out.push(line(
            Outcome::Warn,
            "migrations",
            format!("{} pending: `sipoli migrate` (or the next start) applies them", p.len()),
        )),
        Err(e) => out.push(line(Outcome::Fail, "migrations", format!("cannot read them: {e}"))),
    }
    out
}

async fn check_smtp(settings: &Settings) -> Line {
    use lettre::{AsyncSmtpTransport, Tokio1Executor};
    let Some(url) = &settings.jobs.smtp_url else {
        return line(
            Outcome::Skip,
            "SMTP",
            format!(
                "SMTP_URL is not set: emails are written to {}",
                settings.jobs.outbox_dir.display()
            ),
        );
    };
    let transport = match AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose()) {
        Ok(b) => b.timeout(Some(CHECK_TIMEOUT)).build::<Tokio1Executor>(),
        Err(e) => return line(Outcome::Fail, "SMTP", format!("SMTP_URL is wrong: {e}")),
    };
    match tokio::time::timeout(CHECK_TIMEOUT * 2, transport.test_connection()).await {
        Ok(Ok(true)) => {
            line(Outcome::Ok, "SMTP", format!("{} accepts connections", shown(url.expose())))
        }
        Ok(Ok(false)) => {
            line(Outcome::Fail, "SMTP", format!("{} did not answer NOOP", shown(url.expose())))
        }
        Ok(Err(e)) => line(Outcome::Fail, "SMTP", format!("{}: {e}", shown(url.expose()))),
        Err(_) => line(
            Outcome::Fail,
            "SMTP",
            format!("{}: no answer within {} s", shown(url.expose()), CHECK_TIMEOUT.as_secs() * 2),
        ),
    }
}

/// Any HTTP answer means the service is reachable; no answer is a failure.
async fn check_http(what: &'static str, url: &str) -> Line {
    let client = match reqwest::Client::builder().timeout(CHECK_TIMEOUT).build() {
        Ok(c) => c,
        Err(e) => return line(Outcome::Fail, what, e.to_string()),
    };
    match client.get(url).send().await {
        Ok(r) => line(
            Outcome::Ok,
            what,
            format!("{} answers (HTTP {})", shown(url), r.status().as_u16()),
        ),
        Err(e) if e.is_timeout() => line(
            Outcome::Fail,
            what,
            format!("{}: no answer within {} s", shown(url), CHECK_TIMEOUT.as_secs()),
        ),
        Err(e) => {
            let mut cause: &dyn std::error::Error = &e;
            while let Some(next) = cause.source() {
                cause = next;
            }
            line(Outcome::Fail, what, format!("{}: cannot connect ({cause})", shown(url)))
        }
    }
}

/// Every check, in order. The configuration itself was read before (a bad setting stops
/// `sipoli` with its name and problem).
pub async fn check(settings: &Settings) -> Vec<Line> {
    let mut out = vec![line(
        Outcome::Ok,
        "configuration",
        format!("read; public address {}, time zone {}", settings.base_url, settings.timezone),
    )];
    if crate::config::var("SIPOLI_SECRET_KEY").is_none() {
        out.push(line(
            Outcome::Warn,
            "secret key",
            "SIPOLI_SECRET_KEY is not set: a restart logs everyone out and several nodes disagree",
        ));
    }
    let db_settings = settings.clone();
    match tokio::task::spawn_blocking(move || check_database(&db_settings)).await {
        Ok(lines) => out.extend(lines),
        Err(e) => out.push(line(Outcome::Fail, "database", e.to_string())),
    }
    out.push(check_smtp(settings).await);
    out.push(match &settings.jobs.webhook_url {
        Some(url) => check_http("SMS/WhatsApp gateway", url).await,
        None => line(
            Outcome::Skip,
            "SMS/WhatsApp gateway",
            "SIPOLI_WEBHOOK_URL is not set: messages are written to files",
        ),
    });
    out.push(match &settings.jkn.bpjs {
        Some(bpjs) => check_http("BPJS antrean", &bpjs.base_url).await,
        None => line(Outcome::Skip, "BPJS antrean", "not configured: nothing is reported to BPJS"),
    });
    out
}

/// `sipoli check`: print every line; `Err` when any failed.
pub fn run_check(settings: &Settings) -> Result<(), AppError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(AppError::internal)?;
    let lines = runtime.block_on(check(settings));
    for l in &lines {
        println!("{} {}: {}", l.outcome.tag(), l.what, l.detail);
    }
    let failed = lines.iter().filter(|l| l.outcome == Outcome::Fail).count();
    if failed > 0 {
        Err(AppError::internal(format!("{failed} check(s) failed")))
    } else {
        println!("all checks passed");
        Ok(())
    }
}

/// A PostgreSQL client program: on PATH, else the newest `/usr/lib/postgresql/*/bin`.
fn pg_tool(name: &str) -> Result<PathBuf, AppError> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    if let Some(dir) = on_path.into_iter().find(|d| d.join(name).is_file()) {
        return Ok(dir.join(name));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let tool = e.path().join("bin").join(name);
            tool.is_file().then_some((version, tool))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, t)| t).ok_or_else(|| {
        AppError::internal(format!(
            "{name} not found: install the PostgreSQL client (apt-get install postgresql-client)"
        ))
    })
}

fn run_tool(mut cmd: Command, what: &str) -> Result<(), AppError> {
    let out = cmd.output().map_err(|e| AppError::internal(format!("{what}: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(AppError::internal(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Backups written by [`backup`] in `dir`, oldest first.
pub fn backups_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("sipoli-") && n.ends_with(".dump"))
        })
        .collect();
    files.sort();
    files
}

/// `sipoli backup`: `pg_dump` in custom format to `dir/sipoli-<UTC time>.dump`, then keep
/// only the newest `keep` backups there (0: keep all). Returns the new file.
pub fn backup(settings: &Settings, dir: &Path, keep: usize) -> Result<PathBuf, AppError> {
    let url = settings.resolve_database_url()?;
    std::fs::create_dir_all(dir)
        .map_err(|e| AppError::internal(format!("cannot create {}: {e}", dir.display())))?;
    let stamp = crate::clock::SystemClock.now().format("%Y%m%dT%H%M%S%.3fZ");
    let file = dir.join(format!("sipoli-{stamp}.dump"));
    let partial = dir.join(format!(".sipoli-{stamp}.dump.partial"));
    let mut cmd = Command::new(pg_tool("pg_dump")?);
    cmd.arg("--format=custom")
        .arg("--no-owner")
        .arg("--file")
        .arg(&partial)
        .arg("--dbname")
        .arg(&url);
    if let Err(e) = run_tool(cmd, "pg_dump") {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, &file).map_err(AppError::internal)?;
    if keep > 0 {
        let all = backups_in(dir);
        for old in all.iter().take(all.len().saturating_sub(keep)) {
            std::fs::remove_file(old)
                .map_err(|e| AppError::internal(format!("cannot remove {}: {e}", old.display())))?;
        }
    }
    Ok(file)
}

/// Tables in the database's own schemas (0: an empty database).
fn user_tables(url: &str) -> Result<i64, AppError> {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = crate::db::connect(&with_connect_timeout(url, 10))?;
    let n: N = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p') AND s.nspname NOT IN ('pg_catalog', 'information_schema')
            AND s.nspname NOT LIKE 'pg_toast%' AND s.nspname NOT LIKE 'pg_temp%'",
    )
    .get_result(&mut conn)?;
    Ok(n.n)
}

/// `sipoli restore FILE`: into an empty database; a database with tables is refused unless
/// `force` (then its objects are dropped and replaced by the backup's).
pub fn restore(settings: &Settings, file: &Path, force: bool) -> Result<(), AppError> {
    if !file.is_file() {
        return Err(AppError::internal(format!("no backup file at {}", file.display())));
    }
    let url = settings.resolve_database_url()?;
    let tables = user_tables(&url)?;
    if tables > 0 && !force {
        return Err(AppError::internal(format!(
            "the database is not empty ({tables} tables): restore into an empty database, \
             or add --force to replace its contents"
        )));
    }
    let mut cmd = Command::new(pg_tool("pg_restore")?);
    cmd.arg("--no-owner").arg("--no-privileges").arg("--exit-on-error").arg("--single-transaction");
    if tables > 0 {
        cmd.arg("--clean").arg("--if-exists");
    }
    cmd.arg("--dbname").arg(&url).arg(file);
    run_tool(cmd, "pg_restore")
}
