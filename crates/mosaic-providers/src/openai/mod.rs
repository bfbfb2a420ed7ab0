//! OpenAI (Chat Completions, Completions, Embeddings, Models) and every
//! server that speaks the same API: vLLM, llama.cpp server, LM Studio,
//! and Azure OpenAI.
//!
//! [`OpenAi`] implements [`AiProvider`](mosaic_core::ai::AiProvider):
//!
//! * `chat` / `chat_stream`: `POST {base}/chat/completions`; streams ask
//!   for `stream_options.include_usage` so the last chunk always has the
//!   usage, tool-call fragments are assembled by index (parallel calls);
//! * `complete`: `POST {base}/completions`;
//! * `embed`: `POST {base}/embeddings`;
//! * `list_models` / `get_model`: `GET {base}/models[/{id}]`, or with
//!   [`ModelInfoSource::LiteLlm`] a LiteLLM gateway's
//!   `GET {base}/model/info`, whose `max_input_tokens` and
//!   `max_output_tokens` become each model's `context_window` and
//!   `max_output_tokens` (OpenAI's `/models` reports neither, and neither
//!   does LiteLLM's).
//!
//! `base_url` keeps its path prefix, so `http://gpu-box:8000/v1` (vLLM),
//! `http://localhost:8080/v1` (llama.cpp) or
//! `https://gateway.example.com/llm/openai/v1` work as they are. With
//! [`AzureConfig`] the paths become
//! `/openai/deployments/{deployment}/…?api-version=…` and the key goes in
//! the `api-key` header.
//!
//! Errors: `429 insufficient_quota` is `QuotaExceeded` (not retryable),
//! other 429s `RateLimited` with the wait from `retry-after(-ms)` or the
//! `x-ratelimit-reset-*` headers; `context_length_exceeded` (and the
//! wordings of compatible servers) is `ContextLengthExceeded`; content
//! policy refusals (`content_filter`, `content_policy_violation`) are
//! `ContentFiltered`; a `refusal` in an answer gives finish reason
//! `ContentFilter`. An unknown model is `NotFound`, whether the server
//! says so with OpenAI's `404 model_not_found` or, like the LiteLLM
//! gateway, with a `400` whose message names an invalid or unknown model
//! (see [`is_unknown_model`](crate::ai::is_unknown_model)). A streamed
//! request answered with anything but `text/event-stream` (a server that
//! ignored `stream: true` and sent one JSON body) is a `Decode` error
//! naming the content type that arrived.
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
use map::MaxTokensField;

/// The provider name in errors.
pub(crate) const PROVIDER: &str = "openai";

/// The plugin manifest (`plugin.json`).
pub const PLUGIN_MANIFEST: &str = include_str!("plugin.json");

/// The JSON Schema of [`OpenAiConfig`] (`config.schema.json`).
pub const CONFIG_SCHEMA: &str = include_str!("config.schema.json");

/// OpenAI's API.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// The Azure OpenAI API version used when none is configured.
pub const DEFAULT_AZURE_API_VERSION: &str = "2024-10-21";

/// The request timeout when none is configured (model answers are slow).
pub const DEFAULT_TIMEOUT_SECS: u64 = 120;

/// Which request field carries `max_tokens`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxTokensParam {
    /// `max_completion_tokens` on api.openai.com (required by its reasoning
    /// models), `max_tokens` everywhere else.
    #[default]
    Auto,
    /// Always `max_tokens`.
    MaxTokens,
    /// Always `max_completion_tokens`.
    MaxCompletionTokens,
}

/// Where `list_models` and `get_model` read the models from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelInfoSource {
    /// OpenAI's `GET {base}/models[/{id}]`: ids and owners, no limits
    /// (OpenAI reports none, nor does the LiteLLM gateway there).
    #[default]
    Models,
    /// The LiteLLM gateway's `GET {base}/model/info`: the same ids with
    /// each model's context window (`max_input_tokens`), output limit
    /// (`max_output_tokens`), mode and tool support, as configured on the
    /// gateway.
    #[serde(rename = "litellm")]
    LiteLlm,
}

/// How Azure OpenAI requests authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AzureAuth {
    /// The key in the `api-key` header.
    #[default]
    ApiKey,
    /// A Microsoft Entra ID token as `Authorization: Bearer`.
    Bearer,
}

/// Azure OpenAI mode.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AzureConfig {
    /// The `api-version` query parameter.
    #[serde(default = "default_api_version")]
    pub api_version: String,
    /// Deployment name per model id; a model without an entry is used as
    /// the deployment name itself.
    #[serde(default)]
    pub deployments: BTreeMap<String, String>,
    /// How `api_key` is sent.
    #[serde(default)]
    pub auth: AzureAuth,
}

fn default_api_version() -> String {
    DEFAULT_AZURE_API_VERSION.to_owned()
}

impl Default for AzureConfig {
    fn default() -> Self {
        AzureConfig {
            api_version: default_api_version(),
            deployments: BTreeMap::new(),
            auth: AzureAuth::ApiKey,
        }
    }
}

/// Configuration of an [`OpenAi`] provider (see [`CONFIG_SCHEMA`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OpenAiConfig {
    /// API base URL, path prefix included: `https://api.openai.com/v1`,
    /// `http://localhost:8000/v1`, or for Azure
    /// `https://RESOURCE.openai.azure.com`.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// The API key (`Authorization: Bearer`, or `api-key` on Azure);
    /// local servers may need none.
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// `OpenAI-Organization` header.
    #[serde(default)]
    pub organization: Option<String>,
    /// `OpenAI-Project` header.
    #[serde(default)]
    pub project: Option<String>,
    /// Azure OpenAI mode.
    #[serde(default)]
    pub azure: Option<AzureConfig>,
    /// Which field carries `max_tokens`.
    #[serde(default)]
    pub max_tokens_param: MaxTokensParam,
    /// Ask streams for a final usage chunk (`stream_options`); turn off
    /// only for servers that reject the option.
    #[serde(default = "yes")]
    pub stream_usage: bool,
    /// Longest wait for more of a streamed answer, in seconds (`0`: none).
    #[serde(default = "crate::ai::default_idle_secs")]
    pub stream_idle_timeout_secs: u64,
    /// Where the model listing comes from: OpenAI's `/models` (the
    /// default), or a LiteLLM gateway's `/model/info`, which carries each
    /// model's context window and output limit.
    #[serde(default)]
    pub model_info: ModelInfoSource,
    /// Prices per model (USD per million tokens) laid over the base table
    /// (configuration key `prices`).
    #[serde(default)]
    pub prices: BTreeMap<String, ModelPrice>,
    /// The base table `prices` is laid over: the host's one table (see
    /// [`with_price_table`](Self::with_price_table)); `None`, the default,
    /// is OpenAI's built-in list ([`PriceTable::openai`]). Set in code
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

fn yes() -> bool {
    true
}

impl OpenAiConfig {
    /// api.openai.com with `api_key`.
    pub fn new(api_key: impl Into<Secret>) -> Self {
        OpenAiConfig {
            api_key: Some(api_key.into()),
            ..Self::compatible(DEFAULT_BASE_URL)
        }
    }

    /// An OpenAI-compatible server at `base_url` (path prefix included),
    /// without a key.
    pub fn compatible(base_url: impl Into<String>) -> Self {
        OpenAiConfig {
            base_url: base_url.into(),
            api_key: None,
            organization: None,
            project: None,
            azure: None,
            max_tokens_param: MaxTokensParam::Auto,
            stream_usage: true,
            stream_idle_timeout_secs: crate::ai::default_idle_secs(),
            model_info: ModelInfoSource::Models,
            prices: BTreeMap::new(),
            price_table: None,
            http: HttpSettings {
                timeout_secs: DEFAULT_TIMEOUT_SECS,
                ..HttpSettings::default()
            },
        }
    }

    /// Azure OpenAI at `endpoint` (`https://RESOURCE.openai.azure.com`)
    /// with an `api-key`.
    pub fn azure(endpoint: impl Into<String>, api_key: impl Into<Secret>) -> Self {
        OpenAiConfig {
            api_key: Some(api_key.into()),
            azure: Some(AzureConfig::default()),
            ..Self::compatible(endpoint)
        }
    }

    /// With an API key.
    pub fn with_api_key(mut self, api_key: impl Into<Secret>) -> Self {
        self.api_key = Some(api_key.into());
        self
    }

    /// Read the models from a LiteLLM gateway's `/model/info` (context
    /// windows and output limits included) instead of `/models`.
    pub fn with_litellm_model_info(mut self) -> Self {
        self.model_info = ModelInfoSource::LiteLlm;
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

/// The Azure settings a provider applies per request.
#[derive(Debug, Clone)]
pub(crate) struct Azure {
    deployments: BTreeMap<String, String>,
}

/// The OpenAI provider (and OpenAI-compatible servers).
#[derive(Debug, Clone)]
pub struct OpenAi {
    pub(crate) http: AiHttp,
    pub(crate) azure: Option<Azure>,
    pub(crate) max_field: MaxTokensField,
    pub(crate) stream_usage: bool,
    pub(crate) model_info: ModelInfoSource,
    pub(crate) prices: Arc<PriceTable>,
}

impl OpenAi {
    fn build(config: OpenAiConfig, client: Option<HttpClient>) -> Result<Self> {
        let cfg_err = |m: String| Error::config(m).with_provider(PROVIDER);
        if config.azure.is_some() && config.model_info == ModelInfoSource::LiteLlm {
            return Err(cfg_err(
                "`model_info = \"litellm\"` reads a LiteLLM gateway, not Azure OpenAI".to_owned(),
            ));
        }
        let base = config
            .price_table
            .clone()
            .unwrap_or_else(PriceTable::openai);
        let prices = crate::ai::price_table(PROVIDER, base, &config.prices)?;

        let mut builder = config.http.transport(PROVIDER, &config.base_url, client);
        for (name, value) in [
            ("openai-organization", &config.organization),
            ("openai-project", &config.project),
        ] {
            if let Some(v) = value {
                let v = HeaderValue::from_str(v)
                    .map_err(|_| cfg_err(format!("`{name}` is not a valid header value")))?;
                builder = builder.header(HeaderName::from_static(name), v);
            }
        }
        let transport = builder.build()?;
        let auth = match (&config.api_key, &config.azure) {
            (None, _) => Auth::None,
            (
                Some(k),
                Some(AzureConfig {
                    auth: AzureAuth::ApiKey,
                    ..
                }),
            ) => Auth::header("api-key", k.clone())?,
            (Some(k), _) => Auth::Bearer(k.clone()),
        };
        let transport = transport.with_credentials(Arc::new(auth));

        let mut query = Vec::new();
        if let Some(az) = &config.azure {
            query.push(("api-version".to_owned(), az.api_version.clone()));
        }
        let is_openai = transport.base_url().host_str() == Some("api.openai.com");
        let max_field = match config.max_tokens_param {
            MaxTokensParam::MaxTokens => MaxTokensField::MaxTokens,
            MaxTokensParam::MaxCompletionTokens => MaxTokensField::MaxCompletionTokens,
            MaxTokensParam::Auto if is_openai => MaxTokensField::MaxCompletionTokens,
            MaxTokensParam::Auto => MaxTokensField::MaxTokens,
        };
        let http = AiHttp::new(
            PROVIDER,
            transport,
            query,
            crate::ai::secs(config.stream_idle_timeout_secs),
            map::error,
        );
        Ok(OpenAi {
            http,
            azure: config.azure.map(|a| Azure {
                deployments: a.deployments,
            }),
            max_field,
            stream_usage: config.stream_usage,
            model_info: config.model_info,
            prices,
        })
    }

    /// Every operation is supported.
    pub fn operations() -> Capabilities {
        Capabilities::all::<AiOp>()
    }

    /// The path of an endpoint (`chat/completions`, `embeddings`,
    /// `completions`) for `model`: `/{endpoint}`, or on Azure
    /// `/openai/deployments/{deployment}/{endpoint}`.
    pub(crate) fn model_path(&self, model: &str, endpoint: &str) -> String {
        match &self.azure {
            None => format!("/{endpoint}"),
            Some(az) => {
                let dep = az.deployments.get(model).map_or(model, String::as_str);
                format!(
                    "/openai/deployments/{}/{endpoint}",
                    crate::http::path::segment(dep)
                )
            }
        }
    }

    /// The path of the model listing (`/models`, or `/openai/models`).
    pub(crate) fn models_path(&self) -> &'static str {
        if self.azure.is_some() {
            "/openai/models"
        } else {
            "/models"
        }
    }
}

crate::ai::adapter_basics!(OpenAi, OpenAiConfig);
