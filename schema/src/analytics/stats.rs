//! Exact duration statistics, computed in Rust from the sorted durations that the database returns: SQLite has no
//! percentile function, and PostgreSQL's `percentile_cont` interpolates differently per version of the question, so
//! one definition serves both backends.

use async_graphql::SimpleObject;

/// Statistics of a set of durations, in seconds. Exact (no sampling or sketches) on both databases.
#[derive(SimpleObject, Debug, Clone, Default, PartialEq)]
pub struct DurationStats {
    /// How many durations were measured.
    pub count: i64,
    /// Arithmetic mean, in seconds; null when `count` is 0.
    pub mean: Option<f64>,
    /// Median, in seconds: the middle value, or the mean of the two middle values when `count` is even.
    pub median: Option<f64>,
    /// 90th percentile, in seconds, by nearest rank: the smallest duration that at least 90% of them do not exceed.
    pub p90: Option<f64>,
}

impl DurationStats {
    pub fn of(mut seconds: Vec<f64>) -> Self {
        if seconds.is_empty() {
            return Self::default();
        }
        seconds.sort_by(f64::total_cmp);
        let n = seconds.len();
        let mean = seconds.iter().sum::<f64>() / n as f64;
        let median = if n.is_multiple_of(2) { (seconds[n / 2 - 1] + seconds[n / 2]) / 2.0 } else { seconds[n / 2] };
        // Nearest rank: ceil(0.9 n), 1-based.
        let rank = (n * 9).div_ceil(10).max(1);
        Self { count: n as i64, mean: Some(mean), median: Some(median), p90: Some(seconds[rank - 1]) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_p90_by_nearest_rank() {
        let s = DurationStats::of(vec![5.0, 1.0, 3.0, 2.0, 4.0, 6.0, 7.0, 8.0, 9.0, 10.0]);
        assert_eq!((s.count, s.mean, s.median, s.p90), (10, Some(5.5), Some(5.5), Some(9.0)));
        let s = DurationStats::of(vec![3.0, 1.0, 2.0]);
        assert_eq!((s.median, s.p90), (Some(2.0), Some(3.0)));
        assert_eq!(DurationStats::of(vec![]).median, None);
    }
}
