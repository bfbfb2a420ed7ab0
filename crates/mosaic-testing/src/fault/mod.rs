//! [`FaultLayer`]: a tower layer that injects latency, errors, timeouts,
//! hangs and panics in front of any Mosaic service.
//!
//! The layer works for every family (its service accepts any
//! `Request<Op>` whose `Op` implements [`Operation`]). Its rules decide per
//! call; randomness comes from a ChaCha8 RNG seeded by the caller, so a run
//! replays exactly when the calls arrive in the same order. Every service
//! made by one layer (and every clone of them) shares the RNG, the rules and
//! the counters; [`FaultLayer::handle`] reads the counters and changes the
//! rules mid-test (start or end an outage).
//!
//! # How a call is decided
//!
//! For each call the rules that match it are considered in order:
//!
//! * **latency** rules fire independently of each other; the delays of all
//!   that fire add up and are waited (on tokio's clock) before anything
//!   else;
//! * **terminal** rules (error, rate limit, timeout, hang, panic): the first
//!   that fires decides the outcome and later ones are not considered. All
//!   `rate` rules of one call share a single uniform draw, cut into
//!   consecutive intervals, so two matching rules with rates 0.1 and 0.2
//!   fire on 10% and 20% of the calls — exactly the configured shares, as
//!   long as the rates of rules matching one operation add up to at most 1.
//!
//! A call no terminal rule fires for goes to the inner service.
//!
//! # Panics
//!
//! [`Fault::Panic`] panics *inside the response future* (when it is first
//! polled), never in `call`: that is where a buggy provider would panic, so
//! a host can check that its containment (e.g. `catch_unwind` around the
//! future, or a spawned task's `JoinError`) turns it into an error.

mod rule;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use mosaic_core::family::BoxFuture;
use mosaic_core::{Error, ErrorKind, Operation, Request, Result};
use parking_lot::Mutex;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use tower::{Layer, Service};

use rule::{ErasedOperation, Trigger};
pub use rule::{Fault, FaultKind, FaultRule};

/// What the layer injected so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultStats {
    /// Calls seen.
    pub calls: u64,
    /// Calls passed on to the inner service (possibly after added latency).
    pub passed: u64,
    /// Injected faults by category (a call with latency and an error counts
    /// in both).
    pub injected: BTreeMap<FaultKind, u64>,
    /// Injected errors by kind (including rate limits).
    pub errors: BTreeMap<ErrorKind, u64>,
    /// How often each rule fired, by its position in the rule list.
    pub fired: Vec<u64>,
    /// Total latency added.
    pub added_latency: Duration,
}

impl FaultStats {
    /// How many faults of `kind` were injected.
    pub fn injected(&self, kind: FaultKind) -> u64 {
        self.injected.get(&kind).copied().unwrap_or(0)
    }

    /// How many errors of `kind` were injected.
    pub fn errors(&self, kind: ErrorKind) -> u64 {
        self.errors.get(&kind).copied().unwrap_or(0)
    }

    /// How often rule number `index` fired.
    pub fn fired(&self, index: usize) -> u64 {
        self.fired.get(index).copied().unwrap_or(0)
    }

    /// Total number of terminal faults (everything but latency).
    pub fn terminal(&self) -> u64 {
        self.injected
            .iter()
            .filter(|(k, _)| **k != FaultKind::Latency)
            .map(|(_, n)| n)
            .sum()
    }
}

struct RuleState {
    rule: FaultRule,
    matched: u64,
}

struct Shared {
    rng: ChaCha8Rng,
    rules: Vec<RuleState>,
    enabled: bool,
    stats: FaultStats,
}

/// What one call gets.
#[derive(Debug, Default)]
struct Decision {
    latency: Duration,
    terminal: Option<Fault>,
}

impl Shared {
    fn decide(&mut self, op: &dyn ErasedOperation) -> Decision {
        self.stats.calls += 1;
        let mut decision = Decision::default();
        if !self.enabled {
            self.stats.passed += 1;
            return decision;
        }
        // one draw for all rate-triggered terminal rules of this call
        let draw: f64 = self.rng.random();
        let mut rate_floor = 0.0;
        let Shared {
            rng, rules, stats, ..
        } = self;
        stats.fired.resize(rules.len(), 0);
        for (i, rs) in rules.iter_mut().enumerate() {
            if !rs.rule.matches(op) {
                continue;
            }
            rs.matched += 1;
            let terminal = rs.rule.fault.is_terminal();
            if terminal && decision.terminal.is_some() {
                continue;
            }
            let fires = match rs.rule.trigger {
                Trigger::Always => true,
                Trigger::First(n) => rs.matched <= n,
                Trigger::Every(n) => n > 0 && rs.matched % n == 0,
                Trigger::After(n) => rs.matched > n,
                Trigger::Rate(p) if terminal => {
                    let hit = draw >= rate_floor && draw < rate_floor + p;
                    rate_floor += p;
                    hit
                }
                Trigger::Rate(p) => rng.random::<f64>() < p,
            };
            if !fires {
                continue;
            }
            stats.fired[i] += 1;
            *stats.injected.entry(rs.rule.fault.kind()).or_default() += 1;
            match &rs.rule.fault {
                Fault::Latency(d) => {
                    decision.latency += *d;
                    stats.added_latency += *d;
                }
                Fault::Error(kind) => {
                    *stats.errors.entry(*kind).or_default() += 1;
                    decision.terminal = Some(rs.rule.fault.clone());
                }
                Fault::RateLimited(_) => {
                    *stats.errors.entry(ErrorKind::RateLimited).or_default() += 1;
                    decision.terminal = Some(rs.rule.fault.clone());
                }
                other => decision.terminal = Some(other.clone()),
            }
        }
        if decision.terminal.is_none() {
            stats.passed += 1;
        }
        decision
    }
}

/// Reads the counters and changes the rules of a [`FaultLayer`] (and of
/// every service it made) while they run.
#[derive(Clone)]
pub struct FaultHandle {
    shared: Arc<Mutex<Shared>>,
}

impl fmt::Debug for FaultHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.shared.lock();
        f.debug_struct("FaultHandle")
            .field(
                "rules",
                &s.rules.iter().map(|r| &r.rule).collect::<Vec<_>>(),
            )
            .field("enabled", &s.enabled)
            .field("stats", &s.stats)
            .finish()
    }
}

impl FaultHandle {
    /// A snapshot of the counters.
    pub fn stats(&self) -> FaultStats {
        let s = self.shared.lock();
        let mut stats = s.stats.clone();
        stats.fired.resize(s.rules.len(), 0);
        stats
    }

    /// Zero the counters (the rules' `first`/`every` positions too).
    pub fn reset_stats(&self) {
        let mut s = self.shared.lock();
        s.stats = FaultStats::default();
        for r in &mut s.rules {
            r.matched = 0;
        }
    }

    /// Replace every rule (counters of the old rules are dropped).
    pub fn set_rules(&self, rules: impl IntoIterator<Item = FaultRule>) {
        let mut s = self.shared.lock();
        s.rules = rules
            .into_iter()
            .map(|rule| RuleState { rule, matched: 0 })
            .collect();
        s.stats.fired = vec![0; s.rules.len()];
    }

    /// Append a rule.
    pub fn push_rule(&self, rule: FaultRule) {
        let mut s = self.shared.lock();
        s.rules.push(RuleState { rule, matched: 0 });
    }

    /// Remove every rule: calls pass untouched.
    pub fn clear_rules(&self) {
        self.set_rules([]);
    }

    /// Stop injecting (rules are kept; calls still counted).
    pub fn disable(&self) {
        self.shared.lock().enabled = false;
    }

    /// Inject again.
    pub fn enable(&self) {
        self.shared.lock().enabled = true;
    }

    /// Whether injection is on.
    pub fn is_enabled(&self) -> bool {
        self.shared.lock().enabled
    }
}

/// A tower layer injecting faults; see the [module documentation](self).
///
/// ```
/// use std::time::Duration;
/// use mosaic_core::git::{GitClient, GitProvider, GitService, RepoRef};
/// use mosaic_core::ErrorKind;
/// use mosaic_testing::{FakeGit, FaultLayer, FaultRule};
/// use tower::Layer;
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
/// let fake = FakeGit::new();
/// fake.seed_repository("acme/tools").create()?;
/// let faults = FaultLayer::new(7).rule(FaultRule::error(ErrorKind::Unavailable).first(2));
/// let git = GitClient::new(faults.layer(GitService::new(fake.clone())));
///
/// let repo = RepoRef::new("acme", "tools");
/// for _ in 0..2 {
///     let err = git.get_repository(repo.clone()).await.unwrap_err();
///     assert_eq!(err.kind(), ErrorKind::Unavailable);
/// }
/// assert_eq!(git.get_repository(repo).await?.full_name, "acme/tools");
/// assert_eq!(faults.handle().stats().errors(ErrorKind::Unavailable), 2);
/// // the fake only saw the call that got through
/// assert_eq!(fake.calls().len(), 1);
/// # Ok::<(), mosaic_core::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct FaultLayer {
    shared: Arc<Mutex<Shared>>,
}

impl fmt::Debug for FaultLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FaultLayer").field(&self.handle()).finish()
    }
}

impl FaultLayer {
    /// A layer without rules whose random draws come from `seed`.
    pub fn new(seed: u64) -> Self {
        FaultLayer {
            shared: Arc::new(Mutex::new(Shared {
                rng: ChaCha8Rng::seed_from_u64(seed),
                rules: Vec::new(),
                enabled: true,
                stats: FaultStats::default(),
            })),
        }
    }

    /// Add a rule (rules are considered in the order added).
    pub fn rule(self, rule: FaultRule) -> Self {
        FaultHandle {
            shared: self.shared.clone(),
        }
        .push_rule(rule);
        self
    }

    /// Add several rules.
    pub fn rules(self, rules: impl IntoIterator<Item = FaultRule>) -> Self {
        rules.into_iter().fold(self, Self::rule)
    }

    /// The handle to the shared counters and rules.
    pub fn handle(&self) -> FaultHandle {
        FaultHandle {
            shared: self.shared.clone(),
        }
    }
}

impl<S> Layer<S> for FaultLayer {
    type Service = FaultService<S>;

    fn layer(&self, inner: S) -> FaultService<S> {
        FaultService {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// The service made by [`FaultLayer`].
#[derive(Clone)]
pub struct FaultService<S> {
    inner: S,
    shared: Arc<Mutex<Shared>>,
}

impl<S> fmt::Debug for FaultService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultService")
            .field("inner", &std::any::type_name::<S>())
            .finish()
    }
}

impl<S> FaultService<S> {
    /// The handle to the shared counters and rules.
    pub fn handle(&self) -> FaultHandle {
        FaultHandle {
            shared: self.shared.clone(),
        }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

fn injected_error(kind: ErrorKind, op: &str) -> Error {
    Error::new(kind, format!("injected fault: {kind} on `{op}`"))
}

impl<S, Op> Service<Request<Op>> for FaultService<S>
where
    S: Service<Request<Op>, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
    Op: Operation + Send + 'static,
{
    type Response = S::Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<S::Response>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Op>) -> Self::Future {
        let decision = self.shared.lock().decide(&req.operation);
        let name = req.operation.name();
        // the readied inner service goes into the future; a fresh clone stays
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            if !decision.latency.is_zero() {
                tokio::time::sleep(decision.latency).await;
            }
            match decision.terminal {
                None | Some(Fault::Latency(_)) => inner.call(req).await,
                Some(Fault::Error(kind)) => Err(injected_error(kind, name)),
                Some(Fault::RateLimited(retry_after)) => {
                    let mut e = Error::rate_limited(retry_after).with_status(429);
                    if retry_after.is_none() {
                        e = injected_error(ErrorKind::RateLimited, name);
                    }
                    Err(e)
                }
                Some(Fault::Timeout(after)) => {
                    let wait = match req.context.remaining() {
                        Some(left) => left.min(after),
                        None => after,
                    };
                    tokio::time::sleep(wait).await;
                    Err(Error::timeout(format!(
                        "injected fault: timeout after {wait:?} on `{name}`"
                    )))
                }
                Some(Fault::Hang) => std::future::pending().await,
                Some(Fault::Panic) => {
                    panic!("mosaic-testing FaultLayer: injected panic on `{name}`")
                }
            }
        })
    }
}
