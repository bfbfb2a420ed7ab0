//! [`Quota`], [`RateLimitMode`] and [`RateLimitConfig`].

use std::sync::Arc;
use std::time::Duration;

/// How many requests per period, and how many may come at once.
///
/// Enforced with GCRA (the generic cell rate algorithm): requests are
/// admitted at one per `period / limit` on average, with up to `burst` of
/// them back to back. The default burst is the whole `limit` — a full
/// bucket, as a provider's "5,000 per hour" usually means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    limit: u32,
    period: Duration,
    burst: u32,
}

impl Quota {
    /// `limit` requests (at least 1) per `period` (at least 1 µs).
    pub fn new(limit: u32, period: Duration) -> Self {
        let limit = limit.max(1);
        Quota {
            limit,
            period: period.max(Duration::from_micros(1)),
            burst: limit,
        }
    }

    /// `n` per second.
    pub fn per_second(n: u32) -> Self {
        Self::new(n, Duration::from_secs(1))
    }

    /// `n` per minute.
    pub fn per_minute(n: u32) -> Self {
        Self::new(n, Duration::from_secs(60))
    }

    /// `n` per hour.
    pub fn per_hour(n: u32) -> Self {
        Self::new(n, Duration::from_secs(3600))
    }

    /// At most `burst` (at least 1) requests back to back.
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }

    /// Requests per period.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The burst.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// The steady spacing between requests: `period / limit`.
    pub fn emission_interval(&self) -> Duration {
        self.period / self.limit
    }

    /// How far ahead of schedule requests may run: `(burst - 1)` intervals.
    pub fn tolerance(&self) -> Duration {
        self.emission_interval() * (self.burst - 1)
    }
}

/// What happens to a request over the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RateLimitMode {
    /// Fail at once with `RateLimited`, its `retry_after` saying when a
    /// request would be admitted.
    #[default]
    Throw,
    /// Wait for a slot if it comes within `max_wait` (and before the
    /// request's deadline); otherwise throw. Bursts are allowed.
    Queue {
        /// The longest wait.
        max_wait: Duration,
    },
    /// Spread requests evenly, one per emission interval with no burst,
    /// waiting up to `max_wait` (and never past the deadline); otherwise throw.
    Throttle {
        /// The longest wait.
        max_wait: Duration,
    },
}

/// A rate limiter's configuration.
///
/// ```
/// use std::time::Duration;
/// use mosaic_router::{Quota, RateLimitConfig, RateLimitMode};
/// let cfg = RateLimitConfig::new("github", Quota::per_hour(5_000))
///     .per_tenant(true)
///     .mode(RateLimitMode::Queue { max_wait: Duration::from_secs(2) });
/// assert_eq!(cfg.name(), "github");
/// ```
#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    pub(crate) name: Arc<str>,
    pub(crate) quota: Quota,
    pub(crate) mode: RateLimitMode,
    pub(crate) per_tenant: bool,
    #[cfg(feature = "redis")]
    pub(crate) store: Option<super::redis::RedisStore>,
}

impl RateLimitConfig {
    /// A limiter named `name` (the provider it guards; the key in Redis and
    /// the metric label) enforcing `quota`, throwing when exceeded, shared
    /// by all tenants, in process memory.
    pub fn new(name: impl Into<Arc<str>>, quota: Quota) -> Self {
        RateLimitConfig {
            name: name.into(),
            quota,
            mode: RateLimitMode::Throw,
            per_tenant: false,
            #[cfg(feature = "redis")]
            store: None,
        }
    }

    /// What to do over the limit.
    pub fn mode(mut self, mode: RateLimitMode) -> Self {
        self.mode = mode;
        self
    }

    /// Give every tenant its own quota (requests without a tenant share one).
    pub fn per_tenant(mut self, yes: bool) -> Self {
        self.per_tenant = yes;
        self
    }

    /// Keep the limiter's state in Redis, shared by every replica that uses
    /// the same store, name and prefix.
    #[cfg(feature = "redis")]
    pub fn redis(mut self, store: super::redis::RedisStore) -> Self {
        self.store = Some(store);
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The quota.
    pub fn quota(&self) -> Quota {
        self.quota
    }

    /// The longest wait of the mode, and the tolerance it enforces.
    pub(crate) fn wait_and_tolerance(&self) -> (Duration, Duration) {
        match self.mode {
            RateLimitMode::Throw => (Duration::ZERO, self.quota.tolerance()),
            RateLimitMode::Queue { max_wait } => (max_wait, self.quota.tolerance()),
            RateLimitMode::Throttle { max_wait } => (max_wait, Duration::ZERO),
        }
    }
}
