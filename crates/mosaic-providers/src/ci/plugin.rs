//! Plugin plumbing shared by the CI/CD plugin factories.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use mosaic_core::cicd::CiCdProvider;
use mosaic_core::{Error, Result};
use mosaic_plugin_sdk::{
    Plugin, PluginConfig, PluginContext, PluginFactory, PluginManifest, PluginServices,
};
use serde_json::Value;

/// A provider's manifest: its `plugin.json` with its `config.schema.json`
/// attached as `config.schema`, so a host validates configuration, fills
/// defaults and keeps secrets apart.
pub(crate) fn manifest(plugin_json: &str, config_schema: &str) -> Result<PluginManifest> {
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

/// Builds a provider from a validated configuration; returns the base URL
/// it will call (checked against the host's allowlist) and the provider.
pub(crate) type Build = fn(&PluginConfig) -> Result<(String, Arc<dyn CiCdProvider>)>;

/// A CI/CD provider as a plugin instance.
struct CiPlugin {
    build: Build,
    cicd: Option<Arc<dyn CiCdProvider>>,
}

impl fmt::Debug for CiPlugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CiPlugin")
            .field("initialized", &self.cicd.is_some())
            .finish()
    }
}

#[async_trait]
impl Plugin for CiPlugin {
    async fn initialize(&mut self, ctx: PluginContext, config: PluginConfig) -> Result<()> {
        let (base_url, cicd) = (self.build)(&config)?;
        ctx.http().check(&base_url)?;
        self.cicd = Some(cicd);
        Ok(())
    }

    fn services(&self) -> PluginServices {
        let mut s = PluginServices::new();
        if let Some(c) = &self.cicd {
            s = s.with_cicd(c.clone());
        }
        s
    }
}

/// A factory making [`CiPlugin`]s with `build`.
pub(crate) fn factory(manifest: PluginManifest, build: Build) -> Arc<dyn PluginFactory> {
    Arc::new(mosaic_plugin_sdk::factory(manifest, move || {
        Ok(Box::new(CiPlugin { build, cicd: None }) as Box<dyn Plugin>)
    }))
}
