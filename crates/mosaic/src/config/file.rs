//! The shape of `mosaic.toml` (TOML; JSON is accepted too).
//!
//! Every table refuses keys it does not know, so a typo is an error naming
//! its place rather than a silently ignored setting. A provider's own
//! settings (`base_url`, `token`, …) sit beside `kind` and `stack` and are
//! checked by that provider's configuration schema.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MosaicConfig {
    /// Provider instances by name.
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderSpec>,
    /// Routing rules per family.
    #[serde(default)]
    pub routes: Routes,
    /// A response cache in front of each family's router.
    pub cache: Option<CacheSpec>,
    /// Quotas per tenant (the request context's tenant), by tenant name;
    /// `"*"` gives every tenant not named its own quota of that size.
    #[serde(default)]
    pub tenants: BTreeMap<String, TenantSpec>,
    /// The Redis server behind `cache.shared` and `rate_limit.shared`.
    pub redis: Option<RedisSpec>,
    /// Tracing spans and metrics.
    pub observability: Option<ObservabilitySpec>,
    /// Model aliases and the AI failover defaults.
    #[serde(default)]
    pub ai: AiSpec,
    /// What `mosaic mcp` (the `mosaic-mcp` server) exposes to an agent.
    pub mcp: Option<McpSpec>,
    /// The text this was parsed from, to place errors found later.
    #[serde(skip)]
    #[schemars(skip)]
    pub(crate) source: Option<Source>,
}

/// Where a configuration came from.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub(crate) origin: std::sync::Arc<str>,
    pub(crate) text: std::sync::Arc<str>,
    pub(crate) toml: bool,
}

/// Sources never make two configurations differ.
impl PartialEq for Source {
    fn eq(&self, _: &Source) -> bool {
        true
    }
}

/// `[ai]`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AiSpec {
    /// One model name for the host → the model each instance knows it by,
    /// in failover order: `chat = [{ provider = "openai", model =
    /// "gpt-4o-mini" }, { provider = "claude", model =
    /// "claude-3-5-haiku-latest" }]`. Calls naming the alias go to these
    /// instances in this order unless an earlier `[[routes.ai]]` rule
    /// matches them; each instance is sent its own model name.
    #[serde(default)]
    pub aliases: BTreeMap<String, Vec<AliasTarget>>,
    /// Move to the next candidate when a model refuses a prompt for its
    /// length (`ContextLengthExceeded`; default true). Such a refusal
    /// proves the request did nothing, so it is safe for every operation.
    #[serde(default = "yes")]
    pub context_fallback: bool,
    /// Prices by model id (or id prefix, e.g. `gpt-4o` for its dated
    /// versions), in US dollars per million tokens, laid over the built-in
    /// lists: one table for the adapters' `cost_usd` and for
    /// `strategy = "cost"`.
    #[serde(default)]
    pub prices: BTreeMap<String, PriceSpec>,
    /// Spending limits on AI calls (`[[ai.budgets]]`), checked before each
    /// provider attempt from an estimate and settled with the usage the
    /// provider reports.
    #[serde(default)]
    pub budgets: Vec<BudgetSpec>,
    /// Keep the budgets' counters in Redis (`[redis]`), shared by every
    /// replica (default false: this process's own).
    #[serde(default)]
    pub shared_budgets: bool,
}

impl Default for AiSpec {
    fn default() -> Self {
        AiSpec {
            aliases: BTreeMap::new(),
            context_fallback: true,
            prices: BTreeMap::new(),
            budgets: Vec::new(),
            shared_budgets: false,
        }
    }
}

/// `[[ai.budgets]]`: one limit, in US dollars (`usd`) or tokens
/// (`tokens`), over a calendar window. `tenant`, `principal` and `model`
/// narrow it: a value applies it to that value only, `"*"` gives each
/// value a budget of its own, absent shares one budget among all.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetSpec {
    /// The budget's name (in errors, events and counter keys).
    pub name: String,
    /// The limit in US dollars.
    pub usd: Option<f64>,
    /// The limit in tokens (input plus output).
    pub tokens: Option<u64>,
    /// The window: `minute`, `hour`, `day` or `month` (UTC calendar).
    pub per: WindowSpec,
    /// The tenant it applies to (`"*"`: each its own).
    pub tenant: Option<String>,
    /// The principal it applies to (`"*"`: each its own).
    pub principal: Option<String>,
    /// The model it applies to (`"*"`: each its own).
    pub model: Option<String>,
    /// A soft limit lets calls through and sends an event when passed
    /// (default false: calls that would pass it are refused with
    /// `BudgetExceeded`).
    #[serde(default)]
    pub soft: bool,
}

/// `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WindowSpec {
    /// A calendar minute.
    Minute,
    /// A calendar hour.
    Hour,
    /// A UTC day.
    Day,
    /// A UTC calendar month.
    Month,
}

/// `ai.prices.MODEL`: US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceSpec {
    /// Prompt tokens.
    pub input: f64,
    /// Generated tokens.
    pub output: f64,
    /// Prompt tokens served from the provider's prompt cache (default: the
    /// input price).
    pub cached_input: Option<f64>,
}

/// One instance's name for an alias.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AliasTarget {
    /// The AI instance (`[providers.NAME]`).
    pub provider: String,
    /// The model name that instance uses.
    pub model: String,
}

/// `[mcp]`: the operations an MCP client (an agent) may call, and whom
/// its calls run as.
///
/// Reads of the configured providers are tools by default; a write is one
/// only when `allow` names it. A destructive write (an operation whose verb
/// is `delete`, `remove`, `merge`, `cancel` or `stop`) must be named
/// exactly: a glob such as `"git.*"` does not enable it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct McpSpec {
    /// Write operations to expose: operation names
    /// (`"git.pull_request.create"`) or globs (`"kb.*"`,
    /// `"git.issue.*"`). Each entry must match at least one operation.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Operations to hide even though they are reads or allowed (names or
    /// globs, e.g. `"cicd.artifact.download"`); wins over `allow`.
    #[serde(default)]
    pub deny: Vec<String>,
    /// The tenant every call runs as (the request context's tenant: its
    /// `[tenants]` quota, `match.tenant` rules, cache partition).
    pub tenant: Option<String>,
    /// The principal every call runs as (recorded in the request context).
    pub principal: Option<String>,
}

/// `[tenants.NAME]`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantSpec {
    /// The tenant's quota over every family's calls together; calls past
    /// it fail with `RateLimited` (or wait, with `mode = "queue"`).
    pub rate_limit: RateLimitSpec,
}

/// `[redis]`: one server for the shared cache tier and shared quotas.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RedisSpec {
    /// `redis://[:password@]host:port/db`, usually by reference
    /// (`env:REDIS_URL`); never printed.
    pub url: String,
    /// Prefix of every key (default `mosaic`); replicas that share state
    /// use the same prefix.
    pub prefix: Option<String>,
    /// What a shared quota does while Redis is unreachable: `open` (admit,
    /// the default) or `closed` (refuse).
    #[serde(default)]
    pub on_failure: RedisFailure,
}

/// `redis.on_failure`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RedisFailure {
    /// Admit calls while Redis is down.
    #[default]
    Open,
    /// Refuse calls while Redis is down.
    Closed,
}

/// `[observability]`: `tracing` spans and `metrics` (the
/// `mosaic_requests_total` counter and `mosaic_request_duration_seconds`
/// histogram) through the router's trace layer.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservabilitySpec {
    /// One `mosaic.request` span and one metric sample per call a host
    /// makes, in front of the cache (default true).
    #[serde(default = "yes")]
    pub requests: bool,
    /// One span and sample per provider attempt, labelled with the
    /// instance name (default false).
    #[serde(default)]
    pub attempts: bool,
    /// OpenTelemetry GenAI spans and metrics (`gen_ai.*`: models, token
    /// usage, duration, time to first chunk) per AI instance (default
    /// false). Prompts and answers are never recorded.
    #[serde(default)]
    pub genai: bool,
}

fn yes() -> bool {
    true
}

/// `[cache]`: an in-memory response cache in front of each family's
/// router (reads are cached by key and TTL, writes invalidate what they
/// change, concurrent misses are coalesced).
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CacheSpec {
    /// Most entries kept per family (default 10,000).
    pub entries: Option<usize>,
    /// Default time to live (default 60s).
    #[serde(default, deserialize_with = "opt_duration")]
    #[schemars(with = "Option<String>")]
    pub ttl: Option<Duration>,
    /// Time to live per operation name (`"git.repository.get" = "5m"`).
    #[serde(default, deserialize_with = "duration_map")]
    #[schemars(with = "BTreeMap<String, String>")]
    pub operations: BTreeMap<String, Duration>,
    /// How long an expired entry may still be served when the providers
    /// fail (default: not at all).
    #[serde(default, deserialize_with = "opt_duration")]
    #[schemars(with = "Option<String>")]
    pub stale_if_error: Option<Duration>,
    /// Keep entries in Redis too (`[redis]`), shared by every replica
    /// (default false).
    #[serde(default)]
    pub shared: bool,
}

/// One provider instance: `[providers.NAME]`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
pub struct ProviderSpec {
    /// The catalog kind (`github`, `gitea`, …, `jira`) or a fake
    /// (`fake-git`, `fake-cicd`, `fake-ai`, `fake-kb`, `fake-workflow`,
    /// `fake-project`; feature `testing`).
    pub kind: String,
    /// The layers around this instance.
    #[serde(default)]
    pub stack: StackSpec,
    /// The provider's own settings, checked by its schema. String values
    /// `env:VAR` and `file:PATH` are replaced by the variable's value or
    /// the file's contents (trailing newline trimmed) before that.
    #[serde(flatten)]
    pub settings: Map<String, Value>,
}

/// The layers around one instance, outermost first: bulkhead, rate limit,
/// circuit breaker, retry, timeout.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StackSpec {
    /// Each attempt's time limit (`"10s"`, `"500ms"`).
    #[serde(default, deserialize_with = "opt_duration")]
    #[schemars(with = "Option<String>")]
    pub timeout: Option<Duration>,
    /// Retries of transient failures.
    pub retry: Option<RetrySpec>,
    /// A circuit breaker.
    pub breaker: Option<BreakerSpec>,
    /// A client-side rate limit.
    pub rate_limit: Option<RateLimitSpec>,
    /// A concurrency limit.
    pub bulkhead: Option<BulkheadSpec>,
}

/// `stack.retry`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrySpec {
    /// Attempts in all, the first included (at least 1).
    pub attempts: u32,
    /// First backoff (default 100ms).
    #[serde(default, deserialize_with = "opt_duration")]
    #[schemars(with = "Option<String>")]
    pub base_delay: Option<Duration>,
    /// Longest backoff (default 10s).
    #[serde(default, deserialize_with = "opt_duration")]
    #[schemars(with = "Option<String>")]
    pub max_delay: Option<Duration>,
}

/// `stack.breaker`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakerSpec {
    /// Failure rate (0 < rate ≤ 1) at which the circuit opens.
    pub failure_rate: f64,
    /// The last this many calls are counted.
    pub window: u32,
    /// Calls needed in the window before the rate counts (default: the
    /// window).
    pub minimum_calls: Option<u32>,
    /// How long the circuit stays open.
    #[serde(deserialize_with = "duration")]
    #[schemars(with = "String")]
    pub open_for: Duration,
    /// Trial calls let through while half open (default 1).
    pub half_open_calls: Option<u32>,
}

/// `stack.rate_limit`: exactly one of `per_second`, `per_minute`,
/// `per_hour`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSpec {
    /// Calls per second.
    pub per_second: Option<u32>,
    /// Calls per minute.
    pub per_minute: Option<u32>,
    /// Calls per hour.
    pub per_hour: Option<u32>,
    /// Calls allowed at once above the steady rate.
    pub burst: Option<u32>,
    /// `reject` (default) or `queue`.
    #[serde(default)]
    pub mode: RateMode,
    /// With `queue`: the longest wait for a slot (default: one period).
    #[serde(default, deserialize_with = "opt_duration")]
    #[schemars(with = "Option<String>")]
    pub max_wait: Option<Duration>,
    /// Draw from one quota in Redis (`[redis]`) with every replica
    /// (default false: this process's own quota).
    #[serde(default)]
    pub shared: bool,
}

/// What a rate limit does with the excess.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RateMode {
    /// Fail at once with `RateLimited`.
    #[default]
    Reject,
    /// Wait for a slot.
    Queue,
}

/// `stack.bulkhead`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkheadSpec {
    /// Calls in flight at once.
    pub max_concurrent: usize,
    /// Calls that may wait for a slot (default 0).
    #[serde(default)]
    pub queue: usize,
    /// The longest wait for a slot (default 1s).
    #[serde(default, deserialize_with = "opt_duration")]
    #[schemars(with = "Option<String>")]
    pub max_wait: Option<Duration>,
}

/// `[[routes.FAMILY]]` lists, tried in order; a family with instances but
/// no rules sends every call to its instances in declaration order with
/// failover.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Routes {
    /// Git forges.
    #[serde(default)]
    pub git: Vec<RouteSpec>,
    /// CI/CD systems.
    #[serde(default)]
    pub cicd: Vec<RouteSpec>,
    /// AI models.
    #[serde(default)]
    pub ai: Vec<RouteSpec>,
    /// Knowledge bases.
    #[serde(default)]
    pub kb: Vec<RouteSpec>,
    /// Workflow engines.
    #[serde(default)]
    pub workflow: Vec<RouteSpec>,
    /// Issue trackers.
    #[serde(default)]
    pub project: Vec<RouteSpec>,
}

/// One routing rule.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// A name for plans and traces (default `FAMILY[INDEX]`).
    pub name: Option<String>,
    /// What the rule matches (everything when absent).
    #[serde(default, rename = "match")]
    pub matches: MatchSpec,
    /// The candidate instances, in order.
    pub to: Vec<String>,
    /// Weights of the candidates, in `to`'s order, for the weighted
    /// strategies (default 1 each).
    pub weights: Option<Vec<u32>>,
    /// How the candidates are ordered (default `failover`).
    #[serde(default)]
    pub strategy: StrategySpec,
    /// Attempts across candidates (default: each candidate once).
    pub max_attempts: Option<u32>,
    /// The error kinds that move a call on to the next candidate
    /// (`unavailable`, `timeout`, `rate_limited`, `circuit_open`,
    /// `context_length_exceeded`, …), instead of the default: the
    /// transient kinds for reads, and for writes only the kinds that prove
    /// nothing ran (a write never moves on after a timeout).
    pub failover_on: Option<Vec<String>>,
}

/// `match = { … }`: globs on the request.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchSpec {
    /// Operation name glob (`git.pull_request.*`).
    pub operation: Option<String>,
    /// Subject glob (`acme/internal-*`).
    pub subject: Option<String>,
    /// Tenant glob.
    pub tenant: Option<String>,
    /// Label globs, all of which must match.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// `read` or `write` operations only.
    pub access: Option<AccessSpec>,
}

/// `match.access`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccessSpec {
    /// Reads only.
    Read,
    /// Writes only.
    Write,
}

/// `strategy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StrategySpec {
    /// In order, the next on a transient failure.
    #[default]
    Failover,
    /// Rotate through the candidates.
    RoundRobin,
    /// The candidate with the fewest calls in flight.
    LeastBusy,
    /// The candidate with the lowest observed latency.
    Latency,
    /// The cheapest candidate for the call by `[ai.prices]` and the
    /// built-in price lists (AI routes only).
    Cost,
    /// Smooth weighted round robin: over each cycle of `sum(weights)`
    /// calls every candidate goes first `weight` times, interleaved.
    Weighted,
    /// The first candidate drawn at random in proportion to its weight.
    WeightedRandom,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("`{text}` is not a duration such as \"10s\" or \"500ms\" ({e})"))
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    parse_duration(&text).map_err(serde::de::Error::custom)
}

fn opt_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|t| parse_duration(&t).map_err(serde::de::Error::custom))
        .transpose()
}

fn duration_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Duration>, D::Error> {
    BTreeMap::<String, String>::deserialize(d)?
        .into_iter()
        .map(|(k, v)| {
            parse_duration(&v)
                .map(|d| (k, d))
                .map_err(serde::de::Error::custom)
        })
        .collect()
}
