//! Pagination helpers: `Link` headers and body cursors as [`Cursor`]s.
//!
//! Two styles cover the REST providers:
//!
//! * **next-URL** (GitHub, Gitea, GitLab via `Link: <…>; rel="next"`;
//!   Bitbucket via the body's `next` field): the cursor is the absolute URL
//!   of the next page. Before it is followed, [`resolve_cursor`] checks
//!   that it points under the provider's base URL, so a forged cursor can
//!   never send credentials elsewhere.
//! * **token** (APIs that return `next_cursor`/`after` in the body): the
//!   cursor is the opaque token, sent back as a query parameter with
//!   [`RequestSpec::cursor_param`](super::RequestSpec::cursor_param).

use http::HeaderMap;
use mosaic_core::{Cursor, Error, Page, Result};
use serde::de::DeserializeOwned;
use url::Url;

use super::response::HttpResponse;

/// How a provider sizes its pages: the query parameter that carries the
/// size, the size asked for when the caller names none, and the largest
/// the provider serves. Set once per provider with
/// [`TransportBuilder::page_size`](super::TransportBuilder::page_size) and
/// applied by [`RequestSpec::paged`](super::RequestSpec::paged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize {
    /// The query parameter, e.g. `per_page` or `limit`.
    pub param: &'static str,
    /// The size sent when the request names none.
    pub default: u32,
    /// The largest size the provider serves; larger requests are clamped.
    pub max: u32,
}

impl PageSize {
    /// `param` with a `default` size and a `max`.
    pub const fn new(param: &'static str, default: u32, max: u32) -> Self {
        PageSize {
            param,
            default,
            max,
        }
    }
}

/// A decoded list answer that knows its items and where the next page is:
/// what [`RequestSpec::send_page_as`](super::RequestSpec::send_page_as)
/// decodes. A bare JSON array continued by a `Link` header is `Vec<T>`;
/// providers implement it for their envelopes (`{"values": [...],
/// "next": "..."}` and the like).
pub trait PageBody: DeserializeOwned {
    /// One item of the page.
    type Item;
    /// The page, continued from the body or from `response`'s headers.
    fn into_page(self, response: &HttpResponse) -> Page<Self::Item>;
}

impl<T: DeserializeOwned> PageBody for Vec<T> {
    type Item = T;
    fn into_page(self, response: &HttpResponse) -> Page<T> {
        response.link_page(self)
    }
}

/// The relations of a `Link` header (RFC 8288) that pagination uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkHeader {
    /// `rel="next"`.
    pub next: Option<String>,
    /// `rel="prev"`.
    pub prev: Option<String>,
    /// `rel="first"`.
    pub first: Option<String>,
    /// `rel="last"`.
    pub last: Option<String>,
}

impl LinkHeader {
    /// Parse every `Link` header value in `headers`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut out = LinkHeader::default();
        for v in headers.get_all("link") {
            if let Ok(s) = v.to_str() {
                out.merge(LinkHeader::parse(s));
            }
        }
        out
    }

    /// Parse one header value: `<url>; rel="next", <url>; rel="last"`.
    /// Malformed entries are skipped.
    pub fn parse(value: &str) -> Self {
        let mut out = LinkHeader::default();
        let mut rest = value;
        while let Some(start) = rest.find('<') {
            let Some(len) = rest[start + 1..].find('>') else {
                break;
            };
            let url = &rest[start + 1..start + 1 + len];
            let after = &rest[start + 2 + len..];
            let params_end = after.find('<').unwrap_or(after.len());
            let params = &after[..params_end];
            for p in params.split(';') {
                let Some((k, v)) = p.split_once('=') else {
                    continue;
                };
                if !k.trim().eq_ignore_ascii_case("rel") {
                    continue;
                }
                for rel in v
                    .trim()
                    .trim_matches(',')
                    .trim()
                    .trim_matches('"')
                    .split_whitespace()
                {
                    let slot = match rel.to_ascii_lowercase().as_str() {
                        "next" => &mut out.next,
                        "prev" | "previous" => &mut out.prev,
                        "first" => &mut out.first,
                        "last" => &mut out.last,
                        _ => continue,
                    };
                    slot.get_or_insert_with(|| url.to_owned());
                }
            }
            rest = &after[params_end..];
        }
        out
    }

    fn merge(&mut self, other: LinkHeader) {
        self.next = self.next.take().or(other.next);
        self.prev = self.prev.take().or(other.prev);
        self.first = self.first.take().or(other.first);
        self.last = self.last.take().or(other.last);
    }

    /// The next page's URL as a cursor.
    pub fn next_cursor(&self) -> Option<Cursor> {
        self.next.as_deref().map(Cursor::new)
    }
}

/// A page whose continuation is the `Link: rel="next"` URL of `headers`.
pub fn link_page<T>(items: Vec<T>, headers: &HeaderMap) -> Page<T> {
    Page::new(items, LinkHeader::from_headers(headers).next_cursor())
}

/// A page whose continuation is a next-page URL found in the body
/// (e.g. Bitbucket's `next`), with an optional total (`size`).
pub fn body_next_page<T>(items: Vec<T>, next: Option<String>, total: Option<u64>) -> Page<T> {
    let page = Page::new(items, next.filter(|n| !n.is_empty()).map(Cursor::new));
    match total {
        Some(t) => page.with_total(t),
        None => page,
    }
}

/// Check that a next-URL cursor points under `base` (same scheme, host,
/// port, and path prefix) and return it as a URL.
///
/// Anything else is `InvalidInput` on field `page.cursor`: a cursor is
/// never followed to another host, so credentials stay with the provider.
pub fn resolve_cursor(base: &Url, cursor: &Cursor) -> Result<Url> {
    let bad = |why: &str| Error::invalid_input("page.cursor", why.to_owned());
    let url =
        Url::parse(cursor.as_str()).map_err(|_| bad("is not a next-page URL of this listing"))?;
    let same_origin = url.scheme() == base.scheme()
        && url.host_str() == base.host_str()
        && url.port_or_known_default() == base.port_or_known_default();
    if !same_origin {
        return Err(bad("points outside the provider's base URL"));
    }
    let prefix = base.path().trim_end_matches('/');
    let path = url.path();
    let under = path == prefix || path.starts_with(&format!("{prefix}/"));
    if !under {
        return Err(bad("points outside the provider's base URL"));
    }
    if url.username() != "" || url.password().is_some() {
        return Err(bad("must not carry credentials"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_github_style_links() {
        let v = r#"<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last""#;
        let l = LinkHeader::parse(v);
        assert_eq!(
            l.next.as_deref(),
            Some("https://api.github.com/repositories/1/issues?page=2")
        );
        assert_eq!(
            l.last.as_deref(),
            Some("https://api.github.com/repositories/1/issues?page=5")
        );
        assert_eq!(l.prev, None);
    }

    #[test]
    fn tolerates_odd_spacing_commas_and_multi_rel() {
        let v = r#"<http://h/a?x=1,2>;rel=next,<http://h/a?p=1> ; rel="first prev""#;
        let l = LinkHeader::parse(v);
        assert_eq!(l.next.as_deref(), Some("http://h/a?x=1,2"));
        assert_eq!(l.first.as_deref(), Some("http://h/a?p=1"));
        assert_eq!(l.prev.as_deref(), Some("http://h/a?p=1"));
        assert_eq!(
            LinkHeader::parse("garbage <unterminated"),
            LinkHeader::default()
        );
    }

    #[test]
    fn cursors_stay_under_the_base() {
        let base = Url::parse("https://git.example.com/api/v1").unwrap();
        let ok = Cursor::new("https://git.example.com/api/v1/repos/a/b/branches?page=2");
        assert!(resolve_cursor(&base, &ok).is_ok());
        for bad in [
            "https://evil.example.com/api/v1/repos?page=2",
            "http://git.example.com/api/v1/repos?page=2",
            "https://git.example.com:8443/api/v1/repos",
            "https://git.example.com/api/v10/repos",
            "https://git.example.com/other",
            "https://user:pw@git.example.com/api/v1/x",
            "/api/v1/relative",
            "3",
        ] {
            let e = resolve_cursor(&base, &Cursor::new(bad)).unwrap_err();
            assert_eq!(e.field(), Some("page.cursor"), "{bad}");
        }
    }
}
