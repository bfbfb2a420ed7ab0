//! [`SeededRng`]: the seedable, lock-free random source of every layer.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// A seedable pseudo-random source shared by clones, safe to use from many
/// threads without a lock.
///
/// It is SplitMix64 over an atomic counter: every draw advances the shared
/// state by one step with a single `fetch_add`, then scrambles it. The same
/// seed and the same sequence of draws give the same numbers, so tests that
/// pick providers at random or jitter backoff can be replayed exactly. (With
/// several threads drawing at once, which thread gets which number depends
/// on scheduling.) It is not a cryptographic generator.
#[derive(Clone)]
pub struct SeededRng {
    state: Arc<AtomicU64>,
}

impl SeededRng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        SeededRng {
            state: Arc::new(AtomicU64::new(seed)),
        }
    }

    /// A generator seeded from the process's hash randomness (different in
    /// every process).
    pub fn from_entropy() -> Self {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(GAMMA);
        Self::new(h.finish())
    }

    /// The next 64 random bits.
    pub fn next_u64(&self) -> u64 {
        let mut z = self
            .state
            .fetch_add(GAMMA, Ordering::Relaxed)
            .wrapping_add(GAMMA);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in `0..n` (`0` when `n` is `0`).
    pub fn below(&self, n: u64) -> u64 {
        // Multiply-shift: maps 64 random bits onto 0..n with a bias below 2^-64 * n.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A uniform float in `[0, 1)`.
    pub fn unit(&self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

impl Default for SeededRng {
    fn default() -> Self {
        Self::from_entropy()
    }
}

impl fmt::Debug for SeededRng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeededRng").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let a = SeededRng::new(7);
        let b = SeededRng::new(7);
        let xs: Vec<u64> = (0..16).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..16).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(
            xs,
            (0..16)
                .map(|_| SeededRng::new(8).next_u64())
                .collect::<Vec<_>>()
        );
        // clones share the stream
        let c = a.clone();
        assert_ne!(a.next_u64(), c.next_u64());
    }

    #[test]
    fn ranges_are_respected_and_roughly_uniform() {
        let r = SeededRng::new(1);
        let mut counts = [0u32; 10];
        for _ in 0..100_000 {
            let x = r.below(10);
            assert!(x < 10);
            counts[x as usize] += 1;
        }
        for c in counts {
            assert!((9_000..11_000).contains(&c), "{counts:?}");
        }
        for _ in 0..1000 {
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
        }
        assert_eq!(r.below(0), 0);
    }
}
