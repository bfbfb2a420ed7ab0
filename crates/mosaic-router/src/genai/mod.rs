//! [`GenAiTrace`]: telemetry for AI calls following the OpenTelemetry
//! GenAI semantic conventions.
//!
//! The names follow the GenAI conventions as last released with the
//! OpenTelemetry semantic conventions, **v1.41.0**
//! (<https://github.com/open-telemetry/semantic-conventions/blob/v1.41.0/docs/gen-ai/README.md>;
//! later work continues in `open-telemetry/semantic-conventions-genai`).
//! The conventions are in development; this module emits the *current*
//! attribute set (`gen_ai.provider.name`, which replaced `gen_ai.system`
//! in v1.37.0), not the v1.36.0 one.
//!
//! # Spans
//!
//! Each chat, streamed chat, text completion and embeddings call runs in an
//! `INFO` span. `tracing` span names are static, so the span is named
//! `gen_ai` and its conventional name, `{gen_ai.operation.name}
//! {gen_ai.request.model}` (e.g. `chat gpt-4o-mini`), goes into the
//! `otel.name` field — the field `tracing-opentelemetry` uses to rename the
//! exported span. `otel.kind` is `client`. Model listing and lookup are not
//! model calls: they pass through untraced (the generic
//! [`TraceLayer`](crate::TraceLayer) covers them).
//!
//! | field | when |
//! |---|---|
//! | `gen_ai.operation.name` | always: `chat`, `text_completion` or `embeddings` |
//! | `gen_ai.provider.name` | the layer's [`provider`](GenAiTraceLayer::provider), else the failing error's provider |
//! | `gen_ai.request.model` | at the start |
//! | `gen_ai.request.max_tokens`, `gen_ai.request.temperature`, `gen_ai.request.top_p` | at the start, when set |
//! | `gen_ai.request.stream` | `true` for streamed chat |
//! | `gen_ai.output.type` | `text` or `json`, when the chat request asks for a format |
//! | `gen_ai.embeddings.dimension.count` | embeddings, when dimensions are requested |
//! | `gen_ai.response.id`, `gen_ai.response.model` | at completion, when the provider reports them |
//! | `gen_ai.response.finish_reasons` | at completion, as JSON array text (`["stop"]`): `tracing` has no array values |
//! | `gen_ai.response.time_to_first_chunk` | streams, at the first chunk (seconds) |
//! | `gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`, `gen_ai.usage.cache_read.input_tokens` | at completion, when usage is reported |
//! | `error.type`, `otel.status_code = "error"` | on failure |
//!
//! A chat or completion response whose usage is all zeros is taken as "usage
//! not reported": no usage fields, no token metric.
//!
//! # Streams
//!
//! A streamed chat's span stays open until its stream ends: the returned
//! [`ChatStream`](mosaic_core::ai::ChatStream) is wrapped so that the first
//! chunk records the time to first chunk, each later chunk the time per
//! output chunk, and the end of the stream the finish reason, usage and
//! duration. An error item ends the operation with that error.
//!
//! If the consumer drops the stream before the chunk that carries the
//! finish reason, the span still ends then, with what is known, the
//! duration so far and `error.type = "cancelled"`; the conventions define
//! no finish reason for this, so `gen_ai.response.finish_reasons` is left
//! unset. (A stream dropped after its finish reason arrived ends normally.)
//! Likewise, a call whose future is dropped before it answers (a timeout
//! or `select!` above) ends with `error.type = "cancelled"`. A stream's
//! response model is unknown (chunks carry none).
//!
//! # Errors
//!
//! `error.type` is the [`ErrorKind`](mosaic_core::ErrorKind) name of the
//! error: `not_found`, `unauthenticated`, `permission_denied`,
//! `rate_limited`, `quota_exceeded`, `invalid_input`, `conflict`,
//! `unsupported`, `timeout`, `unavailable`, `circuit_open`, `no_provider`,
//! `cancelled`, `config`, `context_length_exceeded`, `content_filtered`,
//! `decode`, `provider`, `internal` — `cancelled` also marks a call or
//! stream dropped early. Error messages are never recorded (they may quote
//! content).
//!
//! # Metrics
//!
//! Through the `metrics` facade, so any recorder exports them:
//!
//! | name | kind | labels |
//! |---|---|---|
//! | `gen_ai.client.token.usage` | histogram (`{token}`) | `gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`, `gen_ai.response.model`, `gen_ai.token.type` (`input`/`output`) |
//! | `gen_ai.client.operation.duration` | histogram (s) | `gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`, `gen_ai.response.model`, and `error.type` on failure |
//! | `gen_ai.client.operation.time_to_first_chunk` | histogram (s), streams | `gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`, `gen_ai.response.model` |
//! | `gen_ai.client.operation.time_per_output_chunk` | histogram (s), streams, each chunk after the first | as above |
//!
//! Time to first chunk uses the client metric the conventions define
//! (`gen_ai.client.operation.time_to_first_chunk`), not the server-side
//! `gen_ai.server.time_to_first_token`. Labels that are unknown (a stream's
//! response model, a provider nobody named) are empty. Token usage is
//! recorded only when the provider reports it (embeddings: input only).
//! Handles of successful calls are registered once per request and
//! response model (a bounded number per layer), so the hot path does not
//! allocate; [`describe_metrics`] registers units and descriptions.
//!
//! # Content
//!
//! Prompts and completions are never recorded unless the host opts in with
//! [`GenAiTraceLayer::capture_content`]. Then each chat and completion emits
//! one `INFO` event named `gen_ai.client.inference.operation.details` in
//! its span when it ends, carrying `gen_ai.system_instructions`,
//! `gen_ai.input.messages` and `gen_ai.output.messages` as JSON text in the
//! conventions' message schemas (plus `gen_ai.operation.name`,
//! `gen_ai.request.model` and, on failure, `error.type`). Embedding inputs
//! are never captured (the conventions define no attribute for them).
//!
//! ```
//! use mosaic_router::GenAiTraceLayer;
//! // One per provider stack, named the way the conventions name providers.
//! let openai = GenAiTraceLayer::new().provider("openai");
//! let claude = GenAiTraceLayer::new().provider("anthropic");
//! // Content capture for a pre-production host.
//! let debug = GenAiTraceLayer::new().provider("ollama").capture_content(true);
//! # let _ = (openai, claude, debug);
//! ```

mod content;
mod future;
mod layer;
mod metrics;
mod stream;

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use mosaic_core::ai::{AiRequest, AiResponse, FinishReason, ResponseFormat, Usage};
use mosaic_core::{Error, Request};
use tokio::time::Instant;
use tower::Service;
use tracing::Span;
use tracing::field::Empty;

pub use future::ResponseFuture;
pub use layer::GenAiTraceLayer;
pub use metrics::describe_metrics;

use self::metrics::{HandleCache, ModelHandles};

/// `error.type` of a call or stream the caller dropped early.
const CANCELLED: &str = mosaic_core::ErrorKind::Cancelled.as_str();

/// The event that carries captured content.
const DETAILS_EVENT: &str = "gen_ai.client.inference.operation.details";

/// What the layer is configured with, shared by its services.
pub(crate) struct Shared {
    provider: Option<Arc<str>>,
    capture_content: bool,
    handles: HandleCache,
}

impl Shared {
    pub(crate) fn new(provider: Option<Arc<str>>, capture_content: bool) -> Self {
        Shared {
            provider,
            capture_content,
            handles: HandleCache::default(),
        }
    }
}

/// The GenAI operation of a request (`gen_ai.operation.name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GenAiOp {
    Chat,
    TextCompletion,
    Embeddings,
}

impl GenAiOp {
    fn name(self) -> &'static str {
        match self {
            GenAiOp::Chat => "chat",
            GenAiOp::TextCompletion => "text_completion",
            GenAiOp::Embeddings => "embeddings",
        }
    }
}

/// The conventions' name of a finish reason.
fn finish_reason_name(reason: &FinishReason) -> &str {
    match reason {
        FinishReason::Stop => "stop",
        FinishReason::Length => "length",
        FinishReason::ToolCalls => "tool_calls",
        FinishReason::ContentFilter => "content_filter",
        FinishReason::Other(other) => other,
    }
}

/// A traced AI service; see the [module docs](self).
#[derive(Clone)]
pub struct GenAiTrace<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> GenAiTrace<S> {
    /// Trace `inner`'s calls (no provider name, content not captured).
    pub fn new(inner: S) -> Self {
        GenAiTrace {
            inner,
            shared: Arc::new(Shared::new(None, false)),
        }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S> fmt::Debug for GenAiTrace<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenAiTrace")
            .field("provider", &self.shared.provider)
            .field("capture_content", &self.shared.capture_content)
            .finish_non_exhaustive()
    }
}

impl<S> Service<Request<AiRequest>> for GenAiTrace<S>
where
    S: Service<Request<AiRequest>, Response = AiResponse, Error = Error>,
{
    type Response = AiResponse;
    type Error = Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<AiRequest>) -> Self::Future {
        let (op, model) = match &request.operation {
            AiRequest::Chat(r) | AiRequest::ChatStream(r) => (GenAiOp::Chat, r.model.as_str()),
            AiRequest::Complete(r) => (GenAiOp::TextCompletion, r.model.as_str()),
            AiRequest::Embed(r) => (GenAiOp::Embeddings, r.model.as_str()),
            _ => return ResponseFuture::passthrough(self.inner.call(request)),
        };
        let handles = self.shared.handles.get(op.name(), model);
        let span = tracing::info_span!(
            "gen_ai",
            otel.name = Empty,
            otel.kind = "client",
            otel.status_code = Empty,
            gen_ai.operation.name = op.name(),
            gen_ai.provider.name = Empty,
            gen_ai.request.model = Empty,
            gen_ai.request.max_tokens = Empty,
            gen_ai.request.temperature = Empty,
            gen_ai.request.top_p = Empty,
            gen_ai.request.stream = Empty,
            gen_ai.output.type = Empty,
            gen_ai.embeddings.dimension.count = Empty,
            gen_ai.response.id = Empty,
            gen_ai.response.model = Empty,
            gen_ai.response.finish_reasons = Empty,
            gen_ai.response.time_to_first_chunk = Empty,
            gen_ai.usage.input_tokens = Empty,
            gen_ai.usage.output_tokens = Empty,
            gen_ai.usage.cache_read.input_tokens = Empty,
            error.type = Empty,
        );
        let mut input = None;
        if !span.is_disabled() {
            record_request(&span, op, model, &request.operation);
            if let Some(p) = &self.shared.provider {
                span.record("gen_ai.provider.name", &**p);
            }
            if self.shared.capture_content {
                input = content::Input::of(&request.operation);
            }
        }
        let fut = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        ResponseFuture::traced(
            fut,
            Call {
                span,
                start: Instant::now(),
                op,
                handles,
                shared: self.shared.clone(),
                input,
            },
        )
    }
}

/// Record what the request tells (the span is enabled).
fn record_request(span: &Span, op: GenAiOp, model: &str, request: &AiRequest) {
    if model.is_empty() {
        span.record("otel.name", op.name());
    } else {
        span.record("otel.name", format!("{} {model}", op.name()));
        span.record("gen_ai.request.model", model);
    }
    let (max_tokens, temperature, top_p) = match request {
        AiRequest::Chat(r) | AiRequest::ChatStream(r) => (r.max_tokens, r.temperature, r.top_p),
        AiRequest::Complete(r) => (r.max_tokens, r.temperature, None),
        _ => (None, None, None),
    };
    if let Some(n) = max_tokens {
        span.record("gen_ai.request.max_tokens", u64::from(n));
    }
    if let Some(t) = temperature {
        span.record("gen_ai.request.temperature", decimal(t));
    }
    if let Some(p) = top_p {
        span.record("gen_ai.request.top_p", decimal(p));
    }
    match request {
        AiRequest::ChatStream(_) => {
            span.record("gen_ai.request.stream", true);
        }
        AiRequest::Embed(r) => {
            if let Some(d) = r.dimensions {
                span.record("gen_ai.embeddings.dimension.count", u64::from(d));
            }
        }
        _ => {}
    }
    if let AiRequest::Chat(r) | AiRequest::ChatStream(r) = request {
        match &r.response_format {
            Some(ResponseFormat::Text) => {
                span.record("gen_ai.output.type", "text");
            }
            Some(ResponseFormat::JsonObject | ResponseFormat::JsonSchema { .. }) => {
                span.record("gen_ai.output.type", "json");
            }
            None => {}
        }
    }
}

/// `v` as the `f64` of its shortest decimal form, so that a temperature
/// of `0.7f32` is recorded as `0.7`, not `0.699999988079071`.
fn decimal(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(f64::from(v))
}

/// One traced call in flight: what its end needs.
pub(crate) struct Call {
    span: Span,
    start: Instant,
    op: GenAiOp,
    handles: Arc<ModelHandles>,
    shared: Arc<Shared>,
    /// Captured prompt (only with content capture on and the span enabled).
    input: Option<content::Input>,
}

/// How a call ended, with what it reported.
struct Outcome<'a> {
    response_id: Option<&'a str>,
    response_model: &'a str,
    finish_reason: Option<&'a FinishReason>,
    /// `None` when usage was not reported.
    usage: Option<Usage>,
    /// Output tokens count (false for embeddings).
    has_output: bool,
    /// `error.type`, on failure.
    error_type: Option<&'static str>,
    /// The error's provider, on failure.
    error_provider: Option<&'a str>,
    /// Captured completion (content capture only).
    output: Option<String>,
}

impl Outcome<'_> {
    fn empty() -> Self {
        Outcome {
            response_id: None,
            response_model: "",
            finish_reason: None,
            usage: None,
            has_output: true,
            error_type: None,
            error_provider: None,
            output: None,
        }
    }
}

/// Usage as reported, or `None` when the provider left it all zero.
/// (Embeddings report input tokens only, so the same test applies.)
fn reported(usage: &Usage) -> Option<Usage> {
    (usage.input_tokens != 0 || usage.output_tokens != 0).then_some(*usage)
}

impl Call {
    /// The outcome of a call that answered without a stream.
    fn finish_response(self, response: &AiResponse) {
        let capture = self.input.is_some();
        let mut out = Outcome::empty();
        match response {
            AiResponse::Chat(r) => {
                out.response_id = Some(&r.id);
                out.response_model = &r.model;
                out.finish_reason = r.finish_reason.as_ref();
                out.usage = reported(&r.usage);
                if capture {
                    out.output = Some(content::chat_output(
                        &r.message.content,
                        &r.message.tool_calls,
                        r.finish_reason.as_ref(),
                    ));
                }
            }
            AiResponse::Complete(r) => {
                out.response_id = Some(&r.id);
                out.response_model = &r.model;
                out.finish_reason = r.finish_reason.as_ref();
                out.usage = reported(&r.usage);
                if capture {
                    out.output = Some(content::chat_output(&r.text, &[], r.finish_reason.as_ref()));
                }
            }
            AiResponse::Embed(r) => {
                out.response_model = &r.model;
                out.usage = reported(&r.usage);
                out.has_output = false;
            }
            _ => {}
        }
        self.finish(out);
    }

    /// The outcome of a call dropped before it answered.
    fn finish_cancelled(self) {
        let mut out = Outcome::empty();
        out.error_type = Some(CANCELLED);
        self.finish(out);
    }

    /// The outcome of a failed call.
    fn finish_error(self, error: &Error) {
        let mut out = Outcome::empty();
        out.error_type = Some(error.kind().as_str());
        out.error_provider = error.provider();
        self.finish(out);
    }

    /// Record the end of the operation: span fields, metrics, content.
    fn finish(self, out: Outcome<'_>) {
        let secs = Instant::now()
            .saturating_duration_since(self.start)
            .as_secs_f64();
        let provider = self.shared.provider.as_deref().or(out.error_provider);
        // Metrics.
        if let Some(error_type) = out.error_type {
            self.handles.record_failure(
                &self.shared,
                provider,
                out.response_model,
                error_type,
                secs,
            );
        }
        if out.error_type.is_none() || out.usage.is_some() {
            let h = self.handles.response(out.response_model, &self.shared);
            if out.error_type.is_none() {
                h.duration().record(secs);
            }
            if let Some(u) = &out.usage {
                h.input_tokens().record(u.input_tokens as f64);
                if out.has_output {
                    h.output_tokens().record(u.output_tokens as f64);
                }
            }
        }
        // Span.
        let span = &self.span;
        if span.is_disabled() {
            return;
        }
        if self.shared.provider.is_none()
            && let Some(p) = provider
        {
            span.record("gen_ai.provider.name", p);
        }
        if let Some(id) = out.response_id.filter(|id| !id.is_empty()) {
            span.record("gen_ai.response.id", id);
        }
        if !out.response_model.is_empty() {
            span.record("gen_ai.response.model", out.response_model);
        }
        if let Some(reason) = out.finish_reason {
            let mut text = String::from("[");
            content::push_json_str(&mut text, finish_reason_name(reason));
            text.push(']');
            span.record("gen_ai.response.finish_reasons", text);
        }
        if let Some(u) = &out.usage {
            span.record("gen_ai.usage.input_tokens", u.input_tokens);
            if out.has_output {
                span.record("gen_ai.usage.output_tokens", u.output_tokens);
            }
            if let Some(cached) = u.cached_input_tokens {
                span.record("gen_ai.usage.cache_read.input_tokens", cached);
            }
        }
        if let Some(error_type) = out.error_type {
            span.record("error.type", error_type);
            span.record("otel.status_code", "error");
        }
        if let Some(input) = &self.input {
            tracing::event!(
                name: DETAILS_EVENT,
                parent: span,
                tracing::Level::INFO,
                gen_ai.operation.name = self.op.name(),
                gen_ai.request.model = &*self.handles.request_model,
                gen_ai.system_instructions = input.system.as_deref(),
                gen_ai.input.messages = input.messages.as_str(),
                gen_ai.output.messages = out.output.as_deref(),
                error.type = out.error_type,
                "{DETAILS_EVENT}"
            );
        }
    }
}
