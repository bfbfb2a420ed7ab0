//! Sending GraphQL operations to Linear and mapping its errors.
//!
//! | `errors[].extensions.code` (or `type`) | kind |
//! |---|---|
//! | `RATELIMITED` | `RateLimited`, waiting for `Retry-After` or the `X-RateLimit-Requests-Reset` / `X-RateLimit-Complexity-Reset` time (Unix milliseconds) |
//! | `AUTHENTICATION_ERROR` | `Unauthenticated` |
//! | `FORBIDDEN`, `FEATURE_NOT_ACCESSIBLE` | `PermissionDenied` |
//! | `USAGE_LIMIT_EXCEEDED` | `QuotaExceeded` |
//! | `INVALID_INPUT`, `USER_ERROR`, `GRAPHQL_ERROR`, `GRAPHQL_VALIDATION_FAILED`, `BAD_USER_INPUT` | `InvalidInput` (field: the error's path), or `NotFound` when the message says an entity was not found |
//! | `ENTITY_NOT_FOUND`, `NOT_FOUND` | `NotFound` |
//! | `LOCK_TIMEOUT`, `INTERNAL_ERROR`, `NETWORK_ERROR` | `Unavailable` |
//! | anything else | by HTTP status when it failed, else `Provider` |
//!
//! Answers without a GraphQL body fall back on the transport's status
//! table. A `200` with both `data` and `errors` is an error: Mosaic never
//! returns half an answer.

use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, StatusCode};
use mosaic_core::{Error, ErrorKind, FieldError, Result, redact};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{named, wire};
use crate::http::error::kind_for_status;
use crate::http::rate_limit::{parse_retry_after, response_time};
use crate::tracker_support::{Raw, RawResponse};

/// Longest upstream message kept in an error.
const MAX_MESSAGE: usize = 300;

/// Send `query` with `variables` and decode `data` as `T`.
pub(crate) async fn call<T: DeserializeOwned>(
    raw: &Raw,
    operation: &str,
    query: &str,
    variables: Value,
) -> Result<T> {
    let body = json!({"query": query, "variables": variables});
    let resp = raw.send(Method::POST, "/graphql", &[], Some(&body)).await?;
    decode(raw, &resp, operation)
}

/// Decode an answer to `operation` (see the module docs).
pub(crate) fn decode<T: DeserializeOwned>(
    raw: &Raw,
    resp: &RawResponse,
    operation: &str,
) -> Result<T> {
    let envelope = serde_json::from_slice::<wire::Envelope>(&resp.body);
    let failed = !resp.status.is_success();
    match envelope {
        Ok(wire::Envelope {
            errors: Some(errors),
            ..
        }) if !errors.is_empty() => Err(map_errors(&errors, resp.status, &resp.headers, operation)),
        Ok(_) if failed => Err(raw.fallback_error(resp)),
        Ok(wire::Envelope { data, .. }) => decode_data(data, operation),
        Err(_) if failed => Err(raw.fallback_error(resp)),
        Err(e) => Err(named(Error::decode(
            format!("`$` of the {operation} answer"),
            e,
        ))),
    }
}

/// Decode `data` as `T`, naming the JSON path of a failure.
pub(crate) fn decode_data<T: DeserializeOwned>(data: Value, operation: &str) -> Result<T> {
    if data.is_null() {
        return Err(named(Error::new(
            ErrorKind::Decode,
            format!("the {operation} answer has neither data nor errors"),
        )));
    }
    serde_path_to_error::deserialize(data).map_err(|e| {
        let path = e.path().to_string();
        let place = if path.is_empty() || path == "." {
            format!("`$.data` of the {operation} answer")
        } else {
            format!("`$.data.{path}` of the {operation} answer")
        };
        named(Error::decode(place, e.into_inner()))
    })
}

fn clean(text: &str) -> String {
    let text = redact(text.trim());
    if text.chars().count() <= MAX_MESSAGE {
        text
    } else {
        let mut s: String = text.chars().take(MAX_MESSAGE).collect();
        s.push('…');
        s
    }
}

/// `RATELIMITED`, `authentication error` → `RATELIMITED`,
/// `AUTHENTICATION_ERROR`.
fn normalize(code: &str) -> String {
    code.trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect()
}

fn says_not_found(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("not found") || m.contains("could not find") || m.contains("does not exist")
}

/// The kind of one GraphQL error.
pub(crate) fn kind_of(e: &wire::GraphqlError, status: StatusCode) -> ErrorKind {
    let ext = e.extensions.clone().unwrap_or_default();
    let code = ext
        .code
        .as_deref()
        .or(ext.kind.as_deref())
        .map(normalize)
        .unwrap_or_default();
    let text = format!(
        "{} {}",
        e.message,
        ext.user_presentable_message.as_deref().unwrap_or("")
    );
    match code.as_str() {
        "RATELIMITED" | "RATE_LIMITED" => ErrorKind::RateLimited,
        "AUTHENTICATION_ERROR" | "UNAUTHENTICATED" => ErrorKind::Unauthenticated,
        "FORBIDDEN" | "FEATURE_NOT_ACCESSIBLE" => ErrorKind::PermissionDenied,
        "USAGE_LIMIT_EXCEEDED" => ErrorKind::QuotaExceeded,
        "ENTITY_NOT_FOUND" | "NOT_FOUND" => ErrorKind::NotFound,
        "INVALID_INPUT"
        | "USER_ERROR"
        | "GRAPHQL_ERROR"
        | "GRAPHQL_VALIDATION_FAILED"
        | "GRAPHQL_PARSE_FAILED"
        | "BAD_USER_INPUT" => {
            if says_not_found(&text) {
                ErrorKind::NotFound
            } else {
                ErrorKind::InvalidInput
            }
        }
        "LOCK_TIMEOUT" | "INTERNAL_ERROR" | "INTERNAL_SERVER_ERROR" | "NETWORK_ERROR" => {
            ErrorKind::Unavailable
        }
        "CONFLICT" => ErrorKind::Conflict,
        _ if says_not_found(&text) => ErrorKind::NotFound,
        _ if !status.is_success() => kind_for_status(status),
        _ => ErrorKind::Provider,
    }
}

/// How long a rate-limited caller should wait: `Retry-After`, else the
/// later of the request and complexity budgets' reset times (Unix
/// milliseconds), measured against the answer's `Date`.
pub(crate) fn rate_limit_wait(headers: &HeaderMap) -> Option<Duration> {
    let now = response_time(headers);
    let get = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    if let Some(d) = get("retry-after").and_then(|v| parse_retry_after(v, now)) {
        return Some(d);
    }
    let now_ms = now.duration_since(UNIX_EPOCH).ok()?.as_millis();
    let num = |n: &str| get(n).and_then(|v| v.trim().parse::<f64>().ok());
    let budgets: Vec<(Option<f64>, u128)> = ["requests", "complexity"]
        .iter()
        .filter_map(|b| {
            let reset = get(&format!("x-ratelimit-{b}-reset"))?
                .trim()
                .parse::<u128>()
                .ok()?;
            Some((num(&format!("x-ratelimit-{b}-remaining")), reset))
        })
        .collect();
    // The budgets that are used up decide; when none says so, the latest
    // reset does.
    let exhausted: Vec<u128> = budgets
        .iter()
        .filter(|(remaining, _)| remaining.is_none_or(|r| r <= 0.0))
        .map(|(_, reset)| *reset)
        .collect();
    let resets = if exhausted.is_empty() {
        budgets.iter().map(|(_, reset)| *reset).collect()
    } else {
        exhausted
    };
    resets
        .into_iter()
        .map(|reset| {
            // Values below 10^12 are Unix seconds, not milliseconds.
            let reset_ms = if reset < 1_000_000_000_000 {
                reset * 1000
            } else {
                reset
            };
            Duration::from_millis(reset_ms.saturating_sub(now_ms) as u64)
        })
        .max()
}

/// One error for a GraphQL failure: the first error decides the kind; the
/// messages of all are kept.
pub(crate) fn map_errors(
    errors: &[wire::GraphqlError],
    status: StatusCode,
    headers: &HeaderMap,
    operation: &str,
) -> Error {
    let first = &errors[0];
    let kind = kind_of(first, status);
    let describe = |e: &wire::GraphqlError| {
        let ext = e.extensions.clone().unwrap_or_default();
        clean(
            ext.user_presentable_message
                .as_deref()
                .filter(|m| !m.trim().is_empty())
                .unwrap_or(&e.message),
        )
    };
    let messages: Vec<String> = errors.iter().map(describe).collect();
    let mut err = named(Error::new(
        kind,
        format!("{operation}: {}", messages.join("; ")),
    ));
    if !status.is_success() {
        err = err.with_status(status.as_u16());
    }
    if kind == ErrorKind::InvalidInput {
        let fields = errors
            .iter()
            .map(|e| {
                let field = e
                    .path
                    .as_ref()
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        p.iter()
                            .map(|s| match s {
                                Value::String(s) => s.clone(),
                                other => other.to_string(),
                            })
                            .collect::<Vec<_>>()
                            .join(".")
                    })
                    .unwrap_or_else(|| "request".to_owned());
                FieldError::new(field, describe(e))
            })
            .collect();
        err = err.with_fields(fields);
    }
    if kind == ErrorKind::RateLimited
        && let Some(d) = rate_limit_wait(headers)
    {
        err = err.with_retry_after(d);
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use std::time::SystemTime;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn err(code: &str, message: &str) -> wire::GraphqlError {
        serde_json::from_value(json!({"message": message, "extensions": {"code": code}})).unwrap()
    }

    #[test]
    fn codes_and_types() {
        use ErrorKind::*;
        let ok = StatusCode::OK;
        let table = [
            ("RATELIMITED", "Rate limit exceeded", RateLimited),
            ("ratelimited", "x", RateLimited),
            (
                "AUTHENTICATION_ERROR",
                "Authentication required",
                Unauthenticated,
            ),
            ("authentication error", "x", Unauthenticated),
            ("FORBIDDEN", "x", PermissionDenied),
            ("FEATURE_NOT_ACCESSIBLE", "x", PermissionDenied),
            ("USAGE_LIMIT_EXCEEDED", "x", QuotaExceeded),
            ("INVALID_INPUT", "Argument Validation Error", InvalidInput),
            ("INVALID_INPUT", "Entity not found: Issue", NotFound),
            ("LOCK_TIMEOUT", "x", Unavailable),
            ("INTERNAL_ERROR", "x", Unavailable),
            ("SOMETHING_NEW", "x", Provider),
        ];
        for (code, msg, kind) in table {
            assert_eq!(kind_of(&err(code, msg), ok), kind, "{code}");
        }
        assert_eq!(
            kind_of(&err("SOMETHING_NEW", "x"), StatusCode::BAD_GATEWAY),
            Unavailable
        );
    }

    #[test]
    fn rate_limit_waits() {
        let date = httpdate::fmt_http_date(at(1_700_000_000));
        let mut h = HeaderMap::new();
        h.insert("date", HeaderValue::from_str(&date).unwrap());
        h.insert(
            "x-ratelimit-requests-remaining",
            HeaderValue::from_static("0"),
        );
        h.insert(
            "x-ratelimit-requests-reset",
            HeaderValue::from_static("1700000042000"),
        );
        assert_eq!(rate_limit_wait(&h), Some(Duration::from_secs(42)));
        // A budget with requests left does not count.
        h.insert(
            "x-ratelimit-complexity-remaining",
            HeaderValue::from_static("900"),
        );
        h.insert(
            "x-ratelimit-complexity-reset",
            HeaderValue::from_static("1700000900000"),
        );
        assert_eq!(rate_limit_wait(&h), Some(Duration::from_secs(42)));
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(rate_limit_wait(&h), Some(Duration::from_secs(3)));
    }
}
