//! How a rule orders its candidates: [`Strategy`], and the per-rule and
//! per-provider state the strategies read.

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::stripe::StripedCounter;
use std::time::Duration;

use tokio::time::Instant;

use crate::SeededRng;

/// How a rule picks among its candidates.
///
/// Every strategy yields an order: the first provider is tried first, the
/// others follow as failover targets (in the rule's order unless the
/// strategy ranks them all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Strategy {
    /// Always in the rule's order: the first healthy candidate takes the
    /// request, the next ones are its fallbacks.
    #[default]
    Failover,
    /// Rotate the first candidate with every request.
    RoundRobin,
    /// Smooth weighted round-robin: over every cycle of `sum(weights)`
    /// requests each candidate goes first exactly `weight` times, evenly
    /// interleaved (a 5:1:1 split gives `a a b a c a a`, not `a a a a a b c`).
    WeightedRoundRobin,
    /// Pick the first candidate at random in proportion to its weight
    /// (from the router's seedable RNG).
    WeightedRandom,
    /// Power of two choices: draw two candidates at random and send to the
    /// one with fewer requests in flight.
    LeastOutstanding,
    /// Rank by peak-EWMA latency times (in-flight + 1): recent slow answers
    /// count at once, fast ones lower the estimate gradually.
    LowestLatency,
    /// Rank by the router's [`CostModel`](super::CostModel); unknown costs last.
    LowestCost,
}

impl Strategy {
    /// The variant's name in snake case (`failover`, `round_robin`,
    /// `weighted_round_robin`, `weighted_random`, `least_outstanding`,
    /// `lowest_latency`, `lowest_cost`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Strategy::Failover => "failover",
            Strategy::RoundRobin => "round_robin",
            Strategy::WeightedRoundRobin => "weighted_round_robin",
            Strategy::WeightedRandom => "weighted_random",
            Strategy::LeastOutstanding => "least_outstanding",
            Strategy::LowestLatency => "lowest_latency",
            Strategy::LowestCost => "lowest_cost",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Candidate positions of one request, in the order to try them (no
/// allocation for up to 12 candidates).
#[derive(Debug, Clone)]
pub(crate) enum Order {
    Inline { buf: [u16; 12], len: u8 },
    Heap(Vec<u16>),
}

impl Order {
    pub(crate) fn with_capacity(n: usize) -> Self {
        if n <= 12 {
            Order::Inline {
                buf: [0; 12],
                len: 0,
            }
        } else {
            Order::Heap(Vec::with_capacity(n))
        }
    }

    pub(crate) fn push(&mut self, v: u16) {
        match self {
            Order::Inline { buf, len } if (*len as usize) < buf.len() => {
                buf[*len as usize] = v;
                *len += 1;
            }
            Order::Inline { buf, len } => {
                let mut vec = buf[..*len as usize].to_vec();
                vec.push(v);
                *self = Order::Heap(vec);
            }
            Order::Heap(vec) => vec.push(v),
        }
    }

    pub(crate) fn as_slice(&self) -> &[u16] {
        match self {
            Order::Inline { buf, len } => &buf[..*len as usize],
            Order::Heap(v) => v,
        }
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [u16] {
        match self {
            Order::Inline { buf, len } => &mut buf[..*len as usize],
            Order::Heap(v) => v,
        }
    }
}

/// A rule's strategy with its state.
#[derive(Debug)]
pub(crate) enum Picker {
    Failover,
    RoundRobin {
        next: AtomicUsize,
    },
    SmoothWeighted {
        /// One full cycle of first picks (positions in the candidate list).
        cycle: Box<[u16]>,
        next: AtomicUsize,
    },
    WeightedRandom {
        /// Running sums of the weights.
        cumulative: Box<[u64]>,
    },
    LeastOutstanding,
    LowestLatency,
    LowestCost,
}

/// The longest smooth weighted round-robin cycle precomputed (weights are
/// reduced by their gcd first).
pub(crate) const MAX_CYCLE: u64 = 1 << 16;

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl Picker {
    /// The state for `strategy` over candidates with `weights`.
    /// Errors are messages for a configuration error.
    pub(crate) fn new(strategy: Strategy, weights: &[u32]) -> Result<Picker, String> {
        Ok(match strategy {
            Strategy::Failover => Picker::Failover,
            Strategy::RoundRobin => Picker::RoundRobin {
                next: AtomicUsize::new(0),
            },
            Strategy::WeightedRoundRobin => {
                let g = weights.iter().fold(0u64, |g, w| gcd(g, u64::from(*w)));
                let reduced: Vec<u64> = weights.iter().map(|w| u64::from(*w) / g.max(1)).collect();
                let total: u64 = reduced.iter().sum();
                if total > MAX_CYCLE {
                    return Err(format!(
                        "weights reduce to a cycle of {total} picks; at most {MAX_CYCLE} are supported"
                    ));
                }
                Picker::SmoothWeighted {
                    cycle: smooth_cycle(&reduced).into_boxed_slice(),
                    next: AtomicUsize::new(0),
                }
            }
            Strategy::WeightedRandom => {
                let mut sum = 0u64;
                let cumulative = weights
                    .iter()
                    .map(|w| {
                        sum += u64::from(*w);
                        sum
                    })
                    .collect();
                Picker::WeightedRandom { cumulative }
            }
            Strategy::LeastOutstanding => Picker::LeastOutstanding,
            Strategy::LowestLatency => Picker::LowestLatency,
            Strategy::LowestCost => Picker::LowestCost,
        })
    }
}

/// One cycle of smooth weighted round-robin: each step every candidate
/// gains its weight, the largest current value wins and pays back the total.
pub(crate) fn smooth_cycle(weights: &[u64]) -> Vec<u16> {
    let total: i64 = weights.iter().map(|w| *w as i64).sum();
    let mut current = vec![0i64; weights.len()];
    let mut out = Vec::with_capacity(total as usize);
    for _ in 0..total {
        let mut best = 0usize;
        for (i, w) in weights.iter().enumerate() {
            current[i] += *w as i64;
            if current[i] > current[best] {
                best = i;
            }
        }
        current[best] -= total;
        out.push(best as u16);
    }
    out
}

/// Per-provider load and latency, read by the strategies.
#[derive(Debug)]
#[repr(align(64))]
pub(crate) struct ProviderStats {
    /// Requests in flight, striped per thread (exact: each call takes its
    /// count off the stripe it added it to).
    pub(crate) in_flight: StripedCounter,
    /// Peak-EWMA estimate in nanoseconds (`f64` bits); 0 = no sample yet.
    ewma_ns: AtomicU64,
    /// When the estimate was last updated, nanoseconds after `epoch`.
    stamp_ns: AtomicU64,
    epoch: Instant,
}

impl ProviderStats {
    pub(crate) fn new() -> Self {
        ProviderStats {
            in_flight: StripedCounter::default(),
            ewma_ns: AtomicU64::new(0),
            stamp_ns: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    fn since_epoch(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.epoch).as_nanos() as u64
    }

    /// Fold one observed latency into the estimate.
    pub(crate) fn observe(&self, rtt: Duration, now: Instant, decay: Duration) {
        let rtt = rtt.as_nanos() as f64;
        let now_ns = self.since_epoch(now);
        let prev = f64::from_bits(self.ewma_ns.load(Ordering::Relaxed));
        let next = if prev == 0.0 || rtt > prev {
            // A new peak counts at once.
            rtt
        } else {
            let elapsed = now_ns.saturating_sub(self.stamp_ns.load(Ordering::Relaxed)) as f64;
            let w = (-elapsed / decay.as_nanos().max(1) as f64).exp();
            prev * w + rtt * (1.0 - w)
        };
        // Racing updates may overwrite each other; either value is a fair estimate.
        self.ewma_ns.store(next.to_bits(), Ordering::Relaxed);
        self.stamp_ns.store(now_ns, Ordering::Relaxed);
    }

    /// The latency estimate (`default` before any sample), decayed towards
    /// zero since the last sample so an idle provider is tried again.
    pub(crate) fn latency(&self, now: Instant, default: Duration, decay: Duration) -> f64 {
        let est = f64::from_bits(self.ewma_ns.load(Ordering::Relaxed));
        if est == 0.0 {
            return default.as_nanos() as f64;
        }
        let elapsed = self
            .since_epoch(now)
            .saturating_sub(self.stamp_ns.load(Ordering::Relaxed)) as f64;
        est * (-elapsed / decay.as_nanos().max(1) as f64).exp()
    }

    /// The peak-EWMA load: latency times (requests in flight + 1).
    pub(crate) fn load(&self, now: Instant, default: Duration, decay: Duration) -> f64 {
        self.latency(now, default, decay) * (self.in_flight.sum() + 1) as f64
    }
}

/// Draw two distinct positions in `0..n` (n ≥ 2).
pub(crate) fn two_distinct(rng: &SeededRng, n: usize) -> (usize, usize) {
    let a = rng.below(n as u64) as usize;
    let mut b = rng.below(n as u64 - 1) as usize;
    if b >= a {
        b += 1;
    }
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smooth_cycle_interleaves() {
        assert_eq!(smooth_cycle(&[5, 1, 1]), vec![0, 0, 1, 0, 2, 0, 0]);
        assert_eq!(smooth_cycle(&[1, 1]), vec![0, 1]);
        let c = smooth_cycle(&[3, 2]);
        assert_eq!(c.iter().filter(|x| **x == 0).count(), 3);
        assert_eq!(c.len(), 5);
    }

    #[test]
    fn order_spills_to_heap() {
        let mut o = Order::with_capacity(3);
        for i in 0..20 {
            o.push(i);
        }
        assert_eq!(o.as_slice(), (0..20).collect::<Vec<u16>>().as_slice());
    }

    #[test]
    fn two_distinct_never_repeats() {
        let rng = SeededRng::new(3);
        for n in 2..6 {
            for _ in 0..200 {
                let (a, b) = two_distinct(&rng, n);
                assert!(a < n && b < n && a != b);
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn peak_ewma_takes_peaks_at_once_and_decays() {
        let s = ProviderStats::new();
        let decay = Duration::from_secs(10);
        let default = Duration::from_millis(30);
        assert_eq!(s.latency(Instant::now(), default, decay), 30e6);
        s.observe(Duration::from_millis(100), Instant::now(), decay);
        assert_eq!(s.latency(Instant::now(), default, decay), 100e6);
        // a fast answer right away barely moves the estimate
        s.observe(Duration::from_millis(10), Instant::now(), decay);
        assert_eq!(s.latency(Instant::now(), default, decay), 100e6);
        tokio::time::advance(Duration::from_secs(10)).await;
        let decayed = s.latency(Instant::now(), default, decay);
        assert!(
            (decayed - 100e6 / std::f64::consts::E).abs() < 1e3,
            "{decayed}"
        );
        s.observe(Duration::from_millis(10), Instant::now(), decay);
        let est = s.latency(Instant::now(), default, decay);
        // w = e^-1: 100ms * 0.368 + 10ms * 0.632
        assert!(
            (est - (100e6 / std::f64::consts::E + 10e6 * (1.0 - 1.0 / std::f64::consts::E))).abs()
                < 1e3,
            "{est}"
        );
        s.in_flight.set(2);
        assert!((s.load(Instant::now(), default, decay) - 3.0 * est).abs() < 1.0);
    }
}
