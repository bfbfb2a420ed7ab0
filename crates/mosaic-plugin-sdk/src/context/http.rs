//! [`HttpClient`]: the only HTTP client a plugin gets, confined to the hosts
//! its manifest declares.

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use mosaic_core::{Error, ErrorKind, Result, redact};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{Method, RequestBuilder, redirect};
use url::Url;

use crate::manifest::NetworkPermission;

/// Most redirects followed for one request.
const MAX_REDIRECTS: usize = 10;

/// One entry of a network allowlist: a host glob, optionally with a port.
///
/// In the host part `*` matches any run of characters (dots included, so
/// `*.example.com` matches `a.b.example.com` but not `example.com`), `?`
/// matches one character, and everything else matches itself, ignoring
/// ASCII case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    text: String,
    host: Vec<u8>,
    port: Option<u16>,
}

impl HostPattern {
    /// Parse `host-glob` or `host-glob:port` (`api.github.com`,
    /// `*.example.com`, `127.0.0.1:8080`).
    pub fn new(pattern: &str) -> std::result::Result<Self, String> {
        let bad = |why: &str| Err(format!("invalid host pattern: {why}"));
        if pattern.is_empty() {
            return bad("empty");
        }
        if pattern.contains("://") || pattern.contains('/') {
            return bad("give a host (such as `api.example.com`), not a URL");
        }
        if pattern.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return bad("whitespace or control characters");
        }
        let (host, port) = match pattern.rsplit_once(':') {
            Some((h, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => {
                match p.parse::<u16>() {
                    Ok(port) => (h, Some(port)),
                    Err(_) => return bad("port out of range"),
                }
            }
            Some(_) if !pattern.starts_with('[') => return bad("expected `host` or `host:port`"),
            _ => (pattern, None),
        };
        if host.is_empty() {
            return bad("empty host");
        }
        if !host.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '*' | '?' | '[' | ']' | ':')
        }) {
            return bad(
                "a host may contain letters, digits, `-`, `.`, `_`, and the wildcards `*` and `?`",
            );
        }
        Ok(HostPattern {
            text: pattern.to_owned(),
            host: host.to_ascii_lowercase().into_bytes(),
            port,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `host` (and, if the pattern has one, `port`) match.
    pub fn matches(&self, host: &str, port: Option<u16>) -> bool {
        self.matches_host(host) && self.port.is_none_or(|p| Some(p) == port)
    }

    /// Whether the pattern matches every host.
    pub fn is_any_host(&self) -> bool {
        self.host.iter().all(|b| *b == b'*')
    }

    fn matches_host(&self, host: &str) -> bool {
        wildcard(&self.host, host.as_bytes())
    }
}

/// Glob match of `pattern` (lower-case; `*` and `?` wildcards) against
/// `text`, ignoring ASCII case. Linear backtracking over the last `*`.
fn wildcard(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        let c = text[t].to_ascii_lowercase();
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == c) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|b| *b == b'*')
}

/// The hosts and schemes a plugin may reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    patterns: Vec<HostPattern>,
    allow_http: bool,
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
        }
    }

    /// Whether nothing is allowed.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// `Ok` when `url` may be requested, else why not.
    pub fn check(&self, url: &Url) -> std::result::Result<(), String> {
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            "http" => {
                return Err(format!(
                    "plain http to `{}` is not allowed (use https)",
                    host_of(url)
                ));
            }
            other => return Err(format!("scheme `{other}` is not allowed")),
        }
        let Some(host) = url.host_str() else {
            return Err("the URL has no host".into());
        };
        let port = url.port_or_known_default();
        if self.patterns.iter().any(|p| p.matches(host, port)) {
            Ok(())
        } else {
            Err(format!(
                "host `{}` is not in the plugin's network allowlist",
                host_of(url)
            ))
        }
    }

    /// Whether some pattern allows `host` on some port.
    fn allows_name(&self, host: &str) -> bool {
        self.patterns.iter().any(|p| p.matches_host(host))
    }
}

fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        (None, _) => String::new(),
    }
}

/// The error a refused redirect or name lookup carries inside reqwest's error.
#[derive(Debug)]
struct Refused(String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// Name resolution that refuses names outside the allowlist: a second line
/// of defence for requests that bypass [`HttpClient`]'s own check.
struct AllowlistResolver {
    allow: Arc<Allowlist>,
}

impl Resolve for AllowlistResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let allowed = self.allow.allows_name(&host);
        Box::pin(async move {
            if !allowed {
                return Err(Box::new(Refused(format!(
                    "host `{host}` is not in the plugin's network allowlist"
                )))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// The HTTP client a plugin gets from its [`PluginContext`](crate::PluginContext).
///
/// Every request is checked against the manifest's network allowlist before
/// it is sent: its host must match a declared glob and its scheme must be
/// `https` (or `http` when the manifest sets `allowHttp`). Redirects are
/// checked the same way, hop by hop, and a redirect to any other host fails
/// the request with `PermissionDenied`. Name resolution refuses names
/// outside the allowlist too, and system proxies are not used. The
/// underlying `reqwest::Client` is built on first use.
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
            .finish()
    }
}

impl HttpClient {
    /// A client for `plugin` confined to `allow`, sending `user_agent`, with
    /// an overall per-request `timeout`.
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
                client: OnceLock::new(),
            }),
        }
    }

    /// The allowlist.
    pub fn allowlist(&self) -> &Allowlist {
        &self.inner.allow
    }

    fn client(&self) -> Result<&reqwest::Client> {
        let built = self.inner.client.get_or_init(|| {
            let allow = self.inner.allow.clone();
            let policy = redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    return attempt.error(Refused(format!("more than {MAX_REDIRECTS} redirects")));
                }
                match allow.check(attempt.url()) {
                    Ok(()) => attempt.follow(),
                    Err(why) => attempt.error(Refused(format!("redirect refused: {why}"))),
                }
            });
            let mut b = reqwest::Client::builder()
                .redirect(policy)
                .no_proxy()
                .user_agent(self.inner.user_agent.clone())
                .https_only(!self.inner.allow.allow_http)
                .dns_resolver(Arc::new(AllowlistResolver {
                    allow: self.inner.allow.clone(),
                }));
            if let Some(t) = self.inner.timeout {
                b = b.timeout(t);
            }
            b.build().map_err(|e| e.to_string())
        });
        built.as_ref().map_err(|e| {
            Error::new(
                ErrorKind::Internal,
                format!("cannot build the HTTP client: {e}"),
            )
            .with_provider(self.inner.plugin.clone())
        })
    }

    /// Parse `url` and check it against the allowlist.
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
        self.inner.allow.check(url).map_err(|why| self.denied(why))
    }

    /// Whether `url` would be allowed.
    pub fn allows(&self, url: &str) -> bool {
        self.check(url).is_ok()
    }

    fn denied(&self, why: String) -> Error {
        Error::new(
            ErrorKind::PermissionDenied,
            format!("plugin `{}`: {why}", self.inner.plugin),
        )
        .with_provider(self.inner.plugin.clone())
    }

    /// A request to an allowed URL (the URL of a builder cannot change
    /// afterwards). Send it with [`HttpClient::send`] to get Mosaic errors.
    pub fn request(&self, method: Method, url: &str) -> Result<RequestBuilder> {
        let url = self.check(url)?;
        Ok(self.client()?.request(method, url))
    }

    /// `GET url`.
    pub fn get(&self, url: &str) -> Result<RequestBuilder> {
        self.request(Method::GET, url)
    }

    /// `POST url`.
    pub fn post(&self, url: &str) -> Result<RequestBuilder> {
        self.request(Method::POST, url)
    }

    /// `PUT url`.
    pub fn put(&self, url: &str) -> Result<RequestBuilder> {
        self.request(Method::PUT, url)
    }

    /// `PATCH url`.
    pub fn patch(&self, url: &str) -> Result<RequestBuilder> {
        self.request(Method::PATCH, url)
    }

    /// `DELETE url`.
    pub fn delete(&self, url: &str) -> Result<RequestBuilder> {
        self.request(Method::DELETE, url)
    }

    /// Send a request built from this client, mapping failures to Mosaic
    /// errors (a refused redirect is `PermissionDenied`).
    pub async fn send(&self, request: RequestBuilder) -> Result<reqwest::Response> {
        let (_, built) = request.build_split();
        let request = built.map_err(|e| self.map_error(&e))?;
        self.execute(request).await
    }

    /// Execute a request after checking its URL.
    pub async fn execute(&self, request: reqwest::Request) -> Result<reqwest::Response> {
        self.check_url(request.url())?;
        self.client()?
            .execute(request)
            .await
            .map_err(|e| self.map_error(&e))
    }

    /// A Mosaic error for a `reqwest` failure: `PermissionDenied` for a
    /// refused redirect or name, `Timeout`, `Unavailable` for connection
    /// failures. The URL is left out and the text redacted.
    pub fn map_error(&self, e: &reqwest::Error) -> Error {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(s) = source {
            if let Some(r) = s.downcast_ref::<Refused>() {
                return self.denied(r.0.clone());
            }
            source = s.source();
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
        let mut chain = String::new();
        let mut s: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
        while let Some(cause) = s {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            s = cause.source();
        }
        let text = format!(
            "{}{chain}",
            e.to_string().split(" for url (").next().unwrap_or("")
        );
        let mut err = Error::new(kind, redact(&text)).with_provider(self.inner.plugin.clone());
        if let Some(status) = e.status() {
            err = err.with_status(status.as_u16());
        }
        err
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
        assert!(p("*").matches("anything.at.all", Some(1)) && p("*").is_any_host());
        assert!(p("a*b*c").matches("aXbYbZc", None));
        assert!(!p("a*b*c").matches("aXbYbZ", None));
        assert!(p("127.0.0.1:8080").matches("127.0.0.1", Some(8080)));
        assert!(!p("127.0.0.1:8080").matches("127.0.0.1", Some(8081)));
        for bad in [
            "",
            "https://x",
            "a/b",
            "a b",
            "x:99999",
            "x:y",
            ":80",
            "ex{a,b}.com",
        ] {
            assert!(HostPattern::new(bad).is_err(), "{bad}");
        }
    }
}
