//! # mosaic-cache
//!
//! A response cache for any Mosaic family's `tower` service.
//!
//! * [`CacheLayer`] / [`Cache`]: caches cacheable reads under the tenant plus
//!   the operation's cache key, files them under the operation's tags, and
//!   drops those tags when a write that declares them succeeds. Concurrent
//!   misses for one key make one upstream call; an expired answer is served
//!   (marked stale) when the upstream fails with a retryable error, and
//!   optionally while a background call refreshes it. Live reads (AI chat
//!   and streams) and writes pass through.
//! * [`CacheConfig`]: TTL per operation, per family and by default; stale
//!   windows; negative caching of `NotFound`; entry and byte bounds.
//! * Tiers: the in-memory [`MemoryStore`] (a sharded `lru` map, chosen over
//!   `moka` by measurement), and any shared [`CacheStore`] behind it — with
//!   feature `redis`, `RedisStore`, which shares entries between replicas,
//!   broadcasts invalidations to their in-memory tiers, and is skipped
//!   (never failing a call) while Redis is down or slow.
//! * Observability: [`CacheStats`] counters, `metrics` counters and
//!   `tracing` events (see [`stats`]), and each call's [`CacheStatus`]
//!   through [`observe`].
//!
//! All deadlines use `tokio::time::Instant`, so tests run on paused time.
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use std::time::Duration;
//!
//! use mosaic_cache::{CacheConfig, CacheLayer, CacheStatus, Tier, observe};
//! use mosaic_core::git::{GitClient, GitOp, GitProvider, GitResponse, GitService, RepoRef, Repository};
//! use mosaic_core::{Capabilities, Result};
//! use tower::ServiceBuilder;
//!
//! /// A provider that counts its calls.
//! #[derive(Default)]
//! struct Counting(Arc<AtomicUsize>);
//!
//! #[async_trait::async_trait]
//! impl GitProvider for Counting {
//!     fn capabilities(&self) -> Capabilities {
//!         Capabilities::of([GitOp::GetRepository])
//!     }
//!     async fn get_repository(&self, r: RepoRef) -> Result<Repository> {
//!         self.0.fetch_add(1, Ordering::SeqCst);
//!         Ok(Repository { full_name: format!("{}/{}", r.owner, r.name), ..Default::default() })
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let calls = Arc::new(AtomicUsize::new(0));
//! let cache = CacheLayer::<GitResponse>::new(CacheConfig::new().with_ttl(Duration::from_secs(30)));
//! let git = GitClient::new(
//!     ServiceBuilder::new()
//!         .layer(cache.clone())
//!         .service(GitService::new(Counting(calls.clone()))),
//! );
//!
//! let first = git.get_repository(RepoRef::new("acme", "tools")).await?;
//! let (second, status) = observe(git.get_repository(RepoRef::new("acme", "tools"))).await;
//! assert_eq!(second?.full_name, first.full_name);
//! assert_eq!(status, Some(CacheStatus::Hit(Tier::Memory)));
//! assert_eq!(calls.load(Ordering::SeqCst), 1); // the second read never reached the provider
//! assert_eq!(cache.stats().snapshot().hits, 1);
//! # Ok::<(), mosaic_core::Error>(())
//! # }).unwrap();
//! ```

mod config;
mod entry;
mod flight;
mod future;
mod key;
mod layer;
mod service;
pub mod stats;
pub mod status;
pub mod store;

pub use config::CacheConfig;
pub use entry::{Cached, Entry, Generations};
pub use future::ResponseFuture;
pub use key::CacheKey;
pub use layer::CacheLayer;
pub use service::Cache;
pub use stats::{CacheStats, StatsSnapshot};
pub use status::{CacheStatus, StaleReason, Tier, observe};
#[cfg(feature = "redis")]
pub use store::redis::{RedisConfig, RedisStore};
pub use store::{CacheStore, Lookup, MemoryStore, StoreEvent, StoreFuture};

/// What a cached response must be: a family's response enum (all of them
/// qualify). Serialization is used by shared tiers and to weigh entries.
pub trait CacheValue:
    mosaic_core::Response + serde::Serialize + serde::de::DeserializeOwned
{
}

impl<T> CacheValue for T where
    T: mosaic_core::Response + serde::Serialize + serde::de::DeserializeOwned
{
}
