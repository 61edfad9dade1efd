//! The managed local PostgreSQL: a private cluster under `var/pg`, used when `DATABASE_URL`
//! is not set (the demo, the test suite, a developer's machine).
//!
//! Layout: `var/pg/data` (the cluster), `var/pg/run` (its Unix socket), `var/pg/port` (the
//! TCP port on 127.0.0.1 chosen at creation), `var/pg/password` (the `sipoli` role's random
//! password, mode 0600), `var/pg/server.log`, `var/pg/lock` (serialises two processes that
//! start it at once). Run as root, the server runs as the `postgres` system user, since
//! PostgreSQL refuses to run as root.
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use diesel::{Connection, PgConnection, RunQueryDsl};

const ROLE: &str = "sipoli";
const DATABASE: &str = "sipoli";

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LocalPgError(String);

fn fail(msg: impl Into<String>) -> LocalPgError {
    LocalPgError(msg.into())
}

pub struct LocalPg {
    dir: PathBuf,
    bin: PathBuf,
    /// Run the server tools as this system user (when we are root).
    run_as: Option<String>,
}

/// The directory holding `initdb` and `pg_ctl`: on PATH, else the newest
/// `/usr/lib/postgresql/*/bin`.
fn find_bin() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    if let Some(dir) =
        on_path.into_iter().find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
    {
        return Some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

fn free_port() -> Result<u16, LocalPgError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| fail(format!("no free port: {e}")))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| fail(e.to_string()))
}

impl LocalPg {
    /// The cluster of the project at `root`. Fails with advice when PostgreSQL's server
    /// programs are not installed.
    pub fn new(root: &Path) -> Result<LocalPg, LocalPgError> {
        let bin = find_bin().ok_or_else(|| {
            fail(
                "PostgreSQL server programs (initdb, pg_ctl) not found. Install them \
                 (Debian/Ubuntu: `sudo apt-get install postgresql`) or set DATABASE_URL to an \
                 existing PostgreSQL database.",
            )
        })?;
        let run_as = is_root().then(|| "postgres".to_string());
        Ok(LocalPg { dir: root.join("var").join("pg"), bin, run_as })
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn tool(&self, name: &str) -> Command {
        let program = self.bin.join(name);
        match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg(program);
                c
            }
            None => Command::new(program),
        }
    }

    fn run(&self, mut cmd: Command, what: &str) -> Result<(), LocalPgError> {
        let out = cmd.output().map_err(|e| fail(format!("{what}: cannot run: {e}")))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(fail(format!(
                "{what} failed: {}{}",
                String::from_utf8_lossy(&out.stderr),
                self.log_tail()
            )))
        }
    }

    fn log_tail(&self) -> String {
        let log = fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(10)..].join("\n");
        if tail.is_empty() {
            tail
        } else {
            format!("\nserver log ({}):\n{tail}", self.dir.join("server.log").display())
        }
    }

    fn read(&self, name: &str) -> Result<String, LocalPgError> {
        fs::read_to_string(self.dir.join(name))
            .map(|s| s.trim().to_string())
            .map_err(|e| fail(format!("{}: {e}", self.dir.join(name).display())))
    }

    /// Hand the cluster's files to the server's user.
    fn chown(&self) -> Result<(), LocalPgError> {
        let Some(user) = &self.run_as else { return Ok(()) };
        let mut c = Command::new("chown");
        c.arg("-R").arg(format!("{user}:")).arg(&self.dir);
        self.run(c, "chown")
    }

    fn init(&self) -> Result<(), LocalPgError> {
        fs::create_dir_all(self.dir.join("run")).map_err(|e| fail(e.to_string()))?;
        let password = hex::encode(rand::random::<[u8; 24]>());
        let pwfile = self.dir.join("password");
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&pwfile)
            .map_err(|e| fail(e.to_string()))?;
        f.write_all(password.as_bytes()).map_err(|e| fail(e.to_string()))?;
        fs::write(self.dir.join("port"), free_port()?.to_string())
            .map_err(|e| fail(e.to_string()))?;
        let _ = fs::remove_dir_all(self.data());
        self.chown()?;
        let mut c = self.tool("initdb");
        c.arg("-D")
            .arg(self.data())
            .args([
                "-U",
                ROLE,
                "-E",
                "UTF8",
                "--locale=C",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ])
            .arg(format!("--pwfile={}", pwfile.display()));
        self.run(c, "initdb")?;
        // Settings for a private cluster: loopback only, enough connections for the tests.
        let conf = "\nlisten_addresses = '127.0.0.1'\nmax_connections = 300\n\
                    shared_buffers = 128MB\ntimezone = 'UTC'\nlog_timezone = 'UTC'\n";
        OpenOptions::new()
            .append(true)
            .open(self.data().join("postgresql.conf"))
            .and_then(|mut f| f.write_all(conf.as_bytes()))
            .map_err(|e| fail(e.to_string()))
    }

    /// Is the server of this cluster running?
    pub fn status(&self) -> Result<bool, LocalPgError> {
        if !self.data().join("PG_VERSION").exists() {
            return Ok(false);
        }
        let out = self
            .tool("pg_ctl")
            .arg("status")
            .arg("-D")
            .arg(self.data())
            .output()
            .map_err(|e| fail(e.to_string()))?;
        Ok(out.status.success())
    }

    /// Create the cluster if needed, start it if needed, make sure the `sipoli` database
    /// exists, and return its URL. Safe to call from several processes at once.
    pub fn ensure_running(&self) -> Result<String, LocalPgError> {
        fs::create_dir_all(&self.dir).map_err(|e| fail(e.to_string()))?;
        let lock = File::create(self.dir.join("lock")).map_err(|e| fail(e.to_string()))?;
        lock.lock().map_err(|e| fail(format!("lock {}: {e}", self.dir.display())))?;
        if !self.data().join("PG_VERSION").exists() || !self.dir.join("password").exists() {
            self.init()?;
        }
        if !self.status()? {
            self.chown()?;
            let port = self.read("port")?;
            let mut c = self.tool("pg_ctl");
            c.arg("start")
                .arg("-D")
                .arg(self.data())
                .arg("-w")
                .args(["-t", "60"])
                .arg("-l")
                .arg(self.dir.join("server.log"))
                .arg("-o")
                .arg(format!("-p {port} -k {}", self.dir.join("run").display()));
            self.run(c, "pg_ctl start")?;
        }
        self.create_database()?;
        Ok(self.url(DATABASE))
    }

    fn create_database(&self) -> Result<(), LocalPgError> {
        let mut conn = PgConnection::establish(&self.url("postgres"))
            .map_err(|e| fail(format!("connect to the managed PostgreSQL: {e}")))?;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let found: N =
            diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
                .bind::<diesel::sql_types::Text, _>(DATABASE)
                .get_result(&mut conn)
                .map_err(|e| fail(e.to_string()))?;
        if found.n == 0 {
            diesel::sql_query(format!("CREATE DATABASE {DATABASE}"))
                .execute(&mut conn)
                .map_err(|e| fail(e.to_string()))?;
        }
        Ok(())
    }

    pub fn stop(&self) -> Result<(), LocalPgError> {
        if !self.status()? {
            return Ok(());
        }
        let mut c = self.tool("pg_ctl");
        c.arg("stop").arg("-D").arg(self.data()).args(["-m", "fast", "-w"]);
        self.run(c, "pg_ctl stop")
    }

    /// The URL of database `name` in this cluster (over loopback TCP, with the password).
    pub fn url(&self, name: &str) -> String {
        let port = self.read("port").unwrap_or_default();
        let password = self.read("password").unwrap_or_default();
        format!("postgres://{ROLE}:{password}@127.0.0.1:{port}/{name}")
    }
}
