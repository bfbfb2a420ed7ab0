//! [`GenAiTraceLayer`].

use std::fmt;
use std::sync::Arc;

use tower::Layer;

use super::{GenAiTrace, Shared};

/// Wraps AI services in [`GenAiTrace`]; see the [module docs](super).
///
/// Put one in each provider's stack, named with
/// [`provider`](Self::provider): the provider name is then known when the
/// span starts (the conventions ask for it there) and labels every metric.
/// Services made by one layer (and its clones) share their metric handles.
#[derive(Clone)]
pub struct GenAiTraceLayer {
    shared: Arc<Shared>,
}

impl Default for GenAiTraceLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl GenAiTraceLayer {
    /// Trace AI calls; no provider name (a failing call's error may name
    /// one), content not captured.
    pub fn new() -> Self {
        GenAiTraceLayer {
            shared: Arc::new(Shared::new(None, false)),
        }
    }

    /// Name the provider (`gen_ai.provider.name`), e.g. `openai`,
    /// `anthropic`, `aws.bedrock` — the conventions' well-known values where
    /// one applies.
    pub fn provider(self, name: impl Into<Arc<str>>) -> Self {
        GenAiTraceLayer {
            shared: Arc::new(Shared::new(Some(name.into()), self.shared.capture_content)),
        }
    }

    /// Record prompts and completions (off by default).
    ///
    /// When on, each chat and completion emits a
    /// `gen_ai.client.inference.operation.details` event with the system
    /// instructions, input messages and output messages as JSON. They are
    /// likely to hold personal or confidential data: turn this on only where
    /// the telemetry storage may hold them.
    pub fn capture_content(self, capture: bool) -> Self {
        GenAiTraceLayer {
            shared: Arc::new(Shared::new(self.shared.provider.clone(), capture)),
        }
    }
}

impl<S> Layer<S> for GenAiTraceLayer {
    type Service = GenAiTrace<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GenAiTrace {
            inner,
            shared: self.shared.clone(),
        }
    }
}

impl fmt::Debug for GenAiTraceLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenAiTraceLayer")
            .field("provider", &self.shared.provider)
            .field("capture_content", &self.shared.capture_content)
            .finish()
    }
}
