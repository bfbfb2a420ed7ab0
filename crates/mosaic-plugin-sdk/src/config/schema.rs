//! [`ConfigSchema`]: a plugin's compiled configuration schema.

use std::fmt;
use std::sync::Arc;

use jsonschema::error::ValidationErrorKind;
use mosaic_core::{ErrorKind, FieldError, Result};
use serde_json::{Map, Value};

use crate::pointer::{Problems, child, display_pointer, located_error};

/// A plugin's configuration schema (JSON Schema, draft 2020-12 unless the
/// schema's `$schema` says otherwise), compiled once.
///
/// * Properties marked `"x-secret": true` (or the standard
///   `"writeOnly": true`) are secrets: a resolved configuration holds them
///   as [`Secret`](mosaic_core::Secret) and never prints them.
/// * `"default"` values of properties fill in what a configuration leaves out.
/// * External `$ref`s are never fetched: a schema must be self-contained.
///
/// Cheap to clone.
#[derive(Clone)]
pub struct ConfigSchema {
    inner: Arc<Inner>,
}

struct Inner {
    raw: Value,
    validator: jsonschema::Validator,
    secrets: Vec<String>,
}

impl fmt::Debug for ConfigSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigSchema")
            .field("schema", &self.inner.raw)
            .field("secrets", &self.inner.secrets)
            .finish()
    }
}

impl ConfigSchema {
    /// Compile a schema. Errors name the place in the schema.
    pub fn compile(schema: &Value) -> Result<Self> {
        let mut p = Problems::default();
        match Self::compile_at(schema, "", &mut p) {
            Some(s) if p.is_empty() => Ok(s),
            _ => Err(located_error(
                ErrorKind::InvalidInput,
                "invalid configuration schema",
                p.0,
            )),
        }
    }

    pub(crate) fn compile_at(schema: &Value, ptr: &str, p: &mut Problems) -> Option<Self> {
        if !schema.is_object() {
            p.expected(ptr, "a JSON Schema object", schema);
            return None;
        }
        if let Some(t) = schema.get("type")
            && t != "object"
        {
            p.push(
                child(ptr, "type"),
                "a configuration schema must describe an object (\"type\": \"object\")",
            );
            return None;
        }
        let validator = match jsonschema::options().offline().build(schema) {
            Ok(v) => v,
            Err(e) => {
                let at = format!("{ptr}{}", e.instance_path().as_str());
                p.push(
                    display_pointer(&at),
                    format!("invalid JSON Schema: {}", e.masked()),
                );
                return None;
            }
        };
        let mut secrets = Vec::new();
        collect_secrets(schema, "", &mut secrets);
        Some(ConfigSchema {
            inner: Arc::new(Inner {
                raw: schema.clone(),
                validator,
                secrets,
            }),
        })
    }

    /// The schema as written.
    pub fn raw(&self) -> &Value {
        &self.inner.raw
    }

    /// JSON pointers (into a configuration) of the secret properties.
    pub fn secret_pointers(&self) -> &[String] {
        &self.inner.secrets
    }

    /// Whether the value at `pointer` is a secret (or inside one).
    pub fn is_secret(&self, pointer: &str) -> bool {
        self.inner.secrets.iter().any(|s| {
            pointer == s || (pointer.starts_with(s.as_str()) && pointer[s.len()..].starts_with('/'))
        })
    }

    /// Every violation of `instance`, each at the pointer of the offending
    /// value (for a missing property: the property's own pointer). Messages
    /// never include the values.
    pub fn violations(&self, instance: &Value) -> Vec<FieldError> {
        self.located_violations(instance)
            .into_iter()
            .map(|(f, _)| f)
            .collect()
    }

    /// Violations, each flagged when it is a missing required property.
    fn located_violations(&self, instance: &Value) -> Vec<(FieldError, bool)> {
        self.inner
            .validator
            .iter_errors(instance)
            .flat_map(|e| {
                // An unknown key is reported at its own pointer.
                if let ValidationErrorKind::AdditionalProperties { unexpected } = e.kind() {
                    let at = e.instance_path().as_str().to_owned();
                    return unexpected
                        .iter()
                        .map(|k| {
                            (
                                FieldError::new(
                                    display_pointer(&child(&at, k)),
                                    "unknown key (not in the schema)",
                                ),
                                false,
                            )
                        })
                        .collect::<Vec<_>>();
                }
                let (at, missing) = match e.kind() {
                    ValidationErrorKind::Required { property } => {
                        let name = property
                            .as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| property.to_string());
                        (child(e.instance_path().as_str(), &name), true)
                    }
                    _ => (e.instance_path().as_str().to_owned(), false),
                };
                vec![(
                    FieldError::new(display_pointer(&at), e.masked().to_string()),
                    missing,
                )]
            })
            .collect()
    }

    /// Fill in the `default` of every property missing from `instance`,
    /// descending into nested objects (creating one where a nested property
    /// has a default).
    pub fn apply_defaults(&self, instance: &mut Value) {
        fill_defaults(&self.inner.raw, instance);
    }

    /// Check manifest defaults: each given value against its property's schema.
    pub(crate) fn check_defaults(
        &self,
        defaults: &Map<String, Value>,
        ptr: &str,
        p: &mut Problems,
    ) {
        let mut merged = Value::Object(defaults.clone());
        self.apply_defaults(&mut merged);
        for (v, missing) in self.located_violations(&merged) {
            // A missing required property is not a problem of the defaults.
            if missing {
                continue;
            }
            let rel = if v.field == "/" { "" } else { v.field.as_str() };
            p.push(display_pointer(&format!("{ptr}{rel}")), v.message);
        }
    }
}

fn is_secret_schema(s: &Value) -> bool {
    s.get("x-secret").and_then(Value::as_bool) == Some(true)
        || s.get("writeOnly").and_then(Value::as_bool) == Some(true)
}

fn collect_secrets(schema: &Value, at: &str, out: &mut Vec<String>) {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, sub) in props {
        let ptr = child(at, name);
        if is_secret_schema(sub) {
            out.push(ptr);
        } else {
            collect_secrets(sub, &ptr, out);
        }
    }
}

fn has_nested_default(schema: &Value) -> bool {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|props| {
            props
                .values()
                .any(|s| s.get("default").is_some() || has_nested_default(s))
        })
}

fn fill_defaults(schema: &Value, instance: &mut Value) {
    let (Some(props), Some(obj)) = (
        schema.get("properties").and_then(Value::as_object),
        instance.as_object_mut(),
    ) else {
        return;
    };
    for (name, sub) in props {
        match obj.get_mut(name) {
            Some(existing) => fill_defaults(sub, existing),
            None => {
                if let Some(d) = sub.get("default") {
                    let mut d = d.clone();
                    fill_defaults(sub, &mut d);
                    obj.insert(name.clone(), d);
                } else if has_nested_default(sub) {
                    let mut v = Value::Object(Map::new());
                    fill_defaults(sub, &mut v);
                    obj.insert(name.clone(), v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> ConfigSchema {
        ConfigSchema::compile(&json!({
            "type": "object",
            "required": ["url"],
            "properties": {
                "url": {"type": "string", "format": "uri"},
                "token": {"type": "string", "x-secret": true},
                "retries": {"type": "integer", "minimum": 0, "default": 3},
                "tls": {"type": "object", "properties": {
                    "verify": {"type": "boolean", "default": true},
                    "password": {"type": "string", "writeOnly": true}
                }}
            }
        }))
        .unwrap()
    }

    #[test]
    fn finds_secrets_and_fills_defaults() {
        let s = schema();
        assert_eq!(s.secret_pointers(), ["/tls/password", "/token"]);
        assert!(s.is_secret("/token"));
        assert!(!s.is_secret("/tokens"));
        let mut v = json!({"url": "https://x"});
        s.apply_defaults(&mut v);
        assert_eq!(
            v,
            json!({"url": "https://x", "retries": 3, "tls": {"verify": true}})
        );
        let mut v = json!({"url": "https://x", "retries": 5, "tls": {}});
        s.apply_defaults(&mut v);
        assert_eq!(v["retries"], 5);
        assert_eq!(v["tls"]["verify"], true);
    }

    #[test]
    fn every_violation_with_its_pointer_and_no_value() {
        let s = schema();
        let v = s.violations(&json!({"retries": -1, "token": 5, "tls": {"verify": "sekrit"}}));
        let mut fields: Vec<_> = v.iter().map(|f| f.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(fields, ["/retries", "/tls/verify", "/token", "/url"]);
        assert!(v.iter().all(|f| !f.message.contains("sekrit")), "{v:?}");
    }

    #[test]
    fn bad_schemas_are_located() {
        let e = ConfigSchema::compile(&json!({"type": "object", "properties": {"a": {"type": 5}}}))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.field().unwrap().starts_with("/properties/a"), "{e:?}");
        let e = ConfigSchema::compile(&json!({"type": "string"})).unwrap_err();
        assert_eq!(e.field(), Some("/type"));
        let e =
            ConfigSchema::compile(&json!({"$ref": "https://example.invalid/s.json"})).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
}
