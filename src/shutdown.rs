//! Graceful shutdown of a node on SIGTERM (systemd's stop) or Ctrl-C.
//!
//! - The HTTP server stops accepting and finishes the requests in flight (actix-web's own
//!   signal handling, `shutdown_timeout` in `app::build`).
//! - SSE streams send a short `retry:` and end (`crate::realtime`), so browsers reconnect at
//!   once, through the proxy to another node, with their `Last-Event-ID`.
//! - Workers finish the batch they are sending, release jobs they claimed but did not start,
//!   claim nothing more; `main` waits for them ([`drained`]) before the process exits.
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, watch};

/// How long the SSE clients wait before reconnecting after a node stops (milliseconds).
pub const RECONNECT_MS: u64 = 1000;

fn flag() -> &'static watch::Sender<bool> {
    static FLAG: OnceLock<watch::Sender<bool>> = OnceLock::new();
    FLAG.get_or_init(|| watch::channel(false).0)
}

static BUSY: AtomicUsize = AtomicUsize::new(0);
/// The flag's value, for the hot paths that only ask (every SSE client's poll).
static STOPPING: AtomicBool = AtomicBool::new(false);

fn idle() -> &'static Notify {
    static IDLE: OnceLock<Notify> = OnceLock::new();
    IDLE.get_or_init(Notify::new)
}

/// Start stopping this process (idempotent).
pub fn trigger() {
    STOPPING.store(true, Ordering::SeqCst);
    if !flag().send_replace(true) {
        tracing::info!("stopping: no new work; finishing what is in flight");
    }
}

pub fn is_stopping() -> bool {
    STOPPING.load(Ordering::Relaxed)
}

/// Resolves once the process is stopping.
pub async fn stopped() {
    let mut rx = flag().subscribe();
    let _ = rx.wait_for(|s| *s).await;
}

/// Work in progress that shutdown waits for, while the guard lives.
pub struct Busy(());

pub fn busy() -> Busy {
    BUSY.fetch_add(1, Ordering::SeqCst);
    Busy(())
}

impl Drop for Busy {
    fn drop(&mut self) {
        if BUSY.fetch_sub(1, Ordering::SeqCst) == 1 {
            idle().notify_waiters();
        }
    }
}

/// Wait until no work is in progress, at most `limit`; `false` if some still was.
pub async fn drained(limit: Duration) -> bool {
    tokio::time::timeout(limit, async {
        loop {
            let notified = idle().notified();
            if BUSY.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    })
    .await
    .is_ok()
}

/// Resolves on SIGTERM or SIGINT, and marks the process as stopping.
pub async fn on_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    trigger();
}
