//! n8n as a plugin: manifest, configuration and instance.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use mosaic_core::workflow::WorkflowProvider;
use mosaic_core::{Error, Result};
use mosaic_plugin_sdk::{
    Plugin, PluginConfig, PluginContext, PluginFactory, PluginManifest, PluginServices,
};
use serde_json::Value;

use super::{CONFIG_SCHEMA, N8n, N8nConfig, PLUGIN_MANIFEST};

/// `plugin.json` with `config.schema.json` attached as `config.schema`, so
/// a host validates configuration, fills defaults and keeps secrets apart.
fn manifest() -> Result<PluginManifest> {
    let mut doc: Value = serde_json::from_str(PLUGIN_MANIFEST)
        .map_err(|e| Error::config(format!("plugin.json is not JSON: {e}")))?;
    let schema: Value = serde_json::from_str(CONFIG_SCHEMA)
        .map_err(|e| Error::config(format!("config.schema.json is not JSON: {e}")))?;
    let obj = doc
        .as_object_mut()
        .ok_or_else(|| Error::config("plugin.json must be an object"))?;
    obj.insert("config".to_owned(), serde_json::json!({ "schema": schema }));
    PluginManifest::from_value(&doc)
}

/// An n8n instance as a plugin.
struct N8nPlugin {
    workflow: Option<Arc<dyn WorkflowProvider>>,
}

impl fmt::Debug for N8nPlugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("N8nPlugin")
            .field("initialized", &self.workflow.is_some())
            .finish()
    }
}

#[async_trait]
impl Plugin for N8nPlugin {
    async fn initialize(&mut self, ctx: PluginContext, config: PluginConfig) -> Result<()> {
        let cfg: N8nConfig = config.parse()?;
        // Both the API and the webhooks live under the instance URL.
        ctx.http().check(&cfg.base_url)?;
        self.workflow = Some(Arc::new(N8n::new(cfg)?));
        Ok(())
    }

    fn services(&self) -> PluginServices {
        let mut s = PluginServices::new();
        if let Some(w) = &self.workflow {
            s = s.with_workflow(w.clone());
        }
        s
    }
}

/// The n8n plugin factory (manifest with its configuration schema).
pub fn plugin_factory() -> Result<Arc<dyn PluginFactory>> {
    Ok(Arc::new(mosaic_plugin_sdk::factory(manifest()?, || {
        Ok(Box::new(N8nPlugin { workflow: None }) as Box<dyn Plugin>)
    })))
}
