//! Wire types of Ollama's native API (`/api/chat`, `/api/generate`,
//! `/api/embed`, `/api/tags`, `/api/show`), as documented in Ollama's
//! `docs/api.md`. Only the fields Mosaic reads or writes are declared.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub(crate) use crate::ai::wire::RequestTool;

// ----- requests -----

/// Model options (`options`).
#[derive(Debug, Default, Serialize)]
pub(crate) struct Options<'a> {
    /// Sampling temperature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) temperature: Option<f32>,
    /// Nucleus sampling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) top_p: Option<f32>,
    /// Output limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) num_predict: Option<u32>,
    /// Context window to load the model with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) num_ctx: Option<u32>,
    /// Stop sequences.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub(crate) stop: &'a [String],
}

impl Options<'_> {
    /// Whether no option is set.
    pub(crate) fn is_empty(&self) -> bool {
        self.temperature.is_none()
            && self.top_p.is_none()
            && self.num_predict.is_none()
            && self.num_ctx.is_none()
            && self.stop.is_empty()
    }
}

/// `POST /api/chat` body.
#[derive(Debug, Serialize)]
pub(crate) struct ChatRequest<'a> {
    /// Model name.
    pub(crate) model: &'a str,
    /// The conversation.
    pub(crate) messages: Vec<RequestMessage<'a>>,
    /// Function tools.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) tools: Vec<RequestTool<'a>>,
    /// `"json"` or a JSON Schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) format: Option<Value>,
    /// Model options.
    #[serde(skip_serializing_if = "Options::is_empty")]
    pub(crate) options: Options<'a>,
    /// Stream NDJSON (the API's default is `true`, so it is always sent).
    pub(crate) stream: bool,
    /// How long the model stays loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) keep_alive: Option<&'a str>,
}

/// One message of a request.
#[derive(Debug, Serialize)]
pub(crate) struct RequestMessage<'a> {
    /// `system`, `user`, `assistant` or `tool`.
    pub(crate) role: &'static str,
    /// Text.
    pub(crate) content: &'a str,
    /// The assistant's tool calls.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) tool_calls: Vec<RequestToolCall<'a>>,
    /// The tool a tool message answers for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tool_name: Option<&'a str>,
}

/// A tool call echoed back in an assistant message.
#[derive(Debug, Serialize)]
pub(crate) struct RequestToolCall<'a> {
    /// Name and arguments.
    pub(crate) function: RequestFunction<'a>,
}

/// `function` of a tool call.
#[derive(Debug, Serialize)]
pub(crate) struct RequestFunction<'a> {
    /// Tool name.
    pub(crate) name: &'a str,
    /// Arguments (a JSON object).
    pub(crate) arguments: Value,
}

/// `POST /api/generate` body.
#[derive(Debug, Serialize)]
pub(crate) struct GenerateRequest<'a> {
    /// Model name.
    pub(crate) model: &'a str,
    /// The prompt.
    pub(crate) prompt: &'a str,
    /// Model options.
    #[serde(skip_serializing_if = "Options::is_empty")]
    pub(crate) options: Options<'a>,
    /// Always `false`.
    pub(crate) stream: bool,
    /// How long the model stays loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) keep_alive: Option<&'a str>,
}

/// `POST /api/embed` body.
#[derive(Debug, Serialize)]
pub(crate) struct EmbedRequest<'a> {
    /// Model name.
    pub(crate) model: &'a str,
    /// The texts.
    pub(crate) input: &'a [String],
    /// Cut inputs that exceed the context window (else an error).
    pub(crate) truncate: bool,
    /// Shortened dimensions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) dimensions: Option<u32>,
    /// How long the model stays loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) keep_alive: Option<&'a str>,
}

/// `POST /api/show` body.
#[derive(Debug, Serialize)]
pub(crate) struct ShowRequest<'a> {
    /// Model name.
    pub(crate) model: &'a str,
}

// ----- responses -----

/// One object of a chat answer (the whole answer, or one NDJSON line).
#[derive(Debug, Deserialize)]
pub(crate) struct ChatResponse {
    /// The model.
    #[serde(default)]
    pub(crate) model: Option<String>,
    /// The message (or its new part, when streaming).
    #[serde(default)]
    pub(crate) message: Option<ResponseMessage>,
    /// Whether this is the last object.
    #[serde(default)]
    pub(crate) done: bool,
    /// `stop`, `length`, `load`, `unload`.
    #[serde(default)]
    pub(crate) done_reason: Option<String>,
    /// Prompt tokens.
    #[serde(default)]
    pub(crate) prompt_eval_count: Option<u64>,
    /// Generated tokens.
    #[serde(default)]
    pub(crate) eval_count: Option<u64>,
    /// An error (sent inside a stream).
    #[serde(default)]
    pub(crate) error: Option<Value>,
}

/// The message of a chat answer.
#[derive(Debug, Deserialize)]
pub(crate) struct ResponseMessage {
    /// Text.
    #[serde(default)]
    pub(crate) content: Option<String>,
    /// Tool calls (whole, never in fragments).
    #[serde(default)]
    pub(crate) tool_calls: Option<Vec<ResponseToolCall>>,
}

/// A tool call in an answer.
#[derive(Debug, Deserialize)]
pub(crate) struct ResponseToolCall {
    /// Call id, when the server gives one.
    #[serde(default)]
    pub(crate) id: Option<String>,
    /// Name and arguments.
    pub(crate) function: ResponseFunction,
}

/// `function` of a tool call in an answer.
#[derive(Debug, Deserialize)]
pub(crate) struct ResponseFunction {
    /// Tool name.
    pub(crate) name: String,
    /// Arguments (an object; some servers send JSON text).
    #[serde(default)]
    pub(crate) arguments: Value,
}

/// A generate answer.
#[derive(Debug, Deserialize)]
pub(crate) struct GenerateResponse {
    /// The model.
    #[serde(default)]
    pub(crate) model: Option<String>,
    /// Generated text.
    #[serde(default)]
    pub(crate) response: Option<String>,
    /// `stop`, `length`, ….
    #[serde(default)]
    pub(crate) done_reason: Option<String>,
    /// Prompt tokens.
    #[serde(default)]
    pub(crate) prompt_eval_count: Option<u64>,
    /// Generated tokens.
    #[serde(default)]
    pub(crate) eval_count: Option<u64>,
}

/// An embed answer.
#[derive(Debug, Deserialize)]
pub(crate) struct EmbedResponse {
    /// The model.
    #[serde(default)]
    pub(crate) model: Option<String>,
    /// One vector per input.
    pub(crate) embeddings: Vec<Vec<f32>>,
    /// Prompt tokens.
    #[serde(default)]
    pub(crate) prompt_eval_count: Option<u64>,
}

/// `GET /api/tags`.
#[derive(Debug, Deserialize)]
pub(crate) struct Tags {
    /// Local models.
    #[serde(default)]
    pub(crate) models: Vec<TagModel>,
}

/// A local model.
#[derive(Debug, Deserialize)]
pub(crate) struct TagModel {
    /// Name (`llama3.2:latest`).
    pub(crate) name: String,
    /// Details.
    #[serde(default)]
    pub(crate) details: Option<Details>,
}

/// Model details.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Details {
    /// Family (`llama`).
    #[serde(default)]
    pub(crate) family: Option<String>,
}

/// `POST /api/show`.
#[derive(Debug, Deserialize)]
pub(crate) struct Show {
    /// Details.
    #[serde(default)]
    pub(crate) details: Option<Details>,
    /// GGUF metadata (`general.architecture`, `<arch>.context_length`, …).
    #[serde(default)]
    pub(crate) model_info: Option<Map<String, Value>>,
    /// `completion`, `tools`, `vision`, `embedding`, `insert`, `thinking`.
    #[serde(default)]
    pub(crate) capabilities: Option<Vec<String>>,
}

/// An error body: `{"error": "..."}`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorBody {
    /// What went wrong.
    #[serde(default)]
    pub(crate) error: Option<Value>,
}
