//! [`Policy`]: which operations an agent may call, and as whom.

use mosaic::RequestContext;
use mosaic::config::file::McpSpec;
use mosaic::core::Access;
use mosaic::router::Glob;

/// The verbs (an operation name's last part) of destructive writes: they
/// lose data or cannot be taken back, so only an exact `allow` entry
/// enables them.
pub const DESTRUCTIVE_VERBS: &[&str] = &["delete", "remove", "merge", "cancel", "stop"];

/// Whether `operation` is destructive: its verb is one of
/// [`DESTRUCTIVE_VERBS`].
///
/// ```
/// assert!(mosaic_mcp::is_destructive("git.pull_request.merge"));
/// assert!(mosaic_mcp::is_destructive("workflow.execution.stop"));
/// assert!(!mosaic_mcp::is_destructive("git.pull_request.create"));
/// ```
pub fn is_destructive(operation: &str) -> bool {
    operation
        .rsplit('.')
        .next()
        .is_some_and(|verb| DESTRUCTIVE_VERBS.contains(&verb))
}

/// Whether a policy lets an agent call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Exposed: listed and callable.
    Allowed,
    /// A `deny` entry matches it.
    Denied,
    /// A write that no `allow` entry names.
    WriteNotAllowed,
    /// A destructive write that `allow` matches only by a glob; it must be
    /// named exactly.
    DestructiveNotNamed,
}

impl Decision {
    /// Whether the operation is exposed.
    pub fn is_allowed(self) -> bool {
        self == Decision::Allowed
    }
}

/// Which operations an agent sees and may call, and the tenant and
/// principal its calls run as: the `[mcp]` section of `mosaic.toml`.
///
/// Safe by default: reads are exposed, writes only when `allow` matches
/// them, destructive writes only when `allow` names them exactly, and
/// `deny` hides anything it matches.
///
/// ```
/// use mosaic::core::Access;
/// use mosaic_mcp::{Decision, Policy};
///
/// let policy = Policy::read_only()
///     .allow("git.pull_request.*")
///     .allow("git.branch.delete");
/// assert!(policy.decide("git.pull_request.list", Access::Read).is_allowed());
/// assert!(policy.decide("git.pull_request.create", Access::Write).is_allowed());
/// assert!(policy.decide("git.branch.delete", Access::Write).is_allowed());
/// // a glob does not enable a destructive write
/// assert_eq!(policy.decide("git.pull_request.merge", Access::Write), Decision::DestructiveNotNamed);
/// assert_eq!(policy.decide("git.repository.create", Access::Write), Decision::WriteNotAllowed);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Policy {
    allow: Vec<Glob>,
    deny: Vec<Glob>,
    tenant: Option<String>,
    principal: Option<String>,
}

impl Policy {
    /// Reads only, as no tenant or principal.
    pub fn read_only() -> Policy {
        Policy::default()
    }

    /// The policy the file's `[mcp]` section declares.
    pub fn from_spec(spec: &McpSpec) -> Policy {
        let mut policy = Policy::read_only();
        for entry in &spec.allow {
            policy = policy.allow(entry);
        }
        for entry in &spec.deny {
            policy = policy.deny(entry);
        }
        policy.tenant = spec.tenant.clone();
        policy.principal = spec.principal.clone();
        policy
    }

    /// Also expose the writes `pattern` (an operation name or a glob)
    /// matches; a destructive write only when `pattern` is its exact name.
    pub fn allow(mut self, pattern: impl AsRef<str>) -> Policy {
        self.allow.push(Glob::new(pattern));
        self
    }

    /// Hide every operation `pattern` matches, reads included.
    pub fn deny(mut self, pattern: impl AsRef<str>) -> Policy {
        self.deny.push(Glob::new(pattern));
        self
    }

    /// Run every call as `tenant`.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Policy {
        self.tenant = Some(tenant.into());
        self
    }

    /// Run every call as `principal`.
    pub fn principal(mut self, principal: impl Into<String>) -> Policy {
        self.principal = Some(principal.into());
        self
    }

    /// The tenant calls run as.
    pub fn tenant_name(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// The principal calls run as.
    pub fn principal_name(&self) -> Option<&str> {
        self.principal.as_deref()
    }

    /// Whether `operation` (of class `access`) is exposed, and if not why.
    pub fn decide(&self, operation: &str, access: Access) -> Decision {
        if self.deny.iter().any(|g| g.is_match(operation)) {
            return Decision::Denied;
        }
        if access == Access::Read {
            return Decision::Allowed;
        }
        if is_destructive(operation) {
            if self.allow.iter().any(|g| g.as_str() == operation) {
                Decision::Allowed
            } else if self.allow.iter().any(|g| g.is_match(operation)) {
                Decision::DestructiveNotNamed
            } else {
                Decision::WriteNotAllowed
            }
        } else if self.allow.iter().any(|g| g.is_match(operation)) {
            Decision::Allowed
        } else {
            Decision::WriteNotAllowed
        }
    }

    /// A fresh request context for one call: the tenant and principal, and
    /// the label `via = "mcp"` (which routing rules can match).
    pub fn context(&self) -> RequestContext {
        let mut context = RequestContext::new().with_label("via", "mcp");
        if let Some(t) = &self.tenant {
            context = context.with_tenant(t.clone());
        }
        if let Some(p) = &self.principal {
            context = context.with_principal(p.clone());
        }
        context
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_wins_even_over_reads_and_exact_allows() {
        let p = Policy::read_only()
            .allow("kb.page.delete")
            .deny("kb.page.*")
            .deny("cicd.artifact.download");
        assert_eq!(p.decide("kb.page.delete", Access::Write), Decision::Denied);
        assert_eq!(p.decide("kb.page.get", Access::Read), Decision::Denied);
        assert_eq!(
            p.decide("cicd.artifact.download", Access::Read),
            Decision::Denied
        );
        assert!(p.decide("kb.space.list", Access::Read).is_allowed());
    }

    #[test]
    fn a_wildcard_never_enables_destructive_writes() {
        let p = Policy::read_only().allow("*");
        assert!(p.decide("kb.page.create", Access::Write).is_allowed());
        for op in [
            "git.repository.delete",
            "git.collaborator.remove",
            "git.pull_request.merge",
            "cicd.pipeline.cancel",
            "workflow.execution.stop",
        ] {
            assert_eq!(
                p.decide(op, Access::Write),
                Decision::DestructiveNotNamed,
                "{op}"
            );
        }
    }

    #[test]
    fn the_spec_sets_allow_deny_and_identity() {
        let spec = McpSpec {
            allow: vec!["git.issue.*".into(), "git.issue.close".into()],
            deny: vec!["git.issue.update".into()],
            tenant: Some("acme".into()),
            principal: Some("agent-7".into()),
        };
        let p = Policy::from_spec(&spec);
        assert!(p.decide("git.issue.create", Access::Write).is_allowed());
        assert_eq!(
            p.decide("git.issue.update", Access::Write),
            Decision::Denied
        );
        let ctx = p.context();
        assert_eq!(ctx.tenant(), Some("acme"));
        assert_eq!(ctx.principal(), Some("agent-7"));
        assert_eq!(ctx.label("via"), Some("mcp"));
        assert_ne!(ctx.id(), p.context().id(), "each call its own id");
    }
}
