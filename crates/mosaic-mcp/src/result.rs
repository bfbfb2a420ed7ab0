//! Tool results: an answer as structured JSON, a Mosaic error as an MCP
//! tool error (`isError: true`) carrying its kind and retry hint.

use mosaic::Error;
use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{Map, Value, json};

/// A successful call: the answer as structured content (an object; any
/// other value is put under `"result"`), and the same JSON as text for
/// clients that read only text.
pub(crate) fn success(value: Value) -> CallToolResult {
    let structured = match value {
        Value::Object(_) => value,
        other => json!({ "result": other }),
    };
    CallToolResult::structured(structured)
}

/// A failed call as a tool error the agent can read and act on.
///
/// Structured content `{"error": {...}}` with `kind` (the
/// [`ErrorKind`](mosaic::ErrorKind) name), `message`, `retryable`, and when
/// known `retry_after_ms`, `provider`, `status`, `fields`; the text is the
/// error's display (with the provider and retry hint when known) and the
/// kind in brackets. Mosaic errors never carry a secret
/// in their display, so neither does this.
pub(crate) fn failure(error: &Error) -> CallToolResult {
    let kind = error.kind().as_str();
    let mut detail = Map::new();
    detail.insert("kind".into(), kind.into());
    detail.insert("message".into(), error.to_string().into());
    detail.insert("retryable".into(), error.is_retryable().into());
    if let Some(after) = error.retry_after() {
        let ms = u64::try_from(after.as_millis()).unwrap_or(u64::MAX);
        detail.insert("retry_after_ms".into(), ms.into());
    }
    if let Some(provider) = error.provider() {
        detail.insert("provider".into(), provider.into());
    }
    if let Some(status) = error.status() {
        detail.insert("status".into(), status.into());
    }
    if !error.fields().is_empty() {
        let fields: Vec<Value> = error
            .fields()
            .iter()
            .map(|f| json!({ "field": f.field, "message": f.message }))
            .collect();
        detail.insert("fields".into(), fields.into());
    }
    let text = format!("{error} [{kind}]");
    let mut result = CallToolResult::error(vec![ContentBlock::text(text)]);
    result.structured_content = Some(json!({ "error": detail }));
    result
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mosaic::ErrorKind;

    use super::*;

    #[test]
    fn an_error_carries_kind_retry_and_provider() {
        let e = Error::rate_limited(Some(Duration::from_millis(1500))).with_provider("github");
        let r = failure(&e);
        assert_eq!(r.is_error, Some(true));
        let d = &r.structured_content.as_ref().expect("structured")["error"];
        assert_eq!(d["kind"], "rate_limited");
        assert_eq!(d["retry_after_ms"], 1500);
        assert_eq!(d["provider"], "github");
        assert_eq!(d["retryable"], true);
        let text = r.content[0].as_text().expect("text").text.clone();
        assert!(text.starts_with("github: rate limit"), "{text}");
        assert!(text.ends_with("[rate_limited]"), "{text}");
    }

    #[test]
    fn non_objects_are_wrapped() {
        let r = success(Value::Null);
        assert_eq!(r.structured_content, Some(json!({ "result": null })));
        assert_eq!(r.is_error, Some(false));
        let e = failure(&Error::new(ErrorKind::NotFound, "no such repository"));
        assert_eq!(
            e.structured_content.expect("structured")["error"]["kind"],
            "not_found"
        );
    }
}
