//! Seeding a [`FakeAi`] with models by name.

use mosaic_core::ai::{ModelFeatures, ModelInfo};
use mosaic_core::{Error, Result};

use super::{FakeAi, Price, require};

impl FakeAi {
    /// Seed a model (replacing one with the same id):
    ///
    /// ```
    /// use mosaic_testing::FakeAi;
    /// use mosaic_testing::fake::Price;
    ///
    /// let ai = FakeAi::new();
    /// let model = ai
    ///     .seed_model("large-200k")
    ///     .chat()
    ///     .streaming()
    ///     .tools()
    ///     .context_window(200_000)
    ///     .price(Price { input_per_mtok: 3.0, output_per_mtok: 15.0 })
    ///     .create()?;
    /// assert!(model.features.tools);
    /// ai.seed_model("embed-small").embeddings(384).create()?;
    /// // a model that can do nothing is refused
    /// let err = ai.seed_model("nothing").create().unwrap_err();
    /// assert_eq!(err.field(), Some("features"));
    /// # Ok::<(), mosaic_core::Error>(())
    /// ```
    ///
    /// A model must offer chat or embeddings; it is owned by the fake's
    /// provider name unless [`owned_by`](ModelSeed::owned_by) says
    /// otherwise, and has no context limit unless
    /// [`context_window`](ModelSeed::context_window) sets one.
    pub fn seed_model(&self, id: impl Into<String>) -> ModelSeed<'_> {
        ModelSeed {
            ai: self,
            id: id.into(),
            owned_by: None,
            context_window: None,
            max_output_tokens: None,
            features: ModelFeatures::default(),
            dimensions: None,
            price: None,
        }
    }
}

/// A model to seed; see [`FakeAi::seed_model`].
#[derive(Debug)]
#[must_use = "a seed does nothing until `.create()`"]
pub struct ModelSeed<'a> {
    ai: &'a FakeAi,
    id: String,
    owned_by: Option<String>,
    context_window: Option<u32>,
    max_output_tokens: Option<u32>,
    features: ModelFeatures,
    dimensions: Option<u32>,
    price: Option<Price>,
}

impl ModelSeed<'_> {
    /// It chats.
    pub fn chat(mut self) -> Self {
        self.features.chat = true;
        self
    }

    /// It streams chat answers.
    pub fn streaming(mut self) -> Self {
        self.features.streaming = true;
        self
    }

    /// It calls tools.
    pub fn tools(mut self) -> Self {
        self.features.tools = true;
        self
    }

    /// It takes images.
    pub fn vision(mut self) -> Self {
        self.features.vision = true;
        self
    }

    /// It embeds text into vectors of `dimensions` numbers.
    pub fn embeddings(mut self, dimensions: u32) -> Self {
        self.features.embeddings = true;
        self.dimensions = Some(dimensions);
        self
    }

    /// Set every feature at once (embeddings then need
    /// [`embeddings`](Self::embeddings) for their size).
    pub fn features(mut self, features: ModelFeatures) -> Self {
        self.features = features;
        self
    }

    /// Its context window in tokens.
    pub fn context_window(mut self, tokens: u32) -> Self {
        self.context_window = Some(tokens);
        self
    }

    /// The most tokens it writes per answer.
    pub fn max_output_tokens(mut self, tokens: u32) -> Self {
        self.max_output_tokens = Some(tokens);
        self
    }

    /// Its owner (default: the fake's provider name).
    pub fn owned_by(mut self, owner: impl Into<String>) -> Self {
        self.owned_by = Some(owner.into());
        self
    }

    /// Its price (answers then report their cost).
    pub fn price(mut self, price: Price) -> Self {
        self.price = Some(price);
        self
    }

    /// Offer the model.
    ///
    /// # Errors
    /// `InvalidInput` for an empty id (field `id`), a model with neither
    /// chat nor embeddings (field `features`), or embeddings without a
    /// size or of size 0 (field `dimensions`).
    pub fn create(self) -> Result<ModelInfo> {
        let ai = self.ai;
        let tag = |e: Error| ai.core.tag(e);
        require("id", &self.id).map_err(tag)?;
        if !self.features.chat && !self.features.embeddings {
            return Err(tag(Error::invalid_input(
                "features",
                format!(
                    "model `{}` offers neither chat nor embeddings: add `.chat()` or `.embeddings(dimensions)`",
                    self.id
                ),
            )));
        }
        let dimensions = match (self.features.embeddings, self.dimensions) {
            (false, _) => None,
            (true, Some(d)) if d > 0 => Some(d),
            (true, _) => {
                return Err(tag(Error::invalid_input(
                    "dimensions",
                    format!(
                        "model `{}` embeds but has no vector size: use `.embeddings(dimensions)` with at least 1",
                        self.id
                    ),
                )));
            }
        };
        let model = ModelInfo {
            id: self.id.clone(),
            owned_by: Some(self.owned_by.unwrap_or_else(|| ai.core.name().to_owned())),
            context_window: self.context_window,
            max_output_tokens: self.max_output_tokens,
            features: self.features,
        };
        let mut s = ai.state.lock();
        match dimensions {
            Some(d) => s.embedding_dims.insert(self.id.clone(), d),
            None => s.embedding_dims.remove(&self.id),
        };
        if let Some(p) = self.price {
            s.prices.insert(self.id.clone(), p);
        }
        s.models.insert(self.id, model.clone());
        Ok(model)
    }
}
