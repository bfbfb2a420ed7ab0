//! What a host knows about its plugins, and how to search it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use mosaic_core::{Error, Family};
use semver::Version;

use crate::lifecycle::PluginState;
use crate::manifest::PluginManifest;
use crate::trust::{Origin, TrustLevel};

/// A summary of one registered plugin.
#[derive(Debug, Clone)]
pub struct PluginInfo {
    /// The plugin id.
    pub id: String,
    /// The version loaded, or else the newest registered.
    pub version: Version,
    /// Every registered version.
    pub versions: Vec<Version>,
    /// Lifecycle state.
    pub state: PluginState,
    /// Trust level of the version described.
    pub trust: TrustLevel,
    /// The key whose signature earned it, if any.
    pub signed_by: Option<String>,
    /// Whether a statically linked implementation is registered.
    pub loadable: bool,
    /// Where the manifest described came from.
    pub origin: Origin,
    /// The manifest of the version described.
    pub manifest: Arc<PluginManifest>,
}

/// A registry search; every criterion given must match.
///
/// ```
/// use mosaic_plugin_sdk::PluginQuery;
/// use mosaic_core::Family;
/// let q = PluginQuery::new().family(Family::Git).capability("git.repository.create").text("forge");
/// # let _ = q;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginQuery {
    family: Option<Family>,
    capability: Option<String>,
    provider: Option<String>,
    text: Option<String>,
}

impl PluginQuery {
    /// Match everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// Plugins implementing `family`.
    pub fn family(mut self, family: Family) -> Self {
        self.family = Some(family);
        self
    }

    /// Plugins declaring the operation `name` (e.g. `git.pull_request.merge`).
    pub fn capability(mut self, name: impl Into<String>) -> Self {
        self.capability = Some(name.into());
        self
    }

    /// Plugins for `provider` (exact, case-insensitive).
    pub fn provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = Some(provider.into());
        self
    }

    /// Plugins whose id, name, provider, description or keywords contain
    /// `text` (case-insensitive).
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Whether `manifest` matches.
    pub fn matches(&self, manifest: &PluginManifest) -> bool {
        if let Some(f) = self.family
            && !manifest.implements(f)
        {
            return false;
        }
        if let Some(op) = &self.capability
            && !manifest.declares_operation(op)
        {
            return false;
        }
        if let Some(p) = &self.provider
            && !manifest.provider.eq_ignore_ascii_case(p)
        {
            return false;
        }
        if let Some(t) = &self.text {
            let t = t.to_lowercase();
            let hay = [
                Some(manifest.id.as_str()),
                Some(manifest.name.as_str()),
                Some(manifest.provider.as_str()),
                manifest.description.as_deref(),
            ];
            let found = hay.iter().flatten().any(|s| s.to_lowercase().contains(&t))
                || manifest
                    .keywords
                    .iter()
                    .any(|k| k.to_lowercase().contains(&t));
            if !found {
                return false;
            }
        }
        true
    }
}

/// What [`PluginHost::discover`](crate::PluginHost::discover) found.
#[derive(Debug, Default)]
pub struct DiscoveryReport {
    /// `id@version` of every manifest registered.
    pub registered: Vec<String>,
    /// Manifests that could not be used, with why.
    pub errors: Vec<(PathBuf, Error)>,
}

/// What [`PluginHost::start_all`](crate::PluginHost::start_all) did.
#[derive(Debug, Default)]
pub struct StartReport {
    /// Started (or already running), in start order.
    pub started: Vec<String>,
    /// Failed to load or start (now `Failed`), with why.
    pub failed: Vec<(String, Error)>,
    /// Not started because a dependency did not start.
    pub skipped: Vec<(String, String)>,
}

/// How to hot swap a plugin; see [`PluginHost::swap`](crate::PluginHost::swap).
#[derive(Debug, Clone, Default)]
pub struct SwapOptions {
    pub(crate) version: Option<Version>,
    pub(crate) config: Option<serde_json::Value>,
    pub(crate) force: bool,
}

impl SwapOptions {
    /// Same version, same configuration (a restart without downtime).
    pub fn new() -> Self {
        Self::default()
    }

    /// Switch to this registered version.
    pub fn version(mut self, version: Version) -> Self {
        self.version = Some(version);
        self
    }

    /// Use this configuration (it replaces the stored one if the swap succeeds).
    pub fn config(mut self, config: serde_json::Value) -> Self {
        self.config = Some(config);
        self
    }

    /// Allow switching to a lower version.
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }
}

/// What a successful hot swap did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwapReport {
    /// The version replaced.
    pub from: Version,
    /// The version now serving.
    pub to: Version,
    /// The new instance's generation.
    pub generation: u64,
    /// From the start of the swap to the atomic switch: building,
    /// initializing, migrating, starting and health-checking the new
    /// instance (the swap time, excluding the drain).
    pub prepare: Duration,
    /// Waiting for the old instance's calls to finish.
    pub drain: Duration,
    /// Whether they all finished before the drain deadline.
    pub drained: bool,
    /// Whether the old instance's `stop` and `dispose` succeeded.
    pub retired_cleanly: bool,
}
