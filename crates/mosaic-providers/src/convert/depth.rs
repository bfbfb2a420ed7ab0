//! The nesting limit of JSON sources (ADF, Notion blocks), checked
//! without recursion before anything recurses over them.

use mosaic_core::{Error, Result};
use serde_json::Value;

use super::model::MAX_SOURCE_DEPTH;

enum Level<'v> {
    Array(std::iter::Enumerate<std::slice::Iter<'v, Value>>),
    Object(serde_json::map::Iter<'v>),
}

impl<'v> Level<'v> {
    fn of(v: &'v Value) -> Option<Self> {
        match v {
            Value::Array(a) => Some(Level::Array(a.iter().enumerate())),
            Value::Object(o) => Some(Level::Object(o.iter())),
            _ => None,
        }
    }

    fn next(&mut self) -> Option<(String, &'v Value)> {
        match self {
            Level::Array(it) => it.next().map(|(i, v)| (i.to_string(), v)),
            Level::Object(it) => it
                .next()
                .map(|(k, v)| (k.replace('~', "~0").replace('/', "~1"), v)),
        }
    }
}

/// `InvalidInput` unless arrays and objects in `value` nest at most
/// [`MAX_SOURCE_DEPTH`] deep (`value` itself, when it is one, is the
/// first level). The error names the JSON pointer (after `base`) of the
/// first value past the limit, in `document` (`the ADF document`).
pub(crate) fn check_json(value: &Value, base: &str, document: &str) -> Result<()> {
    let Some(top) = Level::of(value) else {
        return Ok(());
    };
    let mut stack = vec![top];
    let mut path: Vec<String> = Vec::new();
    while let Some(level) = stack.last_mut() {
        let Some((key, child)) = level.next() else {
            stack.pop();
            path.pop();
            continue;
        };
        let Some(inner) = Level::of(child) else {
            continue;
        };
        path.push(key);
        if stack.len() == MAX_SOURCE_DEPTH {
            let pointer: String = path.iter().map(|k| format!("/{k}")).collect();
            return Err(Error::invalid_input(
                format!("`{base}{pointer}` of {document}"),
                format!("arrays and objects nest deeper than {MAX_SOURCE_DEPTH} levels, the limit"),
            ));
        }
        stack.push(inner);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use mosaic_core::ErrorKind;
    use serde_json::json;

    use super::*;

    fn nested(levels: usize) -> Value {
        let mut v = json!("x");
        for _ in 0..levels {
            v = json!({"a/b": [v]});
        }
        v
    }

    #[test]
    fn the_limit_is_inclusive_and_the_error_names_the_place() {
        // Each step of `nested` is two levels (an object and an array).
        assert!(check_json(&nested(MAX_SOURCE_DEPTH / 2), "", "the test").is_ok());
        let e = check_json(&nested(MAX_SOURCE_DEPTH / 2 + 1), "/base", "the test").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let field = e.field().unwrap();
        assert!(field.starts_with("`/base/a~1b/0/a~1b/0/"), "{field}");
        assert_eq!(field.matches("/a~1b").count(), MAX_SOURCE_DEPTH / 2);
        assert!(e.message().contains(&MAX_SOURCE_DEPTH.to_string()), "{e}");
        // Wide is not deep.
        let wide = json!({"a": vec![json!([1, [2]]); 10_000]});
        assert!(check_json(&wide, "", "the test").is_ok());
        assert!(check_json(&json!(1), "", "the test").is_ok());
    }
}
