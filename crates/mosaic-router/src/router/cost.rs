//! What the lowest-cost strategy ranks by: a host-supplied [`CostModel`].
//! Ready-made ones: for AI providers the one price table of the SDK,
//! [`PriceTable`] (also behind every answer's `cost_usd`), directly or
//! through [`ModelCosts`] (model aliases, per-provider tables); for any
//! family fixed [`OperationCosts`].

use std::collections::HashMap;
use std::fmt;

use mosaic_core::Operation;
use mosaic_core::ai::AiRequest;
use mosaic_core::ai::price::PriceTable;

use crate::{Glob, ModelAliases};

/// Estimates what an operation would cost at a provider, in any unit the
/// host likes (money, quota points), as long as it is the same for all
/// providers of a router.
///
/// `None` means the cost is unknown: such providers are tried after every
/// provider with a known cost. Closures `Fn(&str, &R) -> Option<f64>` are
/// cost models too.
pub trait CostModel<R>: Send + Sync + 'static {
    /// The estimated cost of sending `operation` to `provider`.
    fn estimate(&self, provider: &str, operation: &R) -> Option<f64>;
}

impl<R, F> CostModel<R> for F
where
    F: Fn(&str, &R) -> Option<f64> + Send + Sync + 'static,
{
    fn estimate(&self, provider: &str, operation: &R) -> Option<f64> {
        self(provider, operation)
    }
}

/// AI requests priced by the one [`PriceTable`]: the estimated cost of
/// a request is [`PriceTable::estimate`] — its prompt and `max_tokens` at
/// the price of the model it names — whichever provider it goes to. A
/// model without a price is an unknown cost (tried last).
///
/// Hand the router the same table the AI adapters price their answers
/// with (`OpenAiConfig::with_price_table` and its siblings in
/// `mosaic-providers`), and the lowest-cost strategy ranks by the prices
/// that later appear as `cost_usd`. When providers know a request's model
/// under other names (a [`ModelAliasLayer`](crate::ModelAliasLayer)), or
/// one of them prices models its own way (a local server), use
/// [`ModelCosts`].
impl CostModel<AiRequest> for PriceTable {
    fn estimate(&self, _provider: &str, operation: &AiRequest) -> Option<f64> {
        PriceTable::estimate(self, operation)
    }
}

/// The cost model of AI providers: one [`PriceTable`], seen through each
/// provider's model aliases, with an own table for providers that price
/// differently.
///
/// For a request to a provider, the model it names is first resolved
/// through that provider's [`aliases`](Self::aliases) (the same
/// [`ModelAliases`] its [`ModelAliasLayer`](crate::ModelAliasLayer)
/// rewrites with), then priced by the provider's own table if it has one
/// ([`provider_prices`](Self::provider_prices)), else by the shared table,
/// for the tokens [`PriceTable::estimate_usage`] expects. A model without
/// a price is an unknown cost (tried after every known one); listing and
/// describing models cost nothing.
///
/// ```
/// use mosaic_core::ai::price::PriceTable;
/// use mosaic_core::ai::{AiRequest, ChatRequest};
/// use mosaic_router::ModelAliases;
/// use mosaic_router::router::{CostModel, ModelCosts};
///
/// let costs = ModelCosts::new(PriceTable::built_in())
///     .aliases("gpt", ModelAliases::new().alias("chat", "gpt-4o-mini"))
///     .aliases("claude", ModelAliases::new().alias("chat", "claude-sonnet-4-5"))
///     .provider_prices("local", PriceTable::free());
/// let req = AiRequest::Chat(ChatRequest::new("chat", "x".repeat(4000)).max_tokens(500));
/// let gpt = costs.estimate("gpt", &req).unwrap();
/// let claude = costs.estimate("claude", &req).unwrap();
/// assert!((gpt - (1000.0 * 0.15 + 500.0 * 0.60) / 1e6).abs() < 1e-12);
/// assert!(gpt < claude);
/// assert_eq!(costs.estimate("local", &req), Some(0.0));
/// assert_eq!(costs.estimate("elsewhere", &req), None, "`chat` has no price");
/// ```
#[derive(Debug, Clone, Default)]
pub struct ModelCosts {
    prices: PriceTable,
    providers: HashMap<String, ProviderView>,
}

/// How one provider sees the shared table.
#[derive(Debug, Clone, Default)]
struct ProviderView {
    aliases: ModelAliases,
    prices: Option<PriceTable>,
}

impl ModelCosts {
    /// Every provider priced by `prices`, under the request's model name.
    pub fn new(prices: PriceTable) -> Self {
        ModelCosts {
            prices,
            providers: HashMap::new(),
        }
    }

    /// `provider` knows models by these aliases (a later call for the same
    /// provider replaces them).
    pub fn aliases(mut self, provider: impl Into<String>, aliases: ModelAliases) -> Self {
        self.providers.entry(provider.into()).or_default().aliases = aliases;
        self
    }

    /// `provider` is priced by `prices` instead of the shared table —
    /// e.g. [`PriceTable::free`] for a local server, or the table its
    /// adapter was given.
    pub fn provider_prices(mut self, provider: impl Into<String>, prices: PriceTable) -> Self {
        self.providers.entry(provider.into()).or_default().prices = Some(prices);
        self
    }

    /// The shared table.
    pub fn prices(&self) -> &PriceTable {
        &self.prices
    }

    /// The table `provider` is priced by.
    pub fn prices_of(&self, provider: &str) -> &PriceTable {
        self.providers
            .get(provider)
            .and_then(|v| v.prices.as_ref())
            .unwrap_or(&self.prices)
    }

    /// The name `provider` knows `model` by.
    pub fn model_at<'a>(&'a self, provider: &str, model: &'a str) -> &'a str {
        self.providers
            .get(provider)
            .and_then(|v| v.aliases.resolve(model))
            .unwrap_or(model)
    }
}

impl CostModel<AiRequest> for ModelCosts {
    fn estimate(&self, provider: &str, operation: &AiRequest) -> Option<f64> {
        match PriceTable::model_of(operation) {
            Some(model) => self
                .prices_of(provider)
                .estimate_as(self.model_at(provider, model), operation),
            None => Some(0.0),
        }
    }
}

/// A fixed cost per provider and operation, for any family: the first
/// entry whose provider matches and whose glob matches the operation name
/// gives the cost.
///
/// ```
/// use mosaic_core::git::{GitRequest, RepoRef};
/// use mosaic_router::router::{CostModel, OperationCosts};
///
/// let costs = OperationCosts::new()
///     .cost("github", "git.*.list", 5.0)
///     .cost("github", "*", 1.0)
///     .cost("gitea", "*", 0.5);
/// let get = GitRequest::GetRepository(RepoRef::new("o", "r"));
/// assert_eq!(costs.estimate("github", &get), Some(1.0));
/// assert_eq!(costs.estimate("gitea", &get), Some(0.5));
/// assert_eq!(costs.estimate("gitlab", &get), None);
/// ```
#[derive(Clone, Default)]
pub struct OperationCosts {
    entries: Vec<(String, Glob, f64)>,
}

impl OperationCosts {
    /// No costs yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// `provider` charges `cost` for operations matching `operation` (a glob).
    pub fn cost(mut self, provider: impl Into<String>, operation: &str, cost: f64) -> Self {
        self.entries
            .push((provider.into(), Glob::new(operation), cost));
        self
    }
}

impl<R: Operation> CostModel<R> for OperationCosts {
    fn estimate(&self, provider: &str, operation: &R) -> Option<f64> {
        let name = operation.name();
        self.entries
            .iter()
            .find(|(p, g, _)| p == provider && g.is_match(name))
            .map(|(_, _, c)| *c)
    }
}

impl fmt::Debug for OperationCosts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.entries
                    .iter()
                    .map(|(p, g, c)| format!("{p} {g} = {c}")),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use mosaic_core::ai::price::ModelPrice;
    use mosaic_core::ai::{ChatRequest, ListModels};

    use super::*;

    fn chat(model: &str) -> AiRequest {
        AiRequest::Chat(ChatRequest::new(model, "x".repeat(4_000)).max_tokens(500))
    }

    #[test]
    fn a_price_table_prices_the_model_a_request_names() {
        let table = PriceTable::openai();
        let model: &dyn CostModel<AiRequest> = &table;
        let mini = (1_000.0 * 0.15 + 500.0 * 0.60) / 1e6;
        assert_eq!(model.estimate("anywhere", &chat("gpt-4o-mini")), Some(mini));
        assert_eq!(
            model.estimate("elsewhere", &chat("gpt-4o-mini")),
            Some(mini)
        );
        assert!(model.estimate("anywhere", &chat("gpt-4o")).unwrap() > mini);
        assert_eq!(model.estimate("anywhere", &chat("mystery")), None);
    }

    #[test]
    fn model_costs_resolve_aliases_and_per_provider_tables() {
        let costs =
            ModelCosts::new(PriceTable::openai().with("gpt-4o", ModelPrice::per_million(1.0, 1.0)))
                .aliases("big", ModelAliases::new().alias("chat", "gpt-4o"))
                .aliases("small", ModelAliases::new().alias("chat", "gpt-4o-mini"))
                .provider_prices("local", PriceTable::free())
                .aliases("local", ModelAliases::new().alias("chat", "llama3"));

        let big = costs.estimate("big", &chat("chat")).unwrap();
        assert_eq!(big, (1_000.0 + 500.0) / 1e6, "the host's override wins");
        let small = costs.estimate("small", &chat("chat")).unwrap();
        assert_eq!(small, (1_000.0 * 0.15 + 500.0 * 0.60) / 1e6);
        assert_eq!(costs.estimate("local", &chat("chat")), Some(0.0));
        assert_eq!(costs.estimate("other", &chat("chat")), None);
        // not an alias: the model's own price, at every provider
        assert_eq!(costs.estimate("small", &chat("gpt-4o")), Some(big));
        assert_eq!(costs.estimate("other", &chat("gpt-4o")), Some(big));
        let list = AiRequest::ListModels(ListModels::default());
        assert_eq!(costs.estimate("other", &list), Some(0.0));

        assert_eq!(costs.model_at("small", "chat"), "gpt-4o-mini");
        assert_eq!(costs.model_at("other", "chat"), "chat");
        assert_eq!(costs.prices_of("local"), &PriceTable::free());
        assert_eq!(costs.prices_of("big"), costs.prices());
    }
}
