//! JSON pointers (RFC 6901) and the collection of located problems.

use mosaic_core::{Error, ErrorKind, FieldError};
use serde_json::Value;

/// The pointer to `key` under `parent` (`""` is the document root).
pub(crate) fn child(parent: &str, key: &str) -> String {
    let mut out = String::with_capacity(parent.len() + key.len() + 1);
    out.push_str(parent);
    out.push('/');
    for c in key.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

/// The pointer to array element `index` under `parent`.
pub(crate) fn index(parent: &str, index: usize) -> String {
    format!("{parent}/{index}")
}

/// Split a pointer into its unescaped segments.
pub(crate) fn segments(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .trim_start_matches('/')
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// How a JSON value is described in an error ("a string", "null", ...).
pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Problems found in one document, each at a pointer.
#[derive(Debug, Default)]
pub(crate) struct Problems(pub(crate) Vec<FieldError>);

impl Problems {
    /// Record a problem at `pointer`.
    pub(crate) fn push(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(pointer, message));
    }

    /// Record that `found` at `pointer` is not what was `expected`.
    pub(crate) fn expected(&mut self, pointer: &str, expected: &str, found: &Value) {
        self.push(
            display_pointer(pointer),
            format!("expected {expected}, found {}", describe(found)),
        );
    }

    /// Whether nothing was recorded.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `pointer`, or `/` for the document root (so every message names a place).
pub(crate) fn display_pointer(pointer: &str) -> String {
    if pointer.is_empty() {
        "/".to_owned()
    } else {
        pointer.to_owned()
    }
}

/// One error listing every located problem.
pub(crate) fn located_error(kind: ErrorKind, what: &str, problems: Vec<FieldError>) -> Error {
    let n = problems.len();
    let list = problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("; ");
    let noun = if n == 1 { "problem" } else { "problems" };
    Error::new(kind, format!("{what}: {n} {noun}: {list}")).with_fields(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_splits() {
        let p = child(&child("", "a/b"), "c~d");
        assert_eq!(p, "/a~1b/c~0d");
        assert_eq!(segments(&p), ["a/b", "c~d"]);
        assert_eq!(index("/x", 3), "/x/3");
        assert!(segments("").is_empty());
    }
}
