//! Mapping between Mosaic's AI types and OpenAI's wire types, and
//! OpenAI's error bodies.

use std::time::Duration;

use mosaic_core::ai::{
    ChatRequest, ChatResponse, Completion, FinishReason, Message, ModelFeatures, ModelInfo,
    ResponseFormat, Role, ToolCall, ToolChoice, Usage,
};
use mosaic_core::{Error, ErrorKind, Result, redact};
use serde_json::{Value, json};

use super::PROVIDER;
use super::wire;
use crate::ai::http::Failure;
use crate::ai::{is_context_overflow, is_unknown_model, normalize_finish, rekind};

/// Which request field carries the output limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MaxTokensField {
    MaxTokens,
    MaxCompletionTokens,
}

pub(crate) fn role(r: Role) -> &'static str {
    match r {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
        Role::Tool => "tool",
    }
}

/// The tool-choice value of a request.
pub(crate) fn tool_choice(c: &ToolChoice) -> Value {
    match c {
        ToolChoice::Auto => json!("auto"),
        ToolChoice::None => json!("none"),
        ToolChoice::Required => json!("required"),
        ToolChoice::Tool(name) => json!({"type": "function", "function": {"name": name}}),
    }
}

/// The `response_format` value of a request.
pub(crate) fn response_format(f: &ResponseFormat) -> Value {
    match f {
        ResponseFormat::Text => json!({"type": "text"}),
        ResponseFormat::JsonObject => json!({"type": "json_object"}),
        ResponseFormat::JsonSchema {
            name,
            schema,
            strict,
        } => json!({
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema, "strict": strict}
        }),
    }
}

/// The body of `POST /chat/completions`.
pub(crate) fn chat_request<'a>(
    req: &'a ChatRequest,
    stream: bool,
    stream_usage: bool,
    max_field: MaxTokensField,
) -> wire::ChatCompletionRequest<'a> {
    let mut messages = Vec::with_capacity(req.messages.len() + 1);
    if let Some(system) = &req.system {
        messages.push(wire::RequestMessage {
            role: "system",
            content: Some(system),
            tool_calls: Vec::new(),
            tool_call_id: None,
        });
    }
    for m in &req.messages {
        let tool_calls: Vec<_> = m
            .tool_calls
            .iter()
            .map(|c| wire::RequestToolCall {
                id: &c.id,
                kind: "function",
                function: wire::FunctionCall {
                    name: &c.name,
                    arguments: if c.arguments.trim().is_empty() {
                        "{}"
                    } else {
                        &c.arguments
                    },
                },
            })
            .collect();
        let content = if m.content.is_empty() && !tool_calls.is_empty() {
            None
        } else {
            Some(m.content.as_str())
        };
        messages.push(wire::RequestMessage {
            role: role(m.role),
            content,
            tool_calls,
            tool_call_id: m.tool_call_id.as_deref(),
        });
    }
    let tools = req.tools.iter().map(wire::RequestTool::function).collect();
    let (max_tokens, max_completion_tokens) = match max_field {
        MaxTokensField::MaxTokens => (req.max_tokens, None),
        MaxTokensField::MaxCompletionTokens => (None, req.max_tokens),
    };
    wire::ChatCompletionRequest {
        model: &req.model,
        messages,
        tools,
        tool_choice: req.tool_choice.as_ref().map(tool_choice),
        temperature: req.temperature,
        top_p: req.top_p,
        max_tokens,
        max_completion_tokens,
        stop: &req.stop,
        response_format: req.response_format.as_ref().map(response_format),
        stream,
        stream_options: (stream && stream_usage).then_some(wire::StreamOptions {
            include_usage: true,
        }),
    }
}

/// Normalized usage: `input_tokens` counts every prompt token, the cached
/// ones included.
pub(crate) fn usage(u: &wire::Usage) -> Usage {
    Usage {
        input_tokens: u.prompt_tokens.unwrap_or(0),
        output_tokens: u.completion_tokens.unwrap_or(0),
        cached_input_tokens: u
            .prompt_tokens_details
            .as_ref()
            .and_then(|d| d.cached_tokens),
    }
}

pub(crate) fn finish_reason(s: &str) -> Option<FinishReason> {
    Some(match s {
        "" => return None,
        "stop" => FinishReason::Stop,
        "length" => FinishReason::Length,
        "tool_calls" | "function_call" => FinishReason::ToolCalls,
        "content_filter" => FinishReason::ContentFilter,
        other => FinishReason::Other(other.to_owned()),
    })
}

/// A chat response from a completion (its first choice).
pub(crate) fn chat_response(
    c: wire::ChatCompletion,
    requested_model: &str,
) -> Result<ChatResponse> {
    let Some(choice) = c.choices.into_iter().min_by_key(|ch| ch.index) else {
        return Err(
            Error::new(ErrorKind::Decode, "the completion has no choices").with_provider(PROVIDER),
        );
    };
    let msg = choice.message;
    let refused = msg.refusal.as_deref().is_some_and(|r| !r.is_empty());
    let content = match (msg.content, msg.refusal) {
        (Some(c), _) if !c.is_empty() => c,
        (_, Some(r)) => r,
        (c, None) => c.unwrap_or_default(),
    };
    let message = Message {
        role: Role::Assistant,
        content,
        tool_calls: msg
            .tool_calls
            .unwrap_or_default()
            .into_iter()
            .map(|t| ToolCall {
                id: t.id,
                name: t.function.name,
                arguments: match t.function.arguments {
                    Some(a) if !a.trim().is_empty() => a,
                    _ => "{}".to_owned(),
                },
            })
            .collect(),
        tool_call_id: None,
    };
    let mut finish = choice.finish_reason.as_deref().and_then(finish_reason);
    if refused {
        finish = Some(FinishReason::ContentFilter);
    }
    Ok(ChatResponse {
        id: c.id.unwrap_or_default(),
        model: c.model.unwrap_or_else(|| requested_model.to_owned()),
        finish_reason: normalize_finish(finish, &message),
        message,
        usage: c.usage.as_ref().map(usage).unwrap_or_default(),
        cost_usd: None,
        provider: None,
    })
}

/// A completion from a legacy completion response.
pub(crate) fn completion(c: wire::Completion, requested_model: &str) -> Result<Completion> {
    let Some(choice) = c.choices.into_iter().min_by_key(|ch| ch.index) else {
        return Err(
            Error::new(ErrorKind::Decode, "the completion has no choices").with_provider(PROVIDER),
        );
    };
    Ok(Completion {
        id: c.id.unwrap_or_default(),
        model: c.model.unwrap_or_else(|| requested_model.to_owned()),
        text: choice.text.unwrap_or_default(),
        finish_reason: choice.finish_reason.as_deref().and_then(finish_reason),
        usage: c.usage.as_ref().map(usage).unwrap_or_default(),
        cost_usd: None,
        provider: None,
    })
}

/// A model's info (OpenAI reports no context window or features; the
/// kind is told from the id).
pub(crate) fn model(m: wire::Model) -> ModelInfo {
    let embedding = m.id.contains("embed");
    ModelInfo {
        owned_by: m.owned_by,
        context_window: None,
        max_output_tokens: None,
        features: ModelFeatures {
            chat: !embedding,
            streaming: !embedding,
            tools: false,
            embeddings: embedding,
            vision: false,
        },
        id: m.id,
    }
}

/// A token limit of LiteLLM's model details (integers, or floats in some
/// listings), when positive and in range.
fn token_limit(v: Option<f64>) -> Option<u32> {
    v.filter(|n| n.is_finite() && *n >= 1.0 && *n <= f64::from(u32::MAX))
        .map(|n| n as u32)
}

/// The smaller of two known limits.
fn min_known(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The models of LiteLLM's `/model/info`: one per `model_name`, with the
/// context window (`max_input_tokens`) and output limit
/// (`max_output_tokens`, or the legacy `max_tokens`) of its deployments —
/// the smallest, when deployments of one name differ, since a request may
/// reach any of them — and the features all of them have.
pub(crate) fn litellm_models(list: wire::LiteLlmModelInfoList) -> Vec<ModelInfo> {
    let mut out: Vec<ModelInfo> = Vec::new();
    for d in list.data {
        let info = d.model_info;
        let mut m = ModelInfo {
            owned_by: info.litellm_provider.clone(),
            context_window: token_limit(info.max_input_tokens),
            max_output_tokens: token_limit(info.max_output_tokens).or(token_limit(info.max_tokens)),
            features: ModelFeatures::default(),
            id: d.model_name,
        };
        let embedding = match info.mode.as_deref() {
            Some(mode) => mode == "embedding",
            None => m.id.contains("embed"),
        };
        m.features = ModelFeatures {
            chat: !embedding,
            streaming: !embedding,
            tools: !embedding && info.supports_function_calling == Some(true),
            embeddings: embedding,
            vision: info.supports_vision == Some(true),
        };
        match out.iter_mut().find(|o| o.id == m.id) {
            Some(o) => {
                o.context_window = min_known(o.context_window, m.context_window);
                o.max_output_tokens = min_known(o.max_output_tokens, m.max_output_tokens);
                o.owned_by = o.owned_by.take().or(m.owned_by);
                let (a, b) = (&mut o.features, m.features);
                a.chat &= b.chat;
                a.streaming &= b.streaming;
                a.tools &= b.tools;
                a.embeddings &= b.embeddings;
                a.vision &= b.vision;
            }
            None => out.push(m),
        }
    }
    out
}

// ----- errors -----

/// The code, type and message of an error body (nested or flat).
#[derive(Debug, Default)]
pub(crate) struct ErrorParts {
    pub(crate) code: Option<String>,
    pub(crate) kind: Option<String>,
    pub(crate) message: Option<String>,
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(crate) fn error_parts(v: &Value) -> ErrorParts {
    let inner = match v.get("error") {
        Some(Value::Object(_)) => &v["error"],
        Some(Value::String(s)) => {
            return ErrorParts {
                message: Some(s.clone()),
                ..Default::default()
            };
        }
        _ => v,
    };
    ErrorParts {
        code: text(inner.get("code")),
        kind: text(inner.get("type")),
        message: text(inner.get("message")),
    }
}

/// The kind OpenAI's (or a compatible server's) error code, type and
/// message call for, when more specific than the status.
pub(crate) fn classify(p: &ErrorParts) -> Option<ErrorKind> {
    let code = p.code.as_deref().unwrap_or("");
    let kind = p.kind.as_deref().unwrap_or("");
    let msg = p.message.as_deref().unwrap_or("");
    let any = |names: &[&str]| names.iter().any(|n| code == *n || kind == *n);
    if any(&[
        "insufficient_quota",
        "billing_hard_limit_reached",
        "billing_not_active",
    ]) || msg.contains("exceeded your current quota")
    {
        return Some(ErrorKind::QuotaExceeded);
    }
    if any(&["context_length_exceeded", "exceed_context_size_error"]) || is_context_overflow(msg) {
        return Some(ErrorKind::ContextLengthExceeded);
    }
    if any(&["content_filter", "content_policy_violation"])
        || msg.contains("content management policy")
    {
        return Some(ErrorKind::ContentFiltered);
    }
    if any(&[
        "rate_limit_exceeded",
        "rate_limit_error",
        "requests",
        "tokens",
    ]) {
        return Some(ErrorKind::RateLimited);
    }
    if any(&["model_not_found"]) {
        return Some(ErrorKind::NotFound);
    }
    if any(&["invalid_api_key", "authentication_error"]) {
        return Some(ErrorKind::Unauthenticated);
    }
    None
}

/// OpenAI's `x-ratelimit-reset-*` headers (Go durations), the longer one.
fn reset_after(f: &Failure<'_>) -> Option<Duration> {
    let get = |n: &str| {
        f.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_go_duration)
    };
    let ms = f
        .headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(|v| Duration::from_secs_f64(v / 1000.0));
    ms.or_else(|| {
        match (
            get("x-ratelimit-reset-requests"),
            get("x-ratelimit-reset-tokens"),
        ) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    })
}

/// `NotFound` for a request refusal (`400`, `422`) whose message says the
/// model does not exist: LiteLLM's `400 "Invalid model name passed in
/// model=…"` is the same refusal as OpenAI's `404 model_not_found`.
pub(crate) fn unknown_model(status: http::StatusCode, message: Option<&str>) -> Option<ErrorKind> {
    let refusal = matches!(status.as_u16(), 400 | 422);
    (refusal && message.is_some_and(is_unknown_model)).then_some(ErrorKind::NotFound)
}

/// Map a failed OpenAI response.
pub(crate) fn error(f: &Failure<'_>) -> Error {
    let generic = f.generic();
    let parts = serde_json::from_slice::<Value>(f.body)
        .map(|v| error_parts(&v))
        .unwrap_or_default();
    let kind = classify(&parts)
        .or_else(|| unknown_model(f.status, parts.message.as_deref()))
        .unwrap_or(generic.kind());
    let mut e = rekind(generic, kind);
    if kind == ErrorKind::RateLimited
        && e.retry_after().is_none()
        && let Some(d) = reset_after(f)
    {
        e = e.with_retry_after(d);
    }
    e
}

/// Map an error object sent inside a stream.
pub(crate) fn stream_error(v: &Value) -> Error {
    let parts = error_parts(v);
    let kind = classify(&parts).unwrap_or_else(|| {
        let status = v
            .get("error")
            .and_then(|e| e.get("code"))
            .and_then(Value::as_u64)
            .and_then(|c| u16::try_from(c).ok())
            .and_then(|c| http::StatusCode::from_u16(c).ok());
        match status {
            Some(s) if !s.is_success() => crate::http::error::kind_for_status(s),
            _ => ErrorKind::Provider,
        }
    });
    let message = parts
        .message
        .map(|m| redact(&m))
        .unwrap_or_else(|| "the stream reported an error".to_owned());
    Error::new(kind, format!("stream error: {message}")).with_provider(PROVIDER)
}

/// Parse a Go-style duration (`1s`, `6m0s`, `20ms`, `1h2m3.5s`), the
/// format of OpenAI's `x-ratelimit-reset-*` headers.
fn parse_go_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_end == 0 {
            return None;
        }
        let value: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_end] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += value * factor;
        rest = &rest[unit_end..];
    }
    (total.is_finite() && total >= 0.0).then(|| Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("1s"), Some(Duration::from_secs(1)));
        assert_eq!(parse_go_duration("6m0s"), Some(Duration::from_secs(360)));
        assert_eq!(parse_go_duration("20ms"), Some(Duration::from_millis(20)));
        assert_eq!(
            parse_go_duration("1h2m3.5s"),
            Some(Duration::from_secs_f64(3723.5))
        );
        assert_eq!(parse_go_duration("abc"), None);
        assert_eq!(parse_go_duration("5"), None);
        assert_eq!(parse_go_duration(""), None);
    }
}
