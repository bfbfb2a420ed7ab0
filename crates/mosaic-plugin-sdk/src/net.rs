//! Host patterns and address classes: the leaf that manifests, trust
//! decisions and the allowlisted HTTP client all build on.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Which scheme a pattern allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    /// `https://host` written explicitly (or no scheme: https unless the
    /// manifest allows plain http).
    Https,
    /// `http://host`: plain http granted for this host.
    Http,
}

/// One entry of a network allowlist: a host glob, optionally with a port
/// and a scheme.
///
/// In the host part `*` matches any run of characters (dots included, so
/// `*.example.com` matches `a.b.example.com` but not `example.com`), `?`
/// matches one character, and everything else matches itself, ignoring
/// ASCII case. A pattern with a wildcard never matches an IP literal. A
/// pattern without a port allows only the default port of the scheme
/// (443 for https, 80 for http). `http://host[:port]` allows plain http to
/// that host (a grant the host makes for an internal server); without a
/// scheme only https is allowed unless the manifest sets `allowHttp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    text: String,
    scheme: Option<Scheme>,
    host: Vec<u8>,
    port: Option<u16>,
    wild: bool,
    /// Granted by the host (not declared by the plugin's manifest).
    pub(crate) granted: bool,
}

impl HostPattern {
    /// Parse `host-glob`, `host-glob:port`, or either behind `http://` /
    /// `https://` (`api.github.com`, `*.example.com`, `127.0.0.1:8080`,
    /// `http://ollama.internal:11434`, `[::1]:3000`).
    pub fn new(pattern: &str) -> std::result::Result<Self, String> {
        let bad = |why: &str| Err(format!("invalid host pattern `{pattern}`: {why}"));
        if pattern.is_empty() {
            return bad("empty");
        }
        if pattern.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return bad("whitespace or control characters");
        }
        let lower = pattern.to_ascii_lowercase();
        let (scheme, rest) = if let Some(r) = lower.strip_prefix("http://") {
            (Some(Scheme::Http), r)
        } else if let Some(r) = lower.strip_prefix("https://") {
            (Some(Scheme::Https), r)
        } else {
            (None, lower.as_str())
        };
        if rest.contains("://") || rest.contains(['/', '@', '\\']) {
            return bad("give a host (such as `api.example.com` or `http://host:port`), not a URL");
        }
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let Some((inner, after)) = v6.split_once(']') else {
                return bad("unclosed `[`");
            };
            let port = match after {
                "" => None,
                p => match p.strip_prefix(':').map(str::parse::<u16>) {
                    Some(Ok(port)) => Some(port),
                    _ => return bad("expected `[ipv6]` or `[ipv6]:port`"),
                },
            };
            match inner.parse::<Ipv6Addr>() {
                Ok(ip) => (format!("[{ip}]"), port),
                Err(_) => return bad("not an IPv6 address inside `[]`"),
            }
        } else {
            let (host, port) = match rest.rsplit_once(':') {
                Some((h, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => {
                    match p.parse::<u16>() {
                        Ok(port) => (h, Some(port)),
                        Err(_) => return bad("port out of range"),
                    }
                }
                Some(_) => return bad("expected `host` or `host:port`"),
                None => (rest, None),
            };
            if host.is_empty() {
                return bad("empty host");
            }
            if !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '*' | '?'))
            {
                return bad(
                    "a host may contain letters, digits, `-`, `.`, `_`, and the wildcards `*` and `?`",
                );
            }
            let host = host.strip_suffix('.').unwrap_or(host);
            // IP literals in their canonical spelling.
            match host.parse::<Ipv4Addr>() {
                Ok(ip) => (ip.to_string(), port),
                Err(_) => (host.to_owned(), port),
            }
        };
        if host.is_empty() {
            return bad("empty host");
        }
        let wild = host.contains(['*', '?']);
        Ok(HostPattern {
            text: pattern.to_owned(),
            scheme,
            host: host.into_bytes(),
            port,
            wild,
            granted: false,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the pattern contains a wildcard (`*` or `?`).
    pub fn is_wildcard(&self) -> bool {
        self.wild
    }

    /// The port the pattern names, if any.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Whether the pattern grants plain http (`http://…`).
    pub fn grants_http(&self) -> bool {
        self.scheme == Some(Scheme::Http)
    }

    /// Whether `host` matches and `port` is allowed: the pattern's port
    /// when it names one, else no port or a default port (80, 443).
    /// `host` is compared as given (lower-cased); see [`Allowlist::check`](crate::context::Allowlist::check)
    /// for the normalisation applied to URLs.
    pub fn matches(&self, host: &str, port: Option<u16>) -> bool {
        let port_ok = match self.port {
            Some(p) => port == Some(p),
            None => matches!(port, None | Some(80 | 443)),
        };
        port_ok && self.matches_host(host)
    }

    /// Whether the pattern matches every host.
    pub fn is_any_host(&self) -> bool {
        self.host.iter().all(|b| *b == b'*')
    }

    pub(crate) fn matches_host(&self, host: &str) -> bool {
        let host = host.strip_suffix('.').unwrap_or(host);
        if self.wild && is_ip_literal(host) {
            return false;
        }
        wildcard(&self.host, host.as_bytes())
    }

    /// Whether this pattern lets `scheme://host:port` through; `allow_http`
    /// is the manifest's `allowHttp`.
    pub(crate) fn permits(&self, scheme: &str, host: &str, port: u16, allow_http: bool) -> bool {
        let scheme_ok = match (scheme, self.scheme) {
            ("https", None | Some(Scheme::Https)) => true,
            ("http", Some(Scheme::Http)) => true,
            ("http", None) => allow_http,
            _ => false,
        };
        let default = if scheme == "http" { 80 } else { 443 };
        scheme_ok && self.port.unwrap_or(default) == port && self.matches_host(host)
    }
}

fn is_ip_literal(host: &str) -> bool {
    host.starts_with('[') || host.parse::<IpAddr>().is_ok()
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

/// Whether `ip` is unspecified, loopback, link-local (cloud metadata lives
/// at `169.254.169.254` and `fd00:ec2::254`), private, shared (carrier-grade
/// NAT, where some clouds put their metadata service) or broadcast.
pub(crate) fn is_internal_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            a == 0 // 0.0.0.0/8, "this network"
                || v4.is_loopback() // 127.0.0.0/8
                || v4.is_private() // 10/8, 172.16/12, 192.168/16
                || v4.is_link_local() // 169.254/16
                || (a == 100 && (64..128).contains(&b)) // 100.64/10
                || v4.is_broadcast()
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal_ip(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_unspecified()
                || v6.is_loopback()
                || (first & 0xfe00) == 0xfc00 // fc00::/7, unique local
                || (first & 0xffc0) == 0xfe80 // fe80::/10, link-local
        }
    }
}
