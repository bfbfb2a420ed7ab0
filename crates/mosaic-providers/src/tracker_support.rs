//! What the issue-tracker adapters share: a raw request path that hands
//! back every answer with its body.
//!
//! The trackers' failure bodies carry more than the transport's generic
//! error parser reads: Linear answers GraphQL `errors[]` with an
//! `extensions.code` (often with HTTP 200 or 400), Jira an `errorMessages`
//! list and an `errors` map of fields. [`Raw`] sends through the
//! transport's client and credentials but returns non-2xx answers as
//! [`RawResponse`]s, so each adapter maps them itself and falls back on
//! [`Raw::fallback_error`] (the transport's status table) for the rest.

use bytes::Bytes;
use http::StatusCode;
use http::header::HeaderMap;
use mosaic_core::{Error, Result};
use reqwest::Method;
use serde_json::Value;

use crate::http::rate_limit::response_time;
use crate::http::{Transport, error, json};

/// One answer, whatever its status, with its body read.
#[derive(Debug, Clone)]
pub(crate) struct RawResponse {
    /// Status.
    pub(crate) status: StatusCode,
    /// Headers.
    pub(crate) headers: HeaderMap,
    /// Body.
    pub(crate) body: Bytes,
    /// `METHOD /path` of the request (no query, no secrets).
    pub(crate) what: String,
}

impl RawResponse {
    /// Decode the JSON body; a failure is a `Decode` error naming the path.
    #[cfg_attr(not(feature = "jira"), allow(dead_code))]
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self, provider: &'static str) -> Result<T> {
        json::decode_as(&self.body, &self.what).map_err(|e| e.with_provider(provider))
    }
}

/// Sends requests through a [`Transport`] and returns every answer (see
/// the module docs).
#[derive(Debug, Clone)]
pub(crate) struct Raw {
    http: Transport,
}

impl Raw {
    /// Over `http` (its user agent, timeout and credentials apply).
    pub(crate) fn new(http: Transport) -> Self {
        Raw { http }
    }

    /// The transport (base URL, client, credentials).
    pub(crate) fn transport(&self) -> &Transport {
        &self.http
    }

    /// Send `method` to `path` under the base URL with `query` appended
    /// and an optional JSON body. Connection failures and timeouts are
    /// errors; every HTTP answer is returned.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<RawResponse> {
        let mut spec = self.http.request(method, path);
        for (k, v) in query {
            spec = spec.query(k, v);
        }
        if let Some(v) = body {
            spec = spec.json(v);
        }
        let resp = spec.send_raw().await?;
        Ok(RawResponse {
            status: resp.status(),
            headers: resp.headers().clone(),
            body: resp.body().clone(),
            what: resp.request_line().to_owned(),
        })
    }

    /// The transport's error for a non-2xx answer (status table,
    /// rate-limit headers, generic body shapes).
    pub(crate) fn fallback_error(&self, r: &RawResponse) -> Error {
        error::from_response(
            self.http.provider(),
            &r.what,
            r.status,
            &r.headers,
            &r.body,
            response_time(&r.headers),
        )
    }
}
