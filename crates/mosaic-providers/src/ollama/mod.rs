//! Ollama (its native API).
//!
//! [`Ollama`] implements [`AiProvider`](mosaic_core::ai::AiProvider):
//!
//! * `chat` / `chat_stream`: `POST /api/chat` (streams are NDJSON: one
//!   object per line, the last with `done` and the token counts); tool
//!   calls come whole and get ids `call_<n>`; tool results name their tool
//!   (`tool_name`), found from the call they answer;
//! * `complete`: `POST /api/generate`;
//! * `embed`: `POST /api/embed` (inputs longer than the context window are
//!   an error, `ContextLengthExceeded`, unless `truncate_embeddings` is on);
//! * `list_models`: `GET /api/tags`; `get_model`: `POST /api/show` (the
//!   context window from the model's metadata, features from its
//!   capabilities).
//!
//! Ollama cannot force a tool call: `ToolChoice::Tool(name)` offers only
//! that tool and `Required` offers all of them (the model still decides).
//! Local models cost nothing unless `prices` says otherwise. A model that
//! "does not support tools" is `Unsupported`.
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

use mosaic_core::ai::AiOp;
use mosaic_core::{Capabilities, Result, Secret};
use serde::Deserialize;

pub use stream::StreamDecoder;

use crate::ai::http::AiHttp;
use crate::ai::{ModelPrice, PriceTable};
use crate::config::HttpSettings;
use crate::http::Auth;

/// The provider name in errors.
pub(crate) const PROVIDER: &str = "ollama";

/// The plugin manifest (`plugin.json`).
pub const PLUGIN_MANIFEST: &str = include_str!("plugin.json");

/// The JSON Schema of [`OllamaConfig`] (`config.schema.json`).
pub const CONFIG_SCHEMA: &str = include_str!("config.schema.json");

/// A local Ollama server.
pub const DEFAULT_BASE_URL: &str = "http://localhost:11434";

/// The request timeout when none is configured (loading a model and
/// answering on a CPU can be slow).
pub const DEFAULT_TIMEOUT_SECS: u64 = 300;

/// Configuration of an [`Ollama`] provider (see [`CONFIG_SCHEMA`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OllamaConfig {
    /// Server URL (path prefix kept): `http://localhost:11434`, or a proxy.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// A bearer token, for servers behind an authenticating proxy.
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// How long models stay loaded after a call (`5m`, `1h`, `-1`).
    #[serde(default)]
    pub keep_alive: Option<String>,
    /// The context window to load chat models with (`options.num_ctx`).
    #[serde(default)]
    pub num_ctx: Option<u32>,
    /// Cut embedding inputs that exceed the context window instead of
    /// failing with `ContextLengthExceeded`.
    #[serde(default)]
    pub truncate_embeddings: bool,
    /// Longest wait for more of a streamed answer, in seconds (`0`: none).
    #[serde(default = "crate::ai::default_idle_secs")]
    pub stream_idle_timeout_secs: u64,
    /// Prices per model (USD per million tokens) laid over the base table
    /// (configuration key `prices`); models without one are free.
    #[serde(default)]
    pub prices: BTreeMap<String, ModelPrice>,
    /// A table laid over "everything free" before `prices`: the host's one
    /// table (see [`with_price_table`](Self::with_price_table)); models it
    /// does not price stay free unless it has a fallback price. Set in code
    /// only, never read from a configuration file.
    #[serde(skip)]
    pub price_table: Option<PriceTable>,
    /// Timeouts, user agent, retry and rate-limit settings.
    #[serde(flatten)]
    pub http: HttpSettings,
}

fn default_base_url() -> String {
    DEFAULT_BASE_URL.to_owned()
}

impl Default for OllamaConfig {
    fn default() -> Self {
        Self::new(DEFAULT_BASE_URL)
    }
}

impl OllamaConfig {
    /// A server at `base_url`.
    pub fn new(base_url: impl Into<String>) -> Self {
        OllamaConfig {
            base_url: base_url.into(),
            api_key: None,
            keep_alive: None,
            num_ctx: None,
            truncate_embeddings: false,
            stream_idle_timeout_secs: crate::ai::default_idle_secs(),
            prices: BTreeMap::new(),
            price_table: None,
            http: HttpSettings {
                timeout_secs: DEFAULT_TIMEOUT_SECS,
                ..HttpSettings::default()
            },
        }
    }

    /// Price answers by `prices` too — the one table a host also hands its
    /// other AI adapters and the router — laid over "everything free"
    /// (a local server's models cost nothing unless the table says
    /// otherwise), with `prices` of the configuration laid over both.
    pub fn with_price_table(mut self, prices: PriceTable) -> Self {
        self.price_table = Some(prices);
        self
    }
}

/// The Ollama provider.
#[derive(Debug, Clone)]
pub struct Ollama {
    pub(crate) http: AiHttp,
    pub(crate) keep_alive: Option<String>,
    pub(crate) num_ctx: Option<u32>,
    pub(crate) truncate_embeddings: bool,
    pub(crate) prices: Arc<PriceTable>,
}

impl Ollama {
    fn build(config: OllamaConfig, client: Option<HttpClient>) -> Result<Self> {
        let mut base = PriceTable::free();
        if let Some(table) = &config.price_table {
            base.merge(table.clone());
        }
        let prices = crate::ai::price_table(PROVIDER, base, &config.prices)?;
        let auth = match config.api_key {
            Some(k) => Auth::Bearer(k),
            None => Auth::None,
        };
        let transport = config
            .http
            .transport(PROVIDER, &config.base_url, client)
            .build()?
            .with_credentials(Arc::new(auth));
        let http = AiHttp::new(
            PROVIDER,
            transport,
            Vec::new(),
            crate::ai::secs(config.stream_idle_timeout_secs),
            map::error,
        );
        Ok(Ollama {
            http,
            keep_alive: config.keep_alive,
            num_ctx: config.num_ctx,
            truncate_embeddings: config.truncate_embeddings,
            prices,
        })
    }

    /// Every operation is supported.
    pub fn operations() -> Capabilities {
        Capabilities::all::<AiOp>()
    }
}

crate::ai::adapter_basics!(Ollama, OllamaConfig);
