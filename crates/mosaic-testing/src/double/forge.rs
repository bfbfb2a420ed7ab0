//! Pieces every forge double uses: base64 bodies, whole listings read out
//! of a fake, numbered pages with `Link` headers, path segments and loose
//! JSON field access.

use std::future::Future;

use mosaic_core::{Page, PageRequest, Paginated, Result};
use serde_json::Value;

use super::{ApiRequest, ApiResponse, match_path, page_of, url_with};

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decode standard base64, ignoring whitespace (forges wrap long
/// content); `None` when it is not base64.
pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    let clean: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        let mut pad = 0;
        for (i, &c) in chunk.iter().enumerate() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' if i >= 2 => {
                    pad += 1;
                    0
                }
                _ => return None,
            };
            if pad > 0 && c != b'=' {
                return None;
            }
            n = (n << 6) | u32::from(v);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

/// Every item of a fake's listing, following its cursors.
pub async fn everything<P, T, F, Fut>(mut params: P, mut list: F) -> Result<Vec<T>>
where
    P: Paginated,
    F: FnMut(P) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    *params.page_mut() = PageRequest::with_size(1000);
    let mut out = Vec::new();
    loop {
        let page = list(params.clone()).await?;
        out.extend(page.items);
        match page.next {
            Some(next) => params.page_mut().cursor = Some(next),
            None => return Ok(out),
        }
    }
}

/// How a dialect numbers its pages: the size parameter, its default and
/// its maximum (the page number is always `page`, from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Numbered {
    /// `per_page`, `limit`, …
    pub size_param: &'static str,
    /// The size when the request names none.
    pub default: usize,
    /// The largest size served.
    pub max: usize,
}

impl Numbered {
    /// The page `request` asks for out of `items`, as a JSON array with a
    /// `Link` header (`next`, `last`, `prev`, `first` as they apply) whose
    /// URLs keep the request's other query parameters. `total_header`
    /// names a header carrying the item count (`X-Total-Count`), if the
    /// dialect sends one.
    pub fn answer(
        &self,
        request: &ApiRequest,
        items: Vec<Value>,
        total_header: Option<&'static str>,
    ) -> ApiResponse {
        let size = request
            .query_num(self.size_param, self.default)
            .clamp(1, self.max);
        let page = request.query_num("page", 1usize).max(1);
        let total = items.len();
        let (slice, more) = page_of(&items, page, size);
        let last = total.div_ceil(size).max(1);
        let link = |n: usize, rel: &str| {
            let mut with_size = request.clone();
            with_size
                .query
                .retain(|(k, _)| k != self.size_param && k != "page");
            with_size
                .query
                .push((self.size_param.to_owned(), size.to_string()));
            format!("<{}>; rel=\"{rel}\"", url_with(&with_size, "page", n))
        };
        let mut links = Vec::new();
        if more {
            links.push(link(page + 1, "next"));
            links.push(link(last, "last"));
        }
        if page > 1 {
            links.push(link(1, "first"));
            links.push(link((page - 1).min(last), "prev"));
        }
        let mut resp = ApiResponse::ok(&slice);
        if !links.is_empty() {
            resp = resp.with_header("link", links.join(", "));
        }
        if let Some(h) = total_header {
            resp = resp.with_header(h, total.to_string());
        }
        resp
    }
}

/// One path segment, percent-decoded.
pub fn decoded(segment: &str) -> String {
    match_path(&format!("/{segment}"), "/{x}")
        .and_then(|mut v| v.pop())
        .unwrap_or_default()
}

/// Split `/{prefix}/{a}/{b}/rest…` into `a`, `b` (decoded) and `/rest…`
/// (still encoded, `/` when nothing follows).
pub fn split_two(path: &str, prefix: &str) -> Option<(String, String, String)> {
    let rest = path.strip_prefix(prefix)?.strip_prefix('/')?;
    let mut it = rest.splitn(3, '/');
    let a = it.next().filter(|s| !s.is_empty())?;
    let b = it.next().filter(|s| !s.is_empty())?;
    let tail = it.next().unwrap_or("");
    Some((decoded(a), decoded(b), format!("/{tail}")))
}

/// `request` with its path replaced (for routing the rest of a path).
pub fn with_path(request: &ApiRequest, path: String) -> ApiRequest {
    let mut sub = request.clone();
    sub.path = path;
    sub
}

/// A string field of a JSON object.
pub fn text(body: &Value, name: &str) -> Option<String> {
    body.get(name).and_then(Value::as_str).map(str::to_owned)
}

/// A boolean field of a JSON object.
pub fn flag(body: &Value, name: &str) -> Option<bool> {
    body.get(name).and_then(Value::as_bool)
}

/// A list of strings of a JSON object.
pub fn texts(body: &Value, name: &str) -> Option<Vec<String>> {
    body.get(name).and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    })
}

/// The field `name` matched the way Go's `encoding/json` matches struct
/// fields: an exact key first, else any key equal ignoring ASCII case.
pub fn go_field<'a>(body: &'a Value, name: &str) -> Option<&'a Value> {
    let obj = body.as_object()?;
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for s in ["", "a", "ab", "abc", "abcd", "hello\n", "\u{0}\u{ff}x"] {
            let e = b64_encode(s.as_bytes());
            assert_eq!(b64_decode(&e).as_deref(), Some(s.as_bytes()), "{s:?}");
        }
        assert_eq!(b64_encode(b"hello\n"), "aGVsbG8K");
        assert_eq!(b64_decode("aGVs\nbG8K").unwrap(), b"hello\n");
        assert_eq!(b64_decode("a=bc"), None);
        assert_eq!(b64_decode("abc"), None);
    }

    #[test]
    fn splits_repository_paths() {
        assert_eq!(
            split_two("/repos/a/b%20c/pulls/1", "/repos"),
            Some(("a".into(), "b c".into(), "/pulls/1".into()))
        );
        assert_eq!(
            split_two("/repos/a/b", "/repos"),
            Some(("a".into(), "b".into(), "/".into()))
        );
        assert_eq!(split_two("/repos/a", "/repos"), None);
    }

    #[test]
    fn go_fields_ignore_case() {
        let v = serde_json::json!({"Do": "merge", "merge_title_field": "t"});
        assert_eq!(go_field(&v, "do"), Some(&serde_json::json!("merge")));
        assert_eq!(go_field(&v, "MergeTitleField"), None);
        assert_eq!(go_field(&v, "MERGE_TITLE_FIELD").unwrap(), "t");
    }
}

#[cfg(test)]
mod paging_tests {
    use super::*;

    fn request(query: &[(&str, &str)]) -> ApiRequest {
        ApiRequest {
            method: http::Method::GET,
            path: "/api/v1/repos/a/b/branches".into(),
            query: query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            headers: http::HeaderMap::new(),
            body: bytes::Bytes::new(),
            origin: "http://127.0.0.1:1".into(),
        }
    }

    const LIMIT: Numbered = Numbered {
        size_param: "limit",
        default: 30,
        max: 50,
    };

    #[test]
    fn numbered_pages_link_onwards_and_back() {
        let items: Vec<Value> = (0..5).map(|i| serde_json::json!(i)).collect();
        let first = LIMIT.answer(
            &request(&[("limit", "2")]),
            items.clone(),
            Some("x-total-count"),
        );
        assert_eq!(&first.body[..], b"[0,1]");
        let link = first.headers.get("link").unwrap().to_str().unwrap();
        assert!(
            link.contains(
                "<http://127.0.0.1:1/api/v1/repos/a/b/branches?limit=2&page=2>; rel=\"next\""
            ),
            "{link}"
        );
        assert!(link.contains("page=3>; rel=\"last\""), "{link}");
        assert_eq!(first.headers.get("x-total-count").unwrap(), "5");
        let last = LIMIT.answer(
            &request(&[("limit", "2"), ("page", "3")]),
            items.clone(),
            None,
        );
        assert_eq!(&last.body[..], b"[4]");
        let link = last.headers.get("link").unwrap().to_str().unwrap();
        assert!(!link.contains("rel=\"next\""), "{link}");
        assert!(link.contains("page=2>; rel=\"prev\""), "{link}");
        // sizes are clamped to the dialect's maximum
        let big = LIMIT.answer(
            &request(&[("limit", "500")]),
            (0..60).map(|i| serde_json::json!(i)).collect(),
            None,
        );
        let served: Vec<Value> = serde_json::from_slice(&big.body).unwrap();
        assert_eq!(served.len(), 50);
    }
}
