//! [`Router::explain`]: where a request would be routed and why, from an
//! operation *name* (for tools such as `mosaic route`, which cannot build a
//! typed request from a string).
//!
//! The explanation runs the router's own rule table and health checks on a
//! stand-in operation built from the name, so it gives the verdict live
//! routing would give; only the strategies' state is left untouched.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use mosaic_core::{Error, Family, OpKind, OpMeta, Operation, RequestContext, Result};

use super::health::Health;
use super::rule::CompiledRule;
use super::strategy::{Order, Picker, Strategy};
use super::{Router, Shared, declared, first_then_rest, rotated};

/// A request enum whose family is known from its type, so that a router of
/// it can resolve operation *names* ([`Router::explain`]).
///
/// Implemented for the six families' request enums (`GitRequest`,
/// `CiCdRequest`, `AiRequest`, `KbRequest`, `WorkflowRequest`,
/// `ProjectRequest`).
pub trait FamilyRequest: Operation {
    /// The family's payload-free operation enum (`GitOp`, `AiOp`, …).
    type Kind: OpKind;
}

macro_rules! family_requests {
    ($($request:ty => $kind:ty),+ $(,)?) => {
        $(
            impl FamilyRequest for $request {
                type Kind = $kind;
            }
        )+
    };
}

family_requests! {
    mosaic_core::git::GitRequest => mosaic_core::git::GitOp,
    mosaic_core::cicd::CiCdRequest => mosaic_core::cicd::CiCdOp,
    mosaic_core::ai::AiRequest => mosaic_core::ai::AiOp,
    mosaic_core::kb::KbRequest => mosaic_core::kb::KbOp,
    mosaic_core::workflow::WorkflowRequest => mosaic_core::workflow::WorkflowOp,
    mosaic_core::project::ProjectRequest => mosaic_core::project::ProjectOp,
}

/// An operation known by its kind and subject only: what [`Router::explain`]
/// runs the rule table and the capability checks on instead of a request.
struct NamedOperation<'a, K> {
    kind: K,
    subject: Option<&'a str>,
}

impl<K: OpKind> Operation for NamedOperation<'_, K> {
    fn family(&self) -> Family {
        K::FAMILY
    }

    fn name(&self) -> &'static str {
        self.kind.name()
    }

    fn index(&self) -> u8 {
        self.kind.index()
    }

    fn meta(&self) -> OpMeta {
        self.kind.meta()
    }

    fn subject(&self) -> Option<Cow<'_, str>> {
        self.subject.map(Cow::Borrowed)
    }

    fn cache_key(&self) -> Option<String> {
        None
    }
}

impl<R: FamilyRequest + 'static, S> Router<R, S> {
    /// Why a request for `operation` (an operation name of `R`'s family,
    /// such as `git.repository.get`) on `subject` in `context` would be
    /// routed where it would be now: the rules that do not match and the
    /// first condition each fails, the rule that matches (or the default
    /// rule), and the candidates in the order they would be tried with
    /// their health and whether they would be skipped.
    ///
    /// Matching and skipping use the router's own rule table, capability
    /// and health checks. Unlike [`Router::plan`] nothing advances: round
    /// robin and weighted round robin show the order the next request would
    /// get; for [`Strategy::WeightedRandom`], [`Strategy::LeastOutstanding`]
    /// and [`Strategy::LowestCost`] (whose cost model needs a typed
    /// request) the rule's declared order is shown and
    /// [`RouteExplanation::note`] says how the real order is chosen;
    /// [`Strategy::LowestLatency`] ranks by the current latency estimates.
    ///
    /// `subject` stands for what the typed request's subject would be (a
    /// missing subject matches as the empty string, as in live routing).
    ///
    /// Errors: `InvalidInput` when `operation` is not an operation name of
    /// the family (the message names the family and the nearest names).
    ///
    /// ```
    /// use mosaic_core::RequestContext;
    /// use mosaic_core::git::GitRequest;
    /// use mosaic_router::router::{Mismatch, Router, Rule, Strategy};
    ///
    /// // explain needs no service: any provider type will do here
    /// let router = Router::<GitRequest, ()>::builder()
    ///     .provider("github", ())
    ///     .provider("gitea", ())
    ///     .rule(Rule::any().named("internal").subject("acme/internal-*").to(["gitea"]))
    ///     .rule(Rule::any().named("git").to(["github", "gitea"]))
    ///     .build()?;
    /// let why = router.explain("git.repository.get", Some("acme/x"), &RequestContext::new())?;
    /// assert_eq!(why.rule(), "git");
    /// assert_eq!(why.strategy(), Strategy::Failover);
    /// assert_eq!(why.providers().collect::<Vec<_>>(), ["github", "gitea"]);
    /// assert_eq!(why.skipped_rules()[0].mismatch(), &Mismatch::Subject);
    /// println!("{why}");
    /// # Ok::<(), mosaic_core::Error>(())
    /// ```
    pub fn explain(
        &self,
        operation: &str,
        subject: Option<&str>,
        context: &RequestContext,
    ) -> Result<RouteExplanation> {
        let kind = resolve::<R::Kind>(operation)?;
        Ok(self
            .shared
            .explain(&NamedOperation { kind, subject }, context))
    }
}

/// The operation of `K`'s family named `name`.
fn resolve<K: OpKind>(name: &str) -> Result<K> {
    if let Some(kind) = K::ALL.iter().copied().find(|k| k.name() == name) {
        return Ok(kind);
    }
    let family = K::FAMILY;
    let mut message = format!("`{name}` is not an operation of family {family}");
    if let Some(other) = Family::ALL
        .into_iter()
        .find(|f| f.operation_names().contains(&name))
    {
        message.push_str(&format!(" (it is one of family {other})"));
    } else {
        let near = nearest(name, K::NAMES, family.as_str().len() + 1);
        if !near.is_empty() {
            let list: Vec<String> = near.iter().map(|n| format!("`{n}`")).collect();
            message.push_str(&format!("; did you mean {}?", list.join(", ")));
        }
    }
    Err(Error::invalid_input("operation", message))
}

/// The names sharing the longest prefix with `name` (at most five), if
/// that prefix is longer than `floor` bytes (the family's `git.`).
fn nearest(name: &str, names: &[&'static str], floor: usize) -> Vec<&'static str> {
    let common = |n: &str| {
        n.bytes()
            .zip(name.bytes())
            .take_while(|(a, b)| a == b)
            .count()
    };
    let best = names.iter().map(|n| common(n)).max().unwrap_or(0);
    if best <= floor {
        return Vec::new();
    }
    names
        .iter()
        .copied()
        .filter(|n| common(n) == best)
        .take(5)
        .collect()
}

impl<R: Operation + 'static, S> Shared<R, S> {
    fn explain<O: Operation>(&self, op: &O, ctx: &RequestContext) -> RouteExplanation {
        let table = self.table.load();
        let chosen = table.select(op, ctx);
        let is_default = std::ptr::eq(chosen, &table.default);
        let before = table
            .rules
            .iter()
            .position(|r| std::ptr::eq(r, chosen))
            .unwrap_or(table.rules.len());
        let mut subject = None;
        let skipped_rules = table.rules[..before]
            .iter()
            .filter_map(|rule| {
                let failure = rule.conditions.failure(op, ctx, &mut subject);
                debug_assert!(failure.is_some(), "rule `{}` matches", rule.name);
                let (mismatch, expected, found) = rule.conditions.describe(failure?, op, ctx);
                Some(SkippedRule {
                    rule: rule.name.clone(),
                    mismatch,
                    expected,
                    found,
                })
            })
            .collect();

        let (order, note) = self.preview(chosen);
        let mut tried = 0u32;
        let candidates = order
            .as_slice()
            .iter()
            .map(|&i| {
                let slot = &self.slots[usize::from(i)];
                let skip = slot.skip_reason(op);
                let health = match &skip {
                    Some(SkipReason::Unhealthy(why)) => Health::Unavailable(why.clone()),
                    // not read by the router, shown all the same
                    Some(_) => slot.health_now(),
                    None => Health::Available,
                };
                let skip = skip
                    .or_else(|| (tried >= chosen.max_attempts).then_some(SkipReason::AttemptLimit));
                if skip.is_none() {
                    tried += 1;
                }
                Candidate {
                    name: slot.name.clone(),
                    health,
                    skip,
                    in_flight: slot.stats.in_flight.sum(),
                }
            })
            .collect();

        RouteExplanation {
            operation: op.name(),
            subject: op.subject().map(Cow::into_owned),
            rule: chosen.name.clone(),
            is_default,
            strategy: chosen.strategy,
            candidates,
            skipped_rules,
            max_attempts: chosen.max_attempts,
            note,
        }
    }

    /// The order a request matching `rule` would get now, without advancing
    /// any strategy state, and how it relates to the real order.
    fn preview(&self, rule: &CompiledRule) -> (Order, Option<&'static str>) {
        let c = &rule.candidates;
        match &rule.picker {
            Picker::Failover => (declared(c), None),
            Picker::RoundRobin { next } => (
                rotated(c, next.load(Ordering::Relaxed) % c.len()),
                Some(
                    "the order of the next request; the first candidate rotates with every request",
                ),
            ),
            Picker::SmoothWeighted { cycle, next } => (
                first_then_rest(
                    c,
                    usize::from(cycle[next.load(Ordering::Relaxed) % cycle.len()]),
                ),
                Some(
                    "the order of the next request; the first candidate follows the weighted cycle",
                ),
            ),
            Picker::WeightedRandom { .. } => (
                declared(c),
                Some(
                    "the rule's order; the first candidate is drawn at random in proportion to its weight",
                ),
            ),
            Picker::LeastOutstanding => (
                declared(c),
                Some(
                    "the rule's order; the first candidate is the less busy of two drawn at random",
                ),
            ),
            Picker::LowestLatency => (
                self.by_latency(c),
                Some("ranked by the current latency estimates, which change with every answer"),
            ),
            Picker::LowestCost => (
                declared(c),
                Some(
                    "the rule's order; the cost model ranks each typed request, which a name alone cannot give",
                ),
            ),
        }
    }
}

/// Where a request would be routed and why; see [`Router::explain`].
///
/// `Display` gives a readable multi-line account (names and patterns only):
///
/// ```text
/// operation git.repository.get, subject "acme/x"
/// skipped rule internal: subject "acme/x" does not match "acme/internal-*"
/// rule git (failover): github → gitea
///   github: skipped (health check failing)
///   gitea: available
/// at most 3 attempts
/// ```
#[derive(Debug, Clone)]
pub struct RouteExplanation {
    operation: &'static str,
    subject: Option<String>,
    rule: Arc<str>,
    is_default: bool,
    strategy: Strategy,
    candidates: Vec<Candidate>,
    skipped_rules: Vec<SkippedRule>,
    max_attempts: u32,
    note: Option<&'static str>,
}

impl RouteExplanation {
    /// The operation's name.
    pub fn operation(&self) -> &str {
        self.operation
    }

    /// The subject the rules were matched against, if any.
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// The name of the rule that matches (the default rule's when none does).
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// Whether no rule matched and the default rule applies.
    pub fn is_default(&self) -> bool {
        self.is_default
    }

    /// The matching rule's strategy.
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// The candidates in the order they would be tried, skipped ones included.
    pub fn candidates(&self) -> &[Candidate] {
        &self.candidates
    }

    /// The candidates' names in the order they would be tried.
    pub fn providers(&self) -> impl Iterator<Item = &str> + '_ {
        self.candidates.iter().map(Candidate::name)
    }

    /// The provider the request would be sent to first (the first candidate
    /// not skipped); `None` means the request would fail with `NoProvider`.
    pub fn target(&self) -> Option<&str> {
        self.candidates
            .iter()
            .find(|c| !c.is_skipped())
            .map(Candidate::name)
    }

    /// The rules before the matching one, each with the first condition it
    /// fails (every rule when the default applies).
    pub fn skipped_rules(&self) -> &[SkippedRule] {
        &self.skipped_rules
    }

    /// At most this many candidates are tried.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// How the shown order relates to the order a request would really get,
    /// for strategies whose order depends on chance, load, latency or cost
    /// (`None` for [`Strategy::Failover`], whose order is exact).
    pub fn note(&self) -> Option<&str> {
        self.note
    }
}

impl fmt::Display for RouteExplanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.subject {
            Some(s) => writeln!(f, "operation {}, subject {s:?}", self.operation)?,
            None => writeln!(f, "operation {}, no subject", self.operation)?,
        }
        for skipped in &self.skipped_rules {
            writeln!(f, "{skipped}")?;
        }
        write!(f, "rule {} (", self.rule)?;
        if self.is_default {
            f.write_str("default rule, ")?;
        }
        write!(f, "{}): ", self.strategy)?;
        for (i, c) in self.candidates.iter().enumerate() {
            if i > 0 {
                f.write_str(" → ")?;
            }
            f.write_str(c.name())?;
        }
        writeln!(f)?;
        for c in &self.candidates {
            writeln!(f, "  {c}")?;
        }
        write!(f, "at most {} attempts", self.max_attempts)?;
        if self.target().is_none() {
            write!(
                f,
                "\nno candidate can take it: the request fails with NoProvider"
            )?;
        }
        if let Some(note) = self.note {
            write!(f, "\nnote: {note}")?;
        }
        Ok(())
    }
}

/// One candidate of an explained route; see [`RouteExplanation::candidates`].
#[derive(Debug, Clone)]
pub struct Candidate {
    name: Arc<str>,
    health: Health,
    skip: Option<SkipReason>,
    in_flight: usize,
}

impl Candidate {
    /// The provider's registered name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its health now ([`Health::Available`] without a health source).
    pub fn health(&self) -> &Health {
        &self.health
    }

    /// Why the router would skip it, if it would.
    pub fn skip_reason(&self) -> Option<&SkipReason> {
        self.skip.as_ref()
    }

    /// Whether the router would skip it.
    pub fn is_skipped(&self) -> bool {
        self.skip.is_some()
    }

    /// Requests in flight at the provider through this router now.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }
}

impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.skip {
            Some(why) => write!(f, "{}: skipped ({why})", self.name),
            None => write!(f, "{}: available", self.name),
        }
    }
}

/// Why the router would not try a candidate (checked in this order).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// The provider's declared capabilities lack the operation.
    Incapable,
    /// The provider's health check reports it unavailable, for this reason
    /// (an open circuit breaker, a failing [`HealthFlag`](super::HealthFlag)).
    Unhealthy(Cow<'static, str>),
    /// The candidates before it that would be tried already reach the
    /// rule's attempt limit.
    AttemptLimit,
}

impl SkipReason {
    /// The reason as the router words it in a `NoProvider` error.
    pub(crate) fn into_message(self) -> Cow<'static, str> {
        match self {
            SkipReason::Incapable => Cow::Borrowed("lacks the capability"),
            SkipReason::Unhealthy(why) => why,
            SkipReason::AttemptLimit => Cow::Borrowed("attempt limit reached"),
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.clone().into_message())
    }
}

/// The condition of a rule that a request fails first (conditions are
/// checked in the order of the variants; labels in the order written).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mismatch {
    /// The operation name does not match the rule's operation glob.
    Operation,
    /// The operation is a read and the rule takes writes only, or the reverse.
    Access,
    /// The tenant (or its absence) does not match the rule's tenant glob.
    Tenant,
    /// The label with this key is missing or its value does not match.
    Label(Arc<str>),
    /// The subject (or its absence) does not match the rule's subject glob.
    Subject,
}

/// A rule that does not match, with the first condition it fails; see
/// [`RouteExplanation::skipped_rules`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRule {
    rule: Arc<str>,
    mismatch: Mismatch,
    expected: String,
    found: Option<String>,
}

impl SkippedRule {
    /// The rule's name.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// The condition that failed.
    pub fn mismatch(&self) -> &Mismatch {
        &self.mismatch
    }

    /// What the rule asks for: the glob as written, or `read` / `write`
    /// for [`Mismatch::Access`].
    pub fn expected(&self) -> &str {
        &self.expected
    }

    /// What the request has: the operation name, its access (`read` /
    /// `write`), the tenant, the label's value or the subject; `None` when
    /// the request has no tenant, no such label or no subject.
    pub fn found(&self) -> Option<&str> {
        self.found.as_deref()
    }
}

impl fmt::Display for SkippedRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "skipped rule {}: ", self.rule)?;
        let (what, expected) = (self.found.as_deref(), &self.expected);
        let condition = match &self.mismatch {
            Mismatch::Operation => Cow::Borrowed("operation"),
            Mismatch::Access => {
                let found = what.unwrap_or("?");
                return write!(
                    f,
                    "the operation is a {found}; the rule takes {expected}s only"
                );
            }
            Mismatch::Tenant => Cow::Borrowed("tenant"),
            Mismatch::Label(key) => Cow::Owned(format!("label {key}")),
            Mismatch::Subject => Cow::Borrowed("subject"),
        };
        match what {
            Some(found) => write!(f, "{condition} {found:?} does not match {expected:?}"),
            None => write!(f, "no {condition}; the rule wants {expected:?}"),
        }
    }
}
