//! [`HttpClient`]: the one way provider traffic leaves the process,
//! confined to the hosts a plugin's manifest declares and the host grants.
//!
//! Every request and every redirect hop is checked against an
//! [`Allowlist`] before anything is sent: scheme, host and port. Hosts are
//! compared in their normalised form (the URL parser's: lower case,
//! punycode, IP literals in canonical notation whatever their spelling, one
//! trailing dot dropped), a wildcard never matches an IP literal, and a
//! pattern without a port allows only the scheme's default port. Nothing
//! hands out the inner `reqwest::Client`.

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use mosaic_core::{Error, ErrorKind, Result, redact};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{
    AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HeaderMap, LOCATION, PROXY_AUTHORIZATION,
};
use reqwest::{Method, StatusCode};
use url::{Host, Url};

use crate::manifest::NetworkPermission;
pub use crate::net::HostPattern;
use crate::net::is_internal_ip;

/// Most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 10;

/// Why a URL was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Denial {
    /// A scheme other than http(s).
    Scheme(String),
    /// Plain http where only https is allowed; carries `host[:port]`.
    PlainHttp(String),
    /// The URL names no host.
    NoHost,
    /// The host (and port) is not listed; carries `host[:port]`.
    NotListed(String),
}

impl Denial {
    /// The `host[:port]` the denial is about, when it names one.
    pub fn host(&self) -> Option<&str> {
        match self {
            Denial::PlainHttp(h) | Denial::NotListed(h) => Some(h),
            _ => None,
        }
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Denial::Scheme(s) => write!(f, "scheme `{s}` is not allowed"),
            Denial::PlainHttp(h) => write!(f, "plain http to `{h}` is not allowed (use https)"),
            Denial::NoHost => f.write_str("the URL has no host"),
            Denial::NotListed(h) => {
                write!(f, "host `{h}` is not in the plugin's network allowlist")
            }
        }
    }
}

/// The hosts and schemes a plugin may reach: the manifest's declared hosts
/// (as cut down by trust) plus the hosts its host granted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    patterns: Vec<HostPattern>,
    allow_http: bool,
    deny_internal: bool,
}

impl Allowlist {
    /// The allowlist of a network permission (invalid patterns are skipped;
    /// manifests are validated before this point).
    pub fn new(permission: &NetworkPermission) -> Self {
        Allowlist {
            patterns: permission
                .hosts
                .iter()
                .filter_map(|h| HostPattern::new(h).ok())
                .collect(),
            allow_http: permission.allow_http,
            deny_internal: false,
        }
    }

    /// Exactly the origin of `url` (its scheme, host and port): what a
    /// provider built directly from the host's own configuration may reach.
    pub fn for_url(url: &Url) -> Self {
        let mut list = Allowlist::default();
        list.grant_url(url);
        list
    }

    /// Add the origin of `url` (scheme, host and port) to the list.
    pub fn grant_url(&mut self, url: &Url) {
        if let (Some(host), Some(port)) = (url.host(), url.port_or_known_default()) {
            let host = match host {
                Host::Domain(d) => d.strip_suffix('.').unwrap_or(d).to_owned(),
                Host::Ipv4(ip) => ip.to_string(),
                Host::Ipv6(ip) => format!("[{ip}]"),
            };
            let text = format!("{}://{host}:{port}", url.scheme());
            // Domains from a parsed URL are valid patterns, except that a
            // literal `*` could appear in a domain; it is never a glob here.
            if !host.contains(['*', '?'])
                && let Ok(p) = HostPattern::new(&text)
            {
                self.grant([p]);
            }
        }
    }

    /// Add granted patterns.
    pub fn grant(&mut self, patterns: impl IntoIterator<Item = HostPattern>) {
        self.patterns.extend(patterns.into_iter().map(|mut p| {
            p.granted = true;
            p
        }));
    }

    /// Refuse names the manifest declares when they resolve to a loopback,
    /// private, link-local or metadata address (a public name pointed at
    /// `127.0.0.1`); names the host granted may resolve anywhere. Set for
    /// plugins whose trust level does not allow any host.
    pub fn deny_internal_addresses(&mut self) {
        self.deny_internal = true;
    }

    /// Whether `host`, resolved to `addrs`, may be connected to.
    fn allows_addresses(&self, host: &str, addrs: &[SocketAddr]) -> bool {
        if !self.deny_internal {
            return true;
        }
        let host = host.to_ascii_lowercase();
        let granted = self
            .patterns
            .iter()
            .any(|p| p.granted && p.matches_host(&host));
        granted || !addrs.iter().any(|a| is_internal_ip(a.ip()))
    }

    /// The patterns in force.
    pub fn patterns(&self) -> &[HostPattern] {
        &self.patterns
    }

    /// Whether nothing is allowed.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether plain http may be used for some host.
    fn any_http(&self) -> bool {
        self.allow_http || self.patterns.iter().any(HostPattern::grants_http)
    }

    /// `Ok` when `url` may be requested, else why not.
    pub fn check(&self, url: &Url) -> std::result::Result<(), Denial> {
        let scheme = url.scheme();
        if !matches!(scheme, "http" | "https") {
            return Err(Denial::Scheme(scheme.to_owned()));
        }
        let host = match url.host() {
            Some(Host::Domain(d)) => d.strip_suffix('.').unwrap_or(d).to_ascii_lowercase(),
            Some(Host::Ipv4(ip)) => ip.to_string(),
            Some(Host::Ipv6(ip)) => format!("[{ip}]"),
            None => return Err(Denial::NoHost),
        };
        let Some(port) = url.port_or_known_default() else {
            return Err(Denial::NoHost);
        };
        if self
            .patterns
            .iter()
            .any(|p| p.permits(scheme, &host, port, self.allow_http))
        {
            return Ok(());
        }
        let shown = host_of(url);
        let https_would_pass = scheme == "http"
            && self.patterns.iter().any(|p| {
                p.permits("https", &host, 443, false) || p.permits("https", &host, port, false)
            });
        if https_would_pass {
            Err(Denial::PlainHttp(shown))
        } else {
            Err(Denial::NotListed(shown))
        }
    }

    /// Whether some pattern allows `host` on some port (for name lookups).
    fn allows_name(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.patterns.iter().any(|p| p.matches_host(&host))
    }
}

/// `host[:port]` of a URL, the port only when it is not the default.
fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        (None, _) => String::new(),
    }
}

/// The error a refused name lookup carries inside reqwest's error.
#[derive(Debug)]
struct Refused(String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// Name resolution that refuses names outside the allowlist: a second line
/// of defence behind the per-request check.
struct AllowlistResolver {
    allow: Arc<Allowlist>,
}

impl Resolve for AllowlistResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let allowed = self.allow.allows_name(&host);
        let allow = self.allow.clone();
        Box::pin(async move {
            if !allowed {
                return Err(Box::new(Refused(format!(
                    "host `{host}` is not in the plugin's network allowlist"
                )))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !allow.allows_addresses(&host, &addrs) {
                return Err(Box::new(Refused(format!(
                    "host `{host}` resolves to an internal address, which this plugin's trust level may not reach"
                )))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Which redirects [`HttpClient::execute_with`] follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Redirects {
    /// None: a 3xx answer is returned as it is.
    None,
    /// Only within the request's origin (scheme, host, port), credentials
    /// kept; a redirect elsewhere is returned as the 3xx answer.
    SameOrigin,
    /// To any allowed host (checked hop by hop); on leaving the first
    /// origin, credentials (`Authorization`, `Cookie`, and every header
    /// marked sensitive) are dropped. For downloads from pre-signed
    /// storage URLs.
    Allowed,
}

/// Why [`HttpClient::execute_with`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum SendError {
    /// Refused before sending: the URL or a redirect hop is not allowed, or
    /// redirects went on too long. A Mosaic error (`PermissionDenied` or
    /// `Provider`) naming the plugin, never the URL's path or query.
    Refused(Error),
    /// The request failed on the way (connect, timeout, body).
    Failed(reqwest::Error),
}

/// The HTTP client a plugin gets from its [`PluginContext`](crate::PluginContext),
/// and the engine under every provider's transport.
///
/// Every request is checked against the allowlist before it is sent: its
/// scheme must be `https` (or `http` where the manifest sets `allowHttp` or
/// a grant says `http://…`), its host must match a pattern and its port the
/// pattern's port (the scheme's default when the pattern names none).
/// Redirects are followed by this client itself, hop by hop, each hop
/// checked the same way ([`Redirects`]). Name resolution refuses names
/// outside the allowlist too, and system proxies are not used. The
/// underlying `reqwest::Client` is built on first use and never handed out.
///
/// Cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

struct Inner {
    plugin: String,
    allow: Arc<Allowlist>,
    user_agent: String,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    idle_pool: bool,
    client: OnceLock<std::result::Result<reqwest::Client, String>>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("plugin", &self.inner.plugin)
            .field(
                "allow",
                &self
                    .inner
                    .allow
                    .patterns
                    .iter()
                    .map(HostPattern::as_str)
                    .collect::<Vec<_>>(),
            )
            .field("allow_http", &self.inner.allow.allow_http)
            .field("timeout", &self.inner.timeout)
            .field("connect_timeout", &self.inner.connect_timeout)
            .finish()
    }
}

impl HttpClient {
    /// A client for `plugin` confined to `allow`, sending `user_agent`
    /// unless a request sets its own, with a default per-request `timeout`
    /// for [`execute`](Self::execute).
    pub fn new(
        plugin: impl Into<String>,
        allow: Allowlist,
        user_agent: impl Into<String>,
        timeout: Option<Duration>,
    ) -> Self {
        HttpClient {
            inner: Arc::new(Inner {
                plugin: plugin.into(),
                allow: Arc::new(allow),
                user_agent: user_agent.into(),
                timeout,
                connect_timeout: Some(Duration::from_secs(10)),
                idle_pool: true,
                client: OnceLock::new(),
            }),
        }
    }

    /// The same allowlist and settings with another connect timeout (a
    /// new connection pool).
    pub fn with_connect_timeout(&self, connect_timeout: Option<Duration>) -> Self {
        if connect_timeout == self.inner.connect_timeout {
            return self.clone();
        }
        self.rebuilt(connect_timeout, self.inner.idle_pool)
    }

    /// The same allowlist and settings, but no idle connections kept (a
    /// new connection per request). For tests on paused tokio time, where
    /// the pool's idle timers would otherwise be advanced through.
    pub fn without_idle_pool(&self) -> Self {
        self.rebuilt(self.inner.connect_timeout, false)
    }

    /// A client with this one's allowlist and settings but its own
    /// connection pool.
    fn rebuilt(&self, connect_timeout: Option<Duration>, idle_pool: bool) -> Self {
        HttpClient {
            inner: Arc::new(Inner {
                plugin: self.inner.plugin.clone(),
                allow: self.inner.allow.clone(),
                user_agent: self.inner.user_agent.clone(),
                timeout: self.inner.timeout,
                connect_timeout,
                idle_pool,
                client: OnceLock::new(),
            }),
        }
    }

    /// The plugin (or provider) this client sends for.
    pub fn plugin(&self) -> &str {
        &self.inner.plugin
    }

    /// The allowlist.
    pub fn allowlist(&self) -> &Allowlist {
        &self.inner.allow
    }

    /// The default per-request timeout of [`execute`](Self::execute).
    pub fn timeout(&self) -> Option<Duration> {
        self.inner.timeout
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Option<Duration> {
        self.inner.connect_timeout
    }

    fn client(&self) -> Result<&reqwest::Client> {
        let built = self.inner.client.get_or_init(|| {
            let mut b = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .user_agent(self.inner.user_agent.clone())
                .https_only(!self.inner.allow.any_http())
                .dns_resolver(Arc::new(AllowlistResolver {
                    allow: self.inner.allow.clone(),
                }));
            if let Some(t) = self.inner.connect_timeout {
                b = b.connect_timeout(t);
            }
            if !self.inner.idle_pool {
                b = b.pool_max_idle_per_host(0);
            }
            b.build().map_err(|e| e.to_string())
        });
        built.as_ref().map_err(|e| {
            Error::new(
                ErrorKind::Internal,
                format!("cannot build the HTTP client: {}", redact(e)),
            )
            .with_provider(self.inner.plugin.clone())
        })
    }

    /// Parse `url` and check it against the allowlist. The error names the
    /// host and how to grant it, never the URL's path or query.
    pub fn check(&self, url: &str) -> Result<Url> {
        let parsed = Url::parse(url).map_err(|e| {
            Error::invalid_input("url", format!("invalid URL: {e}"))
                .with_provider(self.inner.plugin.clone())
        })?;
        self.check_url(&parsed)?;
        Ok(parsed)
    }

    /// Check a parsed URL against the allowlist.
    pub fn check_url(&self, url: &Url) -> Result<()> {
        self.inner.allow.check(url).map_err(|d| self.denied(&d, ""))
    }

    /// Whether `url` would be allowed.
    pub fn allows(&self, url: &str) -> bool {
        self.check(url).is_ok()
    }

    fn denied(&self, why: &Denial, context: &str) -> Error {
        let plugin = &self.inner.plugin;
        let hint = match why {
            Denial::NotListed(h) => format!(
                "; the host grants it with `PluginHostBuilder::grant_hosts(\"{plugin}\", [\"{h}\"])`"
            ),
            Denial::PlainHttp(h) => format!(
                "; the host grants plain http with `PluginHostBuilder::grant_hosts(\"{plugin}\", [\"http://{h}\"])`"
            ),
            _ => String::new(),
        };
        Error::new(
            ErrorKind::PermissionDenied,
            format!("plugin `{plugin}`: {context}{why}{hint}"),
        )
        .with_provider(plugin.clone())
    }

    /// A `method` request to an allowed URL, ready for
    /// [`execute`](Self::execute). Set headers and a body through the
    /// request's `headers_mut` and `body_mut`.
    pub fn request(&self, method: Method, url: &str) -> Result<reqwest::Request> {
        let url = self.check(url)?;
        Ok(reqwest::Request::new(method, url))
    }

    /// `GET url`.
    pub fn get(&self, url: &str) -> Result<reqwest::Request> {
        self.request(Method::GET, url)
    }

    /// `POST url`.
    pub fn post(&self, url: &str) -> Result<reqwest::Request> {
        self.request(Method::POST, url)
    }

    /// Send a request: the URL and every redirect hop are checked (any
    /// allowed host, credentials dropped on leaving the first origin), the
    /// default timeout applies when the request sets none, and failures
    /// are Mosaic errors (`PermissionDenied` for a refused URL or hop;
    /// `Timeout`; `Unavailable` for connection failures; the text redacted
    /// and without the URL).
    pub async fn execute(&self, mut request: reqwest::Request) -> Result<reqwest::Response> {
        if request.timeout().is_none() {
            *request.timeout_mut() = self.inner.timeout;
        }
        self.execute_with(request, Redirects::Allowed)
            .await
            .map_err(|e| match e {
                SendError::Refused(e) => e,
                SendError::Failed(e) => self.map_error(&e),
            })
    }

    /// Send a request exactly as given (its own timeout or none), following
    /// redirects as `redirects` says, each hop checked.
    pub async fn execute_with(
        &self,
        request: reqwest::Request,
        redirects: Redirects,
    ) -> std::result::Result<reqwest::Response, SendError> {
        let client = self.client().map_err(SendError::Refused)?;
        let origin = request.url().origin();
        let mut request = request;
        let mut left_origin = false;
        for _ in 0..=MAX_REDIRECTS {
            self.inner.allow.check(request.url()).map_err(|d| {
                let context = if left_origin || request.url().origin() != origin {
                    "redirect refused: "
                } else {
                    ""
                };
                SendError::Refused(self.denied(&d, context))
            })?;
            let retry = if redirects == Redirects::None {
                None
            } else {
                request.try_clone()
            };
            let current = request.url().clone();
            let resp = client.execute(request).await.map_err(|e| {
                // A name refused by the resolver is a permission error.
                match self.refused(&e) {
                    Some(denied) => SendError::Refused(denied),
                    None => SendError::Failed(e),
                }
            })?;
            let status = resp.status();
            let Some(mut next) = retry.filter(|_| is_redirect(status)) else {
                return Ok(resp);
            };
            let Some(target) = resp
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|loc| current.join(loc).ok())
            else {
                return Ok(resp);
            };
            let same_origin = target.origin() == origin;
            if redirects == Redirects::SameOrigin && !same_origin {
                return Ok(resp);
            }
            if !same_origin && !left_origin {
                left_origin = true;
                strip_credentials(next.headers_mut());
            }
            if status == StatusCode::SEE_OTHER
                || (matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND)
                    && next.method() == Method::POST)
            {
                if next.method() != Method::HEAD {
                    *next.method_mut() = Method::GET;
                }
                *next.body_mut() = None;
                next.headers_mut().remove(CONTENT_TYPE);
                next.headers_mut().remove(CONTENT_LENGTH);
            }
            *next.url_mut() = target;
            request = next;
        }
        Err(SendError::Refused(
            Error::new(
                ErrorKind::Provider,
                format!("more than {MAX_REDIRECTS} redirects"),
            )
            .with_provider(self.inner.plugin.clone()),
        ))
    }

    /// `PermissionDenied` when `e` comes from a name the resolver refused.
    fn refused(&self, e: &reqwest::Error) -> Option<Error> {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(s) = source {
            if let Some(r) = s.downcast_ref::<Refused>() {
                return Some(
                    Error::new(
                        ErrorKind::PermissionDenied,
                        format!("plugin `{}`: {}", self.inner.plugin, r.0),
                    )
                    .with_provider(self.inner.plugin.clone()),
                );
            }
            source = s.source();
        }
        None
    }

    /// A Mosaic error for a `reqwest` failure: `PermissionDenied` for a
    /// refused name, `Timeout`, `Unavailable` for connection failures. The
    /// URL is left out and the text redacted.
    pub fn map_error(&self, e: &reqwest::Error) -> Error {
        if let Some(denied) = self.refused(e) {
            return denied;
        }
        let kind = if e.is_timeout() {
            ErrorKind::Timeout
        } else if e.is_connect() || e.is_request() {
            ErrorKind::Unavailable
        } else if e.is_builder() {
            ErrorKind::InvalidInput
        } else if e.is_decode() || e.is_body() {
            ErrorKind::Decode
        } else {
            ErrorKind::Provider
        };
        let mut err = Error::new(kind, describe(e)).with_provider(self.inner.plugin.clone());
        if let Some(status) = e.status() {
            err = err.with_status(status.as_u16());
        }
        err
    }
}

/// A `reqwest` error's text and causes, without the URL, redacted.
pub fn describe(e: &reqwest::Error) -> String {
    let mut chain = String::new();
    let mut s: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(cause) = s {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        s = cause.source();
    }
    let text = e.to_string();
    let head = text.split(" for url (").next().unwrap_or("");
    redact(&format!("{head}{chain}"))
}

fn is_redirect(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    )
}

/// Drop every header that carries a credential.
fn strip_credentials(headers: &mut HeaderMap) {
    headers.remove(AUTHORIZATION);
    headers.remove(COOKIE);
    headers.remove(PROXY_AUTHORIZATION);
    let sensitive: Vec<_> = headers
        .iter()
        .filter(|(_, v)| v.is_sensitive())
        .map(|(k, _)| k.clone())
        .collect();
    for k in sensitive {
        headers.remove(k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_globs() {
        let p = |s: &str| HostPattern::new(s).unwrap();
        assert!(p("api.github.com").matches("API.GitHub.com", Some(443)));
        assert!(!p("api.github.com").matches("api.github.com.evil", None));
        assert!(p("*.example.com").matches("a.b.example.com", None));
        assert!(!p("*.example.com").matches("example.com", None));
        assert!(!p("*.example.com").matches("example.com.evil.net", None));
        assert!(p("api-?.example.com").matches("api-2.example.com", None));
        assert!(!p("api-?.example.com").matches("api-22.example.com", None));
        assert!(p("*").matches("anything.at.all", None) && p("*").is_any_host());
        assert!(p("a*b*c").matches("aXbYbZc", None));
        assert!(!p("a*b*c").matches("aXbYbZ", None));
        assert!(p("127.0.0.1:8080").matches("127.0.0.1", Some(8080)));
        assert!(!p("127.0.0.1:8080").matches("127.0.0.1", Some(8081)));
        // no port in the pattern: default ports only
        assert!(!p("api.github.com").matches("api.github.com", Some(8443)));
        // wildcards never match IP literals
        assert!(!p("*").matches("127.0.0.1", None));
        assert!(!p("*.0.0.1").matches("127.0.0.1", None));
        assert!(!p("*").matches("[::1]", None));
        for bad in [
            "",
            "https://x/y",
            "a/b",
            "a b",
            "x:99999",
            "x:y",
            ":80",
            "ex{a,b}.com",
            "user@host",
            "a\\b",
            "[::1",
            "[zz]",
        ] {
            assert!(HostPattern::new(bad).is_err(), "{bad}");
        }
    }

    fn list(patterns: &[&str], allow_http: bool) -> Allowlist {
        Allowlist::new(&NetworkPermission {
            hosts: patterns.iter().map(|s| (*s).to_owned()).collect(),
            allow_http,
        })
    }

    fn ok(l: &Allowlist, url: &str) -> bool {
        l.check(&Url::parse(url).unwrap()).is_ok()
    }

    #[test]
    fn scheme_host_and_port_are_all_checked() {
        let l = list(&["api.example.com", "127.0.0.1:8080"], false);
        assert!(ok(&l, "https://api.example.com/x"));
        assert!(ok(&l, "https://API.EXAMPLE.COM./x"));
        assert!(!ok(&l, "https://api.example.com:8443/x"));
        assert!(!ok(&l, "http://api.example.com/x"));
        assert!(!ok(&l, "https://127.0.0.1/x"));
        assert!(ok(&l, "https://127.0.0.1:8080/x"));
        // other spellings of the same address normalise to it
        assert!(ok(&l, "https://2130706433:8080/x"));
        assert!(ok(&l, "https://0x7f.0.0.1:8080/x"));
        assert!(ok(&l, "https://127.1:8080/x"));
        assert!(!ok(&l, "https://127.0.0.2:8080/x"));
        assert!(!ok(&l, "ftp://api.example.com/x"));
        assert_eq!(
            l.check(&Url::parse("http://api.example.com/").unwrap()),
            Err(Denial::PlainHttp("api.example.com".into()))
        );
        assert_eq!(
            l.check(&Url::parse("https://other.example.com:99/").unwrap()),
            Err(Denial::NotListed("other.example.com:99".into()))
        );
    }

    #[test]
    fn http_grants_and_ipv6() {
        let mut l = list(&[], false);
        l.grant([
            HostPattern::new("http://git.internal:3000").unwrap(),
            HostPattern::new("[0:0::1]:9000").unwrap(),
        ]);
        assert!(ok(&l, "http://git.internal:3000/api/v1"));
        assert!(!ok(&l, "https://git.internal:3000/api/v1"));
        assert!(!ok(&l, "http://git.internal/api/v1"));
        assert!(ok(&l, "https://[::1]:9000/"));
        assert!(!ok(&l, "http://[::1]:9000/"));
        let base = Url::parse("http://127.0.0.1:4567/api").unwrap();
        let only = Allowlist::for_url(&base);
        assert!(ok(&only, "http://127.0.0.1:4567/other"));
        assert!(!ok(&only, "http://127.0.0.1:4568/"));
        assert!(!ok(&only, "https://127.0.0.1:4567/"));
    }

    #[test]
    fn internal_addresses_only_for_granted_names_when_denied() {
        let loopback: Vec<SocketAddr> = vec!["127.0.0.1:443".parse().unwrap()];
        let public: Vec<SocketAddr> = vec!["93.184.215.14:443".parse().unwrap()];
        let mut l = list(&["api.example.com"], false);
        assert!(l.allows_addresses("api.example.com", &loopback));
        l.deny_internal_addresses();
        assert!(!l.allows_addresses("api.example.com", &loopback));
        assert!(!l.allows_addresses("API.example.com", &loopback));
        assert!(l.allows_addresses("api.example.com", &public));
        l.grant([HostPattern::new("git.internal:3000").unwrap()]);
        assert!(l.allows_addresses("git.internal", &loopback));
    }

    #[test]
    fn credentials_are_stripped() {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, "Bearer x".parse().unwrap());
        let mut secret: reqwest::header::HeaderValue = "glpat-1".parse().unwrap();
        secret.set_sensitive(true);
        h.insert("private-token", secret);
        h.insert("accept", "application/json".parse().unwrap());
        strip_credentials(&mut h);
        assert_eq!(h.len(), 1);
        assert!(h.contains_key("accept"));
    }
}
