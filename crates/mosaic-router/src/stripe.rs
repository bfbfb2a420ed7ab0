//! [`StripedCounter`]: a counter spread over cache lines, so that threads
//! adding to it do not write to one shared line on every call.

use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Stripes per counter (a power of two).
pub(crate) const STRIPES: usize = 8;

/// One stripe on its own cache line.
#[derive(Default)]
#[repr(align(128))]
struct Stripe(AtomicUsize);

/// The next stripe handed to a thread.
static NEXT_STRIPE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static THREAD_STRIPE: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// The calling thread's stripe: threads take stripes in turn on first use,
/// so the first [`STRIPES`] threads each get one of their own.
#[inline]
pub(crate) fn thread_stripe() -> usize {
    THREAD_STRIPE.with(|s| {
        let v = s.get();
        if v != usize::MAX {
            return v;
        }
        let v = NEXT_STRIPE.fetch_add(1, Ordering::Relaxed) % STRIPES;
        s.set(v);
        v
    })
}

/// A count kept in [`STRIPES`] parts; each thread adds to its own part
/// and a read sums them. Exact as long as every decrement goes to the
/// stripe its increment went to (callers keep the stripe index).
#[derive(Default)]
pub(crate) struct StripedCounter {
    stripes: [Stripe; STRIPES],
}

impl StripedCounter {
    /// Add one on the calling thread's stripe; returns the stripe, for
    /// the matching [`Self::decrement`].
    #[inline]
    pub(crate) fn increment(&self) -> usize {
        let i = thread_stripe();
        self.stripes[i].0.fetch_add(1, Ordering::Relaxed);
        i
    }

    /// Take one off `stripe` (where the matching increment went).
    #[inline]
    pub(crate) fn decrement(&self, stripe: usize) {
        self.stripes[stripe % STRIPES]
            .0
            .fetch_sub(1, Ordering::Relaxed);
    }

    /// Add `n` on the calling thread's stripe and return that stripe's new
    /// value.
    #[inline]
    pub(crate) fn add_local(&self, n: usize) -> usize {
        self.stripes[thread_stripe()]
            .0
            .fetch_add(n, Ordering::Relaxed)
            + n
    }

    /// Empty every stripe; returns the sum taken.
    pub(crate) fn take_all(&self) -> usize {
        self.stripes
            .iter()
            .map(|s| s.0.swap(0, Ordering::AcqRel))
            .sum()
    }

    /// Empty the calling thread's stripe; returns what it held.
    pub(crate) fn take_local(&self) -> usize {
        self.stripes[thread_stripe()].0.swap(0, Ordering::AcqRel)
    }

    /// The sum of the stripes now.
    pub(crate) fn sum(&self) -> usize {
        self.stripes
            .iter()
            .map(|s| s.0.load(Ordering::Relaxed))
            .fold(0usize, usize::wrapping_add)
    }

    /// Set the count (one stripe holds it all).
    #[cfg(test)]
    pub(crate) fn set(&self, n: usize) {
        for s in &self.stripes {
            s.0.store(0, Ordering::Relaxed);
        }
        self.stripes[0].0.store(n, Ordering::Relaxed);
    }
}

impl fmt::Debug for StripedCounter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StripedCounter").field(&self.sum()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn increments_and_decrements_balance_across_threads() {
        let c = StripedCounter::default();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let held: Vec<usize> = (0..1000).map(|_| c.increment()).collect();
                    for i in held.into_iter().skip(10) {
                        c.decrement(i);
                    }
                });
            }
        });
        assert_eq!(c.sum(), 40);
        assert_eq!(c.add_local(2), c.take_local());
        assert_eq!(c.take_all(), 40);
        assert_eq!(c.sum(), 0);
    }
}
