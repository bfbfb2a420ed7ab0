//! [`CacheStatus`]: how one call was answered, and [`observe`] to read it.
//!
//! A family's response enum has no room for metadata, so the cache reports
//! how it answered each call through a task-local slot: wrap the calls whose
//! status you want in [`observe`], and read the status of the last cached
//! call made inside it. The slot is written when the cache's response future
//! completes, in the task that polls it, so it works for any stack in which
//! the cache layer runs in the caller's task (the usual case; a
//! `tower::buffer::Buffer` *above* the cache moves it to another task).
//!
//! ```
//! # use mosaic_cache::{CacheStatus, observe};
//! # futures::executor::block_on(async {
//! let (value, status) = observe(async { 42 }).await;
//! assert_eq!(value, 42);
//! assert_eq!(status, None); // no cached call was made inside
//! # });
//! ```

use std::cell::Cell;
use std::fmt;
use std::future::Future;

use mosaic_core::ErrorKind;

/// Which tier answered a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tier {
    /// The in-memory tier of this process.
    Memory,
    /// The shared tier (e.g. Redis).
    Shared,
}

impl Tier {
    /// `"memory"` or `"shared"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Tier::Memory => "memory",
            Tier::Shared => "shared",
        }
    }
}

/// Why a stale answer was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StaleReason {
    /// The upstream failed with this retryable error (stale-if-error).
    UpstreamError(ErrorKind),
    /// A background call is refreshing the entry (stale-while-revalidate).
    Revalidating,
}

/// How the cache answered one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CacheStatus {
    /// A fresh cached answer (a remembered `NotFound` is a hit too: the call
    /// then returns that error).
    Hit(Tier),
    /// Not cached: the upstream answered (and the answer was cached if it could be).
    Miss,
    /// Another caller's identical in-flight call answered this one.
    Coalesced,
    /// An expired answer, served for the given reason.
    Stale(StaleReason),
    /// The call was not cacheable (a write, a live read, a stream, TTL zero)
    /// and went straight to the upstream.
    Bypass,
}

impl CacheStatus {
    /// Whether the answer is a stale one.
    pub fn is_stale(&self) -> bool {
        matches!(self, CacheStatus::Stale(_))
    }

    /// Whether the answer came from a cache tier (fresh or stale) without an
    /// upstream call made for this caller.
    pub fn is_cached(&self) -> bool {
        matches!(
            self,
            CacheStatus::Hit(_) | CacheStatus::Stale(StaleReason::Revalidating)
        )
    }

    /// A short name: `hit`, `miss`, `coalesced`, `stale`, `bypass`.
    pub fn as_str(&self) -> &'static str {
        match self {
            CacheStatus::Hit(_) => "hit",
            CacheStatus::Miss => "miss",
            CacheStatus::Coalesced => "coalesced",
            CacheStatus::Stale(_) => "stale",
            CacheStatus::Bypass => "bypass",
        }
    }
}

impl fmt::Display for CacheStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheStatus::Hit(tier) => write!(f, "hit ({})", tier.as_str()),
            CacheStatus::Stale(StaleReason::UpstreamError(kind)) => {
                write!(f, "stale (upstream {kind})")
            }
            CacheStatus::Stale(StaleReason::Revalidating) => f.write_str("stale (revalidating)"),
            other => f.write_str(other.as_str()),
        }
    }
}

tokio::task_local! {
    static STATUS: Cell<Option<CacheStatus>>;
}

/// Run `future` and return its output with the status of the last cached
/// call completed inside it (`None` when no cache layer answered a call).
pub async fn observe<F: Future>(future: F) -> (F::Output, Option<CacheStatus>) {
    STATUS
        .scope(Cell::new(None), async move {
            let out = future.await;
            let status = STATUS.with(Cell::get);
            (out, status)
        })
        .await
}

/// Record `status` in the enclosing [`observe`] scope, if any.
pub(crate) fn record(status: CacheStatus) {
    let _ = STATUS.try_with(|slot| slot.set(Some(status)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn records_only_inside_a_scope() {
        record(CacheStatus::Miss); // outside: ignored, no panic
        let ((), status) = observe(async {
            record(CacheStatus::Miss);
            record(CacheStatus::Hit(Tier::Memory));
        })
        .await;
        assert_eq!(status, Some(CacheStatus::Hit(Tier::Memory)));
        assert_eq!(
            CacheStatus::Stale(StaleReason::UpstreamError(ErrorKind::Timeout)).to_string(),
            "stale (upstream timeout)"
        );
        assert!(CacheStatus::Stale(StaleReason::Revalidating).is_stale());
    }
}
