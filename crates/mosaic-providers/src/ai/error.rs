//! Error helpers shared by the AI providers.

use mosaic_core::{Error, ErrorKind};

/// The same error with another kind (message, provider, status,
/// `retry_after` and fields kept).
pub(crate) fn rekind(e: Error, kind: ErrorKind) -> Error {
    if e.kind() == kind {
        return e;
    }
    let mut out = Error::new(kind, e.message().to_owned());
    if let Some(p) = e.provider() {
        out = out.with_provider(p.to_owned());
    }
    if let Some(s) = e.status() {
        out = out.with_status(s);
    }
    if let Some(r) = e.retry_after() {
        out = out.with_retry_after(r);
    }
    if !e.fields().is_empty() {
        out = out.with_fields(e.fields().to_vec());
    }
    out
}

/// Whether an upstream error message says the prompt does not fit the
/// model's context window (the wordings of OpenAI, Azure, vLLM, llama.cpp,
/// LM Studio, Anthropic and Ollama).
pub fn is_context_overflow(message: &str) -> bool {
    const PHRASES: &[&str] = &[
        "context_length_exceeded",
        "maximum context length",
        "context length exceeded",
        "exceeds the context length",
        "exceeds maximum context length",
        "exceeds the available context size",
        "exceed_context_size",
        "context window",
        "prompt is too long",
        "input is too long",
        "input length and `max_tokens` exceed context limit",
        "exceed context limit",
        "too many tokens in the prompt",
        "reduce the length of the messages",
    ];
    let m = message.to_ascii_lowercase();
    PHRASES.iter().any(|p| m.contains(p))
}

/// Whether an upstream error message says the requested model does not
/// exist (the wordings of OpenAI, vLLM, Ollama and the LiteLLM gateway).
///
/// OpenAI answers an unknown model with `404 model_not_found`, which is
/// `NotFound` by its status; gateways such as LiteLLM answer `400 "Invalid
/// model name passed in model=…"` instead. The AI adapters map a `400`
/// (or `422`) whose message this recognizes to `NotFound` as well, so an
/// unknown model is `NotFound` whichever server said it.
pub fn is_unknown_model(message: &str) -> bool {
    const PHRASES: &[&str] = &[
        "invalid model name",
        "model_not_found",
        "model not found",
        "unknown model",
        "no such model",
    ];
    let m = message.to_ascii_lowercase();
    PHRASES.iter().any(|p| m.contains(p))
        || (m.contains("model") && m.contains("does not exist"))
        || (m.starts_with("model '") && m.contains("' not found"))
}

/// A stream that ended before its final event.
pub(crate) fn cut_short(provider: &'static str, what: &str) -> Error {
    Error::unavailable(format!("the stream ended before {what}")).with_provider(provider)
}

/// Whether `data` is one whole JSON value (an event a body ended in that
/// is not was cut off).
pub(crate) fn is_json(data: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(data).is_ok()
}

/// Decode the JSON of one streamed event; a malformed one is a `Decode`
/// error naming the event kind and the JSON path that failed.
pub(crate) fn decode_event<T: serde::de::DeserializeOwned>(
    provider: &'static str,
    what: &str,
    data: &[u8],
) -> mosaic_core::Result<T> {
    // The fast path; only a failure is decoded again to find its path.
    if let Ok(v) = serde_json::from_slice(data) {
        return Ok(v);
    }
    crate::http::json::decode(data).map_err(|e| {
        Error::decode(format!("`{}` of a streamed {what}", e.path()), e).with_provider(provider)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_overflow_wordings() {
        for m in [
            "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
            "prompt is too long: 210000 tokens > 200000 maximum",
            "the request exceeds the available context size, try increasing it",
            "input length and `max_tokens` exceed context limit: 199000 + 8192 > 200000",
        ] {
            assert!(is_context_overflow(m), "{m}");
        }
        assert!(!is_context_overflow("Invalid API key"));
    }

    #[test]
    fn unknown_model_wordings() {
        for m in [
            // LiteLLM, on its OpenAI and Anthropic routes
            "{'error': '/chat/completions: Invalid model name passed in model=nope. Call `/v1/models` to view available models for your key.'}",
            "400: {'error': 'anthropic_messages: Invalid model name passed in model=nope. Call `/v1/models` to view available models for your key.'}",
            // OpenAI and vLLM
            "The model `gpt-9` does not exist or you do not have access to it.",
            "The model `nope` does not exist.",
            // Ollama
            "model 'llama9' not found",
        ] {
            assert!(is_unknown_model(m), "{m}");
        }
        for m in [
            "Invalid API key",
            "messages: at least one message is required",
            "The file does not exist",
            "This model's maximum context length is 8192 tokens.",
        ] {
            assert!(!is_unknown_model(m), "{m}");
        }
    }

    #[test]
    fn rekind_keeps_the_details() {
        let e = Error::invalid_input("messages", "too long")
            .with_provider("openai")
            .with_status(400);
        let r = rekind(e, ErrorKind::ContextLengthExceeded);
        assert_eq!(r.kind(), ErrorKind::ContextLengthExceeded);
        assert_eq!(r.status(), Some(400));
        assert_eq!(r.provider(), Some("openai"));
        assert_eq!(r.field(), Some("messages"));
    }
}
