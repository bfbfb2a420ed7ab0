//! Every property of every provider's configuration schema is read: for
//! each property (and each variant of a `oneOf`), a configuration that sets
//! it loads through the provider's strict loader; then each key of that
//! configuration, at every depth, is given a value of the wrong type, and
//! deserializing it into the provider's configuration must fail — a key whose value is never deserialized (a schema
//! property the Rust configuration lacks, hidden by `serde(flatten)`) would
//! load anyway.
#![cfg(feature = "full")]

use mosaic_core::Result;
use serde_json::{Map, Value, json};

type Load = fn(Value) -> Result<()>;

/// Per provider: its id, its schema, its strict loader (schema, then serde)
/// and serde alone (to probe what the Rust configuration reads).
struct Provider {
    id: &'static str,
    schema: &'static str,
    load: Load,
    serde: Load,
}

macro_rules! provider {
    ($id:literal, $module:ident :: $config:ident) => {
        Provider {
            id: $id,
            schema: mosaic_providers::$module::CONFIG_SCHEMA,
            load: |v| mosaic_providers::$module::$config::from_json(v).map(drop),
            serde: |v| {
                mosaic_plugin_sdk::PluginConfig::from_values(v)
                    .parse::<mosaic_providers::$module::$config>()
                    .map(drop)
            },
        }
    };
}

fn providers() -> Vec<Provider> {
    vec![
        provider!("github", github::GitHubConfig),
        provider!("gitea", gitea::GiteaConfig),
        provider!("gitlab", gitlab::GitLabConfig),
        provider!("bitbucket", bitbucket::BitbucketConfig),
        provider!("github-actions", github_actions::GitHubActionsConfig),
        provider!("gitlab-ci", gitlab_ci::GitLabCiConfig),
        provider!("jenkins", jenkins::JenkinsConfig),
        provider!("woodpecker", woodpecker::WoodpeckerConfig),
        provider!("openai", openai::OpenAiConfig),
        provider!("anthropic", anthropic::AnthropicConfig),
        provider!("ollama", ollama::OllamaConfig),
        provider!("notion", notion::NotionConfig),
        provider!("bookstack", bookstack::BookStackConfig),
        provider!("confluence", confluence::ConfluenceConfig),
        provider!("wikijs", wikijs::WikiJsConfig),
        provider!("n8n", n8n::N8nConfig),
        provider!("linear", linear::LinearConfig),
        provider!("jira", jira::JiraConfig),
    ]
}

/// A value that fits `schema` (the property named `name`).
fn sample(name: &str, schema: &Value) -> Value {
    if let Some(d) = schema.get("default") {
        return d.clone();
    }
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        return e[0].clone();
    }
    if let Some(e) = schema.get("examples").and_then(Value::as_array) {
        return e[0].clone();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") if name.contains("url") || schema.get("format") == Some(&json!("uri")) => {
            json!("https://service.example.com/api")
        }
        Some("string") if name.contains("email") => json!("a@example.com"),
        Some("string") => json!("value-1"),
        Some("integer" | "number") => schema.get("minimum").cloned().unwrap_or(json!(1)),
        Some("boolean") => json!(true),
        Some("array") => {
            let items = schema.get("items").cloned().unwrap_or(json!({}));
            json!([sample(name, &items)])
        }
        Some("object") => full_object(schema).into_iter().next().unwrap_or(json!({})),
        _ => json!("value-1"),
    }
}

/// Objects setting every property of `schema`: one per `oneOf` variant
/// (each with that variant's properties), or one with all properties.
fn full_object(schema: &Value) -> Vec<Value> {
    let props = schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let variants = schema.get("oneOf").and_then(Value::as_array);
    let with = |keys: &mut dyn Iterator<Item = &String>, consts: &Map<String, Value>| {
        let mut o = Map::new();
        for k in keys {
            let v = consts
                .get(k)
                .and_then(|c| c.get("const"))
                .cloned()
                .unwrap_or_else(|| sample(k, &props[k]));
            o.insert(k.clone(), v);
        }
        Value::Object(o)
    };
    match variants {
        Some(vs) => vs
            .iter()
            .map(|v| {
                let vp = v
                    .get("properties")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                with(&mut vp.keys(), &vp)
            })
            .collect(),
        None => vec![with(&mut props.keys(), &Map::new())],
    }
}

/// The smallest configuration that passes the schema: required keys only.
fn minimal(schema: &Value) -> Map<String, Value> {
    let props = schema["properties"].as_object().unwrap();
    let mut o = Map::new();
    for r in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let k = r.as_str().unwrap();
        let v = match props[k].get("oneOf") {
            Some(_) => full_object(&props[k]).remove(0),
            None => sample(k, &props[k]),
        };
        o.insert(k.to_owned(), v);
    }
    o
}

/// The JSON pointer of every object key in `v`, at every depth.
fn pointers(v: &Value, at: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Value::Object(o) = v {
        for (k, child) in o {
            let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
            out.extend(pointers(child, &p));
            out.push(p);
        }
    }
    out
}

#[test]
fn every_schema_property_is_read() {
    let mut checked = 0;
    for Provider {
        id,
        schema,
        load,
        serde,
    } in providers()
    {
        let schema: Value = serde_json::from_str(schema).unwrap();
        let base = minimal(&schema);
        // Linear needs one of two credentials, which its schema leaves optional.
        let base = if id == "linear" {
            let mut b = base;
            b.insert("api_key".into(), json!("lin_api_x"));
            b
        } else {
            base
        };
        load(Value::Object(base.clone()))
            .unwrap_or_else(|e| panic!("{id}: the minimal configuration does not load: {e}"));
        for (name, prop) in schema["properties"].as_object().unwrap() {
            let values = match prop.get("type").and_then(Value::as_str) {
                Some("object") => full_object(prop),
                _ => vec![sample(name, prop)],
            };
            for value in values {
                let mut doc = base.clone();
                doc.insert(name.clone(), value.clone());
                if id == "linear" && name == "access_token" {
                    doc.remove("api_key");
                }
                let doc = Value::Object(doc);
                load(doc.clone())
                    .unwrap_or_else(|e| panic!("{id}: `{name}` = {value} does not fit: {e}"));
                for pointer in pointers(&doc, "") {
                    let mut wrong = doc.clone();
                    let slot = wrong.pointer_mut(&pointer).unwrap();
                    *slot = match slot {
                        Value::Object(_) | Value::Array(_) => json!(true),
                        _ => json!({"probe": true}),
                    };
                    assert!(
                        serde(wrong).is_err(),
                        "{id}: `{pointer}` is in the schema but the configuration does not read it"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100, "{checked} properties checked");
}
