//! Reading a `plugin.json` value into a [`PluginManifest`], collecting every
//! problem with its JSON pointer.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use mosaic_core::{Error, ErrorKind, Family, Result};
use semver::{Version, VersionReq};
use serde_json::{Map, Value};

use super::Integrity;
use super::{
    ConfigSpec, FilesystemPermission, Limits, NetworkPermission, Permissions, PluginManifest,
};
use crate::config::{ConfigSchema, is_plugin_id};
use crate::net::HostPattern;
use crate::pointer::{Problems, child, index, located_error};

const TOP_LEVEL: &[&str] = &[
    "id",
    "name",
    "version",
    "description",
    "families",
    "provider",
    "author",
    "license",
    "keywords",
    "engines",
    "dependencies",
    "capabilities",
    "permissions",
    "config",
    "limits",
    "integrity",
];

pub(super) fn manifest(value: &Value) -> Result<PluginManifest> {
    let mut p = Problems::default();
    let Some(obj) = value.as_object() else {
        p.expected("", "a JSON object (the plugin manifest)", value);
        return Err(fail(p));
    };
    let mut extensions = BTreeMap::new();
    for (k, v) in obj {
        if k.starts_with("x-") {
            extensions.insert(k.clone(), v.clone());
        } else if !TOP_LEVEL.contains(&k.as_str()) {
            p.push(
                child("", k),
                format!(
                    "unknown key; expected one of {}, or an `x-` extension",
                    TOP_LEVEL.join(", ")
                ),
            );
        }
    }

    let id = required(obj, "", "id", &mut p, plugin_id);
    let name = required(obj, "", "name", &mut p, non_empty_string);
    let version = required(obj, "", "version", &mut p, version);
    let description = optional(obj, "", "description", &mut p, string);
    let families = required(obj, "", "families", &mut p, families);
    let provider = required(obj, "", "provider", &mut p, |v, ptr, p| {
        identifier(v, ptr, p)
    });
    let author = optional(obj, "", "author", &mut p, string);
    let license = optional(obj, "", "license", &mut p, non_empty_string);
    let keywords = optional(obj, "", "keywords", &mut p, string_list).unwrap_or_default();
    let engine = required(obj, "", "engines", &mut p, engines);
    let dependencies = optional(obj, "", "dependencies", &mut p, dependencies).unwrap_or_default();
    let capabilities = optional(obj, "", "capabilities", &mut p, capabilities).unwrap_or_default();
    let permissions = optional(obj, "", "permissions", &mut p, permissions).unwrap_or_default();
    let config = optional(obj, "", "config", &mut p, config).unwrap_or_default();
    let limits = optional(obj, "", "limits", &mut p, limits).unwrap_or_default();
    let integrity = optional(obj, "", "integrity", &mut p, |v, ptr, p| {
        Integrity::parse(v, ptr, p)
    });

    if let (Some(families), false) = (&families, capabilities.is_empty()) {
        for family in capabilities.keys() {
            if !families.contains(family) {
                p.push(
                    child("/capabilities", family.as_str()),
                    format!("family `{family}` is not listed in /families"),
                );
            }
        }
    }
    if let Some(id) = &id
        && dependencies.contains_key(id)
    {
        p.push(
            child("/dependencies", id),
            "a plugin cannot depend on itself",
        );
    }

    match (id, name, version, families, provider, engine) {
        (Some(id), Some(name), Some(version), Some(families), Some(provider), Some(engine))
            if p.is_empty() =>
        {
            Ok(PluginManifest {
                id,
                name,
                version,
                description,
                families,
                provider,
                author,
                license,
                keywords,
                engine,
                dependencies,
                capabilities,
                permissions,
                config,
                limits,
                integrity,
                extensions,
            })
        }
        _ => Err(fail(p)),
    }
}

fn fail(mut p: Problems) -> Error {
    if p.is_empty() {
        // Every reader records what it rejects; this is only a safety net.
        p.push("/", "invalid manifest");
    }
    located_error(ErrorKind::InvalidInput, "invalid plugin manifest", p.0)
}

type Reader<T> = fn(&Value, &str, &mut Problems) -> Option<T>;

fn required<T>(
    obj: &Map<String, Value>,
    parent: &str,
    key: &str,
    p: &mut Problems,
    read: impl FnOnce(&Value, &str, &mut Problems) -> Option<T>,
) -> Option<T> {
    let ptr = child(parent, key);
    match obj.get(key) {
        Some(v) => read(v, &ptr, p),
        None => {
            p.push(ptr, "required key is missing");
            None
        }
    }
}

fn optional<T>(
    obj: &Map<String, Value>,
    parent: &str,
    key: &str,
    p: &mut Problems,
    read: impl FnOnce(&Value, &str, &mut Problems) -> Option<T>,
) -> Option<T> {
    obj.get(key).and_then(|v| read(v, &child(parent, key), p))
}

fn object<'a>(
    v: &'a Value,
    ptr: &str,
    p: &mut Problems,
    allowed: &[&str],
) -> Option<&'a Map<String, Value>> {
    let Some(obj) = v.as_object() else {
        p.expected(ptr, "an object", v);
        return None;
    };
    for k in obj.keys() {
        if !allowed.contains(&k.as_str()) {
            p.push(
                child(ptr, k),
                format!("unknown key; expected one of {}", allowed.join(", ")),
            );
        }
    }
    Some(obj)
}

fn string(v: &Value, ptr: &str, p: &mut Problems) -> Option<String> {
    match v.as_str() {
        Some(s) => Some(s.to_owned()),
        None => {
            p.expected(ptr, "a string", v);
            None
        }
    }
}

fn non_empty_string(v: &Value, ptr: &str, p: &mut Problems) -> Option<String> {
    let s = string(v, ptr, p)?;
    if s.trim().is_empty() {
        p.push(ptr, "expected a non-empty string");
        return None;
    }
    Some(s)
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

fn identifier(v: &Value, ptr: &str, p: &mut Problems) -> Option<String> {
    let s = string(v, ptr, p)?;
    if is_identifier(&s) {
        Some(s)
    } else {
        p.push(
            ptr,
            "expected an identifier: 1-64 characters, lowercase letters, digits, `.`, `_` or `-`, starting with a letter or digit",
        );
        None
    }
}

/// What [`is_plugin_id`] allows, for error messages.
const PLUGIN_ID_RULE: &str = "1-64 characters, lowercase letters `a-z` and digits `0-9` in groups joined by single `-` (such as `github-enterprise`); `_`, `.`, upper case, and leading, trailing or doubled `-` are not allowed";

fn plugin_id(v: &Value, ptr: &str, p: &mut Problems) -> Option<String> {
    let s = string(v, ptr, p)?;
    if is_plugin_id(&s) {
        Some(s)
    } else {
        p.push(ptr, format!("expected a plugin id: {PLUGIN_ID_RULE}"));
        None
    }
}

fn string_list(v: &Value, ptr: &str, p: &mut Problems) -> Option<Vec<String>> {
    let Some(items) = v.as_array() else {
        p.expected(ptr, "an array of strings", v);
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match string(item, &index(ptr, i), p) {
            Some(s) => out.push(s),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn version(v: &Value, ptr: &str, p: &mut Problems) -> Option<Version> {
    let s = string(v, ptr, p)?;
    match Version::parse(&s) {
        Ok(v) => Some(v),
        Err(e) => {
            p.push(
                ptr,
                format!("expected a semantic version such as \"1.2.3\": {e}"),
            );
            None
        }
    }
}

fn version_req(v: &Value, ptr: &str, p: &mut Problems) -> Option<VersionReq> {
    let s = string(v, ptr, p)?;
    match VersionReq::parse(&s) {
        Ok(r) => Some(r),
        Err(e) => {
            p.push(
                ptr,
                format!("expected a semver range such as \"^1.2\" or \">=1, <3\": {e}"),
            );
            None
        }
    }
}

fn families(v: &Value, ptr: &str, p: &mut Problems) -> Option<Vec<Family>> {
    let names = string_list(v, ptr, p)?;
    if names.is_empty() {
        p.push(ptr, "expected at least one family");
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (i, name) in names.iter().enumerate() {
        match Family::parse(name) {
            Some(f) if out.contains(&f) => {
                p.push(index(ptr, i), format!("family `{f}` is listed twice"));
                ok = false;
            }
            Some(f) => out.push(f),
            None => {
                p.push(index(ptr, i), family_expected());
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

fn family_expected() -> String {
    let names: Vec<_> = Family::ALL.iter().map(|f| format!("\"{f}\"")).collect();
    format!("expected a family: one of {}", names.join(", "))
}

fn engines(v: &Value, ptr: &str, p: &mut Problems) -> Option<VersionReq> {
    let obj = object(v, ptr, p, &["mosaic"])?;
    required(obj, ptr, "mosaic", p, version_req)
}

fn dependencies(v: &Value, ptr: &str, p: &mut Problems) -> Option<BTreeMap<String, VersionReq>> {
    let Some(obj) = v.as_object() else {
        p.expected(ptr, "an object mapping plugin ids to version ranges", v);
        return None;
    };
    let mut out = BTreeMap::new();
    for (k, v) in obj {
        let kp = child(ptr, k);
        if !is_plugin_id(k) {
            p.push(
                kp.clone(),
                format!("expected a plugin id as the key: {PLUGIN_ID_RULE}"),
            );
            continue;
        }
        if let Some(req) = version_req(v, &kp, p) {
            out.insert(k.clone(), req);
        }
    }
    Some(out)
}

fn capabilities(
    v: &Value,
    ptr: &str,
    p: &mut Problems,
) -> Option<BTreeMap<Family, Vec<&'static str>>> {
    let Some(obj) = v.as_object() else {
        p.expected(ptr, "an object mapping families to operation names", v);
        return None;
    };
    let mut out = BTreeMap::new();
    for (k, v) in obj {
        let kp = child(ptr, k);
        let Some(family) = Family::parse(k) else {
            p.push(kp, format!("unknown family key; {}", family_expected()));
            continue;
        };
        let known = family.operation_names();
        if v.as_str() == Some("*") {
            out.insert(family, known.to_vec());
            continue;
        }
        let Some(items) = v.as_array() else {
            p.expected(&kp, "an array of operation names or \"*\"", v);
            continue;
        };
        let mut ops = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let ip = index(&kp, i);
            let Some(name) = item.as_str() else {
                p.expected(&ip, "an operation name", item);
                continue;
            };
            match known.iter().find(|n| **n == name) {
                Some(n) if ops.contains(n) => {
                    p.push(ip, format!("operation `{name}` is listed twice"))
                }
                Some(n) => ops.push(*n),
                None => p.push(
                    ip,
                    format!(
                        "expected an operation of family `{family}` (such as `{}`)",
                        known[0]
                    ),
                ),
            }
        }
        out.insert(family, ops);
    }
    Some(out)
}

fn permissions(v: &Value, ptr: &str, p: &mut Problems) -> Option<Permissions> {
    let obj = object(v, ptr, p, &["network", "environment", "filesystem"])?;
    let network = optional(obj, ptr, "network", p, network).unwrap_or_default();
    let environment = optional(obj, ptr, "environment", p, env_names).unwrap_or_default();
    let filesystem = optional(obj, ptr, "filesystem", p, filesystem).unwrap_or_default();
    Some(Permissions {
        network,
        environment,
        filesystem,
    })
}

fn network(v: &Value, ptr: &str, p: &mut Problems) -> Option<NetworkPermission> {
    let (hosts, hosts_ptr, allow_http) = match v {
        Value::Array(_) => (string_list(v, ptr, p)?, ptr.to_owned(), false),
        Value::Object(_) => {
            let obj = object(v, ptr, p, &["hosts", "allowHttp"])?;
            let hosts = optional(obj, ptr, "hosts", p, string_list).unwrap_or_default();
            let allow_http = optional(obj, ptr, "allowHttp", p, boolean).unwrap_or(false);
            (hosts, child(ptr, "hosts"), allow_http)
        }
        _ => {
            p.expected(
                ptr,
                "an array of host globs or an object {hosts, allowHttp}",
                v,
            );
            return None;
        }
    };
    for (i, h) in hosts.iter().enumerate() {
        if let Err(e) = HostPattern::new(h) {
            p.push(index(&hosts_ptr, i), e);
        }
    }
    Some(NetworkPermission { hosts, allow_http })
}

fn boolean(v: &Value, ptr: &str, p: &mut Problems) -> Option<bool> {
    match v.as_bool() {
        Some(b) => Some(b),
        None => {
            p.expected(ptr, "a boolean", v);
            None
        }
    }
}

fn env_names(v: &Value, ptr: &str, p: &mut Problems) -> Option<Vec<String>> {
    let names = string_list(v, ptr, p)?;
    for (i, n) in names.iter().enumerate() {
        let ok = !n.is_empty() && !n.contains('=') && !n.contains('\0') && !n.contains('*');
        if !ok {
            p.push(
                index(ptr, i),
                "expected an exact environment variable name (no `=`, `*` or NUL)",
            );
        }
    }
    Some(names)
}

fn filesystem(v: &Value, ptr: &str, p: &mut Problems) -> Option<FilesystemPermission> {
    match v {
        Value::String(s) if s == "none" => Some(FilesystemPermission::None),
        Value::Object(_) => {
            let obj = object(v, ptr, p, &["readonly"])?;
            let paths: Vec<String> = required(obj, ptr, "readonly", p, string_list)?;
            let rp = child(ptr, "readonly");
            let mut out = Vec::new();
            for (i, path) in paths.iter().enumerate() {
                let pb = PathBuf::from(path);
                if pb.is_absolute() {
                    out.push(pb);
                } else {
                    p.push(index(&rp, i), "expected an absolute path");
                }
            }
            Some(FilesystemPermission::ReadOnly(out))
        }
        _ => {
            p.expected(ptr, "\"none\" or an object {\"readonly\": [paths]}", v);
            None
        }
    }
}

fn config(v: &Value, ptr: &str, p: &mut Problems) -> Option<ConfigSpec> {
    let obj = object(v, ptr, p, &["schema", "defaults"])?;
    let schema = optional(obj, ptr, "schema", p, |v, ptr, p| {
        ConfigSchema::compile_at(v, ptr, p)
    });
    let defaults = optional(obj, ptr, "defaults", p, |v, ptr, p| match v.as_object() {
        Some(m) => Some(m.clone()),
        None => {
            p.expected(ptr, "an object of default values", v);
            None
        }
    })
    .unwrap_or_default();
    if let Some(schema) = &schema {
        // Defaults must themselves be a valid (partial) configuration: check
        // every value the defaults give against the schema of its property.
        schema.check_defaults(&defaults, &child(ptr, "defaults"), p);
    }
    Some(ConfigSpec { schema, defaults })
}

fn limits(v: &Value, ptr: &str, p: &mut Problems) -> Option<Limits> {
    let obj = object(
        v,
        ptr,
        p,
        &["callTimeoutMs", "maxConcurrency", "hookTimeoutMs"],
    )?;
    let positive: Reader<u64> = |v, ptr, p| match v.as_u64() {
        Some(n) if n > 0 => Some(n),
        _ => {
            p.expected(ptr, "a positive integer", v);
            None
        }
    };
    Some(Limits {
        call_timeout: optional(obj, ptr, "callTimeoutMs", p, positive).map(Duration::from_millis),
        max_concurrency: optional(obj, ptr, "maxConcurrency", p, positive)
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        hook_timeout: optional(obj, ptr, "hookTimeoutMs", p, positive).map(Duration::from_millis),
    })
}
