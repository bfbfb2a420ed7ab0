//! Helpers for tests that run on paused tokio time
//! (`#[tokio::test(start_paused = true)]`).
//!
//! Everything time-dependent in Mosaic reads `tokio::time::Instant`, so a
//! paused test controls time completely: a breaker window, a backoff or a
//! TTL passes with [`TestClock::advance`] in no real time, and the latency a
//! layer adds is measured exactly with [`timed`].
//!
//! ```
//! use std::time::Duration;
//! use mosaic_testing::clock::{TestClock, timed};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
//! let clock = TestClock::start();
//! let ((), took) = timed(tokio::time::sleep(Duration::from_millis(250))).await;
//! assert_eq!(took, Duration::from_millis(250));
//! clock.advance(Duration::from_secs(60)).await;
//! assert_eq!(clock.elapsed(), Duration::from_millis(60_250));
//! # });
//! ```

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// How many times [`settle`] yields.
const SETTLE_YIELDS: usize = 64;

/// A fixed starting point on tokio's clock, to advance and measure from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestClock {
    start: Instant,
}

impl TestClock {
    /// A clock starting now.
    pub fn start() -> Self {
        TestClock {
            start: Instant::now(),
        }
    }

    /// The starting instant.
    pub fn origin(&self) -> Instant {
        self.start
    }

    /// Tokio time passed since the start.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// The instant `offset` after the start.
    pub fn at(&self, offset: Duration) -> Instant {
        self.start + offset
    }

    /// Move paused time forward by `by`, then let woken tasks run
    /// ([`settle`]).
    ///
    /// # Panics
    /// When tokio time is not paused (tokio's own rule for
    /// `tokio::time::advance`).
    pub async fn advance(&self, by: Duration) {
        tokio::time::advance(by).await;
        settle().await;
    }

    /// Move paused time forward to `offset` after the start (no-op when
    /// already past it), then let woken tasks run.
    ///
    /// # Panics
    /// When tokio time is not paused.
    pub async fn advance_to(&self, offset: Duration) {
        let target = self.start + offset;
        let now = Instant::now();
        if target > now {
            self.advance(target - now).await;
        }
    }

    /// Move paused time forward by `total` in steps of `step`, letting tasks
    /// run after each step (timers that re-arm themselves — tickers, health
    /// checks, refills — fire once per step as they would in real time).
    ///
    /// # Panics
    /// When tokio time is not paused.
    pub async fn advance_in_steps(&self, total: Duration, step: Duration) {
        let step = if step.is_zero() { total } else { step };
        let mut left = total;
        while !left.is_zero() {
            let d = step.min(left);
            self.advance(d).await;
            left -= d;
        }
    }
}

/// Let tasks that are ready run: yield to the scheduler a bounded number of
/// times (64). Use it after waking background tasks, before asserting on
/// what they did.
pub async fn settle() {
    for _ in 0..SETTLE_YIELDS {
        tokio::task::yield_now().await;
    }
}

/// Await `fut` and return its output with the tokio time it took. Under
/// paused time this is exact: the sum of the sleeps, timeouts and
/// injected latencies on its path.
pub async fn timed<F: Future>(fut: F) -> (F::Output, Duration) {
    let start = Instant::now();
    let out = fut.await;
    (out, start.elapsed())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn steps_let_tickers_fire_each_time() {
        let ticks = Arc::new(AtomicU32::new(0));
        let t = ticks.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(10));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                every.tick().await;
                t.fetch_add(1, Ordering::SeqCst);
            }
        });
        let clock = TestClock::start();
        settle().await;
        assert_eq!(ticks.load(Ordering::SeqCst), 1); // the immediate first tick
        clock
            .advance_in_steps(Duration::from_secs(60), Duration::from_secs(10))
            .await;
        assert_eq!(ticks.load(Ordering::SeqCst), 7);
        assert_eq!(clock.elapsed(), Duration::from_secs(60));
        clock.advance_to(Duration::from_secs(30)).await; // already past: nothing
        assert_eq!(clock.elapsed(), Duration::from_secs(60));
        clock.advance_to(Duration::from_secs(75)).await;
        assert_eq!(clock.elapsed(), Duration::from_secs(75));
        assert_eq!(clock.at(Duration::from_secs(75)), Instant::now());
    }

    #[tokio::test(start_paused = true)]
    async fn timed_measures_virtual_time() {
        let (v, took) = timed(async {
            tokio::time::sleep(Duration::from_millis(120)).await;
            7
        })
        .await;
        assert_eq!((v, took), (7, Duration::from_millis(120)));
    }
}
