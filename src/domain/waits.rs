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
    fn share_counts_the_limit_itself() {
        assert_eq!(share_within(&[], 60.0), None);
        assert_eq!(share_within(&[10.0, 60.0, 61.0, 120.0], 60.0), Some(0.5));
    }
}
