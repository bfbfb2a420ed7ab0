//! Routing rules: [`Rule`] as a host writes it, and the compiled,
//! immutable table the router matches requests against.

use std::borrow::Cow;
use std::sync::Arc;

use mosaic_core::{Access, Error, Operation, Request, RequestContext};

use super::strategy::{Picker, Strategy};
use crate::Glob;

/// One routing rule: conditions on the request, and the providers that
/// take a matching request with the strategy that orders them.
///
/// Every condition that is set must hold; a rule without conditions
/// ([`Rule::any`]) matches everything. A missing subject or tenant is
/// matched as the empty string; a label condition needs the label present.
///
/// ```
/// use mosaic_router::router::{Rule, Strategy};
/// let internal = Rule::any()
///     .named("internal")
///     .subject("internal-*")
///     .writes()
///     .to(["gitea"]);
/// let reads = Rule::any()
///     .operation("git.*.get")
///     .tenant("acme")
///     .label("region", "eu-*")
///     .to_weighted([("github", 3), ("gitea", 1)])
///     .strategy(Strategy::WeightedRoundRobin)
///     .max_attempts(2);
/// # let _ = (internal, reads);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Rule {
    pub(crate) name: Option<Arc<str>>,
    pub(crate) operation: Option<Glob>,
    pub(crate) subject: Option<Glob>,
    pub(crate) tenant: Option<Glob>,
    pub(crate) labels: Vec<(Arc<str>, Glob)>,
    pub(crate) access: Option<Access>,
    pub(crate) candidates: Vec<(Arc<str>, u32)>,
    pub(crate) strategy: Strategy,
    pub(crate) max_attempts: Option<u32>,
}

impl Rule {
    /// A rule that matches every request (add conditions to narrow it).
    pub fn any() -> Self {
        Rule::default()
    }

    /// Name the rule (shown in errors and traces; `rule-<n>` otherwise).
    pub fn named(mut self, name: impl Into<Arc<str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Match operation names (`git.repository.*`, `ai.chat`).
    pub fn operation(mut self, glob: impl Into<Glob>) -> Self {
        self.operation = Some(glob.into());
        self
    }

    /// Match the operation's subject (`org/*`, `internal-*`, a model name).
    pub fn subject(mut self, glob: impl Into<Glob>) -> Self {
        self.subject = Some(glob.into());
        self
    }

    /// Match the request's tenant.
    pub fn tenant(mut self, glob: impl Into<Glob>) -> Self {
        self.tenant = Some(glob.into());
        self
    }

    /// Match a context label's value (the label must be present).
    pub fn label(mut self, key: impl Into<Arc<str>>, value: impl Into<Glob>) -> Self {
        self.labels.push((key.into(), value.into()));
        self
    }

    /// Match reads only.
    pub fn reads(mut self) -> Self {
        self.access = Some(Access::Read);
        self
    }

    /// Match writes only.
    pub fn writes(mut self) -> Self {
        self.access = Some(Access::Write);
        self
    }

    /// The candidate providers, by registered name, each with weight 1.
    pub fn to<I, N>(mut self, providers: I) -> Self
    where
        I: IntoIterator<Item = N>,
        N: Into<Arc<str>>,
    {
        self.candidates = providers.into_iter().map(|n| (n.into(), 1)).collect();
        self
    }

    /// The candidate providers with weights (for the weighted strategies).
    pub fn to_weighted<I, N>(mut self, providers: I) -> Self
    where
        I: IntoIterator<Item = (N, u32)>,
        N: Into<Arc<str>>,
    {
        self.candidates = providers.into_iter().map(|(n, w)| (n.into(), w)).collect();
        self
    }

    /// How the candidates are ordered ([`Strategy::Failover`] by default).
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// At most this many providers are tried for one request (the router's
    /// default otherwise).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    /// The rule's name, if set.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The candidate names, in order.
    pub fn candidates(&self) -> impl Iterator<Item = &str> {
        self.candidates.iter().map(|(n, _)| &**n)
    }

    /// Whether the rule's conditions hold for `request`.
    pub fn matches<R: Operation>(&self, request: &Request<R>) -> bool {
        let mut subject = None;
        Conditions::of(self).matches(&request.operation, &request.context, &mut subject)
    }
}

/// A rule's conditions, compiled.
#[derive(Debug)]
pub(crate) struct Conditions {
    operation: Option<Glob>,
    subject: Option<Glob>,
    tenant: Option<Glob>,
    labels: Box<[(Arc<str>, Glob)]>,
    access: Option<Access>,
}

impl Conditions {
    fn of(rule: &Rule) -> Self {
        let keep = |g: &Option<Glob>| g.clone().filter(|g| !g.matches_everything());
        Conditions {
            operation: keep(&rule.operation),
            subject: keep(&rule.subject),
            tenant: keep(&rule.tenant),
            labels: rule.labels.clone().into_boxed_slice(),
            access: rule.access,
        }
    }

    /// Cheap conditions first; the subject (which some operations format)
    /// is computed at most once per request and shared across rules.
    pub(crate) fn matches<'r, R: Operation>(
        &self,
        op: &'r R,
        ctx: &RequestContext,
        subject: &mut Option<Option<Cow<'r, str>>>,
    ) -> bool {
        if let Some(a) = self.access
            && op.access() != a {
                return false;
            }
        if let Some(g) = &self.operation
            && !g.is_match(op.name()) {
                return false;
            }
        if let Some(g) = &self.tenant
            && !g.is_match(ctx.tenant().unwrap_or("")) {
                return false;
            }
        for (k, g) in self.labels.iter() {
            match ctx.label(k) {
                Some(v) if g.is_match(v) => {}
                _ => return false,
            }
        }
        if let Some(g) = &self.subject {
            let s = subject.get_or_insert_with(|| op.subject());
            if !g.is_match(s.as_deref().unwrap_or("")) {
                return false;
            }
        }
        true
    }
}

/// A rule ready to serve: conditions, candidate provider indices, strategy state.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub(crate) name: Arc<str>,
    pub(crate) conditions: Conditions,
    pub(crate) candidates: Box<[u16]>,
    pub(crate) strategy: Strategy,
    pub(crate) picker: Picker,
    pub(crate) max_attempts: u32,
}

/// The immutable rule table (replaced whole, never edited).
#[derive(Debug)]
pub(crate) struct RuleTable {
    pub(crate) rules: Box<[CompiledRule]>,
    pub(crate) default: CompiledRule,
    /// Whether some rule ranks by latency (then attempts are timed).
    pub(crate) tracks_latency: bool,
}

/// What compiling a table needs to know about the router.
pub(crate) struct CompileEnv<'a> {
    pub(crate) providers: &'a [Arc<str>],
    pub(crate) has_cost_model: bool,
    pub(crate) max_attempts: u32,
}

impl RuleTable {
    pub(crate) fn compile(
        rules: &[Rule],
        default: Option<&Rule>,
        env: &CompileEnv<'_>,
    ) -> Result<RuleTable, Error> {
        let compiled = rules
            .iter()
            .enumerate()
            .map(|(i, r)| compile_rule(r, &format!("rule-{}", i + 1), env))
            .collect::<Result<Vec<_>, _>>()?;
        let default = match default {
            Some(r) => compile_rule(r, "default", env)?,
            None => {
                let all = Rule::any()
                    .named("default")
                    .to(env.providers.iter().cloned());
                compile_rule(&all, "default", env)?
            }
        };
        let tracks_latency = compiled
            .iter()
            .chain(std::iter::once(&default))
            .any(|r| r.strategy == Strategy::LowestLatency);
        Ok(RuleTable {
            rules: compiled.into_boxed_slice(),
            default,
            tracks_latency,
        })
    }

    /// The first matching rule, or the default.
    pub(crate) fn select<R: Operation>(&self, op: &R, ctx: &RequestContext) -> &CompiledRule {
        let mut subject = None;
        self.rules
            .iter()
            .find(|r| r.conditions.matches(op, ctx, &mut subject))
            .unwrap_or(&self.default)
    }
}

fn compile_rule(rule: &Rule, fallback: &str, env: &CompileEnv<'_>) -> Result<CompiledRule, Error> {
    let name: Arc<str> = rule.name.clone().unwrap_or_else(|| fallback.into());
    let place = |msg: String| Error::config(format!("routing rule `{name}`: {msg}"));
    if rule.candidates.is_empty() {
        return Err(place("no candidate providers".into()));
    }
    if rule.candidates.len() > usize::from(u16::MAX) {
        return Err(place("too many candidates".into()));
    }
    let mut candidates = Vec::with_capacity(rule.candidates.len());
    let mut weights = Vec::with_capacity(rule.candidates.len());
    for (cand, weight) in &rule.candidates {
        let Some(idx) = env.providers.iter().position(|p| p == cand) else {
            return Err(place(format!("unknown provider `{cand}`")));
        };
        if candidates.contains(&(idx as u16)) {
            return Err(place(format!("provider `{cand}` listed twice")));
        }
        if *weight == 0 {
            return Err(place(format!("provider `{cand}` has weight 0")));
        }
        candidates.push(idx as u16);
        weights.push(*weight);
    }
    if rule.strategy == Strategy::LowestCost && !env.has_cost_model {
        return Err(place(
            "strategy LowestCost needs a cost model (RouterBuilder::cost_model)".into(),
        ));
    }
    let picker = Picker::new(rule.strategy, &weights).map_err(place)?;
    Ok(CompiledRule {
        name,
        conditions: Conditions::of(rule),
        candidates: candidates.into_boxed_slice(),
        strategy: rule.strategy,
        picker,
        max_attempts: rule.max_attempts.unwrap_or(env.max_attempts).max(1),
    })
}
