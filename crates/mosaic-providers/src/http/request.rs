//! [`RequestSpec`]: one request being put together.

use std::fmt::Display;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use mosaic_core::{Error, PageRequest, Result};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::auth::Auth;
use super::json;
use super::multipart::Form;
use super::pagination::resolve_cursor;
use super::response::HttpResponse;
use super::transport::Transport;

/// Which credentials a request sends.
#[derive(Debug, Clone)]
pub(crate) enum AuthChoice {
    /// The transport's configured credentials.
    Configured,
    /// These instead.
    Override(Auth),
    /// None.
    Anonymous,
}

#[derive(Debug, Clone)]
struct Paging {
    page: PageRequest,
    size_param: &'static str,
    default: u32,
    max: u32,
}

/// A request under construction; finish it with [`send`](Self::send),
/// [`send_json`](Self::send_json) or [`send_unit`](Self::send_unit).
///
/// Builder mistakes (an invalid header value, a body that cannot be
/// encoded) are kept and reported by `send`, so calls chain freely.
#[derive(Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct RequestSpec<'t> {
    transport: &'t Transport,
    method: Method,
    url: Result<Url>,
    headers: HeaderMap,
    body: Option<Bytes>,
    auth: AuthChoice,
    timeout: Option<Duration>,
    paging: Option<Paging>,
    error: Option<Error>,
}

impl<'t> RequestSpec<'t> {
    pub(crate) fn new(transport: &'t Transport, method: Method, url: Result<Url>) -> Self {
        RequestSpec {
            transport,
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
            auth: AuthChoice::Configured,
            timeout: None,
            paging: None,
            error: None,
        }
    }

    fn fail(&mut self, e: Error) {
        self.error.get_or_insert(e);
    }

    /// Append a query parameter.
    pub fn query(mut self, name: &str, value: impl Display) -> Self {
        if let Ok(url) = &mut self.url {
            url.query_pairs_mut().append_pair(name, &value.to_string());
        }
        self
    }

    /// Append a query parameter when `value` is `Some`.
    pub fn query_opt<V: Display>(self, name: &str, value: Option<V>) -> Self {
        match value {
            Some(v) => self.query(name, v),
            None => self,
        }
    }

    /// Set a header (replacing any default of the same name).
    pub fn header(mut self, name: HeaderName, value: &str) -> Self {
        match HeaderValue::from_str(value) {
            Ok(v) => {
                self.headers.insert(name, v);
            }
            Err(_) => self.fail(Error::invalid_input(
                name.as_str().to_owned(),
                "contains characters not allowed in an HTTP header",
            )),
        }
        self
    }

    /// Set the `Accept` header.
    pub fn accept(self, media_type: &str) -> Self {
        self.header(ACCEPT, media_type)
    }

    /// Send `value` as a JSON body.
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match json::encode(value) {
            Ok(b) => {
                self.body = Some(b);
                self.headers
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            Err(e) => self.fail(e),
        }
        self
    }

    /// Send raw bytes with a content type.
    pub fn body(mut self, content_type: &str, body: impl Into<Bytes>) -> Self {
        self.body = Some(body.into());
        self.header(CONTENT_TYPE, content_type)
    }

    /// Send a `multipart/form-data` body.
    pub fn multipart(self, form: &Form) -> Self {
        let (ct, body) = form.encode();
        self.body(&ct, body)
    }

    /// Send these credentials instead of the configured ones.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = AuthChoice::Override(auth);
        self
    }

    /// Send no credentials.
    pub fn anonymous(mut self) -> Self {
        self.auth = AuthChoice::Anonymous;
        self
    }

    /// Override the transport's timeout for this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Ask for one page of a next-URL listing: with a cursor, the request
    /// goes to the cursor's URL (checked to lie under the base URL,
    /// replacing this request's path and query); without one,
    /// `size_param` is set to `page.size_or(default, max)`.
    pub fn page(
        mut self,
        page: &PageRequest,
        size_param: &'static str,
        default: u32,
        max: u32,
    ) -> Self {
        self.paging = Some(Paging {
            page: page.clone(),
            size_param,
            default,
            max,
        });
        self
    }

    /// Send a token cursor as the query parameter `name` (for APIs whose
    /// bodies return an opaque `next_cursor`).
    pub fn cursor_param(self, name: &str, page: &PageRequest) -> Self {
        let cursor = page.cursor.as_ref().map(|c| c.as_str().to_owned());
        self.query_opt(name, cursor)
    }

    /// Send the request. A non-2xx answer is an error (see
    /// [`error`](super::error)); a 2xx answer is returned with its body read.
    pub async fn send(self) -> Result<HttpResponse> {
        if let Some(e) = self.error {
            return Err(e.with_provider(self.transport.provider().to_owned()));
        }
        let mut url = self
            .url
            .map_err(|e| e.with_provider(self.transport.provider().to_owned()))?;
        if let Some(p) = self.paging {
            match &p.page.cursor {
                Some(c) => {
                    url = resolve_cursor(self.transport.base_url(), c)
                        .map_err(|e| e.with_provider(self.transport.provider().to_owned()))?
                }
                None => {
                    url.query_pairs_mut()
                        .append_pair(p.size_param, &p.page.size_or(p.default, p.max).to_string());
                }
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        self.transport
            .execute(
                self.method,
                url,
                self.headers,
                self.body,
                self.auth,
                self.timeout,
            )
            .await
    }

    /// Send and decode the JSON body.
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T> {
        self.send().await?.json()
    }

    /// Send and discard the body.
    pub async fn send_unit(self) -> Result<()> {
        self.send().await.map(|_| ())
    }
}
