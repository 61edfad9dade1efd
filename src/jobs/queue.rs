//! The outbox's retry policy. The table operations (enqueue with a dedupe key, claim with
//! `FOR UPDATE SKIP LOCKED`, mark sent or failed, revive) are `db::notifications`; the ones
//! the tests use are re-exported here.
use chrono::Duration;

pub use crate::db::notifications::{Job, NewJob, claim, enqueue, mark_sent};

/// Delay before attempt `attempts + 1`: `base × 2^(attempts−1)`, at most 6 hours, spread
/// by ±25 % (`jitter` in 0..1) so that jobs failing together do not return together.
pub fn retry_delay(attempts: i32, base_seconds: i64, jitter: f64) -> Duration {
    let exponent = attempts.clamp(1, 20) - 1;
    let plain = base_seconds.max(1).saturating_mul(1_i64 << exponent).min(6 * 3600);
    let spread = 0.75 + 0.5 * jitter.clamp(0.0, 1.0);
    Duration::milliseconds((plain as f64 * 1000.0 * spread).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_with_jitter() {
        assert_eq!(retry_delay(1, 30, 0.5), Duration::seconds(30));
        assert_eq!(retry_delay(2, 30, 0.5), Duration::seconds(60));
        assert_eq!(retry_delay(4, 30, 0.5), Duration::seconds(240));
        assert_eq!(retry_delay(1, 30, 0.0), Duration::milliseconds(22_500));
        assert_eq!(retry_delay(1, 30, 1.0), Duration::milliseconds(37_500));
        // Capped at six hours, whatever the attempt count.
        assert_eq!(retry_delay(30, 30, 0.5), Duration::hours(6));
    }
}
