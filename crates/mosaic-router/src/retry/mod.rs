//! [`Retry`]: try a failed call again, with backoff.
//!
//! A failed call is retried when all of these hold:
//!
//! * attempts are left ([`RetryConfig::max_attempts`], the first included);
//! * the error's kind is retried ([`RetryConfig::retry_on`]: the transient
//!   kinds by default);
//! * the operation is idempotent, or non-idempotent retries are enabled;
//! * the wait — the backoff delay, or an error's `retry_after` if longer —
//!   ends before the request's deadline (the layer never sleeps past it),
//!   and `retry_after` is not above [`RetryConfig::max_retry_after`];
//! * the [`RetryBudget`] has a retry left.
//!
//! Otherwise the last error is returned as it is. Each retry sends a clone
//! of the original request and records its attempt number in the current
//! `tracing` span's `attempt` field (see [`TraceLayer`](crate::TraceLayer)).
//!
//! ```
//! use std::time::Duration;
//! use mosaic_router::{Jitter, RetryConfig, RetryLayer};
//! let layer = RetryLayer::new(
//!     RetryConfig::new()
//!         .max_attempts(4)
//!         .base_delay(Duration::from_millis(50))
//!         .max_delay(Duration::from_secs(2))
//!         .jitter(Jitter::Decorrelated)
//!         .seed(7),
//! );
//! # let _ = layer;
//! ```

mod budget;
mod future;
mod layer;
mod policy;

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use mosaic_core::{Error, Operation, Request};
use tower::Service;

pub use budget::RetryBudget;
pub use future::ResponseFuture;
pub use layer::RetryLayer;
pub use policy::{Backoff, Jitter, RetryConfig};

/// A service whose failed calls are retried; see the [module docs](self).
#[derive(Clone)]
pub struct Retry<S> {
    inner: S,
    config: Arc<RetryConfig>,
}

impl<S> Retry<S> {
    /// Retry `inner`'s failures per `config`.
    pub fn new(inner: S, config: RetryConfig) -> Self {
        Retry {
            inner,
            config: Arc::new(config),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RetryConfig {
        &self.config
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

impl<S> fmt::Debug for Retry<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retry")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<S, R> Service<Request<R>> for Retry<S>
where
    S: Service<Request<R>, Error = Error> + Clone,
    R: Operation + Clone,
{
    type Response = S::Response;
    type Error = Error;
    type Future = ResponseFuture<S, R>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<R>) -> Self::Future {
        let cfg = &self.config;
        if let Some(b) = &cfg.budget {
            b.deposit();
        }
        let may_retry =
            cfg.max_attempts > 1 && (cfg.retry_non_idempotent || request.operation.is_idempotent());
        if !may_retry {
            return ResponseFuture::once(self.inner.call(request));
        }
        // Keep the service that was made ready for this call; leave a clone.
        let clone = self.inner.clone();
        let mut service = std::mem::replace(&mut self.inner, clone);
        let copy = request.clone();
        let fut = service.call(request);
        ResponseFuture::retrying(fut, service, copy, self.config.clone())
    }
}
