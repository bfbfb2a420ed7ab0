//! What the AI providers (`openai`, `anthropic`, `ollama`) share.
//!
//! * [`SseDecoder`] and [`NdjsonDecoder`]: incremental framing of streamed
//!   bodies — bytes may be split anywhere;
//! * [`ChunkDecoder`] and [`open_stream`]: a provider's events become
//!   normalized [`ChatChunk`](mosaic_core::ai::ChatChunk)s; an error before
//!   the first chunk is the `Err` of `chat_stream` (a router can fail
//!   over), after it an item of the stream;
//! * [`ToolCallAssembler`]: streamed tool-call fragments (parallel calls by
//!   index) become complete calls with JSON arguments;
//! * [`PriceTable`] (the one price table of the SDK, from
//!   [`mosaic_core::ai::price`], re-exported here): prices per model giving
//!   every answer its `cost_usd`; each adapter starts from its kind's
//!   built-in list, or from the table the host hands it
//!   (`with_price_table` on its configuration), with the configuration's
//!   `prices` laid over. The router's lowest-cost strategy ranks by the
//!   same table;
//! * [`validate`]: the request checks every provider makes first;
//! * [`is_context_overflow`]: recognizes "prompt too long" wordings, which
//!   providers map to
//!   [`ErrorKind::ContextLengthExceeded`](mosaic_core::ErrorKind::ContextLengthExceeded);
//! * [`is_unknown_model`]: recognizes "no such model" wordings, which
//!   providers map to [`ErrorKind::NotFound`](mosaic_core::ErrorKind::NotFound)
//!   when a server answers them with `400` (LiteLLM's "Invalid model name")
//!   rather than OpenAI's `404 model_not_found`;
//! * streamed answers must come as the stream the request asked for: an
//!   answer of another content type (a gateway answering `stream: true`
//!   with one `application/json` body) is a `Decode` error naming what
//!   arrived, not a stream cut short.
//!
//! ```
//! use mosaic_core::ai::Usage;
//! use mosaic_providers::ai::{ModelPrice, PriceTable};
//!
//! // one table for every adapter (`with_price_table` on each configuration)
//! // and the router, with a host's own price laid over the built-in lists
//! let prices = PriceTable::built_in()
//!     .with("claude-sonnet-4", ModelPrice::per_million(2.0, 10.0).with_cached_input(0.2));
//! let usage = Usage { input_tokens: 2_000, output_tokens: 500, cached_input_tokens: Some(1_000) };
//! let cost = prices.cost("claude-sonnet-4-20250514", &usage).unwrap();
//! assert!((cost - (1_000.0 * 2.0 + 1_000.0 * 0.2 + 500.0 * 10.0) / 1e6).abs() < 1e-12);
//! ```

mod error;
pub(crate) mod http;
mod ndjson;
mod sse;
mod stream;
mod tools;
pub mod validate;
#[cfg_attr(not(feature = "full"), allow(dead_code))]
pub(crate) mod wire;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use mosaic_core::ai::{FinishReason, Message};

pub(crate) use error::{cut_short, decode_event, is_json, rekind};
pub use error::{is_context_overflow, is_unknown_model};
pub use mosaic_core::ai::price::{CHARS_PER_TOKEN, DEFAULT_OUTPUT_TOKENS, ModelPrice, PriceTable};
pub use ndjson::NdjsonDecoder;
pub use sse::{MAX_EVENT_BYTES, SseDecoder, SseEvent};
pub use stream::{ChunkDecoder, decode_all, open_stream};
pub use tools::{CompletedCall, ToolCallAssembler};

/// The prices an adapter answers with: `base` with the configuration's
/// `prices` laid over, refused (a `Config` error naming the entry) unless
/// every price is finite and not negative.
pub(crate) fn price_table(
    provider: &'static str,
    mut base: PriceTable,
    overrides: &BTreeMap<String, ModelPrice>,
) -> mosaic_core::Result<Arc<PriceTable>> {
    base.merge(PriceTable::from_entries(overrides.clone()));
    base.validate().map_err(|e| {
        mosaic_core::Error::config(format!(
            "`{}`: {}",
            e.field().unwrap_or("prices"),
            e.message()
        ))
        .with_provider(provider)
    })?;
    Ok(Arc::new(base))
}

/// The default wait for more of a streamed body before giving up.
pub const DEFAULT_STREAM_IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// `secs` as an optional duration (`0` for none).
pub(crate) fn secs(secs: u64) -> Option<Duration> {
    (secs > 0).then(|| Duration::from_secs(secs))
}

/// A finish reason that says `tool_calls` whenever the answer called tools
/// (some servers report `stop` for such answers).
pub(crate) fn normalize_finish(
    reason: Option<FinishReason>,
    message: &Message,
) -> Option<FinishReason> {
    match reason {
        Some(FinishReason::Stop) | None if !message.tool_calls.is_empty() => {
            Some(FinishReason::ToolCalls)
        }
        other => other,
    }
}

/// A tool's argument schema, with `null` read as "no arguments".
pub(crate) fn tool_schema(parameters: &serde_json::Value) -> serde_json::Value {
    if parameters.is_null() {
        serde_json::json!({"type": "object", "properties": {}})
    } else {
        parameters.clone()
    }
}

/// The arguments of the `j`th tool call of message `i` as a JSON object
/// (blank arguments are `{}`); anything else is `InvalidInput` naming
/// `messages[i].tool_calls[j].arguments`.
// Unused when OpenAI is the only AI provider built.
#[cfg_attr(not(feature = "full"), allow(dead_code))]
pub(crate) fn tool_arguments(
    arguments: &str,
    i: usize,
    j: usize,
) -> mosaic_core::Result<serde_json::Value> {
    if arguments.trim().is_empty() {
        return Ok(serde_json::json!({}));
    }
    serde_json::from_str::<serde_json::Value>(arguments)
        .ok()
        .filter(serde_json::Value::is_object)
        .ok_or_else(|| {
            mosaic_core::Error::invalid_input(
                format!("messages[{i}].tool_calls[{j}].arguments"),
                "tool call arguments must be a JSON object",
            )
        })
}

/// The default of `stream_idle_timeout_secs` in every AI configuration.
pub(crate) fn default_idle_secs() -> u64 {
    DEFAULT_STREAM_IDLE_TIMEOUT.as_secs()
}

/// What every AI adapter module has alike: [`provider_basics`] (`new`,
/// `with_client`, `from_json`, `plugin_factory`), `prices` and `base_url`
/// on `$provider` (which holds `http: AiHttp` and `prices:
/// Arc<PriceTable>`) and `with_price` on `$config` (which has `prices`).
///
/// [`provider_basics`]: crate::config::provider_basics
macro_rules! adapter_basics {
    ($provider:ident, $config:ident) => {
        $crate::config::provider_basics!($provider, $config, with_ai);

        impl $config {
            /// With a price for `model`.
            pub fn with_price(
                mut self,
                model: impl Into<String>,
                price: $crate::ai::ModelPrice,
            ) -> Self {
                self.prices.insert(model.into(), price);
                self
            }
        }

        impl $provider {
            /// The prices used for `cost_usd`.
            pub fn prices(&self) -> &$crate::ai::PriceTable {
                &self.prices
            }

            /// The base URL.
            pub fn base_url(&self) -> &url::Url {
                self.http.transport().base_url()
            }
        }
    };
}
pub(crate) use adapter_basics;
