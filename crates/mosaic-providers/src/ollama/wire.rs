//! Wire types of Ollama's native API (`/api/chat`, `/api/generate`,
//! `/api/embed`, `/api/tags`, `/api/show`), as documented in Ollama's
//! `docs/api.md`. Only the fields Mosaic reads or writes are declared.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

// ----- requests -----

/// Model options (`options`).
#[derive(Debug, Default, Serialize)]
pub struct Options<'a> {
    /// Sampling temperature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    /// Nucleus sampling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f32>,
    /// Output limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_predict: Option<u32>,
    /// Context window to load the model with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_ctx: Option<u32>,
    /// Stop sequences.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub stop: &'a [String],
}

impl Options<'_> {
    /// Whether no option is set.
    pub fn is_empty(&self) -> bool {
        self.temperature.is_none()
            && self.top_p.is_none()
            && self.num_predict.is_none()
            && self.num_ctx.is_none()
            && self.stop.is_empty()
    }
}

/// `POST /api/chat` body.
#[derive(Debug, Serialize)]
pub struct ChatRequest<'a> {
    /// Model name.
    pub model: &'a str,
    /// The conversation.
    pub messages: Vec<RequestMessage<'a>>,
    /// Function tools.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<RequestTool<'a>>,
    /// `"json"` or a JSON Schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<Value>,
    /// Model options.
    #[serde(skip_serializing_if = "Options::is_empty")]
    pub options: Options<'a>,
    /// Stream NDJSON (the API's default is `true`, so it is always sent).
    pub stream: bool,
    /// How long the model stays loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<&'a str>,
}

/// One message of a request.
#[derive(Debug, Serialize)]
pub struct RequestMessage<'a> {
    /// `system`, `user`, `assistant` or `tool`.
    pub role: &'static str,
    /// Text.
    pub content: &'a str,
    /// The assistant's tool calls.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<RequestToolCall<'a>>,
    /// The tool a tool message answers for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<&'a str>,
}

/// A tool call echoed back in an assistant message.
#[derive(Debug, Serialize)]
pub struct RequestToolCall<'a> {
    /// Name and arguments.
    pub function: RequestFunction<'a>,
}

/// `function` of a tool call.
#[derive(Debug, Serialize)]
pub struct RequestFunction<'a> {
    /// Tool name.
    pub name: &'a str,
    /// Arguments (a JSON object).
    pub arguments: Value,
}

/// A tool definition.
#[derive(Debug, Serialize)]
pub struct RequestTool<'a> {
    /// Always `function`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The function.
    pub function: FunctionDef<'a>,
}

/// `function` of a tool definition.
#[derive(Debug, Serialize)]
pub struct FunctionDef<'a> {
    /// Name.
    pub name: &'a str,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
    /// JSON Schema of the arguments.
    pub parameters: Value,
}

/// `POST /api/generate` body.
#[derive(Debug, Serialize)]
pub struct GenerateRequest<'a> {
    /// Model name.
    pub model: &'a str,
    /// The prompt.
    pub prompt: &'a str,
    /// Model options.
    #[serde(skip_serializing_if = "Options::is_empty")]
    pub options: Options<'a>,
    /// Always `false`.
    pub stream: bool,
    /// How long the model stays loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<&'a str>,
}

/// `POST /api/embed` body.
#[derive(Debug, Serialize)]
pub struct EmbedRequest<'a> {
    /// Model name.
    pub model: &'a str,
    /// The texts.
    pub input: &'a [String],
    /// Cut inputs that exceed the context window (else an error).
    pub truncate: bool,
    /// Shortened dimensions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<u32>,
    /// How long the model stays loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<&'a str>,
}

/// `POST /api/show` body.
#[derive(Debug, Serialize)]
pub struct ShowRequest<'a> {
    /// Model name.
    pub model: &'a str,
}

// ----- responses -----

/// One object of a chat answer (the whole answer, or one NDJSON line).
#[derive(Debug, Deserialize)]
pub struct ChatResponse {
    /// The model.
    #[serde(default)]
    pub model: Option<String>,
    /// The message (or its new part, when streaming).
    #[serde(default)]
    pub message: Option<ResponseMessage>,
    /// Whether this is the last object.
    #[serde(default)]
    pub done: bool,
    /// `stop`, `length`, `load`, `unload`.
    #[serde(default)]
    pub done_reason: Option<String>,
    /// Prompt tokens.
    #[serde(default)]
    pub prompt_eval_count: Option<u64>,
    /// Generated tokens.
    #[serde(default)]
    pub eval_count: Option<u64>,
    /// An error (sent inside a stream).
    #[serde(default)]
    pub error: Option<Value>,
}

/// The message of a chat answer.
#[derive(Debug, Deserialize)]
pub struct ResponseMessage {
    /// Text.
    #[serde(default)]
    pub content: Option<String>,
    /// Tool calls (whole, never in fragments).
    #[serde(default)]
    pub tool_calls: Option<Vec<ResponseToolCall>>,
}

/// A tool call in an answer.
#[derive(Debug, Deserialize)]
pub struct ResponseToolCall {
    /// Call id, when the server gives one.
    #[serde(default)]
    pub id: Option<String>,
    /// Name and arguments.
    pub function: ResponseFunction,
}

/// `function` of a tool call in an answer.
#[derive(Debug, Deserialize)]
pub struct ResponseFunction {
    /// Tool name.
    pub name: String,
    /// Arguments (an object; some servers send JSON text).
    #[serde(default)]
    pub arguments: Value,
}

/// A generate answer.
#[derive(Debug, Deserialize)]
pub struct GenerateResponse {
    /// The model.
    #[serde(default)]
    pub model: Option<String>,
    /// Generated text.
    #[serde(default)]
    pub response: Option<String>,
    /// `stop`, `length`, ….
    #[serde(default)]
    pub done_reason: Option<String>,
    /// Prompt tokens.
    #[serde(default)]
    pub prompt_eval_count: Option<u64>,
    /// Generated tokens.
    #[serde(default)]
    pub eval_count: Option<u64>,
}

/// An embed answer.
#[derive(Debug, Deserialize)]
pub struct EmbedResponse {
    /// The model.
    #[serde(default)]
    pub model: Option<String>,
    /// One vector per input.
    pub embeddings: Vec<Vec<f32>>,
    /// Prompt tokens.
    #[serde(default)]
    pub prompt_eval_count: Option<u64>,
}

/// `GET /api/tags`.
#[derive(Debug, Deserialize)]
pub struct Tags {
    /// Local models.
    #[serde(default)]
    pub models: Vec<TagModel>,
}

/// A local model.
#[derive(Debug, Deserialize)]
pub struct TagModel {
    /// Name (`llama3.2:latest`).
    pub name: String,
    /// Details.
    #[serde(default)]
    pub details: Option<Details>,
}

/// Model details.
#[derive(Debug, Default, Deserialize)]
pub struct Details {
    /// Family (`llama`).
    #[serde(default)]
    pub family: Option<String>,
}

/// `POST /api/show`.
#[derive(Debug, Deserialize)]
pub struct Show {
    /// Details.
    #[serde(default)]
    pub details: Option<Details>,
    /// GGUF metadata (`general.architecture`, `<arch>.context_length`, …).
    #[serde(default)]
    pub model_info: Option<Map<String, Value>>,
    /// `completion`, `tools`, `vision`, `embedding`, `insert`, `thinking`.
    #[serde(default)]
    pub capabilities: Option<Vec<String>>,
}

/// An error body: `{"error": "..."}`.
#[derive(Debug, Default, Deserialize)]
pub struct ErrorBody {
    /// What went wrong.
    #[serde(default)]
    pub error: Option<Value>,
}
