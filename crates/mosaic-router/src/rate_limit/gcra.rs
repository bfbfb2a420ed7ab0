//! The in-process GCRA limiter: one atomic word per key.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::RwLock;
use tokio::time::Instant;

/// The verdict on one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    /// Go now.
    Now,
    /// Go after this wait (the slot is reserved).
    After(Duration),
    /// Refused; a request would conform after this long.
    Refused(Duration),
}

/// GCRA over a theoretical arrival time (nanoseconds after `epoch`).
pub(crate) fn decide(
    tat: u64,
    now: u64,
    emission: u64,
    tolerance: u64,
    max_wait: u64,
) -> Result<(u64, Admit), Admit> {
    let start = tat.max(now);
    let allowed_at = start.saturating_sub(tolerance);
    let wait = allowed_at.saturating_sub(now);
    if wait > max_wait {
        return Err(Admit::Refused(Duration::from_nanos(wait)));
    }
    let admit = if wait == 0 {
        Admit::Now
    } else {
        Admit::After(Duration::from_nanos(wait))
    };
    Ok((start.saturating_add(emission), admit))
}

const SHARDS: usize = 16;
/// Per-shard size above which idle tenants are dropped.
const PRUNE_ABOVE: usize = 4096;

/// Tenants' cells, one map per shard.
type Shard = RwLock<HashMap<Box<str>, AtomicU64>>;

pub(crate) struct LocalLimiter {
    epoch: Instant,
    shared: AtomicU64,
    tenants: Option<Box<[Shard]>>,
    hasher: RandomState,
}

impl LocalLimiter {
    pub(crate) fn new(per_tenant: bool) -> Self {
        LocalLimiter {
            epoch: Instant::now(),
            shared: AtomicU64::new(0),
            tenants: per_tenant.then(|| (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect()),
            hasher: RandomState::new(),
        }
    }

    fn cell_acquire(cell: &AtomicU64, now: u64, e: u64, t: u64, w: u64) -> Admit {
        let mut current = cell.load(Ordering::Acquire);
        loop {
            match decide(current, now, e, t, w) {
                Err(refused) => return refused,
                Ok((next, admit)) => {
                    match cell.compare_exchange_weak(
                        current,
                        next,
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    ) {
                        Ok(_) => return admit,
                        Err(actual) => current = actual,
                    }
                }
            }
        }
    }

    /// Decide on one request for `tenant` (ignored unless per-tenant).
    pub(crate) fn acquire(
        &self,
        tenant: Option<&str>,
        now: Instant,
        emission: Duration,
        tolerance: Duration,
        max_wait: Duration,
    ) -> Admit {
        let now_ns = now.saturating_duration_since(self.epoch).as_nanos() as u64;
        let (e, t, w) = (
            emission.as_nanos() as u64,
            tolerance.as_nanos() as u64,
            max_wait.as_nanos() as u64,
        );
        let (Some(shards), Some(tenant)) = (&self.tenants, tenant) else {
            return Self::cell_acquire(&self.shared, now_ns, e, t, w);
        };
        let shard = &shards[(self.hasher.hash_one(tenant) as usize) % SHARDS];
        if let Some(cell) = shard.read().get(tenant) {
            return Self::cell_acquire(cell, now_ns, e, t, w);
        }
        let mut map = shard.write();
        if map.len() >= PRUNE_ABOVE {
            // A cell whose arrival time has passed is the same as a fresh one.
            map.retain(|_, c| c.load(Ordering::Acquire) > now_ns);
        }
        let cell = map
            .entry(tenant.into())
            .or_insert_with(|| AtomicU64::new(0));
        Self::cell_acquire(cell, now_ns, e, t, w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcra_burst_then_spacing() {
        let (e, t) = (100, 200); // burst of 3
        let mut tat = 0;
        let mut verdicts = vec![];
        for _ in 0..4 {
            match decide(tat, 1000, e, t, 0) {
                Ok((next, a)) => {
                    tat = next;
                    verdicts.push(a);
                }
                Err(a) => verdicts.push(a),
            }
        }
        assert_eq!(
            verdicts,
            [
                Admit::Now,
                Admit::Now,
                Admit::Now,
                Admit::Refused(Duration::from_nanos(100))
            ]
        );
        // after one interval one more conforms
        assert!(matches!(decide(tat, 1100, e, t, 0), Ok((_, Admit::Now))));
        // waiting is granted within max_wait and reserves the slot
        assert_eq!(
            decide(tat, 1000, e, t, 150).unwrap(),
            (1400, Admit::After(Duration::from_nanos(100)))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn idle_tenants_are_pruned() {
        let l = LocalLimiter::new(true);
        let (e, t) = (Duration::from_secs(1), Duration::ZERO);
        for i in 0..80_000 {
            let a = l.acquire(Some(&format!("t{i}")), Instant::now(), e, t, Duration::ZERO);
            assert_eq!(a, Admit::Now);
            if i % 1000 == 999 {
                tokio::time::advance(Duration::from_secs(2)).await;
            }
        }
        let total: usize = l
            .tenants
            .as_ref()
            .unwrap()
            .iter()
            .map(|s| s.read().len())
            .sum();
        assert!(total <= SHARDS * PRUNE_ABOVE, "{total} entries kept");
        assert!(total < 80_000);
        // a busy tenant is still limited
        let now = Instant::now();
        assert_eq!(
            l.acquire(Some("hot"), now, e, t, Duration::ZERO),
            Admit::Now
        );
        assert_eq!(
            l.acquire(Some("hot"), now, e, t, Duration::ZERO),
            Admit::Refused(e)
        );
    }
}
