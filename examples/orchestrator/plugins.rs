//! The in-memory providers, registered with the plugin host like any
//! statically linked provider plugin.
//!
//! Each plugin instance is a thin client of a shared in-memory backend (the
//! "server"): hot-swapping a plugin replaces the client — new configuration,
//! new instance — while the data stays where it lives, as with a real forge.

use std::sync::Arc;

use mosaic_core::Result;
use mosaic_plugin_sdk::{
    Plugin, PluginConfig, PluginContext, PluginHost, PluginManifest, PluginServices, async_trait,
    factory,
};
use mosaic_testing::{FakeAi, FakeCiCd, FakeGit};

/// A backend a plugin instance serves.
#[derive(Clone)]
pub(crate) enum Backend {
    /// A forge.
    Git(FakeGit),
    /// A CI system.
    CiCd(FakeCiCd),
    /// An AI API.
    Ai(FakeAi),
}

struct MemPlugin {
    backend: Backend,
}

#[async_trait]
impl Plugin for MemPlugin {
    async fn initialize(&mut self, _ctx: PluginContext, _config: PluginConfig) -> Result<()> {
        // The host has validated the configuration against the schema and
        // filled in defaults; an in-memory client needs nothing from it.
        Ok(())
    }

    fn services(&self) -> PluginServices {
        match &self.backend {
            Backend::Git(g) => PluginServices::new().with_git(Arc::new(g.clone())),
            Backend::CiCd(c) => PluginServices::new().with_cicd(Arc::new(c.clone())),
            Backend::Ai(a) => PluginServices::new().with_ai(Arc::new(a.clone())),
        }
    }
}

fn manifest(id: &str, family: &str, provider: &str) -> Result<PluginManifest> {
    PluginManifest::parse(
        &serde_json::json!({
            "id": id,
            "name": format!("In-memory {provider}"),
            "version": "1.0.0",
            "families": [family],
            "provider": provider,
            "engines": {"mosaic": "^0.1"},
            "config": {"schema": {
                "type": "object",
                "properties": {"client": {"type": "string", "enum": ["v1", "v2"], "default": "v1"}},
                "additionalProperties": false
            }}
        })
        .to_string(),
    )
}

/// Register one plugin per backend with the host.
pub(crate) fn register(host: &PluginHost, plugins: &[(&str, &str, Backend)]) -> Result<()> {
    for (id, provider, backend) in plugins {
        let family = match backend {
            Backend::Git(_) => "git",
            Backend::CiCd(_) => "cicd",
            Backend::Ai(_) => "ai",
        };
        let backend = backend.clone();
        host.register(factory(manifest(id, family, provider)?, move || {
            Ok(Box::new(MemPlugin {
                backend: backend.clone(),
            }))
        }))?;
    }
    Ok(())
}
