//! Where answers are kept: the [`CacheStore`] trait, the in-memory
//! [`MemoryStore`] and, with feature `redis`, the shared `RedisStore`.
//!
//! The layer keeps its in-memory tier as a concrete [`MemoryStore`] (its hit
//! path never leaves the calling thread and never allocates a future) and
//! talks to an optional *shared* tier through `CacheStore`: a Redis store,
//! another process-wide `MemoryStore`, or any implementation of the trait.

#[cfg(feature = "redis")]
mod codec;
pub mod memory;
#[cfg(feature = "redis")]
pub mod redis;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use mosaic_core::Result;
use tokio::sync::broadcast;

use crate::entry::{Entry, Generations};
use crate::key::CacheKey;

pub use memory::MemoryStore;

/// The future a [`CacheStore`] method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// The result of a [`CacheStore::get`].
#[derive(Debug)]
pub struct Lookup<V> {
    /// The entry, if the store holds a live (fresh or stale) one.
    pub entry: Option<Entry<V>>,
    /// The generations of the looked-up tags, to pass to
    /// [`CacheStore::put`] after the upstream call.
    pub generations: Generations,
}

/// Something another replica (or the store itself) reports to the layers
/// that use a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreEvent {
    /// These tags were invalidated elsewhere: drop local copies filed under them.
    Invalidated(Arc<[String]>),
    /// Invalidations may have been missed (the feed was down): drop every
    /// local copy.
    Flush,
}

/// A place to keep cached answers of type `V`, filed under tags.
///
/// Contract:
/// * `get` returns a live entry (fresh or stale, never past `stale_until`)
///   that no `invalidate` has dropped since it was put, plus the tags'
///   current [`Generations`].
/// * `put` stores `entry` under `tags` unless one of the tags was
///   invalidated after `since` was read (it then returns `Ok(false)`). It
///   encodes the entry before returning its future (the future does not
///   borrow it), so `V` need not be `Sync`.
/// * `invalidate` drops every entry filed under any of `tags`, and tells
///   the other users of the store through [`events`](Self::events) where it
///   can.
/// * Errors are reported, never panicked; the layer treats an erroring
///   store as empty and answers from the upstream.
pub trait CacheStore<V>: Send + Sync + 'static {
    /// Look `key` up; `tags` are the tags the entry would be filed under.
    fn get<'a>(&'a self, key: &'a CacheKey, tags: &'a [String]) -> StoreFuture<'a, Lookup<V>>;

    /// Store `entry` under `key` and `tags`, unless the tags changed since
    /// `since`. Returns whether it was stored.
    fn put<'a>(
        &'a self,
        key: &CacheKey,
        entry: &Entry<V>,
        tags: &[String],
        since: &Generations,
    ) -> StoreFuture<'a, bool>;

    /// Drop every entry filed under any of `tags`.
    fn invalidate<'a>(&'a self, tags: &'a [String]) -> StoreFuture<'a, ()>;

    /// A feed of invalidations made by other users of the store (other
    /// replicas), if the store has one.
    fn events(&self) -> Option<broadcast::Receiver<StoreEvent>> {
        None
    }

    /// A short name for logs (`"memory"`, `"redis"`).
    fn name(&self) -> &'static str;
}

impl<V, T: CacheStore<V> + ?Sized> CacheStore<V> for Arc<T> {
    fn get<'a>(&'a self, key: &'a CacheKey, tags: &'a [String]) -> StoreFuture<'a, Lookup<V>> {
        (**self).get(key, tags)
    }
    fn put<'a>(
        &'a self,
        key: &CacheKey,
        entry: &Entry<V>,
        tags: &[String],
        since: &Generations,
    ) -> StoreFuture<'a, bool> {
        (**self).put(key, entry, tags, since)
    }
    fn invalidate<'a>(&'a self, tags: &'a [String]) -> StoreFuture<'a, ()> {
        (**self).invalidate(tags)
    }
    fn events(&self) -> Option<broadcast::Receiver<StoreEvent>> {
        (**self).events()
    }
    fn name(&self) -> &'static str {
        (**self).name()
    }
}
