//! What the router asks before trying a provider: [`HealthCheck`].

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether a provider should be tried now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Try it.
    Available,
    /// Skip it, for this reason (shown in `NoProvider` errors).
    Unavailable(Cow<'static, str>),
}

impl Health {
    /// Whether the provider may be tried.
    pub fn is_available(&self) -> bool {
        matches!(self, Health::Available)
    }
}

/// A cheap, synchronous source of a provider's health that the router reads
/// before every attempt.
///
/// [`CircuitBreakerHandle`](crate::circuit_breaker::CircuitBreakerHandle)
/// implements it (an open breaker makes the provider unavailable), and so
/// does [`HealthFlag`], which a host's own health probe can set.
pub trait HealthCheck: Send + Sync + 'static {
    /// The provider's health now. Must not block.
    fn health(&self) -> Health;
}

impl<T: HealthCheck + ?Sized> HealthCheck for Arc<T> {
    fn health(&self) -> Health {
        (**self).health()
    }
}

/// A health bit a host sets from its own probes (healthy when created).
///
/// Clones share the bit.
///
/// ```
/// use mosaic_router::router::{HealthCheck, HealthFlag};
/// let flag = HealthFlag::new();
/// assert!(flag.health().is_available());
/// flag.set_healthy(false);
/// assert!(!flag.health().is_available());
/// ```
#[derive(Clone, Default)]
pub struct HealthFlag {
    unhealthy: Arc<AtomicBool>,
}

impl HealthFlag {
    /// A flag that reports healthy.
    pub fn new() -> Self {
        Self::default()
    }

    /// Mark the provider healthy or failing.
    pub fn set_healthy(&self, healthy: bool) {
        self.unhealthy.store(!healthy, Ordering::Release);
    }

    /// Whether the provider is marked healthy.
    pub fn is_healthy(&self) -> bool {
        !self.unhealthy.load(Ordering::Acquire)
    }
}

impl HealthCheck for HealthFlag {
    fn health(&self) -> Health {
        if self.is_healthy() {
            Health::Available
        } else {
            Health::Unavailable(Cow::Borrowed("health check failing"))
        }
    }
}

impl fmt::Debug for HealthFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HealthFlag")
            .field("healthy", &self.is_healthy())
            .finish()
    }
}
