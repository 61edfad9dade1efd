//! The built `sipoli` binary run as a separate process, the way an operator runs it: from
//! its own working directory, configured by environment variables only.
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A fresh empty directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        let dir = std::env::temp_dir()
            .join(format!("sipoli-{label}-{}", &sipoli::config::random_key()[..12]));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// SIGTERM to a process, through the shell's own `kill` (no procps needed).
pub fn sigterm(pid: u32) {
    let status =
        Command::new("sh").args(["-c", &format!("kill -TERM {pid}")]).status().expect("sh");
    assert!(status.success(), "kill -TERM {pid}");
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// The `sipoli` command with a clean working directory and the given database.
pub fn sipoli(cwd: &std::path::Path, database_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sipoli"));
    cmd.current_dir(cwd)
        .env("DATABASE_URL", database_url)
        .env_remove("SIPOLI_ASSETS")
        .env_remove("SIPOLI_BASE_URL")
        .env("RUST_LOG", "warn");
    cmd
}

/// A running `sipoli serve` process, killed on drop.
pub struct Node {
    pub child: Child,
    pub port: u16,
    pub base: String,
    pub _dir: TempDir,
}

impl Node {
    /// Start `sipoli <args>` from an empty directory on a free loopback port and wait until
    /// it answers `/healthz`.
    pub async fn start(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> Node {
        let dir = TempDir::new("node");
        let port = free_port();
        let mut cmd = sipoli(&dir.0, database_url);
        cmd.args(args)
            .env("SIPOLI_BIND", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start the sipoli binary");
        let node = Node { child, port, base: format!("http://127.0.0.1:{port}"), _dir: dir };
        node.wait_ready().await;
        node
    }

    pub async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(r) = client.get(format!("{}/healthz", self.base)).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the sipoli binary did not answer on port {}", self.port);
    }

    /// Send SIGTERM (the way systemd stops a service).
    pub fn terminate(&self) {
        sigterm(self.child.id());
    }

    /// Wait for the process to end (polling, bounded).
    pub async fn wait_exit(&mut self) -> std::process::ExitStatus {
        for _ in 0..600 {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the sipoli process did not stop");
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
