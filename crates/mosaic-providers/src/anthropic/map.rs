//! Mapping between Mosaic's AI types and Anthropic's wire types, and
//! Anthropic's error bodies.

use mosaic_core::ai::{
    ChatRequest, ChatResponse, FinishReason, Message, ModelFeatures, ModelInfo, ResponseFormat,
    Role, ToolCall, ToolChoice, Usage,
};
use mosaic_core::{Error, ErrorKind, Result, redact};
use serde_json::{Value, json};

use super::{PROVIDER, wire};
use crate::ai::http::Failure;
use crate::ai::{is_context_overflow, is_unknown_model, normalize_finish, rekind};

/// The name of the tool that carries a structured (JSON) answer, when a
/// request asks for one: Anthropic has no JSON mode, so the answer is
/// requested as the input of a forced tool call and handed back as text.
pub(crate) const JSON_TOOL: &str = "json_response";

/// A request body and what the answer's mapping needs to know.
#[derive(Debug)]
pub(crate) struct Prepared<'a> {
    pub(crate) body: wire::MessagesRequest<'a>,
    /// The forced tool whose input is the answer's text.
    pub(crate) json_tool: Option<String>,
}

fn invalid(field: impl Into<String>, msg: impl Into<String>) -> Error {
    Error::invalid_input(field, msg).with_provider(PROVIDER)
}

/// The body of `POST /v1/messages`.
pub(crate) fn messages_request<'a>(
    req: &'a ChatRequest,
    default_max_tokens: u32,
    stream: bool,
) -> Result<Prepared<'a>> {
    if req.temperature.is_some_and(|t| t > 1.0) {
        return Err(invalid(
            "temperature",
            "Anthropic takes a temperature between 0 and 1",
        ));
    }
    let mut system: Vec<&str> = req.system.as_deref().into_iter().collect();
    let mut messages: Vec<wire::RequestMessage<'a>> = Vec::new();
    for (i, m) in req.messages.iter().enumerate() {
        let (role, blocks) = match m.role {
            Role::System => {
                system.push(&m.content);
                continue;
            }
            Role::User => {
                if m.content.is_empty() {
                    return Err(invalid(
                        format!("messages[{i}].content"),
                        "a user message needs text",
                    ));
                }
                ("user", vec![wire::RequestBlock::Text { text: &m.content }])
            }
            Role::Tool => {
                let id = m.tool_call_id.as_deref().unwrap_or_default();
                let content = (!m.content.is_empty()).then_some(m.content.as_str());
                (
                    "user",
                    vec![wire::RequestBlock::ToolResult {
                        tool_use_id: id,
                        content,
                    }],
                )
            }
            Role::Assistant => {
                let mut blocks = Vec::new();
                if !m.content.is_empty() {
                    blocks.push(wire::RequestBlock::Text { text: &m.content });
                }
                for (j, c) in m.tool_calls.iter().enumerate() {
                    let input = crate::ai::tool_arguments(&c.arguments, i, j)
                        .map_err(|e| e.with_provider(PROVIDER))?;
                    blocks.push(wire::RequestBlock::ToolUse {
                        id: &c.id,
                        name: &c.name,
                        input,
                    });
                }
                if blocks.is_empty() {
                    return Err(invalid(
                        format!("messages[{i}].content"),
                        "an assistant message needs text or tool calls",
                    ));
                }
                ("assistant", blocks)
            }
        };
        // Consecutive turns of one role (e.g. the results of parallel tool
        // calls) become one turn.
        match messages.last_mut() {
            Some(last) if last.role == role => last.content.extend(blocks),
            _ => messages.push(wire::RequestMessage {
                role,
                content: blocks,
            }),
        }
    }
    if messages.is_empty() {
        return Err(invalid(
            "messages",
            "at least one user or assistant message is required",
        ));
    }
    let mut tools: Vec<wire::RequestTool<'a>> = req
        .tools
        .iter()
        .map(|t| wire::RequestTool {
            name: &t.name,
            description: t.description.as_deref(),
            input_schema: crate::ai::tool_schema(&t.parameters),
        })
        .collect();
    let mut tool_choice = req.tool_choice.as_ref().map(|c| match c {
        ToolChoice::Auto => json!({"type": "auto"}),
        ToolChoice::None => json!({"type": "none"}),
        ToolChoice::Required => json!({"type": "any"}),
        ToolChoice::Tool(name) => json!({"type": "tool", "name": name}),
    });
    let mut json_tool = None;
    if let Some(format) = &req.response_format {
        let schema = match format {
            ResponseFormat::Text => None,
            ResponseFormat::JsonObject => Some(json!({"type": "object"})),
            ResponseFormat::JsonSchema { schema, .. } => Some(schema.clone()),
        };
        if let Some(schema) = schema {
            if matches!(&req.tool_choice, Some(c) if *c != ToolChoice::Auto) {
                return Err(invalid(
                    "response_format",
                    "a JSON answer cannot be combined with a tool choice on Anthropic",
                ));
            }
            if schema.get("type").and_then(Value::as_str) != Some("object") {
                return Err(invalid(
                    "response_format",
                    "Anthropic can only produce JSON objects (the schema's type must be `object`)",
                ));
            }
            if req.tools.iter().any(|t| t.name == JSON_TOOL) {
                return Err(invalid(
                    "tools",
                    format!("the tool name `{JSON_TOOL}` is reserved for JSON answers"),
                ));
            }
            tools.push(wire::RequestTool {
                name: JSON_TOOL,
                description: Some("Give the answer as this tool's input."),
                input_schema: schema,
            });
            tool_choice = Some(json!({"type": "tool", "name": JSON_TOOL}));
            json_tool = Some(JSON_TOOL.to_owned());
        }
    }
    let system = (!system.is_empty()).then(|| system.join("\n\n"));
    Ok(Prepared {
        body: wire::MessagesRequest {
            model: &req.model,
            max_tokens: req.max_tokens.unwrap_or(default_max_tokens),
            messages,
            system,
            tools,
            tool_choice,
            temperature: req.temperature,
            top_p: req.top_p,
            stop_sequences: &req.stop,
            stream,
        },
        json_tool,
    })
}

/// Normalized usage: `input_tokens` counts every prompt token (uncached,
/// written to and read from the cache); cached ones are the cache reads.
pub(crate) fn usage(u: &wire::Usage) -> Usage {
    let read = u.cache_read_input_tokens;
    Usage {
        input_tokens: u.input_tokens.unwrap_or(0)
            + read.unwrap_or(0)
            + u.cache_creation_input_tokens.unwrap_or(0),
        output_tokens: u.output_tokens.unwrap_or(0),
        cached_input_tokens: read,
    }
}

pub(crate) fn finish_reason(s: &str, json_tool: bool) -> FinishReason {
    match s {
        "end_turn" | "stop_sequence" => FinishReason::Stop,
        "max_tokens" | "model_context_window_exceeded" => FinishReason::Length,
        "tool_use" if json_tool => FinishReason::Stop,
        "tool_use" => FinishReason::ToolCalls,
        "refusal" => FinishReason::ContentFilter,
        other => FinishReason::Other(other.to_owned()),
    }
}

/// A chat response from a message.
pub(crate) fn chat_response(
    m: wire::MessageResponse,
    requested_model: &str,
    json_tool: Option<&str>,
) -> ChatResponse {
    let mut message = Message::assistant("");
    for block in m.content {
        match block {
            wire::ContentBlock::Text { text } => message.content.push_str(&text),
            wire::ContentBlock::ToolUse { name, input, .. } if Some(name.as_str()) == json_tool => {
                message.content.push_str(&input.to_string());
            }
            wire::ContentBlock::ToolUse { id, name, input } => {
                let arguments = if input.is_null() {
                    "{}".to_owned()
                } else {
                    input.to_string()
                };
                message.tool_calls.push(ToolCall {
                    id,
                    name,
                    arguments,
                });
            }
            wire::ContentBlock::Other => {}
        }
    }
    let finish = m
        .stop_reason
        .as_deref()
        .map(|s| finish_reason(s, json_tool.is_some()));
    ChatResponse {
        id: m.id.unwrap_or_default(),
        model: m.model.unwrap_or_else(|| requested_model.to_owned()),
        finish_reason: normalize_finish(finish, &message),
        message,
        usage: m.usage.as_ref().map(usage).unwrap_or_default(),
        cost_usd: None,
        provider: None,
    }
}

/// A model's info: every Claude model chats, streams, calls tools and
/// reads images. The owner is `anthropic` unless the listing names another
/// (a gateway's).
pub(crate) fn model(m: wire::Model) -> ModelInfo {
    ModelInfo {
        id: m.id,
        owned_by: Some(m.owned_by.unwrap_or_else(|| "anthropic".to_owned())),
        context_window: m.max_input_tokens,
        max_output_tokens: m.max_tokens,
        features: ModelFeatures {
            chat: true,
            streaming: true,
            tools: true,
            embeddings: false,
            vision: true,
        },
    }
}

// ----- errors -----

/// The kind an Anthropic error type and message call for, when more
/// specific than the status.
pub(crate) fn classify(kind: &str, message: &str) -> Option<ErrorKind> {
    Some(match kind {
        "overloaded_error" | "api_error" => ErrorKind::Unavailable,
        "rate_limit_error" => ErrorKind::RateLimited,
        "authentication_error" => ErrorKind::Unauthenticated,
        "permission_error" => ErrorKind::PermissionDenied,
        "not_found_error" => ErrorKind::NotFound,
        "billing_error" => ErrorKind::QuotaExceeded,
        "timeout_error" => ErrorKind::Timeout,
        "request_too_large" => ErrorKind::InvalidInput,
        _ if is_context_overflow(message) => ErrorKind::ContextLengthExceeded,
        _ if message.to_ascii_lowercase().contains("credit balance") => ErrorKind::QuotaExceeded,
        _ => return None,
    })
}

/// Map a failed Anthropic response (`529 overloaded_error` is
/// `Unavailable`, which is retryable).
pub(crate) fn error(f: &Failure<'_>) -> Error {
    let generic = f.generic();
    let body: wire::ErrorBody = serde_json::from_slice(f.body).unwrap_or_default();
    let detail = body.error.unwrap_or_default();
    let kind = classify(
        detail.kind.as_deref().unwrap_or(""),
        detail.message.as_deref().unwrap_or(""),
    )
    .or_else(|| unknown_model(f.status, detail.message.as_deref()))
    .unwrap_or(if f.status.as_u16() == 529 {
        ErrorKind::Unavailable
    } else {
        generic.kind()
    });
    rekind(generic, kind)
}

/// `NotFound` for a request refusal (`400`, `422`) whose message says the
/// model does not exist (a gateway's `400 "Invalid model name …"`), as
/// Anthropic's own `404 not_found_error` is — and as the OpenAI adapter
/// maps the same refusal.
fn unknown_model(status: http::StatusCode, message: Option<&str>) -> Option<ErrorKind> {
    let refusal = matches!(status.as_u16(), 400 | 422);
    (refusal && message.is_some_and(is_unknown_model)).then_some(ErrorKind::NotFound)
}

/// Map an `error` event of a stream.
pub(crate) fn stream_error(e: &wire::ErrorDetail) -> Error {
    let message = e.message.as_deref().unwrap_or("");
    let kind = classify(e.kind.as_deref().unwrap_or(""), message).unwrap_or(ErrorKind::Provider);
    let what = e.kind.as_deref().unwrap_or("error");
    Error::new(kind, format!("stream error ({what}): {}", redact(message))).with_provider(PROVIDER)
}
