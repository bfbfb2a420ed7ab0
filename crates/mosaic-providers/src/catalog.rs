//! The providers compiled into this crate, as plugins a
//! [`PluginHost`](mosaic_plugin_sdk::PluginHost) can register.
//!
//! Each provider ships its `plugin.json` and `config.schema.json` next to
//! its code; [`manifest`] joins the two into one [`PluginManifest`] (the
//! schema becomes `config.schema`, so the host validates configuration,
//! applies defaults and keeps secrets apart). [`factories`] lists a factory
//! per provider enabled by cargo features.
//!
//! One glue serves every provider: a plugin instance builds its provider
//! over the plugin's own allowlisted [`HttpClient`], so every request —
//! and every redirect hop — is checked against the manifest's hosts (as
//! trust leaves them) plus the hosts the host granted. A self-hosted or
//! enterprise instance starts only when the host has granted its host
//! (`PluginHostBuilder::grant_hosts`); otherwise the plugin fails to start
//! with `PermissionDenied` naming the host and the grant to add.
//!
//! ```
//! # #[cfg(feature = "github")] {
//! let factories = mosaic_providers::catalog::factories()?;
//! assert!(factories.iter().any(|f| f.manifest().id == "github"));
//! # }
//! # Ok::<(), mosaic_core::Error>(())
//! ```

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use mosaic_core::{Error, Result};
use mosaic_plugin_sdk::{
    HttpClient, Plugin, PluginConfig, PluginContext, PluginFactory, PluginManifest, PluginServices,
};
use serde_json::Value;

/// The manifest of a provider: its `plugin.json` with its
/// `config.schema.json` as `config.schema`.
pub fn manifest(plugin_json: &str, config_schema: &str) -> Result<PluginManifest> {
    let mut doc: Value = serde_json::from_str(plugin_json)
        .map_err(|e| Error::config(format!("plugin.json is not JSON: {e}")))?;
    let schema: Value = serde_json::from_str(config_schema)
        .map_err(|e| Error::config(format!("config.schema.json is not JSON: {e}")))?;
    let obj = doc
        .as_object_mut()
        .ok_or_else(|| Error::config("plugin.json must be an object"))?;
    obj.insert("config".to_owned(), serde_json::json!({ "schema": schema }));
    PluginManifest::from_value(&doc)
}

/// Builds a provider's services from its validated configuration, sending
/// through the plugin's allowlisted client.
pub type Build = fn(&PluginConfig, HttpClient) -> Result<PluginServices>;

/// Any provider of this crate as a plugin instance.
struct ProviderPlugin {
    build: Build,
    services: Option<PluginServices>,
}

impl fmt::Debug for ProviderPlugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderPlugin")
            .field("initialized", &self.services.is_some())
            .finish()
    }
}

#[async_trait]
impl Plugin for ProviderPlugin {
    async fn initialize(&mut self, ctx: PluginContext, config: PluginConfig) -> Result<()> {
        self.services = Some((self.build)(&config, ctx.http().clone())?);
        Ok(())
    }

    fn services(&self) -> PluginServices {
        self.services.clone().unwrap_or_default()
    }
}

/// A plugin factory for a provider: its manifest (`plugin.json` with its
/// config schema attached, see [`manifest`]) and how to build it. Every
/// provider of this crate is offered this way; a host can wrap its own
/// provider the same way, and it then sends through the plugin's
/// allowlisted client like the built-in ones.
pub fn provider_factory(
    plugin_json: &str,
    config_schema: &str,
    build: Build,
) -> Result<Arc<dyn PluginFactory>> {
    let m = manifest(plugin_json, config_schema)?;
    Ok(Arc::new(mosaic_plugin_sdk::factory(m, move || {
        Ok(Box::new(ProviderPlugin {
            build,
            services: None,
        }) as Box<dyn Plugin>)
    })))
}

type MakeFactory = fn() -> Result<Arc<dyn PluginFactory>>;

/// A factory for every provider enabled by cargo features: forges, CI/CD
/// systems, AI models, knowledge bases, workflow engines and issue
/// trackers (nineteen with feature `full`).
pub fn factories() -> Result<Vec<Arc<dyn PluginFactory>>> {
    let makers: &[MakeFactory] = &[
        #[cfg(feature = "github")]
        crate::github::plugin_factory,
        #[cfg(feature = "gitea")]
        crate::gitea::plugin_factory,
        #[cfg(feature = "gitlab")]
        crate::gitlab::plugin_factory,
        #[cfg(feature = "bitbucket")]
        crate::bitbucket::plugin_factory,
        #[cfg(feature = "github-actions")]
        crate::github_actions::plugin_factory,
        #[cfg(feature = "gitlab-ci")]
        crate::gitlab_ci::plugin_factory,
        #[cfg(feature = "jenkins")]
        crate::jenkins::plugin_factory,
        #[cfg(feature = "woodpecker")]
        crate::woodpecker::plugin_factory,
        #[cfg(feature = "openai")]
        crate::openai::plugin_factory,
        #[cfg(feature = "anthropic")]
        crate::anthropic::plugin_factory,
        #[cfg(feature = "ollama")]
        crate::ollama::plugin_factory,
        #[cfg(feature = "notion")]
        crate::notion::plugin_factory,
        #[cfg(feature = "bookstack")]
        crate::bookstack::plugin_factory,
        #[cfg(feature = "confluence")]
        crate::confluence::plugin_factory,
        #[cfg(feature = "wikijs")]
        crate::wikijs::plugin_factory,
        #[cfg(feature = "n8n")]
        crate::n8n::plugin_factory,
        #[cfg(feature = "linear")]
        crate::linear::plugin_factory,
        #[cfg(feature = "jira")]
        crate::jira::plugin_factory,
    ];
    makers.iter().map(|make| make()).collect()
}
