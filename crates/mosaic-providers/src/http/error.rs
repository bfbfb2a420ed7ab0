//! Turning HTTP failures into [`mosaic_core::Error`].
//!
//! | status | kind |
//! |---|---|
//! | 400, 413, 415, 422 | `InvalidInput` (field errors from the body); `Conflict` when the body says only that a name or path is taken ("already exists", "has already been taken"); `NotFound` for GitHub's 422 "No commit found" |
//! | 401 | `Unauthenticated` |
//! | 403 with an exhausted budget, a `Retry-After`, or a "rate limit" message | `RateLimited` |
//! | other 403 | `PermissionDenied` |
//! | 404, 410 | `NotFound` |
//! | 405, 409, 412, 423 | `Conflict` (forges answer 405 when the state forbids the action, e.g. "not mergeable") |
//! | 408 | `Timeout` |
//! | 429 | `RateLimited` |
//! | 5xx | `Unavailable` |
//! | anything else | `Provider` |
//!
//! Transport failures: connect errors → `Unavailable`, timeouts →
//! `Timeout`, anything else while sending → `Unavailable`.
//! Every error carries the provider name, the status, and `retry_after`
//! when the headers gave one. Upstream text goes through
//! [`mosaic_core::redact`] and is cut to a readable length.

use std::time::SystemTime;

use http::{HeaderMap, StatusCode};
use mosaic_core::{Error, ErrorKind, FieldError, redact};
use serde_json::Value;

use super::rate_limit::RateLimit;

/// Longest upstream message kept in an error.
const MAX_MESSAGE: usize = 300;

/// The useful parts of an upstream error body.
///
/// Understands the common shapes: `{"message": "...", "errors": [{"field":
/// ..., "message"/"code": ...}]}` (GitHub, Gitea), `{"message": {"field":
/// ["..."]}}` and `{"error": "..."}` (GitLab), `{"error": {"message": ...,
/// "fields": {"name": ["..."]}}}` (Bitbucket), `{"error": {"message": ...,
/// "param": ...}}` (OpenAI-style), `{"error_description": ...}` (OAuth),
/// `{"detail": "..."}` (FastAPI servers: vLLM, the LiteLLM gateway).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorBody {
    /// The human-readable message (redacted, shortened).
    pub message: Option<String>,
    /// Field-level errors.
    pub fields: Vec<FieldError>,
}

impl ErrorBody {
    /// Parse an error body; anything unrecognized yields an empty result
    /// (a non-JSON body's first line becomes the message).
    pub fn parse(body: &[u8]) -> Self {
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            let text = String::from_utf8_lossy(body);
            let first = text.lines().map(str::trim).find(|l| !l.is_empty());
            return ErrorBody {
                message: first
                    .filter(|l| !l.starts_with('<'))
                    .map(|l| clean(l.to_owned())),
                fields: Vec::new(),
            };
        };
        let mut out = ErrorBody::default();
        let mut message = None;
        match v.get("message") {
            Some(Value::String(s)) => message = Some(s.clone()),
            Some(Value::Object(map)) => collect_field_map(map, &mut out.fields),
            Some(Value::Array(items)) => {
                message = items.iter().find_map(Value::as_str).map(str::to_owned)
            }
            _ => {}
        }
        match v.get("error") {
            Some(Value::String(s)) => {
                message.get_or_insert_with(|| s.clone());
            }
            Some(Value::Object(e)) => {
                if let Some(m) = e.get("message").and_then(Value::as_str) {
                    message.get_or_insert_with(|| m.to_owned());
                }
                if let Some(Value::Object(f)) = e.get("fields") {
                    collect_field_map(f, &mut out.fields);
                }
                if let Some(p) = e.get("param").and_then(Value::as_str) {
                    let m = message.clone().unwrap_or_else(|| "invalid".to_owned());
                    out.fields.push(FieldError::new(p, clean(m)));
                }
            }
            _ => {}
        }
        if message.is_none() {
            message = v
                .get("error_description")
                .or_else(|| v.get("detail"))
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
        if let Some(Value::Array(errors)) = v.get("errors") {
            for e in errors {
                match e {
                    Value::Object(o) => {
                        let field = o
                            .get("field")
                            .or_else(|| o.get("resource"))
                            .and_then(Value::as_str)
                            .unwrap_or("request");
                        let text = o
                            .get("message")
                            .or_else(|| o.get("code"))
                            .and_then(Value::as_str)
                            .unwrap_or("invalid");
                        out.fields
                            .push(FieldError::new(field, clean(text.to_owned())));
                    }
                    Value::String(s) => {
                        message.get_or_insert_with(|| s.clone());
                    }
                    _ => {}
                }
            }
        }
        out.message = message.map(clean);
        out
    }
}

fn collect_field_map(map: &serde_json::Map<String, Value>, out: &mut Vec<FieldError>) {
    for (field, msgs) in map {
        match msgs {
            Value::Array(list) => {
                for m in list.iter().filter_map(Value::as_str) {
                    out.push(FieldError::new(field, clean(m.to_owned())));
                }
            }
            Value::String(m) => out.push(FieldError::new(field, clean(m.clone()))),
            _ => {}
        }
    }
}

/// Redact and shorten upstream text.
fn clean(text: String) -> String {
    let text = redact(text.trim());
    if text.chars().count() <= MAX_MESSAGE {
        text
    } else {
        let mut s: String = text.chars().take(MAX_MESSAGE).collect();
        s.push('…');
        s
    }
}

/// Whether a `403` is a rate limit rather than a permission problem.
fn forbidden_is_rate_limit(rl: &RateLimit, body: &ErrorBody) -> bool {
    rl.is_exhausted()
        || rl.retry_after.is_some()
        || body
            .message
            .as_deref()
            .is_some_and(|m| m.to_ascii_lowercase().contains("rate limit"))
}

/// What a 400/422 body really reports: `Conflict` when it says only that a
/// name or path is taken (GitHub's and Gitea's 422 "already exists",
/// GitLab's 400 "has already been taken" / "already exists"), `NotFound`
/// for GitHub's 422 "No commit found for SHA", else `InvalidInput`. A body
/// that also reports a real input problem stays `InvalidInput`.
fn refine_invalid(body: &ErrorBody) -> ErrorKind {
    fn taken(m: &str) -> bool {
        let m = m.to_ascii_lowercase();
        m.contains("already exists") || m.contains("already been taken")
    }
    let message = body.message.as_deref().unwrap_or_default();
    if message.to_ascii_lowercase().starts_with("no commit found") {
        return ErrorKind::NotFound;
    }
    let is_taken = if body.fields.is_empty() {
        taken(message)
    } else {
        body.fields.iter().all(|f| taken(&f.message))
    };
    if is_taken {
        ErrorKind::Conflict
    } else {
        ErrorKind::InvalidInput
    }
}

/// The kind of a non-success status (see the module table).
pub fn kind_for_status(status: StatusCode) -> ErrorKind {
    match status.as_u16() {
        400 | 413 | 415 | 422 => ErrorKind::InvalidInput,
        401 => ErrorKind::Unauthenticated,
        403 => ErrorKind::PermissionDenied,
        404 | 410 => ErrorKind::NotFound,
        405 | 409 | 412 | 423 => ErrorKind::Conflict,
        408 => ErrorKind::Timeout,
        429 => ErrorKind::RateLimited,
        500..=599 => ErrorKind::Unavailable,
        _ => ErrorKind::Provider,
    }
}

/// Build the error for a non-success response.
///
/// `what` names the request (`GET /repos/{owner}/{repo}`; no query, no
/// secrets); `now` is the response's time (see
/// [`response_time`](super::rate_limit::response_time)).
pub fn from_response(
    provider: &str,
    what: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Error {
    let rl = RateLimit::from_headers(headers, now);
    let parsed = ErrorBody::parse(body);
    let mut kind = kind_for_status(status);
    if status == StatusCode::FORBIDDEN && forbidden_is_rate_limit(&rl, &parsed) {
        kind = ErrorKind::RateLimited;
    }
    if kind == ErrorKind::InvalidInput {
        kind = refine_invalid(&parsed);
    }
    let what = redact(what);
    let message = match &parsed.message {
        Some(m) => format!("{what}: {m}"),
        None => format!(
            "{what}: {}",
            status.canonical_reason().unwrap_or("unexpected status")
        ),
    };
    let mut err = Error::new(kind, message)
        .with_provider(provider.to_owned())
        .with_status(status.as_u16());
    if !parsed.fields.is_empty() {
        err = err.with_fields(parsed.fields);
    }
    let wait = if kind == ErrorKind::RateLimited {
        rl.wait()
    } else {
        rl.retry_after
    };
    if let Some(d) = wait {
        err = err.with_retry_after(d);
    }
    err
}

/// Map a failure to send or receive (no HTTP status) into an error.
pub fn from_transport(provider: &str, what: &str, e: reqwest::Error) -> Error {
    let what = redact(what);
    let (kind, text) = if e.is_timeout() {
        (ErrorKind::Timeout, "timed out")
    } else if e.is_connect() {
        (ErrorKind::Unavailable, "could not connect")
    } else if e.is_builder() {
        (ErrorKind::Config, "could not build the request")
    } else if e.is_body() || e.is_decode() {
        (
            ErrorKind::Unavailable,
            "the response body could not be read",
        )
    } else {
        (ErrorKind::Unavailable, "the request failed")
    };
    // reqwest's own error text names the URL, whose path may carry a
    // secret: it is left out.
    let source = TransportError(mosaic_plugin_sdk::context::http::describe(&e));
    Error::new(kind, format!("{what}: {text}"))
        .with_provider(provider.to_owned())
        .with_source(source)
}

/// The redacted text of a transport failure (the error's source).
#[derive(Debug)]
struct TransportError(String);

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TransportError {}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use std::time::{Duration, UNIX_EPOCH};

    fn map(status: u16, headers: &[(&'static str, &str)], body: &str) -> Error {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        from_response(
            "test",
            "GET /x",
            StatusCode::from_u16(status).unwrap(),
            &h,
            body.as_bytes(),
            UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        )
    }

    #[test]
    fn fastapi_detail_is_the_message() {
        // The LiteLLM gateway's answer to `GET /v1/models/nope`.
        let e = map(
            404,
            &[],
            r#"{"detail":"The model `nope` does not exist or is not accessible"}"#,
        );
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(
            e.message().contains("The model `nope` does not exist"),
            "{e}"
        );
    }

    #[test]
    fn status_table() {
        use ErrorKind::*;
        let table = [
            (400, InvalidInput),
            (401, Unauthenticated),
            (403, PermissionDenied),
            (404, NotFound),
            (405, Conflict),
            (408, Timeout),
            (409, Conflict),
            (410, NotFound),
            (422, InvalidInput),
            (429, RateLimited),
            (500, Unavailable),
            (502, Unavailable),
            (503, Unavailable),
            (418, Provider),
        ];
        for (status, kind) in table {
            let e = map(status, &[], "{}");
            assert_eq!(e.kind(), kind, "status {status}");
            assert_eq!(e.status(), Some(status));
            assert_eq!(e.provider(), Some("test"));
        }
    }

    #[test]
    fn forbidden_vs_rate_limited() {
        let e = map(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1700000060"),
            ],
            r#"{"message":"API rate limit exceeded for user ID 1."}"#,
        );
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(60)));
        let e = map(403, &[("retry-after", "30")], r#"{"message":"secondary"}"#);
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(30)));
        let e = map(
            403,
            &[("x-ratelimit-remaining", "4999")],
            r#"{"message":"Resource not accessible by integration"}"#,
        );
        assert_eq!(e.kind(), ErrorKind::PermissionDenied);
        assert!(e.message().contains("Resource not accessible"));
    }

    #[test]
    fn taken_names_are_conflicts_and_unknown_commits_not_found() {
        let kinds = [
            (
                422,
                r#"{"message":"Validation Failed","errors":[{"resource":"Repository","code":"custom","field":"name","message":"name already exists on this account"}]}"#,
                ErrorKind::Conflict,
            ),
            (
                422,
                r#"{"message":"Reference already exists"}"#,
                ErrorKind::Conflict,
            ),
            (
                422,
                r#"{"message":"repository file already exists [path: a.md]"}"#,
                ErrorKind::Conflict,
            ),
            (
                400,
                r#"{"message":{"name":["has already been taken"],"path":["has already been taken"]}}"#,
                ErrorKind::Conflict,
            ),
            (
                400,
                r#"{"message":"Branch already exists"}"#,
                ErrorKind::Conflict,
            ),
            (
                422,
                r#"{"message":"No commit found for SHA: abc"}"#,
                ErrorKind::NotFound,
            ),
            // a real input problem beside a taken name stays invalid input
            (
                400,
                r#"{"message":{"name":["has already been taken"],"path":["is invalid"]}}"#,
                ErrorKind::InvalidInput,
            ),
            (
                422,
                r#"{"message":"Validation Failed","errors":[{"field":"title","code":"missing_field","message":"title is missing"}]}"#,
                ErrorKind::InvalidInput,
            ),
        ];
        for (status, body, kind) in kinds {
            assert_eq!(map(status, &[], body).kind(), kind, "{status} {body}");
        }
    }

    #[test]
    fn field_errors_from_every_shape() {
        let gh = map(
            422,
            &[],
            r#"{"message":"Validation Failed","errors":[{"resource":"Repository","code":"custom","field":"name","message":"name already exists on this account"}]}"#,
        );
        assert_eq!(gh.field(), Some("name"));
        assert!(gh.fields()[0].message.contains("already exists"));
        let gl = map(
            400,
            &[],
            r#"{"message":{"name":["has already been taken"]}}"#,
        );
        assert_eq!(gl.field(), Some("name"));
        let bb = map(
            400,
            &[],
            r#"{"type":"error","error":{"message":"Bad request","fields":{"title":["required"]}}}"#,
        );
        assert_eq!(bb.field(), Some("title"));
        assert!(bb.message().contains("Bad request"));
        let oai = map(
            400,
            &[],
            r#"{"error":{"message":"bad model","param":"model"}}"#,
        );
        assert_eq!(oai.field(), Some("model"));
    }

    #[test]
    fn upstream_text_is_redacted_and_shortened() {
        let e = map(401, &[], r#"{"message":"token ghp_abcdef123 is revoked"}"#);
        assert!(!e.to_string().contains("ghp_abcdef123"), "{e}");
        let long = "x".repeat(1000);
        let e = map(500, &[], &format!(r#"{{"message":"{long}"}}"#));
        assert!(e.message().len() < 400);
        let html = map(502, &[], "<html><body>Bad gateway</body></html>");
        assert!(html.message().contains("Bad Gateway"), "{html}");
        let plain = map(500, &[], "upstream broke\nmore");
        assert!(plain.message().ends_with("upstream broke"), "{plain}");
    }

    #[test]
    fn retry_after_on_unavailable() {
        let e = map(503, &[("retry-after", "12")], "");
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(12)));
        let e = map(429, &[("ratelimit-reset", "5")], "");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(5)));
    }
}
