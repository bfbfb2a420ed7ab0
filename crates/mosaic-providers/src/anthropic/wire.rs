//! Wire types of Anthropic's Messages and Models APIs, as documented in
//! Anthropic's API reference (`POST /v1/messages`, its streaming events,
//! `GET /v1/models`). Only the fields Mosaic reads or writes are declared.

use serde::{Deserialize, Serialize};
use serde_json::Value;

// ----- requests -----

/// `POST /v1/messages` body.
#[derive(Debug, Serialize)]
pub(crate) struct MessagesRequest<'a> {
    /// Model id.
    pub(crate) model: &'a str,
    /// Output limit (required by the API).
    pub(crate) max_tokens: u32,
    /// The conversation (alternating user and assistant turns).
    pub(crate) messages: Vec<RequestMessage<'a>>,
    /// The system prompt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) system: Option<String>,
    /// Tools.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) tools: Vec<RequestTool<'a>>,
    /// `{"type": "auto" | "any" | "tool" | "none", "name"?}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tool_choice: Option<Value>,
    /// Sampling temperature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) temperature: Option<f32>,
    /// Nucleus sampling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) top_p: Option<f32>,
    /// Stop sequences.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub(crate) stop_sequences: &'a [String],
    /// Stream the answer as server-sent events.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) stream: bool,
}

/// One turn of a request.
#[derive(Debug, Serialize)]
pub(crate) struct RequestMessage<'a> {
    /// `user` or `assistant`.
    pub(crate) role: &'static str,
    /// Content blocks.
    pub(crate) content: Vec<RequestBlock<'a>>,
}

/// A content block of a request.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum RequestBlock<'a> {
    /// Text.
    Text {
        /// The text.
        text: &'a str,
    },
    /// A tool call made by the assistant.
    ToolUse {
        /// Call id.
        id: &'a str,
        /// Tool name.
        name: &'a str,
        /// Arguments (a JSON object).
        input: Value,
    },
    /// The result of a tool call.
    ToolResult {
        /// The call it answers.
        tool_use_id: &'a str,
        /// The result text.
        #[serde(skip_serializing_if = "Option::is_none")]
        content: Option<&'a str>,
    },
}

/// A tool definition.
#[derive(Debug, Serialize)]
pub(crate) struct RequestTool<'a> {
    /// Name.
    pub(crate) name: &'a str,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<&'a str>,
    /// JSON Schema of the input.
    pub(crate) input_schema: Value,
}

// ----- responses -----

/// Token usage.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Usage {
    /// Uncached prompt tokens.
    #[serde(default)]
    pub(crate) input_tokens: Option<u64>,
    /// Generated tokens.
    #[serde(default)]
    pub(crate) output_tokens: Option<u64>,
    /// Prompt tokens written to the cache.
    #[serde(default)]
    pub(crate) cache_creation_input_tokens: Option<u64>,
    /// Prompt tokens read from the cache.
    #[serde(default)]
    pub(crate) cache_read_input_tokens: Option<u64>,
}

/// A message (the answer of `POST /v1/messages`).
#[derive(Debug, Deserialize)]
pub(crate) struct MessageResponse {
    /// Message id.
    #[serde(default)]
    pub(crate) id: Option<String>,
    /// The model that answered.
    #[serde(default)]
    pub(crate) model: Option<String>,
    /// Content blocks.
    #[serde(default)]
    pub(crate) content: Vec<ContentBlock>,
    /// `end_turn`, `max_tokens`, `stop_sequence`, `tool_use`, `pause_turn`, `refusal`.
    #[serde(default)]
    pub(crate) stop_reason: Option<String>,
    /// Usage.
    #[serde(default)]
    pub(crate) usage: Option<Usage>,
}

/// A content block of an answer.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ContentBlock {
    /// Text.
    Text {
        /// The text.
        #[serde(default)]
        text: String,
    },
    /// A tool call.
    ToolUse {
        /// Call id.
        id: String,
        /// Tool name.
        name: String,
        /// Arguments.
        #[serde(default)]
        input: Value,
    },
    /// Any other block (thinking, server tools, …).
    #[serde(other)]
    Other,
}

/// One streamed event (the `data` of a server-sent event).
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum StreamEvent {
    /// The message starts (with the prompt's usage).
    MessageStart {
        /// The message so far.
        message: MessageStart,
    },
    /// A content block starts.
    ContentBlockStart {
        /// Block index.
        index: u32,
        /// The block (empty text, or a tool call with empty input).
        content_block: ContentBlock,
    },
    /// More of a content block.
    ContentBlockDelta {
        /// Block index.
        index: u32,
        /// What is new.
        delta: BlockDelta,
    },
    /// A content block is complete.
    ContentBlockStop {
        /// Block index.
        index: u32,
    },
    /// Top-level changes: the stop reason, and cumulative usage.
    MessageDelta {
        /// The changes.
        #[serde(default)]
        delta: MessageDeltaBody,
        /// Cumulative usage.
        #[serde(default)]
        usage: Option<Usage>,
    },
    /// The message is complete.
    MessageStop,
    /// Keep-alive.
    Ping,
    /// An error (e.g. `overloaded_error`).
    Error {
        /// What went wrong.
        error: ErrorDetail,
    },
    /// An event type Mosaic does not know (ignored, as the API asks).
    #[serde(other)]
    Unknown,
}

/// `message` of `message_start`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct MessageStart {
    /// Usage of the prompt.
    #[serde(default)]
    pub(crate) usage: Option<Usage>,
}

/// `delta` of `content_block_delta`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum BlockDelta {
    /// More text.
    TextDelta {
        /// The text.
        text: String,
    },
    /// More of a tool call's JSON input.
    InputJsonDelta {
        /// A piece of JSON text.
        partial_json: String,
    },
    /// Thinking, signatures, citations: not part of the answer text.
    #[serde(other)]
    Other,
}

/// `delta` of `message_delta`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct MessageDeltaBody {
    /// Why generation stopped.
    #[serde(default)]
    pub(crate) stop_reason: Option<String>,
}

/// An error: `{"type": "...", "message": "..."}`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorDetail {
    /// `invalid_request_error`, `overloaded_error`, ….
    #[serde(default, rename = "type")]
    pub(crate) kind: Option<String>,
    /// What went wrong.
    #[serde(default)]
    pub(crate) message: Option<String>,
}

/// An error body: `{"type": "error", "error": {...}}`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorBody {
    /// The error.
    #[serde(default)]
    pub(crate) error: Option<ErrorDetail>,
}

/// A page of models.
#[derive(Debug, Deserialize)]
pub(crate) struct ModelList {
    /// The models.
    pub(crate) data: Vec<Model>,
    /// More after `last_id`.
    #[serde(default)]
    pub(crate) has_more: bool,
    /// The last id of this page.
    #[serde(default)]
    pub(crate) last_id: Option<String>,
}

/// A model.
#[derive(Debug, Deserialize)]
pub(crate) struct Model {
    /// Model id.
    pub(crate) id: String,
    /// The owner, as gateways listing models in OpenAI's shape report it
    /// (Anthropic's API sends none).
    #[serde(default)]
    pub(crate) owned_by: Option<String>,
    /// Context window, where reported.
    #[serde(default)]
    pub(crate) max_input_tokens: Option<u32>,
    /// Output limit, where reported.
    #[serde(default)]
    pub(crate) max_tokens: Option<u32>,
}
