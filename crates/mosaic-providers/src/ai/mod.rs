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
