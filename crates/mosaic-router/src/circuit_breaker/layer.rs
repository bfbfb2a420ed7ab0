//! [`CircuitBreakerLayer`].

use std::fmt;
use std::sync::Arc;

use tower::Layer;

use super::state::Breaker;
use super::{CircuitBreaker, CircuitBreakerConfig, CircuitBreakerHandle};

/// Wraps services in a [`CircuitBreaker`].
///
/// One layer is one breaker: every service it wraps shares it (build one
/// layer per provider). Take its [`handle`](Self::handle) to register the
/// provider's health with the router or to watch its state.
#[derive(Clone)]
pub struct CircuitBreakerLayer {
    breaker: Arc<Breaker>,
}

impl CircuitBreakerLayer {
    /// A new breaker with `config`.
    pub fn new(config: CircuitBreakerConfig) -> Self {
        CircuitBreakerLayer {
            breaker: Arc::new(Breaker::new(config)),
        }
    }

    /// The breaker's handle.
    pub fn handle(&self) -> CircuitBreakerHandle {
        CircuitBreakerHandle {
            breaker: self.breaker.clone(),
        }
    }
}

impl<S> Layer<S> for CircuitBreakerLayer {
    type Service = CircuitBreaker<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CircuitBreaker {
            inner,
            breaker: self.breaker.clone(),
        }
    }
}

impl fmt::Debug for CircuitBreakerLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreakerLayer")
            .field("config", &self.breaker.config)
            .finish()
    }
}
