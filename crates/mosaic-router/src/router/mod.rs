//! [`Router`]: rule-based routing over named providers, with failover.
//!
//! A router holds providers of one family — each a `tower::Service` over
//! `Request<R>` with whatever layers the host put around it — and a table
//! of [`Rule`]s. For every request the first matching rule (or the default
//! rule) names the candidates and the [`Strategy`] that orders them; the
//! router then tries them in that order:
//!
//! * a candidate whose [`Capabilities`](mosaic_core::Capabilities) lack the
//!   operation, or whose [`HealthCheck`] says unavailable (an open circuit
//!   breaker), is skipped;
//! * a failure moves to the next candidate when it is of a kind the
//!   [`FailoverPolicy`] allows (transient errors for idempotent operations;
//!   only errors that prove the request was not executed for the others),
//!   within the rule's attempt limit and the request's deadline; any other
//!   error — invalid input, not found, permission denied — returns at once;
//! * when every candidate was skipped the error is `NoProvider`, naming
//!   each candidate and why it was skipped; when candidates were tried and
//!   all failed, the last failure is returned — its kind, message and
//!   status — carrying every attempt in order ([`Error::attempts`]: the
//!   candidate's name, the kind, status, retry-after and a short message;
//!   one entry when only one candidate was tried; a nested router's
//!   attempts are listed in place of the nested router's one).
//!
//! A response names the candidate that gave it: the router calls
//! [`set_served_by`](mosaic_core::Served::set_served_by) with its
//! registered name, which the AI family records in `provider` (chat,
//! completion, embeddings) and [`ChatStream::provider`](mosaic_core::ai::ChatStream::provider).
//! A stream that fails after its first chunk is surfaced as it is; opt in
//! to restarting it elsewhere with [`Router::chat_stream_with_restart`].
//!
//! [`Router::plan`] shows where a typed request would go;
//! [`Router::explain`] shows where a request for an operation *name* would
//! go and why (which rules fail which condition, which candidates would be
//! skipped), without advancing any strategy.
//!
//! Inside a [`TraceLayer`](crate::TraceLayer) span the router records the
//! `provider` it sends to and its `candidate` number (1 for the first).
//!
//! The rule table is immutable once built; [`Router::replace_rules`] swaps
//! in a new one atomically, so a request sees either the old table or the
//! new one, never a mix. Every clone of a router shares providers and table.

mod cost;
mod explain;
mod future;
mod health;
mod index;
mod provider;
mod restart;
mod rule;
mod strategy;

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use arc_swap::ArcSwap;
use mosaic_core::{Error, ErrorKind, Operation, Request, Result, Served};
use tokio::time::Instant;
use tower::Service;

pub use cost::{CostModel, ModelCosts, OperationCosts};
pub use explain::{Candidate, FamilyRequest, Mismatch, RouteExplanation, SkipReason, SkippedRule};
pub use future::ResponseFuture;
pub use health::{Health, HealthCheck, HealthFlag};
pub use provider::Provider;
pub use rule::Rule;
pub use strategy::Strategy;

use crate::{KindSet, SeededRng};
use provider::Slot;
use rule::{CompileEnv, CompiledRule, RuleTable};
use strategy::{Order, Picker, two_distinct};

/// Which failures move a request on to the next candidate.
///
/// `Unsupported` always does (the provider did not execute the request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailoverPolicy {
    /// For idempotent operations (reads, sets). Default: the transient kinds
    /// (`RateLimited`, `Timeout`, `Unavailable`, `CircuitOpen`) and
    /// `NoProvider` (from a nested router).
    pub idempotent: KindSet,
    /// For operations that must not run twice (creates). Default: only the
    /// kinds that prove the request never reached the provider —
    /// `CircuitOpen`, `RateLimited`, `NoProvider`. A `Timeout` could mean
    /// the write happened, so it is returned instead of repeated elsewhere.
    pub non_idempotent: KindSet,
}

impl Default for FailoverPolicy {
    fn default() -> Self {
        FailoverPolicy {
            idempotent: KindSet::retryable().with(ErrorKind::NoProvider),
            non_idempotent: KindSet::of([
                ErrorKind::CircuitOpen,
                ErrorKind::RateLimited,
                ErrorKind::NoProvider,
            ]),
        }
    }
}

/// Routes requests of one family across named providers; see the
/// [module documentation](self).
///
/// `R` is the family's request enum, `S` the providers' service type (use
/// `tower::util::BoxCloneSyncService` when providers have different stacks).
pub struct Router<R, S> {
    shared: Arc<Shared<R, S>>,
}

pub(crate) struct Shared<R, S> {
    slots: Box<[Slot<S>]>,
    names: Arc<[Arc<str>]>,
    table: ArcSwap<RuleTable>,
    cost: Option<Arc<dyn CostModel<R>>>,
    rng: SeededRng,
    failover: FailoverPolicy,
    max_attempts: u32,
    default_latency: Duration,
    latency_decay: Duration,
}

/// The outcome of matching one request.
pub(crate) struct Decision {
    rule: Arc<str>,
    order: Order,
    max_attempts: u32,
    track_latency: bool,
    /// The rule's own failover kinds, if it has them.
    failover_on: Option<KindSet>,
}

impl<R, S> Clone for Router<R, S> {
    fn clone(&self) -> Self {
        Router {
            shared: self.shared.clone(),
        }
    }
}

impl<R, S> fmt::Debug for Router<R, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let table = self.shared.table.load();
        f.debug_struct("Router")
            .field("providers", &self.shared.names)
            .field(
                "rules",
                &table.rules.iter().map(|r| &*r.name).collect::<Vec<_>>(),
            )
            .field("max_attempts", &self.shared.max_attempts)
            .finish_non_exhaustive()
    }
}

impl<R: Operation + 'static, S> Router<R, S> {
    /// Start building a router.
    pub fn builder() -> RouterBuilder<R, S> {
        RouterBuilder::new()
    }

    /// The registered providers' names, in registration order.
    pub fn providers(&self) -> impl Iterator<Item = &str> {
        self.shared.names.iter().map(|n| &**n)
    }

    /// Requests currently in flight at `provider` (through this router).
    pub fn in_flight(&self, provider: &str) -> Option<usize> {
        self.shared
            .slots
            .iter()
            .find(|s| &*s.name == provider)
            .map(|s| s.stats.in_flight.sum())
    }

    /// Replace the whole rule table (and the default rule: `None` means all
    /// providers in registration order with [`Strategy::Failover`]).
    ///
    /// The new table is compiled first; on error the old one stays. The
    /// swap is atomic: requests already routed finish with the old table,
    /// later ones use the new one.
    pub fn replace_rules(
        &self,
        rules: impl IntoIterator<Item = Rule>,
        default_rule: Option<Rule>,
    ) -> Result<()> {
        let rules: Vec<Rule> = rules.into_iter().collect();
        let table = RuleTable::compile(&rules, default_rule.as_ref(), &self.shared.env())?;
        self.shared.table.store(Arc::new(table));
        Ok(())
    }

    /// Where `request` would go now: the rule that matches and the order in
    /// which candidates would be tried (before skipping unhealthy or
    /// incapable ones). Stateful strategies advance as if it were sent; see
    /// [`Router::explain`] for a look that changes nothing.
    pub fn plan(&self, request: &Request<R>) -> RoutePlan {
        let d = self.shared.decide(request);
        RoutePlan {
            rule: d.rule,
            order: d.order,
            names: self.shared.names.clone(),
        }
    }
}

impl<R, S> Shared<R, S> {
    /// The kinds that move a request on: the rule's, for writes only
    /// those the router's policy also allows for writes; else the
    /// router's policy.
    pub(crate) fn failover_kinds(&self, idempotent: bool, rule: Option<KindSet>) -> KindSet {
        match (rule, idempotent) {
            (Some(k), true) => k,
            (Some(k), false) => k.intersection(self.failover.non_idempotent),
            (None, true) => self.failover.idempotent,
            (None, false) => self.failover.non_idempotent,
        }
    }
}

impl<R: Operation + 'static, S> Shared<R, S> {
    fn env(&self) -> CompileEnv<'_> {
        CompileEnv {
            providers: &self.names,
            has_cost_model: self.cost.is_some(),
            max_attempts: self.max_attempts,
        }
    }

    fn decide(&self, request: &Request<R>) -> Decision {
        let table = self.table.load();
        let rule = table.select(&request.operation, &request.context);
        Decision {
            rule: rule.name.clone(),
            order: self.order(rule, &request.operation),
            max_attempts: rule.max_attempts,
            track_latency: table.tracks_latency,
            failover_on: rule.failover_on,
        }
    }

    fn order(&self, rule: &CompiledRule, op: &R) -> Order {
        let c = &rule.candidates;
        let n = c.len();
        match &rule.picker {
            Picker::Failover => declared(c),
            Picker::RoundRobin { next } => rotated(
                c,
                next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % n,
            ),
            Picker::SmoothWeighted { cycle, next } => {
                let step = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                first_then_rest(c, usize::from(cycle[step % cycle.len()]))
            }
            Picker::WeightedRandom { cumulative } => {
                let total = cumulative.last().copied().unwrap_or(0);
                let x = self.rng.below(total);
                first_then_rest(c, cumulative.partition_point(|&s| s <= x))
            }
            Picker::LeastOutstanding => {
                if n == 1 {
                    declared(c)
                } else {
                    let mut order = Order::with_capacity(n);
                    let (a, b) = two_distinct(&self.rng, n);
                    let load = |i: usize| self.slots[usize::from(c[i])].stats.in_flight.sum();
                    let (first, second) = if load(b) < load(a) { (b, a) } else { (a, b) };
                    order.push(c[first]);
                    order.push(c[second]);
                    for (i, &p) in c.iter().enumerate() {
                        if i != a && i != b {
                            order.push(p);
                        }
                    }
                    order
                }
            }
            Picker::LowestLatency => self.by_latency(c),
            Picker::LowestCost => {
                let mut order = declared(c);
                let keys: Vec<f64> = c
                    .iter()
                    .map(|&p| {
                        self.cost
                            .as_ref()
                            .and_then(|m| m.estimate(&self.slots[usize::from(p)].name, op))
                            .filter(|v| !v.is_nan())
                            .unwrap_or(f64::INFINITY)
                    })
                    .collect();
                sort_by_keys(order.as_mut_slice(), c, &keys);
                order
            }
        }
    }

    /// The candidates ranked by their peak-EWMA load now.
    fn by_latency(&self, c: &[u16]) -> Order {
        let now = Instant::now();
        let mut order = declared(c);
        let keys: Vec<f64> = c
            .iter()
            .map(|&p| {
                self.slots[usize::from(p)]
                    .stats
                    .load(now, self.default_latency, self.latency_decay)
            })
            .collect();
        sort_by_keys(order.as_mut_slice(), c, &keys);
        order
    }
}

/// The candidates in the rule's order.
fn declared(c: &[u16]) -> Order {
    let mut order = Order::with_capacity(c.len());
    c.iter().for_each(|&p| order.push(p));
    order
}

/// The candidates in the rule's order, starting at position `start`.
fn rotated(c: &[u16], start: usize) -> Order {
    let n = c.len();
    let mut order = Order::with_capacity(n);
    (0..n).for_each(|k| order.push(c[(start + k) % n]));
    order
}

/// The candidate at position `first`, then the others in the rule's order.
fn first_then_rest(c: &[u16], first: usize) -> Order {
    let mut order = Order::with_capacity(c.len());
    order.push(c[first]);
    for (i, &p) in c.iter().enumerate() {
        if i != first {
            order.push(p);
        }
    }
    order
}

/// Stable sort of provider indices by the key of their candidate position.
fn sort_by_keys(order: &mut [u16], candidates: &[u16], keys: &[f64]) {
    let key = |p: u16| keys[candidates.iter().position(|&c| c == p).unwrap_or(0)];
    order.sort_by(|a, b| key(*a).total_cmp(&key(*b)));
}

/// Where a request would be routed; see [`Router::plan`].
#[derive(Clone)]
pub struct RoutePlan {
    rule: Arc<str>,
    order: Order,
    names: Arc<[Arc<str>]>,
}

impl RoutePlan {
    /// The matching rule's name.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// The candidates in the order they would be tried.
    pub fn providers(&self) -> impl Iterator<Item = &str> + '_ {
        self.order
            .as_slice()
            .iter()
            .map(|&i| &*self.names[usize::from(i)])
    }

    /// The first candidate.
    pub fn first(&self) -> Option<&str> {
        self.providers().next()
    }
}

impl fmt::Debug for RoutePlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoutePlan")
            .field("rule", &self.rule)
            .field("providers", &self.providers().collect::<Vec<_>>())
            .finish()
    }
}

impl<R, S> Service<Request<R>> for Router<R, S>
where
    R: Operation + Clone + Send + 'static,
    S: Service<Request<R>, Error = Error> + Clone + Send + Sync + 'static,
    S::Future: Send,
    S::Response: Served + Send + 'static,
{
    type Response = S::Response;
    type Error = Error;
    type Future = ResponseFuture<R, S>;

    /// Always ready: each attempt waits for its provider's readiness.
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<R>) -> Self::Future {
        let decision = self.shared.decide(&request);
        ResponseFuture::new(self.shared.clone(), decision, request)
    }
}

/// Builds a [`Router`]; see [`Router::builder`].
pub struct RouterBuilder<R, S> {
    providers: Vec<Provider<S>>,
    rules: Vec<Rule>,
    default_rule: Option<Rule>,
    max_attempts: u32,
    failover: FailoverPolicy,
    cost: Option<Arc<dyn CostModel<R>>>,
    rng: Option<SeededRng>,
    default_latency: Duration,
    latency_decay: Duration,
    _request: PhantomData<fn(R)>,
}

impl<R, S> fmt::Debug for RouterBuilder<R, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouterBuilder")
            .field("providers", &self.providers)
            .field("rules", &self.rules)
            .field("default_rule", &self.default_rule)
            .field("max_attempts", &self.max_attempts)
            .field("failover", &self.failover)
            .finish_non_exhaustive()
    }
}

impl<R: Operation + 'static, S> Default for RouterBuilder<R, S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Operation + 'static, S> RouterBuilder<R, S> {
    /// No providers, no rules; at most 3 attempts per request; the default
    /// [`FailoverPolicy`]; 30 ms assumed latency before any sample, 10 s
    /// latency decay.
    pub fn new() -> Self {
        RouterBuilder {
            providers: Vec::new(),
            rules: Vec::new(),
            default_rule: None,
            max_attempts: 3,
            failover: FailoverPolicy::default(),
            cost: None,
            rng: None,
            default_latency: Duration::from_millis(30),
            latency_decay: Duration::from_secs(10),
            _request: PhantomData,
        }
    }

    /// Register `service` as provider `name` (capabilities unknown, no
    /// health source; see [`Self::register`]).
    pub fn provider(self, name: impl Into<Arc<str>>, service: S) -> Self {
        self.register(Provider::new(name, service))
    }

    /// Register a provider with its capabilities and health source.
    pub fn register(mut self, provider: Provider<S>) -> Self {
        self.providers.push(provider);
        self
    }

    /// Append a rule (rules are matched in the order added).
    pub fn rule(mut self, rule: Rule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Append several rules.
    pub fn rules(mut self, rules: impl IntoIterator<Item = Rule>) -> Self {
        self.rules.extend(rules);
        self
    }

    /// The rule for requests no other rule matches (its conditions are
    /// ignored). Without one: every provider in registration order,
    /// [`Strategy::Failover`].
    pub fn default_rule(mut self, rule: Rule) -> Self {
        self.default_rule = Some(rule);
        self
    }

    /// At most this many providers are tried per request, unless the rule
    /// sets its own limit (default 3).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Which failures move on to the next candidate.
    pub fn failover_policy(mut self, policy: FailoverPolicy) -> Self {
        self.failover = policy;
        self
    }

    /// The cost model of [`Strategy::LowestCost`].
    pub fn cost_model(mut self, model: impl CostModel<R>) -> Self {
        self.cost = Some(Arc::new(model));
        self
    }

    /// The random source of [`Strategy::WeightedRandom`] and
    /// [`Strategy::LeastOutstanding`] (seeded from entropy otherwise).
    pub fn rng(mut self, rng: SeededRng) -> Self {
        self.rng = Some(rng);
        self
    }

    /// Shorthand for `rng(SeededRng::new(seed))`.
    pub fn seed(self, seed: u64) -> Self {
        self.rng(SeededRng::new(seed))
    }

    /// The latency assumed for a provider before its first answer
    /// ([`Strategy::LowestLatency`]).
    pub fn default_latency(mut self, latency: Duration) -> Self {
        self.default_latency = latency;
        self
    }

    /// How fast old latency samples lose weight ([`Strategy::LowestLatency`]).
    pub fn latency_decay(mut self, decay: Duration) -> Self {
        self.latency_decay = decay.max(Duration::from_millis(1));
        self
    }

    /// Check the configuration and build the router.
    ///
    /// Errors (`Config`): no provider, a duplicate provider name, a rule
    /// naming an unknown provider or none, a zero weight, or
    /// [`Strategy::LowestCost`] without a cost model.
    pub fn build(self) -> Result<Router<R, S>> {
        if self.providers.is_empty() {
            return Err(Error::config("router: no provider registered"));
        }
        if self.providers.len() > usize::from(u16::MAX) {
            return Err(Error::config("router: too many providers"));
        }
        let mut names: Vec<Arc<str>> = Vec::with_capacity(self.providers.len());
        for p in &self.providers {
            if names.contains(&p.name) {
                return Err(Error::config(format!(
                    "router: provider `{}` registered twice",
                    p.name
                )));
            }
            names.push(p.name.clone());
        }
        let env = CompileEnv {
            providers: &names,
            has_cost_model: self.cost.is_some(),
            max_attempts: self.max_attempts,
        };
        let table = RuleTable::compile(&self.rules, self.default_rule.as_ref(), &env)?;
        Ok(Router {
            shared: Arc::new(Shared {
                slots: self.providers.into_iter().map(Slot::new).collect(),
                names: names.into(),
                table: ArcSwap::from_pointee(table),
                cost: self.cost,
                rng: self.rng.unwrap_or_default(),
                failover: self.failover,
                max_attempts: self.max_attempts,
                default_latency: self.default_latency,
                latency_decay: self.latency_decay,
            }),
        })
    }
}
