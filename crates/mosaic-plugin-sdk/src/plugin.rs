//! The [`Plugin`] trait, the provider services a plugin exposes, and the
//! [`PluginFactory`] a host registers.

use std::fmt;
use std::sync::Arc;

use mosaic_core::ai::AiProvider;
use mosaic_core::cicd::CiCdProvider;
use mosaic_core::git::GitProvider;
use mosaic_core::kb::KnowledgeBaseProvider;
use mosaic_core::project::ProjectProvider;
use mosaic_core::workflow::WorkflowProvider;
use mosaic_core::{Family, Result};
use semver::Version;

use crate::config::PluginConfig;
use crate::context::{PluginContext, StateStore};
use crate::manifest::PluginManifest;

/// A plugin instance, driven by a host through its lifecycle.
///
/// The host calls, each under a timeout and with panics contained:
/// [`initialize`](Plugin::initialize) once (the instance is not shared yet,
/// hence `&mut self`), then [`migrate_state`](Plugin::migrate_state) when
/// this instance replaces an older version, [`start`](Plugin::start),
/// [`health`](Plugin::health) as often as it likes, and finally
/// [`stop`](Plugin::stop) and [`dispose`](Plugin::dispose). Between start and
/// stop it serves calls through the providers of
/// [`services`](Plugin::services), which the host reads once after
/// initialization.
#[async_trait::async_trait]
pub trait Plugin: Send + Sync + 'static {
    /// Prepare the instance: keep the context (HTTP client, secrets, state),
    /// read the configuration, build the providers.
    async fn initialize(&mut self, context: PluginContext, config: PluginConfig) -> Result<()>;

    /// Begin serving (open connections, start background work).
    async fn start(&self) -> Result<()> {
        Ok(())
    }

    /// Stop background work; in-flight calls have already drained.
    async fn stop(&self) -> Result<()> {
        Ok(())
    }

    /// Release everything; the instance is dropped afterwards.
    async fn dispose(&self) -> Result<()> {
        Ok(())
    }

    /// How the instance is doing. A hot swap only switches to an instance
    /// that is not `Unhealthy`.
    async fn health(&self) -> HealthStatus {
        HealthStatus::Healthy
    }

    /// Rewrite state written by version `from` of this plugin into this
    /// version's shape. Called on upgrades (and forced downgrades) before
    /// `start`; on a failed swap the host restores the state as it was.
    async fn migrate_state(&self, from: &Version, state: &StateStore) -> Result<()> {
        let _ = (from, state);
        Ok(())
    }

    /// The providers this instance serves.
    fn services(&self) -> PluginServices;
}

/// The outcome of a health check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthStatus {
    /// Working.
    Healthy,
    /// Working with reduced service.
    Degraded(String),
    /// Not working.
    Unhealthy(String),
}

impl HealthStatus {
    /// Whether calls may be routed here (`Healthy` or `Degraded`).
    pub fn is_usable(&self) -> bool {
        !matches!(self, HealthStatus::Unhealthy(_))
    }
}

/// The provider services a plugin instance exposes, one per family at most.
#[derive(Clone, Default)]
pub struct PluginServices {
    /// Git forge.
    pub git: Option<Arc<dyn GitProvider>>,
    /// CI/CD.
    pub cicd: Option<Arc<dyn CiCdProvider>>,
    /// AI.
    pub ai: Option<Arc<dyn AiProvider>>,
    /// Knowledge base.
    pub kb: Option<Arc<dyn KnowledgeBaseProvider>>,
    /// Workflow engine.
    pub workflow: Option<Arc<dyn WorkflowProvider>>,
    /// Issue tracker.
    pub project: Option<Arc<dyn ProjectProvider>>,
}

impl PluginServices {
    /// No services.
    pub fn new() -> Self {
        Self::default()
    }

    /// With a git provider.
    pub fn with_git(mut self, p: Arc<dyn GitProvider>) -> Self {
        self.git = Some(p);
        self
    }

    /// With a CI/CD provider.
    pub fn with_cicd(mut self, p: Arc<dyn CiCdProvider>) -> Self {
        self.cicd = Some(p);
        self
    }

    /// With an AI provider.
    pub fn with_ai(mut self, p: Arc<dyn AiProvider>) -> Self {
        self.ai = Some(p);
        self
    }

    /// With a knowledge-base provider.
    pub fn with_kb(mut self, p: Arc<dyn KnowledgeBaseProvider>) -> Self {
        self.kb = Some(p);
        self
    }

    /// With a workflow provider.
    pub fn with_workflow(mut self, p: Arc<dyn WorkflowProvider>) -> Self {
        self.workflow = Some(p);
        self
    }

    /// With an issue-tracker provider.
    pub fn with_project(mut self, p: Arc<dyn ProjectProvider>) -> Self {
        self.project = Some(p);
        self
    }

    /// The families served.
    pub fn families(&self) -> Vec<Family> {
        let mut out = Vec::new();
        if self.git.is_some() {
            out.push(Family::Git);
        }
        if self.cicd.is_some() {
            out.push(Family::CiCd);
        }
        if self.ai.is_some() {
            out.push(Family::Ai);
        }
        if self.kb.is_some() {
            out.push(Family::KnowledgeBase);
        }
        if self.workflow.is_some() {
            out.push(Family::Workflow);
        }
        if self.project.is_some() {
            out.push(Family::Project);
        }
        out
    }

    /// Whether `family` is served.
    pub fn serves(&self, family: Family) -> bool {
        self.families().contains(&family)
    }
}

impl fmt::Debug for PluginServices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginServices")
            .field("families", &self.families())
            .finish()
    }
}

/// Makes instances of one statically linked plugin. A host registers
/// factories (`host.register(factory)`); a providers crate can expose a
/// catalog of them.
pub trait PluginFactory: Send + Sync + 'static {
    /// The plugin's manifest.
    fn manifest(&self) -> &PluginManifest;

    /// A fresh, uninitialized instance.
    fn create(&self) -> Result<Box<dyn Plugin>>;

    /// The plugin's content, for checking a manifest's `contentHash`
    /// (`None`: nothing to check against).
    fn content(&self) -> Option<Vec<u8>> {
        None
    }
}

/// A [`PluginFactory`] from a manifest and a function.
///
/// ```
/// # use mosaic_plugin_sdk::{factory, Plugin, PluginConfig, PluginContext, PluginManifest, PluginServices};
/// struct Nothing;
/// #[async_trait::async_trait]
/// impl Plugin for Nothing {
///     async fn initialize(&mut self, _: PluginContext, _: PluginConfig) -> mosaic_core::Result<()> { Ok(()) }
///     fn services(&self) -> PluginServices { PluginServices::new() }
/// }
/// let manifest = PluginManifest::parse(r#"{"id": "nothing", "name": "Nothing", "version": "1.0.0",
///     "families": ["git"], "provider": "none", "engines": {"mosaic": "*"}}"#).unwrap();
/// let f = factory(manifest, || Ok(Box::new(Nothing)));
/// ```
pub fn factory<F>(manifest: PluginManifest, create: F) -> FnFactory<F>
where
    F: Fn() -> Result<Box<dyn Plugin>> + Send + Sync + 'static,
{
    FnFactory { manifest, create }
}

/// See [`factory`].
pub struct FnFactory<F> {
    manifest: PluginManifest,
    create: F,
}

impl<F> fmt::Debug for FnFactory<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnFactory")
            .field("plugin", &self.manifest.key())
            .finish()
    }
}

impl<F> PluginFactory for FnFactory<F>
where
    F: Fn() -> Result<Box<dyn Plugin>> + Send + Sync + 'static,
{
    fn manifest(&self) -> &PluginManifest {
        &self.manifest
    }

    fn create(&self) -> Result<Box<dyn Plugin>> {
        (self.create)()
    }
}
