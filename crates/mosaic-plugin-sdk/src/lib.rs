//! # mosaic-plugin-sdk
//!
//! Every Mosaic provider is a plugin: statically linked, but described by a
//! manifest, configured through a JSON Schema, confined by declared
//! permissions and managed by a host through a formal lifecycle.
//!
//! * [`PluginManifest`]: `plugin.json` — identity, families, capabilities,
//!   engine range, dependencies, permissions, configuration schema, limits,
//!   integrity. Every problem is reported at once at its JSON pointer.
//! * [`trust`]: content hashes, ed25519 signatures, trusted keys and the
//!   [`TrustLevel`] that decides what a plugin may do.
//! * [`PluginConfig`]: configuration validated against the schema, with
//!   defaults, `MOSAIC_<PLUGIN>__<KEY>` environment overrides and secrets
//!   that never print.
//! * [`Plugin`] and [`PluginFactory`]: what a plugin implements;
//!   [`PluginContext`]: what it gets (an allowlisted HTTP client, declared
//!   environment variables, a state store that survives hot swaps, metrics,
//!   a tracing span).
//! * [`lifecycle`]: the state machine and the events a host broadcasts.
//! * [`PluginHost`]: registration, discovery, dependency-ordered start and
//!   stop, fault containment (hook timeouts, panics), registry search, and
//!   hot swap with draining and rollback. [`PluginHandle`] implements every
//!   provider trait and keeps working across swaps.
//!
//! ```
//! use std::sync::Arc;
//! use mosaic_core::git::{GitOp, GitProvider, RepoRef, Repository};
//! use mosaic_core::{Capabilities, Result};
//! use mosaic_plugin_sdk::{
//!     factory, Plugin, PluginConfig, PluginContext, PluginHost, PluginManifest, PluginServices,
//!     SwapOptions,
//! };
//!
//! /// A forge that names repositories after its configured owner.
//! struct Forge { owner: String }
//!
//! #[async_trait::async_trait]
//! impl GitProvider for Forge {
//!     fn capabilities(&self) -> Capabilities { Capabilities::of([GitOp::GetRepository]) }
//!     async fn get_repository(&self, r: RepoRef) -> Result<Repository> {
//!         Ok(Repository { full_name: format!("{}/{}", self.owner, r.name), ..Default::default() })
//!     }
//! }
//!
//! #[derive(Default)]
//! struct ForgePlugin { forge: Option<Arc<Forge>> }
//!
//! #[async_trait::async_trait]
//! impl Plugin for ForgePlugin {
//!     async fn initialize(&mut self, _ctx: PluginContext, config: PluginConfig) -> Result<()> {
//!         let owner = config.get_str("owner").unwrap_or_default().to_owned();
//!         self.forge = Some(Arc::new(Forge { owner }));
//!         Ok(())
//!     }
//!     fn services(&self) -> PluginServices {
//!         let mut s = PluginServices::new();
//!         if let Some(f) = &self.forge { s = s.with_git(f.clone()); }
//!         s
//!     }
//! }
//!
//! let manifest = PluginManifest::parse(r#"{
//!     "id": "forge", "name": "Example forge", "version": "1.0.0",
//!     "families": ["git"], "provider": "example", "engines": {"mosaic": "^0.1"},
//!     "capabilities": {"git": ["git.repository.get"]},
//!     "config": {"schema": {"type": "object", "properties": {
//!         "owner": {"type": "string", "default": "acme"}
//!     }}}
//! }"#)?;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let host = PluginHost::new();
//! host.register(factory(manifest, || Ok(Box::new(ForgePlugin::default()))))?;
//! let git = host.start("forge").await?;          // a PluginHandle: give it to the router
//! let repo = git.get_repository(RepoRef::new("acme", "tools")).await?;
//! assert_eq!(repo.full_name, "acme/tools");
//!
//! // hot swap to a new configuration: the same handle follows
//! host.swap("forge", SwapOptions::new().config(serde_json::json!({"owner": "umbrella"}))).await?;
//! assert_eq!(git.get_repository(RepoRef::new("acme", "tools")).await?.full_name, "umbrella/tools");
//! # Ok::<(), mosaic_core::Error>(())
//! # })?;
//! # Ok::<(), mosaic_core::Error>(())
//! ```

pub mod config;
pub mod context;
pub mod deps;
mod handle;
mod host;
pub mod lifecycle;
pub mod manifest;
mod net;
mod plugin;
mod pointer;
pub mod trust;

/// The attribute for implementing [`Plugin`] and the provider traits
/// (re-exported so plugin crates need no direct dependency).
pub use async_trait::async_trait;
pub use config::{ConfigSchema, Env, PluginConfig};
pub use context::{
    Allowlist, HostPattern, HttpClient, PluginContext, PluginContextBuilder, PluginMetrics,
    Redirects, SendError, StateStore,
};
pub use handle::PluginHandle;
pub use host::{
    DiscoveryReport, PluginHost, PluginHostBuilder, PluginInfo, PluginQuery, StartReport,
    SwapOptions, SwapReport,
};
pub use lifecycle::{EventKind, PluginEvent, PluginState};
pub use manifest::{PluginManifest, SDK_VERSION};
pub use plugin::{FnFactory, HealthStatus, Plugin, PluginFactory, PluginServices, factory};
pub use trust::{TrustLevel, TrustStore};
