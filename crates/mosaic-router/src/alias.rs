//! [`ModelAlias`]: one model name for the host, the name each provider
//! uses underneath.
//!
//! A host asks for `chat`; the OpenAI instance knows it as `gpt-4o-mini`,
//! the Anthropic one as `claude-3-5-haiku-latest`. Put a
//! [`ModelAliasLayer`] with that provider's names in each provider's stack,
//! below the router: the router matches rules on the alias (the request's
//! subject), and each candidate it tries rewrites the request to its own
//! model name — for chat, streamed chat, completion, embeddings and model
//! lookup. A name that is not an alias passes through unchanged. The
//! response's `model` is the one the provider reports.
//!
//! ```
//! use mosaic_router::{ModelAliasLayer, ModelAliases};
//! let openai = ModelAliasLayer::new(ModelAliases::new().alias("chat", "gpt-4o-mini"));
//! let claude = ModelAliasLayer::new(
//!     ModelAliases::new().alias("chat", "claude-3-5-haiku-latest"),
//! );
//! assert_eq!(openai.aliases().resolve("chat"), Some("gpt-4o-mini"));
//! # let _ = claude;
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use mosaic_core::ai::AiRequest;
use mosaic_core::{Error, Request};
use tower::{Layer, Service};

/// Alias → the model name one provider uses.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ModelAliases {
    map: Arc<HashMap<String, String>>,
}

impl ModelAliases {
    /// No aliases.
    pub fn new() -> Self {
        Self::default()
    }

    /// Map `alias` to `model` (a later mapping of the same alias wins).
    pub fn alias(mut self, alias: impl Into<String>, model: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.map).insert(alias.into(), model.into());
        self
    }

    /// The model `name` stands for, if it is an alias.
    pub fn resolve(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// Whether there are no aliases.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Rewrite `name` in place when it is an alias.
    fn rewrite(&self, name: &mut String) {
        if let Some(model) = self.map.get(name.as_str()) {
            model.clone_into(name);
        }
    }
}

impl fmt::Debug for ModelAliases {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut pairs: Vec<_> = self.map.iter().collect();
        pairs.sort();
        f.debug_map().entries(pairs).finish()
    }
}

/// Wraps a provider's service in a [`ModelAlias`].
#[derive(Clone, Debug, Default)]
pub struct ModelAliasLayer {
    aliases: ModelAliases,
}

impl ModelAliasLayer {
    /// Rewrite requests per `aliases`.
    pub fn new(aliases: ModelAliases) -> Self {
        ModelAliasLayer { aliases }
    }

    /// The aliases.
    pub fn aliases(&self) -> &ModelAliases {
        &self.aliases
    }
}

impl<S> Layer<S> for ModelAliasLayer {
    type Service = ModelAlias<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ModelAlias {
            inner,
            aliases: self.aliases.clone(),
        }
    }
}

/// An AI service that rewrites model aliases; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct ModelAlias<S> {
    inner: S,
    aliases: ModelAliases,
}

impl<S> ModelAlias<S> {
    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S> Service<Request<AiRequest>> for ModelAlias<S>
where
    S: Service<Request<AiRequest>, Error = Error>,
{
    type Response = S::Response;
    type Error = Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<AiRequest>) -> Self::Future {
        if !self.aliases.is_empty() {
            match &mut request.operation {
                AiRequest::Chat(r) | AiRequest::ChatStream(r) => self.aliases.rewrite(&mut r.model),
                AiRequest::Complete(r) => self.aliases.rewrite(&mut r.model),
                AiRequest::Embed(r) => self.aliases.rewrite(&mut r.model),
                AiRequest::GetModel(r) => self.aliases.rewrite(&mut r.id),
                AiRequest::ListModels(_) => {}
            }
        }
        self.inner.call(request)
    }
}
