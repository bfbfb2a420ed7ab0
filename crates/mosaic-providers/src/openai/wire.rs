//! Wire types of the OpenAI REST API (Chat Completions, Completions,
//! Embeddings, Models), as documented in OpenAI's API reference and its
//! OpenAPI description. Only the fields Mosaic reads or writes are
//! declared; fields the API may send as `null` are `Option`s.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub(crate) use crate::ai::wire::RequestTool;

// ----- requests -----

/// `POST /chat/completions` body.
#[derive(Debug, Serialize)]
pub(crate) struct ChatCompletionRequest<'a> {
    /// Model id.
    pub(crate) model: &'a str,
    /// The conversation.
    pub(crate) messages: Vec<RequestMessage<'a>>,
    /// Function tools.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) tools: Vec<RequestTool<'a>>,
    /// `"auto"`, `"none"`, `"required"` or `{"type":"function","function":{"name":..}}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tool_choice: Option<Value>,
    /// Sampling temperature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) temperature: Option<f32>,
    /// Nucleus sampling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) top_p: Option<f32>,
    /// Output limit (older name, used by most compatible servers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) max_tokens: Option<u32>,
    /// Output limit (current name on api.openai.com).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) max_completion_tokens: Option<u32>,
    /// Stop sequences.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub(crate) stop: &'a [String],
    /// `{"type": "text" | "json_object" | "json_schema", ...}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) response_format: Option<Value>,
    /// Stream the answer as server-sent events.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) stream: bool,
    /// `{"include_usage": true}` when streaming.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) stream_options: Option<StreamOptions>,
}

/// `stream_options`.
#[derive(Debug, Serialize)]
pub(crate) struct StreamOptions {
    /// Send a last chunk with the usage of the whole request.
    pub(crate) include_usage: bool,
}

/// One message of a request.
#[derive(Debug, Serialize)]
pub(crate) struct RequestMessage<'a> {
    /// `system`, `user`, `assistant` or `tool`.
    pub(crate) role: &'static str,
    /// Text; `null` for an assistant message that only calls tools.
    pub(crate) content: Option<&'a str>,
    /// The assistant's tool calls.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) tool_calls: Vec<RequestToolCall<'a>>,
    /// The call a tool message answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tool_call_id: Option<&'a str>,
}

/// A tool call echoed back in an assistant message.
#[derive(Debug, Serialize)]
pub(crate) struct RequestToolCall<'a> {
    /// Call id.
    pub(crate) id: &'a str,
    /// Always `function`.
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    /// Name and JSON arguments.
    pub(crate) function: FunctionCall<'a>,
}

/// `function` of a tool call.
#[derive(Debug, Serialize)]
pub(crate) struct FunctionCall<'a> {
    /// Tool name.
    pub(crate) name: &'a str,
    /// Arguments as JSON text.
    pub(crate) arguments: &'a str,
}

/// `POST /completions` body.
#[derive(Debug, Serialize)]
pub(crate) struct CompletionRequest<'a> {
    /// Model id.
    pub(crate) model: &'a str,
    /// The prompt.
    pub(crate) prompt: &'a str,
    /// Output limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) max_tokens: Option<u32>,
    /// Sampling temperature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) temperature: Option<f32>,
    /// Stop sequences.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub(crate) stop: &'a [String],
}

/// `POST /embeddings` body.
#[derive(Debug, Serialize)]
pub(crate) struct EmbeddingRequest<'a> {
    /// Model id.
    pub(crate) model: &'a str,
    /// The texts.
    pub(crate) input: &'a [String],
    /// Shortened dimensions (text-embedding-3 and later).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) dimensions: Option<u32>,
    /// Always `float`.
    pub(crate) encoding_format: &'static str,
}

// ----- responses -----

/// Token usage.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Usage {
    /// Prompt tokens (cached ones included).
    #[serde(default)]
    pub(crate) prompt_tokens: Option<u64>,
    /// Generated tokens.
    #[serde(default)]
    pub(crate) completion_tokens: Option<u64>,
    /// Details of the prompt tokens.
    #[serde(default)]
    pub(crate) prompt_tokens_details: Option<PromptTokensDetails>,
}

/// `usage.prompt_tokens_details`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct PromptTokensDetails {
    /// Prompt tokens served from the prompt cache.
    #[serde(default)]
    pub(crate) cached_tokens: Option<u64>,
}

/// A chat completion.
#[derive(Debug, Deserialize)]
pub(crate) struct ChatCompletion {
    /// Response id.
    #[serde(default)]
    pub(crate) id: Option<String>,
    /// The model that answered.
    #[serde(default)]
    pub(crate) model: Option<String>,
    /// The choices (Mosaic asks for one).
    pub(crate) choices: Vec<Choice>,
    /// Usage.
    #[serde(default)]
    pub(crate) usage: Option<Usage>,
}

/// One choice of a chat completion.
#[derive(Debug, Deserialize)]
pub(crate) struct Choice {
    /// Its index.
    #[serde(default)]
    pub(crate) index: u32,
    /// The assistant message.
    pub(crate) message: ResponseMessage,
    /// `stop`, `length`, `tool_calls`, `content_filter`, `function_call`.
    #[serde(default)]
    pub(crate) finish_reason: Option<String>,
}

/// The assistant message of a choice.
#[derive(Debug, Deserialize)]
pub(crate) struct ResponseMessage {
    /// Text.
    #[serde(default)]
    pub(crate) content: Option<String>,
    /// The model's refusal, when it refused.
    #[serde(default)]
    pub(crate) refusal: Option<String>,
    /// Tool calls.
    #[serde(default)]
    pub(crate) tool_calls: Option<Vec<ResponseToolCall>>,
}

/// A tool call in a response.
#[derive(Debug, Deserialize)]
pub(crate) struct ResponseToolCall {
    /// Call id.
    pub(crate) id: String,
    /// Name and arguments.
    pub(crate) function: ResponseFunction,
}

/// `function` of a tool call in a response.
#[derive(Debug, Deserialize)]
pub(crate) struct ResponseFunction {
    /// Tool name.
    pub(crate) name: String,
    /// Arguments as JSON text.
    #[serde(default)]
    pub(crate) arguments: Option<String>,
}

/// One streamed `chat.completion.chunk` (or an error object).
#[derive(Debug, Deserialize)]
pub(crate) struct ChatChunk {
    /// The choices' deltas.
    #[serde(default)]
    pub(crate) choices: Option<Vec<ChunkChoice>>,
    /// Usage (the last chunk, with `stream_options.include_usage`).
    #[serde(default)]
    pub(crate) usage: Option<Usage>,
    /// An error some servers send inside the stream.
    #[serde(default)]
    pub(crate) error: Option<Value>,
}

/// One choice of a chunk.
#[derive(Debug, Deserialize)]
pub(crate) struct ChunkChoice {
    /// Its index.
    #[serde(default)]
    pub(crate) index: u32,
    /// What is new.
    #[serde(default)]
    pub(crate) delta: Option<Delta>,
    /// Set on the choice's last chunk.
    #[serde(default)]
    pub(crate) finish_reason: Option<String>,
}

/// The delta of a chunk choice.
#[derive(Debug, Deserialize)]
pub(crate) struct Delta {
    /// New text.
    #[serde(default)]
    pub(crate) content: Option<String>,
    /// New refusal text.
    #[serde(default)]
    pub(crate) refusal: Option<String>,
    /// Tool-call fragments.
    #[serde(default)]
    pub(crate) tool_calls: Option<Vec<DeltaToolCall>>,
}

/// A tool-call fragment.
#[derive(Debug, Deserialize)]
pub(crate) struct DeltaToolCall {
    /// The call's position (parallel calls).
    #[serde(default)]
    pub(crate) index: Option<u32>,
    /// Call id (first fragment).
    #[serde(default)]
    pub(crate) id: Option<String>,
    /// Name (first fragment) and an arguments piece.
    #[serde(default)]
    pub(crate) function: Option<DeltaFunction>,
}

/// `function` of a tool-call fragment.
#[derive(Debug, Deserialize)]
pub(crate) struct DeltaFunction {
    /// Tool name.
    #[serde(default)]
    pub(crate) name: Option<String>,
    /// A piece of the JSON arguments.
    #[serde(default)]
    pub(crate) arguments: Option<String>,
}

/// A legacy completion.
#[derive(Debug, Deserialize)]
pub(crate) struct Completion {
    /// Response id.
    #[serde(default)]
    pub(crate) id: Option<String>,
    /// The model that answered.
    #[serde(default)]
    pub(crate) model: Option<String>,
    /// The choices.
    pub(crate) choices: Vec<CompletionChoice>,
    /// Usage.
    #[serde(default)]
    pub(crate) usage: Option<Usage>,
}

/// One choice of a legacy completion.
#[derive(Debug, Deserialize)]
pub(crate) struct CompletionChoice {
    /// Generated text.
    #[serde(default)]
    pub(crate) text: Option<String>,
    /// Its index.
    #[serde(default)]
    pub(crate) index: u32,
    /// Why it stopped.
    #[serde(default)]
    pub(crate) finish_reason: Option<String>,
}

/// An embedding listing.
#[derive(Debug, Deserialize)]
pub(crate) struct EmbeddingList {
    /// One entry per input.
    pub(crate) data: Vec<Embedding>,
    /// The model.
    #[serde(default)]
    pub(crate) model: Option<String>,
    /// Usage.
    #[serde(default)]
    pub(crate) usage: Option<Usage>,
}

/// One embedding.
#[derive(Debug, Deserialize)]
pub(crate) struct Embedding {
    /// The input's position.
    pub(crate) index: usize,
    /// The vector.
    pub(crate) embedding: Vec<f32>,
}

/// A model listing.
#[derive(Debug, Deserialize)]
pub(crate) struct ModelList {
    /// The models.
    pub(crate) data: Vec<Model>,
}

/// A model.
#[derive(Debug, Deserialize)]
pub(crate) struct Model {
    /// Model id.
    pub(crate) id: String,
    /// Owner.
    #[serde(default)]
    pub(crate) owned_by: Option<String>,
}

/// LiteLLM's model details (`GET {base}/model/info`, served at `/model/info`
/// and `/v1/model/info`): one entry per deployment, several deployments may
/// share a `model_name`.
#[derive(Debug, Deserialize)]
pub(crate) struct LiteLlmModelInfoList {
    /// The deployments.
    pub(crate) data: Vec<LiteLlmDeployment>,
}

/// One deployment of LiteLLM's `/model/info`.
#[derive(Debug, Deserialize)]
pub(crate) struct LiteLlmDeployment {
    /// The name clients call the model by (the id in `/v1/models`).
    pub(crate) model_name: String,
    /// What LiteLLM knows about the deployment.
    #[serde(default)]
    pub(crate) model_info: LiteLlmModelInfo,
}

/// The `model_info` of a LiteLLM deployment (the fields Mosaic reads;
/// numbers may come as integers or floats, unknown ones as `null`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct LiteLlmModelInfo {
    /// The context window (prompt tokens).
    #[serde(default)]
    pub(crate) max_input_tokens: Option<f64>,
    /// The output limit.
    #[serde(default)]
    pub(crate) max_output_tokens: Option<f64>,
    /// The output limit under its legacy name.
    #[serde(default)]
    pub(crate) max_tokens: Option<f64>,
    /// `chat`, `completion`, `embedding`, ….
    #[serde(default)]
    pub(crate) mode: Option<String>,
    /// Whether the model calls tools.
    #[serde(default)]
    pub(crate) supports_function_calling: Option<bool>,
    /// Whether the model reads images.
    #[serde(default)]
    pub(crate) supports_vision: Option<bool>,
    /// The upstream provider (`openai`, `anthropic`, …).
    #[serde(default)]
    pub(crate) litellm_provider: Option<String>,
}
