//! A small plugin for the behaviour tests: serves a git provider, counts its
//! lifecycle, and misbehaves (fails, panics, hangs) where its configuration
//! says so.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use mosaic_core::git::{GitOp, GitProvider, RepoRef, Repository};
use mosaic_core::{Capabilities, Error, Result};
use mosaic_plugin_sdk::{
    HealthStatus, Plugin, PluginConfig, PluginContext, PluginFactory, PluginManifest,
    PluginServices, StateStore, factory,
};
use semver::Version;
use serde_json::{Value, json};

/// Lifecycle counters shared by every instance a factory makes.
#[derive(Debug, Default)]
pub struct Probe {
    pub created: AtomicUsize,
    pub initialized: AtomicUsize,
    pub started: AtomicUsize,
    pub stopped: AtomicUsize,
    pub disposed: AtomicUsize,
    pub migrations: parking_lot::Mutex<Vec<(Version, Version)>>,
}

impl Probe {
    pub fn get(&self, which: &AtomicUsize) -> usize {
        which.load(Ordering::SeqCst)
    }
}

/// The manifest of the test plugin `id` at `version`.
pub fn manifest_json(id: &str, version: &str) -> Value {
    json!({
        "id": id, "name": format!("Test {id}"), "version": version,
        "description": "a forge used in tests",
        "families": ["git"], "provider": "testforge", "keywords": ["fake"],
        "engines": {"mosaic": "^0.1"},
        "capabilities": {"git": ["git.repository.get"]},
        "config": {"schema": {
            "type": "object",
            "properties": {
                "label": {"type": "string", "default": "v"},
                "failIn": {"type": "string"},
                "panicIn": {"type": "string"},
                "hangIn": {"type": "string"},
                "unhealthy": {"type": "boolean", "default": false},
                "token": {"type": "string", "x-secret": true}
            }
        }}
    })
}

pub fn manifest(id: &str, version: &str) -> PluginManifest {
    PluginManifest::from_value(&manifest_json(id, version)).unwrap()
}

pub fn with_deps(id: &str, version: &str, deps: &[(&str, &str)]) -> PluginManifest {
    let mut v = manifest_json(id, version);
    v["dependencies"] = deps
        .iter()
        .map(|(k, r)| ((*k).to_owned(), json!(r)))
        .collect();
    PluginManifest::from_value(&v).unwrap()
}

/// A factory for `manifest` counting into `probe`.
pub fn test_factory(manifest: PluginManifest, probe: Arc<Probe>) -> impl PluginFactory {
    factory(manifest, move || {
        probe.created.fetch_add(1, Ordering::SeqCst);
        Ok(Box::new(TestPlugin {
            probe: probe.clone(),
            settings: Value::Null,
            version: None,
            forge: None,
        }))
    })
}

pub struct TestPlugin {
    probe: Arc<Probe>,
    settings: Value,
    version: Option<Version>,
    forge: Option<Arc<Forge>>,
}

impl TestPlugin {
    async fn misbehave(&self, hook: &str) -> Result<()> {
        misbehave(&self.settings, hook).await
    }
}

async fn misbehave(settings: &Value, hook: &str) -> Result<()> {
    if settings["panicIn"] == hook {
        panic!("test plugin told to panic in {hook}");
    }
    if settings["hangIn"] == hook {
        std::future::pending::<()>().await;
    }
    if settings["failIn"] == hook {
        return Err(Error::unavailable(format!(
            "test plugin told to fail in {hook}"
        )));
    }
    Ok(())
}

#[async_trait::async_trait]
impl Plugin for TestPlugin {
    async fn initialize(&mut self, context: PluginContext, config: PluginConfig) -> Result<()> {
        self.settings = config.values().clone();
        self.version = Some(context.version().clone());
        self.misbehave("initialize").await?;
        self.forge = Some(Arc::new(Forge {
            label: config.get_str("label").unwrap_or("?").to_owned(),
            version: context.version().to_string(),
            disposed: AtomicBool::new(false),
        }));
        self.probe.initialized.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn start(&self) -> Result<()> {
        self.misbehave("start").await?;
        self.probe.started.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn stop(&self) -> Result<()> {
        self.misbehave("stop").await?;
        self.probe.stopped.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn dispose(&self) -> Result<()> {
        if let Some(f) = &self.forge {
            f.disposed.store(true, Ordering::SeqCst);
        }
        self.probe.disposed.fetch_add(1, Ordering::SeqCst);
        self.misbehave("dispose").await
    }

    async fn health(&self) -> HealthStatus {
        if misbehave(&self.settings, "health").await.is_err() {
            return HealthStatus::Unhealthy("told to fail".into());
        }
        if self.settings["unhealthy"] == true {
            HealthStatus::Unhealthy("configured unhealthy".into())
        } else {
            HealthStatus::Healthy
        }
    }

    async fn migrate_state(&self, from: &Version, state: &StateStore) -> Result<()> {
        let to = self
            .version
            .clone()
            .unwrap_or_else(|| Version::new(0, 0, 0));
        state.set("schema", json!(to.to_string())).await?;
        // fails (if told to) after writing, so a rollback has state to restore
        self.misbehave("migrate_state").await?;
        self.probe.migrations.lock().push((from.clone(), to));
        Ok(())
    }

    fn services(&self) -> PluginServices {
        match &self.forge {
            Some(f) => PluginServices::new().with_git(f.clone()),
            None => PluginServices::new(),
        }
    }
}

/// Answers `get_repository` with `<label>/<name>` and the plugin version as
/// the description; panics for a repository named `boom`, never answers
/// for `slow`, takes one second for `sleepy`, and fails once its plugin
/// has been disposed.
pub struct Forge {
    label: String,
    version: String,
    disposed: AtomicBool,
}

#[async_trait::async_trait]
impl GitProvider for Forge {
    fn capabilities(&self) -> Capabilities {
        Capabilities::of([GitOp::GetRepository])
    }

    async fn get_repository(&self, r: RepoRef) -> Result<Repository> {
        if r.name == "boom" {
            panic!("provider exploded");
        }
        if r.name == "slow" {
            std::future::pending::<()>().await;
        }
        if r.name == "sleepy" {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
        tokio::task::yield_now().await;
        // a call still running when its instance is disposed fails, so a
        // swap that does not drain shows up as failed calls
        if self.disposed.load(Ordering::SeqCst) {
            return Err(Error::internal("instance used after dispose"));
        }
        Ok(Repository {
            full_name: format!("{}/{}", self.label, r.name),
            name: r.name,
            description: Some(self.version.clone()),
            ..Default::default()
        })
    }
}
