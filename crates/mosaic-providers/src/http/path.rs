//! Percent-encoding of URL path parts.
//!
//! Providers build paths from user input (owners, repository names, branch
//! names, file paths). [`segment`] encodes one segment so that `/`, `?`,
//! `#` and `%` cannot change the URL's shape (GitLab's URL-encoded project
//! paths: `group%2Fsub%2Fproject`); [`path`] encodes each `/`-separated
//! part but keeps the slashes (file paths, branch names on forges that
//! accept them literally). Dot segments (`.`, `..`) are refused by
//! [`Transport::url`](super::Transport::url), so user input can never walk
//! out of the intended path.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Characters left alone: RFC 3986 unreserved.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Encode one path segment (a `/` becomes `%2F`).
pub fn segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// Encode each `/`-separated part of `s`, keeping the slashes.
pub fn path(s: &str) -> String {
    s.split('/').map(segment).collect::<Vec<_>>().join("/")
}

/// Whether a raw path segment is a dot segment once decoded.
pub(crate) fn is_dot_segment(seg: &str) -> bool {
    let lower = seg.to_ascii_lowercase().replace("%2e", ".");
    lower == "." || lower == ".."
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_what_would_change_the_url() {
        assert_eq!(segment("group/sub/proj"), "group%2Fsub%2Fproj");
        assert_eq!(segment("a b?c#d%e"), "a%20b%3Fc%23d%25e");
        assert_eq!(segment("v1.0-rc_1~x"), "v1.0-rc_1~x");
        assert_eq!(segment("ünï"), "%C3%BCn%C3%AF");
        assert_eq!(path("docs/read me.md"), "docs/read%20me.md");
    }

    #[test]
    fn dot_segments() {
        for s in [".", "..", "%2e", "%2E%2e", ".%2E"] {
            assert!(is_dot_segment(s), "{s}");
        }
        for s in ["...", ".a", "a.", ""] {
            assert!(!is_dot_segment(s), "{s}");
        }
    }
}
