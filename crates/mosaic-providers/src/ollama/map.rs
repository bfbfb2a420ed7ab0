//! Mapping between Mosaic's AI types and Ollama's wire types, and
//! Ollama's error bodies.

use mosaic_core::ai::{
    ChatRequest, ChatResponse, FinishReason, Message, ModelFeatures, ModelInfo, ResponseFormat,
    Role, ToolCall, ToolChoice, Usage,
};
use mosaic_core::{Error, ErrorKind, Result, redact};
use serde_json::{Value, json};

use super::{PROVIDER, wire};
use crate::ai::http::Failure;
use crate::ai::{is_context_overflow, normalize_finish, rekind};

fn role(r: Role) -> &'static str {
    match r {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
        Role::Tool => "tool",
    }
}

/// The tool name of the call `id`, from the assistant messages before
/// message `before` (Ollama's tool results name the tool, not the call).
fn tool_name_of<'a>(req: &'a ChatRequest, before: usize, id: &str) -> Option<&'a str> {
    req.messages[..before]
        .iter()
        .rev()
        .flat_map(|m| m.tool_calls.iter())
        .find(|c| c.id == id)
        .map(|c| c.name.as_str())
}

/// The body of `POST /api/chat`.
///
/// Ollama cannot force a tool: `ToolChoice::Tool(name)` offers only that
/// tool and `Required` offers them all (the model still decides);
/// `ToolChoice::None` offers none.
pub(crate) fn chat_request<'a>(
    req: &'a ChatRequest,
    stream: bool,
    num_ctx: Option<u32>,
    keep_alive: Option<&'a str>,
) -> Result<wire::ChatRequest<'a>> {
    let mut messages = Vec::with_capacity(req.messages.len() + 1);
    if let Some(system) = &req.system {
        messages.push(wire::RequestMessage {
            role: "system",
            content: system,
            tool_calls: Vec::new(),
            tool_name: None,
        });
    }
    for (i, m) in req.messages.iter().enumerate() {
        let mut tool_calls = Vec::with_capacity(m.tool_calls.len());
        for (j, c) in m.tool_calls.iter().enumerate() {
            let arguments = crate::ai::tool_arguments(&c.arguments, i, j)
                .map_err(|e| e.with_provider(PROVIDER))?;
            tool_calls.push(wire::RequestToolCall {
                function: wire::RequestFunction {
                    name: &c.name,
                    arguments,
                },
            });
        }
        let tool_name = match (m.role, m.tool_call_id.as_deref()) {
            (Role::Tool, Some(id)) => tool_name_of(req, i, id),
            _ => None,
        };
        messages.push(wire::RequestMessage {
            role: role(m.role),
            content: &m.content,
            tool_calls,
            tool_name,
        });
    }
    let offered: Vec<_> = match &req.tool_choice {
        Some(ToolChoice::None) => Vec::new(),
        Some(ToolChoice::Tool(name)) => req.tools.iter().filter(|t| &t.name == name).collect(),
        _ => req.tools.iter().collect(),
    };
    let tools = offered
        .into_iter()
        .map(wire::RequestTool::function)
        .collect();
    let format = match &req.response_format {
        None | Some(ResponseFormat::Text) => None,
        Some(ResponseFormat::JsonObject) => Some(json!("json")),
        Some(ResponseFormat::JsonSchema { schema, .. }) => Some(schema.clone()),
    };
    Ok(wire::ChatRequest {
        model: &req.model,
        messages,
        tools,
        format,
        options: wire::Options {
            temperature: req.temperature,
            top_p: req.top_p,
            num_predict: req.max_tokens,
            num_ctx,
            stop: &req.stop,
        },
        stream,
        keep_alive,
    })
}

pub(crate) fn usage(prompt: Option<u64>, eval: Option<u64>) -> Usage {
    Usage {
        input_tokens: prompt.unwrap_or(0),
        output_tokens: eval.unwrap_or(0),
        cached_input_tokens: None,
    }
}

pub(crate) fn finish_reason(s: &str) -> Option<FinishReason> {
    Some(match s {
        "" => return None,
        "stop" => FinishReason::Stop,
        "length" => FinishReason::Length,
        other => FinishReason::Other(other.to_owned()),
    })
}

/// Tool-call arguments as JSON text (objects as sent; a string holding
/// JSON passed through).
pub(crate) fn arguments(v: Value) -> String {
    match v {
        Value::Null => "{}".to_owned(),
        Value::String(s) if s.trim().is_empty() => "{}".to_owned(),
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// The id of the `ordinal`-th tool call of an answer (Ollama gives none).
pub(crate) fn call_id(id: Option<String>, ordinal: u32) -> String {
    id.filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("call_{ordinal}"))
}

/// A chat response from a non-streamed answer.
pub(crate) fn chat_response(r: wire::ChatResponse, requested_model: &str) -> ChatResponse {
    let mut message = Message::assistant("");
    if let Some(m) = r.message {
        message.content = m.content.unwrap_or_default();
        message.tool_calls = m
            .tool_calls
            .unwrap_or_default()
            .into_iter()
            .zip(0u32..)
            .map(|(t, i)| ToolCall {
                id: call_id(t.id, i),
                name: t.function.name,
                arguments: arguments(t.function.arguments),
            })
            .collect();
    }
    let finish = r
        .done_reason
        .as_deref()
        .and_then(finish_reason)
        .or(r.done.then_some(FinishReason::Stop));
    ChatResponse {
        id: String::new(),
        model: r.model.unwrap_or_else(|| requested_model.to_owned()),
        finish_reason: normalize_finish(finish, &message),
        message,
        usage: usage(r.prompt_eval_count, r.eval_count),
        cost_usd: None,
        provider: None,
    }
}

/// A model of the local listing (features are only known from `show`).
pub(crate) fn tag_model(m: wire::TagModel) -> ModelInfo {
    ModelInfo {
        id: m.name,
        owned_by: m.details.and_then(|d| d.family),
        ..Default::default()
    }
}

/// A model from `POST /api/show`: the context window from the GGUF
/// metadata, the features from `capabilities`.
pub(crate) fn show_model(id: &str, s: wire::Show) -> ModelInfo {
    let context_window = s.model_info.as_ref().and_then(|info| {
        let arch = info.get("general.architecture")?.as_str()?;
        let n = info.get(&format!("{arch}.context_length"))?.as_u64()?;
        u32::try_from(n).ok()
    });
    let features = match &s.capabilities {
        Some(caps) => {
            let has = |c: &str| caps.iter().any(|x| x == c);
            ModelFeatures {
                chat: has("completion"),
                streaming: has("completion"),
                tools: has("tools"),
                embeddings: has("embedding"),
                vision: has("vision"),
            }
        }
        None => ModelFeatures {
            chat: true,
            streaming: true,
            ..Default::default()
        },
    };
    ModelInfo {
        id: id.to_owned(),
        owned_by: s.details.and_then(|d| d.family),
        context_window,
        max_output_tokens: None,
        features,
    }
}

// ----- errors -----

fn error_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("message").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// The kind an Ollama error message calls for, when more specific than
/// the status.
pub(crate) fn classify(message: &str) -> Option<ErrorKind> {
    let m = message.to_ascii_lowercase();
    if is_context_overflow(&m) {
        Some(ErrorKind::ContextLengthExceeded)
    } else if m.contains("does not support") {
        Some(ErrorKind::Unsupported)
    } else {
        None
    }
}

/// Map a failed Ollama response.
pub(crate) fn error(f: &Failure<'_>) -> Error {
    let generic = f.generic();
    let body: wire::ErrorBody = serde_json::from_slice(f.body).unwrap_or_default();
    let message = body.error.as_ref().and_then(error_text).unwrap_or_default();
    match classify(&message) {
        Some(kind) => rekind(generic, kind),
        None => generic,
    }
}

/// Map an error line of a stream.
pub(crate) fn stream_error(v: &Value) -> Error {
    let message = error_text(v).unwrap_or_else(|| "the stream reported an error".to_owned());
    let kind =
        classify(&message).unwrap_or(if message.to_ascii_lowercase().contains("not found") {
            ErrorKind::NotFound
        } else {
            ErrorKind::Provider
        });
    Error::new(kind, format!("stream error: {}", redact(&message))).with_provider(PROVIDER)
}
