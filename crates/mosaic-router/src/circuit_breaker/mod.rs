//! [`CircuitBreaker`]: stop calling a provider that keeps failing, probe it
//! after a while, resume when it recovers.
//!
//! * **Closed**: calls flow; each outcome goes into a sliding window
//!   (the last N calls, or the calls of the last N seconds). Once the
//!   window holds the minimum number of calls, a failure rate or a slow-call
//!   rate at or above its threshold opens the breaker.
//! * **Open**: calls fail at once with `CircuitOpen` (its `retry_after` is
//!   the wait left) until [`wait_in_open`](CircuitBreakerConfig::wait_in_open)
//!   has passed; the next call then moves the breaker to half-open.
//! * **Half-open**: up to N probe calls go through, others are refused;
//!   when all N have finished, their rates decide: at or above a threshold
//!   opens again, below closes (with a fresh window).
//!
//! Which error kinds are failures is configurable; by default errors that
//! blame the caller (not found, invalid input, …) and `RateLimited` count as
//! answered calls, and `Cancelled` is not recorded. Outcomes of calls
//! started before a state change are discarded. A dropped (cancelled)
//! half-open probe gives its permit back.
//!
//! A [`CircuitBreakerHandle`] — cheap to clone, shared with every service
//! the layer wraps — reports state and counters, publishes
//! [`StateChange`]s on a broadcast channel, and tells the
//! [`Router`](crate::Router) when to skip the provider.
//!
//! ```
//! use mosaic_router::circuit_breaker::{CircuitBreakerConfig, CircuitBreakerLayer, CircuitState};
//! let layer = CircuitBreakerLayer::new(CircuitBreakerConfig::new("github").minimum_calls(10));
//! let handle = layer.handle();
//! assert_eq!(handle.state(), CircuitState::Closed);
//! ```

mod config;
mod future;
mod layer;
mod state;

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use mosaic_core::Error;
use tokio::time::Instant;
use tower::Service;

pub use config::{CircuitBreakerConfig, SlidingWindow};
pub use future::ResponseFuture;
pub use layer::CircuitBreakerLayer;
pub use state::{CircuitBreakerHandle, CircuitBreakerMetrics, CircuitState, StateChange};

use state::Breaker;

/// A service guarded by a circuit breaker; see the [module docs](self).
///
/// Clones share the breaker.
#[derive(Clone)]
pub struct CircuitBreaker<S> {
    inner: S,
    breaker: Arc<Breaker>,
}

impl<S> CircuitBreaker<S> {
    /// Guard `inner` with a new breaker.
    pub fn new(inner: S, config: CircuitBreakerConfig) -> Self {
        CircuitBreaker {
            inner,
            breaker: Arc::new(Breaker::new(config)),
        }
    }

    /// The breaker's handle.
    pub fn handle(&self) -> CircuitBreakerHandle {
        CircuitBreakerHandle {
            breaker: self.breaker.clone(),
        }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S> fmt::Debug for CircuitBreaker<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("name", &self.breaker.config.name)
            .field("state", &self.breaker.state())
            .finish_non_exhaustive()
    }
}

impl<S, Req> Service<Req> for CircuitBreaker<S>
where
    S: Service<Req, Error = Error>,
{
    type Response = S::Response;
    type Error = Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Req) -> Self::Future {
        let now = self.breaker.timed.then(Instant::now);
        match self.breaker.acquire(now) {
            Ok(permit) => {
                ResponseFuture::called(self.inner.call(request), self.breaker.clone(), permit, now)
            }
            Err(e) => ResponseFuture::refused(e),
        }
    }
}
