//! Queue order and estimates (design.md §5).
use chrono::{DateTime, Duration};
use chrono_tz::Tz;

/// How many waiting patients a returning (skipped or late) patient lets go first.
pub const LET_AHEAD: usize = 2;

/// Estimated time of service: `max(now, session start) + position × minutes per patient`.
pub fn estimate(
    now: DateTime<Tz>,
    starts: DateTime<Tz>,
    position: i64,
    minutes: f64,
) -> DateTime<Tz> {
    let base = now.max(starts);
    let seconds = (position.max(0) as f64 * minutes * 60.0).round() as i64;
    base + Duration::seconds(seconds)
}

/// Minutes per patient: the median of the measured services (seconds, most recent first,
/// at most 20 used), or the schedule's value when nothing has been measured yet. Services
/// shorter than 30 seconds are mistakes at the desk (start and finish pressed together)
/// and are left out.
pub fn median_service_minutes(seconds: &[i64], fallback_minutes: i32) -> f64 {
    let mut kept: Vec<i64> = seconds.iter().copied().filter(|s| *s >= 30).take(20).collect();
    if kept.is_empty() {
        return f64::from(fallback_minutes.max(1));
    }
    kept.sort_unstable();
    let mid = kept.len() / 2;
    let median = if kept.len().is_multiple_of(2) {
        (kept[mid - 1] + kept[mid]) as f64 / 2.0
    } else {
        kept[mid] as f64
    };
    median / 60.0
}

/// The sort key that places a patient after the next [`LET_AHEAD`] waiting patients.
/// `waiting` are the sort keys of the other waiting patients (without priority), in call
/// order; `current` is the patient's own key, kept when nobody is waiting.
pub fn replaced_sort_key(waiting: &[f64], current: f64) -> f64 {
    match (waiting.get(LET_AHEAD - 1), waiting.get(LET_AHEAD)) {
        (Some(&after), Some(&before)) => (after + before) / 2.0,
        (Some(&after), None) => after + 1.0,
        (None, _) => waiting.last().map_or(current, |last| last + 1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Asia::Jayapura;

    fn at(h: u32, m: u32) -> DateTime<Tz> {
        Jayapura.with_ymd_and_hms(2026, 12, 1, h, m, 0).single().expect("valid")
    }

    #[test]
    fn estimate_counts_from_the_start_or_now() {
        assert_eq!(estimate(at(7, 0), at(8, 0), 3, 10.0), at(8, 30));
        assert_eq!(estimate(at(9, 0), at(8, 0), 2, 7.5), at(9, 15));
        assert_eq!(estimate(at(9, 0), at(8, 0), 0, 10.0), at(9, 0));
    }

    #[test]
    fn median_of_measured_services() {
        assert_eq!(median_service_minutes(&[], 10), 10.0);
        assert_eq!(median_service_minutes(&[600, 300, 900], 10), 10.0);
        assert_eq!(median_service_minutes(&[600, 300, 900, 1200], 10), 12.5);
        // Slips of the finger are ignored; only the 20 most recent count.
        assert_eq!(median_service_minutes(&[5, 10, 480], 10), 8.0);
        let mut many = vec![60; 20];
        many.extend([6000; 10]);
        assert_eq!(median_service_minutes(&many, 10), 1.0);
    }

    #[test]
    fn returning_patient_goes_after_the_next_two() {
        assert_eq!(replaced_sort_key(&[4.0, 5.0, 6.0, 7.0], 1.0), 5.5);
        assert_eq!(replaced_sort_key(&[4.0, 5.0], 1.0), 6.0);
        assert_eq!(replaced_sort_key(&[4.0], 1.0), 5.0);
        assert_eq!(replaced_sort_key(&[], 1.0), 1.0);
    }
}
