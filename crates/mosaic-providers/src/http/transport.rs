//! [`Transport`] and its builder.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use mosaic_core::{Error, Result};
use reqwest::Method;
use url::Url;

use super::auth::{Auth, Credentials};
use super::error;
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
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    provider: Cow<'static, str>,
    base: Url,
    client: reqwest::Client,
    credentials: Arc<dyn Credentials>,
    headers: HeaderMap,
    timeout: Option<Duration>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("provider", &self.inner.provider)
            .field("base", &self.inner.base.as_str())
            .field("credentials", &self.inner.credentials)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
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
            client: None,
            credentials: Arc::new(Auth::None),
            user_agent: None,
            timeout: Some(DEFAULT_TIMEOUT),
            connect_timeout: Some(Duration::from_secs(10)),
            headers: HeaderMap::new(),
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

    /// The underlying `reqwest` client.
    pub fn client(&self) -> &reqwest::Client {
        &self.inner.client
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
                client: self.inner.client.clone(),
                credentials,
                headers: self.inner.headers.clone(),
                timeout: self.inner.timeout,
            }),
        }
    }

    /// The absolute URL of `path` (which starts with `/`) under the base
    /// URL, keeping the base's path prefix: base
    /// `https://h/api/v3` + `/repos/a/b` → `https://h/api/v3/repos/a/b`.
    ///
    /// Parts of `path` built from user input must be encoded with
    /// [`path::segment`](super::path::segment); a dot segment (`..`) is
    /// refused with `InvalidInput`.
    pub fn url(&self, path: &str) -> Result<Url> {
        if !path.starts_with('/') {
            return Err(Error::internal(format!(
                "request path `{path}` must start with `/`"
            )));
        }
        if path.contains(['?', '#']) || path.split('/').any(is_dot_segment) {
            return Err(Error::invalid_input(
                "path",
                format!("`{path}` is not a valid request path"),
            ));
        }
        let mut url = self.inner.base.clone();
        let prefix = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{prefix}{path}"));
        Ok(url)
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

    /// Send a prepared request (called by [`RequestSpec::send`]).
    pub(crate) async fn execute(
        &self,
        method: Method,
        url: Url,
        mut headers: HeaderMap,
        body: Option<bytes::Bytes>,
        auth: AuthChoice,
        timeout: Option<Duration>,
    ) -> Result<HttpResponse> {
        let provider = self.provider();
        let what = format!("{method} {}", url.path());
        let from_source = matches!(auth, AuthChoice::Configured);
        let auth = match auth {
            AuthChoice::Configured => self.inner.credentials.auth().await?,
            AuthChoice::Override(a) => a,
            AuthChoice::Anonymous => Auth::None,
        };
        // Request headers replace defaults of the same name.
        let mut all = self.inner.headers.clone();
        all.extend(headers.drain());
        auth.apply(&mut all)
            .map_err(|e| e.with_provider(self.inner.provider.clone()))?;

        let mut req = reqwest::Request::new(method, url);
        *req.headers_mut() = all;
        if let Some(b) = body {
            *req.body_mut() = Some(b.into());
        }
        *req.timeout_mut() = timeout.or(self.inner.timeout);

        let started = tokio::time::Instant::now();
        let resp = self
            .inner
            .client
            .execute(req)
            .await
            .map_err(|e| error::from_transport(provider, &what, e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .bytes()
            .await
            .map_err(|e| error::from_transport(provider, &what, e))?;
        tracing::debug!(
            provider,
            request = %what,
            status = status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "http request"
        );
        if status.is_success() {
            return Ok(HttpResponse::new(
                self.inner.provider.clone(),
                what,
                status,
                headers,
                body,
            ));
        }
        if status == http::StatusCode::UNAUTHORIZED && from_source {
            self.inner.credentials.invalidate();
        }
        let now = response_time(&headers);
        Err(error::from_response(
            provider, &what, status, &headers, &body, now,
        ))
    }
}

/// Configures a [`Transport`].
#[derive(Debug)]
pub struct TransportBuilder {
    provider: Cow<'static, str>,
    base_url: String,
    client: Option<reqwest::Client>,
    credentials: Arc<dyn Credentials>,
    user_agent: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    headers: HeaderMap,
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

    /// Use this pre-built client (e.g. a host's permission-checked client).
    /// Its own connect timeout, proxy and redirect settings then apply; the
    /// per-request timeout and the user agent are still set per request.
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
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

    /// The connect timeout of the client the builder makes (default 10 s).
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// A header sent with every request (e.g. an API version header).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Build the transport. Fails with `Config` for a base URL that is not
    /// `http(s)`, an invalid user agent, or a client that cannot be built.
    pub fn build(self) -> Result<Transport> {
        let provider = self.provider;
        let cfg = |msg: String| Error::config(msg).with_provider(provider.clone());
        let base = Url::parse(self.base_url.trim())
            .map_err(|e| cfg(format!("base URL `{}` is invalid: {e}", self.base_url)))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(cfg(format!(
                "base URL `{}` must be an http(s) URL",
                self.base_url
            )));
        }
        if base.query().is_some() || base.fragment().is_some() || !base.username().is_empty() {
            return Err(cfg(
                "base URL must not carry a query, fragment or credentials".to_owned(),
            ));
        }
        let mut headers = self.headers;
        let ua = self.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT);
        headers.insert(
            USER_AGENT,
            HeaderValue::from_str(ua).map_err(|_| cfg(format!("user agent `{ua}` is invalid")))?,
        );
        headers
            .entry(ACCEPT)
            .or_insert(HeaderValue::from_static("application/json"));
        let client = match self.client {
            Some(c) => c,
            None => {
                let mut b = reqwest::Client::builder().redirect(same_origin_redirects());
                if let Some(t) = self.connect_timeout {
                    b = b.connect_timeout(t);
                }
                b.build()
                    .map_err(|e| cfg(format!("HTTP client could not be built: {e}")))?
            }
        };
        Ok(Transport {
            inner: Arc::new(Inner {
                provider,
                base,
                client,
                credentials: self.credentials,
                headers,
                timeout: self.timeout,
            }),
        })
    }
}

/// Follow at most 5 redirects, and only to the same origin, so
/// credentials in custom headers never reach another host.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let Some(first) = attempt.previous().first() else {
            return attempt.follow();
        };
        let next = attempt.url();
        let same = next.scheme() == first.scheme()
            && next.host_str() == first.host_str()
            && next.port_or_known_default() == first.port_or_known_default();
        if attempt.previous().len() > 5 || !same {
            attempt.stop()
        } else {
            attempt.follow()
        }
    })
}
