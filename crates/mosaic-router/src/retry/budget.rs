//! [`RetryBudget`]: retries as a share of recent requests.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::stripe::StripedCounter;

const SLOTS: u64 = 10;
const GEN_BITS: u32 = 24;
const COUNT_BITS: u32 = 20;
const COUNT_MAX: u64 = (1 << COUNT_BITS) - 1;
const GEN_MASK: u64 = (1 << GEN_BITS) - 1;

/// Caps retries at a share of recent requests, so that an upstream that
/// fails everything sees at most `1 + retry_ratio` times its normal load,
/// not `max_attempts` times.
///
/// Every request deposits `retry_ratio` of a token; every retry withdraws
/// one; deposits older than `ttl` expire. A floor of `min_per_sec` retries
/// per second is always allowed, so low traffic can still retry.
/// Defaults: `ttl` 10 s, `min_per_sec` 10, `retry_ratio` 0.2.
///
/// The budget is lock-free (ten time slots, each one atomic word) and
/// shared by clones. Deposits are counted per thread (a striped counter,
/// so threads do not write one shared cache line per request) and moved
/// into the current time slot in batches of 32 per thread (and all of them
/// whenever the balance is read), so a request costs one uncontended
/// atomic increment and the clock is read once per batch.
#[derive(Clone)]
pub struct RetryBudget {
    inner: Arc<Inner>,
}

struct Inner {
    slots: [AtomicU64; SLOTS as usize],
    slot_len: Duration,
    epoch: Instant,
    ttl: Duration,
    min_per_sec: u32,
    retry_ratio: f64,
    /// Deposits not yet moved into a slot.
    pending: StripedCounter,
}

/// Deposits moved into the time slots at once.
const BATCH: u64 = 32;

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget::new(Duration::from_secs(10), 10, 0.2)
    }
}

/// `gen:24 | deposits:20 | withdrawals:20`.
fn unpack(w: u64) -> (u64, u64, u64) {
    (
        w >> (2 * COUNT_BITS),
        (w >> COUNT_BITS) & COUNT_MAX,
        w & COUNT_MAX,
    )
}

fn pack(generation: u64, deposits: u64, withdrawals: u64) -> u64 {
    ((generation & GEN_MASK) << (2 * COUNT_BITS)) | (deposits << COUNT_BITS) | withdrawals
}

impl RetryBudget {
    /// A budget over the last `ttl` (at least 1 s) allowing `min_per_sec`
    /// retries per second plus `retry_ratio` (0–1000) retries per request.
    pub fn new(ttl: Duration, min_per_sec: u32, retry_ratio: f64) -> Self {
        let ttl = ttl.max(Duration::from_secs(1));
        let retry_ratio = if retry_ratio.is_finite() {
            retry_ratio.clamp(0.0, 1000.0)
        } else {
            0.0
        };
        RetryBudget {
            inner: Arc::new(Inner {
                slots: Default::default(),
                slot_len: ttl / SLOTS as u32,
                epoch: Instant::now(),
                ttl,
                min_per_sec,
                retry_ratio,
                pending: StripedCounter::default(),
            }),
        }
    }

    fn generation(&self) -> u64 {
        let i = &self.inner;
        (Instant::now().saturating_duration_since(i.epoch).as_nanos()
            / i.slot_len.as_nanos().max(1)) as u64
            + 1
    }

    fn bump(&self, deposit: u64, withdraw: u64) {
        let generation = self.generation() & GEN_MASK;
        let slot = &self.inner.slots[(generation % SLOTS) as usize];
        let _ = slot.fetch_update(Ordering::AcqRel, Ordering::Acquire, |w| {
            let (g, d, wd) = unpack(w);
            if g != generation {
                Some(pack(generation, deposit, withdraw))
            } else {
                Some(pack(
                    g,
                    (d + deposit).min(COUNT_MAX),
                    (wd + withdraw).min(COUNT_MAX),
                ))
            }
        });
    }

    fn totals(&self) -> (u64, u64) {
        let now = self.generation() & GEN_MASK;
        self.inner.slots.iter().fold((0, 0), |(d, wd), s| {
            let (g, sd, sw) = unpack(s.load(Ordering::Acquire));
            if g != 0 && (now.wrapping_sub(g) & GEN_MASK) < SLOTS {
                (d + sd, wd + sw)
            } else {
                (d, wd)
            }
        })
    }

    /// Record one request.
    pub fn deposit(&self) {
        if self.inner.pending.add_local(1) as u64 >= BATCH {
            let taken = self.inner.pending.take_local() as u64;
            if taken > 0 {
                self.bump(taken, 0);
            }
        }
    }

    /// Move pending deposits into the current slot.
    fn flush(&self) {
        let taken = self.inner.pending.take_all() as u64;
        if taken > 0 {
            self.bump(taken, 0);
        }
    }

    /// Take the budget for one retry; `false` (nothing taken) when spent.
    pub fn withdraw(&self) -> bool {
        if self.balance() < 1.0 {
            return false;
        }
        self.bump(0, 1);
        true
    }

    /// Retries available now.
    pub fn balance(&self) -> f64 {
        self.flush();
        let i = &self.inner;
        let (deposits, withdrawals) = self.totals();
        f64::from(i.min_per_sec) * i.ttl.as_secs_f64() + deposits as f64 * i.retry_ratio
            - withdrawals as f64
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryBudget")
            .field("ttl", &self.inner.ttl)
            .field("min_per_sec", &self.inner.min_per_sec)
            .field("retry_ratio", &self.inner.retry_ratio)
            .field("balance", &self.balance())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn floor_ratio_and_expiry() {
        // 1 s window, floor of 2 retries, 0.5 retry per request
        let b = RetryBudget::new(Duration::from_secs(1), 2, 0.5);
        assert_eq!(b.balance(), 2.0);
        assert!(b.withdraw());
        assert!(b.withdraw());
        assert!(!b.withdraw(), "floor spent");
        for _ in 0..4 {
            b.deposit();
        }
        assert_eq!(b.balance(), 2.0);
        assert!(b.withdraw());
        assert!(b.withdraw());
        assert!(!b.withdraw());
        // everything expires after the window
        tokio::time::advance(Duration::from_millis(1100)).await;
        assert_eq!(b.balance(), 2.0);
        assert!(b.withdraw());
    }

    #[tokio::test(start_paused = true)]
    async fn slots_roll_one_by_one() {
        let b = RetryBudget::new(Duration::from_secs(10), 0, 1.0);
        b.deposit();
        assert_eq!(b.balance(), 1.0); // reading the balance files the deposit at t=0
        tokio::time::advance(Duration::from_secs(5)).await;
        b.deposit(); // slot at t=5
        assert_eq!(b.balance(), 2.0);
        tokio::time::advance(Duration::from_millis(5_500)).await;
        assert_eq!(b.balance(), 1.0, "the first deposit expired");
        tokio::time::advance(Duration::from_secs(5)).await;
        assert_eq!(b.balance(), 0.0);
    }

    #[tokio::test(start_paused = true)]
    async fn deposits_are_filed_in_batches() {
        let b = RetryBudget::new(Duration::from_secs(1), 0, 1.0);
        for _ in 0..BATCH - 1 {
            b.deposit();
        }
        assert_eq!(b.totals(), (0, 0), "still pending");
        b.deposit();
        assert_eq!(b.totals(), (BATCH, 0), "the 32nd deposit files the batch");
        b.deposit();
        assert_eq!(
            b.balance(),
            (BATCH + 1) as f64,
            "reading the balance files the rest"
        );
    }
}
