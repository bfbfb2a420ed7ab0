//! [`RequestSpec`]: one request being put together.

use std::fmt::Display;
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use http::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use mosaic_core::{Error, Page, PageRequest, Result};
use mosaic_plugin_sdk::context::Redirects;
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::auth::Auth;
use super::json;
use super::multipart::Form;
use super::pagination::{PageBody, PageSize, resolve_cursor};
use super::response::HttpResponse;
use super::transport::{Answer, Outgoing, Transport};

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
    redirects: Redirects,
    idle: Option<Duration>,
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
            redirects: Redirects::SameOrigin,
            idle: None,
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

    /// Follow redirects to other hosts on the allowlist (downloads handed
    /// out as pre-signed storage URLs): credentials and every sensitive
    /// header are dropped on leaving the provider's origin, and each hop is
    /// checked against the allowlist. Without this, only redirects within
    /// the provider's origin are followed.
    pub fn follow_redirects(mut self) -> Self {
        self.redirects = Redirects::Allowed;
        self
    }

    /// For [`send_stream`](Self::send_stream): the longest wait for the
    /// next piece of the body (`Timeout` when it passes).
    pub fn idle_timeout(mut self, idle: Option<Duration>) -> Self {
        self.idle = idle;
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

    /// Ask for the page `page` names, sized by the transport's
    /// [`PageSize`] (set with
    /// [`TransportBuilder::page_size`](super::TransportBuilder::page_size)):
    /// the size parameter on a first page, the cursor URL (checked to stay
    /// under the base URL) on a later one. A transport without a page size
    /// fails the request with a `Config` error.
    pub fn paged(self, page: &PageRequest) -> Self {
        match self.transport.page_size() {
            Some(PageSize {
                param,
                default,
                max,
            }) => self.page(page, param, default, max),
            None => {
                let mut this = self;
                this.fail(Error::config(
                    "this provider's transport has no page size; list requests need one",
                ));
                this
            }
        }
    }

    /// Send a token cursor as the query parameter `name` (for APIs whose
    /// bodies return an opaque `next_cursor`).
    pub fn cursor_param(self, name: &str, page: &PageRequest) -> Self {
        let cursor = page.cursor.as_ref().map(|c| c.as_str().to_owned());
        self.query_opt(name, cursor)
    }

    fn outgoing(self) -> Result<(&'t Transport, Outgoing, Option<Duration>)> {
        let transport = self.transport;
        let provider = || transport.provider().to_owned();
        if let Some(e) = self.error {
            return Err(e.with_provider(provider()));
        }
        let mut url = self.url.map_err(|e| e.with_provider(provider()))?;
        if let Some(p) = self.paging {
            match &p.page.cursor {
                Some(c) => {
                    url = resolve_cursor(transport.base_url(), c)
                        .map_err(|e| e.with_provider(provider()))?
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
        Ok((
            transport,
            Outgoing {
                method: self.method,
                url,
                headers: self.headers,
                body: self.body,
                auth: self.auth,
                timeout: self.timeout,
                redirects: self.redirects,
            },
            self.idle,
        ))
    }

    /// Send the request. A non-2xx answer is an error (see
    /// [`error`](super::error)); a 2xx answer is returned with its body read.
    pub async fn send(self) -> Result<HttpResponse> {
        let transport = self.transport;
        let resp = self.send_raw().await?;
        if resp.status().is_success() {
            Ok(resp)
        } else {
            Err(transport.error_for(&resp))
        }
    }

    /// Send the request and return the answer whatever its status, with
    /// its body read: for providers whose failure bodies need their own
    /// mapping (GraphQL errors, field-error maps). Connection failures,
    /// timeouts and refused hosts are still errors.
    pub async fn send_raw(self) -> Result<HttpResponse> {
        let (transport, mut out, _) = self.outgoing()?;
        out.timeout = transport.timeout_or(out.timeout);
        let answer = transport.dispatch(out).await?;
        transport.read(answer).await
    }

    /// Send the request and return as soon as the answer's headers are in,
    /// with the body as a stream. The request's timeout (or the
    /// transport's) bounds the wait for the headers; the
    /// [`idle_timeout`](Self::idle_timeout) bounds each wait for more of
    /// the body. A non-2xx answer is returned too (read it with
    /// [`StreamResponse::read`] to map its error).
    pub async fn send_stream(self) -> Result<StreamResponse> {
        let (transport, out, idle) = self.outgoing()?;
        let limit = transport.timeout_or(out.timeout);
        let provider = transport.provider().to_owned();
        let answer = match limit {
            Some(limit) => tokio::time::timeout(limit, transport.dispatch(out))
                .await
                .unwrap_or_else(|_| {
                    Err(
                        Error::timeout(format!("no answer within {}s", limit.as_secs_f64()))
                            .with_provider(provider),
                    )
                }),
            None => transport.dispatch(out).await,
        }?;
        Ok(StreamResponse {
            transport: transport.clone(),
            answer,
            idle,
        })
    }

    /// Send and decode the JSON body.
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T> {
        self.send().await?.json()
    }

    /// Send and decode a page whose body is a JSON array of `T`, continued
    /// by the `Link: rel="next"` header (total from `X-Total-Count` /
    /// `X-Total` when present).
    pub async fn send_page<T: DeserializeOwned>(self) -> Result<Page<T>> {
        self.send_page_as::<Vec<T>>().await
    }

    /// Send and decode a page whose body is `B` (a provider's envelope).
    pub async fn send_page_as<B: PageBody>(self) -> Result<Page<B::Item>> {
        let resp = self.send().await?;
        let body: B = resp.json()?;
        Ok(body.into_page(&resp))
    }

    /// Send and discard the body.
    pub async fn send_unit(self) -> Result<()> {
        self.send().await.map(|_| ())
    }
}

/// An answer whose body has not been read yet; see
/// [`RequestSpec::send_stream`].
pub struct StreamResponse {
    transport: Transport,
    answer: Answer,
    idle: Option<Duration>,
}

impl std::fmt::Debug for StreamResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamResponse")
            .field("request", &self.answer.what)
            .field("status", &self.answer.response.status())
            .finish_non_exhaustive()
    }
}

impl StreamResponse {
    /// The status.
    pub fn status(&self) -> http::StatusCode {
        self.answer.response.status()
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        self.answer.response.headers()
    }

    /// `METHOD /path` of the request.
    pub fn request_line(&self) -> &str {
        &self.answer.what
    }

    /// Read the whole body (for an error answer).
    pub async fn read(self) -> Result<HttpResponse> {
        self.transport.read(self.answer).await
    }

    /// The body, piece by piece; a wait longer than the idle timeout ends
    /// it with a `Timeout` error, a failed read with `Unavailable`.
    pub fn bytes(self) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
        let provider = self.transport.provider().to_owned();
        let what = self.answer.what;
        let idle = self.idle;
        let body = self.answer.response.bytes_stream();
        futures::stream::unfold((Box::pin(body), false), move |(mut body, done)| {
            let provider = provider.clone();
            let what = what.clone();
            async move {
                if done {
                    return None;
                }
                let next = match idle {
                    Some(limit) => match tokio::time::timeout(limit, body.next()).await {
                        Ok(n) => n,
                        Err(_) => {
                            let e = Error::timeout(format!(
                                "{what}: the stream sent nothing for {}s",
                                limit.as_secs_f64()
                            ))
                            .with_provider(provider);
                            return Some((Err(e), (body, true)));
                        }
                    },
                    None => body.next().await,
                };
                match next {
                    Some(Ok(b)) => Some((Ok(b), (body, false))),
                    Some(Err(e)) => Some((
                        Err(super::error::from_transport(&provider, &what, e)),
                        (body, true),
                    )),
                    None => None,
                }
            }
        })
    }
}
