//! [`CacheLayer`]: builds the cache's shared state and wraps services in it.

use std::fmt;
use std::sync::Arc;

use mosaic_core::{Error, Result};
use tokio::sync::broadcast::error::RecvError;
use tower::Layer;

use crate::CacheValue;
use crate::config::CacheConfig;
use crate::service::{Cache, State};
use crate::stats::CacheStats;
use crate::store::{CacheStore, StoreEvent};

/// A `tower::Layer` that caches the reads of any Mosaic family's service.
///
/// Every service the layer wraps (and every clone of the layer) shares one
/// cache: one in-memory tier, one optional shared tier, one set of flights
/// and counters. `P` is the family's response enum (`GitResponse`, …).
///
/// ```
/// use mosaic_cache::{CacheConfig, CacheLayer};
/// use mosaic_core::git::GitResponse;
///
/// let layer = CacheLayer::<GitResponse>::new(CacheConfig::new());
/// assert_eq!(layer.stats().snapshot().hits, 0);
/// ```
pub struct CacheLayer<P> {
    state: Arc<State<P>>,
}

impl<P> Clone for CacheLayer<P> {
    fn clone(&self) -> Self {
        CacheLayer {
            state: self.state.clone(),
        }
    }
}

impl<P: 'static> fmt::Debug for CacheLayer<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheLayer")
            .field("config", &self.state.config)
            .field("shared", &self.state.shared.as_ref().map(|s| s.name()))
            .finish()
    }
}

impl<P: CacheValue> CacheLayer<P> {
    /// A cache with only the in-memory tier.
    pub fn new(config: CacheConfig) -> Self {
        CacheLayer {
            state: State::new(config, None),
        }
    }

    /// A two-tier cache: memory first, then `store` (e.g. a `RedisStore`),
    /// then the upstream; both tiers are filled on a miss.
    ///
    /// If the store has an invalidation feed (Redis does), a task on the
    /// current tokio runtime applies other replicas' invalidations to this
    /// cache's in-memory tier; it ends when the cache is dropped.
    ///
    /// # Errors
    /// `Config` when the store has a feed and no tokio runtime is running.
    pub fn with_shared(config: CacheConfig, store: impl CacheStore<P>) -> Result<Self> {
        let events = store.events();
        let state = State::new(config, Some(Arc::new(store)));
        if let Some(mut events) = events {
            let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
                Error::config(
                    "a shared cache store with an invalidation feed needs a running tokio runtime",
                )
            })?;
            let weak = Arc::downgrade(&state);
            let task = runtime.spawn(async move {
                loop {
                    let event = events.recv().await;
                    let Some(state) = weak.upgrade() else { break };
                    match event {
                        Ok(StoreEvent::Invalidated(tags)) => state.apply_remote_invalidation(&tags),
                        Ok(StoreEvent::Flush) | Err(RecvError::Lagged(_)) => {
                            state.memory.clear();
                            tracing::debug!(
                                target: "mosaic_cache",
                                "in-memory tier flushed: invalidations may have been missed"
                            );
                        }
                        Err(RecvError::Closed) => break,
                    }
                }
            });
            state.set_feed_task(task.abort_handle());
        }
        Ok(CacheLayer { state })
    }

    /// The cache's counters.
    pub fn stats(&self) -> CacheStats {
        self.state.stats()
    }

    /// The configuration.
    pub fn config(&self) -> &CacheConfig {
        &self.state.config
    }

    /// Drop every entry filed under any of `tags`, in both tiers (as a
    /// successful write declaring them would).
    pub async fn invalidate(&self, tags: &[String]) {
        self.state.invalidate(tags).await;
    }

    /// Drop every entry of the in-memory tier.
    pub fn clear_memory(&self) {
        self.state.memory.clear();
    }

    /// Entries in the in-memory tier (including dead ones not yet removed).
    pub fn memory_len(&self) -> usize {
        self.state.memory.len()
    }
}

impl<S, P> Layer<S> for CacheLayer<P> {
    type Service = Cache<S, P>;

    fn layer(&self, inner: S) -> Self::Service {
        Cache::from_parts(inner, self.state.clone())
    }
}
