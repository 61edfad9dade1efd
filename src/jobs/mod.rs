//! Patient notifications: a durable job queue (outbox) in PostgreSQL and its channels.
//!
//! - `service::outbox` decides which visit events make which jobs, inside the transaction of
//!   the change ([`triggers`] keeps the hook's name for `db::events::after_record`);
//! - `db::notifications` holds the table operations: enqueue with a dedupe key, claim with
//!   `FOR UPDATE SKIP LOCKED`, complete, revive; [`queue`] the retry backoff;
//! - [`worker`] claims and sends, woken by `LISTEN sipoli_jobs`, polling as a fallback;
//! - [`messages`] writes the words (askama templates in `templates/email/`);
//! - [`email`] (lettre) and [`webhook`] (signed POST to an SMS/WhatsApp gateway) deliver;
//! - [`staff_api`] lets staff see recent jobs and retry dead ones.
pub mod civic;
pub mod email;
pub mod messages;
pub mod queue;
pub mod settings;
pub mod staff_api;
pub mod triggers;
pub mod webhook;
pub mod worker;

pub use settings::JobSettings;

pub use staff_api::configure;
pub use worker::{Worker, spawn};
