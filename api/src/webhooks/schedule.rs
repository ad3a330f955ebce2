//! When to try again: exponential back-off with jitter, `Retry-After` honoured, and which outcomes are worth a
//! retry at all (timeouts, connection errors, 429 and 5xx; not other 4xx, nor 3xx: redirects are not followed).

use std::time::Duration;

/// The longest single wait between two attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(10 * 3600);
/// The longest `Retry-After` honoured (a day).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(86_400);

/// The wait after the `attempt`-th failed attempt (1-based): `base × 4^(attempt-1)`, at most [`MAX_DELAY`], ±20%.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let exp = 4f64.powi(attempt.saturating_sub(1).min(30) as i32);
    let nominal = (base.as_secs_f64() * exp).min(MAX_DELAY.as_secs_f64());
    let jitter = 0.8 + rand::random::<f64>() * 0.4;
    Duration::from_secs_f64(nominal * jitter)
}

/// What an attempt's outcome means for the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// Worth another attempt (at least this long from now, when the endpoint said so).
    Retry(Option<Duration>),
    /// Not worth another attempt.
    Give,
}

/// A response's verdict.
pub fn judge(status: u16, retry_after: Option<&str>) -> Verdict {
    match status {
        200..=299 => Verdict::Delivered,
        429 | 500..=599 => Verdict::Retry(retry_after.and_then(parse_retry_after)),
        _ => Verdict::Give,
    }
}

/// `Retry-After`: seconds, or an HTTP date; at most a day.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    let wait = match v.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
            (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).to_std().unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_spans_about_a_day() {
        // Nominal waits (no jitter) of the defaults: 10 s base, 9 attempts, so 8 waits.
        let total: f64 = (1..9).map(|n| (10.0 * 4f64.powi(n - 1)).min(MAX_DELAY.as_secs_f64())).sum();
        assert!((20.0 * 3600.0..28.0 * 3600.0).contains(&total), "{total}");
        let d = backoff(Duration::from_secs(10), 2);
        assert!(d >= Duration::from_secs(32) && d <= Duration::from_secs(48), "{d:?}");
        assert!(backoff(Duration::from_secs(10), 40) <= MAX_DELAY.mul_f64(1.2));
    }

    #[test]
    fn verdicts() {
        assert_eq!(judge(204, None), Verdict::Delivered);
        assert_eq!(judge(500, None), Verdict::Retry(None));
        assert_eq!(judge(429, Some("3")), Verdict::Retry(Some(Duration::from_secs(3))));
        assert_eq!(judge(400, None), Verdict::Give);
        assert_eq!(judge(301, None), Verdict::Give);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
    }
}
