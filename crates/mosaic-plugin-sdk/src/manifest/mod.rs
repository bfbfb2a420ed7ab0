//! [`PluginManifest`]: the `plugin.json` that describes a plugin.
//!
//! ```json
//! {
//!   "id": "github",
//!   "name": "GitHub",
//!   "version": "1.2.0",
//!   "description": "Repositories, pull requests and Actions on github.com",
//!   "families": ["git", "cicd"],
//!   "provider": "github",
//!   "author": "The Mosaic developers",
//!   "license": "MIT OR Apache-2.0",
//!   "keywords": ["forge"],
//!   "engines": { "mosaic": "^0.1" },
//!   "dependencies": { "http-cache": "^1.0" },
//!   "capabilities": { "git": ["git.repository.create", "git.repository.get"], "cicd": "*" },
//!   "permissions": {
//!     "network": { "hosts": ["api.github.com", "*.githubusercontent.com"], "allowHttp": false },
//!     "environment": ["GITHUB_TOKEN"],
//!     "filesystem": "none"
//!   },
//!   "config": {
//!     "schema": { "type": "object", "properties": { "token": { "type": "string", "x-secret": true } } },
//!     "defaults": {}
//!   },
//!   "limits": { "callTimeoutMs": 30000, "maxConcurrency": 64, "hookTimeoutMs": 10000 },
//!   "integrity": {
//!     "contentHash": "sha256:…64 hex digits…",
//!     "signature": { "keyId": "mosaic-release", "value": "…base64 of 64 bytes…" }
//!   }
//! }
//! ```
//!
//! Required: `id`, `name`, `version`, `families`, `provider`, `engines.mosaic`.
//! Everything else is optional. Unknown keys are errors (typos are caught),
//! except top-level keys starting with `x-`, which are kept as extensions.
//! `filesystem` is `"none"` or `{ "readonly": ["/path", …] }`; `network` may
//! also be given as a bare list of host globs. A capability list of `"*"`
//! means every operation of the family.
//!
//! [`PluginManifest::parse`] reports every problem at once, each at its JSON
//! pointer, with what was expected there.

mod canonical;
mod integrity;
mod parse;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use mosaic_core::{Capabilities, Error, Family, OpKind, Result};
use semver::{Version, VersionReq};
use serde_json::{Map, Value, json};

use crate::config::{ConfigSchema, Env, PluginConfig};

pub use canonical::canonical_json;
pub use integrity::{Integrity, ManifestSignature};

/// The version of this SDK, which `engines.mosaic` ranges are checked against.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A parsed and validated plugin manifest (`plugin.json`).
///
/// Built only by [`PluginManifest::parse`] / [`PluginManifest::from_value`];
/// fields may be read and, for tests and tools, changed (a change
/// invalidates any signature, which covers the whole manifest).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PluginManifest {
    /// Stable identifier: lowercase letters, digits, `.`, `_` and `-`.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// The plugin's version.
    pub version: Version,
    /// What the plugin does.
    pub description: Option<String>,
    /// The provider families it implements (at least one).
    pub families: Vec<Family>,
    /// The provider it talks to (`github`, `openai`, ...).
    pub provider: String,
    /// Who wrote it.
    pub author: Option<String>,
    /// Its license (SPDX expression).
    pub license: Option<String>,
    /// Search keywords.
    pub keywords: Vec<String>,
    /// The range of SDK versions it works with (`engines.mosaic`).
    pub engine: VersionReq,
    /// Other plugins it needs, by id, with the versions it accepts.
    pub dependencies: BTreeMap<String, VersionReq>,
    /// The operations it offers, per family (validated operation names).
    pub capabilities: BTreeMap<Family, Vec<&'static str>>,
    /// What it may touch.
    pub permissions: Permissions,
    /// Its configuration schema and defaults.
    pub config: ConfigSpec,
    /// Resource limits the host enforces.
    pub limits: Limits,
    /// Content hash and signature, when shipped.
    pub integrity: Option<Integrity>,
    /// Top-level `x-…` keys, kept verbatim.
    pub extensions: BTreeMap<String, Value>,
}

/// What a plugin declares it may touch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions {
    /// Hosts it may call.
    pub network: NetworkPermission,
    /// Environment variables it may read, by exact name.
    pub environment: Vec<String>,
    /// Files it may read.
    pub filesystem: FilesystemPermission,
}

/// Hosts a plugin may call over HTTP.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkPermission {
    /// Host globs (`api.github.com`, `*.example.com`, `127.0.0.1:8080`),
    /// matched case-insensitively; a pattern ending in `:<port>` also
    /// matches the port.
    pub hosts: Vec<String>,
    /// Whether plain `http://` is allowed (otherwise only `https://`).
    pub allow_http: bool,
}

/// Files a plugin may read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FilesystemPermission {
    /// No file access.
    #[default]
    None,
    /// Read access below these paths.
    ReadOnly(Vec<PathBuf>),
}

/// The `config` section: a JSON Schema plus default values.
#[derive(Debug, Clone, Default)]
pub struct ConfigSpec {
    /// The compiled schema (none: any JSON object is accepted).
    pub schema: Option<ConfigSchema>,
    /// Values used where the supplied configuration has none.
    pub defaults: Map<String, Value>,
}

/// Resource limits a host enforces on a plugin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Longest a call through a plugin handle may take.
    pub call_timeout: Option<Duration>,
    /// Most calls in flight at once through a plugin handle.
    pub max_concurrency: Option<usize>,
    /// Longest a lifecycle hook may take (overrides the host's default).
    pub hook_timeout: Option<Duration>,
}

impl PluginManifest {
    /// Parse and validate `plugin.json` text.
    ///
    /// Every problem is reported at once in one `InvalidInput` error whose
    /// [`fields`](Error::fields) are the JSON pointers and what was expected.
    pub fn parse(text: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            Error::invalid_input(
                "/",
                format!(
                    "expected a JSON document: {} at line {} column {}",
                    syntax_class(&e),
                    e.line(),
                    e.column()
                ),
            )
        })?;
        Self::from_value(&value)
    }

    /// Validate an already parsed JSON document.
    pub fn from_value(value: &Value) -> Result<Self> {
        parse::manifest(value)
    }

    /// `id@version`.
    pub fn key(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }

    /// Whether the plugin implements `family`.
    pub fn implements(&self, family: Family) -> bool {
        self.families.contains(&family)
    }

    /// The declared capabilities of `family` as a bit set (`None` when the
    /// family is not declared).
    pub fn capabilities_of(&self, family: Family) -> Option<Capabilities> {
        let names = self.capabilities.get(&family)?;
        Some(match family {
            Family::Git => caps::<mosaic_core::git::GitOp>(names),
            Family::CiCd => caps::<mosaic_core::cicd::CiCdOp>(names),
            Family::Ai => caps::<mosaic_core::ai::AiOp>(names),
            Family::KnowledgeBase => caps::<mosaic_core::kb::KbOp>(names),
            Family::Workflow => caps::<mosaic_core::workflow::WorkflowOp>(names),
            Family::Project => caps::<mosaic_core::project::ProjectOp>(names),
        })
    }

    /// Whether the operation named `op` (e.g. `git.repository.create`) is declared.
    pub fn declares_operation(&self, op: &str) -> bool {
        self.capabilities.values().any(|ops| ops.contains(&op))
    }

    /// Check `engines.mosaic` against this SDK's version ([`SDK_VERSION`]).
    pub fn check_engine(&self) -> Result<()> {
        check_engine_against(self, &sdk_version())
    }

    /// The manifest as JSON, in the `plugin.json` shape (round-trips through
    /// [`PluginManifest::from_value`]).
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("name".into(), json!(self.name));
        m.insert("version".into(), json!(self.version.to_string()));
        if let Some(d) = &self.description {
            m.insert("description".into(), json!(d));
        }
        m.insert(
            "families".into(),
            json!(self.families.iter().map(|f| f.as_str()).collect::<Vec<_>>()),
        );
        m.insert("provider".into(), json!(self.provider));
        if let Some(a) = &self.author {
            m.insert("author".into(), json!(a));
        }
        if let Some(l) = &self.license {
            m.insert("license".into(), json!(l));
        }
        if !self.keywords.is_empty() {
            m.insert("keywords".into(), json!(self.keywords));
        }
        m.insert(
            "engines".into(),
            json!({ "mosaic": self.engine.to_string() }),
        );
        if !self.dependencies.is_empty() {
            let deps: Map<String, Value> = self
                .dependencies
                .iter()
                .map(|(k, v)| (k.clone(), json!(v.to_string())))
                .collect();
            m.insert("dependencies".into(), Value::Object(deps));
        }
        if !self.capabilities.is_empty() {
            let caps: Map<String, Value> = self
                .capabilities
                .iter()
                .map(|(f, ops)| (f.as_str().to_owned(), json!(ops)))
                .collect();
            m.insert("capabilities".into(), Value::Object(caps));
        }
        m.insert("permissions".into(), self.permissions.to_value());
        let mut config = Map::new();
        if let Some(s) = &self.config.schema {
            config.insert("schema".into(), s.raw().clone());
        }
        if !self.config.defaults.is_empty() {
            config.insert(
                "defaults".into(),
                Value::Object(self.config.defaults.clone()),
            );
        }
        if !config.is_empty() {
            m.insert("config".into(), Value::Object(config));
        }
        let mut limits = Map::new();
        if let Some(t) = self.limits.call_timeout {
            limits.insert("callTimeoutMs".into(), json!(t.as_millis() as u64));
        }
        if let Some(c) = self.limits.max_concurrency {
            limits.insert("maxConcurrency".into(), json!(c));
        }
        if let Some(t) = self.limits.hook_timeout {
            limits.insert("hookTimeoutMs".into(), json!(t.as_millis() as u64));
        }
        if !limits.is_empty() {
            m.insert("limits".into(), Value::Object(limits));
        }
        if let Some(i) = &self.integrity {
            m.insert("integrity".into(), i.to_value());
        }
        for (k, v) in &self.extensions {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }
}

impl Permissions {
    fn to_value(&self) -> Value {
        let fs = match &self.filesystem {
            FilesystemPermission::None => json!("none"),
            FilesystemPermission::ReadOnly(paths) => json!({
                "readonly": paths.iter().map(|p| p.to_string_lossy().into_owned()).collect::<Vec<_>>()
            }),
        };
        json!({
            "network": { "hosts": self.network.hosts, "allowHttp": self.network.allow_http },
            "environment": self.environment,
            "filesystem": fs,
        })
    }
}

fn caps<K: OpKind>(names: &[&'static str]) -> Capabilities {
    Capabilities::of(K::ALL.iter().copied().filter(|k| names.contains(&k.name())))
}

/// This SDK's version, parsed.
pub(crate) fn sdk_version() -> Version {
    Version::parse(SDK_VERSION).unwrap_or_else(|_| Version::new(0, 0, 0))
}

pub(crate) fn check_engine_against(manifest: &PluginManifest, sdk: &Version) -> Result<()> {
    if manifest.engine.matches(sdk) {
        Ok(())
    } else {
        Err(Error::invalid_input(
            "/engines/mosaic",
            format!(
                "plugin `{}` requires Mosaic {}, but this SDK is {sdk}",
                manifest.key(),
                manifest.engine
            ),
        ))
    }
}

fn syntax_class(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "invalid data",
        serde_json::error::Category::Eof => "unexpected end of input",
    }
}

impl PluginConfig {
    /// Resolve and validate the configuration of `manifest`'s plugin from
    /// what the host `supplied` and the environment `env` (see the
    /// [`config`](crate::config) module docs for the order). Every
    /// violation is reported at once.
    pub fn resolve(manifest: &PluginManifest, supplied: Option<&Value>, env: &Env) -> Result<Self> {
        PluginConfig::resolve_parts(
            &manifest.id,
            &manifest.config.defaults,
            manifest.config.schema.as_ref(),
            supplied,
            env,
        )
    }
}

#[cfg(test)]
mod tests;
