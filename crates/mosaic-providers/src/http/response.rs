//! [`HttpResponse`]: a response, fully read.

use std::borrow::Cow;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use mosaic_core::{Cursor, Page, Result};
use serde::de::DeserializeOwned;

use super::json;
use super::pagination::LinkHeader;
use super::rate_limit::{RateLimit, response_time};

/// A response with its body read: 2xx from [`RequestSpec::send`](super::RequestSpec::send),
/// any status from [`RequestSpec::send_raw`](super::RequestSpec::send_raw).
#[derive(Debug, Clone)]
pub struct HttpResponse {
    provider: Cow<'static, str>,
    what: String,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl HttpResponse {
    pub(crate) fn new(
        provider: Cow<'static, str>,
        what: String,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    ) -> Self {
        HttpResponse {
            provider,
            what,
            status,
            headers,
            body,
        }
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// One header as text, when present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The raw body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// `METHOD /path` of the request that produced this response.
    pub fn request_line(&self) -> &str {
        &self.what
    }

    /// Decode the JSON body; a failure is a `Decode` error naming the JSON
    /// path, the request and the provider.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        json::decode_as(&self.body, &self.what).map_err(|e| e.with_provider(self.provider.clone()))
    }

    /// The rate-limit headers of this response.
    pub fn rate_limit(&self) -> RateLimit {
        RateLimit::from_headers(&self.headers, response_time(&self.headers))
    }

    /// The `Link` header relations.
    pub fn links(&self) -> LinkHeader {
        LinkHeader::from_headers(&self.headers)
    }

    /// The `Link: rel="next"` URL as a cursor.
    pub fn next_cursor(&self) -> Option<Cursor> {
        self.links().next_cursor()
    }

    /// A page of `items` continued by this response's `Link` header, with
    /// the total from `X-Total-Count` / `X-Total` when present.
    pub fn link_page<T>(&self, items: Vec<T>) -> Page<T> {
        let page = Page::new(items, self.next_cursor());
        let total = self
            .header("x-total-count")
            .or_else(|| self.header("x-total"))
            .and_then(|t| t.trim().parse().ok());
        match total {
            Some(t) => page.with_total(t),
            None => page,
        }
    }
}
