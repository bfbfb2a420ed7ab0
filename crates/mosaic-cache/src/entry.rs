//! What a store keeps: [`Entry`] (a [`Cached`] answer with its freshness
//! deadlines) and the [`Generations`] token of a conditional fill.

use std::time::Duration;

use mosaic_core::{Error, Response};
use tokio::time::Instant;

/// A cached answer: a response, or a remembered `NotFound` (negative caching).
#[derive(Debug)]
pub enum Cached<V> {
    /// A successful response.
    Value(V),
    /// The upstream answered `NotFound`; the error is handed out again.
    NotFound(Error),
}

impl<V: Response> Cached<V> {
    /// A copy (`None` only for a value that cannot be cloned, which a cache
    /// never stores).
    pub fn try_clone(&self) -> Option<Self> {
        match self {
            Cached::Value(v) => v.try_clone().map(Cached::Value),
            Cached::NotFound(e) => Some(Cached::NotFound(e.clone())),
        }
    }
}

impl<V> Cached<V> {
    /// The answer as the service returns it.
    pub fn into_result(self) -> mosaic_core::Result<V> {
        match self {
            Cached::Value(v) => Ok(v),
            Cached::NotFound(e) => Err(e),
        }
    }

    /// Whether this is a remembered `NotFound`.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Cached::NotFound(_))
    }
}

/// One stored answer and its deadlines (tokio time).
///
/// Until `fresh_until` the entry is served as is; between `fresh_until` and
/// `stale_until` it is *stale*: served only while revalidating or when the
/// upstream fails; after `stale_until` it is gone.
#[derive(Debug)]
pub struct Entry<V> {
    /// The answer.
    pub value: Cached<V>,
    /// End of freshness.
    pub fresh_until: Instant,
    /// End of the stale window (`>= fresh_until`).
    pub stale_until: Instant,
}

impl<V> Entry<V> {
    /// An entry fresh for `ttl` from `now`, then stale for `stale_window`.
    pub fn new(value: Cached<V>, now: Instant, ttl: Duration, stale_window: Duration) -> Self {
        let fresh_until = now + ttl;
        Entry {
            value,
            fresh_until,
            stale_until: fresh_until + stale_window,
        }
    }

    /// Whether the entry is fresh at `now`.
    pub fn is_fresh(&self, now: Instant) -> bool {
        now < self.fresh_until
    }

    /// Whether the entry still exists at `now` (fresh or stale).
    pub fn is_alive(&self, now: Instant) -> bool {
        now < self.stale_until
    }

    /// Whether the entry is fresh, or stale by less than `grace`, at `now`.
    pub fn is_within(&self, now: Instant, grace: Duration) -> bool {
        self.is_alive(now) && now < self.fresh_until + grace
    }
}

impl<V: Response> Entry<V> {
    /// A copy (`None` for a value that cannot be cloned).
    pub fn try_clone(&self) -> Option<Self> {
        Some(Entry {
            value: self.value.try_clone()?,
            fresh_until: self.fresh_until,
            stale_until: self.stale_until,
        })
    }
}

/// A store's invalidation generations for a set of tags, read before an
/// upstream call and handed back to the store with the fill.
///
/// A store refuses a fill whose tags were invalidated after the token was
/// read, so an answer fetched before a write can never be cached after it.
/// The numbers mean whatever the store that produced them says; an empty
/// token means "no condition".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generations(Vec<u64>);

impl Generations {
    /// A token holding these numbers.
    pub fn new(values: Vec<u64>) -> Self {
        Generations(values)
    }

    /// No condition.
    pub fn none() -> Self {
        Generations(Vec::new())
    }

    /// The numbers.
    pub fn as_slice(&self) -> &[u64] {
        &self.0
    }

    /// Whether the token holds no number.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
