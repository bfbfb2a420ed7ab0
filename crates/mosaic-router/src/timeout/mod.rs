//! [`Timeout`]: fail a call that outlives its deadline.
//!
//! The deadline of a call is the earlier of the request context's deadline
//! and now plus the operation's default timeout (the first
//! [`TimeoutConfig::operation`] glob that matches, else
//! [`TimeoutConfig::default_timeout`]). The effective deadline is written
//! back into the request's context, so the layers and the provider below
//! see it. A call whose deadline has already passed is not started.
//! Expiry is a `Timeout` error naming the operation.
//!
//! ```
//! use std::time::Duration;
//! use mosaic_router::{TimeoutConfig, TimeoutLayer};
//! let layer = TimeoutLayer::new(
//!     TimeoutConfig::new(Duration::from_secs(10)).operation("ai.*", Duration::from_secs(120)),
//! );
//! # let _ = layer;
//! ```

mod future;
mod layer;

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use mosaic_core::{Error, Operation, Request};
use tokio::time::Instant;
use tower::Service;

pub use future::ResponseFuture;
pub use layer::TimeoutLayer;

use crate::Glob;

/// Per-operation default timeouts; see the [module docs](self).
#[derive(Debug, Clone, Default)]
pub struct TimeoutConfig {
    default: Option<Duration>,
    operations: Vec<(Glob, Duration)>,
}

impl TimeoutConfig {
    /// `timeout` for every operation without a more specific entry.
    pub fn new(timeout: Duration) -> Self {
        TimeoutConfig {
            default: Some(timeout),
            operations: Vec::new(),
        }
    }

    /// No default: only the request's own deadline and per-operation entries apply.
    pub fn deadline_only() -> Self {
        Self::default()
    }

    /// Set the default timeout.
    pub fn default_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.default = timeout;
        self
    }

    /// `timeout` for operations matching `glob` (first match wins).
    pub fn operation(mut self, glob: impl Into<Glob>, timeout: Duration) -> Self {
        self.operations.push((glob.into(), timeout));
        self
    }

    /// The timeout for the operation `name`.
    pub fn timeout_for(&self, name: &str) -> Option<Duration> {
        self.operations
            .iter()
            .find(|(g, _)| g.is_match(name))
            .map(|(_, t)| *t)
            .or(self.default)
    }
}

/// A service whose calls end at their deadline; see the [module docs](self).
#[derive(Clone)]
pub struct Timeout<S> {
    inner: S,
    config: Arc<TimeoutConfig>,
}

impl<S> Timeout<S> {
    /// Bound `inner`'s calls per `config`.
    pub fn new(inner: S, config: TimeoutConfig) -> Self {
        Timeout {
            inner,
            config: Arc::new(config),
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

impl<S> fmt::Debug for Timeout<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<S, R> Service<Request<R>> for Timeout<S>
where
    S: Service<Request<R>, Error = Error>,
    R: Operation,
{
    type Response = S::Response;
    type Error = Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<R>) -> Self::Future {
        let name = request.operation.name();
        let own = self.config.timeout_for(name);
        let ctx_deadline = request.context.deadline();
        if own.is_none() && ctx_deadline.is_none() {
            return ResponseFuture::unbounded(self.inner.call(request));
        }
        let now = Instant::now();
        let deadline = match (own.map(|t| now + t), ctx_deadline) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b).unwrap_or(now),
        };
        if now >= deadline {
            return ResponseFuture::expired(Error::timeout(format!(
                "`{name}` was not started: its deadline had passed"
            )));
        }
        if ctx_deadline != Some(deadline) {
            request.context = request.context.with_deadline(deadline);
        }
        ResponseFuture::bounded(self.inner.call(request), deadline, name, deadline - now)
    }
}
