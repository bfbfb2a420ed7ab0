//! Counters: a [`CacheStats`] handle, `metrics` counters and tracing events.
//!
//! Every event is counted three ways: in the layer's [`CacheStats`] (read
//! with [`CacheStats::snapshot`]), as a `metrics` counter (the recorder must
//! be installed before the layer is built: handles are registered once), and
//! as a `tracing` event under the target `mosaic_cache`.
//!
//! | metric | labels |
//! |---|---|
//! | `mosaic_cache_hits_total` | `family`, `tier` (`memory`/`shared`) |
//! | `mosaic_cache_misses_total` | `family` |
//! | `mosaic_cache_coalesced_total` | `family` |
//! | `mosaic_cache_stale_total` | `family`, `reason` (`error`/`revalidate`) |
//! | `mosaic_cache_negative_hits_total` | `family` |
//! | `mosaic_cache_invalidations_total` | `family` (one per tag) |
//! | `mosaic_cache_evictions_total` | — |
//! | `mosaic_cache_store_errors_total` | — |

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use metrics::Counter;
use mosaic_core::Family;

use crate::status::Tier;

/// A point-in-time copy of a cache's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatsSnapshot {
    /// Fresh answers from the in-memory tier (remembered `NotFound`s included).
    pub hits: u64,
    /// Fresh answers from the shared tier.
    pub shared_hits: u64,
    /// Calls that went upstream for a cacheable read.
    pub misses: u64,
    /// Calls answered by another caller's in-flight upstream call.
    pub coalesced: u64,
    /// Stale answers served (stale-if-error or stale-while-revalidate).
    pub stale_serves: u64,
    /// Hits that returned a remembered `NotFound` (also counted in `hits`
    /// or `shared_hits`).
    pub negative_hits: u64,
    /// Entries pushed out of the in-memory tier by its size bounds.
    pub evictions: u64,
    /// Tags invalidated (by local writes, manual calls or other replicas).
    pub invalidations: u64,
    /// Shared-tier operations that failed (the call was answered anyway).
    pub store_errors: u64,
    /// Calls that bypassed the cache (writes, live reads, zero TTL).
    pub bypassed: u64,
}

impl StatsSnapshot {
    /// Hits over hits + misses (shared hits count as hits), `0.0` before any read.
    pub fn hit_ratio(&self) -> f64 {
        let hits = self.hits + self.shared_hits + self.coalesced;
        let total = hits + self.misses;
        if total == 0 {
            0.0
        } else {
            hits as f64 / total as f64
        }
    }
}

/// A handle on a cache's counters (cheap to clone).
#[derive(Debug, Clone)]
pub struct CacheStats {
    pub(crate) counters: Arc<Counters>,
}

impl CacheStats {
    /// The current values.
    pub fn snapshot(&self) -> StatsSnapshot {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        StatsSnapshot {
            hits: get(&c.hits),
            shared_hits: get(&c.shared_hits),
            misses: get(&c.misses),
            coalesced: get(&c.coalesced),
            stale_serves: get(&c.stale),
            negative_hits: get(&c.negative_hits),
            evictions: get(&c.evictions),
            invalidations: get(&c.invalidations),
            store_errors: get(&c.store_errors),
            bypassed: get(&c.bypassed),
        }
    }
}

/// The counters behind [`CacheStats`], plus the `metrics` handles.
#[derive(Debug)]
pub(crate) struct Counters {
    pub(crate) hits: AtomicU64,
    pub(crate) shared_hits: AtomicU64,
    pub(crate) misses: AtomicU64,
    pub(crate) coalesced: AtomicU64,
    pub(crate) stale: AtomicU64,
    pub(crate) negative_hits: AtomicU64,
    pub(crate) evictions: Arc<AtomicU64>,
    pub(crate) invalidations: AtomicU64,
    pub(crate) store_errors: AtomicU64,
    pub(crate) bypassed: AtomicU64,
    families: [FamilyMetrics; 6],
    store_errors_metric: Counter,
}

#[derive(Debug)]
struct FamilyMetrics {
    hits_memory: Counter,
    hits_shared: Counter,
    misses: Counter,
    coalesced: Counter,
    stale_error: Counter,
    stale_revalidate: Counter,
    negative_hits: Counter,
    invalidations: Counter,
}

impl FamilyMetrics {
    fn register(family: Family) -> Self {
        let f = family.as_str();
        FamilyMetrics {
            hits_memory: metrics::counter!("mosaic_cache_hits_total", "family" => f, "tier" => "memory"),
            hits_shared: metrics::counter!("mosaic_cache_hits_total", "family" => f, "tier" => "shared"),
            misses: metrics::counter!("mosaic_cache_misses_total", "family" => f),
            coalesced: metrics::counter!("mosaic_cache_coalesced_total", "family" => f),
            stale_error: metrics::counter!("mosaic_cache_stale_total", "family" => f, "reason" => "error"),
            stale_revalidate: metrics::counter!("mosaic_cache_stale_total", "family" => f, "reason" => "revalidate"),
            negative_hits: metrics::counter!("mosaic_cache_negative_hits_total", "family" => f),
            invalidations: metrics::counter!("mosaic_cache_invalidations_total", "family" => f),
        }
    }
}

fn family_index(family: Family) -> usize {
    Family::ALL.iter().position(|f| *f == family).unwrap_or(0)
}

fn bump(a: &AtomicU64, n: u64) {
    a.fetch_add(n, Ordering::Relaxed);
}

impl Counters {
    /// Fresh counters; `evictions` is shared with the in-memory store, which
    /// counts its own evictions.
    pub(crate) fn new(evictions: Arc<AtomicU64>) -> Self {
        Counters {
            hits: AtomicU64::new(0),
            shared_hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            coalesced: AtomicU64::new(0),
            stale: AtomicU64::new(0),
            negative_hits: AtomicU64::new(0),
            evictions,
            invalidations: AtomicU64::new(0),
            store_errors: AtomicU64::new(0),
            bypassed: AtomicU64::new(0),
            families: Family::ALL.map(FamilyMetrics::register),
            store_errors_metric: metrics::counter!("mosaic_cache_store_errors_total"),
        }
    }

    fn family(&self, family: Family) -> &FamilyMetrics {
        &self.families[family_index(family)]
    }

    pub(crate) fn hit(&self, family: Family, tier: Tier, negative: bool) {
        let m = self.family(family);
        match tier {
            Tier::Memory => {
                bump(&self.hits, 1);
                m.hits_memory.increment(1);
            }
            Tier::Shared => {
                bump(&self.shared_hits, 1);
                m.hits_shared.increment(1);
            }
        }
        if negative {
            bump(&self.negative_hits, 1);
            m.negative_hits.increment(1);
        }
    }

    pub(crate) fn miss(&self, family: Family) {
        bump(&self.misses, 1);
        self.family(family).misses.increment(1);
    }

    pub(crate) fn coalesced(&self, family: Family) {
        bump(&self.coalesced, 1);
        self.family(family).coalesced.increment(1);
    }

    pub(crate) fn stale(&self, family: Family, revalidating: bool) {
        bump(&self.stale, 1);
        let m = self.family(family);
        if revalidating {
            m.stale_revalidate.increment(1);
        } else {
            m.stale_error.increment(1);
        }
    }

    pub(crate) fn invalidated(&self, family: Option<Family>, tags: u64) {
        bump(&self.invalidations, tags);
        if let Some(f) = family {
            self.family(f).invalidations.increment(tags);
        }
    }

    pub(crate) fn store_error(&self) {
        bump(&self.store_errors, 1);
        self.store_errors_metric.increment(1);
    }

    pub(crate) fn bypass(&self) {
        bump(&self.bypassed, 1);
    }
}
