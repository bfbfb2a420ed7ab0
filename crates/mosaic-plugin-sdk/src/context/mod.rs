//! [`PluginContext`]: everything a plugin instance may use from its host.

pub mod http;
mod state;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mosaic_core::{Error, ErrorKind, Result, Secret};
use semver::Version;

pub use http::{Allowlist, Denial, HostPattern, HttpClient, Redirects, SendError};
pub use state::StateStore;

use crate::config::{Env, PluginConfig};
use crate::manifest::{FilesystemPermission, Permissions, PluginManifest};
use crate::trust::TrustLevel;

/// What a plugin instance gets from its host: a permission-checked HTTP
/// client, its configuration and secrets, the environment variables it
/// declared, its state store, metrics and a tracing span.
///
/// Provider adapters take their HTTP client and credentials from here and
/// nowhere else, so the manifest's permissions bound what they can reach.
/// Cheap to clone.
#[derive(Clone)]
pub struct PluginContext {
    inner: Arc<Inner>,
}

struct Inner {
    id: String,
    version: Version,
    trust: TrustLevel,
    permissions: Permissions,
    http: HttpClient,
    env: Env,
    state: StateStore,
    config: PluginConfig,
    metrics: PluginMetrics,
    span: tracing::Span,
}

impl fmt::Debug for PluginContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("PluginContext")
            .field("id", &i.id)
            .field("version", &i.version)
            .field("trust", &i.trust)
            .field("permissions", &i.permissions)
            .field("config", &i.config)
            .field("state", &i.state)
            .finish()
    }
}

impl PluginContext {
    /// Start building a context for `manifest`'s plugin. By default it gets
    /// exactly the permissions the manifest declares, trust `Internal`, the
    /// process environment, an in-memory state store and an empty
    /// configuration. Hosts narrow this by trust; tests use it directly.
    pub fn builder(manifest: &PluginManifest) -> PluginContextBuilder {
        PluginContextBuilder {
            id: manifest.id.clone(),
            version: manifest.version.clone(),
            call_timeout: manifest.limits.call_timeout,
            permissions: manifest.permissions.clone(),
            trust: TrustLevel::Internal,
            env: Env::system(),
            state: None,
            config: PluginConfig::default(),
            grants: Vec::new(),
        }
    }

    /// The plugin id.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// The plugin version.
    pub fn version(&self) -> &Version {
        &self.inner.version
    }

    /// The trust level granted.
    pub fn trust(&self) -> TrustLevel {
        self.inner.trust
    }

    /// The permissions in force (declared, cut down by trust).
    pub fn permissions(&self) -> &Permissions {
        &self.inner.permissions
    }

    /// The HTTP client, confined to the allowed hosts.
    pub fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// The resolved configuration.
    pub fn config(&self) -> &PluginConfig {
        &self.inner.config
    }

    /// A secret configuration value, by key or JSON pointer.
    pub fn secret(&self, key: &str) -> Option<&Secret> {
        self.inner.config.secret(key)
    }

    /// An environment variable the manifest declared. Reading any other is
    /// `PermissionDenied`; a declared but unset variable is `Ok(None)`.
    pub fn env(&self, name: &str) -> Result<Option<String>> {
        if !self.inner.permissions.environment.iter().any(|n| n == name) {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                format!(
                    "plugin `{}` may not read environment variable `{name}` (not declared in permissions.environment)",
                    self.inner.id
                ),
            )
            .with_provider(self.inner.id.clone()));
        }
        Ok(self.inner.env.var(name))
    }

    /// An environment variable the manifest declared, as a secret.
    pub fn env_secret(&self, name: &str) -> Result<Option<Secret>> {
        Ok(self.env(name)?.map(Secret::new))
    }

    /// Read a file below one of the declared read-only paths (symbolic links
    /// are resolved before the check).
    pub async fn read_file(&self, path: impl AsRef<Path>) -> Result<Vec<u8>> {
        let path = path.as_ref();
        let denied = |why: &str| {
            Err(Error::new(
                ErrorKind::PermissionDenied,
                format!(
                    "plugin `{}` may not read {}: {why}",
                    self.inner.id,
                    path.display()
                ),
            )
            .with_provider(self.inner.id.clone()))
        };
        let FilesystemPermission::ReadOnly(roots) = &self.inner.permissions.filesystem else {
            return denied("it has no file access");
        };
        let real = match tokio::fs::canonicalize(path).await {
            Ok(p) => p,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::not_found(format!(
                    "{} does not exist",
                    path.display()
                )));
            }
            Err(_) => return denied("it cannot be resolved"),
        };
        let mut allowed = false;
        for root in roots {
            let root: PathBuf = tokio::fs::canonicalize(root)
                .await
                .unwrap_or_else(|_| root.clone());
            if real.starts_with(&root) {
                allowed = true;
                break;
            }
        }
        if !allowed {
            return denied("it is outside the declared read-only paths");
        }
        tokio::fs::read(&real).await.map_err(|e| {
            Error::new(
                ErrorKind::Unavailable,
                format!("cannot read {}: {e}", path.display()),
            )
        })
    }

    /// The plugin's state store (shared by all its instances).
    pub fn state(&self) -> &StateStore {
        &self.inner.state
    }

    /// Metrics labelled with the plugin id.
    pub fn metrics(&self) -> &PluginMetrics {
        &self.inner.metrics
    }

    /// The plugin's tracing span (`plugin` with `id` and `version`); the
    /// host runs every hook inside it.
    pub fn span(&self) -> &tracing::Span {
        &self.inner.span
    }
}

/// Builds a [`PluginContext`]; see [`PluginContext::builder`].
#[derive(Debug)]
pub struct PluginContextBuilder {
    id: String,
    version: Version,
    call_timeout: Option<std::time::Duration>,
    permissions: Permissions,
    trust: TrustLevel,
    env: Env,
    state: Option<StateStore>,
    config: PluginConfig,
    grants: Vec<HostPattern>,
}

impl PluginContextBuilder {
    /// Hosts the host grants this plugin beyond its manifest (a
    /// self-hosted instance, an internal server): `host`, `host:port`, or
    /// `http://host:port` to allow plain http to it. Grants are not cut
    /// down by trust: they are the host's own decision.
    pub fn grant_hosts(mut self, grants: impl IntoIterator<Item = HostPattern>) -> Self {
        self.grants.extend(grants);
        self
    }

    /// The permissions in force.
    pub fn permissions(mut self, permissions: Permissions) -> Self {
        self.permissions = permissions;
        self
    }

    /// The trust level granted.
    pub fn trust(mut self, level: TrustLevel) -> Self {
        self.trust = level;
        self
    }

    /// Where environment variables come from.
    pub fn env(mut self, env: Env) -> Self {
        self.env = env;
        self
    }

    /// The state store.
    pub fn state(mut self, state: StateStore) -> Self {
        self.state = Some(state);
        self
    }

    /// The resolved configuration.
    pub fn config(mut self, config: PluginConfig) -> Self {
        self.config = config;
        self
    }

    /// The context.
    pub fn build(self) -> PluginContext {
        let mut allow = Allowlist::new(&self.permissions.network);
        if !self.trust.grants().any_host {
            allow.deny_internal_addresses();
        }
        allow.grant(self.grants);
        let http = HttpClient::new(
            self.id.clone(),
            allow,
            format!(
                "mosaic-plugin/{} {}/{}",
                crate::SDK_VERSION,
                self.id,
                self.version
            ),
            self.call_timeout,
        );
        let span = tracing::info_span!("plugin", id = %self.id, version = %self.version);
        PluginContext {
            inner: Arc::new(Inner {
                metrics: PluginMetrics {
                    plugin: self.id.clone(),
                },
                http,
                state: self.state.unwrap_or_default(),
                id: self.id,
                version: self.version,
                trust: self.trust,
                permissions: self.permissions,
                env: self.env,
                config: self.config,
                span,
            }),
        }
    }
}

/// Metrics (through the `metrics` facade) labelled `plugin = <id>`.
#[derive(Debug, Clone)]
pub struct PluginMetrics {
    plugin: String,
}

impl PluginMetrics {
    /// A counter named `name`.
    pub fn counter(&self, name: &str) -> metrics::Counter {
        metrics::counter!(name.to_owned(), "plugin" => self.plugin.clone())
    }

    /// A gauge named `name`.
    pub fn gauge(&self, name: &str) -> metrics::Gauge {
        metrics::gauge!(name.to_owned(), "plugin" => self.plugin.clone())
    }

    /// A histogram named `name`.
    pub fn histogram(&self, name: &str) -> metrics::Histogram {
        metrics::histogram!(name.to_owned(), "plugin" => self.plugin.clone())
    }
}
