//! [`CacheConfig`]: lifetimes, stale windows and size limits.

use std::collections::HashMap;
use std::time::Duration;

use mosaic_core::Family;

/// How long answers live and how much the in-memory tier may hold.
///
/// ```
/// use std::time::Duration;
/// use mosaic_cache::CacheConfig;
/// use mosaic_core::Family;
///
/// let config = CacheConfig::new()
///     .with_ttl(Duration::from_secs(30))                           // every cacheable read
///     .with_family_ttl(Family::KnowledgeBase, Duration::from_secs(300))
///     .with_operation_ttl("git.branch.list", Duration::from_secs(5))
///     .with_operation_ttl("git.commit.list", Duration::ZERO)       // never cached
///     .with_stale_if_error(Duration::from_secs(600))
///     .with_negative_ttl(Duration::from_secs(2))
///     .with_max_entries(50_000)
///     .with_max_bytes(64 << 20);
/// assert_eq!(config.ttl_for(Family::Git, "git.branch.list"), Duration::from_secs(5));
/// assert_eq!(config.ttl_for(Family::Git, "git.repository.get"), Duration::from_secs(30));
/// assert_eq!(config.ttl_for(Family::KnowledgeBase, "kb.page.get"), Duration::from_secs(300));
/// ```
#[derive(Debug, Clone)]
pub struct CacheConfig {
    pub(crate) default_ttl: Duration,
    pub(crate) family_ttl: HashMap<Family, Duration>,
    pub(crate) operation_ttl: HashMap<String, Duration>,
    pub(crate) stale_if_error: Duration,
    pub(crate) stale_while_revalidate: Duration,
    pub(crate) negative_ttl: Option<Duration>,
    pub(crate) max_entries: usize,
    pub(crate) max_bytes: Option<usize>,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl CacheConfig {
    /// Default TTL of a cached read.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(60);
    /// Default stale-if-error grace window.
    pub const DEFAULT_STALE_IF_ERROR: Duration = Duration::from_secs(300);
    /// Default bound on in-memory entries.
    pub const DEFAULT_MAX_ENTRIES: usize = 10_000;

    /// Defaults: TTL 60 s for every cacheable read, stale-if-error grace
    /// 5 min, no stale-while-revalidate, no negative caching, at most 10 000
    /// entries in memory and no byte bound.
    pub fn new() -> Self {
        CacheConfig {
            default_ttl: Self::DEFAULT_TTL,
            family_ttl: HashMap::new(),
            operation_ttl: HashMap::new(),
            stale_if_error: Self::DEFAULT_STALE_IF_ERROR,
            stale_while_revalidate: Duration::ZERO,
            negative_ttl: None,
            max_entries: Self::DEFAULT_MAX_ENTRIES,
            max_bytes: None,
        }
    }

    /// TTL of every cacheable read without a more specific setting
    /// (`Duration::ZERO`: cache nothing unless a family or operation says so).
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.default_ttl = ttl;
        self
    }

    /// TTL of every read of `family` (overrides [`with_ttl`](Self::with_ttl); zero: never cached).
    pub fn with_family_ttl(mut self, family: Family, ttl: Duration) -> Self {
        self.family_ttl.insert(family, ttl);
        self
    }

    /// TTL of one operation by name, e.g. `"git.branch.list"` (overrides the
    /// family and default TTLs; zero: never cached).
    pub fn with_operation_ttl(mut self, operation: impl Into<String>, ttl: Duration) -> Self {
        self.operation_ttl.insert(operation.into(), ttl);
        self
    }

    /// Stale-if-error grace: an entry expired by less than this is served
    /// (marked stale) when the upstream fails with a retryable error.
    /// Zero turns it off.
    pub fn with_stale_if_error(mut self, grace: Duration) -> Self {
        self.stale_if_error = grace;
        self
    }

    /// Stale-while-revalidate: an entry expired by less than this is served
    /// at once (marked stale) while one background call refreshes it.
    /// Zero (the default) turns it off. Needs a tokio runtime.
    pub fn with_stale_while_revalidate(mut self, window: Duration) -> Self {
        self.stale_while_revalidate = window;
        self
    }

    /// Remember `NotFound` answers for `ttl` (keep it short). Off by default.
    pub fn with_negative_ttl(mut self, ttl: Duration) -> Self {
        self.negative_ttl = (!ttl.is_zero()).then_some(ttl);
        self
    }

    /// At most this many entries in the in-memory tier (least recently used
    /// go first). Zero turns the in-memory tier off (a shared tier, if any,
    /// still works).
    pub fn with_max_entries(mut self, entries: usize) -> Self {
        self.max_entries = entries;
        self
    }

    /// At most about this many bytes in the in-memory tier, each entry
    /// weighed by its serialized (JSON) size plus its key.
    pub fn with_max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = Some(bytes);
        self
    }

    /// The TTL that applies to operation `name` of `family`.
    pub fn ttl_for(&self, family: Family, name: &str) -> Duration {
        if !self.operation_ttl.is_empty()
            && let Some(ttl) = self.operation_ttl.get(name)
        {
            return *ttl;
        }
        if !self.family_ttl.is_empty()
            && let Some(ttl) = self.family_ttl.get(&family)
        {
            return *ttl;
        }
        self.default_ttl
    }

    /// How long an entry is kept after it expires (the longer of the
    /// stale-if-error and stale-while-revalidate windows).
    pub fn stale_window(&self) -> Duration {
        self.stale_if_error.max(self.stale_while_revalidate)
    }

    /// The TTL of reads without a family or operation setting.
    pub fn default_ttl(&self) -> Duration {
        self.default_ttl
    }

    /// The stale-if-error grace.
    pub fn stale_if_error(&self) -> Duration {
        self.stale_if_error
    }

    /// The stale-while-revalidate window.
    pub fn stale_while_revalidate(&self) -> Duration {
        self.stale_while_revalidate
    }

    /// The negative-caching TTL, if on.
    pub fn negative_ttl(&self) -> Option<Duration> {
        self.negative_ttl
    }

    /// The in-memory entry bound.
    pub fn max_entries(&self) -> usize {
        self.max_entries
    }

    /// The in-memory byte bound, if any.
    pub fn max_bytes(&self) -> Option<usize> {
        self.max_bytes
    }
}
