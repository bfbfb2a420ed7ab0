//! What travels with every operation: [`Request`] and its [`RequestContext`].

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// A process-unique request identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(u64);

impl RequestId {
    /// A fresh identifier (monotonic within the process).
    pub fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        RequestId(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// The raw number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for RequestId {
    fn from(v: u64) -> Self {
        RequestId(v)
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "req-{:08x}", self.0)
    }
}

/// Who is asking, on whose behalf, and until when.
///
/// Middleware reads it: the router matches rules on tenant and labels, the
/// cache keys entries by tenant, the timeout layer honours the deadline.
/// Cloning is cheap (shared strings).
#[derive(Clone, PartialEq, Eq)]
pub struct RequestContext {
    id: RequestId,
    tenant: Option<Arc<str>>,
    principal: Option<Arc<str>>,
    labels: BTreeMap<Arc<str>, Arc<str>>,
    deadline: Option<Instant>,
}

impl Default for RequestContext {
    fn default() -> Self {
        Self::new()
    }
}

impl RequestContext {
    /// A context with a fresh id, no tenant, no labels and no deadline.
    pub fn new() -> Self {
        RequestContext {
            id: RequestId::next(),
            tenant: None,
            principal: None,
            labels: BTreeMap::new(),
            deadline: None,
        }
    }

    /// The same context under a fresh request id (for a template context).
    pub fn renewed(&self) -> Self {
        RequestContext {
            id: RequestId::next(),
            ..self.clone()
        }
    }

    /// Set the request id.
    pub fn with_id(mut self, id: RequestId) -> Self {
        self.id = id;
        self
    }

    /// Set the tenant (cache entries and rate limits are kept per tenant).
    pub fn with_tenant(mut self, tenant: impl Into<Arc<str>>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Set the principal (the user or service acting).
    pub fn with_principal(mut self, principal: impl Into<Arc<str>>) -> Self {
        self.principal = Some(principal.into());
        self
    }

    /// Add a label (routing rules can match on it).
    pub fn with_label(mut self, key: impl Into<Arc<str>>, value: impl Into<Arc<str>>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Set an absolute deadline.
    pub fn with_deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Set the deadline `timeout` from now (tokio time).
    pub fn with_timeout(self, timeout: Duration) -> Self {
        self.with_deadline(Instant::now() + timeout)
    }

    /// The request id.
    pub fn id(&self) -> RequestId {
        self.id
    }

    /// The tenant, if any.
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// The principal, if any.
    pub fn principal(&self) -> Option<&str> {
        self.principal.as_deref()
    }

    /// One label's value.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(|v| &**v)
    }

    /// All labels, sorted by key.
    pub fn labels(&self) -> impl Iterator<Item = (&str, &str)> {
        self.labels.iter().map(|(k, v)| (&**k, &**v))
    }

    /// The deadline, if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Time left before the deadline (`None` without a deadline, zero once passed).
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// Whether the deadline has passed.
    pub fn is_expired(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

impl fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RequestContext");
        d.field("id", &format_args!("{}", self.id));
        if let Some(t) = &self.tenant {
            d.field("tenant", t);
        }
        if let Some(p) = &self.principal {
            d.field("principal", p);
        }
        if !self.labels.is_empty() {
            d.field("labels", &self.labels);
        }
        if let Some(r) = self.remaining() {
            d.field("remaining", &r);
        }
        d.finish()
    }
}

/// An operation plus its context: what every Mosaic `tower::Service` takes.
#[derive(Debug, Clone)]
pub struct Request<Op> {
    /// Who is asking, until when.
    pub context: RequestContext,
    /// What is asked (a family's request enum, e.g. `GitRequest`).
    pub operation: Op,
}

impl<Op> Request<Op> {
    /// A request with a fresh default context.
    pub fn new(operation: impl Into<Op>) -> Self {
        Request {
            context: RequestContext::new(),
            operation: operation.into(),
        }
    }

    /// A request with the given context.
    pub fn with_context(context: RequestContext, operation: impl Into<Op>) -> Self {
        Request {
            context,
            operation: operation.into(),
        }
    }

    /// The context.
    pub fn context(&self) -> &RequestContext {
        &self.context
    }

    /// The operation.
    pub fn operation(&self) -> &Op {
        &self.operation
    }

    /// Split into context and operation.
    pub fn into_parts(self) -> (RequestContext, Op) {
        (self.context, self.operation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_renewed() {
        let a = RequestContext::new()
            .with_tenant("acme")
            .with_label("env", "prod");
        let b = a.renewed();
        assert_ne!(a.id(), b.id());
        assert_eq!(b.tenant(), Some("acme"));
        assert_eq!(b.label("env"), Some("prod"));
        assert_eq!(b.labels().collect::<Vec<_>>(), vec![("env", "prod")]);
    }

    #[tokio::test(start_paused = true)]
    async fn deadline_counts_down_on_tokio_time() {
        let ctx = RequestContext::new().with_timeout(Duration::from_secs(10));
        assert_eq!(ctx.remaining(), Some(Duration::from_secs(10)));
        tokio::time::advance(Duration::from_secs(4)).await;
        assert_eq!(ctx.remaining(), Some(Duration::from_secs(6)));
        assert!(!ctx.is_expired());
        tokio::time::advance(Duration::from_secs(7)).await;
        assert_eq!(ctx.remaining(), Some(Duration::ZERO));
        assert!(ctx.is_expired());
    }
}
