//! Logging: `RUST_LOG` filters, `SIPOLI_LOG_FORMAT=json` for structured output.
use tracing_subscriber::{EnvFilter, fmt};

pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_target(false);
    // Ignore "already set": tests and the demo may call this more than once.
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
