//! [`CircuitBreakerConfig`] and its defaults.

use std::sync::Arc;
use std::time::Duration;

use mosaic_core::ErrorKind;

use crate::KindSet;

/// The window of recent calls whose failure and slow-call rates decide
/// whether the breaker opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlidingWindow {
    /// The last `n` calls.
    CountBased(u32),
    /// The calls of the last `d`, kept in one-second buckets (whole
    /// seconds, at least one). Each bucket counts up to 16,383 calls;
    /// beyond that a second's calls are sampled by its first 16,383.
    TimeBased(Duration),
}

/// How a circuit breaker decides; see each setter. The defaults follow
/// Resilience4j's:
///
/// | setting | default |
/// |---|---|
/// | [`failure_rate_threshold`](Self::failure_rate_threshold) | 50 % |
/// | [`sliding_window`](Self::sliding_window) | count-based, 100 calls |
/// | [`minimum_calls`](Self::minimum_calls) | 100 |
/// | [`wait_in_open`](Self::wait_in_open) | 60 s |
/// | [`permitted_calls_in_half_open`](Self::permitted_calls_in_half_open) | 10 |
/// | [`slow_call_duration`](Self::slow_call_duration) | 60 s |
/// | [`slow_call_rate_threshold`](Self::slow_call_rate_threshold) | 100 % |
/// | [`record_failures`](Self::record_failures) | every kind except client errors and `RateLimited` |
/// | [`ignore`](Self::ignore) | `Cancelled` |
///
/// ```
/// use std::time::Duration;
/// use mosaic_router::circuit_breaker::{CircuitBreakerConfig, SlidingWindow};
/// let cfg = CircuitBreakerConfig::new("github")
///     .sliding_window(SlidingWindow::TimeBased(Duration::from_secs(30)))
///     .minimum_calls(20)
///     .failure_rate_threshold(25.0)
///     .wait_in_open(Duration::from_secs(10));
/// assert_eq!(cfg.name(), "github");
/// ```
#[derive(Debug, Clone)]
pub struct CircuitBreakerConfig {
    pub(crate) name: Arc<str>,
    pub(crate) failure_rate_threshold: f64,
    pub(crate) slow_call_rate_threshold: f64,
    pub(crate) slow_call_duration: Duration,
    pub(crate) sliding_window: SlidingWindow,
    pub(crate) minimum_calls: u32,
    pub(crate) wait_in_open: Duration,
    pub(crate) permitted_calls_in_half_open: u32,
    pub(crate) record_failures: KindSet,
    pub(crate) ignore: KindSet,
}

impl Default for CircuitBreakerConfig {
    fn default() -> Self {
        Self::new("default")
    }
}

impl CircuitBreakerConfig {
    /// The defaults (see the table above) for a breaker named `name` (the
    /// name appears in errors, events and metrics).
    pub fn new(name: impl Into<Arc<str>>) -> Self {
        CircuitBreakerConfig {
            name: name.into(),
            failure_rate_threshold: 50.0,
            slow_call_rate_threshold: 100.0,
            slow_call_duration: Duration::from_secs(60),
            sliding_window: SlidingWindow::CountBased(100),
            minimum_calls: 100,
            wait_in_open: Duration::from_secs(60),
            permitted_calls_in_half_open: 10,
            record_failures: KindSet::all()
                .difference(KindSet::client_errors())
                .without(ErrorKind::RateLimited),
            ignore: KindSet::of([ErrorKind::Cancelled]),
        }
    }

    /// The breaker's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Open when at least this percentage of the window's calls failed
    /// (clamped to 1–100).
    pub fn failure_rate_threshold(mut self, percent: f64) -> Self {
        self.failure_rate_threshold = clamp_percent(percent);
        self
    }

    /// Open when at least this percentage of the window's calls were slow
    /// (clamped to 1–100).
    pub fn slow_call_rate_threshold(mut self, percent: f64) -> Self {
        self.slow_call_rate_threshold = clamp_percent(percent);
        self
    }

    /// A call taking at least this long is slow. `Duration::MAX` turns
    /// slow-call detection off; with a count-based window the breaker then
    /// reads no clock on a call.
    pub fn slow_call_duration(mut self, duration: Duration) -> Self {
        self.slow_call_duration = duration;
        self
    }

    /// The window the rates are computed over.
    pub fn sliding_window(mut self, window: SlidingWindow) -> Self {
        self.sliding_window = match window {
            SlidingWindow::CountBased(n) => SlidingWindow::CountBased(n.clamp(1, 1 << 20)),
            SlidingWindow::TimeBased(d) => {
                SlidingWindow::TimeBased(Duration::from_secs(d.as_secs().clamp(1, 86_400)))
            }
        };
        self
    }

    /// No rate is computed before the window holds this many calls. With a
    /// count-based window smaller than this, the window size is used.
    pub fn minimum_calls(mut self, calls: u32) -> Self {
        self.minimum_calls = calls.max(1);
        self
    }

    /// How long the breaker stays open before letting probes through.
    pub fn wait_in_open(mut self, wait: Duration) -> Self {
        self.wait_in_open = wait;
        self
    }

    /// How many probe calls the half-open breaker lets through; their
    /// failure and slow rates decide between closing and opening again.
    pub fn permitted_calls_in_half_open(mut self, calls: u32) -> Self {
        self.permitted_calls_in_half_open = calls.max(1);
        self
    }

    /// The error kinds counted as failures; other errors count as
    /// successful calls (the provider answered, the caller was wrong).
    pub fn record_failures(mut self, kinds: KindSet) -> Self {
        self.record_failures = kinds;
        self
    }

    /// The error kinds not recorded at all (neither failure nor success).
    pub fn ignore(mut self, kinds: KindSet) -> Self {
        self.ignore = kinds;
        self
    }

    /// The minimum number of calls in effect.
    pub(crate) fn effective_minimum_calls(&self) -> u32 {
        match self.sliding_window {
            SlidingWindow::CountBased(n) => self.minimum_calls.min(n),
            SlidingWindow::TimeBased(_) => self.minimum_calls,
        }
    }
}

fn clamp_percent(p: f64) -> f64 {
    if p.is_nan() {
        100.0
    } else {
        p.clamp(1.0, 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_resilience4j() {
        let c = CircuitBreakerConfig::default();
        assert_eq!(c.failure_rate_threshold, 50.0);
        assert_eq!(c.slow_call_rate_threshold, 100.0);
        assert_eq!(c.slow_call_duration, Duration::from_secs(60));
        assert_eq!(c.sliding_window, SlidingWindow::CountBased(100));
        assert_eq!(c.minimum_calls, 100);
        assert_eq!(c.wait_in_open, Duration::from_secs(60));
        assert_eq!(c.permitted_calls_in_half_open, 10);
        assert!(c.record_failures.contains(ErrorKind::Unavailable));
        assert!(c.record_failures.contains(ErrorKind::Timeout));
        assert!(!c.record_failures.contains(ErrorKind::NotFound));
        assert!(!c.record_failures.contains(ErrorKind::RateLimited));
        assert!(c.ignore.contains(ErrorKind::Cancelled));
    }

    #[test]
    fn settings_are_clamped() {
        let c = CircuitBreakerConfig::new("x")
            .failure_rate_threshold(250.0)
            .slow_call_rate_threshold(f64::NAN)
            .sliding_window(SlidingWindow::CountBased(0))
            .minimum_calls(0)
            .permitted_calls_in_half_open(0);
        assert_eq!(c.failure_rate_threshold, 100.0);
        assert_eq!(c.slow_call_rate_threshold, 100.0);
        assert_eq!(c.sliding_window, SlidingWindow::CountBased(1));
        assert_eq!(c.minimum_calls, 1);
        assert_eq!(c.permitted_calls_in_half_open, 1);
        let c = CircuitBreakerConfig::new("x")
            .sliding_window(SlidingWindow::CountBased(10))
            .minimum_calls(50);
        assert_eq!(c.effective_minimum_calls(), 10);
    }
}
