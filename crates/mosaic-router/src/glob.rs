//! [`Glob`]: the wildcard patterns of routing rules.

use std::fmt;

/// A wildcard pattern: `*` matches any run of characters (including none,
/// and including `/`), `?` matches exactly one character, everything else
/// matches itself.
///
/// Patterns are compiled once, when a rule is built; the common shapes
/// (`exact`, `prefix*`, `*suffix`, `*`) match without scanning wildcards.
///
/// ```
/// use mosaic_router::Glob;
/// assert!(Glob::new("org/*").is_match("org/tools"));
/// assert!(Glob::new("git.*.get").is_match("git.repository.get"));
/// assert!(Glob::new("internal-??").is_match("internal-42"));
/// assert!(!Glob::new("internal-*").is_match("public-tools"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Glob {
    source: Box<str>,
    shape: Shape,
}

#[derive(Clone, PartialEq, Eq)]
enum Shape {
    /// `*`
    Any,
    /// No wildcard.
    Exact,
    /// `text*`
    Prefix(Box<str>),
    /// `*text`
    Suffix(Box<str>),
    /// `*text*`
    Contains(Box<str>),
    /// Anything else: the pattern's characters.
    General(Box<[char]>),
}

impl Glob {
    /// Compile `pattern`.
    pub fn new(pattern: impl AsRef<str>) -> Self {
        let p = pattern.as_ref();
        let stars = p.matches('*').count();
        let shape = if p.contains('?') {
            Shape::General(p.chars().collect())
        } else if stars == 0 {
            Shape::Exact
        } else if p.chars().all(|c| c == '*') {
            Shape::Any
        } else if stars == 1 && p.ends_with('*') {
            Shape::Prefix(p[..p.len() - 1].into())
        } else if stars == 1 && p.starts_with('*') {
            Shape::Suffix(p[1..].into())
        } else if stars == 2 && p.len() > 2 && p.starts_with('*') && p.ends_with('*') {
            Shape::Contains(p[1..p.len() - 1].into())
        } else {
            Shape::General(p.chars().collect())
        };
        Glob {
            source: p.into(),
            shape,
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The text the pattern matches exactly, when it has no wildcard.
    pub(crate) fn literal(&self) -> Option<&str> {
        matches!(self.shape, Shape::Exact).then_some(&*self.source)
    }

    /// The text every match starts with, when the pattern is `text*`.
    pub(crate) fn literal_prefix(&self) -> Option<&str> {
        match &self.shape {
            Shape::Prefix(p) => Some(p),
            _ => None,
        }
    }

    /// Whether the pattern matches every string.
    pub fn matches_everything(&self) -> bool {
        matches!(self.shape, Shape::Any)
    }

    /// Whether `text` matches the pattern (the whole of it).
    pub fn is_match(&self, text: &str) -> bool {
        match &self.shape {
            Shape::Any => true,
            Shape::Exact => *self.source == *text,
            Shape::Prefix(p) => text.starts_with(&**p),
            Shape::Suffix(s) => text.ends_with(&**s),
            Shape::Contains(c) => text.contains(&**c),
            Shape::General(p) => wildcard_match(p, text),
        }
    }
}

/// Iterative wildcard matching with single-star backtracking: linear for
/// typical patterns, `O(len(p) * len(t))` at worst; allocation-free for
/// ASCII text.
fn wildcard_match(pattern: &[char], text: &str) -> bool {
    if text.is_ascii() {
        let t = text.as_bytes();
        match_indexed(pattern, t.len(), |i| char::from(t[i]))
    } else {
        let t: Vec<char> = text.chars().collect();
        match_indexed(pattern, t.len(), |i| t[i])
    }
}

fn match_indexed(p: &[char], n: usize, t: impl Fn(usize) -> char) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    // Position of the last `*` seen, and the text position it currently covers up to.
    let mut star: Option<(usize, usize)> = None;
    while ti < n {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || p[pi] == t(ti)) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            // Let the last star swallow one more character and retry.
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

impl fmt::Debug for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Glob({:?})", self.source)
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl From<&str> for Glob {
    fn from(p: &str) -> Self {
        Glob::new(p)
    }
}

impl From<String> for Glob {
    fn from(p: String) -> Self {
        Glob::new(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_matches() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "", true),
            ("*", "anything/at/all", true),
            ("", "", true),
            ("", "x", false),
            ("git.repository.get", "git.repository.get", true),
            ("git.repository.get", "git.repository.list", false),
            ("org/*", "org/tools", true),
            ("org/*", "org", false),
            ("org/*", "org/", true),
            ("*-prod", "eu-prod", true),
            ("*-prod", "eu-production", false),
            ("*tools*", "my-tools-x", true),
            ("*tools*", "tool", false),
            ("git.*.get", "git.repository.get", true),
            ("git.*.get", "git.repository.list", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("??", "é✓", true),
            ("*✓", "é✓", true),
            ("**", "x", true),
            ("a*", "a*", true),
            ("*a", "*a", true),
            ("x*y", "x*y", true),
        ];
        for (p, t, want) in cases {
            assert_eq!(Glob::new(p).is_match(t), *want, "pattern {p:?} on {t:?}");
        }
        assert!(Glob::new("**").matches_everything());
        assert_eq!(Glob::new("org/*").to_string(), "org/*");
    }
}
