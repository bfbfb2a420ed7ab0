//! Sending AI requests over the shared [`Transport`]: its base URL, client
//! and credentials, with raw error bodies kept for provider-specific
//! mapping, and streamed bodies for `chat_stream`.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use http::StatusCode;
use http::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use mosaic_core::ai::ChatStream;
use mosaic_core::{Error, Result};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::stream::{ChunkDecoder, open_stream};
use crate::http::Transport;
use crate::http::error::from_transport;

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
    headers: HeaderMap,
    query: Vec<(String, String)>,
    timeout: Option<Duration>,
    idle_timeout: Option<Duration>,
    map_error: ErrorMapper,
}

impl fmt::Debug for AiHttp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AiHttp")
            .field("transport", &self.transport)
            .field("query", &self.query)
            .field("timeout", &self.timeout)
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

/// Settings of an [`AiHttp`].
#[derive(Debug, Clone)]
pub(crate) struct AiHttpSettings {
    pub(crate) user_agent: Option<String>,
    pub(crate) headers: HeaderMap,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) idle_timeout: Option<Duration>,
}

impl AiHttp {
    pub(crate) fn new(
        provider: &'static str,
        transport: Transport,
        settings: AiHttpSettings,
        map_error: ErrorMapper,
    ) -> Result<Self> {
        let mut headers = settings.headers;
        let ua = settings
            .user_agent
            .as_deref()
            .unwrap_or(crate::http::DEFAULT_USER_AGENT);
        headers.insert(
            USER_AGENT,
            HeaderValue::from_str(ua).map_err(|_| {
                Error::config(format!("user agent `{ua}` is invalid")).with_provider(provider)
            })?,
        );
        Ok(AiHttp {
            provider,
            transport,
            headers,
            query: settings.query,
            timeout: settings.timeout,
            idle_timeout: settings.idle_timeout,
            map_error,
        })
    }

    /// The transport.
    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }

    fn url(&self, path: &str, query: &[(&str, String)]) -> Result<Url> {
        let mut url = self
            .transport
            .url(path)
            .map_err(|e| e.with_provider(self.provider))?;
        if !self.query.is_empty() || !query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in &self.query {
                q.append_pair(k, v);
            }
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Bytes>,
        accept: &'static str,
    ) -> Result<(reqwest::Response, String)> {
        let url = self.url(path, query)?;
        let what = format!("{method} {}", url.path());
        let mut headers = self.headers.clone();
        headers.insert(ACCEPT, HeaderValue::from_static(accept));
        if body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        self.transport
            .credentials()
            .auth()
            .await
            .and_then(|a| a.apply(&mut headers))
            .map_err(|e| e.with_provider(self.provider))?;
        let mut req = reqwest::Request::new(method, url);
        *req.headers_mut() = headers;
        if let Some(b) = body {
            *req.body_mut() = Some(b.into());
        }
        let resp = self
            .transport
            .client()
            .execute(req)
            .await
            .map_err(|e| from_transport(self.provider, &what, e))?;
        let status = resp.status();
        if status.is_success() {
            return Ok((resp, what));
        }
        let headers = resp.headers().clone();
        let body = resp.bytes().await.unwrap_or_default();
        tracing::debug!(
            provider = self.provider,
            request = %what,
            status = status.as_u16(),
            "AI request failed"
        );
        Err((self.map_error)(&Failure {
            provider: self.provider,
            what: &what,
            status,
            headers: &headers,
            body: &body,
        }))
    }

    async fn within<T>(&self, fut: impl Future<Output = Result<T>>) -> Result<T> {
        match self.timeout {
            Some(limit) => tokio::time::timeout(limit, fut).await.unwrap_or_else(|_| {
                Err(
                    Error::timeout(format!("no answer within {}s", limit.as_secs_f64()))
                        .with_provider(self.provider),
                )
            }),
            None => fut.await,
        }
    }

    async fn call_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Bytes>,
    ) -> Result<T> {
        self.within(async {
            let (resp, what) = self
                .send(method, path, query, body, "application/json")
                .await?;
            let bytes = resp
                .bytes()
                .await
                .map_err(|e| from_transport(self.provider, &what, e))?;
            crate::http::json::decode_as(&bytes, &what).map_err(|e| e.with_provider(self.provider))
        })
        .await
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
        let (resp, what) = self
            .within(self.send(Method::POST, path, &[], Some(body), accept))
            .await?;
        let provider = self.provider;
        let bytes = resp
            .bytes_stream()
            .map(move |r| r.map_err(|e| from_transport(provider, &what, e)));
        open_stream(bytes, decoder, self.idle_timeout).await
    }
}
