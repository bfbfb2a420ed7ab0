//! Token prices per model: the one price table of the SDK.
//!
//! A [`PriceTable`] maps model ids to a [`ModelPrice`] (US dollars per
//! million input, output and cached-input tokens). The same table serves
//! two purposes:
//!
//! * **after a call**, the AI adapters of `mosaic-providers` fill the
//!   `cost_usd` of every answer with [`PriceTable::cost`] of the usage the
//!   provider reported;
//! * **before a call**, [`PriceTable::estimate`] prices a request from its
//!   prompt size and `max_tokens`, which is what the router's lowest-cost
//!   strategy ranks candidates by (`mosaic-router` implements its
//!   `CostModel` for this table).
//!
//! The built-in lists ([`OPENAI_PRICES`], [`ANTHROPIC_PRICES`]) carry the
//! date they were taken from the provider's public price page and that
//! page's address. Prices change: a host lays its own entries over a list
//! ([`PriceTable::merge`], [`PriceTable::with`]) and hands the one table to
//! every adapter and to the router.
//!
//! ```
//! use mosaic_core::ai::price::{ModelPrice, PriceTable};
//! use mosaic_core::ai::{AiRequest, ChatRequest, Usage};
//!
//! let prices = PriceTable::built_in()
//!     .with("my-finetune", ModelPrice::per_million(1.0, 2.0).with_cached_input(0.5));
//! prices.validate()?;
//!
//! // after a call: what the answer cost
//! let usage = Usage { input_tokens: 1_000_000, output_tokens: 500_000, cached_input_tokens: Some(400_000) };
//! assert_eq!(prices.cost("my-finetune", &usage), Some(0.6 + 0.2 + 1.0));
//!
//! // before a call: what it would cost (4,000 characters ≈ 1,000 tokens in, 200 out)
//! let req = AiRequest::Chat(ChatRequest::new("my-finetune", "x".repeat(4_000)).max_tokens(200));
//! assert_eq!(prices.estimate(&req), Some((1_000.0 * 1.0 + 200.0 * 2.0) / 1e6));
//! assert_eq!(prices.cost("no-such-model", &usage), None);
//! # Ok::<(), mosaic_core::Error>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{AiRequest, Usage};
use crate::{Error, Result};

/// What one model costs, in US dollars per million tokens (the unit
/// providers publish).
///
/// In configuration: `{"input": 2.5, "output": 10, "cached_input": 1.25}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    /// Dollars per million prompt tokens.
    #[serde(rename = "input")]
    pub input_per_million: f64,
    /// Dollars per million generated tokens.
    #[serde(rename = "output")]
    pub output_per_million: f64,
    /// Dollars per million prompt tokens served from the provider's prompt
    /// cache (Anthropic's "cache hits"); `None` prices them as ordinary
    /// input.
    #[serde(
        rename = "cached_input",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub cached_input_per_million: Option<f64>,
}

impl ModelPrice {
    /// Nothing: for local models.
    pub const FREE: ModelPrice = ModelPrice::per_million(0.0, 0.0);

    /// `input` and `output` dollars per million tokens.
    pub const fn per_million(input: f64, output: f64) -> Self {
        ModelPrice {
            input_per_million: input,
            output_per_million: output,
            cached_input_per_million: None,
        }
    }

    /// With a price for cached prompt tokens, in dollars per million.
    pub const fn with_cached_input(mut self, per_million: f64) -> Self {
        self.cached_input_per_million = Some(per_million);
        self
    }

    /// The cost of `usage` in US dollars.
    ///
    /// `usage.input_tokens` counts every prompt token, cached ones
    /// included (as both OpenAI and the adapters report it); the cached
    /// part is priced at the cached-input price when there is one.
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

    /// `InvalidInput` naming `prices/<model>` unless every price is finite
    /// and not negative.
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

/// A built-in, dated price list: one provider's public list prices as
/// they stood on [`as_of`](Self::as_of).
///
/// Turn one into a table with [`PriceTable::from_list`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriceList {
    /// The provider kind the list is for (`"openai"`, `"anthropic"`).
    pub provider: &'static str,
    /// The day the prices were taken (`YYYY-MM-DD`).
    pub as_of: &'static str,
    /// The public page they were taken from.
    pub source: &'static str,
    /// Model id (or id prefix, see [`PriceTable::get`]) and price.
    pub models: &'static [(&'static str, ModelPrice)],
}

const fn p(input: f64, output: f64, cached_input: f64) -> ModelPrice {
    ModelPrice::per_million(input, output).with_cached_input(cached_input)
}

const fn plain(input: f64, output: f64) -> ModelPrice {
    ModelPrice::per_million(input, output)
}

/// OpenAI's standard-tier list prices (USD per million tokens) for its
/// chat, reasoning and embedding models; cached input is the
/// "cached input" column.
///
/// The rows follow the `pydantic/genai-prices` data, whose OpenAI rows were
/// last checked against [the page](https://developers.openai.com/api/docs/pricing)
/// and the model pages on 2026-08-02 (GPT-5.6, including Terra's and
/// Luna's cut of 2026-07-30); the GPT-5.5, GPT-5.4, GPT-5.2 and GPT-5.1
/// rows agree with copies of the page published in April and June 2026.
/// GPT-5.6 and GPT-5.5 have a dearer long-context tier (prompts over 272K
/// tokens) that is not modelled:
/// these are the short-context prices. Verify before billing.
pub const OPENAI_PRICES: PriceList = PriceList {
    provider: "openai",
    as_of: "2026-08-02",
    source: "https://developers.openai.com/api/docs/pricing",
    models: &[
        ("gpt-5.6", p(5.0, 30.0, 0.50)), // the alias of gpt-5.6-sol
        ("gpt-5.6-sol", p(5.0, 30.0, 0.50)),
        ("gpt-5.6-terra", p(2.0, 12.0, 0.20)),
        ("gpt-5.6-luna", p(0.20, 1.20, 0.02)),
        ("gpt-5.5", p(5.0, 30.0, 0.50)),
        ("gpt-5.5-pro", plain(30.0, 180.0)),
        ("gpt-5.4", p(2.50, 15.0, 0.25)),
        ("gpt-5.4-mini", p(0.75, 4.50, 0.075)),
        ("gpt-5.4-nano", p(0.20, 1.25, 0.02)),
        ("gpt-5.4-pro", plain(30.0, 180.0)),
        ("gpt-5.3", p(1.75, 14.0, 0.175)),
        ("gpt-5.2", p(1.75, 14.0, 0.175)),
        ("gpt-5.2-pro", plain(21.0, 168.0)),
        ("gpt-5.1", p(1.25, 10.0, 0.125)),
        ("gpt-5.1-codex-mini", p(0.25, 2.0, 0.025)),
        ("gpt-5", p(1.25, 10.0, 0.125)),
        ("gpt-5-mini", p(0.25, 2.0, 0.025)),
        ("gpt-5-nano", p(0.05, 0.40, 0.005)),
        ("gpt-5-pro", plain(15.0, 120.0)),
        ("gpt-4.1", p(2.0, 8.0, 0.50)),
        ("gpt-4.1-mini", p(0.40, 1.60, 0.10)),
        ("gpt-4.1-nano", p(0.10, 0.40, 0.025)),
        ("gpt-4o", p(2.50, 10.0, 1.25)),
        ("gpt-4o-mini", p(0.15, 0.60, 0.075)),
        ("o1", p(15.0, 60.0, 7.50)),
        ("o1-pro", plain(150.0, 600.0)),
        ("o3", p(2.0, 8.0, 0.50)),
        ("o3-pro", plain(20.0, 80.0)),
        ("o3-mini", p(1.10, 4.40, 0.55)),
        ("o4-mini", p(1.10, 4.40, 0.275)),
        ("gpt-4-turbo", plain(10.0, 30.0)),
        ("gpt-4", plain(30.0, 60.0)),
        ("gpt-3.5-turbo", plain(0.50, 1.50)),
        ("text-embedding-3-small", plain(0.02, 0.0)),
        ("text-embedding-3-large", plain(0.13, 0.0)),
        ("text-embedding-ada-002", plain(0.10, 0.0)),
    ],
};

/// Anthropic's list prices (USD per million tokens) for the Claude
/// models; cached input is the "cache hits and refreshes" column (cache
/// writes are not modelled).
///
/// Taken from [the pricing page](https://platform.claude.com/docs/en/about-claude/pricing)
/// and the model pages of platform.claude.com as stored by the search
/// tools on 2026-12-07; the rows of models released after the stored copy
/// of the pricing page (Opus 5.5, Sonnet 5.5, Haiku 5.5, Fable 5.2) come
/// from their model pages, and the cache-hit cut of Sonnet 5.5 on
/// 2026-10-07 and Haiku 5.5's cache-hit price from re-checks of the page
/// reported on 2026-10-24 and 2026-12-01. Haiku 5.5 has a dearer tier for
/// prompts over 100K tokens that is not modelled: this is its base tier.
/// Verify before billing.
pub const ANTHROPIC_PRICES: PriceList = PriceList {
    provider: "anthropic",
    as_of: "2026-12-01",
    source: "https://platform.claude.com/docs/en/about-claude/pricing",
    models: &[
        ("claude-fable-5-2", p(8.0, 40.0, 0.20)),
        ("claude-fable-5-1", p(10.0, 50.0, 0.25)),
        ("claude-mythos-5-1", p(10.0, 50.0, 0.25)),
        ("claude-fable-5", p(10.0, 50.0, 1.0)),
        ("claude-mythos-5", p(10.0, 50.0, 1.0)),
        ("claude-opus-5-5", p(4.0, 20.0, 0.20)),
        ("claude-opus-5", p(5.0, 25.0, 0.50)),
        ("claude-opus-4-8", p(5.0, 25.0, 0.50)),
        ("claude-opus-4-7", p(5.0, 25.0, 0.50)),
        ("claude-opus-4-6", p(5.0, 25.0, 0.50)),
        ("claude-opus-4-5", p(5.0, 25.0, 0.50)),
        ("claude-opus-4-1", p(15.0, 75.0, 1.50)),
        ("claude-opus-4", p(15.0, 75.0, 1.50)),
        ("claude-sonnet-5-5", p(2.0, 10.0, 0.10)),
        ("claude-sonnet-5", p(2.0, 10.0, 0.20)),
        ("claude-sonnet-4-6", p(3.0, 15.0, 0.30)),
        ("claude-sonnet-4-5", p(3.0, 15.0, 0.30)),
        ("claude-sonnet-4", p(3.0, 15.0, 0.30)),
        ("claude-3-7-sonnet", p(3.0, 15.0, 0.30)),
        ("claude-haiku-5-5", p(0.10, 0.50, 0.01)),
        ("claude-haiku-4-5", p(1.0, 5.0, 0.10)),
        ("claude-3-5-haiku", p(0.80, 4.0, 0.08)),
        ("claude-3-haiku", p(0.25, 1.25, 0.03)),
    ],
};

/// Every built-in list, in the order [`PriceTable::built_in`] lays them.
pub const BUILT_IN_PRICE_LISTS: &[PriceList] = &[OPENAI_PRICES, ANTHROPIC_PRICES];

/// Characters per token assumed by [`PriceTable::estimate_usage`].
pub const CHARS_PER_TOKEN: usize = 4;

/// Output tokens assumed by [`PriceTable::estimate_usage`] when a request
/// sets no `max_tokens`.
pub const DEFAULT_OUTPUT_TOKENS: u64 = 256;

/// Prices per model: the one table behind every answer's `cost_usd` and
/// the router's lowest-cost strategy (see the [module docs](self)).
///
/// A model is looked up by exact id, else by the longest entry it extends
/// at a `-`, `:`, `@` or `/` boundary (so `gpt-4o-2024-08-06` finds
/// `gpt-4o`, `gpt-4o-mini-2024-07-18` finds `gpt-4o-mini` rather than
/// `gpt-4o`, and `claude-sonnet-4-20250514` finds `claude-sonnet-4`), else
/// the table's fallback price, if it has one.
///
/// In configuration:
/// `{"models": {"gpt-4o": {"input": 2.5, "output": 10}}, "fallback": {"input": 0, "output": 0}}`.
///
/// ```
/// use mosaic_core::ai::price::{ModelPrice, PriceTable};
///
/// let mut prices = PriceTable::openai();
/// prices.merge(PriceTable::new().with("gpt-4o", ModelPrice::per_million(2.0, 8.0)));
/// assert_eq!(prices.get("gpt-4o-2024-08-06"), Some(&ModelPrice::per_million(2.0, 8.0)));
/// assert_eq!(prices.get("gpt-4o-mini-2024-07-18").unwrap().input_per_million, 0.15);
/// assert_eq!(prices.get("llama3"), None);
/// assert_eq!(PriceTable::free().get("llama3"), Some(&ModelPrice::FREE));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    /// Prices by model id (or id prefix).
    #[serde(default)]
    models: BTreeMap<String, ModelPrice>,
    /// The price of models without an entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fallback: Option<ModelPrice>,
}

impl PriceTable {
    /// No prices: every model unknown.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every model free (for local servers such as Ollama); entries can
    /// still be added.
    pub fn free() -> Self {
        PriceTable::new().with_fallback(Some(ModelPrice::FREE))
    }

    /// The entries of one built-in list.
    pub fn from_list(list: &PriceList) -> Self {
        Self::from_entries(list.models.iter().copied())
    }

    /// OpenAI's built-in list ([`OPENAI_PRICES`]).
    pub fn openai() -> Self {
        Self::from_list(&OPENAI_PRICES)
    }

    /// Anthropic's built-in list ([`ANTHROPIC_PRICES`]).
    pub fn anthropic() -> Self {
        Self::from_list(&ANTHROPIC_PRICES)
    }

    /// Every built-in list in one table ([`BUILT_IN_PRICE_LISTS`]; their
    /// model ids do not overlap): the table to start from when one table
    /// serves several providers and the router.
    pub fn built_in() -> Self {
        let mut table = PriceTable::new();
        for list in BUILT_IN_PRICE_LISTS {
            table.merge(Self::from_list(list));
        }
        table
    }

    /// The default table of a provider kind: its built-in list for
    /// `openai` and `anthropic`, [`free`](Self::free) for `ollama` (a local
    /// server), `None` for kinds without one.
    pub fn for_provider(kind: &str) -> Option<Self> {
        match kind {
            "ollama" => Some(Self::free()),
            _ => BUILT_IN_PRICE_LISTS
                .iter()
                .find(|l| l.provider == kind)
                .map(Self::from_list),
        }
    }

    /// A table of these entries (no fallback).
    pub fn from_entries<S: Into<String>>(
        entries: impl IntoIterator<Item = (S, ModelPrice)>,
    ) -> Self {
        PriceTable {
            models: entries.into_iter().map(|(k, v)| (k.into(), v)).collect(),
            fallback: None,
        }
    }

    /// Set the price of `model` (an exact id or an id prefix); it replaces
    /// any earlier entry of the same id.
    pub fn set(&mut self, model: impl Into<String>, price: ModelPrice) -> &mut Self {
        self.models.insert(model.into(), price);
        self
    }

    /// With the price of `model` (see [`set`](Self::set)).
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
    /// naming `prices/<model>`, or `prices/*` for the fallback, otherwise).
    pub fn validate(&self) -> Result<()> {
        for (model, price) in &self.models {
            price.check(model)?;
        }
        match &self.fallback {
            Some(f) => f.check("*"),
            None => Ok(()),
        }
    }

    /// The price of `model`: its own entry, else the longest entry it
    /// extends at a boundary, else the fallback.
    pub fn get(&self, model: &str) -> Option<&ModelPrice> {
        if let Some(p) = self.models.get(model) {
            return Some(p);
        }
        // Walk the boundaries from the right: the first prefix with an
        // entry is the longest.
        model
            .char_indices()
            .rev()
            .filter(|&(_, c)| matches!(c, '-' | ':' | '@' | '/'))
            .find_map(|(i, _)| self.models.get(&model[..i]))
            .or(self.fallback.as_ref())
    }

    /// What `usage` on `model` cost, when the model's price is known.
    pub fn cost(&self, model: &str, usage: &Usage) -> Option<f64> {
        self.get(model).map(|p| p.cost(usage))
    }

    /// The model a request names (`None` for listing and describing
    /// models).
    pub fn model_of(request: &AiRequest) -> Option<&str> {
        match request {
            AiRequest::Chat(c) | AiRequest::ChatStream(c) => Some(&c.model),
            AiRequest::Complete(c) => Some(&c.model),
            AiRequest::Embed(e) => Some(&e.model),
            AiRequest::ListModels(_) | AiRequest::GetModel(_) => None,
        }
    }

    /// The tokens a request is expected to use: prompt tokens estimated at
    /// [`CHARS_PER_TOKEN`] characters each (system prompt, messages and
    /// tool schemas for chat), output tokens at the request's `max_tokens`,
    /// else [`DEFAULT_OUTPUT_TOKENS`] (none for embeddings). Listing and
    /// describing models use none.
    pub fn estimate_usage(request: &AiRequest) -> Usage {
        let tokens = |chars: usize| chars.div_ceil(CHARS_PER_TOKEN) as u64;
        let out = |max: Option<u32>| max.map_or(DEFAULT_OUTPUT_TOKENS, u64::from);
        let (input_tokens, output_tokens) = match request {
            AiRequest::Chat(c) | AiRequest::ChatStream(c) => {
                (tokens(c.prompt_chars()), out(c.max_tokens))
            }
            AiRequest::Complete(c) => (tokens(c.prompt.len()), out(c.max_tokens)),
            AiRequest::Embed(e) => (tokens(e.inputs.iter().map(String::len).sum()), 0),
            AiRequest::ListModels(_) | AiRequest::GetModel(_) => (0, 0),
        };
        Usage {
            input_tokens,
            output_tokens,
            ..Usage::default()
        }
    }

    /// The estimated cost of a request before it is sent: its
    /// [`estimate_usage`](Self::estimate_usage) at the price of the model
    /// it names. `None` when that price is unknown; listing and describing
    /// models cost nothing.
    pub fn estimate(&self, request: &AiRequest) -> Option<f64> {
        match Self::model_of(request) {
            Some(model) => self.estimate_as(model, request),
            None => Some(0.0),
        }
    }

    /// The estimated cost of `request` were it sent to `model` — for a
    /// provider that knows the request's model under another name (a
    /// model alias).
    pub fn estimate_as(&self, model: &str, request: &AiRequest) -> Option<f64> {
        self.cost(model, &Self::estimate_usage(request))
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
    use crate::ErrorKind;
    use crate::ai::{ChatRequest, CompletionRequest, EmbeddingRequest, ListModels, ModelRef};

    fn usage(i: u64, o: u64, c: Option<u64>) -> Usage {
        Usage {
            input_tokens: i,
            output_tokens: o,
            cached_input_tokens: c,
        }
    }

    #[test]
    fn longest_prefix_at_a_boundary() {
        let t = PriceTable::built_in();
        let input = |m: &str| t.get(m).map(|p| p.input_per_million);
        assert_eq!(input("gpt-4o-mini-2024-07-18"), Some(0.15));
        assert_eq!(input("gpt-4o-2024-08-06"), Some(2.50));
        assert_eq!(input("gpt-4-0613"), Some(30.0));
        assert_eq!(input("gpt-4.1-2025-04-14"), Some(2.0));
        assert_eq!(input("gpt-4.1-mini-2025-04-14"), Some(0.40));
        assert_eq!(input("gpt-5.6-terra-2026-07-09"), Some(2.0));
        assert_eq!(input("gpt-5.6-2026-07-09"), Some(5.0));
        assert_eq!(input("gpt-5.4-mini"), Some(0.75));
        assert_eq!(input("gpt-5.1-codex-mini"), Some(0.25));
        assert_eq!(input("gpt-5.1-codex"), Some(1.25));
        assert_eq!(input("gpt-4x"), None, "no boundary after the prefix");
        assert_eq!(input("gpt-5.7"), None, "a dot is no boundary");
        assert_eq!(input("claude-opus-5-5-20261001"), Some(4.0));
        assert_eq!(input("claude-opus-5-20260724"), Some(5.0));
        assert_eq!(input("claude-opus-4-20250514"), Some(15.0));
        assert_eq!(input("claude-opus-4-0"), Some(15.0));
        assert_eq!(input("claude-sonnet-5-5"), Some(2.0));
        assert_eq!(input("claude-sonnet-4-20250514"), Some(3.0));
        assert_eq!(
            t.get("claude-3-5-haiku-latest")
                .map(|p| p.output_per_million),
            Some(4.0)
        );
    }

    #[test]
    fn cached_tokens_use_their_own_price() {
        let p = ModelPrice::per_million(2.0, 8.0).with_cached_input(0.5);
        let c = p.cost(&usage(1_000_000, 1_000_000, Some(400_000)));
        assert!((c - (0.6 * 2.0 + 0.4 * 0.5 + 8.0)).abs() < 1e-9, "{c}");
        // More cached than input (a provider quirk) never goes negative.
        assert_eq!(p.cost(&usage(10, 0, Some(20))), 10.0 * 0.5 / 1e6);
        let plain = ModelPrice::per_million(2.0, 8.0);
        assert_eq!(plain.cost(&usage(1_000_000, 0, Some(1_000_000))), 2.0);
        // a built-in price: Anthropic's cache hits
        let sonnet = PriceTable::anthropic();
        let cost = sonnet
            .cost("claude-sonnet-4-5", &usage(2_000_000, 0, Some(1_000_000)))
            .unwrap();
        assert!((cost - (3.0 + 0.30)).abs() < 1e-12, "{cost}");
    }

    #[test]
    fn overrides_win_and_the_fallback_prices_the_rest() {
        let mut t = PriceTable::openai();
        t.merge(PriceTable::new().with("gpt-4o", ModelPrice::per_million(1.0, 1.0)));
        assert_eq!(t.get("gpt-4o-2024-08-06").unwrap().input_per_million, 1.0);
        assert_eq!(t.get("gpt-4o-mini").unwrap().input_per_million, 0.15);
        assert_eq!(t.cost("llama3", &usage(5, 5, None)), None);
        // a merged table without a fallback keeps the old one
        let mut free = PriceTable::free();
        free.merge(PriceTable::new().with("paid", ModelPrice::per_million(1.0, 1.0)));
        assert_eq!(free.cost("llama3", &usage(5, 5, None)), Some(0.0));
        assert_eq!(free.cost("paid", &usage(1_000_000, 0, None)), Some(1.0));
        free.merge(PriceTable::new().with_fallback(Some(ModelPrice::per_million(2.0, 0.0))));
        assert_eq!(free.cost("llama3", &usage(1_000_000, 0, None)), Some(2.0));
    }

    #[test]
    fn validate_refuses_negative_and_nan_prices() {
        for (bad, field) in [
            (
                PriceTable::new().with("x", ModelPrice::per_million(-1.0, 0.0)),
                "prices/x",
            ),
            (
                PriceTable::new().with("y", ModelPrice::per_million(1.0, f64::NAN)),
                "prices/y",
            ),
            (
                PriceTable::new().with(
                    "z",
                    ModelPrice::per_million(1.0, 1.0).with_cached_input(f64::INFINITY),
                ),
                "prices/z",
            ),
            (
                PriceTable::new().with_fallback(Some(ModelPrice::per_million(0.0, -0.5))),
                "prices/*",
            ),
        ] {
            let err = bad.validate().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert_eq!(err.field(), Some(field));
        }
        assert!(PriceTable::free().validate().is_ok());
        for list in BUILT_IN_PRICE_LISTS {
            assert!(
                PriceTable::from_list(list).validate().is_ok(),
                "{}",
                list.provider
            );
        }
    }

    #[test]
    fn built_in_lists_are_dated_distinct_and_complete() {
        let mut ids = std::collections::BTreeSet::new();
        for list in BUILT_IN_PRICE_LISTS {
            let date = list.as_of.as_bytes();
            assert!(
                date.len() == 10 && date[4] == b'-' && date[7] == b'-',
                "{}: {}",
                list.provider,
                list.as_of
            );
            assert!(list.source.starts_with("https://"));
            for (id, _) in list.models {
                assert!(ids.insert(*id), "{id} is listed twice");
            }
        }
        assert_eq!(PriceTable::built_in().len(), ids.len());
        assert_eq!(
            PriceTable::for_provider("openai"),
            Some(PriceTable::openai())
        );
        assert_eq!(
            PriceTable::for_provider("anthropic"),
            Some(PriceTable::anthropic())
        );
        assert_eq!(PriceTable::for_provider("ollama"), Some(PriceTable::free()));
        assert_eq!(PriceTable::for_provider("github"), None);
    }

    #[test]
    fn estimates_price_requests_before_they_are_sent() {
        let t = PriceTable::openai();
        let chat =
            |m: &str| AiRequest::Chat(ChatRequest::new(m, "x".repeat(4_000)).max_tokens(500));
        assert_eq!(
            PriceTable::estimate_usage(&chat("gpt-4o")),
            usage(1_000, 500, None)
        );
        let big = t.estimate(&chat("gpt-4o")).unwrap();
        let small = t.estimate(&chat("gpt-4o-mini")).unwrap();
        assert!(small < big);
        assert!((big - (1_000.0 * 2.5 + 500.0 * 10.0) / 1e6).abs() < 1e-12);
        assert_eq!(t.estimate(&chat("mystery")), None);
        // under another name
        assert_eq!(t.estimate_as("gpt-4o", &chat("alias")), Some(big));

        // no max_tokens: the default output; one character is one token
        let short = AiRequest::Chat(ChatRequest::new("gpt-4o", "x"));
        assert_eq!(
            PriceTable::estimate_usage(&short),
            usage(1, DEFAULT_OUTPUT_TOKENS, None)
        );
        let complete = AiRequest::Complete(CompletionRequest {
            model: "gpt-4o".into(),
            prompt: "x".repeat(9),
            ..Default::default()
        });
        assert_eq!(
            PriceTable::estimate_usage(&complete),
            usage(3, DEFAULT_OUTPUT_TOKENS, None)
        );
        let embed = AiRequest::Embed(EmbeddingRequest {
            model: "text-embedding-3-small".into(),
            inputs: vec!["x".repeat(4_000_000)],
            dimensions: None,
        });
        assert_eq!(
            PriceTable::estimate_usage(&embed),
            usage(1_000_000, 0, None)
        );
        assert_eq!(t.estimate(&embed), Some(0.02));
        assert_eq!(
            t.estimate(&AiRequest::ListModels(ListModels::default())),
            Some(0.0)
        );
        assert_eq!(
            t.estimate(&AiRequest::GetModel(ModelRef {
                id: "mystery".into()
            })),
            Some(0.0)
        );
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
        assert_eq!(
            serde_json::from_value::<PriceTable>(serde_json::to_value(&t).unwrap()).unwrap(),
            t
        );
        let typo = serde_json::json!({"models": {"m": {"input": 1.0, "ouput": 2.0}}});
        assert!(serde_json::from_value::<PriceTable>(typo).is_err());
        assert!(serde_json::from_value::<PriceTable>(serde_json::json!({"model": {}})).is_err());
    }
}
