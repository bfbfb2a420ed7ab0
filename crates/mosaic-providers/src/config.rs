//! Settings every provider's configuration shares (see each provider's
//! `config.schema.json`), and [`load`], the one strict loader every
//! provider's `from_json` goes through.
//!
//! Retries, rate limits and circuit breaking are not provider settings:
//! they are layers a host (or `mosaic.toml`'s per-instance `stack`) puts
//! around the provider's service.

use std::time::Duration;

use mosaic_core::{Error, FieldError, Result};
use mosaic_plugin_sdk::{ConfigSchema, HttpClient, PluginConfig};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::http::TransportBuilder;

/// Transport settings of one provider instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    /// Whole-request timeout in seconds (`0` for none).
    pub timeout_secs: u64,
    /// Connect timeout in seconds (`0` for none).
    pub connect_timeout_secs: u64,
    /// `User-Agent` header; `None` for Mosaic's default.
    pub user_agent: Option<String>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout_secs: 30,
            connect_timeout_secs: 10,
            user_agent: None,
        }
    }
}

impl HttpSettings {
    fn secs(s: u64) -> Option<Duration> {
        (s > 0).then(|| Duration::from_secs(s))
    }

    /// A transport builder for `provider` at `base_url` with these
    /// settings applied, sending through `egress` when given (a plugin's
    /// allowlisted client; see [`TransportBuilder::egress`]).
    pub fn transport(
        &self,
        provider: &'static str,
        base_url: &str,
        egress: Option<HttpClient>,
    ) -> TransportBuilder {
        let mut b = crate::http::Transport::builder(provider, base_url.to_owned())
            .timeout(Self::secs(self.timeout_secs))
            .connect_timeout(Self::secs(self.connect_timeout_secs))
            .egress_opt(egress);
        if let Some(ua) = &self.user_agent {
            b = b.user_agent(ua.clone());
        }
        b
    }
}

/// Load a provider configuration strictly: `value` is validated against
/// the provider's JSON Schema (unknown keys, wrong types and missing
/// required keys are `Config` errors naming each place as a JSON pointer,
/// never the value), the schema's defaults are filled in — the same
/// defaults a plugin host applies — and the result is deserialized into
/// `T`.
///
/// ```
/// # #[cfg(feature = "gitea")] {
/// use mosaic_providers::gitea::GiteaConfig;
/// let e = GiteaConfig::from_json(serde_json::json!({
///     "base_ur": "https://git.example.com/api/v1", "token": "t"
/// })).unwrap_err();
/// assert_eq!(e.kind(), mosaic_core::ErrorKind::Config);
/// assert!(e.fields().iter().any(|f| f.field == "/base_ur"), "{e}");
/// # }
/// ```
pub fn load<T: DeserializeOwned>(provider: &'static str, schema: &str, value: Value) -> Result<T> {
    let schema: Value = serde_json::from_str(schema).map_err(|e| {
        Error::internal(format!("the configuration schema is not JSON: {e}"))
            .with_provider(provider)
    })?;
    let schema = ConfigSchema::compile(&schema).map_err(|e| e.with_provider(provider))?;
    let mut doc = value;
    if !doc.is_object() {
        return Err(Error::config(format!(
            "invalid {provider} configuration: expected an object"
        ))
        .with_provider(provider)
        .with_fields(vec![FieldError::new("/", "expected an object")]));
    }
    schema.apply_defaults(&mut doc);
    let problems = schema.violations(&doc);
    if !problems.is_empty() {
        let list = problems
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(
            Error::config(format!("invalid {provider} configuration: {list}"))
                .with_provider(provider)
                .with_fields(problems),
        );
    }
    PluginConfig::from_values(doc)
        .parse()
        .map_err(|e| e.with_provider(provider))
}

/// The network hosts a provider's `plugin.json` declares (for a provider
/// built directly, the storage hosts its downloads may be redirected to).
#[cfg(feature = "_ci")]
#[cfg_attr(not(feature = "full"), allow(dead_code))]
pub(crate) fn manifest_hosts(plugin_json: &str) -> Vec<String> {
    serde_json::from_str::<Value>(plugin_json)
        .ok()
        .and_then(|v| {
            v.pointer("/permissions/network/hosts")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|h| h.as_str().map(str::to_owned))
                        .collect()
                })
        })
        .unwrap_or_default()
}

/// What every provider module has alike: `new` and `with_client` on
/// `$provider` (which has `build(config, Option<HttpClient>)`),
/// `from_json` on `$config`, and `plugin_factory`, whose plugin offers the
/// provider through `PluginServices::$with`. The module defines
/// `PROVIDER`, `PLUGIN_MANIFEST` and `CONFIG_SCHEMA`.
#[cfg_attr(not(feature = "full"), allow(unused_macros))]
macro_rules! provider_basics {
    ($provider:ident, $config:ident, $with:ident) => {
        impl $config {
            /// Parse a configuration object (as validated against
            /// [`CONFIG_SCHEMA`], whose defaults fill what it leaves out).
            pub fn from_json(value: serde_json::Value) -> mosaic_core::Result<Self> {
                $crate::config::load(PROVIDER, CONFIG_SCHEMA, value)
            }
        }

        impl $provider {
            /// A provider from its configuration, with its own HTTP client.
            pub fn new(config: $config) -> mosaic_core::Result<Self> {
                Self::build(config, None)
            }

            /// A provider that sends through `client`, an allowlisted client
            /// (a plugin's, from its context, or a host's); the base URL must
            /// be on its allowlist.
            pub fn with_client(
                config: $config,
                client: mosaic_plugin_sdk::HttpClient,
            ) -> mosaic_core::Result<Self> {
                Self::build(config, Some(client))
            }
        }

        /// The plugin factory: [`PLUGIN_MANIFEST`] with [`CONFIG_SCHEMA`]
        /// attached; an instance is built from a configuration valid against
        /// it, and starts only if the host allows its base URL.
        pub fn plugin_factory()
        -> mosaic_core::Result<std::sync::Arc<dyn mosaic_plugin_sdk::PluginFactory>> {
            $crate::catalog::provider_factory(PLUGIN_MANIFEST, CONFIG_SCHEMA, |c, http| {
                let cfg: $config = c.parse()?;
                let provider = $provider::with_client(cfg, http)?;
                Ok(mosaic_plugin_sdk::PluginServices::new().$with(std::sync::Arc::new(provider)))
            })
        }
    };
}
#[cfg_attr(not(feature = "full"), allow(unused_imports))]
pub(crate) use provider_basics;
