//! [`Provider`]: one named service the router can send requests to.

use std::fmt;
use std::sync::Arc;

use mosaic_core::{Capabilities, Operation};

use super::explain::SkipReason;
use super::health::{Health, HealthCheck};
use super::strategy::ProviderStats;

/// A provider as registered with the router: its name, its service (with
/// whatever layers the host put around it), and optionally what it can do
/// and how healthy it is.
///
/// ```
/// use mosaic_core::git::{GitOp, GitProvider, GitService};
/// use mosaic_core::Capabilities;
/// use mosaic_router::circuit_breaker::{CircuitBreakerConfig, CircuitBreakerLayer};
/// use mosaic_router::router::Provider;
/// use tower::Layer;
///
/// struct Forge;
/// impl GitProvider for Forge {
///     fn capabilities(&self) -> Capabilities { Capabilities::of([GitOp::GetRepository]) }
/// }
///
/// let breaker = CircuitBreakerLayer::new(CircuitBreakerConfig::new("forge"));
/// let service = GitService::new(Forge);
/// let provider = Provider::new("forge", breaker.layer(service.clone()))
///     .capabilities(service.capabilities())
///     .health(breaker.handle());
/// assert_eq!(provider.name(), "forge");
/// ```
pub struct Provider<S> {
    pub(crate) name: Arc<str>,
    pub(crate) service: S,
    pub(crate) capabilities: Option<Capabilities>,
    pub(crate) health: Option<Arc<dyn HealthCheck>>,
}

impl<S> Provider<S> {
    /// A provider named `name` served by `service` (capabilities unknown:
    /// every operation is attempted; no health source).
    pub fn new(name: impl Into<Arc<str>>, service: S) -> Self {
        Provider {
            name: name.into(),
            service,
            capabilities: None,
            health: None,
        }
    }

    /// What the provider supports; requests for anything else skip it.
    pub fn capabilities(mut self, capabilities: Capabilities) -> Self {
        self.capabilities = Some(capabilities);
        self
    }

    /// Where to read the provider's health (a circuit breaker's handle, a
    /// [`HealthFlag`](super::HealthFlag)); unavailable providers are skipped.
    pub fn health(mut self, health: impl HealthCheck) -> Self {
        self.health = Some(Arc::new(health));
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl<S> fmt::Debug for Provider<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provider")
            .field("name", &self.name)
            .field("capabilities", &self.capabilities)
            .field("health", &self.health.as_ref().map(|h| h.health()))
            .finish()
    }
}

/// A registered provider with its live statistics.
pub(crate) struct Slot<S> {
    pub(crate) name: Arc<str>,
    pub(crate) service: S,
    pub(crate) capabilities: Option<Capabilities>,
    pub(crate) health: Option<Arc<dyn HealthCheck>>,
    pub(crate) stats: ProviderStats,
}

impl<S> Slot<S> {
    pub(crate) fn new(p: Provider<S>) -> Self {
        Slot {
            name: p.name,
            service: p.service,
            capabilities: p.capabilities,
            health: p.health,
            stats: ProviderStats::new(),
        }
    }
}

impl<S> Slot<S> {
    /// Whether the provider's capabilities (if declared) include `op`.
    pub(crate) fn supports(&self, op: &impl Operation) -> bool {
        self.capabilities
            .as_ref()
            .is_none_or(|caps| caps.supports_operation(op))
    }

    /// The provider's health now (available without a health source).
    pub(crate) fn health_now(&self) -> Health {
        self.health
            .as_ref()
            .map_or(Health::Available, |h| h.health())
    }

    /// Why the router skips this provider for `op` now, if it does: a
    /// missing capability first, then an unavailable health check.
    pub(crate) fn skip_reason(&self, op: &impl Operation) -> Option<SkipReason> {
        if !self.supports(op) {
            return Some(SkipReason::Incapable);
        }
        match self.health.as_ref().map(|h| h.health()) {
            Some(Health::Unavailable(why)) => Some(SkipReason::Unhealthy(why)),
            _ => None,
        }
    }
}
