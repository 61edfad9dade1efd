//! Waiting-time figures of a day (design.md §2): wait is check-in → first call; the
//! quality indicator is the share of patients called within 60 minutes, target ≥ 80 %.

/// The standard wait, in minutes (Kepmenkes 129/2008).
pub const WAIT_STANDARD_MINUTES: f64 = 60.0;
/// The national indicator's target share (PMK 30/2022).
pub const TARGET_SHARE: f64 = 0.8;

/// The `p`-th percentile (0–100) by linear interpolation between closest ranks; `None`
/// for no samples.
pub fn percentile(samples: &[f64], p: f64) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (p.clamp(0.0, 100.0) / 100.0) * (sorted.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64))
}

/// Share of waits within the standard; `None` for no samples.
pub fn share_within(waits: &[f64], limit_minutes: f64) -> Option<f64> {
    if waits.is_empty() {
        return None;
    }
    Some(waits.iter().filter(|w| **w <= limit_minutes).count() as f64 / waits.len() as f64)
}

/// Minutes from one moment to another (never negative); `None` when either is missing.
pub fn minutes_between(
    from: Option<chrono::DateTime<chrono::Utc>>,
    to: Option<chrono::DateTime<chrono::Utc>>,
) -> Option<f64> {
    Some((to? - from?).num_seconds().max(0) as f64 / 60.0)
}

/// The figures of a group of times: median, p90 and the share within the standard.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spread {
    pub count: usize,
    pub median: Option<f64>,
    pub p90: Option<f64>,
    /// Share within [`WAIT_STANDARD_MINUTES`].
    pub within: Option<f64>,
}

impl Spread {
    pub fn of(samples: &[f64]) -> Spread {
        Spread {
            count: samples.len(),
            median: percentile(samples, 50.0),
            p90: percentile(samples, 90.0),
            within: share_within(samples, WAIT_STANDARD_MINUTES),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[7.0], 90.0), Some(7.0));
        assert_eq!(percentile(&[10.0, 30.0, 20.0], 50.0), Some(20.0));
        assert_eq!(percentile(&[10.0, 20.0, 30.0, 40.0], 50.0), Some(25.0));
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert!((percentile(&ten, 90.0).unwrap() - 9.1).abs() < 1e-9);
    }

    #[test]
    fn a_spread_has_median_p90_and_share() {
        let s = Spread::of(&[10.0, 20.0, 30.0, 40.0, 70.0, 90.0]);
        assert_eq!((s.count, s.median, s.p90), (6, Some(35.0), Some(80.0)));
        assert!((s.within.unwrap() - 4.0 / 6.0).abs() < 1e-9);
        assert_eq!(Spread::of(&[]), Spread::default());
    }

    #[test]
    fn share_counts_the_limit_itself() {
        assert_eq!(share_within(&[], 60.0), None);
        assert_eq!(share_within(&[10.0, 60.0, 61.0, 120.0], 60.0), Some(0.5));
    }
}
