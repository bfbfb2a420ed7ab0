//! Plugin configuration: validated against the manifest's JSON Schema,
//! defaults filled in, environment overrides applied, secrets held apart.
//!
//! # Resolution order
//!
//! 1. the manifest's `config.defaults`;
//! 2. the configuration the host supplies (deep-merged over 1);
//! 3. environment overrides (below);
//! 4. each schema property's `"default"`, where nothing above set it;
//! 5. validation against the schema: every violation is reported at once,
//!    each at its JSON pointer, in one [`ErrorKind::Config`] error.
//!
//! # Environment overrides
//!
//! `MOSAIC_<PLUGIN>__<KEY>[__<KEY>…]=<value>` sets the property at that
//! path. `<PLUGIN>` is the plugin id upper-cased with each `-` turned into
//! `_`. Plugin ids are lowercase letters and digits in groups joined by
//! single `-`s (the manifest refuses anything else at `/id`), so that
//! mapping is one-to-one and never produces `__`: every prefix
//! `MOSAIC_<PLUGIN>__` belongs to exactly one id, and a variable such as
//! `MOSAIC_A__B__OWNER` is always plugin `a`'s key `B/OWNER`, never a
//! plugin `a__b`'s (no such id exists). Each `<KEY>` is a property name
//! upper-cased with every other character turned into `_` and a `_` put
//! between a lower-case letter and an upper-case one; so for plugin
//! `github-enterprise`, `MOSAIC_GITHUB_ENTERPRISE__API__BASE_URL` sets
//! `/api/baseUrl` (or `/api/base_url`). Values are parsed by the schema type
//! of the property: strings are taken verbatim, everything else is read as
//! JSON (`true`, `42`, `["a","b"]`). A variable with the plugin's prefix that
//! names no property of the schema is a violation, so typos are reported.
//! A manifest whose id was changed to an invalid one after parsing gets no
//! environment overrides at all (its prefix could be another plugin's).
//!
//! # Secrets
//!
//! Properties marked `"x-secret": true` in the schema (the standard
//! `"writeOnly": true` works too) are moved out of the plain values into
//! [`Secret`]s: [`PluginConfig::get`] does not see them, `Debug` and
//! `Serialize` print `"[REDACTED]"`, and only [`PluginConfig::secret`] (or a
//! typed [`PluginConfig::parse`] into a struct with `Secret` fields) hands
//! them out.

mod schema;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use mosaic_core::{Error, ErrorKind, FieldError, Result, Secret};
use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

pub use schema::ConfigSchema;

use crate::pointer::{child, display_pointer, located_error, segments};

/// Where environment variables come from: the process, or a fixed set
/// (tests, or a host that reads its own settings file).
///
/// `Debug` lists variable names only, never values.
#[derive(Clone, Default)]
pub struct Env {
    fixed: Option<Arc<BTreeMap<String, String>>>,
}

impl Env {
    /// The process environment.
    pub fn system() -> Self {
        Env { fixed: None }
    }

    /// A fixed set of variables.
    pub fn fixed<K: Into<String>, V: Into<String>>(vars: impl IntoIterator<Item = (K, V)>) -> Self {
        Env {
            fixed: Some(Arc::new(
                vars.into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            )),
        }
    }

    /// One variable.
    pub fn var(&self, name: &str) -> Option<String> {
        match &self.fixed {
            Some(m) => m.get(name).cloned(),
            None => std::env::var(name).ok(),
        }
    }

    /// Every variable whose name starts with `prefix`.
    pub fn with_prefix(&self, prefix: &str) -> Vec<(String, String)> {
        match &self.fixed {
            Some(m) => m
                .range(prefix.to_owned()..)
                .take_while(|(k, _)| k.starts_with(prefix))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            None => {
                let mut v: Vec<_> = std::env::vars_os()
                    .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                    .filter(|(k, _)| k.starts_with(prefix))
                    .collect();
                v.sort();
                v
            }
        }
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.fixed {
            None => f.write_str("Env::System"),
            Some(m) => f
                .debug_tuple("Env::Fixed")
                .field(&m.keys().collect::<Vec<_>>())
                .finish(),
        }
    }
}

/// The environment-variable form of a name: `baseUrl`, `base_url` and
/// `base-url` all become `BASE_URL`.
pub fn env_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
    }
    out
}

/// The prefix of a plugin's override variables: `MOSAIC_<PLUGIN>__`.
///
/// For valid plugin ids (see the module docs) this is one-to-one, and no
/// id's prefix is a prefix of another id's.
pub fn env_prefix(plugin_id: &str) -> String {
    format!("MOSAIC_{}__", env_name(plugin_id))
}

/// A plugin's resolved, validated configuration.
///
/// Cheap to clone. Secret properties are held apart as [`Secret`]s.
#[derive(Clone, Default)]
pub struct PluginConfig {
    values: Arc<Value>,
    secrets: Arc<BTreeMap<String, Secret>>,
}

impl PluginConfig {
    /// Resolve and validate the configuration of plugin `id` whose manifest
    /// declares `defaults` and `schema` (what [`PluginConfig::resolve`]
    /// reads from a manifest).
    pub(crate) fn resolve_parts(
        id: &str,
        defaults: &serde_json::Map<String, Value>,
        schema: Option<&ConfigSchema>,
        supplied: Option<&Value>,
        env: &Env,
    ) -> Result<Self> {
        let mut problems: Vec<FieldError> = Vec::new();
        let mut doc = Value::Object(defaults.clone());
        match supplied {
            None | Some(Value::Null) => {}
            Some(v @ Value::Object(_)) => merge(&mut doc, v),
            Some(other) => problems.push(FieldError::new(
                "/",
                format!(
                    "expected an object, found {}",
                    crate::pointer::describe(other)
                ),
            )),
        }
        apply_env(id, schema, env, &mut doc, &mut problems);
        if let Some(schema) = schema {
            schema.apply_defaults(&mut doc);
            problems.extend(schema.violations(&doc));
        }
        if !problems.is_empty() {
            problems.sort_by(|a, b| a.field.cmp(&b.field));
            return Err(located_error(
                ErrorKind::Config,
                &format!("invalid configuration for plugin `{id}`"),
                problems,
            ));
        }
        let mut secrets = BTreeMap::new();
        if let Some(schema) = schema {
            for ptr in schema.secret_pointers() {
                if let Some(v) = take(&mut doc, ptr) {
                    let text = match v {
                        Value::String(s) => s,
                        Value::Null => continue,
                        other => other.to_string(),
                    };
                    secrets.insert(ptr.clone(), Secret::new(text));
                }
            }
        }
        Ok(PluginConfig {
            values: Arc::new(doc),
            secrets: Arc::new(secrets),
        })
    }

    /// A configuration from plain values (no schema, no secrets).
    pub fn from_values(values: Value) -> Self {
        PluginConfig {
            values: Arc::new(values),
            secrets: Arc::default(),
        }
    }

    /// A non-secret value, by top-level key (`"url"`) or JSON pointer
    /// (`"/tls/verify"`).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.pointer(&as_pointer(key))
    }

    /// A non-secret string value.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    /// A secret value, by top-level key or JSON pointer.
    pub fn secret(&self, key: &str) -> Option<&Secret> {
        self.secrets.get(&as_pointer(key))
    }

    /// The pointers of the secrets that are set.
    pub fn secret_keys(&self) -> impl Iterator<Item = &str> {
        self.secrets.keys().map(String::as_str)
    }

    /// The non-secret values (secrets are absent from this document).
    pub fn values(&self) -> &Value {
        &self.values
    }

    /// Deserialize the whole configuration, secrets included, into `T`
    /// (declare secret fields as [`Secret`] so they stay redacted).
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T> {
        let mut doc = (*self.values).clone();
        for (ptr, secret) in self.secrets.iter() {
            put(&mut doc, ptr, Value::String(secret.expose().to_owned()));
        }
        let out = serde_path_to_error::deserialize::<_, T>(&doc).map_err(|e| {
            // serde's messages quote the offending value (`invalid type:
            // string "s3cr3t", expected u64`), and that value may be a
            // secret: name the place and the expected type only.
            let pointer = display_pointer(&path_pointer(e.path()));
            let what = without_values(&e.inner().to_string());
            Error::new(
                ErrorKind::Config,
                format!("configuration does not fit at {pointer}: {what}"),
            )
            .with_fields(vec![FieldError::new(pointer, what)])
        });
        drop(doc);
        out
    }

    /// The configuration as JSON with every secret replaced by `"[REDACTED]"`.
    pub fn redacted(&self) -> Value {
        let mut doc = (*self.values).clone();
        for ptr in self.secrets.keys() {
            put(&mut doc, ptr, Value::String("[REDACTED]".into()));
        }
        doc
    }
}

impl fmt::Debug for PluginConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PluginConfig")
            .field(&self.redacted())
            .finish()
    }
}

impl Serialize for PluginConfig {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.redacted().serialize(s)
    }
}

/// The JSON pointer of a serde path.
fn path_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter().fold(String::new(), |ptr, seg| match seg {
        Segment::Seq { index } => crate::pointer::index(&ptr, *index),
        Segment::Map { key } => child(&ptr, key),
        Segment::Enum { variant } => child(&ptr, variant),
        Segment::Unknown => ptr,
    })
}

/// What serde reports for data that does not fit a type, without the data.
///
/// serde's own messages are kept with the quoted value cut out
/// (`invalid type: string "s3cr3t", expected u64` becomes
/// `invalid type: string, expected u64`; likewise `invalid value`,
/// `unknown variant`, `unknown field`); `missing field`, `duplicate field`
/// and `invalid length` carry no data and are kept. Any other message is a
/// type's own and may quote anything, so it is replaced.
fn without_values(message: &str) -> String {
    // How serde describes the kind of an unexpected value, before the value.
    const KINDS: &[&str] = &[
        "string",
        "integer",
        "floating point",
        "boolean",
        "character",
        "byte array",
        "unit value",
        "null",
        "Option value",
        "newtype struct",
        "sequence",
        "map",
        "enum",
        "unit variant",
        "newtype variant",
        "tuple variant",
        "struct variant",
    ];
    // The code-defined `expected …` part: everything after the last
    // `, expected ` (the value, if any, comes before it).
    let expected = |rest: &str| rest.rfind(", expected ").map(|i| rest[i + 2..].to_owned());
    let with_expected = |head: String, rest: &str| match expected(rest) {
        Some(e) => format!("{head}, {e}"),
        None => head,
    };
    for what in ["invalid type", "invalid value"] {
        if let Some(rest) = message
            .strip_prefix(what)
            .and_then(|r| r.strip_prefix(": "))
        {
            let kind = KINDS
                .iter()
                .find(|k| {
                    rest.strip_prefix(**k)
                        .is_some_and(|after| after.is_empty() || after.starts_with([' ', ',']))
                })
                .copied()
                .unwrap_or("a value");
            return with_expected(format!("{what}: {kind}"), rest);
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        return with_expected("unknown variant".to_owned(), rest);
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        // The field is a key of the configuration, not a value.
        let end = rest
            .rfind("`, expected ")
            .or_else(|| rest.rfind("`, there are no fields"));
        return match end {
            Some(i) => with_expected(format!("unknown field `{}`", &rest[..i]), &rest[i..]),
            None => "unknown field".to_owned(),
        };
    }
    if message.starts_with("missing field `") || message.starts_with("duplicate field `") {
        return message.to_owned();
    }
    if let Some(rest) = message.strip_prefix("invalid length ") {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && rest[digits..].starts_with(", expected ") {
            return message.to_owned();
        }
    }
    "a value does not fit (its own message is left out, as it may quote the value)".to_owned()
}

fn as_pointer(key: &str) -> String {
    if key.starts_with('/') {
        key.to_owned()
    } else {
        child("", key)
    }
}

/// Deep-merge `over` into `base` (objects merge, everything else replaces).
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// Remove and return the value at `pointer`.
fn take(doc: &mut Value, pointer: &str) -> Option<Value> {
    let segs = segments(pointer);
    let (last, parents) = segs.split_last()?;
    let mut cur = doc;
    for s in parents {
        cur = cur.as_object_mut()?.get_mut(s)?;
    }
    cur.as_object_mut()?.remove(last)
}

/// Set the value at `pointer`, creating objects on the way.
fn put(doc: &mut Value, pointer: &str, value: Value) {
    let segs = segments(pointer);
    let Some((last, parents)) = segs.split_last() else {
        *doc = value;
        return;
    };
    let mut cur = doc;
    for s in parents {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let Value::Object(m) = cur else { return };
        cur = m
            .entry(s.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if !cur.is_object() {
        *cur = Value::Object(Map::new());
    }
    if let Value::Object(m) = cur {
        m.insert(last.clone(), value);
    }
}

fn apply_env(
    plugin_id: &str,
    schema: Option<&ConfigSchema>,
    env: &Env,
    doc: &mut Value,
    problems: &mut Vec<FieldError>,
) {
    if !is_plugin_id(plugin_id) {
        // Only valid ids have a prefix of their own (see the module docs).
        return;
    }
    let prefix = env_prefix(plugin_id);
    for (name, raw) in env.with_prefix(&prefix) {
        let keys: Vec<&str> = name[prefix.len()..].split("__").collect();
        if keys.iter().any(|k| k.is_empty()) {
            problems.push(FieldError::new(
                format!("${name}"),
                "expected MOSAIC_<PLUGIN>__<KEY>[__<KEY>…] with non-empty keys",
            ));
            continue;
        }
        // Map each upper-case key to the schema's property name.
        let mut path: Vec<String> = Vec::with_capacity(keys.len());
        let mut prop_schema: Option<&Value> = schema.map(ConfigSchema::raw);
        let mut unknown = false;
        for key in &keys {
            match schema {
                Some(_) => {
                    let found = prop_schema
                        .and_then(|s| s.get("properties"))
                        .and_then(Value::as_object)
                        .and_then(|props| props.iter().find(|(n, _)| env_name(n) == *key));
                    match found {
                        Some((n, s)) => {
                            path.push(n.clone());
                            prop_schema = Some(s);
                        }
                        None => {
                            unknown = true;
                            break;
                        }
                    }
                }
                None => path.push(key.to_ascii_lowercase()),
            }
        }
        if unknown {
            problems.push(FieldError::new(
                format!("${name}"),
                "environment override names no property of the configuration schema",
            ));
            continue;
        }
        let pointer = path.iter().fold(String::new(), |p, s| child(&p, s));
        let is_string = prop_schema
            .and_then(|s| s.get("type"))
            .is_some_and(|t| t == "string");
        let value = if is_string || schema.is_none() && serde_json::from_str::<Value>(&raw).is_err()
        {
            Value::String(raw)
        } else {
            match serde_json::from_str::<Value>(&raw) {
                Ok(v) => v,
                Err(_) if prop_schema.and_then(|s| s.get("type")).is_none() => Value::String(raw),
                Err(_) => {
                    problems.push(FieldError::new(
                        display_pointer(&pointer),
                        format!("environment override ${name} is not valid JSON for this property"),
                    ));
                    continue;
                }
            }
        };
        put(doc, &pointer, value);
    }
}

#[cfg(test)]
mod tests;

/// Whether `s` is a valid plugin id: 1-64 characters, runs of lowercase
/// ASCII letters and digits joined by single `-`s (`github`,
/// `github-enterprise`, `n8n`).
///
/// Ids map one-to-one onto environment names (`-` becomes `_`, letters are
/// upper-cased; see [`crate::config::env_prefix`]): without `_`, `.` or
/// `--`, no two ids share a name and no id's name contains the `__`
/// separator, so overrides of one plugin are never read by another.
pub(crate) fn is_plugin_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.split('-').all(|seg| {
            !seg.is_empty()
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}
