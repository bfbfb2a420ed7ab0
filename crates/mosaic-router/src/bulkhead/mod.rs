//! [`Bulkhead`]: cap the calls in flight to a provider.
//!
//! Up to [`max_concurrent`](BulkheadConfig::new) calls run at once. A call
//! beyond that waits in a bounded queue ([`BulkheadConfig::queue`]) for at
//! most the configured wait (and never past its deadline); when the queue is
//! full or the wait runs out it is rejected with `Unavailable`, naming the
//! bulkhead. The slot is held until the response future completes or is
//! dropped.
//!
//! ```
//! use std::time::Duration;
//! use mosaic_router::{BulkheadConfig, BulkheadLayer};
//! let layer = BulkheadLayer::new(BulkheadConfig::new("github", 32).queue(64, Duration::from_millis(200)));
//! # let _ = layer;
//! ```

mod future;
mod layer;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use mosaic_core::{Error, Request};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tower::{Service, ServiceExt};

pub use future::ResponseFuture;
pub use layer::BulkheadLayer;

/// A bulkhead's limits.
///
/// Defaults (after Resilience4j's semaphore bulkhead): 25 concurrent calls,
/// no waiting.
#[derive(Debug, Clone)]
pub struct BulkheadConfig {
    name: Arc<str>,
    max_concurrent: usize,
    max_queue: usize,
    max_wait: Duration,
}

impl Default for BulkheadConfig {
    fn default() -> Self {
        Self::new("default", 25)
    }
}

impl BulkheadConfig {
    /// At most `max_concurrent` (at least 1) calls at once, none waiting.
    pub fn new(name: impl Into<Arc<str>>, max_concurrent: usize) -> Self {
        BulkheadConfig {
            name: name.into(),
            max_concurrent: max_concurrent.clamp(1, Semaphore::MAX_PERMITS),
            max_queue: 0,
            max_wait: Duration::ZERO,
        }
    }

    /// Let up to `max_waiting` calls wait up to `max_wait` each for a slot.
    pub fn queue(mut self, max_waiting: usize, max_wait: Duration) -> Self {
        self.max_queue = max_waiting;
        self.max_wait = max_wait;
        self
    }

    /// The bulkhead's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

pub(crate) struct Shared {
    config: BulkheadConfig,
    semaphore: Arc<Semaphore>,
    waiting: AtomicUsize,
}

impl Shared {
    fn new(config: BulkheadConfig) -> Self {
        Shared {
            semaphore: Arc::new(Semaphore::new(config.max_concurrent)),
            config,
            waiting: AtomicUsize::new(0),
        }
    }

    fn full(&self) -> Error {
        metrics::counter!("mosaic_bulkhead_rejected_total", "bulkhead" => self.config.name.clone())
            .increment(1);
        Error::unavailable(format!(
            "bulkhead `{}` is full ({} calls in flight, {} waiting)",
            self.config.name,
            self.config.max_concurrent,
            self.waiting.load(Ordering::Relaxed)
        ))
    }
}

/// A service with a concurrency cap; see the [module docs](self).
///
/// Clones share the cap.
#[derive(Clone)]
pub struct Bulkhead<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> Bulkhead<S> {
    /// Cap `inner` per `config`.
    pub fn new(inner: S, config: BulkheadConfig) -> Self {
        Bulkhead {
            inner,
            shared: Arc::new(Shared::new(config)),
        }
    }

    /// Calls running now.
    pub fn in_flight(&self) -> usize {
        self.shared.config.max_concurrent - self.shared.semaphore.available_permits()
    }

    /// Calls waiting now.
    pub fn waiting(&self) -> usize {
        self.shared.waiting.load(Ordering::Relaxed)
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S> fmt::Debug for Bulkhead<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bulkhead")
            .field("config", &self.shared.config)
            .field("in_flight", &self.in_flight())
            .finish_non_exhaustive()
    }
}

/// Holds a place in the wait queue until dropped.
struct QueueSlot(Arc<Shared>);

impl Drop for QueueSlot {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::AcqRel);
    }
}

impl<S, R> Service<Request<R>> for Bulkhead<S>
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
        if let Ok(permit) = shared.semaphore.clone().try_acquire_owned() {
            return ResponseFuture::running(self.inner.call(request), permit);
        }
        let cfg = &shared.config;
        if cfg.max_queue == 0 || cfg.max_wait.is_zero() {
            return ResponseFuture::rejected(shared.full());
        }
        if shared.waiting.fetch_add(1, Ordering::AcqRel) >= cfg.max_queue {
            shared.waiting.fetch_sub(1, Ordering::AcqRel);
            return ResponseFuture::rejected(shared.full());
        }
        let slot = QueueSlot(shared.clone());
        let mut until = Instant::now() + cfg.max_wait;
        if let Some(d) = request.context.deadline() {
            until = until.min(d);
        }
        let clone = self.inner.clone();
        let service = std::mem::replace(&mut self.inner, clone);
        ResponseFuture::queued(async move {
            let semaphore = slot.0.semaphore.clone();
            let permit = match tokio::time::timeout_at(until, semaphore.acquire_owned()).await {
                Ok(Ok(p)) => p,
                _ => return Err(slot.0.full()),
            };
            drop(slot);
            let result = service.oneshot(request).await;
            drop(permit);
            result
        })
    }
}
