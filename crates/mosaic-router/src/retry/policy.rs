//! [`RetryConfig`], [`Backoff`] and [`Jitter`].

use std::time::Duration;

use mosaic_core::ErrorKind;

use super::budget::RetryBudget;
use crate::{KindSet, SeededRng};

/// How backoff delays are randomized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Jitter {
    /// No randomness: `base × multiplier^(n-1)`, capped.
    None,
    /// "Full jitter": uniform between zero and the capped exponential delay.
    #[default]
    Full,
    /// "Decorrelated jitter": uniform between `base` and three times the
    /// previous delay, capped.
    Decorrelated,
}

/// Exponential backoff: the `n`-th retry waits about
/// `base × multiplier^(n-1)`, never more than `max`, randomized by [`Jitter`].
///
/// ```
/// use std::time::Duration;
/// use mosaic_router::{Backoff, Jitter, SeededRng};
/// let b = Backoff::new(Duration::from_millis(100), Duration::from_secs(1)).jitter(Jitter::None);
/// let rng = SeededRng::new(1);
/// let delays: Vec<_> = (1..=5).map(|n| b.delay(n, Duration::ZERO, &rng).as_millis()).collect();
/// assert_eq!(delays, [100, 200, 400, 800, 1000]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    multiplier: f64,
    jitter: Jitter,
}

impl Default for Backoff {
    /// 100 ms base, 10 s cap, doubling, full jitter.
    fn default() -> Self {
        Backoff::new(Duration::from_millis(100), Duration::from_secs(10))
    }
}

impl Backoff {
    /// Doubling from `base` up to `max`, with full jitter.
    pub fn new(base: Duration, max: Duration) -> Self {
        Backoff {
            base,
            max: max.max(base),
            multiplier: 2.0,
            jitter: Jitter::Full,
        }
    }

    /// The growth factor (at least 1).
    pub fn multiplier(mut self, multiplier: f64) -> Self {
        self.multiplier = if multiplier.is_finite() {
            multiplier.max(1.0)
        } else {
            2.0
        };
        self
    }

    /// The jitter.
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The first delay.
    pub fn base(&self) -> Duration {
        self.base
    }

    /// The cap.
    pub fn max(&self) -> Duration {
        self.max
    }

    /// The delay before retry number `retry` (1 for the first retry);
    /// `previous` is the delay before the previous retry (decorrelated
    /// jitter builds on it).
    pub fn delay(&self, retry: u32, previous: Duration, rng: &SeededRng) -> Duration {
        let cap = self.max.as_secs_f64();
        let base = self.base.as_secs_f64();
        let exp = (base
            * self
                .multiplier
                .powi(retry.saturating_sub(1).min(1024) as i32))
        .min(cap);
        let secs = match self.jitter {
            Jitter::None => exp,
            Jitter::Full => exp * rng.unit(),
            Jitter::Decorrelated => {
                let hi = (previous.as_secs_f64() * 3.0).max(base);
                (base + (hi - base) * rng.unit()).min(cap)
            }
        };
        Duration::from_secs_f64(secs.clamp(0.0, cap))
    }
}

/// How the [`RetryLayer`](super::RetryLayer) retries.
///
/// Defaults: 3 attempts in all; [`Backoff::default`]; retry the transient
/// kinds (`RateLimited`, `Timeout`, `Unavailable`, `CircuitOpen`) of
/// idempotent operations only; wait at least a `RateLimited` error's
/// `retry_after`, but give up if it asks for more than 60 s; the default
/// [`RetryBudget`]; a random seed.
#[derive(Debug, Clone)]
pub struct RetryConfig {
    pub(crate) max_attempts: u32,
    pub(crate) backoff: Backoff,
    pub(crate) retry_on: KindSet,
    pub(crate) retry_non_idempotent: bool,
    pub(crate) honor_retry_after: bool,
    pub(crate) max_retry_after: Duration,
    pub(crate) budget: Option<RetryBudget>,
    pub(crate) rng: SeededRng,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 3,
            backoff: Backoff::default(),
            retry_on: KindSet::retryable(),
            retry_non_idempotent: false,
            honor_retry_after: true,
            max_retry_after: Duration::from_secs(60),
            budget: Some(RetryBudget::default()),
            rng: SeededRng::from_entropy(),
        }
    }
}

impl RetryConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// At most this many attempts in all, the first included (1 disables retries).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Shorthand: the backoff's first delay.
    pub fn base_delay(mut self, base: Duration) -> Self {
        self.backoff.base = base;
        self.backoff.max = self.backoff.max.max(base);
        self
    }

    /// Shorthand: the backoff's cap.
    pub fn max_delay(mut self, max: Duration) -> Self {
        self.backoff.max = max.max(self.backoff.base);
        self
    }

    /// Shorthand: the backoff's jitter.
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.backoff.jitter = jitter;
        self
    }

    /// Which error kinds are retried.
    pub fn retry_on(mut self, kinds: KindSet) -> Self {
        self.retry_on = kinds;
        self
    }

    /// Also retry operations that are not idempotent (creates). Off by
    /// default: a create that timed out may have happened.
    pub fn retry_non_idempotent(mut self, yes: bool) -> Self {
        self.retry_non_idempotent = yes;
        self
    }

    /// Whether to wait at least an error's `retry_after` (on by default).
    pub fn honor_retry_after(mut self, yes: bool) -> Self {
        self.honor_retry_after = yes;
        self
    }

    /// Give up instead of waiting when `retry_after` exceeds this.
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// The retry budget (`None`: unlimited retries). Clones of a budget
    /// share it, so one budget can cover several stacks.
    pub fn budget(mut self, budget: Option<RetryBudget>) -> Self {
        self.budget = budget;
        self
    }

    /// The random source of the jitter.
    pub fn rng(mut self, rng: SeededRng) -> Self {
        self.rng = rng;
        self
    }

    /// Shorthand for `rng(SeededRng::new(seed))`.
    pub fn seed(self, seed: u64) -> Self {
        self.rng(SeededRng::new(seed))
    }

    /// Whether `kind` would be retried.
    pub fn retries(&self, kind: ErrorKind) -> bool {
        self.retry_on.contains(kind)
    }
}
