//! Routing rules: [`Rule`] as a host writes it, and the compiled,
//! immutable table the router matches requests against.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use mosaic_core::{Access, Error, Family, OpKind, Operation, Request, RequestContext};

use super::explain::Mismatch;
use super::index::RuleIndex;
use super::strategy::{Picker, Strategy};
use crate::{Glob, KindSet};

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
    pub(crate) failover_on: Option<KindSet>,
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

    /// The error kinds that move a matching request on to the next
    /// candidate, instead of the router's [`FailoverPolicy`](super::FailoverPolicy):
    /// all of them for idempotent operations; for the others only those the
    /// router's policy also allows for them (a write is never repeated
    /// elsewhere on a kind that could mean it ran). `Unsupported` always
    /// moves on.
    pub fn failover_on(mut self, kinds: KindSet) -> Self {
        self.failover_on = Some(kinds);
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
///
/// The operation glob and the read/write condition are resolved when the
/// rule is compiled into one bit per operation of each family (operation
/// names are a closed set), so matching them is a bit test.
#[derive(Debug)]
pub(crate) struct Conditions {
    /// Per family (in [`Family::ALL`] order), the operations that pass.
    operations: Option<Box<[u128; 6]>>,
    /// The operation glob and access condition as written (the bits above
    /// decide; these only name the reason in an explanation).
    operation: Option<Glob>,
    access: Option<Access>,
    pub(super) subject: Option<Glob>,
    pub(super) tenant: Option<Glob>,
    pub(super) labels: Box<[(Arc<str>, Glob)]>,
}

/// The position of a family in [`Family::ALL`].
fn family_slot(f: Family) -> usize {
    match f {
        Family::Git => 0,
        Family::CiCd => 1,
        Family::Ai => 2,
        Family::KnowledgeBase => 3,
        Family::Workflow => 4,
        Family::Project => 5,
    }
}

/// Every operation of a family with its access, in capability-bit order.
fn family_operations(f: Family) -> Vec<(&'static str, Access)> {
    fn of<K: OpKind>() -> Vec<(&'static str, Access)> {
        K::ALL.iter().map(|k| (k.name(), k.meta().access)).collect()
    }
    match f {
        Family::Git => of::<mosaic_core::git::GitOp>(),
        Family::CiCd => of::<mosaic_core::cicd::CiCdOp>(),
        Family::Ai => of::<mosaic_core::ai::AiOp>(),
        Family::KnowledgeBase => of::<mosaic_core::kb::KbOp>(),
        Family::Workflow => of::<mosaic_core::workflow::WorkflowOp>(),
        Family::Project => of::<mosaic_core::project::ProjectOp>(),
    }
}

impl Conditions {
    fn of(rule: &Rule) -> Self {
        let keep = |g: &Option<Glob>| g.clone().filter(|g| !g.matches_everything());
        let operation = keep(&rule.operation);
        let operations = (operation.is_some() || rule.access.is_some()).then(|| {
            let mut bits = [0u128; 6];
            for f in Family::ALL {
                for (i, (name, access)) in family_operations(f).into_iter().enumerate().take(128) {
                    let op_ok = operation.as_ref().is_none_or(|g| g.is_match(name));
                    let access_ok = rule.access.is_none_or(|a| a == access);
                    if op_ok && access_ok {
                        bits[family_slot(f)] |= 1u128 << i;
                    }
                }
            }
            Box::new(bits)
        });
        Conditions {
            operations,
            operation,
            access: rule.access,
            subject: keep(&rule.subject),
            tenant: keep(&rule.tenant),
            labels: rule.labels.clone().into_boxed_slice(),
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
        self.admits_operation(op.family(), op.index()) && self.matches_context(op, ctx, subject)
    }

    /// Whether the operation and read/write conditions pass.
    fn admits_operation(&self, family: Family, index: u8) -> bool {
        let index = u32::from(index);
        match &self.operations {
            None => true,
            Some(bits) => index < 128 && (bits[family_slot(family)] >> index) & 1 == 1,
        }
    }

    /// The conditions other than the operation's.
    #[inline]
    pub(super) fn matches_context<'r, R: Operation>(
        &self,
        op: &'r R,
        ctx: &RequestContext,
        subject: &mut Option<Option<Cow<'r, str>>>,
    ) -> bool {
        self.context_failure(op, ctx, subject).is_none()
    }

    /// The first of the conditions other than the operation's that fails:
    /// tenant, then labels in the order written, then subject.
    #[inline]
    fn context_failure<'r, R: Operation>(
        &self,
        op: &'r R,
        ctx: &RequestContext,
        subject: &mut Option<Option<Cow<'r, str>>>,
    ) -> Option<Failure> {
        if let Some(g) = &self.tenant
            && !g.is_match(ctx.tenant().unwrap_or(""))
        {
            return Some(Failure::Tenant);
        }
        for (i, (k, g)) in self.labels.iter().enumerate() {
            match ctx.label(k) {
                Some(v) if g.is_match(v) => {}
                _ => return Some(Failure::Label(i)),
            }
        }
        if let Some(g) = &self.subject {
            let s = subject.get_or_insert_with(|| op.subject());
            if !g.is_match(s.as_deref().unwrap_or("")) {
                return Some(Failure::Subject);
            }
        }
        None
    }

    /// The first condition that fails for `op` in `ctx`, in matching order
    /// (operation and read/write, tenant, labels, subject); `None` when the
    /// rule matches.
    pub(crate) fn failure<'r, R: Operation>(
        &self,
        op: &'r R,
        ctx: &RequestContext,
        subject: &mut Option<Option<Cow<'r, str>>>,
    ) -> Option<Failure> {
        if !self.admits_operation(op.family(), op.index()) {
            return Some(Failure::Operation);
        }
        self.context_failure(op, ctx, subject)
    }

    /// Describe `failure` (from [`Self::failure`] on the same request) for
    /// people: which condition, what the rule asks, what the request has.
    pub(crate) fn describe<R: Operation>(
        &self,
        failure: Failure,
        op: &R,
        ctx: &RequestContext,
    ) -> (Mismatch, String, Option<String>) {
        let glob = |g: &Option<Glob>| g.as_ref().map_or("*", Glob::as_str).to_owned();
        match failure {
            Failure::Operation => {
                let name = op.name();
                match (&self.operation, self.access) {
                    (Some(g), _) if !g.is_match(name) => (
                        Mismatch::Operation,
                        g.as_str().to_owned(),
                        Some(name.to_owned()),
                    ),
                    (_, Some(access)) => (
                        Mismatch::Access,
                        access_name(access).to_owned(),
                        Some(access_name(op.access()).to_owned()),
                    ),
                    // Unreachable for real operations (both conditions hold
                    // yet the bit is clear): report the operation.
                    _ => (
                        Mismatch::Operation,
                        glob(&self.operation),
                        Some(name.to_owned()),
                    ),
                }
            }
            Failure::Tenant => (
                Mismatch::Tenant,
                glob(&self.tenant),
                ctx.tenant().map(str::to_owned),
            ),
            Failure::Label(i) => {
                let (key, g) = &self.labels[i];
                (
                    Mismatch::Label(key.clone()),
                    g.as_str().to_owned(),
                    ctx.label(key).map(str::to_owned),
                )
            }
            Failure::Subject => (
                Mismatch::Subject,
                glob(&self.subject),
                op.subject().map(Cow::into_owned),
            ),
        }
    }
}

/// `read` or `write`.
pub(crate) fn access_name(access: Access) -> &'static str {
    match access {
        Access::Read => "read",
        Access::Write => "write",
    }
}

/// Which condition of a rule failed first (cheap to return on the hot path;
/// an explanation turns it into a [`Mismatch`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The operation glob or the read/write condition.
    Operation,
    /// The tenant glob.
    Tenant,
    /// The label condition at this position.
    Label(usize),
    /// The subject glob.
    Subject,
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
    pub(crate) failover_on: Option<KindSet>,
}

/// The immutable rule table (replaced whole, never edited).
#[derive(Debug)]
pub(crate) struct RuleTable {
    pub(crate) rules: Box<[CompiledRule]>,
    /// Per family (in [`Family::ALL`] order) and operation index, the
    /// index (in `indexes`) over the rules whose operation and read/write
    /// conditions admit it: a request only looks at those.
    by_operation: [Box<[u32]>; 6],
    /// One index per distinct set of admitted rules (operations admitted
    /// by the same rules share one).
    indexes: Box<[RuleIndex]>,
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
        if compiled.len() > usize::from(u16::MAX) {
            return Err(Error::config("router: too many rules"));
        }
        let mut distinct: HashMap<Vec<u16>, u32> = HashMap::new();
        let mut indexes = Vec::new();
        let by_operation = Family::ALL.map(|f| {
            (0..f.operation_names().len().min(128))
                .map(|i| {
                    let admitted: Vec<u16> = compiled
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| r.conditions.admits_operation(f, i as u8))
                        .map(|(n, _)| n as u16)
                        .collect();
                    *distinct.entry(admitted).or_insert_with_key(|admitted| {
                        indexes.push(RuleIndex::build(&compiled, admitted));
                        (indexes.len() - 1) as u32
                    })
                })
                .collect()
        });
        Ok(RuleTable {
            rules: compiled.into_boxed_slice(),
            by_operation,
            indexes: indexes.into_boxed_slice(),
            default,
            tracks_latency,
        })
    }

    /// The first matching rule, or the default.
    pub(crate) fn select<R: Operation>(&self, op: &R, ctx: &RequestContext) -> &CompiledRule {
        let Some(&index) = self.by_operation[family_slot(op.family())].get(usize::from(op.index()))
        else {
            return &self.default;
        };
        match self.indexes[index as usize].first_match(&self.rules, op, ctx) {
            Some(pos) => &self.rules[pos],
            None => &self.default,
        }
    }

    /// The first matching rule by a scan of every rule in order (what the
    /// index must agree with).
    #[cfg(test)]
    pub(crate) fn select_linear<R: Operation>(
        &self,
        op: &R,
        ctx: &RequestContext,
    ) -> &CompiledRule {
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
        failover_on: rule.failover_on,
    })
}
