//! Where in a TOML text a key path (`routes.git[1].to[0]`) is, so that
//! errors found after parsing (a route naming a missing instance, a bad
//! stack value, a provider setting its schema refuses) name the line and
//! column as parse errors do.

use mosaic_core::{Error, FieldError};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One step of a key path.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// `providers.a.stack[0]` → `providers`, `a`, `stack`, `0`.
fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Step::Key(key));
        }
        while let Some(close) = rest.find(']') {
            if let Ok(i) = rest[1..close].parse() {
                out.push(Step::Index(i));
            }
            rest = &rest[close + 1..];
        }
    }
    out
}

/// The byte offset of the deepest part of `path` present in `text`.
pub(crate) fn offset(text: &str, path: &str) -> Option<usize> {
    let root = DeTable::parse(text).ok()?;
    let mut at: Option<usize> = None;
    let mut table: Option<&DeTable<'_>> = Some(root.get_ref());
    let mut value: Option<&Spanned<DeValue<'_>>> = None;
    for step in steps(path) {
        let next = match (step, table, value.map(Spanned::get_ref)) {
            (Step::Key(k), Some(t), _) => t
                .iter()
                .find(|(key, _)| key.get_ref().as_ref() == k)
                .map(|(key, v)| (key.span().start, v)),
            (Step::Index(i), _, Some(DeValue::Array(items))) => {
                items.get(i).map(|v| (v.span().start, v))
            }
            _ => None,
        };
        let Some((start, v)) = next else { break };
        at = Some(start);
        value = Some(v);
        table = match v.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => None,
        };
    }
    at
}

/// The key path an error found after parsing is about: its first field
/// written as a key path, or a JSON pointer (from a provider's schema)
/// under the `providers.NAME` the message starts with, or the key path
/// the message starts with.
fn key_path(e: &Error) -> Option<String> {
    let msg = e.message();
    let lead = msg
        .strip_prefix('`')
        .and_then(|m| m.split_once('`'))
        .map(|(p, _)| p.to_owned())
        .or_else(|| msg.split_once(':').map(|(p, _)| p.trim().to_owned()))
        .filter(|p| !p.contains(' '));
    let field = e.fields().first().map(|f: &FieldError| f.field.clone());
    match (field, lead) {
        (Some(f), Some(lead)) if f.starts_with('/') => {
            Some(format!("{lead}{}", f.replace('/', ".")))
        }
        (Some(f), _) if !f.starts_with('/') && !f.is_empty() => Some(f),
        (_, lead) => lead,
    }
}

/// `e` headed by `origin:line:column` of the key it is about, when `e` is
/// a configuration error and the key is in `text` (TOML).
pub(crate) fn locate(e: Error, origin: &str, text: &str) -> Error {
    if e.kind() != mosaic_core::ErrorKind::Config {
        return e;
    }
    let Some(at) = key_path(&e).and_then(|p| offset(text, &p)) else {
        return e;
    };
    let (line, col) = super::line_col(text, at);
    let message = format!("{origin}:{line}:{col}: {}", e.message());
    super::reworded(e, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[providers.a]\nkind = \"fake-git\"\nstack = { retry = { attempts = 0 } }\n\n[[routes.git]]\nto = [\"a\"]\n\n[[routes.git]]\nto = [\"a\", \"b\"]\n";

    fn line_col(path: &str) -> (usize, usize) {
        let at = offset(TEXT, path).unwrap();
        let before = &TEXT[..at];
        (
            before.matches('\n').count() + 1,
            before.rsplit('\n').next().unwrap().len() + 1,
        )
    }

    #[test]
    fn finds_keys_tables_and_array_items() {
        assert_eq!(line_col("providers.a"), (1, 12));
        assert_eq!(line_col("providers.a.stack.retry.attempts"), (3, 21));
        assert_eq!(line_col("routes.git[1].to[1]"), (9, 12));
        // The deepest part present.
        assert_eq!(line_col("routes.git[1].to[7]"), (9, 1));
        assert_eq!(offset(TEXT, "nothing.here"), None);
        assert_eq!(offset("not [ toml", "a"), None);
    }

    #[test]
    fn reads_the_key_path_of_an_error() {
        let e = Error::config("invalid routes").with_fields(vec![FieldError::new(
            "routes.git[1].to[1]",
            "no provider named `b`",
        )]);
        let located = locate(e, "m.toml", TEXT);
        assert!(
            located.to_string().contains("m.toml:9:12: invalid routes"),
            "{located}"
        );
        let e = Error::config("providers.a.stack.retry.attempts: at least 1");
        let located = locate(e, "m.toml", TEXT);
        assert!(located.to_string().starts_with("m.toml:3:21:"), "{located}");
        let e =
            Error::config("`providers.a`: bad").with_fields(vec![FieldError::new("/kind", "x")]);
        assert!(
            locate(e, "m.toml", TEXT)
                .to_string()
                .starts_with("m.toml:2:1:")
        );
    }
}
