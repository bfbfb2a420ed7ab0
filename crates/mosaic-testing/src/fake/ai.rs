//! [`FakeAi`]: an in-memory AI provider with scripted or echo replies.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use mosaic_core::ai::*;
use mosaic_core::{Capabilities, Error, ErrorKind, Page, Result};
use parking_lot::Mutex;
use serde::Serialize;

use super::{Core, digest, fake_controls, require};

mod seed;

pub use seed::ModelSeed;

const DEFAULT_PAGE: u32 = 50;
/// The chat model every new fake offers.
pub const CHAT_MODEL: &str = "fake-chat";
/// The embedding model every new fake offers.
pub const EMBED_MODEL: &str = "fake-embed";
/// Dimensions of [`EMBED_MODEL`]'s vectors.
pub const EMBED_DIMENSIONS: u32 = 16;

/// One scripted answer of a [`FakeAi`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AiReply {
    /// Answer with this text.
    Text(String),
    /// Call these tools (ids are filled in when empty).
    ToolCalls(Vec<ToolCall>),
    /// Fail the call with this error (before any chunk, when streaming).
    Error(Error),
    /// Stream this text, then fail the stream with `error` (a plain `chat`
    /// fails with `error` at once).
    StreamError {
        /// Text streamed before the failure.
        text: String,
        /// The error ending the stream.
        error: Error,
    },
}

impl AiReply {
    /// A text answer.
    pub fn text(text: impl Into<String>) -> Self {
        AiReply::Text(text.into())
    }

    /// A call of tool `name` with JSON `arguments`.
    pub fn tool_call(name: impl Into<String>, arguments: serde_json::Value) -> Self {
        AiReply::ToolCalls(vec![ToolCall {
            id: String::new(),
            name: name.into(),
            arguments: arguments.to_string(),
        }])
    }

    /// A failure.
    pub fn error(error: Error) -> Self {
        AiReply::Error(error)
    }
}

/// Price of a model in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    /// Per million input tokens.
    pub input_per_mtok: f64,
    /// Per million output tokens.
    pub output_per_mtok: f64,
}

/// An in-memory AI provider implementing every [`AiProvider`] operation.
///
/// * **Models**: `fake-chat` (chat, streaming, tools; 8,192-token context,
///   1,024 output tokens) and `fake-embed` (16-dimension embeddings); add
///   more with [`seed_model`](Self::seed_model). An unknown model is
///   `NotFound`; a model without the feature asked for is `InvalidInput`
///   naming `model`.
/// * **Replies**: scripted answers ([`push_reply`](Self::push_reply)) are
///   used first, in order; without a script the fake *echoes* the last user
///   message as `echo: <text>`. When tools are offered, it calls one if
///   `tool_choice` requires it, or (with `Auto`) if the last user message
///   names the tool; after a tool result message it answers with text
///   (`tool result: <content>`), so an agent loop ends.
/// * **Tokens** are counted as one per four characters (rounded up); a
///   prompt plus `max_tokens` beyond the context window is
///   `ContextLengthExceeded`; output is cut at `max_tokens`
///   (`finish_reason = length`) and at stop sequences.
/// * **Streaming** sends the text word by word (optionally spaced by
///   [`set_chunk_interval`](Self::set_chunk_interval) on tokio's clock),
///   tool calls as argument fragments followed by the complete calls, and
///   the finish reason and usage on the last chunk.
/// * **Embeddings** are deterministic: hashed character trigrams, L2
///   normalized, so equal texts give equal vectors and similar texts
///   similar ones.
/// * **Cost** is reported when the model has a [`Price`] (`fake-chat`:
///   $0.50 / $1.50 per million input / output tokens).
///
/// ```
/// use futures::StreamExt;
/// use mosaic_core::ai::{AiProvider, ChatRequest};
/// use mosaic_testing::{AiReply, FakeAi};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let ai = FakeAi::new();
/// let echo = ai.chat(ChatRequest::new("fake-chat", "hello")).await?;
/// assert_eq!(echo.message.content, "echo: hello");
///
/// ai.push_reply(AiReply::text("the answer is 42"));
/// let mut stream = ai.chat_stream(ChatRequest::new("fake-chat", "question")).await?;
/// let mut text = String::new();
/// let mut last = None;
/// while let Some(chunk) = stream.next().await {
///     let chunk = chunk?;
///     text.push_str(&chunk.delta);
///     last = Some(chunk);
/// }
/// assert_eq!(text, "the answer is 42");
/// assert!(last.unwrap().usage.is_some());
/// # Ok::<(), mosaic_core::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct FakeAi {
    core: Arc<Core>,
    state: Arc<Mutex<AiState>>,
}

struct AiState {
    models: BTreeMap<String, ModelInfo>,
    embedding_dims: BTreeMap<String, u32>,
    prices: BTreeMap<String, Price>,
    script: VecDeque<AiReply>,
    next_id: u64,
    chunk_interval: Duration,
}

impl fmt::Debug for FakeAi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.lock();
        f.debug_struct("FakeAi")
            .field("name", &self.core.name())
            .field("models", &s.models.keys().collect::<Vec<_>>())
            .field("scripted", &s.script.len())
            .finish()
    }
}

impl Default for FakeAi {
    fn default() -> Self {
        Self::new()
    }
}

fake_controls!(FakeAi, AiOp, "fake-ai");

/// Tokens of a text: one per four bytes, rounded up.
pub fn count_tokens(text: &str) -> u64 {
    (text.len() as u64).div_ceil(4)
}

/// The fake's embedding of `text` in `dims` dimensions.
pub fn embed_text(text: &str, dims: u32) -> Vec<f32> {
    let dims = dims.max(1) as usize;
    let mut v = vec![0f32; dims];
    let lower = text.to_lowercase();
    let chars: Vec<char> = format!("  {lower} ").chars().collect();
    for w in chars.windows(3) {
        let gram: String = w.iter().collect();
        let h = digest(&[gram.as_bytes()]);
        let n = u64::from_str_radix(&h[..16], 16).unwrap_or(0);
        let idx = (n % dims as u64) as usize;
        let sign = if (n >> 63) & 1 == 0 { 1.0 } else { -1.0 };
        v[idx] += sign;
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in &mut v {
            *x /= norm;
        }
    }
    v
}

/// Split text into stream deltas: each word with its following whitespace.
fn word_chunks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            in_space = true;
        } else if in_space {
            out.push(std::mem::take(&mut cur));
            in_space = false;
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The answer decided for one request, before it is shaped as a response.
struct Answer {
    id: String,
    model: String,
    text: String,
    tool_calls: Vec<ToolCall>,
    finish: FinishReason,
    usage: Usage,
    cost: Option<f64>,
    stream_error: Option<Error>,
}

fn validate_tool_name(field: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(
            field,
            format!("`{name}` is not a valid tool name (1-64 of a-z, A-Z, 0-9, `_`, `-`)"),
        ))
    }
}

fn mentions(text: &str, word: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .any(|w| w == word)
}

impl FakeAi {
    /// A provider named `fake-ai` with models `fake-chat` and `fake-embed`.
    pub fn new() -> Self {
        Self::named("fake-ai")
    }

    /// The same, whose errors carry provider name `name`.
    pub fn named(name: &str) -> Self {
        let mut models = BTreeMap::new();
        models.insert(
            CHAT_MODEL.to_owned(),
            ModelInfo {
                id: CHAT_MODEL.to_owned(),
                owned_by: Some(name.to_owned()),
                context_window: Some(8192),
                max_output_tokens: Some(1024),
                features: ModelFeatures {
                    chat: true,
                    streaming: true,
                    tools: true,
                    embeddings: false,
                    vision: false,
                },
            },
        );
        models.insert(
            EMBED_MODEL.to_owned(),
            ModelInfo {
                id: EMBED_MODEL.to_owned(),
                owned_by: Some(name.to_owned()),
                context_window: Some(8192),
                max_output_tokens: None,
                features: ModelFeatures {
                    embeddings: true,
                    ..Default::default()
                },
            },
        );
        FakeAi {
            core: Arc::new(Core::new::<AiOp>(name)),
            state: Arc::new(Mutex::new(AiState {
                models,
                embedding_dims: [(EMBED_MODEL.to_owned(), EMBED_DIMENSIONS)].into(),
                prices: [(
                    CHAT_MODEL.to_owned(),
                    Price {
                        input_per_mtok: 0.5,
                        output_per_mtok: 1.5,
                    },
                )]
                .into(),
                script: VecDeque::new(),
                next_id: 1,
                chunk_interval: Duration::ZERO,
            })),
        }
    }

    /// Set (or with `None` remove) a model's price.
    pub fn set_price(&self, model: &str, price: Option<Price>) {
        let mut s = self.state.lock();
        match price {
            Some(p) => s.prices.insert(model.to_owned(), p),
            None => s.prices.remove(model),
        };
    }

    /// Queue a scripted answer (used by the next `chat`, `chat_stream` or
    /// `complete`, in order).
    pub fn push_reply(&self, reply: AiReply) {
        self.state.lock().script.push_back(reply);
    }

    /// Queue several scripted answers.
    pub fn push_replies(&self, replies: impl IntoIterator<Item = AiReply>) {
        self.state.lock().script.extend(replies);
    }

    /// How many scripted answers are left.
    pub fn scripted_left(&self) -> usize {
        self.state.lock().script.len()
    }

    /// Space streamed chunks by `interval` (tokio time).
    pub fn set_chunk_interval(&self, interval: Duration) {
        self.state.lock().chunk_interval = interval;
    }

    async fn run<P: Serialize, T>(
        &self,
        op: AiOp,
        params: P,
        f: impl FnOnce(&mut AiState, P) -> Result<T>,
    ) -> Result<T> {
        self.core.enter(op, &params).await?;
        f(&mut self.state.lock(), params).map_err(|e| self.core.tag(e))
    }
}

impl AiState {
    fn model(&self, id: &str) -> Result<&ModelInfo> {
        require("model", id)?;
        self.models
            .get(id)
            .ok_or_else(|| Error::not_found(format!("model `{id}` not found")))
    }

    fn next_id(&mut self, prefix: &str) -> String {
        let id = format!("{prefix}-{}", self.next_id);
        self.next_id += 1;
        id
    }

    fn cost(&self, model: &str, usage: &Usage) -> Option<f64> {
        self.prices.get(model).map(|p| {
            (usage.input_tokens as f64 * p.input_per_mtok
                + usage.output_tokens as f64 * p.output_per_mtok)
                / 1_000_000.0
        })
    }

    /// Validate a chat request and decide its answer.
    fn answer_chat(&mut self, req: &ChatRequest, stream: bool) -> Result<Answer> {
        let model = self.model(&req.model)?.clone();
        if !model.features.chat {
            return Err(Error::invalid_input(
                "model",
                format!("model `{}` does not support chat", model.id),
            ));
        }
        if stream && !model.features.streaming {
            return Err(Error::invalid_input(
                "model",
                format!("model `{}` does not support streaming", model.id),
            ));
        }
        if req.messages.is_empty() {
            return Err(Error::invalid_input("messages", "must not be empty"));
        }
        for (i, m) in req.messages.iter().enumerate() {
            if m.role == Role::Tool && m.tool_call_id.as_deref().is_none_or(str::is_empty) {
                return Err(Error::invalid_input(
                    format!("messages[{i}].tool_call_id"),
                    "a tool message must name the call it answers",
                ));
            }
        }
        if let Some(t) = req.temperature
            && !(0.0..=2.0).contains(&t)
        {
            return Err(Error::invalid_input("temperature", "must be within 0..=2"));
        }
        if let Some(t) = req.top_p
            && !(0.0..=1.0).contains(&t)
        {
            return Err(Error::invalid_input("top_p", "must be within 0..=1"));
        }
        if req.max_tokens == Some(0) {
            return Err(Error::invalid_input("max_tokens", "must be at least 1"));
        }
        if let (Some(n), Some(max)) = (req.max_tokens, model.max_output_tokens)
            && n > max
        {
            return Err(Error::invalid_input(
                "max_tokens",
                format!("model `{}` generates at most {max} tokens", model.id),
            ));
        }
        if !req.tools.is_empty() && !model.features.tools {
            return Err(Error::invalid_input(
                "tools",
                format!("model `{}` does not support tools", model.id),
            ));
        }
        for (i, t) in req.tools.iter().enumerate() {
            validate_tool_name(&format!("tools[{i}].name"), &t.name)?;
            if req.tools[..i].iter().any(|o| o.name == t.name) {
                return Err(Error::invalid_input(
                    format!("tools[{i}].name"),
                    format!("tool `{}` is declared twice", t.name),
                ));
            }
        }
        match &req.tool_choice {
            Some(ToolChoice::Tool(name)) if !req.tools.iter().any(|t| &t.name == name) => {
                return Err(Error::invalid_input(
                    "tool_choice",
                    format!("no tool named `{name}` is offered"),
                ));
            }
            Some(ToolChoice::Required) if req.tools.is_empty() => {
                return Err(Error::invalid_input(
                    "tool_choice",
                    "a tool is required but none is offered",
                ));
            }
            _ => {}
        }
        let input_tokens = count_tokens(&format!(
            "{}{}",
            req.system.as_deref().unwrap_or(""),
            req.messages
                .iter()
                .map(|m| m.content.as_str())
                .collect::<String>()
        )) + req
            .tools
            .iter()
            .map(|t| count_tokens(&t.parameters.to_string()) + count_tokens(&t.name))
            .sum::<u64>();
        if let Some(window) = model.context_window {
            let wanted = input_tokens
                + u64::from(
                    req.max_tokens
                        .or(model.max_output_tokens)
                        .unwrap_or(0)
                        .min(window),
                );
            if wanted > u64::from(window) {
                return Err(Error::new(
                    ErrorKind::ContextLengthExceeded,
                    format!(
                        "the prompt ({input_tokens} tokens) plus the output budget exceeds the \
                         {window}-token context window of `{}`",
                        model.id
                    ),
                ));
            }
        }

        // decide the answer
        let last_user = req
            .messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map(|m| m.content.clone())
            .unwrap_or_default();
        let last = req.messages.last().expect("checked non-empty");
        let mut stream_error = None;
        let (mut text, mut calls) = match self.script.pop_front() {
            Some(AiReply::Text(t)) => (t, Vec::new()),
            Some(AiReply::ToolCalls(c)) => (String::new(), c),
            Some(AiReply::Error(e)) => return Err(e),
            Some(AiReply::StreamError { text, error }) => {
                if !stream {
                    return Err(error);
                }
                stream_error = Some(error);
                (text, Vec::new())
            }
            None => {
                let forced = match &req.tool_choice {
                    Some(ToolChoice::None) => None,
                    Some(ToolChoice::Tool(name)) => Some(name.clone()),
                    Some(ToolChoice::Required) if last.role != Role::Tool => {
                        Some(req.tools[0].name.clone())
                    }
                    _ if last.role == Role::Tool => None,
                    _ => req
                        .tools
                        .iter()
                        .find(|t| mentions(&last_user, &t.name))
                        .map(|t| t.name.clone()),
                };
                match forced {
                    Some(name) => (
                        String::new(),
                        vec![ToolCall {
                            id: String::new(),
                            name,
                            arguments: serde_json::json!({ "input": last_user }).to_string(),
                        }],
                    ),
                    None if last.role == Role::Tool => {
                        (format!("tool result: {}", last.content), Vec::new())
                    }
                    None => {
                        let t = format!("echo: {last_user}");
                        let t = match &req.response_format {
                            Some(
                                ResponseFormat::JsonObject | ResponseFormat::JsonSchema { .. },
                            ) => serde_json::json!({ "reply": t }).to_string(),
                            _ => t,
                        };
                        (t, Vec::new())
                    }
                }
            }
        };
        for c in &mut calls {
            if c.id.is_empty() {
                c.id = self.next_id("call");
            }
        }
        let mut finish = if calls.is_empty() {
            FinishReason::Stop
        } else {
            FinishReason::ToolCalls
        };
        if let Some(cut) = req.stop.iter().filter_map(|s| text.find(s.as_str())).min() {
            text.truncate(cut);
        }
        let limit = req.max_tokens.or(model.max_output_tokens);
        if let Some(limit) = limit
            && count_tokens(&text) > u64::from(limit)
        {
            let mut end = (limit as usize) * 4;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            finish = FinishReason::Length;
        }
        let output_tokens = count_tokens(&text)
            + calls
                .iter()
                .map(|c| count_tokens(&c.name) + count_tokens(&c.arguments))
                .sum::<u64>();
        let usage = Usage {
            input_tokens,
            output_tokens,
            cached_input_tokens: None,
        };
        Ok(Answer {
            id: self.next_id("fake-chat"),
            cost: self.cost(&model.id, &usage),
            model: model.id,
            text,
            tool_calls: calls,
            finish,
            usage,
            stream_error,
        })
    }
}

fn chunks_of(answer: Answer) -> (Vec<ChatChunk>, Option<Error>) {
    let mut chunks: Vec<ChatChunk> = word_chunks(&answer.text)
        .into_iter()
        .map(|delta| ChatChunk {
            delta,
            ..Default::default()
        })
        .collect();
    if let Some(e) = answer.stream_error {
        return (chunks, Some(e));
    }
    for (i, call) in answer.tool_calls.iter().enumerate() {
        let index = i as u32;
        chunks.push(ChatChunk {
            tool_call_deltas: vec![ToolCallDelta {
                index,
                id: Some(call.id.clone()),
                name: Some(call.name.clone()),
                arguments: String::new(),
            }],
            ..Default::default()
        });
        let args: Vec<char> = call.arguments.chars().collect();
        for piece in args.chunks(8) {
            chunks.push(ChatChunk {
                tool_call_deltas: vec![ToolCallDelta {
                    index,
                    id: None,
                    name: None,
                    arguments: piece.iter().collect(),
                }],
                ..Default::default()
            });
        }
    }
    chunks.push(ChatChunk {
        tool_calls: answer.tool_calls,
        finish_reason: Some(answer.finish),
        usage: Some(answer.usage),
        ..Default::default()
    });
    (chunks, None)
}

#[async_trait]
impl AiProvider for FakeAi {
    fn capabilities(&self) -> Capabilities {
        self.core.capabilities()
    }

    async fn chat(&self, p: ChatRequest) -> Result<ChatResponse> {
        self.run(AiOp::Chat, p, |s, p| {
            let a = s.answer_chat(&p, false)?;
            let mut message = Message::assistant(a.text);
            message.tool_calls = a.tool_calls;
            Ok(ChatResponse {
                id: a.id,
                model: a.model,
                message,
                finish_reason: Some(a.finish),
                usage: a.usage,
                cost_usd: a.cost,
                provider: None,
            })
        })
        .await
    }

    async fn chat_stream(&self, p: ChatRequest) -> Result<ChatStream> {
        let (answer, interval) = self
            .run(AiOp::ChatStream, p, |s, p| {
                Ok((s.answer_chat(&p, true)?, s.chunk_interval))
            })
            .await?;
        let provider = self.core.name().to_owned();
        let (chunks, error) = chunks_of(answer);
        let items = chunks.into_iter().map(Ok).chain(error.map(|e| {
            Err(if e.provider().is_some() {
                e
            } else {
                e.with_provider(provider)
            })
        }));
        let stream = futures::stream::iter(items).then(move |item| async move {
            if !interval.is_zero() {
                tokio::time::sleep(interval).await;
            }
            item
        });
        Ok(ChatStream::new(stream))
    }

    async fn complete(&self, p: CompletionRequest) -> Result<Completion> {
        self.run(AiOp::Complete, p, |s, p| {
            require("prompt", &p.prompt)?;
            let chat = ChatRequest {
                model: p.model.clone(),
                messages: vec![Message::user(p.prompt.clone())],
                temperature: p.temperature,
                max_tokens: p.max_tokens,
                stop: p.stop.clone(),
                ..Default::default()
            };
            let a = s.answer_chat(&chat, false)?;
            if !a.tool_calls.is_empty() {
                return Err(Error::internal(
                    "a tool call was scripted for a text completion",
                ));
            }
            Ok(Completion {
                id: a.id.replace("fake-chat", "fake-cmpl"),
                model: a.model,
                text: a.text,
                finish_reason: Some(a.finish),
                usage: a.usage,
                cost_usd: a.cost,
                provider: None,
            })
        })
        .await
    }

    async fn embed(&self, p: EmbeddingRequest) -> Result<Embeddings> {
        self.run(AiOp::Embed, p, |s, p| {
            let model = s.model(&p.model)?;
            if !model.features.embeddings {
                return Err(Error::invalid_input(
                    "model",
                    format!("model `{}` does not produce embeddings", model.id),
                ));
            }
            if p.inputs.is_empty() {
                return Err(Error::invalid_input("inputs", "must not be empty"));
            }
            for (i, t) in p.inputs.iter().enumerate() {
                if t.is_empty() {
                    return Err(Error::invalid_input(
                        format!("inputs[{i}]"),
                        "must not be empty",
                    ));
                }
            }
            let native = s.embedding_dims.get(&p.model).copied().unwrap_or(16);
            let dims = match p.dimensions {
                None => native,
                Some(0) => return Err(Error::invalid_input("dimensions", "must be at least 1")),
                Some(d) if d > native => {
                    return Err(Error::invalid_input(
                        "dimensions",
                        format!("model `{}` has {native} dimensions", p.model),
                    ));
                }
                Some(d) => d,
            };
            let usage = Usage {
                input_tokens: p.inputs.iter().map(|t| count_tokens(t)).sum(),
                output_tokens: 0,
                cached_input_tokens: None,
            };
            Ok(Embeddings {
                model: p.model.clone(),
                vectors: p.inputs.iter().map(|t| embed_text(t, dims)).collect(),
                usage,
                provider: None,
            })
        })
        .await
    }

    async fn list_models(&self, p: ListModels) -> Result<Page<ModelInfo>> {
        self.run(AiOp::ListModels, p, |s, p| {
            Page::slice(s.models.values().cloned().collect(), &p.page, DEFAULT_PAGE)
        })
        .await
    }

    async fn get_model(&self, p: ModelRef) -> Result<ModelInfo> {
        self.run(AiOp::GetModel, p, |s, p| {
            require("id", &p.id)?;
            s.models
                .get(&p.id)
                .cloned()
                .ok_or_else(|| Error::not_found(format!("model `{}` not found", p.id)))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_their_spacing() {
        assert_eq!(word_chunks("a  bc d"), vec!["a  ", "bc ", "d"]);
        assert_eq!(word_chunks("").len(), 0);
        assert_eq!(word_chunks(" lead").concat(), " lead");
    }

    #[test]
    fn embeddings_are_normalized_and_similar_for_similar_text() {
        let a = embed_text("deploy the service", 64);
        let b = embed_text("deploying the service", 64);
        let c = embed_text("banana bread recipe", 64);
        let dot = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>();
        assert!((dot(&a, &a) - 1.0).abs() < 1e-5);
        assert!(dot(&a, &b) > dot(&a, &c));
        assert_eq!(a, embed_text("deploy the service", 64));
    }
}
