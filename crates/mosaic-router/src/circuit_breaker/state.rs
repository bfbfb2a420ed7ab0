//! The breaker's shared state: the state machine, the sliding windows, the
//! handle and the state-change events.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use mosaic_core::{Error, ErrorKind};
use parking_lot::Mutex;
use tokio::sync::broadcast;
use tokio::time::Instant;

use super::config::{CircuitBreakerConfig, SlidingWindow};
use crate::router::{Health, HealthCheck};

/// The state of a circuit breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CircuitState {
    /// Calls flow; outcomes are recorded in the sliding window.
    Closed,
    /// Calls are refused with `CircuitOpen` until the wait is over.
    Open,
    /// A limited number of probe calls decide between closing and opening.
    HalfOpen,
    /// Refused until [`CircuitBreakerHandle::reset`], whatever happens.
    ForcedOpen,
}

impl CircuitState {
    const ALL: [CircuitState; 4] = [
        CircuitState::Closed,
        CircuitState::Open,
        CircuitState::HalfOpen,
        CircuitState::ForcedOpen,
    ];

    /// A short snake_case name (for logs and metric labels).
    pub const fn as_str(self) -> &'static str {
        match self {
            CircuitState::Closed => "closed",
            CircuitState::Open => "open",
            CircuitState::HalfOpen => "half_open",
            CircuitState::ForcedOpen => "forced_open",
        }
    }

    fn code(self) -> u64 {
        self as u64
    }

    fn from_code(code: u64) -> Self {
        Self::ALL[(code as usize) & 3]
    }
}

impl fmt::Display for CircuitState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A state change, as published to [`CircuitBreakerHandle::subscribe`]rs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    /// The breaker's name.
    pub breaker: Arc<str>,
    /// The state left.
    pub from: CircuitState,
    /// The state entered.
    pub to: CircuitState,
    /// When (tokio time).
    pub at: Instant,
}

/// A snapshot of a breaker's counters; see [`CircuitBreakerHandle::metrics`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CircuitBreakerMetrics {
    /// The state.
    pub state: CircuitState,
    /// Calls in the window (closed) or probes finished (half-open).
    pub calls: u32,
    /// Of which failed.
    pub failed_calls: u32,
    /// Of which slow.
    pub slow_calls: u32,
    /// Failure percentage, once the minimum number of calls is reached.
    pub failure_rate: Option<f64>,
    /// Slow-call percentage, once the minimum number of calls is reached.
    pub slow_call_rate: Option<f64>,
    /// Calls refused since the breaker was created.
    pub not_permitted_calls: u64,
}

/// What one call amounted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) failed: bool,
    pub(crate) slow: bool,
}

impl Outcome {
    /// The bits of a fast success.
    const SUCCESS: u8 = 1;

    fn bits(self) -> u8 {
        1 | (u8::from(self.failed) << 1) | (u8::from(self.slow) << 2)
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Snapshot {
    total: u32,
    failed: u32,
    slow: u32,
}

/// The last `n` outcomes in a ring of atomics, with running totals.
struct CountWindow {
    slots: Box<[AtomicU8]>,
    next: AtomicU64,
    total: AtomicI64,
    failed: AtomicI64,
    slow: AtomicI64,
}

impl CountWindow {
    fn new(n: u32) -> Self {
        CountWindow {
            slots: (0..n).map(|_| AtomicU8::new(0)).collect(),
            next: AtomicU64::new(0),
            total: AtomicI64::new(0),
            failed: AtomicI64::new(0),
            slow: AtomicI64::new(0),
        }
    }

    /// Record an outcome; the snapshot is `None` when the rates cannot
    /// have risen (a plain success replacing an older call).
    fn record(&self, o: Outcome) -> Option<Snapshot> {
        let new = o.bits();
        // A full ring of plain successes stays one whichever slot a success
        // replaces, and which slot comes next no longer matters: leave the
        // ring and its index alone, so that in the common case no core
        // writes to the window at all.
        if new == Outcome::SUCCESS
            && self.failed.load(Ordering::Relaxed) == 0
            && self.slow.load(Ordering::Relaxed) == 0
            && self.total.load(Ordering::Relaxed) == self.slots.len() as i64
        {
            return None;
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len() as u64;
        let slot = &self.slots[i as usize];
        // The common case, a success replacing a success, changes nothing:
        // skip the write so the ring's cache lines stay shared between cores.
        if new == Outcome::SUCCESS && slot.load(Ordering::Relaxed) == new {
            return None;
        }
        let old = slot.swap(new, Ordering::AcqRel);
        if old & 1 == 0 {
            self.total.fetch_add(1, Ordering::AcqRel);
        } else if new == Outcome::SUCCESS {
            if old != new {
                self.subtract(old);
            }
            return None;
        }
        let delta = |bit: u8| i64::from((new >> bit) & 1) - i64::from((old >> bit) & 1);
        if delta(1) != 0 {
            self.failed.fetch_add(delta(1), Ordering::AcqRel);
        }
        if delta(2) != 0 {
            self.slow.fetch_add(delta(2), Ordering::AcqRel);
        }
        Some(self.snapshot())
    }

    /// Take a replaced outcome's failure and slowness out of the totals.
    fn subtract(&self, old: u8) {
        if old & 2 != 0 {
            self.failed.fetch_sub(1, Ordering::AcqRel);
        }
        if old & 4 != 0 {
            self.slow.fetch_sub(1, Ordering::AcqRel);
        }
    }

    fn snapshot(&self) -> Snapshot {
        let clamp = |v: i64| v.clamp(0, i64::from(u32::MAX)) as u32;
        let total = clamp(self.total.load(Ordering::Acquire));
        Snapshot {
            total,
            failed: clamp(self.failed.load(Ordering::Acquire)).min(total),
            slow: clamp(self.slow.load(Ordering::Acquire)).min(total),
        }
    }

    fn reset(&self) {
        for s in self.slots.iter() {
            s.store(0, Ordering::Relaxed);
        }
        self.next.store(0, Ordering::Relaxed);
        self.total.store(0, Ordering::Relaxed);
        self.failed.store(0, Ordering::Relaxed);
        self.slow.store(0, Ordering::Relaxed);
    }
}

/// One-second buckets, each one atomic word:
/// `epoch:22 | total:14 | failed:14 | slow:14`.
struct TimeWindow {
    buckets: Box<[AtomicU64]>,
}

const EPOCH_BITS: u32 = 22;
const COUNT_BITS: u32 = 14;
const EPOCH_MASK: u64 = (1 << EPOCH_BITS) - 1;
const COUNT_MAX: u64 = (1 << COUNT_BITS) - 1;

fn unpack_bucket(w: u64) -> (u64, u64, u64, u64) {
    (
        w >> (3 * COUNT_BITS),
        (w >> (2 * COUNT_BITS)) & COUNT_MAX,
        (w >> COUNT_BITS) & COUNT_MAX,
        w & COUNT_MAX,
    )
}

fn pack_bucket(epoch: u64, total: u64, failed: u64, slow: u64) -> u64 {
    ((epoch & EPOCH_MASK) << (3 * COUNT_BITS))
        | (total << (2 * COUNT_BITS))
        | (failed << COUNT_BITS)
        | slow
}

impl TimeWindow {
    fn new(seconds: u64) -> Self {
        TimeWindow {
            buckets: (0..seconds.max(1)).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn record(&self, o: Outcome, second: u64) -> Option<Snapshot> {
        let epoch = second & EPOCH_MASK;
        let bucket = &self.buckets[(second % self.buckets.len() as u64) as usize];
        let (f, s) = (u64::from(o.failed), u64::from(o.slow));
        let _ = bucket.fetch_update(Ordering::AcqRel, Ordering::Acquire, |w| {
            let (e, total, failed, slow) = unpack_bucket(w);
            if e != epoch || w == 0 {
                Some(pack_bucket(epoch, 1, f, s))
            } else if total >= COUNT_MAX {
                None // saturated: this second is sampled by its first calls
            } else {
                Some(pack_bucket(epoch, total + 1, failed + f, slow + s))
            }
        });
        Some(self.snapshot(second))
    }

    fn snapshot(&self, second: u64) -> Snapshot {
        let now = second & EPOCH_MASK;
        let n = self.buckets.len() as u64;
        let mut snap = Snapshot::default();
        for b in self.buckets.iter() {
            let w = b.load(Ordering::Acquire);
            if w == 0 {
                continue;
            }
            let (e, total, failed, slow) = unpack_bucket(w);
            if (now.wrapping_sub(e) & EPOCH_MASK) < n {
                snap.total += total as u32;
                snap.failed += failed as u32;
                snap.slow += slow as u32;
            }
        }
        snap
    }

    fn reset(&self) {
        for b in self.buckets.iter() {
            b.store(0, Ordering::Relaxed);
        }
    }
}

enum Window {
    Count(CountWindow),
    Time(TimeWindow),
}

/// The half-open probes.
struct Probes {
    permits: AtomicU32,
    done: AtomicU32,
    failed: AtomicU32,
    slow: AtomicU32,
}

/// The right to make one call, tagged with the state generation it was
/// granted in (outcomes of calls granted before a transition are dropped).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Permit {
    generation: u64,
    half_open: bool,
}

/// The shared breaker.
pub(crate) struct Breaker {
    pub(crate) config: CircuitBreakerConfig,
    /// `generation << 2 | state`.
    word: AtomicU64,
    epoch: Instant,
    opened_at_ns: AtomicU64,
    window: Window,
    probes: Probes,
    transition: Mutex<()>,
    events: broadcast::Sender<StateChange>,
    not_permitted: AtomicU64,
    /// Whether calls are timed: unless no call can be slow
    /// (`slow_call_duration` is `Duration::MAX`) and the window counts
    /// calls rather than seconds, in which case a call reads no clock.
    pub(crate) timed: bool,
}

fn unpack(word: u64) -> (u64, CircuitState) {
    (word >> 2, CircuitState::from_code(word & 3))
}

fn pack(generation: u64, state: CircuitState) -> u64 {
    (generation << 2) | state.code()
}

impl Breaker {
    pub(crate) fn new(config: CircuitBreakerConfig) -> Self {
        let window = match config.sliding_window {
            SlidingWindow::CountBased(n) => Window::Count(CountWindow::new(n)),
            SlidingWindow::TimeBased(d) => Window::Time(TimeWindow::new(d.as_secs())),
        };
        let (events, _) = broadcast::channel(64);
        let timed = config.slow_call_duration != Duration::MAX
            || matches!(config.sliding_window, SlidingWindow::TimeBased(_));
        Breaker {
            timed,
            config,
            word: AtomicU64::new(pack(0, CircuitState::Closed)),
            epoch: Instant::now(),
            opened_at_ns: AtomicU64::new(0),
            window,
            probes: Probes {
                permits: AtomicU32::new(0),
                done: AtomicU32::new(0),
                failed: AtomicU32::new(0),
                slow: AtomicU32::new(0),
            },
            transition: Mutex::new(()),
            events,
            not_permitted: AtomicU64::new(0),
        }
    }

    fn nanos(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.epoch).as_nanos() as u64
    }

    fn second(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.epoch).as_secs()
    }

    pub(crate) fn state(&self) -> CircuitState {
        unpack(self.word.load(Ordering::Acquire)).1
    }

    /// Time left in the open state (zero once probes may start).
    fn open_remaining(&self, now: Instant) -> Duration {
        let until = self
            .opened_at_ns
            .load(Ordering::Acquire)
            .saturating_add(self.config.wait_in_open.as_nanos() as u64);
        Duration::from_nanos(until.saturating_sub(self.nanos(now)))
    }

    /// Ask to make a call now (`now`, if the caller read the clock; it is
    /// read here when the state needs it otherwise).
    pub(crate) fn acquire(&self, now: Option<Instant>) -> Result<Permit, Error> {
        loop {
            let word = self.word.load(Ordering::Acquire);
            let (generation, state) = unpack(word);
            match state {
                CircuitState::Closed => {
                    return Ok(Permit {
                        generation,
                        half_open: false,
                    });
                }
                CircuitState::Open => {
                    let now = now.unwrap_or_else(Instant::now);
                    let remaining = self.open_remaining(now);
                    if remaining.is_zero() {
                        self.transition(word, CircuitState::HalfOpen, now);
                        continue;
                    }
                    return Err(self.refuse(state, Some(remaining)));
                }
                CircuitState::HalfOpen => {
                    let got = self
                        .probes
                        .permits
                        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |p| p.checked_sub(1))
                        .is_ok();
                    if !got {
                        return Err(self.refuse(state, None));
                    }
                    // The permit must belong to this half-open period;
                    // if the state moved meanwhile, hand it back and look again.
                    if self.word.load(Ordering::Acquire) != word {
                        self.probes.permits.fetch_add(1, Ordering::AcqRel);
                        continue;
                    }
                    return Ok(Permit {
                        generation,
                        half_open: true,
                    });
                }
                CircuitState::ForcedOpen => return Err(self.refuse(state, None)),
            }
        }
    }

    fn refuse(&self, state: CircuitState, retry_after: Option<Duration>) -> Error {
        self.not_permitted.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("mosaic_circuit_rejected_total", "breaker" => self.config.name.clone())
            .increment(1);
        let msg = match state {
            CircuitState::HalfOpen => "is half-open and its probe calls are taken",
            CircuitState::ForcedOpen => "is forced open",
            _ => "is open",
        };
        let e = Error::new(
            ErrorKind::CircuitOpen,
            format!("circuit breaker `{}` {msg}", self.config.name),
        )
        .with_provider(self.config.name.to_string());
        match retry_after {
            Some(d) => e.with_retry_after(d),
            None => e,
        }
    }

    /// Give back an unused half-open permit (the call was dropped).
    pub(crate) fn release(&self, permit: Permit) {
        if permit.half_open && unpack(self.word.load(Ordering::Acquire)).0 == permit.generation {
            self.probes.permits.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Classify a finished call.
    pub(crate) fn classify(&self, error: Option<&Error>, elapsed: Duration) -> Option<Outcome> {
        let failed = match error {
            Some(e) if self.config.ignore.contains(e.kind()) => return None,
            Some(e) => self.config.record_failures.contains(e.kind()),
            None => false,
        };
        Some(Outcome {
            failed,
            slow: elapsed >= self.config.slow_call_duration,
        })
    }

    /// Record a finished call (`now`: when it finished, if the clock was
    /// read; it is read here when a transition needs it otherwise).
    pub(crate) fn record(&self, permit: Permit, outcome: Outcome, now: Option<Instant>) {
        let now = || now.unwrap_or_else(Instant::now);
        let word = self.word.load(Ordering::Acquire);
        let (generation, state) = unpack(word);
        if generation != permit.generation {
            return;
        }
        let cfg = &self.config;
        if permit.half_open {
            if outcome.failed {
                self.probes.failed.fetch_add(1, Ordering::AcqRel);
            }
            if outcome.slow {
                self.probes.slow.fetch_add(1, Ordering::AcqRel);
            }
            let done = self.probes.done.fetch_add(1, Ordering::AcqRel) + 1;
            if done == cfg.permitted_calls_in_half_open {
                let snap = Snapshot {
                    total: done,
                    failed: self.probes.failed.load(Ordering::Acquire),
                    slow: self.probes.slow.load(Ordering::Acquire),
                };
                let to = if self.exceeds(snap) {
                    CircuitState::Open
                } else {
                    CircuitState::Closed
                };
                self.transition(word, to, now());
            }
        } else if state == CircuitState::Closed {
            let snap = match &self.window {
                Window::Count(w) => w.record(outcome),
                Window::Time(w) => w.record(outcome, self.second(now())),
            };
            if let Some(snap) = snap
                && snap.total >= cfg.effective_minimum_calls()
                && self.exceeds(snap)
            {
                self.transition(word, CircuitState::Open, now());
            }
        }
    }

    fn exceeds(&self, s: Snapshot) -> bool {
        if s.total == 0 {
            return false;
        }
        let total = f64::from(s.total);
        f64::from(s.failed) * 100.0 >= self.config.failure_rate_threshold * total
            || f64::from(s.slow) * 100.0 >= self.config.slow_call_rate_threshold * total
    }

    /// Move from the state in `expected` (an exact word) to `to`; nothing
    /// happens when another thread moved first.
    fn transition(&self, expected: u64, to: CircuitState, now: Instant) -> bool {
        let guard = self.transition.lock();
        let current = self.word.load(Ordering::Acquire);
        if current != expected {
            return false;
        }
        let (generation, from) = unpack(current);
        match to {
            CircuitState::Closed => match &self.window {
                Window::Count(w) => w.reset(),
                Window::Time(w) => w.reset(),
            },
            CircuitState::Open | CircuitState::ForcedOpen => {
                self.opened_at_ns.store(self.nanos(now), Ordering::Release);
            }
            CircuitState::HalfOpen => {
                self.probes.done.store(0, Ordering::Release);
                self.probes.failed.store(0, Ordering::Release);
                self.probes.slow.store(0, Ordering::Release);
                self.probes
                    .permits
                    .store(self.config.permitted_calls_in_half_open, Ordering::Release);
            }
        }
        self.word.store(pack(generation + 1, to), Ordering::Release);
        drop(guard);

        let name = &self.config.name;
        if to == CircuitState::Open || to == CircuitState::ForcedOpen {
            tracing::warn!(
                breaker = &**name,
                from = from.as_str(),
                to = to.as_str(),
                "circuit breaker opened"
            );
        } else {
            tracing::info!(
                breaker = &**name,
                from = from.as_str(),
                to = to.as_str(),
                "circuit breaker state changed"
            );
        }
        metrics::counter!(
            "mosaic_circuit_transitions_total",
            "breaker" => name.clone(),
            "to" => to.as_str()
        )
        .increment(1);
        metrics::gauge!("mosaic_circuit_state", "breaker" => name.clone()).set(to.code() as f64);
        let _ = self.events.send(StateChange {
            breaker: name.clone(),
            from,
            to,
            at: now,
        });
        true
    }

    fn force(&self, to: CircuitState) {
        let now = Instant::now();
        loop {
            let word = self.word.load(Ordering::Acquire);
            if unpack(word).1 == to && to != CircuitState::Closed {
                return;
            }
            if self.transition(word, to, now) {
                return;
            }
        }
    }

    fn metrics(&self, now: Instant) -> CircuitBreakerMetrics {
        let state = self.state();
        let snap = if state == CircuitState::HalfOpen {
            Snapshot {
                total: self.probes.done.load(Ordering::Acquire),
                failed: self.probes.failed.load(Ordering::Acquire),
                slow: self.probes.slow.load(Ordering::Acquire),
            }
        } else {
            match &self.window {
                Window::Count(w) => w.snapshot(),
                Window::Time(w) => w.snapshot(self.second(now)),
            }
        };
        let min = if state == CircuitState::HalfOpen {
            self.config.permitted_calls_in_half_open
        } else {
            self.config.effective_minimum_calls()
        };
        let rate = |n: u32| {
            (snap.total >= min && snap.total > 0)
                .then(|| f64::from(n) * 100.0 / f64::from(snap.total))
        };
        CircuitBreakerMetrics {
            state,
            calls: snap.total,
            failed_calls: snap.failed,
            slow_calls: snap.slow,
            failure_rate: rate(snap.failed),
            slow_call_rate: rate(snap.slow),
            not_permitted_calls: self.not_permitted.load(Ordering::Relaxed),
        }
    }
}

/// A cheap, cloneable view of one circuit breaker: its state and counters,
/// manual controls, and its state-change events.
///
/// The router reads it (it implements [`HealthCheck`]) to skip providers
/// whose breaker is open.
#[derive(Clone)]
pub struct CircuitBreakerHandle {
    pub(crate) breaker: Arc<Breaker>,
}

impl CircuitBreakerHandle {
    /// The breaker's name.
    pub fn name(&self) -> &str {
        &self.breaker.config.name
    }

    /// The current state. An open breaker whose wait is over still reports
    /// `Open` until the next call moves it to half-open.
    pub fn state(&self) -> CircuitState {
        self.breaker.state()
    }

    /// Whether a call made now would be let through (an open breaker whose
    /// wait is over lets a probe through).
    pub fn is_call_permitted(&self) -> bool {
        self.health().is_available()
    }

    /// The counters now.
    pub fn metrics(&self) -> CircuitBreakerMetrics {
        self.breaker.metrics(Instant::now())
    }

    /// Subscribe to state changes (a bounded channel of 64: a subscriber
    /// that falls behind loses the oldest events and is told so).
    pub fn subscribe(&self) -> broadcast::Receiver<StateChange> {
        self.breaker.events.subscribe()
    }

    /// Open the breaker until [`Self::reset`].
    pub fn force_open(&self) {
        self.breaker.force(CircuitState::ForcedOpen);
    }

    /// Close the breaker and clear its window.
    pub fn reset(&self) {
        self.breaker.force(CircuitState::Closed);
    }

    /// The configuration.
    pub fn config(&self) -> &CircuitBreakerConfig {
        &self.breaker.config
    }
}

impl HealthCheck for CircuitBreakerHandle {
    fn health(&self) -> Health {
        let b = &self.breaker;
        match b.state() {
            CircuitState::Closed => Health::Available,
            CircuitState::Open => {
                if b.open_remaining(Instant::now()).is_zero() {
                    Health::Available
                } else {
                    Health::Unavailable(Cow::Borrowed("circuit open"))
                }
            }
            CircuitState::HalfOpen => {
                if b.probes.permits.load(Ordering::Acquire) > 0 {
                    Health::Available
                } else {
                    Health::Unavailable(Cow::Borrowed("circuit half-open, probes in flight"))
                }
            }
            CircuitState::ForcedOpen => Health::Unavailable(Cow::Borrowed("circuit forced open")),
        }
    }
}

impl fmt::Debug for CircuitBreakerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreakerHandle")
            .field("name", &self.name())
            .field("state", &self.state())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: Outcome = Outcome {
        failed: false,
        slow: false,
    };
    const FAIL: Outcome = Outcome {
        failed: true,
        slow: false,
    };
    const SLOW_FAIL: Outcome = Outcome {
        failed: true,
        slow: true,
    };

    #[test]
    fn count_window_rolls_old_outcomes_out() {
        let w = CountWindow::new(4);
        for o in [FAIL, SLOW_FAIL, OK, OK] {
            w.record(o);
        }
        let s = w.snapshot();
        assert_eq!((s.total, s.failed, s.slow), (4, 2, 1));
        // two successes replace the two failures
        assert!(w.record(OK).is_none(), "a success cannot raise the rates");
        assert!(w.record(OK).is_none());
        let s = w.snapshot();
        assert_eq!((s.total, s.failed, s.slow), (4, 0, 0));
        // a failure replacing a success is reported
        let s = w.record(FAIL).expect("rates may have risen");
        assert_eq!((s.total, s.failed), (4, 1));
        w.reset();
        assert_eq!(w.snapshot().total, 0);
    }

    #[test]
    fn time_window_buckets_by_second() {
        let w = TimeWindow::new(3);
        w.record(FAIL, 10);
        w.record(OK, 10);
        w.record(OK, 11);
        let s = w.snapshot(12);
        assert_eq!((s.total, s.failed), (3, 1));
        // at second 13 the bucket of second 10 has left the window
        let s = w.snapshot(13);
        assert_eq!((s.total, s.failed), (1, 0));
        // a new second reuses the bucket of an old one
        w.record(SLOW_FAIL, 13);
        let s = w.snapshot(13);
        assert_eq!((s.total, s.failed, s.slow), (2, 1, 1));
    }
}
