//! [`MemoryStore`]: the in-memory tier, a sharded LRU map with lazy tag
//! invalidation.
//!
//! Entries live in `lru::LruCache` maps, one per shard, each behind a
//! `parking_lot` mutex (16 shards for large caches, one for small ones, so a
//! small cache evicts in exact LRU order). `lru` was chosen over `moka` by
//! measurement: a hit is about twice as fast single-threaded and faster
//! still under contention (see `benches/results/cache.md`), and the cache
//! needs none of moka's background maintenance since it keeps its own
//! deadlines on tokio's clock.
//!
//! Tags are not indexed. Each tag hashes to one of 4096 generation counters;
//! an entry records the counters of its tags when it is filled, and an
//! invalidation bumps the counters of the invalidated tags. A lookup that
//! finds a recorded counter behind the current one treats the entry as gone
//! (and removes it). Invalidation is therefore O(tags), lock-free and
//! race-free: an answer fetched before an invalidation carries the old
//! counters and can never be served after it. A hash collision between two
//! tags only invalidates a little more than asked.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lru::LruCache;
use metrics::Counter;
use mosaic_core::Response;
use parking_lot::Mutex;
use tokio::time::Instant;

use super::{CacheStore, Lookup, StoreFuture};
use crate::entry::{Cached, Entry, Generations};
use crate::key::{CacheKey, PassThroughBuild, hash_bytes};

/// Number of generation counters tags hash into.
const GEN_BUCKETS: usize = 4096;
/// Most shards a store uses.
const MAX_SHARDS: usize = 16;
/// Entries per shard below which fewer shards are used.
const ENTRIES_PER_SHARD: usize = 256;
/// Byte budget per shard below which fewer shards are used.
const BYTES_PER_SHARD: usize = 256 * 1024;
/// Bytes charged per entry on top of its key and value.
const ENTRY_OVERHEAD: usize = 96;

/// How an entry's value is weighed against the byte bound.
pub type Weigher<V> = Arc<dyn Fn(&V) -> usize + Send + Sync>;

struct Slot<V> {
    entry: Entry<V>,
    epoch: u64,
    tags: Box<[(u32, u64)]>,
    weight: usize,
}

struct Shard<V> {
    map: LruCache<CacheKey, Slot<V>, PassThroughBuild>,
    bytes: usize,
}

/// What an in-memory lookup found (used by the layer's hit path).
pub(crate) enum Found<V> {
    /// A fresh entry.
    Fresh(Cached<V>),
    /// An expired entry inside the stale-while-revalidate window.
    Revalidate(Cached<V>),
    /// An expired entry still kept (for stale-if-error).
    Expired,
    /// Nothing usable.
    Miss,
}

/// The in-memory tier: bounded by entries and optionally by bytes, with
/// lazy tag invalidation (see the [module documentation](self)).
///
/// `V` is a family's response enum. Values are cloned out under the shard
/// lock with [`Response::try_clone`], so `V` needs only be `Send`.
pub struct MemoryStore<V> {
    shards: Box<[Mutex<Shard<V>>]>,
    shard_mask: usize,
    max_entries: usize,
    max_entries_per_shard: usize,
    max_bytes_per_shard: Option<usize>,
    weigher: Option<Weigher<V>>,
    gens: Box<[AtomicU64]>,
    epoch: AtomicU64,
    evictions: Arc<AtomicU64>,
    evictions_metric: Counter,
}

impl<V> fmt::Debug for MemoryStore<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("shards", &self.shards.len())
            .field("max_entries_per_shard", &self.max_entries_per_shard)
            .field("max_bytes_per_shard", &self.max_bytes_per_shard)
            .field("entries", &self.len())
            .finish()
    }
}

impl<V> MemoryStore<V> {
    /// A store holding at most `max_entries` entries (zero: a store that
    /// keeps nothing).
    pub fn new(max_entries: usize) -> Self {
        Self::build(max_entries, None, None)
    }

    /// Also bound the store to about `max_bytes`, weighing each value with
    /// `weigher` (plus its key and a fixed overhead). An entry heavier than
    /// a shard's share of the bound is not stored; small byte bounds use a
    /// single shard.
    pub fn with_max_bytes(
        self,
        max_bytes: usize,
        weigher: impl Fn(&V) -> usize + Send + Sync + 'static,
    ) -> Self {
        Self::build(self.max_entries, Some(max_bytes), Some(Arc::new(weigher)))
    }

    fn build(max_entries: usize, max_bytes: Option<usize>, weigher: Option<Weigher<V>>) -> Self {
        let by_entries = (max_entries / ENTRIES_PER_SHARD).clamp(1, MAX_SHARDS);
        let by_bytes = max_bytes.map_or(MAX_SHARDS, |b| (b / BYTES_PER_SHARD).clamp(1, MAX_SHARDS));
        let shards = if max_entries == 0 {
            0
        } else {
            prev_power_of_two(by_entries.min(by_bytes))
        };
        let per_shard = if shards == 0 {
            0
        } else {
            max_entries.div_ceil(shards)
        };
        MemoryStore {
            shards: (0..shards)
                .map(|_| {
                    Mutex::new(Shard {
                        map: LruCache::unbounded_with_hasher(PassThroughBuild::default()),
                        bytes: 0,
                    })
                })
                .collect(),
            shard_mask: shards.saturating_sub(1),
            max_entries,
            max_entries_per_shard: per_shard,
            max_bytes_per_shard: max_bytes.map(|b| b / shards.max(1)),
            weigher,
            gens: (0..GEN_BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            epoch: AtomicU64::new(0),
            evictions: Arc::new(AtomicU64::new(0)),
            evictions_metric: metrics::counter!("mosaic_cache_evictions_total"),
        }
    }

    /// Whether the store keeps anything at all.
    pub fn is_enabled(&self) -> bool {
        !self.shards.is_empty()
    }

    /// Entries held (including ones invalidated or expired but not yet removed).
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().map.len()).sum()
    }

    /// Whether the store holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes charged (only counted with a byte bound).
    pub fn bytes(&self) -> usize {
        self.shards.iter().map(|s| s.lock().bytes).sum()
    }

    /// Entries pushed out by the size bounds so far.
    pub fn evictions(&self) -> u64 {
        self.evictions.load(Ordering::Relaxed)
    }

    pub(crate) fn eviction_counter(&self) -> Arc<AtomicU64> {
        self.evictions.clone()
    }

    /// The current generations of `tags` (a token for [`insert_since`](Self::insert_since)).
    pub fn generations(&self, tags: &[String]) -> Generations {
        let mut values = Vec::with_capacity(tags.len() + 1);
        values.push(self.epoch.load(Ordering::Acquire));
        values.extend(
            tags.iter()
                .map(|t| self.gens[bucket(t)].load(Ordering::Acquire)),
        );
        Generations::new(values)
    }

    /// Drop every entry filed under any of `tags` (O(number of tags)).
    pub fn invalidate(&self, tags: &[String]) {
        for t in tags {
            self.gens[bucket(t)].fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Drop every entry.
    pub fn clear(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        for shard in self.shards.iter() {
            let mut s = shard.lock();
            s.map.clear();
            s.bytes = 0;
        }
    }

    fn shard(&self, key: &CacheKey) -> Option<&Mutex<Shard<V>>> {
        if self.shards.is_empty() {
            return None;
        }
        // Bits 32.. pick the shard; the map uses the low bits and the top 7.
        let i = ((key.hash_value() >> 32) as usize) & self.shard_mask;
        Some(&self.shards[i])
    }

    fn is_current(&self, slot: &Slot<V>) -> bool {
        slot.epoch == self.epoch.load(Ordering::Acquire)
            && slot
                .tags
                .iter()
                .all(|(b, g)| self.gens[*b as usize].load(Ordering::Acquire) == *g)
    }

    fn remove_locked(shard: &mut Shard<V>, key: &CacheKey) {
        if let Some(slot) = shard.map.pop(key) {
            shard.bytes -= slot.weight;
        }
    }

    /// Store `entry` under `tags` unless one of them was invalidated after
    /// `since` was read (from [`generations`](Self::generations) with the
    /// same tags). Returns whether it was stored.
    pub fn insert_since(
        &self,
        key: CacheKey,
        entry: Entry<V>,
        tags: &[String],
        since: &Generations,
    ) -> bool {
        let Some(shard) = self.shard(&key) else {
            return false;
        };
        let since = since.as_slice();
        if since.len() != tags.len() + 1 {
            return false;
        }
        let slot_tags: Box<[(u32, u64)]> = tags
            .iter()
            .zip(&since[1..])
            .map(|(t, g)| (bucket(t) as u32, *g))
            .collect();
        let weight = match &self.weigher {
            Some(w) => {
                let value = match &entry.value {
                    Cached::Value(v) => w(v),
                    Cached::NotFound(e) => e.message().len(),
                };
                key.weight() + value + ENTRY_OVERHEAD
            }
            None => 0,
        };
        if self.max_bytes_per_shard.is_some_and(|max| weight > max) {
            return false;
        }
        let slot = Slot {
            entry,
            epoch: since[0],
            tags: slot_tags,
            weight,
        };
        if !self.is_current(&slot) {
            return false;
        }
        let mut s = shard.lock();
        if let Some(old) = s.map.put(key, slot) {
            s.bytes -= old.weight;
        }
        s.bytes += weight;
        let mut evicted = 0;
        while s.map.len() > self.max_entries_per_shard
            || self.max_bytes_per_shard.is_some_and(|max| s.bytes > max)
        {
            match s.map.pop_lru() {
                Some((_, old)) => {
                    s.bytes -= old.weight;
                    evicted += 1;
                }
                None => break,
            }
        }
        drop(s);
        if evicted > 0 {
            self.evictions.fetch_add(evicted, Ordering::Relaxed);
            self.evictions_metric.increment(evicted);
        }
        true
    }

    /// Store `entry` under `tags` (as of now).
    pub fn insert(&self, key: CacheKey, entry: Entry<V>, tags: &[String]) -> bool {
        let since = self.generations(tags);
        self.insert_since(key, entry, tags, &since)
    }

    /// Remove one key.
    pub fn remove(&self, key: &CacheKey) {
        if let Some(shard) = self.shard(key) {
            Self::remove_locked(&mut shard.lock(), key);
        }
    }
}

impl<V: Response> MemoryStore<V> {
    /// A copy of the live entry under `key` (fresh or stale, not invalidated).
    pub fn get(&self, key: &CacheKey) -> Option<Entry<V>> {
        let now = Instant::now();
        self.with_live(key, now, |slot| slot.entry.try_clone())
            .flatten()
    }

    /// Run `f` on the live slot under `key`, removing a dead one.
    fn with_live<T>(
        &self,
        key: &CacheKey,
        now: Instant,
        f: impl FnOnce(&Slot<V>) -> T,
    ) -> Option<T> {
        let shard = self.shard(key)?;
        let mut s = shard.lock();
        let found = match s.map.get(key) {
            None => return None,
            Some(slot) if slot.entry.is_alive(now) && self.is_current(slot) => Some(f(slot)),
            Some(_) => None,
        };
        if found.is_none() {
            Self::remove_locked(&mut s, key);
        }
        found
    }

    /// The layer's hit path: classify the entry under `key` at `now`.
    pub(crate) fn lookup(&self, key: &CacheKey, now: Instant, swr: Duration) -> Found<V> {
        let found = self.with_live(key, now, |slot| {
            let e = &slot.entry;
            if e.is_fresh(now) {
                e.value.try_clone().map(Found::Fresh)
            } else if now < e.fresh_until + swr {
                e.value.try_clone().map(Found::Revalidate)
            } else {
                Some(Found::Expired)
            }
        });
        found.flatten().unwrap_or(Found::Miss)
    }

    /// A copy of the entry under `key` if it is fresh or expired by less
    /// than `grace` (for stale-if-error).
    pub(crate) fn stale(&self, key: &CacheKey, now: Instant, grace: Duration) -> Option<Cached<V>> {
        self.with_live(key, now, |slot| {
            if slot.entry.is_within(now, grace) && !slot.entry.value.is_not_found() {
                slot.entry.value.try_clone()
            } else {
                None
            }
        })
        .flatten()
    }
}

impl<V: Response> CacheStore<V> for MemoryStore<V> {
    fn get<'a>(&'a self, key: &'a CacheKey, tags: &'a [String]) -> StoreFuture<'a, Lookup<V>> {
        let generations = self.generations(tags);
        let entry = MemoryStore::get(self, key);
        Box::pin(std::future::ready(Ok(Lookup { entry, generations })))
    }

    fn put<'a>(
        &'a self,
        key: &CacheKey,
        entry: &Entry<V>,
        tags: &[String],
        since: &Generations,
    ) -> StoreFuture<'a, bool> {
        let stored = match entry.try_clone() {
            Some(copy) => self.insert_since(key.clone(), copy, tags, since),
            None => false,
        };
        Box::pin(std::future::ready(Ok(stored)))
    }

    fn invalidate<'a>(&'a self, tags: &'a [String]) -> StoreFuture<'a, ()> {
        MemoryStore::invalidate(self, tags);
        Box::pin(std::future::ready(Ok(())))
    }

    fn name(&self) -> &'static str {
        "memory"
    }
}

fn bucket(tag: &str) -> usize {
    (hash_bytes(tag.as_bytes()) as usize) % GEN_BUCKETS
}

fn prev_power_of_two(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        1 << (usize::BITS - 1 - n.leading_zeros())
    }
}
