//! Token prices per model, and the estimated cost of a call.
//!
//! Every AI provider of this crate fills `cost_usd` of its answers from a
//! [`PriceTable`]: the built-in list prices of the provider (see
//! [`PriceTable::openai`], [`PriceTable::anthropic`]) with the host's own
//! entries from the provider configuration (`prices`) laid over them.
//! Hosts use the same table for budgets and for the router's lowest-cost
//! strategy: [`PriceTable::estimate`] prices a request before it is sent.

use std::collections::BTreeMap;

use mosaic_core::ai::{AiRequest, Usage};
use mosaic_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// What one model costs, in US dollars per million tokens (the unit
/// providers publish).
///
/// In configuration: `{"input": 2.5, "output": 10, "cached_input": 1.25}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelPrice {
    /// Dollars per million prompt tokens.
    #[serde(rename = "input")]
    pub input_per_million: f64,
    /// Dollars per million generated tokens.
    #[serde(rename = "output")]
    pub output_per_million: f64,
    /// Dollars per million prompt tokens served from the provider's prompt
    /// cache; `None` prices them as ordinary input.
    #[serde(
        rename = "cached_input",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub cached_input_per_million: Option<f64>,
}

impl ModelPrice {
    /// Nothing: for local models.
    pub const FREE: ModelPrice = ModelPrice {
        input_per_million: 0.0,
        output_per_million: 0.0,
        cached_input_per_million: None,
    };

    /// `input` and `output` dollars per million tokens.
    pub const fn per_million(input: f64, output: f64) -> Self {
        ModelPrice {
            input_per_million: input,
            output_per_million: output,
            cached_input_per_million: None,
        }
    }

    /// With a price for cached prompt tokens.
    pub const fn with_cached_input(mut self, per_million: f64) -> Self {
        self.cached_input_per_million = Some(per_million);
        self
    }

    /// The cost of `usage` in US dollars. `usage.input_tokens` counts every
    /// prompt token, cached ones included; the cached part is priced at the
    /// cached-input price when there is one.
    pub fn cost(&self, usage: &Usage) -> f64 {
        let cached = usage
            .cached_input_tokens
            .unwrap_or(0)
            .min(usage.input_tokens);
        let fresh = usage.input_tokens - cached;
        let cached_price = self
            .cached_input_per_million
            .unwrap_or(self.input_per_million);
        (fresh as f64 * self.input_per_million
            + cached as f64 * cached_price
            + usage.output_tokens as f64 * self.output_per_million)
            / 1e6
    }

    fn check(&self, model: &str) -> Result<()> {
        let ok = |v: f64| v.is_finite() && v >= 0.0;
        if ok(self.input_per_million)
            && ok(self.output_per_million)
            && self.cached_input_per_million.is_none_or(ok)
        {
            Ok(())
        } else {
            Err(Error::invalid_input(
                format!("prices/{model}"),
                "prices must be finite and not negative",
            ))
        }
    }
}

/// Prices per model, looked up by exact id or by the longest entry the id
/// extends at a `-`, `:`, `@` or `/` boundary (so `gpt-4o-2024-08-06`
/// finds `gpt-4o`, and `gpt-4o-mini-2024-07-18` finds `gpt-4o-mini`, not
/// `gpt-4o`), with an optional price for every other model.
///
/// ```
/// use mosaic_core::ai::Usage;
/// use mosaic_providers::ai::{ModelPrice, PriceTable};
///
/// let mut prices = PriceTable::openai();
/// prices.set("my-finetune", ModelPrice::per_million(1.0, 2.0));
/// let usage = Usage { input_tokens: 1_000_000, output_tokens: 500_000, cached_input_tokens: None };
/// assert_eq!(prices.cost("my-finetune", &usage), Some(2.0));
/// assert!(prices.get("gpt-4o-mini-2024-07-18").is_some());
/// assert_eq!(prices.cost("unknown-model", &usage), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PriceTable {
    /// Prices by model id (or id prefix).
    #[serde(default)]
    models: BTreeMap<String, ModelPrice>,
    /// The price of models without an entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fallback: Option<ModelPrice>,
}

/// Characters per token assumed by [`PriceTable::estimate`].
pub const CHARS_PER_TOKEN: usize = 4;

/// Output tokens assumed by [`PriceTable::estimate`] when a request sets no
/// `max_tokens`.
pub const DEFAULT_OUTPUT_TOKENS: u64 = 256;

impl PriceTable {
    /// No prices.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every model free (for local servers such as Ollama); entries can
    /// still be added.
    pub fn free() -> Self {
        PriceTable {
            models: BTreeMap::new(),
            fallback: Some(ModelPrice::FREE),
        }
    }

    /// OpenAI's published list prices (USD per million tokens, 2025) for
    /// its current chat, reasoning and embedding models. Prices change:
    /// override them in the provider configuration.
    pub fn openai() -> Self {
        let p = ModelPrice::per_million;
        Self::from_entries([
            ("gpt-5", p(1.25, 10.0).with_cached_input(0.125)),
            ("gpt-5-mini", p(0.25, 2.0).with_cached_input(0.025)),
            ("gpt-5-nano", p(0.05, 0.40).with_cached_input(0.005)),
            ("gpt-4.1", p(2.0, 8.0).with_cached_input(0.50)),
            ("gpt-4.1-mini", p(0.40, 1.60).with_cached_input(0.10)),
            ("gpt-4.1-nano", p(0.10, 0.40).with_cached_input(0.025)),
            ("gpt-4o", p(2.50, 10.0).with_cached_input(1.25)),
            ("gpt-4o-mini", p(0.15, 0.60).with_cached_input(0.075)),
            ("o1", p(15.0, 60.0).with_cached_input(7.50)),
            ("o3", p(2.0, 8.0).with_cached_input(0.50)),
            ("o3-mini", p(1.10, 4.40).with_cached_input(0.55)),
            ("o4-mini", p(1.10, 4.40).with_cached_input(0.275)),
            ("gpt-4-turbo", p(10.0, 30.0)),
            ("gpt-4", p(30.0, 60.0)),
            ("gpt-3.5-turbo", p(0.50, 1.50)),
            ("text-embedding-3-small", p(0.02, 0.0)),
            ("text-embedding-3-large", p(0.13, 0.0)),
            ("text-embedding-ada-002", p(0.10, 0.0)),
        ])
    }

    /// Anthropic's published list prices (USD per million tokens, 2025)
    /// for the Claude models; cached input is the cache-read price.
    /// Override them in the provider configuration.
    pub fn anthropic() -> Self {
        let p = ModelPrice::per_million;
        Self::from_entries([
            ("claude-opus-4-5", p(5.0, 25.0).with_cached_input(0.50)),
            ("claude-opus-4-1", p(15.0, 75.0).with_cached_input(1.50)),
            ("claude-opus-4", p(15.0, 75.0).with_cached_input(1.50)),
            ("claude-sonnet-4-5", p(3.0, 15.0).with_cached_input(0.30)),
            ("claude-sonnet-4", p(3.0, 15.0).with_cached_input(0.30)),
            ("claude-haiku-4-5", p(1.0, 5.0).with_cached_input(0.10)),
            ("claude-3-7-sonnet", p(3.0, 15.0).with_cached_input(0.30)),
            ("claude-3-5-sonnet", p(3.0, 15.0).with_cached_input(0.30)),
            ("claude-3-5-haiku", p(0.80, 4.0).with_cached_input(0.08)),
            ("claude-3-opus", p(15.0, 75.0).with_cached_input(1.50)),
            ("claude-3-haiku", p(0.25, 1.25).with_cached_input(0.03)),
        ])
    }

    /// A table of these entries.
    pub fn from_entries<S: Into<String>>(
        entries: impl IntoIterator<Item = (S, ModelPrice)>,
    ) -> Self {
        PriceTable {
            models: entries.into_iter().map(|(k, v)| (k.into(), v)).collect(),
            fallback: None,
        }
    }

    /// Set the price of `model` (an exact id or an id prefix).
    pub fn set(&mut self, model: impl Into<String>, price: ModelPrice) -> &mut Self {
        self.models.insert(model.into(), price);
        self
    }

    /// With the price of `model`.
    pub fn with(mut self, model: impl Into<String>, price: ModelPrice) -> Self {
        self.set(model, price);
        self
    }

    /// With a price for every model without an entry (`None` removes it).
    pub fn with_fallback(mut self, price: Option<ModelPrice>) -> Self {
        self.fallback = price;
        self
    }

    /// Lay `other` over this table: its entries (and its fallback, if it
    /// has one) win.
    pub fn merge(&mut self, other: PriceTable) {
        self.models.extend(other.models);
        if other.fallback.is_some() {
            self.fallback = other.fallback;
        }
    }

    /// Check that every price is finite and not negative (`InvalidInput`
    /// naming `prices/<model>` otherwise).
    pub fn validate(&self) -> Result<()> {
        for (model, price) in &self.models {
            price.check(model)?;
        }
        if let Some(f) = &self.fallback {
            f.check("*")?;
        }
        Ok(())
    }

    /// The price of `model`: its own entry, else the longest entry it
    /// extends at a boundary, else the fallback.
    pub fn get(&self, model: &str) -> Option<&ModelPrice> {
        if let Some(p) = self.models.get(model) {
            return Some(p);
        }
        let mut best: Option<(&str, &ModelPrice)> = None;
        for (i, c) in model.char_indices() {
            if matches!(c, '-' | ':' | '@' | '/')
                && let Some((k, p)) = self.models.get_key_value(&model[..i])
            {
                best = Some((k.as_str(), p));
            }
        }
        best.map(|(_, p)| p).or(self.fallback.as_ref())
    }

    /// The estimated cost of `usage` on `model`, when its price is known.
    pub fn cost(&self, model: &str, usage: &Usage) -> Option<f64> {
        self.get(model).map(|p| p.cost(usage))
    }

    /// The estimated cost of a request before it is sent: prompt tokens
    /// estimated at [`CHARS_PER_TOKEN`] characters each, output tokens at
    /// the request's `max_tokens` (else [`DEFAULT_OUTPUT_TOKENS`]).
    /// Listing and describing models cost nothing. For the router's
    /// lowest-cost strategy:
    /// `move |_provider: &str, req: &AiRequest| prices.estimate(req)`.
    pub fn estimate(&self, request: &AiRequest) -> Option<f64> {
        let tokens = |chars: usize| chars.div_ceil(CHARS_PER_TOKEN) as u64;
        let out = |max: Option<u32>| max.map_or(DEFAULT_OUTPUT_TOKENS, u64::from);
        let (model, input, output) = match request {
            AiRequest::Chat(c) | AiRequest::ChatStream(c) => {
                (&c.model, tokens(c.prompt_chars()), out(c.max_tokens))
            }
            AiRequest::Complete(c) => (&c.model, tokens(c.prompt.len()), out(c.max_tokens)),
            AiRequest::Embed(e) => (&e.model, tokens(e.inputs.iter().map(String::len).sum()), 0),
            _ => return Some(0.0),
        };
        self.cost(
            model,
            &Usage {
                input_tokens: input,
                output_tokens: output,
                cached_input_tokens: None,
            },
        )
    }

    /// Every entry, by model id.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ModelPrice)> {
        self.models.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The price of models without an entry.
    pub fn fallback(&self) -> Option<&ModelPrice> {
        self.fallback.as_ref()
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.models.len()
    }

    /// Whether there are no entries and no fallback.
    pub fn is_empty(&self) -> bool {
        self.models.is_empty() && self.fallback.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mosaic_core::ai::ChatRequest;

    fn usage(i: u64, o: u64, c: Option<u64>) -> Usage {
        Usage {
            input_tokens: i,
            output_tokens: o,
            cached_input_tokens: c,
        }
    }

    #[test]
    fn longest_prefix_at_a_boundary() {
        let t = PriceTable::openai();
        let mini = t.get("gpt-4o-mini-2024-07-18").unwrap();
        assert_eq!(mini.input_per_million, 0.15);
        assert_eq!(t.get("gpt-4o-2024-08-06").unwrap().input_per_million, 2.50);
        assert_eq!(t.get("gpt-4-0613").unwrap().input_per_million, 30.0);
        assert_eq!(t.get("gpt-4.1-2025-04-14").unwrap().input_per_million, 2.0);
        assert!(t.get("gpt-4x").is_none(), "no boundary after the prefix");
        let a = PriceTable::anthropic();
        assert_eq!(
            a.get("claude-opus-4-5-20251101").unwrap().input_per_million,
            5.0
        );
        assert_eq!(
            a.get("claude-opus-4-20250514").unwrap().input_per_million,
            15.0
        );
        assert_eq!(
            a.get("claude-3-5-haiku-latest").unwrap().output_per_million,
            4.0
        );
    }

    #[test]
    fn cached_tokens_use_their_own_price() {
        let p = ModelPrice::per_million(2.0, 8.0).with_cached_input(0.5);
        let c = p.cost(&usage(1_000_000, 1_000_000, Some(400_000)));
        assert!((c - (0.6 * 2.0 + 0.4 * 0.5 + 8.0)).abs() < 1e-9, "{c}");
        // More cached than input (a provider quirk) never goes negative.
        assert!(p.cost(&usage(10, 0, Some(20))) >= 0.0);
        let plain = ModelPrice::per_million(2.0, 8.0);
        assert_eq!(plain.cost(&usage(1_000_000, 0, Some(1_000_000))), 2.0);
    }

    #[test]
    fn overrides_fallback_and_validation() {
        let mut t = PriceTable::openai();
        t.merge(PriceTable::new().with("gpt-4o", ModelPrice::per_million(1.0, 1.0)));
        assert_eq!(t.get("gpt-4o").unwrap().input_per_million, 1.0);
        assert_eq!(t.cost("llama3", &usage(5, 5, None)), None);
        let free = PriceTable::free();
        assert_eq!(free.cost("llama3", &usage(5, 5, None)), Some(0.0));
        let bad = PriceTable::new().with("x", ModelPrice::per_million(-1.0, 0.0));
        assert_eq!(bad.validate().unwrap_err().field(), Some("prices/x"));
        assert!(PriceTable::openai().validate().is_ok());
        assert!(PriceTable::anthropic().validate().is_ok());
    }

    #[test]
    fn estimate_ranks_models() {
        let t = PriceTable::openai();
        let req = |m: &str| AiRequest::Chat(ChatRequest::new(m, "x".repeat(4000)).max_tokens(500));
        let big = t.estimate(&req("gpt-4o")).unwrap();
        let small = t.estimate(&req("gpt-4o-mini")).unwrap();
        assert!(small < big);
        assert!((big - (1000.0 * 2.5 + 500.0 * 10.0) / 1e6).abs() < 1e-12);
        assert_eq!(t.estimate(&req("mystery")), None);
    }

    #[test]
    fn serde_shape() {
        let t: PriceTable = serde_json::from_value(serde_json::json!({
            "models": {"m": {"input": 1.0, "output": 2.0, "cached_input": 0.5}},
            "fallback": {"input": 0.0, "output": 0.0}
        }))
        .unwrap();
        assert_eq!(t.get("m").unwrap().cached_input_per_million, Some(0.5));
        assert_eq!(t.get("other"), Some(&ModelPrice::FREE));
    }
}
