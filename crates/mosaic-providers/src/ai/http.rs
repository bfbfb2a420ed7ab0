//! Sending AI requests over the shared [`Transport`]: its base URL, client
//! and credentials, with raw error bodies kept for provider-specific
//! mapping, and streamed bodies for `chat_stream`.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http::header::HeaderMap;
use mosaic_core::ai::ChatStream;
use mosaic_core::{Error, ErrorKind, Result};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::stream::{ChunkDecoder, open_stream};
use crate::http::{HttpResponse, RequestSpec, Transport};

/// Maps a failed response (status, headers, raw body) to an error.
pub(crate) type ErrorMapper = fn(&Failure<'_>) -> Error;

/// A non-2xx response, for an [`ErrorMapper`].
#[derive(Debug)]
pub(crate) struct Failure<'a> {
    pub(crate) provider: &'static str,
    pub(crate) what: &'a str,
    pub(crate) status: StatusCode,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
}

impl Failure<'_> {
    /// The generic mapping of the shared transport (status table,
    /// rate-limit headers, message from the body).
    pub(crate) fn generic(&self) -> Error {
        crate::http::error::from_response(
            self.provider,
            self.what,
            self.status,
            self.headers,
            self.body,
            crate::http::rate_limit::response_time(self.headers),
        )
    }
}

/// The HTTP side of an AI provider.
#[derive(Clone)]
pub(crate) struct AiHttp {
    provider: &'static str,
    transport: Transport,
    query: Vec<(String, String)>,
    idle_timeout: Option<Duration>,
    map_error: ErrorMapper,
}

impl fmt::Debug for AiHttp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AiHttp")
            .field("transport", &self.transport)
            .field("query", &self.query)
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

impl AiHttp {
    /// Over `transport` (its headers, user agent, timeout and credentials
    /// apply), with fixed query parameters `query` (Azure's
    /// `api-version`) and the stream `idle_timeout`.
    pub(crate) fn new(
        provider: &'static str,
        transport: Transport,
        query: Vec<(String, String)>,
        idle_timeout: Option<Duration>,
        map_error: ErrorMapper,
    ) -> Self {
        AiHttp {
            provider,
            transport,
            query,
            idle_timeout,
            map_error,
        }
    }

    /// The transport.
    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }

    /// A request through the transport with this provider's headers,
    /// fixed query parameters, `query`, and `accept`.
    fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Bytes>,
        accept: &'static str,
    ) -> RequestSpec<'_> {
        let mut spec = self.transport.request(method, path);
        for (k, v) in &self.query {
            spec = spec.query(k, v);
        }
        for (k, v) in query {
            spec = spec.query(k, v);
        }
        spec = spec.accept(accept);
        if let Some(b) = body {
            spec = spec.body("application/json", b);
        }
        spec
    }

    /// The provider's error for a failed answer.
    fn failure(&self, resp: &HttpResponse) -> Error {
        tracing::debug!(
            provider = self.provider,
            request = %resp.request_line(),
            status = resp.status().as_u16(),
            "AI request failed"
        );
        (self.map_error)(&Failure {
            provider: self.provider,
            what: resp.request_line(),
            status: resp.status(),
            headers: resp.headers(),
            body: resp.body(),
        })
    }

    async fn call_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Bytes>,
    ) -> Result<T> {
        let resp = self
            .request(method, path, query, body, "application/json")
            .send_raw()
            .await
            .map_err(|e| e.with_provider(self.provider))?;
        if !resp.status().is_success() {
            return Err(self.failure(&resp));
        }
        resp.json().map_err(|e| e.with_provider(self.provider))
    }

    /// `GET path?query` and decode the JSON answer.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T> {
        self.call_json(Method::GET, path, query, None).await
    }

    /// `POST path` with a JSON body and decode the JSON answer.
    pub(crate) async fn post_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        let body = crate::http::json::encode(body).map_err(|e| e.with_provider(self.provider))?;
        self.call_json(Method::POST, path, &[], Some(body)).await
    }

    /// `POST path` with a JSON body and stream the answer through
    /// `decoder`: returns once the first chunk is decoded (the timeout
    /// covers the wait for the response headers; the idle timeout each
    /// wait for more of the body).
    pub(crate) async fn post_stream<B: Serialize + ?Sized, D: ChunkDecoder>(
        &self,
        path: &str,
        body: &B,
        accept: &'static str,
        decoder: D,
    ) -> Result<ChatStream> {
        let body = crate::http::json::encode(body).map_err(|e| e.with_provider(self.provider))?;
        let answer = self
            .request(Method::POST, path, &[], Some(body), accept)
            .idle_timeout(self.idle_timeout)
            .send_stream()
            .await
            .map_err(|e| e.with_provider(self.provider))?;
        if !answer.status().is_success() {
            let resp = answer.read().await?;
            return Err(self.failure(&resp));
        }
        if let Some(e) = not_a_stream(self.provider, accept, answer.headers()) {
            tracing::debug!(
                provider = self.provider,
                error = %e,
                "a streamed request was answered with another content type"
            );
            return Err(e);
        }
        open_stream(answer.bytes(), decoder, None).await
    }
}

/// The media types a streamed answer asked for with `accept` may come as:
/// an event stream only as `text/event-stream`; newline-delimited JSON as
/// `application/x-ndjson`, or as `application/json` (one JSON object is
/// one line of it: Ollama's answer when it does not stream).
fn accepted_media_types(accept: &str) -> &'static [&'static str] {
    match accept {
        "text/event-stream" => &["text/event-stream"],
        "application/x-ndjson" => &["application/x-ndjson", "application/json"],
        _ => &[],
    }
}

/// The error for a successful answer to a streamed request whose content
/// type is not the stream asked for (`None` when it is, or when the server
/// names no content type and the body is decoded as asked).
///
/// A gateway that ignores `stream: true` answers one `application/json`
/// body; decoding that as a stream would only report a stream that ended
/// before its final event, which hides what happened.
fn not_a_stream(provider: &'static str, accept: &str, headers: &HeaderMap) -> Option<Error> {
    let accepted = accepted_media_types(accept);
    let value = headers.get(http::header::CONTENT_TYPE)?;
    let raw = String::from_utf8_lossy(value.as_bytes());
    let media = raw
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if accepted.is_empty() || accepted.contains(&media.as_str()) {
        return None;
    }
    let shown: String = raw.chars().filter(|c| !c.is_control()).take(80).collect();
    let expected = if accept == "text/event-stream" {
        "an event stream (`text/event-stream`)".to_owned()
    } else {
        format!("`{}`", accepted.join("` or `"))
    };
    Some(
        Error::new(
            ErrorKind::Decode,
            format!(
                "asked for a streamed answer, the server answered with content type `{shown}`, which is not {expected}: it did not stream"
            ),
        )
        .with_provider(provider)
        .with_status(200),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn with_type(t: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_str(t).unwrap(),
        );
        h
    }

    #[test]
    fn event_streams_must_be_event_streams() {
        for ok in [
            "text/event-stream",
            "text/event-stream; charset=utf-8",
            "Text/Event-Stream",
        ] {
            assert!(
                not_a_stream("openai", "text/event-stream", &with_type(ok)).is_none(),
                "{ok}"
            );
        }
        // no content type: decoded as asked
        assert!(not_a_stream("openai", "text/event-stream", &HeaderMap::new()).is_none());
        let e = not_a_stream(
            "anthropic",
            "text/event-stream",
            &with_type("application/json"),
        )
        .unwrap();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert_eq!(e.provider(), Some("anthropic"));
        assert!(e.message().contains("`application/json`"), "{e}");
        assert!(e.message().contains("`text/event-stream`"), "{e}");
    }

    #[test]
    fn ndjson_streams_take_json_too() {
        for ok in ["application/x-ndjson", "application/json; charset=utf-8"] {
            assert!(
                not_a_stream("ollama", "application/x-ndjson", &with_type(ok)).is_none(),
                "{ok}"
            );
        }
        let e = not_a_stream("ollama", "application/x-ndjson", &with_type("text/html")).unwrap();
        assert!(e.message().contains("`text/html`"), "{e}");
        assert!(e.message().contains("`application/x-ndjson`"), "{e}");
    }
}
