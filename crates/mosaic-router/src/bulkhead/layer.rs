//! [`BulkheadLayer`].

use std::fmt;
use std::sync::Arc;

use tower::Layer;

use super::{Bulkhead, BulkheadConfig, Shared};

/// Wraps services in a [`Bulkhead`]. One layer is one cap, shared by every
/// service it wraps.
#[derive(Clone)]
pub struct BulkheadLayer {
    shared: Arc<Shared>,
}

impl BulkheadLayer {
    /// A new cap per `config`.
    pub fn new(config: BulkheadConfig) -> Self {
        BulkheadLayer {
            shared: Arc::new(Shared::new(config)),
        }
    }
}

impl<S> Layer<S> for BulkheadLayer {
    type Service = Bulkhead<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Bulkhead {
            inner,
            shared: self.shared.clone(),
        }
    }
}

impl fmt::Debug for BulkheadLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkheadLayer")
            .field("config", &self.shared.config)
            .finish()
    }
}
