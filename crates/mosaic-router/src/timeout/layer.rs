//! [`TimeoutLayer`].

use std::sync::Arc;
use std::time::Duration;

use tower::Layer;

use super::{Timeout, TimeoutConfig};

/// Wraps services in [`Timeout`].
#[derive(Debug, Clone)]
pub struct TimeoutLayer {
    config: Arc<TimeoutConfig>,
}

impl TimeoutLayer {
    /// Bound calls per `config`.
    pub fn new(config: TimeoutConfig) -> Self {
        TimeoutLayer {
            config: Arc::new(config),
        }
    }

    /// Bound every call to `timeout` (or its context deadline, if earlier).
    pub fn of(timeout: Duration) -> Self {
        Self::new(TimeoutConfig::new(timeout))
    }

    /// Enforce only the request contexts' deadlines.
    pub fn deadline_only() -> Self {
        Self::new(TimeoutConfig::deadline_only())
    }
}

impl<S> Layer<S> for TimeoutLayer {
    type Service = Timeout<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Timeout {
            inner,
            config: self.config.clone(),
        }
    }
}
