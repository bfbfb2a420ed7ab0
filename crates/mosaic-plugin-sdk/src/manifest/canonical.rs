//! The canonical text of a JSON value: what signatures are computed over.

use serde_json::Value;

/// The canonical text of `value`: no insignificant whitespace, object keys
/// sorted by their UTF-8 bytes (at every depth), strings escaped as
/// `serde_json` escapes them, numbers in their shortest `serde_json` form.
///
/// Two documents that differ only in key order or formatting have the same
/// canonical text; any change of content changes it.
///
/// ```
/// use mosaic_plugin_sdk::manifest::canonical_json;
/// let a: serde_json::Value = serde_json::from_str(r#"{ "b": 1, "a": [true, "x"] }"#).unwrap();
/// assert_eq!(canonical_json(&a), r#"{"a":[true,"x"],"b":1}"#);
/// ```
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            // Scalars print canonically already (serde_json never fails on them).
            out.push_str(&value.to_string());
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write(&map[k.as_str()], out);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn order_and_whitespace_do_not_matter() {
        let a: Value = serde_json::from_str(r#"{"z": {"b": 2, "a": 1}, "a": "é\n"}"#).unwrap();
        let b = json!({"a": "é\n", "z": {"a": 1, "b": 2}});
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert_eq!(canonical_json(&a), r#"{"a":"é\n","z":{"a":1,"b":2}}"#);
        assert_ne!(
            canonical_json(&a),
            canonical_json(&json!({"a": "é\n", "z": {"a": 1, "b": 3}}))
        );
    }
}
