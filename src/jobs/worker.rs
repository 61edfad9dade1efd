//! The worker: claims due jobs, sends them, records the outcome. Several workers (in
//! `serve` and in `sipoli worker` processes) may drain the same queue: a claim is one
//! `UPDATE … FOR UPDATE SKIP LOCKED`, so no job is taken twice while its lease runs.
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use futures_util::StreamExt;
use rand::Rng;
use tokio::sync::Notify;

use super::email::Email;
use super::messages;
use super::queue::retry_delay;
use super::webhook::{Webhook, WebhookBody};
use crate::app::AppState;
use crate::db;
use crate::db::notifications::{self, Job};
use crate::error::{AppError, AppResult};
use crate::service::outbox::{self, Facts, Kind};

/// Why a send did not go through.
#[derive(Debug, Clone)]
pub struct SendError {
    pub message: String,
    /// Trying again cannot help (bad address, refused for good): the job dies at once.
    pub permanent: bool,
}

impl SendError {
    pub fn retry(message: impl Into<String>) -> SendError {
        SendError { message: message.into(), permanent: false }
    }
    pub fn permanent(message: impl Into<String>) -> SendError {
        SendError { message: message.into(), permanent: true }
    }
}

/// Batches a worker has in flight at once (each claims its own jobs with `SKIP LOCKED`).
pub const LANES: usize = 4;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub claimed: usize,
    pub sent: usize,
    pub failed: usize,
}

pub struct Worker {
    state: AppState,
    id: String,
    email: Email,
    webhook: Webhook,
}

impl Worker {
    /// A worker with the channels the settings describe.
    pub fn new(state: AppState) -> AppResult<Worker> {
        let settings = &state.settings.jobs;
        let outbox = state.settings.root.join(&settings.outbox_dir);
        let email = Email::new(settings, &outbox).map_err(AppError::internal)?;
        let webhook = Webhook::new(settings, &outbox).map_err(AppError::internal)?;
        let id = format!("{}-{}", std::process::id(), &crate::config::random_key()[..8]);
        Ok(Worker { state, id, email, webhook })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Claim one batch of due jobs and work it. Jobs of a batch are sent concurrently.
    pub async fn run_once(&self) -> AppResult<Pass> {
        // A stopping process waits for this batch (`crate::shutdown`).
        let _busy = crate::shutdown::busy();
        if crate::shutdown::is_stopping() {
            return Ok(Pass::default());
        }
        let settings = &self.state.settings.jobs;
        let now = self.state.now();
        let (id, lease, limit) =
            (self.id.clone(), Duration::seconds(settings.lease_seconds), settings.batch_size);
        let jobs = db::run(&self.state.pool, move |c| {
            notifications::bury_abandoned(c, now)?;
            notifications::claim(c, &id, now, lease, limit)
        })
        .await?;
        if jobs.is_empty() {
            return Ok(Pass::default());
        }
        if crate::shutdown::is_stopping() {
            // Claimed as the process began to stop: hand them back for another worker now,
            // rather than after the lease.
            let (id, claimed) =
                (self.id.clone(), jobs.iter().map(|j| (j.id, j.attempts)).collect::<Vec<_>>());
            db::run(&self.state.pool, move |c| notifications::release(c, &id, &claimed)).await?;
            return Ok(Pass::default());
        }
        let outcomes =
            futures_util::future::join_all(jobs.iter().map(|job| self.deliver(job))).await;
        let mut pass = Pass { claimed: jobs.len(), ..Pass::default() };
        let mut done = Vec::new();
        let mut failures = Vec::new();
        for (job, outcome) in jobs.iter().zip(outcomes) {
            match outcome {
                Ok(()) => done.push((job.id, job.attempts)),
                Err(e) => {
                    tracing::warn!(job = job.id, kind = %job.kind, channel = %job.channel,
                        attempt = job.attempts, error = %e.message, "notification not sent");
                    let jitter: f64 = rand::rng().random();
                    let delay = retry_delay(job.attempts, settings.retry_base_seconds, jitter);
                    failures.push(((job.id, job.attempts), e, now + delay));
                }
            }
        }
        pass.sent = done.len();
        pass.failed = failures.len();
        let (id, now) = (self.id.clone(), self.state.now());
        db::run(&self.state.pool, move |c| {
            notifications::mark_sent(c, &id, &done, now)?;
            for (job, error, retry_at) in failures {
                notifications::mark_failed(
                    c,
                    &id,
                    job,
                    &error.message,
                    error.permanent,
                    retry_at,
                    now,
                )?;
            }
            Ok(())
        })
        .await?;
        Ok(pass)
    }

    /// Work batches until no job is due (tests, benchmarks). Jobs whose retry lies in the
    /// future are left for later. [`LANES`] batches are in flight at once: while one waits
    /// for the database, the others are delivering.
    pub async fn run_until_empty(&self) -> AppResult<Pass> {
        let lanes = futures_util::future::try_join_all((0..LANES).map(|_| self.drain())).await?;
        Ok(lanes.into_iter().fold(Pass::default(), |total, p| Pass {
            claimed: total.claimed + p.claimed,
            sent: total.sent + p.sent,
            failed: total.failed + p.failed,
        }))
    }

    /// One lane of [`Self::run_until_empty`]: batch after batch until none is due.
    async fn drain(&self) -> AppResult<Pass> {
        let mut total = Pass::default();
        loop {
            let pass = self.run_once().await?;
            if pass.claimed == 0 || crate::shutdown::is_stopping() {
                return Ok(total);
            }
            total.claimed += pass.claimed;
            total.sent += pass.sent;
            total.failed += pass.failed;
        }
    }

    /// Send one job through its channel.
    async fn deliver(&self, job: &Job) -> Result<(), SendError> {
        if let Some(done) =
            super::civic::deliver(&self.state, &self.email, &self.webhook, job).await
        {
            return done;
        }
        let kind = Kind::parse(&job.kind)
            .ok_or_else(|| SendError::permanent(format!("unknown kind {}", job.kind)))?;
        if kind == Kind::QueueCheck {
            return self.check_queue(job).await;
        }
        let facts: Facts = serde_json::from_value(job.payload.clone())
            .map_err(|e| SendError::permanent(format!("payload: {e}")))?;
        let settings = &self.state.settings;
        let message = messages::render(kind, &facts, settings.timezone, &settings.base_url)
            .map_err(|e| SendError::permanent(format!("template: {e}")))?;
        match job.channel.as_str() {
            "email" => self.email.send(&job.recipient, &message).await,
            "webhook" => {
                let body = WebhookBody {
                    to: &job.recipient,
                    message: &message.short,
                    kind: kind.as_str(),
                    booking_code: &facts.booking_code,
                };
                self.webhook.send(&body, &format!("job-{}-{}", job.id, job.kind)).await
            }
            other => Err(SendError::permanent(format!("unknown channel {other}"))),
        }
    }

    /// A queue moved: enqueue "turn approaching" for whoever is now close.
    async fn check_queue(&self, job: &Job) -> Result<(), SendError> {
        let session_id = job.payload["session_id"]
            .as_i64()
            .and_then(|s| i32::try_from(s).ok())
            .ok_or_else(|| SendError::permanent("queue_check without session_id"))?;
        let settings = &self.state.settings.jobs;
        let turns = (settings.turn_ahead, settings.turn_minutes);
        let (tz, now) = (self.state.tz(), self.state.now());
        db::transaction(&self.state.pool, move |c| {
            outbox::check_turns(c, turns, tz, session_id, now)
        })
        .await
        .map(drop)
        .map_err(|e| SendError::retry(e.to_string()))
    }

    /// The day-before reminders (cheap; any number of workers may run it).
    pub async fn scan_reminders(&self) -> AppResult<usize> {
        let reminder_at = self.state.settings.jobs.reminder_at;
        let (tz, now) = (self.state.tz(), self.state.now());
        db::transaction(&self.state.pool, move |c| {
            outbox::enqueue_reminders(c, reminder_at, tz, now)
        })
        .await
    }

    /// Lapse waitlist offers whose time ran out and offer free places (issue 14).
    pub async fn sweep_waitlists(&self) -> AppResult<usize> {
        let state = self.state.clone();
        crate::service::in_transaction(&self.state, move |c| {
            crate::service::waitlist::sweep(c, &state)
        })
        .await
    }

    /// Cancel bookings not confirmed after the reminder, when the setting says so.
    pub async fn cancel_unconfirmed(&self) -> AppResult<usize> {
        let state = self.state.clone();
        crate::service::in_transaction(&self.state, move |c| {
            crate::service::unconfirmed::cancel_due(c, &state)
        })
        .await
    }

    /// Run for as long as the process does: woken by `NOTIFY sipoli_jobs` on the database at
    /// `listen_url`, and every `SIPOLI_NOTIFY_POLL_SECONDS` in any case (retries that come
    /// due, a lost LISTEN connection).
    pub async fn run_forever(self, listen_url: Option<String>) {
        let wake = Arc::new(Notify::new());
        if let Some(url) = listen_url {
            actix_web::rt::spawn(listen(url, wake.clone()));
        }
        let poll = StdDuration::from_secs(self.state.settings.jobs.poll_seconds);
        let mut last_scan: Option<chrono::DateTime<chrono::Utc>> = None;
        while !crate::shutdown::is_stopping() {
            let now = self.state.now();
            if last_scan.is_none_or(|at| now - at >= Duration::minutes(1)) {
                last_scan = Some(now);
                if let Err(e) = self.scan_reminders().await {
                    tracing::warn!(error = %e, "reminder scan failed");
                }
                if let Err(e) = self.sweep_waitlists().await {
                    tracing::warn!(error = %e, "waitlist sweep failed");
                }
                if let Err(e) = self.cancel_unconfirmed().await {
                    tracing::warn!(error = %e, "unconfirmed bookings scan failed");
                }
                if let Err(e) = super::civic::scan(&self.state).await {
                    tracing::warn!(error = %e, "complaint / open data scan failed");
                }
            }
            if let Err(e) = self.run_until_empty().await {
                tracing::warn!(error = %e, "notification worker pass failed");
            }
            tokio::select! {
                _ = actix_web::rt::time::timeout(poll, wake.notified()) => {}
                () = crate::shutdown::stopped() => {}
            }
        }
        tracing::info!(worker = self.id(), "notification worker stopped");
    }
}

/// The pause before reopening a lost `LISTEN sipoli_jobs` connection: the worker resumes
/// within a few seconds of PostgreSQL coming back (`tests/api/recovery.rs`).
pub const LISTEN_RETRY: StdDuration = StdDuration::from_secs(1);

/// Hold a `LISTEN sipoli_jobs` connection and wake the worker on each notification;
/// reconnect after [`LISTEN_RETRY`] when the connection is lost.
async fn listen(url: String, wake: Arc<Notify>) {
    loop {
        match tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
            Ok((client, mut connection)) => {
                let mut messages =
                    futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                let driver = async {
                    while let Some(message) = messages.next().await {
                        match message {
                            Ok(tokio_postgres::AsyncMessage::Notification(_)) => wake.notify_one(),
                            Ok(_) => {}
                            Err(e) => {
                                tracing::warn!(error = %e, "LISTEN connection lost");
                                break;
                            }
                        }
                    }
                };
                let subscribe = async {
                    if let Err(e) = client.batch_execute("LISTEN sipoli_jobs").await {
                        tracing::warn!(error = %e, "LISTEN failed");
                    }
                    // Anything enqueued while we were away.
                    wake.notify_one();
                    std::future::pending::<()>().await
                };
                tokio::select! {
                    () = driver => {}
                    () = subscribe => {}
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot open the LISTEN connection"),
        }
        actix_web::rt::time::sleep(LISTEN_RETRY).await;
    }
}

/// Start a worker in the background of this process (`serve`, `worker`).
pub fn spawn(state: AppState) {
    let listen_url = match state.settings.resolve_database_url() {
        Ok(url) => Some(url),
        Err(e) => {
            tracing::warn!(error = %e, "no LISTEN for notification jobs; polling only");
            None
        }
    };
    match Worker::new(state) {
        Ok(worker) => {
            tracing::info!(worker = worker.id(), "notification worker started");
            actix_web::rt::spawn(worker.run_forever(listen_url));
        }
        Err(e) => tracing::error!(error = %e, "notification worker cannot start"),
    }
}
