//! AI domain types: chat (with tools and structured output), streaming
//! chunks, completions, embeddings, models, token usage.

use std::borrow::Cow;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::{Stream, StreamExt};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::page::{PageRequest, paginated};
use crate::{Error, Result};

#[cfg(test)]
use proptest_derive::Arbitrary;

/// Who speaks a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Instructions.
    System,
    /// The user.
    #[default]
    User,
    /// The model.
    Assistant,
    /// A tool's result.
    Tool,
}

/// A tool call made by the model.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ToolCall {
    /// The call id (echo it in the tool's result message).
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The arguments, as JSON text.
    pub arguments: String,
}

impl ToolCall {
    /// The arguments parsed as JSON.
    pub fn parse_arguments(&self) -> Result<serde_json::Value> {
        serde_json::from_str(&self.arguments)
            .map_err(|e| Error::decode(format_args!("tool call `{}` arguments", self.name), e))
    }
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// Text.
    pub content: String,
    /// Tool calls (assistant messages).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// The call this message answers (tool messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl Message {
    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Message {
            role: Role::System,
            content: content.into(),
            ..Default::default()
        }
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            content: content.into(),
            ..Default::default()
        }
    }

    /// An assistant message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Message {
            role: Role::Assistant,
            content: content.into(),
            ..Default::default()
        }
    }

    /// A tool's result for the call `tool_call_id`.
    pub fn tool_result(tool_call_id: impl Into<String>, content: impl Into<String>) -> Self {
        Message {
            role: Role::Tool,
            content: content.into(),
            tool_call_id: Some(tool_call_id.into()),
            ..Default::default()
        }
    }
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Tool {
    /// Name.
    pub name: String,
    /// What it does.
    pub description: Option<String>,
    /// JSON Schema of its arguments.
    #[cfg_attr(test, proptest(strategy = "crate::testing::arb_json()"))]
    pub parameters: serde_json::Value,
}

/// Whether and which tool the model must call.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(Arbitrary))]
pub enum ToolChoice {
    /// The model decides.
    #[default]
    Auto,
    /// No tool.
    None,
    /// Some tool.
    Required,
    /// This tool.
    Tool(String),
}

/// The shape of the answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(Arbitrary))]
pub enum ResponseFormat {
    /// Free text.
    #[default]
    Text,
    /// Any JSON object.
    JsonObject,
    /// JSON matching a schema.
    JsonSchema {
        /// Schema name.
        name: String,
        /// The JSON Schema.
        #[cfg_attr(test, proptest(strategy = "crate::testing::arb_json()"))]
        schema: serde_json::Value,
        /// Enforce the schema strictly where supported.
        strict: bool,
    },
}

/// Parameters of `chat` and `chat_stream`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ChatRequest {
    /// Model id.
    pub model: String,
    /// System prompt (sent the way the provider wants it).
    pub system: Option<String>,
    /// The conversation.
    pub messages: Vec<Message>,
    /// Tools the model may call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    /// Tool choice.
    pub tool_choice: Option<ToolChoice>,
    /// Sampling temperature.
    #[cfg_attr(test, proptest(strategy = "proptest::option::of(-2.0f32..2.0)"))]
    pub temperature: Option<f32>,
    /// Nucleus sampling.
    #[cfg_attr(test, proptest(strategy = "proptest::option::of(-2.0f32..2.0)"))]
    pub top_p: Option<f32>,
    /// Maximum tokens to generate.
    pub max_tokens: Option<u32>,
    /// Stop sequences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop: Vec<String>,
    /// Answer format.
    pub response_format: Option<ResponseFormat>,
}

impl ChatRequest {
    /// A request to `model` with one user message.
    pub fn new(model: impl Into<String>, prompt: impl Into<String>) -> Self {
        ChatRequest {
            model: model.into(),
            messages: vec![Message::user(prompt)],
            ..Default::default()
        }
    }

    /// Set the system prompt.
    pub fn system(mut self, system: impl Into<String>) -> Self {
        self.system = Some(system.into());
        self
    }

    /// Add a tool.
    pub fn tool(mut self, tool: Tool) -> Self {
        self.tools.push(tool);
        self
    }

    /// Set the maximum tokens.
    pub fn max_tokens(mut self, n: u32) -> Self {
        self.max_tokens = Some(n);
        self
    }

    /// A rough count of the prompt's characters (system, messages, tools),
    /// for budget and context checks before a call.
    pub fn prompt_chars(&self) -> usize {
        self.system.as_ref().map_or(0, |s| s.len())
            + self.messages.iter().map(|m| m.content.len()).sum::<usize>()
            + self
                .tools
                .iter()
                .map(|t| t.parameters.to_string().len())
                .sum::<usize>()
    }

    /// The routing subject: the model.
    pub fn subject(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(&self.model))
    }
}

/// Why generation stopped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// A natural stop or a stop sequence.
    Stop,
    /// The token limit.
    Length,
    /// The model called tools.
    ToolCalls,
    /// A content filter.
    ContentFilter,
    /// Another reason, in the provider's words.
    Other(String),
}

/// Token usage of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Usage {
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Generated tokens.
    pub output_tokens: u64,
    /// Prompt tokens served from the provider's prompt cache, where reported.
    pub cached_input_tokens: Option<u64>,
}

impl Usage {
    /// Input plus output.
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }

    /// Add another call's usage.
    pub fn add(&mut self, other: &Usage) {
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cached_input_tokens = match (self.cached_input_tokens, other.cached_input_tokens) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
    }
}

/// A complete chat answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ChatResponse {
    /// The provider's response id.
    pub id: String,
    /// The model that answered.
    pub model: String,
    /// The assistant message (text and tool calls).
    pub message: Message,
    /// Why it stopped.
    pub finish_reason: Option<FinishReason>,
    /// Token usage.
    pub usage: Usage,
    /// Estimated cost in US dollars, when a price is known.
    #[cfg_attr(test, proptest(strategy = "proptest::option::of(0.0f64..100.0)"))]
    pub cost_usd: Option<f64>,
    /// The provider that answered: the name it was registered under with
    /// the router that served the call (`None` when no router was involved;
    /// providers leave it empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// A fragment of a tool call, as streamed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ToolCallDelta {
    /// Position of the call in this answer (parallel calls).
    pub index: u32,
    /// The call id (first fragment).
    pub id: Option<String>,
    /// The tool name (first fragment).
    pub name: Option<String>,
    /// A piece of the JSON arguments.
    pub arguments: String,
}

/// One piece of a streamed chat answer.
///
/// Streams from every provider are normalized to this: text deltas,
/// tool-call deltas, the complete tool calls once their last fragment has
/// arrived, and on the final chunk the finish reason and the usage.
///
/// A stream that restarts on another provider after a failure (the opt-in
/// `Router::chat_stream_with_restart` of `mosaic-router`) says so with a
/// marker chunk whose [`restarted`](Self::restarted) names the provider
/// now answering: the text, tool calls and usage before the marker belong
/// to the abandoned answer, and the answer starts over after it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ChatChunk {
    /// New text.
    pub delta: String,
    /// New tool-call fragments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_call_deltas: Vec<ToolCallDelta>,
    /// Tool calls completed by this chunk.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// Why generation stopped (final chunk).
    pub finish_reason: Option<FinishReason>,
    /// Token usage (final chunk).
    pub usage: Option<Usage>,
    /// Set on a restart marker only: the answer starts over from the
    /// provider named here (its registered name at the router), and what
    /// came before is to be discarded. A marker carries nothing else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restarted: Option<String>,
}

impl ChatChunk {
    /// A restart marker: the answer starts over from `provider`.
    pub fn restart(provider: impl Into<String>) -> Self {
        ChatChunk {
            restarted: Some(provider.into()),
            ..Default::default()
        }
    }

    /// Whether this chunk is a restart marker (see [`Self::restarted`]).
    pub fn is_restart(&self) -> bool {
        self.restarted.is_some()
    }
}

/// A streamed chat answer: a `Stream` of [`ChatChunk`]s.
///
/// An error before the first chunk is returned by `chat_stream` itself (so a
/// router can fail over); an error after it is an item of the stream.
///
/// A router records which provider it opened the stream on
/// ([`provider`](Self::provider)).
pub struct ChatStream {
    inner: Pin<Box<dyn Stream<Item = Result<ChatChunk>> + Send>>,
    provider: Option<String>,
}

impl ChatStream {
    /// Wrap a stream.
    pub fn new(stream: impl Stream<Item = Result<ChatChunk>> + Send + 'static) -> Self {
        ChatStream {
            inner: Box::pin(stream),
            provider: None,
        }
    }

    /// Record the provider serving the stream (its registered name at the
    /// router).
    pub fn with_provider(mut self, provider: impl Into<String>) -> Self {
        self.set_provider(provider);
        self
    }

    /// Record the provider serving the stream, in place.
    pub fn set_provider(&mut self, provider: impl Into<String>) {
        self.provider = Some(provider.into());
    }

    /// The provider the stream was opened on, when a router recorded it.
    ///
    /// A stream that restarts elsewhere keeps the provider it was opened
    /// on here; each restart marker ([`ChatChunk::restarted`]) names the
    /// provider that took over.
    pub fn provider(&self) -> Option<&str> {
        self.provider.as_deref()
    }

    /// A stream of the given chunks.
    pub fn from_chunks(chunks: Vec<Result<ChatChunk>>) -> Self {
        Self::new(futures::stream::iter(chunks))
    }

    /// Drain the stream into one [`ChatResponse`] (text concatenated, tool
    /// calls collected, last finish reason and usage kept, the stream's
    /// provider recorded).
    ///
    /// A restart marker discards what came before it and records the
    /// provider it names instead.
    pub async fn collect_response(mut self, model: impl Into<String>) -> Result<ChatResponse> {
        let mut resp = ChatResponse {
            model: model.into(),
            message: Message::assistant(""),
            provider: self.provider.take(),
            ..Default::default()
        };
        while let Some(chunk) = self.next().await {
            let chunk = chunk?;
            if let Some(provider) = chunk.restarted {
                resp.message = Message::assistant("");
                resp.finish_reason = None;
                resp.usage = Usage::default();
                resp.provider = Some(provider);
                continue;
            }
            resp.message.content.push_str(&chunk.delta);
            resp.message.tool_calls.extend(chunk.tool_calls);
            if chunk.finish_reason.is_some() {
                resp.finish_reason = chunk.finish_reason;
            }
            if let Some(u) = chunk.usage {
                resp.usage = u;
            }
        }
        Ok(resp)
    }
}

impl Stream for ChatStream {
    type Item = Result<ChatChunk>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl fmt::Debug for ChatStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatStream")
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

impl crate::family::MaybeClone for ChatStream {
    fn maybe_clone(&self) -> Option<Self> {
        None
    }
}

impl Serialize for ChatStream {
    fn serialize<S: Serializer>(&self, _: S) -> std::result::Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(
            "a live chat stream cannot be serialized",
        ))
    }
}

impl<'de> Deserialize<'de> for ChatStream {
    fn deserialize<D: Deserializer<'de>>(_: D) -> std::result::Result<Self, D::Error> {
        Err(serde::de::Error::custom(
            "a live chat stream cannot be deserialized",
        ))
    }
}

/// Parameters of `complete` (plain text completion).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct CompletionRequest {
    /// Model id.
    pub model: String,
    /// The prompt.
    pub prompt: String,
    /// Maximum tokens to generate.
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    #[cfg_attr(test, proptest(strategy = "proptest::option::of(-2.0f32..2.0)"))]
    pub temperature: Option<f32>,
    /// Stop sequences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop: Vec<String>,
}

/// A text completion.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Completion {
    /// The provider's response id.
    pub id: String,
    /// The model that answered.
    pub model: String,
    /// Generated text.
    pub text: String,
    /// Why it stopped.
    pub finish_reason: Option<FinishReason>,
    /// Token usage.
    pub usage: Usage,
    /// Estimated cost in US dollars, when a price is known.
    #[cfg_attr(test, proptest(strategy = "proptest::option::of(0.0f64..100.0)"))]
    pub cost_usd: Option<f64>,
    /// The provider that answered: the name it was registered under with
    /// the router that served the call (`None` when no router was involved;
    /// providers leave it empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// Parameters of `embed`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct EmbeddingRequest {
    /// Model id.
    pub model: String,
    /// Texts to embed (one vector each, in order).
    pub inputs: Vec<String>,
    /// Requested dimensions, where the model supports shortening.
    pub dimensions: Option<u32>,
}

/// Embedding vectors.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct Embeddings {
    /// The model that answered.
    pub model: String,
    /// One vector per input, in order.
    #[cfg_attr(
        test,
        proptest(
            strategy = "proptest::collection::vec(proptest::collection::vec(-1.0f32..1.0, 0..4), 0..3)"
        )
    )]
    pub vectors: Vec<Vec<f32>>,
    /// Token usage.
    pub usage: Usage,
    /// The provider that answered: the name it was registered under with
    /// the router that served the call (`None` when no router was involved;
    /// providers leave it empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// What a model can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ModelFeatures {
    /// Chat.
    pub chat: bool,
    /// Streaming.
    pub streaming: bool,
    /// Tool calling.
    pub tools: bool,
    /// Embeddings.
    pub embeddings: bool,
    /// Image input.
    pub vision: bool,
}

/// A model.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ModelInfo {
    /// Model id.
    pub id: String,
    /// Owner or family, where reported.
    pub owned_by: Option<String>,
    /// Context window in tokens, where known.
    pub context_window: Option<u32>,
    /// Maximum output tokens, where known.
    pub max_output_tokens: Option<u32>,
    /// Features, where known.
    pub features: ModelFeatures,
}

/// Parameters of `list_models`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ListModels {
    /// Which page.
    pub page: PageRequest,
}

/// A model by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(test, derive(Arbitrary))]
pub struct ModelRef {
    /// Model id.
    pub id: String,
}

paginated!(ListModels);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Served;
    use crate::ai::AiResponse;

    fn text(delta: &str) -> Result<ChatChunk> {
        Ok(ChatChunk {
            delta: delta.into(),
            ..Default::default()
        })
    }

    #[tokio::test]
    async fn collect_response_starts_over_at_a_restart_marker() {
        let stream = ChatStream::from_chunks(vec![
            text("half "),
            Ok(ChatChunk {
                tool_calls: vec![ToolCall::default()],
                ..Default::default()
            }),
            Ok(ChatChunk::restart("backup")),
            text("whole "),
            Ok(ChatChunk {
                delta: "answer".into(),
                finish_reason: Some(FinishReason::Stop),
                usage: Some(Usage {
                    input_tokens: 1,
                    output_tokens: 2,
                    cached_input_tokens: None,
                }),
                ..Default::default()
            }),
        ])
        .with_provider("primary");
        assert_eq!(stream.provider(), Some("primary"));
        let resp = stream.collect_response("m").await.unwrap();
        assert_eq!(resp.message.content, "whole answer");
        assert!(resp.message.tool_calls.is_empty());
        assert_eq!(resp.provider.as_deref(), Some("backup"));
        assert_eq!(resp.usage.total_tokens(), 3);

        let plain = ChatStream::from_chunks(vec![text("a")]).with_provider("primary");
        let resp = plain.collect_response("m").await.unwrap();
        assert_eq!(resp.provider.as_deref(), Some("primary"));
    }

    #[test]
    fn restart_marker_and_provider_serialize_only_when_set() {
        let chunk = serde_json::to_value(ChatChunk::default()).unwrap();
        assert!(chunk.get("restarted").is_none(), "{chunk}");
        let marker = ChatChunk::restart("b");
        assert!(marker.is_restart());
        let json = serde_json::to_value(&marker).unwrap();
        assert_eq!(json["restarted"], "b");
        let back: ChatChunk = serde_json::from_value(json).unwrap();
        assert_eq!(back, marker);

        let resp = serde_json::to_value(ChatResponse::default()).unwrap();
        assert!(resp.get("provider").is_none(), "{resp}");
        let old: ChatResponse = serde_json::from_str(
            r#"{"id":"x","model":"m","message":{"role":"assistant","content":""},"finish_reason":null,"usage":{"input_tokens":0,"output_tokens":0,"cached_input_tokens":null},"cost_usd":null}"#,
        )
        .unwrap();
        assert_eq!(old.provider, None);
    }

    #[test]
    fn served_fills_the_ai_answers_and_keeps_an_earlier_name() {
        let mut answers = [
            AiResponse::Chat(ChatResponse::default()),
            AiResponse::Complete(Completion::default()),
            AiResponse::Embed(Embeddings::default()),
            AiResponse::ChatStream(ChatStream::from_chunks(Vec::new())),
        ];
        for a in &mut answers {
            a.set_served_by("inner");
            a.set_served_by("outer");
        }
        let names: Vec<Option<&str>> = answers
            .iter()
            .map(|a| match a {
                AiResponse::Chat(r) => r.provider.as_deref(),
                AiResponse::Complete(r) => r.provider.as_deref(),
                AiResponse::Embed(r) => r.provider.as_deref(),
                AiResponse::ChatStream(s) => s.provider(),
                _ => None,
            })
            .collect();
        assert_eq!(names, [Some("inner"); 4]);

        // Model listings have no place for it; other families neither.
        let mut model = AiResponse::GetModel(ModelInfo::default());
        model.set_served_by("inner");
        assert!(matches!(model, AiResponse::GetModel(m) if m == ModelInfo::default()));
        let mut git = crate::git::GitResponse::GetRepository(Default::default());
        git.set_served_by("inner");
    }
}
