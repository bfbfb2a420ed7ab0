//! What middleware knows about an operation without knowing its family:
//! the [`Operation`] trait, its [`OpMeta`] classes, and [`Capabilities`].

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The six provider families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Git forges (GitHub, Gitea, GitLab, Bitbucket).
    Git,
    /// CI/CD systems.
    #[serde(rename = "cicd")]
    CiCd,
    /// AI / LLM APIs.
    Ai,
    /// Knowledge bases and wikis.
    #[serde(rename = "kb")]
    KnowledgeBase,
    /// Workflow engines.
    Workflow,
    /// Issue trackers.
    Project,
}

impl Family {
    /// Every family.
    pub const ALL: [Family; 6] = [
        Family::Git,
        Family::CiCd,
        Family::Ai,
        Family::KnowledgeBase,
        Family::Workflow,
        Family::Project,
    ];

    /// The short name used in operation names, tags and manifests.
    pub const fn as_str(self) -> &'static str {
        match self {
            Family::Git => "git",
            Family::CiCd => "cicd",
            Family::Ai => "ai",
            Family::KnowledgeBase => "kb",
            Family::Workflow => "workflow",
            Family::Project => "project",
        }
    }

    /// Every operation name of the family, in capability-bit order.
    pub fn operation_names(self) -> &'static [&'static str] {
        match self {
            Family::Git => <crate::git::GitOp as OpKind>::NAMES,
            Family::CiCd => <crate::cicd::CiCdOp as OpKind>::NAMES,
            Family::Ai => <crate::ai::AiOp as OpKind>::NAMES,
            Family::KnowledgeBase => <crate::kb::KbOp as OpKind>::NAMES,
            Family::Workflow => <crate::workflow::WorkflowOp as OpKind>::NAMES,
            Family::Project => <crate::project::ProjectOp as OpKind>::NAMES,
        }
    }

    /// Parse a short name (`"git"`, `"cicd"`, …).
    pub fn parse(s: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an operation reads or changes provider state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// No side effects.
    Read,
    /// Changes state.
    Write,
}

/// The class of an operation: what the middleware may do with it.
///
/// Each operation of each family is declared with one of the constants in
/// [`meta`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpMeta {
    /// Read or write.
    pub access: Access,
    /// Whether repeating it has no further effect (safe to retry).
    pub idempotent: bool,
    /// Whether its result may be cached (deterministic reads only).
    pub cacheable: bool,
    /// For writes: invalidate every cached read of the family (used where
    /// the request does not name the scope it changes), instead of the
    /// subject's scope.
    pub broad: bool,
}

/// The operation classes.
pub mod meta {
    use super::{Access, OpMeta};

    /// A deterministic read: idempotent and cacheable.
    pub const READ: OpMeta = OpMeta {
        access: Access::Read,
        idempotent: true,
        cacheable: true,
        broad: false,
    };
    /// A read whose answer changes by itself or is generated (logs, chat,
    /// streams): retry-safe but never cached.
    pub const LIVE: OpMeta = OpMeta {
        access: Access::Read,
        idempotent: true,
        cacheable: false,
        broad: false,
    };
    /// A write that creates something: repeating it creates another (or conflicts).
    pub const CREATE: OpMeta = OpMeta {
        access: Access::Write,
        idempotent: false,
        cacheable: false,
        broad: false,
    };
    /// A write that sets state (update, delete, protect): repeating it is harmless.
    pub const SET: OpMeta = OpMeta {
        access: Access::Write,
        idempotent: true,
        cacheable: false,
        broad: false,
    };
    /// [`CREATE`] whose scope is not named by the request.
    pub const CREATE_BROAD: OpMeta = OpMeta {
        broad: true,
        ..CREATE
    };
    /// [`SET`] whose scope is not named by the request.
    pub const SET_BROAD: OpMeta = OpMeta { broad: true, ..SET };
}

/// What every family's request enum tells the middleware.
///
/// Generated for each family by the crate's `define_family!` macro;
/// the router, retry, cache and trace layers read only this.
pub trait Operation {
    /// The family.
    fn family(&self) -> Family;
    /// Stable operation name, e.g. `git.repository.create`.
    fn name(&self) -> &'static str;
    /// Position of the operation in its family (its capability bit).
    fn index(&self) -> u8;
    /// The operation's class.
    fn meta(&self) -> OpMeta;
    /// What the operation acts on, for routing rules: `owner/repo`, a
    /// project path, a space key, a model name. `None` when it has no scope.
    fn subject(&self) -> Option<Cow<'_, str>>;

    /// Read or write.
    fn access(&self) -> Access {
        self.meta().access
    }
    /// Whether it is a read.
    fn is_read(&self) -> bool {
        self.meta().access == Access::Read
    }
    /// Whether repeating it is safe.
    fn is_idempotent(&self) -> bool {
        self.meta().idempotent
    }
    /// Whether its result may be cached.
    fn is_cacheable(&self) -> bool {
        self.meta().cacheable
    }
    /// The cache key of a cacheable read (the operation name and its
    /// parameters); `None` for everything else. The tenant is *not* part of
    /// it: a cache adds it.
    ///
    /// This is the text a shared cache tier (Redis) files the entry under,
    /// stable across processes; it serializes the parameters to JSON. The
    /// in-memory tier keys by [`hash_cache_key`](Self::hash_cache_key)
    /// instead, which builds no text.
    fn cache_key(&self) -> Option<String>;
    /// Feed the identity of a cacheable read — its name and its parameters —
    /// into `state` in one pass, without building [`cache_key`](Self::cache_key)'s
    /// text. Returns `false` (the state is then meaningless) for an
    /// operation that is not cacheable.
    ///
    /// Two reads that would have equal `cache_key`s feed equal bytes; reads
    /// with different names or parameters feed different bytes (see
    /// [`hashing`](crate::hashing)). The default feeds the text of
    /// `cache_key`; the family request enums stream their parameters
    /// instead (no allocation).
    fn hash_cache_key<H: std::hash::Hasher>(&self, state: &mut H) -> bool
    where
        Self: Sized,
    {
        match self.cache_key() {
            Some(key) => {
                state.write(key.as_bytes());
                state.write_u8(0xff);
                true
            }
            None => false,
        }
    }
    /// The tags a cached read is filed under (see [`read_tags`]).
    fn cache_tags(&self) -> Vec<String> {
        if self.is_cacheable() {
            read_tags(self.family(), self.subject().as_deref())
        } else {
            Vec::new()
        }
    }
    /// The tags a successful write invalidates (see [`write_invalidations`]).
    fn invalidates(&self) -> Vec<String> {
        let m = self.meta();
        if m.access == Access::Write {
            write_invalidations(self.family(), self.subject().as_deref(), m.broad)
        } else {
            Vec::new()
        }
    }
}

/// The tags of a cached read with `subject`: the family-wide tag
/// `"{family}:*"` and the scope tag `"{family}:{subject}"` (`"{family}:"`
/// without a subject).
pub fn read_tags(family: Family, subject: Option<&str>) -> Vec<String> {
    let f = family.as_str();
    vec![format!("{f}:*"), format!("{f}:{}", subject.unwrap_or(""))]
}

/// The tags a write with `subject` invalidates: the subject's scope and every
/// enclosing scope (`git:acme/tools`, `git:acme`, `git:`), so listings of the
/// owner and of the root are dropped too. A broad write, or one without a
/// subject, invalidates the family-wide tag `"{family}:*"`.
pub fn write_invalidations(family: Family, subject: Option<&str>, broad: bool) -> Vec<String> {
    let f = family.as_str();
    match subject {
        Some(s) if !broad => {
            let mut tags = vec![format!("{f}:{s}")];
            let mut rest = s;
            while let Some(i) = rest.rfind('/') {
                rest = &rest[..i];
                tags.push(format!("{f}:{rest}"));
            }
            if !s.is_empty() {
                tags.push(format!("{f}:"));
            }
            tags
        }
        _ => vec![format!("{f}:*")],
    }
}

/// A family's operation enum without payloads (`GitOp`, `AiOp`, …).
pub trait OpKind: Copy + Eq + fmt::Debug + Send + Sync + 'static {
    /// The family.
    const FAMILY: Family;
    /// Every operation, in capability-bit order.
    const ALL: &'static [Self];
    /// Every operation name, in the same order.
    const NAMES: &'static [&'static str];
    /// The capability bit.
    fn index(self) -> u8;
    /// The stable name.
    fn name(self) -> &'static str {
        Self::NAMES[self.index() as usize]
    }
    /// The class.
    fn meta(self) -> OpMeta;
}

/// The set of operations a provider supports.
///
/// A bit set over the family's operations: checking it is one AND.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Capabilities {
    family: Family,
    bits: u128,
}

impl Capabilities {
    /// No operation of `K`'s family.
    pub fn none<K: OpKind>() -> Self {
        Capabilities {
            family: K::FAMILY,
            bits: 0,
        }
    }

    /// Every operation of `K`'s family.
    pub fn all<K: OpKind>() -> Self {
        Self::of(K::ALL.iter().copied())
    }

    /// Exactly the given operations.
    pub fn of<K: OpKind>(ops: impl IntoIterator<Item = K>) -> Self {
        ops.into_iter().fold(Self::none::<K>(), |c, k| c.with(k))
    }

    /// Add one operation.
    pub fn with<K: OpKind>(mut self, op: K) -> Self {
        debug_assert_eq!(K::FAMILY, self.family);
        self.bits |= 1u128 << op.index();
        self
    }

    /// Remove one operation.
    pub fn without<K: OpKind>(mut self, op: K) -> Self {
        debug_assert_eq!(K::FAMILY, self.family);
        self.bits &= !(1u128 << op.index());
        self
    }

    /// The family.
    pub fn family(&self) -> Family {
        self.family
    }

    /// Whether `op` is supported.
    pub fn supports<K: OpKind>(&self, op: K) -> bool {
        K::FAMILY == self.family && self.bits & (1u128 << op.index()) != 0
    }

    /// Whether the operation of a request is supported.
    pub fn supports_operation(&self, op: &(impl Operation + ?Sized)) -> bool {
        op.family() == self.family && self.bits & (1u128 << op.index()) != 0
    }

    /// Whether the operation with this name is supported.
    pub fn supports_name(&self, name: &str) -> bool {
        self.names().any(|n| n == name)
    }

    /// The names of the supported operations.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.family
            .operation_names()
            .iter()
            .enumerate()
            .filter(|(i, _)| self.bits & (1u128 << i) != 0)
            .map(|(_, n)| *n)
    }

    /// How many operations are supported.
    pub fn len(&self) -> usize {
        self.bits.count_ones() as usize
    }

    /// Whether no operation is supported.
    pub fn is_empty(&self) -> bool {
        self.bits == 0
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Capabilities")
            .field("family", &self.family)
            .field("operations", &self.names().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalidation_walks_enclosing_scopes() {
        assert_eq!(
            write_invalidations(Family::Git, Some("acme/tools"), false),
            ["git:acme/tools", "git:acme", "git:"]
        );
        assert_eq!(write_invalidations(Family::Git, None, false), ["git:*"]);
        assert_eq!(
            write_invalidations(Family::KnowledgeBase, Some("x"), true),
            ["kb:*"]
        );
        assert_eq!(read_tags(Family::Git, Some("acme")), ["git:*", "git:acme"]);
        assert_eq!(read_tags(Family::Git, None), ["git:*", "git:"]);
    }
}
