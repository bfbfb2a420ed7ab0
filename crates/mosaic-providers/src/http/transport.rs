//! [`Transport`] and its builder.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use mosaic_core::{Error, Result};
use reqwest::Method;
use url::Url;

use mosaic_plugin_sdk::context::{Allowlist, HostPattern, HttpClient, Redirects, SendError};

use super::auth::{Auth, Credentials};
use super::error;
use super::pagination::PageSize;
use super::path::is_dot_segment;
use super::rate_limit::response_time;
use super::request::{AuthChoice, RequestSpec};
use super::response::HttpResponse;

/// The user agent sent when none is configured.
pub const DEFAULT_USER_AGENT: &str = concat!("mosaic/", env!("CARGO_PKG_VERSION"));

/// The per-request timeout used when none is configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// An HTTP client bound to one provider instance: base URL, credentials,
/// user agent, timeouts and error mapping. Cheap to clone (shared state).
///
/// Every request goes out through one [`HttpClient`] (the plugin's, when
/// the provider runs as a plugin; otherwise one confined to the base URL's
/// origin and the hosts given to [`TransportBuilder::allow_hosts`]), so the
/// allowlist is checked on every request and every redirect hop.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    provider: Cow<'static, str>,
    base: Url,
    egress: HttpClient,
    credentials: Arc<dyn Credentials>,
    headers: HeaderMap,
    timeout: Option<Duration>,
    page_size: Option<PageSize>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The origin only: a base path may carry a secret (a webhook path,
        // a token some servers take in the path).
        f.debug_struct("Transport")
            .field("provider", &self.inner.provider)
            .field("origin", &self.inner.base.origin().ascii_serialization())
            .field("credentials", &self.inner.credentials)
            .field("timeout", &self.inner.timeout)
            .field("egress", &self.inner.egress)
            .finish_non_exhaustive()
    }
}

/// What one request sends; built by [`RequestSpec`].
pub(crate) struct Outgoing {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<bytes::Bytes>,
    pub(crate) auth: AuthChoice,
    pub(crate) timeout: Option<Duration>,
    pub(crate) redirects: Redirects,
}

/// A sent request whose answer has arrived (headers read, body not yet).
pub(crate) struct Answer {
    pub(crate) response: reqwest::Response,
    pub(crate) what: String,
    pub(crate) authenticated: bool,
}

impl Transport {
    /// Start configuring a transport for `provider` (a short name used in
    /// errors, e.g. `"github"`) at `base_url` (e.g.
    /// `https://api.github.com` or `https://git.example.com/api/v1`).
    pub fn builder(
        provider: impl Into<Cow<'static, str>>,
        base_url: impl Into<String>,
    ) -> TransportBuilder {
        TransportBuilder {
            provider: provider.into(),
            base_url: base_url.into(),
            egress: None,
            allow_hosts: Vec::new(),
            bad_host: None,
            credentials: Arc::new(Auth::None),
            user_agent: None,
            timeout: Some(DEFAULT_TIMEOUT),
            connect_timeout: Some(Duration::from_secs(10)),
            headers: HeaderMap::new(),
            page_size: None,
        }
    }

    /// The provider name used in errors.
    pub fn provider(&self) -> &str {
        &self.inner.provider
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The allowlisted client every request goes through.
    pub fn egress(&self) -> &HttpClient {
        &self.inner.egress
    }

    /// The whole-request timeout.
    pub fn timeout(&self) -> Option<Duration> {
        self.inner.timeout
    }

    /// How list requests are sized ([`RequestSpec::paged`]), when set.
    pub fn page_size(&self) -> Option<PageSize> {
        self.inner.page_size
    }

    /// The configured credentials source.
    pub fn credentials(&self) -> &Arc<dyn Credentials> {
        &self.inner.credentials
    }

    /// A transport like this one but with other credentials (same client,
    /// base URL and settings).
    pub fn with_credentials(&self, credentials: Arc<dyn Credentials>) -> Transport {
        Transport {
            inner: Arc::new(Inner {
                provider: self.inner.provider.clone(),
                base: self.inner.base.clone(),
                egress: self.inner.egress.clone(),
                credentials,
                headers: self.inner.headers.clone(),
                timeout: self.inner.timeout,
                page_size: self.inner.page_size,
            }),
        }
    }

    /// The absolute URL of `path` (which starts with `/`) under the base
    /// URL, keeping the base's path prefix: base
    /// `https://h/api/v3` + `/repos/a/b` → `https://h/api/v3/repos/a/b`.
    ///
    /// Parts of `path` built from user input must be encoded with
    /// [`path::segment`](super::path::segment). Whatever `path` holds, the
    /// result stays under the base path: dot segments (`..`, `%2e%2e`),
    /// backslashes, control characters and whitespace are refused with
    /// `InvalidInput`.
    pub fn url(&self, path: &str) -> Result<Url> {
        let bad = || {
            Error::invalid_input("path", "is not a valid request path")
                .with_provider(self.inner.provider.clone())
        };
        if !path.starts_with('/') {
            return Err(Error::internal("a request path must start with `/`")
                .with_provider(self.inner.provider.clone()));
        }
        if path.contains(['?', '#', '\\'])
            || path.chars().any(|c| c.is_control() || c.is_whitespace())
            || path.split('/').any(is_dot_segment)
        {
            return Err(bad());
        }
        let mut url = self.inner.base.clone();
        let prefix = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{prefix}{path}"));
        // The parser must not have changed the shape: same prefix, same
        // number of segments.
        let expected = prefix.split('/').count() + path.split('/').count() - 1;
        if !url.path().starts_with(&format!("{prefix}/"))
            || url.path().split('/').count() != expected
        {
            return Err(bad());
        }
        Ok(url)
    }

    /// `METHOD /path` of a request, the path relative to the base URL (the
    /// base path is left out: it may carry a secret).
    pub(crate) fn request_line(&self, method: &Method, url: &Url) -> String {
        let prefix = self.inner.base.path().trim_end_matches('/');
        let path = url.path();
        let rel = path.strip_prefix(prefix).filter(|r| r.starts_with('/'));
        match rel {
            Some(r) => format!("{method} {r}"),
            None if url.origin() == self.inner.base.origin() => format!("{method} {path}"),
            None => format!("{method} (redirected download)"),
        }
    }

    /// Start a request with `method` to `path` (see [`Transport::url`]).
    pub fn request(&self, method: Method, path: &str) -> RequestSpec<'_> {
        RequestSpec::new(self, method, self.url(path))
    }

    /// A `GET` request.
    pub fn get(&self, path: &str) -> RequestSpec<'_> {
        self.request(Method::GET, path)
    }

    /// A `POST` request.
    pub fn post(&self, path: &str) -> RequestSpec<'_> {
        self.request(Method::POST, path)
    }

    /// A `PUT` request.
    pub fn put(&self, path: &str) -> RequestSpec<'_> {
        self.request(Method::PUT, path)
    }

    /// A `PATCH` request.
    pub fn patch(&self, path: &str) -> RequestSpec<'_> {
        self.request(Method::PATCH, path)
    }

    /// A `DELETE` request.
    pub fn delete(&self, path: &str) -> RequestSpec<'_> {
        self.request(Method::DELETE, path)
    }

    /// A `HEAD` request.
    pub fn head(&self, path: &str) -> RequestSpec<'_> {
        self.request(Method::HEAD, path)
    }

    /// Send a prepared request through the allowlisted client: default
    /// headers, request headers, credentials, timeout, redirects. Returns
    /// once the answer's headers are in.
    pub(crate) async fn dispatch(&self, out: Outgoing) -> Result<Answer> {
        let provider = self.provider();
        let what = self.request_line(&out.method, &out.url);
        let authenticated = matches!(out.auth, AuthChoice::Configured);
        let auth = match out.auth {
            AuthChoice::Configured => self
                .inner
                .credentials
                .auth()
                .await
                .map_err(|e| e.with_provider(self.inner.provider.clone()))?,
            AuthChoice::Override(a) => a,
            AuthChoice::Anonymous => Auth::None,
        };
        // Request headers replace defaults of the same name.
        let mut all = self.inner.headers.clone();
        let mut headers = out.headers;
        all.extend(headers.drain());
        auth.apply(&mut all)
            .map_err(|e| e.with_provider(self.inner.provider.clone()))?;

        let mut req = reqwest::Request::new(out.method, out.url);
        *req.headers_mut() = all;
        if let Some(b) = out.body {
            *req.body_mut() = Some(b.into());
        }
        *req.timeout_mut() = out.timeout;

        let started = tokio::time::Instant::now();
        let response = self
            .inner
            .egress
            .execute_with(req, out.redirects)
            .await
            .map_err(|e| match e {
                SendError::Refused(e) => e.with_provider(self.inner.provider.clone()),
                SendError::Failed(e) => error::from_transport(provider, &what, e),
                _ => Error::internal(format!("{what}: the request failed"))
                    .with_provider(self.inner.provider.clone()),
            })?;
        tracing::debug!(
            provider,
            request = %what,
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "http request"
        );
        Ok(Answer {
            response,
            what,
            authenticated,
        })
    }

    /// Read an answer's body; a `401` to configured credentials drops them
    /// from the credentials source's cache.
    pub(crate) async fn read(&self, answer: Answer) -> Result<HttpResponse> {
        let Answer {
            response,
            what,
            authenticated,
        } = answer;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| error::from_transport(self.provider(), &what, e))?;
        if status == http::StatusCode::UNAUTHORIZED && authenticated {
            self.inner.credentials.invalidate();
        }
        Ok(HttpResponse::new(
            self.inner.provider.clone(),
            what,
            status,
            headers,
            body,
        ))
    }

    /// The error for a non-2xx answer (status table, rate-limit headers,
    /// the message from the body).
    pub fn error_for(&self, resp: &HttpResponse) -> Error {
        let headers = resp.headers();
        error::from_response(
            self.provider(),
            resp.request_line(),
            resp.status(),
            headers,
            resp.body(),
            response_time(headers),
        )
    }

    /// The default whole-request timeout unless the request sets one.
    pub(crate) fn timeout_or(&self, timeout: Option<Duration>) -> Option<Duration> {
        timeout.or(self.inner.timeout)
    }
}

/// Configures a [`Transport`].
#[derive(Debug)]
pub struct TransportBuilder {
    provider: Cow<'static, str>,
    base_url: String,
    egress: Option<HttpClient>,
    allow_hosts: Vec<HostPattern>,
    bad_host: Option<String>,
    credentials: Arc<dyn Credentials>,
    user_agent: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    headers: HeaderMap,
    page_size: Option<PageSize>,
}

impl TransportBuilder {
    /// Static credentials.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.credentials = Arc::new(auth);
        self
    }

    /// A dynamic credentials source (e.g. a token minter).
    pub fn credentials(mut self, credentials: Arc<dyn Credentials>) -> Self {
        self.credentials = credentials;
        self
    }

    /// Send through this allowlisted client (a plugin's, from its
    /// [`PluginContext`](mosaic_plugin_sdk::PluginContext)). The base URL
    /// must be on its allowlist, or [`build`](Self::build) fails with
    /// `PermissionDenied` naming the host and how to grant it. Without
    /// one, the transport makes a client confined to the base URL's origin
    /// and the hosts given to [`allow_hosts`](Self::allow_hosts).
    pub fn egress(mut self, client: HttpClient) -> Self {
        self.egress = Some(client);
        self
    }

    /// Send through `client` when given (see [`egress`](Self::egress)).
    pub fn egress_opt(self, client: Option<HttpClient>) -> Self {
        match client {
            Some(c) => self.egress(c),
            None => self,
        }
    }

    /// Hosts beyond the base URL's origin that downloads may be redirected
    /// to (artifact storage); host patterns as in a manifest. Used only
    /// when no [`egress`](Self::egress) client is given: a plugin's client
    /// carries its manifest's hosts already. An invalid pattern is a
    /// `Config` error from [`build`](Self::build).
    pub fn allow_hosts<I, S>(mut self, hosts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for h in hosts {
            match HostPattern::new(h.as_ref()) {
                Ok(p) => self.allow_hosts.push(p),
                Err(why) => {
                    self.bad_host.get_or_insert(why);
                }
            }
        }
        self
    }

    /// The `User-Agent` (default [`DEFAULT_USER_AGENT`]).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The whole-request timeout (default [`DEFAULT_TIMEOUT`]); `None`
    /// waits as long as the server takes.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// The connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// A header sent with every request (e.g. an API version header).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// How this provider's list requests are sized: the parameter, the
    /// default and the largest size ([`RequestSpec::paged`]).
    pub fn page_size(mut self, size: PageSize) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Build the transport. Fails with `Config` for a base URL that is not
    /// `http(s)` (the message names at most the URL's scheme and host,
    /// never its path, query or credentials), an invalid user agent; with
    /// `PermissionDenied` when the base URL is not on the egress client's
    /// allowlist.
    pub fn build(self) -> Result<Transport> {
        let provider = self.provider;
        let cfg = |msg: String| Error::config(msg).with_provider(provider.clone());
        let base = Url::parse(self.base_url.trim())
            .map_err(|e| cfg(format!("base URL is not a valid URL ({e})")))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(cfg(format!(
                "base URL must be an http(s) URL, not `{}:`",
                base.scheme()
            )));
        }
        if base.query().is_some()
            || base.fragment().is_some()
            || !base.username().is_empty()
            || base.password().is_some()
        {
            return Err(cfg(format!(
                "base URL for `{}` must not carry a query, fragment or credentials",
                base.host_str().unwrap_or_default()
            )));
        }
        if let Some(why) = self.bad_host {
            return Err(cfg(why));
        }
        let mut headers = self.headers;
        let ua = self.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT);
        headers.insert(
            USER_AGENT,
            HeaderValue::from_str(ua)
                .map_err(|_| cfg("the user agent is not a valid header value".to_owned()))?,
        );
        headers
            .entry(ACCEPT)
            .or_insert(HeaderValue::from_static("application/json"));
        let egress = match self.egress {
            Some(c) => c.with_connect_timeout(self.connect_timeout),
            None => {
                let mut allow = Allowlist::for_url(&base);
                allow.grant(self.allow_hosts);
                HttpClient::new(provider.to_string(), allow, ua, None)
                    .with_connect_timeout(self.connect_timeout)
            }
        };
        egress
            .check_url(&base)
            .map_err(|e| e.with_provider(provider.clone()))?;
        Ok(Transport {
            inner: Arc::new(Inner {
                provider,
                base,
                egress,
                credentials: self.credentials,
                headers,
                timeout: self.timeout,
                page_size: self.page_size,
            }),
        })
    }
}
