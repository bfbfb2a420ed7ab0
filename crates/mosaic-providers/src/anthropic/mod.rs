//! Anthropic (the Messages API: Claude).
//!
//! [`Anthropic`] implements [`AiProvider`](mosaic_core::ai::AiProvider):
//!
//! * `chat` / `chat_stream`: `POST /v1/messages` with `x-api-key` and
//!   `anthropic-version: 2023-06-01`; the system prompt (and any system
//!   messages) go in the top-level `system`; tool calls and results become
//!   `tool_use` / `tool_result` blocks (consecutive results of parallel
//!   calls share one user turn); a JSON answer (`response_format`) is asked
//!   for as the input of a forced tool and handed back as text;
//! * `complete`: one user turn through the Messages API;
//! * `list_models` / `get_model`: `GET /v1/models[/{id}]` (cursor
//!   pagination with `after_id`);
//! * `embed`: `Unsupported` (Anthropic has no embeddings API).
//!
//! Errors: `529 overloaded_error` (also as a stream `error` event) is
//! `Unavailable` (retryable); `rate_limit_error` `RateLimited` with
//! `retry-after`; "prompt is too long" `ContextLengthExceeded`;
//! `billing_error` and a too-low credit balance `QuotaExceeded`; a
//! `refusal` stop reason is finish reason `ContentFilter`. An unknown model
//! is `NotFound`: Anthropic's `404 not_found_error`, and a `400` whose
//! message names an invalid or unknown model (the LiteLLM gateway's
//! "Invalid model name passed in model=…"), the same mapping as the OpenAI
//! adapter's. A streamed request answered with anything but
//! `text/event-stream` (a gateway that ignored `stream: true` and sent one
//! JSON message) is a `Decode` error naming the content type that arrived.
//!
//! Gateways that answer `/v1/models` in OpenAI's shape (every model at
//! once, `limit` and `after_id` ignored) are paged by Mosaic with the same
//! cursor (the last id of a page), so pages never exceed the size asked.
//!
//! * operations: `chat.rs`; wire types: `wire.rs`; mapping: `map.rs`;
//!   streaming: [`StreamDecoder`];
//! * plugin manifest and configuration schema: [`PLUGIN_MANIFEST`],
//!   [`CONFIG_SCHEMA`], [`plugin_factory`].

mod chat;
mod map;
mod stream;
pub(crate) mod wire;

use mosaic_plugin_sdk::HttpClient;
use std::collections::BTreeMap;
use std::sync::Arc;

use http::header::{HeaderName, HeaderValue};
use mosaic_core::ai::AiOp;
use mosaic_core::{Capabilities, Error, Result, Secret};
use serde::Deserialize;

pub use stream::StreamDecoder;

use crate::ai::http::AiHttp;
use crate::ai::{ModelPrice, PriceTable};
use crate::config::HttpSettings;
use crate::http::Auth;

/// The provider name in errors.
pub(crate) const PROVIDER: &str = "anthropic";

/// The plugin manifest (`plugin.json`).
pub const PLUGIN_MANIFEST: &str = include_str!("plugin.json");

/// The JSON Schema of [`AnthropicConfig`] (`config.schema.json`).
pub const CONFIG_SCHEMA: &str = include_str!("config.schema.json");

/// Anthropic's API.
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";

/// The `anthropic-version` Mosaic is written against.
pub const API_VERSION: &str = "2023-06-01";

/// The output limit sent when a request sets none (the API requires one).
pub const DEFAULT_MAX_TOKENS: u32 = 4096;

/// The request timeout when none is configured.
pub const DEFAULT_TIMEOUT_SECS: u64 = 120;

/// Configuration of an [`Anthropic`] provider (see [`CONFIG_SCHEMA`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AnthropicConfig {
    /// API base URL (path prefix kept): `https://api.anthropic.com`, or a
    /// gateway.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// The API key (`x-api-key`).
    pub api_key: Secret,
    /// The `anthropic-version` header.
    #[serde(default = "default_version")]
    pub version: String,
    /// Beta features (`anthropic-beta`, comma-joined).
    #[serde(default)]
    pub beta: Vec<String>,
    /// The output limit sent when a request sets none.
    #[serde(default = "default_max_tokens")]
    pub default_max_tokens: u32,
    /// Longest wait for more of a streamed answer, in seconds (`0`: none).
    #[serde(default = "crate::ai::default_idle_secs")]
    pub stream_idle_timeout_secs: u64,
    /// Prices per model (USD per million tokens) laid over the base table
    /// (configuration key `prices`).
    #[serde(default)]
    pub prices: BTreeMap<String, ModelPrice>,
    /// The base table `prices` is laid over: the host's one table (see
    /// [`with_price_table`](Self::with_price_table)); `None`, the default,
    /// is Anthropic's built-in list ([`PriceTable::anthropic`]). Set in
    /// code only, never read from a configuration file.
    #[serde(skip)]
    pub price_table: Option<PriceTable>,
    /// Timeouts, user agent, retry and rate-limit settings.
    #[serde(flatten)]
    pub http: HttpSettings,
}

fn default_base_url() -> String {
    DEFAULT_BASE_URL.to_owned()
}

fn default_version() -> String {
    API_VERSION.to_owned()
}

fn default_max_tokens() -> u32 {
    DEFAULT_MAX_TOKENS
}

impl AnthropicConfig {
    /// api.anthropic.com with `api_key`.
    pub fn new(api_key: impl Into<Secret>) -> Self {
        AnthropicConfig {
            base_url: default_base_url(),
            api_key: api_key.into(),
            version: default_version(),
            beta: Vec::new(),
            default_max_tokens: DEFAULT_MAX_TOKENS,
            stream_idle_timeout_secs: crate::ai::default_idle_secs(),
            prices: BTreeMap::new(),
            price_table: None,
            http: HttpSettings {
                timeout_secs: DEFAULT_TIMEOUT_SECS,
                ..HttpSettings::default()
            },
        }
    }

    /// Use another base URL (a gateway, a test server).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Price answers by `prices` (with `prices` of the configuration laid
    /// over) instead of the built-in list — the one table a host also
    /// hands its other AI adapters and the router's lowest-cost strategy.
    /// A model the table does not price gets no `cost_usd`.
    pub fn with_price_table(mut self, prices: PriceTable) -> Self {
        self.price_table = Some(prices);
        self
    }
}

/// The Anthropic provider.
#[derive(Debug, Clone)]
pub struct Anthropic {
    pub(crate) http: AiHttp,
    pub(crate) default_max_tokens: u32,
    pub(crate) prices: Arc<PriceTable>,
}

impl Anthropic {
    fn build(config: AnthropicConfig, client: Option<HttpClient>) -> Result<Self> {
        let cfg_err = |m: String| Error::config(m).with_provider(PROVIDER);
        let base = config
            .price_table
            .clone()
            .unwrap_or_else(PriceTable::anthropic);
        let prices = crate::ai::price_table(PROVIDER, base, &config.prices)?;
        if config.default_max_tokens == 0 {
            return Err(cfg_err("default_max_tokens must be positive".to_owned()));
        }
        let value = |v: &str, name: &str| {
            HeaderValue::from_str(v)
                .map_err(|_| cfg_err(format!("`{name}` is not a valid header value")))
        };
        let mut builder = config
            .http
            .transport(PROVIDER, &config.base_url, client)
            .header(
                HeaderName::from_static("anthropic-version"),
                value(&config.version, "version")?,
            );
        if !config.beta.is_empty() {
            builder = builder.header(
                HeaderName::from_static("anthropic-beta"),
                value(&config.beta.join(","), "beta")?,
            );
        }
        let transport = builder
            .build()?
            .with_credentials(Arc::new(Auth::header("x-api-key", config.api_key)?));
        let http = AiHttp::new(
            PROVIDER,
            transport,
            Vec::new(),
            crate::ai::secs(config.stream_idle_timeout_secs),
            map::error,
        );
        Ok(Anthropic {
            http,
            default_max_tokens: config.default_max_tokens,
            prices,
        })
    }

    /// Chat, streaming, completion and the model listing; no embeddings.
    pub fn operations() -> Capabilities {
        Capabilities::all::<AiOp>().without(AiOp::Embed)
    }
}

crate::ai::adapter_basics!(Anthropic, AnthropicConfig);
