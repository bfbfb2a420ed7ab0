//! The rule index: which rules a request can match, found by lookups
//! instead of a scan, with first-match order kept.
//!
//! Each rule is filed under one *anchor*, a condition every request it
//! matches must meet and that a lookup can find: an exact tenant, subject
//! or label value, or a literal prefix of one (`org/*`). Rules with no such
//! condition (only wildcard patterns like `*-prod`, or none at all) are
//! kept in a list looked at for every request. A request gathers the lists
//! of the anchors its values hit, and in each list checks the rules in
//! order — all of their conditions, as the scan would — stopping at the
//! first match or at the best position found so far in another list. The
//! lowest matching position wins: the rule a scan in order would pick.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use mosaic_core::{Operation, RequestContext};

use super::rule::{CompiledRule, Conditions};

/// Positions in the rule table, ascending.
type Positions = Box<[u16]>;

/// A fast hash for the short strings of rule values (the keys come from
/// the host's rules, so flooding a bucket is not a concern).
#[derive(Default)]
pub(crate) struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        let mut tail = 0u64;
        for (i, b) in chunks.remainder().iter().enumerate() {
            tail |= u64::from(*b) << (8 * i);
        }
        self.0 = (self.0.rotate_left(5) ^ tail ^ bytes.len() as u64).wrapping_mul(K);
    }

    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

type Map<V> = HashMap<Box<str>, V, BuildHasherDefault<WordHasher>>;

/// Rules anchored on one value: exact values and literal prefixes.
#[derive(Debug, Default)]
struct Dimension {
    exact: Map<Positions>,
    prefix: Map<Positions>,
    /// The distinct prefix lengths (bytes), ascending.
    prefix_lens: Box<[usize]>,
    /// The lowest position filed here (`u16::MAX` when none).
    first: u16,
}

impl Dimension {
    fn build(exact: Map<Vec<u16>>, prefix: Map<Vec<u16>>) -> Self {
        let mut lens: Vec<usize> = prefix.keys().map(|k| k.len()).collect();
        lens.sort_unstable();
        lens.dedup();
        let first = exact
            .values()
            .chain(prefix.values())
            .filter_map(|v| v.first().copied())
            .min()
            .unwrap_or(u16::MAX);
        let freeze = |m: Map<Vec<u16>>| {
            m.into_iter()
                .map(|(k, v)| (k, v.into_boxed_slice()))
                .collect()
        };
        Dimension {
            exact: freeze(exact),
            prefix: freeze(prefix),
            prefix_lens: lens.into_boxed_slice(),
            first,
        }
    }

    fn is_empty(&self) -> bool {
        self.first == u16::MAX
    }

    /// Call `f` with every list whose anchor `value` meets.
    #[inline]
    fn lookup<'a>(&'a self, value: &str, mut f: impl FnMut(&'a [u16])) {
        if let Some(list) = self.exact.get(value) {
            f(list);
        }
        for &len in self.prefix_lens.iter() {
            if len > value.len() {
                break;
            }
            if value.is_char_boundary(len)
                && let Some(list) = self.prefix.get(&value[..len])
            {
                f(list);
            }
        }
    }
}

/// Where a rule is filed.
enum Anchor<'a> {
    Tenant(Kind<'a>),
    Subject(Kind<'a>),
    Label(&'a Arc<str>, Kind<'a>),
    None,
}

enum Kind<'a> {
    Exact(&'a str),
    Prefix(&'a str),
}

impl Kind<'_> {
    fn is_exact(&self) -> bool {
        matches!(self, Kind::Exact(_))
    }
}

fn kind(g: &crate::Glob) -> Option<Kind<'_>> {
    g.literal()
        .map(Kind::Exact)
        .or_else(|| g.literal_prefix().map(Kind::Prefix))
}

/// The anchor of a rule: an exact value before a prefix; among those the
/// tenant, then a label, then the subject (which some operations format,
/// so it is looked up last).
fn anchor(c: &Conditions) -> Anchor<'_> {
    let tenant = c.tenant.as_ref().and_then(kind);
    let label = c
        .labels
        .iter()
        .filter_map(|(k, g)| kind(g).map(|v| (k, v)))
        .min_by_key(|(_, v)| !v.is_exact());
    let subject = c.subject.as_ref().and_then(kind);
    let exact = |k: &Option<Kind<'_>>| k.as_ref().is_some_and(Kind::is_exact);
    if exact(&tenant) {
        return Anchor::Tenant(tenant.expect("checked"));
    }
    if label.as_ref().is_some_and(|(_, v)| v.is_exact()) {
        let (k, v) = label.expect("checked");
        return Anchor::Label(k, v);
    }
    if exact(&subject) {
        return Anchor::Subject(subject.expect("checked"));
    }
    if let Some(t) = tenant {
        return Anchor::Tenant(t);
    }
    if let Some((k, v)) = label {
        return Anchor::Label(k, v);
    }
    match subject {
        Some(s) => Anchor::Subject(s),
        None => Anchor::None,
    }
}

/// Lists under construction for one dimension.
#[derive(Default)]
struct DimensionBuilder {
    exact: Map<Vec<u16>>,
    prefix: Map<Vec<u16>>,
}

impl DimensionBuilder {
    fn add(&mut self, k: Kind<'_>, pos: u16) {
        let (map, key) = match k {
            Kind::Exact(v) => (&mut self.exact, v),
            Kind::Prefix(v) => (&mut self.prefix, v),
        };
        map.entry(key.into()).or_default().push(pos);
    }

    fn build(self) -> Dimension {
        Dimension::build(self.exact, self.prefix)
    }
}

/// The index over the rules that admit one set of operations.
#[derive(Debug)]
pub(crate) struct RuleIndex {
    /// Rules without an anchor: looked at for every request.
    scan: Positions,
    tenant: Dimension,
    subject: Dimension,
    /// Per label key.
    labels: Box<[(Arc<str>, Dimension)]>,
}

impl RuleIndex {
    /// Index the rules at `positions` (ascending) of `rules`.
    pub(crate) fn build(rules: &[CompiledRule], positions: &[u16]) -> Self {
        let mut scan = Vec::new();
        let mut tenant = DimensionBuilder::default();
        let mut subject = DimensionBuilder::default();
        let mut labels: Vec<(Arc<str>, DimensionBuilder)> = Vec::new();
        for &pos in positions {
            match anchor(&rules[usize::from(pos)].conditions) {
                Anchor::Tenant(k) => tenant.add(k, pos),
                Anchor::Subject(k) => subject.add(k, pos),
                Anchor::Label(key, k) => {
                    let at = match labels.iter().position(|(n, _)| n == key) {
                        Some(at) => at,
                        None => {
                            labels.push((key.clone(), DimensionBuilder::default()));
                            labels.len() - 1
                        }
                    };
                    labels[at].1.add(k, pos);
                }
                Anchor::None => scan.push(pos),
            }
        }
        RuleIndex {
            scan: scan.into_boxed_slice(),
            tenant: tenant.build(),
            subject: subject.build(),
            labels: labels.into_iter().map(|(k, b)| (k, b.build())).collect(),
        }
    }

    /// The position of the first rule matching the request, if any.
    pub(crate) fn first_match<R: Operation>(
        &self,
        rules: &[CompiledRule],
        op: &R,
        ctx: &RequestContext,
    ) -> Option<usize> {
        let mut subject = None;
        let mut best = usize::MAX;
        look(rules, &self.scan, op, ctx, &mut subject, &mut best);
        if !self.tenant.is_empty() {
            let t = ctx.tenant().unwrap_or("");
            self.tenant
                .lookup(t, |l| look(rules, l, op, ctx, &mut subject, &mut best));
        }
        for (key, dim) in self.labels.iter() {
            if let Some(v) = ctx.label(key) {
                dim.lookup(v, |l| look(rules, l, op, ctx, &mut subject, &mut best));
            }
        }
        if !self.subject.is_empty() && usize::from(self.subject.first) < best {
            let owned = subject.take().unwrap_or_else(|| op.subject());
            let text = owned.as_deref().unwrap_or("");
            let mut cache = Some(owned.as_deref().map(Cow::Borrowed));
            self.subject
                .lookup(text, |l| look(rules, l, op, ctx, &mut cache, &mut best));
        }
        (best != usize::MAX).then_some(best)
    }
}

/// Check the rules of `list` in order, up to the best position so far;
/// the first that matches becomes the best.
#[inline]
fn look<'r, R: Operation>(
    rules: &[CompiledRule],
    list: &[u16],
    op: &'r R,
    ctx: &RequestContext,
    subject: &mut Option<Option<Cow<'r, str>>>,
    best: &mut usize,
) {
    for &pos in list {
        let pos = usize::from(pos);
        if pos >= *best {
            return;
        }
        if rules[pos].conditions.matches_context(op, ctx, subject) {
            *best = pos;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use mosaic_core::git::{BranchRef, GitRequest, ListIssues, RepoRef};
    use mosaic_core::{Request, RequestContext};
    use proptest::prelude::*;
    use proptest::test_runner::{RngAlgorithm, RngSeed};

    use super::super::rule::{CompileEnv, Rule, RuleTable};

    fn config(cases: u32) -> ProptestConfig {
        ProptestConfig {
            cases,
            rng_algorithm: RngAlgorithm::ChaCha,
            rng_seed: RngSeed::Fixed(0x0069_6e64_6578), // "index"
            ..ProptestConfig::default()
        }
    }

    /// Values and patterns over a small alphabet, so that literals,
    /// prefixes and wildcards often meet the generated requests.
    fn pattern() -> impl Strategy<Value = String> {
        prop_oneof![
            "[ab/é]{0,4}",
            "[ab/é]{0,3}\\*",
            "\\*[ab/]{0,2}",
            "[ab/]{0,2}[*?][ab/]{0,2}",
            Just("*".to_owned()),
        ]
    }

    fn rule() -> impl Strategy<Value = Rule> {
        let op = prop::option::of(prop::sample::select(vec![
            "git.*",
            "git.repository.*",
            "git.*.get",
            "git.issue.list",
            "*.get",
        ]));
        let labels = prop::collection::vec((prop::sample::select(vec!["k", "z"]), pattern()), 0..3);
        (
            op,
            prop::option::of(pattern()),
            prop::option::of(pattern()),
            labels,
            prop::option::of(any::<bool>()),
        )
            .prop_map(|(op, subject, tenant, labels, reads)| {
                let mut r = Rule::any();
                if let Some(op) = op {
                    r = r.operation(op);
                }
                if let Some(s) = subject {
                    r = r.subject(s);
                }
                if let Some(t) = tenant {
                    r = r.tenant(t);
                }
                for (k, v) in labels {
                    r = r.label(k, v);
                }
                match reads {
                    Some(true) => r = r.reads(),
                    Some(false) => r = r.writes(),
                    None => {}
                }
                r.to(["p"])
            })
    }

    fn request() -> impl Strategy<Value = Request<GitRequest>> {
        let value = "[ab/é]{0,4}";
        (
            0..4usize,
            value,
            value,
            prop::option::of(value),
            prop::option::of(value),
            prop::option::of(value),
        )
            .prop_map(|(k, owner, name, tenant, label_k, label_z)| {
                let repo = RepoRef::new(&owner, &name);
                let op = match k {
                    0 => GitRequest::GetRepository(repo),
                    1 => GitRequest::CreateRepository(
                        mosaic_core::git::CreateRepository::new(&name).in_owner(&owner),
                    ),
                    2 => GitRequest::GetBranch(BranchRef::new(repo, "main")),
                    _ => GitRequest::ListIssues(ListIssues {
                        repo,
                        ..Default::default()
                    }),
                };
                let mut ctx = RequestContext::new();
                if let Some(t) = tenant {
                    ctx = ctx.with_tenant(t);
                }
                if let Some(v) = label_k {
                    ctx = ctx.with_label("k", v);
                }
                if let Some(v) = label_z {
                    ctx = ctx.with_label("z", v);
                }
                Request::with_context(ctx, op)
            })
    }

    proptest! {
        #![proptest_config(config(512))]

        /// The index picks the rule a scan of every rule in order picks.
        #[test]
        fn index_agrees_with_the_scan(
            rules in prop::collection::vec(rule(), 0..40),
            requests in prop::collection::vec(request(), 1..16),
        ) {
            let providers = ["p".into()];
            let env = CompileEnv { providers: &providers, has_cost_model: false, max_attempts: 3 };
            let table = RuleTable::compile(&rules, None, &env).expect("rules compile");
            for req in &requests {
                let indexed = table.select(&req.operation, &req.context);
                let scanned = table.select_linear(&req.operation, &req.context);
                prop_assert_eq!(&*indexed.name, &*scanned.name, "request {:?}", req);
            }
        }
    }
}
