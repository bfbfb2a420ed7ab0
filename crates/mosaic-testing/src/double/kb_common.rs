//! Helpers shared by the knowledge-base doubles: reading a whole listing
//! of [`FakeKnowledgeBase`](crate::FakeKnowledgeBase) and the HTTP status
//! of an error kind.

use std::future::Future;

use http::StatusCode;
use mosaic_core::{Error, ErrorKind, Page, PageRequest, Result};

/// Every item of a listing of the fake, fetched a thousand at a time.
pub(crate) async fn all<T, F, Fut>(mut fetch: F) -> Result<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    let mut out = Vec::new();
    let mut req = PageRequest::with_size(1000);
    loop {
        let page = fetch(req.clone()).await?;
        out.extend(page.items);
        match page.next {
            Some(next) => req.cursor = Some(next),
            None => return Ok(out),
        }
    }
}

/// The status most REST APIs answer for an error of this kind.
pub(crate) fn status_of(e: &Error) -> StatusCode {
    match e.kind() {
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::InvalidInput => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::PermissionDenied => StatusCode::FORBIDDEN,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Unsupported => StatusCode::NOT_IMPLEMENTED,
        ErrorKind::Timeout => StatusCode::GATEWAY_TIMEOUT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A number from a path segment or a JSON value, as the fake's ids are.
pub(crate) fn num(v: &str) -> Option<u64> {
    v.trim().parse().ok()
}

/// One part of a `multipart/form-data` body: `(name, filename, bytes)`.
pub(crate) type Part = (String, Option<String>, Vec<u8>);

/// The parts of a `multipart/form-data` body.
pub(crate) fn multipart(content_type: &str, body: &[u8]) -> Option<Vec<Part>> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    let delim = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut rest = body;
    let start = find(rest, &delim)?;
    rest = &rest[start + delim.len()..];
    loop {
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&rest[..head_end]).into_owned();
        rest = &rest[head_end + 4..];
        let end = find(rest, &delim)?;
        let content = rest[..end].strip_suffix(b"\r\n").unwrap_or(&rest[..end]);
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))?;
        let attr = |key: &str| {
            disposition.split(';').map(str::trim).find_map(|p| {
                p.strip_prefix(key)
                    .and_then(|v| v.strip_prefix('='))
                    .map(|v| v.trim_matches('"').to_owned())
            })
        };
        parts.push((attr("name")?, attr("filename"), content.to_vec()));
        rest = &rest[end + delim.len()..];
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_multipart_parts() {
        let body = b"--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\none\r\n--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.txt\"\r\nContent-Type: text/plain\r\n\r\nbytes\r\n--XX--\r\n";
        let parts = multipart("multipart/form-data; boundary=XX", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], ("a".into(), None, b"one".to_vec()));
        assert_eq!(
            parts[1],
            ("file".into(), Some("f.txt".into()), b"bytes".to_vec())
        );
        assert!(multipart("multipart/form-data", body).is_none());
    }
}

/// Standard base64 with padding (for expected `Basic` credentials).
pub(crate) use super::forge::b64_encode as base64;

/// An opaque cursor for `offset` and the offset a cursor stands for.
pub(crate) fn cursor_of(offset: usize) -> String {
    format!(
        "c{}",
        base64(format!("offset:{offset}").as_bytes()).trim_end_matches('=')
    )
}

/// The offset of a cursor made by [`cursor_of`]; `None` when it is not one.
pub(crate) fn offset_of(cursor: &str) -> Option<usize> {
    let rest = cursor.strip_prefix('c')?;
    let bytes = unbase64(rest)?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("offset:")?
        .parse()
        .ok()
}

fn unbase64(s: &str) -> Option<Vec<u8>> {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = ABC.iter().position(|x| *x == c)? as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod codec_tests {
    use super::*;

    #[test]
    fn base64_and_cursors() {
        assert_eq!(
            base64(b"user@example.com:tok"),
            "dXNlckBleGFtcGxlLmNvbTp0b2s="
        );
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(offset_of(&cursor_of(42)), Some(42));
        assert_eq!(offset_of("nonsense"), None);
        assert_eq!(offset_of("c!!"), None);
    }
}
