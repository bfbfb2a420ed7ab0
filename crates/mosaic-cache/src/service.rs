//! [`Cache`]: the service, and the shared state behind it.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use mosaic_core::{Error, ErrorKind, Family, Operation, Request, Result};
use parking_lot::Mutex;
use tokio::task::AbortHandle;
use tokio::time::Instant;
use tower::{Service, ServiceExt};

use crate::CacheValue;
use crate::config::CacheConfig;
use crate::entry::{Cached, Entry, Generations};
use crate::flight::{self, Flights, Role};
use crate::future::ResponseFuture;
use crate::key::CacheKey;
use crate::stats::{CacheStats, Counters};
use crate::status::{CacheStatus, StaleReason, Tier};
use crate::store::memory::Found;
use crate::store::{CacheStore, Lookup, MemoryStore, StoreFuture};

const TARGET: &str = "mosaic_cache";

/// What every service of one cache shares.
pub(crate) struct State<P> {
    pub(crate) config: CacheConfig,
    pub(crate) memory: MemoryStore<P>,
    pub(crate) shared: Option<Arc<dyn CacheStore<P>>>,
    flights: Arc<Flights<P>>,
    counters: Arc<Counters>,
    feed_task: Mutex<Option<AbortHandle>>,
}

impl<P> Drop for State<P> {
    fn drop(&mut self) {
        if let Some(task) = self.feed_task.get_mut().take() {
            task.abort();
        }
    }
}

impl<P: CacheValue> State<P> {
    pub(crate) fn new(config: CacheConfig, shared: Option<Arc<dyn CacheStore<P>>>) -> Arc<Self> {
        let mut memory = MemoryStore::new(config.max_entries);
        if let Some(bytes) = config.max_bytes {
            memory = memory.with_max_bytes(bytes, serialized_len::<P>);
        }
        let counters = Arc::new(Counters::new(memory.eviction_counter()));
        Arc::new(State {
            config,
            memory,
            shared,
            flights: Flights::new(),
            counters,
            feed_task: Mutex::new(None),
        })
    }
}

impl<P> State<P> {
    pub(crate) fn stats(&self) -> CacheStats {
        CacheStats {
            counters: self.counters.clone(),
        }
    }
}

impl<P: Send + 'static> State<P> {
    pub(crate) fn set_feed_task(&self, task: AbortHandle) {
        *self.feed_task.lock() = Some(task);
    }

    fn count_invalidation(&self, tags: &[String]) {
        for tag in tags {
            let family = tag.split(':').next().and_then(Family::parse);
            self.counters.invalidated(family, 1);
        }
    }

    /// Apply an invalidation made by another replica to the memory tier.
    pub(crate) fn apply_remote_invalidation(&self, tags: &[String]) {
        self.memory.invalidate(tags);
        self.count_invalidation(tags);
        tracing::debug!(target: TARGET, ?tags, "cache invalidated by another replica");
    }

    /// Invalidate `tags` in both tiers.
    pub(crate) async fn invalidate(&self, tags: &[String]) {
        if tags.is_empty() {
            return;
        }
        self.memory.invalidate(tags);
        self.count_invalidation(tags);
        tracing::debug!(target: TARGET, ?tags, "cache invalidated");
        if let Some(shared) = &self.shared
            && let Err(e) = shared.invalidate(tags).await
        {
            self.store_error(shared.name(), "invalidate", &e);
        }
    }

    fn store_error(&self, store: &str, what: &str, error: &Error) {
        self.counters.store_error();
        tracing::debug!(target: TARGET, store, what, %error, "shared cache tier failed; answering without it");
    }
}

/// The weight of a value for the byte bound: its JSON size.
fn serialized_len<P: serde::Serialize>(value: &P) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => count.0,
        Err(_) => 0,
    }
}

/// Caches the reads of an inner Mosaic service; built by [`CacheLayer`](crate::CacheLayer).
///
/// * A cacheable read (`Operation::is_cacheable`, TTL not zero) is looked
///   up under its [`CacheKey`]: in memory by the key hashed from the tenant,
///   the operation name and the parameters
///   ([`CacheKey::for_operation`], no text built), then in the shared tier
///   by the key's text (tenant + `Operation::cache_key`, built only on a
///   miss), then upstream; the answer fills both tiers.
/// * Concurrent misses for one key make one upstream call.
/// * A write passes through; once it succeeds (or fails in a way that
///   leaves its outcome unknown: timeout, unavailable, provider, decode,
///   internal, cancelled) the tags of `Operation::invalidates` are dropped
///   from both tiers before the write's answer is returned.
/// * Live reads (AI chat, streams, logs) and zero-TTL operations pass
///   through untouched.
///
/// `poll_ready` is always ready: hits never wait for the inner service,
/// and misses drive its readiness inside the response future (the inner
/// service is cloned per call, tower's idiom for shared stacks).
pub struct Cache<S, P> {
    inner: S,
    state: Arc<State<P>>,
}

impl<S: Clone, P> Clone for Cache<S, P> {
    fn clone(&self) -> Self {
        Cache {
            inner: self.inner.clone(),
            state: self.state.clone(),
        }
    }
}

impl<S, P> fmt::Debug for Cache<S, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("inner", &std::any::type_name::<S>())
            .field("config", &self.state.config)
            .finish()
    }
}

impl<S, P> Cache<S, P> {
    pub(crate) fn from_parts(inner: S, state: Arc<State<P>>) -> Self {
        Cache { inner, state }
    }

    /// The cache's counters.
    pub fn stats(&self) -> CacheStats {
        self.state.stats()
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

/// Whether a write's result may have changed upstream state.
fn outcome_may_have_changed<P>(result: &Result<P>) -> bool {
    match result {
        Ok(_) => true,
        Err(e) => matches!(
            e.kind(),
            ErrorKind::Timeout
                | ErrorKind::Unavailable
                | ErrorKind::Provider
                | ErrorKind::Decode
                | ErrorKind::Internal
                | ErrorKind::Cancelled
        ),
    }
}

impl<S, R, P> Service<Request<R>> for Cache<S, P>
where
    S: Service<Request<R>, Response = P, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
    R: Operation + Clone + Send + 'static,
    P: CacheValue,
{
    type Response = P;
    type Error = Error;
    type Future = ResponseFuture<P>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<R>) -> Self::Future {
        let op = &req.operation;
        if !op.is_read() {
            let tags = op.invalidates();
            let inner = self.inner.clone();
            let state = self.state.clone();
            state.counters.bypass();
            return ResponseFuture::boxed(async move {
                let result = inner.oneshot(req).await;
                if outcome_may_have_changed(&result) {
                    state.invalidate(&tags).await;
                }
                (result, CacheStatus::Bypass)
            });
        }
        let family = op.family();
        // only deterministic, repeatable reads are cached
        let ttl = if op.is_cacheable() && op.is_idempotent() {
            self.state.config.ttl_for(family, op.name())
        } else {
            Duration::ZERO
        };
        // the key is hashed straight from the tenant and the parameters:
        // no text is built on this path (see `CacheKey`)
        let key = if ttl.is_zero() {
            None
        } else {
            CacheKey::for_operation(req.context.tenant(), op)
        };
        let Some(key) = key else {
            self.state.counters.bypass();
            let inner = self.inner.clone();
            return ResponseFuture::boxed(async move {
                (inner.oneshot(req).await, CacheStatus::Bypass)
            });
        };
        let state = &self.state;
        match state
            .memory
            .lookup(&key, Instant::now(), state.config.stale_while_revalidate)
        {
            Found::Fresh(cached) => {
                state
                    .counters
                    .hit(family, Tier::Memory, cached.is_not_found());
                tracing::trace!(target: TARGET, operation = op.name(), tier = "memory", "cache hit");
                return ResponseFuture::ready(cached.into_result(), CacheStatus::Hit(Tier::Memory));
            }
            Found::Revalidate(Cached::Value(stale)) => {
                // Refresh in the background; without a runtime to do that
                // in, treat the entry as expired and fill in the foreground.
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    state.counters.stale(family, true);
                    tracing::debug!(target: TARGET, operation = op.name(), "stale answer served while revalidating");
                    if !state.flights.contains(&key) {
                        runtime.spawn(fill(state.clone(), self.inner.clone(), req, key, ttl));
                    }
                    return ResponseFuture::ready(
                        Ok(stale),
                        CacheStatus::Stale(StaleReason::Revalidating),
                    );
                }
            }
            Found::Revalidate(Cached::NotFound(_)) | Found::Expired | Found::Miss => {}
        }
        ResponseFuture::boxed(fill(state.clone(), self.inner.clone(), req, key, ttl))
    }
}

/// A miss: join the key's flight or lead one.
async fn fill<S, R, P>(
    state: Arc<State<P>>,
    inner: S,
    req: Request<R>,
    key: CacheKey,
    ttl: Duration,
) -> (Result<P>, CacheStatus)
where
    S: Service<Request<R>, Response = P, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
    R: Operation + Send + 'static,
    P: CacheValue,
{
    let tags = req.operation.cache_tags();
    let family = req.operation.family();
    let leader = loop {
        let generations = state.memory.generations(&tags);
        match state.flights.join_or_lead(&key, generations) {
            Role::Lead(leader) => break leader,
            Role::Join(receiver) => {
                if let Some(result) = flight::wait(receiver).await {
                    state.counters.coalesced(family);
                    tracing::trace!(target: TARGET, operation = req.operation.name(), "joined an in-flight call");
                    return (result, CacheStatus::Coalesced);
                }
                // the leader went away without an answer: start over
            }
        }
    };
    let since = leader.generations().clone();
    let (result, status) = lead(&state, inner, req, &key, &tags, &since, ttl).await;
    leader.publish(&result);
    (result, status)
}

/// The leader's work: shared tier, then upstream, then fill both tiers.
async fn lead<S, R, P>(
    state: &State<P>,
    inner: S,
    req: Request<R>,
    key: &CacheKey,
    tags: &[String],
    since: &Generations,
    ttl: Duration,
) -> (Result<P>, CacheStatus)
where
    S: Service<Request<R>, Response = P, Error = Error> + Send + 'static,
    S::Future: Send + 'static,
    R: Operation + Send + 'static,
    P: CacheValue,
{
    let family = req.operation.family();
    let name = req.operation.name();
    let mut shared_stale: Option<Entry<P>> = None;
    let mut shared_since: Option<Generations> = None;
    // A shared tier files entries under the key's text, the same in every
    // process: built here, on a miss, and only when there is such a tier.
    let shared_key = state
        .shared
        .as_ref()
        .and_then(|_| req.operation.cache_key())
        .map(|text| key.clone().with_text(req.context.tenant(), &text));
    if let (Some(shared), Some(shared_key)) = (&state.shared, &shared_key) {
        match shared.get(shared_key, tags).await {
            Ok(Lookup { entry, generations }) => {
                let now = Instant::now();
                match entry {
                    Some(entry) if entry.is_fresh(now) => {
                        let negative = entry.value.is_not_found();
                        if let Some(copy) = entry.try_clone() {
                            state.memory.insert_since(key.clone(), copy, tags, since);
                        }
                        state.counters.hit(family, Tier::Shared, negative);
                        tracing::trace!(target: TARGET, operation = name, tier = "shared", "cache hit");
                        return (entry.value.into_result(), CacheStatus::Hit(Tier::Shared));
                    }
                    Some(entry) => shared_stale = Some(entry),
                    None => {}
                }
                shared_since = Some(generations);
            }
            Err(e) => state.store_error(shared.name(), "get", &e),
        }
    }

    state.counters.miss(family);
    tracing::debug!(target: TARGET, operation = name, "cache miss");
    let result = inner.oneshot(req).await;
    let now = Instant::now();
    match result {
        Ok(value) => {
            let entry = Entry::new(Cached::Value(value), now, ttl, state.config.stale_window());
            let put = store(
                state,
                key,
                shared_key.as_ref(),
                &entry,
                tags,
                since,
                shared_since.as_ref(),
            );
            finish_put(state, put).await;
            (entry.value.into_result(), CacheStatus::Miss)
        }
        Err(error) => {
            if error.is_not_found() {
                if let Some(negative_ttl) = state.config.negative_ttl {
                    let entry = Entry::new(
                        Cached::NotFound(error.clone()),
                        now,
                        negative_ttl,
                        Duration::ZERO,
                    );
                    let put = store(
                        state,
                        key,
                        shared_key.as_ref(),
                        &entry,
                        tags,
                        since,
                        shared_since.as_ref(),
                    );
                    finish_put(state, put).await;
                }
                return (Err(error), CacheStatus::Miss);
            }
            let grace = state.config.stale_if_error;
            if error.is_retryable() && !grace.is_zero() {
                let stale = state.memory.stale(key, now, grace).or_else(|| {
                    shared_stale
                        .filter(|e| e.is_within(now, grace))
                        .map(|e| e.value)
                });
                if let Some(Cached::Value(value)) = stale {
                    state.counters.stale(family, false);
                    tracing::debug!(
                        target: TARGET,
                        operation = name,
                        error = %error,
                        "stale answer served: the upstream failed"
                    );
                    return (
                        Ok(value),
                        CacheStatus::Stale(StaleReason::UpstreamError(error.kind())),
                    );
                }
            }
            (Err(error), CacheStatus::Miss)
        }
    }
}

/// Fill the memory tier, and start filling the shared tier if the lookup
/// reached it. Synchronous so that no borrow of `entry` (whose value need
/// not be `Sync`) lives across an await: `put` encodes before returning.
#[allow(clippy::too_many_arguments)]
fn store<'a, P: CacheValue>(
    state: &'a State<P>,
    key: &CacheKey,
    shared_key: Option<&CacheKey>,
    entry: &Entry<P>,
    tags: &[String],
    since: &Generations,
    shared_since: Option<&Generations>,
) -> Option<(&'a dyn CacheStore<P>, StoreFuture<'a, bool>)> {
    if let Some(copy) = entry.try_clone() {
        state.memory.insert_since(key.clone(), copy, tags, since);
    }
    let shared = state.shared.as_deref()?;
    let shared_since = shared_since?;
    let shared_key = shared_key?;
    Some((shared, shared.put(shared_key, entry, tags, shared_since)))
}

/// Wait for a shared-tier fill, counting (never propagating) its failure.
async fn finish_put<P: Send + 'static>(
    state: &State<P>,
    put: Option<(&dyn CacheStore<P>, StoreFuture<'_, bool>)>,
) {
    if let Some((shared, put)) = put
        && let Err(e) = put.await
    {
        state.store_error(shared.name(), "put", &e);
    }
}
