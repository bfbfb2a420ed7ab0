//! [`RateLimitLayer`].

use std::fmt;
use std::sync::Arc;

use tower::Layer;

use super::{Quota, RateLimit, RateLimitConfig, Shared};

/// Wraps services in a [`RateLimit`]. One layer is one limiter, shared by
/// every service it wraps.
#[derive(Clone)]
pub struct RateLimitLayer {
    shared: Arc<Shared>,
}

impl RateLimitLayer {
    /// A limiter per `config`.
    pub fn new(config: RateLimitConfig) -> Self {
        RateLimitLayer {
            shared: Arc::new(Shared::new(config)),
        }
    }

    /// `n` requests per second, throwing beyond.
    pub fn per_second(n: u32) -> Self {
        Self::new(RateLimitConfig::new("default", Quota::per_second(n)))
    }

    /// `n` requests per minute, throwing beyond.
    pub fn per_minute(n: u32) -> Self {
        Self::new(RateLimitConfig::new("default", Quota::per_minute(n)))
    }

    /// `n` requests per hour, throwing beyond.
    pub fn per_hour(n: u32) -> Self {
        Self::new(RateLimitConfig::new("default", Quota::per_hour(n)))
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RateLimit {
            inner,
            shared: self.shared.clone(),
        }
    }
}

impl fmt::Debug for RateLimitLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitLayer")
            .field("config", &self.shared.config)
            .finish()
    }
}
