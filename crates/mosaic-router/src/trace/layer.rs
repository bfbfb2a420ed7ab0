//! [`TraceLayer`].

use std::fmt;
use std::sync::Arc;

use tower::Layer;

use super::{Shared, Trace};

/// Wraps services in [`Trace`].
#[derive(Clone)]
pub struct TraceLayer {
    shared: Arc<Shared>,
}

impl Default for TraceLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl TraceLayer {
    /// Trace requests; the provider is whatever the layers below report.
    pub fn new() -> Self {
        TraceLayer {
            shared: Arc::new(Shared::new(None)),
        }
    }

    /// Trace requests to one provider, labelled with its name.
    pub fn provider(self, name: impl Into<Arc<str>>) -> Self {
        TraceLayer {
            shared: Arc::new(Shared::new(Some(name.into()))),
        }
    }
}

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Trace {
            inner,
            shared: self.shared.clone(),
        }
    }
}

impl fmt::Debug for TraceLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceLayer")
            .field("provider", &self.shared.provider)
            .finish()
    }
}
