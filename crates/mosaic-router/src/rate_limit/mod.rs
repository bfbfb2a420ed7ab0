//! [`RateLimit`]: keep calls to a provider within its quota.
//!
//! Each limiter enforces one [`Quota`] with GCRA, keyed by its name (the
//! provider) and, with [`RateLimitConfig::per_tenant`], by the request's
//! tenant. Over the limit, the [`RateLimitMode`] decides: throw
//! `RateLimited` with a `retry_after`, queue (wait for a slot up to a
//! maximum), or throttle (space requests evenly). No wait ever runs past
//! the request's deadline: a request that could only be admitted later is
//! refused at once, without using up a slot.
//!
//! The state lives in process memory (one atomic word per key), or — with
//! cargo feature `redis` and [`RateLimitConfig::redis`] — in Redis, where
//! one Lua script applies the same algorithm atomically so that several
//! host replicas draw from one quota. If Redis cannot be reached within its
//! timeouts the limiter fails open or closed, as configured, and logs a
//! warning; it never hangs.
//!
//! ```
//! use mosaic_router::{Quota, RateLimitConfig, RateLimitLayer};
//! let github = RateLimitLayer::new(RateLimitConfig::new("github", Quota::per_hour(5_000)));
//! let quick = RateLimitLayer::per_second(10);
//! # let _ = (github, quick);
//! ```

mod config;
mod future;
mod gcra;
mod layer;
#[cfg(feature = "redis")]
pub mod redis;

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use mosaic_core::{Error, ErrorKind, Request};
use tokio::time::Instant;
use tower::{Service, ServiceExt};

pub use config::{Quota, RateLimitConfig, RateLimitMode};
pub use future::ResponseFuture;
pub use layer::RateLimitLayer;

use gcra::{Admit, LocalLimiter};

pub(crate) struct Shared {
    config: RateLimitConfig,
    local: LocalLimiter,
}

impl Shared {
    fn new(config: RateLimitConfig) -> Self {
        Shared {
            local: LocalLimiter::new(config.per_tenant),
            config,
        }
    }

    fn refused(&self, retry_after: Duration) -> Error {
        metrics::counter!("mosaic_rate_limited_total", "limiter" => self.config.name.clone())
            .increment(1);
        Error::new(
            ErrorKind::RateLimited,
            format!("rate limit `{}` exceeded", self.config.name),
        )
        .with_retry_after(retry_after)
    }

    /// The longest wait allowed for this request: the mode's, capped by the deadline.
    fn max_wait(&self, deadline: Option<Instant>, now: Instant) -> (Duration, Duration) {
        let (wait, tolerance) = self.config.wait_and_tolerance();
        let wait = match deadline {
            Some(d) => wait.min(d.saturating_duration_since(now)),
            None => wait,
        };
        (wait, tolerance)
    }
}

/// A rate-limited service; see the [module docs](self).
///
/// Clones share the limiter.
#[derive(Clone)]
pub struct RateLimit<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> RateLimit<S> {
    /// Limit `inner` per `config`.
    pub fn new(inner: S, config: RateLimitConfig) -> Self {
        RateLimit {
            inner,
            shared: Arc::new(Shared::new(config)),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RateLimitConfig {
        &self.shared.config
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S> fmt::Debug for RateLimit<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimit")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl<S, R> Service<Request<R>> for RateLimit<S>
where
    S: Service<Request<R>, Error = Error> + Clone + Send + 'static,
    S::Future: Send,
    S::Response: Send + 'static,
    R: Send + 'static,
{
    type Response = S::Response;
    type Error = Error;
    type Future = ResponseFuture<S::Future, S::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<R>) -> Self::Future {
        let shared = &self.shared;
        let now = Instant::now();
        let (max_wait, tolerance) = shared.max_wait(request.context.deadline(), now);
        let emission = shared.config.quota.emission_interval();
        let tenant = if shared.config.per_tenant {
            request.context.tenant()
        } else {
            None
        };

        #[cfg(feature = "redis")]
        if let Some(store) = shared.config.store.clone() {
            let key = store.key(&shared.config.name, tenant);
            let shared = shared.clone();
            let clone = self.inner.clone();
            let service = std::mem::replace(&mut self.inner, clone);
            return ResponseFuture::boxed(async move {
                match store
                    .acquire(&key, &shared.config.name, emission, tolerance, max_wait)
                    .await?
                {
                    Admit::Now => {}
                    Admit::After(d) => tokio::time::sleep(d).await,
                    Admit::Refused(after) => return Err(shared.refused(after)),
                }
                service.oneshot(request).await
            });
        }

        match shared
            .local
            .acquire(tenant, now, emission, tolerance, max_wait)
        {
            Admit::Now => ResponseFuture::direct(self.inner.call(request)),
            Admit::Refused(after) => ResponseFuture::refused(shared.refused(after)),
            Admit::After(wait) => {
                metrics::counter!("mosaic_rate_limit_delayed_total", "limiter" => shared.config.name.clone())
                    .increment(1);
                let clone = self.inner.clone();
                let service = std::mem::replace(&mut self.inner, clone);
                ResponseFuture::boxed(async move {
                    tokio::time::sleep(wait).await;
                    service.oneshot(request).await
                })
            }
        }
    }
}
