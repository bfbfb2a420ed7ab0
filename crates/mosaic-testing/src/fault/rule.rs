//! [`Fault`] and [`FaultRule`]: what to inject, where, and how often.

use std::time::Duration;

use mosaic_core::{ErrorKind, Family, Operation};

/// One fault the [`FaultLayer`](super::FaultLayer) can inject.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Fault {
    /// Delay the call by this long (tokio time), then run it normally.
    Latency(Duration),
    /// Fail with an error of this kind without calling the inner service.
    /// (`RateLimited` built this way carries no `retry_after`; use
    /// [`Fault::RateLimited`] to set one.)
    Error(ErrorKind),
    /// Fail with `RateLimited` carrying this `retry_after`.
    RateLimited(Option<Duration>),
    /// Wait this long — or until the request's deadline, if sooner — then
    /// fail with `Timeout` without calling the inner service.
    Timeout(Duration),
    /// Never complete (a hung upstream). Only a timeout around the layer,
    /// or dropping the future, ends the call.
    Hang,
    /// Panic inside the response future when it is first polled, as a
    /// buggy provider would; lets a host test that it contains panics.
    Panic,
}

impl Fault {
    /// The category counted in [`FaultStats`](super::FaultStats).
    pub fn kind(&self) -> FaultKind {
        match self {
            Fault::Latency(_) => FaultKind::Latency,
            Fault::Error(_) | Fault::RateLimited(_) => FaultKind::Error,
            Fault::Timeout(_) => FaultKind::Timeout,
            Fault::Hang => FaultKind::Hang,
            Fault::Panic => FaultKind::Panic,
        }
    }

    /// Whether the fault replaces the call (everything but latency).
    pub fn is_terminal(&self) -> bool {
        !matches!(self, Fault::Latency(_))
    }
}

/// The categories of [`Fault`], for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    /// Added latency.
    Latency,
    /// An error (any [`ErrorKind`], including rate limits).
    Error,
    /// An injected timeout.
    Timeout,
    /// A hang.
    Hang,
    /// A panic.
    Panic,
}

/// When a matching rule fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Trigger {
    /// Every matching call.
    Always,
    /// Each matching call with this probability (drawn from the seeded RNG).
    Rate(f64),
    /// The first `n` matching calls.
    First(u64),
    /// Every `n`-th matching call (the n-th, 2n-th, …).
    Every(u64),
    /// Matching calls from the `n+1`-th on.
    After(u64),
}

#[derive(Debug, Clone, PartialEq)]
enum Matcher {
    Operation(String),
    Family(Family),
    Subject(String),
}

/// Glob with a single optional trailing `*`.
fn glob(pattern: &str, value: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => value.starts_with(prefix),
        None => pattern == value,
    }
}

impl Matcher {
    fn matches(&self, op: &dyn ErasedOperation) -> bool {
        match self {
            Matcher::Operation(p) => glob(p, op.op_name()),
            Matcher::Family(f) => op.op_family() == *f,
            Matcher::Subject(p) => op.op_subject().is_some_and(|s| glob(p, &s)),
        }
    }
}

/// The few facts a rule reads from a request (object-safe).
pub(crate) trait ErasedOperation {
    fn op_name(&self) -> &'static str;
    fn op_family(&self) -> Family;
    fn op_subject(&self) -> Option<String>;
}

impl<T: Operation> ErasedOperation for T {
    fn op_name(&self) -> &'static str {
        self.name()
    }
    fn op_family(&self) -> Family {
        self.family()
    }
    fn op_subject(&self) -> Option<String> {
        self.subject().map(|s| s.into_owned())
    }
}

/// A fault, the calls it applies to, and how often it fires.
///
/// Start from the fault ([`FaultRule::error`], [`latency`](Self::latency),
/// [`rate_limited`](Self::rate_limited), [`timeout`](Self::timeout),
/// [`hang`](Self::hang), [`panic`](Self::panic)), narrow it with
/// [`on`](Self::on) / [`on_family`](Self::on_family) /
/// [`on_subject`](Self::on_subject) (several narrowings are alternatives: a
/// call matching any of them matches; none means every call), and choose
/// the trigger: [`always`](Self::always) (the default),
/// [`rate`](Self::rate), [`first`](Self::first), [`every`](Self::every) or
/// [`after`](Self::after).
///
/// ```
/// use std::time::Duration;
/// use mosaic_core::ErrorKind;
/// use mosaic_testing::FaultRule;
///
/// // 10% of repository reads fail as if the forge were down
/// let outage = FaultRule::error(ErrorKind::Unavailable).on("git.repository.get").rate(0.1);
/// // the first three AI calls are rate limited with a 2 s hint
/// let limited = FaultRule::rate_limited(Some(Duration::from_secs(2))).on("ai.*").first(3);
/// // half of all calls take 50 ms longer
/// let slow = FaultRule::latency(Duration::from_millis(50)).rate(0.5);
/// # let _ = (outage, limited, slow);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    pub(crate) fault: Fault,
    matchers: Vec<Matcher>,
    pub(crate) trigger: Trigger,
}

impl FaultRule {
    /// A rule injecting `fault` on every call.
    pub fn new(fault: Fault) -> Self {
        FaultRule {
            fault,
            matchers: Vec::new(),
            trigger: Trigger::Always,
        }
    }

    /// Fail with an error of `kind` (`RateLimited` without `retry_after`;
    /// see [`rate_limited`](Self::rate_limited)).
    pub fn error(kind: ErrorKind) -> Self {
        Self::new(Fault::Error(kind))
    }

    /// Fail with `RateLimited` carrying `retry_after`.
    pub fn rate_limited(retry_after: Option<Duration>) -> Self {
        Self::new(Fault::RateLimited(retry_after))
    }

    /// Add `delay` before the call.
    pub fn latency(delay: Duration) -> Self {
        Self::new(Fault::Latency(delay))
    }

    /// Fail with `Timeout` after `after` (or at the request's deadline).
    pub fn timeout(after: Duration) -> Self {
        Self::new(Fault::Timeout(after))
    }

    /// Never answer.
    pub fn hang() -> Self {
        Self::new(Fault::Hang)
    }

    /// Panic inside the response future.
    pub fn panic() -> Self {
        Self::new(Fault::Panic)
    }

    /// Apply to operations named `pattern`: an exact name
    /// (`git.repository.get`) or a prefix ending in `*` (`git.*`).
    pub fn on(mut self, pattern: impl Into<String>) -> Self {
        self.matchers.push(Matcher::Operation(pattern.into()));
        self
    }

    /// Apply to every operation of `family`.
    pub fn on_family(mut self, family: Family) -> Self {
        self.matchers.push(Matcher::Family(family));
        self
    }

    /// Apply to requests whose subject matches `pattern` (exact, or a
    /// prefix ending in `*`, e.g. `acme/*`).
    pub fn on_subject(mut self, pattern: impl Into<String>) -> Self {
        self.matchers.push(Matcher::Subject(pattern.into()));
        self
    }

    /// Fire on every matching call (the default).
    pub fn always(mut self) -> Self {
        self.trigger = Trigger::Always;
        self
    }

    /// Fire on each matching call with probability `p` (clamped to
    /// `0.0..=1.0`), drawn from the layer's seeded RNG.
    pub fn rate(mut self, p: f64) -> Self {
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        self.trigger = Trigger::Rate(p);
        self
    }

    /// Fire on the first `n` matching calls only.
    pub fn first(mut self, n: u64) -> Self {
        self.trigger = Trigger::First(n);
        self
    }

    /// Fire on every `n`-th matching call (`n` = 0 never fires).
    pub fn every(mut self, n: u64) -> Self {
        self.trigger = Trigger::Every(n);
        self
    }

    /// Fire on every matching call after the first `n`.
    pub fn after(mut self, n: u64) -> Self {
        self.trigger = Trigger::After(n);
        self
    }

    /// The fault injected.
    pub fn fault(&self) -> &Fault {
        &self.fault
    }

    pub(crate) fn matches(&self, op: &dyn ErasedOperation) -> bool {
        self.matchers.is_empty() || self.matchers.iter().any(|m| m.matches(op))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("git.*", "git.repository.get"));
        assert!(glob("git.repository.get", "git.repository.get"));
        assert!(!glob("git.repository.get", "git.repository.list"));
        assert!(!glob("ai.*", "git.repository.get"));
        assert!(glob("*", "anything"));
    }

    #[test]
    fn rates_are_clamped() {
        assert_eq!(FaultRule::hang().rate(2.0).trigger, Trigger::Rate(1.0));
        assert_eq!(FaultRule::hang().rate(-1.0).trigger, Trigger::Rate(0.0));
        assert_eq!(FaultRule::hang().rate(f64::NAN).trigger, Trigger::Rate(0.0));
    }
}
