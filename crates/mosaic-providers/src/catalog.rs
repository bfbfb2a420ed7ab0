//! The providers compiled into this crate, as plugins a
//! [`PluginHost`](mosaic_plugin_sdk::PluginHost) can register.
//!
//! Each provider ships its `plugin.json` and `config.schema.json` next to
//! its code; [`manifest`] joins the two into one
//! [`PluginManifest`] (the schema becomes `config.schema`, so the host
//! validates configuration, applies defaults and keeps secrets apart).
//! [`factories`] lists a factory per provider enabled by cargo features.
//!
//! A plugin instance checks its configured base URL against the network
//! allowlist of its [`PluginContext`] before it builds the provider: a
//! self-hosted or enterprise instance works only when the host has granted
//! its host name. Every request then goes to that base URL only (next-page
//! cursors are checked against it and redirects stay on its origin).
//!
//! ```
//! # #[cfg(feature = "github")] {
//! let factories = mosaic_providers::catalog::factories()?;
//! assert!(factories.iter().any(|f| f.manifest().id == "github"));
//! # }
//! # Ok::<(), mosaic_core::Error>(())
//! ```

use std::sync::Arc;

use async_trait::async_trait;
use mosaic_core::git::GitProvider;
use mosaic_core::{Error, Result};
use mosaic_plugin_sdk::{
    Plugin, PluginConfig, PluginContext, PluginFactory, PluginManifest, PluginServices,
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

type Build = fn(&PluginConfig) -> Result<(String, Arc<dyn GitProvider>)>;

type MakeFactory = fn() -> Result<Arc<dyn PluginFactory>>;

/// A forge as a plugin instance.
struct ForgePlugin {
    build: Build,
    git: Option<Arc<dyn GitProvider>>,
}

#[async_trait]
impl Plugin for ForgePlugin {
    async fn initialize(&mut self, ctx: PluginContext, config: PluginConfig) -> Result<()> {
        let (base_url, git) = (self.build)(&config)?;
        ctx.http().check(&base_url)?;
        self.git = Some(git);
        Ok(())
    }

    fn services(&self) -> PluginServices {
        let mut s = PluginServices::new();
        if let Some(g) = &self.git {
            s = s.with_git(g.clone());
        }
        s
    }
}

fn forge_factory(manifest: PluginManifest, build: Build) -> Arc<dyn PluginFactory> {
    Arc::new(mosaic_plugin_sdk::factory(manifest, move || {
        Ok(Box::new(ForgePlugin { build, git: None }) as Box<dyn Plugin>)
    }))
}

/// The GitHub plugin factory.
#[cfg(feature = "github")]
pub fn github() -> Result<Arc<dyn PluginFactory>> {
    use crate::github::{CONFIG_SCHEMA, GitHub, GitHubConfig, PLUGIN_MANIFEST};
    Ok(forge_factory(
        manifest(PLUGIN_MANIFEST, CONFIG_SCHEMA)?,
        |c| {
            let cfg: GitHubConfig = c.parse()?;
            Ok((cfg.base_url.clone(), Arc::new(GitHub::new(cfg)?)))
        },
    ))
}

/// The Gitea / Forgejo plugin factory.
#[cfg(feature = "gitea")]
pub fn gitea() -> Result<Arc<dyn PluginFactory>> {
    use crate::gitea::{CONFIG_SCHEMA, Gitea, GiteaConfig, PLUGIN_MANIFEST};
    Ok(forge_factory(
        manifest(PLUGIN_MANIFEST, CONFIG_SCHEMA)?,
        |c| {
            let cfg: GiteaConfig = c.parse()?;
            Ok((cfg.base_url.clone(), Arc::new(Gitea::new(cfg)?)))
        },
    ))
}

/// The GitLab plugin factory.
#[cfg(feature = "gitlab")]
pub fn gitlab() -> Result<Arc<dyn PluginFactory>> {
    use crate::gitlab::{CONFIG_SCHEMA, GitLab, GitLabConfig, PLUGIN_MANIFEST};
    Ok(forge_factory(
        manifest(PLUGIN_MANIFEST, CONFIG_SCHEMA)?,
        |c| {
            let cfg: GitLabConfig = c.parse()?;
            Ok((cfg.base_url.clone(), Arc::new(GitLab::new(cfg)?)))
        },
    ))
}

/// The Bitbucket Cloud plugin factory.
#[cfg(feature = "bitbucket")]
pub fn bitbucket() -> Result<Arc<dyn PluginFactory>> {
    use crate::bitbucket::{Bitbucket, BitbucketConfig, CONFIG_SCHEMA, PLUGIN_MANIFEST};
    Ok(forge_factory(
        manifest(PLUGIN_MANIFEST, CONFIG_SCHEMA)?,
        |c| {
            let cfg: BitbucketConfig = c.parse()?;
            Ok((cfg.base_url.clone(), Arc::new(Bitbucket::new(cfg)?)))
        },
    ))
}

/// A factory for every provider enabled by cargo features (forges, and
/// the knowledge bases, CI/CD systems, workflow engines and issue trackers
/// when their features are on too).
pub fn factories() -> Result<Vec<Arc<dyn PluginFactory>>> {
    let makers: &[MakeFactory] = &[
        #[cfg(feature = "github")]
        github,
        #[cfg(feature = "gitea")]
        gitea,
        #[cfg(feature = "gitlab")]
        gitlab,
        #[cfg(feature = "bitbucket")]
        bitbucket,
        #[cfg(feature = "notion")]
        crate::notion::plugin_factory,
        #[cfg(feature = "bookstack")]
        crate::bookstack::plugin_factory,
        #[cfg(feature = "confluence")]
        crate::confluence::plugin_factory,
        #[cfg(feature = "wikijs")]
        crate::wikijs::plugin_factory,
        #[cfg(feature = "github-actions")]
        crate::github_actions::plugin_factory,
        #[cfg(feature = "gitlab-ci")]
        crate::gitlab_ci::plugin_factory,
        #[cfg(feature = "jenkins")]
        crate::jenkins::plugin_factory,
        #[cfg(feature = "woodpecker")]
        crate::woodpecker::plugin_factory,
        #[cfg(feature = "n8n")]
        crate::n8n::plugin_factory,
        #[cfg(feature = "linear")]
        crate::linear::plugin_factory,
        #[cfg(feature = "jira")]
        crate::jira::plugin_factory,
    ];
    makers.iter().map(|make| make()).collect()
}
