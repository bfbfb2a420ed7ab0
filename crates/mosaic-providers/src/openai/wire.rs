//! Wire types of the OpenAI REST API (Chat Completions, Completions,
//! Embeddings, Models), as documented in OpenAI's API reference and its
//! OpenAPI description. Only the fields Mosaic reads or writes are
//! declared; fields the API may send as `null` are `Option`s.

use serde::{Deserialize, Serialize};
use serde_json::Value;

// ----- requests -----

/// `POST /chat/completions` body.
#[derive(Debug, Serialize)]
pub struct ChatCompletionRequest<'a> {
    /// Model id.
    pub model: &'a str,
    /// The conversation.
    pub messages: Vec<RequestMessage<'a>>,
    /// Function tools.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<RequestTool<'a>>,
    /// `"auto"`, `"none"`, `"required"` or `{"type":"function","function":{"name":..}}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Value>,
    /// Sampling temperature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    /// Nucleus sampling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f32>,
    /// Output limit (older name, used by most compatible servers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Output limit (current name on api.openai.com).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_completion_tokens: Option<u32>,
    /// Stop sequences.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub stop: &'a [String],
    /// `{"type": "text" | "json_object" | "json_schema", ...}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_format: Option<Value>,
    /// Stream the answer as server-sent events.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stream: bool,
    /// `{"include_usage": true}` when streaming.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
}

/// `stream_options`.
#[derive(Debug, Serialize)]
pub struct StreamOptions {
    /// Send a last chunk with the usage of the whole request.
    pub include_usage: bool,
}

/// One message of a request.
#[derive(Debug, Serialize)]
pub struct RequestMessage<'a> {
    /// `system`, `user`, `assistant` or `tool`.
    pub role: &'static str,
    /// Text; `null` for an assistant message that only calls tools.
    pub content: Option<&'a str>,
    /// The assistant's tool calls.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<RequestToolCall<'a>>,
    /// The call a tool message answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<&'a str>,
}

/// A tool call echoed back in an assistant message.
#[derive(Debug, Serialize)]
pub struct RequestToolCall<'a> {
    /// Call id.
    pub id: &'a str,
    /// Always `function`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Name and JSON arguments.
    pub function: FunctionCall<'a>,
}

/// `function` of a tool call.
#[derive(Debug, Serialize)]
pub struct FunctionCall<'a> {
    /// Tool name.
    pub name: &'a str,
    /// Arguments as JSON text.
    pub arguments: &'a str,
}

/// A function tool definition.
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

/// `POST /completions` body.
#[derive(Debug, Serialize)]
pub struct CompletionRequest<'a> {
    /// Model id.
    pub model: &'a str,
    /// The prompt.
    pub prompt: &'a str,
    /// Output limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    /// Stop sequences.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub stop: &'a [String],
}

/// `POST /embeddings` body.
#[derive(Debug, Serialize)]
pub struct EmbeddingRequest<'a> {
    /// Model id.
    pub model: &'a str,
    /// The texts.
    pub input: &'a [String],
    /// Shortened dimensions (text-embedding-3 and later).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<u32>,
    /// Always `float`.
    pub encoding_format: &'static str,
}

// ----- responses -----

/// Token usage.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Usage {
    /// Prompt tokens (cached ones included).
    #[serde(default)]
    pub prompt_tokens: Option<u64>,
    /// Generated tokens.
    #[serde(default)]
    pub completion_tokens: Option<u64>,
    /// Details of the prompt tokens.
    #[serde(default)]
    pub prompt_tokens_details: Option<PromptTokensDetails>,
}

/// `usage.prompt_tokens_details`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PromptTokensDetails {
    /// Prompt tokens served from the prompt cache.
    #[serde(default)]
    pub cached_tokens: Option<u64>,
}

/// A chat completion.
#[derive(Debug, Deserialize)]
pub struct ChatCompletion {
    /// Response id.
    #[serde(default)]
    pub id: Option<String>,
    /// The model that answered.
    #[serde(default)]
    pub model: Option<String>,
    /// The choices (Mosaic asks for one).
    pub choices: Vec<Choice>,
    /// Usage.
    #[serde(default)]
    pub usage: Option<Usage>,
}

/// One choice of a chat completion.
#[derive(Debug, Deserialize)]
pub struct Choice {
    /// Its index.
    #[serde(default)]
    pub index: u32,
    /// The assistant message.
    pub message: ResponseMessage,
    /// `stop`, `length`, `tool_calls`, `content_filter`, `function_call`.
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// The assistant message of a choice.
#[derive(Debug, Deserialize)]
pub struct ResponseMessage {
    /// Text.
    #[serde(default)]
    pub content: Option<String>,
    /// The model's refusal, when it refused.
    #[serde(default)]
    pub refusal: Option<String>,
    /// Tool calls.
    #[serde(default)]
    pub tool_calls: Option<Vec<ResponseToolCall>>,
}

/// A tool call in a response.
#[derive(Debug, Deserialize)]
pub struct ResponseToolCall {
    /// Call id.
    pub id: String,
    /// Name and arguments.
    pub function: ResponseFunction,
}

/// `function` of a tool call in a response.
#[derive(Debug, Deserialize)]
pub struct ResponseFunction {
    /// Tool name.
    pub name: String,
    /// Arguments as JSON text.
    #[serde(default)]
    pub arguments: Option<String>,
}

/// One streamed `chat.completion.chunk` (or an error object).
#[derive(Debug, Deserialize)]
pub struct ChatChunk {
    /// The choices' deltas.
    #[serde(default)]
    pub choices: Option<Vec<ChunkChoice>>,
    /// Usage (the last chunk, with `stream_options.include_usage`).
    #[serde(default)]
    pub usage: Option<Usage>,
    /// An error some servers send inside the stream.
    #[serde(default)]
    pub error: Option<Value>,
}

/// One choice of a chunk.
#[derive(Debug, Deserialize)]
pub struct ChunkChoice {
    /// Its index.
    #[serde(default)]
    pub index: u32,
    /// What is new.
    #[serde(default)]
    pub delta: Option<Delta>,
    /// Set on the choice's last chunk.
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// The delta of a chunk choice.
#[derive(Debug, Deserialize)]
pub struct Delta {
    /// New text.
    #[serde(default)]
    pub content: Option<String>,
    /// New refusal text.
    #[serde(default)]
    pub refusal: Option<String>,
    /// Tool-call fragments.
    #[serde(default)]
    pub tool_calls: Option<Vec<DeltaToolCall>>,
}

/// A tool-call fragment.
#[derive(Debug, Deserialize)]
pub struct DeltaToolCall {
    /// The call's position (parallel calls).
    #[serde(default)]
    pub index: Option<u32>,
    /// Call id (first fragment).
    #[serde(default)]
    pub id: Option<String>,
    /// Name (first fragment) and an arguments piece.
    #[serde(default)]
    pub function: Option<DeltaFunction>,
}

/// `function` of a tool-call fragment.
#[derive(Debug, Deserialize)]
pub struct DeltaFunction {
    /// Tool name.
    #[serde(default)]
    pub name: Option<String>,
    /// A piece of the JSON arguments.
    #[serde(default)]
    pub arguments: Option<String>,
}

/// A legacy completion.
#[derive(Debug, Deserialize)]
pub struct Completion {
    /// Response id.
    #[serde(default)]
    pub id: Option<String>,
    /// The model that answered.
    #[serde(default)]
    pub model: Option<String>,
    /// The choices.
    pub choices: Vec<CompletionChoice>,
    /// Usage.
    #[serde(default)]
    pub usage: Option<Usage>,
}

/// One choice of a legacy completion.
#[derive(Debug, Deserialize)]
pub struct CompletionChoice {
    /// Generated text.
    #[serde(default)]
    pub text: Option<String>,
    /// Its index.
    #[serde(default)]
    pub index: u32,
    /// Why it stopped.
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// An embedding listing.
#[derive(Debug, Deserialize)]
pub struct EmbeddingList {
    /// One entry per input.
    pub data: Vec<Embedding>,
    /// The model.
    #[serde(default)]
    pub model: Option<String>,
    /// Usage.
    #[serde(default)]
    pub usage: Option<Usage>,
}

/// One embedding.
#[derive(Debug, Deserialize)]
pub struct Embedding {
    /// The input's position.
    pub index: usize,
    /// The vector.
    pub embedding: Vec<f32>,
}

/// A model listing.
#[derive(Debug, Deserialize)]
pub struct ModelList {
    /// The models.
    pub data: Vec<Model>,
}

/// A model.
#[derive(Debug, Deserialize)]
pub struct Model {
    /// Model id.
    pub id: String,
    /// Owner.
    #[serde(default)]
    pub owned_by: Option<String>,
}

/// LiteLLM's model details (`GET {base}/model/info`, served at `/model/info`
/// and `/v1/model/info`): one entry per deployment, several deployments may
/// share a `model_name`.
#[derive(Debug, Deserialize)]
pub struct LiteLlmModelInfoList {
    /// The deployments.
    pub data: Vec<LiteLlmDeployment>,
}

/// One deployment of LiteLLM's `/model/info`.
#[derive(Debug, Deserialize)]
pub struct LiteLlmDeployment {
    /// The name clients call the model by (the id in `/v1/models`).
    pub model_name: String,
    /// What LiteLLM knows about the deployment.
    #[serde(default)]
    pub model_info: LiteLlmModelInfo,
}

/// The `model_info` of a LiteLLM deployment (the fields Mosaic reads;
/// numbers may come as integers or floats, unknown ones as `null`).
#[derive(Debug, Default, Deserialize)]
pub struct LiteLlmModelInfo {
    /// The context window (prompt tokens).
    #[serde(default)]
    pub max_input_tokens: Option<f64>,
    /// The output limit.
    #[serde(default)]
    pub max_output_tokens: Option<f64>,
    /// The output limit under its legacy name.
    #[serde(default)]
    pub max_tokens: Option<f64>,
    /// `chat`, `completion`, `embedding`, ….
    #[serde(default)]
    pub mode: Option<String>,
    /// Whether the model calls tools.
    #[serde(default)]
    pub supports_function_calling: Option<bool>,
    /// Whether the model reads images.
    #[serde(default)]
    pub supports_vision: Option<bool>,
    /// The upstream provider (`openai`, `anthropic`, …).
    #[serde(default)]
    pub litellm_provider: Option<String>,
}

/// An error body: `{"error": {"message", "type", "param", "code"}}`, or
/// the flat `{"message", "type", "code"}` of some compatible servers.
#[derive(Debug, Default, Deserialize)]
pub struct ErrorBody {
    /// The nested error (or its message as a string).
    #[serde(default)]
    pub error: Option<Value>,
    /// Flat message.
    #[serde(default)]
    pub message: Option<Value>,
    /// Flat type.
    #[serde(default, rename = "type")]
    pub kind: Option<Value>,
    /// Flat code.
    #[serde(default)]
    pub code: Option<Value>,
}
