//! The plugin side of the AI providers: a manifest with the configuration
//! schema folded in, and a plugin that builds its provider at
//! initialization.

use std::fmt;
use std::sync::Arc;

use mosaic_core::ai::AiProvider;
use mosaic_core::{Error, Result};
use mosaic_plugin_sdk::{
    Plugin, PluginConfig, PluginContext, PluginFactory, PluginManifest, PluginServices, factory,
};
use serde_json::Value;

/// Parse `plugin_json` with `schema_json` as its `config.schema`.
pub(crate) fn manifest(plugin_json: &str, schema_json: &str) -> Result<PluginManifest> {
    let mut doc: Value = serde_json::from_str(plugin_json)
        .map_err(|e| Error::config(format!("plugin.json is not JSON: {e}")))?;
    let schema: Value = serde_json::from_str(schema_json)
        .map_err(|e| Error::config(format!("config.schema.json is not JSON: {e}")))?;
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("config".to_owned(), serde_json::json!({ "schema": schema }));
    }
    PluginManifest::from_value(&doc)
}

/// Builds the provider of a plugin from its context and configuration.
pub(crate) type Build = fn(&PluginContext, &PluginConfig) -> Result<Arc<dyn AiProvider>>;

/// A plugin serving one AI provider.
pub(crate) struct AiPlugin {
    name: &'static str,
    build: Build,
    provider: Option<Arc<dyn AiProvider>>,
}

impl fmt::Debug for AiPlugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AiPlugin")
            .field("name", &self.name)
            .field("initialized", &self.provider.is_some())
            .finish()
    }
}

#[async_trait::async_trait]
impl Plugin for AiPlugin {
    async fn initialize(&mut self, context: PluginContext, config: PluginConfig) -> Result<()> {
        self.provider = Some((self.build)(&context, &config)?);
        Ok(())
    }

    fn services(&self) -> PluginServices {
        match &self.provider {
            Some(p) => PluginServices::new().with_ai(p.clone()),
            None => PluginServices::new(),
        }
    }
}

/// A factory of [`AiPlugin`]s.
pub(crate) fn ai_factory(
    name: &'static str,
    plugin_json: &str,
    schema_json: &str,
    build: Build,
) -> Result<Arc<dyn PluginFactory>> {
    let m = manifest(plugin_json, schema_json)?;
    Ok(Arc::new(factory(m, move || {
        Ok(Box::new(AiPlugin {
            name,
            build,
            provider: None,
        }) as Box<dyn Plugin>)
    })))
}

/// Check that `base_url` is allowed by the plugin's network permission.
pub(crate) fn check_url(context: &PluginContext, base_url: &str) -> Result<()> {
    context.http().check(base_url).map(drop)
}
