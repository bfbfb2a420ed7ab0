//! [`RetryLayer`].

use std::sync::Arc;

use tower::Layer;

use super::{Retry, RetryConfig};

/// Wraps services in [`Retry`]. Services from one layer share its
/// configuration, random source and budget.
#[derive(Debug, Clone)]
pub struct RetryLayer {
    config: Arc<RetryConfig>,
}

impl RetryLayer {
    /// Retry per `config`.
    pub fn new(config: RetryConfig) -> Self {
        RetryLayer {
            config: Arc::new(config),
        }
    }
}

impl<S> Layer<S> for RetryLayer {
    type Service = Retry<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Retry {
            inner,
            config: self.config.clone(),
        }
    }
}
