//! Rate-limit headers: how much budget is left and how long to wait.
//!
//! Read, in order of precedence for the wait:
//!
//! 1. `Retry-After`: delay seconds or an HTTP-date;
//! 2. `X-RateLimit-Reset` / `RateLimit-Reset`: a Unix time in seconds
//!    (GitHub, GitLab) or, for values below 10⁹, delta seconds (the IETF
//!    `RateLimit` fields); `RateLimit-ResetTime` as an HTTP-date (GitLab).
//!
//! `limit` and `remaining` come from `X-RateLimit-Limit` /
//! `X-RateLimit-Remaining` or `RateLimit-Limit` / `RateLimit-Remaining`.
//! Absolute times are turned into durations against the response's own
//! `Date` header when it has one, so a skewed local clock does not matter.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

/// Values at or above this are Unix times, below it delta seconds.
const EPOCH_THRESHOLD: f64 = 1_000_000_000.0;

/// What a response said about the caller's rate-limit budget.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed in the current window.
    pub limit: Option<u64>,
    /// Requests left in the current window.
    pub remaining: Option<u64>,
    /// Time until the window resets.
    pub reset_after: Option<Duration>,
    /// The wait the server asked for explicitly (`Retry-After`).
    pub retry_after: Option<Duration>,
}

impl RateLimit {
    /// Read the rate-limit headers. `now` is the time the response was
    /// produced (see [`response_time`]).
    pub fn from_headers(headers: &HeaderMap, now: SystemTime) -> Self {
        let num = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| header_str(headers, n))
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let reset_after = ["x-ratelimit-reset", "ratelimit-reset"]
            .iter()
            .find_map(|n| header_str(headers, n))
            .and_then(|v| parse_reset(v, now))
            .or_else(|| {
                header_str(headers, "ratelimit-resettime").and_then(|v| http_date_after(v, now))
            });
        RateLimit {
            limit: num(&["x-ratelimit-limit", "ratelimit-limit"]),
            remaining: num(&["x-ratelimit-remaining", "ratelimit-remaining"]),
            reset_after,
            retry_after: header_str(headers, "retry-after").and_then(|v| parse_retry_after(v, now)),
        }
    }

    /// Whether the budget is used up (`remaining == 0`).
    pub fn is_exhausted(&self) -> bool {
        self.remaining == Some(0)
    }

    /// Whether the response carries any rate-limit signal at all.
    pub fn is_present(&self) -> bool {
        *self != RateLimit::default()
    }

    /// How long to wait before trying again: `Retry-After` if given, else
    /// the time to the window's reset.
    pub fn wait(&self) -> Option<Duration> {
        self.retry_after.or(self.reset_after)
    }
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The time a response was produced: its `Date` header, else the local
/// clock.
pub fn response_time(headers: &HeaderMap) -> SystemTime {
    header_str(headers, "date")
        .and_then(|d| httpdate::parse_http_date(d.trim()).ok())
        .unwrap_or_else(SystemTime::now)
}

/// Parse a `Retry-After` value: delay seconds or an HTTP-date (relative to
/// `now`; a date in the past gives zero).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    http_date_after(v, now)
}

fn http_date_after(value: &str, now: SystemTime) -> Option<Duration> {
    let at = httpdate::parse_http_date(value.trim()).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Parse a reset value: a Unix time (seconds) or delta seconds.
fn parse_reset(value: &str, now: SystemTime) -> Option<Duration> {
    let v: f64 = value.trim().parse().ok()?;
    if !v.is_finite() || v < 0.0 {
        return None;
    }
    if v >= EPOCH_THRESHOLD {
        let at = UNIX_EPOCH.checked_add(Duration::from_secs_f64(v))?;
        Some(at.duration_since(now).unwrap_or(Duration::ZERO))
    } else {
        Some(Duration::from_secs_f64(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    const NOW: u64 = 1_700_000_000;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(NOW)
    }

    #[test]
    fn github_style_epoch_reset() {
        let h = headers(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", &(NOW + 42).to_string()),
        ]);
        let rl = RateLimit::from_headers(&h, now());
        assert_eq!(rl.limit, Some(5000));
        assert!(rl.is_exhausted());
        assert_eq!(rl.reset_after, Some(Duration::from_secs(42)));
        assert_eq!(rl.wait(), Some(Duration::from_secs(42)));
    }

    #[test]
    fn ietf_delta_reset_and_gitlab_reset_time() {
        let h = headers(&[("ratelimit-remaining", "3"), ("ratelimit-reset", "30")]);
        let rl = RateLimit::from_headers(&h, now());
        assert_eq!(rl.remaining, Some(3));
        assert_eq!(rl.wait(), Some(Duration::from_secs(30)));

        let at = httpdate::fmt_http_date(now() + Duration::from_secs(90));
        let h = headers(&[("ratelimit-resettime", &at)]);
        assert_eq!(
            RateLimit::from_headers(&h, now()).wait(),
            Some(Duration::from_secs(90))
        );
    }

    #[test]
    fn retry_after_wins_in_both_forms() {
        let h = headers(&[
            ("retry-after", "7"),
            ("x-ratelimit-reset", &(NOW + 100).to_string()),
        ]);
        assert_eq!(
            RateLimit::from_headers(&h, now()).wait(),
            Some(Duration::from_secs(7))
        );
        let date = httpdate::fmt_http_date(now() + Duration::from_secs(120));
        assert_eq!(
            parse_retry_after(&date, now()),
            Some(Duration::from_secs(120))
        );
        let past = httpdate::fmt_http_date(now() - Duration::from_secs(5));
        assert_eq!(parse_retry_after(&past, now()), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now()), None);
        assert_eq!(parse_retry_after("-3", now()), None);
    }

    #[test]
    fn response_time_reads_date_header() {
        let d = httpdate::fmt_http_date(now());
        assert_eq!(response_time(&headers(&[("date", &d)])), now());
    }

    #[test]
    fn garbage_is_ignored() {
        let h = headers(&[
            ("x-ratelimit-remaining", "many"),
            ("x-ratelimit-reset", "NaN"),
        ]);
        let rl = RateLimit::from_headers(&h, now());
        assert!(!rl.is_present());
    }
}
