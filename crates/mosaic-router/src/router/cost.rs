//! What the lowest-cost strategy ranks by: a host-supplied [`CostModel`],
//! with two ready-made ones — [`TokenPricing`] for AI providers and
//! [`OperationCosts`] for any family.

use std::collections::HashMap;
use std::fmt;

use mosaic_core::Operation;
use mosaic_core::ai::AiRequest;

use crate::Glob;

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

/// A price per token, in US dollars per million tokens (the unit AI
/// providers publish).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenPrice {
    /// Dollars per million prompt tokens.
    pub input_per_million: f64,
    /// Dollars per million generated tokens.
    pub output_per_million: f64,
}

impl TokenPrice {
    /// A price of `input` and `output` dollars per million tokens.
    pub fn per_million(input: f64, output: f64) -> Self {
        TokenPrice {
            input_per_million: input,
            output_per_million: output,
        }
    }

    /// The cost of a call that reads `input` and writes `output` tokens.
    pub fn cost(&self, input: u64, output: u64) -> f64 {
        (input as f64 * self.input_per_million + output as f64 * self.output_per_million) / 1e6
    }
}

#[derive(Debug, Clone, Default)]
struct ProviderPrices {
    any_model: Option<TokenPrice>,
    models: HashMap<String, TokenPrice>,
}

/// The cost model of AI providers: a price per input and output token per
/// provider (and optionally per model), and an estimate of the tokens a
/// request will use.
///
/// Input tokens are estimated from the prompt's length (system prompt,
/// messages and tool schemas; [`chars_per_token`](Self::chars_per_token)
/// characters per token, 4 by default); output tokens are the request's
/// `max_tokens`, or [`default_output_tokens`](Self::default_output_tokens)
/// (256) when unset. Listing or describing models costs nothing.
///
/// ```
/// use mosaic_core::ai::{AiRequest, ChatRequest};
/// use mosaic_router::router::{CostModel, TokenPrice, TokenPricing};
///
/// let pricing = TokenPricing::new()
///     .provider("big", TokenPrice::per_million(2.50, 10.00))
///     .provider("small", TokenPrice::per_million(0.15, 0.60));
/// let req = AiRequest::Chat(ChatRequest::new("m", "x".repeat(4000)).max_tokens(500));
/// assert_eq!(pricing.estimate_tokens(&req), (1000, 500));
/// let big = pricing.estimate("big", &req).unwrap();
/// let small = pricing.estimate("small", &req).unwrap();
/// assert!(small < big);
/// assert_eq!(pricing.estimate("unknown", &req), None);
/// ```
#[derive(Debug, Clone)]
pub struct TokenPricing {
    providers: HashMap<String, ProviderPrices>,
    chars_per_token: f64,
    default_output_tokens: u32,
}

impl Default for TokenPricing {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenPricing {
    /// No prices yet; 4 characters per token; 256 expected output tokens.
    pub fn new() -> Self {
        TokenPricing {
            providers: HashMap::new(),
            chars_per_token: 4.0,
            default_output_tokens: 256,
        }
    }

    /// The price of every model at `provider` (unless a model has its own).
    pub fn provider(mut self, provider: impl Into<String>, price: TokenPrice) -> Self {
        self.providers.entry(provider.into()).or_default().any_model = Some(price);
        self
    }

    /// The price of one model at `provider`.
    pub fn model(
        mut self,
        provider: impl Into<String>,
        model: impl Into<String>,
        price: TokenPrice,
    ) -> Self {
        self.providers
            .entry(provider.into())
            .or_default()
            .models
            .insert(model.into(), price);
        self
    }

    /// How many prompt characters make one token (at least 1).
    pub fn chars_per_token(mut self, chars: f64) -> Self {
        self.chars_per_token = if chars.is_finite() {
            chars.max(1.0)
        } else {
            4.0
        };
        self
    }

    /// The output tokens assumed when a request sets no `max_tokens`.
    pub fn default_output_tokens(mut self, tokens: u32) -> Self {
        self.default_output_tokens = tokens;
        self
    }

    fn tokens_of(&self, chars: usize) -> u64 {
        (chars as f64 / self.chars_per_token).ceil() as u64
    }

    /// The estimated `(input, output)` tokens of a request.
    pub fn estimate_tokens(&self, request: &AiRequest) -> (u64, u64) {
        let out = |max: Option<u32>| u64::from(max.unwrap_or(self.default_output_tokens));
        match request {
            AiRequest::Chat(c) | AiRequest::ChatStream(c) => {
                (self.tokens_of(c.prompt_chars()), out(c.max_tokens))
            }
            AiRequest::Complete(c) => (self.tokens_of(c.prompt.len()), out(c.max_tokens)),
            AiRequest::Embed(e) => (self.tokens_of(e.inputs.iter().map(String::len).sum()), 0),
            AiRequest::ListModels(_) | AiRequest::GetModel(_) => (0, 0),
        }
    }

    /// The model a request names, if any.
    fn model_of(request: &AiRequest) -> Option<&str> {
        match request {
            AiRequest::Chat(c) | AiRequest::ChatStream(c) => Some(&c.model),
            AiRequest::Complete(c) => Some(&c.model),
            AiRequest::Embed(e) => Some(&e.model),
            AiRequest::ListModels(_) | AiRequest::GetModel(_) => None,
        }
    }
}

impl CostModel<AiRequest> for TokenPricing {
    fn estimate(&self, provider: &str, operation: &AiRequest) -> Option<f64> {
        let prices = self.providers.get(provider)?;
        let price = Self::model_of(operation)
            .and_then(|m| prices.models.get(m))
            .or(prices.any_model.as_ref())?;
        let (input, output) = self.estimate_tokens(operation);
        Some(price.cost(input, output))
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
